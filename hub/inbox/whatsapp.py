"""The WhatsApp webhook: citizens' messages and the city's delivery statuses, each stored once.

`WhatsAppReceiver.receive` is what ``POST /webhooks/whatsapp`` calls. The route's guard is the
Facebook route's (`SignedWebhookGuard`: size cap before reading, ``X-Hub-Signature-256`` over
the raw bytes, refusals counted per source and minute, 429 past the limit); a signed delivery
of an unexpected shape is answered 400 and stores nothing.

Meta retries a delivery that is not answered, or answered slowly, so the route answers 200
as soon as the delivery is kept as received (`hub.inbox.journal`, a file with a write lock of
its own; deliveries arriving together share one commit), and the desk's next pass (`drain`,
seconds later) moves what they carry into the store in large batches:

- each message as an interaction (``UNIQUE (platform, platform_id)``: a redelivered message
  is stored once), with the number it came to (`channel`), a pinned location, and its
  *burst*: a citizen's messages to one number less than `burst` apart share a thread (the
  burst's first message id), which triage makes one ticket;
- each attachment as a `whatsapp_media` row to download (`hub.inbox.whatsapp_media`), never
  in the webhook's own time: the route answers first (Meta retries a slow answer);
- each delivery status once per (message, status), whatever order they arrive in.

Phone numbers are personal data: nothing here logs one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import orjson
import pyarrow as pa

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.inbox.journal import DeliveryJournal
from hub.inbox.webhooks import SignedWebhookGuard, WebhookResult, parse_webhook_body
from hub.platforms.facebook_webhook import InvalidWebhook
from hub.platforms.whatsapp_webhook import (
    DeliveryStatus,
    InboundMessage,
    WhatsAppDelivery,
    read_delivery,
)
from hub.store import Store
from hub.text import nfc, visible_bidi_controls

log = logging.getLogger(__name__)

WHATSAPP_ROUTE = "/webhooks/whatsapp"
WHATSAPP_ACTOR = "whatsapp-webhook"
# Messages and statuses stored in one commit of the drain (see `WhatsAppReceiver.drain`).
ITEMS_PER_COMMIT = 1000


@dataclass(frozen=True)
class StoredDelivery:
    """What deliveries added: new interactions (hub ids), attachments, statuses; `taken`:
    how many kept deliveries were moved in."""

    new_messages: tuple[int, ...] = ()
    duplicates: int = 0
    attachments: int = 0
    statuses: int = 0
    taken: int = 0

    def plus(self, other: StoredDelivery) -> StoredDelivery:
        """Both together."""
        return StoredDelivery(
            self.new_messages + other.new_messages,
            self.duplicates + other.duplicates,
            self.attachments + other.attachments,
            self.statuses + other.statuses,
            self.taken + other.taken,
        )


class WhatsAppReceiver:
    """The WhatsApp webhook route's work (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        guard: SignedWebhookGuard,
        phone_number_ids: set[str],
        journal: DeliveryJournal,
        *,
        burst: timedelta,
        clock: Callable[[], datetime] = utc_now,
        on_stored: Callable[[StoredDelivery], None] | None = None,
    ) -> None:
        """`on_stored` is told of every delivery that added something (it wakes the jobs
        that triage and acknowledge, so a reference number goes back in seconds)."""
        self._store = store
        self._audit = audit
        self.guard = guard
        self._numbers = set(phone_number_ids)
        self._burst = burst
        self._clock = clock
        self.on_stored = on_stored
        # Told of each message once it is kept (number, text): a STOP counts from then.
        self.on_message: Callable[[str, str], None] | None = None
        self._journal_file = journal
        # Group commit (`store`): deliveries waiting to be written, and the one writer.
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        self._writer_lock = threading.Lock()
        self.max_body_bytes = guard.max_body_bytes
        self.verify_subscription = guard.verify_subscription
        self.screen = guard.screen
        self.record_refusal = guard.record_refusal
        self.refuse_too_large = guard.refuse_too_large

    def receive(
        self, raw_body: bytes, signature_header: str | None, remote: str | None
    ) -> WebhookResult:
        """Check the signature over the raw bytes, then store what the delivery carries."""
        refused = self.guard.check(raw_body, signature_header, remote)
        if refused is not None:
            return refused
        try:
            delivery = read_delivery(parse_webhook_body(raw_body), self._numbers)
        except InvalidWebhook as exc:
            log.warning("signed WhatsApp webhook from %s not readable: %s", remote, exc)
            return WebhookResult(400, str(exc))
        if delivery.messages or delivery.statuses:
            # Only a citizen's message wakes the desk at once; statuses (thousands a minute
            # while a notice goes out) wait for its next pass.
            self._journal(raw_body, wake=bool(delivery.messages))
            if self.on_message is not None:
                for message in delivery.messages:
                    self.on_message(message.interaction.author_id, message.interaction.text)
        return WebhookResult(200, ignored=delivery.ignored)

    def _journal(self, raw_body: bytes, *, wake: bool = True) -> None:
        """Keep the delivery as received before returning (group commit).

        Deliveries arriving together are written together: the first waiting caller writes
        every delivery queued by then in one transaction, the others wait for it. A
        transaction's commit is most of what a small write costs, so under load many
        deliveries share one, and each caller still returns only once its own is kept.
        """
        waiting = _Waiting(raw_body.decode("utf-8"), wake)
        with self._queue_lock:
            self._queue.append(waiting)
        with self._writer_lock:
            if not waiting.done.is_set():
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    self._journal_file.append([w.body for w in batch], self._clock())
                except BaseException as exc:
                    for other in batch:
                        other.error = exc
                        other.done.set()
                    raise
                for other in batch:
                    other.done.set()
                if self.on_stored is not None and any(w.wake for w in batch):
                    self.on_stored(None)
        waiting.done.wait()
        if waiting.error is not None:
            raise waiting.error

    def kept_messages(self) -> list[tuple[str, str]]:
        """(number, text) of every citizen's message kept and not yet moved into the store,
        oldest first: what `on_message` was told before a restart, told again after it."""
        kept: list[tuple[str, str]] = []
        for body in self._journal_file.bodies_containing('"messages"'):
            try:
                delivery = read_delivery(parse_webhook_body(body.encode("utf-8")), self._numbers)
            except InvalidWebhook:
                continue  # the drain says so when it meets it
            kept += [(m.interaction.author_id, m.interaction.text) for m in delivery.messages]
        return kept

    def waiting(self) -> int:
        """Deliveries kept but not yet moved into the store."""
        return self._journal_file.waiting()

    def close(self) -> None:
        """Close the journal (what it still holds is moved in at the next start)."""
        self._journal_file.close()

    def drain(self, limit: int = 5000) -> StoredDelivery:
        """Move the oldest kept deliveries (at most `limit`) into the store: messages,
        attachments to download and statuses, each once.

        In commits of about `ITEMS_PER_COMMIT` messages and statuses, each with the removal
        of its deliveries from the journal after it (a crash in between moves them again,
        and what was moved once is not stored twice). The write lock is shared with a notice
        going out: statuses come a hundred to a delivery then, and 30,000 in one commit held
        the lock for half a second while the next group of messages waited for its claim.
        """
        rows = self._journal_file.oldest(limit)
        if not rows:
            return StoredDelivery()
        parsed: list[tuple[int, WhatsAppDelivery | None]] = []
        for row_id, body in rows:
            try:
                payload = parse_webhook_body(body.encode("utf-8"))
                parsed.append((row_id, read_delivery(payload, self._numbers)))
            except InvalidWebhook as exc:  # checked on receipt; a changed config
                log.warning("a kept WhatsApp delivery is no longer readable: %s", exc)
                parsed.append((row_id, None))
        results: list[StoredDelivery] = []
        for chunk in _by_items(parsed, ITEMS_PER_COMMIT):
            with self._store.transaction() as cur:
                results += self._store_batch(cur, [d for _, d in chunk if d is not None])
            # After the commit: a crash before this line moves them again, stored once anyway.
            self._journal_file.forget_through(chunk[-1][0])
        return StoredDelivery(
            tuple(sorted(i for r in results for i in r.new_messages)),
            sum(r.duplicates for r in results),
            sum(r.attachments for r in results),
            sum(r.statuses for r in results),
            len(rows),
        )

    def _store_batch(
        self, cur: duckdb.DuckDBPyConnection, deliveries: list[WhatsAppDelivery]
    ) -> list[StoredDelivery]:
        """Every delivery's messages, attachments and statuses, set-based, in `cur`'s
        transaction."""
        now = self._clock()
        # The first of each message id in the batch (Meta may send one twice at once).
        firsts: dict[str, tuple[int, InboundMessage]] = {}
        for index, delivery in enumerate(deliveries):
            for message in delivery.messages:
                firsts.setdefault(message.interaction.platform_id, (index, message))
        duplicates = [0] * len(deliveries)
        for index, delivery in enumerate(deliveries):
            for message in delivery.messages:
                if firsts[message.interaction.platform_id][0] != index:
                    duplicates[index] += 1
        news: list[list[int]] = [[] for _ in deliveries]
        attachments = [0] * len(deliveries)
        statuses = [0] * len(deliveries)
        if firsts:
            ordered = sorted(firsts.values(), key=lambda item: item[1].interaction.created_at)
            threads, bursts = self._bursts_of(cur, [m for _, m in ordered])
            inserted = self._insert_messages(cur, ordered, threads, now)
            for platform_id, hub_id in inserted.items():
                news[firsts[platform_id][0]].append(hub_id)
            for index, delivery in enumerate(deliveries):
                duplicates[index] += sum(
                    1
                    for m in delivery.messages
                    if firsts[m.interaction.platform_id][0] == index
                    and m.interaction.platform_id not in inserted
                )
            self._save_bursts(cur, bursts, inserted, [m for _, m in ordered])
            kept = self._queue_attachments(cur, firsts, inserted, now)
            for index in kept:
                attachments[index] += 1
        for index in self._store_statuses(cur, deliveries, now):
            statuses[index] += 1
        return [
            StoredDelivery(tuple(sorted(news[i])), duplicates[i], attachments[i], statuses[i])
            for i in range(len(deliveries))
        ]

    def _bursts_of(
        self, cur: duckdb.DuckDBPyConnection, messages: list[InboundMessage]
    ) -> tuple[dict[str, str], dict[tuple[str, str], list]]:
        """Each message's thread (its citizen's burst on that number), oldest message first,
        and the bursts as they stand after the batch."""
        keys = sorted({f"{m.phone_number_id} {m.interaction.author_id}" for m in messages})
        rows = cur.execute(
            "SELECT channel, wa_id, thread_id, first_at, last_at FROM whatsapp_bursts"
            " WHERE list_contains($keys, channel || ' ' || wa_id)",
            {"keys": keys},
        ).fetchall()
        bursts: dict[tuple[str, str], list] = {(r[0], r[1]): list(r[2:]) for r in rows}
        threads: dict[str, str] = {}
        for message in messages:
            item = message.interaction
            key = (message.phone_number_id, item.author_id)
            at = item.created_at
            burst = bursts.get(key)
            if burst is not None and burst[1] - self._burst <= at <= burst[2] + self._burst:
                burst[1], burst[2] = min(burst[1], at), max(burst[2], at)
                threads[item.platform_id] = burst[0]
            elif burst is not None and at < burst[1]:
                # A late redelivery of an older message, long before the current burst.
                threads[item.platform_id] = item.platform_id
            else:
                bursts[key] = [item.platform_id, at, at]
                threads[item.platform_id] = item.platform_id
        return threads, bursts

    def _insert_messages(
        self,
        cur: duckdb.DuckDBPyConnection,
        ordered: list[tuple[int, InboundMessage]],
        threads: dict[str, str],
        now: datetime,
    ) -> dict[str, int]:
        """Insert the messages not stored yet; their platform ids -> hub ids."""
        columns: dict[str, list] = {name: [] for name in _MESSAGE_SCHEMA.names}
        for _, message in ordered:
            item = message.interaction
            raw = dict(item.raw)
            if message.unsupported:
                raw["hub_note"] = message.unsupported
            for name, value in (
                ("platform_id", item.platform_id),
                ("thread_id", threads[item.platform_id]),
                ("parent_id", item.parent_id),
                ("author_id", item.author_id),
                ("author_name", visible_bidi_controls(nfc(item.author_name))),
                ("text", visible_bidi_controls(nfc(item.text))),
                ("created_at", item.created_at),
                ("raw", orjson.dumps(raw).decode("utf-8")),
                ("channel", message.phone_number_id),
                ("latitude", message.latitude),
                ("longitude", message.longitude),
            ):
                columns[name].append(value)
        rows = _run_staged(
            cur,
            pa.table(columns, schema=_MESSAGE_SCHEMA),
            "INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id,"
            " author_id, author_name, text, created_at, permalink, from_city, is_hidden,"
            " raw, first_seen_at, source, channel, latitude, longitude)"
            " SELECT 'whatsapp', platform_id, 'message', thread_id, parent_id, author_id,"
            " author_name, text, created_at, '', FALSE, FALSE, raw, $now, 'webhook',"
            " channel, latitude, longitude FROM staged"
            " ON CONFLICT DO NOTHING RETURNING platform_id, id",
            {"now": now},
        )
        return {platform_id: int(hub_id) for platform_id, hub_id in rows}

    def _save_bursts(
        self,
        cur: duckdb.DuckDBPyConnection,
        bursts: dict[tuple[str, str], list],
        inserted: dict[str, int],
        messages: list[InboundMessage],
    ) -> None:
        """The bursts of the citizens whose messages were new (redeliveries change none)."""
        touched = {
            (m.phone_number_id, m.interaction.author_id)
            for m in messages
            if m.interaction.platform_id in inserted
        }
        if not touched:
            return
        columns: dict[str, list] = {name: [] for name in _BURST_SCHEMA.names}
        for key in sorted(touched):
            for name, value in zip(_BURST_SCHEMA.names, (*key, *bursts[key]), strict=True):
                columns[name].append(value)
        # One statement for the batch: executemany runs one per row, which under a stream of
        # messages took more of the process than the webhook's own route.
        _run_staged(
            cur,
            pa.table(columns, schema=_BURST_SCHEMA),
            "INSERT INTO whatsapp_bursts (channel, wa_id, thread_id, first_at, last_at)"
            " SELECT * FROM staged ON CONFLICT (channel, wa_id) DO UPDATE SET"
            " thread_id = excluded.thread_id, first_at = excluded.first_at,"
            " last_at = excluded.last_at",
        )

    def _queue_attachments(
        self,
        cur: duckdb.DuckDBPyConnection,
        firsts: dict[str, tuple[int, InboundMessage]],
        inserted: dict[str, int],
        now: datetime,
    ) -> list[int]:
        """A `whatsapp_media` row to download for each new message's attachment; returns the
        delivery index of each."""
        columns: dict[str, list] = {name: [] for name in _ATTACHMENT_SCHEMA.names}
        owners = []
        for platform_id, hub_id in sorted(inserted.items(), key=lambda item: item[1]):
            index, message = firsts[platform_id]
            attachment = message.attachment
            if attachment is None:
                continue
            owners.append(index)
            for name, value in (
                ("interaction_id", hub_id),
                ("media_id", attachment.media_id),
                ("kind", attachment.kind),
                ("declared_mime_type", attachment.mime_type),
                ("declared_sha256", attachment.sha256),
                ("filename", attachment.filename),
            ):
                columns[name].append(value)
        if owners:
            _run_staged(
                cur,
                pa.table(columns, schema=_ATTACHMENT_SCHEMA),
                "INSERT INTO whatsapp_media (interaction_id, media_id, kind,"
                " declared_mime_type, declared_sha256, filename, status, next_attempt_at,"
                " created_at, updated_at) SELECT *, 'pending', $now, $now, $now FROM staged"
                " ON CONFLICT DO NOTHING",
                {"now": now},
            )
        return owners

    def _store_statuses(
        self, cur: duckdb.DuckDBPyConnection, deliveries: list[WhatsAppDelivery], now: datetime
    ) -> list[int]:
        """Each (message, status) once; returns the delivery index of each one stored."""
        firsts: dict[tuple[str, str], tuple[int, DeliveryStatus]] = {}
        for index, delivery in enumerate(deliveries):
            for status in delivery.statuses:
                firsts.setdefault((status.message_id, status.status), (index, status))
        if not firsts:
            return []
        columns: dict[str, list] = {name: [] for name in _STATUS_SCHEMA.names}
        for _, status in firsts.values():
            for name, value in (
                ("message_id", status.message_id),
                ("status", status.status),
                ("occurred_at", status.at),
                ("recipient", status.recipient),
                ("channel", status.phone_number_id),
                ("callback", status.callback),
                ("errors", "; ".join(status.errors) or None),
            ):
                columns[name].append(value)
        rows = _run_staged(
            cur,
            pa.table(columns, schema=_STATUS_SCHEMA),
            "INSERT INTO whatsapp_statuses (message_id, status, occurred_at, recipient,"
            " channel, callback, errors, received_at)"
            " SELECT *, $now FROM staged ON CONFLICT DO NOTHING RETURNING message_id, status",
            {"now": now},
        )
        return [firsts[(message_id, status)][0] for message_id, status in rows]


def _by_items(
    parsed: list[tuple[int, WhatsAppDelivery | None]], per_chunk: int
) -> list[list[tuple[int, WhatsAppDelivery | None]]]:
    """Consecutive deliveries in chunks of about `per_chunk` messages and statuses (a
    delivery is never split: its statuses are stored together)."""
    chunks: list[list[tuple[int, WhatsAppDelivery | None]]] = [[]]
    items = 0
    for row_id, delivery in parsed:
        size = 1 if delivery is None else max(1, len(delivery.messages) + len(delivery.statuses))
        if chunks[-1] and items + size > per_chunk:
            chunks.append([])
            items = 0
        chunks[-1].append((row_id, delivery))
        items += size
    return chunks


def _run_staged(
    cur: duckdb.DuckDBPyConnection, table: pa.Table, sql: str, params: dict | None = None
) -> list[tuple]:
    """Run `sql` with `table` readable as ``staged`` (a batch in one statement); its rows."""
    cur.register("staged", table)
    try:
        return cur.execute(sql, params or {}).fetchall()
    finally:
        cur.unregister("staged")


@dataclass
class _Waiting:
    """A delivery waiting for the group commit that keeps it."""

    body: str
    # Whether it carries a citizen's message (statuses alone wake nobody).
    wake: bool = True
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


_TIME = pa.timestamp("us", tz="UTC")
_MESSAGE_SCHEMA = pa.schema(
    [
        ("platform_id", pa.string()),
        ("thread_id", pa.string()),
        ("parent_id", pa.string()),
        ("author_id", pa.string()),
        ("author_name", pa.string()),
        ("text", pa.string()),
        ("created_at", _TIME),
        ("raw", pa.string()),
        ("channel", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
    ]
)
_BURST_SCHEMA = pa.schema(
    [
        ("channel", pa.string()),
        ("wa_id", pa.string()),
        ("thread_id", pa.string()),
        ("first_at", _TIME),
        ("last_at", _TIME),
    ]
)
_ATTACHMENT_SCHEMA = pa.schema(
    [
        ("interaction_id", pa.int64()),
        ("media_id", pa.string()),
        ("kind", pa.string()),
        ("declared_mime_type", pa.string()),
        ("declared_sha256", pa.string()),
        ("filename", pa.string()),
    ]
)
_STATUS_SCHEMA = pa.schema(
    [
        ("message_id", pa.string()),
        ("status", pa.string()),
        ("occurred_at", _TIME),
        ("recipient", pa.string()),
        ("channel", pa.string()),
        ("callback", pa.string()),
        ("errors", pa.string()),
    ]
)


__all__ = ["WHATSAPP_ACTOR", "WHATSAPP_ROUTE", "StoredDelivery", "WhatsAppReceiver"]
