"""Pull citizens' comments, replies and mentions into the store: the scheduler's job.

The job calls one hub service (`PullService.pull_all`), every `pull_interval_seconds`
(60 by default), whether or not anyone has the hub open in a browser.
"""

from __future__ import annotations

import logging

from hub.bootstrap import Hub

JOB_ID = "pull_interactions"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """One pull cycle; its summary goes to the job's heartbeat."""
    report = hub.pull.pull_all()
    if report.new or any(p.status not in ("ok", "waiting") for p in report.platforms):
        log.info("pull: %s", report.summary)
    hub.heartbeats.beat(JOB_ID, report.summary[:200])
