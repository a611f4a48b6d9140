"""The city's wards as shapes: which ward a point lies in, for pins, Open311 and the map.

The shapes are the real KMC ward boundaries shipped in `hub/data/kolkata_wards.geojson`
("Ward boundaries: DataMeet Trust (Municipal_Spatial_Data), CC BY-SA 2.5 India"), simplified
by 2e-5 degrees (about 2 m) with their topology kept. The source predates the 2015 addition
of wards 142, 143 and 144 (Joka): they have no shape, so a point there is outside every
ward here (`WARDS_WITHOUT_SHAPE` says so wherever wards are drawn).

Points are found with shapely's STRtree, many at once: a point on the border of two wards
belongs to the lower-numbered one, so every point has one answer. Simplifying each ward on
its own leaves slivers of a few metres between neighbours; a point in one (a pin on the
boundary road) belongs to the nearest ward within `SNAP_DEGREES`, about 11 m, less than a
phone's GPS error.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

ATTRIBUTION = "Ward boundaries: DataMeet Trust (Municipal_Spatial_Data), CC BY-SA 2.5 India"
WARDS_WITHOUT_SHAPE = (142, 143, 144)
# How far outside the outermost ward a point may be and still be "in Kolkata" (Open311,
# pins on the river bank): about 1.5 km.
CITY_MARGIN_DEGREES = 0.015
SNAP_DEGREES = 0.0001


@dataclass(frozen=True)
class Ward:
    """One ward's shape, as GeoJSON geometry (for the map) and its label point."""

    number: int
    geometry: dict[str, Any]
    label_latitude: float
    label_longitude: float


class WardMap:
    """The wards with shapes, and point-in-ward lookups."""

    def __init__(self, features: Sequence[dict[str, Any]]) -> None:
        self._numbers = np.array([int(f["properties"]["WARD"]) for f in features])
        self._shapes = [shape(f["geometry"]) for f in features]
        self._tree = shapely.STRtree(self._shapes)
        self._city = shapely.buffer(shapely.union_all(self._shapes), CITY_MARGIN_DEGREES)
        shapely.prepare(self._city)
        self.wards = tuple(
            Ward(
                int(number),
                feature["geometry"],
                (point := polygon.representative_point()).y,
                point.x,
            )
            for number, feature, polygon in zip(self._numbers, features, self._shapes, strict=True)
        )

    @classmethod
    def shipped(cls) -> WardMap:
        """The wards shipped with the hub (read once per process)."""
        return _shipped()

    def ward_at(self, latitude: float, longitude: float) -> int | None:
        """The ward a point lies in, or None (outside every shaped ward)."""
        return self.wards_at([latitude], [longitude])[0]

    def wards_at(self, latitudes: Sequence[float], longitudes: Sequence[float]) -> list[int | None]:
        """The ward of each point (None outside every shaped ward), in one vectorised query."""
        points = shapely.points(np.asarray(longitudes, float), np.asarray(latitudes, float))
        found: list[int | None] = [None] * len(points)
        point_index, shape_index = self._tree.query(points, predicate="intersects")
        for at, ward in zip(point_index.tolist(), self._numbers[shape_index].tolist(), strict=True):
            current = found[at]
            if current is None or ward < current:
                found[at] = ward
        missing = [at for at, ward in enumerate(found) if ward is None]
        if missing:
            near_index, shape_index = self._tree.query_nearest(
                points[missing], max_distance=SNAP_DEGREES, all_matches=False
            )
            for at, ward in zip(
                near_index.tolist(), self._numbers[shape_index].tolist(), strict=True
            ):
                found[missing[at]] = ward
        return found

    def in_city(self, latitude: float, longitude: float) -> bool:
        """Whether a point is in Kolkata: in a ward, or within a short way of the outer edge
        (the Joka wards without a shape lie at the southern edge)."""
        return bool(shapely.contains_xy(self._city, longitude, latitude))

    def bounds(self) -> tuple[float, float, float, float]:
        """The wards' extent: (min longitude, min latitude, max longitude, max latitude)."""
        return tuple(shapely.total_bounds(self._shapes).tolist())  # type: ignore[return-value]


@functools.cache
def _shipped() -> WardMap:
    data = resources.files("hub").joinpath("data/kolkata_wards.geojson").read_text("utf-8")
    return WardMap(json.loads(data)["features"])


__all__ = ["ATTRIBUTION", "WARDS_WITHOUT_SHAPE", "Ward", "WardMap"]
