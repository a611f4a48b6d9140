"""The dashboard through AppTest: each role's view, filters, the tickets behind a figure,
and the downloads' contents (neutralised cells) on tickets with hand-known figures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_metrics import H, M, add_ticket

from hub import bootstrap
from hub.clock import utc_now
from hub.metrics import MetricsFilters

ROOT = Path(__file__).resolve().parents[1]


def dashboard(actor, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "dashboard.py"), default_timeout=30)
    at.session_state["auth_user_id"] = actor.user_id
    for key, value in state.items():
        at.session_state[key] = value
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def known(installed_hub):
    """Six tickets opened in the last days (the page's default period is the last 28 days)."""
    hub = installed_hub
    now = utc_now()
    add_ticket(hub, "WATER", now - 30 * H, status="resolved",
               first_response_after=60 * M, resolved_after=600 * M)  # fmt: skip
    add_ticket(hub, "WATER", now - 20 * H, status="closed",
               first_response_after=180 * M, resolved_after=1800 * M)  # fmt: skip
    add_ticket(hub, "WATER", now - 10 * H, status="new", ward=65)
    add_ticket(hub, "ROADS", now - 50 * H, status="in_progress",
               first_response_after=900 * M, escalated=True, ward=65)  # fmt: skip
    add_ticket(hub, "ROADS", now - 3 * H, status="new", ward=7)
    add_ticket(hub, None, now - 2 * H, status="new", ward=None)
    # Opened before the default period: never counted.
    add_ticket(hub, "WATER", now - timedelta(days=40), status="resolved",
               first_response_after=5 * M, resolved_after=10 * M)  # fmt: skip
    return hub


def test_commissioner_sees_headline_and_league(known, actors):
    at = dashboard(actors["commissioner"]).run()
    assert not at.exception, at.exception
    assert metric(at, "Tickets") == "6"
    # Answered [60, 180, 900] → median 180 min.
    assert metric(at, "Median first response") == "3 h 00 min"
    # WATER 4 h: met 60, 180; missed the 10 h-old unanswered one. ROADS 12 h: 900 missed;
    # the 3 h-old one pending. IT queue 8 h: 2 h old, pending. 2 of 4 decided → 50 %.
    assert metric(at, "First response within target") == "50 %"
    assert metric(at, "Open now") == "4"
    assert metric(at, "Escalations") == "1"
    league = at.dataframe(key="dash_league_table").value
    water = league[league["Department"].str.startswith("Water Supply")].iloc[0]
    assert water["Tickets"] == 3
    assert water["First response median"] == "2 h 00 min"
    assert water["First response within target"] == pytest.approx(200 / 3)
    assert "জল" in water["Department"]


def test_officer_sees_only_their_department(known, actors):
    at = dashboard(actors["officer.water"]).run()
    assert not at.exception, at.exception
    assert metric(at, "Tickets") == "3"
    league = at.dataframe(key="dash_league_table").value
    assert len(league) == 1 and league.iloc[0]["Department"].startswith("Water Supply")


def test_filters_narrow_every_figure(known, actors):
    at = dashboard(actors["commissioner"]).run()
    at.selectbox(key="dash_ward").set_value(65).run()
    assert metric(at, "Tickets") == "2"
    at.selectbox(key="dash_department").set_value("ROADS").run()
    assert not at.exception, at.exception
    assert metric(at, "Tickets") == "1"
    assert metric(at, "Escalations") == "1"


def test_tickets_behind_a_figure_and_open_one(known, actors):
    at = dashboard(actors["commissioner"]).run()
    at.selectbox(key="dash_drill_figure").set_value("waiting")
    at.selectbox(key="dash_drill_department").set_value("WATER")
    at.button(key="dash_drill_show").click().run()
    assert not at.exception, at.exception
    behind = at.dataframe(key="dash_behind_table").value
    assert len(behind) == 1
    assert behind.iloc[0]["Ward"] == 65
    assert any("1 ticket(s)" in str(m.value) for m in at.markdown)


def test_a_clicked_cell_lists_its_tickets(known, actors):
    # What a click on ROADS' "Escalations" cell stores (AppTest cannot click a grid cell).
    drill = {"figure": "escalated", "label": "Roads: Escalated", "department": "ROADS"}
    at = dashboard(actors["commissioner"], dash_drill=drill).run()
    assert not at.exception, at.exception
    behind = at.dataframe(key="dash_behind_table").value
    assert list(behind["Escalated"]) == [True]
    assert behind.iloc[0]["First response"] == "15 h 00 min"


@pytest.mark.parametrize("tab", ["Trends", "Distribution", "Wards", "Backlog", "Publishing"])
def test_every_tab_renders(known, actors, tab):
    at = dashboard(actors["it.team"], dash_tab=tab).run()
    assert not at.exception, at.exception


def test_demo_history_gives_the_dashboard_figures(hub, actors):
    from hub.demo_history import seed_demo_history

    report = seed_demo_history(hub, bootstrap.demo_corpus(), days=14, per_day=10)
    # 140 comments and mentions, and a sixth as many reports with a place (Open311).
    assert report.interactions == 140 + 23
    # Praise and spam were left out of the corpus sample; every message needs an answer,
    # though the router folds a citizen's second message in a thread into the first ticket.
    assert 23 < report.tickets <= 163
    with hub.store.cursor() as cur:
        located = cur.execute(
            "SELECT count(*), count(*) FILTER (status <> 'new') FROM tickets"
            " WHERE latitude IS NOT NULL AND platform = 'open311'"
        ).fetchone()
    assert located[0] == 23 and located[1] > 0, "located reports, with outcomes like the rest"
    again = seed_demo_history(hub, bootstrap.demo_corpus(), days=14, per_day=10)
    assert (again.interactions, again.tickets) == (0, 0)
    league = hub.metrics.department_league(actors["commissioner"], MetricsFilters())
    assert sum(row.tickets for row in league) == report.tickets
    quick = next(r for r in league if r.department_code == "WATER")
    slow = next(r for r in league if r.department_code == "DRAIN")
    assert quick.first_response_median < slow.first_response_median
