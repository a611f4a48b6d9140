"""What anyone may read about a ticket: the public tracking page and Open311's reads.

One place decides what is public, so `/track/<reference>` and `/open311/v2/requests` can never
disagree or leak: the reference, status, department, ward, times and the city's answers that
were public already. Nothing personal leaves here: no name, number or account of the citizen,
no citizen's words from a social platform or WhatsApp, no photos. The exceptions are what a
citizen filed through Open311 for the public record (its description and place), and even
there the name, e-mail and phone number stay inside. A WhatsApp conversation is private, so
the city's answers in it are not shown; answers posted on Facebook or X already are public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.store import Store
from hub.tickets.board import IT_QUEUE_TARGET_HOURS
from hub.tickets.lifecycle import OPEN_STATUSES

# Platforms whose replies are public where they were posted (or are the public record).
PUBLIC_ANSWER_PLATFORMS = ("facebook", "x", "open311")
# Where a report came from, in the public's words.
SOURCE_LABELS = {
    "facebook": "Facebook",
    "x": "X",
    "whatsapp": "WhatsApp",
    "open311": "Open311",
}


@dataclass(frozen=True)
class PublicAnswer:
    """One of the city's public answers on a ticket."""

    at: datetime
    text: str


@dataclass(frozen=True)
class PublicTicket:
    """A ticket as the public may see it."""

    id: int
    reference: str
    status: str
    department_code: str | None
    department_en: str | None
    department_bn: str | None
    ward: int | None
    category: str
    source: str
    opened_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    answers: tuple[PublicAnswer, ...] = ()
    merged_into: str | None = None
    # Only for reports filed through Open311 (filed for the public record).
    description: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    service_code: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the city is still working on it (Open311's ``open``)."""
        return self.status in OPEN_STATUSES

    @property
    def latest_answer(self) -> str | None:
        """The city's latest public answer (Open311's ``status_notes``)."""
        return self.answers[-1].text if self.answers else None


@dataclass(frozen=True)
class PublicQuery:
    """Which tickets a public read asks for (Open311's ``GET requests`` filters)."""

    references: tuple[str, ...] = ()
    department_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    open_only: bool | None = None  # True: open, False: closed, None: both
    limit: int = 1000


_SELECT = (
    "SELECT t.id, t.reference, t.status, t.department_code, d.name_en, d.name_bn, t.ward,"
    " t.category, t.platform, t.opened_at, t.updated_at,"
    " t.opened_at + to_hours(coalesce(d.resolution_target_hours, $it_hours)),"
    " (SELECT m.reference FROM tickets m WHERE m.id = t.merged_into),"
    " CASE WHEN t.platform = 'open311' AND i.erased_at IS NULL THEN i.text END,"
    " CASE WHEN t.platform = 'open311' THEN i.latitude END,"
    " CASE WHEN t.platform = 'open311' THEN i.longitude END,"
    " CASE WHEN t.platform = 'open311' THEN i.channel END"
    " FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
    " LEFT JOIN departments d ON d.code = t.department_code"
)


class PublicTickets:
    """Tickets as the public reads them, by reference or by Open311's filters."""

    def __init__(self, store: Store, base_url: str) -> None:
        self._store = store
        self._base_url = base_url.rstrip("/")

    def tracking_link(self, reference: str) -> str:
        """The public page of one ticket, as replies and acknowledgements carry it."""
        return tracking_link(self._base_url, reference)

    def by_reference(self, reference: str) -> PublicTicket | None:
        """One ticket by its reference number, or None (unknown, or hidden as spam)."""
        found = self.find(PublicQuery(references=(reference.strip().upper(),), limit=1))
        return found[0] if found else None

    def find(self, query: PublicQuery) -> list[PublicTicket]:
        """Tickets matching `query`, newest first, at most ``query.limit``, with their answers."""
        where = ["NOT t.hidden"]
        params: dict[str, Any] = {"it_hours": IT_QUEUE_TARGET_HOURS[1], "limit": query.limit}
        if query.references:
            # A semi-join, not list_contains: up to 1,000 references against every ticket.
            where.append("t.reference IN (SELECT unnest($refs))")
            params["refs"] = list(query.references)
        if query.department_codes:
            where.append("t.department_code IN (SELECT unnest($codes))")
            params["codes"] = list(query.department_codes)
        if query.start is not None:
            where.append("t.opened_at >= $start")
            params["start"] = query.start
        if query.end is not None:
            where.append("t.opened_at <= $end")
            params["end"] = query.end
        if query.open_only is not None:
            where.append(("" if query.open_only else "NOT ") + "list_contains($open, t.status)")
            params["open"] = list(OPEN_STATUSES)
        sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY t.opened_at DESC, t.id DESC"
        with self._store.cursor() as cur:
            rows = cur.execute(f"{sql} LIMIT $limit", params).fetchall()
            answers = self._answers(cur, [row[0] for row in rows])
        return [
            PublicTicket(
                id=row[0],
                reference=row[1],
                status=row[2],
                department_code=row[3],
                department_en=row[4],
                department_bn=row[5],
                ward=row[6],
                category=row[7],
                source=SOURCE_LABELS.get(row[8], row[8]),
                opened_at=row[9],
                updated_at=row[10],
                expected_at=row[11],
                answers=tuple(answers.get(row[0], ())),
                merged_into=row[12],
                description=row[13],
                latitude=row[14],
                longitude=row[15],
                service_code=row[16],
            )
            for row in rows
        ]

    def _answers(self, cur: Any, ticket_ids: list[int]) -> dict[int, list[PublicAnswer]]:
        if not ticket_ids:
            return {}
        rows = cur.execute(
            "SELECT ticket_id, sent_at, text FROM replies"
            " WHERE ticket_id IN (SELECT unnest($ids)) AND status = 'sent'"
            " AND list_contains($platforms, platform) ORDER BY sent_at, id",
            {"ids": ticket_ids, "platforms": list(PUBLIC_ANSWER_PLATFORMS)},
        ).fetchall()
        found: dict[int, list[PublicAnswer]] = {}
        for ticket_id, sent_at, text in rows:
            found.setdefault(ticket_id, []).append(PublicAnswer(sent_at, text))
        return found


def tracking_link(base_url: str, reference: str) -> str:
    """The public tracking page of the ticket `reference` on the hub at `base_url`."""
    return f"{base_url.rstrip('/')}/track/{reference}"


__all__ = [
    "PUBLIC_ANSWER_PLATFORMS",
    "PublicAnswer",
    "PublicQuery",
    "PublicTicket",
    "PublicTickets",
    "tracking_link",
]
