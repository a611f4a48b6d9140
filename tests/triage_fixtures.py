"""Interactions written straight into the store, so triage tests need no pull or sandbox."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hub.clock import utc_now

_numbers = itertools.count(1)

WATER_COMPLAINT = "No water in our tap since morning, ward 12, please help"
ROADS_COMPLAINT = "Huge pothole on the road near ward 45, cars are getting damaged"
PRAISE = "Thank you KMC, great work!"


def add_interaction(
    hub,
    text: str,
    *,
    author: str = "citizen-1",
    author_name: str = "Rina Das",
    platform: str = "facebook",
    thread_id: str = "post-1",
    parent_id: str | None = None,
    platform_id: str | None = None,
    created_at: datetime | None = None,
    from_city: bool = False,
    deleted: bool = False,
    kind: str = "comment",
) -> int:
    """Insert one interaction as the pull would store it; returns its id."""
    platform_id = platform_id or f"c-{next(_numbers)}"
    created_at = created_at or utc_now() - timedelta(minutes=5)
    with hub.store.transaction() as cur:
        return cur.execute(
            "INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id,"
            " author_id, author_name, text, created_at, from_city, deleted_at, first_seen_at,"
            " source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'poll') RETURNING id",
            [
                platform,
                platform_id,
                kind,
                thread_id,
                parent_id,
                author,
                author_name,
                text,
                created_at,
                from_city,
                utc_now() if deleted else None,
                utc_now(),
            ],
        ).fetchone()[0]


def ticket_of(hub, interaction_id: int) -> int:
    """The id of the ticket made for an interaction."""
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT id FROM tickets WHERE interaction_id = ?", [interaction_id]
        ).fetchone()[0]


def new_ticket(hub, text: str = WATER_COMPLAINT, **fields) -> int:
    """One interaction triaged into a ticket; returns the ticket id."""
    interaction = add_interaction(hub, text, **fields)
    hub.tickets.triage_new_interactions()
    return ticket_of(hub, interaction)


def set_ticket(hub, ticket_id: int, **columns) -> None:
    """Change ticket columns directly (to age a ticket, for example)."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    with hub.store.transaction() as cur:
        cur.execute(
            f"UPDATE tickets SET {assignments} WHERE id = ?", [*columns.values(), ticket_id]
        )
