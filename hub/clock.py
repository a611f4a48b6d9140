"""Time: stored in UTC, shown in the display zone (Asia/Kolkata by default)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is refused rather than guessed at."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a time zone before storing it")
    return moment.astimezone(UTC)


def format_local(moment: datetime | None, zone: ZoneInfo, *, with_zone: bool = True) -> str:
    """A stored moment as people read it, e.g. ``22 Nov 2026, 21:15 IST``."""
    if moment is None:
        return "—"
    local = as_utc(moment).astimezone(zone)
    text = local.strftime("%d %b %Y, %H:%M")
    return f"{text} {local.tzname()}" if with_zone else text
