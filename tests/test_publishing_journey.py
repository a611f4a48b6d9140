"""The whole journey through the real services and SDKs against the sandbox: an officer
submits with photos, IT approves, the publisher publishes to both platforms, and the officer
sees the live links."""

from __future__ import annotations

from datetime import timedelta

from publishing_fixtures import jpeg_bytes

from hub.clock import utc_now
from hub.platforms.base import Platform
from hub.publishing.compose import DraftFields
from hub.publishing.models import PostStatus, UpdateKind, UpdateStatus


def test_officer_to_it_to_published_with_live_links(installed_hub, actors):
    hub = installed_hub
    officer, it = actors["officer.water"], actors["it.team"]
    draft = hub.updates.create_draft(
        officer,
        DraftFields(
            kind=UpdateKind.WORK_UPDATE,
            title="Pipeline repaired at Tollygunge",
            text_bn="টালিগঞ্জে পাইপলাইন মেরামত সম্পূর্ণ, জল সরবরাহ স্বাভাবিক।",
            text_en="The pipeline at Tollygunge is repaired; water supply is normal again.",
            platforms=(Platform.FACEBOOK, Platform.X),
            wished_at=utc_now() + timedelta(hours=2),
        ),
    )
    for index in range(2):
        hub.updates.add_photo(
            officer,
            draft.id,
            f"repair-{index}.jpg",
            jpeg_bytes((index * 90, 100, 140)),
            alt_text=f"Workers repairing the pipeline, photo {index + 1}",
        )
    submitted = hub.updates.submit(officer, draft.id)
    assert submitted.status is UpdateStatus.SUBMITTED

    now = utc_now()
    hub.review.approve(it, draft.id, {Platform.FACEBOOK: now, Platform.X: now})
    report = hub.publisher.run_cycle()
    assert report.published == 2, report.summary

    seen = hub.updates.get(officer, draft.id)
    assert seen.status is UpdateStatus.APPROVED
    assert {p.platform: p.status for p in seen.posts} == {
        Platform.FACEBOOK: PostStatus.PUBLISHED,
        Platform.X: PostStatus.PUBLISHED,
    }
    assert all(p.permalink and p.permalink.startswith("https://") for p in seen.posts)
    page_posts = [
        p for p in hub.sandbox.graph.list_posts() if "Tollygunge" in (p.get("message") or "")
    ]
    assert len(page_posts) == 1 and len(page_posts[0]["photo_ids"]) == 2
    tweets = [t for t in hub.sandbox.x.list_timeline() if "Tollygunge" in t["text"]]
    assert len(tweets) == 1 and len(tweets[0]["media_ids"]) == 2
    assert "published" in [event.event for event in seen.events]
