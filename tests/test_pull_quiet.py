"""A quiet pull cycle on a busy Page: one request per 100 recent posts plus one for mentions.

The issue's Page has 3,000 posts in the lookback (the Sync benchmark measures that size);
this test holds the same rule at 350 posts, counted at the sandbox, and checks that every
post in the window is watched, not just the newest few hundred.
"""

from __future__ import annotations

import math
from datetime import timedelta

from hub.clock import utc_now
from hub.platforms.base import Platform

# More than the 300 newest posts the pull job once stopped at.
POSTS = 350


def seed_posts(graph, count: int, lookback_days: int) -> list[str]:
    """`count` posts spread over the lookback window, oldest first; every tenth commented."""
    now, span = utc_now(), timedelta(days=lookback_days - 1)
    ids = []
    for index in range(count):
        created = now - span + span * index / count
        post_id = graph.seed_post(f"Ward {index + 1} update", created_time=created)
        if index % 10 == 0:
            graph.add_citizen_comment(
                post_id, "When?", "Asha Roy", created_time=created + timedelta(minutes=1)
            )
        ids.append(post_id)
    return ids


def requests_during(sandbox, action) -> tuple[object, list[str]]:
    """Run `action` and return its result and the sandbox paths it requested."""
    before = len(sandbox.app.request_log)
    result = action()
    return result, [path for _, path in sandbox.app.request_log[before:]]


def test_a_quiet_cycle_costs_one_request_per_100_posts_plus_mentions(installed_hub):
    sandbox = installed_hub.sandbox
    posts = seed_posts(sandbox.graph, POSTS, installed_hub.settings.pull_lookback_days)
    sandbox.x.add_mention("Streetlight off in ward 12", "ratna_k", "Ratna K")
    first = installed_hub.pull.pull_all()
    assert first.of(Platform.FACEBOOK).new == POSTS // 10 and first.of(Platform.X).new == 1

    report, paths = requests_during(sandbox, installed_hub.pull.pull_all)

    assert report.new == 0
    assert len(paths) == math.ceil(POSTS / 100) + 1 == 5
    assert sum(p.endswith("/published_posts") for p in paths) == 4
    assert sum(p.endswith("/mentions") for p in paths) == 1
    assert report.requests == len(paths)

    # The oldest post is watched too: a comment on it is found by the next cycle.
    new_id = sandbox.graph.add_citizen_comment(posts[0], "Still waiting", "Bimal Das")
    report, paths = requests_during(sandbox, installed_hub.pull.pull_all)
    assert report.of(Platform.FACEBOOK).new == 1
    comment_reads = [p for p in paths if p.endswith("/comments")]
    assert comment_reads and all(p.endswith(f"/{posts[0]}/comments") for p in comment_reads)
    with installed_hub.store.cursor() as cur:
        assert cur.execute(
            "SELECT thread_id FROM interactions WHERE platform_id = ?", [new_id]
        ).fetchone() == (posts[0],)
