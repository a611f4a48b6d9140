"""The publisher against the sandbox through the real SDKs: exactly once, or flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from publishing_fixtures import add_approved_update, add_post, copies_on_platform, post_row

from hub.clock import utc_now
from hub.errors import TokenExpired
from hub.platforms.base import Platform, PublishRequest
from hub.publishing.photos import PhotoLimits, PhotoStore
from hub.publishing.publisher import Publisher
from hub.sandbox.server import Fault

FACEBOOK_FEED = r"POST /v\d+\.\d+/\d+/feed$"
X_CREATE = r"POST /2/tweets$"


class Clock:
    """Real time plus an offset the test can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self):
        return utc_now() + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def photos(installed_hub):
    return PhotoStore(installed_hub.settings.photos_dir, PhotoLimits())


@pytest.fixture
def publisher(installed_hub, photos, clock):
    return Publisher(
        installed_hub.store,
        installed_hub.audit,
        installed_hub.platforms,
        photos,
        installed_hub.settings,
        worker_id="test-worker",
        clock=clock,
    )


def due_post(hub, photos, platform: Platform, text: str, *, photo_count: int = 0, ago=60):
    update_id = add_approved_update(hub, photos, title=text, photo_count=photo_count)
    return add_post(hub, update_id, platform, text, utc_now() - timedelta(seconds=ago))


def attempts(hub, post_id: int) -> list[str]:
    with hub.store.cursor() as cur:
        return [
            r[0]
            for r in cur.execute(
                "SELECT outcome FROM publish_attempts WHERE post_id = ? ORDER BY id", [post_id]
            ).fetchall()
        ]


def test_due_posts_are_published_once_on_both_platforms_with_links(
    installed_hub, photos, publisher
):
    fb = due_post(installed_hub, photos, Platform.FACEBOOK, "Ward 65 drain desilting done")
    x = due_post(installed_hub, photos, Platform.X, "Ward 65 drain desilting done on X")
    report = publisher.run_cycle()
    assert report.published == 2
    for post_id, platform, text in (
        (fb, Platform.FACEBOOK, "Ward 65 drain desilting done"),
        (x, Platform.X, "Ward 65 drain desilting done on X"),
    ):
        row = post_row(installed_hub, post_id)
        assert row["status"] == "published" and row["platform_post_id"]
        assert row["permalink"].startswith("https://")
        assert attempts(installed_hub, post_id) == ["published"]
        assert copies_on_platform(installed_hub, platform, text) == 1
    assert publisher.run_cycle().published == 0, "a second cycle publishes nothing again"


def test_a_post_not_yet_due_waits(installed_hub, photos, publisher):
    update_id = add_approved_update(installed_hub, photos)
    post_id = add_post(
        installed_hub, update_id, Platform.FACEBOOK, "Tomorrow", utc_now() + timedelta(hours=1)
    )
    publisher.run_cycle()
    assert post_row(installed_hub, post_id)["status"] == "scheduled"


def test_photos_go_with_the_post_and_x_takes_the_first_four(installed_hub, photos, publisher):
    fb = due_post(installed_hub, photos, Platform.FACEBOOK, "Park renovated", photo_count=3)
    x = due_post(installed_hub, photos, Platform.X, "Park renovated (X)", photo_count=6)
    assert publisher.run_cycle().published == 2
    page_post = next(
        p for p in installed_hub.sandbox.graph.list_posts() if p.get("message") == "Park renovated"
    )
    assert len(page_post["photo_ids"]) == 3
    tweet = next(
        t for t in installed_hub.sandbox.x.list_timeline() if t["text"] == "Park renovated (X)"
    )
    assert len(tweet["media_ids"]) == 4
    assert post_row(installed_hub, fb)["status"] == post_row(installed_hub, x)["status"]


def test_a_429_storm_waits_for_the_reset_and_then_publishes_once(
    installed_hub, photos, publisher, clock
):
    installed_hub.sandbox.x.rate_limit_storm(5, reset_in_seconds=600)
    post_id = due_post(installed_hub, photos, Platform.X, "Streetlights repaired in ward 12")
    report = publisher.run_cycle()
    assert report.retry_wait == 1
    row = post_row(installed_hub, post_id)
    assert row["status"] == "retry_wait"
    wait = (row["next_attempt_at"] - utc_now()).total_seconds()
    assert 500 < wait <= 601, "the wait comes from x-rate-limit-reset"
    state = next(s for s in publisher.account_states() if s.platform is Platform.X)
    assert state.rate_limited_until == row["next_attempt_at"]
    assert publisher.run_cycle().published == 0, "nothing is sent before the reset"
    assert copies_on_platform(installed_hub, Platform.X, "Streetlights repaired in ward 12") == 0
    installed_hub.sandbox.x.reset_rate_limits()
    clock.offset = timedelta(seconds=601)
    assert publisher.run_cycle().published == 1
    assert copies_on_platform(installed_hub, Platform.X, "Streetlights repaired in ward 12") == 1
    assert attempts(installed_hub, post_id) == ["refused", "published"]


def test_an_expired_token_holds_that_accounts_posts_until_reconnected(
    installed_hub, photos, publisher, actors, audit_rows
):
    installed_hub.sandbox.graph.expire_token()
    fb = due_post(installed_hub, photos, Platform.FACEBOOK, "Dengue drive in borough 7")
    x = due_post(installed_hub, photos, Platform.X, "Dengue drive in borough 7 (X)")
    report = publisher.run_cycle()
    assert report.held == 1 and report.published == 1, "the X account is not affected"
    assert post_row(installed_hub, fb)["status"] == "scheduled"
    assert post_row(installed_hub, x)["status"] == "published"
    state = next(s for s in publisher.account_states() if s.platform is Platform.FACEBOOK)
    assert state.needs_reconnect and "expired" in state.reason.lower()
    assert "sandbox-page-token" not in state.reason
    assert audit_rows(action="account_needs_reconnect")
    assert publisher.run_cycle().held == 1, "held posts are not retried against a dead token"
    with pytest.raises(TokenExpired):
        publisher.resume_account(actors["it.team"], Platform.FACEBOOK)
    installed_hub.sandbox.graph.restore_token()
    publisher.resume_account(actors["it.team"], Platform.FACEBOOK)
    assert publisher.run_cycle().published == 1
    assert copies_on_platform(installed_hub, Platform.FACEBOOK, "Dengue drive in borough 7") == 1


def test_answer_lost_after_acceptance_is_reconciled_not_resent(installed_hub, photos, publisher):
    fault = installed_hub.sandbox.app.inject(Fault(endpoint=FACEBOOK_FEED, kind="drop_after"))
    text = "Water supply restored in Behala"
    post_id = due_post(installed_hub, photos, Platform.FACEBOOK, text)
    assert publisher.run_cycle().unconfirmed == 1
    assert fault.fired == 1
    assert copies_on_platform(installed_hub, Platform.FACEBOOK, text) == 1
    report = publisher.run_cycle()
    assert report.reconciled_found == 1 and report.published == 0
    row = post_row(installed_hub, post_id)
    assert row["status"] == "published" and row["platform_post_id"]
    assert attempts(installed_hub, post_id) == ["unknown", "found"]
    assert copies_on_platform(installed_hub, Platform.FACEBOOK, text) == 1


def test_a_lost_request_that_never_arrived_is_retried_after_reconciling(
    installed_hub, photos, publisher
):
    installed_hub.sandbox.app.inject(Fault(endpoint=X_CREATE, kind="drop_before"))
    text = "Garbage vat cleared at Gariahat"
    post_id = due_post(installed_hub, photos, Platform.X, text)
    publisher.run_cycle()
    assert post_row(installed_hub, post_id)["status"] == "unconfirmed"
    report = publisher.run_cycle()
    assert report.reconciled_missing == 1 and report.published == 1
    assert attempts(installed_hub, post_id) == ["unknown", "not_found", "published"]
    assert copies_on_platform(installed_hub, Platform.X, text) == 1


def test_a_crash_mid_call_is_recovered_as_unknown_then_reconciled(installed_hub, photos, publisher):
    text = "Pothole repair on Rashbehari Avenue"
    post_id = due_post(installed_hub, photos, Platform.FACEBOOK, text)
    # What a killed process leaves: the claim and attempt committed, the post created on the
    # platform, the answer never recorded.
    with installed_hub.store.transaction() as cur:
        cur.execute("UPDATE posts SET status = 'publishing', attempts = 1 WHERE id = ?", [post_id])
        cur.execute(
            "INSERT INTO publish_attempts (post_id, worker, started_at, outcome)"
            " VALUES (?, 'dead-worker', ?, 'started')",
            [post_id, utc_now()],
        )
    installed_hub.platforms.adapter(Platform.FACEBOOK).publish(PublishRequest(text=text))
    report = publisher.run_cycle()
    assert report.recovered == 1 and report.reconciled_found == 1 and report.published == 0
    assert post_row(installed_hub, post_id)["status"] == "published"
    assert copies_on_platform(installed_hub, Platform.FACEBOOK, text) == 1


def test_a_duplicate_refusal_with_no_post_of_ours_goes_to_a_person(
    installed_hub, photos, publisher
):
    text = "Holiday notice: offices closed on Monday"
    installed_hub.sandbox.graph.seed_post(text, created_time=utc_now() - timedelta(minutes=30))
    post_id = due_post(installed_hub, photos, Platform.FACEBOOK, text)
    assert publisher.run_cycle().unconfirmed == 1
    publisher.run_cycle()
    row = post_row(installed_hub, post_id)
    assert row["status"] == "needs_attention"
    assert "duplicate" in row["attention_reason"]
    assert copies_on_platform(installed_hub, Platform.FACEBOOK, text) == 1


def test_temporary_failures_back_off_then_go_to_a_person(installed_hub, photos, publisher, clock):
    installed_hub.sandbox.app.inject(
        Fault(
            endpoint=X_CREATE,
            kind="status",
            status=503,
            payload={
                "title": "Service Unavailable",
                "detail": "Service Unavailable",
                "type": "about:blank",
                "status": 503,
            },
            times=None,
        )
    )
    post_id = due_post(installed_hub, photos, Platform.X, "Mosquito spraying schedule")
    delays = []
    for _ in range(installed_hub.settings.max_publish_attempts):
        publisher.run_cycle()
        row = post_row(installed_hub, post_id)
        if row["status"] != "retry_wait":
            break
        delays.append((row["next_attempt_at"] - clock()).total_seconds())
        clock.offset += timedelta(hours=2)
    assert delays == sorted(delays) and delays[0] <= 31, "backoff grows from 30 s"
    row = post_row(installed_hub, post_id)
    assert row["status"] == "needs_attention" and "attempts failed" in row["attention_reason"]
    assert copies_on_platform(installed_hub, Platform.X, "Mosquito spraying schedule") == 0


def test_content_the_platform_rejects_goes_to_a_person(installed_hub, photos, publisher):
    installed_hub.sandbox.app.inject(
        Fault(
            endpoint=X_CREATE,
            kind="status",
            status=400,
            payload={
                "title": "Invalid Request",
                "detail": "text is invalid",
                "type": "https://api.twitter.com/2/problems/invalid-request",
                "status": 400,
            },
        )
    )
    post_id = due_post(installed_hub, photos, Platform.X, "Bad content")
    assert publisher.run_cycle().needs_attention == 1
    assert post_row(installed_hub, post_id)["attention_reason"]


def test_posts_missed_while_down_are_returned_beyond_the_catch_up_window(
    installed_hub, photos, publisher
):
    late = due_post(installed_hub, photos, Platform.FACEBOOK, "Was due 3 hours ago", ago=3 * 3600)
    recent = due_post(
        installed_hub, photos, Platform.FACEBOOK, "Was due 90 minutes ago", ago=90 * 60
    )
    report = publisher.run_cycle()
    assert report.missed == 1 and report.published == 1
    assert post_row(installed_hub, late)["status"] == "missed"
    assert post_row(installed_hub, recent)["status"] == "published"
    assert copies_on_platform(installed_hub, Platform.FACEBOOK, "Was due 3 hours ago") == 0


def test_facebook_native_scheduling_hands_the_post_to_facebook_at_once(
    installed_hub, photos, publisher
):
    update_id = add_approved_update(installed_hub, photos)
    when = utc_now() + timedelta(hours=3)
    post_id = add_post(
        installed_hub, update_id, Platform.FACEBOOK, "Launch tomorrow", when, native=True
    )
    assert publisher.run_cycle().published == 1
    row = post_row(installed_hub, post_id)
    assert row["status"] == "published"
    page_post = next(
        p for p in installed_hub.sandbox.graph.list_posts() if p.get("message") == "Launch tomorrow"
    )
    assert page_post["is_published"] is False and page_post["scheduled_publish_time"]


def test_a_cancelled_post_is_never_sent(installed_hub, photos, publisher):
    post_id = due_post(installed_hub, photos, Platform.X, "Cancelled before its time")
    with installed_hub.store.transaction() as cur:
        cur.execute("UPDATE posts SET status = 'cancelled' WHERE id = ?", [post_id])
    publisher.run_cycle()
    assert copies_on_platform(installed_hub, Platform.X, "Cancelled before its time") == 0
