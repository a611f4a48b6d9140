"""Wards as people write them, and boroughs: the city's groups of wards, set up by its IT.

A notice to "borough 7" reaches the subscribers of that borough's wards, and no one else; a
borough the city has not set up, or boroughs that do not add up, are refused clearly. The
boroughs here are made up for the tests (the hub ships none for Kolkata).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from whatsapp_fixtures import desk  # noqa: F401  (a fixture for the WhatsApp tests)

from hub.clock import utc_now
from hub.config import load_settings
from hub.errors import ConfigurationError, InvalidInput
from hub.i18n import translate
from hub.notices.notices import NoticeDraft
from hub.ward_lists import boroughs_from, parse_wards

BOROUGHS = {7: (60, 61, 62), 9: (88, 90)}
IN_BOROUGH_7, OUTSIDE = "919830012345", "919830099999"


def answers_to(running, wa_id: str) -> list[str]:
    """What the hub's number sent `wa_id`, oldest first."""
    return [m["text"] for m in running.whatsapp.sent_messages() if m["wa_id"] == wa_id]


@pytest.fixture
def settings(settings):
    """The test hub's settings with two boroughs."""
    return settings.model_copy(update={"boroughs": {7: "60-62", 9: "88, 90"}})


def test_wards_are_read_as_numbers_and_ranges_in_either_script():
    assert parse_wards("60-62, 88 ৬৫") == (60, 61, 62, 65, 88)
    assert parse_wards("  ") == ()
    for bad, words in (
        ("145", "no ward 145"),
        ("60-200", "not a range"),
        ("Kalighat", "not a ward"),
    ):
        with pytest.raises(InvalidInput, match=words):
            parse_wards(bad)


@pytest.mark.parametrize(
    ("written", "wards"),
    [
        ("borough 7", (60, 61, 62)),
        ("Borough No. 7, 65", (60, 61, 62, 65)),
        ("boro 9 borough7", (60, 61, 62, 88, 90)),
        ("বরো ৭", (60, 61, 62)),
        ("বরো নং ৯, ৬৫", (65, 88, 90)),
        ("61-62, borough 7", (60, 61, 62)),
    ],
)
def test_a_borough_is_read_as_its_wards_in_either_script(written, wards):
    assert parse_wards(written, BOROUGHS) == wards


def test_a_borough_that_is_not_set_up_is_refused_naming_the_ones_that_are():
    with pytest.raises(InvalidInput, match="no borough 8: the boroughs are 7, 9") as refused:
        parse_wards("borough 8", BOROUGHS)
    assert refused.value.translated(lambda m: translate(m, "bn")).startswith("8 নম্বর বরো নেই")
    with pytest.raises(InvalidInput, match="Write the borough's number"):
        parse_wards("60, borough", BOROUGHS)
    with pytest.raises(InvalidInput, match="No boroughs are set up"):
        parse_wards("borough 7")
    # The word alone, inside another word, is not a borough.
    with pytest.raises(InvalidInput, match="'boroughs7x' is not a ward"):
        parse_wards("boroughs7x", BOROUGHS)


def test_boroughs_that_do_not_add_up_are_refused_with_every_problem():
    with pytest.raises(ValueError) as refused:
        boroughs_from({1: "1-9", 2: "9-12", 3: "Kalighat", 4: "", 120: "50"})
    problems = str(refused.value)
    assert "ward 9 is in borough 1 and borough 2" in problems
    assert "borough 3: 'Kalighat' is not a ward" in problems
    assert "borough 4: no wards" in problems
    assert "borough 120: a borough's number is 1-99" in problems
    assert boroughs_from({16: "141, 142-144"}) == {16: (141, 142, 143, 144)}


def test_the_settings_take_boroughs_from_the_toml_file_and_refuse_bad_ones(tmp_path, monkeypatch):
    config = tmp_path / "city.toml"
    config.write_text('[boroughs]\n7 = "56-60, 62"\n16 = "141-144"\n', encoding="utf-8")
    monkeypatch.setenv("HUB_CONFIG_FILE", str(config))
    assert load_settings().borough_wards == {7: (56, 57, 58, 59, 60, 62), 16: (141, 142, 143, 144)}
    monkeypatch.setenv("HUB_BOROUGHS", '{"7": "56-60", "8": "60, 145"}')
    with pytest.raises(ConfigurationError, match="borough 8: There is no ward 145"):
        load_settings()


def test_a_notice_to_a_borough_reaches_the_subscribers_of_its_wards_only(desk, actors):  # noqa: F811
    wa, hub = desk.whatsapp, desk.hub
    wa.citizen_sends(IN_BOROUGH_7, "Rina", text="যোগ ৬১")
    wa.citizen_sends(OUTSIDE, "Amit", text="SUBSCRIBE 65")
    desk.settle()
    officer = actors["officer.water"]
    wards = hub.notices.wards_from("বরো ৭")
    assert wards == (60, 61, 62)
    assert [str(line) for line in hub.notices.borough_lines()] == [
        "borough 7: wards 60-62",
        "borough 9: wards 88, 90",
    ]
    now = utc_now()
    draft = NoticeDraft(
        "disruption",
        "পাইপ ফেটেছে: আজ জল সরবরাহ বন্ধ থাকবে।",
        "Pipe burst: no water supply today.",
        wards,
        now,
        now + timedelta(hours=4),
    )
    assert "ওয়ার্ড ৬০-৬২" in hub.notices.preview("WATER", draft)["bn"]
    notice = hub.notices.create(officer, "WATER", draft)
    hub.notices.submit(officer, notice.id)
    hub.notices.approve(actors["it.team"], notice.id)
    assert hub.notice_sender.fan_out_due().messages == 1
    for _ in range(3):
        hub.notice_sender.run_cycle()
        desk.settle()
    reached = [m["wa_id"] for m in wa.sent_messages() if m["type"] == "template"]
    assert reached == [IN_BOROUGH_7]


def test_a_citizen_follows_a_borough_by_whatsapp_and_is_answered_in_their_language(
    desk,  # noqa: F811
    actors,
):
    wa = desk.whatsapp
    wa.citizen_sends(IN_BOROUGH_7, "Rina", text="যোগ বরো ৭")
    wa.citizen_sends(OUTSIDE, "Amit", text="যোগ বরো ৮")
    desk.settle()
    assert "ওয়ার্ড ৬০-৬২" in answers_to(desk, IN_BOROUGH_7)[-1]
    assert desk.hub.subscriptions.ward_counts(actors["commissioner"]) == {
        60: 1,
        61: 1,
        62: 1,
    }
    refused = answers_to(desk, OUTSIDE)[-1]
    assert refused.startswith("বুঝতে পারিনি (৮ নম্বর বরো নেই)"), refused
    # What the hub could not read is said in the citizen's language, digits too.
    wa.citizen_sends(OUTSIDE, "Amit", text="যোগ ৯৯৯")
    desk.settle()
    assert "(৯৯৯ নম্বর ওয়ার্ড নেই: কলকাতার ওয়ার্ড ১-১৪৪।)" in answers_to(desk, OUTSIDE)[-1]
