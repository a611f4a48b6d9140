"""Ticket rows for the answering tests, written with SQL so they do not depend on the ticket
service: an interaction as the pull stores it, and the ticket the router would open for it."""

from __future__ import annotations

from datetime import datetime

from hub.clock import utc_now
from hub.platforms.base import Platform


def add_ticket(
    hub,
    *,
    platform: Platform = Platform.FACEBOOK,
    platform_id: str | None = None,
    thread_id: str | None = None,
    parent_id: str | None = None,
    department_code: str | None = "WATER",
    language: str = "en",
    ward: int | None = 65,
    status: str = "new",
    text: str = "No water in ward 65 since morning",
    opened_at: datetime | None = None,
) -> int:
    """Store an interaction and its ticket; returns the ticket id."""
    now = utc_now()
    opened_at = opened_at or now
    with hub.store.transaction() as cur:
        (interaction_id,) = cur.execute(
            "INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id,"
            " author_id, author_name, text, created_at, first_seen_at, source)"
            " VALUES (?, ?, ?, ?, ?, 'citizen-1', 'Citizen', ?, ?, ?, 'poll') RETURNING id",
            [
                platform.value,
                platform_id or f"matrix-{now.timestamp()}",
                {Platform.FACEBOOK: "comment", Platform.X: "mention"}.get(platform, "message"),
                thread_id or platform_id or "thread",
                parent_id,
                text,
                opened_at,
                now,
            ],
        ).fetchone()
        year = opened_at.year
        number = cur.execute(
            "INSERT INTO ticket_counters (year, last_number) VALUES (?, 1)"
            " ON CONFLICT (year) DO UPDATE SET last_number = ticket_counters.last_number + 1"
            " RETURNING last_number",
            [year],
        ).fetchone()[0]
        (ticket_id,) = cur.execute(
            "INSERT INTO tickets (reference, interaction_id, platform, citizen_key,"
            " department_code, status, language, ward, category, urgent, routing_explanation,"
            " routing_confidence, opened_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'complaint', FALSE, 'test', 1.0, ?, ?, ?)"
            " RETURNING id",
            [
                f"{hub.settings.reference_prefix}-{year}-{number:06d}",
                interaction_id,
                platform.value,
                f"{platform.value}:citizen-1",
                department_code,
                status,
                language,
                ward,
                opened_at,
                now,
                now,
            ],
        ).fetchone()
    return int(ticket_id)


def facebook_ticket(hub, text="No water in ward 65 since morning", **columns) -> tuple[int, str]:
    """A citizen's comment on a Page post in the sandbox and its ticket: (ticket id, comment)."""
    graph = hub.sandbox.graph
    post_id = graph.seed_post("Water supply schedule for south Kolkata")
    comment_id = graph.add_citizen_comment(post_id, text, "Rina Das")
    ticket_id = add_ticket(
        hub,
        platform=Platform.FACEBOOK,
        platform_id=comment_id,
        thread_id=post_id,
        parent_id=post_id,
        text=text,
        **columns,
    )
    return ticket_id, comment_id


def ticket_row(hub, ticket_id: int) -> dict:
    """The ticket's columns by name."""
    with hub.store.cursor() as cur:
        cursor = cur.execute("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def reply_row(hub, reply_id: int) -> dict:
    """The reply's columns by name."""
    with hub.store.cursor() as cur:
        cursor = cur.execute("SELECT * FROM replies WHERE id = ?", [reply_id])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))
