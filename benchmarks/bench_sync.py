"""Sync: what a pull cycle costs when nothing changed, counted at the sandbox.

Issue 7: "a pull cycle where nothing changed, for 1 page with 3,000 recent posts and 1 X
account, makes at most 31 requests". A real hub is built on a scratch data folder with the
real sandbox attached (as the web process has it); the sandbox Page gets ``recent_posts``
posts spread over the pull lookback, every tenth with comments and a reply, and the X account
some mentions. One cycle brings the hub to a steady state; the next, with nothing changed on
either platform, is the measured one. Requests are counted from the sandbox's own request
log, not from the pull service's report, so an adapter that pages more than it says is caught.

The pull service lists the Page's posts from Graph (``published_posts``), not from the hub's
own ``posts`` table, so the posts are only put on the sandbox Page.
"""

from __future__ import annotations

import math
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks.harness import BenchContext, Figure
from hub import bootstrap
from hub.clock import utc_now
from hub.config import load_settings
from hub.inbox.pull import PullService
from hub.platforms.base import Platform
from hub.sandbox.runtime import start_sandbox

BENCHMARK = "Sync"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Graph lists at most 100 posts (with their comment counts) per request.
POSTS_PER_REQUEST = 100
# Every tenth post has been commented on; enough for the first cycle to read comments.
COMMENTED_EVERY = 10
MENTIONS = 25
# Past the pull service's default re-read interval (6 hours).
REREAD_AFTER = timedelta(hours=6, minutes=1)


def quiet_cycle_budget(recent_posts: int) -> int:
    """The issue's ceiling: one request per 100 recent posts plus one mentions request."""
    return math.ceil(recent_posts / POSTS_PER_REQUEST) + 1


def seed_platforms(sandbox, recent_posts: int, lookback: timedelta) -> int:
    """Posts spread over the lookback (the oldest a day inside it), with comments and replies
    on every tenth, and mentions on X; returns how many comments and replies were written."""
    now = utc_now()
    # Keep clear of the lookback's edge, so no post slips out of the window during the run.
    span = lookback - timedelta(days=1)
    step = span / max(recent_posts, 1)
    comments = 0
    for index in range(recent_posts):
        created = now - span + step * index
        post_id = sandbox.graph.seed_post(
            f"Ward {index % 144 + 1} work update number {index}", created_time=created
        )
        if index % COMMENTED_EVERY == 0:
            first = sandbox.graph.add_citizen_comment(
                post_id,
                f"When will ward {index % 144 + 1} be done?",
                "Asha Roy",
                created_time=created + timedelta(minutes=5),
            )
            sandbox.graph.add_citizen_comment(
                post_id, "Thank you", "Bimal Das", created_time=created + timedelta(minutes=7)
            )
            sandbox.graph.add_citizen_comment(
                post_id,
                "Same question here",
                "Chandra Sen",
                parent_id=first,
                created_time=created + timedelta(minutes=9),
            )
            comments += 3
    sandbox.x.add_mentions(
        [f"Streetlight off in ward {n + 1}" for n in range(MENTIONS)], "ratna_k", "Ratna K"
    )
    return comments


def _counted(sandbox, action):
    """Run `action`; its result, the sandbox requests it caused, the seconds it took and the
    seconds of those the sandbox spent answering."""
    before = len(sandbox.app.request_log)
    answering = sandbox.app.handling_seconds
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    return (
        result,
        len(sandbox.app.request_log) - before,
        elapsed,
        sandbox.app.handling_seconds - answering,
    )


def _stored_interactions(hub) -> int:
    with hub.store.cursor() as cur:
        return cur.execute("SELECT count(*) FROM interactions").fetchone()[0]


def run(context: BenchContext) -> list[Figure]:
    """Seed the sandbox, pull once to a steady state, then count a quiet cycle's requests."""
    recent_posts = context.scale.recent_posts
    # A folder of its own on every run: the hub and the sandbox keep state in their files.
    data_dir = Path(tempfile.mkdtemp(prefix="run-", dir=context.scratch("sync")))
    settings = load_settings(
        data_dir=data_dir,
        departments_file=PROJECT_ROOT / "departments.csv",
        scheduler_enabled=False,
        sandbox={"port": 0, "simulator_enabled": False},
    )
    hub = bootstrap.build_hub(settings, create=True)
    try:
        hub.attach_sandbox(start_sandbox(hub.settings))
        sandbox = hub.sandbox
        comments = seed_platforms(
            sandbox, recent_posts, timedelta(days=settings.pull_lookback_days)
        )
        first, first_requests, first_seconds, _ = _counted(sandbox, hub.pull.pull_all)
        stored_first = _stored_interactions(hub)
        quiet, quiet_requests, quiet_seconds, quiet_sandbox = _counted(sandbox, hub.pull.pull_all)
        statuses = {p.platform.value: p.status for p in quiet.platforms}
        seeded = comments + MENTIONS
        # Six hours on, the backstop re-read of posts with comments (for edits and hides the
        # counts cannot show) is due: the same quiet cycle, seen from then.
        later = PullService(
            hub.store,
            hub.audit,
            hub.platforms,
            settings,
            interactions=hub.interactions,
            clock=lambda: utc_now() + REREAD_AFTER,
        )
        _, reread_requests, _, _ = _counted(sandbox, later.pull_all)
    finally:
        hub.close()
    budget = quiet_cycle_budget(recent_posts)
    complete = stored_first == seeded and quiet.new == 0
    size = f"{recent_posts:,} recent posts on 1 Page, 1 X account"
    return [
        Figure(
            BENCHMARK,
            "requests in a pull cycle where nothing changed",
            quiet_requests,
            "requests",
            f"≤ {budget}",
            quiet_requests <= budget and complete,
            f"{size}; counted at the sandbox; statuses {statuses}; the service reported "
            f"{quiet.requests}"
            + ("" if complete else f"; INCOMPLETE: {stored_first} of {seeded} stored"),
        ),
        Figure(
            BENCHMARK,
            "requests in the first pull cycle",
            first_requests,
            "requests",
            "",
            None,
            f"{first.of(Platform.FACEBOOK).new:,} comments and replies and "
            f"{first.of(Platform.X).new} mentions stored of {seeded:,} seeded, "
            f"in {first_seconds:.1f} s",
        ),
        Figure(
            BENCHMARK,
            "time of the pull cycle where nothing changed",
            quiet_seconds * 1000,
            "ms",
            "",
            None,
            f"wall time; {quiet_sandbox * 1000:.0f} ms of it the sandbox answering in the same"
            " process (it builds every post's comment summary with its own queries)",
        ),
        Figure(
            BENCHMARK,
            "requests in a quiet cycle when the 6-hourly re-read is due",
            reread_requests,
            "requests",
            "",
            None,
            "the backstop for edits and hides re-reads at most 5 posts with comments a cycle, "
            "so for a while every 6 hours a quiet cycle costs a few requests more",
        ),
    ]
