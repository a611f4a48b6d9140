"""The calendar of posts on a real DuckDB file: week and month bounds in Asia/Kolkata, the
attention list, rescheduling and cancelling by status, and safety against the publisher."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from test_updates import KOLKATA, submitted

from hub.clock import utc_now
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.platforms.base import Platform
from hub.publishing.calendar import month_bounds, week_bounds
from hub.publishing.models import PostStatus, UpdateStatus


def approved_posts(hub, actors, at: datetime, *, officer: str = "officer.water", **overrides):
    """An approved update's posts by platform, both due at `at`."""
    update = submitted(hub, actors[officer], **overrides)
    schedule = {platform: at for platform in update.platforms}
    approved = hub.review.approve(actors["it.team"], update.id, schedule)
    return {post.platform: post for post in approved.posts}


def set_status(hub, post_id: int, status: str, **columns) -> None:
    """Change a post behind the services' back, as the publisher would."""
    assignments = ", ".join(f"{name} = ?" for name in ["status", *columns])
    with hub.store.transaction() as cur:
        cur.execute(
            f"UPDATE posts SET {assignments} WHERE id = ?", [status, *columns.values(), post_id]
        )


def post_row(hub, post_id: int) -> tuple:
    with hub.store.cursor() as cur:
        return cur.execute("SELECT * FROM posts WHERE id = ?", [post_id]).fetchone()


# -- periods ------------------------------------------------------------------------------


def test_a_week_runs_monday_to_monday_midnight_in_kolkata():
    start, end = week_bounds(date(2026, 11, 25), KOLKATA)  # a Wednesday
    assert start == datetime(2026, 11, 22, 18, 30, tzinfo=UTC)  # Mon 23 Nov 00:00 IST
    assert end == datetime(2026, 11, 29, 18, 30, tzinfo=UTC)
    assert week_bounds(date(2026, 11, 23), KOLKATA) == (start, end)
    assert week_bounds(date(2026, 11, 29), KOLKATA) == (start, end)


def test_a_month_runs_from_the_first_to_the_first_in_kolkata():
    assert month_bounds(date(2026, 11, 15), KOLKATA) == (
        datetime(2026, 10, 31, 18, 30, tzinfo=UTC),
        datetime(2026, 11, 30, 18, 30, tzinfo=UTC),
    )
    assert month_bounds(date(2026, 12, 31), KOLKATA) == (
        datetime(2026, 11, 30, 18, 30, tzinfo=UTC),
        datetime(2026, 12, 31, 18, 30, tzinfo=UTC),
    )


def test_the_calendar_holds_posts_inside_the_local_week_and_not_outside(hub, actors):
    it = actors["it.team"]
    day = (utc_now() + timedelta(days=14)).astimezone(KOLKATA).date()
    start, end = week_bounds(day, KOLKATA)
    first_minute = approved_posts(hub, actors, start, title="Monday 00:00 IST")
    last_minute = approved_posts(hub, actors, end - timedelta(minutes=1), title="Sunday 23:59")
    approved_posts(hub, actors, end, title="Next Monday 00:00")
    approved_posts(hub, actors, start - timedelta(minutes=1), title="Previous Sunday 23:59")

    entries = hub.schedule.calendar(it, start, end)
    assert [e.title for e in entries] == [
        "Monday 00:00 IST",
        "Monday 00:00 IST",
        "Sunday 23:59",
        "Sunday 23:59",
    ]
    assert {e.post.id for e in entries} == {
        *(p.id for p in first_minute.values()),
        *(p.id for p in last_minute.values()),
    }
    monday = start.astimezone(KOLKATA).date()
    in_month = hub.schedule.calendar(it, *month_bounds(monday, KOLKATA))
    assert "Monday 00:00 IST" in {e.title for e in in_month}
    assert "Previous Sunday 23:59" in {e.title for e in in_month} or monday.day == 1


def test_the_calendar_filters_by_platform_and_department(hub, actors):
    it = actors["it.team"]
    at = utc_now() + timedelta(days=1)
    approved_posts(hub, actors, at, title="Water")
    approved_posts(hub, actors, at, officer="officer.roads", title="Roads")
    start, end = at - timedelta(hours=1), at + timedelta(hours=1)
    x_only = hub.schedule.calendar(it, start, end, platform=Platform.X)
    assert {(e.title, e.post.platform) for e in x_only} == {
        ("Water", Platform.X),
        ("Roads", Platform.X),
    }
    roads = hub.schedule.calendar(it, start, end, department="ROADS")
    assert {e.department_code for e in roads} == {"ROADS"} and len(roads) == 2


def test_a_published_post_sits_on_the_calendar_when_it_went_live(hub, actors):
    it = actors["it.team"]
    due = utc_now() + timedelta(days=3)
    posts = approved_posts(hub, actors, due, platforms=(Platform.X,))
    live_at = utc_now() + timedelta(days=10)
    set_status(hub, posts[Platform.X].id, "published", published_at=live_at)
    assert hub.schedule.calendar(it, due - timedelta(hours=1), due + timedelta(hours=1)) == []
    [entry] = hub.schedule.calendar(it, live_at - timedelta(hours=1), live_at + timedelta(hours=1))
    assert entry.at == live_at


def test_the_calendar_refuses_a_period_that_ends_before_it_starts(hub, actors):
    now = utc_now()
    with pytest.raises(InvalidInput, match="ends before it starts"):
        hub.schedule.calendar(actors["it.team"], now, now - timedelta(days=1))


# -- the attention list -------------------------------------------------------------------


def test_attention_lists_missed_needs_attention_and_unconfirmed_posts(hub, actors):
    it = actors["it.team"]
    at = utc_now() + timedelta(hours=2)
    water = approved_posts(hub, actors, at)
    roads = approved_posts(hub, actors, at, officer="officer.roads")
    set_status(hub, water[Platform.FACEBOOK].id, "missed", attention_reason="hub was down")
    set_status(hub, water[Platform.X].id, "needs_attention", attention_reason="text rejected")
    set_status(hub, roads[Platform.X].id, "unconfirmed", unknown_outcomes=1)
    entries = hub.schedule.attention(it)
    assert {(e.post.id, e.post.status) for e in entries} == {
        (water[Platform.FACEBOOK].id, PostStatus.MISSED),
        (water[Platform.X].id, PostStatus.NEEDS_ATTENTION),
        (roads[Platform.X].id, PostStatus.UNCONFIRMED),
    }
    reasons = {e.post.attention_reason for e in entries}
    assert {"hub was down", "text rejected"} <= reasons


# -- rescheduling -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["scheduled", "retry_wait", "missed", "needs_attention"])
def test_reschedule_returns_a_post_to_scheduled_from(hub, actors, audit_rows, status):
    it = actors["it.team"]
    post = approved_posts(hub, actors, utc_now() + timedelta(hours=2))[Platform.X]
    set_status(hub, post.id, status, attempts=3, attention_reason="needs a person")
    new_time = (utc_now() + timedelta(days=2)).astimezone(KOLKATA)
    entry = hub.schedule.reschedule(it, post.id, new_time)
    assert entry.post.status is PostStatus.SCHEDULED
    assert entry.post.scheduled_at == new_time
    assert entry.post.attempts == 0, "the retry limit counts from the person's decision"
    assert entry.post.attention_reason is None
    update = hub.updates.get(it, post.update_id)
    assert update.events[-1].event == "rescheduled"
    assert audit_rows(action="reschedule_post")[-1][3] == str(post.id)


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("publishing", "is being published right now"),
        ("unconfirmed", "the platform did not answer"),
        ("published", "is already live"),
        ("cancelled", "was cancelled"),
    ],
)
def test_reschedule_and_cancel_are_refused_with_the_reason_for(hub, actors, status, why):
    it = actors["it.team"]
    post = approved_posts(hub, actors, utc_now() + timedelta(hours=2))[Platform.FACEBOOK]
    set_status(hub, post.id, status)
    before = post_row(hub, post.id)
    with pytest.raises(InvalidInput, match=why):
        hub.schedule.reschedule(it, post.id, utc_now() + timedelta(days=1))
    with pytest.raises(InvalidInput, match=why):
        hub.schedule.cancel(it, post.id, "not needed")
    assert post_row(hub, post.id) == before


def test_a_post_claimed_by_the_publisher_is_never_overwritten(hub, actors):
    """A claim made behind the service's back (the publisher's own transaction) wins."""
    it = actors["it.team"]
    post = approved_posts(hub, actors, utc_now() + timedelta(minutes=1))[Platform.X]
    with hub.store.transaction() as cur:
        cur.execute(
            "UPDATE posts SET status = 'publishing', claimed_by = 'worker-1', claimed_at = ?,"
            " attempts = attempts + 1 WHERE id = ? AND status IN ('scheduled', 'retry_wait')",
            [utc_now(), post.id],
        )
    claimed = post_row(hub, post.id)
    with pytest.raises(InvalidInput, match="being published right now"):
        hub.schedule.reschedule(it, post.id, utc_now() + timedelta(days=1))
    with pytest.raises(InvalidInput, match="being published right now"):
        hub.schedule.cancel(it, post.id, "stop")
    assert post_row(hub, post.id) == claimed


def test_reschedule_refuses_a_past_time_and_a_time_without_zone(hub, actors):
    it = actors["it.team"]
    post = approved_posts(hub, actors, utc_now() + timedelta(hours=2))[Platform.X]
    with pytest.raises(InvalidInput, match="has passed"):
        hub.schedule.reschedule(it, post.id, utc_now() - timedelta(hours=1))
    with pytest.raises(InvalidInput, match="no time zone"):
        hub.schedule.reschedule(it, post.id, datetime(2030, 1, 1, 10, 0))
    with pytest.raises(NotFound, match="no post number 999"):
        hub.schedule.reschedule(it, 999, utc_now() + timedelta(hours=1))


def test_a_post_that_may_already_be_live_needs_a_confirmation(hub, actors):
    it = actors["it.team"]
    post = approved_posts(hub, actors, utc_now() + timedelta(hours=2))[Platform.X]
    set_status(hub, post.id, "needs_attention", unknown_outcomes=3)
    new_time = utc_now() + timedelta(hours=3)
    with pytest.raises(InvalidInput, match="may already be live on X"):
        hub.schedule.reschedule(it, post.id, new_time)
    entry = hub.schedule.reschedule(it, post.id, new_time, confirm_not_live=True)
    assert entry.post.status is PostStatus.SCHEDULED


def test_native_scheduling_is_checked_again_on_reschedule(hub, actors):
    it = actors["it.team"]
    update = submitted(hub, actors["officer.water"], platforms=(Platform.FACEBOOK,))
    [post] = hub.review.approve(
        it, update.id, {Platform.FACEBOOK: utc_now() + timedelta(hours=2)}, native_scheduling=True
    ).posts
    soon = utc_now() + timedelta(minutes=3)
    with pytest.raises(InvalidInput, match="turn Facebook's scheduling off"):
        hub.schedule.reschedule(it, post.id, soon)
    entry = hub.schedule.reschedule(it, post.id, soon, native_scheduling=False)
    assert not entry.post.native_scheduling


# -- cancelling ---------------------------------------------------------------------------


def test_cancelling_every_post_cancels_the_update(hub, actors, audit_rows):
    it = actors["it.team"]
    posts = approved_posts(hub, actors, utc_now() + timedelta(hours=2))
    with pytest.raises(InvalidInput, match="Say why"):
        hub.schedule.cancel(it, posts[Platform.X].id, " ")
    hub.schedule.cancel(it, posts[Platform.X].id, "X account under review")
    update = hub.updates.get(it, posts[Platform.X].update_id)
    assert update.status is UpdateStatus.APPROVED, "Facebook still goes out"
    set_status(hub, posts[Platform.FACEBOOK].id, "missed")
    hub.schedule.cancel(it, posts[Platform.FACEBOOK].id, "event postponed")
    update = hub.updates.get(actors["officer.water"], posts[Platform.X].update_id)
    assert update.status is UpdateStatus.CANCELLED
    assert [e.event for e in update.events][-3:] == [
        "post_cancelled",
        "post_cancelled",
        "cancelled",
    ]
    assert update.events[-2].note == "facebook: event postponed"
    assert len(audit_rows(action="cancel_post")) == 2
    assert len(audit_rows(action="cancel_update")) == 1


def test_officers_cannot_touch_the_schedule(hub, actors, audit_rows):
    post = approved_posts(hub, actors, utc_now() + timedelta(hours=2))[Platform.X]
    officer = actors["officer.water"]
    with pytest.raises(PermissionDenied):
        hub.schedule.reschedule(officer, post.id, utc_now() + timedelta(hours=3))
    with pytest.raises(PermissionDenied):
        hub.schedule.cancel(officer, post.id, "no")
    assert len(audit_rows(actor="officer.water", outcome="denied")) == 2
