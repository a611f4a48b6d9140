"""What to do after a platform refused or failed a write, and whether an account may write now.

The publisher (`hub.publishing.publisher`) established the rules; the reply sender follows the
same ones through this module, so both read one table of accounts and one classification:

- `OutcomeUnknown`: it may have gone through: ``unconfirmed``, reconciled before any retry.
- `DuplicateContent`: perhaps our own earlier attempt went through: ``unconfirmed`` too.
- `TokenExpired`: the account is marked ``needs_reconnect`` and the write is held.
- `RateLimited`: wait as long as the platform says (or 15 minutes), for the whole account.
- `TemporaryFailure`: retry with a backoff growing from 30 seconds to an hour, until the
  attempts run out; then a person looks.
- Anything else the platform refused (content, permission, tier): a person looks.

The account table is ``platform_accounts`` (migration 002), shared with the publisher: a token
that died while publishing holds replies too, and resuming the account (IT, Platform accounts
page) releases both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.audit import AuditLog
from hub.errors import (
    DuplicateContent,
    HubError,
    OutcomeUnknown,
    RateLimited,
    TemporaryFailure,
    TokenExpired,
)
from hub.platforms.base import Platform
from hub.store import Store

DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
FIRST_RETRY_DELAY = timedelta(seconds=30)
LONGEST_RETRY_DELAY = timedelta(hours=1)
DUPLICATE_PREFIX = "duplicate: "


@dataclass(frozen=True)
class FailureDisposition:
    """Where a write goes after a failed call.

    `status` is one of ``unconfirmed``, ``retry_wait``, ``needs_attention`` or ``held``
    (held: back to the queue until the account is reconnected).
    """

    status: str
    error: str
    next_attempt_at: datetime | None = None
    attention: str | None = None
    rate_limited_until: datetime | None = None
    needs_reconnect: bool = False


def retry_delay(attempts_made: int) -> timedelta:
    """The wait before the next try after `attempts_made` temporary failures (30 s doubling)."""
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts_made - 1, 0), LONGEST_RETRY_DELAY)


def classify_failure(
    exc: HubError, *, attempts_made: int, max_attempts: int, now: datetime
) -> FailureDisposition:
    """What to do after `exc`, the `attempts_made`-th failed call for one write."""
    message = str(exc)
    if isinstance(exc, OutcomeUnknown):
        return FailureDisposition("unconfirmed", message)
    if isinstance(exc, DuplicateContent):
        return FailureDisposition("unconfirmed", f"{DUPLICATE_PREFIX}{message}")
    if isinstance(exc, TokenExpired):
        return FailureDisposition("held", message, needs_reconnect=True)
    if isinstance(exc, RateLimited):
        wait = (
            timedelta(seconds=exc.retry_after_seconds)
            if exc.retry_after_seconds
            else DEFAULT_RATE_LIMIT_WAIT
        )
        return FailureDisposition(
            "retry_wait", message, next_attempt_at=now + wait, rate_limited_until=now + wait
        )
    if isinstance(exc, TemporaryFailure):
        if attempts_made >= max_attempts:
            return FailureDisposition(
                "needs_attention",
                message,
                attention=f"{attempts_made} attempts failed; last: {message}",
            )
        return FailureDisposition(
            "retry_wait", message, next_attempt_at=now + retry_delay(attempts_made)
        )
    # Content, permission, tier, or anything else the platform refused: a person decides.
    return FailureDisposition("needs_attention", message, attention=message)


def account_holds(store: Store, now: datetime) -> dict[Platform, str]:
    """Platforms that must not be written to now, with the reason (reconnect or rate limit)."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT platform, status, reason, rate_limited_until FROM platform_accounts"
        ).fetchall()
    holds: dict[Platform, str] = {}
    for platform, status, reason, limited_until in rows:
        if platform not in Platform._value2member_map_:
            continue
        if status != "ok":
            holds[Platform(platform)] = f"the account needs reconnecting: {reason or status}"
        elif limited_until is not None and limited_until > now:
            holds[Platform(platform)] = f"rate limited until {limited_until:%H:%M} UTC"
    return holds


def mark_needs_reconnect(
    store: Store, audit: AuditLog, platform: Platform, reason: str, *, now: datetime, by: str
) -> None:
    """Hold every write to `platform` until IT resumes the account (audited once)."""
    with store.transaction() as cur:
        before = cur.execute(
            "SELECT status FROM platform_accounts WHERE platform = ?", [platform.value]
        ).fetchone()
        cur.execute(
            "INSERT INTO platform_accounts (platform, status, reason, changed_at)"
            " VALUES (?, 'needs_reconnect', ?, ?) ON CONFLICT (platform) DO UPDATE SET"
            " status = 'needs_reconnect', reason = excluded.reason,"
            " changed_at = excluded.changed_at",
            [platform.value, reason[:1000], now],
        )
        if before is None or before[0] != "needs_reconnect":
            audit.record(
                cur,
                actor=None,
                actor_name=by,
                action="account_needs_reconnect",
                target_type="platform",
                target_id=platform.value,
                detail=reason[:1000],
            )


def set_rate_limited(store: Store, platform: Platform, until: datetime, *, now: datetime) -> None:
    """No writes to `platform` before `until`."""
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO platform_accounts (platform, status, changed_at, rate_limited_until)"
            " VALUES (?, 'ok', ?, ?) ON CONFLICT (platform) DO UPDATE SET"
            " rate_limited_until = excluded.rate_limited_until",
            [platform.value, now, until],
        )


__all__ = [
    "DUPLICATE_PREFIX",
    "FailureDisposition",
    "account_holds",
    "classify_failure",
    "mark_needs_reconnect",
    "retry_delay",
    "set_rate_limited",
]
