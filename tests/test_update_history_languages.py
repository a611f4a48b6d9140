"""An update's history read in the officer's language: the notes the hub writes (the times IT
approved, a reschedule, a late launch's refusal, the fields IT edited, a post returned to IT)
are kept as catalogue sentences beside their English, with their times written the reader's
way; a person's own note stays as written; the English is unchanged for the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_updates import KOLKATA, launch, ready_draft, submitted

from hub.clock import format_local, utc_now
from hub.errors import InvalidInput
from hub.i18n import (
    Message,
    Moment,
    Verbatim,
    language_of,
    message_from_json,
    message_to_json,
    translate,
)
from hub.platforms.base import Platform
from hub.publishing.updates import LateLaunchNotice


def bengali(message) -> str:
    return message.translated(lambda text: translate(text, "bn"))


def english(message) -> str:
    return message.translated(lambda text: translate(text, "en"))


def test_a_moment_is_written_the_readers_way_and_survives_being_stored():
    at = datetime(2026, 12, 8, 4, 30, tzinfo=UTC)
    sentence = Message("{platform} at {time}", platform=Verbatim("x"), time=Moment(at, KOLKATA))
    assert sentence == "x at 08 Dec 2026, 10:00 IST" == english(sentence)
    stored = message_from_json(message_to_json(sentence))
    assert stored == sentence
    assert bengali(stored) == "x: ৮ ডিসে ২০২৬, ১০:০০ IST"
    assert language_of(lambda text: translate(text, "bn")) == "bn"
    assert language_of(lambda text: text) == "en"


def test_approval_edits_and_a_reschedule_read_in_bengali(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    update = submitted(hub, officer)
    hub.review.edit(it, update.id, {"title": "Pipeline, ward 65", "x_text": "Short"})
    at = (utc_now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    approved = hub.review.approve(it, update.id, {Platform.FACEBOOK: at, Platform.X: at})
    later = at + timedelta(hours=2)
    facebook = next(p for p in approved.posts if p.platform is Platform.FACEBOOK)
    hub.schedule.reschedule(it, facebook.id, later)

    events = {e.event: e for e in hub.updates.get(officer, update.id).events}
    edited, planned, moved = events["edited"], events["approved"], events["rescheduled"]
    # The English stays what it was, for the log and the search.
    assert edited.note == "changed: title, X text"
    assert format_local(at, KOLKATA) in planned.note
    assert bengali(edited.shown_note) == "বদলানো হয়েছে: শিরোনাম, X-এর লেখা"
    bengali_time = bengali(Moment(at, KOLKATA))
    assert any("০" <= ch <= "৯" for ch in bengali_time)
    assert bengali(planned.shown_note) == f"facebook: {bengali_time}; x: {bengali_time}"
    assert bengali(moved.shown_note) == (
        f"facebook: {bengali_time} থেকে {bengali(Moment(later, KOLKATA))}-এ সরানো হয়েছে"
    )


def test_a_late_launchs_refusal_is_kept_and_shown_in_the_officers_language(hub, actors):
    officer = actors["officer.water"]
    update = ready_draft(hub, officer, **launch(timedelta(hours=6)))
    with pytest.raises(LateLaunchNotice) as refused:
        hub.updates.submit(officer, update.id)
    (late,) = [e for e in hub.updates.get(officer, update.id).events if e.event == "late_refused"]
    assert late.note == str(refused.value)
    shown = bengali(late.shown_note)
    assert shown == bengali(refused.value), "the page's error and the history say the same"
    assert "২৪" in shown or "24" in shown
    assert not any(month in shown for month in ("Jan", "Dec", "Nov")), shown


def test_a_persons_own_note_stays_as_written(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    update = submitted(hub, officer)
    hub.review.request_changes(it, update.id, "title")
    (asked,) = [
        e for e in hub.updates.get(officer, update.id).events if e.event == "changes_requested"
    ]
    assert asked.note_sentence is None
    assert bengali(asked.shown_note) == "title"


def test_a_refused_time_is_written_the_readers_way_in_the_error(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    update = submitted(hub, officer)
    at = utc_now() + timedelta(hours=3)
    approved = hub.review.approve(it, update.id, {Platform.FACEBOOK: at, Platform.X: at})
    past = datetime(2026, 1, 5, 4, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput) as refused:
        hub.schedule.reschedule(it, approved.posts[0].id, past)
    assert str(refused.value).startswith("05 Jan 2026, 10:00 IST has passed")
    shown = bengali(refused.value)
    assert shown.startswith("৫ জানু ২০২৬, ১০:০০ IST পেরিয়ে গেছে"), shown
