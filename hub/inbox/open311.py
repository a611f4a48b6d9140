"""A report filed through Open311, stored as one interaction for the same triage as the rest.

The report is a message to the city (kind ``message``, platform ``open311``): its thread is its
own, its ``channel`` the service code it was filed under (triage routes it there), its place
the point the application sent. Who filed it (name, e-mail, phone) stays in the raw payload,
which the retention job and an erasure remove like any platform's.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from hub.clock import utc_now
from hub.store import Store
from hub.text import nfc

TOKEN_PREFIX = "o311-"


@dataclass(frozen=True)
class FiledReport:
    """A checked Open311 report, ready to store."""

    client_id: int
    service_code: str
    description: str
    latitude: float | None
    longitude: float | None
    media_url: str
    # Who the application says filed it: kept for the city, never shown publicly.
    author_key: str
    author_name: str
    raw: dict[str, Any] = field(default_factory=dict)


class Open311Intake:
    """Stores filed reports: each once, in one transaction, under a token of its own."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._clock = clock

    def store(self, report: FiledReport) -> tuple[int, str]:
        """Store `report` as a new interaction; returns its id and its token (platform id)."""
        token = TOKEN_PREFIX + secrets.token_hex(12)
        now = self._clock()
        with self._store.transaction() as cur:
            (interaction_id,) = cur.execute(
                "INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id,"
                " author_id, author_name, text, created_at, permalink, raw, first_seen_at,"
                " source, channel, latitude, longitude)"
                " VALUES ('open311', $token, 'message', $token, NULL, $author, $name, $text,"
                " $now, $media, $raw, $now, 'open311', $service, $lat, $long) RETURNING id",
                {
                    "token": token,
                    "author": f"client{report.client_id}:{report.author_key or token}",
                    "name": nfc(report.author_name),
                    "text": nfc(report.description),
                    "now": now,
                    "media": report.media_url,
                    "raw": orjson.dumps(report.raw).decode(),
                    "service": report.service_code,
                    "lat": report.latitude,
                    "long": report.longitude,
                },
            ).fetchone()
            cur.execute(
                "UPDATE open311_clients SET last_used_at = ?, requests_filed = requests_filed + 1"
                " WHERE id = ?",
                [now, report.client_id],
            )
        return interaction_id, token

    def reference_of(self, token: str) -> str | None:
        """The ticket reference a token's report got, None while it has none (or unknown)."""
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT t.reference FROM interactions i JOIN tickets t ON t.interaction_id = i.id"
                " WHERE i.platform = 'open311' AND i.platform_id = ?",
                [token],
            ).fetchone()
        return row[0] if row else None

    def token_known(self, token: str) -> bool:
        """Whether a token was issued for a report."""
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT 1 FROM interactions WHERE platform = 'open311' AND platform_id = ?",
                [token],
            ).fetchone()
        return row is not None


__all__ = ["TOKEN_PREFIX", "FiledReport", "Open311Intake"]
