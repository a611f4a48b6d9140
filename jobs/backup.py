"""The nightly backup: the scheduler's job (`BackupService.make`), at `backup_hour` Kolkata time.

Its outcome is the job's heartbeat, so `/healthz` and the Platform accounts page show whether
last night's backup ran and succeeded.
"""

from __future__ import annotations

import logging

from hub.bootstrap import Hub
from hub.errors import HubError

JOB_ID = "nightly_backup"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """Make one backup; a failure is logged and recorded, never raised into the scheduler."""
    try:
        report = hub.backups.make()
    except HubError as exc:
        log.error("backup failed: %s", exc)
        hub.heartbeats.beat(JOB_ID, f"failed: {exc}"[:200])
        return
    log.info("%s", report.summary)
    hub.heartbeats.beat(JOB_ID, report.summary[:200])
