"""Contract tests: FacebookPageAdapter through the real facebook-sdk, over real HTTP, against
the Graph sandbox on 127.0.0.1 (state in a DuckDB file under tmp_path).

No mocks: faults are injected with the sandbox's own Fault mechanism and GraphSandbox helpers.
"""

from __future__ import annotations

import io
import socket
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import facebook
import pytest
from PIL import Image
from pydantic import SecretStr

from hub.config import FacebookSettings
from hub.errors import (
    ConfigurationError,
    ContentRejected,
    DuplicateContent,
    OutcomeUnknown,
    PermissionMissing,
    PlatformError,
    RateLimited,
    TemporaryFailure,
    TokenExpired,
)
from hub.platforms.base import (
    InteractionKind,
    Photo,
    Platform,
    PlatformAdapter,
    PublishRequest,
)
from hub.platforms.facebook import FacebookPageAdapter
from hub.sandbox.graph_api import GraphSandbox, install_graph_api
from hub.sandbox.server import Fault, Response, SandboxApp, SandboxServer

FEED_POST = r"^POST /v24\.0/\d+/feed$"


class MovableClock:
    """The sandbox's clock; starts at the real time so the adapter's own checks agree."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Sandbox:
    app: SandboxApp
    graph: GraphSandbox
    server: SandboxServer
    clock: MovableClock

    def requests_to(self, fragment: str) -> list[tuple[str, str]]:
        return [entry for entry in self.app.request_log if fragment in entry[1]]


def start_sandbox(path: Path, clock: MovableClock | None = None) -> Sandbox:
    clock = clock or MovableClock()
    app = SandboxApp(path)
    graph = install_graph_api(app, clock=clock)
    server = SandboxServer(app).start()
    return Sandbox(app, graph, server, clock)


def stop_sandbox(sandbox: Sandbox) -> None:
    sandbox.server.stop()
    sandbox.app.db.close()


@pytest.fixture
def sandbox(tmp_path: Path):
    running = start_sandbox(tmp_path / "sandbox.duckdb")
    yield running
    stop_sandbox(running)


def make_adapter(sandbox: Sandbox, **overrides: Any) -> FacebookPageAdapter:
    options: dict[str, Any] = {
        "graph_url": sandbox.server.url,
        "page_id": sandbox.graph.page_id,
        "page_token": sandbox.graph.page_token,
        "timeout": 5.0,
    }
    options.update(overrides)
    return FacebookPageAdapter(**options)


@pytest.fixture
def adapter(sandbox: Sandbox) -> FacebookPageAdapter:
    return make_adapter(sandbox)


def jpeg(colour: tuple[int, int, int] = (30, 120, 200)) -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(buffer, "JPEG")
    return Photo(buffer.getvalue(), "notice.jpg", "image/jpeg", alt_text="Notice board")


def assert_token_free(exc: BaseException, *tokens: str) -> None:
    """Neither str() nor the chained causes show a token."""
    seen: BaseException | None = exc
    while seen is not None:
        for token in tokens:
            assert token not in str(seen), f"token leaked in {type(seen).__name__}: {seen}"
            assert token not in repr(seen)
        seen = seen.__cause__


def tokens_of(sandbox: Sandbox) -> tuple[str, str]:
    return sandbox.graph.page_token, sandbox.graph.user_token


# -- construction --


def test_adapter_satisfies_the_protocol_and_leaves_the_sdk_global_alone(sandbox: Sandbox, tmp_path):
    other = start_sandbox(tmp_path / "other.duckdb")
    try:
        first, second = make_adapter(sandbox), make_adapter(other)
        first.publish(PublishRequest(text="Only in the first sandbox"))
        second.publish(PublishRequest(text="Only in the second sandbox"))

        assert isinstance(first, PlatformAdapter)
        assert facebook.FACEBOOK_GRAPH_URL == "https://graph.facebook.com/"
        assert [p["message"] for p in sandbox.graph.list_posts()] == ["Only in the first sandbox"]
        assert [p["message"] for p in other.graph.list_posts()] == ["Only in the second sandbox"]
    finally:
        stop_sandbox(other)


def test_from_settings_uses_the_configured_version(sandbox: Sandbox):
    settings = FacebookSettings(
        graph_url=sandbox.server.url,
        graph_version="v25.0",
        page_id=sandbox.graph.page_id,
        page_token=SecretStr(sandbox.graph.page_token),
        timeout_seconds=3,
    )
    adapter = FacebookPageAdapter.from_settings(settings)

    adapter.recent_posts()

    assert sandbox.app.request_log[-1][1].startswith("/v25.0/")
    assert sandbox.graph.page_token not in repr(adapter)


@pytest.mark.parametrize(
    "overrides",
    [{"graph_version": "24.0"}, {"page_token": ""}, {"page_id": "city"}, {"graph_url": "ftp://x"}],
)
def test_unusable_configuration_is_refused_at_construction(sandbox: Sandbox, overrides):
    with pytest.raises(ConfigurationError) as caught:
        make_adapter(sandbox, **overrides)
    assert_token_free(caught.value, sandbox.graph.page_token)


# -- check --


def test_check_reports_the_page_and_what_the_token_allows(adapter: FacebookPageAdapter, sandbox):
    capabilities = adapter.check()

    assert capabilities.platform is Platform.FACEBOOK
    assert capabilities.account_id == sandbox.graph.page_id
    assert capabilities.account_name == sandbox.graph.page_name
    assert capabilities.can_publish and capabilities.can_read_comments
    assert capabilities.can_reply and capabilities.can_hide
    assert capabilities.can_read_mentions is False
    assert capabilities.notes == ()


def test_check_names_a_missing_permission(adapter: FacebookPageAdapter, sandbox: Sandbox):
    sandbox.graph.revoke_permission("pages_manage_engagement")

    capabilities = adapter.check()

    assert capabilities.can_publish is True
    assert capabilities.can_reply is False and capabilities.can_hide is False
    assert any("pages_manage_engagement" in note for note in capabilities.notes)


def test_check_with_a_user_token_says_it_is_not_the_page_token(sandbox: Sandbox):
    adapter = make_adapter(sandbox, page_token=sandbox.graph.user_token)

    capabilities = adapter.check()

    assert capabilities.can_publish is False
    assert any("not to the Page" in note for note in capabilities.notes)


# -- publishing --


def test_text_post_is_published_and_found_in_recent_posts(adapter, sandbox: Sandbox):
    text = "Water supply will be suspended in Wards 57–60 on Sunday."

    published = adapter.publish(PublishRequest(text=text, link="https://kmcgov.in/notice/57"))

    assert published.platform_post_id.startswith(f"{sandbox.graph.page_id}_")
    assert published.scheduled is False
    assert published.created_at is not None and published.created_at.tzinfo is not None
    assert published.permalink.startswith("https://www.facebook.com/")
    (post,) = sandbox.graph.list_posts()
    assert (post["message"], post["link"]) == (text, "https://kmcgov.in/notice/57")
    assert [p.platform_post_id for p in adapter.recent_posts()] == [published.platform_post_id]


def test_single_photo_goes_to_photos_as_multipart_with_the_text(adapter, sandbox: Sandbox):
    published = adapter.publish(PublishRequest(text="Health camp at Ward 12", photos=(jpeg(),)))

    assert len(sandbox.requests_to("/photos")) == 1
    assert sandbox.requests_to("/feed") == []
    (post,) = sandbox.graph.list_posts()
    assert post["id"] == published.platform_post_id
    assert post["message"] == "Health camp at Ward 12"
    assert len(post["photo_ids"]) == 1


def test_three_photos_are_uploaded_unpublished_then_attached(adapter, sandbox: Sandbox):
    photos = (jpeg((255, 0, 0)), jpeg((0, 255, 0)), jpeg((0, 0, 255)))

    published = adapter.publish(PublishRequest(text="Flyover progress", photos=photos))

    posting = [entry for entry in sandbox.app.request_log if entry[0] == "POST"]
    assert [path.rsplit("/", 1)[-1] for _, path in posting] == ["photos"] * 3 + ["feed"]
    (post,) = sandbox.graph.list_posts()
    assert post["id"] == published.platform_post_id
    assert len(post["photo_ids"]) == 3


def test_more_than_ten_photos_are_refused_before_any_request(adapter, sandbox: Sandbox):
    with pytest.raises(ContentRejected, match="at most 10 photos"):
        adapter.publish(PublishRequest(text="Too many", photos=tuple(jpeg() for _ in range(11))))
    assert sandbox.app.request_log == []


def test_native_scheduling_and_its_ten_minute_rule(adapter, sandbox: Sandbox):
    too_soon = datetime.now(UTC) + timedelta(minutes=5)
    with pytest.raises(ContentRejected, match="10 minutes"):
        adapter.publish(PublishRequest(text="Too soon", scheduled_at=too_soon))
    assert sandbox.app.request_log == []

    when = datetime.now(UTC) + timedelta(minutes=20)
    published = adapter.publish(PublishRequest(text="Holiday on Friday", scheduled_at=when))

    assert published.scheduled is True
    assert [p.platform_post_id for p in adapter.scheduled_posts()] == [published.platform_post_id]
    assert adapter.recent_posts() == []
    sandbox.clock.now = when + timedelta(minutes=1)  # the sandbox publishes it when due
    assert [p.platform_post_id for p in adapter.recent_posts()] == [published.platform_post_id]
    assert adapter.scheduled_posts() == []


def test_scheduled_photo_post_uses_attached_media(adapter, sandbox: Sandbox):
    when = datetime.now(UTC) + timedelta(hours=2)

    adapter.publish(PublishRequest(text="Later, with a photo", photos=(jpeg(),), scheduled_at=when))

    (post,) = sandbox.graph.list_posts()
    assert post["is_published"] is False
    assert post["scheduled_publish_time"] is not None and len(post["photo_ids"]) == 1


def test_reply_lands_in_the_same_thread(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Garbage collection timings")).platform_post_id
    comment_id = sandbox.graph.add_citizen_comment(post_id, "Not collected in Ward 5", "Asha Roy")

    reply = adapter.reply(comment_id, "Sorry, the truck is on its way. Ref KMC-1042")
    follow_up = adapter.reply(reply.platform_post_id, "Collected now.")

    by_id = {c["id"]: c for c in sandbox.graph.list_comments(post_id)}
    assert by_id[reply.platform_post_id]["parent"]["id"] == comment_id
    assert by_id[follow_up.platform_post_id]["parent"]["id"] == comment_id
    assert by_id[reply.platform_post_id]["from"]["id"] == sandbox.graph.page_id
    assert "comment_id=" in reply.permalink


def test_hide_unhide_and_delete_a_comment(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Road repair")).platform_post_id
    comment_id = sandbox.graph.add_citizen_comment(post_id, "buy cheap watches", "Spammer")

    adapter.hide(comment_id)
    assert sandbox.graph.list_comments(post_id)[0]["is_hidden"] is True
    adapter.unhide(comment_id)
    assert sandbox.graph.list_comments(post_id)[0]["is_hidden"] is False
    adapter.delete_comment(comment_id)
    assert sandbox.graph.list_comments(post_id) == []


# -- reading --


def test_posts_with_comment_counts_in_one_request(adapter, sandbox: Sandbox):
    quiet = adapter.publish(PublishRequest(text="Quiet post")).platform_post_id
    busy = adapter.publish(PublishRequest(text="Busy post")).platform_post_id
    top = sandbox.graph.add_citizen_comment(busy, "Question", "A")
    sandbox.graph.add_citizen_comment(busy, "Me too", "B", parent_id=top)
    sandbox.app.request_log.clear()

    posts = adapter.posts_with_comment_counts(None)

    assert len(sandbox.app.request_log) == 1
    assert {p.platform_post_id: p.comment_count for p in posts} == {quiet: 0, busy: 2}
    assert all(p.created_at.tzinfo is not None for p in posts)


def test_recent_posts_follows_paging_up_to_the_limit(adapter, sandbox: Sandbox):
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(104):
        sandbox.graph.seed_post(f"Notice number {n}", created_time=start + timedelta(minutes=n))

    posts = adapter.recent_posts(limit=104)
    first_hundred = adapter.recent_posts(limit=100)

    assert [p.text for p in posts] == [f"Notice number {n}" for n in reversed(range(104))]
    assert len(sandbox.requests_to("/published_posts")) == 3  # 100 + 4, then one page of 100
    assert len(first_hundred) == 100


def test_comments_are_pulled_with_paging_and_the_cursor_returns_nothing_twice(
    adapter, sandbox: Sandbox
):
    post_id = adapter.publish(PublishRequest(text="Budget consultation")).platform_post_id
    start = datetime.now(UTC) - timedelta(hours=3)
    for n in range(250):
        sandbox.graph.add_citizen_comment(
            post_id, f"suggestion {n}", f"Citizen {n}", created_time=start + timedelta(seconds=n)
        )
    sandbox.app.request_log.clear()

    first = adapter.list_interactions(None)

    assert [i.text for i in first.interactions] == [f"suggestion {n}" for n in range(250)]
    assert len(sandbox.requests_to("/comments")) == 3  # 100 + 100 + 50
    assert first.requests_made == 4  # plus the one posts-with-counts call
    assert first.next_cursor

    sandbox.app.request_log.clear()
    second = adapter.list_interactions(first.next_cursor)

    assert second.interactions == ()
    assert second.next_cursor == first.next_cursor  # nothing changed, nothing to store anew
    assert sandbox.requests_to("/comments") == []  # the count did not change
    assert second.requests_made == 1


def test_new_comments_and_replies_come_once_with_kind_and_parent(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Dengue drive")).platform_post_id
    other = adapter.publish(PublishRequest(text="Unrelated post")).platform_post_id
    first = sandbox.graph.add_citizen_comment(post_id, "Spray in Ward 9?", "Ratan Das")
    cursor = adapter.list_interactions(None).next_cursor

    reply = sandbox.graph.add_citizen_comment(post_id, "Ward 10 too", "Mita Sen", parent_id=first)
    top = sandbox.graph.add_citizen_comment(post_id, "Thanks", "Asha Roy")
    sandbox.app.request_log.clear()
    page = adapter.list_interactions(cursor)

    assert [(i.platform_id, i.kind) for i in page.interactions] == [
        (reply, InteractionKind.REPLY),
        (top, InteractionKind.COMMENT),
    ]
    assert page.interactions[0].parent_id == first
    assert page.interactions[1].parent_id == post_id
    assert {i.thread_id for i in page.interactions} == {post_id}
    assert all(i.created_at.utcoffset() == timedelta(0) for i in page.interactions)
    assert page.interactions[0].raw["from"]["name"] == "Mita Sen"
    assert not sandbox.requests_to(f"{other}/comments")  # only the changed post was read
    assert adapter.list_interactions(page.next_cursor).interactions == ()


def test_a_comment_in_the_same_second_as_the_last_one_is_not_missed(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Tax camp")).platform_post_id
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    sandbox.graph.add_citizen_comment(post_id, "first", "A", created_time=moment)
    cursor = adapter.list_interactions(None).next_cursor

    sandbox.graph.add_citizen_comment(post_id, "same second", "B", created_time=moment)
    page = adapter.list_interactions(cursor)

    assert [i.text for i in page.interactions] == ["same second"]


def test_text_comes_as_sent_and_the_raw_payload_is_kept(adapter, sandbox: Sandbox):
    # The store normalises (tests/test_pull.py checks a pulled comment ends up in NFC).
    post_id = adapter.publish(PublishRequest(text="জল সরবরাহ")).platform_post_id
    decomposed = "জল আসেনি কে\u09c7\u09be"  # "ো" written as two code points
    sandbox.graph.add_citizen_comment(post_id, decomposed, "Mita Sen")

    (interaction,) = adapter.list_interactions(None).interactions

    assert interaction.text == decomposed != unicodedata.normalize("NFC", decomposed)
    assert interaction.raw["message"] == decomposed


def test_the_pages_own_replies_are_not_citizen_interactions(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Parking rules")).platform_post_id
    comment = sandbox.graph.add_citizen_comment(post_id, "Where?", "A")
    adapter.reply(comment, "Near the market")

    citizens = adapter.list_interactions(None)
    everyone = adapter.list_interactions(None, include_own=True)

    assert [i.text for i in citizens.interactions] == ["Where?"]
    assert [i.text for i in everyone.interactions] == ["Where?", "Near the market"]


def test_list_interactions_for_given_posts_skips_a_deleted_one(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Known post")).platform_post_id
    sandbox.graph.add_citizen_comment(post_id, "Hello", "A")

    page = adapter.list_interactions(None, post_ids=[post_id, f"{sandbox.graph.page_id}_42"])

    assert [i.text for i in page.interactions] == ["Hello"]


def test_comments_since_reads_one_post(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Single post")).platform_post_id
    sandbox.graph.add_citizen_comment(post_id, "one", "A")
    first = adapter.comments_since(post_id, None)
    sandbox.graph.add_citizen_comment(post_id, "two", "B")

    second = adapter.comments_since(post_id, first.next_cursor)

    assert [i.text for i in first.interactions] == ["one"]
    assert [i.text for i in second.interactions] == ["two"]


def test_posts_and_comments_are_found_again_after_a_sandbox_restart(tmp_path: Path):
    path = tmp_path / "persistent.duckdb"
    before = start_sandbox(path)
    try:
        post = make_adapter(before).publish(PublishRequest(text="Survives restarts"))
        before.graph.add_citizen_comment(post.platform_post_id, "Still here?", "A")
    finally:
        stop_sandbox(before)

    after = start_sandbox(path)
    try:
        adapter = make_adapter(after)
        (recent,) = adapter.recent_posts()
        assert (recent.platform_post_id, recent.comment_count) == (post.platform_post_id, 1)
        assert [i.text for i in adapter.list_interactions(None).interactions] == ["Still here?"]
    finally:
        stop_sandbox(after)


# -- errors --


def test_expired_token_is_token_expired_with_what_to_do(adapter, sandbox: Sandbox):
    sandbox.graph.expire_token()

    with pytest.raises(TokenExpired) as caught:
        adapter.publish(PublishRequest(text="Will not go out"))

    message = str(caught.value)
    assert "expired" in message and "463" in message
    assert "Reconnect the Page in the hub" in message
    assert caught.value.code == 190 and caught.value.platform == "facebook"
    assert_token_free(caught.value, *tokens_of(sandbox))
    with pytest.raises(TokenExpired):
        adapter.check()


def test_invalid_token_is_token_expired(sandbox: Sandbox):
    adapter = make_adapter(sandbox, page_token="EAAB-not-a-real-token")

    with pytest.raises(TokenExpired, match="invalid") as caught:
        adapter.recent_posts()
    assert_token_free(caught.value, "EAAB-not-a-real-token", *tokens_of(sandbox))


def test_missing_permission_names_the_permission(adapter, sandbox: Sandbox):
    sandbox.graph.revoke_permission("pages_manage_posts")
    with pytest.raises(PermissionMissing, match="pages_manage_posts") as publishing:
        adapter.publish(PublishRequest(text="No permission"))

    sandbox.graph.revoke_permission("pages_read_engagement")
    with pytest.raises(PermissionMissing, match="pages_read_engagement") as reading:
        adapter.list_interactions(None)

    for caught in (publishing, reading):
        assert_token_free(caught.value, *tokens_of(sandbox))


def test_duplicate_status_is_duplicate_content(adapter, sandbox: Sandbox):
    adapter.publish(PublishRequest(text="Ward 12 water supply restored"))

    with pytest.raises(DuplicateContent) as caught:
        adapter.publish(PublishRequest(text="Ward 12 water supply restored"))

    assert caught.value.code == 506
    assert_token_free(caught.value, *tokens_of(sandbox))


@pytest.mark.parametrize(("regain_minutes", "expected_seconds"), [(7, 420.0), (0, 300.0)])
def test_rate_limit_storm_gives_the_wait_from_the_usage_header(
    adapter, sandbox: Sandbox, regain_minutes: int, expected_seconds: float
):
    sandbox.graph.rate_limit_storm(1, regain_minutes=regain_minutes)

    with pytest.raises(RateLimited) as caught:
        adapter.publish(PublishRequest(text="During the storm"))

    assert caught.value.retry_after_seconds == expected_seconds
    assert caught.value.code == 80001
    assert_token_free(caught.value, *tokens_of(sandbox))
    adapter.publish(PublishRequest(text="After the storm"))  # the storm is over


def test_transient_graph_error_is_temporary_failure(adapter, sandbox: Sandbox):
    sandbox.graph.transient_failures(1)

    with pytest.raises(TemporaryFailure) as caught:
        adapter.recent_posts()

    assert_token_free(caught.value, *tokens_of(sandbox))
    assert adapter.recent_posts() == []


def test_5xx_without_an_error_body(adapter, sandbox: Sandbox):
    sandbox.app.inject(Fault(r"^GET ", "status", status=503, payload={"message": "Unavailable"}))
    with pytest.raises(TemporaryFailure) as reading:
        adapter.recent_posts()

    sandbox.app.inject(Fault(FEED_POST, "status", status=504, payload={"message": "Timeout"}))
    with pytest.raises(OutcomeUnknown) as publishing:
        adapter.publish(PublishRequest(text="Behind a gateway"))

    for caught in (reading, publishing):
        assert_token_free(caught.value, *tokens_of(sandbox))


def test_slow_answer_to_a_post_is_outcome_unknown(sandbox: Sandbox):
    adapter = make_adapter(sandbox, timeout=0.4)
    sandbox.app.inject(Fault(FEED_POST, "slow", delay=1.2))

    with pytest.raises(OutcomeUnknown, match="may have been accepted") as caught:
        adapter.publish(PublishRequest(text="Slow answer"))

    assert_token_free(caught.value, *tokens_of(sandbox))
    deadline = time.monotonic() + 5
    while not sandbox.graph.list_posts() and time.monotonic() < deadline:
        time.sleep(0.05)  # the sandbox finishes the work after the client gave up
    assert [p["message"] for p in sandbox.graph.list_posts()] == ["Slow answer"]


def test_slow_answer_to_a_read_is_temporary_failure(sandbox: Sandbox):
    adapter = make_adapter(sandbox, timeout=0.3)
    sandbox.app.inject(Fault(r"published_posts$", "slow", delay=0.6))

    with pytest.raises(TemporaryFailure) as caught:
        adapter.recent_posts()
    assert_token_free(caught.value, *tokens_of(sandbox))
    time.sleep(0.4)  # let the sandbox's handler finish before the teardown closes its database


def test_accepted_but_answer_lost_is_outcome_unknown_and_the_post_exists(adapter, sandbox):
    sandbox.app.inject(Fault(FEED_POST, "drop_after"))

    with pytest.raises(OutcomeUnknown) as caught:
        adapter.publish(PublishRequest(text="Answer lost on the way back"))

    assert_token_free(caught.value, *tokens_of(sandbox))
    assert [p.text for p in adapter.recent_posts()] == ["Answer lost on the way back"]


def test_connection_dropped_on_a_read_is_temporary_failure(adapter, sandbox: Sandbox):
    sandbox.app.inject(Fault(r"published_posts$", "drop_before"))

    with pytest.raises(TemporaryFailure) as caught:
        adapter.recent_posts()
    assert_token_free(caught.value, *tokens_of(sandbox))


def test_nothing_listening_is_temporary_failure_even_for_a_post(sandbox: Sandbox):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    adapter = make_adapter(sandbox, graph_url=f"http://127.0.0.1:{free_port}")

    with pytest.raises(TemporaryFailure, match="nothing was sent") as caught:
        adapter.publish(PublishRequest(text="Nobody home"))
    assert_token_free(caught.value, *tokens_of(sandbox))


def test_retired_version_says_which_setting_to_change(sandbox: Sandbox):
    adapter = make_adapter(sandbox, graph_version="v19.0")

    with pytest.raises(PlatformError) as caught:
        adapter.check()

    assert type(caught.value) is PlatformError
    assert "v19.0" in str(caught.value) and "HUB_FACEBOOK__GRAPH_VERSION" in str(caught.value)
    assert caught.value.code == 2635
    assert_token_free(caught.value, *tokens_of(sandbox))


def test_reply_to_a_deleted_comment_is_content_rejected(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Heritage walk")).platform_post_id
    comment_id = sandbox.graph.add_citizen_comment(post_id, "Will delete", "A")
    adapter.delete_comment(comment_id)

    with pytest.raises(ContentRejected, match="no longer exists") as caught:
        adapter.reply(comment_id, "Too late")
    assert_token_free(caught.value, *tokens_of(sandbox))


def test_a_token_inside_facebooks_own_message_is_scrubbed(adapter, sandbox: Sandbox):
    token = sandbox.graph.page_token
    leaky = {
        "error": {
            "message": f"Bad next URL https://graph.facebook.com/v24.0/x?access_token={token}",
            "type": "OAuthException",
            "code": 100,
            "fbtrace_id": "AbCdEf",
        }
    }
    sandbox.app.inject(Fault(r"published_posts$", "status", status=400, payload=leaky))

    with pytest.raises(ContentRejected) as caught:
        adapter.recent_posts()

    assert "access_token=[hidden]" in str(caught.value)
    assert_token_free(caught.value, *tokens_of(sandbox))


def _unreadable_app(status: int, body: bytes, headers: dict[str, str]) -> SandboxApp:
    app = SandboxApp()

    def answer(request: Any, groups: dict[str, str]) -> Response:
        return Response(status, body, dict(headers))

    app.route("GET", r"/v24\.0/.*")(answer)
    app.route("POST", r"/v24\.0/.*")(answer)
    return app


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (200, b"<html>hello</html>", {}),  # no Content-Type: the SDK raises KeyError
        (200, b"{not json", {"Content-Type": "application/json"}),
        (502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}),
    ],
)
def test_unreadable_answers_are_temporary_for_reads_and_unknown_for_writes(status, body, headers):
    app = _unreadable_app(status, body, headers)
    server = SandboxServer(app).start()
    try:
        adapter = FacebookPageAdapter(server.url, "1000000000000001", "secret-token", timeout=3)
        with pytest.raises(TemporaryFailure) as reading:
            adapter.recent_posts()
        write_error = OutcomeUnknown if status == 200 else TemporaryFailure
        with pytest.raises(write_error) as writing:
            adapter.publish(PublishRequest(text="Unreadable"))
        for caught in (reading, writing):
            assert type(caught.value) is not PlatformError
            assert_token_free(caught.value, "secret-token")
    finally:
        server.stop()
        app.db.close()


def test_real_graph_url_is_the_default(sandbox: Sandbox):
    adapter = make_adapter(sandbox, graph_url="")
    assert adapter.graph_url == "https://graph.facebook.com"


def test_after_an_incremental_read_an_unchanged_post_is_not_read_again(adapter, sandbox: Sandbox):
    post_id = adapter.publish(PublishRequest(text="Road repair")).platform_post_id
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    sandbox.graph.add_citizen_comment(post_id, "one", "A", created_time=moment)
    sandbox.graph.add_citizen_comment(
        post_id, "two", "B", created_time=moment + timedelta(seconds=60)
    )
    cursor = adapter.list_interactions(None).next_cursor
    sandbox.graph.add_citizen_comment(post_id, "three", "C")
    # Read from the watermark: Graph's summary counts the comments since it, not the post's.
    page = adapter.list_interactions(cursor)
    assert [i.text for i in page.interactions] == ["three"]

    sandbox.app.request_log.clear()
    again = adapter.list_interactions(page.next_cursor)
    assert again.interactions == ()
    assert not sandbox.requests_to(f"{post_id}/comments")
