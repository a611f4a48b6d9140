"""Three municipalities' hubs export Parquet; the state report rolls them up with DuckDB."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from triage_fixtures import ROADS_COMPLAINT, WATER_COMPLAINT, add_interaction

from hub import bootstrap
from hub.config import load_settings
from hub.errors import InvalidInput
from hub.metrics import MetricsFilters
from hub.permissions import Actor, Role
from hub.rollup import state_report

COMMISSIONER = Actor(username="state", role=Role.COMMISSIONER)


def municipality(tmp_path: Path, template_database: Path, code: str, complaints: int):
    data = tmp_path / code
    data.mkdir()
    shutil.copyfile(template_database, data / "hub.duckdb")
    hub = bootstrap.build_hub(
        load_settings(data_dir=data, municipality=code, scheduler_enabled=False), create=False
    )
    for n in range(complaints):
        add_interaction(hub, WATER_COMPLAINT if n % 2 else ROADS_COMPLAINT, author=f"{code}-{n}")
    hub.tickets.triage_new_interactions()
    return hub


def test_the_state_league_matches_each_hubs_own_figures(tmp_path, template_database):
    exports = tmp_path / "exports"
    own = {}
    for code, complaints in (("KMC", 7), ("HMC", 4), ("BMC", 2)):
        hub = municipality(tmp_path, template_database, code, complaints)
        try:
            report = hub.exports.export_parquet(COMMISSIONER, exports / code.lower())
            assert report.tickets == complaints
            own[code] = hub.metrics.overview(COMMISSIONER, MetricsFilters())
        finally:
            hub.close()
    rows = {r.municipality: r for r in state_report(exports)}
    assert set(rows) == {"KMC", "HMC", "BMC"}
    for code, overview in own.items():
        row = rows[code]
        assert row.tickets == overview.tickets == row.tickets_in_rows
        assert row.first_response_median == overview.first_response_median
        assert row.first_response_within_target == overview.first_response_within_target
        assert row.open == overview.open
    # The export is plain Parquet, Hive-partitioned: any engine reads it as it is.
    months = duckdb.sql(
        f"SELECT DISTINCT municipality, month FROM read_parquet('{exports}/*/tickets/**/*.parquet',"
        " hive_partitioning = true) ORDER BY 1"
    ).fetchall()
    assert [m[0] for m in months] == ["BMC", "HMC", "KMC"]


def test_the_export_carries_nothing_personal(tmp_path, template_database):
    hub = municipality(tmp_path, template_database, "KMC", 2)
    try:
        hub.exports.export_parquet(COMMISSIONER, tmp_path / "out")
        with pytest.raises(InvalidInput, match="already exists"):
            hub.exports.export_parquet(COMMISSIONER, tmp_path / "out")
    finally:
        hub.close()
    for table in ("tickets", "interactions"):
        columns = {
            row[0]
            for row in duckdb.sql(
                f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/out/{table}/**/*.parquet',"
                " hive_partitioning = true)"
            ).fetchall()
        }
        assert not columns & {"text", "author_name", "author_id", "citizen_key", "raw"}, table
    texts = duckdb.sql(
        f"SELECT * FROM read_parquet('{tmp_path}/out/**/*.parquet', union_by_name = true)"
    ).fetchall()
    assert WATER_COMPLAINT not in str(texts) and "Rina Das" not in str(texts)


def test_hub_state_report_from_the_command_line(tmp_path, template_database):
    hub = municipality(tmp_path, template_database, "KMC", 3)
    try:
        hub.exports.export_parquet(COMMISSIONER, tmp_path / "exports" / "kmc")
    finally:
        hub.close()
    hub_command = str(Path(sys.executable).with_name("hub"))
    page = tmp_path / "league.html"
    result = subprocess.run(
        [hub_command, "state-report", str(tmp_path / "exports"), "--html", str(page)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("KMC")
    assert "<td>KMC</td>" in page.read_text()
    empty = subprocess.run(
        [hub_command, "state-report", str(tmp_path / "nothing-here")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert empty.returncode == 2 and empty.stderr.startswith("hub: no exports under")
