"""The process's one scheduler: built and started at process start, never on a page view."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from hub.bootstrap import Hub
from hub.clock import utc_now
from jobs import (
    backup,
    heartbeat,
    notices,
    publish,
    pull,
    replies,
    retention,
    triage,
    whatsapp,
    whatsapp_media,
)

log = logging.getLogger(__name__)


# APScheduler says "Running job ..." and "... executed successfully" at INFO for every run
# of every job, every few seconds: the jobs log their own work at INFO when they did some,
# so the executor speaks only of misfires and failures.
EXECUTOR_LOGGERS = ("apscheduler.executors.default", "apscheduler.scheduler")


def start_scheduler(hub: Hub) -> BackgroundScheduler:
    """Register every job and start; `hub.scheduler` is set to the running scheduler."""
    for name in EXECUTOR_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    settings = hub.settings
    jobs = (
        (heartbeat, settings.heartbeat_seconds),
        (publish, settings.publish_interval_seconds),
        (pull, settings.pull_interval_seconds),
        (replies, settings.publish_interval_seconds),
        (triage, settings.triage_interval_seconds),
        (whatsapp, settings.whatsapp.desk_interval_seconds),
        (whatsapp_media, settings.whatsapp.desk_interval_seconds),
        (notices, settings.whatsapp.desk_interval_seconds),
    )
    for job, seconds in jobs:
        scheduler.add_job(
            job.run,
            "interval",
            seconds=seconds,
            args=[hub],
            id=job.JOB_ID,
            # Named, so the scheduler's own lines say which job they are about.
            name=job.JOB_ID,
            # First run at start, not after one interval: posts due, comments arrived and
            # replies queued while the hub was down are handled at once.
            next_run_time=utc_now(),
        )
    # Once a night, at an hour of the city's clock when nobody is at work.
    scheduler.add_job(
        backup.run,
        "cron",
        hour=settings.backup_hour,
        minute=0,
        timezone=settings.display_zone,
        args=[hub],
        id=backup.JOB_ID,
        name=backup.JOB_ID,
    )
    scheduler.add_job(
        retention.run,
        "cron",
        hour=(settings.backup_hour + 1) % 24,
        minute=0,
        timezone=settings.display_zone,
        args=[hub],
        id=retention.JOB_ID,
        name=retention.JOB_ID,
    )
    scheduler.start()
    hub.scheduler = scheduler
    log.info("scheduler started with %d job(s)", len(scheduler.get_jobs()))
    return scheduler
