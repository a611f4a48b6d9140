"""X's bill: reads and posts counted as X charges them, priced, and the budget slows the poll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from publishing_fixtures import add_approved_update, add_post

from hub.clock import utc_now
from hub.platforms.base import Platform
from hub.platforms.x_usage import SLOWED_EVERY, XUsageMeter
from hub.publishing.photos import PhotoLimits, PhotoStore


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_mention_read_twice_in_a_utc_day_is_counted_once(hub):
    clock = Clock(datetime(2026, 12, 10, 12, 0, tzinfo=UTC))
    meter = XUsageMeter(hub.store, hub.settings, clock=clock)
    meter.record_reads(["1", "2"])
    meter.record_reads(["2", "3"])
    assert meter.spend().owned_reads == 3
    clock.now += timedelta(days=1)
    meter.record_reads(["3"])
    assert meter.spend().owned_reads == 4, "a new UTC day is charged again"


def test_spend_is_priced_and_projected_to_the_months_end(hub):
    clock = Clock(datetime(2026, 12, 11, 0, 0, tzinfo=UTC))  # 10 of 31 days gone
    hub.settings.x.price_owned_read = 0.01
    meter = XUsageMeter(hub.store, hub.settings, clock=clock)
    meter.record_reads(str(n) for n in range(100))
    spend = meter.spend()
    assert spend.spent == pytest.approx(1.0)
    assert spend.projected == pytest.approx(3.1)
    assert not spend.ahead_of_budget, "no budget set"
    hub.settings.x.monthly_budget = 2.0
    assert meter.spend().ahead_of_budget


def test_posts_created_through_the_delivery_engine_are_counted(installed_hub):
    photos = PhotoStore(installed_hub.settings.photos_dir, PhotoLimits())
    for text in ("Streetlights repaired in ward 12", "Details: https://www.kmcgov.in/notice"):
        update_id = add_approved_update(installed_hub, photos, title=text, photo_count=0)
        add_post(installed_hub, update_id, Platform.X, text, utc_now() - timedelta(minutes=1))
    assert installed_hub.publisher.run_cycle().published == 2
    spend = installed_hub.x_usage.spend()
    assert (spend.posts_created, spend.posts_with_link) == (1, 1)


def test_over_budget_the_mentions_poll_slows_and_says_so_but_never_stops(installed_hub):
    hub = installed_hub
    hub.settings.x.monthly_budget = 0.0001
    hub.sandbox.x.add_mention("Pothole near ward 85", "rina_das")
    first = hub.pull.pull_all().of(Platform.X)
    assert first.status == "ok" and first.new == 1, "the first read is the one that spends"
    statuses = [hub.pull.pull_all().of(Platform.X) for _ in range(SLOWED_EVERY)]
    slowed = [p for p in statuses if p.status == "slowed"]
    assert len(slowed) == SLOWED_EVERY - 1
    assert "ahead of the" in slowed[0].error and "budget" in slowed[0].error
    assert statuses[-1].status == "ok", f"X is still read every {SLOWED_EVERY} cycles"
