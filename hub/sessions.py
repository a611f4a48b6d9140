"""Logins that survive a reload: server-side sessions behind an HttpOnly cookie.

At login the hub starts a session: a random id, stored only as its SHA-256, with an idle
expiry (``session_idle_hours``, default 12) and an absolute one (``session_max_days``, 7).
The id reaches the browser only as an HttpOnly, SameSite=Lax cookie set by a route of the web
process (`/auth/session`), which the page asks for with a one-time grant that lives in this
process's memory for a minute; so no script in the page ever sees the id. Every run of the app
reads the cookie (`st.context.cookies`) and asks `actor_for`, which refuses an ended, expired
or unknown session, a disabled account, and a session older than the account's last password
reset or "end sessions". A new id at every login (no fixation); logging out ends the session
for every tab that shares the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.accounts import AccountService
from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import NotFound
from hub.i18n import N_
from hub.permissions import Action, Actor
from hub.store import Store

COOKIE = "hub_session"
GRANT_SECONDS = 60
# How stale `last_seen_at` may get before a run writes it again (one write a minute at most).
_SEEN_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoginSession:
    """One of a person's sessions, as "My account" lists it (never the id itself)."""

    key: str  # the first characters of the id's hash: enough to name it, useless to use it
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    current: bool


class SessionService:
    """Starts, checks and ends login sessions."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        accounts: AccountService,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._accounts = accounts
        self._settings = settings
        self._clock = clock
        self._grants: dict[str, tuple[str, datetime]] = {}
        self._grants_lock = threading.Lock()

    def start(self, actor: Actor, user_agent: str = "") -> tuple[str, str]:
        """A new session for `actor`: (its id, for this tab's memory; a one-time grant that
        the page exchanges at `/auth/session` for the cookie)."""
        session_id, grant = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO login_sessions (id_hash, user_id, created_at, last_seen_at,"
                " user_agent) VALUES (?, ?, ?, ?, ?)",
                [_hash(session_id), actor.user_id, now, now, (user_agent or "")[:300]],
            )
            self._audit.record(cur, actor=actor, action="session_started")
        with self._grants_lock:
            self._grants = {k: v for k, v in self._grants.items() if v[1] > now}
            self._grants[_hash(grant)] = (session_id, now + timedelta(seconds=GRANT_SECONDS))
        return session_id, grant

    def redeem(self, grant: str | None) -> str | None:
        """The session id for a grant, once and within its minute; else None."""
        if not grant:
            return None
        with self._grants_lock:
            found = self._grants.pop(_hash(grant), None)
        if found is None or found[1] < self._clock():
            return None
        return found[0]

    def actor_for(self, session_id: str | None) -> Actor | None:
        """The actor of a live session, or None (ended, expired, unknown, account gone)."""
        if not isinstance(session_id, str) or not session_id:
            return None
        now = self._clock()
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT s.user_id, s.created_at, s.last_seen_at, u.sessions_valid_after"
                " FROM login_sessions s JOIN users u ON u.id = s.user_id"
                " WHERE s.id_hash = ? AND s.ended_at IS NULL",
                [_hash(session_id)],
            ).fetchone()
        if row is None:
            return None
        user_id, created, seen, valid_after = row
        idle = timedelta(hours=self._settings.session_idle_hours)
        absolute = timedelta(days=self._settings.session_max_days)
        if now - seen > idle or now - created > absolute:
            self._end(session_id, "expired", None)
            return None
        if valid_after is not None and created <= valid_after:
            self._end(session_id, "ended with all the account's sessions", None)
            return None
        actor = self._accounts.actor_for(user_id)
        if actor is None:
            return None
        if now - seen > _SEEN_EVERY:
            with self._store.transaction() as cur:
                cur.execute(
                    "UPDATE login_sessions SET last_seen_at = ? WHERE id_hash = ?",
                    [now, _hash(session_id)],
                )
        return actor

    def end(self, actor: Actor, session_id: str | None, reason: str = "logged out") -> None:
        """End one session (logging out): every tab that shares it is logged out too."""
        if session_id:
            self._end(session_id, reason, actor)

    def _end(self, session_id: str, reason: str, actor: Actor | None) -> None:
        with self._store.transaction() as cur:
            ended = cur.execute(
                "UPDATE login_sessions SET ended_at = ?, ended_reason = ?"
                " WHERE id_hash = ? AND ended_at IS NULL RETURNING user_id",
                [self._clock(), reason, _hash(session_id)],
            ).fetchone()
            if ended is not None:
                self._audit.record(
                    cur,
                    actor=actor,
                    actor_name=None if actor else "sessions",
                    action="session_ended",
                    target_type="user",
                    target_id=str(ended[0]),
                    detail=reason,
                )

    def sessions_of(self, actor: Actor, current_id: str | None = None) -> list[LoginSession]:
        """The person's live sessions, newest first (My account)."""
        current = _hash(current_id) if current_id else None
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT id_hash, created_at, last_seen_at, coalesce(user_agent, '')"
                " FROM login_sessions WHERE user_id = ? AND ended_at IS NULL"
                " ORDER BY created_at DESC",
                [actor.user_id],
            ).fetchall()
        return [LoginSession(r[0][:12], r[1], r[2], r[3], r[0] == current) for r in rows]

    def end_own(self, actor: Actor, key: str) -> None:
        """End one of the person's own sessions by the key `sessions_of` gave."""
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT id_hash FROM login_sessions WHERE user_id = ? AND ended_at IS NULL"
                " AND starts_with(id_hash, ?)",
                [actor.user_id, key],
            ).fetchone()
        if row is None or len(key) < 12:
            raise NotFound(N_("no such session of yours (it may have ended already)."))
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE login_sessions SET ended_at = ?, ended_reason = 'ended from My account'"
                " WHERE id_hash = ?",
                [self._clock(), row[0]],
            )
            self._audit.record(cur, actor=actor, action="session_ended", detail="by its owner")

    def end_all(self, actor: Actor, username: str) -> None:
        """An administrator ends every session of an account at once."""
        self._audit.authorize(actor, Action.MANAGE_USERS)
        now = self._clock()
        with self._store.transaction() as cur:
            row = cur.execute(
                "UPDATE users SET sessions_valid_after = ? WHERE username = ? RETURNING id",
                [now, username],
            ).fetchone()
            if row is None:
                raise NotFound(N_("no user {username!r}."), username=username)
            cur.execute(
                "UPDATE login_sessions SET ended_at = ?, ended_reason = 'ended by an administrator'"
                " WHERE user_id = ? AND ended_at IS NULL",
                [now, row[0]],
            )
            self._audit.record(
                cur, actor=actor, action="end_sessions", target_type="user", target_id=username
            )


__all__ = ["COOKIE", "LoginSession", "SessionService"]
