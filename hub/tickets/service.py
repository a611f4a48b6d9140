"""Tickets: triage of new interactions, reference numbers, statuses, moves, notes, targets.

Triage rules (`TicketService.triage_new_interactions`), applied to every interaction that has
no `interaction_triage` row yet, oldest first:

- the city's own replies (``from_city``) are not routed: a triage row (category ``other``,
  no ticket); a reply under a ticket's comment sets that ticket's ``first_response_at``
  when the reply service has not already done so (replies made on the platform directly);
- an interaction deleted before triage gets a triage row and no ticket;
- everything else is routed (`Router.route`). It *needs an answer* when its category is
  complaint, question or suggestion, or when it is urgent; praise and "other" are kept as a
  triage row without a ticket; spam never gets a ticket (category ``spam`` in the row);
- a follow-up: when the same citizen (``platform:author_id``) already has a ticket in the same
  thread (not merged, not hidden), the follow-up goes to the newest such ticket of the
  department it routes to (the newest of all when it routes to none). When it routes to a
  department none of them is in, and needs an answer, it is not folded in (that officer
  would never see it): it opens its own ticket, linked to the newest (``related_ticket_id``,
  an event ``linked`` on both). Otherwise the chosen ticket takes it:
  open → event ``follow_up`` on it, no new ticket;
  resolved or closed less than 7 days before the follow-up, and the follow-up needs an
  answer → the ticket is reopened (``in_progress``, ``reopened_count + 1``, event
  ``reopened``); a thank-you after resolution is only a ``follow_up`` event;
  resolved longer ago → a new ticket;
- otherwise a new ticket with the next reference number of the year (Kolkata time),
  ``{prefix}-{year}-{number:06d}``, from `ticket_counters` in the same transaction.

One transaction per batch, and set-based statements: staged rows are inserted with one
``INSERT ... SELECT`` per table, never one round trip per interaction.

Statuses: new → acknowledged → in_progress → resolved → closed; reopen brings a resolved or
closed ticket back to in_progress. Spam hidden by IT and merged duplicates are closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.commands import SubscriptionCommand, department_aliases, read_command
from hub.config import Settings
from hub.departments import Department, DepartmentService
from hub.errors import HubError, InvalidInput, NotFound, PermissionDenied
from hub.i18n import (
    N_,
    Joined,
    Message,
    message_to_json,
    shown_sentence,
    stored_sentence,
)
from hub.permissions import Action, Actor, Role, is_allowed
from hub.privacy import masked_phone_number
from hub.routing import Router, RoutingDecision, find_reference
from hub.store import Store
from hub.text import nfc
from hub.tickets import lifecycle
from hub.tickets.board import (
    DUE_AT_SQL,
    ELAPSED_SECONDS_SQL,
    IT_QUEUE,
    MINUTES_LEFT_SQL,
    REMINDER_SHARE,
    TARGET_SECONDS_SQL,
    TARGET_STATE_SQL,
    BoardPage,
    fetch_rows,
)
from hub.tickets.labels import STATUS_LABELS
from hub.tickets.lifecycle import OPEN_STATUSES, Transition

TRIAGE_ACTOR = "triage-job"
TARGETS_ACTOR = "target-check-job"
# A citizen writing again within this time after resolution reopens the ticket.
REOPEN_WINDOW = timedelta(days=7)
# The open statuses as a SQL list literal (quoted by the code, not by Python's repr, which
# writes a one-item tuple as "('new',)").
_OPEN_LIST = "[" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + "]"
NEEDS_ANSWER_CATEGORIES = frozenset({"complaint", "question", "suggestion"})
MAX_NOTE_CHARS = 5000
MAX_EARLIER_TICKETS = 10

_TICKET_COLUMNS = (
    "id",
    "reference",
    "interaction_id",
    "platform",
    "citizen_key",
    "department_code",
    "status",
    "language",
    "ward",
    "category",
    "urgent",
    "routing_explanation",
    "routing_confidence",
    "opened_at",
    "created_at",
    "first_response_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "reopened_count",
    "last_reopened_at",
    "reminded_at",
    "escalated_at",
    "escalation_reason",
    "merged_into",
    "hidden",
    "related_ticket_id",
    "updated_at",
    "latitude",
    "longitude",
    "text_ward",
    "acknowledge_by",
    "routing_reasons",
)
_TIME = pa.timestamp("us", tz="UTC")
_TRIAGE_SCHEMA = pa.schema(
    [
        ("interaction_id", pa.int64()),
        ("decided_at", _TIME),
        ("needs_ticket", pa.bool_()),
        ("language", pa.string()),
        ("ward", pa.int32()),
        ("department_code", pa.string()),
        ("category", pa.string()),
        ("urgent", pa.bool_()),
        ("explanation", pa.string()),
        ("confidence", pa.float64()),
        ("asks_reference", pa.string()),
        ("ticket_id", pa.int64()),
        ("command", pa.string()),
    ]
)
# Where a triage row keeps the reference a message asks about, its ticket, the command it is.
_ASKS_REFERENCE, _TICKET_ID, _COMMAND = 10, 11, 12
_NEW_TICKET_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("reference", pa.string()),
        ("interaction_id", pa.int64()),
        ("platform", pa.string()),
        ("citizen_key", pa.string()),
        ("department_code", pa.string()),
        ("status", pa.string()),
        ("language", pa.string()),
        ("ward", pa.int32()),
        ("category", pa.string()),
        ("urgent", pa.bool_()),
        ("routing_explanation", pa.string()),
        ("routing_confidence", pa.float64()),
        ("opened_at", _TIME),
        ("created_at", _TIME),
        ("updated_at", _TIME),
        ("related_ticket_id", pa.int64()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("text_ward", pa.int32()),
        ("routing_reasons", pa.string()),
    ]
)
_EVENT_SCHEMA = pa.schema(
    [
        ("ticket_id", pa.int64()),
        ("occurred_at", _TIME),
        ("actor", pa.string()),
        ("event", pa.string()),
        ("note", pa.string()),
        ("from_department", pa.string()),
        ("to_department", pa.string()),
        ("note_sentence", pa.string()),
    ]
)


# -- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    """A ticket row, with its target clock computed at read time."""

    id: int
    reference: str
    interaction_id: int
    platform: str
    citizen_key: str
    department_code: str | None
    status: str
    language: str | None
    ward: int | None
    category: str
    urgent: bool
    routing_explanation: str
    routing_confidence: float
    opened_at: datetime
    created_at: datetime
    first_response_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_count: int
    last_reopened_at: datetime | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    escalation_reason: str | None
    merged_into: int | None
    hidden: bool
    # The citizen's ticket this one came from: a follow-up about another department.
    related_ticket_id: int | None
    updated_at: datetime
    # A WhatsApp message's pinned place; the ward its text named when the pin's differs.
    latitude: float | None = None
    longitude: float | None = None
    text_ward: int | None = None
    # When the reference number must have reached the citizen (WhatsApp).
    acknowledge_by: datetime | None = None
    # routing_explanation as a catalogue sentence (JSON); None on tickets older than it.
    routing_reasons: str | None = None
    due_at: datetime | None = None
    minutes_left: int | None = None
    target_state: str = "done"

    @property
    def routing_reason(self) -> Message:
        """Why the ticket went where it went, for the page to show in its reader's language
        (in English on a ticket routed before the reasons were kept)."""
        return shown_sentence(self.routing_explanation, self.routing_reasons)

    @property
    def queue_label(self) -> str:
        """The department code, or the IT team's queue."""
        return self.department_code or IT_QUEUE


@dataclass(frozen=True)
class InteractionText:
    """A citizen's (or the city's) message as stored: untrusted text, shown as text."""

    id: int
    platform: str
    platform_id: str
    kind: str
    author_name: str
    text: str
    created_at: datetime
    permalink: str | None
    from_city: bool
    is_hidden: bool
    deleted_at: datetime | None


@dataclass(frozen=True)
class TicketEvent:
    """One line of a ticket's history."""

    id: int
    occurred_at: datetime
    actor: str
    event: str
    note: str | None
    from_department: str | None
    to_department: str | None
    # The note as a catalogue sentence where the hub wrote it (JSON); None for a person's.
    note_sentence: str | None = None

    @property
    def shown_note(self) -> Message | None:
        """The note to show: the hub's sentences in the reader's language, people's words
        (and notes written before the sentences were kept) as written."""
        return None if self.note is None else shown_sentence(self.note, self.note_sentence)


@dataclass(frozen=True)
class TicketSummary:
    """An earlier ticket of the same citizen."""

    id: int
    reference: str
    status: str
    department_code: str | None
    opened_at: datetime


@dataclass(frozen=True)
class ReplySummary:
    """A reply of the city to this ticket, as the reply service recorded it (read only)."""

    id: int
    kind: str
    text: str
    status: str
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    permalink: str | None


@dataclass(frozen=True)
class TicketView:
    """Everything the ticket page shows: the ticket, its thread and its history."""

    ticket: Ticket
    interaction: InteractionText
    city_post_text: str | None
    parent: InteractionText | None
    earlier_tickets: list[TicketSummary]
    events: list[TicketEvent]
    replies: list[ReplySummary]
    # The ticket this one came from and the ones that came from it (follow-ups about
    # another department).
    linked_tickets: list[TicketSummary] = field(default_factory=list)
    # A message to the city's number: the citizen's other messages of the same burst, and
    # their number masked to its last four digits (`TicketService.phone_number`: whole).
    conversation: list[InteractionText] = field(default_factory=list)
    phone_number: str | None = None


@dataclass(frozen=True)
class TriageReport:
    """What one triage run did."""

    looked_at: int = 0
    tickets_created: int = 0
    references: tuple[str, ...] = ()
    follow_ups: int = 0
    reopened: int = 0
    without_ticket: int = 0
    first_responses_seen: int = 0

    @property
    def summary(self) -> str:
        """One line for the job's heartbeat and the log."""
        return (
            f"{self.looked_at} triaged: {self.tickets_created} new ticket(s), "
            f"{self.follow_ups} follow-up(s), {self.reopened} reopened, "
            f"{self.without_ticket} without ticket"
        )


@dataclass(frozen=True)
class TargetReport:
    """What one target check did: references reminded and escalated."""

    reminded: tuple[str, ...] = ()
    escalated: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One line for the job's heartbeat and the log."""
        return f"{len(self.reminded)} reminded, {len(self.escalated)} escalated"


@dataclass(frozen=True)
class BulkAssignResult:
    """What a bulk assignment changed."""

    moved: tuple[str, ...]
    unchanged: tuple[str, ...]
    missing: tuple[int, ...]

    @property
    def summary(self) -> str:
        """One line for the page."""
        text = f"{len(self.moved)} moved, {len(self.unchanged)} already there"
        return text + (f", {len(self.missing)} not found" if self.missing else "")


@dataclass(frozen=True)
class SpamHidden:
    """The outcome of hiding spam: always hidden in the hub; on the platform when it worked."""

    ticket: Ticket
    hidden_on_platform: bool
    platform_problem: str | None = None


# -- triage decisions (pure) ------------------------------------------------------------------


@dataclass
class _Candidate:
    """An interaction waiting for triage, as read from the store."""

    id: int
    platform: str
    platform_id: str
    thread_id: str
    parent_id: str | None
    author_id: str
    text: str
    created_at: datetime
    from_city: bool
    deleted: bool
    # WhatsApp: the city's number it came to, a pinned place, an attachment with it.
    channel: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    has_attachment: bool = False

    @property
    def citizen_key(self) -> str:
        return f"{self.platform}:{self.author_id}"

    @property
    def is_message(self) -> bool:
        """A message to the city's own number, or a report filed through Open311: addressed
        to the city, whatever it says."""
        return self.platform in ("whatsapp", "open311")

    @property
    def is_whatsapp(self) -> bool:
        """A message to the city's WhatsApp number (the desk acknowledges it by a deadline)."""
        return self.platform == "whatsapp"


@dataclass
class _KnownTicket:
    """A citizen's existing ticket in a thread, for follow-up decisions."""

    id: int
    reference: str
    department_code: str | None
    status: str
    resolved_at: datetime | None
    reopened: bool = False


def _takes_follow_up(ticket_department: str | None, decision: RoutingDecision) -> bool:
    """A follow-up joins a ticket when it routes to that ticket's department, or to none."""
    return decision.department_code is None or decision.department_code == ticket_department


@dataclass(frozen=True)
class MessageRules:
    """How triage reads a message sent to the city's own number (WhatsApp), where a comment
    rule would be wrong: the citizen wrote to the city, so a photo or a pin with no words is a
    complaint; a department's own number routes there when the words name none; a pin decides
    the ward (the text's ward, when it differs, is kept for the ticket to show); a reference
    number asks for that ticket's status (answered by the WhatsApp desk)."""

    reference_prefix: str
    # The city's numbers that belong to a department: phone number id -> department code.
    number_departments: Mapping[str, str] = field(default_factory=dict)
    # The ward of a point (`hub.wards.WardMap.ward_at`), None outside every ward.
    ward_at: Callable[[float, float], int | None] | None = None
    # Department names and codes a subscription command may name (`hub.commands`).
    department_aliases: Mapping[str, str] = field(default_factory=dict)
    # The city's boroughs (a command may name one: "SUBSCRIBE BOROUGH 7").
    boroughs: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    def decide(self, candidate: _Candidate, decision: RoutingDecision) -> _MessageDecision:
        """The routing decision as a message to the city reads it."""
        asks = find_reference(candidate.text, self.reference_prefix)
        text_ward = None
        notes: list[Message] = []
        if candidate.is_whatsapp and not candidate.has_attachment and asks is None:
            command = read_command(candidate.text, self.department_aliases, self.boroughs)
            if command is not None:
                return _MessageDecision(decision, None, None, command)
        if candidate.platform == "open311":
            # The application's user chose the service: it decides the department, and what
            # they filed is a report to answer, whatever its words.
            asks = None
            category = decision.category if needs_answer(decision) else "complaint"
            decision = replace(decision, department_code=candidate.channel, category=category)
            notes.append(
                Message(
                    N_("filed under {department} through Open311"), department=candidate.channel
                )
            )
        elif decision.department_code is None and decision.category not in ("spam", "praise"):
            code = self.number_departments.get(candidate.channel or "")
            if code is not None:
                decision = replace(decision, department_code=code)
                notes.append(Message(N_("sent to {department}'s own number"), department=code))
        if candidate.latitude is not None and candidate.longitude is not None:
            pinned = self.ward_at(candidate.latitude, candidate.longitude) if self.ward_at else None
            if pinned is None:
                notes.append(Message(N_("the pinned place is outside the city's wards")))
            else:
                if decision.ward is not None and decision.ward != pinned:
                    text_ward = decision.ward
                    notes.append(
                        Message(
                            N_("ward {ward} from the pinned place (the text says {text_ward})"),
                            ward=pinned,
                            text_ward=text_ward,
                        )
                    )
                else:
                    notes.append(Message(N_("ward {ward} from the pinned place"), ward=pinned))
                decision = replace(decision, ward=pinned)
        evidence = candidate.has_attachment or candidate.latitude is not None
        if evidence and decision.category == "other" and asks is None:
            decision = replace(decision, category="complaint")
            notes.append(Message(N_("a photo, recording, document or place sent to the city")))
        if notes:
            decision = replace(decision, explanation=Joined([decision.explanation, *notes], "; "))
        return _MessageDecision(decision, asks, text_ward)


@dataclass(frozen=True)
class _MessageDecision:
    decision: RoutingDecision
    asks_reference: str | None
    text_ward: int | None
    command: SubscriptionCommand | None = None


def needs_answer(decision: RoutingDecision) -> bool:
    """Whether a routed message becomes a ticket: complaints, questions, suggestions, urgent.

    Spam never does, even with alarming words in it.
    """
    if decision.category == "spam":
        return False
    return decision.urgent or decision.category in NEEDS_ANSWER_CATEGORIES


def format_reference(prefix: str, year: int, number: int) -> str:
    """A reference number as citizens see it, e.g. ``KMC-2026-000123``."""
    return f"{prefix}-{year}-{number:06d}"


# -- the service ------------------------------------------------------------------------------


class TicketService:
    """Tickets from triage to closing, with every change audited and kept as an event."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        departments: DepartmentService,
        settings: Settings,
        *,
        router_factory: Callable[[Sequence[Department]], Router] = Router,
        clock: Callable[[], datetime] = utc_now,
        hide_on_platform: Callable[[str, str], None] | None = None,
        message_rules: MessageRules | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._departments = departments
        self._settings = settings
        self._router_factory = router_factory
        self._clock = clock
        self._hide_on_platform = hide_on_platform
        self._message_rules = message_rules or MessageRules(settings.reference_prefix)

    # -- triage ---------------------------------------------------------------------------------

    def triage_new_interactions(self, limit: int = 5000) -> TriageReport:
        """Route every interaction not triaged yet (up to `limit`), in one transaction."""
        departments = self._departments.all_departments()
        router = self._router_factory(departments)
        # Subscription commands may name a department: today's names, read with the router's.
        rules = replace(
            self._message_rules,
            department_aliases=department_aliases(
                [(d.code, d.name_en, d.name_bn) for d in departments]
            ),
            boroughs=self._settings.borough_wards,
        )
        now = self._clock()
        with self._store.transaction() as cur:
            candidates = self._untriaged(cur, limit)
            if not candidates:
                return TriageReport()
            known = self._known_tickets(cur, candidates)
            plan = _TriagePlan(now, rules)
            for candidate in candidates:
                plan.decide(candidate, router, known)
            references = self._insert_new_tickets(cur, plan, now)
            self._set_acknowledgement_deadlines(cur, plan)
            plan.finish()
            _insert_arrow(cur, "interaction_triage", _TRIAGE_SCHEMA, plan.triage_rows)
            _insert_events(cur, plan.events)
            if plan.reopen_ids:
                reopen = lifecycle.REOPEN_BY_FOLLOW_UP
                cur.execute(
                    f"UPDATE tickets SET status = $to, {reopen.also_set}, updated_at = $now"
                    " WHERE list_contains($ids, id) AND list_contains($from, status)",
                    {
                        "now": now,
                        "ids": plan.reopen_ids,
                        "to": reopen.to_status,
                        "from": list(reopen.from_statuses),
                    },
                )
            first_responses = self._record_city_replies(
                cur, [c.id for c in candidates if c.from_city]
            )
            report = TriageReport(
                looked_at=len(candidates),
                tickets_created=len(references),
                references=tuple(references),
                follow_ups=plan.follow_ups,
                reopened=len(plan.reopen_ids),
                without_ticket=plan.without_ticket,
                first_responses_seen=first_responses,
            )
            self._audit.record(
                cur,
                actor=None,
                actor_name=TRIAGE_ACTOR,
                action="triage_interactions",
                target_type="interactions",
                after={
                    "created": references[:50],
                    "reopened": plan.reopen_ids[:50],
                    "follow_ups": plan.follow_ups,
                },
                detail=report.summary,
            )
        return report

    def _untriaged(self, cur: Any, limit: int) -> list[_Candidate]:
        rows = cur.execute(
            "SELECT i.id, i.platform, i.platform_id, i.thread_id, i.parent_id, i.author_id,"
            " i.text, i.created_at, i.from_city, i.deleted_at IS NOT NULL,"
            " i.channel, i.latitude, i.longitude,"
            " i.platform = 'whatsapp' AND EXISTS (SELECT 1 FROM whatsapp_media m"
            "  WHERE m.interaction_id = i.id AND m.kind <> 'sticker')"
            " FROM interactions i"
            " WHERE NOT EXISTS (SELECT 1 FROM interaction_triage g WHERE g.interaction_id = i.id)"
            " ORDER BY i.created_at, i.id LIMIT ?",
            [limit],
        ).fetchall()
        return [_Candidate(*row) for row in rows]

    def _known_tickets(
        self, cur: Any, candidates: list[_Candidate]
    ) -> dict[tuple[str, str, str], list[_KnownTicket]]:
        """Live tickets per (citizen, platform, thread) of the batch's citizens, oldest first."""
        keys = sorted({c.citizen_key for c in candidates if not c.from_city})
        if not keys:
            return {}
        rows = cur.execute(
            "SELECT t.citizen_key, i.platform, i.thread_id, t.id, t.reference,"
            " t.department_code, t.status, t.resolved_at"
            " FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
            " WHERE list_contains($keys, t.citizen_key) AND t.merged_into IS NULL"
            " AND NOT t.hidden ORDER BY t.opened_at, t.id",
            {"keys": keys},
        ).fetchall()
        known: dict[tuple[str, str, str], list[_KnownTicket]] = {}
        for r in rows:
            known.setdefault((r[0], r[1], r[2]), []).append(_KnownTicket(*r[3:]))
        return known

    def _insert_new_tickets(self, cur: Any, plan: _TriagePlan, now: datetime) -> list[str]:
        """Give the planned tickets ids and reference numbers and insert them in one go."""
        count = len(plan.new_tickets)
        if not count:
            return []
        year = now.astimezone(self._settings.display_zone).year
        cur.execute(
            "INSERT INTO ticket_counters (year, last_number) VALUES (?, 0) ON CONFLICT DO NOTHING",
            [year],
        )
        last = cur.execute(
            "UPDATE ticket_counters SET last_number = last_number + ? WHERE year = ?"
            " RETURNING last_number",
            [count, year],
        ).fetchone()[0]
        ids = [
            row[0]
            for row in cur.execute(
                "SELECT nextval('tickets_id_seq') FROM range(?)", [count]
            ).fetchall()
        ]
        prefix = self._settings.reference_prefix
        references = []
        for position, (planned, ticket_id) in enumerate(zip(plan.new_tickets, ids, strict=True)):
            reference = format_reference(prefix, year, last - count + 1 + position)
            planned.assign(ticket_id, reference)
            references.append(reference)
        _insert_arrow(
            cur, "tickets", _NEW_TICKET_SCHEMA, [planned.row for planned in plan.new_tickets]
        )
        return references

    def _set_acknowledgement_deadlines(self, cur: Any, plan: _TriagePlan) -> None:
        """A message to the city's number must be acknowledged within its department's
        deadline (`department_reply_settings`, else the WhatsApp default)."""
        ids = [p.id for p in plan.new_tickets if p.candidate.is_whatsapp]
        if not ids:
            return
        cur.execute(
            "UPDATE tickets SET acknowledge_by = tickets.opened_at + to_minutes(coalesce("
            " (SELECT s.acknowledge_deadline_minutes FROM department_reply_settings s"
            "  WHERE s.department_code = tickets.department_code), $default))"
            " WHERE list_contains($ids, tickets.id)",
            {"ids": ids, "default": self._settings.whatsapp.acknowledge_deadline_minutes},
        )

    def _record_city_replies(self, cur: Any, city_interaction_ids: list[int]) -> int:
        """First response from the city's replies made under a ticket's comment."""
        if not city_interaction_ids:
            return 0
        # A reply posted through the hub sets first_response_at itself; this catches replies
        # written on the platform directly. The earliest reply wins.
        rows = cur.execute(
            "UPDATE tickets SET first_response_at = reply.first_at, updated_at = $now"
            " FROM (SELECT t.id AS ticket_id, min(r.created_at) AS first_at"
            "       FROM interactions r"
            "       JOIN interactions c ON c.platform = r.platform AND c.platform_id = r.parent_id"
            "       JOIN tickets t ON t.interaction_id = c.id"
            "       WHERE list_contains($ids, r.id) AND t.first_response_at IS NULL"
            "       GROUP BY t.id) AS reply"
            " WHERE tickets.id = reply.ticket_id RETURNING tickets.id",
            {"ids": city_interaction_ids, "now": self._clock()},
        ).fetchall()
        return len(rows)

    # -- reading --------------------------------------------------------------------------------

    def get(self, actor: Actor, ticket_id: int) -> TicketView:
        """A ticket with its thread: the city's post, the parent comment, earlier tickets."""
        with self._store.cursor() as cur:
            ticket = self._load(cur, ticket_id)
            self._audit.authorize(
                actor, Action.VIEW_TICKETS, ticket.department_code, target=ticket.reference
            )
            interaction = _interaction(
                cur.execute(
                    f"{_INTERACTION_SELECT} WHERE id = ?", [ticket.interaction_id]
                ).fetchone()
            )
            post = cur.execute(
                "SELECT text FROM posts WHERE platform = ? AND platform_post_id = ?",
                [interaction.platform, _thread_of(cur, ticket.interaction_id)],
            ).fetchone()
            parent_row = cur.execute(
                f"{_INTERACTION_SELECT} WHERE platform = ? AND platform_id = ("
                " SELECT parent_id FROM interactions WHERE id = ?)",
                [interaction.platform, ticket.interaction_id],
            ).fetchone()
            earlier = cur.execute(
                "SELECT id, reference, status, department_code, opened_at FROM tickets"
                " WHERE citizen_key = ? AND id <> ? ORDER BY opened_at DESC, id DESC LIMIT ?",
                [ticket.citizen_key, ticket.id, MAX_EARLIER_TICKETS],
            ).fetchall()
            linked = cur.execute(
                "SELECT id, reference, status, department_code, opened_at FROM tickets"
                " WHERE id = $related OR related_ticket_id = $id ORDER BY opened_at, id",
                {"related": ticket.related_ticket_id, "id": ticket.id},
            ).fetchall()
            events = cur.execute(
                "SELECT id, occurred_at, actor, event, note, from_department, to_department,"
                " note_sentence FROM ticket_events WHERE ticket_id = ? ORDER BY id",
                [ticket.id],
            ).fetchall()
            replies = cur.execute(
                "SELECT id, kind, text, status, created_by, created_at, sent_at, permalink"
                " FROM replies WHERE ticket_id = ? ORDER BY id",
                [ticket.id],
            ).fetchall()
            conversation, number = [], None
            if ticket.platform == "whatsapp":
                conversation = cur.execute(
                    f"{_INTERACTION_SELECT} WHERE platform = 'whatsapp' AND thread_id = ("
                    " SELECT thread_id FROM interactions WHERE id = $id) AND author_id = ("
                    " SELECT author_id FROM interactions WHERE id = $id) AND id <> $id"
                    " ORDER BY created_at, id",
                    {"id": ticket.interaction_id},
                ).fetchall()
                number = masked_phone_number(ticket.citizen_key.partition(":")[2])
        return TicketView(
            ticket=ticket,
            interaction=interaction,
            city_post_text=post[0] if post else None,
            parent=_interaction(parent_row) if parent_row else None,
            earlier_tickets=[TicketSummary(*row) for row in earlier],
            events=[TicketEvent(*row) for row in events],
            replies=[ReplySummary(*row) for row in replies],
            linked_tickets=[TicketSummary(*row) for row in linked],
            conversation=[_interaction(row) for row in conversation],
            phone_number=number,
        )

    def phone_number(self, actor: Actor, ticket_id: int) -> str:
        """The WhatsApp number of a ticket's citizen, whole: for IT only (to call back in an
        emergency), and audited each time it is shown (which ticket, never the number)."""
        self._audit.authorize(actor, Action.VIEW_PHONE_NUMBER)
        with self._store.cursor() as cur:
            ticket = self._load(cur, ticket_id)
        if ticket.platform != "whatsapp":
            raise NotFound(
                N_("{reference} did not come by WhatsApp: it has no number."),
                reference=ticket.reference,
            )
        self._audit.record_now(
            actor=actor,
            action=str(Action.VIEW_PHONE_NUMBER),
            target_type="ticket",
            target_id=ticket.reference,
            department_code=ticket.department_code,
        )
        return ticket.citizen_key.partition(":")[2]

    def ensure_can_view(self, actor: Actor) -> None:
        """Refuse (and audit) an actor whose role sees no tickets at all."""
        self._audit.authorize(actor, Action.VIEW_TICKETS, actor.department_code)

    def find_by_reference(self, actor: Actor, reference: str) -> int:
        """The id of the ticket with this reference number (if the actor may see it).

        A reference that does not exist and one in a department the actor may not see get
        the same answer, so an officer cannot learn which references exist elsewhere; the
        second is still audited as a denial.
        """
        wanted = reference.strip().upper()
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT id, department_code FROM tickets WHERE reference = ?", [wanted]
            ).fetchone()
        scoped = actor.role is Role.OFFICER
        missing = NotFound(
            N_("no ticket with reference {reference!r} in your department")
            if scoped
            else N_("no ticket with reference {reference!r}"),
            reference=reference.strip()[:40],
        )
        if row is None:
            raise missing
        try:
            self._audit.authorize(actor, Action.VIEW_TICKETS, row[1], target=wanted)
        except PermissionDenied:
            if scoped:
                raise missing from None
            raise
        return int(row[0])

    def escalations(self, actor: Actor, page: int = 1, page_size: int = 50) -> BoardPage:
        """Open escalated tickets, most recently escalated first (commissioner and IT)."""
        self._audit.authorize(actor, Action.VIEW_ESCALATIONS)
        page = max(1, int(page))
        with self._store.cursor() as cur:
            rows, total = fetch_rows(
                cur,
                [
                    "t.escalated_at IS NOT NULL",
                    "t.status IN ('new', 'acknowledged', 'in_progress')",
                    "NOT t.hidden",
                ],
                {"now": self._clock()},
                order_by="urgent DESC, minutes_left ASC NULLS LAST, id",
                limit=page_size,
                offset=(page - 1) * page_size,
            )
        return BoardPage(rows, total, page, max(1, -(-total // page_size)))

    # -- status changes -------------------------------------------------------------------------

    def acknowledge(self, actor: Actor, ticket_id: int, note: str = "") -> Ticket:
        """new → acknowledged: the department has seen it."""
        return self.apply(actor, ticket_id, lifecycle.ACKNOWLEDGE.name, note)

    def start(self, actor: Actor, ticket_id: int, note: str = "") -> Ticket:
        """new or acknowledged → in progress: work on it has started."""
        return self.apply(actor, ticket_id, lifecycle.START.name, note)

    def resolve(self, actor: Actor, ticket_id: int, note: str = "") -> Ticket:
        """An open ticket → resolved (the note, optional, says what was done)."""
        return self.apply(actor, ticket_id, lifecycle.RESOLVE.name, note)

    def close(self, actor: Actor, ticket_id: int, note: str = "") -> Ticket:
        """resolved → closed: nothing more to do."""
        return self.apply(actor, ticket_id, lifecycle.CLOSE.name, note)

    def reopen(self, actor: Actor, ticket_id: int, note: str = "") -> Ticket:
        """resolved or closed → in progress, by hand (a follow-up reopens it by itself)."""
        return self.apply(actor, ticket_id, lifecycle.REOPEN.name, note)

    def status_choices(self, actor: Actor, ticket: Ticket) -> list[tuple[Transition, bool]]:
        """The status changes the ticket page offers `actor`, each with whether it applies now.

        Empty when `actor` may not handle the ticket or it was merged or hidden.
        """
        if ticket.merged_into is not None or ticket.hidden:
            return []
        return [
            (step, step.allows(ticket.status))
            for step in lifecycle.MANUAL_TRANSITIONS
            if step.action is not None and may(actor, step.action, ticket)
        ]

    def apply(self, actor: Actor, ticket_id: int, name: str, note: str = "") -> Ticket:
        """Make the manual status change `name` of the lifecycle table (audited)."""
        step = lifecycle.TRANSITIONS.get(name)
        if step is None or step.action is None:
            raise InvalidInput(N_("{name!r} is not a status change a person can make."), name=name)
        return self._transition(actor, ticket_id, step, note)

    def _transition(self, actor: Actor, ticket_id: int, step: Transition, note: str) -> Ticket:
        assert step.action is not None  # only manual steps come here (see `apply`)
        before = self._load_checked(actor, step.action, ticket_id)
        event, to_status, allowed_from = step.event, step.to_status, step.from_statuses
        also_set = step.also_set
        note = _clean_text(note, "note", required=False)
        if before.merged_into is not None or before.hidden:
            raise InvalidInput(
                N_("{reference} was merged: its status cannot change.")
                if before.merged_into
                else N_("{reference} was hidden as spam: its status cannot change."),
                reference=before.reference,
            )
        if before.status not in allowed_from:
            raise _transition_refusal(before, event, allowed_from)
        now = self._clock()
        with self._store.transaction() as cur:
            changed = cur.execute(
                f"UPDATE tickets SET status = $to, {also_set}, updated_at = $now"
                " WHERE id = $id AND list_contains($allowed, status) RETURNING id",
                {"to": to_status, "now": now, "id": ticket_id, "allowed": list(allowed_from)},
            ).fetchall()
            if not changed:
                # Someone else changed it between our read and this write.
                current = self._load(cur, ticket_id)
                raise _transition_refusal(current, event, allowed_from)
            _add_event(cur, ticket_id, now, actor.username, event, note or None)
            self._audit.record(
                cur,
                actor=actor,
                action=f"ticket_{event}",
                target_type="ticket",
                target_id=before.reference,
                department_code=before.department_code,
                before={"status": before.status},
                after={"status": to_status},
                detail=note or None,
            )
            return self._load(cur, ticket_id)

    # -- moving between departments -------------------------------------------------------------

    def reassign(
        self, actor: Actor, ticket_id: int, to_department: str | None, reason: str
    ) -> Ticket:
        """Move a ticket to another department, or to the IT queue (None), with a reason."""
        before = self._load_checked(actor, Action.REASSIGN_TICKET, ticket_id)
        reason = _clean_text(reason, "reason", required=True)
        to_department = self._check_department(to_department)
        if to_department == before.department_code:
            raise InvalidInput(
                N_("{reference} is already with {queue}."),
                reference=before.reference,
                queue=before.queue_label,
            )
        if before.status not in OPEN_STATUSES:
            raise InvalidInput(
                N_("{reference} is {status}: reopen it before moving it."),
                reference=before.reference,
                status=_label(before.status),
            )
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE tickets SET department_code = ?, reminded_at = NULL, updated_at = ?"
                " WHERE id = ?",
                [to_department, now, ticket_id],
            )
            _add_event(
                cur,
                ticket_id,
                now,
                actor.username,
                "reassigned",
                reason,
                before.department_code,
                to_department,
            )
            self._audit.record(
                cur,
                actor=actor,
                action="ticket_reassigned",
                target_type="ticket",
                target_id=before.reference,
                department_code=before.department_code,
                before={"department": before.department_code},
                after={"department": to_department},
                detail=reason,
            )
            return self._load(cur, ticket_id)

    def bulk_assign(
        self, actor: Actor, ticket_ids: Iterable[int], to_department: str | None, reason: str
    ) -> BulkAssignResult:
        """Move many tickets to one department (or the IT queue) in one transaction."""
        ids = sorted({int(i) for i in ticket_ids})
        if not ids:
            raise InvalidInput(N_("pick at least one ticket to assign."))
        reason = _clean_text(reason, "reason", required=True)
        to_department = self._check_department(to_department)
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT id, reference, department_code, status FROM tickets"
                " WHERE list_contains($ids, id)",
                {"ids": ids},
            ).fetchall()
        for department in sorted({row[2] for row in rows}, key=lambda d: d or ""):
            self._audit.authorize(actor, Action.REASSIGN_TICKET, department)
        closed = [row[1] for row in rows if row[3] not in OPEN_STATUSES]
        if closed:
            raise InvalidInput(
                N_("{references} is not open: reopen before moving, or leave them out.")
                if len(closed) == 1
                else N_("{references} are not open: reopen before moving, or leave them out."),
                references=", ".join(closed[:5]),
            )
        moving = [row for row in rows if row[2] != to_department]
        now = self._clock()
        with self._store.transaction() as cur:
            if moving:
                moving_ids = [row[0] for row in moving]
                cur.execute(
                    "UPDATE tickets SET department_code = $to, reminded_at = NULL,"
                    " updated_at = $now WHERE list_contains($ids, id)",
                    {"to": to_department, "now": now, "ids": moving_ids},
                )
                _insert_events(
                    cur,
                    [
                        (row[0], now, actor.username, "reassigned", reason, row[2], to_department)
                        for row in moving
                    ],
                )
            result = BulkAssignResult(
                moved=tuple(row[1] for row in moving),
                unchanged=tuple(row[1] for row in rows if row[2] == to_department),
                missing=tuple(sorted(set(ids) - {row[0] for row in rows})),
            )
            self._audit.record(
                cur,
                actor=actor,
                action="tickets_bulk_assigned",
                target_type="tickets",
                target_id=to_department or IT_QUEUE,
                department_code=to_department,
                before={row[1]: row[2] for row in moving},
                after={"department": to_department, "moved": list(result.moved)},
                detail=reason,
            )
        return result

    def _check_department(self, code: str | None) -> str | None:
        if code in (None, "", IT_QUEUE):
            return None
        known = {d.code for d in self._departments.all_departments()}
        if code not in known:
            raise InvalidInput(N_("no active department with code {code!r}."), code=code)
        return code

    # -- notes, merges, spam --------------------------------------------------------------------

    def add_note(self, actor: Actor, ticket_id: int, text: str) -> TicketEvent:
        """An internal note on the ticket, never shown to the citizen."""
        ticket = self._load_checked(actor, Action.HANDLE_TICKET, ticket_id)
        text = _clean_text(text, "note", required=True)
        now = self._clock()
        with self._store.transaction() as cur:
            event_id = _add_event(cur, ticket_id, now, actor.username, "note", text)
            self._audit.record(
                cur,
                actor=actor,
                action="ticket_note",
                target_type="ticket",
                target_id=ticket.reference,
                department_code=ticket.department_code,
                detail=text[:500],
            )
        return TicketEvent(event_id, now, actor.username, "note", text, None, None)

    def merge(self, actor: Actor, duplicate_id: int, into_id: int, note: str = "") -> Ticket:
        """Close `duplicate_id` as a duplicate of `into_id` (IT); both keep their history."""
        self._audit.authorize(actor, Action.MODERATE_TICKET, target=str(duplicate_id))
        if duplicate_id == into_id:
            raise InvalidInput(N_("a ticket cannot be merged into itself."))
        note = _clean_text(note, "note", required=False)
        with self._store.cursor() as cur:
            duplicate = self._load(cur, duplicate_id)
            into = self._load(cur, into_id)
        if duplicate.merged_into is not None:
            raise InvalidInput(N_("{reference} is already merged."), reference=duplicate.reference)
        if into.merged_into is not None:
            raise InvalidInput(
                N_("{reference} was itself merged: merge into the ticket it was merged into."),
                reference=into.reference,
            )
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE tickets SET merged_into = ?, status = 'closed', closed_at = ?,"
                " updated_at = ? WHERE id = ?",
                [into_id, now, now, duplicate_id],
            )
            text = f"duplicate of {into.reference}" + (f": {note}" if note else "")
            _add_event(cur, duplicate_id, now, actor.username, "merged_into", text)
            _add_event(
                cur,
                into_id,
                now,
                actor.username,
                "merged",
                f"{duplicate.reference} merged into this ticket" + (f": {note}" if note else ""),
            )
            self._audit.record(
                cur,
                actor=actor,
                action="ticket_merged",
                target_type="ticket",
                target_id=duplicate.reference,
                department_code=duplicate.department_code,
                before={"status": duplicate.status},
                after={"status": "closed", "merged_into": into.reference},
                detail=note or None,
            )
            return self._load(cur, duplicate_id)

    def hide_spam(self, actor: Actor, ticket_id: int, on_platform: bool = False) -> SpamHidden:
        """Hide a ticket as spam and close it (IT); with `on_platform`, hide it there too.

        The hub hides it whatever the platform says: a platform that cannot hide (X) or fails
        is reported in `SpamHidden.platform_problem`, for the page to show.
        """
        self._audit.authorize(actor, Action.MODERATE_TICKET, target=str(ticket_id))
        now = self._clock()
        with self._store.transaction() as cur:
            before = self._load(cur, ticket_id)
            if not before.hidden:
                cur.execute(
                    "UPDATE tickets SET hidden = TRUE, status = 'closed',"
                    " closed_at = coalesce(closed_at, ?), updated_at = ? WHERE id = ?",
                    [now, now, ticket_id],
                )
                _add_event(cur, ticket_id, now, actor.username, "hidden_as_spam", None)
                self._audit.record(
                    cur,
                    actor=actor,
                    action="ticket_hidden_as_spam",
                    target_type="ticket",
                    target_id=before.reference,
                    department_code=before.department_code,
                    before={"status": before.status, "hidden": False},
                    after={"status": "closed", "hidden": True},
                )
            platform_id = cur.execute(
                "SELECT platform_id FROM interactions WHERE id = ?", [before.interaction_id]
            ).fetchone()[0]
        hidden_on_platform, problem = False, None
        if on_platform:
            hidden_on_platform, problem = self._hide_there(actor, before, platform_id)
        with self._store.cursor() as cur:
            ticket = self._load(cur, ticket_id)
        return SpamHidden(ticket, hidden_on_platform, problem)

    def _hide_there(
        self, actor: Actor, ticket: Ticket, platform_id: str
    ) -> tuple[bool, str | None]:
        """Ask the platform to hide the interaction; a refusal is reported, not raised."""
        problem = None
        if self._hide_on_platform is None:
            problem = "hiding on the platform is not configured in this hub."
        else:
            try:
                self._hide_on_platform(ticket.platform, platform_id)
            except HubError as exc:
                problem = str(exc)
        now = self._clock()
        with self._store.transaction() as cur:
            if problem is None:
                # The stored comment says so at once, not only after the next re-read or
                # webhook (which then find it hidden already and record nothing twice).
                hidden = cur.execute(
                    "UPDATE interactions SET is_hidden = TRUE"
                    " WHERE platform = ? AND platform_id = ? AND NOT is_hidden RETURNING id",
                    [ticket.platform, platform_id],
                ).fetchall()
                for (interaction_id,) in hidden:
                    cur.execute(
                        "INSERT INTO interaction_changes (interaction_id, occurred_at, change,"
                        " old_text, new_text, source) VALUES (?, ?, 'hide', NULL, NULL, 'hub')",
                        [interaction_id, now],
                    )
            _add_event(
                cur,
                ticket.id,
                now,
                actor.username,
                "hidden_on_platform" if problem is None else "platform_hide_failed",
                problem,
            )
            self._audit.record(
                cur,
                actor=actor,
                action="hide_on_platform",
                outcome="ok" if problem is None else "failed",
                target_type="interaction",
                target_id=f"{ticket.platform}:{platform_id}",
                department_code=ticket.department_code,
                detail=problem,
            )
        return problem is None, problem

    # -- targets --------------------------------------------------------------------------------

    def check_targets(self, now: datetime | None = None) -> TargetReport:
        """Remind at 75 % of a target and escalate at breach or when urgent, each once.

        Set-based: one UPDATE ... RETURNING per kind, then the events for the returned rows.
        A reminder is sent once per target: once for first response, and once more for
        resolution when the first response came after the first reminder.
        """
        now = now or self._clock()
        live = f"list_contains({_OPEN_LIST}, t.status) AND NOT t.hidden AND t.merged_into IS NULL"
        with self._store.transaction() as cur:
            reminded = cur.execute(
                "UPDATE tickets SET reminded_at = $now, updated_at = $now"
                f" WHERE id IN (SELECT t.id{_TARGETS_FROM} WHERE {live}"
                "   AND (t.reminded_at IS NULL OR (t.first_response_at IS NOT NULL"
                "        AND t.reminded_at < t.first_response_at))"
                f"   AND {ELAPSED_SECONDS_SQL} >= {REMINDER_SHARE} * {TARGET_SECONDS_SQL}"
                f"   AND {ELAPSED_SECONDS_SQL} <= {TARGET_SECONDS_SQL})"
                " RETURNING id, reference, department_code",
                {"now": now},
            ).fetchall()
            escalated = cur.execute(
                "UPDATE tickets SET escalated_at = $now, updated_at = $now,"
                " escalation_reason = due.reason"
                f" FROM (SELECT t.id, CASE WHEN {ELAPSED_SECONDS_SQL} > {TARGET_SECONDS_SQL}"
                "   THEN (CASE WHEN t.first_response_at IS NULL THEN 'first-response target'"
                "         ELSE 'resolution target' END) || ' breached'"
                # The city's WhatsApp number is watched by the duty officer, as at a station.
                "   WHEN t.platform = 'whatsapp' THEN 'urgent: for the duty officer'"
                "   ELSE 'urgent' END AS reason"
                f"   {_TARGETS_FROM} WHERE {live} AND t.escalated_at IS NULL"
                f"   AND (t.urgent OR {ELAPSED_SECONDS_SQL} > {TARGET_SECONDS_SQL})) AS due"
                " WHERE tickets.id = due.id"
                " RETURNING tickets.id, tickets.reference, tickets.department_code,"
                " tickets.escalation_reason",
                {"now": now},
            ).fetchall()
            passed = Message(N_("75% of the target has passed"))
            events = [
                (row[0], now, TARGETS_ACTOR, "reminder", passed, None, None) for row in reminded
            ] + [
                # The reasons are hub.tickets.labels.ESCALATION_LABELS's catalogue entries.
                (row[0], now, TARGETS_ACTOR, "escalated", Message(row[3]), None, None)
                for row in escalated
            ]
            _insert_events(cur, events)
            report = TargetReport(
                reminded=tuple(sorted(row[1] for row in reminded)),
                escalated=tuple(sorted(row[1] for row in escalated)),
            )
            if events:
                self._audit.record(
                    cur,
                    actor=None,
                    actor_name=TARGETS_ACTOR,
                    action="check_targets",
                    target_type="tickets",
                    after={
                        "reminded": list(report.reminded[:50]),
                        "escalated": list(report.escalated[:50]),
                    },
                    detail=report.summary,
                )
        return report

    # -- loading --------------------------------------------------------------------------------

    def _load(self, cur: Any, ticket_id: int) -> Ticket:
        row = cur.execute(
            f"SELECT {', '.join('t.' + c for c in _TICKET_COLUMNS)},"
            f" CASE WHEN list_contains({_OPEN_LIST}, t.status) THEN {DUE_AT_SQL} END,"
            f" {MINUTES_LEFT_SQL}, {TARGET_STATE_SQL}"
            " FROM tickets t LEFT JOIN departments d ON d.code = t.department_code"
            " WHERE t.id = $id",
            {"id": ticket_id, "now": self._clock()},
        ).fetchone()
        if row is None:
            raise NotFound(N_("no ticket #{number}"), number=ticket_id)
        return Ticket(*row)

    def _load_checked(self, actor: Actor, action: Action, ticket_id: int) -> Ticket:
        """The ticket, once `actor` is allowed `action` on its department (denials audited)."""
        with self._store.cursor() as cur:
            ticket = self._load(cur, ticket_id)
        self._audit.authorize(actor, action, ticket.department_code, target=ticket.reference)
        return ticket


_TARGETS_FROM = " FROM tickets t LEFT JOIN departments d ON d.code = t.department_code"
_INTERACTION_SELECT = (
    "SELECT id, platform, platform_id, kind, author_name, text, created_at, permalink,"
    " from_city, is_hidden, deleted_at FROM interactions"
)


class _PlannedTicket:
    """A ticket decided in Python, waiting for its id and reference number."""

    def __init__(self, candidate: _Candidate, decision: RoutingDecision, now: datetime) -> None:
        self.candidate = candidate
        self.decision = decision
        self.now = now
        self.triage_row: list[Any] | None = None
        self.row: tuple = ()
        self.id: int | None = None
        self.reference: str | None = None
        # The same citizen's later messages in this batch: (their triage row, excerpt).
        self.follow_ups: list[tuple[list[Any], str]] = []
        # The ticket this one came from (a follow-up about another department): one that
        # exists, or one planned earlier in this batch (numbered before this one).
        self.related: _KnownTicket | _PlannedTicket | None = None
        # The ward the text named when a pinned place put the ticket in another.
        self.text_ward: int | None = None

    @property
    def department_code(self) -> str | None:
        return self.decision.department_code

    def assign(self, ticket_id: int, reference: str) -> None:
        """Fill in the id (in its triage row too) and the finished row for insertion."""
        d, c = self.decision, self.candidate
        if self.triage_row is not None:
            self.triage_row[_TICKET_ID] = ticket_id
        self.id, self.reference = ticket_id, reference
        self.row = (
            ticket_id,
            reference,
            c.id,
            c.platform,
            c.citizen_key,
            d.department_code,
            "new",
            d.language,
            d.ward,
            d.category,
            d.urgent,
            d.explanation,
            d.confidence,
            c.created_at,
            self.now,
            self.now,
            self.related.id if self.related is not None else None,
            c.latitude,
            c.longitude,
            self.text_ward,
            message_to_json(d.explanation),
        )


@dataclass
class _TriagePlan:
    """The decisions for one batch, collected before anything is written."""

    now: datetime
    message_rules: MessageRules
    triage_rows: list[list[Any]] = field(default_factory=list)
    new_tickets: list[_PlannedTicket] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    reopen_ids: list[int] = field(default_factory=list)
    follow_ups: int = 0
    without_ticket: int = 0
    # Tickets planned in this batch, so a citizen's second message in it is a follow-up.
    _planned: dict[tuple[str, str, str], list[_PlannedTicket]] = field(default_factory=dict)

    def decide(
        self,
        candidate: _Candidate,
        router: Router,
        known: dict[tuple[str, str, str], list[_KnownTicket]],
    ) -> None:
        """Decide one interaction: no ticket, follow-up, reopen or a new ticket."""
        if candidate.from_city:
            self._no_ticket(candidate, None, "the city's own reply: not routed")
            return
        decision = router.route(candidate.text)
        if candidate.deleted:
            self._no_ticket(candidate, decision, "deleted by its author before triage")
            return
        text_ward = None
        if candidate.is_message:
            read = self.message_rules.decide(candidate, decision)
            decision, text_ward = read.decision, read.text_ward
            if read.asks_reference is not None and not candidate.has_attachment:
                # Answered by the WhatsApp desk, to the number that reported it only.
                row = self._no_ticket(
                    candidate, decision, f"asks the status of {read.asks_reference}"
                )
                row[_ASKS_REFERENCE] = read.asks_reference
                return
            if read.command is not None:
                # Carried out by the notices' subscriptions, answered by the WhatsApp desk.
                row = self._no_ticket(candidate, decision, f"command {read.command.summary}")
                row[_COMMAND] = read.command.summary
                return
        key = (candidate.citizen_key, candidate.platform, candidate.thread_id)
        # Newest first: this batch's planned tickets are newer than the stored ones.
        in_thread = [*reversed(self._planned.get(key, [])), *reversed(known.get(key, []))]
        joined = next((t for t in in_thread if _takes_follow_up(t.department_code, decision)), None)
        related = None
        if in_thread and joined is None:
            if needs_answer(decision):
                related = in_thread[0]  # about another department: a ticket of its own
            else:
                joined = in_thread[0]  # a thank-you or a remark stays with the conversation
        if isinstance(joined, _PlannedTicket):
            # The ticket does not exist yet; its id is known only after numbering, so the
            # follow-up event is attached then.
            self._follow_up_planned(candidate, decision, joined)
            return
        existing = joined
        if existing is not None and decision.category != "spam":
            if existing.status in OPEN_STATUSES:
                self._follow_up(candidate, decision, existing, "follow_up", "follow-up")
                return
            recent = existing.resolved_at is not None and (
                candidate.created_at - existing.resolved_at <= REOPEN_WINDOW
            )
            if recent and needs_answer(decision):
                self._follow_up(candidate, decision, existing, "reopened", "reopened by follow-up")
                self.reopen_ids.append(existing.id)
                existing.status = "in_progress"
                return
            if recent:
                self._follow_up(candidate, decision, existing, "follow_up", "follow-up")
                return
        if not needs_answer(decision):
            why = "spam" if decision.category == "spam" else f"{decision.category}: no answer"
            self._no_ticket(candidate, decision, why)
            return
        planned = _PlannedTicket(candidate, decision, self.now)
        planned.related = related
        planned.text_ward = text_ward
        why = None
        if related is not None:
            why = f"about another department than {related.department_code or IT_QUEUE}: own ticket"
        planned.triage_row = self._triage_row(candidate, decision, True, None, why)
        self.new_tickets.append(planned)
        self._planned.setdefault(key, []).append(planned)

    def _no_ticket(
        self, candidate: _Candidate, decision: RoutingDecision | None, why: str
    ) -> list[Any]:
        self.without_ticket += 1
        return self._triage_row(candidate, decision, False, None, why)

    def _follow_up(
        self,
        candidate: _Candidate,
        decision: RoutingDecision,
        existing: _KnownTicket,
        event: str,
        why: str,
    ) -> None:
        self.follow_ups += event == "follow_up"
        self._triage_row(candidate, decision, False, existing.id, why)
        self.events.append(
            (existing.id, self.now, TRIAGE_ACTOR, event, _excerpt(candidate.text), None, None)
        )

    def _follow_up_planned(
        self, candidate: _Candidate, decision: RoutingDecision, planned: _PlannedTicket
    ) -> None:
        self.follow_ups += 1
        row = self._triage_row(candidate, decision, False, None, "follow-up")
        planned.follow_ups.append((row, _excerpt(candidate.text)))

    def _triage_row(
        self,
        candidate: _Candidate,
        decision: RoutingDecision | None,
        needs_ticket: bool,
        ticket_id: int | None,
        why: str | None,
    ) -> list[Any]:
        if decision is None:
            row = [
                candidate.id,
                self.now,
                False,
                None,
                None,
                None,
                "other",
                False,
                why,
                1.0,
                None,
                None,
                None,
            ]
        else:
            explanation = decision.explanation + (f" ({why})" if why else "")
            row = [
                candidate.id,
                self.now,
                needs_ticket,
                decision.language,
                decision.ward,
                decision.department_code,
                decision.category,
                decision.urgent,
                explanation,
                decision.confidence,
                None,
                ticket_id,
                None,
            ]
        self.triage_rows.append(row)
        return row

    def finish(self) -> None:
        """Open events for the new tickets, and in-batch follow-ups attached to their ids."""
        for planned in self.new_tickets:
            code = planned.decision.department_code
            self.events.append(
                (
                    planned.id,
                    self.now,
                    TRIAGE_ACTOR,
                    "opened",
                    Message(
                        N_("routed to {queue}: {reason}"),
                        queue=code or Message(IT_QUEUE),
                        reason=planned.decision.explanation,
                    ),
                    None,
                    code,
                )
            )
            for row, excerpt in planned.follow_ups:
                row[_TICKET_ID] = planned.id
                self.events.append(
                    (planned.id, self.now, TRIAGE_ACTOR, "follow_up", excerpt, None, None)
                )
            if planned.related is not None:
                first = planned.related
                self.events.append(
                    (
                        planned.id,
                        self.now,
                        TRIAGE_ACTOR,
                        "linked",
                        f"the same citizen's follow-up to {first.reference}, about another"
                        " department",
                        None,
                        None,
                    )
                )
                self.events.append(
                    (
                        first.id,
                        self.now,
                        TRIAGE_ACTOR,
                        "linked",
                        f"the citizen's follow-up about {planned.department_code or IT_QUEUE}"
                        f" became {planned.reference}",
                        None,
                        None,
                    )
                )


# -- small helpers ----------------------------------------------------------------------------


def _insert_arrow(cur: Any, table: str, schema: pa.Schema, rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows with one statement: an Arrow table registered on the cursor."""
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    staged = pa.table(
        {f.name: pa.array(list(col), type=f.type) for f, col in zip(schema, columns, strict=True)},
        schema=schema,
    )
    view = f"staged_{table}"
    cur.register(view, staged)
    try:
        names = ", ".join(schema.names)
        cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {view}")
    finally:
        cur.unregister(view)


def _add_event(
    cur: Any,
    ticket_id: int,
    at: datetime,
    actor: str,
    event: str,
    note: str | None,
    from_department: str | None = None,
    to_department: str | None = None,
) -> int:
    return cur.execute(
        "INSERT INTO ticket_events (ticket_id, occurred_at, actor, event, note,"
        " from_department, to_department, note_sentence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        [
            ticket_id,
            at,
            actor,
            event,
            None if note is None else str(note),
            from_department,
            to_department,
            stored_sentence(note),
        ],
    ).fetchone()[0]


def _insert_events(cur: Any, events: Sequence[Sequence[Any]]) -> None:
    """History lines (ticket, at, actor, event, note, from, to) in one insert; a note the
    hub wrote as a `Message` keeps its sentence beside its English."""
    _insert_arrow(
        cur,
        "ticket_events",
        _EVENT_SCHEMA,
        [
            (*row[:4], None if row[4] is None else str(row[4]), *row[5:7], stored_sentence(row[4]))
            for row in events
        ],
    )


def _interaction(row: tuple) -> InteractionText:
    return InteractionText(*row)


def _thread_of(cur: Any, interaction_id: int) -> str:
    return cur.execute(
        "SELECT thread_id FROM interactions WHERE id = ?", [interaction_id]
    ).fetchone()[0]


# The refusals of `_clean_text`, one per kind of text (a whole sentence each, to translate).
_TEXT_REQUIRED = {
    "note": N_("a note is required: say why, in a few words."),
    "reason": N_("a reason is required: say why, in a few words."),
}
_TEXT_TOO_LONG = {
    "note": N_("the note is {length} characters; keep it to {most}."),
    "reason": N_("the reason is {length} characters; keep it to {most}."),
}


def _clean_text(text: str | None, what: str, *, required: bool) -> str:
    """Person-written text in NFC, trimmed; required ones must not be empty."""
    cleaned = nfc(text or "").strip()
    if required and not cleaned:
        raise InvalidInput(_TEXT_REQUIRED[what])
    if len(cleaned) > MAX_NOTE_CHARS:
        raise InvalidInput(_TEXT_TOO_LONG[what], length=len(cleaned), most=MAX_NOTE_CHARS)
    return cleaned


def _excerpt(text: str, chars: int = 200) -> str:
    return text if len(text) <= chars else text[:chars] + "…"


_EVENT_VERBS = {
    "acknowledged": N_("acknowledged"),
    "in_progress": N_("started"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
    "reopened": N_("reopened"),
}


def _label(status: str) -> Message:
    """A status in words, translated with the sentence it is put into."""
    return Message(STATUS_LABELS.get(status, status))


def _transition_refusal(ticket: Ticket, event: str, allowed_from: tuple[str, ...]) -> InvalidInput:
    return InvalidInput(
        N_("{reference} is {status}: it cannot be {verb} (only a ticket that is {allowed} can)."),
        reference=ticket.reference,
        status=_label(ticket.status),
        verb=Message(_EVENT_VERBS[event]),
        allowed=Joined((_label(s) for s in allowed_from), Message(N_(" or "))),
    )


def may(actor: Actor, action: Action, ticket: Ticket) -> bool:
    """Whether a page should offer `actor` the controls for `action` on `ticket`.

    Only for hiding controls: the service checks (and audits) again when they are used.
    """
    return is_allowed(actor, action, ticket.department_code)


__all__ = [
    "BulkAssignResult",
    "InteractionText",
    "ReplySummary",
    "SpamHidden",
    "TargetReport",
    "Ticket",
    "TicketEvent",
    "TicketService",
    "TicketSummary",
    "TicketView",
    "TriageReport",
    "format_reference",
    "may",
    "needs_answer",
]
