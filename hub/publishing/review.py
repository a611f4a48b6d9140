"""The IT team's review: the queue, edits, approval with a time per platform, sending back,
rejection, and the override of the 24-hour rule for launches.

Status transitions made here:

    submitted ──approve──▶ approved            one `posts` row per platform, 'scheduled'
    submitted ──request_changes──▶ changes_requested   (the officer edits and resubmits)
    submitted ──reject──▶ rejected
    submitted ──edit──▶ submitted              event 'edited', before/after in the audit
    draft ──override_launch_rule──▶ submitted  a late launch, on the officer's behalf

Nobody reviews their own update: an author who has since moved to the IT team is refused
(and the refusal audited) by every reviewing method.

The late-launch override: the officer's `submit` of a late launch raises `LateLaunchNotice`,
keeps the draft and records an event 'late_refused', which puts the launch on
`late_launches`. IT decides there: `override_launch_rule` records the reason, who gave it and
`late_notice = TRUE` (counted as the department's late notice), and, when the refused draft
is otherwise complete, submits it on the officer's behalf into the review queue. An override
may also be given in advance, to a launch not yet submitted (an officer who phoned): then
nothing is submitted, and the officer's own submit no longer checks the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from hub.audit import AuditLog
from hub.clock import as_utc, utc_now
from hub.config import Settings
from hub.errors import InvalidInput, PermissionDenied
from hub.i18n import N_, Joined, Message, Moment, Verbatim, bullets
from hub.permissions import Action, Actor
from hub.platforms.base import Platform
from hub.publishing.compose import (
    DraftFields,
    PlatformPreview,
    compose_post_text,
    preview,
    x_overshoot_message,
)
from hub.publishing.models import REJECT_REASONS, Update, UpdateKind, UpdateStatus
from hub.publishing.updates import (
    LATE_REFUSED_EVENT,
    awaits_launch_override,
    checked_fields,
    mark_submitted,
    read_update,
    read_updates,
    record_update_event,
    submission_problems,
)
from hub.store import Store
from hub.text import nfc_trimmed

# A time this little in the past means "publish now" (the reviewer took a moment to click).
PUBLISH_NOW_GRACE = timedelta(minutes=1)
# Facebook's native scheduling: at least 10 minutes ahead; 30 days is the safe upper bound.
NATIVE_SCHEDULING_MIN_LEAD = timedelta(minutes=10)
NATIVE_SCHEDULING_MAX_LEAD = timedelta(days=30)
# The fields a reviewer may edit before approving.
REVIEWER_EDITABLE_FIELDS = ("title", "text_bn", "text_en", "x_text", "event_place")
OVERRIDABLE = (UpdateStatus.DRAFT, UpdateStatus.SUBMITTED, UpdateStatus.CHANGES_REQUESTED)


@dataclass(frozen=True)
class QueueItem:
    """An update waiting for IT, with its post per platform and what still blocks approval."""

    update: Update
    previews: tuple[PlatformPreview, ...]
    # Empty when it can be approved as it is.
    problems: tuple[Message, ...]


@dataclass(frozen=True)
class OverrideOutcome:
    """What an override of the 24-hour rule did."""

    update: Update
    # True when the refused draft went into the review queue on the officer's behalf.
    submitted_for_officer: bool
    # Why it could not be submitted on the officer's behalf (the officer must finish it).
    still_missing: tuple[str, ...]


class ReviewService:
    """The IT team reviews, edits, approves, sends back or rejects officers' updates."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._settings = settings
        self._clock = clock

    # -- reading --------------------------------------------------------------------------

    def queue(self, actor: Actor) -> list[QueueItem]:
        """Submitted updates, the longest waiting first, with previews per platform."""
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        with self._store.cursor() as cur:
            updates = read_updates(
                cur, "status = 'submitted'", [], order="submitted_at, id", limit=1000
            )
        return [self._item(update) for update in updates]

    def late_launches(self, actor: Actor) -> list[QueueItem]:
        """Launches refused as late and still waiting for an override decision, oldest first."""
        self._audit.authorize(actor, Action.OVERRIDE_LAUNCH_RULE)
        with self._store.cursor() as cur:
            updates = read_updates(
                cur,
                "status = 'draft' AND kind = 'launch' AND override_reason IS NULL AND EXISTS ("
                " SELECT 1 FROM update_events e WHERE e.update_id = updates.id AND e.event = ?)",
                [LATE_REFUSED_EVENT],
                order="event_at, id",
            )
        return [self._item(u) for u in updates if awaits_launch_override(u)]

    def _item(self, update: Update) -> QueueItem:
        zone = self._settings.display_zone
        problems = submission_problems(update, self._clock(), self._settings, for_approval=True)
        return QueueItem(update, tuple(preview(update, zone=zone)), tuple(problems))

    # -- deciding -------------------------------------------------------------------------

    def edit(self, actor: Actor, update_id: int, fields: Mapping[str, str | None]) -> Update:
        """Change the texts of a submitted update before approving it (recorded as 'edited')."""
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        unknown = sorted(set(fields) - set(REVIEWER_EDITABLE_FIELDS))
        if unknown:
            raise InvalidInput(
                N_(
                    "A reviewer can edit {editable}; not "
                    "{fields}. Request changes from the officer for anything else."
                ),
                editable=", ".join(REVIEWER_EDITABLE_FIELDS),
                fields=", ".join(unknown),
            )
        self._refuse_own(actor, update_id, Action.REVIEW_UPDATE)
        now = self._clock()
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_submitted(update, "edited")
            old = DraftFields.of(update)
            new = checked_fields(
                replace(old, **{name: value or "" for name, value in fields.items()})
            )
            changed = {
                name: (getattr(old, name), getattr(new, name))
                for name in REVIEWER_EDITABLE_FIELDS
                if getattr(old, name) != getattr(new, name)
            }
            if not changed:
                return update
            cur.execute(
                "UPDATE updates SET title = ?, text_bn = ?, text_en = ?, x_text = ?,"
                " event_place = ?, updated_at = ? WHERE id = ? AND status = 'submitted'",
                [new.title, new.text_bn, new.text_en, new.x_text, new.event_place, now, update_id],
            )
            record_update_event(
                cur,
                update_id,
                actor=actor.username,
                event="edited",
                at=now,
                note=Message(
                    N_("changed: {fields}"),
                    fields=Joined(Message(_FIELD_LABELS[name]) for name in changed),
                ),
            )
            self._audit.record(
                cur,
                actor=actor,
                action="edit_update",
                target_type="update",
                target_id=str(update_id),
                department_code=update.department_code,
                before={name: pair[0] for name, pair in changed.items()},
                after={name: pair[1] for name, pair in changed.items()},
            )
            return read_update(cur, update_id)

    def approve(
        self,
        actor: Actor,
        update_id: int,
        schedule: Mapping[Platform, datetime],
        native_scheduling: bool = False,
    ) -> Update:
        """Approve a submitted update: one post per platform, scheduled at the given times.

        Times are aware datetimes (stored in UTC). A time up to a minute in the past means
        "publish now"; earlier is refused. `native_scheduling` lets Facebook hold the post
        itself (the time must be 10 minutes to 30 days ahead).
        """
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        self._refuse_own(actor, update_id, Action.REVIEW_UPDATE)
        now = self._clock()
        zone = self._settings.display_zone
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_submitted(update, "approved")
            problems = submission_problems(update, now, self._settings, for_approval=True)
            if problems:
                raise InvalidInput(
                    N_("Cannot approve yet; edit the update or request changes:\n{problems}"),
                    problems=bullets(problems),
                )
            times = self._checked_schedule(update, schedule, native_scheduling, now)
            for platform, at in times.items():
                cur.execute(
                    "INSERT INTO posts (update_id, platform, text, scheduled_at,"
                    " native_scheduling, status, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, 'scheduled', ?, ?)",
                    [
                        update_id,
                        str(platform),
                        compose_post_text(update, platform, zone),
                        at,
                        native_scheduling and platform is Platform.FACEBOOK,
                        now,
                        now,
                    ],
                )
            self._set_reviewed(cur, update, actor, now, UpdateStatus.APPROVED)
            plan = Joined(
                (
                    Message(
                        N_("{platform} at {time}"),
                        platform=Verbatim(p.value),
                        time=Moment(at, zone),
                    )
                    for p, at in times.items()
                ),
                "; ",
            )
            record_update_event(
                cur, update_id, actor=actor.username, event="approved", at=now, note=plan
            )
            self._audit.record(
                cur,
                actor=actor,
                action="approve_update",
                target_type="update",
                target_id=str(update_id),
                department_code=update.department_code,
                before={"status": str(update.status)},
                after={
                    "status": "approved",
                    "schedule": {str(p): at.isoformat() for p, at in times.items()},
                    "native_scheduling": native_scheduling,
                },
            )
            return read_update(cur, update_id)

    def request_changes(self, actor: Actor, update_id: int, note: str) -> Update:
        """Send a submitted update back to its officer with a note saying what to change."""
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        note = nfc_trimmed(note or "")
        if not note:
            raise InvalidInput(N_("Write a note telling the officer what to change."))
        self._refuse_own(actor, update_id, Action.REVIEW_UPDATE)
        now = self._clock()
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_submitted(update, "sent back")
            self._set_reviewed(cur, update, actor, now, UpdateStatus.CHANGES_REQUESTED, note=note)
            record_update_event(
                cur, update_id, actor=actor.username, event="changes_requested", at=now, note=note
            )
            self._audit.record(
                cur,
                actor=actor,
                action="request_update_changes",
                target_type="update",
                target_id=str(update_id),
                department_code=update.department_code,
                before={"status": str(update.status)},
                after={"status": "changes_requested"},
                detail=note,
            )
            return read_update(cur, update_id)

    def reject(self, actor: Actor, update_id: int, reason_code: str, note: str) -> Update:
        """Refuse a submitted update for one of `REJECT_REASONS`, with a note to the officer."""
        self._audit.authorize(actor, Action.REVIEW_UPDATE)
        if reason_code not in REJECT_REASONS:
            choices = ", ".join(f"{code} ({label})" for code, label in REJECT_REASONS.items())
            raise InvalidInput(
                N_("Choose the reason for rejecting: one of {choices}."), choices=choices
            )
        note = nfc_trimmed(note or "")
        if not note:
            raise InvalidInput(N_("Write a note telling the officer why the update is rejected."))
        self._refuse_own(actor, update_id, Action.REVIEW_UPDATE)
        now = self._clock()
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            _require_submitted(update, "rejected")
            self._set_reviewed(
                cur, update, actor, now, UpdateStatus.REJECTED, note=note, reject_reason=reason_code
            )
            record_update_event(
                cur,
                update_id,
                actor=actor.username,
                event="rejected",
                at=now,
                note=note,
                reason_code=reason_code,
            )
            self._audit.record(
                cur,
                actor=actor,
                action="reject_update",
                target_type="update",
                target_id=str(update_id),
                department_code=update.department_code,
                before={"status": str(update.status)},
                after={"status": "rejected", "reason": reason_code},
                detail=note,
            )
            return read_update(cur, update_id)

    def override_launch_rule(self, actor: Actor, update_id: int, reason: str) -> OverrideOutcome:
        """Let a launch through although it was notified less than 24 hours ahead.

        The reason is required and recorded; the launch counts as a late notice of its
        department. A draft refused as late is submitted on the officer's behalf when it is
        otherwise complete; otherwise `still_missing` says what the officer must finish.
        """
        self._audit.authorize(actor, Action.OVERRIDE_LAUNCH_RULE)
        reason = nfc_trimmed(reason or "")
        if not reason:
            raise InvalidInput(
                N_(
                    "Give the reason for letting this launch through late; it is recorded and "
                    "shown with the department's late notices."
                )
            )
        self._refuse_own(actor, update_id, Action.OVERRIDE_LAUNCH_RULE)
        now = self._clock()
        with self._store.transaction() as cur:
            update = read_update(cur, update_id)
            if update.kind is not UpdateKind.LAUNCH:
                raise InvalidInput(
                    N_(
                        "Update {number} is a work update: the 24-hour rule applies to "
                        "launches only."
                    ),
                    number=update_id,
                )
            if update.override_reason is not None:
                raise InvalidInput(
                    N_("The 24-hour rule was already overridden for update {number}: {reason}"),
                    number=update_id,
                    reason=update.override_reason,
                )
            if update.status not in OVERRIDABLE:
                raise InvalidInput(
                    N_("Update {number} is {status}: there is nothing left to override."),
                    number=update_id,
                    status=update.status.value.replace("_", " "),
                )
            was_refused = awaits_launch_override(update)
            changed = cur.execute(
                "UPDATE updates SET late_notice = TRUE, override_reason = ?, override_by = ?,"
                " updated_at = ? WHERE id = ? AND override_reason IS NULL RETURNING id",
                [reason, actor.username, now, update_id],
            ).fetchone()
            if changed is None:
                raise InvalidInput(
                    N_("Update {number} was changed meanwhile: reload the page."),
                    number=update_id,
                )
            record_update_event(
                cur,
                update_id,
                actor=actor.username,
                event="launch_rule_overridden",
                at=now,
                note=reason,
            )
            self._audit.record(
                cur,
                actor=actor,
                action="override_launch_rule",
                target_type="update",
                target_id=str(update_id),
                department_code=update.department_code,
                before={"late_notice": update.late_notice},
                after={"late_notice": True, "override_reason": reason},
                detail=reason,
            )
            still_missing: list[str] = []
            if was_refused:
                overridden = read_update(cur, update_id)
                still_missing = submission_problems(overridden, now, self._settings)
                if not still_missing:
                    mark_submitted(
                        cur,
                        self._audit,
                        overridden,
                        actor,
                        now,
                        note=f"submitted by {actor.username} for the officer after the override",
                    )
            return OverrideOutcome(
                read_update(cur, update_id),
                submitted_for_officer=was_refused and not still_missing,
                still_missing=tuple(still_missing),
            )

    # -- helpers --------------------------------------------------------------------------

    def _refuse_own(self, actor: Actor, update_id: int, action: Action) -> None:
        """Nobody reviews their own update: refuse, and audit the refusal."""
        with self._store.cursor() as cur:
            update = read_update(cur, update_id)
        if update.author != actor.username:
            return
        self._audit.record_now(
            actor=actor,
            action=str(action),
            outcome="denied",
            target_type="update",
            target_id=str(update_id),
            department_code=update.department_code,
            detail="own update",
        )
        raise PermissionDenied(
            N_(
                "Not allowed: you wrote update {number}, and nobody reviews their own update. "
                "Ask a colleague in the IT team to review it."
            ),
            number=update_id,
        )

    def _set_reviewed(
        self,
        cur: duckdb.DuckDBPyConnection,
        update: Update,
        actor: Actor,
        now: datetime,
        status: UpdateStatus,
        *,
        note: str | None = None,
        reject_reason: str | None = None,
    ) -> None:
        """Move `update` to `status`, only if it is still submitted (else nothing changes)."""
        assignments: dict[str, object] = {
            "status": str(status),
            "reviewed_by": actor.username,
            "reviewed_at": now,
            "updated_at": now,
        }
        if status is UpdateStatus.APPROVED:
            assignments["approved_at"] = now
        if note is not None:
            assignments["review_note"] = note
        if reject_reason is not None:
            assignments["reject_reason"] = reject_reason
        # Column names come from this method only, never from input.
        set_clause = ", ".join(f"{column} = ?" for column in assignments)
        changed = cur.execute(
            f"UPDATE updates SET {set_clause} WHERE id = ? AND status = 'submitted' RETURNING id",
            [*assignments.values(), update.id],
        ).fetchone()
        if changed is None:
            raise InvalidInput(
                N_("Update {number} was changed meanwhile: reload the page."),
                number=update.id,
            )

    def _checked_schedule(
        self,
        update: Update,
        schedule: Mapping[Platform, datetime],
        native_scheduling: bool,
        now: datetime,
    ) -> dict[Platform, datetime]:
        zone = self._settings.display_zone
        given = {Platform(p): at for p, at in schedule.items()}
        problems = []
        extra = [p.value for p in given if p not in update.platforms]
        if extra:
            problems.append(
                Message(
                    N_("The update is not for {extra}: the officer chose {chosen}."),
                    extra=", ".join(extra),
                    chosen=", ".join(p.value for p in update.platforms),
                )
            )
        times: dict[Platform, datetime] = {}
        for platform in update.platforms:
            at = given.get(platform)
            if at is None:
                problems.append(
                    Message(
                        N_("Choose the date and time for {platform_name}."),
                        platform_name=_platform_label(platform),
                    )
                )
                continue
            if at.tzinfo is None:
                problems.append(
                    Message(
                        N_(
                            "The time for {platform_name} has no time zone: give it in"
                            " Asia/Kolkata time."
                        ),
                        platform_name=_platform_label(platform),
                    )
                )
                continue
            at = as_utc(at)
            if at < now - PUBLISH_NOW_GRACE:
                problems.append(
                    Message(
                        N_(
                            "The time for {platform_name}, {when}, has passed: choose a time"
                            " from now on (the current minute publishes at once)."
                        ),
                        platform_name=_platform_label(platform),
                        when=Moment(at, zone),
                    )
                )
                continue
            times[platform] = max(at, now)
        if native_scheduling:
            facebook_at = times.get(Platform.FACEBOOK)
            if Platform.FACEBOOK not in update.platforms:
                problems.append(
                    Message(
                        N_(
                            "Facebook's own scheduling was chosen, but the update is not for"
                            " Facebook."
                        )
                    )
                )
            elif facebook_at is not None and not (
                NATIVE_SCHEDULING_MIN_LEAD <= facebook_at - now <= NATIVE_SCHEDULING_MAX_LEAD
            ):
                problems.append(
                    Message(
                        N_(
                            "Facebook's own scheduling needs a time between 10 minutes and 30"
                            " days ahead; {when} is not. Choose another time, or leave"
                            " Facebook's scheduling off and the hub publishes it at that time."
                        ),
                        when=Moment(facebook_at, zone),
                    )
                )
        if problems:
            raise InvalidInput(
                N_("Not approved; fix the schedule:\n{problems}"), problems=bullets(problems)
            )
        return times


_FIELD_LABELS = {
    "title": N_("title"),
    "text_bn": N_("Bengali text"),
    "text_en": N_("English text"),
    "x_text": N_("X text"),
    "event_place": N_("event place"),
}


def _platform_label(platform: Platform) -> str:
    return "Facebook" if platform is Platform.FACEBOOK else "X"


# What `_require_submitted` refuses, by what was tried: one whole sentence each to translate.
_NOT_SUBMITTED = {
    "edited": N_(
        "Update {number} is {status}, not waiting for "
        "review: only a submitted update can be edited."
    ),
    "approved": N_(
        "Update {number} is {status}, not waiting for "
        "review: only a submitted update can be approved."
    ),
    "sent back": N_(
        "Update {number} is {status}, not waiting for "
        "review: only a submitted update can be sent back."
    ),
    "rejected": N_(
        "Update {number} is {status}, not waiting for "
        "review: only a submitted update can be rejected."
    ),
}


def _require_submitted(update: Update, what: str) -> None:
    if update.status is not UpdateStatus.SUBMITTED:
        raise InvalidInput(
            _NOT_SUBMITTED[what],
            number=update.id,
            status=update.status.value.replace("_", " "),
        )


def record_notice_post(
    cur: duckdb.DuckDBPyConnection,
    audit: AuditLog,
    *,
    notice_id: int,
    department_code: str,
    author: str,
    reviewer: Actor,
    title: str,
    text_bn: str,
    text_en: str,
    at: datetime,
    now: datetime,
    zone: ZoneInfo,
) -> int:
    """A reviewed notice's Facebook and X posts, through the publishing path, in the
    notice's approval transaction: an approved update by the notice's officer (no photo: a
    notice is its words), one post per platform at `at`, sent by the publisher like any
    other. The X post is the English text alone when both do not fit; returns the update's
    id. Raises `InvalidInput` when even that is over X's limit."""
    fields = DraftFields(title=title, text_bn=text_bn, text_en=text_en).normalised()
    x_text = None
    if x_overshoot_message(compose_post_text(fields, Platform.X), separate=False):
        x_text = f"{fields.title}\n\n{fields.text_en}"
        too_long = x_overshoot_message(x_text, separate=True)
        if too_long:
            raise InvalidInput(
                N_(
                    "Notice #{number} is also to be posted on X, and even in English alone it"
                    " does not fit ({problem}) Request changes for a shorter text."
                ),
                number=notice_id,
                problem=too_long,
            )
    fields = replace(fields, x_text=x_text)
    platforms = [Platform.FACEBOOK, Platform.X]
    (update_id,) = cur.execute(
        "INSERT INTO updates (department_code, author, kind, title, text_bn, text_en, x_text,"
        " platforms, status, submissions, first_submitted_at, submitted_at, reviewed_by,"
        " reviewed_at, approved_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'approved', 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            department_code,
            author,
            str(UpdateKind.WORK_UPDATE),
            fields.title,
            fields.text_bn,
            fields.text_en,
            x_text,
            [str(p) for p in platforms],
            now,
            now,
            reviewer.username,
            now,
            now,
            now,
            now,
        ],
    ).fetchone()
    for platform in platforms:
        cur.execute(
            "INSERT INTO posts (update_id, platform, text, scheduled_at, status, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, 'scheduled', ?, ?)",
            [update_id, str(platform), compose_post_text(fields, platform), at, now, now],
        )
    record_update_event(
        cur,
        update_id,
        actor=reviewer.username,
        event="approved",
        at=now,
        note=Message(
            N_("notice #{number}, also posted; {time}"), number=notice_id, time=Moment(at, zone)
        ),
    )
    audit.record(
        cur,
        actor=reviewer,
        action="approve_update",
        target_type="update",
        target_id=str(update_id),
        department_code=department_code,
        after={"status": "approved", "from_notice": notice_id, "at": at.isoformat()},
    )
    return int(update_id)


__all__ = ["OverrideOutcome", "QueueItem", "ReviewService", "record_notice_post"]
