"""A large notice: its sender in its own process, SIGKILLed at random points while it sends.

Thousands of subscribers follow ward 65; a disruption there is approved and its messages are
made; `python -m jobs.notices` is killed again and again in the middle of sending, with lost
and slow answers injected on some rounds. Between rounds the delivery statuses (which carry
each message's key) reach the hub, and some subscribers send STOP. At the end a last worker
runs to completion. Then: nobody got the notice twice, nobody was missed (every message sent,
or flagged for a person), and nobody got it after their STOP reached the hub.
"""

from __future__ import annotations

import random
import shutil
from datetime import timedelta

import pytest
from test_acknowledgements_crash import hand_over_webhooks, whatsapp_environment
from test_publisher_crash import kill_worker_after, run_worker_to_the_end

from hub import bootstrap
from hub.clock import utc_now
from hub.config import SANDBOX_WHATSAPP, load_settings
from hub.notices.notices import NoticeDraft
from hub.sandbox.runtime import build_sandbox_app
from hub.sandbox.server import Fault, SandboxServer

SUBSCRIBERS = 3000
ROUNDS = 25
REQUIRED_KILLS = 12
STOPS_PER_ROUND = 6
FAULTS = [
    (r"POST /v\d+\.\d+/\d+/messages$", "drop_after"),
    (r"POST /v\d+\.\d+/\d+/messages$", "slow"),
]

pytestmark = pytest.mark.slow


def subscribe_everyone(hub, numbers: list[str]) -> None:
    """Subscribers of ward 65, written as the subscriptions write them (the command path
    has its own tests; here the sending is under test)."""
    now = utc_now()
    with hub.store.transaction() as cur:
        cur.execute(
            "INSERT INTO subscribers (wa_id, channel, language, created_at, updated_at)"
            " SELECT unnest($numbers), $channel, 'bn', $now, $now",
            {"numbers": numbers, "channel": SANDBOX_WHATSAPP["phone_number_id"], "now": now},
        )
        cur.execute(
            "INSERT INTO subscriptions (subscriber_id, topic, ward, consent_source, consent_at)"
            " SELECT id, 'ward:65', 65, 'test', $now FROM subscribers",
            {"now": now},
        )


def test_sigkill_never_sends_a_notice_twice_misses_none_or_reaches_a_stopped_number(
    tmp_path, template_database
):
    rng = random.Random(20261207)
    app, _graph, _x, whatsapp = build_sandbox_app(tmp_path / "sandbox.duckdb")
    whatsapp.throughput_per_second = 100_000
    whatsapp.messaging_tier = "TIER_100K"
    server = SandboxServer(app).start()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(template_database, data_dir / "hub.duckdb")
    env = whatsapp_environment(data_dir, server.url)
    env.update(
        # Paced, so that sending lasts through the rounds and the kills land while it works.
        HUB_WHATSAPP__MESSAGES_PER_SECOND="250",
        HUB_NOTICES__RECIPIENTS_PER_DAY="0",
    )
    settings = load_settings(
        data_dir=data_dir,
        sandbox={"enabled": False},
        whatsapp={
            "api_url": server.url,
            "access_token": SANDBOX_WHATSAPP["access_token"],
            "app_secret": SANDBOX_WHATSAPP["app_secret"],
            "numbers": [{"phone_number_id": SANDBOX_WHATSAPP["phone_number_id"]}],
        },
    )
    numbers = [f"91983{n:07d}" for n in range(SUBSCRIBERS)]
    # When each STOP reached the hub, and how many messages the sandbox had sent by then.
    stopped_at: dict[str, int] = {}
    kills_while_busy = 0
    try:
        hub = bootstrap.build_hub(settings, create=False)
        try:
            subscribe_everyone(hub, numbers)
            actors = {u.username: u.actor() for u in hub.accounts.list_users(_setup())}
            notice = hub.notices.create(
                actors["officer.water"],
                "WATER",
                NoticeDraft(
                    "disruption",
                    "পাইপ ফেটেছে: ৬৫ নম্বর ওয়ার্ডে জল বন্ধ।",
                    "Pipe burst: no water in ward 65.",
                    (65,),
                    utc_now(),
                    utc_now() + timedelta(hours=6),
                ),
            )
            hub.notices.submit(actors["officer.water"], notice.id)
            hub.notices.approve(actors["it.team"], notice.id)
            assert hub.notice_sender.fan_out_due().messages == SUBSCRIBERS
        finally:
            hub.close()

        for _ in range(ROUNDS):
            app.clear_faults()
            if rng.random() < 0.6:
                endpoint, kind = rng.choice(FAULTS)
                times = 3 if kind == "slow" else 1
                app.inject(Fault(endpoint=endpoint, kind=kind, delay=0.4, times=times))
            if kill_worker_after("jobs.notices", env, rng.uniform(0.3, 1.5)):
                kills_while_busy += 1
            app.clear_faults()
            # Some subscribers send STOP; it reaches the hub (and is carried out) before the
            # next worker starts.
            for number in rng.sample(numbers, STOPS_PER_ROUND):
                if number not in stopped_at:
                    whatsapp.citizen_sends(number, "", text="STOP")
            hub = bootstrap.build_hub(settings, create=False)
            try:
                hand_over_webhooks(hub, whatsapp)
                hub.tickets.triage_new_interactions()
                hub.subscriptions.apply_pending()
                sent_so_far = len(whatsapp.sent_messages())
                with hub.store.cursor() as cur:
                    for (wa_id,) in cur.execute(
                        "SELECT wa_id FROM subscribers WHERE stopped_at IS NOT NULL"
                    ).fetchall():
                        stopped_at.setdefault(wa_id, sent_so_far)
            finally:
                hub.close()

        hub = bootstrap.build_hub(settings, create=False)
        try:
            hand_over_webhooks(hub, whatsapp)
        finally:
            hub.close()
        run_worker_to_the_end("jobs.notices", env)

        hub = bootstrap.build_hub(settings, create=False)
        try:
            with hub.store.cursor() as cur:
                rows = cur.execute(
                    "SELECT id, wa_id, status, platform_message_id FROM notice_messages"
                ).fetchall()
                interrupted = cur.execute(
                    "SELECT count(*) FROM notice_message_attempts"
                    " WHERE error = 'the notice sender stopped during the attempt'"
                ).fetchone()[0]
                found = cur.execute(
                    "SELECT count(*) FROM notice_message_attempts WHERE outcome = 'found'"
                ).fetchone()[0]
        finally:
            hub.close()
        sent = [m for m in whatsapp.sent_messages() if m["type"] == "template"]
        per_number: dict[str, int] = {}
        for message in sent:
            per_number[message["wa_id"]] = per_number.get(message["wa_id"], 0) + 1
        twice = {n: c for n, c in per_number.items() if c > 1}
        assert not twice, f"sent twice: {list(twice)[:5]}"
        by_key = {m["callback"]: m for m in sent}
        assert len(by_key) == len(sent), "a key went out twice"
        statuses: dict[str, int] = {}
        for message_id, wa_id, status, platform_id in rows:
            statuses[status] = statuses.get(status, 0) + 1
            assert status in ("sent", "needs_attention", "cancelled"), (message_id, status)
            if status == "sent":
                assert per_number.get(wa_id) == 1, f"message {message_id} sent but not seen"
                assert by_key[f"notice-{message_id}"]["id"] == platform_id, message_id
            if status == "cancelled":
                assert wa_id in stopped_at, f"message {message_id} cancelled without a STOP"
        assert len(rows) == SUBSCRIBERS, "one message per subscriber"
        # After its STOP reached the hub, no message went to that number.
        for position, message in enumerate(sent):
            when = stopped_at.get(message["wa_id"])
            assert when is None or position < when, f"{message['wa_id']} after STOP"
        missed = statuses.get("queued", 0) + statuses.get("retry_wait", 0)
        assert missed == 0
        assert kills_while_busy >= REQUIRED_KILLS
        assert interrupted > 0
        print(
            f"\nnotices crash test: {SUBSCRIBERS} subscribers, {ROUNDS} rounds,"
            f" {kills_while_busy} kills, {interrupted} attempts cut by a kill, {found} found by"
            f" their status, {len(stopped_at)} stopped, final {statuses}, {len(sent)} sent"
        )
    finally:
        server.stop()
        app.close()


def _setup():
    from hub.permissions import Actor, Role

    return Actor(username="setup", role=Role.ADMIN)
