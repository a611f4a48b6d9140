"""Send the city's replies: the scheduler's job, and a stand-alone worker loop.

Every `publish_interval_seconds` it queues the automatic acknowledgements that are due, then
runs one reply sender cycle (`ReplyService.run_cycle`: recover, reconcile, send, through the
delivery engine). `python -m jobs.replies` runs the same in a process of its own, for
operations and for the crash test.
"""

from __future__ import annotations

import logging
import sys

from hub.bootstrap import Hub
from jobs.worker import run_worker

JOB_ID = "send_replies"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """Queue due acknowledgements, send due replies; the summary goes to the heartbeat."""
    acknowledged = hub.replies.acknowledge_due()
    report = hub.replies.run_cycle()
    summary = report.summary
    if acknowledged:
        summary = f"acknowledgements_queued={acknowledged}, {summary}"
    if acknowledged or report.did_something:
        log.info("replies: %s", summary)
    hub.heartbeats.beat(JOB_ID, summary[:200])


def main(argv: list[str] | None = None) -> int:
    """Run sender cycles until nothing is left to do (or forever with --forever)."""
    return run_worker("python -m jobs.replies", run, lambda hub: hub.replies.work_left(), argv)


if __name__ == "__main__":
    sys.exit(main())
