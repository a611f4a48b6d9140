"""Whether a platform account may be written to now: one hold per account, for every kind.

The table is ``platform_accounts`` (migration 002). A token that died while publishing holds
replies too, a rate limit met by a reply holds posts too, and resuming the account (IT,
Platform accounts page) releases every kind at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.errors import HubError
from hub.i18n import N_
from hub.permissions import Action, Actor
from hub.platforms.base import Platform
from hub.platforms.registry import PlatformAccounts
from hub.store import Store


@dataclass(frozen=True)
class AccountState:
    """Whether a platform account can be written to now."""

    platform: Platform
    needs_reconnect: bool
    reason: str | None
    changed_at: datetime | None
    rate_limited_until: datetime | None

    def hold(self, now: datetime) -> str | None:
        """Why nothing may be sent to this account now, or None."""
        if self.needs_reconnect:
            return f"the account needs reconnecting: {self.reason or 'needs_reconnect'}"
        if self.rate_limited_until is not None and self.rate_limited_until > now:
            return f"rate limited until {self.rate_limited_until:%H:%M} UTC"
        return None


class AccountHolds:
    """Reads and sets the holds on platform accounts."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._platforms = platforms
        self._clock = clock

    def states(self) -> list[AccountState]:
        """Every platform's state (accounts never marked are fine)."""
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT platform, status, reason, changed_at, rate_limited_until"
                " FROM platform_accounts"
            ).fetchall()
        known = {r[0]: r for r in rows}
        states = []
        for platform in Platform:
            row = known.get(platform.value)
            states.append(
                AccountState(
                    platform,
                    needs_reconnect=bool(row and row[1] != "ok"),
                    reason=row[2] if row else None,
                    changed_at=row[3] if row else None,
                    rate_limited_until=row[4] if row else None,
                )
            )
        return states

    def current(self, now: datetime | None = None) -> dict[Platform, str]:
        """Platforms that must not be written to now, with the reason."""
        now = now or self._clock()
        holds = {}
        for state in self.states():
            reason = state.hold(now)
            if reason is not None:
                holds[state.platform] = reason
        return holds

    def mark_needs_reconnect(self, platform: Platform, reason: str, *, by: str) -> None:
        """Hold every write to `platform` until IT resumes the account (audited once)."""
        with self._store.transaction() as cur:
            before = cur.execute(
                "SELECT status FROM platform_accounts WHERE platform = ?", [platform.value]
            ).fetchone()
            cur.execute(
                "INSERT INTO platform_accounts (platform, status, reason, changed_at)"
                " VALUES (?, 'needs_reconnect', ?, ?) ON CONFLICT (platform) DO UPDATE SET"
                " status = 'needs_reconnect', reason = excluded.reason,"
                " changed_at = excluded.changed_at",
                [platform.value, reason[:1000], self._clock()],
            )
            if before is None or before[0] != "needs_reconnect":
                self._audit.record(
                    cur,
                    actor=None,
                    actor_name=by,
                    action="account_needs_reconnect",
                    target_type="platform",
                    target_id=platform.value,
                    detail=reason[:1000],
                )

    def set_rate_limited(self, platform: Platform, until: datetime) -> None:
        """No writes of any kind to `platform` before `until`."""
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO platform_accounts (platform, status, changed_at, rate_limited_until)"
                " VALUES (?, 'ok', ?, ?) ON CONFLICT (platform) DO UPDATE SET"
                " rate_limited_until = excluded.rate_limited_until",
                [platform.value, self._clock(), until],
            )

    def resume(self, actor: Actor, platform: Platform) -> AccountState:
        """After the token was renewed: check it works, then release what was held."""
        self._audit.authorize(actor, Action.RECONNECT_ACCOUNT)
        adapter = self._platforms.adapter(platform)
        if adapter is None:
            raise HubError(N_("no {platform} account is configured"), platform=platform.value)
        adapter.check()  # raises TokenExpired (etc.) with the platform's message if still bad
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO platform_accounts (platform, status, changed_at) VALUES (?, 'ok', ?)"
                " ON CONFLICT (platform) DO UPDATE SET status = 'ok', reason = NULL,"
                " changed_at = excluded.changed_at, rate_limited_until = NULL",
                [platform.value, self._clock()],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="resume_account",
                target_type="platform",
                target_id=platform.value,
                after={"status": "ok"},
            )
        return next(s for s in self.states() if s.platform is platform)


__all__ = ["AccountHolds", "AccountState"]
