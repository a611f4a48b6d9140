"""The process's one scheduler: built and started at process start, never on a page view."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from hub.bootstrap import Hub
from hub.clock import utc_now
from jobs import heartbeat, publish, pull, replies, triage

log = logging.getLogger(__name__)


def start_scheduler(hub: Hub) -> BackgroundScheduler:
    """Register every job and start; `hub.scheduler` is set to the running scheduler."""
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    scheduler.add_job(
        heartbeat.run,
        "interval",
        seconds=hub.settings.heartbeat_seconds,
        args=[hub],
        id=heartbeat.JOB_ID,
        next_run_time=utc_now(),
    )
    scheduler.add_job(
        publish.run,
        "interval",
        seconds=hub.settings.publish_interval_seconds,
        args=[hub],
        id=publish.JOB_ID,
        # At start, not after the first interval: posts missed while down go out at once.
        next_run_time=utc_now(),
    )
    scheduler.add_job(
        pull.run,
        "interval",
        seconds=hub.settings.pull_interval_seconds,
        args=[hub],
        id=pull.JOB_ID,
        # At start: comments that came in while the hub was down are pulled at once.
        next_run_time=utc_now(),
    )
    scheduler.add_job(
        replies.run,
        "interval",
        seconds=hub.settings.publish_interval_seconds,
        args=[hub],
        id=replies.JOB_ID,
        # At start: acknowledgements and answers queued while the hub was down go out at once.
        next_run_time=utc_now(),
    )
    scheduler.add_job(
        triage.run,
        "interval",
        seconds=hub.settings.triage_interval_seconds,
        args=[hub],
        id=triage.JOB_ID,
        # At start: interactions pulled while the hub was down become tickets at once.
        next_run_time=utc_now(),
    )
    scheduler.start()
    hub.scheduler = scheduler
    log.info("scheduler started with %d job(s)", len(scheduler.get_jobs()))
    return scheduler
