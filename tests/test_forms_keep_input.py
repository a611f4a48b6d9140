"""A refused form keeps what the person typed; an accepted one starts empty and says so.

Through the real pages in AppTest: the Subscribers page's "Add a named recipient" and the
Users page's "Add a user". Streamlit's clear_on_submit emptied both on a refusal too.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from hub.permissions import Role

ROOT = Path(__file__).resolve().parents[1]


def page(script: str, actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=30)
    at.session_state["auth_user_id"] = actor.user_id
    return at.run()


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_a_refused_recipient_keeps_what_was_typed(installed_hub, actor_of_role):
    it = actor_of_role[Role.IT]
    at = page("pages/subscribers.py", it)
    typed = {
        "subscriber_add_phone": "98300 12345",
        "subscriber_add_name": "কাউন্সিলর, ওয়ার্ড ৬৫",
        "subscriber_add_wards": "65, 999",
        "subscriber_add_consent": "paper form 2026/114",
    }
    for key, value in typed.items():
        at.text_input(key=key).input(value)
    at.selectbox(key="subscriber_add_language").select("en")
    at = submit(at, "Add")
    assert not at.exception
    assert "There is no ward 999" in at.error[0].value
    assert {key: at.text_input(key=key).value for key in typed} == typed
    assert at.selectbox(key="subscriber_add_language").value == "en"
    assert installed_hub.subscriptions.subscribers(it) == []

    # Corrected, it is added; the form is empty again and says what it did.
    at.text_input(key="subscriber_add_wards").input("65, 66")
    at = submit(at, "Add")
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Added."]
    assert all(at.text_input(key=key).value == "" for key in typed)
    assert at.selectbox(key="subscriber_add_language").value == "bn"
    (added,) = installed_hub.subscriptions.subscribers(it)
    assert (added.number_ending, added.language) == ("2345", "en")
    assert sorted(added.topics) == ["ward:65", "ward:66"]

    # The message is shown once: the next click on the page no longer carries it.
    assert not at.run().success


def test_a_refused_user_keeps_what_was_typed(installed_hub, actor_of_role):
    admin = actor_of_role[Role.ADMIN]
    at = page("pages/users.py", admin)
    at.text_input(key="users_add_username").input("ward.65.clerk")
    at.text_input(key="users_add_name").input("ওয়ার্ড ৬৫ ক্লার্ক")
    at.selectbox(key="users_add_role").select(Role.OFFICER)
    at.selectbox(key="users_add_department").select("LIGHT")
    at.text_input(key="users_add_password").input("short")
    at = submit(at, "Add user")
    assert not at.exception
    assert at.error, "a first password of five characters is refused"
    assert at.text_input(key="users_add_username").value == "ward.65.clerk"
    assert at.text_input(key="users_add_name").value == "ওয়ার্ড ৬৫ ক্লার্ক"
    assert at.selectbox(key="users_add_department").value == "LIGHT"
    assert "ward.65.clerk" not in [u.username for u in installed_hub.accounts.list_users(admin)]

    at.text_input(key="users_add_password").input("clerk-password-65")
    at = submit(at, "Add user")
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["User ward.65.clerk added."]
    assert at.text_input(key="users_add_username").value == ""
    assert at.selectbox(key="users_add_department").value == ""
    assert "ward.65.clerk" in [u.username for u in installed_hub.accounts.list_users(admin)]
