"""The WhatsApp desk: what the city says by itself to citizens who write to its number.

Beside the acknowledgement with the reference number (a reply, `hub.answering.replies`), the
desk answers, once each (`whatsapp_messages.dedupe_key`), in the citizen's language
(`hub.answering.desk_texts`):

- **a reference number sent** ("KMC-2026-000123 এর কী অবস্থা?", either script's digits):
  its status, department and the city's last public answer, *only* when that reference was
  reported from the same number; anyone else hears that no such complaint came from their
  number, which is what they would hear for a reference that does not exist;
- **an attachment not kept**: what was not accepted and why (not a photo, too large, too
  long, not a PDF, a video); **one that never arrived** (its download failed): send it again;
- **a message the hub cannot read** (a poll, an unknown type): the forms it does read;
- **a subscription command** (SUBSCRIBE 65, LIST, STOP): the answer the notices' subscriptions
  wrote when they carried it out;
- **danger to life** in an urgent message (fire, collapse, live wire, gas): the emergency
  numbers (fire 101, police 100, ambulance 102); the ticket is already escalated to the
  duty officer by the target check.

Each goes through the delivery engine as its own kind (`WhatsAppMessageDelivery`): claimed
and attempted before the call, found by its key among the delivery statuses when the answer
was lost, never sent twice. Phone numbers never enter a log or an audit row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from hub.answering.desk_texts import attachment_words, desk_text, status_words
from hub.answering.whatsapp_sending import (
    STATUS_GRACE,
    WhatsAppOutgoing,
    found_by_key,
    send_on_whatsapp,
)
from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.delivery.engine import (
    Delivered,
    DeliveryEngine,
    DeliveryReport,
    DueItem,
    KindBase,
    Listing,
    UnconfirmedItem,
)
from hub.delivery.holds import AccountHolds
from hub.delivery.kinds import WHATSAPP_OUTBOX, WHATSAPP_WORDS
from hub.platforms.base import Channel, Platform, PublishedPost
from hub.platforms.registry import PlatformAccounts
from hub.routing import mentions_danger_to_life
from hub.store import Store

log = logging.getLogger(__name__)

DESK = "whatsapp-desk"
# How far back the desk looks for what it still owes an answer (older is not answered late).
LOOK_BACK = timedelta(days=1)
# When nothing says which language a citizen reads: Kolkata's.
DEFAULT_LANGUAGE = "bn"


@dataclass
class DeskReport(DeliveryReport):
    """What one desk cycle queued and sent."""

    queued: int = 0
    sent: int = 0


@dataclass(frozen=True)
class _Owed:
    """A message the desk owes a citizen."""

    dedupe_key: str
    purpose: str
    channel: str
    wa_id: str
    context_id: str | None
    ticket_id: int | None
    language: str
    text: str


class WhatsAppDesk:
    """Queues the desk's own answers and sends them exactly once (module docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        settings: Settings,
        *,
        holds: AccountHolds | None = None,
        clock: Callable[[], datetime] = utc_now,
        worker_id: str | None = None,
        command_answers: Callable[[duckdb.DuckDBPyConnection, datetime], list[tuple]] | None = None,
    ) -> None:
        """`command_answers` lists the answers owed to subscription commands (message id,
        number, city number, language, text): `SubscriptionService.answers_owed`."""
        self._command_answers = command_answers
        self._store = store
        self._audit = audit
        self._settings = settings
        self._clock = clock
        self._engine = DeliveryEngine(
            WhatsAppMessageDelivery(
                store,
                audit,
                clock,
                template=settings.whatsapp.status_template,
                status_grace=timedelta(seconds=settings.whatsapp.status_grace_seconds),
            ),
            store,
            audit,
            platforms,
            holds or AccountHolds(store, audit, platforms, clock=clock),
            max_attempts=settings.max_publish_attempts,
            worker_id=worker_id,
            clock=clock,
            parallel=settings.whatsapp.senders,
        )
        self.worker_id = self._engine.worker_id

    # -- what is owed --------------------------------------------------------------------------

    def queue_due(self, now: datetime | None = None) -> int:
        """Queue every answer the desk owes (each once); returns how many were queued."""
        now = now or self._clock()
        since = now - LOOK_BACK
        with self._store.cursor() as cur:
            owed = [
                *self._status_answers(cur, since),
                *self._attachment_notes(cur, since),
                *self._unreadable_notes(cur, since),
                *self._emergency_numbers(cur, since),
                *self._subscription_answers(cur, since),
            ]
        if not owed:
            return 0
        columns = {
            field: [getattr(item, field) for item in owed]
            for field in ("purpose", "dedupe_key", "channel", "wa_id", "context_id")
        }
        with self._store.transaction() as cur:
            # One statement for all of them (a STOP storm owes hundreds of answers at once,
            # and the write lock is shared with a notice going out).
            rows = cur.execute(
                "INSERT INTO whatsapp_messages (purpose, dedupe_key, channel, wa_id,"
                " context_id, ticket_id, language, text, status, created_at, updated_at)"
                " SELECT unnest($purpose), unnest($dedupe_key), unnest($channel),"
                " unnest($wa_id), unnest($context_id::VARCHAR[]), unnest($ticket_id::BIGINT[]),"
                " unnest($language), unnest($text), 'queued', $now, $now"
                " ON CONFLICT DO NOTHING RETURNING id, dedupe_key",
                {
                    **columns,
                    "ticket_id": [item.ticket_id for item in owed],
                    "language": [item.language for item in owed],
                    "text": [item.text for item in owed],
                    "now": now,
                },
            ).fetchall()
            by_key = {item.dedupe_key: item for item in owed}
            self._audit.record_many(
                cur,
                [
                    {
                        "actor_name": DESK,
                        "action": "queue_whatsapp_message",
                        "target_type": "whatsapp_message",
                        "target_id": str(message_id),
                        "detail": f"{by_key[key].purpose}"
                        + (
                            f" for ticket #{by_key[key].ticket_id}" if by_key[key].ticket_id else ""
                        ),
                    }
                    for message_id, key in sorted(rows)
                ],
            )
        return len(rows)

    def _subscription_answers(self, cur: duckdb.DuckDBPyConnection, since: datetime) -> list[_Owed]:
        if self._command_answers is None:
            return []
        return [
            _Owed(
                f"command:{message_id}", "command", channel, wa_id, message_id, None, language, text
            )
            for message_id, wa_id, channel, language, text in self._command_answers(cur, since)
        ]

    def _status_answers(self, cur: duckdb.DuckDBPyConnection, since: datetime) -> list[_Owed]:
        rows = cur.execute(
            "SELECT i.platform_id, i.author_id, i.channel, g.asks_reference, g.language,"
            " t.id, t.citizen_key, t.status, t.department_code, d.name_en, d.name_bn,"
            " (SELECT r.text FROM replies r WHERE r.ticket_id = t.id AND r.status = 'sent'"
            "  AND r.kind = 'answer' ORDER BY r.sent_at DESC, r.id DESC LIMIT 1)"
            " FROM interaction_triage g JOIN interactions i ON i.id = g.interaction_id"
            " LEFT JOIN tickets t ON t.reference = g.asks_reference"
            " LEFT JOIN departments d ON d.code = t.department_code"
            " WHERE i.platform = 'whatsapp' AND g.asks_reference IS NOT NULL"
            " AND g.decided_at >= ? AND NOT EXISTS (SELECT 1 FROM whatsapp_messages m"
            "  WHERE m.dedupe_key = 'status:' || i.platform_id)",
            [since],
        ).fetchall()
        owed = []
        for (
            message_id,
            wa_id,
            channel,
            reference,
            language,
            ticket_id,
            citizen_key,
            status,
            department,
            name_en,
            name_bn,
            answer,
        ) in rows:
            language = _language(language)
            if ticket_id is None or citizen_key != f"whatsapp:{wa_id}":
                # Not theirs, or no such reference: the same words, so nothing is learnt.
                text, ticket_id = desk_text("status_unknown", language, reference=reference), None
            else:
                name = (
                    (name_bn if language == "bn" else name_en)
                    or department
                    or ("IT" if language == "en" else "আইটি")
                )
                last = desk_text("status_answer", language, answer=answer) if answer else ""
                text = desk_text(
                    "status",
                    language,
                    reference=reference,
                    status=status_words(status, language),
                    department=name,
                    answer=last,
                )
            owed.append(
                _Owed(
                    f"status:{message_id}",
                    "status",
                    channel,
                    wa_id,
                    message_id,
                    ticket_id,
                    language,
                    text,
                )
            )
        return owed

    def _attachment_notes(self, cur: duckdb.DuckDBPyConnection, since: datetime) -> list[_Owed]:
        rows = cur.execute(
            "SELECT m.id, m.kind, m.filename, m.status, m.refusal_code, i.platform_id,"
            " i.author_id, i.channel, " + _CITIZEN_LANGUAGE_SQL + ","
            " (SELECT t.id FROM tickets t WHERE t.interaction_id = i.id)"
            " FROM whatsapp_media m JOIN interactions i ON i.id = m.interaction_id"
            " WHERE m.status IN ('refused', 'failed') AND m.updated_at >= ?"
            " AND m.kind <> 'sticker' AND NOT EXISTS (SELECT 1 FROM whatsapp_messages w"
            "  WHERE w.dedupe_key = 'media:' || m.id)",
            [since],
        ).fetchall()
        owed = []
        for media, kind, filename, status, code, message_id, wa_id, channel, lang, ticket in rows:
            language = _language(lang)
            what = attachment_words(kind, language)
            if status == "failed":
                text = desk_text("not_received", language, what=what)
            else:
                reason_code, _, limit = (code or "not_photo").partition(":")
                text = desk_text(
                    "refused",
                    language,
                    what=what,
                    filename=f" ({filename})" if filename else "",
                    reason=desk_text(f"reason_{reason_code}", language, limit=limit),
                )
            owed.append(
                _Owed(
                    f"media:{media}",
                    "attachment",
                    channel,
                    wa_id,
                    message_id,
                    ticket,
                    language,
                    text,
                )
            )
        return owed

    def _unreadable_notes(self, cur: duckdb.DuckDBPyConnection, since: datetime) -> list[_Owed]:
        rows = cur.execute(
            "SELECT i.platform_id, i.author_id, i.channel, "
            + _CITIZEN_LANGUAGE_SQL
            + " FROM interactions i WHERE i.platform = 'whatsapp' AND i.first_seen_at >= ?"
            " AND json_extract_string(i.raw, '$.type') NOT IN ("
            "  'text', 'image', 'audio', 'document', 'video', 'sticker', 'location',"
            "  'interactive', 'button', 'reaction', 'contacts')"
            " AND NOT EXISTS (SELECT 1 FROM whatsapp_messages w"
            "  WHERE w.dedupe_key = 'unreadable:' || i.platform_id)",
            [since],
        ).fetchall()
        return [
            _Owed(
                f"unreadable:{message_id}",
                "unreadable",
                channel,
                wa_id,
                message_id,
                None,
                _language(lang),
                desk_text("unreadable", _language(lang)),
            )
            for message_id, wa_id, channel, lang in rows
        ]

    def _emergency_numbers(self, cur: duckdb.DuckDBPyConnection, since: datetime) -> list[_Owed]:
        rows = cur.execute(
            "SELECT t.id, t.language, i.platform_id, i.author_id, i.channel,"
            " (SELECT string_agg(o.text, ' ') FROM interactions o WHERE o.platform = 'whatsapp'"
            "  AND o.thread_id = i.thread_id AND o.author_id = i.author_id)"
            " FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
            " WHERE t.platform = 'whatsapp' AND t.urgent AND t.created_at >= ?"
            " AND NOT EXISTS (SELECT 1 FROM whatsapp_messages w"
            "  WHERE w.dedupe_key = 'emergency:' || t.id)",
            [since],
        ).fetchall()
        return [
            _Owed(
                f"emergency:{ticket_id}",
                "emergency",
                channel,
                wa_id,
                message_id,
                ticket_id,
                _language(language),
                desk_text("emergency", _language(language)),
            )
            for ticket_id, language, message_id, wa_id, channel, texts in rows
            if mentions_danger_to_life(texts or "")
        ]

    def flag_undelivered(self) -> int:
        """A message WhatsApp accepted and then could not deliver (a ``failed`` status, e.g.
        131026: not on WhatsApp) is flagged for a person, with WhatsApp's reason; returns how
        many were flagged. It is never sent again by itself."""
        flagged = 0
        with self._store.transaction() as cur:
            for table, prefix in (("replies", "reply-"), ("whatsapp_messages", "message-")):
                rows = cur.execute(
                    f"UPDATE {table} SET status = 'needs_attention', updated_at = $now,"
                    " attention_reason = 'WhatsApp could not deliver it: '"
                    "  || coalesce(s.errors, 'no reason given')"
                    " FROM whatsapp_statuses s"
                    f" WHERE s.status = 'failed' AND s.callback = $prefix || {table}.id"
                    f" AND {table}.status = 'sent' RETURNING {table}.id",
                    {"now": self._clock(), "prefix": prefix},
                ).fetchall()
                for (item_id,) in rows:
                    self._audit.record(
                        cur,
                        actor=None,
                        actor_name=DESK,
                        action="whatsapp_undelivered",
                        target_type="reply" if table == "replies" else "whatsapp_message",
                        target_id=str(item_id),
                    )
                flagged += len(rows)
        return flagged

    # -- sending -------------------------------------------------------------------------------

    def run_cycle(self) -> DeskReport:
        """Recover, reconcile, send, through the delivery engine. One cycle at a time."""
        report = DeskReport()
        self._engine.run_cycle(report)
        return report

    def work_left(self) -> int:
        """Messages not yet settled or due now (a stand-alone worker stops at 0)."""
        return self._engine.work_left()


# The language of a citizen, for a message whose own text may say nothing (a photo): their
# latest triaged message to the same number that has one.
_CITIZEN_LANGUAGE_SQL = (
    "(SELECT g2.language FROM interaction_triage g2 JOIN interactions i2"
    " ON i2.id = g2.interaction_id WHERE i2.platform = 'whatsapp'"
    " AND i2.author_id = i.author_id AND i2.channel = i.channel AND g2.language IS NOT NULL"
    " AND i2.text <> '' ORDER BY i2.created_at DESC LIMIT 1)"
)


def _language(language: str | None) -> str:
    if language == "en" or language == "mixed":
        return "en"
    if language == "bn":
        return "bn"
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class _MessageToSend:
    outgoing: WhatsAppOutgoing


@dataclass
class WhatsAppMessageDelivery(KindBase):
    """The desk's messages, sent by the engine (`whatsapp_messages`)."""

    template: str = "complaint_status_update"
    status_grace: timedelta = STATUS_GRACE

    outbox, actor_name, words = WHATSAPP_OUTBOX, DESK, WHATSAPP_WORDS

    def due(self, cur: duckdb.DuckDBPyConnection, now: datetime) -> list[DueItem]:
        """Queued messages, and retries whose time came, oldest first."""
        rows = cur.execute(
            "SELECT m.id, m.attempts, m.wa_id, m.channel, m.text, m.language, m.context_id,"
            " b.last_at, t.reference FROM whatsapp_messages m"
            " LEFT JOIN whatsapp_bursts b ON b.channel = m.channel AND b.wa_id = m.wa_id"
            " LEFT JOIN tickets t ON t.id = m.ticket_id"
            " WHERE m.status = 'queued' OR (m.status = 'retry_wait' AND m.next_attempt_at <= ?)"
            " ORDER BY m.created_at, m.id",
            [now],
        ).fetchall()
        return [
            DueItem(
                r[0],
                Platform.WHATSAPP,
                r[1],
                _MessageToSend(
                    WhatsAppOutgoing(
                        key=f"message-{r[0]}",
                        to=r[2],
                        channel=r[3],
                        text=r[4],
                        language=r[5],
                        last_inbound_at=r[7],
                        context_id=r[6],
                        reference=r[8] or "",
                    )
                ),
            )
            for r in rows
        ]

    def unconfirmed(self, cur: duckdb.DuckDBPyConnection) -> list[UnconfirmedItem]:
        """Messages whose last attempt ended without an answer."""
        rows = cur.execute(
            "SELECT m.id, m.text, m.unknown_outcomes, m.last_error,"
            " (SELECT min(started_at) FROM whatsapp_message_attempts a WHERE a.message_id = m.id),"
            " (SELECT max(started_at) FROM whatsapp_message_attempts a WHERE a.message_id = m.id)"
            " FROM whatsapp_messages m WHERE m.status = 'unconfirmed' ORDER BY m.id"
        ).fetchall()
        return [UnconfirmedItem(r[0], Platform.WHATSAPP, *r[1:]) for r in rows]

    def look_for(
        self, adapter: Channel, platform: Platform, items: list[UnconfirmedItem]
    ) -> Iterable[Listing]:
        """The delivery statuses that came back with the messages' keys."""
        keys = {item.id: f"message-{item.id}" for item in items}
        return found_by_key(self.store, items, keys, self.clock(), self.status_grace)

    def send(self, item: DueItem, adapter: Channel) -> PublishedPost:
        """Send the message in the conversation (the template once the window closed)."""
        message: _MessageToSend = item.payload
        return send_on_whatsapp(
            adapter, message.outgoing, template_name=self.template, now=self.clock()
        )

    def record_delivered(self, cur: duckdb.DuckDBPyConnection, done: Delivered) -> None:
        """An audit row (no phone number in it)."""
        self.audit_item(
            cur,
            "reconcile_whatsapp_message" if done.found else "send_whatsapp_message",
            done.item_id,
            detail="as template" if done.post.template else "as text",
        )

    def record_needs_attention(
        self, cur: duckdb.DuckDBPyConnection, item_id: int, reason: str
    ) -> None:
        """An audit row."""
        self.audit_item(cur, "whatsapp_message_needs_attention", item_id, detail=reason)


__all__ = ["DeskReport", "WhatsAppDesk", "WhatsAppMessageDelivery"]
