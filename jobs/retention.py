"""The nightly purge of expired personal data (`PrivacyService.purge_expired`): the job.

It runs an hour after the nightly backup, so the backup still holds what it drops for as long
as backups are kept.
"""

from __future__ import annotations

import logging

from hub.bootstrap import Hub

JOB_ID = "nightly_retention"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """Drop raw payloads and old texts past the retention period; the summary to the heartbeat."""
    report = hub.privacy.purge_expired()
    if report.raw_payloads or report.old_texts:
        log.info("retention: %s", report.summary)
    hub.heartbeats.beat(JOB_ID, report.summary[:200])
