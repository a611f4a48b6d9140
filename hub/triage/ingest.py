"""Citizens' interactions into the store: stored once, pulled on a schedule, pushed by webhook.

Three services share one storing path:

- `InteractionStore.store_batch` writes a whole batch in a handful of statements, whatever
  its size: the batch becomes one Arrow table, registered on the cursor. When none of it is
  stored yet (the usual case) that is one ``INSERT ... SELECT``, the UNIQUE index checking
  each row. When some of it is (that insert fails and rolls back), one join with what is
  stored finds those rows; the rest are inserted, and only if something changed a TEMP
  staging table feeds one ``INSERT`` into ``interaction_changes`` for edits and hides and one
  ``UPDATE ... FROM`` for the changed rows. No round trip per row.
  ``UNIQUE (platform, platform_id)`` makes storing idempotent: the same batch twice, or a
  comment seen by the webhook and again by the poll, is stored once.
- `PullService.pull_all` is the scheduler's cycle (`jobs/pull.py`): Facebook comments and
  replies on the Page's recent posts, and the X account's mentions, each platform on its own
  so that one failing never stops the other.
- `WebhookReceiver.receive` checks the Graph ``feed`` webhook's ``X-Hub-Signature-256`` over the
  raw body and stores the comment at once; polling still fills any gap the webhook missed.

How a Facebook cycle stays cheap: one call lists the recent posts with their comment counts
(100 posts per call); a post is read only when its count differs from the count kept for it,
incrementally from the adapter's per-post watermark when the count went up. When the count
went down, comments were deleted: that post is re-listed in full and the stored comments it no
longer has are marked deleted. Edits and hides leave the count alone, so the webhook is their
main path; as a backstop each post with comments is re-read in full once every
``reread_interval`` (6 hours by default), at most ``max_rereads_per_cycle`` posts a cycle.
The posts to read are read and stored ``POSTS_PER_STORE`` at a time.

The city's own replies are stored too (``from_city``), since the first response time is
measured from them: on Facebook they are the comments whose author is the Page; on X the
adapter leaves the account's own posts out of the mentions, so the reply service must store
the city's X replies itself (`store_batch` flags them by the account's user id).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from operator import attrgetter
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import HubError, NotSupported, RateLimited
from hub.platforms.base import Interaction, InteractionKind, Platform, RecentPost
from hub.platforms.registry import PlatformAccounts
from hub.store import Store
from hub.text import visible_bidi_controls_sql

log = logging.getLogger(__name__)

SOURCES = ("poll", "webhook")
WEBHOOK_ROUTE = "/webhooks/facebook"
# The name webhook deliveries are audited under (nobody logged in sends them).
WEBHOOK_ACTOR = "facebook-webhook"
PULL_ACTOR = "pull-job"

# Graph lists at most 100 posts per call.
POSTS_PER_REQUEST = 100
# Posts whose comments a Facebook pull reads and stores together: one `store_batch` each.
# 50 is also how many posts the adapter asks Graph for in one call when reading by id.
POSTS_PER_STORE = 50
# Pages of 100 mentions an X pull reads a cycle (and stores together): the rest waits for the
# next cycle, so a backlog never spends the app's mentions quota in one go.
X_PAGES_PER_CYCLE = 10
# The listing's limit when no cap is set: the lookback window alone bounds it.
_EVERY_POST = 10**9
# Every comment of a post that is read is read to its end: a partial read could not tell a
# deleted comment from one not reached yet.
_UNBOUNDED_COMMENTS = 10**9
# A publish-only X account is asked again this rarely (it may have been upgraded).
NOT_SUPPORTED_RETRY = timedelta(hours=6)
# A rate limit that does not say how long to wait.
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=5)

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


@dataclass(frozen=True)
class PlatformPull:
    """One platform's part of a pull cycle."""

    platform: Platform
    # 'ok', 'error', 'not_supported' (publish-only account), 'not_configured', 'waiting'
    # (a rate limit or an earlier refusal says not yet), 'busy' (another cycle is running).
    status: str
    requests: int = 0
    new: int = 0
    edited: int = 0
    deleted: int = 0
    hidden_changes: int = 0
    error: str | None = None

    @property
    def summary(self) -> str:
        """One line, e.g. ``facebook: ok, 2 requests, 3 new, 1 edited``."""
        parts = [f"{self.platform.value}: {self.status}", f"{self.requests} requests"]
        for name in ("new", "edited", "deleted", "hidden_changes"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name.replace('_', ' ')}")
        if self.error:
            parts.append(self.error)
        return ", ".join(parts)


@dataclass(frozen=True)
class PullReport:
    """A pull cycle: one entry per platform."""

    platforms: tuple[PlatformPull, ...] = ()

    def of(self, platform: Platform) -> PlatformPull:
        """The entry of one platform."""
        return next(p for p in self.platforms if p.platform == platform)

    @property
    def requests(self) -> int:
        """Requests made to every platform."""
        return sum(p.requests for p in self.platforms)

    @property
    def new(self) -> int:
        """Interactions stored for the first time."""
        return sum(p.new for p in self.platforms)

    @property
    def summary(self) -> str:
        """One line for the job's heartbeat and the log."""
        return "; ".join(p.summary for p in self.platforms) or "nothing to pull"


@dataclass(frozen=True)
class WebhookResult:
    """What a webhook delivery came to, and the HTTP status to answer with."""

    # 200 accepted, 400 malformed body, 403 signature refused, 413 body too large,
    # 429 too many refusals from the source
    status: int
    reason: str = "ok"
    new: int = 0
    edited: int = 0
    deleted: int = 0
    hidden_changes: int = 0
    ignored: int = 0  # changes that are not about comments (reactions, posts, ...)

    @property
    def accepted(self) -> bool:
        """Whether the delivery was signed correctly and readable."""
        return self.status == 200


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
        found = cur.execute(
            "SELECT b.ordinal, b.text IS DISTINCT FROM i.text,"
            " b.is_hidden IS DISTINCT FROM i.is_hidden,"
            " i.permalink IS NULL AND b.permalink IS NOT NULL"
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
            " WHERE b.text IS DISTINCT FROM i.text OR b.is_hidden IS DISTINCT FROM i.is_hidden"
            "  OR (i.permalink IS NULL AND b.permalink IS NOT NULL)"
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


# -- pulling ---------------------------------------------------------------------------------


@dataclass
class _PostState:
    """What the pull job knows of one Facebook post between cycles."""

    comment_count: int  # the post's stream comment count when last read (-1: read again)
    full_read_at: int  # epoch seconds of the last complete listing (0: never)


@dataclass
class _FacebookCursor:
    """The stored Facebook cursor: the adapter's watermarks plus the job's own count per post.

    The adapter's cursor (JSON ``{"v": 1, "posts": {post_id: [count, newest, seen]}}``) is kept
    as it is, except that the job edits two things the adapter documents: a count of -1 makes
    the adapter read that post again from its watermark, and a post left out is read in full.
    The counts the job compares are its own, taken from the one posts call of the cycle.
    """

    adapter_posts: dict[str, Any] = field(default_factory=dict)
    posts: dict[str, _PostState] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> _FacebookCursor:
        """Read a stored cursor; an unreadable one starts over (every post read in full)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            adapter = json.loads(data["adapter"])["posts"] if data.get("adapter") else {}
            posts = {
                str(post_id): _PostState(int(count), int(full))
                for post_id, (count, full) in data["posts"].items()
            }
            return cls(dict(adapter), posts)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("the stored Facebook comments cursor is unreadable: reading posts anew")
            return cls()

    def adapter_cursor(self, read_again: Iterable[str], read_in_full: Iterable[str]) -> str:
        """The adapter's cursor for reading these posts: `read_again` marked stale,
        `read_in_full` left out (the adapter reads only the posts it is given)."""
        posts = {}
        for post_id in read_again:
            if post_id in self.adapter_posts:
                posts[post_id] = [-1, *list(self.adapter_posts[post_id])[1:]]
        return json.dumps({"v": 1, "posts": posts}, separators=(",", ":"))

    def merge_adapter_cursor(self, text: str | None) -> None:
        """Take the watermarks the adapter returned for the posts it read."""
        if text:
            self.adapter_posts.update(json.loads(text).get("posts", {}))

    def keep_only(self, post_ids: set[str]) -> None:
        """Forget posts that left the lookback window."""
        self.adapter_posts = {k: v for k, v in self.adapter_posts.items() if k in post_ids}
        self.posts = {k: v for k, v in self.posts.items() if k in post_ids}

    def dump(self) -> str:
        """The cursor to store."""
        return json.dumps(
            {
                "v": 1,
                "adapter": json.dumps(
                    {"v": 1, "posts": dict(sorted(self.adapter_posts.items()))},
                    separators=(",", ":"),
                ),
                "posts": {
                    k: [s.comment_count, s.full_read_at] for k, s in sorted(self.posts.items())
                },
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class _SyncState:
    cursor: str | None
    last_error: str | None
    next_attempt_at: datetime | None


class PullService:
    """Pulls Facebook comments and replies and X mentions into the store, incrementally."""

    FACEBOOK_SCOPE = "comments"
    X_SCOPE = "mentions"

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        settings: Settings,
        *,
        interactions: InteractionStore,
        clock: Callable[[], datetime] = utc_now,
        reread_interval: timedelta | None = timedelta(hours=6),
        max_rereads_per_cycle: int = 5,
        # None: every post in the lookback window. A cap would silently stop pulling the
        # comments of a busy Page's older posts (3,000 in 14 days is the Page).
        max_posts: int | None = None,
        posts_per_store: int = POSTS_PER_STORE,
    ) -> None:
        self._store = store
        self._audit = audit
        self._platforms = platforms
        self._settings = settings
        self._interactions = interactions
        self._clock = clock
        self._reread_interval = reread_interval
        self._max_rereads = max_rereads_per_cycle
        self._max_posts = max_posts
        self._posts_per_store = posts_per_store
        self._cycle_lock = threading.Lock()
        # The status a platform is waiting in ('not_supported' or 'error'), for the report.
        self._waiting_status: dict[Platform, str] = {}
        # The kind of the last failure per platform: a new kind is audited, a repeat is not.
        self._failure_kind: dict[Platform, str] = {}

    def pull_all(self) -> PullReport:
        """One cycle over every platform; a platform's failure is recorded, never raised."""
        if not self._cycle_lock.acquire(blocking=False):
            return PullReport(
                tuple(PlatformPull(p, "busy") for p in (Platform.FACEBOOK, Platform.X))
            )
        try:
            return PullReport(
                (
                    self._pull_guarded(Platform.FACEBOOK, self.FACEBOOK_SCOPE, self._pull_facebook),
                    self._pull_guarded(Platform.X, self.X_SCOPE, self._pull_x),
                )
            )
        finally:
            self._cycle_lock.release()

    # -- per platform ------------------------------------------------------------------------

    def _pull_guarded(
        self,
        platform: Platform,
        scope: str,
        pull: Callable[[Any, _SyncState, datetime], PlatformPull],
    ) -> PlatformPull:
        """Run one platform's pull, turning every failure into a recorded status."""
        now = self._clock()
        state = self._sync_state(platform, scope)
        adapter = self._platforms.adapter(platform)
        if adapter is None:
            return PlatformPull(platform, "not_configured", error="no account is configured")
        if state.next_attempt_at is not None and now < state.next_attempt_at:
            status = self._waiting_status.get(platform, "waiting")
            return PlatformPull(platform, status, error=state.last_error)
        try:
            result = pull(adapter, state, now)
        except NotSupported as exc:
            result = PlatformPull(platform, "not_supported", requests=1, error=exc.message)
            self._record_failure(platform, scope, state, result, now + NOT_SUPPORTED_RETRY, exc)
        except RateLimited as exc:
            wait = (
                timedelta(seconds=exc.retry_after_seconds)
                if exc.retry_after_seconds
                else DEFAULT_RATE_LIMIT_WAIT
            )
            result = PlatformPull(platform, "error", requests=1, error=exc.message)
            self._record_failure(platform, scope, state, result, now + wait, exc)
        except HubError as exc:
            # TokenExpired, PermissionMissing, TemporaryFailure, StoreError...: try next cycle.
            result = PlatformPull(platform, "error", requests=1, error=exc.message)
            self._record_failure(platform, scope, state, result, None, exc)
        else:
            if state.last_error:
                self._audit_transition(platform, "ok", f"{platform.value}: pulling works again")
            self._failure_kind.pop(platform, None)
        self._waiting_status[platform] = result.status
        return result

    def _pull_facebook(self, adapter: Any, state: _SyncState, now: datetime) -> PlatformPull:
        """Posts with counts in one call per 100; comments only where a count moved."""
        cursor = _FacebookCursor.parse(state.cursor)
        since = now - timedelta(days=self._settings.pull_lookback_days)
        posts: list[RecentPost] = adapter.posts_with_comment_counts(
            since, limit=self._max_posts if self._max_posts is not None else _EVERY_POST
        )
        requests = max(1, math.ceil(len(posts) / POSTS_PER_REQUEST))
        cursor.keep_only({p.platform_post_id for p in posts})
        read_again, read_in_full = self._posts_to_read(posts, cursor, now)
        counts = {p.platform_post_id: p.comment_count or 0 for p in posts}
        for post_id, count in counts.items():
            if post_id not in cursor.posts:
                cursor.posts[post_id] = _PostState(count, 0)
        to_read = read_again + read_in_full
        in_full = set(read_in_full)
        stored: list[tuple[IngestResult, int]] = []
        # Read and stored `posts_per_store` posts at a time: memory stays bounded when a first
        # pull (or one after an outage) reads thousands of posts, and what is stored stays
        # stored if the cycle fails half way (the cursor is kept only at the end, so the
        # next cycle reads those posts again and the UNIQUE index stores nothing twice).
        # Each group is stored while the next is read (`StoringBehind`).
        with StoringBehind() as storing:
            for start in range(0, len(to_read), self._posts_per_store):
                chunk = to_read[start : start + self._posts_per_store]
                chunk_in_full = [post_id for post_id in chunk if post_id in in_full]
                cycle_started = self._clock()
                page = adapter.list_interactions(
                    cursor.adapter_cursor(
                        [post_id for post_id in chunk if post_id not in in_full], chunk_in_full
                    ),
                    post_ids=chunk,
                    include_own=True,
                    max_comments=_UNBOUNDED_COMMENTS,
                )
                requests += page.requests_made
                storing.submit(
                    partial(
                        self._store_facebook_group,
                        self._interactions.prepare(page.interactions),
                        chunk_in_full,
                        {i.platform_id for i in page.interactions} if chunk_in_full else set(),
                        cycle_started,
                        stored,
                    )
                )
                cursor.merge_adapter_cursor(page.next_cursor)
                for post_id in chunk:
                    full_read = cursor.posts[post_id].full_read_at
                    if post_id in in_full:
                        full_read = int(now.timestamp())
                    cursor.posts[post_id] = _PostState(counts[post_id], full_read)
        pulled = PlatformPull(
            Platform.FACEBOOK,
            "ok",
            requests=requests,
            new=sum(len(result.new) for result, _ in stored),
            edited=sum(result.edited for result, _ in stored),
            deleted=sum(deleted for _, deleted in stored),
            hidden_changes=sum(result.hidden_changes for result, _ in stored),
        )
        self._record_success(Platform.FACEBOOK, self.FACEBOOK_SCOPE, cursor.dump(), pulled, now)
        return pulled

    def _store_facebook_group(
        self,
        prepared: PreparedBatch,
        read_in_full: list[str],
        listed: set[str],
        read_started: datetime,
        stored: list[tuple[IngestResult, int]],
    ) -> None:
        """Store one group of posts' comments, then mark deleted those the posts read in
        full no longer list; what it came to is appended to `stored`."""
        result = self._interactions.store_prepared(prepared, "poll")
        deleted = self._mark_missing_deleted(read_in_full, listed, read_started)
        stored.append((result, len(deleted)))

    def _posts_to_read(
        self, posts: list[RecentPost], cursor: _FacebookCursor, now: datetime
    ) -> tuple[list[str], list[str]]:
        """Posts to read from their watermark (count went up) and in full (new to the job,
        count went down, or due for the periodic re-read)."""
        read_again: list[str] = []
        read_in_full: list[str] = []
        due: list[tuple[int, str]] = []
        for post in posts:
            post_id, count = post.platform_post_id, post.comment_count or 0
            known = cursor.posts.get(post_id)
            if known is None or post_id not in cursor.adapter_posts:
                # New to the job (or its watermark was lost): read it all, or, when its
                # comments are gone, list it to find which stored ones were deleted.
                if count > 0 or (known is not None and known.comment_count > 0):
                    read_in_full.append(post_id)
            elif count > known.comment_count:
                read_again.append(post_id)
            elif count < known.comment_count:
                read_in_full.append(post_id)  # comments were deleted: find which
            elif count > 0 and self._reread_due(known, now):
                due.append((known.full_read_at, post_id))
        read_in_full.extend(post_id for _, post_id in sorted(due)[: self._max_rereads])
        return read_again, read_in_full

    def _reread_due(self, known: _PostState, now: datetime) -> bool:
        if self._reread_interval is None:
            return False
        return now.timestamp() - known.full_read_at >= self._reread_interval.total_seconds()

    def _mark_missing_deleted(
        self, read_in_full: list[str], still_there: set[str], cycle_started: datetime
    ) -> tuple[int, ...]:
        """Comments stored for a post listed in full that the listing no longer has."""
        if not read_in_full:
            return ()
        stored = self._interactions.live_ids_of_threads(
            Platform.FACEBOOK, read_in_full, cycle_started
        )
        missing = [pid for ids in stored.values() for pid in ids if pid not in still_there]
        return self._interactions.mark_deleted(Platform.FACEBOOK, missing, "poll")

    def _pull_x(self, adapter: Any, state: _SyncState, now: datetime) -> PlatformPull:
        """Mentions newer than the stored id: one request when nothing is new."""
        page = adapter.list_interactions(state.cursor, max_results=100, max_pages=X_PAGES_PER_CYCLE)
        result = self._interactions.store_batch(page.interactions, "poll")
        pulled = PlatformPull(
            Platform.X,
            "ok",
            requests=page.requests_made,
            new=len(result.new),
            edited=result.edited,
            hidden_changes=result.hidden_changes,
        )
        self._record_success(Platform.X, self.X_SCOPE, page.next_cursor, pulled, now)
        return pulled

    # -- sync_cursors ----------------------------------------------------------------------

    def _sync_state(self, platform: Platform, scope: str) -> _SyncState:
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT cursor, last_error, next_attempt_at FROM sync_cursors"
                " WHERE platform = ? AND scope = ?",
                [platform.value, scope],
            ).fetchone()
        return _SyncState(*row) if row else _SyncState(None, None, None)

    def _record_success(
        self,
        platform: Platform,
        scope: str,
        cursor: str | None,
        pulled: PlatformPull,
        now: datetime,
    ) -> None:
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO sync_cursors (platform, scope, cursor, updated_at, last_requests,"
                " last_new, last_error, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)"
                " ON CONFLICT (platform, scope) DO UPDATE SET cursor = excluded.cursor,"
                " updated_at = excluded.updated_at, last_requests = excluded.last_requests,"
                " last_new = excluded.last_new, last_error = NULL, next_attempt_at = NULL",
                [platform.value, scope, cursor, now, pulled.requests, pulled.new],
            )

    def _record_failure(
        self,
        platform: Platform,
        scope: str,
        state: _SyncState,
        pulled: PlatformPull,
        next_attempt_at: datetime | None,
        error: HubError,
    ) -> None:
        """Keep the cursor, note the error; audit only when the platform's state changes."""
        message = (pulled.error or "")[:2000]
        try:
            with self._store.transaction() as cur:
                cur.execute(
                    "INSERT INTO sync_cursors (platform, scope, cursor, updated_at,"
                    " last_requests, last_new, last_error, next_attempt_at)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?, ?)"
                    " ON CONFLICT (platform, scope) DO UPDATE SET"
                    " updated_at = excluded.updated_at, last_requests = excluded.last_requests,"
                    " last_new = 0, last_error = excluded.last_error,"
                    " next_attempt_at = excluded.next_attempt_at",
                    [
                        platform.value,
                        scope,
                        state.cursor,
                        self._clock(),
                        pulled.requests,
                        message,
                        next_attempt_at,
                    ],
                )
        except HubError:
            log.exception("could not record the %s pull failure", platform.value)
        # Messages differ from one attempt to the next (trace ids, times): compare kinds.
        kind = f"{type(error).__name__}:{getattr(error, 'code', '')}"
        if state.last_error is None or self._failure_kind.get(platform) != kind:
            self._audit_transition(platform, "failed", message)
        self._failure_kind[platform] = kind
        log.warning("pull %s: %s", platform.value, message)

    def _audit_transition(self, platform: Platform, outcome: str, detail: str) -> None:
        try:
            self._audit.record_now(
                actor=None,
                actor_name=PULL_ACTOR,
                action="pull_interactions",
                outcome=outcome,
                target_type="platform",
                target_id=platform.value,
                detail=detail[:1000],
            )
        except HubError:
            log.exception("could not audit the %s pull state", platform.value)


# -- webhooks --------------------------------------------------------------------------------

# Meta's feed deliveries are a few kilobytes; a few hundred is generous. A body over this is
# refused with 413 before it is read (the route reads it in pieces, and stops at this size).
DEFAULT_WEBHOOK_MAX_BODY_BYTES = 512 * 1024
# Refusals one source may cause in a minute before it is answered 429 without any work.
DEFAULT_WEBHOOK_REFUSALS_PER_MINUTE = 30
# Graph refuses a comment longer than this, so a longer one in a delivery is cut.
FACEBOOK_MAX_COMMENT_CHARS = 8000
# Deeper JSON than any Graph payload, and far below what would exhaust the parser's stack.
_MAX_WEBHOOK_DEPTH = 32


class InvalidWebhook(ValueError):
    """A signed delivery whose content is not a Graph ``feed`` event the hub can read."""


class RefusalLimiter:
    """Refusals counted per source and minute, in memory, to bound what refused traffic costs.

    A source past `per_minute` refusals in the current minute is answered at once with 429 and
    costs no database write. At most `max_sources` sources are remembered (the oldest minute's
    go first), so a flood from many addresses cannot grow it without bound.
    """

    def __init__(self, per_minute: int, *, max_sources: int = 10_000) -> None:
        self.per_minute = per_minute
        self._max_sources = max_sources
        self._counts: dict[str, tuple[datetime, int]] = {}
        self._lock = threading.Lock()

    def over_limit(self, remote: str, now: datetime) -> bool:
        """Whether `remote` has used up its refusals for this minute."""
        minute = _minute(now)
        with self._lock:
            seen = self._counts.get(remote)
        return seen is not None and seen[0] == minute and seen[1] >= self.per_minute

    def count(self, remote: str, now: datetime) -> int:
        """Count one refusal of `remote`; return its refusals in this minute so far."""
        minute = _minute(now)
        with self._lock:
            seen = self._counts.pop(remote, None)
            refusals = seen[1] + 1 if seen is not None and seen[0] == minute else 1
            if len(self._counts) >= self._max_sources:
                # Dicts keep insertion order and every count re-inserts its source, so the
                # first one is the one refused longest ago.
                del self._counts[next(iter(self._counts))]
            self._counts[remote] = (minute, refusals)
        return refusals


class WebhookReceiver:
    """The Graph ``feed`` webhook: signature checked over the raw body, comments stored at once.

    What refused traffic costs is bounded: a body is capped before it is read
    (`max_body_bytes`), refusals are counted per source and minute in one row (and audited
    once per source and minute), and a source past `refusals_per_minute` is answered 429
    with no work at all. A signed delivery of an unexpected shape is answered 400 and
    stores nothing.
    """

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        interactions: InteractionStore,
        app_secret: str,
        verify_token: str,
        page_id: str,
        *,
        max_body_bytes: int = DEFAULT_WEBHOOK_MAX_BODY_BYTES,
        refusals_per_minute: int = DEFAULT_WEBHOOK_REFUSALS_PER_MINUTE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._interactions = interactions
        self._app_secret = app_secret.encode()
        self._verify_token = verify_token
        self._page_id = page_id
        self.max_body_bytes = max_body_bytes
        self._limiter = RefusalLimiter(refusals_per_minute)
        self._clock = clock

    def verify_subscription(
        self, mode: str | None, token: str | None, challenge: str | None
    ) -> str | None:
        """The challenge to echo when Meta verifies the subscription, else None (answer 403)."""
        if mode != "subscribe" or not challenge or not self._verify_token or token is None:
            return None
        if not hmac.compare_digest(token.encode(), self._verify_token.encode()):
            return None
        return challenge

    def screen(
        self, signature_header: str | None, declared_bytes: int | None, remote: str | None
    ) -> WebhookResult | None:
        """The answer for a delivery refused before its body is read, or None to read it.

        A source over its refusal limit gets 429 and nothing is recorded; a missing or
        malformed signature header, or a declared length over the cap, is refused and
        counted without reading the body.
        """
        source = remote or "unknown"
        if self._limiter.over_limit(source, self._clock()):
            return WebhookResult(429, "too many refused deliveries from this source: wait a minute")
        if declared_bytes is not None and declared_bytes > self.max_body_bytes:
            return self.refuse_too_large(remote, declared_bytes)
        problem = _signature_header_problem(signature_header)
        if problem is not None:
            self._record_refusal(problem, remote, declared_bytes or 0)
            return WebhookResult(403, problem)
        return None

    def refuse_too_large(self, remote: str | None, body_bytes: int) -> WebhookResult:
        """Refuse (413) and count a delivery whose body is over `max_body_bytes`."""
        reason = f"body over {self.max_body_bytes} bytes"
        self._record_refusal(reason, remote, body_bytes)
        return WebhookResult(413, reason)

    def receive(
        self, raw_body: bytes, signature_header: str | None, remote: str | None
    ) -> WebhookResult:
        """Check the signature over the raw bytes, then store what the delivery says."""
        if len(raw_body) > self.max_body_bytes:
            return self.refuse_too_large(remote, len(raw_body))
        refusal = self._signature_problem(raw_body, signature_header)
        if refusal is not None:
            self._record_refusal(refusal, remote, len(raw_body))
            return WebhookResult(403, refusal)
        try:
            payload = parse_webhook_body(raw_body)
            if payload.get("object") != "page":
                return WebhookResult(200, "not a Page event", ignored=1)
            changes = list(_feed_changes(payload["entry"], self._page_id))
        except InvalidWebhook as exc:
            # Signed by Meta's secret, so not an attack to count: a shape we do not expect.
            log.warning("signed webhook from %s not readable: %s", remote, exc)
            return WebhookResult(400, str(exc))
        return self._apply(changes)

    def _signature_problem(self, raw_body: bytes, header: str | None) -> str | None:
        if not self._app_secret:
            return "no app secret is configured, so no signature can be checked"
        problem = _signature_header_problem(header)
        if problem is not None:
            return problem
        given = str(header).strip().partition("=")[2]
        expected = hmac.new(self._app_secret, raw_body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            return "bad X-Hub-Signature-256"
        return None

    def _record_refusal(self, reason: str, remote: str | None, body_bytes: int) -> None:
        """Count the refusal in its source's row for this minute; audit the minute's first."""
        now = self._clock()
        source = remote or "unknown"
        if self._limiter.count(source, now) > self._limiter.per_minute:
            return
        with self._store.transaction() as cur:
            refusals = cur.execute(
                "INSERT INTO webhook_refusal_counts"
                " (minute, route, remote, reason, refusals, body_bytes, last_at)"
                " VALUES (?, ?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (minute, route, remote, reason) DO UPDATE SET"
                " refusals = webhook_refusal_counts.refusals + 1,"
                " body_bytes = webhook_refusal_counts.body_bytes + excluded.body_bytes,"
                " last_at = excluded.last_at"
                " RETURNING refusals",
                [_minute(now), WEBHOOK_ROUTE, source, reason, body_bytes, now],
            ).fetchone()[0]
            if refusals == 1:
                self._audit.record(
                    cur,
                    actor=None,
                    actor_name=WEBHOOK_ACTOR,
                    action="receive_webhook",
                    outcome="denied",
                    target_type="webhook",
                    target_id=WEBHOOK_ROUTE,
                    detail=f"{reason} (from {source}, {body_bytes} bytes; later refusals of"
                    " this minute are counted in webhook_refusal_counts)",
                )
        if refusals == 1:
            log.warning("webhook refused from %s: %s", source, reason)

    def _apply(self, changes: list[dict[str, Any]]) -> WebhookResult:
        """Store, edit, delete, hide or show what the comment changes say, in bulk."""
        upserts: list[Interaction] = []
        removed: list[str] = []
        visibility: dict[bool, list[str]] = {True: [], False: []}
        ignored = 0
        for value in changes:
            verb = value.get("verb")
            if value.get("item") != "comment" or not value.get("comment_id"):
                ignored += 1
            elif verb == "remove":
                removed.append(str(value["comment_id"]))
            elif verb in ("hide", "unhide"):
                hidden = verb == "hide"
                # With its text the comment can be stored even if its `add` was missed;
                # without, only its visibility is known.
                interaction = comment_from_webhook(value) if "message" in value else None
                if interaction is None:
                    visibility[hidden].append(str(value["comment_id"]))
                else:
                    upserts.append(replace(interaction, is_hidden=hidden))
            elif verb in ("add", "edit", "edited"):
                # An edit without its new text says nothing to store.
                interaction = comment_from_webhook(value)
                if interaction is None or (verb != "add" and "message" not in value):
                    ignored += 1
                else:
                    upserts.append(interaction)
            else:
                ignored += 1
        stored = self._interactions.store_batch(upserts, "webhook")
        deleted = self._interactions.mark_deleted(Platform.FACEBOOK, removed, "webhook")
        shown = sum(
            len(self._interactions.set_hidden(Platform.FACEBOOK, ids, hidden, "webhook"))
            for hidden, ids in visibility.items()
        )
        return WebhookResult(
            200,
            new=len(stored.new),
            edited=stored.edited,
            deleted=len(deleted),
            hidden_changes=stored.hidden_changes + shown,
            ignored=ignored,
        )


def parse_webhook_body(raw_body: bytes) -> dict[str, Any]:
    """The delivery's JSON object, or `InvalidWebhook` saying why it cannot be read.

    Refused: bytes that are not UTF-8 JSON, nesting deeper than any Graph payload, text with
    lone surrogates (not text at all, and unstorable), and anything but an object whose
    ``entry`` is a list.
    """
    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidWebhook("the body is not UTF-8 JSON") from None
    except (ValueError, RecursionError):
        # The C parser guards its own recursion, so a very deep array ends up here.
        raise InvalidWebhook("the body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        raise InvalidWebhook("the body is not a webhook event")
    _check_json_values(payload)
    payload.setdefault("entry", [])
    return payload


def _check_json_values(payload: Any) -> None:
    """Refuse nesting deeper than `_MAX_WEBHOOK_DEPTH` and strings that are not valid text.

    Walked with a stack rather than recursion, so no payload can exhaust Python's; a lone
    surrogate such as ``\\ud800`` parses as a str but cannot be encoded, stored or shown.
    """
    pending: list[tuple[Any, int]] = [(payload, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidWebhook("the body has text that is not valid Unicode") from None
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > _MAX_WEBHOOK_DEPTH:
            raise InvalidWebhook(f"the body is nested deeper than {_MAX_WEBHOOK_DEPTH} levels")
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        else:
            pending.extend((item, depth + 1) for item in value)


def _signature_header_problem(header: str | None) -> str | None:
    if not header:
        return "missing X-Hub-Signature-256"
    scheme, _, given = header.strip().partition("=")
    if scheme != "sha256" or not given:
        return "malformed X-Hub-Signature-256"
    return None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _feed_changes(entries: list[Any], page_id: str) -> Iterable[dict[str, Any]]:
    """The `feed` change values of the entries about the city's Page.

    Raises `InvalidWebhook` when an entry's ``changes`` is not a list of objects.
    """
    for entry in entries:
        if not isinstance(entry, dict) or (page_id and str(entry.get("id")) != page_id):
            continue
        changes = entry.get("changes") or []
        if not isinstance(changes, list):
            raise InvalidWebhook("an entry's changes are not a list")
        for change in changes:
            if isinstance(change, dict) and change.get("field") == "feed":
                value = change.get("value")
                if isinstance(value, dict):
                    yield value


def comment_from_webhook(value: Mapping[str, Any]) -> Interaction | None:
    """A Graph ``feed`` comment change as an `Interaction`, or None when it lacks the essentials.

    ``created_time`` is epoch seconds; ``post_id`` is the thread. Graph sets ``parent_id`` to
    the post itself for a top-level comment, so only a parent other than the post makes a reply.
    A message longer than Facebook allows (`FACEBOOK_MAX_COMMENT_CHARS`) is cut to that length,
    in the text and in the raw payload kept, with a note saying so.
    """
    comment_id, post_id = value.get("comment_id"), value.get("post_id")
    created = value.get("created_time")
    if not comment_id or not post_id or created is None:
        return None
    try:
        created_at = datetime.fromtimestamp(int(created), UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    parent_id = str(value.get("parent_id") or post_id)
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    text = str(value.get("message") or "")
    raw = dict(value)
    if len(text) > FACEBOOK_MAX_COMMENT_CHARS:
        note = (
            f"cut by the hub: {len(text)} characters received, Facebook allows "
            f"{FACEBOOK_MAX_COMMENT_CHARS}"
        )
        log.warning("webhook comment %s: %s", comment_id, note)
        text = text[:FACEBOOK_MAX_COMMENT_CHARS]
        raw["message"] = text
        raw["hub_note"] = note
    return Interaction(
        platform=Platform.FACEBOOK,
        platform_id=str(comment_id)[:200],
        kind=InteractionKind.COMMENT if parent_id == str(post_id) else InteractionKind.REPLY,
        thread_id=str(post_id)[:200],
        parent_id=parent_id[:200],
        author_id=str(author.get("id", ""))[:200],
        author_name=str(author.get("name", ""))[:500],
        text=text,
        created_at=created_at,
        raw=raw,
    )


__all__ = [
    "IngestResult",
    "InteractionStore",
    "InvalidWebhook",
    "PlatformPull",
    "PreparedBatch",
    "PullReport",
    "PullService",
    "RefusalLimiter",
    "StoringBehind",
    "WebhookReceiver",
    "WebhookResult",
    "comment_from_webhook",
    "parse_webhook_body",
]
