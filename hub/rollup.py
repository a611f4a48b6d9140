"""Past one machine: each municipality's hub exports Parquet, and DuckDB rolls many up.

Each municipality runs its own hub (shared nothing). `export_parquet` writes one hub's data as
Parquet that DuckDB, Spark or Trino read as they are, partitioned Hive-style:

- ``tickets/municipality=<code>/month=<YYYY-MM>/``: one row per ticket (no text, no names, no
  citizen key): reference, department, ward, category, urgency, platform, status, times;
- ``interactions/municipality=<code>/month=<YYYY-MM>/``: anonymised: platform, kind, time,
  whether from the city, hidden or deleted, and the ticket it opened; no text, name or ids;
- ``figures/municipality=<code>/``: the hub's own league (`hub.league.LEAGUE_FIGURES`), one row
  per department and one ``*`` row for the whole hub, as its dashboard computes them.

`state_report` reads every export under a folder with one DuckDB query per table and gives the
league across municipalities from their own figures (medians cannot be added up, so each
municipality's are its own), with totals from the ticket rows as a cross-check.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from hub.audit import AuditLog
from hub.config import Settings
from hub.errors import InvalidInput
from hub.i18n import N_, format_duration
from hub.league import LEAGUE_FIGURES
from hub.metrics import MetricsFilters, MetricsService
from hub.permissions import Actor
from hub.store import Store

WHOLE_HUB = "*"
_FIGURE_FIELDS = tuple(figure.field for figure in LEAGUE_FIGURES if figure.kind != "target_hours")


@dataclass(frozen=True)
class ExportReport:
    """What one export wrote."""

    folder: Path
    tickets: int
    interactions: int
    departments: int

    @property
    def summary(self) -> str:
        """One line for the command."""
        return (
            f"exported {self.tickets:,} tickets, {self.interactions:,} interactions (anonymised)"
            f" and the league of {self.departments} departments to {self.folder}"
        )


@dataclass(frozen=True)
class MunicipalityRow:
    """One municipality in the state league: its own headline figures."""

    municipality: str
    tickets: int
    first_response_median: float | None
    first_response_within_target: float | None
    open: int
    escalations: int
    tickets_in_rows: int  # the cross-check: its exported ticket rows, counted by DuckDB


class ExportService:
    """Writes this hub's Parquet export (`hub export --parquet`)."""

    def __init__(
        self, store: Store, audit: AuditLog, metrics: MetricsService, settings: Settings
    ) -> None:
        self._store = store
        self._audit = audit
        self._metrics = metrics
        self._settings = settings

    def export_parquet(self, actor: Actor, folder: Path) -> ExportReport:
        """Write tickets, anonymised interactions and figures under `folder` (a new one).

        `actor` must be allowed the dashboard's figures (the commissioner's view).
        """
        return export_parquet(
            self._store, self._audit, self._metrics, self._settings, actor, folder
        )


def export_parquet(
    store: Store,
    audit: AuditLog,
    metrics: MetricsService,
    settings: Settings,
    actor: Actor,
    folder: Path,
) -> ExportReport:
    """Write this hub's tickets, anonymised interactions and figures under `folder` (new)."""
    folder = Path(folder)
    if folder.exists():
        raise InvalidInput(
            N_("{folder} already exists: export into a new folder (an export never overwrites)."),
            folder=folder,
        )
    everything = MetricsFilters()
    overview = metrics.overview(actor, everything)
    league = metrics.department_league(actor, everything)
    code, zone = _sql_text(settings.municipality), _sql_text(str(settings.display_zone))
    folder.mkdir(parents=True)
    with store.cursor() as cur:
        (tickets,) = cur.execute("SELECT count(*) FROM tickets").fetchone()
        (interactions,) = cur.execute("SELECT count(*) FROM interactions").fetchone()
        cur.execute(
            # COPY takes no parameters: the two values are the settings', quoted here.
            "COPY (SELECT t.reference, t.department_code, t.ward, t.category, t.urgent,"
            " t.platform, t.status, t.opened_at, t.first_response_at, t.acknowledged_at,"
            " t.resolved_at, t.closed_at, t.reopened_count,"
            " t.escalated_at IS NOT NULL AS escalated,"
            f" t.hidden, t.merged_into IS NOT NULL AS merged, '{code}' AS municipality,"
            f" strftime(timezone('{zone}', t.opened_at), '%Y-%m') AS month FROM tickets t)"
            f" TO '{_sql_path(folder / 'tickets')}'"
            " (FORMAT parquet, PARTITION_BY (municipality, month))"
        )
        cur.execute(
            "COPY (SELECT i.platform, i.kind, i.created_at, i.from_city, i.is_hidden,"
            " i.deleted_at IS NOT NULL AS deleted, t.reference AS ticket,"
            f" '{code}' AS municipality,"
            f" strftime(timezone('{zone}', i.created_at), '%Y-%m') AS month"
            " FROM interactions i LEFT JOIN tickets t ON t.interaction_id = i.id)"
            f" TO '{_sql_path(folder / 'interactions')}'"
            " (FORMAT parquet, PARTITION_BY (municipality, month))"
        )
    rows = [_figure_row(WHOLE_HUB, overview), *(_figure_row(r.department_code, r) for r in league)]
    figures = pa.table(
        {
            "department": [r[0] for r in rows],
            **{name: [r[1][name] for r in rows] for name in _FIGURE_FIELDS},
        }
    )
    connection = duckdb.connect()
    try:
        connection.register("figures_rows", figures)
        connection.execute(
            f"COPY (SELECT *, '{code}' AS municipality FROM figures_rows)"
            f" TO '{_sql_path(folder / 'figures')}' (FORMAT parquet, PARTITION_BY (municipality))"
        )
    finally:
        connection.close()
    report = ExportReport(folder, tickets, interactions, len(league))
    audit.record_now(actor=actor, action="export_parquet", detail=report.summary[:1000])
    return report


def state_report(folder: Path) -> list[MunicipalityRow]:
    """The league across every municipality's export under `folder`, best share first."""
    folder = Path(folder)
    figures = sorted(folder.glob("**/figures/municipality=*/*.parquet"))
    if not figures:
        raise InvalidInput(
            N_(
                "no exports under {folder}: put each municipality's `hub export --parquet` folder"
                " there."
            ),
            folder=folder,
        )
    connection = duckdb.connect()
    try:
        rows = connection.execute(
            "WITH own AS (SELECT * FROM read_parquet($figures, hive_partitioning = true)"
            "   WHERE department = $whole),"
            " counted AS (SELECT municipality, count(*) AS n FROM read_parquet($tickets,"
            "   hive_partitioning = true) GROUP BY municipality)"
            " SELECT own.municipality, own.tickets, own.first_response_median,"
            " own.first_response_within_target, own.open, own.escalations, coalesce(counted.n, 0)"
            " FROM own LEFT JOIN counted USING (municipality)"
            " ORDER BY own.first_response_within_target DESC NULLS LAST, own.municipality",
            {
                "figures": [str(p) for p in figures],
                "tickets": [str(p) for p in sorted(folder.glob("**/tickets/**/*.parquet"))]
                or [str(figures[0])],
                "whole": WHOLE_HUB,
            },
        ).fetchall()
    finally:
        connection.close()
    return [MunicipalityRow(*row) for row in rows]


def state_report_html(rows: list[MunicipalityRow]) -> str:
    """The state league as a small printable HTML page."""
    body = "".join(
        "<tr>"
        f"<td>{html.escape(r.municipality)}</td><td>{r.tickets:,}</td>"
        f"<td>{_minutes(r.first_response_median)}</td><td>{_share(r.first_response_within_target)}</td>"
        f"<td>{r.open:,}</td><td>{r.escalations:,}</td>"
        "</tr>"
        for r in rows
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>Municipalities' league</title>"
        "<style>body{font-family:'Noto Sans','Noto Sans Bengali',sans-serif}"
        "td,th{padding:4px 10px;border-bottom:1px solid #ccc;text-align:right}"
        "td:first-child,th:first-child{text-align:left}</style>"
        "<h1>Municipalities' league</h1><table><tr><th>Municipality</th><th>Tickets</th>"
        "<th>First response median</th><th>Within target</th><th>Open</th><th>Escalations</th>"
        f"</tr>{body}</table>"
    )


def _figure_row(department: str | None, figures: Any) -> tuple[str, dict[str, Any]]:
    return department or "IT", {name: getattr(figures, name) for name in _FIGURE_FIELDS}


def _minutes(value: float | None) -> str:
    return format_duration(value, "en")


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def _sql_path(path: Path) -> str:
    return _sql_text(str(path))


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


__all__ = [
    "ExportReport",
    "ExportService",
    "MunicipalityRow",
    "export_parquet",
    "state_report",
    "state_report_html",
]
