"""Contract tests: every XAccountAdapter operation through real tweepy over real HTTP.

The other end is the X sandbox on 127.0.0.1 (state in this test's DuckDB file); faults are
injected with the sandbox's own `Fault`s and `XSandbox` switches, never by patching our code.
"""

from __future__ import annotations

import io
import logging
import socket
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr

from hub.config import XSettings
from hub.errors import (
    ContentRejected,
    DuplicateContent,
    NotSupported,
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
from hub.platforms.x import XAccountAdapter
from hub.sandbox.server import Fault, SandboxApp, SandboxServer
from hub.sandbox.x_api import XSandbox, install_x_api

# Distinctive values, so a leak into a message or a log line cannot go unnoticed.
CREDENTIALS = {
    "consumer_key": "ck-test-7d1f2a9e",
    "consumer_secret": "cs-test-b83c55e0",
    "access_token": "1500000000000000001-at-test-4e6a0c1b",
    "access_token_secret": "ats-test-92f07d3c",
    "bearer_token": "bearer-test-0a5e8b71",
}
SECRETS = list(CREDENTIALS.values())
ACCOUNT_ID = "1500000000000000001"
CHUNK_THRESHOLD = 4000  # bytes; photos above it take the chunked upload path
CHUNK_SIZE = 3000


class Running:
    """A sandbox server with the X API installed, for one test."""

    def __init__(self, state_path: Path, **options: Any) -> None:
        self.app = SandboxApp(state_path)
        self.x: XSandbox = install_x_api(self.app, **CREDENTIALS, **options)
        self.server = SandboxServer(self.app).start()

    def adapter(self, **overrides: Any) -> XAccountAdapter:
        settings: dict[str, Any] = {
            **CREDENTIALS,
            "api_url": self.server.url,
            "user_id": ACCOUNT_ID,
            "timeout": 5.0,
            "chunked_upload_threshold": CHUNK_THRESHOLD,
            "chunk_size": CHUNK_SIZE,
        }
        settings.update(overrides)
        return XAccountAdapter(**settings)

    def requests_to(self, path_fragment: str) -> list[tuple[str, str]]:
        return [r for r in self.app.request_log if path_fragment in r[1]]

    def close(self) -> None:
        self.server.stop()
        self.app.db.close()


@pytest.fixture
def sandbox(tmp_path: Path):
    running = Running(tmp_path / "sandbox.duckdb")
    yield running
    running.close()


@pytest.fixture
def adapter(sandbox: Running) -> XAccountAdapter:
    return sandbox.adapter()


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def png(size: tuple[int, int] = (24, 24)) -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 128, 64)).save(buffer, "PNG")
    return Photo(buffer.getvalue(), "notice.png", "image/png", alt_text="Ward notice")


def noisy_jpeg(size: tuple[int, int] = (120, 120)) -> Photo:
    """A JPEG of random pixels: it does not compress, so it is big enough to go chunked."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, "JPEG", quality=95)
    return Photo(buffer.getvalue(), "road.jpg", "image/jpeg")


def unique(text: str) -> str:
    return f"{text} ({time.monotonic_ns()})"


# -- the protocol ---------------------------------------------------------------------------


def test_adapter_speaks_the_platform_protocol(adapter):
    assert isinstance(adapter, PlatformAdapter)
    assert adapter.platform is Platform.X


def test_from_settings_reads_the_secret_values(sandbox):
    settings = XSettings(
        api_url=sandbox.server.url,
        user_id=ACCOUNT_ID,
        **{name: SecretStr(value) for name, value in CREDENTIALS.items()},
        timeout_seconds=3.0,
    )
    adapter = XAccountAdapter.from_settings(settings)
    assert adapter.check().account_id == ACCOUNT_ID
    assert_no_secret(repr(adapter))


def test_check_reports_the_account_and_full_access(adapter):
    capabilities = adapter.check()
    assert capabilities.account_name == "Kolkata Municipal Corporation"
    assert capabilities.account_id == ACCOUNT_ID
    assert capabilities.can_publish and capabilities.can_reply
    assert capabilities.can_read_mentions and capabilities.can_read_comments
    assert not capabilities.can_hide


def test_check_finds_the_user_id_when_not_configured(sandbox):
    adapter = sandbox.adapter(user_id="")
    assert adapter.check().account_id == ACCOUNT_ID
    assert adapter.user_id == ACCOUNT_ID


# -- publishing -----------------------------------------------------------------------------


def test_text_post_is_published_and_listed(sandbox, adapter):
    text = "Ward 58: water supply restored. জল সরবরাহ চালু হয়েছে।"
    published = adapter.publish(PublishRequest(text=text, idempotency_key="post-1"))
    assert published.platform is Platform.X
    assert published.text == text
    assert published.permalink.endswith(published.platform_post_id)
    assert published.created_at is not None
    assert published.created_at.tzinfo is not None
    assert abs(published.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert [p["id"] for p in sandbox.x.list_timeline()] == [published.platform_post_id]


def test_link_is_appended_to_the_text(sandbox, adapter):
    adapter.publish(PublishRequest(text="Budget notice", link="https://kmcgov.in/budget"))
    assert sandbox.x.list_timeline()[0]["text"] == "Budget notice\n\nhttps://kmcgov.in/budget"


def test_post_with_one_photo_uses_the_simple_upload(sandbox, adapter):
    published = adapter.publish(PublishRequest(text=unique("Park reopened"), photos=(png(),)))
    assert sandbox.requests_to("/2/media/upload") == [("POST", "/2/media/upload")]
    assert sandbox.requests_to("/2/media/metadata") == [("POST", "/2/media/metadata")]
    timeline = sandbox.x.list_timeline()
    assert timeline[0]["id"] == published.platform_post_id
    assert len(timeline[0]["media_ids"]) == 1


def test_post_with_four_photos_takes_the_chunked_path_for_the_large_one(sandbox, adapter):
    large = noisy_jpeg()
    assert len(large.content) > CHUNK_THRESHOLD
    photos = (png(), png((30, 30)), png((40, 20)), large)
    published = adapter.publish(PublishRequest(text=unique("Four photos"), photos=photos))
    paths = [path for _, path in sandbox.app.request_log]
    assert paths.count("/2/media/upload") == 3
    assert paths.count("/2/media/upload/initialize") == 1
    appends = [p for p in paths if p.endswith("/append")]
    assert len(appends) == -(-len(large.content) // CHUNK_SIZE)
    assert sum(p.endswith("/finalize") for p in paths) == 1
    assert len(sandbox.x.list_timeline()[0]["media_ids"]) == 4
    assert sandbox.x.list_timeline()[0]["id"] == published.platform_post_id


def test_five_photos_are_refused_before_any_request(sandbox, adapter):
    with pytest.raises(ContentRejected, match="at most 4 photos"):
        adapter.publish(PublishRequest(text="Too many", photos=(png(),) * 5))
    assert sandbox.app.request_log == []


def test_over_long_text_is_refused_before_any_request(sandbox, adapter):
    with pytest.raises(ContentRejected, match="281 characters"):
        adapter.publish(PublishRequest(text="a" * 281))
    with pytest.raises(ContentRejected):
        adapter.publish(PublishRequest(text="漢" * 141))
    assert sandbox.app.request_log == []
    adapter.publish(PublishRequest(text="ক" * 280))  # Bengali weighs 1: exactly at the limit


def test_photo_over_5_mb_or_of_another_type_is_refused_before_any_request(sandbox, adapter):
    huge = Photo(b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024), "huge.jpg", "image/jpeg")
    with pytest.raises(ContentRejected, match="5 MB"):
        adapter.publish(PublishRequest(text="huge", photos=(huge,)))
    pdf = Photo(b"%PDF-1.7", "notice.pdf", "application/pdf")
    with pytest.raises(ContentRejected, match="JPEG, PNG"):
        adapter.publish(PublishRequest(text="pdf", photos=(pdf,)))
    assert sandbox.app.request_log == []


def test_native_scheduling_is_not_supported(sandbox, adapter):
    later = datetime.now(UTC) + timedelta(hours=2)
    with pytest.raises(NotSupported, match="scheduling"):
        adapter.publish(PublishRequest(text="later", scheduled_at=later))
    assert sandbox.app.request_log == []


def test_reply_lands_in_the_citizens_thread(sandbox, adapter):
    post = adapter.publish(PublishRequest(text=unique("Dengue drive")))
    mention = sandbox.x.add_mention(
        "which wards?", "citizen_a", in_reply_to_tweet_id=post.platform_post_id
    )
    reply = adapter.reply(mention, "Wards 12-15, ref KMC-2026-0042")
    stored = next(p for p in sandbox.x.list_timeline() if p["id"] == reply.platform_post_id)
    assert stored["in_reply_to_tweet_id"] == mention
    assert stored["conversation_id"] == post.platform_post_id


def test_reply_where_the_account_was_not_mentioned_is_content_rejected(sandbox, adapter):
    stranger = sandbox.x.add_post("a post that never mentions the city", "someone")
    with pytest.raises(ContentRejected, match="only reply where it was mentioned") as caught:
        adapter.reply(stranger, "Hello")
    assert_no_secret(str(caught.value))


def test_recent_posts_newest_first_with_reply_counts(sandbox, adapter):
    first = adapter.publish(PublishRequest(text="First notice"))
    second = adapter.publish(PublishRequest(text="Second notice"))
    sandbox.x.add_mention("thanks", "citizen_b", in_reply_to_tweet_id=first.platform_post_id)
    posts = adapter.recent_posts(limit=10)
    assert [p.platform_post_id for p in posts] == [second.platform_post_id, first.platform_post_id]
    assert [p.comment_count for p in posts] == [0, 1]
    assert all(p.created_at.tzinfo is not None for p in posts)


def test_recent_posts_follows_pages_up_to_the_limit(sandbox, adapter):
    for n in range(12):
        adapter.publish(PublishRequest(text=f"Notice number {n}"))
    posts = adapter.recent_posts(limit=7)
    assert [p.text for p in posts] == [f"Notice number {n}" for n in range(11, 4, -1)]


def test_delete_post_removes_it_from_recent_posts(adapter):
    published = adapter.publish(PublishRequest(text="Posted by mistake"))
    assert adapter.delete_post(published.platform_post_id) is True
    assert adapter.recent_posts() == []
    assert adapter.delete_post(published.platform_post_id) is False


def test_posts_are_found_again_after_a_restart_on_the_same_file(tmp_path):
    state = tmp_path / "sandbox.duckdb"
    first = Running(state)
    published = first.adapter().publish(PublishRequest(text="Survives restarts"))
    first.close()
    second = Running(state)
    try:
        posts = second.adapter().recent_posts()
        assert [p.platform_post_id for p in posts] == [published.platform_post_id]
    finally:
        second.close()


# -- mentions -------------------------------------------------------------------------------


def test_mentions_and_replies_become_interactions(sandbox, adapter):
    post = adapter.publish(PublishRequest(text=unique("Road repair")))
    decomposed = unicodedata.normalize("NFD", "@KMC_Kolkata café রাস্তা")
    mention_id = sandbox.x.add_mention(decomposed, "citizen_c", "Chandana Roy")
    reply_id = sandbox.x.add_mention(
        "when will it finish?", "citizen_d", "Dipak", in_reply_to_tweet_id=post.platform_post_id
    )
    page = adapter.list_mentions(None)
    by_id = {i.platform_id: i for i in page.interactions}
    mention, reply = by_id[mention_id], by_id[reply_id]
    assert mention.kind is InteractionKind.MENTION
    assert mention.thread_id == mention_id and mention.parent_id is None
    assert mention.author_name == "Chandana Roy"
    assert mention.text == unicodedata.normalize("NFC", decomposed)  # X stores posts in NFC
    assert mention.created_at.utcoffset() == timedelta(0)
    assert reply.kind is InteractionKind.REPLY
    assert reply.parent_id == post.platform_post_id
    assert reply.thread_id == post.platform_post_id
    assert page.next_cursor == reply_id


def test_mentions_page_through_and_the_cursor_returns_nothing_new(sandbox, adapter):
    ids = sandbox.x.add_mentions([f"complaint {n}" for n in range(230)], "citizen_e")
    page = adapter.list_mentions(None)
    assert [i.platform_id for i in page.interactions] == ids  # oldest first
    assert page.requests_made == 3
    assert page.next_cursor == ids[-1]
    again = adapter.list_mentions(page.next_cursor)
    assert again.interactions == ()
    assert again.next_cursor == page.next_cursor
    newer = sandbox.x.add_mention("one more", "citizen_f")
    assert [i.platform_id for i in adapter.list_mentions(page.next_cursor).interactions] == [newer]


def test_only_the_latest_800_mentions_are_pulled(sandbox, adapter):
    ids = sandbox.x.add_mentions([f"report {n}" for n in range(820)], "busy_citizen")
    page = adapter.list_mentions(None)
    assert len(page.interactions) == 800
    assert page.interactions[0].platform_id == ids[20]
    assert page.requests_made == 8


def test_publish_only_account_says_so_and_refuses_to_list_mentions(tmp_path):
    running = Running(tmp_path / "sandbox.duckdb", mentions_enabled=False)
    try:
        adapter = running.adapter()
        capabilities = adapter.check()
        assert capabilities.can_publish
        assert not capabilities.can_read_mentions
        assert any("no access to mentions" in note for note in capabilities.notes)
        with pytest.raises(NotSupported, match="no access to mentions") as caught:
            adapter.list_mentions(None)
        assert_no_secret(str(caught.value))
        adapter.publish(PublishRequest(text="Publishing still works"))
    finally:
        running.close()


def test_hide_is_not_supported_and_says_why(sandbox, adapter):
    with pytest.raises(NotSupported, match="hiding"):
        adapter.hide("123")
    assert sandbox.app.request_log == []


# -- errors ---------------------------------------------------------------------------------


def test_expired_credentials_raise_token_expired(sandbox, adapter):
    sandbox.x.expire_credentials()
    with pytest.raises(TokenExpired, match="HUB_X__ACCESS_TOKEN") as caught:
        adapter.publish(PublishRequest(text="anything"))
    assert caught.value.code == 401
    assert_no_secret(str(caught.value))
    with pytest.raises(TokenExpired):
        adapter.list_mentions(None)
    with pytest.raises(TokenExpired):
        adapter.check()


def test_wrong_consumer_secret_fails_the_signature_check(sandbox):
    adapter = sandbox.adapter(consumer_secret="cs-not-the-right-one")
    with pytest.raises(TokenExpired) as caught:
        adapter.publish(PublishRequest(text="signed wrong"))
    assert "cs-not-the-right-one" not in str(caught.value)


def test_duplicate_text_raises_duplicate_content(adapter):
    adapter.publish(PublishRequest(text="Holiday on Friday"))
    with pytest.raises(DuplicateContent) as caught:
        adapter.publish(PublishRequest(text="Holiday on Friday"))
    assert_no_secret(str(caught.value))


def test_rate_limit_storm_gives_retry_after_from_the_reset_header(sandbox, adapter):
    sandbox.x.rate_limit_storm(count=1, reset_in_seconds=120)
    with pytest.raises(RateLimited) as caught:
        adapter.publish(PublishRequest(text="in the storm"))
    assert 110 <= caught.value.retry_after_seconds <= 121
    assert caught.value.code == 429
    assert_no_secret(str(caught.value))
    adapter.publish(PublishRequest(text="after the storm"))


def test_429_without_a_reset_header_still_gives_a_wait(sandbox, adapter):
    sandbox.app.inject(
        Fault(r"GET /2/users/\d+/mentions", "status", status=429, payload={"title": "Too Many"})
    )
    with pytest.raises(RateLimited) as caught:
        adapter.list_mentions(None)
    assert caught.value.retry_after_seconds == 900


def test_monthly_usage_cap_is_rate_limited_with_a_clear_message(sandbox, adapter):
    sandbox.x.set_usage_capped(True)
    with pytest.raises(RateLimited, match="monthly usage cap") as caught:
        adapter.publish(PublishRequest(text="capped"))
    assert caught.value.code == "usage-capped"
    assert_no_secret(str(caught.value))


def test_out_of_credits_is_not_supported_with_a_clear_message(sandbox, adapter):
    sandbox.x.set_out_of_credits(True)
    with pytest.raises(NotSupported, match="out of credits") as caught:
        adapter.recent_posts()
    assert caught.value.code == 402


def test_app_without_write_permission_is_permission_missing(sandbox, adapter):
    sandbox.app.inject(
        Fault(
            "POST /2/tweets$",
            "status",
            status=403,
            payload={
                "title": "Forbidden",
                "type": "https://api.twitter.com/2/problems/oauth1-permissions",
                "detail": "Your client app is not configured with the appropriate oauth1 app "
                "permissions for this endpoint.",
                "status": 403,
            },
        )
    )
    with pytest.raises(PermissionMissing, match="Read and Write"):
        adapter.publish(PublishRequest(text="no write access"))


def test_bad_request_is_content_rejected(sandbox, adapter):
    sandbox.app.inject(
        Fault(
            "POST /2/tweets$",
            "status",
            status=400,
            payload={
                "errors": [{"message": "Your media IDs are invalid."}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
    )
    with pytest.raises(ContentRejected, match="invalid"):
        adapter.publish(PublishRequest(text="bad"))


@pytest.mark.parametrize("endpoint", [r"POST /2/tweets$", r"GET /2/users/\d+/mentions"])
def test_server_errors_are_temporary_failures(sandbox, adapter, endpoint):
    payload = {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503}
    sandbox.app.inject(Fault(endpoint, "status", status=503, payload=payload))
    with pytest.raises(TemporaryFailure) as caught:
        if endpoint.startswith("POST"):
            adapter.publish(PublishRequest(text="during an outage"))
        else:
            adapter.list_mentions(None)
    assert caught.value.code == 503


def test_slow_answer_to_a_post_is_outcome_unknown(sandbox):
    adapter = sandbox.adapter(timeout=0.4)
    sandbox.app.inject(Fault("POST /2/tweets$", "slow", delay=1.2))
    with pytest.raises(OutcomeUnknown, match="may or may not") as caught:
        adapter.publish(PublishRequest(text="Slow but accepted"))
    assert_no_secret(str(caught.value))
    assert _eventually(lambda: [p.text for p in adapter.recent_posts()] == ["Slow but accepted"])


def test_slow_answer_to_a_read_is_a_temporary_failure(sandbox):
    adapter = sandbox.adapter(timeout=0.3)
    sandbox.app.inject(Fault(r"GET /2/users/\d+/tweets", "slow", delay=0.8))
    with pytest.raises(TemporaryFailure):
        adapter.recent_posts()


def test_answer_lost_after_the_post_was_accepted_is_outcome_unknown_and_findable(sandbox, adapter):
    sandbox.app.inject(Fault("POST /2/tweets$", "drop_after"))
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.publish(PublishRequest(text="Accepted, answer lost"))
    assert "recent posts" in str(caught.value)
    assert [p.text for p in adapter.recent_posts()] == ["Accepted, answer lost"]


def test_dropped_read_is_a_temporary_failure(sandbox, adapter):
    sandbox.app.inject(Fault(r"GET /2/users/\d+/mentions", "drop_before"))
    with pytest.raises(TemporaryFailure):
        adapter.list_mentions(None)


def test_unreachable_server_is_a_temporary_failure_even_for_a_post():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    adapter = XAccountAdapter(
        api_url=f"http://127.0.0.1:{closed_port}", user_id=ACCOUNT_ID, timeout=2.0, **CREDENTIALS
    )
    with pytest.raises(TemporaryFailure, match="nothing was sent") as caught:
        adapter.publish(PublishRequest(text="nobody home"))
    assert_no_secret(str(caught.value))


def test_every_failure_is_a_platform_error_without_secrets_in_logs(sandbox, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    adapter.check()
    adapter.publish(PublishRequest(text="logged", photos=(png(),)))
    adapter.list_mentions(None)
    sandbox.x.expire_credentials()
    with pytest.raises(PlatformError):
        adapter.recent_posts()
    assert "Bearer" in caplog.text  # tweepy did log its headers, blanked
    assert_no_secret(caplog.text)


def _eventually(condition, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
