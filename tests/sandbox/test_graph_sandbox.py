"""The Graph API half of the sandbox, over real HTTP with plain `requests` (no SDK in between).

The adapter's contract tests (tests/platforms/test_facebook_adapter.py) go through
facebook-sdk; these pin the wire format itself, and compare it with the documented payloads
kept in hub/sandbox/fixtures/graph_*.json so the sandbox cannot drift from the real API.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from hub.sandbox.graph_api import GraphSandbox, install_graph_api, parse_fields
from hub.sandbox.server import SandboxApp, SandboxServer

FIXTURES = Path(__file__).resolve().parents[2] / "hub" / "sandbox" / "fixtures"
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},parent{id},permalink_url,is_hidden,"
    "comment_count,like_count"
)
POST_FIELDS = "id,message,created_time,permalink_url,comments.filter(stream).limit(0).summary(true)"


class MovableClock:
    """The sandbox's clock, moved forward by tests."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Sandbox:
    app: SandboxApp
    graph: GraphSandbox
    server: SandboxServer
    clock: MovableClock

    def url(self, path: str, version: str = "v24.0") -> str:
        return f"{self.server.url}/{version}/{path}" if version else f"{self.server.url}/{path}"

    def get(self, path: str, token: str | None = "page", **params: Any) -> requests.Response:
        return requests.get(self.url(path), params=self._with_token(params, token), timeout=5)

    def post(
        self, path: str, token: str | None = "page", files: Any = None, **data: Any
    ) -> requests.Response:
        return requests.post(
            self.url(path), data=self._with_token(data, token), files=files, timeout=5
        )

    def _with_token(self, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        tokens = {"page": self.graph.page_token, "user": self.graph.user_token}
        if token is not None:
            params["access_token"] = tokens.get(token, token)
        return params

    def text_post(self, message: str) -> str:
        answer = self.post(f"{self.graph.page_id}/feed", message=message)
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]


@pytest.fixture
def sandbox(tmp_path: Path):
    clock = MovableClock()
    app = SandboxApp(tmp_path / "sandbox.duckdb")
    graph = install_graph_api(app, clock=clock)
    server = SandboxServer(app).start()
    yield Sandbox(app, graph, server, clock)
    server.stop()
    app.db.close()


def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def error_of(response: requests.Response) -> dict[str, Any]:
    body = response.json()
    assert "error" in body, body
    return body["error"]


# -- headers, versions, tokens --


def test_every_answer_carries_version_content_type_and_usage_headers(sandbox: Sandbox):
    ok = sandbox.get("me", fields="id,name")
    failed = sandbox.get("me", token="not-a-token")

    for response, version in ((ok, "v24.0"), (failed, "v24.0")):
        assert response.headers["facebook-api-version"] == version
        assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
        app_usage = json.loads(response.headers["X-App-Usage"])
        assert set(app_usage) == {"call_count", "total_cputime", "total_time"}
        business = json.loads(response.headers["X-Business-Use-Case-Usage"])
        (entry,) = business[sandbox.graph.page_id]
        assert entry["type"] == "pages"
        assert entry["estimated_time_to_regain_access"] == 0
    v26 = requests.get(
        sandbox.url("me", "v26.0"), params={"access_token": sandbox.graph.page_token}, timeout=5
    )
    assert v26.headers["facebook-api-version"] == "v26.0"


def test_unversioned_path_is_served_too(sandbox: Sandbox):
    answer = requests.get(
        sandbox.url("me", version=""), params={"access_token": sandbox.graph.page_token}, timeout=5
    )
    assert answer.json() == {"name": sandbox.graph.page_name, "id": sandbox.graph.page_id}


def test_retired_version_answers_2635(sandbox: Sandbox):
    answer = requests.get(
        sandbox.url("me", "v19.0"), params={"access_token": sandbox.graph.page_token}, timeout=5
    )
    assert answer.status_code == 400
    assert error_of(answer)["code"] == 2635
    assert answer.headers["facebook-api-version"] == "v19.0"


def test_token_errors_use_the_real_codes(sandbox: Sandbox):
    missing = sandbox.get("me", token=None)
    invalid = sandbox.get("me", token="EAAB-forged")
    assert error_of(missing)["code"] == 104
    assert (error_of(invalid)["code"], error_of(invalid)["error_subcode"]) == (190, 467)

    sandbox.graph.expire_token()
    expired = sandbox.get("me")
    assert (error_of(expired)["code"], error_of(expired)["error_subcode"]) == (190, 463)
    assert sandbox.get("me", token="user").status_code == 200  # only the Page token expired

    sandbox.graph.restore_token()
    assert sandbox.get("me").status_code == 200


def test_user_token_lists_the_page_with_its_token(sandbox: Sandbox):
    accounts = sandbox.get("me/accounts", token="user").json()
    (page,) = accounts["data"]
    assert page["id"] == sandbox.graph.page_id
    assert page["access_token"] == sandbox.graph.page_token
    assert "CREATE_CONTENT" in page["tasks"]

    with_page_token = sandbox.get("me/accounts")
    assert error_of(with_page_token)["code"] == 100


def test_debug_token_reports_scopes_and_expiry(sandbox: Sandbox):
    data = sandbox.get("debug_token", input_token=sandbox.graph.page_token).json()["data"]
    assert data["is_valid"] is True
    assert data["type"] == "PAGE"
    assert "pages_manage_posts" in data["scopes"]

    sandbox.graph.revoke_permission("pages_manage_posts")
    data = sandbox.get("debug_token", input_token=sandbox.graph.page_token, token="user").json()
    assert "pages_manage_posts" not in data["data"]["scopes"]

    sandbox.graph.expire_token()
    data = sandbox.get("debug_token", input_token=sandbox.graph.page_token, token="user").json()
    assert data["data"]["is_valid"] is False
    assert data["data"]["error"]["subcode"] == 463


def test_rate_limit_storm_throttles_the_next_calls_then_stops(sandbox: Sandbox):
    sandbox.graph.rate_limit_storm(2, regain_minutes=9)
    first, second, third = (sandbox.get("me") for _ in range(3))

    for throttled in (first, second):
        assert error_of(throttled)["code"] == 80001
        assert error_of(throttled)["is_transient"] is True
        usage = json.loads(throttled.headers["X-Business-Use-Case-Usage"])
        assert usage[sandbox.graph.page_id][0]["estimated_time_to_regain_access"] == 9
    assert third.status_code == 200


def test_transient_failure_is_a_500_with_code_2(sandbox: Sandbox):
    sandbox.graph.transient_failures(1)
    failed, recovered = sandbox.get("me"), sandbox.get("me")
    assert failed.status_code == 500
    assert (error_of(failed)["code"], error_of(failed)["is_transient"]) == (2, True)
    assert recovered.status_code == 200


def test_missing_permissions_answer_10_for_reads_and_200_for_writes(sandbox: Sandbox):
    post_id = sandbox.text_post("Roads closed for the marathon")
    sandbox.graph.revoke_permission("pages_read_engagement")
    sandbox.graph.revoke_permission("pages_manage_posts")

    assert error_of(sandbox.get(f"{post_id}/comments"))["code"] == 10
    refused = sandbox.post(f"{sandbox.graph.page_id}/feed", message="Another one")
    assert error_of(refused)["code"] == 200
    assert refused.status_code == 403


def test_unknown_object_and_unknown_field_are_code_100(sandbox: Sandbox):
    unknown = sandbox.get("1000000000000001_999")
    assert (error_of(unknown)["code"], error_of(unknown)["error_subcode"]) == (100, 33)

    post_id = sandbox.text_post("Dengue awareness drive")
    bad_field = sandbox.get(post_id, fields="id,comment_count")
    assert error_of(bad_field)["code"] == 100
    assert "comment_count" in error_of(bad_field)["message"]


# -- posts, photos, scheduling --


def test_duplicate_status_message_is_506(sandbox: Sandbox):
    sandbox.text_post("Ward 12 water supply restored")
    repeat = sandbox.post(f"{sandbox.graph.page_id}/feed", message="Ward 12 water supply restored")
    assert error_of(repeat)["code"] == 506

    sandbox.clock.now += timedelta(hours=2)  # outside the duplicate window: accepted again
    assert sandbox.post(f"{sandbox.graph.page_id}/feed", message="Ward 12 water supply restored").ok


def test_photo_upload_multipart_published_and_unpublished(sandbox: Sandbox):
    page = sandbox.graph.page_id
    published = sandbox.post(
        f"{page}/photos", files={"source": ("a.jpg", small_jpeg(), "image/jpeg")}, message="Park"
    ).json()
    unpublished = sandbox.post(
        f"{page}/photos", files={"source": ("b.jpg", small_jpeg(), "image/jpeg")}, published="false"
    ).json()
    not_an_image = sandbox.post(
        f"{page}/photos", files={"source": ("c.jpg", b"hello", "image/jpeg")}
    )

    assert set(published) == {"id", "post_id"}
    assert published["post_id"].startswith(f"{page}_")
    assert set(unpublished) == {"id"}
    assert error_of(not_an_image)["code"] == 324
    posts = {p["id"]: p for p in sandbox.graph.list_posts()}
    assert posts[published["post_id"]]["photo_ids"] == [published["id"]]
    assert len(posts) == 1  # the unpublished photo made no post


def test_attached_media_needs_unpublished_photos(sandbox: Sandbox):
    page = sandbox.graph.page_id
    ids = [
        sandbox.post(
            f"{page}/photos", files={"source": ("p.jpg", small_jpeg(), "image/jpeg")},
            published="false",
        ).json()["id"]
        for _ in range(2)
    ]  # fmt: skip
    media = {f"attached_media[{i}]": json.dumps({"media_fbid": pid}) for i, pid in enumerate(ids)}
    created = sandbox.post(f"{page}/feed", message="Two photos", **media).json()
    reused = sandbox.post(f"{page}/feed", message="Again", **media)

    (post,) = [p for p in sandbox.graph.list_posts() if p["id"] == created["id"]]
    assert post["photo_ids"] == ids
    assert error_of(reused)["code"] == 100  # each photo belongs to one post only


@pytest.mark.parametrize(
    ("ahead", "accepted"),
    [
        (timedelta(minutes=9), False),
        (timedelta(minutes=11), True),
        (timedelta(days=29), True),
        (timedelta(days=31), False),
    ],
)
def test_native_scheduling_window(sandbox: Sandbox, ahead: timedelta, accepted: bool):
    when = int((sandbox.clock.now + ahead).timestamp())
    answer = sandbox.post(
        f"{sandbox.graph.page_id}/feed",
        message="Scheduled notice",
        published="false",
        scheduled_publish_time=str(when),
    )
    assert answer.ok is accepted, answer.text
    if not accepted:
        assert error_of(answer)["code"] == 100


def test_scheduled_post_goes_live_when_its_time_passes(sandbox: Sandbox):
    page = sandbox.graph.page_id
    when = sandbox.clock.now + timedelta(minutes=30)
    post_id = sandbox.post(
        f"{page}/feed", message="Holiday notice", published="false",
        scheduled_publish_time=when.isoformat(),
    ).json()["id"]  # fmt: skip

    scheduled = sandbox.get(f"{page}/scheduled_posts", fields="id,scheduled_publish_time").json()
    assert [p["id"] for p in scheduled["data"]] == [post_id]
    assert scheduled["data"][0]["scheduled_publish_time"] == int(when.timestamp())
    assert sandbox.get(f"{page}/published_posts").json()["data"] == []

    sandbox.clock.now += timedelta(minutes=31)
    published = sandbox.get(f"{page}/published_posts", fields="id,created_time").json()["data"]
    assert [p["id"] for p in published] == [post_id]
    assert published[0]["created_time"] == when.strftime("%Y-%m-%dT%H:%M:%S+0000")
    assert sandbox.get(f"{page}/scheduled_posts").json()["data"] == []


def test_state_survives_a_restart_on_the_same_file(tmp_path: Path):
    path = tmp_path / "state.duckdb"
    app = SandboxApp(path)
    graph = install_graph_api(app)
    server = SandboxServer(app).start()
    first = requests.post(
        f"{server.url}/v24.0/{graph.page_id}/feed",
        data={"message": "Before restart", "access_token": graph.page_token},
        timeout=5,
    ).json()["id"]
    graph.add_citizen_comment(first, "Noted", "Ratan Das")
    server.stop()
    app.db.close()

    app = SandboxApp(path)
    graph = install_graph_api(app)
    server = SandboxServer(app).start()
    try:
        second = requests.post(
            f"{server.url}/v24.0/{graph.page_id}/feed",
            data={"message": "After restart", "access_token": graph.page_token},
            timeout=5,
        ).json()["id"]
        assert [p["message"] for p in graph.list_posts()] == ["After restart", "Before restart"]
        assert [c["message"] for c in graph.list_comments(first)] == ["Noted"]
        assert second != first  # the id sequence carried on
    finally:
        server.stop()
        app.db.close()


# -- comments --


def test_comment_paging_follows_next_urls_that_carry_the_token(sandbox: Sandbox):
    post_id = sandbox.text_post("Budget consultation")
    start = sandbox.clock.now - timedelta(hours=5)
    for n in range(250):
        sandbox.graph.add_citizen_comment(
            post_id, f"comment {n}", f"Citizen {n % 7}", created_time=start + timedelta(seconds=n)
        )

    url = sandbox.url(f"{post_id}/comments")
    params: dict[str, Any] | None = {
        "access_token": sandbox.graph.page_token, "limit": "100", "summary": "true",
    }  # fmt: skip
    pages = []
    while url:
        body = requests.get(url, params=params, timeout=5).json()
        pages.append(body)
        url, params = body["paging"].get("next"), None  # next carries every parameter

    assert [len(p["data"]) for p in pages] == [100, 100, 50]
    messages = [c["message"] for p in pages for c in p["data"]]
    assert messages == [f"comment {n}" for n in range(250)]
    assert pages[0]["summary"]["total_count"] == 250
    first_next = urlsplit(pages[0]["paging"]["next"])
    assert first_next.netloc == urlsplit(sandbox.server.url).netloc
    assert parse_qs(first_next.query)["access_token"] == [sandbox.graph.page_token]
    assert "previous" in pages[1]["paging"] and "previous" not in pages[0]["paging"]


def test_before_cursor_pages_backwards(sandbox: Sandbox):
    post_id = sandbox.text_post("Library hours")
    for n in range(5):
        sandbox.graph.add_citizen_comment(
            post_id, f"c{n}", "A", created_time=sandbox.clock.now + timedelta(seconds=n)
        )
    second = sandbox.get(f"{post_id}/comments", limit=2).json()["paging"]["cursors"]["after"]
    page_two = sandbox.get(f"{post_id}/comments", limit=2, after=second).json()
    back = sandbox.get(
        f"{post_id}/comments", limit=2, before=page_two["paging"]["cursors"]["before"]
    ).json()
    assert [c["message"] for c in page_two["data"]] == ["c2", "c3"]
    assert [c["message"] for c in back["data"]] == ["c0", "c1"]


def test_filters_order_since_and_summary(sandbox: Sandbox):
    post_id = sandbox.text_post("Cyclone shelter list")
    t0 = sandbox.clock.now - timedelta(minutes=10)
    top = sandbox.graph.add_citizen_comment(post_id, "top", "A", created_time=t0)
    sandbox.graph.add_citizen_comment(
        post_id, "reply", "B", parent_id=top, created_time=t0 + timedelta(minutes=1)
    )
    sandbox.graph.add_citizen_comment(post_id, "late", "C", created_time=t0 + timedelta(minutes=2))

    def messages(**params: Any) -> list[str]:
        return [c["message"] for c in sandbox.get(f"{post_id}/comments", **params).json()["data"]]

    assert messages() == ["top", "late"]  # toplevel by default
    assert messages(filter="stream") == ["top", "reply", "late"]
    assert messages(filter="stream", order="reverse_chronological") == ["late", "reply", "top"]
    since = int((t0 + timedelta(seconds=30)).timestamp())
    assert messages(filter="stream", since=str(since)) == ["reply", "late"]
    iso = (t0 + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    assert messages(filter="stream", since=iso) == ["late"]
    assert messages(limit="500", filter="stream") == ["top", "reply", "late"]  # capped, not refused
    assert sandbox.get(f"{top}/comments").json()["data"][0]["message"] == "reply"
    summary = sandbox.get(f"{post_id}/comments", filter="stream", summary="true", limit="0").json()
    assert summary["summary"]["total_count"] == 3
    assert summary["data"] == []


def test_comment_fields_and_reply_threading(sandbox: Sandbox):
    post_id = sandbox.text_post("Tree felling permission camp")
    top = sandbox.graph.add_citizen_comment(post_id, "How to apply?", "Ratan Das")
    page_reply = sandbox.post(f"{top}/comments", message="Visit Borough office").json()["id"]
    reply_to_reply = sandbox.post(f"{page_reply}/comments", message="Or apply online").json()["id"]

    comment = sandbox.get(top, fields=COMMENT_FIELDS).json()
    reply = sandbox.get(reply_to_reply, fields=COMMENT_FIELDS).json()

    assert comment["comment_count"] == 2
    assert "parent" not in comment
    assert reply["parent"] == {"id": top}  # Facebook keeps threads two levels deep
    assert reply["from"] == {"id": sandbox.graph.page_id, "name": sandbox.graph.page_name}
    assert comment["id"].split("_")[0] == post_id.split("_")[1]
    assert "comment_id=" in comment["permalink_url"]
    assert datetime.strptime(comment["created_time"], "%Y-%m-%dT%H:%M:%S%z")


def test_hide_unhide_and_delete_a_comment(sandbox: Sandbox):
    post_id = sandbox.text_post("Pothole repair schedule")
    comment = sandbox.graph.add_citizen_comment(post_id, "Spam spam", "Bot")
    reply = sandbox.graph.add_citizen_comment(post_id, "Reply", "X", parent_id=comment)

    assert sandbox.post(comment, is_hidden="true").json() == {"success": True}
    assert sandbox.get(comment, fields="is_hidden").json() == {"is_hidden": True}
    sandbox.post(comment, is_hidden="false")
    assert sandbox.get(comment, fields="is_hidden").json() == {"is_hidden": False}

    deleted = requests.delete(
        sandbox.url(comment), params={"access_token": sandbox.graph.page_token}, timeout=5
    )
    assert deleted.json() == {"success": True}
    assert sandbox.graph.list_comments(post_id) == []
    assert error_of(sandbox.get(reply))["code"] == 100


def test_posts_listing_carries_comment_counts_and_pages_by_100(sandbox: Sandbox):
    page = sandbox.graph.page_id
    ids = []
    for n in range(105):
        sandbox.clock.now += timedelta(seconds=1)
        ids.append(sandbox.text_post(f"Notice {n}"))
    top = sandbox.graph.add_citizen_comment(ids[-1], "first", "A")
    sandbox.graph.add_citizen_comment(ids[-1], "second", "B", parent_id=top)

    first = sandbox.get(f"{page}/published_posts", fields=POST_FIELDS, limit="100").json()
    rest = requests.get(first["paging"]["next"], timeout=5).json()

    assert len(first["data"]) == 100 and len(rest["data"]) == 5
    newest = first["data"][0]
    assert newest["id"] == ids[-1]
    assert newest["comments"] == {
        "data": [],
        "summary": {"order": "chronological", "total_count": 2, "can_comment": True},
    }
    assert "next" not in rest["paging"]
    # Without filter(stream) Graph counts top-level comments only: replies would go unseen.
    toplevel = sandbox.get(ids[-1], fields="id,comments.summary(true).limit(0)").json()["comments"][
        "summary"
    ]["total_count"]
    assert toplevel == 1


def test_ids_lookup_returns_several_objects(sandbox: Sandbox):
    first, second = sandbox.text_post("One"), sandbox.text_post("Two")
    answer = requests.get(
        f"{sandbox.server.url}/v24.0/",
        params={"ids": f"{first},{second}", "fields": "id,message",
                "access_token": sandbox.graph.page_token},
        timeout=5,
    ).json()  # fmt: skip
    assert answer == {
        first: {"id": first, "message": "One"},
        second: {"id": second, "message": "Two"},
    }


def test_fields_parser_understands_modifiers_and_nesting():
    parsed = parse_fields("id,from{id,name},comments.filter(stream).limit(0).summary(true){id}")
    assert parsed is not None
    names = [f.name for f in parsed]
    assert names == ["id", "from", "comments"]
    assert [f.name for f in parsed[1].subfields or []] == ["id", "name"]
    assert parsed[2].modifiers == {"filter": "stream", "limit": "0", "summary": "true"}


# -- webhooks --


class _WebhookReceiver:
    """A tiny local endpoint that records raw bodies and headers."""

    def __init__(self) -> None:
        received: list[tuple[bytes, dict[str, str]]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((body, dict(self.headers)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/facebook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    endpoint = _WebhookReceiver()
    yield endpoint
    endpoint.close()


def test_webhook_is_signed_over_the_raw_body(sandbox: Sandbox, receiver: _WebhookReceiver):
    post_id = sandbox.text_post("Durga Puja traffic advisory / রাস্তা বন্ধ")
    comment_id = sandbox.graph.add_citizen_comment(
        post_id, "রাস্তা কবে খুলবে?", "Mita Sen", webhook_url=receiver.url
    )

    ((raw, headers),) = receiver.received
    expected = hmac.new(sandbox.graph.app_secret.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
    wrong_secret = hmac.new(b"another-secret", raw, hashlib.sha256).hexdigest()
    assert headers["X-Hub-Signature-256"] != f"sha256={wrong_secret}"
    # Re-serialised JSON differs from the bytes Meta signs, so only the raw body verifies.
    reserialised = json.dumps(json.loads(raw)).encode()
    assert (
        hmac.new(sandbox.graph.app_secret.encode(), reserialised, hashlib.sha256).hexdigest()
        != expected
    )

    event = json.loads(raw)
    value = event["entry"][0]["changes"][0]["value"]
    assert event["object"] == "page"
    assert event["entry"][0]["changes"][0]["field"] == "feed"
    assert (value["item"], value["verb"], value["comment_id"]) == ("comment", "add", comment_id)
    assert value["post_id"] == post_id
    assert value["message"] == "রাস্তা কবে খুলবে?"
    assert isinstance(value["created_time"], int)


def test_edit_comment_sends_an_edited_webhook(sandbox: Sandbox, receiver: _WebhookReceiver):
    post_id = sandbox.text_post("Mosquito spraying")
    comment_id = sandbox.graph.add_citizen_comment(post_id, "When?", "Ratan Das")
    sandbox.graph.edit_comment(comment_id, "When in Ward 9?", webhook_url=receiver.url)

    value = json.loads(receiver.received[0][0])["entry"][0]["changes"][0]["value"]
    assert (value["verb"], value["message"]) == ("edited", "When in Ward 9?")
    assert sandbox.graph.list_comments(post_id)[0]["message"] == "When in Ward 9?"


# -- the sandbox against documented payloads --


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", dict: "object", list: "array", type(None): "null"}[type(value)]


def shape_mismatches(
    expected: Any, actual: Any, optional: frozenset[str] = frozenset(), path: str = ""
) -> list[str]:
    """Where `actual` differs from `expected` in keys or value types (values are ignored).

    A list matches when each actual element has the shape of at least one expected element.
    """
    if _type_name(expected) != _type_name(actual):
        return [f"{path or '$'}: expected {_type_name(expected)}, got {_type_name(actual)}"]
    problems: list[str] = []
    if isinstance(expected, dict):
        for key in expected.keys() - actual.keys():
            if f"{path}{key}" not in optional:
                problems.append(f"{path}{key}: missing")
        for key in actual.keys() - expected.keys():
            if f"{path}{key}" not in optional:
                problems.append(f"{path}{key}: not in the documented payload")
        for key in expected.keys() & actual.keys():
            problems += shape_mismatches(expected[key], actual[key], optional, f"{path}{key}.")
    elif isinstance(expected, list):
        if not expected and actual:
            problems.append(f"{path or '$'}: expected an empty list")
        for index, item in enumerate(actual if expected else []):
            here = f"{path.rstrip('.')}[{index}]."
            attempts = [shape_mismatches(e, item, optional, here) for e in expected]
            if all(attempts):
                problems += min(attempts, key=len)
    return problems


def _documented(name: str) -> tuple[Any, frozenset[str]]:
    fixture = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert fixture["_source"]
    return fixture["response"], frozenset(fixture.get("_optional", []))


def _sandbox_payloads(sandbox: Sandbox, receiver: _WebhookReceiver) -> dict[str, Any]:
    """One real sandbox answer for each documented payload."""
    graph, page = sandbox.graph, sandbox.graph.page_id
    created = sandbox.post(f"{page}/feed", message="Water supply suspended on Sunday").json()
    post_id = created["id"]
    photo = sandbox.post(
        f"{page}/photos", files={"source": ("a.jpg", small_jpeg(), "image/jpeg")}, message="Camp"
    ).json()
    unpublished = sandbox.post(
        f"{page}/photos", files={"source": ("b.jpg", small_jpeg(), "image/jpeg")}, published="false"
    ).json()
    top = graph.add_citizen_comment(post_id, "No water since morning", "Ratan Das")
    graph.add_citizen_comment(
        post_id, "Same here", "Mita Sen", parent_id=top, webhook_url=receiver.url
    )
    graph.add_citizen_comment(post_id, "Ward 58 too", "Asha Roy")
    comments = sandbox.get(
        f"{post_id}/comments", filter="stream", order="chronological", summary="true",
        limit="2", fields=COMMENT_FIELDS,
    ).json()  # fmt: skip
    posts = sandbox.get(f"{page}/published_posts", fields=POST_FIELDS, limit="1").json()
    hidden = sandbox.post(top, is_hidden="true").json()
    accounts = sandbox.get("me/accounts", token="user").json()
    debug = sandbox.get("debug_token", input_token=graph.page_token).json()
    graph.expire_token()
    error = sandbox.get("me").json()
    return {
        "graph_post_created.json": created,
        "graph_photo_created.json": photo,
        "graph_photo_unpublished.json": unpublished,
        "graph_comments_list.json": comments,
        "graph_published_posts_with_counts.json": posts,
        "graph_success.json": hidden,
        "graph_me_accounts.json": accounts,
        "graph_debug_token.json": debug,
        "graph_error.json": error,
        "graph_webhook_feed_comment.json": json.loads(receiver.received[0][0]),
    }


def test_sandbox_answers_have_the_documented_shapes(sandbox: Sandbox, receiver: _WebhookReceiver):
    payloads = _sandbox_payloads(sandbox, receiver)
    documented_files = sorted(p.name for p in FIXTURES.glob("graph_*.json"))
    assert sorted(payloads) == documented_files  # every fixture is checked

    problems = {}
    for name, actual in payloads.items():
        expected, optional = _documented(name)
        if mismatches := shape_mismatches(expected, actual, optional):
            problems[name] = mismatches
    assert problems == {}


def test_shape_comparison_catches_drift():
    documented, optional = _documented("graph_comments_list.json")
    drifted = json.loads(json.dumps(documented))
    del drifted["summary"]["total_count"]
    drifted["data"][0]["like_count"] = "3"
    drifted["paging"]["cursors"]["extra"] = "x"

    problems = shape_mismatches(documented, drifted, optional)

    assert "summary.total_count: missing" in problems
    assert any(p.startswith("data[0].") for p in problems)
    assert "paging.cursors.extra: not in the documented payload" in problems
