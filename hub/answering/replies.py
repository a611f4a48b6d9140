"""Answering citizens: replies posted in the citizen's thread exactly once, the first
response time, and the automatic acknowledgement (templates: `hub.answering.templates`).

**Replies** (`ReplyService`) are queued by `answer` (or by `acknowledge_due`) and sent by
`run_cycle`, through the delivery engine (`hub.delivery.engine`), as its kind `ReplyDelivery`:

1. *Recover*: a reply left ``sending`` belongs to a cycle that died mid-call: ``unconfirmed``.
2. *Reconcile*: an ``unconfirmed`` reply is looked for on the platform before any retry.
   Facebook: the comments of the thread's post, the Page's own included; a match is a Page
   comment under the citizen's comment with the same text. X: the account's recent posts
   (replies among them); the adapter's listing carries no ``in_reply_to``, so a match is a post
   with the same text, which is specific enough because every reply carries the ticket's
   reference number. A platform id already recorded for another reply never matches twice.
   Found: ``sent``. Not found in a listing that reaches back past the attempt: ``retry_wait``.
   A duplicate refusal not found, a listing too short, or too many unknown outcomes: a person.
3. *Send*: each due reply is claimed and its attempt row written in a committed transaction
   before the platform is called. Success writes, in one transaction, the reply's platform id,
   link and time, the ticket's first response (only if it had none: the platform's creation
   time of the reply) and the ticket's status moved forward (``new`` → ``acknowledged`` for an
   acknowledgement, ``new``/``acknowledged`` → ``in_progress`` for an answer; never backwards,
   never out of ``resolved``/``closed``). Failures and holds are the engine's.

A reply that the platform has not confirmed never sets the first response time.

**The reference number in every reply**: `answer` appends `` (Ref: KMC-2026-000123)`` when the
text does not already contain the ticket's reference, so the citizen can always quote it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from hub.answering.desk_texts import desk_text
from hub.answering.templates import TemplateService
from hub.answering.whatsapp_sending import (
    STATUS_GRACE,
    WINDOW,
    WhatsAppOutgoing,
    found_by_key,
    send_on_whatsapp,
    window_open,
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
    horizon_of,
    recent_posts_back_to,
)
from hub.delivery.holds import AccountHolds
from hub.delivery.kinds import REPLIES_OUTBOX, REPLY_WORDS
from hub.errors import HubError, InvalidInput, NotFound, NotSupported
from hub.i18n import N_, Message, stored_sentence
from hub.permissions import Action, Actor, Role, is_allowed
from hub.platforms.base import (
    Channel,
    Interaction,
    InteractionKind,
    Platform,
    PublishedPost,
    ReadsPostComments,
    Replies,
)
from hub.platforms.registry import PlatformAccounts
from hub.platforms.whatsapp import MAX_TEXT_CHARS as WHATSAPP_MAX_TEXT_CHARS
from hub.platforms.x_text import MAX_WEIGHTED_LENGTH, weighted_length
from hub.platforms.x_usage import XUsageMeter
from hub.store import Store
from hub.text import nfc
from hub.tickets import lifecycle
from hub.tickets.labels import status_label
from hub.tickets.public import tracking_link

log = logging.getLogger(__name__)

REPLY_KINDS = ("answer", "acknowledgement")
# A Facebook comment may be far longer; this keeps answers readable and under Graph's limit.
FACEBOOK_REPLY_LIMIT = 8000
MAX_ACKNOWLEDGE_MINUTES = 24 * 60
SENDER = "replies"  # the audit and ticket-event name of the background sender


@dataclass(frozen=True)
class ReplySettings:
    """A department's automatic acknowledgement."""

    department_code: str
    auto_acknowledge: bool
    acknowledge_after_minutes: int
    enabled_at: datetime | None = None
    # WhatsApp complaints: the reference number must reach the citizen within this.
    whatsapp_deadline_minutes: int = 15


@dataclass(frozen=True)
class Reply:
    """One reply of the city in a citizen's thread, as the answer panel lists it."""

    id: int
    ticket_id: int
    platform: Platform
    in_reply_to: str
    kind: str
    text: str
    status: str
    attempts: int
    platform_reply_id: str | None
    permalink: str | None
    sent_at: datetime | None
    last_error: str | None
    attention_reason: str | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class ReplyTarget:
    """A ticket as the reply service sees it: where to answer and what to say."""

    id: int
    reference: str
    department_code: str | None
    language: str | None
    ward: int | None
    platform: Platform
    status: str
    in_reply_to: str
    thread_id: str

    @property
    def reply_language(self) -> str:
        """Bengali for a Bengali message; English otherwise (mixed and Banglish writers read
        Latin script, and the reference number is Latin anyway)."""
        return "bn" if self.language == "bn" else "en"


@dataclass
class ReplyReport(DeliveryReport):
    """What one sender cycle did."""

    sent: int = 0


# -- replies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ReplyToSend:
    in_reply_to: str
    text: str
    # On WhatsApp: to whom, from which number, and whether the window is open.
    whatsapp: WhatsAppOutgoing | None = None


@dataclass(frozen=True)
class _WhereItWouldBe:
    """Where an unconfirmed reply would be: under which comment, in which thread."""

    in_reply_to: str
    thread_id: str
    parent_of_target: str | None


_REPLY_COLUMNS = (
    "id, ticket_id, platform, in_reply_to, kind, text, status, attempts, platform_reply_id,"
    " permalink, sent_at, last_error, attention_reason, created_by, created_at"
)


class ReplyService:
    """Queues the city's replies and sends them exactly once; see the module docstring."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        settings: Settings,
        *,
        templates: TemplateService | None = None,
        interactions: Any = None,
        holds: AccountHolds | None = None,
        clock: Callable[[], datetime] = utc_now,
        worker_id: str | None = None,
        x_usage: XUsageMeter | None = None,
    ) -> None:
        """`interactions` (an `InteractionStore`) receives the city's X replies once sent:
        the X mentions listing leaves the account's own posts out, so nothing else stores them.
        """
        self._store = store
        self._audit = audit
        self._platforms = platforms
        self._settings = settings
        self._templates = templates or TemplateService(store, audit)
        self._clock = clock
        self._engine = DeliveryEngine(
            ReplyDelivery(
                store,
                audit,
                clock,
                platforms=platforms,
                interactions=interactions,
                whatsapp_template=settings.whatsapp.status_template,
                status_grace=timedelta(seconds=settings.whatsapp.status_grace_seconds),
            ),
            store,
            audit,
            platforms,
            holds or AccountHolds(store, audit, platforms, clock=clock),
            max_attempts=settings.max_publish_attempts,
            worker_id=worker_id,
            clock=clock,
            x_usage=x_usage,
            parallel=settings.whatsapp.senders,
        )
        self.worker_id = self._engine.worker_id

    # -- people's side ------------------------------------------------------------------------

    def answer(self, actor: Actor, ticket_id: int, text: str, *, kind: str = "answer") -> int:
        """Queue a reply in the ticket's thread; returns the reply's id.

        The text is NFC-normalised and must not be empty; the ticket's reference number is
        appended as `` (Ref: …)`` when missing, then its tracking link; it must fit the
        platform (X: 280 as X counts, a link 23).
        """
        target = self.target(ticket_id)
        self._audit.authorize(actor, Action.ANSWER_TICKET, target.department_code)
        if kind not in REPLY_KINDS:
            raise InvalidInput(N_("Unknown reply kind {kind!r}."), kind=kind)
        if target.status == "closed":
            raise InvalidInput(
                N_("Ticket {reference} is closed: reopen it before answering again."),
                reference=target.reference,
            )
        text = self.final_text(target, text)
        now = self._clock()
        with self._store.transaction() as cur:
            reply_id = self._queue(cur, target, kind, text, actor.username, now)
            self._audit.record(
                cur,
                actor=actor,
                action=str(Action.ANSWER_TICKET),
                target_type="ticket",
                target_id=str(target.id),
                department_code=target.department_code,
                after={"reply_id": reply_id, "kind": kind, "text": text},
            )
        return reply_id

    def final_text(self, target: ReplyTarget, text: str) -> str:
        """The text as it will be posted: normalised, with the reference, checked for length."""
        text = nfc((text or "").strip())
        if not text:
            raise InvalidInput(N_("The reply is empty: write an answer or pick a template."))
        if target.reference not in text:
            text = f"{text} (Ref: {target.reference})"
        # Every reply carries the public tracking page of its ticket.
        link = tracking_link(self._settings.public_url, target.reference)
        if link not in text:
            text = f"{text} {link}"
        if target.platform is Platform.X:
            length = weighted_length(text)
            if length > MAX_WEIGHTED_LENGTH:
                raise InvalidInput(
                    N_(
                        "The reply is {length} characters as X counts them, with the reference "
                        "number; X takes {limit}: shorten it by {excess}."
                    ),
                    length=length,
                    limit=MAX_WEIGHTED_LENGTH,
                    excess=length - MAX_WEIGHTED_LENGTH,
                )
        elif target.platform is Platform.WHATSAPP and len(text) > WHATSAPP_MAX_TEXT_CHARS:
            raise InvalidInput(
                N_("The reply is {length} characters; WhatsApp takes {limit}."),
                length=len(text),
                limit=WHATSAPP_MAX_TEXT_CHARS,
            )
        elif len(text) > FACEBOOK_REPLY_LIMIT:
            raise InvalidInput(
                N_("The reply is {length} characters; keep it under {limit}."),
                length=len(text),
                limit=FACEBOOK_REPLY_LIMIT,
            )
        return text

    def whatsapp_window(self, actor: Actor, ticket_id: int) -> WindowState | None:
        """For a WhatsApp ticket: whether free text can still reach the citizen, and until
        when (else the approved template goes); None for other platforms."""
        target = self.target(ticket_id)
        self._audit.authorize(actor, Action.VIEW_TICKETS, target.department_code)
        if target.platform is not Platform.WHATSAPP:
            return None
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT b.last_at FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
                " LEFT JOIN whatsapp_bursts b ON b.channel = i.channel AND b.wa_id = i.author_id"
                " WHERE t.id = ?",
                [ticket_id],
            ).fetchone()
        last = row[0] if row else None
        now = self._clock()
        return WindowState(window_open(last, now), last + WINDOW if last else None)

    def target(self, ticket_id: int) -> ReplyTarget:
        """The ticket with the platform id of the interaction to answer."""
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT t.id, t.reference, t.department_code, t.language, t.ward, t.platform,"
                " t.status, i.platform_id, i.thread_id FROM tickets t"
                " JOIN interactions i ON i.id = t.interaction_id WHERE t.id = ?",
                [ticket_id],
            ).fetchone()
        if row is None:
            raise NotFound(N_("No ticket #{number}."), number=ticket_id)
        if row[5] not in Platform._value2member_map_:
            raise InvalidInput(N_("Replies on {platform} are not supported yet."), platform=row[5])
        return ReplyTarget(
            row[0], row[1], row[2], row[3], row[4], Platform(row[5]), row[6], row[7], row[8]
        )

    def replies_for(self, actor: Actor, ticket_id: int) -> list[Reply]:
        """A ticket's replies, oldest first (whoever may see the ticket)."""
        target = self.target(ticket_id)
        self._audit.authorize(actor, Action.VIEW_TICKETS, target.department_code)
        with self._store.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_REPLY_COLUMNS} FROM replies WHERE ticket_id = ? ORDER BY id",
                [ticket_id],
            ).fetchall()
        return [_reply(row) for row in rows]

    def cancel(self, actor: Actor, reply_id: int) -> None:
        """Withdraw a reply that has not gone out (queued, waiting or needing attention)."""
        self._change_by_person(actor, reply_id, "cancelled", "cancel_reply")

    def retry(self, actor: Actor, reply_id: int) -> None:
        """Send a reply that needed attention again, after a person checked the thread."""
        self._change_by_person(actor, reply_id, "queued", "retry_reply")

    def _change_by_person(self, actor: Actor, reply_id: int, status: str, action: str) -> None:
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT ticket_id, status FROM replies WHERE id = ?", [reply_id]
            ).fetchone()
        if row is None:
            raise NotFound(N_("No reply #{number}."), number=reply_id)
        target = self.target(row[0])
        self._audit.authorize(actor, Action.ANSWER_TICKET, target.department_code)
        allowed_from = (
            ("queued", "retry_wait", "needs_attention")
            if status == "cancelled"
            else ("needs_attention",)
        )
        now = self._clock()
        with self._store.transaction() as cur:
            changed = cur.execute(
                "UPDATE replies SET status = ?, next_attempt_at = NULL, attention_reason = NULL,"
                " unknown_outcomes = 0, updated_at = ? WHERE id = ? AND status IN"
                f" ({', '.join('?' for _ in allowed_from)}) RETURNING id",
                [status, now, reply_id, *allowed_from],
            ).fetchone()
            if changed is None:
                raise InvalidInput(
                    N_(
                        "Reply #{number} is {status}: only a reply in {statuses} can be changed so."
                    ),
                    number=reply_id,
                    status=row[1],
                    statuses=" or ".join(allowed_from),
                )
            self._audit.record(
                cur,
                actor=actor,
                action=action,
                target_type="reply",
                target_id=str(reply_id),
                department_code=target.department_code,
                before={"status": row[1]},
                after={"status": status},
            )

    # -- department settings ------------------------------------------------------------------

    def settings_for(self, actor: Actor, department_code: str) -> ReplySettings:
        """A department's acknowledgement settings (its officers, IT)."""
        self._authorize_settings(actor, department_code)
        return self._settings_row(department_code)

    def set_whatsapp_deadline(
        self, actor: Actor, department_code: str, minutes: int
    ) -> ReplySettings:
        """The department's acknowledgement deadline for WhatsApp complaints (1 to 1440
        minutes): new tickets are held to it, and the dashboard counts against it."""
        self._authorize_settings(actor, department_code)
        if not 1 <= int(minutes) <= MAX_ACKNOWLEDGE_MINUTES:
            raise InvalidInput(
                N_("The deadline is 1 to {limit} minutes, not {minutes}."),
                limit=MAX_ACKNOWLEDGE_MINUTES,
                minutes=minutes,
            )
        before = self._settings_row(department_code)
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO department_reply_settings (department_code, updated_at,"
                " acknowledge_deadline_minutes) VALUES (?, ?, ?) ON CONFLICT (department_code)"
                " DO UPDATE SET"
                " acknowledge_deadline_minutes = excluded.acknowledge_deadline_minutes,"
                " updated_at = excluded.updated_at",
                [department_code, now, int(minutes)],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="set_whatsapp_deadline",
                target_type="department",
                target_id=department_code,
                department_code=department_code,
                before={"minutes": before.whatsapp_deadline_minutes},
                after={"minutes": int(minutes)},
            )
        return self._settings_row(department_code)

    def set_auto_acknowledge(
        self, actor: Actor, department_code: str, enabled: bool, minutes: int
    ) -> ReplySettings:
        """Switch the automatic acknowledgement on or off, after `minutes` (0 to 1440).

        Allowed to the department's own officers (`ANSWER_TICKET` on it) and to IT and
        admins (`MANAGE_TEMPLATES`). Switching on only covers tickets opened from then on.
        """
        self._authorize_settings(actor, department_code)
        if not 0 <= int(minutes) <= MAX_ACKNOWLEDGE_MINUTES:
            raise InvalidInput(
                N_("Acknowledge within 0 to {limit} minutes, not {minutes}."),
                limit=MAX_ACKNOWLEDGE_MINUTES,
                minutes=minutes,
            )
        with self._store.cursor() as cur:
            if (
                cur.execute(
                    "SELECT 1 FROM departments WHERE code = ?", [department_code]
                ).fetchone()
                is None
            ):
                raise NotFound(N_("No department {code!r}."), code=department_code)
        before = self._settings_row(department_code)
        now = self._clock()
        enabled_at = (
            before.enabled_at if before.auto_acknowledge and enabled else now if enabled else None
        )
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO department_reply_settings (department_code, auto_acknowledge,"
                " acknowledge_after_minutes, updated_at, enabled_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (department_code) DO UPDATE SET"
                " auto_acknowledge = excluded.auto_acknowledge,"
                " acknowledge_after_minutes = excluded.acknowledge_after_minutes,"
                " updated_at = excluded.updated_at, enabled_at = excluded.enabled_at",
                [department_code, bool(enabled), int(minutes), now, enabled_at],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="set_auto_acknowledge",
                target_type="department",
                target_id=department_code,
                department_code=department_code,
                before={
                    "auto_acknowledge": before.auto_acknowledge,
                    "minutes": before.acknowledge_after_minutes,
                },
                after={"auto_acknowledge": bool(enabled), "minutes": int(minutes)},
            )
        return self._settings_row(department_code)

    def _authorize_settings(self, actor: Actor, department_code: str) -> None:
        if actor.role is not Role.OFFICER and is_allowed(actor, Action.MANAGE_TEMPLATES):
            return
        self._audit.authorize(actor, Action.ANSWER_TICKET, department_code)

    def _settings_row(self, department_code: str) -> ReplySettings:
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT auto_acknowledge, acknowledge_after_minutes, enabled_at,"
                " acknowledge_deadline_minutes"
                " FROM department_reply_settings WHERE department_code = ?",
                [department_code],
            ).fetchone()
        default = self._settings.whatsapp.acknowledge_deadline_minutes
        if row is None:
            return ReplySettings(department_code, False, 5, None, default)
        return ReplySettings(
            department_code, bool(row[0]), int(row[1]), row[2], int(row[3] or default)
        )

    # -- the automatic acknowledgement --------------------------------------------------------

    def acknowledge_due(self, now: datetime | None = None) -> int:
        """Queue the acknowledgement for every ticket that waited long enough; returns how many.

        A ticket qualifies once, while it is still ``new`` with no reply at all (queued or
        otherwise): a WhatsApp message at once (the citizen wrote to the city's number and
        is owed the reference within the department's deadline); a comment or mention when
        its department has the acknowledgement on, once it was opened at least the
        department's minutes ago and not before the acknowledgement was switched on.
        """
        now = now or self._clock()
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT t.id, t.reference, t.department_code, t.language, t.ward, t.platform,"
                " t.status, i.platform_id, i.thread_id FROM tickets t"
                " JOIN interactions i ON i.id = t.interaction_id"
                " LEFT JOIN department_reply_settings s"
                "  ON s.department_code = t.department_code"
                " WHERE t.status = 'new' AND NOT t.hidden AND t.merged_into IS NULL"
                " AND (t.platform = 'whatsapp' OR (s.auto_acknowledge"
                "  AND t.platform IN ('facebook', 'x')"
                "  AND t.opened_at <= ? - to_minutes(s.acknowledge_after_minutes)"
                "  AND t.opened_at >= s.enabled_at))"
                " AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.ticket_id = t.id)"
                " ORDER BY t.opened_at, t.id",
                [now],
            ).fetchall()
        queued: list[tuple[ReplyTarget, str]] = []
        # One lookup per department and language, not per ticket: a busy minute has many.
        picked: dict[tuple[str | None, str], Any] = {}
        names = self._templates.department_names() if rows else {}
        for row in rows:
            target = ReplyTarget(
                row[0], row[1], row[2], row[3], row[4], Platform(row[5]), row[6], row[7], row[8]
            )
            try:
                key = (target.department_code, target.reply_language)
                if key not in picked:
                    try:
                        picked[key] = self._templates.pick(*key, "acknowledgement")
                    except HubError as exc:
                        picked[key] = exc
                template = picked[key]
                if isinstance(template, HubError):
                    raise template
                body = self._templates.render(
                    template.body, target, language=template.language, names=names
                )
            except HubError as exc:
                if target.platform is not Platform.WHATSAPP:
                    log.warning("no acknowledgement for ticket %s: %s", target.reference, exc)
                    continue
                # The WhatsApp desk always answers with the reference number.
                body = desk_text("registered", target.reply_language, reference=target.reference)
            try:
                queued.append((target, self.final_text(target, body)))
            except HubError as exc:
                log.warning("no acknowledgement for ticket %s: %s", target.reference, exc)
        if not queued:
            return 0
        with self._store.transaction() as cur:
            # One statement for all of them; checked again inside the write, since a person
            # may have answered meanwhile.
            rows = cur.execute(
                "INSERT INTO replies (ticket_id, platform, in_reply_to, kind, text, status,"
                " created_by, created_at, updated_at)"
                " SELECT q.ticket_id, q.platform, q.in_reply_to, 'acknowledgement', q.text,"
                " 'queued', $sender, $now, $now FROM (SELECT unnest($tickets) AS ticket_id,"
                " unnest($platforms) AS platform, unnest($parents) AS in_reply_to,"
                " unnest($texts) AS text) AS q"
                " WHERE NOT EXISTS (SELECT 1 FROM replies r WHERE r.ticket_id = q.ticket_id)"
                " RETURNING id, ticket_id, text",
                {
                    "tickets": [target.id for target, _ in queued],
                    "platforms": [target.platform.value for target, _ in queued],
                    "parents": [target.in_reply_to for target, _ in queued],
                    "texts": [text for _, text in queued],
                    "sender": SENDER,
                    "now": now,
                },
            ).fetchall()
            departments = {target.id: target.department_code for target, _ in queued}
            self._audit.record_many(
                cur,
                [
                    {
                        "actor_name": SENDER,
                        "action": "queue_acknowledgement",
                        "target_type": "ticket",
                        "target_id": str(ticket_id),
                        "department_code": departments[ticket_id],
                        "after": {"reply_id": reply_id, "text": text},
                    }
                    for reply_id, ticket_id, text in rows
                ],
            )
        return len(rows)

    def _queue(
        self,
        cur: duckdb.DuckDBPyConnection,
        target: ReplyTarget,
        kind: str,
        text: str,
        created_by: str,
        now: datetime,
    ) -> int:
        (reply_id,) = cur.execute(
            "INSERT INTO replies (ticket_id, platform, in_reply_to, kind, text, status,"
            " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)"
            " RETURNING id",
            [
                target.id,
                target.platform.value,
                target.in_reply_to,
                kind,
                text,
                created_by,
                now,
                now,
            ],
        ).fetchone()
        return int(reply_id)

    # -- the sender cycle ---------------------------------------------------------------------

    def run_cycle(self) -> ReplyReport:
        """Recover, reconcile, send, through the delivery engine. One cycle at a time."""
        report = ReplyReport()
        self._engine.run_cycle(report)
        return report

    def work_left(self) -> int:
        """Replies not yet settled or due now (the stand-alone worker stops at 0)."""
        return self._engine.work_left()

    def status_counts(self) -> dict[str, int]:
        """Replies per status (for IT's overview and the job's work-left check)."""
        with self._store.cursor() as cur:
            rows = cur.execute("SELECT status, count(*) FROM replies GROUP BY status").fetchall()
        return {status: count for status, count in rows}


@dataclass(frozen=True)
class WindowState:
    """Whether a WhatsApp citizen can still get free text (within 24 hours of their last
    message), and when that ends; after it, an answer goes as the approved template."""

    open: bool
    closes_at: datetime | None


def _reply(row: tuple) -> Reply:
    return Reply(
        row[0],
        row[1],
        Platform(row[2]),
        *row[3:],
    )


@dataclass
class ReplyDelivery(KindBase):
    """The city's answers in citizens' threads, sent by the engine (module docstring: how)."""

    platforms: PlatformAccounts
    # The interaction store (`InteractionStore`), which keeps the city's sent X replies.
    interactions: Any
    # WhatsApp: the approved template outside the 24-hour window, and how long a reply whose
    # answer was lost waits for its delivery status (`hub.answering.whatsapp_sending`).
    whatsapp_template: str = "complaint_status_update"
    status_grace: timedelta = STATUS_GRACE

    outbox, actor_name, words = REPLIES_OUTBOX, SENDER, REPLY_WORDS

    def due(self, cur: duckdb.DuckDBPyConnection, now: datetime) -> list[DueItem]:
        """Queued replies, and retries whose time came, oldest first."""
        rows = cur.execute(
            "SELECT r.id, r.platform, r.in_reply_to, r.text, r.attempts, i.author_id,"
            " i.channel, t.language, t.reference, b.last_at FROM replies r"
            " LEFT JOIN tickets t ON t.id = r.ticket_id"
            " LEFT JOIN interactions i ON i.id = t.interaction_id"
            " LEFT JOIN whatsapp_bursts b ON r.platform = 'whatsapp'"
            "  AND b.channel = i.channel AND b.wa_id = i.author_id"
            " WHERE r.status = 'queued' OR (r.status = 'retry_wait' AND r.next_attempt_at <= ?)"
            " ORDER BY r.created_at, r.id",
            [now],
        ).fetchall()
        due = []
        for r in rows:
            if r[1] not in Platform._value2member_map_:
                continue
            whatsapp = None
            if r[1] == Platform.WHATSAPP.value:
                whatsapp = WhatsAppOutgoing(
                    key=f"reply-{r[0]}",
                    to=r[5],
                    channel=r[6],
                    text=r[3],
                    language="bn" if r[7] == "bn" else "en",
                    last_inbound_at=r[9],
                    context_id=r[2],
                    reference=r[8] or "",
                )
            due.append(DueItem(r[0], Platform(r[1]), r[4], _ReplyToSend(r[2], r[3], whatsapp)))
        return due

    def unconfirmed(self, cur: duckdb.DuckDBPyConnection) -> list[UnconfirmedItem]:
        """Replies whose last attempt ended without an answer, with where they would be."""
        rows = cur.execute(
            "SELECT r.id, r.platform, r.text, r.unknown_outcomes, r.last_error,"
            " (SELECT min(started_at) FROM reply_attempts a WHERE a.reply_id = r.id),"
            " (SELECT max(started_at) FROM reply_attempts a WHERE a.reply_id = r.id),"
            " r.in_reply_to, i.thread_id, i.parent_id"
            " FROM replies r JOIN tickets t ON t.id = r.ticket_id"
            " JOIN interactions i ON i.id = t.interaction_id"
            " WHERE r.status = 'unconfirmed' ORDER BY r.id"
        ).fetchall()
        # No wait before reconciling a Facebook or X reply: its thread shows it as soon as
        # it exists. A WhatsApp reply waits for its status (`look_for`).
        return [
            UnconfirmedItem(
                r[0], Platform(r[1]), r[2], r[3], r[4], r[5], r[6], _WhereItWouldBe(*r[7:])
            )
            for r in rows
        ]

    def look_for(
        self, adapter: Channel, platform: Platform, items: list[UnconfirmedItem]
    ) -> Iterable[Listing]:
        """Facebook: the Page's own comments in each reply's thread, under the citizen's
        comment. X: the account's recent posts (the listing carries no ``in_reply_to``; the
        reference number in every reply makes the text specific enough). WhatsApp: the
        delivery statuses that came back with the reply's key."""
        if platform is Platform.WHATSAPP:
            keys = {item.id: f"reply-{item.id}" for item in items}
            yield from found_by_key(self.store, items, keys, self.clock(), self.status_grace)
            return
        if platform is not Platform.FACEBOOK:
            recent, complete = recent_posts_back_to(adapter, horizon_of(items))
            yield Listing(
                items, recent, complete, "the thread listing does not reach back to the attempt"
            )
            return
        if not isinstance(adapter, ReadsPostComments):
            raise NotSupported(N_("this Facebook account cannot read its Page's comments"))
        page_id = adapter.account_id
        threads: dict[str, list[Interaction]] = {}
        for item in items:
            where: _WhereItWouldBe = item.payload
            if where.thread_id not in threads:
                page = adapter.list_interactions(None, post_ids=[where.thread_id], include_own=True)
                threads[where.thread_id] = [i for i in page.interactions if i.author_id == page_id]
            # Graph files a reply to a reply under the same top-level comment, so either
            # parent counts as "under the citizen's comment".
            parents = {where.in_reply_to}
            if where.parent_of_target and where.parent_of_target != where.thread_id:
                parents.add(where.parent_of_target)
            candidates = [
                PublishedPost(
                    Platform.FACEBOOK, i.platform_id, i.permalink, i.created_at, text=i.text
                )
                for i in threads[where.thread_id]
                if i.parent_id in parents
            ]
            yield Listing([item], candidates, True)

    def send(self, item: DueItem, adapter: Channel) -> PublishedPost:
        """Post the reply under the citizen's comment or post; on WhatsApp, send it in the
        conversation (the approved template once the 24-hour window has closed)."""
        reply: _ReplyToSend = item.payload
        if reply.whatsapp is not None:
            return send_on_whatsapp(
                adapter, reply.whatsapp, template_name=self.whatsapp_template, now=self.clock()
            )
        if not isinstance(adapter, Replies):
            raise NotSupported(
                N_("the {platform_name} account cannot reply in threads"),
                platform_name=item.platform.value,
            )
        return adapter.reply(reply.in_reply_to, reply.text)

    def record_delivered(self, cur: duckdb.DuckDBPyConnection, done: Delivered) -> None:
        """The ticket's first response and status, and an audit row, with the delivery."""
        ticket_id, kind, confirmed_at = cur.execute(
            "SELECT ticket_id, kind, sent_at FROM replies WHERE id = ?", [done.item_id]
        ).fetchone()
        if done.post.platform is Platform.WHATSAPP:
            sent_as = f"template {done.post.template}" if done.post.template else "text"
            cur.execute("UPDATE replies SET sent_as = ? WHERE id = ?", [sent_as, done.item_id])
        self._record_response(cur, ticket_id, done.item_id, kind, confirmed_at, done.post, done.at)
        self.audit_item(
            cur,
            "reconcile_reply" if done.found else "send_reply",
            done.item_id,
            after={
                "status": "sent",
                "platform_reply_id": done.post.platform_post_id,
                "permalink": done.post.permalink,
            },
        )

    def record_delivered_many(self, cur: duckdb.DuckDBPyConnection, dones: list[Delivered]) -> None:
        """`record_delivered` for a group sent together (WhatsApp's senders), set-based: the
        tickets' first responses and statuses, their events and the audit rows in a few
        statements, whatever the group's size."""
        if not dones:
            return
        by_id = {done.item_id: done for done in dones}
        rows = cur.execute(
            "SELECT r.id, r.ticket_id, r.kind, r.sent_at, t.status, t.first_response_at"
            " FROM replies r JOIN tickets t ON t.id = r.ticket_id"
            " WHERE list_contains($ids, r.id) ORDER BY r.id",
            {"ids": list(by_id)},
        ).fetchall()
        whatsapp = [d for d in dones if d.post.platform is Platform.WHATSAPP]
        if whatsapp:
            cur.execute(
                "UPDATE replies SET sent_as = s.sent_as FROM (SELECT unnest($ids) AS id,"
                " unnest($as) AS sent_as) AS s WHERE replies.id = s.id",
                {
                    "ids": [d.item_id for d in whatsapp],
                    "as": [
                        f"template {d.post.template}" if d.post.template else "text"
                        for d in whatsapp
                    ],
                },
            )
        tickets: dict[int, list] = {}
        events = []
        now = dones[0].at
        for reply_id, ticket_id, kind, confirmed_at, status, first_response_at in rows:
            state = tickets.setdefault(ticket_id, [status, first_response_at, None, confirmed_at])
            before = state[0]
            state[0] = lifecycle.after_reply(kind, before)
            if state[1] is None:
                state[1], state[2] = confirmed_at, reply_id
            state[3] = min(state[3], confirmed_at)
            events.append(
                (ticket_id, _posted_note(kind, by_id[reply_id].post.permalink, before, state[0]))
            )
        ids = list(tickets)
        cur.execute(
            "UPDATE tickets SET status = s.status,"
            " first_response_at = coalesce(tickets.first_response_at, s.first_at),"
            " first_response_reply_id = coalesce(tickets.first_response_reply_id, s.reply_id),"
            " acknowledged_at = coalesce(tickets.acknowledged_at, s.acknowledged),"
            " updated_at = $now FROM (SELECT unnest($ids) AS id, unnest($statuses) AS status,"
            " unnest($firsts) AS first_at, unnest($replies) AS reply_id,"
            " unnest($acknowledged) AS acknowledged) AS s WHERE tickets.id = s.id",
            {
                "ids": ids,
                "statuses": [tickets[t][0] for t in ids],
                "firsts": [tickets[t][1] for t in ids],
                "replies": [tickets[t][2] for t in ids],
                "acknowledged": [tickets[t][3] for t in ids],
                "now": now,
            },
        )
        cur.execute(
            "INSERT INTO ticket_events (ticket_id, occurred_at, actor, event, note, note_sentence)"
            " SELECT unnest($tickets), $now, $actor, 'reply_sent', unnest($notes),"
            " unnest($sentences)",
            {
                "tickets": [e[0] for e in events],
                "notes": [str(e[1]) for e in events],
                "sentences": [stored_sentence(e[1]) for e in events],
                "now": now,
                "actor": SENDER,
            },
        )
        self.audit.record_many(
            cur,
            [
                {
                    "actor_name": self.actor_name,
                    "action": "send_reply",
                    "target_type": self.words.noun,
                    "target_id": str(done.item_id),
                    "after": {
                        "status": "sent",
                        "platform_reply_id": done.post.platform_post_id,
                        "permalink": done.post.permalink,
                    },
                }
                for done in dones
            ],
        )

    def after_delivered(self, done: Delivered) -> None:
        """Store the city's X reply as an interaction (see `_store_city_reply`)."""
        if done.post.platform is not Platform.X:
            return
        with self.store.cursor() as cur:
            platform, text, in_reply_to = cur.execute(
                "SELECT platform, text, in_reply_to FROM replies WHERE id = ?", [done.item_id]
            ).fetchone()
        self._store_city_reply(platform, done.post, text, in_reply_to)

    def record_needs_attention(
        self, cur: duckdb.DuckDBPyConnection, item_id: int, reason: str
    ) -> None:
        """An audit row."""
        self.audit_item(cur, "reply_needs_attention", item_id, detail=reason)

    def _record_response(
        self,
        cur: duckdb.DuckDBPyConnection,
        ticket_id: int,
        reply_id: int,
        kind: str,
        confirmed_at: datetime,
        posted: PublishedPost,
        now: datetime,
    ) -> None:
        ticket = cur.execute(
            "SELECT status, first_response_at FROM tickets WHERE id = ?", [ticket_id]
        ).fetchone()
        if ticket is None:
            return
        status, first_response_at = ticket
        new_status = lifecycle.after_reply(kind, status)
        first = first_response_at is None
        cur.execute(
            "UPDATE tickets SET status = ?,"
            " first_response_at = coalesce(first_response_at, ?),"
            " first_response_reply_id = coalesce(first_response_reply_id, ?),"
            " acknowledged_at = coalesce(acknowledged_at, ?), updated_at = ? WHERE id = ?",
            [new_status, confirmed_at, reply_id if first else None, confirmed_at, now, ticket_id],
        )
        note = _posted_note(kind, posted.permalink, status, new_status)
        cur.execute(
            "INSERT INTO ticket_events (ticket_id, occurred_at, actor, event, note, note_sentence)"
            " VALUES (?, ?, ?, 'reply_sent', ?, ?)",
            [ticket_id, now, SENDER, str(note), stored_sentence(note)],
        )

    def _store_city_reply(
        self, platform: str, posted: PublishedPost, text: str, in_reply_to: str
    ) -> None:
        # X leaves the account's own posts out of the mentions, so the sent reply is stored
        # here; the Facebook pull finds the Page's replies itself.
        if self.interactions is None or platform != Platform.X.value:
            return
        adapter = self.platforms.adapter(Platform.X)
        author_id = adapter.account_id if adapter is not None else ""
        thread = self._thread_of(platform, in_reply_to) or in_reply_to
        interaction = Interaction(
            platform=Platform.X,
            platform_id=posted.platform_post_id,
            kind=InteractionKind.REPLY,
            thread_id=thread,
            parent_id=in_reply_to,
            author_id=author_id,
            author_name="city",
            text=posted.text or text,
            created_at=posted.created_at or self.clock(),
            permalink=posted.permalink,
        )
        try:
            self.interactions.store_batch([interaction], "poll")
        except HubError as exc:  # the reply is sent and recorded; the copy is a convenience
            log.warning("could not store the city's reply %s: %s", posted.platform_post_id, exc)

    def _thread_of(self, platform: str, platform_id: str) -> str | None:
        with self.store.cursor() as cur:
            row = cur.execute(
                "SELECT thread_id FROM interactions WHERE platform = ? AND platform_id = ?",
                [platform, platform_id],
            ).fetchone()
        return row[0] if row else None


def _posted_note(kind: str, link: str | None, before: str, after: str) -> Message:
    """A ticket's history line for a reply that went out, and the status it moved the
    ticket to (shown in the reader's language on the ticket page)."""
    # The kinds ("answer", "acknowledgement") are catalogue entries (ui/answer_panel.py).
    posted = Message(N_("{kind} posted: {link}"), kind=Message(kind), link=link or "")
    if after == before:
        return posted
    return Message(
        N_("{posted} (status {before} → {after})"),
        posted=posted,
        before=Message(status_label(before)),
        after=Message(status_label(after)),
    )


__all__ = [
    "Reply",
    "ReplyDelivery",
    "ReplyReport",
    "ReplyService",
    "ReplySettings",
    "ReplyTarget",
    "WindowState",
]
