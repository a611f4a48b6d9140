"""The department league's columns and sort orders: one table for the dashboard and the export.

Each figure names the `DepartmentRow` (or `Overview`) field it shows, how it is shown (a count,
a duration, a share, a target in hours), its heading in the export, its heading on the
dashboard (None: export only) and the figure a click on it lists (`hub.metrics.FIGURES`).
The export writes every figure in this order (a duration as text and in minutes, a share as
a percentage); the dashboard shows the ones it has a heading for, shares first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.i18n import N_, format_duration
from hub.metrics import DepartmentRow, Overview

COUNT, DURATION, SHARE, TARGET_HOURS = "count", "duration", "share", "target_hours"


def minutes_cell(value: float | None) -> float | None:
    """Minutes for a sorting column, to a tenth (seconds of precision nobody needs)."""
    return None if value is None else round(float(value), 1)


def percent_cell(share: float | None) -> float | None:
    """A share 0–1 as a percentage to a tenth; None stays None (nothing decided, not 0 %)."""
    return None if share is None else round(float(share) * 100, 1)


def duration_cells(value: float | None) -> tuple[str, float | None]:
    """The two cells of a duration: as people read it, and in minutes to sort on."""
    return format_duration(value, "en"), minutes_cell(value)


@dataclass(frozen=True)
class LeagueFigure:
    """One figure of the league."""

    field: str
    kind: str
    export_heading: str
    screen_heading: str | None = None
    # The figure (hub.metrics.FIGURES) whose tickets a click on the dashboard lists.
    drill: str | None = None

    def value(self, row: Overview) -> Any:
        """The raw figure of `row`; targets are None for an `Overview` (no one department)."""
        if self.kind == TARGET_HOURS and not isinstance(row, DepartmentRow):
            return None
        return getattr(row, self.field)

    def export_cells(self, row: Overview) -> tuple[Any, ...]:
        """Its cells in the export: durations as text and minutes, shares as percentages."""
        value = self.value(row)
        if self.kind == DURATION:
            return duration_cells(value)
        if self.kind == SHARE:
            return (percent_cell(value),)
        return (value,)

    def export_headings(self) -> tuple[str, ...]:
        """Its headings in the export (a duration has a second one, in minutes)."""
        if self.kind == DURATION:
            return self.export_heading, f"{self.export_heading} (min)"
        return (self.export_heading,)

    def screen_value(self, row: DepartmentRow) -> Any:
        """Its cell on the dashboard: durations as text, shares 0-100, targets with a unit."""
        value = self.value(row)
        if self.kind == DURATION:
            return format_duration(value, "en")
        if self.kind == SHARE:
            return None if value is None else value * 100
        if self.kind == TARGET_HOURS:
            return f"{value} h"
        return value


LEAGUE_FIGURES = (
    LeagueFigure("tickets", COUNT, N_("Tickets"), N_("Tickets"), "tickets"),
    LeagueFigure("answered", COUNT, N_("Answered")),
    LeagueFigure(
        "waiting_first_response", COUNT, N_("Waiting for first response"), N_("Waiting"), "waiting"
    ),
    LeagueFigure(
        "oldest_waiting_minutes", DURATION, N_("Oldest waiting"), N_("Oldest waiting"), "waiting"
    ),
    LeagueFigure(
        "first_response_median",
        DURATION,
        N_("First response median"),
        N_("First response median"),
        "answered",
    ),
    LeagueFigure(
        "first_response_p90",
        DURATION,
        N_("First response 90th percentile"),
        N_("First response p90"),
        "answered",
    ),
    LeagueFigure(
        "first_response_target_hours",
        TARGET_HOURS,
        N_("First response target (h)"),
        N_("First response target"),
    ),
    LeagueFigure("first_response_met", COUNT, N_("First response met")),
    LeagueFigure("first_response_missed", COUNT, N_("First response missed")),
    LeagueFigure(
        "first_response_within_target",
        SHARE,
        N_("First response within target (%)"),
        N_("First response within target"),
        "first_response_missed",
    ),
    LeagueFigure("resolved", COUNT, N_("Resolved")),
    LeagueFigure(
        "resolution_median", DURATION, N_("Resolution median"), N_("Resolution median"), "resolved"
    ),
    LeagueFigure("resolution_p90", DURATION, N_("Resolution 90th percentile")),
    LeagueFigure(
        "resolution_target_hours",
        TARGET_HOURS,
        N_("Resolution target (h)"),
        N_("Resolution target"),
    ),
    LeagueFigure("resolution_met", COUNT, N_("Resolution met")),
    LeagueFigure("resolution_missed", COUNT, N_("Resolution missed")),
    LeagueFigure(
        "resolution_within_target",
        SHARE,
        N_("Resolution within target (%)"),
        N_("Resolution within target"),
        "resolution_missed",
    ),
    LeagueFigure("open", COUNT, N_("Open"), N_("Open"), "open"),
    LeagueFigure("oldest_open_minutes", DURATION, N_("Oldest open")),
    LeagueFigure("escalations", COUNT, N_("Escalations"), N_("Escalations"), "escalated"),
    LeagueFigure("reopened", COUNT, N_("Reopened"), N_("Reopened"), "reopened"),
    LeagueFigure("reopen_rate", SHARE, N_("Reopen rate (%)")),
    LeagueFigure("acknowledgement_met", COUNT, N_("WhatsApp acknowledged in time")),
    LeagueFigure("acknowledgement_missed", COUNT, N_("WhatsApp acknowledged late or not yet")),
    LeagueFigure(
        "acknowledged_within_deadline",
        SHARE,
        N_("WhatsApp acknowledged within deadline (%)"),
        N_("WhatsApp acknowledged in time"),
    ),
)
# The dashboard's order: the share within target first, the figure the commissioner reads.
_SCREEN_ORDER = (
    "tickets",
    "first_response_within_target",
    "first_response_median",
    "first_response_target_hours",
    "first_response_p90",
    "waiting_first_response",
    "oldest_waiting_minutes",
    "resolution_within_target",
    "resolution_median",
    "resolution_target_hours",
    "open",
    "escalations",
    "reopened",
    "acknowledged_within_deadline",
)
SCREEN_FIGURES = tuple(
    sorted(
        (f for f in LEAGUE_FIGURES if f.screen_heading is not None),
        key=lambda f: _SCREEN_ORDER.index(f.field),
    )
)


def _nulls_last(value: float | None, *, descending: bool) -> tuple[bool, float]:
    return value is None, -(value or 0) if descending else (value or 0)


# Sort orders the dashboard offers, by name: the rows' sort key.
LEAGUE_SORTS: dict[str, Callable[[DepartmentRow], Any]] = {
    N_("Worst first-response share first"): lambda r: _nulls_last(
        r.first_response_within_target, descending=False
    ),
    N_("Slowest median first response first"): lambda r: _nulls_last(
        r.first_response_median, descending=True
    ),
    N_("Most waiting first"): lambda r: -r.waiting_first_response,
    N_("Most open first"): lambda r: -r.open,
    N_("Most tickets first"): lambda r: -r.tickets,
    N_("Most escalations first"): lambda r: -r.escalations,
    N_("Department name"): lambda r: (r.department_code is None, r.department_name),
}


def sort_league(rows: Sequence[DepartmentRow], order: str) -> list[DepartmentRow]:
    """The league in one of `LEAGUE_SORTS`' orders."""
    return sorted(rows, key=LEAGUE_SORTS[order])


__all__ = [
    "LEAGUE_FIGURES",
    "LEAGUE_SORTS",
    "SCREEN_FIGURES",
    "LeagueFigure",
    "duration_cells",
    "minutes_cell",
    "percent_cell",
    "sort_league",
]
