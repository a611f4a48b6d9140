"""Point-in-ward on the shipped (simplified) KMC ward boundaries, checked against points
computed from the unsimplified source: every ward's interior point, and points on borders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.wards import WARDS_WITHOUT_SHAPE, WardMap

POINTS = json.loads((Path(__file__).parent / "data" / "ward_points.json").read_text())


@pytest.fixture(scope="module")
def wards() -> WardMap:
    return WardMap.shipped()


def test_every_ward_but_the_three_joka_wards_has_a_shape(wards):
    numbers = {ward.number for ward in wards.wards}
    assert numbers == set(range(1, 142))
    assert not numbers & set(WARDS_WITHOUT_SHAPE)


def test_each_wards_interior_point_is_in_that_ward(wards):
    interior = {int(w): point for w, point in POINTS["interior"].items()}
    assert len(interior) == 141
    latitudes = [p[0] for p in interior.values()]
    longitudes = [p[1] for p in interior.values()]
    assert wards.wards_at(latitudes, longitudes) == list(interior)
    assert all(wards.in_city(lat, lon) for lat, lon in interior.values())


def test_a_point_on_a_border_belongs_to_one_of_its_two_wards(wards):
    assert len(POINTS["borders"]) >= 50
    for border in POINTS["borders"]:
        latitude, longitude = border["point"]
        found = wards.ward_at(latitude, longitude)
        assert found in border["wards"], border


def test_a_point_on_an_exact_shared_vertex_takes_the_lower_ward(wards):
    # A vertex both neighbours' shapes share after simplification.
    shapes = {ward.number: ward.geometry for ward in wards.wards}
    first = {tuple(c) for c in _vertices(shapes[1])}
    neighbour, vertex = next(
        (n, v) for n in range(2, 142) for v in _vertices(shapes[n]) if tuple(v) in first
    )
    assert wards.ward_at(vertex[1], vertex[0]) == 1 < neighbour


def test_points_outside_the_city(wards):
    assert wards.ward_at(22.5726, 88.6) is None  # Salt Lake's far edge, east of KMC
    assert not wards.in_city(28.6139, 77.2090)  # Delhi
    assert not wards.in_city(22.5726, 88.6)
    # The Hooghly's west bank (Howrah) is not a KMC ward, but is within the margin.
    assert wards.ward_at(22.585, 88.33) is None


def _vertices(geometry):
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    for polygon in polygons:
        for ring in polygon:
            yield from ring
