"""The real Streamlit app through AppTest: login, each role's pages, denials on pages."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hub.demo import DEMO_PASSWORD
from hub.permissions import PAGES, Role, pages_for

ROOT = Path(__file__).resolve().parents[1]


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=30)


def log_in(at: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def test_login_page_is_shown_first(installed_hub):
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Municipal Social Hub"
    assert at.text_input(key="login_username") is not None


def test_wrong_password_shows_the_message_not_a_traceback(installed_hub):
    at = log_in(app(), "admin", "wrong-password")
    assert not at.exception
    assert "Wrong username or password" in at.error[0].value
    assert "auth_user_id" not in at.session_state


@pytest.mark.parametrize("username", ["admin", "it.team", "commissioner", "officer.water"])
def test_each_role_logs_in_to_its_home_with_real_counts(installed_hub, username):
    at = log_in(app(), username)
    assert not at.exception
    assert at.session_state["auth_user_id"] is not None
    labels = {metric.label for metric in at.metric}
    if username == "officer.water":
        assert at.title[0].value == "Water Supply · জল সরবরাহ"
        assert "Officers in the department" in labels
    else:
        departments = next(m for m in at.metric if m.label == "Departments")
        assert int(departments.value) == len(installed_hub.departments.all_departments())


@pytest.mark.parametrize("role", list(Role))
def test_every_page_of_a_role_renders_without_error(installed_hub, actor_of_role, role):
    actor = actor_of_role[role]
    for spec in pages_for(role):
        at = AppTest.from_file(str(ROOT / spec.script), default_timeout=30)
        at.session_state["auth_user_id"] = actor.user_id
        at.run()
        assert not at.exception, (role, spec.key, at.exception)
        assert not at.error, (role, spec.key, [e.value for e in at.error])


@pytest.mark.parametrize("role", list(Role))
def test_pages_outside_a_role_refuse_even_when_opened_directly(
    installed_hub, actor_of_role, audit_rows, role
):
    actor = actor_of_role[role]
    allowed = {spec.key for spec in pages_for(role)}
    for spec in PAGES:
        if spec.key in allowed:
            continue
        at = AppTest.from_file(str(ROOT / spec.script), default_timeout=30)
        at.session_state["auth_user_id"] = actor.user_id
        at.run()
        assert not at.exception
        assert at.error and "Not allowed" in at.error[0].value, (role, spec.key)
        assert not at.dataframe, "a refused page must not show data"
    denied = audit_rows(actor=actor.username, outcome="denied")
    assert len(denied) == len(PAGES) - len(allowed)


def test_logout_returns_to_the_login_page(installed_hub, audit_rows):
    at = log_in(app(), "it.team")
    at.sidebar.button(key="app_logout").click()
    at.run()
    assert "auth_user_id" not in at.session_state
    assert at.text_input(key="login_username") is not None
    assert audit_rows(actor="it.team", action="logout")


def test_a_disabled_user_is_logged_out_on_the_next_click(installed_hub, actors):
    at = log_in(app(), "officer.roads")
    installed_hub.accounts.set_active(actors["admin"], "officer.roads", False)
    at.run()
    assert "auth_user_id" not in at.session_state
    assert at.text_input(key="login_username") is not None


def test_admin_adds_a_user_from_the_page(installed_hub, actor_of_role):
    at = AppTest.from_file(str(ROOT / "pages/users.py"), default_timeout=30)
    at.session_state["auth_user_id"] = actor_of_role[Role.ADMIN].user_id
    at.run()
    at.text_input(key="users_add_username").input("ward.65.clerk")
    at.text_input(key="users_add_name").input("ওয়ার্ড ৬৫ ক্লার্ক")
    at.selectbox(key="users_add_role").select(Role.OFFICER)
    at.selectbox(key="users_add_department").select("LIGHT")
    at.text_input(key="users_add_password").input("clerk-password-65")
    at.button[0].click()
    at.run()
    assert not at.exception
    created = installed_hub.accounts.get_user(actor_of_role[Role.ADMIN], "ward.65.clerk")
    assert created.department_code == "LIGHT"
    assert created.display_name == unicodedata.normalize("NFC", "ওয়ার্ড ৬৫ ক্লার্ক")


def test_departments_page_shows_problems_of_a_bad_upload_and_imports_nothing(
    installed_hub, actor_of_role
):
    # AppTest cannot drive st.file_uploader; the service path behind the button is what the
    # page calls, and the browser test uploads a file for real.
    at = AppTest.from_file(str(ROOT / "pages/departments.py"), default_timeout=30)
    at.session_state["auth_user_id"] = actor_of_role[Role.COMMISSIONER].user_id
    at.run()
    assert not at.exception
    assert at.dataframe, "everyone can read the departments"
    assert not at.button, "only admins get import and edit controls"
