"""Six weeks of made-up history for the demo hub, so the dashboard has something to show.

Only `hub init --demo` calls this, and only on a hub without tickets. The citizens' messages
come from the sandbox's labelled corpus and go through the real paths: stored by
`InteractionStore.store_batch`, routed and numbered by `TicketService.triage_new_interactions`.
What happened next (the city's answers, resolutions, escalations, reopenings) is then written
straight onto the tickets, with times drawn around each department's targets: some
departments are quick, some are slow, so the league has a top and a bottom.

The interactions carry ``demo-history-`` ids and no sandbox post exists for them: nobody
should answer them (they are resolved or closed, apart from a few recent open ones).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hub.clock import utc_now
from hub.inbox.open311 import FiledReport, Open311Intake
from hub.permissions import Actor, Role
from hub.platforms.base import Interaction, InteractionKind, Platform
from hub.wards import WardMap

if TYPE_CHECKING:
    from hub.bootstrap import Hub

DEMO_ID_PREFIX = "demo-history-"
HISTORY_ACTOR = "demo history"
DEMO_ADMIN = Actor(username="setup", role=Role.ADMIN, display_name="hub init")


@dataclass(frozen=True)
class HistoryReport:
    """What `seed_demo_history` made."""

    interactions: int
    tickets: int

    @property
    def summary(self) -> str:
        """One line for `hub init`."""
        if not self.interactions:
            return "demo history: tickets already present, nothing added"
        return f"demo history: {self.interactions} citizen messages, {self.tickets} tickets"


def seed_demo_history(
    hub: Hub,
    corpus: list[dict[str, Any]],
    *,
    days: int = 42,
    per_day: int = 18,
    seed: int = 2026,
    now: datetime | None = None,
) -> HistoryReport:
    """Fill an empty hub with ``days`` of citizens' messages and what became of them.

    `corpus` is the labelled corpus of citizens' messages (`bootstrap.demo_corpus`).
    """

    with hub.store.cursor() as cur:
        if cur.execute("SELECT count(*) FROM tickets").fetchone()[0]:
            return HistoryReport(0, 0)
    now = now or utc_now()
    rng = random.Random(seed)
    corpus = [r for r in corpus if r["category"] not in ("praise", "spam")]
    interactions = []
    for number in range(days * per_day):
        record = rng.choice(corpus)
        # Spread over the period, mostly in waking hours in Kolkata (UTC+5:30).
        day = rng.randrange(days)
        hour = rng.choice((2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17))
        created = now - timedelta(days=day + 1) + timedelta(hours=hour - now.hour)
        created = min(created, now - timedelta(minutes=30 + number % 60))
        platform = Platform.FACEBOOK if rng.random() < 0.75 else Platform.X
        interactions.append(
            Interaction(
                platform=platform,
                platform_id=f"{DEMO_ID_PREFIX}{number:05d}",
                kind=InteractionKind.COMMENT
                if platform is Platform.FACEBOOK
                else InteractionKind.MENTION,
                thread_id=f"{DEMO_ID_PREFIX}thread-{number % 40}",
                parent_id=None,
                author_id=f"{DEMO_ID_PREFIX}citizen-{number:05d}",
                author_name=f"Citizen {number:05d}",
                text=record["text"],
                created_at=created.replace(minute=rng.randrange(60)),
            )
        )
    hub.interactions.store_batch(interactions, "poll")
    located = _file_located_reports(hub, rng, corpus, days, now, count=days * per_day // 6)
    report = hub.tickets.triage_new_interactions(limit=len(interactions) + located + 1)
    _write_outcomes(hub, rng, now)
    return HistoryReport(len(interactions) + located, report.tickets_created)


def _file_located_reports(
    hub: Hub,
    rng: random.Random,
    corpus: list[dict[str, Any]],
    days: int,
    now: datetime,
    *,
    count: int,
) -> int:
    """Reports with a place, filed by a demo civic app through the Open311 intake, so the
    city map has pins: each at a point inside a ward (a few metres around its label point)."""
    app = hub.open311_clients.issue(DEMO_ADMIN, "Demo civic app").client
    wards = WardMap.shipped()
    shaped = {w.number: w for w in wards.wards}
    departments = [d.code for d in hub.departments.all_departments()]
    for number in range(count):
        record = rng.choice(corpus)
        ward = shaped.get(record.get("ward") or 0) or rng.choice(wards.wards)
        latitude, longitude = ward.label_latitude, ward.label_longitude
        for _ in range(5):  # a nearby point, if it is still in the same ward
            near = (latitude + rng.uniform(-2e-3, 2e-3), longitude + rng.uniform(-2e-3, 2e-3))
            if wards.ward_at(*near) == ward.number:
                latitude, longitude = near
                break
        created = now - timedelta(days=rng.randrange(days) + 1, hours=rng.randrange(12))
        Open311Intake(hub.store, clock=lambda moment=created: moment).store(
            FiledReport(
                client_id=app.id,
                service_code=record.get("department") or rng.choice(departments),
                description=record["text"],
                latitude=latitude,
                longitude=longitude,
                media_url="",
                author_key=f"{DEMO_ID_PREFIX}device-{number:05d}",
                author_name="",
            )
        )
    return count


# How fast each department answers, as a multiple of its first-response target (median).
_SPEED = {"WATER": 0.35, "SWM": 0.5, "LIGHT": 0.6, "ROADS": 1.3, "DRAIN": 1.6, "BUILDING": 2.2}


def _write_outcomes(hub: Hub, rng: random.Random, now: datetime) -> None:
    """The city's answers, resolutions, escalations and reopenings, around the targets."""
    with hub.store.transaction() as cur:
        tickets = cur.execute(
            "SELECT t.id, t.department_code, t.opened_at,"
            " coalesce(d.first_response_target_hours, 8), coalesce(d.resolution_target_hours, 72)"
            " FROM tickets t LEFT JOIN departments d ON d.code = t.department_code"
            " JOIN interactions i ON i.id = t.interaction_id"
            # The demo's Open311 reports have the app's tokens as ids, demo authors.
            " WHERE i.platform_id LIKE $prefix OR i.author_id LIKE $author",
            {"prefix": DEMO_ID_PREFIX + "%", "author": f"%:{DEMO_ID_PREFIX}%"},
        ).fetchall()
        updates, events = [], []
        for ticket_id, code, opened_at, fr_hours, res_hours in tickets:
            age_hours = (now - opened_at).total_seconds() / 3600
            speed = _SPEED.get(code or "", 0.8)
            first = fr_hours * speed * rng.lognormvariate(0, 0.6)
            resolve = res_hours * speed * rng.lognormvariate(-0.3, 0.6)
            answered = first < age_hours and rng.random() < 0.96
            resolved = answered and max(first, resolve) < age_hours and rng.random() < 0.9
            status = "new"
            first_at = resolved_at = closed_at = ack_at = None
            if answered:
                first_at = opened_at + timedelta(hours=first)
                ack_at = first_at
                status = "in_progress"
            if resolved:
                resolved_at = opened_at + timedelta(hours=max(first, resolve))
                status = "closed" if rng.random() < 0.5 else "resolved"
                closed_at = resolved_at + timedelta(hours=24) if status == "closed" else None
            reopened = resolved and rng.random() < 0.04
            if reopened:
                status, resolved_at, closed_at = "in_progress", None, None
            escalated = (not answered and age_hours > fr_hours * 1.5) or rng.random() < 0.02
            if escalated:
                events.append((ticket_id, opened_at + timedelta(hours=fr_hours * 1.5)))
            updates.append(
                (
                    status,
                    first_at,
                    ack_at,
                    resolved_at,
                    closed_at,
                    1 if reopened else 0,
                    opened_at + timedelta(hours=fr_hours * 1.5) if escalated else None,
                    "first-response target breached" if escalated else None,
                    now,
                    ticket_id,
                )
            )
        cur.executemany(
            "UPDATE tickets SET status = ?, first_response_at = ?, acknowledged_at = ?,"
            " resolved_at = ?, closed_at = ?, reopened_count = ?, escalated_at = ?,"
            " escalation_reason = ?, updated_at = ? WHERE id = ?",
            updates,
        )
        if events:
            cur.executemany(
                "INSERT INTO ticket_events (ticket_id, occurred_at, actor, event)"
                " VALUES (?, ?, ?, 'escalated')",
                [(ticket_id, at, HISTORY_ACTOR) for ticket_id, at in events],
            )
