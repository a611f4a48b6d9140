"""The triage pages through AppTest: the board per role, bulk assignment, a ticket resolved,
the escalations page, and citizens' hostile text shown as plain text only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_board import HOSTILE
from triage_fixtures import ROADS_COMPLAINT, WATER_COMPLAINT, add_interaction, new_ticket, ticket_of

from hub.permissions import Actor

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Who should I talk to about this?"


def page(script: str, actor: Actor, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / script), default_timeout=30)
    at.session_state["auth_user_id"] = actor.user_id
    for key, value in state.items():
        at.session_state[key] = value
    return at


def shown_markdown(at: AppTest) -> str:
    return " ".join(str(m.value) for m in [*at.markdown, *at.caption, *at.title, *at.success])


@pytest.fixture
def board_hub(installed_hub):
    hub = installed_hub
    ids = {
        "water": new_ticket(hub, WATER_COMPLAINT, author="a"),
        "hostile": new_ticket(hub, HOSTILE, author="h"),
        "roads": new_ticket(hub, ROADS_COMPLAINT, author="r"),
        "queue": new_ticket(hub, QUESTION, author="q"),
    }
    return hub, ids


@pytest.mark.parametrize(
    ("username", "expected"),
    [("officer.water", 2), ("it.team", 4), ("commissioner", 4)],
)
def test_board_renders_for_each_role(board_hub, actors, username, expected):
    at = page("board.py", actors[username]).run()
    assert not at.exception
    assert at.title[0].value == "Triage board"
    assert len(at.dataframe[0].value) == expected
    assert "<script>" not in shown_markdown(at)


def test_the_ticket_page_says_why_here_in_bengali(installed_hub, actors):
    ticket_id = new_ticket(installed_hub, "জল নেই তিন দিন, ৬৫ নম্বর ওয়ার্ড", author="b")
    at = page("ticket.py", actors["officer.water"], ticket_id=ticket_id, ui_language="bn").run()
    assert not at.exception
    why = next(t.value for t in at.text if t.value.startswith("এখানে কেন:"))
    assert why.startswith("এখানে কেন: Water Supply: মিলেছে 'জল নেই'; '৬৫ নম্বর ওয়ার্ড' থেকে ওয়ার্ড 65")


def test_hostile_text_is_plain_text_in_the_ticket_page(board_hub, actors):
    _hub, ids = board_hub
    at = page("ticket.py", actors["officer.water"], ticket_id=ids["hostile"]).run()
    assert not at.exception
    assert HOSTILE in [t.value for t in at.text]
    assert "javascript:" not in shown_markdown(at) and "<script>" not in shown_markdown(at)


def test_it_bulk_assigns_the_it_queue(board_hub, actors):
    hub, ids = board_hub
    at = page("board.py", actors["it.team"]).run()
    references = {row.reference: row.id for row in hub.board.page(actors["it.team"], _all()).rows}
    queue_reference = next(r for r, i in references.items() if i == ids["queue"])
    at.multiselect(key="board_bulk_refs").set_value([queue_reference])
    at.selectbox(key="board_bulk_to").set_value("WATER")
    at.text_input(key="board_bulk_reason").input("Citizen asks about water")
    at.button(key="board_bulk_assign").click().run()
    assert not at.exception
    assert "1 moved" in at.success[0].value
    assert hub.tickets.get(actors["it.team"], ids["queue"]).ticket.department_code == "WATER"


def test_officer_opens_a_ticket_and_resolves_it(board_hub, actors):
    hub, ids = board_hub
    officer = actors["officer.water"]
    at = page("ticket.py", officer, ticket_id=ids["water"]).run()
    assert not at.exception
    at.text_input(key=f"ticket_status_note_{ids['water']}").input("Valve replaced")
    at.button(key="ticket_resolve").click().run()
    assert not at.exception
    assert "resolved" in at.success[0].value
    view = hub.tickets.get(officer, ids["water"])
    assert view.ticket.status == "resolved" and view.events[-1].note == "Valve replaced"


def test_officer_is_refused_another_departments_ticket(board_hub, actors):
    _hub, ids = board_hub
    at = page("ticket.py", actors["officer.water"], ticket_id=ids["roads"]).run()
    assert not at.exception
    assert "Not allowed" in at.error[0].value


def test_escalations_page_for_the_commissioner(board_hub, actors):
    hub, _ids = board_hub
    hub.tickets.check_targets(now=_far_future())
    at = page("escalations.py", actors["commissioner"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 4
    # Each ticket's clock as people read it, never a negative count of minutes.
    # (Escalated as if a month from now; by today's clock they still have hours.)
    shown = list(table["Time left"])
    assert all(re.fullmatch(r"\d+ h \d\d min left", left) for left in shown), shown
    assert "Minutes left" not in table.columns
    assert all(ward == "—" or ward.isdigit() for ward in table["Ward"])


def _all():
    from hub.tickets.board import BoardFilters

    return BoardFilters()


def _far_future():
    from datetime import timedelta

    from hub.clock import utc_now

    return utc_now() + timedelta(days=30)


def test_a_linked_follow_up_shows_the_first_ticket_on_its_page(board_hub, actors):
    hub, ids = board_hub
    later = add_interaction(hub, WATER_COMPLAINT, author="r")  # under the ROADS ticket's thread
    hub.tickets.triage_new_interactions()
    water = ticket_of(hub, later)
    roads_reference = hub.tickets.get(actors["it.team"], ids["roads"]).ticket.reference
    at = page("ticket.py", actors["officer.water"], ticket_id=water).run()
    assert not at.exception
    assert "**Linked tickets**" in shown_markdown(at)
    assert any(t.value.startswith(f"{roads_reference} · ROADS") for t in at.text)


def test_the_board_says_overdue_and_shows_a_missing_ward_as_a_dash(board_hub, actors):
    from datetime import timedelta

    from triage_fixtures import set_ticket

    from hub.clock import utc_now

    hub, ids = board_hub
    set_ticket(hub, ids["queue"], opened_at=utc_now() - timedelta(days=40), ward=None)
    at = page("board.py", actors["it.team"]).run()
    assert not at.exception
    frame = at.dataframe[0].value
    row = frame[frame["Reference"].str.len() > 0].iloc[0]
    assert str(row["Time left"]).startswith("overdue ")
    assert "-" not in str(row["Time left"]).split()[1]
    assert "None" not in frame["Ward"].astype(str).tolist()
    assert "—" in frame["Ward"].astype(str).tolist()
