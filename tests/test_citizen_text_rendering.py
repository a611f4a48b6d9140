"""Citizens' words are shown as text on every page: never as markdown, links, images or HTML.

A citizen chooses their own display name and text. Streamlit renders markdown in captions,
titles, alerts, labels and help, so a name like ``[Verify](http://...) ![t](http://...)`` in
any of them becomes a live link and an image the staff browser fetches (a tracking pixel).
Each page every role can open is rendered with such a name and text in the data, and every
element that renders markdown is searched for them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from triage_fixtures import ROADS_COMPLAINT, WATER_COMPLAINT, new_ticket

from hub.permissions import Role, pages_for

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_NAME = "[Verify your account](http://tracker.example/v) ![t](http://tracker.example/t.png)"
HOSTILE_TEXT = (
    "<img src=http://tracker.example/i.png> [click](http://tracker.example/c) :red[alarm] "
)
# What any of the above leaves behind if it reaches a markdown-rendering element.
TRACES = ("tracker.example", ":red[")
# Elements that show their content as plain text (or as table cells, not markdown).
PLAIN_ELEMENTS = {
    "text",
    "dataframe",
    "arrow_data_frame",
    "code",
    "text_input",
    "text_area",
    "json",
}
# Select boxes show their options as plain labels; only their label and help are markdown.
PLAIN_OPTIONS = {"selectbox", "multiselect"}


def walk(node):
    """Every element under an AppTest node, depth first."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def markdown_traces(at: AppTest) -> list[str]:
    """The markdown-rendering elements that carry any of the hostile text, as strings."""
    found = []
    for element in walk(at._tree):
        proto = getattr(element, "proto", None)
        if proto is None or getattr(element, "type", None) in PLAIN_ELEMENTS:
            continue
        kind = getattr(element, "type", None)
        shown = f"{proto.label} {proto.help}" if kind in PLAIN_OPTIONS else str(proto)
        if any(trace in shown for trace in TRACES):
            found.append(f"{element.type}: {shown[:200]}")
    return found


@pytest.fixture
def hostile_hub(installed_hub):
    hub = installed_hub
    water = new_ticket(hub, WATER_COMPLAINT + " " + HOSTILE_TEXT, author_name=HOSTILE_NAME)
    roads = new_ticket(
        hub, ROADS_COMPLAINT + " " + HOSTILE_TEXT, author="c-2", author_name=HOSTILE_NAME
    )
    post = hub.sandbox.graph.seed_post("Ward 65 drain desilting done")
    hub.sandbox.graph.add_citizen_comment(post, HOSTILE_TEXT, HOSTILE_NAME)
    hub.sandbox.x.add_mention(HOSTILE_TEXT, "ratna_k", HOSTILE_NAME)
    return hub, {"WATER": water, "ROADS": roads}


def role_pages():
    for role, username in (
        (Role.OFFICER, "officer.water"),
        (Role.IT, "it.team"),
        (Role.COMMISSIONER, "commissioner"),
        (Role.ADMIN, "admin"),
    ):
        for spec in pages_for(role):
            yield pytest.param(username, spec.script, id=f"{username}-{spec.key}")


@pytest.mark.parametrize(("username", "script"), list(role_pages()))
def test_no_page_renders_a_citizens_words_as_markdown(hostile_hub, actors, username, script):
    _hub, tickets = hostile_hub
    at = AppTest.from_file(str(ROOT / script), default_timeout=30)
    at.session_state["auth_user_id"] = actors[username].user_id
    at.session_state["ticket_id"] = tickets["WATER"]
    at.run()
    assert not at.exception
    assert markdown_traces(at) == []


def test_the_ticket_page_shows_the_hostile_name_and_text_as_text(hostile_hub, actors):
    _hub, tickets = hostile_hub
    at = AppTest.from_file(str(ROOT / "pages/ticket.py"), default_timeout=30)
    at.session_state["auth_user_id"] = actors["officer.water"].user_id
    at.session_state["ticket_id"] = tickets["WATER"]
    at.run()
    shown = " ".join(t.value for t in at.text)
    assert HOSTILE_NAME in shown and "[click](http://tracker.example/c)" in shown
    assert markdown_traces(at) == [], "the test finds what the page shows"


@pytest.mark.parametrize("username", ["officer.water", "commissioner"])
def test_the_tickets_behind_a_dashboard_figure_show_text_as_text(hostile_hub, actors, username):
    at = AppTest.from_file(str(ROOT / "pages/dashboard.py"), default_timeout=30)
    at.session_state["auth_user_id"] = actors[username].user_id
    at.run()
    at.button(key="dash_drill_show").click().run()
    assert not at.exception
    behind = at.dataframe[-1].value
    assert any(HOSTILE_TEXT.strip() in text for text in behind["Text"])
    assert markdown_traces(at) == []


def test_an_error_echoing_typed_text_shows_it_as_text(hostile_hub, actors):
    at = AppTest.from_file(str(ROOT / "pages/ticket.py"), default_timeout=30)
    at.session_state["auth_user_id"] = actors["officer.water"].user_id
    at.run()
    at.text_input(key="ticket_reference").input("[x](http://tracker.example/r)")
    at.button(key="ticket_find").click().run()
    assert "no ticket with reference" in at.error[0].value
    shown = at.error[0].value
    assert "\\[x\\]" in shown and "[x]" not in shown, "markdown in an error is escaped"
    assert shown.replace("\\", "").count("[x](http://tracker.example/r)") == 1
