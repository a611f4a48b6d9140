"""The generated benchmark year: a real hub database the hub keeps working on afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from triage_fixtures import WATER_COMPLAINT, add_interaction

from benchmarks.generate import actor_named, generate_year, open_year_hub
from benchmarks.harness import SMOKE
from hub.tickets.board import BoardFilters
from hub.tickets.lifecycle import OPEN_STATUSES

NOW = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    path = tmp_path_factory.mktemp("year") / "hub.duckdb"
    summary = generate_year(path, SMOKE, seed=7, now=NOW)
    return path, summary


def test_counts_and_shares(year):
    path, summary = year
    counts = summary["counts"]
    assert counts["interactions"] == SMOKE.interactions
    assert counts["posts"] == SMOKE.posts
    assert counts["departments"] == SMOKE.departments
    assert 0.6 < counts["tickets"] / counts["interactions"] < 0.8
    hub = open_year_hub(path)
    try:
        with hub.store.cursor() as cur:
            shares = dict(
                cur.execute(
                    "SELECT language, count(*) / sum(count(*)) OVER () FROM tickets GROUP BY ALL"
                ).fetchall()
            )
            times = cur.execute(
                "SELECT min(created_at), max(created_at) FROM interactions"
            ).fetchone()
            wards = cur.execute("SELECT count(DISTINCT ward) FROM tickets").fetchone()[0]
        assert abs(shares["bn"] - 0.55) < 0.05 and abs(shares["en"] - 0.25) < 0.05
        assert NOW.year - 1 == times[0].year and times[1] <= NOW
        assert wards > 100
    finally:
        hub.close()


def test_the_hub_goes_on_numbering_after_the_generated_year(year, tmp_path):
    path, _summary = year
    copy = tmp_path / "hub.duckdb"
    copy.write_bytes(path.read_bytes())
    hub = open_year_hub(copy)
    try:
        with hub.store.cursor() as cur:
            last = cur.execute(
                "SELECT max(reference) FROM tickets WHERE reference LIKE ?",
                [f"KMC-{datetime.now(UTC).year}-%"],
            ).fetchone()[0]
        add_interaction(hub, WATER_COMPLAINT, author="after-the-year")
        report = hub.tickets.triage_new_interactions()
        assert report.tickets_created == 1
        if last is not None:
            assert report.references[0] > last
        it = actor_named(hub, "it.team")
        board = hub.board.page(it, BoardFilters(statuses=OPEN_STATUSES))
        assert board.total > 0 and board.rows
    finally:
        hub.close()
