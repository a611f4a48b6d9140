"""Officer to IT to published, in headless Chromium against a real hub and its sandbox.

Each step saves a screenshot in test-artifacts/browser/publishing-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from live_hub import log_in, log_out, open_page, running_hub, shot
from playwright.sync_api import expect
from publishing_fixtures import jpeg_bytes

from hub.clock import utc_now

pytestmark = pytest.mark.browser
TITLE = "Drain desilting finished in ward 65"


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    with running_hub(
        tmp_path_factory.mktemp("browser-publishing"),
        template_database,
        HUB_PUBLISH_INTERVAL_SECONDS="2",
    ) as url:
        yield url


def test_officer_submits_it_approves_and_the_officer_sees_live_links(hub_url, browser, tmp_path):
    photo = tmp_path / "desilting.jpg"
    photo.write_bytes(jpeg_bytes((90, 110, 60), size=(640, 480)))
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.set_default_timeout(30_000)
    try:
        # The officer writes the update, saves it, adds a photo with its description.
        log_in(page, hub_url, "officer.water")
        open_page(page, "New update")
        expect(page.get_by_role("heading", name="Preview")).to_be_visible()
        page.get_by_label("Title").fill(TITLE)
        page.get_by_label("Text in Bengali (বাংলা)").fill(
            "৬৫ নম্বর ওয়ার্ডে নিকাশি নালার পলি তোলার কাজ শেষ হয়েছে।"
        )
        page.get_by_label("Text in English").fill(
            "Desilting of the drains in ward 65 is finished before the monsoon."
        )
        # Streamlit's date and time fields are segmented: type into the first segment and
        # the focus moves on through the others.
        # Tomorrow in Kolkata, where the page reads the date (not the machine's own zone).
        tomorrow = (utc_now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Kolkata"))
        page.get_by_role("spinbutton", name="year, Wished publication date").click()
        page.keyboard.type(tomorrow.strftime("%Y%m%d"))
        page.keyboard.press("Tab")
        page.get_by_role("spinbutton", name="hour, Wished publication time").click()
        page.keyboard.type("1000")
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_text("saved.").first).to_be_visible()
        page.locator('input[type="file"]').set_input_files(str(photo))
        page.get_by_role("button", name="Add these photos").click()
        expect(page.get_by_text("1 photo(s) added.").first).to_be_visible()
        page.get_by_label("Description (alt text)").fill(
            "Workers lifting silt from a drain in ward 65"
        )
        page.get_by_role("button", name="Save photo descriptions").click()
        expect(page.get_by_text("Photo descriptions saved.").first).to_be_visible()
        shot(page, "publishing-1-officer-draft")
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_text("sent to the IT team for review").first).to_be_visible()
        shot(page, "publishing-2-officer-submitted")
        log_out(page)

        # IT approves it to go out at once.
        log_in(page, hub_url, "it.team")
        open_page(page, "Review queue")
        expect(page.get_by_text(TITLE).first).to_be_visible()
        page.get_by_text("Publish as soon as it is approved").click()
        shot(page, "publishing-3-it-review")
        page.get_by_role("button", name="Approve and schedule").click()
        expect(page.get_by_text("Nothing is waiting for review.").first).to_be_visible()
        shot(page, "publishing-4-it-approved")
        log_out(page)

        # The publisher job (every 2 s here) publishes; the officer sees the live links.
        log_in(page, hub_url, "officer.water")
        for _ in range(15):
            open_page(page, "My updates")
            expect(page.get_by_role("heading", name="My updates")).to_be_visible()
            if page.get_by_role("link", name="Open on X").count():
                break
            page.wait_for_timeout(1000)
        expect(page.get_by_role("link", name="Open on Facebook")).to_be_visible()
        expect(page.get_by_role("link", name="Open on X")).to_be_visible()
        shot(page, "publishing-5-officer-live-links")
        log_out(page)

        # What citizens see: the post on the sandbox Page, with its photo.
        log_in(page, hub_url, "admin")
        open_page(page, "Sandbox")
        expect(page.get_by_text("Desilting of the drains in ward 65").first).to_be_visible()
        shot(page, "publishing-6-sandbox-page")
    finally:
        page.close()
