"""A department's notices: written in Bengali and English by its officer, reviewed by IT with
the rules of posts (nobody reviews their own, changes asked with a note, a refusal with a
reason), then told to the subscribers of its wards and department (`hub.notices.sending`).

Kinds: a **disruption** goes out as soon as it is approved; **field work** and **advisories**
go into the morning digest of the day they start (07:00 Kolkata by default), one message per
subscriber that morning however many notices touch their wards. A notice approved after its
morning's digest went, whose work is still ahead, waits for the next morning's, or goes at
once if it will be over by then.

Everything a subscriber would read is checked before the notice is submitted: the wards are
Kolkata's (1-144), the window is not over, and each language's text fits the approved
template's parameter (WhatsApp refuses one over 1,024 characters). Nothing is sent from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.i18n import N_, Message
from hub.notices.texts import (
    PARAMETER_CHARS,
    one_line,
    render,
    template_body,
    wards_words,
    window_words,
)
from hub.permissions import Action, Actor, Role
from hub.publishing.review import record_notice_post
from hub.store import Store
from hub.text import nfc_trimmed
from hub.ward_lists import WARD_COUNT, borough_lines, parse_wards

KINDS = {
    "field_work": N_("Field work (morning digest)"),
    "disruption": N_("Service disruption (at once)"),
    "advisory": N_("Advisory (morning digest)"),
}
# The Bengali half of a notice's post title (the English half is the kind's name).
POST_TITLES = {"field_work": "মাঠের কাজ", "disruption": "পরিষেবা বিঘ্ন", "advisory": "পরামর্শ"}
STATUSES = ("draft", "submitted", "changes_requested", "approved", "rejected", "cancelled")
MAX_WARDS = 144
_COLUMNS = (
    "id, department_code, author, kind, text_bn, text_en, wards, starts_at, ends_at, also_post,"
    " status, submitted_at, reviewed_by, reviewed_at, review_note, reject_reason, approved_at,"
    " fanned_out_at, digest_date, created_at, updated_at"
)


@dataclass(frozen=True)
class NoticeDraft:
    """What an officer writes."""

    kind: str
    text_bn: str
    text_en: str
    wards: tuple[int, ...]
    starts_at: datetime
    ends_at: datetime
    also_post: bool = False


@dataclass(frozen=True)
class Notice:
    """A notice and where it stands."""

    id: int
    department_code: str
    author: str
    kind: str
    text_bn: str
    text_en: str
    wards: tuple[int, ...]
    starts_at: datetime
    ends_at: datetime
    also_post: bool
    status: str
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    reject_reason: str | None
    approved_at: datetime | None
    fanned_out_at: datetime | None
    digest_date: date | None
    created_at: datetime
    updated_at: datetime


class NoticeService:
    """Writing, reviewing and cancelling notices (module docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        settings: Settings,
        department_names: Callable[[str], tuple[str, str]],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """`department_names` gives a department's (English, Bengali) names."""
        self._store = store
        self._audit = audit
        self._settings = settings
        self._names = department_names
        self._clock = clock
        self._zone = ZoneInfo(settings.display_timezone)

    # -- officers --------------------------------------------------------------------------

    def wards_from(self, text: str) -> tuple[int, ...]:
        """The wards an officer wrote ("60-65, 88", "borough 7"), with the city's boroughs;
        raises `InvalidInput` naming what is wrong."""
        return parse_wards(text, self._settings.borough_wards)

    def borough_lines(self) -> list[Message]:
        """The city's boroughs and their wards, for the composer (empty: none set up)."""
        return borough_lines(self._settings.borough_wards)

    def create(self, actor: Actor, department_code: str, draft: NoticeDraft) -> Notice:
        """A new draft for the officer's department."""
        self._audit.authorize(actor, Action.SUBMIT_UPDATE, department_code)
        draft = self._cleaned(draft, department_code, strict=False)
        now = self._clock()
        with self._store.transaction() as cur:
            (notice_id,) = cur.execute(
                "INSERT INTO notices (department_code, author, kind, text_bn, text_en, wards,"
                " starts_at, ends_at, also_post, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?) RETURNING id",
                [
                    department_code,
                    actor.username,
                    draft.kind,
                    draft.text_bn,
                    draft.text_en,
                    list(draft.wards),
                    draft.starts_at,
                    draft.ends_at,
                    draft.also_post,
                    now,
                    now,
                ],
            ).fetchone()
            self._record(cur, actor, "create_notice", notice_id, department_code)
        return self.get(actor, notice_id)

    def save(self, actor: Actor, notice_id: int, draft: NoticeDraft) -> Notice:
        """Change a draft, or a notice sent back with changes asked."""
        notice = self.get(actor, notice_id)
        self._audit.authorize(actor, Action.SUBMIT_UPDATE, notice.department_code)
        if notice.status not in ("draft", "changes_requested"):
            raise InvalidInput(
                N_("Notice #{number} is {status}: it cannot be changed."),
                number=notice_id,
                status=notice.status,
            )
        draft = self._cleaned(draft, notice.department_code, strict=False)
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE notices SET kind = ?, text_bn = ?, text_en = ?, wards = ?, starts_at = ?,"
                " ends_at = ?, also_post = ?, updated_at = ? WHERE id = ?",
                [
                    draft.kind,
                    draft.text_bn,
                    draft.text_en,
                    list(draft.wards),
                    draft.starts_at,
                    draft.ends_at,
                    draft.also_post,
                    self._clock(),
                    notice_id,
                ],
            )
            self._record(cur, actor, "save_notice", notice_id, notice.department_code)
        return self.get(actor, notice_id)

    def submit(self, actor: Actor, notice_id: int) -> Notice:
        """Send a draft to IT's review, checked whole first."""
        notice = self.get(actor, notice_id)
        self._audit.authorize(actor, Action.SUBMIT_UPDATE, notice.department_code)
        if notice.status not in ("draft", "changes_requested"):
            raise InvalidInput(
                N_("Notice #{number} is {status}: it was submitted already."),
                number=notice_id,
                status=notice.status,
            )
        self._cleaned(_draft_of(notice), notice.department_code, strict=True)
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE notices SET status = 'submitted', submitted_at = ?, updated_at = ?"
                " WHERE id = ?",
                [now, now, notice_id],
            )
            self._record(cur, actor, "submit_notice", notice_id, notice.department_code)
        return self.get(actor, notice_id)

    def cancel(self, actor: Actor, notice_id: int, note: str = "") -> Notice:
        """Withdraw a notice (its department's officer, or IT); messages not yet sent are
        cancelled with it."""
        notice = self.get(actor, notice_id)
        if not (
            actor.role is Role.IT
            or (actor.role is Role.OFFICER and actor.department_code == notice.department_code)
        ):
            self._audit.authorize(actor, Action.REVIEW_UPDATE)
        if notice.status in ("rejected", "cancelled"):
            raise InvalidInput(
                N_("Notice #{number} is {status} already."), number=notice_id, status=notice.status
            )
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE notices SET status = 'cancelled', review_note = ?, updated_at = ?"
                " WHERE id = ?",
                [nfc_trimmed(note) or None, now, notice_id],
            )
            cancelled = cur.execute(
                "UPDATE notice_messages SET status = 'cancelled', attention_reason ="
                " 'the notice was withdrawn', updated_at = $now"
                " WHERE list_contains(notice_ids, $id) AND len(notice_ids) = 1"
                " AND status IN ('queued', 'retry_wait') RETURNING id",
                {"now": now, "id": notice_id},
            ).fetchall()
            self._record(
                cur,
                actor,
                "cancel_notice",
                notice_id,
                notice.department_code,
                detail=f"{len(cancelled)} queued message(s) cancelled",
            )
        return self.get(actor, notice_id)

    # -- IT's review -----------------------------------------------------------------------

    def approve(self, actor: Actor, notice_id: int, note: str = "") -> Notice:
        """Approve a submitted notice: a disruption goes out at once, the rest with their
        morning's digest."""
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        notice = self._reviewable(actor, notice_id)
        now = self._clock()
        if notice.ends_at <= now:
            raise InvalidInput(
                N_(
                    "Notice #{number}'s window is over: ask its officer for a new window,"
                    " or reject it."
                ),
                number=notice_id,
            )
        digest_date = self.digest_date_for(notice.kind, notice.starts_at, notice.ends_at, now)
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE notices SET status = 'approved', approved_at = ?, reviewed_by = ?,"
                " reviewed_at = ?, review_note = ?, digest_date = ?, updated_at = ?"
                " WHERE id = ? AND status = 'submitted'",
                [now, actor.username, now, nfc_trimmed(note) or None, digest_date, now, notice_id],
            )
            self._record(
                cur,
                actor,
                str(Action.REVIEW_UPDATE),
                notice_id,
                notice.department_code,
                detail="approved"
                + (f", in the digest of {digest_date}" if digest_date else ", to go at once"),
            )
            if notice.also_post:
                self._post_too(cur, actor, notice, digest_date, now)
        return self.get(actor, notice_id)

    def _post_too(
        self,
        cur: duckdb.DuckDBPyConnection,
        actor: Actor,
        notice: Notice,
        digest_date: date | None,
        now: datetime,
    ) -> None:
        """The notice as a Facebook and X post too, when its subscribers get it: at once, or
        at its morning's digest time."""
        options = self._settings.notices
        at = (
            now
            if digest_date is None
            else datetime.combine(
                digest_date, time(options.digest_hour, options.digest_minute), self._zone
            )
        )
        # The template's words without its WhatsApp footer ("Reply STOP ..." means nothing
        # under a public post): where, then when and what.
        words = {
            language: ": ".join(parameters)
            for language, (_, parameters) in self.messages_of(
                notice.department_code, _draft_of(notice)
            ).items()
        }
        update_id = record_notice_post(
            cur,
            self._audit,
            notice_id=notice.id,
            department_code=notice.department_code,
            author=notice.author,
            reviewer=actor,
            title=f"{POST_TITLES[notice.kind]} · {KINDS[notice.kind].split(' (')[0]}",
            text_bn=words["bn"],
            text_en=words["en"],
            at=at,
            now=now,
            zone=self._zone,
        )
        cur.execute("UPDATE notices SET update_id = ? WHERE id = ?", [update_id, notice.id])

    def request_changes(self, actor: Actor, notice_id: int, note: str) -> Notice:
        """Send a submitted notice back to its officer with what to change."""
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        note = nfc_trimmed(note)
        if not note:
            raise InvalidInput(N_("Say what to change: the officer reads this note."))
        notice = self._reviewable(actor, notice_id)
        self._review(actor, notice, "changes_requested", review_note=note)
        return self.get(actor, notice_id)

    def reject(self, actor: Actor, notice_id: int, reason: str) -> Notice:
        """Refuse a submitted notice, with the reason its officer reads."""
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        reason = nfc_trimmed(reason)
        if not reason:
            raise InvalidInput(N_("Give the reason for rejecting: the officer reads it."))
        notice = self._reviewable(actor, notice_id)
        self._review(actor, notice, "rejected", reject_reason=reason)
        return self.get(actor, notice_id)

    # -- reading ---------------------------------------------------------------------------

    def get(self, actor: Actor, notice_id: int) -> Notice:
        """One notice, for whoever may see its department's updates."""
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_COLUMNS} FROM notices WHERE id = ?", [notice_id]
            ).fetchone()
        if row is None:
            raise NotFound(N_("No notice #{number}."), number=notice_id)
        notice = _notice(row)
        self._audit.authorize(actor, Action.VIEW_UPDATES, notice.department_code)
        return notice

    def list_notices(
        self,
        actor: Actor,
        *,
        statuses: tuple[str, ...] = (),
        department_code: str | None = None,
        limit: int = 200,
    ) -> list[Notice]:
        """Notices newest first (officers: their own department's)."""
        if actor.role is Role.OFFICER:
            department_code = actor.department_code
        self._audit.authorize(actor, Action.VIEW_UPDATES, department_code)
        where, params = ["TRUE"], []
        if statuses:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params.extend(statuses)
        if department_code:
            where.append("department_code = ?")
            params.append(department_code)
        with self._store.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM notices WHERE {' AND '.join(where)}"
                " ORDER BY updated_at DESC, id DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
        return [_notice(row) for row in rows]

    def preview(self, department_code: str, draft: NoticeDraft) -> dict[str, str]:
        """What a subscriber reads, per language (``bn``, ``en``), as the template renders it."""
        return {
            language: render(template_body(name, language), parameters)
            for language, (name, parameters) in self.messages_of(department_code, draft).items()
        }

    def preview_of(self, notice: Notice) -> dict[str, str]:
        """`preview` of a notice already written."""
        return self.preview(notice.department_code, _draft_of(notice))

    def messages_of(
        self, department_code: str, draft: NoticeDraft
    ) -> dict[str, tuple[str, list[str]]]:
        """The template and its parameters per language for this notice on its own."""
        name_en, name_bn = self._names(department_code)
        options = self._settings.notices
        found = {}
        for language, text, name in (
            ("bn", draft.text_bn, name_bn),
            ("en", draft.text_en, name_en),
        ):
            where = f"{wards_words(draft.wards, language)} ({name})"
            when = window_words(draft.starts_at, draft.ends_at, self._zone, language)
            found[language] = (
                options.notice_template,
                [one_line(where), one_line(f"{when}: {text}")],
            )
        return found

    def digest_date_for(
        self, kind: str, starts_at: datetime, ends_at: datetime, now: datetime
    ) -> date | None:
        """The morning whose digest carries a notice approved `now` (None: it goes at once)."""
        if kind == "disruption":
            return None
        options = self._settings.notices
        local_now = now.astimezone(self._zone)
        day = max(starts_at.astimezone(self._zone).date(), local_now.date())
        while True:
            digest_at = datetime.combine(
                day,
                datetime.min.time().replace(hour=options.digest_hour, minute=options.digest_minute),
                self._zone,
            )
            if digest_at >= ends_at:
                return None  # over before any digest could carry it: at once
            if digest_at > now:
                return day
            day += timedelta(days=1)

    # -- the parts -------------------------------------------------------------------------

    def _cleaned(self, draft: NoticeDraft, department_code: str, *, strict: bool) -> NoticeDraft:
        if draft.kind not in KINDS:
            raise InvalidInput(N_("Choose the kind of notice: {kinds}."), kinds=", ".join(KINDS))
        text_bn, text_en = (
            one_line(nfc_trimmed(draft.text_bn)),
            one_line(nfc_trimmed(draft.text_en)),
        )
        wards = tuple(sorted(set(draft.wards)))
        bad = [w for w in wards if not 1 <= w <= WARD_COUNT]
        if bad:
            raise InvalidInput(
                N_("There is no ward {number}: Kolkata's wards are 1-144."), number=bad[0]
            )
        if draft.ends_at <= draft.starts_at:
            raise InvalidInput(N_("The notice must end after it starts."))
        cleaned = NoticeDraft(
            draft.kind, text_bn, text_en, wards, draft.starts_at, draft.ends_at, draft.also_post
        )
        if not strict:
            return cleaned
        if not text_bn or not text_en:
            raise InvalidInput(
                N_("Write the notice in Bengali and in English: subscribers read one.")
            )
        if not wards:
            raise InvalidInput(N_("Choose the wards the notice is for (e.g. 60-65, 88)."))
        if draft.ends_at <= self._clock():
            raise InvalidInput(
                N_("The notice's window is already over: nobody can act on it. Change the time.")
            )
        for language, (_, parameters) in self.messages_of(department_code, cleaned).items():
            for parameter in parameters:
                if len(parameter) > PARAMETER_CHARS:
                    if language == "bn":
                        message = N_(
                            "The Bengali notice is {over} character(s) too long for the WhatsApp"
                            " template (it takes {limit} with the time): shorten it."
                        )
                    else:
                        message = N_(
                            "The English notice is {over} character(s) too long for the WhatsApp"
                            " template (it takes {limit} with the time): shorten it."
                        )
                    raise InvalidInput(
                        message, over=len(parameter) - PARAMETER_CHARS, limit=PARAMETER_CHARS
                    )
        return cleaned

    def _reviewable(self, actor: Actor, notice_id: int) -> Notice:
        notice = self.get(actor, notice_id)
        if notice.author == actor.username:
            self._audit.record_now(
                actor=actor,
                action=str(Action.REVIEW_UPDATE),
                outcome="denied",
                target_type="notice",
                target_id=str(notice_id),
                detail="own notice",
            )
            raise PermissionDenied(
                N_(
                    "Not allowed: you wrote notice #{number}, and nobody reviews their own."
                    " Ask a colleague in the IT team."
                ),
                number=notice_id,
            )
        if notice.status != "submitted":
            raise InvalidInput(
                N_("Notice #{number} is {status}: only a submitted one is reviewed."),
                number=notice_id,
                status=notice.status,
            )
        return notice

    def _review(self, actor: Actor, notice: Notice, status: str, **fields: str) -> None:
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE notices SET status = ?, reviewed_by = ?, reviewed_at = ?,"
                " review_note = ?, reject_reason = ?, updated_at = ? WHERE id = ?",
                [
                    status,
                    actor.username,
                    now,
                    fields.get("review_note"),
                    fields.get("reject_reason"),
                    now,
                    notice.id,
                ],
            )
            self._record(
                cur,
                actor,
                str(Action.REVIEW_UPDATE),
                notice.id,
                notice.department_code,
                detail=f"{status}: {fields.get('review_note') or fields.get('reject_reason')}",
            )

    def _record(
        self,
        cur: duckdb.DuckDBPyConnection,
        actor: Actor,
        action: str,
        notice_id: int,
        department_code: str,
        detail: str | None = None,
    ) -> None:
        self._audit.record(
            cur,
            actor=actor,
            action=action,
            target_type="notice",
            target_id=str(notice_id),
            department_code=department_code,
            detail=detail,
        )


def _draft_of(notice: Notice) -> NoticeDraft:
    return NoticeDraft(
        notice.kind,
        notice.text_bn,
        notice.text_en,
        notice.wards,
        notice.starts_at,
        notice.ends_at,
        notice.also_post,
    )


def _notice(row: tuple) -> Notice:
    values = list(row)
    values[6] = tuple(values[6] or ())
    return Notice(*values)


__all__ = ["KINDS", "STATUSES", "Notice", "NoticeDraft", "NoticeService"]
