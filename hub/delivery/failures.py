"""What to do after a platform refused or failed a write: one classification for every kind.

- `OutcomeUnknown`: it may have gone through: ``unconfirmed``, reconciled before any retry.
- `DuplicateContent`: perhaps our own earlier attempt went through: ``unconfirmed`` too.
- `TokenExpired`: the account is marked ``needs_reconnect`` and the write is held.
- `RateLimited`: wait as long as the platform says (or 15 minutes), for the whole account.
- `TemporaryFailure`: retry with a backoff growing from 30 seconds to an hour, until the
  attempts run out; then a person looks.
- `Withdrawn`: nobody wants it any more (the recipient sent STOP): ``cancelled``.
- Anything else the platform refused (content, permission, tier): a person looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.errors import (
    DuplicateContent,
    HubError,
    OutcomeUnknown,
    RateLimited,
    TemporaryFailure,
    TokenExpired,
    Withdrawn,
)

DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
FIRST_RETRY_DELAY = timedelta(seconds=30)
LONGEST_RETRY_DELAY = timedelta(hours=1)
# Written before a duplicate refusal's message, so reconciliation knows what it saw.
DUPLICATE_PREFIX = "duplicate: "


@dataclass(frozen=True)
class FailureDisposition:
    """Where a write goes after a failed call.

    `status` is one of ``unconfirmed``, ``retry_wait``, ``needs_attention``, ``cancelled``
    or ``held``
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
    if isinstance(exc, Withdrawn):
        return FailureDisposition("cancelled", message)
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
    # Content, permission, tier, a retired API version, a missing photo file, or anything
    # else the platform or the hub refused: a person decides.
    return FailureDisposition("needs_attention", message, attention=message)


__all__ = [
    "DEFAULT_RATE_LIMIT_WAIT",
    "DUPLICATE_PREFIX",
    "FailureDisposition",
    "classify_failure",
    "retry_delay",
]
