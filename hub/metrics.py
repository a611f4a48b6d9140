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
from hub.permissions import Action, Actor, Role
from hub.store import Store
from hub.triage.board import IT_QUEUE, IT_QUEUE_TARGET_HOURS, OPEN_STATUSES

__all__ = [
    "IT_QUEUE",
    "BacklogRow",
    "DepartmentRow",
    "MetricsFilters",
    "MetricsService",
    "PublishingRow",
    "WardRow",
    "WeekRow",
    "format_duration",
]

# Backlog buckets by age in hours: [0, 4), [4, 24), [24, 72), [72, 168), [168, ...).
BACKLOG_BUCKETS = ("under 4 h", "4–24 h", "1–3 days", "3–7 days", "over 7 days")
_BUCKET_HOURS = (4, 24, 72, 168)


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
class DepartmentRow:
    """One line of the department league (durations in minutes; shares 0–1, None if none)."""

    department_code: str | None  # None: the IT team's queue
    department_name: str
    first_response_target_hours: int
    resolution_target_hours: int
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


def format_duration(minutes: float | None) -> str:
    """Minutes as people read them: ``45 min``, ``2 h 05 min``, ``3 d 04 h``; None → ``—``."""
    if minutes is None:
        return "—"
    total = round(minutes)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours:02d} h"
    if hours:
        return f"{sign}{hours} h {mins:02d} min"
    return f"{sign}{mins} min"


_OPEN_SQL = "t.status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"

# The tickets in scope, one row each, with their durations in minutes (`$now` is the clock).
_PICKED_SQL = (
    "SELECT t.id, t.department_code, t.ward, t.status, t.opened_at, t.reopened_count,"
    f" {_OPEN_SQL} AS is_open,"
    " (epoch(t.first_response_at) - epoch(t.opened_at)) / 60.0 AS fr_min,"
    " (epoch(t.resolved_at) - epoch(t.opened_at)) / 60.0 AS res_min,"
    " (epoch($now) - epoch(t.opened_at)) / 60.0 AS age_min,"
    " (t.escalated_at IS NOT NULL OR t.id IN ("
    "   SELECT ticket_id FROM ticket_events WHERE event = 'escalated')) AS escalated"
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

_LEAGUE_SQL = (
    f"WITH picked AS ({_PICKED_SQL}), {_SCOPE_SQL},"
    " judged AS (SELECT s.code, s.name, s.fr_h, s.res_h, p.*,"
    "   p.fr_min <= s.fr_h * 60 AS fr_met,"
    "   (p.fr_min > s.fr_h * 60 OR (p.fr_min IS NULL AND p.age_min > s.fr_h * 60)) AS fr_missed,"
    "   p.res_min <= s.res_h * 60 AS res_met,"
    "   (p.res_min > s.res_h * 60 OR (p.res_min IS NULL AND p.age_min > s.res_h * 60))"
    "     AS res_missed"
    "  FROM scope s LEFT JOIN picked p ON p.department_code IS NOT DISTINCT FROM s.code)"
    " SELECT code, name, fr_h, res_h,"
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
    " count(id) FILTER (reopened_count > 0) / nullif(count(id), 0)"
    " FROM judged GROUP BY code, name, fr_h, res_h"
    " ORDER BY code IS NULL, name"
)

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
    " any_value(r.by_reason)"
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
            )
            for row in rows
        ]

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
