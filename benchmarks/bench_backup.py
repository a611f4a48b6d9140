"""Backup and restore of the generated year: what the city's IT waits for at night and after a
disk dies.

A copy of the generated year (a million interactions, 700,000 tickets) is backed up with the
hub's own `BackupService.make` (checkpoint, copy under the store's write lock, photos,
SHA-256 manifest), then restored with `hub.backup.restore` into an empty folder (every file
checked against the manifest, the restored database opened and counted). The figures are the
two times and the sizes; the restored row counts are compared with the source's, and a
difference is reported in the detail. The issue names no target: these are figures for IT.
"""

from __future__ import annotations

import shutil
import time

from benchmarks.generate import copy_database, open_year_hub, year_database
from benchmarks.harness import BenchContext, Figure
from hub.backup import restore

NAME = "Backup and restore"
COUNTED = ("interactions", "tickets", "ticket_events", "replies")


def run(context: BenchContext) -> list[Figure]:
    """Back up the year with the hub's service, restore it into an empty folder; both timed."""
    source = year_database(context)
    folder = context.scratch("backup")
    data = folder / "data"
    restored = folder / "restored"
    for old in (data, restored):
        if old.exists():
            shutil.rmtree(old)
    copy_database(source, data)
    hub = open_year_hub(data / "hub.duckdb")
    try:
        expected = _counts(hub)
        begun = time.perf_counter()
        report = hub.backups.make()
        backup_seconds = time.perf_counter() - begun
    finally:
        hub.close()
    begun = time.perf_counter()
    counts = restore(report.path, restored)
    restore_seconds = time.perf_counter() - begun
    differing = [
        f"{table} {counts.get(table)} restored, {expected[table]} backed up"
        for table in COUNTED
        if counts.get(table) != expected[table]
    ]
    checked = (
        "; ".join(differing)
        if differing
        else "restored counts equal the source's ("
        + ", ".join(f"{expected[t]:,} {t}" for t in COUNTED)
        + ")"
    )
    return [
        Figure(
            NAME,
            "backup of the generated year (`hub backup`'s service)",
            round(backup_seconds, 1),
            "s",
            "",
            None,
            f"{report.files} file{'' if report.files == 1 else 's'},"
            f" {report.total_bytes / 1e6:,.0f} MB: checkpoint, copy under"
            " the write lock, photos, SHA-256 manifest",
        ),
        Figure(
            NAME,
            "restore of that backup into an empty folder (`hub restore`)",
            round(restore_seconds, 1),
            "s",
            "",
            None,
            "every file checked against the manifest, the database opened and counted; " + checked,
        ),
    ]


def _counts(hub) -> dict[str, int]:
    with hub.store.cursor() as cur:
        return {
            table: int(cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in COUNTED
        }
