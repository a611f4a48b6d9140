"""The applications allowed to file reports through Open311, and how often anyone may call.

An admin issues a key per application (a civic app, a ward office's kiosk, another city
system) and can revoke it; the key is shown once and kept only as its SHA-256 (a random
32-byte key needs no slow hash: nothing can be guessed from the digest). Both are audited.
Calls are counted per key (filing) and per source (reading) in a sliding minute, in memory:
one process serves the hub, and a restart forgetting the last minute's counts is harmless.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.permissions import Action, Actor
from hub.store import Store
from hub.text import nfc_trimmed

KEY_PREFIX = "o311_"
MAX_NAME_CHARS = 80


@dataclass(frozen=True)
class Open311Client:
    """An application that may file reports."""

    id: int
    name: str
    key_prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None
    requests_filed: int

    @property
    def active(self) -> bool:
        """Whether its key still works."""
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedKey:
    """A new key: shown to the admin once, never stored or shown again."""

    client: Open311Client
    key: str


_COLUMNS = "id, name, key_prefix, created_at, created_by, revoked_at, last_used_at, requests_filed"


def key_digest(key: str) -> str:
    """The SHA-256 a key is kept as."""
    return hashlib.sha256(key.encode()).hexdigest()


class Open311Clients:
    """Issuing, listing, revoking and checking Open311 application keys."""

    def __init__(
        self, store: Store, audit: AuditLog, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    def issue(self, actor: Actor, name: str) -> IssuedKey:
        """A new key for the application `name` (admins only); the key is in the answer once."""
        self._audit.authorize(actor, Action.MANAGE_OPEN311_CLIENTS)
        name = nfc_trimmed(name or "")
        if not name:
            raise InvalidInput(N_("Name the application the key is for (e.g. 'Ward 65 kiosk')."))
        if len(name) > MAX_NAME_CHARS:
            raise InvalidInput(
                N_("Keep the application's name under {count} characters."), count=MAX_NAME_CHARS
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        with self._store.transaction() as cur:
            (client_id,) = cur.execute(
                "INSERT INTO open311_clients (name, key_sha256, key_prefix, created_at,"
                " created_by) VALUES (?, ?, ?, ?, ?) RETURNING id",
                [name, key_digest(key), key[: len(KEY_PREFIX) + 6], now, actor.username],
            ).fetchone()
            self._audit.record(
                cur,
                actor=actor,
                action="open311_key_issued",
                target_type="open311_client",
                target_id=str(client_id),
                after={"name": name},
            )
        return IssuedKey(self._get(client_id), key)

    def revoke(self, actor: Actor, client_id: int) -> Open311Client:
        """End a key at once (admins only); the application's reports stay."""
        self._audit.authorize(actor, Action.MANAGE_OPEN311_CLIENTS)
        with self._store.transaction() as cur:
            row = cur.execute(
                "UPDATE open311_clients SET revoked_at = ?, revoked_by = ?"
                " WHERE id = ? AND revoked_at IS NULL RETURNING id",
                [self._clock(), actor.username, client_id],
            ).fetchone()
            if row is None:
                raise NotFound(
                    N_("No active Open311 key #{number}: it may be revoked already."),
                    number=client_id,
                )
            self._audit.record(
                cur,
                actor=actor,
                action="open311_key_revoked",
                target_type="open311_client",
                target_id=str(client_id),
            )
        return self._get(client_id)

    def list_clients(self, actor: Actor) -> list[Open311Client]:
        """Every application, active first, newest first (admins only)."""
        self._audit.authorize(actor, Action.MANAGE_OPEN311_CLIENTS)
        with self._store.cursor() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM open311_clients"
                " ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC"
            ).fetchall()
        return [Open311Client(*row) for row in rows]

    def active_client(self, key: str | None) -> Open311Client | None:
        """The active application a key belongs to, or None (missing, unknown or revoked)."""
        if not key:
            return None
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_COLUMNS} FROM open311_clients"
                " WHERE key_sha256 = ? AND revoked_at IS NULL",
                [key_digest(key.strip())],
            ).fetchone()
        return Open311Client(*row) if row else None

    def _get(self, client_id: int) -> Open311Client:
        with self._store.cursor() as cur:
            row = cur.execute(
                f"SELECT {_COLUMNS} FROM open311_clients WHERE id = ?", [client_id]
            ).fetchone()
        if row is None:
            raise NotFound(N_("No Open311 key #{number}."), number=client_id)
        return Open311Client(*row)


class CallsPerMinute:
    """A sliding-minute count of calls per key; `allow` says whether one more fits."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float | None:
        """None when the call may go ahead (and counts it), else seconds until one may."""
        now = self._clock()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and now - calls[0] >= 60:
                calls.popleft()
            if len(calls) >= self.limit:
                return 60 - (now - calls[0])
            calls.append(now)
            if len(self._calls) > 10_000:  # forget quiet keys so memory stays bounded
                self._calls = {k: v for k, v in self._calls.items() if v and now - v[-1] < 60}
            return None


__all__ = ["CallsPerMinute", "IssuedKey", "Open311Client", "Open311Clients", "key_digest"]
