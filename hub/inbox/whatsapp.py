"""The WhatsApp webhook: citizens' messages and the city's delivery statuses, each stored once.

`WhatsAppReceiver.receive` is what ``POST /webhooks/whatsapp`` calls. The route's guard is the
Facebook route's (`SignedWebhookGuard`: size cap before reading, ``X-Hub-Signature-256`` over
the raw bytes, refusals counted per source and minute, 429 past the limit); a signed delivery
of an unexpected shape is answered 400 and stores nothing.

What it stores, in one transaction per delivery, before answering 200 (Meta retries a
delivery that was not answered, so nothing is answered before it is kept):

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import orjson

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.inbox.webhooks import SignedWebhookGuard, WebhookResult, parse_webhook_body
from hub.platforms.base import Platform
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


@dataclass(frozen=True)
class StoredDelivery:
    """What one delivery added: new interactions (hub ids), attachments, statuses."""

    new_messages: tuple[int, ...] = ()
    duplicates: int = 0
    attachments: int = 0
    statuses: int = 0


class WhatsAppReceiver:
    """The WhatsApp webhook route's work (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        guard: SignedWebhookGuard,
        phone_number_ids: set[str],
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
        self.max_body_bytes = guard.max_body_bytes
        self.verify_subscription = guard.verify_subscription
        self.screen = guard.screen
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
        stored = self.store(delivery)
        if self.on_stored is not None and (stored.new_messages or stored.statuses):
            self.on_stored(stored)
        return WebhookResult(
            200,
            new=len(stored.new_messages),
            edited=0,
            ignored=delivery.ignored + stored.duplicates,
        )

    def store(self, delivery: WhatsAppDelivery) -> StoredDelivery:
        """Keep a delivery's messages, attachments and statuses, each once, in one transaction."""
        if not delivery.messages and not delivery.statuses:
            return StoredDelivery()
        now = self._clock()
        new: list[int] = []
        duplicates = attachments = statuses = 0
        with self._store.transaction() as cur:
            for message in delivery.messages:
                hub_id = self._store_message(cur, message, now)
                if hub_id is None:
                    duplicates += 1
                    continue
                new.append(hub_id)
                if message.attachment is not None:
                    self._queue_attachment(cur, hub_id, message, now)
                    attachments += 1
            for status in delivery.statuses:
                statuses += self._store_status(cur, status, now)
        return StoredDelivery(tuple(new), duplicates, attachments, statuses)

    def _store_message(
        self, cur: duckdb.DuckDBPyConnection, message: InboundMessage, now: datetime
    ) -> int | None:
        item = message.interaction
        if cur.execute(
            "SELECT 1 FROM interactions WHERE platform = 'whatsapp' AND platform_id = ?",
            [item.platform_id],
        ).fetchone():
            return None
        thread = self._burst_of(cur, message)
        raw = dict(item.raw)
        if message.unsupported:
            raw["hub_note"] = message.unsupported
        row = cur.execute(
            "INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id,"
            " author_id, author_name, text, created_at, permalink, from_city, is_hidden, raw,"
            " first_seen_at, source, channel, latitude, longitude)"
            " VALUES (?, ?, 'message', ?, ?, ?, ?, ?, ?, '', FALSE, FALSE, ?, ?, 'webhook',"
            " ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            [
                Platform.WHATSAPP.value,
                item.platform_id,
                thread,
                item.parent_id,
                item.author_id,
                visible_bidi_controls(nfc(item.author_name)),
                visible_bidi_controls(nfc(item.text)),
                item.created_at,
                orjson.dumps(raw).decode("utf-8"),
                now,
                message.phone_number_id,
                message.latitude,
                message.longitude,
            ],
        ).fetchone()
        return int(row[0]) if row else None

    def _burst_of(self, cur: duckdb.DuckDBPyConnection, message: InboundMessage) -> str:
        """The thread of the citizen's burst this message belongs to (a new one after a gap)."""
        item = message.interaction
        key = [message.phone_number_id, item.author_id]
        row = cur.execute(
            "SELECT thread_id, first_at, last_at FROM whatsapp_bursts"
            " WHERE channel = ? AND wa_id = ?",
            key,
        ).fetchone()
        at = item.created_at
        if row is not None:
            thread, first_at, last_at = row
            if first_at - self._burst <= at <= last_at + self._burst:
                cur.execute(
                    "UPDATE whatsapp_bursts SET first_at = least(first_at, ?),"
                    " last_at = greatest(last_at, ?) WHERE channel = ? AND wa_id = ?",
                    [at, at, *key],
                )
                return str(thread)
            if at < first_at:
                # A late redelivery of an older message, long before the current burst.
                return item.platform_id
        cur.execute(
            "INSERT INTO whatsapp_bursts (channel, wa_id, thread_id, first_at, last_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, wa_id) DO UPDATE SET"
            " thread_id = excluded.thread_id, first_at = excluded.first_at,"
            " last_at = excluded.last_at",
            [*key, item.platform_id, at, at],
        )
        return item.platform_id

    def _queue_attachment(
        self, cur: duckdb.DuckDBPyConnection, hub_id: int, message: InboundMessage, now: datetime
    ) -> None:
        attachment = message.attachment
        assert attachment is not None
        cur.execute(
            "INSERT INTO whatsapp_media (interaction_id, media_id, kind, declared_mime_type,"
            " declared_sha256, filename, status, next_attempt_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                hub_id,
                attachment.media_id,
                attachment.kind,
                attachment.mime_type,
                attachment.sha256,
                attachment.filename,
                now,
                now,
                now,
            ],
        )

    def _store_status(
        self, cur: duckdb.DuckDBPyConnection, status: DeliveryStatus, now: datetime
    ) -> int:
        row = cur.execute(
            "INSERT INTO whatsapp_statuses (message_id, status, occurred_at, recipient,"
            " channel, callback, errors, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            [
                status.message_id,
                status.status,
                status.at,
                status.recipient,
                status.phone_number_id,
                status.callback,
                "; ".join(status.errors) or None,
                now,
            ],
        ).fetchone()
        return 1 if row else 0


__all__ = ["WHATSAPP_ACTOR", "WHATSAPP_ROUTE", "StoredDelivery", "WhatsAppReceiver"]
