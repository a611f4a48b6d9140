"""Citizens' interactions into the store, each stored once however often it arrives.

`InteractionStore.store_batch` writes a whole batch in a handful of statements, whatever its
size: the batch becomes one Arrow table, registered on the cursor. When none of it is stored
yet (the usual case) that is one ``INSERT ... SELECT``, the UNIQUE index checking each row.
When some of it is (that insert fails and rolls back), one join with what is stored finds
those rows; the rest are inserted, and only if something changed a TEMP staging table feeds
one ``INSERT`` into ``interaction_changes`` for edits and hides and one ``UPDATE ... FROM``
for the changed rows. No round trip per row. ``UNIQUE (platform, platform_id)`` makes storing
idempotent: the same batch twice, or a comment seen by the webhook and again by the poll, is
stored once.

The city's own replies are stored too (``from_city``), since the first response time is
measured from them: on Facebook they are the comments whose author is the Page; on X the
adapter leaves the account's own posts out of the mentions, so the reply service must store
the city's X replies itself (`store_batch` flags them by the account's user id).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from hub.clock import utc_now
from hub.platforms.base import Interaction, Platform
from hub.store import Store
from hub.text import visible_bidi_controls_sql

log = logging.getLogger(__name__)

SOURCES = ("poll", "webhook")

_STAGING_SCHEMA = pa.schema(
    [
        ("ordinal", pa.int64()),
        ("platform", pa.string()),
        ("platform_id", pa.string()),
        ("kind", pa.string()),
        ("thread_id", pa.string()),
        ("parent_id", pa.string()),
        ("author_id", pa.string()),
        ("author_name", pa.string()),
        ("text", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("permalink", pa.string()),
        ("from_city", pa.bool_()),
        ("is_hidden", pa.bool_()),
        ("raw", pa.string()),
    ]
)


# The registered batch with its text and names in NFC, the form the hub stores, and their
# bidirectional controls made visible (hub/text.py: what staff see is what was written).
# Done here, in one vectorised pass, rather than by each adapter in Python: it is the one
# place every interaction passes through, and a text sent in another normal form is then no
# edit. The raw payload keeps the original.
_NORMALISED_BATCH = (
    "(SELECT * REPLACE ("
    f"{visible_bidi_controls_sql('nfc_normalize(text)')} AS text,"
    f" {visible_bidi_controls_sql('nfc_normalize(author_name)')} AS author_name)"
    " FROM ingest_arrow)"
)


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    """What one stored batch changed."""

    new: tuple[int, ...]  # hub ids of the interactions stored for the first time
    edited: int  # already stored, text changed (recorded in interaction_changes)
    unchanged: int  # already stored, nothing to record
    hidden_changes: int  # already stored, hidden or shown again


@dataclass(frozen=True)
class PreparedBatch:
    """A batch of interactions as the Arrow table `InteractionStore` writes (None: empty)."""

    table: pa.Table | None


# -- storing -------------------------------------------------------------------------------


class InteractionStore:
    """Stores interactions in bulk, once each, and records later edits, hides and deletions."""

    def __init__(
        self,
        store: Store,
        *,
        city_author_ids: Mapping[Platform | str, str] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """`city_author_ids`: the city's own account per platform (the Page id, the X user id);
        interactions written by it are stored with ``from_city`` true."""
        self._store = store
        self._clock = clock
        self._city_author_ids = {
            str(Platform(platform).value): author_id
            for platform, author_id in (city_author_ids or {}).items()
            if author_id
        }

    def store_batch(self, interactions: Sequence[Interaction], source: str) -> IngestResult:
        """Store a batch in one transaction: new ones inserted, edits and hides recorded.

        Within a batch the last occurrence of an interaction wins. An interaction already
        stored with the same text and visibility is left alone (its first ``source`` and raw
        payload stay); one whose text changed gets an ``edit`` change with the old and new
        text, its text, raw payload and ``edited_at`` updated.
        """
        return self.store_prepared(self.prepare(interactions), source)

    def prepare(self, interactions: Sequence[Interaction]) -> PreparedBatch:
        """The Python half of `store_batch`: the batch as the columns to write.

        A pull prepares a batch in the thread that reads while the previous one is written
        in another (`StoringBehind`): preparing needs the GIL, writing mostly does not.
        """
        return PreparedBatch(self._as_arrow(_last_of_each(interactions)) if interactions else None)

    def store_prepared(self, prepared: PreparedBatch, source: str) -> IngestResult:
        """The database half of `store_batch`, for a batch from `prepare`."""
        _check_source(source)
        batch = prepared.table
        if batch is None:
            return IngestResult((), 0, 0, 0)
        now = self._clock()
        # Usually nothing in a batch is stored yet (a pull reads from its watermark). Then one
        # INSERT is all it takes, the UNIQUE index checking each row as it goes in, whereas
        # finding the stored ones first costs a scan of the whole table per batch. One row
        # already stored makes that insert fail and roll back, and the batch is then compared
        # with what is stored.
        try:
            with self._store.transaction() as cur:
                return IngestResult(self._insert(cur, batch, source, now), 0, 0, 0)
        except duckdb.ConstraintException:
            pass
        with self._store.transaction() as cur:
            return self._store_some_stored(cur, batch, source, now)

    def _insert(self, cur: Any, batch: pa.Table, source: str, now: datetime) -> tuple[int, ...]:
        """Insert every row of `batch`; the new hub ids, ascending."""
        # No cleanup on failure: the transaction is aborted then (even an unregister fails),
        # and what was registered goes with the cursor, which the store closes.
        cur.register("ingest_arrow", batch)
        inserted = cur.execute(
            "INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id,"
            " author_id, author_name, text, created_at, permalink, from_city, is_hidden,"
            " raw, first_seen_at, source)"
            " SELECT platform, platform_id, kind, thread_id, parent_id, author_id,"
            "  author_name, text, created_at, permalink, from_city, is_hidden, raw,"
            "  $now, $source"
            f" FROM {_NORMALISED_BATCH} RETURNING id",
            {"now": now, "source": source},
        ).fetchnumpy()["id"]
        cur.unregister("ingest_arrow")
        return tuple(sorted(inserted.tolist()))

    def _store_some_stored(
        self, cur: Any, batch: pa.Table, source: str, now: datetime
    ) -> IngestResult:
        """A batch of which some rows are stored already: those compared, the rest inserted."""
        cur.register("ingest_arrow", batch)
        # One join finds the stored rows and what differs; they are at most the batch, so the
        # counting is done here rather than by more statements.
        # An erased interaction (hub.privacy) is never brought up to date again: its text
        # and name stay erased however often the platform still shows them.
        found = cur.execute(
            "SELECT b.ordinal, b.text IS DISTINCT FROM i.text AND i.erased_at IS NULL,"
            " b.is_hidden IS DISTINCT FROM i.is_hidden AND i.erased_at IS NULL,"
            " i.permalink IS NULL AND b.permalink IS NOT NULL AND i.erased_at IS NULL"
            f" FROM {_NORMALISED_BATCH} AS b JOIN interactions AS i"
            "  ON i.platform = b.platform AND i.platform_id = b.platform_id"
        ).fetchall()
        edited = sum(1 for _, text, _, _ in found if text)
        hidden = sum(1 for _, _, shown, _ in found if shown)
        changed = sum(1 for _, text, shown, _ in found if text or shown)
        if changed or any(learnt for *_, learnt in found):
            self._record_changes(cur, source, now)
        cur.unregister("ingest_arrow")
        new_ids: tuple[int, ...] = ()
        if len(found) < batch.num_rows:
            stored = pa.array(sorted(ordinal for ordinal, *_ in found), pa.int64())
            fresh = batch.filter(pc.invert(pc.is_in(batch["ordinal"], value_set=stored)))
            new_ids = self._insert(cur, fresh, source, now)
        return IngestResult(
            new=new_ids, edited=edited, unchanged=len(found) - changed, hidden_changes=hidden
        )

    def _record_changes(self, cur: Any, source: str, now: datetime) -> None:
        """Edits and hides into ``interaction_changes``, and the stored rows brought up to date
        (text, raw payload, visibility, a permalink learnt)."""
        cur.execute(
            "CREATE TEMP TABLE ingest_stored AS"
            " SELECT b.ordinal, i.id AS stored_id, i.text AS stored_text, b.text, b.raw,"
            "  b.is_hidden, b.permalink,"
            "  b.text IS DISTINCT FROM i.text AS text_changed,"
            "  b.is_hidden IS DISTINCT FROM i.is_hidden AS hidden_changed,"
            "  i.permalink IS NULL AND b.permalink IS NOT NULL AS permalink_learnt"
            f" FROM {_NORMALISED_BATCH} AS b JOIN interactions AS i"
            "  ON i.platform = b.platform AND i.platform_id = b.platform_id"
            " WHERE i.erased_at IS NULL AND (b.text IS DISTINCT FROM i.text"
            "  OR b.is_hidden IS DISTINCT FROM i.is_hidden"
            "  OR (i.permalink IS NULL AND b.permalink IS NOT NULL))"
        )
        cur.execute(
            "INSERT INTO interaction_changes (interaction_id, occurred_at, change, old_text,"
            " new_text, source)"
            " SELECT stored_id, $now, 'edit', stored_text, text, $source"
            "  FROM ingest_stored WHERE text_changed"
            " UNION ALL"
            " SELECT stored_id, $now, CASE WHEN is_hidden THEN 'hide' ELSE 'unhide' END,"
            "  NULL, NULL, $source"
            "  FROM ingest_stored WHERE hidden_changed",
            {"now": now, "source": source},
        )
        cur.execute(
            "UPDATE interactions SET"
            " text = CASE WHEN s.text_changed THEN s.text ELSE interactions.text END,"
            " raw = CASE WHEN s.text_changed THEN s.raw ELSE interactions.raw END,"
            " edited_at = CASE WHEN s.text_changed THEN $now ELSE interactions.edited_at END,"
            " is_hidden = s.is_hidden,"
            " permalink = coalesce(interactions.permalink, s.permalink)"
            " FROM ingest_stored AS s"
            " WHERE interactions.id = s.stored_id",
            {"now": now},
        )
        cur.execute("DROP TABLE temp.ingest_stored")

    def mark_deleted(
        self, platform: Platform | str, platform_ids: Iterable[str], source: str
    ) -> tuple[int, ...]:
        """Record that these interactions were deleted on the platform; returns the hub ids
        newly marked (already deleted or unknown ones are left alone)."""
        _check_source(source)
        ids = sorted(set(platform_ids))
        if not ids:
            return ()
        now = self._clock()
        with self._store.transaction() as cur:
            marked = cur.execute(
                "UPDATE interactions SET deleted_at = ?"
                " WHERE platform = ? AND platform_id IN (SELECT unnest(?::VARCHAR[]))"
                "  AND deleted_at IS NULL RETURNING id, text",
                [now, str(Platform(platform).value), ids],
            ).fetchall()
            if marked:
                cur.executemany(
                    "INSERT INTO interaction_changes (interaction_id, occurred_at, change,"
                    " old_text, new_text, source) VALUES (?, ?, 'delete', ?, NULL, ?)",
                    [[hub_id, now, text, source] for hub_id, text in marked],
                )
        return tuple(sorted(hub_id for hub_id, _ in marked))

    def set_hidden(
        self, platform: Platform | str, platform_ids: Iterable[str], hidden: bool, source: str
    ) -> tuple[int, ...]:
        """Record that these interactions were hidden (or shown again); returns the hub ids
        whose visibility changed."""
        _check_source(source)
        ids = sorted(set(platform_ids))
        if not ids:
            return ()
        now = self._clock()
        with self._store.transaction() as cur:
            changed = cur.execute(
                "UPDATE interactions SET is_hidden = ?"
                " WHERE platform = ? AND platform_id IN (SELECT unnest(?::VARCHAR[]))"
                "  AND is_hidden <> ? RETURNING id",
                [hidden, str(Platform(platform).value), ids, hidden],
            ).fetchall()
            if changed:
                cur.executemany(
                    "INSERT INTO interaction_changes (interaction_id, occurred_at, change,"
                    " old_text, new_text, source) VALUES (?, ?, ?, NULL, NULL, ?)",
                    [[row[0], now, "hide" if hidden else "unhide", source] for row in changed],
                )
        return tuple(sorted(row[0] for row in changed))

    def live_ids_of_threads(
        self, platform: Platform | str, thread_ids: Iterable[str], seen_before: datetime
    ) -> dict[str, set[str]]:
        """Platform ids not marked deleted per thread, first seen before `seen_before`."""
        threads = sorted(set(thread_ids))
        found: dict[str, set[str]] = {thread: set() for thread in threads}
        if not threads:
            return found
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT thread_id, platform_id FROM interactions"
                " WHERE platform = ? AND thread_id IN (SELECT unnest(?::VARCHAR[]))"
                "  AND deleted_at IS NULL AND first_seen_at < ?",
                [str(Platform(platform).value), threads, seen_before],
            ).fetchall()
        for thread_id, platform_id in rows:
            found[thread_id].add(platform_id)
        return found

    def _as_arrow(self, interactions: Sequence[Interaction]) -> pa.Table:
        """The batch column by column (raw payload as JSON text, text not yet in NFC)."""

        def column(name: str) -> list[Any]:
            # map with attrgetter reads a field of a million objects in a third less time
            # than a comprehension does.
            return list(map(attrgetter(name), interactions))

        city = self._city_author_ids
        # The enums as plain str: Arrow converts a str subclass ten times slower.
        platforms = list(map(str, column("platform")))
        author_ids = column("author_id")
        created = column("created_at")
        raws = column("raw")
        return pa.table(
            {
                "ordinal": pa.array(range(len(interactions)), pa.int64()),
                "platform": platforms,
                "platform_id": column("platform_id"),
                "kind": list(map(str, column("kind"))),
                "thread_id": column("thread_id"),
                "parent_id": column("parent_id"),
                "author_id": author_ids,
                "author_name": column("author_name"),
                "text": column("text"),
                # Epoch microseconds: Arrow converts aware datetimes one utcoffset() call at
                # a time.
                "created_at": pa.array(
                    [round(moment.timestamp() * 1_000_000) for moment in created], pa.int64()
                ).cast(_STAGING_SCHEMA.field("created_at").type),
                "permalink": [link or None for link in column("permalink")],
                "from_city": [
                    city.get(platform) == author
                    for platform, author in zip(platforms, author_ids, strict=True)
                ],
                "is_hidden": column("is_hidden"),
                # As bytes, checked as UTF-8 once for the whole column by the cast.
                "raw": pa.array(
                    [_raw_json(raw) if raw else None for raw in raws], pa.binary()
                ).cast(pa.string()),
            },
            schema=_STAGING_SCHEMA,
        )


def _raw_json(payload: Mapping[str, Any]) -> bytes:
    """The platform's payload as compact UTF-8 JSON (Bengali kept as it is, not escaped)."""
    try:
        return orjson.dumps(payload, default=str)
    except orjson.JSONEncodeError:
        # orjson refuses integers beyond 64 bits and keys that are not strings; json takes both.
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _last_of_each(interactions: Sequence[Interaction]) -> Sequence[Interaction]:
    """The batch with only the last occurrence of each (platform, platform id), in order."""
    # Ids alone are nearly always distinct, and distinct ids make distinct keys.
    if len(set(map(attrgetter("platform_id"), interactions))) == len(interactions):
        return interactions
    keys = [(i.platform, i.platform_id) for i in interactions]
    last = {key: index for index, key in enumerate(keys)}
    return [i for index, i in enumerate(interactions) if last[keys[index]] == index]


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")


class StoringBehind:
    """Runs storing work on one worker thread, one batch behind the reading.

    A pull reads a group of posts, hands the storing of it here and reads the next group
    while it is stored: fetching and parsing pages on one side, DuckDB inserting and
    committing (which releases the GIL) on the other, so a machine's second core does the
    storing. Work runs in the order submitted and one at a time; `submit` first waits for the
    previous work and raises its error, so a failed store stops the reading. Leaving the
    block waits for the last work: whatever was read before a failure is stored.
    """

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def __enter__(self) -> StoringBehind:
        return self

    def __exit__(self, error_type: type[BaseException] | None, *_: object) -> None:
        try:
            if error_type is None:
                self.wait()
            elif self._pending is not None:
                # Already failing: keep what was read, and let the first error through.
                pending_error = self._pending.exception()
                if pending_error is not None:
                    log.error("storing a batch failed too: %s", pending_error)
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True)

    def submit(self, work: Callable[[], None]) -> None:
        """Wait for the previous work (raising its error), then start `work`."""
        self.wait()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-storing")
        self._pending = self._executor.submit(work)

    def wait(self) -> None:
        """Wait for the work in progress, if any; raises its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()


__all__ = [
    "IngestResult",
    "InteractionStore",
    "PreparedBatch",
    "StoringBehind",
]
