"""Publish due posts: the scheduler's job, and a stand-alone worker loop.

The job calls one hub service (`Publisher.run_cycle`). `python -m jobs.publish` runs the
same cycle in a loop in a process of its own, for operations and for the crash test.
"""

from __future__ import annotations

import logging
import sys

from hub.bootstrap import Hub
from jobs.worker import run_worker

JOB_ID = "publish_due_posts"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """One publishing cycle; its summary goes to the job's heartbeat."""
    report = hub.publisher.run_cycle()
    if report.did_something:
        log.info("publisher: %s", report.summary)
    hub.heartbeats.beat(JOB_ID, report.summary[:200])


def main(argv: list[str] | None = None) -> int:
    """Run publishing cycles until nothing is left to do (or forever with --forever)."""
    return run_worker("python -m jobs.publish", run, lambda hub: hub.publisher.work_left(), argv)


if __name__ == "__main__":
    sys.exit(main())
