"""Response-time and publishing metrics for the commissioner, IT and officers, computed in SQL.

Every table is one DuckDB query over the tickets (or updates) in the period; the definitions
are in ``docs/metrics.md`` and restated briefly here:

- the period selects tickets by ``opened_at`` (the citizen's interaction time), updates by
  ``first_submitted_at``; ``start`` inclusive, ``end`` exclusive;
- merged duplicates and tickets hidden as spam are not complaints and are left out; a ticket
  whose comment the citizen later deleted is still counted;
- first response: ``first_response_at - opened_at``, the first reply in the thread that the
  platform confirmed (a reply that failed to post sets nothing, so the ticket is unanswered);
  a reopened ticket keeps its first response;
- resolution: ``resolved_at - opened_at``; a reopened ticket is unresolved until resolved again;
- medians and 90th percentiles (``quantile_cont``) over answered (resolved) tickets only, with
  the tickets still waiting counted and the oldest one's age shown beside them;
- share within target: met / (met + missed); a ticket still waiting counts as missed once its
  age passes the target and is left out of the share until then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.audit import AuditLog
from hub.clock import as_utc, utc_now
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.permissions import Action, Actor, Role
from hub.store import Store
from hub.tickets.board import DUE_AT_SQL, IT_QUEUE, IT_QUEUE_TARGET_HOURS
from hub.tickets.lifecycle import OPEN_STATUSES

__all__ = [
    "BACKLOG_BUCKETS",
    "FIGURES",
    "IT_QUEUE",
    "MAP_FIGURES",
    "MAP_PIN_LIMIT",
    "WAITING_BAND",
    "BacklogRow",
    "DepartmentRow",
    "DistributionRow",
    "LocatedTicket",
    "MetricsFilters",
    "MetricsService",
    "Overview",
    "PublishingRow",
    "TicketBehind",
    "TicketsBehind",
    "WardRow",
    "WardShade",
    "WeekRow",
]

# Backlog buckets by age in hours: [0, 4), [4, 24), [24, 72), [72, 168), [168, ...).
BACKLOG_BUCKETS = (N_("under 4 h"), N_("4–24 h"), N_("1–3 days"), N_("3–7 days"), N_("over 7 days"))
_BUCKET_HOURS = (4, 24, 72, 168)

# The figures a person can click through to, and the tickets each one counts (over `judged`).
FIGURES: dict[str, tuple[str, str]] = {
    "tickets": (N_("All tickets"), "TRUE"),
    "answered": ("Answered", "fr_min IS NOT NULL"),
    "waiting": ("Waiting for a first response", "fr_min IS NULL AND is_open"),
    "first_response_met": ("First response within target", "fr_met"),
    "first_response_missed": (N_("First response target missed"), "fr_missed"),
    "resolved": ("Resolved", "res_min IS NOT NULL"),
    "resolution_met": (N_("Resolved within target"), "res_met"),
    "resolution_missed": (N_("Resolution target missed"), "res_missed"),
    "open": ("Open now", "is_open"),
    "escalated": ("Escalated", "escalated"),
    "reopened": (N_("Reopened"), "reopened_count > 0"),
}
# What the city map shades its wards by.
MAP_FIGURES: dict[str, str] = {
    "open": "Open tickets",
    "past_target": "Open tickets past target (%)",
    "per_week": "Tickets per week",
    "subscribers": "Subscribers to notices",
}
# The most pins the map draws (the newest); the count of all is shown beside them.
MAP_PIN_LIMIT = 5000
# First-response bands of the distribution, by lower bound in hours.
_BAND_HOURS = (0, 1, 2, 4, 8, 12, 24, 48, 72, 168)
_BAND_LABELS = (
    N_("under 1 h"), N_("1–2 h"), N_("2–4 h"), N_("4–8 h"), N_("8–12 h"), N_("12–24 h"),
    N_("1–2 days"), N_("2–3 days"), N_("3–7 days"), N_("over 7 days"),
)  # fmt: skip
WAITING_BAND = "still waiting"


@dataclass(frozen=True)
class MetricsFilters:
    """Which tickets (or updates) count: opened in [start, end), and optional narrowing.

    ``department`` None: every department the actor may see; `IT_QUEUE`: tickets without one.
    """

    start: datetime | None = None
    end: datetime | None = None
    platform: str | None = None
    ward: int | None = None
    department: str | None = None


@dataclass(frozen=True)
class Overview:
    """The league's figures over every ticket in scope, each judged by its own targets."""

    tickets: int
    answered: int
    waiting_first_response: int
    oldest_waiting_minutes: float | None
    first_response_median: float | None
    first_response_p90: float | None
    first_response_met: int
    first_response_missed: int
    first_response_within_target: float | None
    resolved: int
    resolution_median: float | None
    resolution_p90: float | None
    resolution_met: int
    resolution_missed: int
    resolution_within_target: float | None
    open: int
    oldest_open_minutes: float | None
    escalations: int
    reopened: int
    reopen_rate: float | None
    # WhatsApp complaints: the reference number back within the department's deadline.
    acknowledgement_met: int
    acknowledgement_missed: int
    acknowledged_within_deadline: float | None


@dataclass(frozen=True)
class DepartmentRow(Overview):
    """One line of the department league: the overview's figures for one department's
    tickets, with its name and targets (durations in minutes; shares 0–1, None if none)."""

    department_code: str | None  # None: the IT team's queue
    department_name: str
    first_response_target_hours: int
    resolution_target_hours: int


@dataclass(frozen=True)
class DistributionRow:
    """How many answered tickets had a first response in one band (``waiting``: none yet)."""

    band: str
    lower_minutes: float | None  # None for the tickets still waiting
    tickets: int


@dataclass(frozen=True)
class TicketBehind:
    """One ticket behind a figure, with the durations that put it there (minutes)."""

    id: int
    reference: str
    department_code: str | None
    platform: str
    ward: int | None
    status: str
    opened_at: datetime
    first_response_minutes: float | None
    resolution_minutes: float | None
    age_minutes: float
    escalated: bool
    reopened_count: int
    text: str


@dataclass(frozen=True)
class TicketsBehind:
    """The tickets behind one figure (at most ``limit`` of them) and how many there are."""

    figure: str
    rows: list[TicketBehind]
    total: int


@dataclass(frozen=True)
class WeekRow:
    """One ISO week (Monday 00:00 in the display zone) of the trend."""

    week_start: date
    week_label: str  # e.g. 2026-W47
    tickets: int
    answered: int
    first_response_median: float | None


@dataclass(frozen=True)
class BacklogRow:
    """Open tickets of one department by age (see `BACKLOG_BUCKETS`)."""

    department_code: str | None
    department_name: str
    open: int
    under_4h: int
    from_4h_to_24h: int
    from_1d_to_3d: int
    from_3d_to_7d: int
    over_7d: int


@dataclass(frozen=True)
class WardRow:
    """Tickets of one ward (None: no ward recognised)."""

    ward: int | None
    tickets: int
    answered: int
    first_response_median: float | None
    first_response_p90: float | None
    open: int
    resolved: int
    resolution_median: float | None


@dataclass(frozen=True)
class WardShade:
    """One ward's figures for the city map (wards with tickets in scope only)."""

    ward: int
    tickets: int
    open: int
    open_past_target: int
    # Tickets opened per week over the period (None without a bounded period).
    per_week: float | None

    @property
    def past_target_share(self) -> float | None:
        """Open tickets past their target, as a share of the open ones (None: none open)."""
        return self.open_past_target / self.open if self.open else None

    def figure(self, key: str) -> float | None:
        """The value of one of `MAP_FIGURES` for this ward."""
        if key == "open":
            return float(self.open)
        if key == "past_target":
            share = self.past_target_share
            return None if share is None else share * 100
        if key == "per_week":
            return self.per_week
        if key == "subscribers":
            return None  # not a ticket figure: the map reads it from the subscriptions
        raise InvalidInput(
            N_("unknown map figure {key!r}; known: {known}"),
            key=key,
            known=", ".join(MAP_FIGURES),
        )


@dataclass(frozen=True)
class LocatedTicket:
    """A ticket with a place (a WhatsApp pin, an Open311 point): a pin on the map."""

    id: int
    reference: str
    status: str
    department_code: str | None
    ward: int | None
    latitude: float
    longitude: float
    opened_at: datetime
    urgent: bool


@dataclass(frozen=True)
class PublishingRow:
    """One department's publishing in the period (updates selected by first submission)."""

    department_code: str
    department_name: str
    submitted: int
    approved: int
    updates_per_week: float | None
    launches: int
    launches_notified_in_time: int
    launch_notice_share: float | None
    review_median: float | None
    review_p90: float | None
    rejected: int
    rejection_rate: float | None
    rejections_by_reason: tuple[tuple[str, int], ...]
    # Notices to subscribers approved in the period.
    notices: int = 0


_OPEN_SQL = "t.status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"

# The tickets in scope, one row each, with their durations in minutes (`$now` is the clock).
_PICKED_SQL = (
    "SELECT t.id, t.department_code, t.ward, t.status, t.opened_at, t.reopened_count,"
    f" {_OPEN_SQL} AS is_open,"
    " (epoch(t.first_response_at) - epoch(t.opened_at)) / 60.0 AS fr_min,"
    " (epoch(t.resolved_at) - epoch(t.opened_at)) / 60.0 AS res_min,"
    " (epoch($now) - epoch(t.opened_at)) / 60.0 AS age_min,"
    " (t.escalated_at IS NOT NULL OR t.id IN ("
    "   SELECT ticket_id FROM ticket_events WHERE event = 'escalated')) AS escalated,"
    # A WhatsApp complaint is owed its reference number by `acknowledge_by`; one still
    # unacknowledged counts as missed once that time has passed, not before.
    " t.acknowledged_at <= t.acknowledge_by AS ack_met,"
    " (t.acknowledged_at > t.acknowledge_by"
    "  OR (t.acknowledged_at IS NULL AND $now > t.acknowledge_by)) AS ack_missed"
    " FROM tickets t WHERE {where}"
)

# Every active department, any other department with tickets in scope, and the IT queue.
_SCOPE_SQL = (
    "scope AS ("
    " SELECT s.code, coalesce(d.name_en, s.code, $it_queue) AS name,"
    f" coalesce(d.first_response_target_hours, {IT_QUEUE_TARGET_HOURS[0]}) AS fr_h,"
    f" coalesce(d.resolution_target_hours, {IT_QUEUE_TARGET_HOURS[1]}) AS res_h"
    " FROM (SELECT code FROM departments WHERE active"
    "       UNION SELECT department_code FROM picked"
    "       UNION SELECT NULL) s"
    " LEFT JOIN departments d ON d.code = s.code"
    " WHERE {scope_where})"
)

# Each picked ticket judged against its targets (columns of `picked` plus `fr_h`, `res_h`).
_JUDGED_COLUMNS = (
    " fr_min <= fr_h * 60 AS fr_met,"
    " (fr_min > fr_h * 60 OR (fr_min IS NULL AND age_min > fr_h * 60)) AS fr_missed,"
    " res_min <= res_h * 60 AS res_met,"
    " (res_min > res_h * 60 OR (res_min IS NULL AND age_min > res_h * 60)) AS res_missed"
)
# The league's figures over `judged`, shared by the league (per department) and the overview.
_LEAGUE_AGGREGATES = (
    " count(id) AS tickets,"
    " count(fr_min) AS answered,"
    " count(id) FILTER (fr_min IS NULL AND is_open) AS waiting,"
    " max(age_min) FILTER (fr_min IS NULL AND is_open) AS oldest_waiting,"
    " median(fr_min), quantile_cont(fr_min, 0.9),"
    " count(id) FILTER (fr_met) AS fr_met, count(id) FILTER (fr_missed) AS fr_missed,"
    " count(id) FILTER (fr_met) / nullif(count(id) FILTER (fr_met OR fr_missed), 0),"
    " count(res_min) AS resolved,"
    " median(res_min), quantile_cont(res_min, 0.9),"
    " count(id) FILTER (res_met) AS res_met, count(id) FILTER (res_missed) AS res_missed,"
    " count(id) FILTER (res_met) / nullif(count(id) FILTER (res_met OR res_missed), 0),"
    " count(id) FILTER (is_open) AS open,"
    " max(age_min) FILTER (is_open) AS oldest_open,"
    " count(id) FILTER (escalated) AS escalations,"
    " count(id) FILTER (reopened_count > 0) AS reopened,"
    " count(id) FILTER (reopened_count > 0) / nullif(count(id), 0),"
    " count(id) FILTER (ack_met) AS ack_met, count(id) FILTER (ack_missed) AS ack_missed,"
    " count(id) FILTER (ack_met) / nullif(count(id) FILTER (ack_met OR ack_missed), 0)"
)

_LEAGUE_SQL = (
    f"WITH picked AS ({_PICKED_SQL}), {_SCOPE_SQL},"
    " judged AS (SELECT *, " + _JUDGED_COLUMNS + " FROM (SELECT s.code, s.name, s.fr_h,"
    "   s.res_h, p.*"
    "  FROM scope s LEFT JOIN picked p ON p.department_code IS NOT DISTINCT FROM s.code))"
    f" SELECT {_LEAGUE_AGGREGATES}, code, name, fr_h, res_h"  # DepartmentRow's order
    " FROM judged GROUP BY code, name, fr_h, res_h"
    " ORDER BY code IS NULL, name"
)

# Every ticket in scope judged against its own department's targets (the IT queue's when it
# has none): for the overview and for the tickets behind a figure.
_JUDGED_TICKETS_SQL = (
    f"WITH picked AS ({_PICKED_SQL}),"
    f" judged AS (SELECT *, {_JUDGED_COLUMNS} FROM ("
    "  SELECT p.*,"
    f"  coalesce(d.first_response_target_hours, {IT_QUEUE_TARGET_HOURS[0]}) AS fr_h,"
    f"  coalesce(d.resolution_target_hours, {IT_QUEUE_TARGET_HOURS[1]}) AS res_h"
    "  FROM picked p LEFT JOIN departments d ON d.code = p.department_code))"
)
_OVERVIEW_SQL = f"{_JUDGED_TICKETS_SQL} SELECT {_LEAGUE_AGGREGATES} FROM judged"

_BACKLOG_SQL = (
    f"WITH picked AS ({_PICKED_SQL}), {_SCOPE_SQL}"
    " SELECT s.code, s.name, count(p.id) FILTER (p.is_open),"
    f" count(p.id) FILTER (p.is_open AND p.age_min < {_BUCKET_HOURS[0]} * 60),"
    f" count(p.id) FILTER (p.is_open AND p.age_min >= {_BUCKET_HOURS[0]} * 60"
    f"   AND p.age_min < {_BUCKET_HOURS[1]} * 60),"
    f" count(p.id) FILTER (p.is_open AND p.age_min >= {_BUCKET_HOURS[1]} * 60"
    f"   AND p.age_min < {_BUCKET_HOURS[2]} * 60),"
    f" count(p.id) FILTER (p.is_open AND p.age_min >= {_BUCKET_HOURS[2]} * 60"
    f"   AND p.age_min < {_BUCKET_HOURS[3]} * 60),"
    f" count(p.id) FILTER (p.is_open AND p.age_min >= {_BUCKET_HOURS[3]} * 60)"
    " FROM scope s LEFT JOIN picked p ON p.department_code IS NOT DISTINCT FROM s.code"
    " GROUP BY s.code, s.name ORDER BY s.code IS NULL, s.name"
)

_WARD_SQL = (
    f"WITH picked AS ({_PICKED_SQL})"
    " SELECT ward, count(*), count(fr_min), median(fr_min), quantile_cont(fr_min, 0.9),"
    " count(*) FILTER (is_open), count(res_min), median(res_min)"
    " FROM picked GROUP BY ward ORDER BY ward NULLS LAST"
)

_WEEK_SQL = (
    f"WITH picked AS ({_PICKED_SQL}),"
    " weekly AS (SELECT date_trunc('week', timezone($zone, opened_at)) AS week,"
    "   count(*) AS tickets, count(fr_min) AS answered, median(fr_min) AS fr_median"
    "  FROM picked GROUP BY week),"
    " weeks AS ({weeks})"
    " SELECT w.week, strftime(w.week, '%G-W%V'), coalesce(k.tickets, 0),"
    " coalesce(k.answered, 0), k.fr_median"
    " FROM weeks w LEFT JOIN weekly k ON k.week = w.week ORDER BY w.week"
)
# Every week of a bounded period, so a week without tickets shows as zero, not as a gap.
_BOUNDED_WEEKS = (
    "SELECT unnest(range(date_trunc('week', timezone($zone, $start)),"
    " timezone($zone, $end), INTERVAL 7 DAY)) AS week"
)
_WEEKS_WITH_TICKETS = "SELECT week FROM weekly"

_PUBLISHING_SQL = (
    "WITH picked AS ("
    " SELECT u.id, u.department_code, u.kind, u.status, u.late_notice, u.reject_reason,"
    "  u.first_submitted_at, u.approved_at,"
    "  (epoch(u.approved_at) - epoch(u.first_submitted_at)) / 60.0 AS review_min"
    " FROM updates u WHERE {where}),"
    " span AS (SELECT (epoch(coalesce($end, $now))"
    "   - epoch(coalesce($start, (SELECT min(first_submitted_at) FROM picked)))) / 604800.0"
    "   AS weeks),"
    " reasons AS (SELECT department_code, list({{'reason': reason, 'count': n}}"
    "   ORDER BY n DESC, reason) AS by_reason"
    "  FROM (SELECT department_code, coalesce(reject_reason, '') AS reason, count(*) AS n"
    "        FROM picked WHERE status = 'rejected' GROUP BY ALL) GROUP BY department_code),"
    " scope AS (SELECT d.code, d.name_en AS name FROM departments d"
    "  WHERE (d.active OR d.code IN (SELECT department_code FROM picked)) AND {scope_where})"
    " SELECT s.code, s.name, count(p.id) AS submitted,"
    " count(p.approved_at) AS approved,"
    " count(p.id) / nullif((SELECT weeks FROM span), 0),"
    " count(p.id) FILTER (p.kind = 'launch') AS launches,"
    " count(p.id) FILTER (p.kind = 'launch' AND NOT p.late_notice),"
    " count(p.id) FILTER (p.kind = 'launch' AND NOT p.late_notice)"
    "   / nullif(count(p.id) FILTER (p.kind = 'launch'), 0),"
    " median(p.review_min), quantile_cont(p.review_min, 0.9),"
    " count(p.id) FILTER (p.status = 'rejected') AS rejected,"
    " count(p.id) FILTER (p.status = 'rejected')"
    "   / nullif(count(p.id) FILTER (p.status = 'rejected' OR p.approved_at IS NOT NULL), 0),"
    " any_value(r.by_reason),"
    " (SELECT count(*) FROM notices n WHERE n.department_code = s.code"
    "  AND n.approved_at >= coalesce($start, n.approved_at)"
    "  AND n.approved_at < coalesce($end, n.approved_at + INTERVAL 1 SECOND))"
    " FROM scope s LEFT JOIN picked p ON p.department_code = s.code"
    " LEFT JOIN reasons r ON r.department_code = s.code"
    " GROUP BY s.code, s.name ORDER BY s.name"
)


class MetricsService:
    """The commissioner's figures: one SQL query per table, officers limited to their own."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Callable[[], datetime] = utc_now,
        zone: ZoneInfo | str = "Asia/Kolkata",
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self._zone = str(zone)

    def department_league(self, actor: Actor, filters: MetricsFilters) -> list[DepartmentRow]:
        """Every department in scope (with zeros when it had no tickets) and the IT queue."""
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters)
        scope_where = self._scope_where(department, params)
        sql = _LEAGUE_SQL.format(where=where, scope_where=scope_where)
        params["it_queue"] = IT_QUEUE
        rows = self._fetch(sql, params)
        return [DepartmentRow(*row) for row in rows]

    def weekly_trend(self, actor: Actor, filters: MetricsFilters) -> list[WeekRow]:
        """Per ISO week in the display zone: tickets opened and their median first response.

        With both ends of the period given every week shows, even one without tickets.
        """
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters, department)
        bounded = filters.start is not None and filters.end is not None
        weeks = _BOUNDED_WEEKS if bounded else _WEEKS_WITH_TICKETS
        params["zone"] = self._zone
        rows = self._fetch(_WEEK_SQL.format(where=where, weeks=weeks), params)
        return [WeekRow(row[0].date(), row[1], int(row[2]), int(row[3]), row[4]) for row in rows]

    def backlog_by_age(self, actor: Actor, filters: MetricsFilters) -> list[BacklogRow]:
        """Open tickets per department by age now (every department in scope, zeros too)."""
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters)
        scope_where = self._scope_where(department, params)
        params["it_queue"] = IT_QUEUE
        rows = self._fetch(_BACKLOG_SQL.format(where=where, scope_where=scope_where), params)
        return [BacklogRow(*row) for row in rows]

    def ward_table(self, actor: Actor, filters: MetricsFilters) -> list[WardRow]:
        """Per ward with tickets in scope (no ward last): volume and times."""
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters, department)
        rows = self._fetch(_WARD_SQL.format(where=where), params)
        return [WardRow(*row) for row in rows]

    def ward_shading(self, actor: Actor, filters: MetricsFilters) -> list[WardShade]:
        """Per ward with tickets in scope: tickets, open, open past target, per week."""
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters, department)
        rows = self._fetch(
            "SELECT t.ward, count(*), count(*) FILTER (" + _OPEN_SQL + "),"
            " count(*) FILTER (" + _OPEN_SQL + f" AND {DUE_AT_SQL} < $now)"
            " FROM tickets t LEFT JOIN departments d ON d.code = t.department_code"
            f" WHERE {where} AND t.ward IS NOT NULL GROUP BY t.ward ORDER BY t.ward",
            params,
        )
        weeks = None
        if filters.start is not None and filters.end is not None:
            weeks = max((filters.end - filters.start).total_seconds() / (7 * 86400), 1 / 7)
        return [
            WardShade(ward, tickets, open_, past, None if weeks is None else tickets / weeks)
            for ward, tickets, open_, past in rows
        ]

    def located_tickets(
        self, actor: Actor, filters: MetricsFilters, limit: int = MAP_PIN_LIMIT
    ) -> tuple[list[LocatedTicket], int]:
        """Tickets in scope with a place, newest first (at most `limit`), and how many in all."""
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters, department)
        where += " AND t.latitude IS NOT NULL AND t.longitude IS NOT NULL"
        params.pop("now")  # DuckDB refuses a parameter the statement does not use
        with self._store.cursor() as cur:
            (total,) = cur.execute(
                f"SELECT count(*) FROM tickets t WHERE {where}", params
            ).fetchone()
            rows = cur.execute(
                "SELECT t.id, t.reference, t.status, t.department_code, t.ward, t.latitude,"
                f" t.longitude, t.opened_at, t.urgent FROM tickets t WHERE {where}"
                " ORDER BY t.opened_at DESC, t.id DESC LIMIT $limit",
                {**params, "limit": limit},
            ).fetchall()
        return [LocatedTicket(*row) for row in rows], int(total)

    def publishing(self, actor: Actor, filters: MetricsFilters) -> list[PublishingRow]:
        """Per department: updates first submitted in the period and how their review went.

        ``start``/``end`` apply to ``first_submitted_at``; ``platform`` keeps updates aimed at
        it; ``ward`` does not apply. Without a start, the weeks count from the first update.
        """
        department = self._allowed_department(actor, filters)
        if department == IT_QUEUE:
            return []
        where = ["u.first_submitted_at IS NOT NULL"]
        params: dict[str, Any] = {
            "now": as_utc(self._clock()),
            "start": as_utc(filters.start) if filters.start else None,
            "end": as_utc(filters.end) if filters.end else None,
        }
        if filters.start is not None:
            where.append("u.first_submitted_at >= $start")
        if filters.end is not None:
            where.append("u.first_submitted_at < $end")
        if filters.platform:
            where.append("list_contains(u.platforms, $platform)")
            params["platform"] = filters.platform
        scope_where = "TRUE"
        if department is not None:
            where.append("u.department_code = $department")
            scope_where = "d.code = $department"
            params["department"] = department
        sql = _PUBLISHING_SQL.format(where=" AND ".join(where), scope_where=scope_where)
        rows = self._fetch(sql, params)
        return [
            PublishingRow(
                *row[:12],
                tuple((item["reason"], int(item["count"])) for item in row[12] or ()),
                int(row[13]),
            )
            for row in rows
        ]

    def overview(self, actor: Actor, filters: MetricsFilters) -> Overview:
        """The headline figures: every ticket in scope at once, each against its own targets."""
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters, department)
        row = self._fetch(_OVERVIEW_SQL.format(where=where), params)[0]
        return Overview(*row)

    def response_time_distribution(
        self, actor: Actor, filters: MetricsFilters
    ) -> list[DistributionRow]:
        """Answered tickets per first-response band, then the open ones still waiting.

        Every band shows, empty ones with 0, so charts of two periods line up.
        """
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters, department)
        band = " ".join(
            f"WHEN fr_min < {upper * 60} THEN {index}"
            for index, upper in enumerate(_BAND_HOURS[1:])
        )
        sql = (
            f"WITH picked AS ({_PICKED_SQL.format(where=where)})"
            f" SELECT CASE WHEN fr_min IS NULL THEN -1 ELSE CASE {band}"
            f" ELSE {len(_BAND_HOURS) - 1} END END AS band, count(*)"
            " FROM picked WHERE fr_min IS NOT NULL OR is_open GROUP BY band"
        )
        counts = dict(self._fetch(sql, params))
        rows = [
            DistributionRow(label, hours * 60.0, int(counts.get(index, 0)))
            for index, (label, hours) in enumerate(zip(_BAND_LABELS, _BAND_HOURS, strict=True))
        ]
        rows.append(DistributionRow(WAITING_BAND, None, int(counts.get(-1, 0))))
        return rows

    def tickets_behind(
        self,
        actor: Actor,
        filters: MetricsFilters,
        figure: str = "tickets",
        *,
        ward_unknown: bool = False,
        week_start: date | None = None,
        age_bucket: str | None = None,
        band: str | None = None,
        limit: int = 200,
    ) -> TicketsBehind:
        """The tickets a figure counts, newest first: what a click on a figure opens.

        ``figure`` is a key of `FIGURES`; the filters narrow as for the tables (a league row
        is ``filters.department``, a ward row ``filters.ward`` or ``ward_unknown``, a week of
        the trend ``week_start`` (its Monday in the display zone), a backlog cell
        ``age_bucket`` (one of `BACKLOG_BUCKETS`) and a bar of the distribution ``band``).
        ``total`` is the figure itself, so the list can be checked against it.
        """
        if figure not in FIGURES:
            raise InvalidInput(
                N_("unknown figure {figure!r}; known: {known}"),
                figure=figure,
                known=", ".join(FIGURES),
            )
        if not 1 <= limit <= 5000:
            raise InvalidInput(N_("a list holds 1 to 5000 tickets, not {limit}"), limit=limit)
        department = self._allowed_department(actor, filters)
        where, params = self._ticket_where(filters, department)
        conditions = [FIGURES[figure][1]]
        if ward_unknown:
            conditions.append("ward IS NULL")
        if week_start is not None:
            conditions.append("date_trunc('week', timezone($zone, opened_at)) = $week")
            params["zone"] = self._zone
            params["week"] = datetime.combine(week_start, datetime.min.time())
        if age_bucket is not None:
            if age_bucket not in BACKLOG_BUCKETS:
                raise InvalidInput(N_("unknown age bucket {bucket!r}"), bucket=age_bucket)
            index = BACKLOG_BUCKETS.index(age_bucket)
            bounds = (0, *_BUCKET_HOURS, None)
            conditions.append(f"is_open AND age_min >= {bounds[index] * 60}")
            if bounds[index + 1] is not None:
                conditions.append(f"age_min < {bounds[index + 1] * 60}")
        if band is not None:
            if band == WAITING_BAND:
                conditions.append("fr_min IS NULL AND is_open")
            elif band in _BAND_LABELS:
                index = _BAND_LABELS.index(band)
                conditions.append(f"fr_min >= {_BAND_HOURS[index] * 60}")
                if index + 1 < len(_BAND_HOURS):
                    conditions.append(f"fr_min < {_BAND_HOURS[index + 1] * 60}")
            else:
                raise InvalidInput(N_("unknown band {band!r}"), band=band)
        params["limit"] = limit
        sql = (
            f"{_JUDGED_TICKETS_SQL.format(where=where)}"
            f", behind AS (SELECT * FROM judged WHERE ({') AND ('.join(conditions)}))"
            " SELECT b.id, t.reference, b.department_code, t.platform, b.ward, b.status,"
            " b.opened_at, b.fr_min, b.res_min, b.age_min, b.escalated, b.reopened_count,"
            " left(i.text, 200), count(*) OVER ()"
            " FROM behind b JOIN tickets t ON t.id = b.id"
            " JOIN interactions i ON i.id = t.interaction_id"
            " ORDER BY b.opened_at DESC, b.id DESC LIMIT $limit"
        )
        rows = self._fetch(sql, params)
        total = int(rows[0][-1]) if rows else 0
        return TicketsBehind(figure, [TicketBehind(*row[:-1]) for row in rows], total)

    def _allowed_department(self, actor: Actor, filters: MetricsFilters) -> str | None:
        """The department the figures are limited to (None: all); refuses what is not allowed."""
        department = filters.department or None
        if actor.role is Role.OFFICER and department is None:
            department = actor.department_code
        self._audit.authorize(actor, Action.VIEW_TICKETS, department)
        return department

    def _ticket_where(
        self, filters: MetricsFilters, department: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        """The WHERE of the tickets in scope, and its parameters (with ``$now``)."""
        where = ["t.merged_into IS NULL", "NOT t.hidden"]
        params: dict[str, Any] = {"now": as_utc(self._clock())}
        if filters.start is not None:
            where.append("t.opened_at >= $start")
            params["start"] = as_utc(filters.start)
        if filters.end is not None:
            where.append("t.opened_at < $end")
            params["end"] = as_utc(filters.end)
        if filters.platform:
            where.append("t.platform = $platform")
            params["platform"] = filters.platform
        if filters.ward is not None:
            where.append("t.ward = $ward")
            params["ward"] = filters.ward
        if department == IT_QUEUE:
            where.append("t.department_code IS NULL")
        elif department is not None:
            where.append("t.department_code = $department")
            params["department"] = department
        return " AND ".join(where), params

    @staticmethod
    def _scope_where(department: str | None, params: dict[str, Any]) -> str:
        """Which league rows show: all, the IT queue only, or one department."""
        if department == IT_QUEUE:
            return "s.code IS NULL"
        if department is not None:
            params["department"] = department
            return "s.code = $department"
        return "TRUE"

    def _fetch(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        with self._store.cursor() as cur:
            return cur.execute(sql, params).fetchall()
