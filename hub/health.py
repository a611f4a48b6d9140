"""Liveness: job heartbeats written by the scheduler, and the report `/healthz` serves."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from hub.clock import utc_now
from hub.store import Store


class SchedulerLike(Protocol):
    """What the health report reads of an APScheduler scheduler."""

    running: bool

    def get_jobs(self) -> list[Any]: ...


class Heartbeats:
    """Each background job stamps its run here, so health and the IT page can tell it runs."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def beat(self, job_id: str, outcome: str = "ok") -> None:
        """Record that `job_id` ran now with `outcome`."""
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO job_heartbeats (job_id, last_run_at, last_outcome, runs)"
                " VALUES (?, ?, ?, 1) ON CONFLICT (job_id) DO UPDATE SET"
                " last_run_at = excluded.last_run_at, last_outcome = excluded.last_outcome,"
                " runs = job_heartbeats.runs + 1",
                [job_id, utc_now(), outcome],
            )

    def last_runs(self) -> dict[str, tuple[datetime, str, int]]:
        """job id -> (last run, outcome, runs)."""
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT job_id, last_run_at, last_outcome, runs FROM job_heartbeats"
            ).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def data_folder_report(folder: Path) -> dict[str, Any]:
    """Whether the hub can write in its data folder, found by writing there.

    A probe file, not `os.access`: permissions are only one way a folder stops taking
    files (a read-only mount, a full disk, a deleted folder), and root passes every
    permission check anyway.
    """
    report: dict[str, Any] = {"path": str(folder)}
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return report | {"ok": False, "error": f"not writable ({type(exc).__name__})"}
    return report | {"ok": True}


def health_report(
    store: Store, scheduler: SchedulerLike | None, heartbeats: Heartbeats, data_folder: Path
) -> dict:
    """Database, data folder and scheduler as JSON-ready data; `ok` is false if any is down."""
    database: dict[str, Any] = {"path": str(store.path)}
    try:
        with store.cursor() as cur:
            cur.execute("SELECT 1").fetchone()
        database.update(ok=True, schema_version=store.schema_version())
    except Exception as exc:  # health must answer whatever the failure
        database.update(ok=False, error=type(exc).__name__)
    if scheduler is None:
        sched: dict[str, Any] = {"ok": False, "running": False, "error": "not started"}
    else:
        jobs = [
            {
                "id": job.id,
                "next_run_at": job.next_run_time.isoformat() if job.next_run_time else None,
            }
            for job in scheduler.get_jobs()
        ]
        sched = {"ok": bool(scheduler.running), "running": bool(scheduler.running), "jobs": jobs}
    if database.get("ok"):
        sched["last_runs"] = {
            job_id: {"at": at.isoformat(), "outcome": outcome, "runs": runs}
            for job_id, (at, outcome, runs) in heartbeats.last_runs().items()
        }
    folder = data_folder_report(data_folder)
    return {
        "ok": bool(database.get("ok") and sched["ok"] and folder["ok"]),
        "time": utc_now().isoformat(),
        "database": database,
        "data_folder": folder,
        "scheduler": sched,
    }
