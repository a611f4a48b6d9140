"""Officers' updates on a real DuckDB file: drafts, photos, every check on submission, the
24-hour rule for launches, and department isolation for every method.

The helpers at the top (`jpeg`, `fields`, `ready_draft`, `submitted`) are also used by
test_review.py, test_schedule.py and test_publishing_pages.py.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from hub.clock import format_local, utc_now
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.permissions import Actor
from hub.platforms.base import Platform
from hub.platforms.x_text import weighted_length
from hub.publishing.compose import (
    DraftFields,
    compose_post_text,
    preview,
)
from hub.publishing.models import Update, UpdateKind, UpdateStatus
from hub.publishing.photos import InvalidPhoto
from hub.publishing.updates import (
    LateLaunchNotice,
    LateNoticeCount,
    UpdateService,
    awaits_launch_override,
    is_web_link,
)

KOLKATA = ZoneInfo("Asia/Kolkata")
TEXT_BN = "৬৫ নম্বর ওয়ার্ডে নতুন জলের পাইপলাইন বসানোর কাজ চলছে।"
TEXT_EN = "New water pipeline being laid in ward 65."


def jpeg(colour: tuple[int, int, int] = (30, 120, 200), size: tuple[int, int] = (80, 60)) -> bytes:
    """A real JPEG photo made with Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def fields(**overrides) -> DraftFields:
    """A complete work update, wished two hours from now, for both platforms."""
    values = {
        "kind": UpdateKind.WORK_UPDATE,
        "title": "Pipeline work, ward 65",
        "text_bn": TEXT_BN,
        "text_en": TEXT_EN,
        "platforms": (Platform.FACEBOOK, Platform.X),
        "wished_at": utc_now() + timedelta(hours=2),
    }
    values.update(overrides)
    return DraftFields(**values)


def launch(event_in: timedelta) -> dict:
    """The fields that make an update a launch whose event is `event_in` from now."""
    return {
        "kind": UpdateKind.LAUNCH,
        "title": "New pumping station opens",
        "event_at": utc_now() + event_in,
        "event_place": "Garden Reach Water Works",
    }


def ready_draft(hub, officer: Actor, photo_count: int = 1, **overrides) -> Update:
    """A draft that passes every check, with photos described by alt text."""
    update = hub.updates.create_draft(officer, fields(**overrides))
    for index in range(photo_count):
        hub.updates.add_photo(
            officer, update.id, f"site-{index + 1}.jpg", jpeg((index * 20, 90, 150)), "Pipe laying"
        )
    return hub.updates.get(officer, update.id)


def submitted(hub, officer: Actor, **overrides) -> Update:
    """An update waiting in the review queue."""
    return hub.updates.submit(officer, ready_draft(hub, officer, **overrides).id)


def stored_files(hub) -> list[str]:
    folder = hub.settings.photos_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- drafts -------------------------------------------------------------------------------


def test_a_draft_belongs_to_the_officers_department_and_is_stored_in_nfc(hub, actors, audit_rows):
    officer = actors["officer.water"]
    decomposed = unicodedata.normalize("NFD", "  ওয়ার্ড ৬৫: জল সরবরাহ  ")
    update = hub.updates.create_draft(
        officer, DraftFields(title=decomposed, text_bn=decomposed, platforms=(Platform.X,))
    )
    assert update.status is UpdateStatus.DRAFT
    assert update.department_code == "WATER"
    assert update.author == "officer.water"
    assert update.title == unicodedata.normalize("NFC", "ওয়ার্ড ৬৫: জল সরবরাহ")
    assert update.platforms == (Platform.X,)
    assert [e.event for e in update.events] == ["created"]
    assert audit_rows(action="create_update")[-1][3] == str(update.id)


def test_saving_a_draft_keeps_it_a_draft_and_audits_before_and_after(hub, actors):
    officer = actors["officer.water"]
    update = hub.updates.create_draft(officer, DraftFields(title="First"))
    saved = hub.updates.save_draft(officer, update.id, fields(title="Second", x_text="  "))
    assert saved.title == "Second"
    assert saved.x_text is None, "a blank X text means: use the main texts"
    assert saved.status is UpdateStatus.DRAFT
    with hub.store.cursor() as cur:
        before, after = cur.execute(
            "SELECT before, after FROM audit_log WHERE action = 'save_update'"
        ).fetchone()
    assert '"First"' in before and '"Second"' in after


def test_a_time_without_zone_is_refused_rather_than_guessed(hub, actors):
    naive = utc_now().replace(tzinfo=None)
    with pytest.raises(InvalidInput, match="wished publication time has no time zone"):
        hub.updates.create_draft(actors["officer.water"], fields(wished_at=naive))


def test_an_unknown_platform_is_refused_with_the_choices(hub, actors):
    with pytest.raises(InvalidInput, match="facebook, x"):
        hub.updates.create_draft(actors["officer.water"], fields(platforms=("myspace",)))


# -- submission checks --------------------------------------------------------------------


def test_submitting_an_empty_draft_lists_every_problem_and_keeps_the_draft(hub, actors):
    officer = actors["officer.water"]
    update = hub.updates.create_draft(officer, DraftFields(platforms=()))
    with pytest.raises(InvalidInput) as refused:
        hub.updates.submit(officer, update.id)
    message = str(refused.value)
    assert message.startswith("Not submitted (the draft is saved)")
    for expected in (
        "Give the update a title.",
        "Write the text in Bengali, in English, or both.",
        "Add at least one photo (up to 10).",
        "Choose at least one platform: Facebook, X, or both.",
        "Choose the wished publication date and time.",
    ):
        assert expected in message
    assert hub.updates.get(officer, update.id).status is UpdateStatus.DRAFT


def test_every_photo_needs_alt_text_and_the_message_names_the_photo(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer)
    hub.updates.add_photo(officer, update.id, "valve.jpg", jpeg(), alt_text="")
    with pytest.raises(InvalidInput, match=r"alt text\); missing for photo 2 \(valve\.jpg\)"):
        hub.updates.submit(officer, update.id)


def test_a_wished_time_in_the_past_is_refused_with_that_time(hub, actors):
    officer = actors["officer.water"]
    past = utc_now() - timedelta(minutes=5)
    update = ready_draft(hub, officer, wished_at=past)
    expected = f"The wished publication time {format_local(past, KOLKATA)} has passed"
    with pytest.raises(InvalidInput, match=expected):
        hub.updates.submit(officer, update.id)


def test_x_post_too_long_says_by_how_much_and_suggests_a_separate_x_text(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, text_en="Work on the Tala tank. " * 20)
    weight = weighted_length(compose_post_text(update, Platform.X))
    with pytest.raises(InvalidInput) as refused:
        hub.updates.submit(officer, update.id)
    message = str(refused.value)
    assert f"The post for X is {weight - 280} over the limit ({weight} of 280" in message
    assert "Write a separate, shorter X text" in message


def test_a_separate_x_text_lets_a_long_facebook_post_through(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(
        hub, officer, text_en="Work on the Tala tank. " * 20, x_text="Tala tank work: see FB"
    )
    assert hub.updates.submit(officer, update.id).status is UpdateStatus.SUBMITTED


def test_a_separate_x_text_too_long_is_refused_with_its_overshoot(hub, actors):
    officer = actors["officer.water"]
    x_text = "জল " * 100  # 300 weighted: Bengali letters weigh 1 each
    update = ready_draft(hub, officer, x_text=x_text)
    over = weighted_length(x_text.strip()) - 280
    with pytest.raises(InvalidInput, match=f"The separate X text is {over} over the limit"):
        hub.updates.submit(officer, update.id)


def test_x_is_not_measured_when_the_update_is_for_facebook_only(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(
        hub, officer, text_en="Work on the Tala tank. " * 20, platforms=(Platform.FACEBOOK,)
    )
    assert hub.updates.submit(officer, update.id).status is UpdateStatus.SUBMITTED


def test_a_launch_needs_its_event_time_and_place(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, kind=UpdateKind.LAUNCH)
    with pytest.raises(InvalidInput) as refused:
        hub.updates.submit(officer, update.id)
    assert "Give the date and time of the launch event." in str(refused.value)
    assert "Give the place of the launch event." in str(refused.value)


# -- the 24-hour rule ---------------------------------------------------------------------


def test_a_late_launch_is_refused_naming_the_missed_deadline_in_kolkata_time(
    hub, actors, audit_rows
):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, **launch(timedelta(hours=20)))
    with pytest.raises(LateLaunchNotice) as refused:
        hub.updates.submit(officer, update.id)
    event_at = update.event_at
    deadline = event_at - timedelta(hours=24)
    assert str(refused.value).startswith(
        "A launch must be notified 24 hours before the event. This event is at "
        f"{format_local(event_at, KOLKATA)}, so the deadline was "
        f"{format_local(deadline, KOLKATA)}. Ask the IT team for an override if it must go out."
    )
    assert "IST" in str(refused.value)
    assert isinstance(refused.value, InvalidInput), "pages show it like any bad input"
    after = hub.updates.get(officer, update.id)
    assert after.status is UpdateStatus.DRAFT
    assert after.submissions == 0
    assert awaits_launch_override(after)
    assert audit_rows(action="submit_update", outcome="failed")
    assert hub.updates.late_notice_counts(officer) == {"WATER": LateNoticeCount("WATER", 1, 0)}


def test_the_deadline_message_uses_the_configured_notice_period(hub, actors, settings):
    officer = actors["officer.water"]
    two_days = settings.model_copy(update={"launch_notice_hours": 48})
    updates = UpdateService(hub.store, hub.audit, hub.photos, two_days)
    update = ready_draft(hub, officer, **launch(timedelta(hours=30)))
    with pytest.raises(LateLaunchNotice, match="notified 48 hours before the event"):
        updates.submit(officer, update.id)


def test_a_launch_more_than_24_hours_ahead_goes_to_review(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, **launch(timedelta(hours=24, minutes=5)))
    done = hub.updates.submit(officer, update.id)
    assert done.status is UpdateStatus.SUBMITTED
    assert not done.late_notice
    assert hub.updates.late_notice_counts(officer) == {}


# -- photos -------------------------------------------------------------------------------


def test_a_bad_photo_is_refused_by_name_and_reason_and_the_draft_is_kept(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, photo_count=2)
    files_before = stored_files(hub)
    with pytest.raises(InvalidPhoto) as refused:
        hub.updates.add_photo(officer, update.id, "minutes.pdf", b"%PDF-1.7 not a photo", "x")
    assert "minutes.pdf" in str(refused.value)
    assert "is not a JPEG, PNG or WebP image (its content is a PDF document)" in str(refused.value)
    after = hub.updates.get(officer, update.id)
    assert after.photos == update.photos
    assert after.title == update.title and after.text_bn == update.text_bn
    assert stored_files(hub) == files_before, "nothing is left on disk for a refused photo"


def test_an_eleventh_photo_is_refused_and_nothing_is_stored_for_it(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, photo_count=10)
    files_before = stored_files(hub)
    with pytest.raises(InvalidInput, match="at most 10 photos and this one has 10"):
        hub.updates.add_photo(officer, update.id, "eleven.jpg", jpeg(), "one more")
    assert len(hub.updates.get(officer, update.id).photos) == 10
    assert stored_files(hub) == files_before


def test_photos_can_be_described_reordered_and_removed(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, photo_count=3)
    first, second, third = (p.id for p in update.photos)
    hub.updates.set_alt_text(officer, update.id, second, "  নতুন  পাইপ  ")
    reordered = hub.updates.reorder(officer, update.id, [third, first, second])
    assert [p.id for p in reordered.photos] == [third, first, second]
    assert [p.position for p in reordered.photos] == [1, 2, 3]
    assert reordered.photos[2].alt_text == "নতুন পাইপ"
    removed_photo = reordered.photos[1]
    after = hub.updates.remove_photo(officer, update.id, first)
    assert [p.id for p in after.photos] == [third, second]
    assert [p.position for p in after.photos] == [1, 2]
    assert removed_photo.stored_name not in stored_files(hub)
    with pytest.raises(InvalidInput, match="exactly once"):
        hub.updates.reorder(officer, update.id, [third])
    with pytest.raises(NotFound, match="has no photo"):
        hub.updates.set_alt_text(officer, update.id, "nope", "x")


def test_alt_text_longer_than_x_allows_is_refused(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer)
    with pytest.raises(InvalidInput, match="X allows 1000"):
        hub.updates.set_alt_text(officer, update.id, update.photos[0].id, "a" * 1001)


def test_the_thumbnail_is_readable_by_the_department_and_by_it(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer)
    for reader in (officer, actors["it.team"]):
        thumb = hub.updates.thumbnail(reader, update.id, update.photos[0].id)
        assert thumb.startswith(b"\xff\xd8")


# -- after submission ---------------------------------------------------------------------


def test_a_submitted_update_cannot_be_changed_by_the_officer(hub, actors):
    officer = actors["officer.water"]
    update = submitted(hub, officer)
    assert update.submissions == 1
    assert [e.event for e in update.events][-1] == "submitted"
    with pytest.raises(InvalidInput, match="only a draft or an update sent back for changes"):
        hub.updates.save_draft(officer, update.id, fields(title="Changed"))
    with pytest.raises(InvalidInput, match="only a draft or an update sent back"):
        hub.updates.add_photo(officer, update.id, "late.jpg", jpeg(), "x")
    with pytest.raises(InvalidInput, match="only a draft or an update sent back"):
        hub.updates.submit(officer, update.id)


def test_withdrawing_cancels_and_is_recorded(hub, actors):
    officer = actors["officer.water"]
    update = submitted(hub, officer)
    withdrawn = hub.updates.withdraw(officer, update.id, "duplicate of #1")
    assert withdrawn.status is UpdateStatus.CANCELLED
    assert withdrawn.events[-1].event == "withdrawn"
    with pytest.raises(InvalidInput, match="can be withdrawn"):
        hub.updates.withdraw(officer, update.id)


def test_list_mine_shows_the_departments_updates_newest_first(hub, actors):
    water = actors["officer.water"]
    first = hub.updates.create_draft(water, DraftFields(title="One"))
    second = hub.updates.create_draft(water, DraftFields(title="Two"))
    hub.updates.create_draft(actors["officer.roads"], DraftFields(title="Roads"))
    assert [u.id for u in hub.updates.list_mine(water)] == [second.id, first.id]
    assert [u.title for u in hub.updates.list_for_department(actors["it.team"], "ROADS")] == [
        "Roads"
    ]


def test_only_http_links_count_as_web_links():
    assert is_web_link("https://www.facebook.com/123_456")
    assert is_web_link("http://127.0.0.1:8599/x/status/1")
    assert not is_web_link("javascript:alert(1)")
    assert not is_web_link("")
    assert not is_web_link(None)


def test_it_sees_late_notices_of_every_department_officers_only_their_own(hub, actors):
    for name in ("officer.water", "officer.roads"):
        officer = actors[name]
        update = ready_draft(hub, officer, **launch(timedelta(hours=3)))
        with pytest.raises(LateLaunchNotice):
            hub.updates.submit(officer, update.id)
    assert set(hub.updates.late_notice_counts(actors["it.team"])) == {"ROADS", "WATER"}
    assert set(hub.updates.late_notice_counts(actors["officer.roads"])) == {"ROADS"}


# -- department isolation -----------------------------------------------------------------

ISOLATED_CALLS = {
    "get": lambda hub, actor, u: hub.updates.get(actor, u.id),
    "save_draft": lambda hub, actor, u: hub.updates.save_draft(actor, u.id, fields()),
    "add_photo": lambda hub, actor, u: hub.updates.add_photo(actor, u.id, "a.jpg", jpeg(), "a"),
    "remove_photo": lambda hub, actor, u: hub.updates.remove_photo(actor, u.id, u.photos[0].id),
    "set_alt_text": lambda hub, actor, u: hub.updates.set_alt_text(
        actor, u.id, u.photos[0].id, "b"
    ),
    "reorder": lambda hub, actor, u: hub.updates.reorder(actor, u.id, [u.photos[0].id]),
    "thumbnail": lambda hub, actor, u: hub.updates.thumbnail(actor, u.id, u.photos[0].id),
    "submit": lambda hub, actor, u: hub.updates.submit(actor, u.id),
    "withdraw": lambda hub, actor, u: hub.updates.withdraw(actor, u.id),
    "list_for_department": lambda hub, actor, u: hub.updates.list_for_department(actor, "WATER"),
}


@pytest.mark.parametrize("method", sorted(ISOLATED_CALLS))
def test_an_officer_of_another_department_is_refused_by_id_and_audited(
    hub, actors, audit_rows, method
):
    water_update = ready_draft(hub, actors["officer.water"])
    with pytest.raises(PermissionDenied, match="only for your own department"):
        ISOLATED_CALLS[method](hub, actors["officer.roads"], water_update)
    denied = audit_rows(actor="officer.roads", outcome="denied")
    assert len(denied) == 1
    assert denied[0][4] == "WATER"
    assert hub.updates.get(actors["officer.water"], water_update.id) == water_update


def test_an_unknown_update_number_is_not_found(hub, actors):
    with pytest.raises(NotFound, match="no update number 999"):
        hub.updates.get(actors["officer.water"], 999)


# -- composing and previews ---------------------------------------------------------------


def test_a_launch_post_carries_place_and_event_time_in_kolkata():
    event = utc_now().replace(year=2026, month=11, day=23, hour=4, minute=30, second=0)
    draft = DraftFields(
        kind=UpdateKind.LAUNCH,
        title="Pumping station",
        text_bn=TEXT_BN,
        text_en=TEXT_EN,
        event_at=event,
        event_place="Tallah",
    )
    text = compose_post_text(draft, Platform.FACEBOOK)
    assert text == (
        f"Pumping station\n\n{TEXT_BN}\n\n{TEXT_EN}\n\n📍 Tallah · 🗓 23 Nov 2026, 10:00 IST"
    )
    assert compose_post_text(draft, Platform.X) == text
    separate = DraftFields(title="T", x_text=unicodedata.normalize("NFD", "জল আসছে"))
    assert compose_post_text(separate, Platform.X) == unicodedata.normalize("NFC", "জল আসছে")
    assert compose_post_text(separate, Platform.FACEBOOK) == "T"


def test_the_preview_counts_as_x_does_and_says_which_photos_go_to_x():
    draft = DraftFields(title="Details at https://www.kmcgov.in/water/notice/2026/11/23")
    x, facebook = sorted(preview(draft, photo_count=7), key=lambda p: p.platform != Platform.X)
    assert x.platform is Platform.X
    assert x.length == len("Details at ") + 23, "a URL weighs 23"
    assert x.limit == 280 and x.fits
    assert x.photos_used == 4
    assert any("first 4 of 7" in w for w in x.warnings)
    assert facebook.photos_used == 7
    assert facebook.length == len(draft.title)
    too_long = preview(DraftFields(title="ক" * 300), photo_count=1, platforms=(Platform.X,))[0]
    assert not too_long.fits and too_long.over_by == 20
    assert "20 over the limit" in too_long.warnings[0]
