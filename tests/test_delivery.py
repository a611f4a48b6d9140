"""The delivery engine across kinds: one hold per account, read again after every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from publishing_fixtures import add_approved_update, add_post, copies_on_platform, post_row
from test_replies import x_ticket

from hub.clock import utc_now
from hub.platforms.base import Platform
from hub.publishing.photos import PhotoLimits, PhotoStore


@pytest.fixture
def photos(installed_hub):
    return PhotoStore(installed_hub.settings.photos_dir, PhotoLimits())


def due_post(hub, photos, text: str) -> int:
    update_id = add_approved_update(hub, photos, title=text, photo_count=0)
    return add_post(hub, update_id, Platform.X, text, utc_now() - timedelta(seconds=60))


def test_after_a_rate_limit_later_posts_in_the_cycle_do_not_call_the_platform(
    installed_hub, photos
):
    installed_hub.sandbox.x.rate_limit_storm(5, reset_in_seconds=600)
    first = due_post(installed_hub, photos, "Streetlights repaired in ward 12")
    second = due_post(installed_hub, photos, "Drain cleared in ward 13")
    report = installed_hub.publisher.run_cycle()
    # The first call met the limit; the second post waits for the account without calling X.
    assert (report.retry_wait, report.held) == (1, 1)
    assert post_row(installed_hub, first)["status"] == "retry_wait"
    assert post_row(installed_hub, second)["status"] == "scheduled"
    assert post_row(installed_hub, second)["attempts"] == 0


def test_a_rate_limit_met_by_a_reply_holds_the_accounts_posts(installed_hub, actors, photos):
    ticket_id, _ = x_ticket(installed_hub)
    installed_hub.replies.answer(actors["officer.roads"], ticket_id, "A crew is on its way")
    installed_hub.sandbox.x.rate_limit_storm(5, reset_in_seconds=600)
    assert installed_hub.replies.run_cycle().retry_wait == 1
    post_id = due_post(installed_hub, photos, "Road resurfaced in ward 85")
    report = installed_hub.publisher.run_cycle()
    assert report.held == 1 and report.published == 0
    assert post_row(installed_hub, post_id)["attempts"] == 0, "X was not called for the post"
    assert copies_on_platform(installed_hub, Platform.X, "Road resurfaced in ward 85") == 0
