"""The city map's content: each ward's figure and colour, located reports, the departments'
work sites, and the tickets behind a ward (what a click on it lists).

The figures come from `MetricsService` (the dashboard's scope rules: officers their own
department) and the work from `UpdateService.work_sites`; the shapes are the shipped wards
(`hub.wards`). The page only draws what `CityMapService.view` returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hub.i18n import N_
from hub.metrics import (
    IT_QUEUE,
    MAP_FIGURES,
    LocatedTicket,
    MetricsFilters,
    MetricsService,
    TicketsBehind,
    WardShade,
)
from hub.permissions import Actor
from hub.publishing.updates import UpdateService
from hub.wards import WardMap

NO_TICKETS_COLOUR = (220, 220, 220, 110)
# The map's style when there is no basemap: a plain background, given inline (a data: URL)
# so the browser fetches nothing. Left empty, Streamlit would fetch Carto's street style.
OFFLINE_MAP_STYLE = "data:application/json," + quote(
    json.dumps(
        {
            "version": 8,
            "sources": {},
            "layers": [
                {"id": "paper", "type": "background", "paint": {"background-color": "#eef2f5"}}
            ],
        },
        separators=(",", ":"),
    )
)
# With internet: Carto's light street tiles under the wards.
STREET_MAP_STYLE = "light"


@dataclass(frozen=True)
class WardArea:
    """One ward as drawn: its shape, its figure and colour, and the words of its tooltip."""

    number: int
    geometry: dict[str, Any]
    value: float | None
    colour: tuple[int, int, int, int]
    tip: str


@dataclass(frozen=True)
class WorkPoint:
    """A department's work in one ward, drawn at the ward's label point."""

    update_id: int
    title: str
    place: str
    department_code: str
    ward: int
    longitude: float
    latitude: float
    at: datetime


@dataclass(frozen=True)
class CityMapView:
    """Everything the map draws for one set of filters."""

    figure: str
    wards: list[WardArea]
    shades: dict[int, WardShade]
    reports: list[LocatedTicket]
    reports_total: int
    works: list[WorkPoint]
    # (west, south, east, north): where the map starts.
    bounds: tuple[float, float, float, float]


def shade_colour(value: float | None, highest: float) -> tuple[int, int, int, int]:
    """Pale yellow to deep red by the ward's share of the highest value; grey: no tickets."""
    if value is None:
        return NO_TICKETS_COLOUR
    share = min(value / highest, 1.0) if highest > 0 else 0.0
    return (255, int(235 - 190 * share), int(160 - 150 * share), 170)


def shown_value(figure: str, value: float | None) -> str:
    """A ward's figure as the tooltip and the list show it."""
    if value is None:
        return N_("none") if figure == "subscribers" else N_("no tickets")
    if figure == "past_target":
        return f"{value:.0f} %"
    return f"{value:,.1f}".removesuffix(".0")


class CityMapService:
    """The map's figures by ward, pins and work sites, in the dashboard's scope."""

    def __init__(
        self,
        metrics: MetricsService,
        updates: UpdateService,
        wards: WardMap,
        subscriber_counts: Callable[[Actor], dict[int, int]] | None = None,
    ) -> None:
        """`subscriber_counts`: active subscribers of notices per ward (counts only)."""
        self._metrics = metrics
        self._updates = updates
        self._wards = wards
        self._subscriber_counts = subscriber_counts

    def view(
        self,
        actor: Actor,
        filters: MetricsFilters,
        figure: str = "open",
        *,
        reports: bool = True,
        works: bool = True,
    ) -> CityMapView:
        """The wards shaded by `figure` (a key of `MAP_FIGURES`), with the layers asked for."""
        shades = {shade.ward: shade for shade in self._metrics.ward_shading(actor, filters)}
        if figure == "subscribers" and self._subscriber_counts is not None:
            values = {ward: float(n) for ward, n in self._subscriber_counts(actor).items()}
        else:
            values = {ward: shade.figure(figure) for ward, shade in shades.items()}
        highest = max((v for v in values.values() if v is not None), default=0.0)
        areas = [
            WardArea(
                ward.number,
                ward.geometry,
                values.get(ward.number),
                shade_colour(values.get(ward.number), highest),
                f"Ward {ward.number}: {MAP_FIGURES[figure]}"
                f" {shown_value(figure, values.get(ward.number))}",
            )
            for ward in self._wards.wards
        ]
        pins, total = self._metrics.located_tickets(actor, filters) if reports else ([], 0)
        work_points = self._work_points(actor, filters) if works else []
        return CityMapView(figure, areas, shades, pins, total, work_points, self._wards.bounds())

    def tickets_in_ward(
        self, actor: Actor, filters: MetricsFilters, ward: int, limit: int = 500
    ) -> TicketsBehind:
        """The tickets of one ward under the filters, newest first (the click-through)."""
        return self._metrics.tickets_behind(actor, replace(filters, ward=ward), limit=limit)

    def _work_points(self, actor: Actor, filters: MetricsFilters) -> list[WorkPoint]:
        if filters.start is None or filters.end is None or filters.department == IT_QUEUE:
            return []
        labels = {w.number: (w.label_longitude, w.label_latitude) for w in self._wards.wards}
        sites = self._updates.work_sites(actor, filters.start, filters.end, filters.department)
        return [
            WorkPoint(
                site.update_id,
                site.title,
                site.place,
                site.department_code,
                ward,
                *labels[ward],
                site.at,
            )
            for site in sites
            for ward in site.wards
            if ward in labels
        ]


__all__ = [
    "OFFLINE_MAP_STYLE",
    "STREET_MAP_STYLE",
    "CityMapService",
    "CityMapView",
    "WardArea",
    "WorkPoint",
    "shade_colour",
    "shown_value",
]
