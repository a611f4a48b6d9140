"""IT's review on a real DuckDB file: the whole submit → review → approve path, edits,
sending back and resubmitting, rejecting, the late-launch override, and no self-review."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from test_updates import KOLKATA, fields, jpeg, launch, ready_draft, submitted

from hub.clock import format_local, utc_now
from hub.errors import InvalidInput, PermissionDenied
from hub.platforms.base import Platform
from hub.publishing.compose import compose_post_text
from hub.publishing.models import PostStatus, UpdateStatus
from hub.publishing.updates import LateLaunchNotice, LateNoticeCount


def in_hours(hours: float):
    return utc_now() + timedelta(hours=hours)


def both_at(moment) -> dict:
    return {Platform.FACEBOOK: moment, Platform.X: moment}


# -- the whole path -----------------------------------------------------------------------


def test_submit_review_approve_creates_one_scheduled_post_per_platform(hub, actors, audit_rows):
    officer, it = actors["officer.water"], actors["it.team"]
    update = submitted(hub, officer, photo_count=5)

    queue = hub.review.queue(it)
    assert [item.update.id for item in queue] == [update.id]
    item = queue[0]
    assert item.problems == ()
    x_preview = next(p for p in item.previews if p.platform is Platform.X)
    assert x_preview.photos_used == 4 and x_preview.fits

    facebook_at = in_hours(3).astimezone(KOLKATA)
    x_at = in_hours(5)
    approved = hub.review.approve(it, update.id, {Platform.FACEBOOK: facebook_at, Platform.X: x_at})

    assert approved.status is UpdateStatus.APPROVED
    posts = {post.platform: post for post in approved.posts}
    assert set(posts) == {Platform.FACEBOOK, Platform.X}
    assert all(post.status is PostStatus.SCHEDULED for post in posts.values())
    assert posts[Platform.FACEBOOK].scheduled_at == facebook_at
    assert posts[Platform.FACEBOOK].scheduled_at.tzinfo == UTC, "stored and returned in UTC"
    assert posts[Platform.X].scheduled_at == x_at
    assert posts[Platform.FACEBOOK].text == compose_post_text(update, Platform.FACEBOOK)
    assert not posts[Platform.FACEBOOK].native_scheduling
    assert [e.event for e in approved.events] == ["created", "submitted", "approved"]
    assert format_local(facebook_at, KOLKATA) in approved.events[-1].note
    assert hub.review.queue(it) == []
    assert audit_rows(action="approve_update")[-1][:3] == ("it.team", "approve_update", "ok")
    # The officer sees the same, with the posts.
    seen = hub.updates.get(officer, update.id)
    assert seen.status is UpdateStatus.APPROVED and len(seen.posts) == 2


def test_the_queue_is_oldest_first(hub, actors):
    first = submitted(hub, actors["officer.water"], title="First")
    second = submitted(hub, actors["officer.roads"], title="Second")
    assert [i.update.id for i in hub.review.queue(actors["it.team"])] == [first.id, second.id]


# -- the schedule -------------------------------------------------------------------------


def test_a_time_in_the_past_is_refused_but_the_last_minute_means_now(hub, actors):
    it = actors["it.team"]
    update = submitted(hub, actors["officer.water"])
    past = utc_now() - timedelta(minutes=10)
    with pytest.raises(InvalidInput, match=f"{format_local(past, KOLKATA)}, has passed"):
        hub.review.approve(it, update.id, both_at(past))
    assert hub.review.queue(it)[0].update.status is UpdateStatus.SUBMITTED
    just_now = utc_now() - timedelta(seconds=30)
    approved = hub.review.approve(it, update.id, both_at(just_now))
    assert all(p.scheduled_at > just_now for p in approved.posts), "publish now, not in the past"


def test_every_targeted_platform_needs_a_time_and_no_other_platform_may_get_one(hub, actors):
    it = actors["it.team"]
    update = submitted(hub, actors["officer.water"], platforms=(Platform.FACEBOOK,))
    with pytest.raises(InvalidInput, match="Choose the date and time for Facebook"):
        hub.review.approve(it, update.id, {})
    with pytest.raises(InvalidInput, match="The update is not for x"):
        hub.review.approve(it, update.id, both_at(in_hours(2)))
    naive = in_hours(2).replace(tzinfo=None)
    with pytest.raises(InvalidInput, match="no time zone"):
        hub.review.approve(it, update.id, {Platform.FACEBOOK: naive})


def test_facebook_native_scheduling_needs_10_minutes_to_30_days(hub, actors):
    it = actors["it.team"]
    update = submitted(hub, actors["officer.water"])
    for too_soon_or_far in (utc_now() + timedelta(minutes=5), utc_now() + timedelta(days=31)):
        with pytest.raises(InvalidInput, match="between 10 minutes and 30 days ahead"):
            hub.review.approve(it, update.id, both_at(too_soon_or_far), native_scheduling=True)
    approved = hub.review.approve(it, update.id, both_at(in_hours(2)), native_scheduling=True)
    native = {p.platform: p.native_scheduling for p in approved.posts}
    assert native == {Platform.FACEBOOK: True, Platform.X: False}


def test_native_scheduling_is_refused_for_an_update_not_for_facebook(hub, actors):
    update = submitted(hub, actors["officer.water"], platforms=(Platform.X,))
    with pytest.raises(InvalidInput, match="not for Facebook"):
        hub.review.approve(
            actors["it.team"], update.id, {Platform.X: in_hours(2)}, native_scheduling=True
        )


# -- editing ------------------------------------------------------------------------------


def test_it_edits_texts_before_approving_and_the_change_is_recorded(hub, actors):
    it = actors["it.team"]
    update = submitted(hub, actors["officer.water"])
    edited = hub.review.edit(it, update.id, {"title": "Pipeline, ward 65", "x_text": "Short"})
    assert edited.title == "Pipeline, ward 65"
    assert edited.x_text == "Short"
    assert edited.status is UpdateStatus.SUBMITTED
    assert edited.events[-1].event == "edited"
    assert edited.events[-1].note == "changed: title, X text"
    with hub.store.cursor() as cur:
        before, after = cur.execute(
            "SELECT before, after FROM audit_log WHERE action = 'edit_update'"
        ).fetchone()
    assert '"Pipeline work, ward 65"' in before and '"Short"' in after
    approved = hub.review.approve(it, update.id, both_at(in_hours(2)))
    assert {p.platform: p.text for p in approved.posts}[Platform.X] == "Short"


def test_a_reviewer_cannot_edit_other_fields_or_a_non_submitted_update(hub, actors):
    it = actors["it.team"]
    update = submitted(hub, actors["officer.water"])
    with pytest.raises(InvalidInput, match="not platforms"):
        hub.review.edit(it, update.id, {"platforms": "x"})
    draft = ready_draft(hub, actors["officer.water"])
    with pytest.raises(InvalidInput, match="only a submitted update can be edited"):
        hub.review.edit(it, draft.id, {"title": "x"})


def test_an_edit_that_makes_the_x_post_too_long_blocks_approval(hub, actors):
    it = actors["it.team"]
    update = submitted(hub, actors["officer.water"])
    hub.review.edit(it, update.id, {"text_en": "Tala tank works. " * 30})
    item = hub.review.queue(it)[0]
    assert any("over the limit" in problem for problem in item.problems)
    with pytest.raises(InvalidInput, match="Cannot approve yet"):
        hub.review.approve(it, update.id, both_at(in_hours(2)))


# -- sending back, resubmitting, rejecting ------------------------------------------------


def test_changes_requested_then_resubmitted_counts_the_submissions(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    update = submitted(hub, officer)
    with pytest.raises(InvalidInput, match="Write a note"):
        hub.review.request_changes(it, update.id, "   ")
    sent_back = hub.review.request_changes(it, update.id, "Add a photo of the finished road")
    assert sent_back.status is UpdateStatus.CHANGES_REQUESTED
    assert sent_back.review_note == "Add a photo of the finished road"
    assert hub.review.queue(it) == []

    seen = hub.updates.get(officer, update.id)
    assert seen.review_note == "Add a photo of the finished road"
    hub.updates.save_draft(officer, update.id, fields(title="Pipeline work done, ward 65"))
    again = hub.updates.submit(officer, update.id)
    assert again.status is UpdateStatus.SUBMITTED
    assert again.submissions == 2
    events = [e.event for e in again.events]
    assert events == ["created", "submitted", "changes_requested", "resubmitted"]
    assert hub.review.queue(it)[0].update.submissions == 2


def test_reject_needs_a_known_reason_and_a_note(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    update = submitted(hub, officer)
    with pytest.raises(InvalidInput, match="not_public_interest"):
        hub.review.reject(it, update.id, "boring", "no")
    with pytest.raises(InvalidInput, match="why the update is rejected"):
        hub.review.reject(it, update.id, "duplicate", "")
    rejected = hub.review.reject(it, update.id, "duplicate", "Same as update 1")
    assert rejected.status is UpdateStatus.REJECTED
    assert rejected.reject_reason == "duplicate"
    assert rejected.events[-1].reason_code == "duplicate"
    with pytest.raises(InvalidInput, match="not waiting for review"):
        hub.review.approve(it, update.id, both_at(in_hours(2)))
    with pytest.raises(InvalidInput, match="only a draft or an update sent back"):
        hub.updates.submit(officer, update.id)


# -- nobody reviews their own update ------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda hub, actor, u: hub.review.approve(actor, u.id, both_at(in_hours(2))),
        lambda hub, actor, u: hub.review.request_changes(actor, u.id, "more"),
        lambda hub, actor, u: hub.review.reject(actor, u.id, "other", "no"),
        lambda hub, actor, u: hub.review.edit(actor, u.id, {"title": "Mine"}),
    ],
    ids=["approve", "request_changes", "reject", "edit"],
)
def test_an_author_who_moved_to_it_cannot_review_their_own_update(hub, actors, audit_rows, call):
    update = submitted(hub, actors["officer.water"])
    hub.accounts.update_user(actors["admin"], "officer.water", role="it")
    now_it = hub.accounts.actor_for(actors["officer.water"].user_id)
    with pytest.raises(PermissionDenied, match="nobody reviews their own update"):
        call(hub, now_it, update)
    denied = audit_rows(actor="officer.water", outcome="denied")
    assert denied[-1][3] == str(update.id) and denied[-1][5] == "own update"
    assert hub.review.queue(actors["it.team"])[0].update == update


# -- the 24-hour rule and its override ----------------------------------------------------


def test_it_overrides_a_late_launch_which_is_submitted_and_counted_as_late(hub, actors, audit_rows):
    officer, it = actors["officer.water"], actors["it.team"]
    update = ready_draft(hub, officer, **launch(timedelta(hours=6)))
    with pytest.raises(LateLaunchNotice):
        hub.updates.submit(officer, update.id)
    waiting = hub.review.late_launches(it)
    assert [item.update.id for item in waiting] == [update.id]
    assert hub.review.queue(it) == []

    with pytest.raises(InvalidInput, match="Give the reason"):
        hub.review.override_launch_rule(it, update.id, "  ")
    outcome = hub.review.override_launch_rule(it, update.id, "Mayor's visit fixed today")

    assert outcome.submitted_for_officer and outcome.still_missing == ()
    overridden = outcome.update
    assert overridden.status is UpdateStatus.SUBMITTED
    assert overridden.late_notice
    assert overridden.override_reason == "Mayor's visit fixed today"
    assert [e.event for e in overridden.events][-2:] == ["launch_rule_overridden", "submitted"]
    with hub.store.cursor() as cur:
        assert cur.execute(
            "SELECT override_by FROM updates WHERE id = ?", [update.id]
        ).fetchone() == ("it.team",)
    assert audit_rows(action="override_launch_rule")[-1][5] == "Mayor's visit fixed today"
    assert hub.review.late_launches(it) == []
    assert [i.update.id for i in hub.review.queue(it)] == [update.id]
    assert hub.updates.late_notice_counts(it)["WATER"] == LateNoticeCount("WATER", 1, 1)
    approved = hub.review.approve(it, update.id, both_at(in_hours(1)))
    assert approved.status is UpdateStatus.APPROVED


def test_an_override_given_in_advance_lets_the_officer_submit_late(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    draft = hub.updates.create_draft(officer, fields(**launch(timedelta(hours=5))))
    outcome = hub.review.override_launch_rule(it, draft.id, "Announced by the Mayor today")
    assert not outcome.submitted_for_officer
    assert outcome.update.status is UpdateStatus.DRAFT
    hub.updates.add_photo(officer, draft.id, "stage.jpg", jpeg(), "Stage for the opening")
    assert hub.updates.submit(officer, draft.id).status is UpdateStatus.SUBMITTED


def test_an_incomplete_refused_launch_stays_a_draft_after_the_override(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    update = ready_draft(hub, officer, **launch(timedelta(hours=6)))
    with pytest.raises(LateLaunchNotice):
        hub.updates.submit(officer, update.id)
    hub.updates.set_alt_text(officer, update.id, update.photos[0].id, "")
    outcome = hub.review.override_launch_rule(it, update.id, "Needed for the monsoon")
    assert not outcome.submitted_for_officer
    assert any("alt text" in problem for problem in outcome.still_missing)
    assert outcome.update.status is UpdateStatus.DRAFT
    assert hub.review.late_launches(it) == [], "decided: no longer waiting for IT"


def test_the_override_is_for_launches_and_only_once(hub, actors):
    it = actors["it.team"]
    work = ready_draft(hub, actors["officer.water"])
    with pytest.raises(InvalidInput, match="launches only"):
        hub.review.override_launch_rule(it, work.id, "why not")
    launch_draft = ready_draft(hub, actors["officer.water"], **launch(timedelta(hours=6)))
    hub.review.override_launch_rule(it, launch_draft.id, "first")
    with pytest.raises(InvalidInput, match="already overridden"):
        hub.review.override_launch_rule(it, launch_draft.id, "second")
