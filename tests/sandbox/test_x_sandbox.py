"""The X API v2 sandbox on the wire: formats, auth, limits, errors, media and persistence.

These tests talk HTTP to a real `SandboxServer` with plain `requests` (OAuth 1.0a signed by
requests-oauthlib over the sandbox's own URL), so they check the sandbox itself; the adapter's
tests drive the same server through tweepy.
"""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image
from requests_oauthlib import OAuth1

from hub.sandbox.server import SandboxApp, SandboxServer
from hub.sandbox.x_api import MENTIONS_REACHABLE, XSandbox, install_x_api

FIXTURES = Path(__file__).resolve().parents[2] / "hub" / "sandbox" / "fixtures"
ACCOUNT_ID = "1500000000000000001"
BEARER = {"Authorization": "Bearer sandbox-bearer-token"}
MILLISECOND_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Sandbox:
    """A running X sandbox for one test: the app, its X handle, the server and a client."""

    def __init__(self, state_path: Path, **options: Any) -> None:
        self.app = SandboxApp(state_path)
        self.x: XSandbox = install_x_api(self.app, **options)
        self.server = SandboxServer(self.app).start()
        self.url = self.server.url
        self.oauth = OAuth1(
            "sandbox-consumer-key",
            client_secret="sandbox-consumer-secret",
            resource_owner_key="sandbox-access-token",
            resource_owner_secret="sandbox-access-secret",
        )

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("auth", self.oauth)
        return requests.post(self.url + path, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        if "auth" not in kwargs:
            kwargs.setdefault("headers", BEARER)
        return requests.get(self.url + path, timeout=10, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("auth", self.oauth)
        return requests.delete(self.url + path, timeout=10, **kwargs)

    def close(self) -> None:
        self.server.stop()
        self.app.db.close()


@pytest.fixture
def sandbox(tmp_path: Path):
    running = Sandbox(tmp_path / "sandbox.duckdb")
    yield running
    running.close()


def png_bytes(size: tuple[int, int] = (32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


# -- shape against real recorded payloads ---------------------------------------------------


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and value types, list elements merged into one."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        merged: Any = None
        for element in value:
            merged = _merge(merged, shape(element))
        return [] if merged is None else [merged]
    return type(value).__name__


def _merge(left: Any, right: Any) -> Any:
    if left is None or right is None:
        return right if left is None else left
    if isinstance(left, dict) and isinstance(right, dict):
        return {k: _merge(left.get(k), right.get(k)) for k in left.keys() | right.keys()}
    if isinstance(left, list) and isinstance(right, list):
        inner = _merge(left[0] if left else None, right[0] if right else None)
        return [] if inner is None else [inner]
    return left if left == right else f"{left}|{right}"


def fixture(name: str) -> dict[str, Any]:
    recorded = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    assert recorded["_source"], f"{name} must say where it comes from"
    return recorded


def assert_same_shape(response: requests.Response, fixture_name: str) -> None:
    recorded = fixture(fixture_name)
    assert response.status_code == recorded["status"], response.text
    assert shape(response.json()) == shape(recorded["body"])


def test_shape_helper_notices_a_missing_or_retyped_key():
    assert shape({"a": "1", "b": [1, 2]}) != shape({"a": "1"})
    assert shape({"a": "1"}) != shape({"a": 1})
    assert shape({"l": [{"x": 1}, {"y": "z"}]}) == {"l": [{"x": "int", "y": "str"}]}


def test_every_x_fixture_names_its_source():
    names = sorted(p.name for p in FIXTURES.glob("x_*.json"))
    assert len(names) >= 8
    for name in names:
        fixture(name)


def test_create_tweet_matches_the_real_shape(sandbox):
    response = sandbox.post("/2/tweets", json={"text": "Ward 58: water supply restored."})
    assert_same_shape(response, "x_create_tweet.json")
    data = response.json()["data"]
    assert data["edit_history_tweet_ids"] == [data["id"]]


def test_delete_tweet_matches_the_real_shape(sandbox):
    created = sandbox.post("/2/tweets", json={"text": "to be deleted"}).json()["data"]
    assert_same_shape(sandbox.delete(f"/2/tweets/{created['id']}"), "x_delete_tweet.json")
    assert sandbox.x.list_timeline() == []


def test_users_me_matches_the_real_shape(sandbox):
    response = sandbox.get("/2/users/me", auth=sandbox.oauth)
    assert_same_shape(response, "x_users_me.json")
    assert response.json()["data"] == {
        "id": ACCOUNT_ID,
        "name": "Kolkata Municipal Corporation",
        "username": "KMC_Kolkata",
    }


def test_plain_mentions_match_the_recorded_cassette(sandbox):
    for n in range(6):
        sandbox.x.add_mention(f"@KMC_Kolkata drain {n} blocked", "citizen_a")
    response = sandbox.get(f"/2/users/{ACCOUNT_ID}/mentions", params={"max_results": 5})
    assert_same_shape(response, "x_mentions_plain.json")


def test_expanded_mentions_match_the_real_shape(sandbox):
    post = sandbox.post("/2/tweets", json={"text": "Dengue drive in Ward 12 today."}).json()
    for n in range(5):
        sandbox.x.add_mention(f"@KMC_Kolkata garbage not collected {n}", "citizen_b", "Bina")
    sandbox.x.add_mention("which lanes?", "citizen_c", "Chandan", post["data"]["id"])
    response = sandbox.get(
        f"/2/users/{ACCOUNT_ID}/mentions",
        params={
            "max_results": 5,
            "tweet.fields": "created_at,conversation_id,author_id,in_reply_to_user_id,"
            "referenced_tweets",
            "expansions": "author_id",
        },
    )
    assert_same_shape(response, "x_mentions_expanded.json")
    body = response.json()
    assert {u["username"] for u in body["includes"]["users"]} == {"citizen_b", "citizen_c"}
    assert all(MILLISECOND_TIMESTAMP.match(t["created_at"]) for t in body["data"])


def test_simple_media_upload_matches_the_real_shape(sandbox):
    response = sandbox.post(
        "/2/media/upload",
        files={"media": ("a.jpg", jpeg_bytes(), "image/jpeg")},
        data={"media_category": "tweet_image"},
    )
    assert_same_shape(response, "x_media_upload.json")
    assert response.json()["data"]["image"] == {"image_type": "image/jpeg", "w": 120, "h": 90}


def test_missing_tweet_is_a_200_with_errors_as_on_x(sandbox):
    assert_same_shape(sandbox.get("/2/tweets/1234567890123456789"), "x_tweet_not_found.json")


def test_duplicate_text_matches_the_real_403(sandbox):
    assert sandbox.post("/2/tweets", json={"text": "Same words"}).status_code == 201
    assert_same_shape(
        sandbox.post("/2/tweets", json={"text": "Same words"}), "x_error_duplicate.json"
    )


def test_expired_credentials_match_the_real_401(sandbox):
    sandbox.x.expire_credentials()
    assert_same_shape(sandbox.post("/2/tweets", json={"text": "x"}), "x_error_unauthorized.json")
    assert_same_shape(sandbox.get(f"/2/users/{ACCOUNT_ID}/tweets"), "x_error_unauthorized.json")
    sandbox.x.restore_credentials()
    assert sandbox.post("/2/tweets", json={"text": "x"}).status_code == 201


def test_publish_only_tier_matches_the_real_client_not_enrolled(tmp_path):
    running = Sandbox(tmp_path / "s.duckdb", mentions_enabled=False)
    try:
        response = running.get(f"/2/users/{ACCOUNT_ID}/mentions")
        assert_same_shape(response, "x_error_client_not_enrolled.json")
        running.x.set_mentions_enabled(True)
        assert running.get(f"/2/users/{ACCOUNT_ID}/mentions").status_code == 200
    finally:
        running.close()


def test_usage_cap_matches_the_real_429(sandbox):
    sandbox.x.set_usage_capped(True)
    assert_same_shape(sandbox.post("/2/tweets", json={"text": "x"}), "x_error_usage_capped.json")


# -- authentication -------------------------------------------------------------------------


def test_requests_without_credentials_are_refused(sandbox):
    assert requests.get(f"{sandbox.url}/2/users/me", timeout=5).status_code == 401
    assert (
        requests.post(f"{sandbox.url}/2/tweets", json={"text": "x"}, timeout=5).status_code == 401
    )


def test_wrong_bearer_token_is_refused(sandbox):
    response = sandbox.get(
        f"/2/users/{ACCOUNT_ID}/tweets", headers={"Authorization": "Bearer not-the-token"}
    )
    assert response.status_code == 401


def test_bearer_token_cannot_post(sandbox):
    response = sandbox.post("/2/tweets", json={"text": "x"}, auth=None, headers=BEARER)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/unsupported-authentication")


def test_oauth_signature_made_with_the_wrong_secret_is_refused(sandbox):
    forged = OAuth1(
        "sandbox-consumer-key",
        client_secret="guessed-secret",
        resource_owner_key="sandbox-access-token",
        resource_owner_secret="sandbox-access-secret",
    )
    assert sandbox.post("/2/tweets", json={"text": "x"}, auth=forged).status_code == 401


def test_oauth_with_another_consumer_key_is_refused(sandbox):
    other = OAuth1(
        "someone-elses-key",
        client_secret="sandbox-consumer-secret",
        resource_owner_key="sandbox-access-token",
        resource_owner_secret="sandbox-access-secret",
    )
    assert sandbox.post("/2/tweets", json={"text": "x"}, auth=other).status_code == 401


# -- posts, replies, timelines ----------------------------------------------------------------


def test_reply_joins_the_conversation_of_its_parent(sandbox):
    mention = sandbox.x.add_mention("streetlight out on Park St", "citizen_d")
    response = sandbox.post(
        "/2/tweets", json={"text": "Noted, ref KMC-7", "reply": {"in_reply_to_tweet_id": mention}}
    )
    assert response.status_code == 201
    reply_id = response.json()["data"]["id"]
    looked_up = sandbox.get(
        f"/2/tweets/{reply_id}",
        params={"tweet.fields": "conversation_id,in_reply_to_user_id,referenced_tweets"},
    ).json()["data"]
    assert looked_up["conversation_id"] == mention
    assert looked_up["referenced_tweets"] == [{"type": "replied_to", "id": mention}]


def test_reply_where_the_account_was_never_mentioned_is_refused(sandbox):
    stranger = sandbox.x.add_post("just a post about cricket", "cricket_fan")
    response = sandbox.post(
        "/2/tweets", json={"text": "Hello!", "reply": {"in_reply_to_tweet_id": stranger}}
    )
    assert response.status_code == 403
    assert "not allowed" in response.json()["detail"]


def test_over_long_text_and_too_many_media_are_refused(sandbox):
    assert sandbox.post("/2/tweets", json={"text": "a" * 281}).status_code == 400
    assert sandbox.post("/2/tweets", json={"text": "ক" * 280}).status_code == 201
    five = {"text": "five photos", "media": {"media_ids": ["1", "2", "3", "4", "5"]}}
    assert sandbox.post("/2/tweets", json=five).status_code == 400


def test_unknown_media_id_is_refused(sandbox):
    body = {"text": "with photo", "media": {"media_ids": ["99999"]}}
    response = sandbox.post("/2/tweets", json=body)
    assert response.status_code == 400
    assert "media" in response.text


def test_user_tweets_pages_newest_first(sandbox):
    for n in range(12):
        sandbox.post("/2/tweets", json={"text": f"Notice {n}"})
    first = sandbox.get(f"/2/users/{ACCOUNT_ID}/tweets", params={"max_results": 5}).json()
    assert [t["text"] for t in first["data"]] == [f"Notice {n}" for n in range(11, 6, -1)]
    second = sandbox.get(
        f"/2/users/{ACCOUNT_ID}/tweets",
        params={"max_results": 5, "pagination_token": first["meta"]["next_token"]},
    ).json()
    assert [t["text"] for t in second["data"]] == [f"Notice {n}" for n in range(6, 1, -1)]


@pytest.mark.parametrize("max_results", ["4", "101", "ten"])
def test_max_results_outside_5_to_100_is_a_400(sandbox, max_results):
    response = sandbox.get(f"/2/users/{ACCOUNT_ID}/mentions", params={"max_results": max_results})
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-request")


def test_since_id_and_until_id_bound_the_mentions(sandbox):
    ids = [sandbox.x.add_mention(f"issue {n}", "citizen_e") for n in range(6)]
    response = sandbox.get(
        f"/2/users/{ACCOUNT_ID}/mentions",
        params={"since_id": ids[1], "until_id": ids[4]},
    ).json()
    assert [t["id"] for t in response["data"]] == [ids[3], ids[2]]
    assert response["meta"] == {"result_count": 2, "newest_id": ids[3], "oldest_id": ids[2]}


def test_no_new_mentions_answers_meta_only(sandbox):
    newest = sandbox.x.add_mention("one", "citizen_f")
    body = sandbox.get(f"/2/users/{ACCOUNT_ID}/mentions", params={"since_id": newest}).json()
    assert body == {"meta": {"result_count": 0}}


def test_only_the_latest_800_mentions_are_reachable(sandbox):
    sandbox.x.add_mentions([f"report {n}" for n in range(805)], "busy_citizen")
    seen: list[str] = []
    token = None
    while True:
        params: dict[str, Any] = {"max_results": 100}
        if token:
            params["pagination_token"] = token
        body = sandbox.get(f"/2/users/{ACCOUNT_ID}/mentions", params=params).json()
        seen += [t["text"] for t in body.get("data", [])]
        token = body["meta"].get("next_token")
        if not token:
            break
    assert len(seen) == 800 == MENTIONS_REACHABLE
    assert seen[-1] == "@KMC_Kolkata report 5"


# -- limits ---------------------------------------------------------------------------------


def test_every_answer_carries_rate_limit_headers(sandbox):
    response = sandbox.get(f"/2/users/{ACCOUNT_ID}/mentions")
    assert response.headers["x-rate-limit-limit"] == "450"  # per app, with the bearer token
    assert int(response.headers["x-rate-limit-remaining"]) == 449
    assert int(response.headers["x-rate-limit-reset"]) > time.time()
    posted = sandbox.post("/2/tweets", json={"text": "headers"})
    assert posted.headers["x-rate-limit-limit"] == "100"
    assert posted.headers["x-user-limit-24hour-remaining"] == "99"


def test_the_101st_post_in_15_minutes_is_a_429_with_reset(sandbox):
    for n in range(100):
        assert sandbox.post("/2/tweets", json={"text": f"post {n}"}).status_code == 201
    refused = sandbox.post("/2/tweets", json={"text": "one too many"})
    assert refused.status_code == 429
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert 0 < int(refused.headers["x-rate-limit-reset"]) - time.time() <= 900
    sandbox.x.set_rate_limits_enabled(False)
    assert sandbox.post("/2/tweets", json={"text": "one too many"}).status_code == 201


def test_rate_limit_storm_refuses_the_next_requests_then_stops(sandbox):
    sandbox.x.rate_limit_storm(count=2, reset_in_seconds=120)
    for _ in range(2):
        refused = sandbox.get(f"/2/users/{ACCOUNT_ID}/tweets")
        assert refused.status_code == 429
        assert 110 <= int(refused.headers["x-rate-limit-reset"]) - time.time() <= 120
    assert sandbox.get(f"/2/users/{ACCOUNT_ID}/tweets").status_code == 200


def test_out_of_credits_is_a_402(sandbox):
    sandbox.x.set_out_of_credits(True)
    response = sandbox.get(f"/2/users/{ACCOUNT_ID}/tweets")
    assert response.status_code == 402
    assert response.json()["title"] == "CreditsDepleted"


# -- media ----------------------------------------------------------------------------------


def test_bytes_that_are_not_an_image_are_refused(sandbox):
    response = sandbox.post(
        "/2/media/upload",
        files={"media": ("a.jpg", b"\xff\xd8\xff but not really a jpeg", "image/jpeg")},
    )
    assert response.status_code == 400
    assert "unrecognized" in response.text


def test_image_over_5_mb_is_refused(sandbox):
    oversized = png_bytes() + b"\0" * (5 * 1024 * 1024)
    response = sandbox.post("/2/media/upload", files={"media": ("a.png", oversized, "image/png")})
    assert response.status_code == 400
    assert "5242880" in response.text


def test_chunked_upload_then_status_then_post(sandbox):
    content = jpeg_bytes((200, 150))
    started = sandbox.post(
        "/2/media/upload/initialize",
        json={
            "media_type": "image/jpeg",
            "total_bytes": len(content),
            "media_category": "tweet_image",
        },
    ).json()["data"]
    media_id = started["id"]
    for index, start in enumerate(range(0, len(content), 4000)):
        appended = sandbox.post(
            f"/2/media/upload/{media_id}/append",
            files={"media": ("blob", content[start : start + 4000], "application/octet-stream")},
            data={"segment_index": str(index)},
        )
        assert appended.status_code == 200
    finished = sandbox.post(f"/2/media/upload/{media_id}/finalize").json()["data"]
    assert finished["image"]["w"] == 200
    status = sandbox.get(
        "/2/media/upload", params={"command": "STATUS", "media_id": media_id}, auth=sandbox.oauth
    ).json()["data"]
    assert status["processing_info"]["state"] == "succeeded"
    posted = sandbox.post("/2/tweets", json={"text": "photo", "media": {"media_ids": [media_id]}})
    assert posted.status_code == 201
    assert sandbox.x.list_timeline()[0]["media_ids"] == [media_id]


def test_chunked_upload_missing_a_segment_fails_at_finalize(sandbox):
    content = png_bytes((64, 64))
    media_id = sandbox.post(
        "/2/media/upload/initialize",
        json={"media_type": "image/png", "total_bytes": len(content) + 10},
    ).json()["data"]["id"]
    sandbox.post(
        f"/2/media/upload/{media_id}/append",
        files={"media": ("blob", content, "application/octet-stream")},
        data={"segment_index": "0"},
    )
    finished = sandbox.post(f"/2/media/upload/{media_id}/finalize")
    assert finished.status_code == 400
    assert "mismatch" in finished.text


# -- persistence ------------------------------------------------------------------------------


def test_state_survives_a_restart_on_the_same_file(tmp_path):
    state = tmp_path / "sandbox.duckdb"
    first = Sandbox(state)
    post_id = first.post("/2/tweets", json={"text": "Before restart"}).json()["data"]["id"]
    mention_id = first.x.add_mention("still there?", "citizen_g")
    first.close()
    second = Sandbox(state)
    try:
        assert [p["id"] for p in second.x.list_timeline()] == [post_id]
        assert [m["id"] for m in second.x.list_mentions()] == [mention_id]
        assert second.post("/2/tweets", json={"text": "Before restart"}).status_code == 403
    finally:
        second.close()


def test_unknown_x_path_is_a_404_problem(sandbox):
    response = sandbox.get("/2/spaces/search")
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found Error"
