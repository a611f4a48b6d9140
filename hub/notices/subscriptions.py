"""Who receives notices: citizens who asked by WhatsApp, and named recipients staff added.

A command message (`hub.commands`, read by triage, which makes no ticket of it) is carried
out once here (`subscription_commands`), in the order the messages were written: the
subscriber, their wards and department, their language. Consent is the message itself: its
time and id go into the subscription and the audit log. STOP removes everything at once and
cancels what was queued for them, in the same transaction; a STOP is also noted the moment
the webhook receives it (`note_received`), so the sender skips that number even before the
desk's next pass has carried the STOP out. Staff may add a subscriber only with the consent
they hold (a paper form's number). Phone numbers never enter a log or an audit row.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.commands import SubscriptionCommand, department_aliases, read_command
from hub.config import SANDBOX_WHATSAPP, Settings
from hub.departments import DepartmentService
from hub.errors import InvalidInput
from hub.i18n import N_, Message, digits, translate
from hub.notices.texts import answer, wards_words
from hub.permissions import Action, Actor
from hub.store import Store
from hub.text import nfc_trimmed
from hub.ward_lists import WARD_COUNT

ACTOR = "subscriptions"
ROLES = ("citizen", "councillor", "ward_committee")


@dataclass(frozen=True)
class Subscriber:
    """A subscriber as staff may see them: never the whole number."""

    id: int
    number_ending: str
    language: str
    role: str
    display_name: str | None
    topics: tuple[str, ...]
    stopped: bool


@dataclass(frozen=True)
class CommandsApplied:
    """What one pass of `apply_pending` did."""

    applied: int = 0
    subscribed: int = 0
    stopped: int = 0
    cancelled_messages: int = 0

    @property
    def summary(self) -> str:
        """One line for the desk's log."""
        return (
            f"{self.applied} command(s): {self.subscribed} subscribed, {self.stopped} stopped,"
            f" {self.cancelled_messages} queued notice(s) cancelled"
        )


class SubscriptionService:
    """Subscriptions by WhatsApp and by staff (module docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        departments: DepartmentService,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._departments = departments
        self._settings = settings
        self._clock = clock
        # STOPs received by the webhook and not yet carried out: number -> when received.
        self._stopping: dict[str, datetime] = {}
        # Numbers whose STOP was carried out (read at start, kept current after each commit):
        # a message claimed for sending before the STOP was carried out is not cancelled by
        # it, and must still not go.
        self._stopped: set[str] = set()
        self._lock = threading.Lock()

    # -- receipt ---------------------------------------------------------------------------

    def note_received(self, wa_id: str, text: str) -> None:
        """Told by the WhatsApp webhook of every message kept: a STOP counts from now."""
        if len(text) > 40:  # a STOP is a word or two; the webhook's path stays quick
            return
        command = read_command(text)
        if command is not None and command.action == "stop" and not command.wards:
            with self._lock:
                self._stopping[wa_id] = self._clock()

    def recall_stops(self, kept_messages: list[tuple[str, str]]) -> int:
        """At start: the numbers stopped, and every STOP received before the process ended
        and not yet carried out, so nothing is sent to its number in the moments before the
        desk's first pass. `kept_messages` are the webhook journal's (number, text), not yet
        in the store; the store's messages not yet carried out are read here. Returns how
        many STOPs wait to be carried out."""
        with self._store.cursor() as cur:
            stopped = {
                row[0]
                for row in cur.execute(
                    "SELECT wa_id FROM subscribers WHERE stopped_at IS NOT NULL"
                ).fetchall()
            }
            stored = cur.execute(
                "SELECT i.author_id, i.text FROM interactions i"
                " LEFT JOIN interaction_triage g ON g.interaction_id = i.id"
                " WHERE i.platform = 'whatsapp' AND NOT i.from_city AND length(i.text) <= 40"
                " AND (g.interaction_id IS NULL OR g.command IS NOT NULL)"
                " AND NOT EXISTS (SELECT 1 FROM subscription_commands c"
                "  WHERE c.interaction_id = i.id)"
                " ORDER BY i.created_at, i.id"
            ).fetchall()
        with self._lock:
            self._stopped = stopped
        for wa_id, text in [*stored, *kept_messages]:
            self.note_received(wa_id, text)
        return len(self.stopping())

    def holds_back(self, wa_id: str) -> bool:
        """Whether nothing may be sent to this number: its STOP was received (carried out
        or not yet)."""
        with self._lock:
            return wa_id in self._stopping or wa_id in self._stopped

    def stopping(self) -> frozenset[str]:
        """Numbers whose STOP was received and not yet carried out."""
        with self._lock:
            return frozenset(self._stopping)

    # -- commands --------------------------------------------------------------------------

    def apply_pending(self, limit: int = 500) -> CommandsApplied:
        """Carry out the command messages triage found, each once, oldest first.

        A STOP of everything from a number with no other command in this pass is carried
        out with the others like it, set-based: a STOP storm while a large notice goes out
        (hundreds in a pass) took one statement per row of every table it touches, and held
        the write lock the notice's sender waits for. The rest go one by one, in order."""
        aliases = self._aliases()
        now = self._clock()
        with self._store.transaction() as cur:
            rows = cur.execute(
                "SELECT g.interaction_id, i.text, g.language, i.author_id, i.channel,"
                " i.platform_id, i.created_at FROM interaction_triage g"
                " JOIN interactions i ON i.id = g.interaction_id"
                " WHERE g.command IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
                "  subscription_commands c WHERE c.interaction_id = g.interaction_id)"
                " ORDER BY i.created_at, i.id LIMIT ?",
                [limit],
            ).fetchall()
            commands = [
                (
                    row,
                    read_command(row[1], aliases, self._settings.borough_wards)
                    or SubscriptionCommand("help", problem=Message(N_("the message changed"))),
                )
                for row in rows
            ]
            per_number = Counter(row[3] for row in rows)
            whole_stops = [
                (row, command)
                for row, command in commands
                if _stops_everything(command) and per_number[row[3]] == 1
            ]
            outcomes = self._stop_everything_many(cur, [row for row, _ in whole_stops], now)
            for row, command in commands:
                if row[0] in outcomes:
                    continue
                interaction_id, _, language, wa_id, channel, message_id, at = row
                reply_language = "en" if language == "en" else "bn"
                outcomes[interaction_id] = self._apply(
                    cur, command, wa_id, channel, reply_language, message_id, at, now
                )
            done = CommandsApplied()
            applied: list[tuple[int, int | None, str, str, str]] = []
            # (number, stopped now or not, a STOP carried out), in order, for after the commit.
            changes: list[tuple[str, bool | None, bool]] = []
            for row, command in commands:
                outcome = outcomes[row[0]]
                applied.append(
                    (
                        row[0],
                        outcome.subscriber_id,
                        command.summary,
                        outcome.answer,
                        outcome.language,
                    )
                )
                done = CommandsApplied(
                    done.applied + 1,
                    done.subscribed + (command.action == "subscribe"),
                    done.stopped + (command.action == "stop"),
                    done.cancelled_messages + outcome.cancelled,
                )
                changes.append((row[3], outcome.stopped, command.action == "stop"))
            if applied:
                ids, subscribers, summaries, answers, languages = (
                    list(column) for column in zip(*applied, strict=True)
                )
                cur.execute(
                    "INSERT INTO subscription_commands (interaction_id, subscriber_id, command,"
                    " applied_at, answer, language) SELECT unnest($ids),"
                    " unnest($subscribers::BIGINT[]), unnest($summaries), $now, unnest($answers),"
                    " unnest($languages)",
                    {
                        "ids": ids,
                        "subscribers": subscribers,
                        "summaries": summaries,
                        "answers": answers,
                        "languages": languages,
                        "now": now,
                    },
                )
        with self._lock:
            for wa_id, stopped, was_stop in changes:
                if stopped is True:
                    self._stopped.add(wa_id)
                elif stopped is False:
                    self._stopped.discard(wa_id)
                if was_stop:
                    self._stopping.pop(wa_id, None)
        return done

    def _stop_everything_many(
        self, cur: duckdb.DuckDBPyConnection, rows: list[tuple], now: datetime
    ) -> dict[int, _Outcome]:
        """Carry out STOPs of everything, set-based: each number's topics removed, its queued
        notice messages cancelled, the subscriber stopped, one audit row each."""
        if not rows:
            return {}
        numbers = [row[3] for row in rows]
        known = {
            wa_id: (subscriber_id, language)
            for subscriber_id, wa_id, language in cur.execute(
                "SELECT id, wa_id, language FROM subscribers"
                " WHERE wa_id IN (SELECT unnest($numbers))",
                {"numbers": numbers},
            ).fetchall()
        }
        ids = [subscriber_id for subscriber_id, _ in known.values()]
        cancelled: Counter[int] = Counter()
        if ids:
            cur.execute(
                "DELETE FROM subscriptions WHERE subscriber_id IN (SELECT unnest($ids))",
                {"ids": ids},
            )
            cur.execute(
                "UPDATE subscribers SET stopped_at = $now, updated_at = $now"
                " WHERE id IN (SELECT unnest($ids))",
                {"ids": ids, "now": now},
            )
            # Nothing is followed any more: every queued message of theirs is unwanted.
            cancelled.update(
                row[0]
                for row in cur.execute(
                    "UPDATE notice_messages SET status = 'cancelled', attention_reason ="
                    " 'stopped by the subscriber', updated_at = $now"
                    " WHERE subscriber_id IN (SELECT unnest($ids))"
                    " AND status IN ('queued', 'retry_wait') RETURNING subscriber_id",
                    {"ids": ids, "now": now},
                ).fetchall()
            )
        outcomes: dict[int, _Outcome] = {}
        audit_rows = []
        for interaction_id, _, language, wa_id, _, message_id, _ in rows:
            if wa_id not in known:
                reply_language = "en" if language == "en" else "bn"
                outcomes[interaction_id] = _Outcome(
                    None, answer("stopped", reply_language), reply_language
                )
                continue
            subscriber_id, language = known[wa_id]
            outcomes[interaction_id] = _Outcome(
                subscriber_id,
                answer("stopped", language),
                language,
                cancelled[subscriber_id],
                stopped=True,
            )
            audit_rows.append(
                {
                    "actor_name": ACTOR,
                    "action": "subscription_stopped",
                    "target_type": "subscriber",
                    "target_id": str(subscriber_id),
                    "detail": f"STOP (everything) by WhatsApp message {message_id}",
                }
            )
        self._audit.record_many(cur, audit_rows)
        return outcomes

    def _apply(
        self,
        cur: duckdb.DuckDBPyConnection,
        command: SubscriptionCommand,
        wa_id: str,
        channel: str,
        language: str,
        message_id: str,
        at: datetime,
        now: datetime,
    ) -> _Outcome:
        subscriber = cur.execute(
            "SELECT id, language, stopped_at FROM subscribers WHERE wa_id = ?", [wa_id]
        ).fetchone()
        if subscriber is not None:
            language = subscriber[1]
        if command.action == "help":
            return _Outcome(
                subscriber[0] if subscriber else None,
                answer("help", language, problem=_in_language(command.problem, language)),
                language,
            )
        if command.action == "language":
            language = command.language or language
            if subscriber is not None:
                cur.execute(
                    "UPDATE subscribers SET language = ?, updated_at = ? WHERE id = ?",
                    [language, now, subscriber[0]],
                )
            return _Outcome(
                subscriber[0] if subscriber else None, answer("language", language), language
            )
        if command.action == "list":
            topics = self._topics(cur, subscriber[0]) if subscriber else []
            if not topics:
                return _Outcome(
                    subscriber[0] if subscriber else None, answer("list_empty", language), language
                )
            return _Outcome(
                subscriber[0],
                answer(
                    "list",
                    language,
                    what=self._topic_words(topics, language),
                    tongue="English" if language == "en" else "বাংলা",
                ),
                language,
            )
        if command.action == "subscribe":
            subscriber_id = self._subscriber(cur, subscriber, wa_id, channel, language, now)
            topics = _topics_of(command)
            _add_topics(cur, subscriber_id, topics, f"WhatsApp message {message_id}", at)
            self._audit.record(
                cur,
                actor=None,
                actor_name=ACTOR,
                action="subscription_consent",
                target_type="subscriber",
                target_id=str(subscriber_id),
                after={"topics": [t for t, _, _ in topics], "message": message_id},
                detail=f"consent by WhatsApp message at {at.isoformat()}",
            )
            what = self._topic_words([t for t, _, _ in topics], language)
            return _Outcome(
                subscriber_id,
                answer("subscribed", language, what=what),
                language,
                stopped=False,
            )
        # stop
        if subscriber is None:
            return _Outcome(None, answer("stopped", language), language)
        subscriber_id = subscriber[0]
        if command.wards or command.department_code:
            removed = [t for t, _, _ in _topics_of(command)]
            cur.execute(
                "DELETE FROM subscriptions WHERE subscriber_id = $id"
                " AND list_contains($topics, topic)",
                {"id": subscriber_id, "topics": removed},
            )
            cancelled = _cancel_unwanted(cur, subscriber_id, now)
            rest = self._topics(cur, subscriber_id)
            self._audit.record(
                cur,
                actor=None,
                actor_name=ACTOR,
                action="subscription_stopped",
                target_type="subscriber",
                target_id=str(subscriber_id),
                before={"topics": removed},
                detail=f"STOP by WhatsApp message {message_id}",
            )
            if not rest:
                cur.execute(
                    "UPDATE subscribers SET stopped_at = ?, updated_at = ? WHERE id = ?",
                    [now, now, subscriber_id],
                )
                return _Outcome(
                    subscriber_id, answer("stopped", language), language, cancelled, stopped=True
                )
            return _Outcome(
                subscriber_id,
                answer(
                    "stopped_some",
                    language,
                    what=self._topic_words(removed, language),
                    rest=self._topic_words(rest, language),
                ),
                language,
                cancelled,
            )
        cur.execute("DELETE FROM subscriptions WHERE subscriber_id = ?", [subscriber_id])
        cur.execute(
            "UPDATE subscribers SET stopped_at = ?, updated_at = ? WHERE id = ?",
            [now, now, subscriber_id],
        )
        cancelled = _cancel_unwanted(cur, subscriber_id, now)
        self._audit.record(
            cur,
            actor=None,
            actor_name=ACTOR,
            action="subscription_stopped",
            target_type="subscriber",
            target_id=str(subscriber_id),
            detail=f"STOP (everything) by WhatsApp message {message_id}",
        )
        return _Outcome(
            subscriber_id, answer("stopped", language), language, cancelled, stopped=True
        )

    def _subscriber(
        self,
        cur: duckdb.DuckDBPyConnection,
        existing: tuple | None,
        wa_id: str,
        channel: str,
        language: str,
        now: datetime,
    ) -> int:
        if existing is not None:
            cur.execute(
                "UPDATE subscribers SET stopped_at = NULL, channel = ?, updated_at = ?"
                " WHERE id = ?",
                [channel, now, existing[0]],
            )
            return int(existing[0])
        (subscriber_id,) = cur.execute(
            "INSERT INTO subscribers (wa_id, channel, language, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            [wa_id, channel, language, now, now],
        ).fetchone()
        return int(subscriber_id)

    # -- staff -----------------------------------------------------------------------------

    def add_by_staff(
        self,
        actor: Actor,
        *,
        phone: str,
        wards: list[int],
        consent_source: str,
        language: str = "bn",
        department_code: str | None = None,
        role: str = "citizen",
        display_name: str = "",
    ) -> int:
        """Add a subscriber with the consent staff hold (IT, admins); returns their id."""
        self._audit.authorize(actor, Action.MANAGE_SUBSCRIBERS)
        source = nfc_trimmed(consent_source)
        if not source:
            raise InvalidInput(
                N_(
                    "Say where the consent is recorded (e.g. 'paper form 2026/114'): a subscriber"
                    " is added only with their consent."
                )
            )
        digits = re.sub(r"[\s\-+()]", "", phone or "")
        if len(digits) == 10 and digits[0] in "6789":
            digits = "91" + digits
        if not re.fullmatch(r"\d{11,15}", digits):
            raise InvalidInput(N_("The WhatsApp number must be 10 digits, or with +91 before it."))
        if role not in ROLES:
            raise InvalidInput(N_("Role must be one of {roles}."), roles=", ".join(ROLES))
        if language not in ("bn", "en"):
            raise InvalidInput(N_("Language must be bn or en."))
        bad = [w for w in wards if not 1 <= w <= WARD_COUNT]
        if bad:
            raise InvalidInput(
                N_("There is no ward {number} (Kolkata's wards are 1-144)."), number=bad[0]
            )
        if department_code is not None:
            self._departments.get(actor, department_code)
        if not wards and department_code is None:
            raise InvalidInput(N_("Choose the wards or the department they follow."))
        channel = self._settings_channel()
        now = self._clock()
        command = SubscriptionCommand(
            "subscribe", wards=tuple(dict.fromkeys(wards)), department_code=department_code
        )
        topics = _topics_of(command)
        with self._store.transaction() as cur:
            existing = cur.execute(
                "SELECT id, language, stopped_at FROM subscribers WHERE wa_id = ?", [digits]
            ).fetchone()
            subscriber_id = self._subscriber(cur, existing, digits, channel, language, now)
            cur.execute(
                "UPDATE subscribers SET role = ?, display_name = ?, language = ? WHERE id = ?",
                [role, nfc_trimmed(display_name) or None, language, subscriber_id],
            )
            _add_topics(cur, subscriber_id, topics, f"staff ({actor.username}): {source}", now)
            self._audit.record(
                cur,
                actor=actor,
                action=str(Action.MANAGE_SUBSCRIBERS),
                target_type="subscriber",
                target_id=str(subscriber_id),
                after={"topics": [t for t, _, _ in topics], "role": role},
                detail=f"consent: {source}",
            )
        with self._lock:
            self._stopped.discard(digits)
        return subscriber_id

    def subscribers(self, actor: Actor, *, ward: int | None = None) -> list[Subscriber]:
        """Subscribers (IT, admins), numbers shown by their last four digits only."""
        self._audit.authorize(actor, Action.MANAGE_SUBSCRIBERS)
        where, params = "TRUE", []
        if ward is not None:
            where = (
                "EXISTS (SELECT 1 FROM subscriptions s WHERE s.subscriber_id = b.id AND s.ward = ?)"
            )
            params = [ward]
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT b.id, right(b.wa_id, 4), b.language, b.role, b.display_name,"
                " coalesce((SELECT list(s.topic ORDER BY s.topic) FROM subscriptions s"
                "  WHERE s.subscriber_id = b.id), []), b.stopped_at IS NOT NULL"
                f" FROM subscribers b WHERE {where} ORDER BY b.id DESC LIMIT 500",
                params,
            ).fetchall()
        return [Subscriber(r[0], r[1], r[2], r[3], r[4], tuple(r[5]), r[6]) for r in rows]

    def ward_counts(self, actor: Actor) -> dict[int, int]:
        """Active subscribers per ward: counts, never numbers (every staff role)."""
        self._audit.authorize(actor, Action.VIEW_HOME)
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT s.ward, count(DISTINCT s.subscriber_id) FROM subscriptions s"
                " JOIN subscribers b ON b.id = s.subscriber_id"
                " WHERE s.ward IS NOT NULL AND b.stopped_at IS NULL GROUP BY s.ward"
            ).fetchall()
        return {int(ward): int(count) for ward, count in rows}

    def answers_owed(self, cur: duckdb.DuckDBPyConnection, since: datetime) -> list[tuple]:
        """Answers to command messages not yet queued for the desk: (message id, number,
        city number, language, text)."""
        return cur.execute(
            "SELECT i.platform_id, i.author_id, i.channel, c.language, c.answer"
            " FROM subscription_commands c JOIN interactions i ON i.id = c.interaction_id"
            " WHERE c.applied_at >= ? AND c.answer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
            "  whatsapp_messages m WHERE m.dedupe_key = 'command:' || i.platform_id)",
            [since],
        ).fetchall()

    # -- the parts -------------------------------------------------------------------------

    def _aliases(self) -> dict[str, str]:
        return department_aliases(
            [(d.code, d.name_en, d.name_bn) for d in self._departments.all_departments()]
        )

    def _settings_channel(self) -> str:
        numbers = self._settings.whatsapp.numbers
        if numbers:
            return numbers[0].phone_number_id
        return SANDBOX_WHATSAPP["phone_number_id"]  # the embedded default's number

    @staticmethod
    def _topics(cur: duckdb.DuckDBPyConnection, subscriber_id: int) -> list[str]:
        return [
            row[0]
            for row in cur.execute(
                "SELECT topic FROM subscriptions WHERE subscriber_id = ? ORDER BY ward, topic",
                [subscriber_id],
            ).fetchall()
        ]

    def _topic_words(self, topics: list[str], language: str) -> str:
        wards = [int(t.split(":")[1]) for t in topics if t.startswith("ward:")]
        names = {d.code: d for d in self._departments.all_departments()}
        parts = [wards_words(wards, language)] if wards else []
        for topic in topics:
            if topic.startswith("department:"):
                code = topic.split(":")[1]
                department = names.get(code)
                if department is None:
                    parts.append(code)
                else:
                    parts.append(department.name_en if language == "en" else department.name_bn)
        return ", ".join(parts)


@dataclass(frozen=True)
class _Outcome:
    subscriber_id: int | None
    answer: str
    language: str
    cancelled: int = 0
    # The subscriber stopped (True), subscribed again (False), or neither (None).
    stopped: bool | None = None


def _stops_everything(command: SubscriptionCommand) -> bool:
    return command.action == "stop" and not command.wards and not command.department_code


def _topics_of(command: SubscriptionCommand) -> list[tuple[str, int | None, str | None]]:
    """(topic, ward, department) rows of a command."""
    topics: list[tuple[str, int | None, str | None]] = [
        (f"ward:{ward}", ward, None) for ward in command.wards
    ]
    if command.department_code:
        topics.append((f"department:{command.department_code}", None, command.department_code))
    return topics


def _add_topics(
    cur: duckdb.DuckDBPyConnection,
    subscriber_id: int,
    topics: list[tuple[str, int | None, str | None]],
    consent_source: str,
    consent_at: datetime,
) -> None:
    """Follow these topics, each with the consent it came from (a topic followed already
    keeps its first consent)."""
    cur.execute(
        "INSERT INTO subscriptions (subscriber_id, topic, ward, department_code,"
        " consent_source, consent_at) SELECT $id, t.topic, t.ward, t.department,"
        " $source, $at FROM (SELECT unnest($topics) AS topic, unnest($wards) AS ward,"
        " unnest($departments) AS department) t ON CONFLICT DO NOTHING",
        {
            "id": subscriber_id,
            "source": consent_source,
            "at": consent_at,
            "topics": [t for t, _, _ in topics],
            "wards": [w for _, w, _ in topics],
            "departments": [d for _, _, d in topics],
        },
    )


def _cancel_unwanted(cur: duckdb.DuckDBPyConnection, subscriber_id: int, now: datetime) -> int:
    """Cancel a subscriber's queued notice messages none of whose notices they still follow.

    Worked out in Python for the few rows of one subscriber: a correlated query over every
    queued message would hold the write lock while a large notice is going out."""
    queued = cur.execute(
        "SELECT id, notice_ids FROM notice_messages WHERE subscriber_id = ?"
        " AND status IN ('queued', 'retry_wait')",
        [subscriber_id],
    ).fetchall()
    if not queued:
        return 0
    wards, departments = set(), set()
    for ward, department in cur.execute(
        "SELECT ward, department_code FROM subscriptions WHERE subscriber_id = ?",
        [subscriber_id],
    ).fetchall():
        wards.add(ward)
        departments.add(department)
    notice_ids = sorted({n for _, ids in queued for n in ids})
    wanted = {
        notice_id
        for notice_id, notice_wards, department in cur.execute(
            "SELECT id, wards, department_code FROM notices WHERE list_contains($ids, id)",
            {"ids": notice_ids},
        ).fetchall()
        if department in departments or wards.intersection(notice_wards)
    }
    unwanted = [message_id for message_id, ids in queued if not wanted.intersection(ids)]
    if unwanted:
        cur.execute(
            "UPDATE notice_messages SET status = 'cancelled', attention_reason = 'stopped by"
            " the subscriber', updated_at = $now WHERE list_contains($ids, id)"
            " AND status IN ('queued', 'retry_wait')",
            {"now": now, "ids": unwanted},
        )
    return len(unwanted)


def _in_language(problem: Message | None, language: str) -> str:
    """What the hub could not read in a command, in the citizen's language and digits."""
    if problem is None:
        return ""
    return digits(problem.translated(lambda message: translate(message, language)), language)


__all__ = ["ACTOR", "CommandsApplied", "Subscriber", "SubscriptionService"]
