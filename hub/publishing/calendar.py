"""The IT team's calendar of posts: what goes out when, what needs a person, and changes to it.

Post transitions made here (the publisher makes the others, see migration 002):

    scheduled | retry_wait | missed | needs_attention ──reschedule──▶ scheduled
    scheduled | retry_wait | missed | needs_attention ──cancel──▶ cancelled

`publishing`, `unconfirmed`, `published` and `cancelled` posts are never changed here: the
publisher may be calling the platform at this moment, or the post may already be live. Every
change is a conditional UPDATE (``WHERE id = ? AND status IN (...) RETURNING id``), so a
post the publisher claimed in between is refused, never overwritten.

A rescheduled post starts afresh: its attempt counter goes back to 0 so the publisher's
retry limit counts from the person's decision. A post whose earlier attempt had an unknown
outcome may already be live; rescheduling it needs `confirm_not_live=True`, given once the
person has looked at the account. When every post of an update is cancelled, the update
itself becomes 'cancelled'.

Calendar periods are weeks (Monday to Sunday) and months in the display zone, turned into UTC
bounds for the query; a post sits on the calendar at the moment it went live, else at its
scheduled time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from hub.audit import AuditLog
from hub.clock import as_utc, utc_now
from hub.config import Settings
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_, Message, Moment, Verbatim
from hub.permissions import Action, Actor
from hub.platforms.base import Platform
from hub.publishing.models import Post, PostStatus, UpdateKind
from hub.publishing.review import (
    NATIVE_SCHEDULING_MAX_LEAD,
    NATIVE_SCHEDULING_MIN_LEAD,
    PUBLISH_NOW_GRACE,
)
from hub.publishing.updates import POST_COLUMNS, post_from_row, record_update_event
from hub.store import Store
from hub.text import nfc_trimmed

CHANGEABLE = (
    PostStatus.SCHEDULED,
    PostStatus.RETRY_WAIT,
    PostStatus.MISSED,
    PostStatus.NEEDS_ATTENTION,
)
NEEDS_A_PERSON = (PostStatus.MISSED, PostStatus.NEEDS_ATTENTION, PostStatus.UNCONFIRMED)

_CHANGEABLE_SQL = ", ".join(f"'{status.value}'" for status in CHANGEABLE)
_ENTRY_COLUMNS = (
    ", ".join(f"p.{column.strip()}" for column in POST_COLUMNS.split(","))
    + ", u.title, u.department_code, u.kind, p.unknown_outcomes"
)


@dataclass(frozen=True)
class CalendarEntry:
    """A post with what the calendar shows beside it."""

    post: Post
    title: str
    department_code: str
    kind: UpdateKind
    # An earlier attempt was sent without an answer: the post may already be live.
    outcome_unknown: bool

    @property
    def at(self) -> datetime:
        """Where the post sits on the calendar: when it went live, else when it is due."""
        return self.post.published_at or self.post.scheduled_at


def week_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The week (Monday 00:00 to the next Monday 00:00, in `zone`) holding `day`, in UTC."""
    monday = day - timedelta(days=day.weekday())
    return _local_midnight(monday, zone), _local_midnight(monday + timedelta(days=7), zone)


def month_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar month (in `zone`) holding `day`, as UTC bounds [start, end)."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return _local_midnight(first, zone), _local_midnight(following, zone)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return as_utc(datetime.combine(day, time(0, 0), tzinfo=zone))


class ScheduleService:
    """The calendar of posts, the posts that need a person, and rescheduling or cancelling."""

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

    def calendar(
        self,
        actor: Actor,
        start: datetime,
        end: datetime,
        platform: Platform | None = None,
        department: str | None = None,
    ) -> list[CalendarEntry]:
        """Posts that went live or are due in [start, end), in time order, optionally filtered."""
        self._audit.authorize(actor, Action.MANAGE_SCHEDULE)
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidInput(N_("Give the calendar's period with its time zone."))
        if end <= start:
            raise InvalidInput(N_("The calendar's period ends before it starts."))
        where = ["coalesce(p.published_at, p.scheduled_at) >= ?"]
        where.append("coalesce(p.published_at, p.scheduled_at) < ?")
        params: list = [as_utc(start), as_utc(end)]
        if platform is not None:
            where.append("p.platform = ?")
            params.append(str(Platform(platform)))
        if department:
            where.append("u.department_code = ?")
            params.append(department)
        return self._entries(
            cur_where=" AND ".join(where),
            params=params,
            order="coalesce(p.published_at, p.scheduled_at), p.id",
        )

    def attention(self, actor: Actor) -> list[CalendarEntry]:
        """Posts a person must look at: missed, needing attention, or sent without an answer.

        Unconfirmed posts are shown so IT knows of them; the publisher reconciles them, and
        they cannot be changed here.
        """
        self._audit.authorize(actor, Action.MANAGE_SCHEDULE)
        marks = ", ".join("?" for _ in NEEDS_A_PERSON)
        return self._entries(
            cur_where=f"p.status IN ({marks})",
            params=[str(s) for s in NEEDS_A_PERSON],
            order="p.scheduled_at, p.id",
        )

    def entry(self, actor: Actor, post_id: int) -> CalendarEntry:
        """One post as the calendar shows it."""
        self._audit.authorize(actor, Action.MANAGE_SCHEDULE)
        with self._store.cursor() as cur:
            return _read_entry(cur, post_id)

    def _entries(self, *, cur_where: str, params: list, order: str) -> list[CalendarEntry]:
        with self._store.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM posts p JOIN updates u ON u.id = p.update_id"
                f" WHERE {cur_where} ORDER BY {order} LIMIT 2000",
                params,
            ).fetchall()
        return [_entry(row) for row in rows]

    # -- changing -------------------------------------------------------------------------

    def reschedule(
        self,
        actor: Actor,
        post_id: int,
        new_time: datetime,
        *,
        native_scheduling: bool | None = None,
        confirm_not_live: bool = False,
    ) -> CalendarEntry:
        """Give a post a new time; it goes back to 'scheduled' (see the module docstring).

        `native_scheduling` None keeps the post's choice. A time up to a minute in the past
        means "publish now".
        """
        self._audit.authorize(actor, Action.MANAGE_SCHEDULE)
        if new_time.tzinfo is None:
            raise InvalidInput(N_("The new time has no time zone: give it in Asia/Kolkata time."))
        now = self._clock()
        zone = self._settings.display_zone
        at = as_utc(new_time)
        if at < now - PUBLISH_NOW_GRACE:
            raise InvalidInput(
                N_(
                    "{time} has passed: choose a time from now on "
                    "(the current minute publishes at once)."
                ),
                time=Moment(at, zone),
            )
        at = max(at, now)
        with self._store.transaction() as cur:
            before = _read_entry(cur, post_id)
            _require_changeable(before, "rescheduled")
            if before.outcome_unknown and not confirm_not_live:
                raise InvalidInput(
                    N_(
                        "Post {number} may already be live on {platform}: an "
                        "earlier attempt was sent and no answer came. Look at the account "
                        "first; if the post is not there, reschedule it again and confirm that "
                        "you checked."
                    ),
                    number=post_id,
                    platform=_label(before.post.platform),
                )
            native = (
                before.post.native_scheduling if native_scheduling is None else native_scheduling
            )
            native = native and before.post.platform is Platform.FACEBOOK
            if native and not (
                NATIVE_SCHEDULING_MIN_LEAD <= at - now <= NATIVE_SCHEDULING_MAX_LEAD
            ):
                raise InvalidInput(
                    N_(
                        "Facebook's own scheduling needs a time between 10 minutes and 30 days "
                        "ahead; {time} is not. Choose another time, or turn "
                        "Facebook's scheduling off for this post."
                    ),
                    time=Moment(at, zone),
                )
            changed = cur.execute(
                "UPDATE posts SET status = 'scheduled', scheduled_at = ?, native_scheduling = ?,"
                " attempts = 0, next_attempt_at = NULL, attention_reason = NULL,"
                " claimed_by = NULL, claimed_at = NULL, updated_at = ?"
                f" WHERE id = ? AND status IN ({_CHANGEABLE_SQL}) RETURNING id",
                [at, native, now, post_id],
            ).fetchone()
            if changed is None:
                _require_changeable(_read_entry(cur, post_id), "rescheduled")
                raise InvalidInput(
                    N_("Post {number} changed meanwhile: reload the page."), number=post_id
                )
            platform = before.post.platform.value
            record_update_event(
                cur,
                before.post.update_id,
                actor=actor.username,
                event="rescheduled",
                at=now,
                note=Message(
                    N_("{platform}: from {before} to {after}"),
                    platform=Verbatim(platform),
                    before=Moment(before.post.scheduled_at, zone),
                    after=Moment(at, zone),
                ),
            )
            self._audit.record(
                cur,
                actor=actor,
                action="reschedule_post",
                target_type="post",
                target_id=str(post_id),
                department_code=before.department_code,
                before={
                    "status": str(before.post.status),
                    "scheduled_at": before.post.scheduled_at.isoformat(),
                    "native_scheduling": before.post.native_scheduling,
                },
                after={
                    "status": "scheduled",
                    "scheduled_at": at.isoformat(),
                    "native_scheduling": native,
                },
            )
            return _read_entry(cur, post_id)

    def cancel(self, actor: Actor, post_id: int, note: str) -> CalendarEntry:
        """Withdraw a post that has not gone out; the note says why (the officer sees it)."""
        self._audit.authorize(actor, Action.MANAGE_SCHEDULE)
        note = nfc_trimmed(note or "")
        if not note:
            raise InvalidInput(N_("Say why the post is cancelled; the officer sees the note."))
        now = self._clock()
        with self._store.transaction() as cur:
            before = _read_entry(cur, post_id)
            _require_changeable(before, "cancelled")
            changed = cur.execute(
                "UPDATE posts SET status = 'cancelled', next_attempt_at = NULL, updated_at = ?"
                f" WHERE id = ? AND status IN ({_CHANGEABLE_SQL}) RETURNING id",
                [now, post_id],
            ).fetchone()
            if changed is None:
                _require_changeable(_read_entry(cur, post_id), "cancelled")
                raise InvalidInput(
                    N_("Post {number} changed meanwhile: reload the page."), number=post_id
                )
            update_id = before.post.update_id
            record_update_event(
                cur,
                update_id,
                actor=actor.username,
                event="post_cancelled",
                at=now,
                note=f"{before.post.platform.value}: {note}",
            )
            self._audit.record(
                cur,
                actor=actor,
                action="cancel_post",
                target_type="post",
                target_id=str(post_id),
                department_code=before.department_code,
                before={"status": str(before.post.status)},
                after={"status": "cancelled"},
                detail=note,
            )
            self._cancel_update_if_nothing_left(cur, update_id, actor, now)
            return _read_entry(cur, post_id)

    def _cancel_update_if_nothing_left(
        self, cur: duckdb.DuckDBPyConnection, update_id: int, actor: Actor, now: datetime
    ) -> None:
        """An approved update whose every post is cancelled is itself cancelled."""
        changed = cur.execute(
            "UPDATE updates SET status = 'cancelled', updated_at = ?"
            " WHERE id = ? AND status = 'approved' AND NOT EXISTS ("
            "   SELECT 1 FROM posts WHERE update_id = ? AND status <> 'cancelled')"
            " RETURNING department_code",
            [now, update_id, update_id],
        ).fetchone()
        if changed is None:
            return
        record_update_event(
            cur,
            update_id,
            actor=actor.username,
            event="cancelled",
            at=now,
            note=Message(N_("every post of the update was cancelled")),
        )
        self._audit.record(
            cur,
            actor=actor,
            action="cancel_update",
            target_type="update",
            target_id=str(update_id),
            department_code=changed[0],
            before={"status": "approved"},
            after={"status": "cancelled"},
        )


def _entry(row: tuple) -> CalendarEntry:
    columns = len(POST_COLUMNS.split(","))
    return CalendarEntry(
        post=post_from_row(row[:columns]),
        title=row[columns],
        department_code=row[columns + 1],
        kind=UpdateKind(row[columns + 2]),
        outcome_unknown=row[columns + 3] > 0,
    )


def _read_entry(cur: duckdb.DuckDBPyConnection, post_id: int) -> CalendarEntry:
    row = cur.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM posts p JOIN updates u ON u.id = p.update_id WHERE p.id = ?",
        [post_id],
    ).fetchone()
    if row is None:
        raise NotFound(N_("There is no post number {number}."), number=post_id)
    return _entry(row)


def _label(platform: Platform) -> str:
    return "Facebook" if platform is Platform.FACEBOOK else "X"


# Why a post cannot be rescheduled or cancelled, by what was tried and the post's status:
# one whole sentence each to translate.
_WHY_UNCHANGEABLE = {
    "rescheduled": {
        PostStatus.PUBLISHING: N_(
            "Post {number} ({platform}) is being published right now: wait a minute and "
            "look again; once it is live it can no longer be rescheduled."
        ),
        PostStatus.UNCONFIRMED: N_(
            "Post {number} ({platform}) was sent and the platform did not answer: the hub is "
            "checking whether it went live. Wait for that check (see the attention list) "
            "before it can be rescheduled."
        ),
        PostStatus.PUBLISHED: N_(
            "Post {number} ({platform}) is already live: it can no longer be rescheduled "
            "here; remove it on the platform itself if it must go."
        ),
        PostStatus.CANCELLED: N_(
            "Post {number} ({platform}) was cancelled: it cannot be rescheduled. For the "
            "update to go out after all, the officer writes it again as a new update."
        ),
    },
    "cancelled": {
        PostStatus.PUBLISHING: N_(
            "Post {number} ({platform}) is being published right now: wait a minute and "
            "look again; once it is live it can no longer be cancelled."
        ),
        PostStatus.UNCONFIRMED: N_(
            "Post {number} ({platform}) was sent and the platform did not answer: the hub is "
            "checking whether it went live. Wait for that check (see the attention list) "
            "before it can be cancelled."
        ),
        PostStatus.PUBLISHED: N_(
            "Post {number} ({platform}) is already live: it can no longer be cancelled "
            "here; remove it on the platform itself if it must go."
        ),
        PostStatus.CANCELLED: N_(
            "Post {number} ({platform}) was cancelled: it cannot be cancelled. For the "
            "update to go out after all, the officer writes it again as a new update."
        ),
    },
}


def _require_changeable(entry: CalendarEntry, what: str) -> None:
    status = entry.post.status
    if status in CHANGEABLE:
        return
    raise InvalidInput(
        _WHY_UNCHANGEABLE[what][status],
        number=entry.post.id,
        platform=_label(entry.post.platform),
    )


__all__ = [
    "CHANGEABLE",
    "NEEDS_A_PERSON",
    "CalendarEntry",
    "ScheduleService",
    "month_bounds",
    "week_bounds",
]
