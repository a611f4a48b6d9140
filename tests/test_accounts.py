"""Logins, lockout with backoff, disabled accounts and user management."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from hub.accounts import REFUSED_LOGIN
from hub.clock import utc_now
from hub.demo import DEMO_PASSWORD
from hub.errors import AccountLockedError, AuthenticationError, InvalidInput
from hub.permissions import Role


def test_login_returns_the_actor_with_role_and_department(hub, audit_rows):
    actor = hub.accounts.authenticate("Officer.Water ", DEMO_PASSWORD)
    assert (actor.username, actor.role, actor.department_code) == (
        "officer.water",
        Role.OFFICER,
        "WATER",
    )
    assert audit_rows(action="login", actor="officer.water")[-1][2] == "ok"


def test_passwords_are_stored_as_argon2id_hashes(hub):
    with hub.store.cursor() as cur:
        hashes = [r[0] for r in cur.execute("SELECT password_hash FROM users").fetchall()]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(DEMO_PASSWORD not in h for h in hashes)


def test_wrong_password_is_refused_and_audited(hub, audit_rows):
    with pytest.raises(AuthenticationError) as caught:
        hub.accounts.authenticate("it.team", "not-the-password")
    assert str(caught.value) == REFUSED_LOGIN
    row = audit_rows(action="login", actor="it.team")[-1]
    assert row[2] == "failed" and "wrong password (1 in a row)" in row[5]


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(hub, audit_rows):
    with pytest.raises(AuthenticationError) as caught:
        hub.accounts.authenticate("nobody", "whatever-it-is")
    assert str(caught.value) == REFUSED_LOGIN
    assert audit_rows(action="login", actor="nobody")[-1][5] == "unknown user"


def test_no_answer_tells_a_real_account_from_an_unknown_one(hub):
    # Issue 12, item 4: "N attempt(s) left" and "locked" were said of real accounts only.
    def answers(username: str) -> list[str]:
        said = []
        for _ in range(5):
            with pytest.raises(AuthenticationError) as caught:
                hub.accounts.authenticate(username, "a-wrong-guess")
            said.append(str(caught.value))
        return said

    assert answers("officer.water") == answers("no.such.officer") == [REFUSED_LOGIN] * 5


def test_parallel_wrong_passwords_each_count(hub, audit_rows):
    # Issue 12, item 1: the count was read, the hash compared, then the count written back,
    # so eight attempts at once all heard "attempt(s) left" and only one failure counted.
    attempts = 8
    start = threading.Barrier(attempts)

    def guess(_: int) -> str:
        start.wait()
        try:
            hub.accounts.authenticate("it.team", "a-wrong-guess")
        except AccountLockedError:
            return "locked"
        except AuthenticationError:
            return "wrong"
        return "in"

    with ThreadPoolExecutor(attempts) as pool:
        outcomes = sorted(pool.map(guess, range(attempts)))
    # The test settings lock after 3 failures: exactly 3 reach the password comparison,
    # the third of them locks the account, and the other 5 are refused as locked.
    assert outcomes.count("wrong") == 2 and outcomes.count("locked") == 6
    failed = [row[5] for row in audit_rows(action="login", actor="it.team")]
    assert sorted(d for d in failed if d.startswith("wrong password")) == [
        "wrong password (1 in a row)",
        "wrong password (2 in a row)",
        "wrong password (3 in a row); locked for 30 seconds",
    ]
    assert failed.count("account locked") == attempts - 3
    with hub.store.cursor() as cur:
        count, locked_until = cur.execute(
            "SELECT failed_logins, locked_until FROM users WHERE username = 'it.team'"
        ).fetchone()
    assert count == 3 and locked_until is not None


def test_parallel_guesses_with_the_right_one_among_them_cannot_pass_the_lock(hub):
    # Twenty guesses at once, one right: at most `threshold` of them are ever compared, so
    # the right one gets in only if it came among the first three, and never resets the
    # count for the others to keep guessing.
    attempts = 20
    start = threading.Barrier(attempts)

    def guess(number: int) -> str:
        start.wait()
        password = DEMO_PASSWORD if number == attempts - 1 else f"wrong-guess-{number}"
        try:
            hub.accounts.authenticate("commissioner", password)
        except AccountLockedError:
            return "locked"
        except AuthenticationError:
            return "wrong"
        return "in"

    with ThreadPoolExecutor(attempts) as pool:
        outcomes = list(pool.map(guess, range(attempts)))
    compared = outcomes.count("wrong") + outcomes.count("in")
    assert compared <= 3
    assert outcomes.count("locked") >= attempts - 3


def test_disabled_user_is_told_to_ask_an_administrator(hub, actor_of_role):
    hub.accounts.set_active(actor_of_role[Role.ADMIN], "officer.roads", False)
    with pytest.raises(AuthenticationError, match="disabled"):
        hub.accounts.authenticate("officer.roads", DEMO_PASSWORD)


def test_disabled_user_loses_the_session_at_once(hub, actors):
    officer = actors["officer.roads"]
    assert hub.accounts.actor_for(officer.user_id) == officer
    hub.accounts.set_active(actors["admin"], "officer.roads", False)
    assert hub.accounts.actor_for(officer.user_id) is None


def test_lockout_after_threshold_with_doubling_backoff(hub):
    # The test settings lock after 3 failures for 30 s, doubling, at most 120 s.
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            hub.accounts.authenticate("commissioner", "wrong-password")
    with pytest.raises(AccountLockedError) as first:
        hub.accounts.authenticate("commissioner", "wrong-password")
    assert 29 <= first.value.retry_after_seconds <= 30
    # Even the right password is refused while locked.
    with pytest.raises(AccountLockedError):
        hub.accounts.authenticate("commissioner", DEMO_PASSWORD)
    _expire_lock(hub, "commissioner")
    with pytest.raises(AccountLockedError) as second:
        hub.accounts.authenticate("commissioner", "wrong-password")
    assert 59 <= second.value.retry_after_seconds <= 60
    for _ in range(3):
        _expire_lock(hub, "commissioner")
        with pytest.raises(AccountLockedError) as later:
            hub.accounts.authenticate("commissioner", "wrong-password")
    assert later.value.retry_after_seconds <= 120


def test_success_after_the_lock_expires_clears_the_counter(hub):
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            hub.accounts.authenticate("commissioner", "wrong-password")
    _expire_lock(hub, "commissioner")
    hub.accounts.authenticate("commissioner", DEMO_PASSWORD)
    with hub.store.cursor() as cur:
        assert cur.execute(
            "SELECT failed_logins, locked_until FROM users WHERE username = 'commissioner'"
        ).fetchone() == (0, None)


def test_reset_password_unlocks(hub, actor_of_role):
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            hub.accounts.authenticate("it.team", "wrong-password")
    hub.accounts.reset_password(actor_of_role[Role.ADMIN], "it.team", "a-new-password-1")
    assert hub.accounts.authenticate("it.team", "a-new-password-1").role is Role.IT


def test_change_own_password_needs_the_current_one(hub, actors):
    officer = actors["officer.swm"]
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        hub.accounts.change_own_password(officer, "not-it-at-all", "brand-new-password")
    hub.accounts.change_own_password(officer, DEMO_PASSWORD, "brand-new-password")
    assert hub.accounts.authenticate("officer.swm", "brand-new-password") == officer


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "Bad Name!"}, "a username is 2-64 characters"),
        ({"role": "mayor"}, "unknown role 'mayor'"),
        ({"role": "officer", "department_code": None}, "an officer must belong to a department"),
        ({"role": "officer", "department_code": "NOPE"}, "no active department with code 'NOPE'"),
        ({"role": "it", "department_code": "WATER"}, "only officers belong to a department"),
        ({"password": "short"}, "at least 10 characters"),
        ({"username": "admin"}, "already exists"),
    ],
)
def test_create_user_refuses_bad_input_and_changes_nothing(hub, actor_of_role, fields, message):
    admin = actor_of_role[Role.ADMIN]
    before = len(hub.accounts.list_users(admin))
    values = {
        "username": "new.user",
        "display_name": "New User",
        "role": "it",
        "password": "long-enough-password",
        **fields,
    }
    with pytest.raises(InvalidInput, match=message):
        hub.accounts.create_user(admin, **values)
    assert len(hub.accounts.list_users(admin)) == before


def test_the_last_administrator_cannot_be_disabled_or_demoted(hub, actor_of_role):
    admin = actor_of_role[Role.ADMIN]
    other = hub.accounts.create_user(
        admin,
        username="admin2",
        display_name="Second Admin",
        role="admin",
        password="second-admin-pass",
    )
    hub.accounts.set_active(other.actor(), "admin", False)
    with pytest.raises(InvalidInput, match="your own account"):
        hub.accounts.set_active(other.actor(), "admin2", False)
    with pytest.raises(InvalidInput, match="last active administrator"):
        hub.accounts.update_user(other.actor(), "admin2", role="it")


def test_changes_are_audited_with_before_and_after(hub, actor_of_role):
    admin = actor_of_role[Role.ADMIN]
    hub.accounts.update_user(admin, "officer.swm", department_code="ROADS")
    page = hub.audit.browse(admin, action_filter="update_user")
    entry = page.entries[0]
    assert entry.before["department_code"] == "SWM"
    assert entry.after["department_code"] == "ROADS"
    assert entry.actor == "admin"


def _expire_lock(hub, username: str) -> None:
    with hub.store.transaction() as cur:
        cur.execute(
            "UPDATE users SET locked_until = ? WHERE username = ?",
            [utc_now() - timedelta(seconds=1), username],
        )
