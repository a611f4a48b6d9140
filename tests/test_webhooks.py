"""The Graph feed webhook through the hub's routes: signed over the raw body, stored at once."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from hub import bootstrap
from hub.clock import utc_now
from hub.platforms.base import Platform
from hub.sandbox import graph_api
from hub.sandbox.runtime import SANDBOX_FACEBOOK
from hub.web import http_routes

ROUTE = "/webhooks/facebook"
WEBHOOK_URL = f"http://testserver{ROUTE}"


@pytest.fixture
def client(installed_hub) -> TestClient:
    return TestClient(Starlette(routes=http_routes(bootstrap.current)))


@pytest.fixture
def deliveries(client, monkeypatch) -> list[dict]:
    """Route the sandbox's signed deliveries into the test client, keeping each one.

    The sandbox POSTs its webhooks with `requests`; here they go through Starlette's
    TestClient instead of a socket, byte for byte, so the hub's real route receives them.
    """
    kept: list[dict] = []

    def post(url: str, data: bytes, headers: dict, timeout: float):
        response = client.post(url, content=data, headers=headers)
        kept.append({"body": data, "headers": dict(headers), "status": response.status_code})
        return SimpleNamespace(status_code=response.status_code)

    monkeypatch.setattr(graph_api, "requests", SimpleNamespace(post=post))
    return kept


@pytest.fixture
def post_id(installed_hub) -> str:
    return installed_hub.sandbox.graph.seed_post(
        "Ward 65 drain desilting done", created_time=utc_now() - timedelta(hours=2)
    )


def stored(hub, where: str = "TRUE", params: list | None = None) -> dict[str, tuple]:
    with hub.store.cursor() as cur:
        found = cur.execute(
            "SELECT platform_id, kind, thread_id, parent_id, author_name, text, source,"
            " from_city, is_hidden, deleted_at, permalink"
            f" FROM interactions WHERE {where} ORDER BY id",
            params or [],
        ).fetchall()
    return {row[0]: row[1:] for row in found}


def signed(body: bytes, secret: str = SANDBOX_FACEBOOK["app_secret"]) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def refusals(hub) -> list[tuple]:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT route, reason, remote, body_bytes, refusals FROM webhook_refusal_counts"
            " ORDER BY last_at"
        ).fetchall()


def test_subscription_verification_echoes_the_challenge(client):
    token = SANDBOX_FACEBOOK["webhook_verify_token"]
    ok = client.get(
        ROUTE, params={"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158"}
    )
    assert ok.status_code == 200 and ok.text == "1158"
    wrong_token = client.get(
        ROUTE, params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"}
    )
    wrong_mode = client.get(
        ROUTE, params={"hub.mode": "unsubscribe", "hub.verify_token": token, "hub.challenge": "1"}
    )
    assert wrong_token.status_code == 403 and wrong_mode.status_code == 403
    assert client.get(ROUTE).status_code == 403


def test_a_signed_comment_is_stored_at_once(installed_hub, deliveries, post_id):
    graph = installed_hub.sandbox.graph
    comment_id = graph.add_citizen_comment(
        post_id, "জল জমে আছে / water logged", "Asha Roy", webhook_url=WEBHOOK_URL
    )
    reply_id = graph.add_citizen_comment(
        post_id, "Same here", "Bimal Das", parent_id=comment_id, webhook_url=WEBHOOK_URL
    )
    assert [d["status"] for d in deliveries] == [200, 200]
    rows = stored(installed_hub)
    assert rows[comment_id][:6] == (
        "comment",
        post_id,
        post_id,
        "Asha Roy",
        "জল জমে আছে / water logged",
        "webhook",
    )
    assert rows[reply_id][:3] == ("reply", post_id, comment_id)


def test_an_edit_a_hide_and_a_removal_by_webhook_are_recorded(installed_hub, deliveries, post_id):
    graph = installed_hub.sandbox.graph
    comment_id = graph.add_citizen_comment(post_id, "Bad road", "Asha Roy", webhook_url=WEBHOOK_URL)
    graph.edit_comment(comment_id, "Bad road near the market", webhook_url=WEBHOOK_URL)
    base = {
        "item": "comment",
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": post_id,
        "created_time": int(utc_now().timestamp()),
    }
    assert graph.deliver_webhook(WEBHOOK_URL, {**base, "verb": "hide"}) == 200
    assert stored(installed_hub)[comment_id][7] is True
    assert graph.deliver_webhook(WEBHOOK_URL, {**base, "verb": "remove"}) == 200
    with installed_hub.store.cursor() as cur:
        recorded = cur.execute(
            "SELECT change, old_text, new_text, source FROM interaction_changes ORDER BY id"
        ).fetchall()
    assert recorded == [
        ("edit", "Bad road", "Bad road near the market", "webhook"),
        ("hide", None, None, "webhook"),
        ("delete", "Bad road near the market", None, "webhook"),
    ]
    assert stored(installed_hub)[comment_id][8] is not None


def test_a_bad_signature_is_refused_recorded_and_audited(
    installed_hub, client, deliveries, post_id, audit_rows
):
    installed_hub.sandbox.graph.add_citizen_comment(
        post_id, "Genuine", "Asha Roy", webhook_url=WEBHOOK_URL
    )
    body = deliveries[0]["body"].replace(b"Genuine", b"Forged!")
    response = client.post(
        ROUTE,
        content=body,
        headers={"X-Hub-Signature-256": deliveries[0]["headers"]["X-Hub-Signature-256"]},
    )
    assert response.status_code == 403
    assert refusals(installed_hub) == [
        (ROUTE, "bad X-Hub-Signature-256", "testclient", len(body), 1)
    ]
    denied = audit_rows(action="receive_webhook", outcome="denied")
    assert len(denied) == 1 and denied[0][0] == "facebook-webhook"
    assert [row[4] for row in stored(installed_hub).values()] == ["Genuine"]


def test_a_missing_signature_is_refused(installed_hub, client, deliveries, post_id):
    installed_hub.sandbox.graph.add_citizen_comment(post_id, "Hi", "Asha Roy")
    body = json.dumps({"object": "page", "entry": []}).encode()
    assert client.post(ROUTE, content=body).status_code == 403
    malformed = client.post(ROUTE, content=body, headers={"X-Hub-Signature-256": "sha1=ab"})
    assert malformed.status_code == 403
    assert [r[1] for r in refusals(installed_hub)] == [
        "missing X-Hub-Signature-256",
        "malformed X-Hub-Signature-256",
    ]


def test_a_body_re_serialised_after_signing_is_refused(installed_hub, client, deliveries, post_id):
    installed_hub.sandbox.graph.add_citizen_comment(
        post_id, "রাস্তায় আলো নেই / no light", "Chandra Sen", webhook_url=WEBHOOK_URL
    )
    original = deliveries[0]
    reserialised = json.dumps(json.loads(original["body"]), ensure_ascii=False).encode()
    assert reserialised != original["body"]
    response = client.post(
        ROUTE,
        content=reserialised,
        headers={"X-Hub-Signature-256": original["headers"]["X-Hub-Signature-256"]},
    )
    assert response.status_code == 403
    assert len(stored(installed_hub)) == 1, "only the original delivery was stored"


def test_malformed_json_with_a_valid_signature_is_a_bad_request(installed_hub, client):
    body = b'{"object": "page", "entry": [ '
    response = client.post(ROUTE, content=body, headers={"X-Hub-Signature-256": signed(body)})
    assert response.status_code == 400
    assert refusals(installed_hub) == [] and stored(installed_hub) == {}


def test_polling_fills_the_gap_and_stores_nothing_twice(installed_hub, deliveries, post_id):
    graph = installed_hub.sandbox.graph
    delivered = graph.add_citizen_comment(post_id, "Delivered", "Asha", webhook_url=WEBHOOK_URL)
    missed = graph.add_citizen_comment(post_id, "Never delivered", "Bimal")
    report = installed_hub.pull.pull_all()
    assert report.of(Platform.FACEBOOK).new == 1
    rows = stored(installed_hub)
    assert set(rows) == {delivered, missed}
    assert rows[delivered][5] == "webhook" and rows[missed][5] == "poll"
    assert rows[delivered][9], "the poll filled in the permalink the webhook lacked"
    assert installed_hub.pull.pull_all().of(Platform.FACEBOOK).new == 0
    assert len(stored(installed_hub)) == 2


# -- what refused and odd traffic may cost (issue 12, item 3) ---------------------------------


def test_a_body_over_the_cap_is_refused_with_413_before_it_is_read(installed_hub, client):
    limit = installed_hub.webhooks.max_body_bytes
    huge = b"x" * (limit + 1)
    declared = client.post(ROUTE, content=huge, headers={"X-Hub-Signature-256": signed(huge)})
    assert declared.status_code == 413

    # Sent without a length (chunked): read in pieces, and given up past the cap.
    def pieces():
        for _ in range(limit // 65536 + 2):
            yield b"y" * 65536

    chunked = client.post(ROUTE, content=pieces(), headers={"X-Hub-Signature-256": "sha256=ab"})
    assert chunked.status_code == 413
    rows = refusals(installed_hub)
    assert [row[1] for row in rows] == [f"body over {limit} bytes"]
    assert rows[0][4] == 2 and rows[0][3] > 2 * limit
    assert stored(installed_hub) == {}


def test_the_route_never_holds_more_than_the_cap_of_a_chunked_body(installed_hub):
    # The route's reader stops as soon as the cap is passed, however much more is coming.
    import asyncio

    from starlette.requests import Request

    from hub.web import read_body_capped

    sent = {"chunks": 0}

    async def receive():
        sent["chunks"] += 1
        return {"type": "http.request", "body": b"z" * 1000, "more_body": True}

    request = Request({"type": "http", "method": "POST", "headers": []}, receive)
    body, complete = asyncio.run(read_body_capped(request, 10_000))
    assert not complete and len(body) == 11_000 and sent["chunks"] == 11


def test_refusals_are_counted_per_source_and_minute_with_one_audit_row(
    installed_hub, client, audit_rows
):
    body = json.dumps({"object": "page", "entry": []}).encode()
    for _ in range(5):
        assert (
            client.post(
                ROUTE, content=body, headers={"X-Hub-Signature-256": "sha256=0"}
            ).status_code
            == 403
        )
    assert refusals(installed_hub) == [
        (ROUTE, "bad X-Hub-Signature-256", "testclient", 5 * len(body), 5)
    ]
    assert len(audit_rows(action="receive_webhook", outcome="denied")) == 1


def test_a_source_past_its_refusal_limit_gets_429_and_costs_no_write(installed_hub, client):
    allowed = installed_hub.settings.webhook_refusals_per_minute
    body = b"{}"
    answers = [
        client.post(ROUTE, content=body, headers={"X-Hub-Signature-256": "sha256=0"}).status_code
        for _ in range(allowed + 5)
    ]
    assert answers == [403] * allowed + [429] * 5
    # Past the limit nothing is written: the minute's row stops at the limit.
    assert refusals(installed_hub)[0][4] == allowed
    # A correctly signed delivery from the same source is also held off for the minute.
    good = json.dumps({"object": "page", "entry": []}).encode()
    assert (
        client.post(ROUTE, content=good, headers={"X-Hub-Signature-256": signed(good)}).status_code
        == 429
    )


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"object": "page", "entry": [{"id": "PAGE", "changes": 5}]}', "changes"),
        (b'{"object": "page", "entry": [], "x": "\\ud800"}', "not valid Unicode"),
        (b'{"object": "page", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "not JSON"),
        (b'{"object": "page", "entry": ' + b"[" * 500 + b"]" * 500 + b"}", "nested deeper"),
        (b'{"object": "page", "entry": {"id": 1}}', "not a webhook event"),
        (b'["not", "an", "object"]', "not a webhook event"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
    ],
)
def test_a_signed_delivery_of_an_unexpected_shape_is_400_and_stores_nothing(
    installed_hub, client, body, why
):
    # Before the fix the first three answered 500 (TypeError, UnicodeEncodeError when stored,
    # RecursionError).
    page_id = installed_hub.webhooks._page_id
    body = body.replace(b"PAGE", page_id.encode())
    response = client.post(ROUTE, content=body, headers={"X-Hub-Signature-256": signed(body)})
    assert response.status_code == 400, response.text
    assert why in response.json()["reason"]
    assert stored(installed_hub) == {} and refusals(installed_hub) == []


def test_a_signed_comment_longer_than_facebook_allows_is_cut_with_a_note(
    installed_hub, client, post_id
):
    from hub.inbox.webhooks import FACEBOOK_MAX_COMMENT_CHARS

    page_id = installed_hub.webhooks._page_id
    message = "জল " * 40_000
    event = {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": 1,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "post_id": post_id,
                            "comment_id": f"{post_id}_long",
                            "parent_id": post_id,
                            "from": {"id": "1", "name": "Long Writer"},
                            "message": message,
                            "created_time": int(utc_now().timestamp()),
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(event, ensure_ascii=False).encode()
    assert len(body) < installed_hub.webhooks.max_body_bytes
    response = client.post(ROUTE, content=body, headers={"X-Hub-Signature-256": signed(body)})
    assert response.status_code == 200
    with installed_hub.store.cursor() as cur:
        text, raw = cur.execute(
            "SELECT text, raw FROM interactions WHERE platform_id = ?", [f"{post_id}_long"]
        ).fetchone()
    assert len(text) == FACEBOOK_MAX_COMMENT_CHARS
    kept = json.loads(raw)
    assert len(kept["message"]) == FACEBOOK_MAX_COMMENT_CHARS
    assert "120000 characters received" in kept["hub_note"]
