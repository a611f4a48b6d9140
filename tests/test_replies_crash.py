"""The reply sender in its own process, killed with SIGKILL at random points, many times.

The same proof as the publisher's (tests/test_publisher_crash.py), through the same delivery
engine: citizens comment and mention the city in the sandbox, officers' answers are queued,
and `python -m jobs.replies` is killed while it sends them, with lost and slow answers
injected on some rounds. At the end a last worker runs to completion: every reply is sent
exactly once or flagged for a person, and none appears twice in a citizen's thread.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from replies_fixtures import add_ticket
from test_publisher_crash import kill_worker_after, run_worker_to_the_end, worker_environment

from hub import bootstrap
from hub.config import load_settings
from hub.permissions import Actor, Role
from hub.platforms.base import Platform
from hub.sandbox.runtime import SANDBOX_FACEBOOK, build_sandbox_app
from hub.sandbox.server import Fault, SandboxServer

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_KILLS = 25
# Rounds go on until REQUIRED_KILLS kills landed while the worker was busy: a fast machine
# finishes some rounds before the kill, and those prove nothing.
MAX_ROUNDS = 90
REPLIES_PER_ROUND = 6
FAULTS = [
    (r"POST /v\d+\.\d+/[\w-]+/comments$", "drop_after"),
    (r"POST /2/tweets$", "drop_after"),
    (r"POST /v\d+\.\d+/[\w-]+/comments$", "slow"),
    (r"POST /2/tweets$", "slow"),
]

pytestmark = pytest.mark.slow


def test_sigkill_at_random_points_never_replies_twice_or_loses_a_reply(tmp_path, template_database):
    rng = random.Random(20261204)
    app, graph, x, _whatsapp = build_sandbox_app(tmp_path / "sandbox.duckdb")
    x.set_rate_limits_enabled(False)
    server = SandboxServer(app).start()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(template_database, data_dir / "hub.duckdb")
    settings = load_settings(data_dir=data_dir, sandbox={"enabled": False})
    env = worker_environment(data_dir, server.url)
    it_team = Actor(username="it.team", role=Role.IT)
    post_id = graph.seed_post("Water supply schedule for south Kolkata")
    # reply id -> (platform, the comment or mention answered, the text as queued)
    replies: dict[int, tuple[Platform, str, str]] = {}
    kills_while_busy = 0
    rounds = 0
    try:
        while kills_while_busy < REQUIRED_KILLS and rounds < MAX_ROUNDS:
            round_number = rounds
            rounds += 1
            hub = bootstrap.build_hub(settings, create=False)
            try:
                for index in range(REPLIES_PER_ROUND):
                    complaint = f"Round {round_number} complaint {index}: no water in ward 65"
                    if index % 2 == 0:
                        platform = Platform.FACEBOOK
                        answered = graph.add_citizen_comment(post_id, complaint, "Rina Das")
                        thread, parent = post_id, post_id
                    else:
                        platform = Platform.X
                        answered = x.add_mention(complaint, "rina_das")
                        thread, parent = answered, None
                    ticket_id = add_ticket(
                        hub,
                        platform=platform,
                        platform_id=answered,
                        thread_id=thread,
                        parent_id=parent,
                        text=complaint,
                    )
                    answer = f"Round {round_number} answer {index}: a team is on its way"
                    reply_id = hub.replies.answer(it_team, ticket_id, answer)
                    replies[reply_id] = (platform, answered, "")
            finally:
                hub.close()
            app.clear_faults()
            if rng.random() < 0.6:
                endpoint, kind = rng.choice(FAULTS)
                # Slow answers more than once a round, so that kills land inside calls.
                times = 3 if kind == "slow" else 1
                app.inject(Fault(endpoint=endpoint, kind=kind, delay=0.4, times=times))
            if kill_worker_after("jobs.replies", env, rng.uniform(0.2, 1.6)):
                kills_while_busy += 1

        app.clear_faults()
        run_worker_to_the_end("jobs.replies", env)

        hub = bootstrap.build_hub(settings, create=False)
        try:
            with hub.store.cursor() as cur:
                rows = cur.execute(
                    "SELECT id, status, platform_reply_id, text FROM replies ORDER BY id"
                ).fetchall()
                interrupted = cur.execute(
                    "SELECT count(*) FROM reply_attempts"
                    " WHERE error = 'the sender stopped during the attempt'"
                ).fetchone()[0]
                found = cur.execute(
                    "SELECT count(*) FROM reply_attempts WHERE outcome = 'found'"
                ).fetchone()[0]
                responded = cur.execute(
                    "SELECT count(*) FROM tickets t JOIN replies r ON r.ticket_id = t.id"
                    " WHERE r.status = 'sent' AND t.first_response_reply_id = r.id"
                ).fetchone()[0]
        finally:
            hub.close()
        page_id = SANDBOX_FACEBOOK["page_id"]
        page_replies = [
            (c["parent"]["id"] if c.get("parent") else None, c["message"])
            for c in graph.list_comments(post_id)
            if c["from"]["id"] == page_id
        ]
        x_replies = [t["text"] for t in x.list_timeline()]
        statuses: dict[str, int] = {}
        for reply_id, status, platform_reply_id, text in rows:
            platform, answered, _ = replies[reply_id]
            if platform is Platform.FACEBOOK:
                copies = page_replies.count((answered, text))
            else:
                copies = sum(1 for posted in x_replies if posted.endswith(text))
            assert copies <= 1, f"reply {reply_id} appears {copies} times on {platform}"
            assert status in ("sent", "needs_attention"), (reply_id, status)
            if status == "sent":
                assert copies == 1 and platform_reply_id, reply_id
            statuses[status] = statuses.get(status, 0) + 1
        assert len(rows) == rounds * REPLIES_PER_ROUND
        assert responded == statuses.get("sent", 0), "every sent reply is its ticket's first"
        # The test only proves something if kills really landed mid-call and answers were lost.
        assert kills_while_busy >= REQUIRED_KILLS
        assert interrupted > 0 and found > 0
        print(
            f"\nreplies crash test: {rounds} rounds, {kills_while_busy} kills, {interrupted} "
            f"attempts cut by a kill, {found} found by reconciliation, final statuses {statuses}"
        )
    finally:
        server.stop()
        app.close()
