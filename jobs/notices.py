"""Notices to subscribers: the scheduler's job, every couple of seconds.

It calls one service, `NoticeSender.run_pass`: the messages of approved notices and of the
morning digest are made when their time comes, then sent once each through the delivery
engine; a large notice goes out over several passes' worth of time within one cycle.
`python -m jobs.notices` runs the same in a process of its own (operations, the crash test).
"""

from __future__ import annotations

import logging
import sys

from hub.bootstrap import Hub
from jobs.worker import run_worker

JOB_ID = "notices"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """One pass; what it did goes to the log (when anything) and the heartbeat."""
    done = hub.notice_sender.run_pass()
    if done:
        log.info("notices: %s", done)
    hub.heartbeats.beat(JOB_ID, (done or "nothing to do")[:200])


def main(argv: list[str] | None = None) -> int:
    """Run passes until nothing is left to send (or forever with --forever)."""
    return run_worker(
        "python -m jobs.notices", run, lambda hub: hub.notice_sender.work_left(), argv
    )


if __name__ == "__main__":
    sys.exit(main())
