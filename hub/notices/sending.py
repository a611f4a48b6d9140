"""Notices' messages: made for exactly the subscribers who asked, sent once each.

**Fan-out** (`fan_out_due`) makes the messages, set-based, in one transaction per notice or
per morning: one row per subscriber, keyed ``notice:<notice>:<subscriber>`` or
``digest:<date>:<subscriber>`` (unique), so doing it again after a crash makes none twice. A
disruption's messages are made when it is approved; the morning digest (07:00 Kolkata) makes
one message per subscriber combining every notice of that morning that touches their wards
or department, never one per notice. A notice whose morning's digest already went is sent on
its own.

**Sending** is a kind of the delivery engine (`NoticeDelivery`): claimed and attempted before
the call, several at once within the number's pace, found by its key among the delivery
statuses when the answer was lost, flagged rather than sent blind. The kind keeps to the
number's messaging tier (unique people written to in 24 hours; beyond it messages wait), to
one message per person at a time, and never calls WhatsApp for a number whose STOP has been
received, even a moment before its turn or after the message was claimed
(`SubscriptionService.holds_back`, checked right before the call; STOP cancels the queued
messages in the store too, but not one already claimed for sending).

Each message is the approved template of the subscriber's language with its parameters; what
the subscriber reads is kept beside it (`text`). A template missing in a language (132001)
holds every queued message of that template and language for a person, so nothing more is
tried in vain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from hub.answering.whatsapp_sending import STATUS_GRACE, found_by_key
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
from hub.delivery.kinds import NOTICE_OUTBOX, NOTICE_WORDS
from hub.errors import NotSupported, TemplateMissing, Withdrawn
from hub.i18n import N_
from hub.notices.notices import NoticeDraft, NoticeService
from hub.notices.texts import (
    PARAMETER_CHARS,
    date_words,
    one_line,
    render,
    template_body,
    wards_words,
    window_words,
)
from hub.permissions import Action, Actor
from hub.platforms.base import (
    Channel,
    OutgoingMessage,
    Platform,
    PublishedPost,
    SendsMessages,
    TemplateMessage,
)
from hub.platforms.registry import PlatformAccounts
from hub.store import Store

log = logging.getLogger(__name__)

SENDER = "notice-sender"
DAY = timedelta(hours=24)
# Digest items are joined with this (a template parameter may not hold a line break).
ITEM_SEPARATOR = " • "


@dataclass
class NoticeReport(DeliveryReport):
    """What one sending cycle did."""

    sent: int = 0
    waiting_for_tier: int = 0


@dataclass(frozen=True)
class FanOut:
    """What `fan_out_due` made."""

    notices: int = 0
    messages: int = 0
    digests: int = 0

    @property
    def summary(self) -> str:
        """One line for the job log."""
        return f"{self.messages} message(s) for {self.notices} notice(s), {self.digests} digest(s)"


@dataclass(frozen=True)
class Funnel:
    """Where a notice's messages are: made, sent, then what WhatsApp said of them."""

    total: int
    queued: int
    sending: int
    sent: int
    delivered: int
    read: int
    failed: int
    cancelled: int
    needs_attention: int

    @property
    def done_share(self) -> float:
        """Messages settled (sent, failed, cancelled or flagged), as a share of all."""
        if not self.total:
            return 1.0
        return (self.sent + self.cancelled + self.needs_attention) / self.total


class NoticeSender:
    """Makes notices' messages and sends them through the delivery engine (module docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        settings: Settings,
        notices: NoticeService,
        held_back: Callable[[str], bool],
        department_names: Callable[[str], tuple[str, str]],
        *,
        holds: AccountHolds | None = None,
        clock: Callable[[], datetime] = utc_now,
        worker_id: str | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._settings = settings
        self._notices = notices
        self._names = department_names
        self._clock = clock
        self._zone = ZoneInfo(settings.display_timezone)
        self.kind = NoticeDelivery(
            store,
            audit,
            clock,
            held_back=held_back,
            recipients_per_day=settings.notices.recipients_per_day,
            status_grace=timedelta(seconds=settings.whatsapp.status_grace_seconds),
        )
        self._engine = DeliveryEngine(
            self.kind,
            store,
            audit,
            platforms,
            holds or AccountHolds(store, audit, platforms, clock=clock),
            max_attempts=settings.max_publish_attempts,
            worker_id=worker_id,
            clock=clock,
            parallel=settings.whatsapp.senders,
            # A digest is tens of thousands of messages: claimed and recorded 128 at a time.
            group_size=settings.whatsapp.senders * 16,
        )
        self.worker_id = self._engine.worker_id

    # -- fan-out ---------------------------------------------------------------------------

    def digest_time(self, day: date) -> datetime:
        """When the digest of `day` (a Kolkata date) goes."""
        options = self._settings.notices
        return datetime.combine(day, time(options.digest_hour, options.digest_minute), self._zone)

    def fan_out_due(self, now: datetime | None = None) -> FanOut:
        """Make the messages of approved notices whose time came (each once)."""
        now = now or self._clock()
        today = now.astimezone(self._zone).date()
        made = FanOut()
        if now >= self.digest_time(today):
            made = self._digest(today, now)
        with self._store.cursor() as cur:
            done_today = cur.execute(
                "SELECT 1 FROM notice_digests WHERE digest_date = ?", [today]
            ).fetchone()
            rows = cur.execute(
                "SELECT id FROM notices WHERE status = 'approved' AND fanned_out_at IS NULL"
                " AND ends_at > $now AND (digest_date IS NULL OR digest_date < $today"
                "  OR (digest_date = $today AND $done)) ORDER BY approved_at, id",
                {"now": now, "today": today, "done": done_today is not None},
            ).fetchall()
        for (notice_id,) in rows:
            messages = self._own_messages(notice_id, now)
            made = FanOut(made.notices + 1, made.messages + messages, made.digests)
        return made

    def _own_messages(self, notice_id: int, now: datetime) -> int:
        """A notice's own message to each of its subscribers."""
        with self._store.transaction() as cur:
            notice = cur.execute(
                "SELECT department_code, kind, text_bn, text_en, wards, starts_at, ends_at"
                " FROM notices WHERE id = ? AND fanned_out_at IS NULL AND status = 'approved'",
                [notice_id],
            ).fetchone()
            if notice is None:
                return 0
            code, kind, text_bn, text_en, wards, starts, ends = notice
            draft = NoticeDraft(kind, text_bn, text_en, tuple(wards), starts, ends)
            per_language = self._notices.messages_of(code, draft)
            texts = {
                language: render(template_body(name, language), parameters)
                for language, (name, parameters) in per_language.items()
            }
            inserted = cur.execute(
                "INSERT INTO notice_messages (dedupe_key, subscriber_id, wa_id, channel,"
                " language, template, parameters, text, notice_ids, status, created_at,"
                " updated_at)"
                " SELECT 'notice:' || $id || ':' || b.id, b.id, b.wa_id, b.channel, b.language,"
                "  CASE b.language WHEN 'en' THEN $tpl_en ELSE $tpl_bn END,"
                "  CASE b.language WHEN 'en' THEN $par_en ELSE $par_bn END,"
                "  CASE b.language WHEN 'en' THEN $text_en ELSE $text_bn END,"
                "  [$id], 'queued', $now, $now"
                f" FROM ({_SUBSCRIBERS_OF}) p JOIN subscribers b ON b.id = p.subscriber_id"
                " ORDER BY b.id ON CONFLICT DO NOTHING RETURNING id",
                {
                    "id": notice_id,
                    "ids": [notice_id],
                    "tpl_en": per_language["en"][0],
                    "tpl_bn": per_language["bn"][0],
                    "par_en": per_language["en"][1],
                    "par_bn": per_language["bn"][1],
                    "text_en": texts["en"],
                    "text_bn": texts["bn"],
                    "now": now,
                },
            ).fetchall()
            cur.execute(
                "UPDATE notices SET fanned_out_at = ?, updated_at = ? WHERE id = ?",
                [now, now, notice_id],
            )
            self._audit.record(
                cur,
                actor=None,
                actor_name=SENDER,
                action="notice_fanned_out",
                target_type="notice",
                target_id=str(notice_id),
                department_code=code,
                detail=f"{len(inserted)} subscriber message(s) made",
            )
        return len(inserted)

    def _digest(self, day: date, now: datetime) -> FanOut:
        """The morning digest of `day`: one message per subscriber, once."""
        with self._store.transaction() as cur:
            if cur.execute("SELECT 1 FROM notice_digests WHERE digest_date = ?", [day]).fetchone():
                return FanOut()
            notices = cur.execute(
                "SELECT id, department_code, text_bn, text_en, wards, starts_at, ends_at"
                " FROM notices WHERE status = 'approved' AND fanned_out_at IS NULL"
                " AND digest_date <= $day AND ends_at > $now ORDER BY starts_at, id",
                {"day": day, "now": now},
            ).fetchall()
            ids = [n[0] for n in notices]
            pairs = (
                cur.execute(
                    "SELECT b.id, b.wa_id, b.channel, b.language, list(DISTINCT p.notice_id"
                    f" ORDER BY p.notice_id) FROM ({_SUBSCRIBERS_OF}) p"
                    " JOIN subscribers b ON b.id = p.subscriber_id"
                    " GROUP BY b.id, b.wa_id, b.channel, b.language ORDER BY b.id",
                    {"ids": ids},
                ).fetchall()
                if ids
                else []
            )
            # Each notice's line in each language, made once: subscribers' digests combine
            # the same few hundred lines in tens of thousands of ways.
            lines = {
                (n[0], language): self._notice_line(n, language)
                for n in notices
                for language in ("bn", "en")
            }
            order = {notice_id: at for at, notice_id in enumerate(ids)}
            composed: dict[tuple[str, tuple[int, ...]], tuple[str, list[str], str]] = {}
            rows: dict[str, list] = {k: [] for k in _DIGEST_COLUMNS}
            for subscriber_id, wa_id, channel, language, notice_ids in pairs:
                key = (language, tuple(sorted(notice_ids, key=order.__getitem__)))
                if key not in composed:
                    composed[key] = self._digest_message(
                        day, language, [lines[i, language] for i in key[1]]
                    )
                template, parameters, text = composed[key]
                rows["dedupe_key"].append(f"digest:{day.isoformat()}:{subscriber_id}")
                rows["subscriber_id"].append(subscriber_id)
                rows["wa_id"].append(wa_id)
                rows["channel"].append(channel)
                rows["language"].append(language)
                rows["template"].append(template)
                rows["parameters"].append(parameters)
                rows["text"].append(text)
                rows["notice_ids"].append(list(key[1]))
            made = 0
            if pairs:
                made = len(
                    cur.execute(
                        "INSERT INTO notice_messages (dedupe_key, subscriber_id, wa_id, channel,"
                        " language, template, parameters, text, notice_ids, digest_date, status,"
                        " created_at, updated_at)"
                        " SELECT unnest($dedupe_key), unnest($subscriber_id), unnest($wa_id),"
                        " unnest($channel), unnest($language), unnest($template),"
                        " unnest($parameters), unnest($text), unnest($notice_ids), $day,"
                        " 'queued', $now, $now ON CONFLICT DO NOTHING RETURNING id",
                        {**rows, "day": day, "now": now},
                    ).fetchall()
                )
            if ids:
                cur.execute(
                    "UPDATE notices SET fanned_out_at = $now, updated_at = $now"
                    " WHERE list_contains($ids, id)",
                    {"now": now, "ids": ids},
                )
            cur.execute(
                "INSERT INTO notice_digests (digest_date, made_at, messages) VALUES (?, ?, ?)",
                [day, now, made],
            )
            self._audit.record(
                cur,
                actor=None,
                actor_name=SENDER,
                action="notice_digest_made",
                target_type="digest",
                target_id=day.isoformat(),
                detail=f"{made} message(s) for {len(ids)} notice(s)",
            )
        return FanOut(len(ids), made, 1)

    def _notice_line(self, notice: tuple, language: str) -> str:
        """One notice as a digest's line: department, wards, when, what."""
        _, code, text_bn, text_en, wards, starts, ends = notice
        name_en, name_bn = self._names(code)
        name = name_en if language == "en" else name_bn
        when = window_words(starts, ends, self._zone, language)
        text = text_en if language == "en" else text_bn
        return one_line(f"{name}, {wards_words(wards, language)}, {when}: {text}")

    def _digest_message(
        self, day: date, language: str, lines: list[str]
    ) -> tuple[str, list[str], str]:
        """(template, parameters, text) of one digest: its notices' lines joined, as many as
        fit."""
        joined = ""
        for shown, line in enumerate(lines):
            more = len(lines) - shown
            tail = f"{ITEM_SEPARATOR}+{more} {'more' if language == 'en' else 'আরও'}"
            candidate = line if not joined else joined + ITEM_SEPARATOR + line
            room = PARAMETER_CHARS - (len(tail) if more > 1 else 0)
            if len(candidate) > room:
                joined = (joined or line[: PARAMETER_CHARS - len(tail) - 1] + "…") + tail
                break
            joined = candidate
        name = self._settings.notices.digest_template
        parameters = [date_words(self.digest_time(day), self._zone, language), joined]
        return name, parameters, render(template_body(name, language), parameters)

    # -- the job ---------------------------------------------------------------------------

    def run_pass(self) -> str:
        """The notices job's one call: make what is due, send, flag what WhatsApp could not
        deliver; returns a line for the log ("" when nothing happened)."""
        parts = []
        made = self.fan_out_due()
        if made.messages or made.digests:
            parts.append(f"made {made.summary}")
        sent = self.run_cycle()
        if sent.did_something:
            parts.append(f"sending: {sent.summary}")
        undelivered = self.flag_undelivered()
        if undelivered:
            parts.append(f"{undelivered} message(s) WhatsApp could not deliver: flagged")
        return "; ".join(parts)

    # -- sending ---------------------------------------------------------------------------

    def run_cycle(self) -> NoticeReport:
        """Recover, reconcile, send, through the delivery engine; then hold what a missing
        template would refuse."""
        report = NoticeReport()
        self._engine.run_cycle(report)
        report.waiting_for_tier = self.kind.last_waiting_for_tier
        self._hold_missing_templates()
        return report

    def work_left(self) -> int:
        """Messages not yet settled or due now."""
        return self._engine.work_left()

    def _hold_missing_templates(self) -> None:
        with self._store.transaction() as cur:
            missing = cur.execute(
                "SELECT DISTINCT template, language FROM notice_messages"
                " WHERE status = 'needs_attention' AND last_error LIKE '%132001%'"
            ).fetchall()
            for template, language in missing:
                held = cur.execute(
                    "UPDATE notice_messages SET status = 'needs_attention', attention_reason ="
                    " $why, updated_at = $now WHERE template = $t AND language = $l"
                    " AND status IN ('queued', 'retry_wait') RETURNING id",
                    {
                        "why": f"the template {template} is not approved in {language}: ask Meta"
                        " to approve it, then retry",
                        "now": self._clock(),
                        "t": template,
                        "l": language,
                    },
                ).fetchall()
                if held:
                    self._audit.record(
                        cur,
                        actor=None,
                        actor_name=SENDER,
                        action="notice_template_missing",
                        target_type="template",
                        target_id=f"{template}/{language}",
                        detail=f"{len(held)} queued message(s) held",
                    )

    def flag_undelivered(self) -> int:
        """A message WhatsApp accepted and could not deliver (a ``failed`` status): flagged
        with WhatsApp's reason, never sent again by itself."""
        with self._store.transaction() as cur:
            rows = cur.execute(
                "UPDATE notice_messages SET status = 'needs_attention', updated_at = $now,"
                " attention_reason = 'WhatsApp could not deliver it: '"
                "  || coalesce(s.errors, 'no reason given')"
                " FROM whatsapp_statuses s WHERE s.status = 'failed'"
                " AND s.callback = 'notice-' || notice_messages.id"
                " AND notice_messages.status = 'sent' RETURNING notice_messages.id",
                {"now": self._clock()},
            ).fetchall()
        return len(rows)

    # -- what people see -------------------------------------------------------------------

    def funnel(self, actor: Actor, notice_id: int) -> Funnel:
        """A notice's messages by where they are (digests counted for each notice in them)."""
        notice = self._notices.get(actor, notice_id)
        self._audit.authorize(actor, Action.VIEW_UPDATES, notice.department_code)
        with self._store.cursor() as cur:
            row = cur.execute(
                "WITH mine AS (SELECT id, status FROM notice_messages"
                "  WHERE list_contains(notice_ids, $id)),"
                " seen AS (SELECT s.callback, bool_or(s.status IN ('delivered', 'read')) AS d,"
                "  bool_or(s.status = 'read') AS r, bool_or(s.status = 'failed') AS f"
                "  FROM whatsapp_statuses s WHERE s.callback IN"
                "   (SELECT 'notice-' || id FROM mine) GROUP BY s.callback)"
                " SELECT count(*), count(*) FILTER (m.status IN ('queued', 'retry_wait')),"
                " count(*) FILTER (m.status IN ('sending', 'unconfirmed')),"
                " count(*) FILTER (m.status = 'sent'), count(*) FILTER (coalesce(seen.d, FALSE)),"
                " count(*) FILTER (coalesce(seen.r, FALSE)),"
                " count(*) FILTER (coalesce(seen.f, FALSE)),"
                " count(*) FILTER (m.status = 'cancelled'),"
                " count(*) FILTER (m.status = 'needs_attention')"
                " FROM mine m LEFT JOIN seen ON seen.callback = 'notice-' || m.id",
                {"id": notice_id},
            ).fetchone()
        return Funnel(*[int(v or 0) for v in row])

    def counts_by_department(self, start: datetime, end: datetime) -> dict[str, int]:
        """Notices approved in [start, end) per department (the dashboard's publishing tab)."""
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT department_code, count(*) FROM notices WHERE approved_at >= ?"
                " AND approved_at < ? GROUP BY department_code",
                [start, end],
            ).fetchall()
        return dict(rows)


# Subscribers (active) of the notices in $ids: by a ward of theirs, or their department.
_SUBSCRIBERS_OF = (
    "SELECT DISTINCT s.subscriber_id, w.id AS notice_id FROM (SELECT id, unnest(wards) AS ward"
    "  FROM notices WHERE list_contains($ids, id)) w JOIN subscriptions s ON s.ward = w.ward"
    " JOIN subscribers b ON b.id = s.subscriber_id AND b.stopped_at IS NULL"
    " UNION SELECT s.subscriber_id, n.id FROM notices n JOIN subscriptions s"
    "  ON s.department_code = n.department_code"
    " JOIN subscribers b ON b.id = s.subscriber_id AND b.stopped_at IS NULL"
    " WHERE list_contains($ids, n.id)"
)
_DIGEST_COLUMNS = (
    "dedupe_key",
    "subscriber_id",
    "wa_id",
    "channel",
    "language",
    "template",
    "parameters",
    "text",
    "notice_ids",
)


@dataclass(frozen=True)
class _NoticeToSend:
    wa_id: str
    channel: str
    template: str
    language: str
    parameters: tuple[str, ...]


@dataclass
class NoticeDelivery(KindBase):
    """Notices' messages, sent by the engine (`notice_messages`)."""

    held_back: Callable[[str], bool] = field(default=lambda _number: False)
    recipients_per_day: int = 0
    status_grace: timedelta = STATUS_GRACE
    last_waiting_for_tier: int = 0
    _missing_templates: set[tuple[str, str]] = field(default_factory=set)

    outbox, actor_name, words = NOTICE_OUTBOX, SENDER, NOTICE_WORDS

    def due(self, cur: duckdb.DuckDBPyConnection, now: datetime) -> list[DueItem]:
        """Queued messages and retries whose time came, oldest first: one per person, within
        the number's messaging tier, none to a number whose STOP was received."""
        rows = cur.execute(
            "SELECT m.id, m.attempts, m.wa_id, m.channel, m.template, m.language, m.parameters"
            " FROM notice_messages m"
            " WHERE m.status = 'queued' OR (m.status = 'retry_wait' AND m.next_attempt_at <= ?)"
            " ORDER BY m.id",
            [now],
        ).fetchall()
        allowance = None
        reached: set[str] = set()
        if self.recipients_per_day:
            reached = {
                row[0]
                for row in cur.execute(
                    "SELECT DISTINCT wa_id FROM notice_messages WHERE sent_at > ?", [now - DAY]
                ).fetchall()
            }
            allowance = self.recipients_per_day - len(reached)
        due, taken, waiting = [], set(), 0
        for r in rows:
            wa_id = r[2]
            if wa_id in taken or self.held_back(wa_id):
                continue
            if allowance is not None and wa_id not in reached:
                if allowance <= 0:
                    waiting += 1
                    continue
                allowance -= 1
            taken.add(wa_id)
            due.append(
                DueItem(
                    r[0],
                    Platform.WHATSAPP,
                    r[1],
                    _NoticeToSend(wa_id, r[3], r[4], r[5], tuple(r[6])),
                )
            )
        self.last_waiting_for_tier = waiting
        return due

    def unconfirmed(self, cur: duckdb.DuckDBPyConnection) -> list[UnconfirmedItem]:
        """Messages whose last attempt ended without an answer."""
        rows = cur.execute(
            "SELECT m.id, m.text, m.unknown_outcomes, m.last_error, min(a.started_at),"
            " max(a.started_at) FROM notice_messages m"
            " LEFT JOIN notice_message_attempts a ON a.message_id = m.id"
            " WHERE m.status = 'unconfirmed' GROUP BY ALL ORDER BY m.id"
        ).fetchall()
        return [UnconfirmedItem(r[0], Platform.WHATSAPP, *r[1:]) for r in rows]

    def look_for(
        self, adapter: Channel, platform: Platform, items: list[UnconfirmedItem]
    ) -> Iterable[Listing]:
        """The delivery statuses that came back with the messages' keys."""
        keys = {item.id: f"notice-{item.id}" for item in items}
        return found_by_key(self.store, items, keys, self.clock(), self.status_grace)

    def send(self, item: DueItem, adapter: Channel) -> PublishedPost:
        """The approved template of the subscriber's language, with its parameters."""
        message: _NoticeToSend = item.payload

        def withdrawn() -> str | None:
            stopped = self.held_back(message.wa_id)
            return N_("the subscriber sent STOP: not sent") if stopped else None

        reason = withdrawn()
        if reason:
            raise Withdrawn(reason)
        if not isinstance(adapter, SendsMessages):
            raise NotSupported(N_("this account cannot send WhatsApp messages"))
        template = (message.template, message.language)
        if template in self._missing_templates:
            raise TemplateMissing(
                N_(
                    "the template {template} is not approved in {language} (132001 on an"
                    " earlier message this cycle): not tried"
                ),
                template=template[0],
                language=template[1],
            )
        try:
            return adapter.send_message(
                OutgoingMessage(
                    to=message.wa_id,
                    from_number=message.channel,
                    key=f"notice-{item.id}",
                    template=TemplateMessage(*template, message.parameters),
                    # Again at the last moment: a STOP while it waited for the number's pace.
                    withdrawn=withdrawn,
                )
            )
        except TemplateMissing:
            self._missing_templates.add(template)
            raise

    def prepare(self, now: datetime, report: DeliveryReport) -> None:
        """A new cycle tries every template again (one may have been approved since)."""
        self._missing_templates.clear()

    def record_delivered(self, cur: duckdb.DuckDBPyConnection, done: Delivered) -> None:
        """An audit row (groups sent together get one row: `record_delivered_many`)."""
        action = "reconcile_notice_message" if done.found else "send_notice_message"
        self.audit_item(cur, action, done.item_id)

    def record_delivered_many(self, cur: duckdb.DuckDBPyConnection, dones: list[Delivered]) -> None:
        """One audit row for a group sent together (a large notice is 100,000 messages)."""
        sent = [d.item_id for d in dones if not d.found]
        if sent:
            self.audit.record(
                cur,
                actor=None,
                actor_name=SENDER,
                action="send_notice_messages",
                target_type=self.words.noun,
                target_id=f"{min(sent)}-{max(sent)}",
                detail=f"{len(sent)} sent",
            )
        for done in dones:
            if done.found:
                self.record_delivered(cur, done)

    def record_needs_attention(
        self, cur: duckdb.DuckDBPyConnection, item_id: int, reason: str
    ) -> None:
        """An audit row (no phone number in it)."""
        self.audit_item(cur, "notice_message_needs_attention", item_id, detail=reason)


__all__ = ["FanOut", "Funnel", "NoticeDelivery", "NoticeReport", "NoticeSender"]
