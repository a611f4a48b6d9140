"""Home pages: real counts, including tickets near and past their targets."""

from __future__ import annotations

from datetime import timedelta

from triage_fixtures import new_ticket, set_ticket

from hub.clock import utc_now


def figures(hub, actor) -> dict[str, object]:
    return {figure.label: figure.value for figure in hub.home.summary(actor).figures}


def test_officer_home_counts_own_tickets_near_and_past_target(hub, actors):
    officer = actors["officer.water"]
    target_hours = hub.departments.get(officer, "WATER").first_response_target_hours
    # Three different citizens: one citizen's second message would be a follow-up.
    near, late, fresh = (new_ticket(hub, author=f"citizen-{n}") for n in range(3))
    set_ticket(hub, near, opened_at=utc_now() - timedelta(hours=target_hours * 0.8))
    set_ticket(hub, late, opened_at=utc_now() - timedelta(hours=target_hours * 1.5))
    set_ticket(hub, fresh, opened_at=utc_now())
    counts = figures(hub, officer)
    assert counts["Open tickets"] == 3
    assert counts["Near their target (75 %+)"] == 1
    assert counts["Past their target"] == 1
    # Another department's officer sees none of them.
    assert figures(hub, actors["officer.roads"])["Open tickets"] == 0


def test_admin_home_has_no_ticket_figures_and_commissioner_sees_the_city(hub, actors):
    new_ticket(hub)
    assert "Open tickets" not in figures(hub, actors["admin"])
    assert figures(hub, actors["commissioner"])["Open tickets"] == 1
