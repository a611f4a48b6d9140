"""The publishing pages through AppTest: each renders for its roles, an officer writes and
submits an update, IT approves, overrides a late launch and reschedules a missed post."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_updates import KOLKATA, jpeg, launch, ready_draft, submitted

from hub.clock import format_local, utc_now
from hub.permissions import Actor
from hub.platforms.base import Platform
from hub.publishing.models import PostStatus, UpdateStatus
from hub.publishing.updates import LateLaunchNotice

ROOT = Path(__file__).resolve().parents[1]


def page(script: str, actor: Actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / script), default_timeout=30)
    at.session_state["auth_user_id"] = actor.user_id
    return at


def set_status(hub, post_id: int, status: str, **columns) -> None:
    assignments = ", ".join(f"{name} = ?" for name in ["status", *columns])
    with hub.store.transaction() as cur:
        cur.execute(
            f"UPDATE posts SET {assignments} WHERE id = ?", [status, *columns.values(), post_id]
        )


def approve_both(hub, actors, update, hours: float = 2):
    at = utc_now() + timedelta(hours=hours)
    approved = hub.review.approve(
        actors["it.team"], update.id, {platform: at for platform in update.platforms}
    )
    return {post.platform: post for post in approved.posts}


@pytest.fixture
def every_kind_of_update(installed_hub, actors):
    """One update in each state the pages show, for the water department."""
    hub, officer, it = installed_hub, actors["officer.water"], actors["it.team"]
    ready_draft(hub, officer, title="A draft")
    submitted(hub, officer, title="Waiting")
    sent_back = submitted(hub, officer, title="Sent back")
    hub.review.request_changes(it, sent_back.id, "Add the ward number")
    posts = approve_both(hub, actors, submitted(hub, officer, title="Live"))
    set_status(
        hub,
        posts[Platform.FACEBOOK].id,
        "published",
        permalink="https://www.facebook.com/100_200",
        published_at=utc_now(),
    )
    set_status(hub, posts[Platform.X].id, "missed", attention_reason="hub was down")
    late = ready_draft(hub, officer, **launch(timedelta(hours=5)))
    with pytest.raises(LateLaunchNotice):
        hub.updates.submit(officer, late.id)
    return hub


@pytest.mark.parametrize(
    ("username", "script"),
    [
        ("officer.water", "compose.py"),
        ("officer.water", "my_updates.py"),
        ("officer.roads", "my_updates.py"),
        ("it.team", "review.py"),
        ("it.team", "calendar.py"),
    ],
)
def test_each_publishing_page_renders_with_data_for_its_role(
    every_kind_of_update, actors, username, script
):
    at = page(script, actors[username]).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_an_officer_saves_a_draft_then_submits_it_from_the_compose_page(installed_hub, actors):
    hub, officer = installed_hub, actors["officer.water"]
    at = page("compose.py", officer).run()
    at.text_input(key="compose_title_new").input("Tank cleaning, ward 12")
    at.text_area(key="compose_text_bn_new").input("১২ নম্বর ওয়ার্ডে জলাধার পরিষ্কার।")
    at.text_area(key="compose_text_en_new").input("Reservoir cleaning in ward 12.")
    tomorrow = (utc_now() + timedelta(days=1)).astimezone(KOLKATA).date()
    at.date_input(key="compose_wished_day_new").set_value(tomorrow)
    at.time_input(key="compose_wished_time_new").set_value(time(10, 0))
    at.button(key="compose_save").click().run()
    assert not at.exception
    [draft] = hub.updates.list_mine(officer)
    assert draft.status is UpdateStatus.DRAFT
    assert draft.title == "Tank cleaning, ward 12"
    assert draft.wished_at.astimezone(KOLKATA).time() == time(10, 0)
    assert at.session_state["compose_pick"] == draft.id
    assert f"Draft #{draft.id} saved." in [s.value for s in at.success]

    # AppTest cannot drive st.file_uploader: the photo is added through the service the
    # upload button calls, and the page then shows it with its description field.
    photo = hub.updates.add_photo(officer, draft.id, "tank.jpg", jpeg())
    at.run()
    at.text_input(key=f"compose_alt_{photo.id}").input("Workers cleaning the reservoir")
    at.button(key="compose_save_alt").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.button(key="compose_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    done = hub.updates.get(officer, draft.id)
    assert done.status is UpdateStatus.SUBMITTED
    assert done.photos[0].alt_text == "Workers cleaning the reservoir"


def test_the_compose_page_keeps_a_refused_submission_as_a_draft_and_says_why(installed_hub, actors):
    hub, officer = installed_hub, actors["officer.water"]
    at = page("compose.py", officer).run()
    at.text_input(key="compose_title_new").input("No text, no photo")
    at.button(key="compose_submit").click().run()
    assert not at.exception
    [draft] = hub.updates.list_mine(officer)
    assert draft.status is UpdateStatus.DRAFT
    assert at.session_state["compose_pick"] == draft.id
    assert "Add at least one photo" in at.error[0].value


def test_the_compose_page_names_the_missed_deadline_of_a_late_launch(installed_hub, actors):
    hub, officer = installed_hub, actors["officer.water"]
    late = ready_draft(hub, officer, **launch(timedelta(hours=5)))
    at = page("compose.py", officer).run()
    at.selectbox(key="compose_pick").select(late.id).run()
    assert any("The deadline for this launch was" in w.value for w in at.warning)
    at.button(key="compose_submit").click().run()
    assert not at.exception
    deadline = format_local(late.event_at - timedelta(hours=24), KOLKATA)
    assert f"so the deadline was {deadline}" in at.error[0].value
    assert hub.updates.get(officer, late.id).status is UpdateStatus.DRAFT


def test_the_compose_preview_shows_the_x_overshoot_while_typing(installed_hub, actors):
    at = page("compose.py", actors["officer.water"]).run()
    at.text_area(key="compose_text_en_new").input("Road repair in Tala. " * 16).run()
    assert any("over the limit" in w.value for w in at.warning)
    at.text_area(key="compose_x_text_new").input("Road repair in Tala today.").run()
    assert not any("over the limit" in w.value for w in at.warning)


def test_it_approves_from_the_review_page(installed_hub, actors):
    hub = installed_hub
    update = submitted(hub, actors["officer.water"], photo_count=2)
    at = page("review.py", actors["it.team"]).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="review_pick").value == update.id
    at.button(key="review_approve").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    approved = hub.updates.get(actors["it.team"], update.id)
    assert approved.status is UpdateStatus.APPROVED
    assert {p.platform for p in approved.posts} == {Platform.FACEBOOK, Platform.X}
    assert {p.scheduled_at for p in approved.posts} == {
        update.wished_at.replace(second=0, microsecond=0)
    }


def test_it_sends_an_update_back_from_the_review_page(installed_hub, actors):
    hub = installed_hub
    update = submitted(hub, actors["officer.water"])
    at = page("review.py", actors["it.team"]).run()
    at.text_area(key=f"review_changes_note_{update.id}").input("Name the ward, please")
    at.button(key="review_request_changes").click().run()
    assert not at.exception and not at.error
    sent_back = hub.updates.get(actors["officer.water"], update.id)
    assert sent_back.status is UpdateStatus.CHANGES_REQUESTED
    assert sent_back.review_note == "Name the ward, please"


def test_it_overrides_a_late_launch_from_the_review_page(installed_hub, actors):
    hub, officer = installed_hub, actors["officer.water"]
    late = ready_draft(hub, officer, **launch(timedelta(hours=5)))
    with pytest.raises(LateLaunchNotice):
        hub.updates.submit(officer, late.id)
    at = page("review.py", actors["it.team"]).run()
    at.text_input(key=f"review_override_reason_{late.id}").input("Chief Minister's visit")
    at.button(key=f"review_override_{late.id}").click().run()
    assert not at.exception and not at.error
    overridden = hub.updates.get(officer, late.id)
    assert overridden.status is UpdateStatus.SUBMITTED
    assert overridden.override_reason == "Chief Minister's visit"
    assert at.selectbox(key="review_pick").value == late.id, "now in the review queue"


def test_it_reschedules_a_missed_post_from_the_calendar(installed_hub, actors):
    hub = installed_hub
    posts = approve_both(hub, actors, submitted(hub, actors["officer.water"]))
    missed = posts[Platform.X]
    set_status(hub, missed.id, "missed", attention_reason="hub was down")
    at = page("calendar.py", actors["it.team"]).run()
    assert not at.exception and not at.error
    at.selectbox(key="calendar_post").select(missed.id).run()
    new_day = (utc_now() + timedelta(days=2)).astimezone(KOLKATA).date()
    at.date_input(key=f"calendar_new_day_{missed.id}").set_value(new_day)
    at.time_input(key=f"calendar_new_time_{missed.id}").set_value(time(9, 30))
    at.button(key="calendar_reschedule").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    entry = hub.schedule.entry(actors["it.team"], missed.id)
    assert entry.post.status is PostStatus.SCHEDULED
    assert entry.post.scheduled_at.astimezone(KOLKATA).date() == new_day
    assert entry.post.scheduled_at.astimezone(KOLKATA).time() == time(9, 30)


def test_my_updates_links_only_web_addresses(installed_hub, actors):
    hub, officer = installed_hub, actors["officer.water"]
    posts = approve_both(hub, actors, submitted(hub, officer, title="Linked"))
    set_status(hub, posts[Platform.FACEBOOK].id, "published", permalink="https://fb.example/1")
    set_status(hub, posts[Platform.X].id, "published", permalink="javascript:alert(1)")
    at = page("my_updates.py", officer).run()
    assert not at.exception and not at.error
    links = [(button.value, button.proto.url) for button in at.link_button]
    assert links == [("Open on Facebook", "https://fb.example/1")]
    assert not any("javascript:" in m.value for m in at.markdown)
