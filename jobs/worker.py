"""A job's cycle in a loop in a process of its own: for operations and for the crash tests.

`python -m jobs.publish` and `python -m jobs.replies` run their job until nothing is left to
do (or forever with ``--forever``), on the hub's database, with no web server.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable

from hub import bootstrap
from hub.bootstrap import Hub
from hub.config import load_settings
from hub.errors import HubError


def run_worker(
    prog: str,
    run: Callable[[Hub], None],
    work_left: Callable[[Hub], int],
    argv: list[str] | None = None,
) -> int:
    """Run `run` every ``--interval`` seconds until `work_left` says 0; the exit status."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between cycles")
    parser.add_argument("--forever", action="store_true", help="keep running when idle")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        hub = bootstrap.build_hub(load_settings(), create=False)
    except HubError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    # On stdout, for whoever started the worker: the hub is open and the work begins.
    print("ready", flush=True)
    try:
        while True:
            run(hub)
            if not args.forever and work_left(hub) == 0:
                return 0
            time.sleep(args.interval)
    finally:
        hub.close()
