"""The city map: figures by ward in the dashboard's scope, pins, work sites, and the page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_metrics import H, add_ticket

from hub.city_map import NO_TICKETS_COLOUR
from hub.clock import utc_now
from hub.errors import PermissionDenied
from hub.metrics import MetricsFilters
from hub.routing import wards_mentioned
from hub.wards import WardMap

ROOT = Path(__file__).resolve().parents[1]
WARDS = {w.number: w for w in WardMap.shipped().wards}


@pytest.fixture
def city(installed_hub):
    """Tickets in wards 65, 7 and 12 (times relative to now), two of them located."""
    hub = installed_hub
    now = utc_now()
    # WATER's first-response target is 4 h: the 10 h-old unanswered one is past it.
    late = add_ticket(hub, "WATER", now - 10 * H, status="new", ward=65)
    add_ticket(hub, "ROADS", now - 50 * H, status="in_progress", ward=65, first_response_after=H)
    fresh = add_ticket(hub, "ROADS", now - 3 * H, status="new", ward=7)
    add_ticket(hub, "WATER", now - 30 * H, status="resolved", ward=12, first_response_after=H)
    add_ticket(hub, "WATER", now - 20 * H, status="closed", ward=12, first_response_after=H)
    for ticket, ward in ((late, 65), (fresh, 7)):
        place = WARDS[ward]
        with hub.store.transaction() as cur:
            cur.execute(
                "UPDATE tickets SET latitude = ?, longitude = ? WHERE id = ?",
                [place.label_latitude, place.label_longitude, ticket],
            )
    return hub


def last_four_weeks() -> MetricsFilters:
    now = utc_now()
    return MetricsFilters(start=now - timedelta(days=28), end=now + timedelta(minutes=1))


def add_update(hub, department: str, title: str, place: str, status: str = "approved") -> int:
    now = utc_now()
    with hub.store.transaction() as cur:
        return cur.execute(
            "INSERT INTO updates (department_code, author, kind, title, text_bn, text_en,"
            " platforms, event_at, event_place, status, approved_at, created_at, updated_at)"
            " VALUES (?, 'officer', 'work_update', ?, '', 'Work today', ['facebook'], ?, ?, ?,"
            " ?, ?, ?) RETURNING id",
            [department, title, now - H, place, status, now - 2 * H, now, now],
        ).fetchone()[0]


def test_wards_are_shaded_by_open_tickets_share_past_target_and_per_week(city, actors):
    view = city.city_map.view(actors["commissioner"], last_four_weeks(), "open")
    assert {w: (s.tickets, s.open, s.open_past_target) for w, s in view.shades.items()} == {
        7: (1, 1, 0),
        12: (2, 0, 0),
        65: (2, 2, 1),
    }
    areas = {a.number: a for a in view.wards}
    assert len(areas) == 141, "every ward with a shape is drawn"
    assert areas[65].value == 2 and areas[65].colour[1] == 45, "the highest is the deepest"
    assert areas[12].value == 0
    assert areas[100].value is None and areas[100].colour == NO_TICKETS_COLOUR
    assert areas[65].tip == "Ward 65: Open tickets 2"

    share = city.city_map.view(actors["commissioner"], last_four_weeks(), "past_target")
    assert {a.number: a.value for a in share.wards if a.value is not None} == {
        7: 0.0,
        65: 50.0,
    }, "ward 12 has nothing open: no share"
    weekly = city.city_map.view(actors["commissioner"], last_four_weeks(), "per_week")
    assert {a.number: round(a.value, 2) for a in weekly.wards if a.value is not None} == {
        7: 0.25,
        12: 0.5,
        65: 0.5,
    }


def test_an_officer_sees_only_their_department(city, actors):
    view = city.city_map.view(actors["officer.water"], last_four_weeks(), "open")
    assert {w: s.tickets for w, s in view.shades.items()} == {12: 2, 65: 1}
    assert [p.ward for p in view.reports] == [65]
    with pytest.raises(PermissionDenied):
        city.city_map.view(
            actors["officer.water"],
            MetricsFilters(start=utc_now() - timedelta(days=28), department="ROADS"),
        )


def test_located_reports_are_pins_newest_first_with_their_total(city, actors):
    view = city.city_map.view(actors["it.team"], last_four_weeks())
    assert [(p.ward, p.department_code) for p in view.reports] == [(7, "ROADS"), (65, "WATER")]
    assert view.reports_total == 2
    assert view.reports[0].latitude == pytest.approx(WARDS[7].label_latitude)
    pins, total = city.metrics.located_tickets(actors["it.team"], last_four_weeks(), limit=1)
    assert len(pins) == 1 and total == 2


def test_approved_updates_naming_wards_are_work_sites(city, actors):
    add_update(city, "ROADS", "Road cutting on Rashbehari Avenue", "Ward 88 and ward 90")
    add_update(city, "WATER", "Pipeline repair", "ওয়ার্ড ৬৫, Kalighat")
    add_update(city, "WATER", "Draft repair", "Ward 66", status="draft")
    add_update(city, "SWM", "Cleaning drive", "Near the market")  # names no ward
    view = city.city_map.view(actors["commissioner"], last_four_weeks())
    assert sorted((w.department_code, w.ward) for w in view.works) == [
        ("ROADS", 88),
        ("ROADS", 90),
        ("WATER", 65),
    ]
    site = next(w for w in view.works if w.ward == 88)
    assert (site.longitude, site.latitude) == (WARDS[88].label_longitude, WARDS[88].label_latitude)
    mine = city.city_map.view(actors["officer.water"], last_four_weeks())
    assert [(w.department_code, w.ward) for w in mine.works] == [("WATER", 65)]


def test_wards_mentioned_reads_both_scripts_in_order_once_each():
    assert wards_mentioned("Ward 88, ward no. 90 and ওয়ার্ড ৮৮ again; 134 no ward") == [88, 90, 134]
    assert wards_mentioned("lamp post 118/27, Borough 10, ward 145") == []


def test_the_tickets_behind_a_ward(city, actors):
    behind = city.city_map.tickets_in_ward(actors["commissioner"], last_four_weeks(), 65)
    assert behind.total == 2 and {t.ward for t in behind.rows} == {65}


def map_page(actor, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "map.py"), default_timeout=30)
    at.session_state["auth_user_id"] = actor.user_id
    for key, value in state.items():
        at.session_state[key] = value
    return at


@pytest.mark.parametrize("who", ["commissioner", "it.team", "officer.roads"])
def test_the_map_page_draws_for_each_role_without_internet(city, actors, who):
    at = map_page(actors[who]).run()
    assert not at.exception, at.exception
    caption = " ".join(c.value for c in at.caption)
    expected = {"commissioner": 3, "it.team": 3, "officer.roads": 2}[who]
    assert f"{expected} ward(s) with tickets" in caption
    assert "DataMeet" in caption and "142, 143, 144" in caption
    (chart,) = at.get("deck_gl_json_chart")
    spec = chart.proto.json
    assert '"mapStyle": "data:application/json,' in spec, "no tiles by default"
    assert "cartocdn" not in spec
    assert '"id": "wards"' in spec or '"id":"wards"' in spec


def test_the_map_page_shades_by_the_chosen_figure(city, actors):
    at = map_page(actors["commissioner"], map_figure="past_target").run()
    assert not at.exception, at.exception
    spec = at.get("deck_gl_json_chart")[0].proto.json
    assert "Ward 65: Open tickets past target (%) 50 %" in spec
