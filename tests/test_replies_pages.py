"""The answering pages through AppTest: IT creates a template; an officer answers a ticket
from the answer panel, and the reply is listed with its status and, once sent, its link."""

from __future__ import annotations

from pathlib import Path

from replies_fixtures import add_ticket
from streamlit.testing.v1 import AppTest
from test_replies import facebook_ticket

ROOT = Path(__file__).resolve().parents[1]


def app_page(path: Path, actor) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=30)
    at.session_state["auth_user_id"] = actor.user_id
    return at


def clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_it_creates_a_department_template_on_the_templates_page(installed_hub, actors):
    at = app_page(ROOT / "pages" / "templates.py", actors["it.team"]).run()
    clean(at)
    at.text_input(key="templates_new_name").input("Tanker on its way")
    at.selectbox(key="templates_new_dept").select("WATER")
    at.selectbox(key="templates_new_language").select("bn")
    at.text_area(key="templates_new_body").input("{reference}: ওয়ার্ড {ward}-এ ট্যাঙ্কার যাচ্ছে।")
    next(b for b in at.button if b.label == "Create template").click().run()
    clean(at)
    created = [
        t for t in installed_hub.templates.list(actors["it.team"]) if t.name == "Tanker on its way"
    ]
    assert len(created) == 1
    assert (created[0].department_code, created[0].language) == ("WATER", "bn")


def test_the_templates_page_refuses_an_unknown_placeholder_with_its_message(installed_hub, actors):
    at = app_page(ROOT / "pages" / "templates.py", actors["it.team"]).run()
    at.text_input(key="templates_new_name").input("Bad")
    at.text_area(key="templates_new_body").input("Dear {name}")
    next(b for b in at.button if b.label == "Create template").click().run()
    assert not at.exception
    # Errors are shown with markdown's punctuation escaped (they may echo what was typed).
    assert "Unknown placeholder {name}" in at.error[0].value.replace("\\", "")


def test_an_officer_answers_from_the_panel_with_a_rendered_template(installed_hub, actors):
    officer = actors["officer.water"]
    ticket_id, _ = facebook_ticket(installed_hub)
    at = app_page(ROOT / "tests" / "ui_pages" / "answer_panel_page.py", officer)
    at.session_state["answer_panel_ticket"] = ticket_id
    at.run()
    clean(at)
    prefix = f"answer_panel_{ticket_id}"
    template = next(
        o for o in at.selectbox(key=f"{prefix}_template").options if "Work in progress" in o
    )
    at.selectbox(key=f"{prefix}_template").select(template).run()
    text_area = next(t for t in at.text_area if t.key.startswith(f"{prefix}_text_"))
    reference = installed_hub.replies.target(ticket_id).reference
    assert (
        text_area.value == f"Water Supply is working on your complaint {reference} in ward 65. "
        "We will update you here."
    )
    at.button(key=f"{prefix}_send").click().run()
    clean(at)
    assert any("Reply queued" in s.value for s in at.success)
    assert installed_hub.replies.run_cycle().sent == 1
    at.run()
    clean(at)
    assert any(c.value.startswith("Posted") for c in at.caption)
    [reply] = installed_hub.replies.replies_for(officer, ticket_id)
    link = f"{installed_hub.settings.public_url}/track/{reference}"
    assert reply.status == "sent" and reply.text == f"{text_area.value} {link}"


def test_the_panel_shows_but_does_not_offer_answering_to_other_departments(installed_hub, actors):
    ticket_id = add_ticket(installed_hub, department_code="ROADS")
    at = app_page(ROOT / "tests" / "ui_pages" / "answer_panel_page.py", actors["officer.water"])
    at.session_state["answer_panel_ticket"] = ticket_id
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == f"answer_panel_{ticket_id}_send"]
