"""WhatsApp acknowledgements: the reply sender in its own process, SIGKILLed at random points.

Citizens write to the sandbox's WhatsApp number; each round the messages reach the hub by
its webhook receiver (as Meta redelivers to a hub that was down: between the kills), triage
opens their tickets, and `python -m jobs.replies` (which queues the acknowledgements and
sends them through the delivery engine) is killed while it works, with lost and slow
answers injected on some rounds. Delivery statuses, which carry each message's key, reach
the hub between rounds too. At the end a last worker runs to completion: every ticket's
reference number went to its citizen once, or is flagged for a person, never twice.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from test_publisher_crash import kill_worker_after, run_worker_to_the_end, worker_environment

from hub import bootstrap
from hub.config import SANDBOX_WHATSAPP, load_settings
from hub.sandbox.runtime import build_sandbox_app
from hub.sandbox.server import Fault, SandboxServer

REQUIRED_KILLS = 18
# Rounds go on until REQUIRED_KILLS kills landed while the worker was busy: a fast machine
# finishes some rounds before the kill, and those prove nothing.
MAX_ROUNDS = 70
TICKETS_PER_ROUND = 4
FAULTS = [
    (r"POST /v\d+\.\d+/\d+/messages$", "drop_after"),
    (r"POST /v\d+\.\d+/\d+/messages$", "slow"),
]

pytestmark = pytest.mark.slow


def whatsapp_environment(data_dir: Path, sandbox_url: str) -> dict[str, str]:
    env = worker_environment(data_dir, sandbox_url)
    env.update(
        HUB_WHATSAPP__API_URL=sandbox_url,
        HUB_WHATSAPP__WABA_ID=SANDBOX_WHATSAPP["waba_id"],
        HUB_WHATSAPP__ACCESS_TOKEN=SANDBOX_WHATSAPP["access_token"],
        HUB_WHATSAPP__APP_SECRET=SANDBOX_WHATSAPP["app_secret"],
        HUB_WHATSAPP__NUMBERS=json.dumps(
            [{"phone_number_id": SANDBOX_WHATSAPP["phone_number_id"]}]
        ),
        HUB_WHATSAPP__TIMEOUT_SECONDS="2",
        # A message whose answer was lost waits a second for its status, then a person looks.
        HUB_WHATSAPP__STATUS_GRACE_SECONDS="1",
    )
    return env


def hand_over_webhooks(hub, whatsapp) -> None:
    """What the sandbox queued for the hub (messages, statuses), through its real receiver."""
    with whatsapp.app.cursor() as cur:
        rows = cur.execute(
            "SELECT id, body FROM wa_webhooks WHERE delivered_at IS NULL ORDER BY id"
        ).fetchall()
        for webhook_id, body in rows:
            raw = body.encode("utf-8")
            result = hub.whatsapp_webhooks.receive(raw, whatsapp.sign(raw), "127.0.0.1")
            assert result.status == 200, result
            cur.execute("UPDATE wa_webhooks SET delivered_at = now() WHERE id = ?", [webhook_id])
    hub.whatsapp_webhooks.drain()


def test_sigkill_never_acknowledges_twice_or_loses_an_acknowledgement(tmp_path, template_database):
    rng = random.Random(20261206)
    app, _graph, _x, whatsapp = build_sandbox_app(tmp_path / "sandbox.duckdb")
    whatsapp.throughput_per_second = 10_000
    server = SandboxServer(app).start()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(template_database, data_dir / "hub.duckdb")
    env = whatsapp_environment(data_dir, server.url)
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
    citizens: list[str] = []
    kills_while_busy = 0
    rounds = 0
    try:
        while kills_while_busy < REQUIRED_KILLS and rounds < MAX_ROUNDS:
            round_number = rounds
            rounds += 1
            for index in range(TICKETS_PER_ROUND):
                number = f"9198300{round_number:03d}{index:02d}"
                citizens.append(number)
                whatsapp.citizen_sends(
                    number, "Rina", text=f"No water in ward 65 for three days ({round_number})"
                )
            hub = bootstrap.build_hub(settings, create=False)
            try:
                hand_over_webhooks(hub, whatsapp)
                hub.tickets.triage_new_interactions()
            finally:
                hub.close()
            app.clear_faults()
            if rng.random() < 0.6:
                endpoint, kind = rng.choice(FAULTS)
                times = 3 if kind == "slow" else 1
                app.inject(Fault(endpoint=endpoint, kind=kind, delay=0.4, times=times))
            if kill_worker_after("jobs.replies", env, rng.uniform(0.1, 1.2)):
                kills_while_busy += 1

        app.clear_faults()
        hub = bootstrap.build_hub(settings, create=False)
        try:
            hand_over_webhooks(hub, whatsapp)
        finally:
            hub.close()
        run_worker_to_the_end("jobs.replies", env)

        hub = bootstrap.build_hub(settings, create=False)
        try:
            with hub.store.cursor() as cur:
                acknowledgements = cur.execute(
                    "SELECT t.id, t.citizen_key, r.id, r.status, r.platform_reply_id"
                    " FROM tickets t LEFT JOIN replies r ON r.ticket_id = t.id"
                    " WHERE t.platform = 'whatsapp' ORDER BY t.id, r.id"
                ).fetchall()
                interrupted = cur.execute(
                    "SELECT count(*) FROM reply_attempts"
                    " WHERE error = 'the sender stopped during the attempt'"
                ).fetchone()[0]
                found = cur.execute(
                    "SELECT count(*) FROM reply_attempts WHERE outcome = 'found'"
                ).fetchone()[0]
        finally:
            hub.close()
        sent = whatsapp.sent_messages()
        by_citizen: dict[str, int] = {}
        for message in sent:
            by_citizen[message["wa_id"]] = by_citizen.get(message["wa_id"], 0) + 1
        by_key = {m["callback"]: m for m in sent}
        assert len(by_key) == len(sent), "a key went out twice"

        tickets = {row[0] for row in acknowledgements}
        assert len(tickets) == rounds * TICKETS_PER_ROUND, "every message made its ticket"
        statuses: dict[str, int] = {}
        for _ticket, citizen_key, reply_id, status, platform_id in acknowledgements:
            citizen = citizen_key.partition(":")[2]
            assert reply_id is not None, f"ticket of {citizen} was never acknowledged"
            assert by_citizen.get(citizen, 0) <= 1, f"{citizen} got {by_citizen[citizen]}"
            assert status in ("sent", "needs_attention"), (reply_id, status)
            if status == "sent":
                message = by_key.get(f"reply-{reply_id}")
                assert message is not None and message["id"] == platform_id, reply_id
            statuses[status] = statuses.get(status, 0) + 1
        assert len(acknowledgements) == len(tickets), "one acknowledgement per ticket"
        assert kills_while_busy >= REQUIRED_KILLS
        assert interrupted > 0 and found > 0
        print(
            f"\nacknowledgements crash test: {rounds} rounds, {kills_while_busy} kills,"
            f" {interrupted} attempts cut by a kill, {found} found by their status,"
            f" final statuses {statuses}"
        )
    finally:
        server.stop()
        app.close()
