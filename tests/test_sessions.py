"""Login sessions: kept as a hash, expiring, ended everywhere at once, and never fixed."""

from __future__ import annotations

from datetime import timedelta

from hub.clock import utc_now
from hub.sessions import SessionService


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self):
        return utc_now() + self.offset


def service(hub, clock=None) -> SessionService:
    return SessionService(hub.store, hub.audit, hub.accounts, hub.settings, clock=clock or utc_now)


def test_a_session_is_stored_only_as_a_hash_and_its_grant_works_once(hub, actors):
    sessions = service(hub)
    session_id, grant = sessions.start(actors["officer.water"], "Firefox")
    with hub.store.cursor() as cur:
        stored = cur.execute("SELECT id_hash FROM login_sessions").fetchall()
    assert len(stored) == 1 and session_id not in stored[0][0]
    assert sessions.redeem(grant) == session_id
    assert sessions.redeem(grant) is None, "a grant is good once"
    assert sessions.redeem("forged") is None
    assert sessions.actor_for(session_id).username == "officer.water"
    assert sessions.actor_for("forged-or-from-another-hub") is None


def test_every_login_gets_a_new_id(hub, actors):
    sessions = service(hub)
    first, _ = sessions.start(actors["it.team"])
    second, _ = sessions.start(actors["it.team"])
    assert first != second


def test_idle_and_absolute_expiry(hub, actors):
    clock = Clock()
    sessions = service(hub, clock)
    idle, _ = sessions.start(actors["it.team"])
    clock.offset = timedelta(hours=hub.settings.session_idle_hours + 1)
    assert sessions.actor_for(idle) is None
    clock.offset = timedelta(0)
    busy, _ = sessions.start(actors["it.team"])
    for hours in range(0, int(hub.settings.session_max_days * 24) + 24, 6):
        clock.offset = timedelta(hours=hours)
        alive = sessions.actor_for(busy) is not None
        if hours < hub.settings.session_max_days * 24:
            assert alive, hours
    assert sessions.actor_for(busy) is None, "past the absolute expiry, however busy"


def test_logout_a_password_reset_a_disabled_account_and_an_admin_end_sessions(hub, actors):
    sessions = service(hub)
    officer = actors["officer.water"]
    a, _ = sessions.start(officer)
    b, _ = sessions.start(officer)
    sessions.end(officer, a)
    assert sessions.actor_for(a) is None and sessions.actor_for(b) is not None
    hub.accounts.reset_password(actors["admin"], "officer.water", "a-new-long-password")
    assert sessions.actor_for(b) is None, "a password reset ends the old sessions"
    c, _ = sessions.start(officer)
    hub.accounts.set_active(actors["admin"], "officer.water", False)
    assert sessions.actor_for(c) is None, "a disabled account is out at once"
    hub.accounts.set_active(actors["admin"], "officer.water", True)
    d, _ = sessions.start(officer)
    sessions.end_all(actors["admin"], "officer.water")
    assert sessions.actor_for(d) is None


def test_my_account_lists_and_ends_own_sessions(hub, actors):
    sessions = service(hub)
    officer = actors["officer.water"]
    mine, _ = sessions.start(officer, "Chromium on the office PC")
    other, _ = sessions.start(officer, "Phone")
    listed = sessions.sessions_of(officer, mine)
    assert [s.current for s in listed].count(True) == 1
    phone = next(s for s in listed if s.user_agent == "Phone")
    sessions.end_own(officer, phone.key)
    assert sessions.actor_for(other) is None and sessions.actor_for(mine) is not None
