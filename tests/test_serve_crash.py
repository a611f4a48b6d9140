"""`hub serve` itself SIGKILLed at random points while every job works, fifty times.

The platforms' sandbox runs in this test's process and keeps their truth; `hub serve` runs as
deployed: its scheduler pulls Facebook comments and X mentions and triages them into
tickets, publishes approved posts, sends officers' replies, and its webhook route takes
citizens' WhatsApp messages, which the desk makes tickets of and acknowledges with their
reference numbers. Each round adds work while the hub is down (two posts due, answers to
tickets, a comment, a mention and WhatsApp messages), starts `hub serve`, and SIGKILLs the
whole process 0.3 to 3 s after its health route answers, with lost and slow answers injected
on some rounds. After every round: nothing is on a platform twice (posts, replies,
WhatsApp messages by their keys) and no reference number is given twice. At the end a last
`hub serve` runs with no faults until the work is done: every comment, mention and message
stored once, each with its triage; every post, reply and WhatsApp message delivered once or
flagged for a person.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from publishing_fixtures import add_approved_update, add_post
from test_acknowledgements_crash import whatsapp_environment

from benchmarks.harness import free_port
from benchmarks.live_hub import serve_hub
from hub import bootstrap
from hub.clock import utc_now
from hub.config import load_settings
from hub.permissions import Actor, Role
from hub.platforms.base import Platform
from hub.publishing.photos import PhotoLimits, PhotoStore
from hub.sandbox.runtime import SANDBOX_FACEBOOK, build_sandbox_app
from hub.sandbox.server import Fault, SandboxServer

# `make bench` runs this test for BENCHMARKS.md (benchmarks/bench_crash.py): at its smoke size
# with fewer rounds, and asking for the figures in a JSON file.
ROUNDS = int(os.environ.get("SERVE_CRASH_ROUNDS", "50"))
FIGURES_FILE = os.environ.get("SERVE_CRASH_FIGURES")
# Calls a kill must have cut off for the test to prove something (a few rounds may cut none).
REQUIRED_INTERRUPTED_ATTEMPTS = 5 if ROUNDS >= 20 else 0
# Every call out is slowed on some endpoint each round, so that kills land inside calls;
# on half the rounds an answer is also lost after the platform did the work.
OUTGOING = [
    r"POST /v\d+\.\d+/\d+/feed$",
    r"POST /2/tweets$",
    r"POST /v\d+\.\d+/[\w-]+/comments$",
    r"POST /v\d+\.\d+/\d+/messages$",
]
# Outgoing items still on their way (anything else is delivered or flagged for a person).
UNSETTLED = ("scheduled", "publishing", "queued", "sending", "unconfirmed", "retry_wait")

pytestmark = pytest.mark.slow


class WebhookCourier(threading.Thread):
    """Hands the sandbox's queued WhatsApp webhooks to the hub's route while it is up (Meta
    retries what was not answered 200, as here)."""

    def __init__(self, whatsapp) -> None:
        super().__init__(daemon=True)
        self._whatsapp = whatsapp
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self._whatsapp.deliver_due(all_now=True, limit=200)
            self._done.wait(0.1)

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=15)


def test_sigkill_of_hub_serve_loses_nothing_and_sends_nothing_twice(tmp_path, template_database):
    rng = random.Random(20261207)
    app, graph, x, whatsapp = build_sandbox_app(tmp_path / "sandbox.duckdb")
    x.set_rate_limits_enabled(False)
    whatsapp.throughput_per_second = 10_000
    server = SandboxServer(app).start()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(template_database, data_dir / "hub.duckdb")
    settings = load_settings(data_dir=data_dir, sandbox={"enabled": False})
    env = whatsapp_environment(data_dir, server.url)
    port = free_port()
    env.update(
        HUB_SERVER_PORT=str(port),
        HUB_PUBLISH_INTERVAL_SECONDS="1",
        HUB_PULL_INTERVAL_SECONDS="1",
        HUB_TRIAGE_INTERVAL_SECONDS="1",
        HUB_WHATSAPP__DESK_INTERVAL_SECONDS="1",
    )
    whatsapp.webhook_url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
    photos = PhotoStore(settings.photos_dir, PhotoLimits())
    it_team = Actor(username="it.team", role=Role.IT)
    page_post = graph.seed_post("Water supply schedule for south Kolkata")
    post_texts: dict[Platform, list[str]] = {Platform.FACEBOOK: [], Platform.X: []}
    citizens: dict[str, list[str]] = {"facebook": [], "x": [], "whatsapp": []}
    try:
        for round_number in range(ROUNDS):
            _add_work(round_number, settings, photos, it_team, post_texts)
            citizens["facebook"].append(
                graph.add_citizen_comment(
                    page_post,
                    f"Round {round_number}: no water in ward 65 since morning",
                    f"Rina {round_number}",
                    author_id=f"1000{round_number:04d}",
                )
            )
            citizens["x"].append(
                x.add_mention(f"Round {round_number}: streetlight out in ward 88", "amit_kol")
            )
            number = f"9198300{round_number:05d}"
            citizens["whatsapp"].append(
                whatsapp.citizen_sends(
                    number, "Soma", text=f"Round {round_number}: garbage not collected, ward 12"
                )
            )
            app.clear_faults()
            for endpoint in OUTGOING:
                app.inject(Fault(endpoint=endpoint, kind="slow", delay=0.3, times=4))
            if rng.random() < 0.5:
                app.inject(Fault(endpoint=rng.choice(OUTGOING), kind="drop_after", times=1))
            _serve_then_kill(tmp_path, env, whatsapp, rng.uniform(0.3, 3.0))
            _nothing_twice(graph, x, whatsapp, page_post, data_dir, round_number)

        app.clear_faults()
        _serve_until_settled(tmp_path, env, whatsapp, data_dir)
        _nothing_twice(graph, x, whatsapp, page_post, data_dir, ROUNDS)
        _nothing_lost(graph, x, whatsapp, page_post, data_dir, post_texts, citizens)
    finally:
        server.stop()
        app.close()


def _add_work(round_number, settings, photos, it_team, post_texts) -> None:
    """While the hub is down: two posts due now, and answers to tickets not yet answered."""
    hub = bootstrap.build_hub(settings, create=False)
    try:
        update_id = add_approved_update(hub, photos, title=f"Round {round_number} works")
        for platform in (Platform.FACEBOOK, Platform.X):
            text = f"Round {round_number}: road repair on Rashbehari Avenue ({platform.value})"
            add_post(hub, update_id, platform, text, utc_now() - timedelta(seconds=1))
            post_texts[platform].append(text)
        with hub.store.cursor() as cur:
            # The oldest unanswered ticket of each platform (those pulled and triaged so far).
            unanswered = [
                row[0]
                for row in cur.execute(
                    "SELECT min(t.id) FROM tickets t JOIN interactions i"
                    " ON i.id = t.interaction_id WHERE i.platform IN ('facebook', 'x')"
                    " AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.ticket_id = t.id)"
                    " GROUP BY i.platform"
                ).fetchall()
            ]
        for ticket_id in unanswered:
            hub.replies.answer(
                it_team, ticket_id, f"Round {round_number}: a team is on its way ({ticket_id})"
            )
    finally:
        hub.close()


def _serve_then_kill(folder, env, whatsapp, pause: float) -> None:
    process, _ = serve_hub(folder, env)
    courier = WebhookCourier(whatsapp)
    courier.start()
    try:
        time.sleep(pause)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        courier.stop()


def _serve_until_settled(folder, env, whatsapp, data_dir) -> None:
    """A last `hub serve` with no faults, stopped cleanly once nothing is left moving (its
    database is read between runs: DuckDB lets one process hold it)."""
    for _ in range(6):
        process, _ = serve_hub(folder, env)
        courier = WebhookCourier(whatsapp)
        courier.start()
        try:
            time.sleep(12)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
            courier.stop()
        if not _unsettled(data_dir) and not _webhooks_waiting(whatsapp):
            return
    raise AssertionError(f"still moving after the last runs: {_unsettled(data_dir)}")


def _unsettled(data_dir) -> dict[str, int]:
    with duckdb.connect(str(data_dir / "hub.duckdb"), read_only=True) as db:
        found = {}
        for table in ("posts", "replies", "whatsapp_messages"):
            count = db.execute(
                f"SELECT count(*) FROM {table} WHERE list_contains($states, status)",
                {"states": list(UNSETTLED)},
            ).fetchone()[0]
            if count:
                found[table] = count
        untriaged = db.execute(
            "SELECT count(*) FROM interactions i WHERE NOT i.from_city AND NOT EXISTS"
            " (SELECT 1 FROM interaction_triage g WHERE g.interaction_id = i.id)"
        ).fetchone()[0]
        if untriaged:
            found["untriaged"] = untriaged
    return found


def _webhooks_waiting(whatsapp) -> int:
    with whatsapp.app.cursor() as cur:
        return cur.execute(
            "SELECT count(*) FROM wa_webhooks WHERE delivered_at IS NULL"
        ).fetchone()[0]


def _nothing_twice(graph, x, whatsapp, page_post, data_dir, round_number) -> None:
    page_id = SANDBOX_FACEBOOK["page_id"]
    posts = Counter(p.get("message") for p in graph.list_posts())
    twice = {text: n for text, n in posts.items() if n > 1}
    assert not twice, f"round {round_number}: posted twice on Facebook: {twice}"
    page_replies = Counter(
        (c["parent"]["id"] if c.get("parent") else None, c["message"])
        for c in graph.list_comments(page_post)
        if c["from"]["id"] == page_id
    )
    twice = {key: n for key, n in page_replies.items() if n > 1}
    assert not twice, f"round {round_number}: replied twice on Facebook: {twice}"
    tweets = Counter(t["text"] for t in x.list_timeline())
    twice = {text: n for text, n in tweets.items() if n > 1}
    assert not twice, f"round {round_number}: twice on X: {twice}"
    keys = Counter(m["callback"] for m in whatsapp.sent_messages() if m.get("callback"))
    twice = {key: n for key, n in keys.items() if n > 1}
    assert not twice, f"round {round_number}: a WhatsApp message went twice: {twice}"
    with duckdb.connect(str(data_dir / "hub.duckdb"), read_only=True) as db:
        references = db.execute(
            "SELECT reference, count(*) FROM tickets GROUP BY 1 HAVING count(*) > 1"
        ).fetchall()
    assert not references, f"round {round_number}: a reference number given twice: {references}"


def _nothing_lost(graph, x, whatsapp, page_post, data_dir, post_texts, citizens) -> None:
    with duckdb.connect(str(data_dir / "hub.duckdb"), read_only=True) as db:
        stored = {
            (platform, platform_id)
            for platform, platform_id in db.execute(
                "SELECT platform, platform_id FROM interactions"
            ).fetchall()
        }
        triaged = db.execute(
            "SELECT count(*) FROM interactions i JOIN interaction_triage g"
            " ON g.interaction_id = i.id WHERE NOT i.from_city"
        ).fetchone()[0]
        posts = db.execute("SELECT platform, text, status FROM posts").fetchall()
        replies = db.execute(
            "SELECT platform || ' ' || kind || ' ' || status, count(*) FROM replies GROUP BY 1"
        ).fetchall()
        unacknowledged = db.execute(
            "SELECT count(*) FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
            " WHERE i.platform = 'whatsapp' AND NOT EXISTS (SELECT 1 FROM replies r"
            "  WHERE r.ticket_id = t.id AND r.kind = 'acknowledgement'"
            "  AND r.status IN ('sent', 'needs_attention'))"
        ).fetchone()[0]
        messages = db.execute(
            "SELECT status, count(*) FROM whatsapp_messages GROUP BY 1"
        ).fetchall()
        whatsapp_tickets = db.execute(
            "SELECT count(*) FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
            " WHERE i.platform = 'whatsapp'"
        ).fetchone()[0]
        interrupted = sum(
            db.execute(
                f"SELECT count(*) FROM {table} WHERE error LIKE '%stopped during%'"
            ).fetchone()[0]
            for table in ("publish_attempts", "reply_attempts", "whatsapp_message_attempts")
        )
    for platform, ids in citizens.items():
        missing = [i for i in ids if (platform, i) not in stored]
        assert not missing, f"{platform}: {len(missing)} of {len(ids)} never stored: {missing[:3]}"
    assert triaged >= sum(len(ids) for ids in citizens.values()), "each one triaged"
    assert whatsapp_tickets >= len(citizens["whatsapp"]), "each WhatsApp complaint a ticket"
    on_facebook = Counter(p.get("message") for p in graph.list_posts())
    on_x = Counter(t["text"] for t in x.list_timeline())
    for platform, text, status in posts:
        if text not in post_texts.get(Platform(platform), []):
            continue
        copies = (on_facebook if platform == "facebook" else on_x)[text]
        assert status in ("published", "needs_attention"), (text, status)
        # Flagged: a person looks (it may be there once); published: there exactly once.
        assert copies == 1 if status == "published" else copies <= 1, (text, status, copies)
    statuses = dict(replies) | {f"whatsapp message {k}": v for k, v in messages}
    assert all(key.split()[-1] in ("sent", "needs_attention") for key in statuses), statuses
    assert unacknowledged == 0, "every WhatsApp complaint acknowledged once, or flagged"
    post_statuses = Counter(f"{platform} {status}" for platform, _, status in posts)
    assert interrupted >= REQUIRED_INTERRUPTED_ATTEMPTS, "no kill landed inside a call"
    summary = (
        f"{ROUNDS} rounds; posts {dict(post_statuses)}; replies and messages {statuses};"
        f" {interrupted} attempts cut by a kill; {whatsapp_tickets} WhatsApp tickets"
    )
    print(f"\nserve crash test: {summary}")
    if FIGURES_FILE:
        figures = {
            "rounds": ROUNDS,
            "interrupted": interrupted,
            "posts": dict(post_statuses),
            "replies_and_messages": statuses,
            "whatsapp_tickets": whatsapp_tickets,
            "summary": summary,
        }
        Path(FIGURES_FILE).write_text(json.dumps(figures), encoding="utf-8")
