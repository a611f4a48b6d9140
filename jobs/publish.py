"""Publish due posts: the scheduler's job, and a stand-alone worker loop.

The job calls one hub service (`Publisher.run_cycle`). `python -m jobs.publish` runs the
same cycle in a loop in a process of its own, for operations and for the crash test.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from hub import bootstrap
from hub.bootstrap import Hub
from hub.config import load_settings
from hub.errors import HubError

JOB_ID = "publish_due_posts"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """One publishing cycle; its summary goes to the job's heartbeat."""
    report = hub.publisher.run_cycle()
    if report.summary != "nothing due":
        log.info("publisher: %s", report.summary)
    hub.heartbeats.beat(JOB_ID, report.summary[:200])


def _work_left(hub: Hub) -> int:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT count(*) FROM posts WHERE status IN ('publishing', 'unconfirmed', 'retry_wait')"
            " OR (status = 'scheduled' AND scheduled_at <= now())"
        ).fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    """Run publishing cycles until nothing is left to do (or forever with --forever)."""
    parser = argparse.ArgumentParser(prog="python -m jobs.publish")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between cycles")
    parser.add_argument("--forever", action="store_true", help="keep running when idle")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        hub = bootstrap.build_hub(load_settings(), create=False)
    except HubError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    try:
        while True:
            run(hub)
            if not args.forever and _work_left(hub) == 0:
                return 0
            time.sleep(args.interval)
    finally:
        hub.close()


if __name__ == "__main__":
    sys.exit(main())
