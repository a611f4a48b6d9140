"""A citizen subscribes to ward 65 by WhatsApp (typed on the Sandbox page); the water officer
writes a disruption notice in Bengali and English and sees what subscribers will read; IT
approves it (also to be posted: it reaches the calendar as a Facebook and an X post); the
notice goes out and its funnel shows it sent; the citizen's phone has it —
in headless Chromium against a real `hub serve`. The officer names the wards as a borough
(one the test sets up). Bad input (an unknown ward, an unknown borough) gets a clear message
and nothing is submitted. IT adds a councillor by name: refused (an unknown borough), the form
keeps what was typed; accepted, it is empty again.

Screenshots: test-artifacts/browser/notices-*.png.
"""

from __future__ import annotations

import pytest
from live_hub import log_in, log_out, open_page, running_hub, shot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    with running_hub(
        tmp_path_factory.mktemp("browser-notices"),
        template_database,
        HUB_TRIAGE_INTERVAL_SECONDS="2",
        # A made-up borough (the hub ships none for Kolkata): the officer names it.
        HUB_BOROUGHS='{"7": "64-66"}',
    ) as url:
        yield url


def test_subscribe_write_review_and_send_a_notice(hub_url, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 1200})
    page.set_default_timeout(30_000)
    try:
        log_in(page, hub_url, "admin")
        open_page(page, "Sandbox")
        page.get_by_role("tab", name="WhatsApp").click()
        form = page.get_by_test_id("stForm").filter(has_text="Send as citizen")
        form.get_by_label("Citizen's name").fill("রিনা দাস")
        form.get_by_label("Message").fill("যোগ ৬৫")
        form.get_by_role("button", name="Send as citizen").click()
        page.get_by_role("tab", name="WhatsApp").click()
        for _ in range(30):
            if page.get_by_text("পৌরসংস্থার বিজ্ঞপ্তি আপনি পাবেন").count():
                break
            page.wait_for_timeout(1000)
            page.reload()
            page.get_by_role("tab", name="WhatsApp").click()
        expect(page.get_by_text("পৌরসংস্থার বিজ্ঞপ্তি আপনি পাবেন").first).to_be_visible()
        shot(page, "notices-1-subscribed")
        log_out(page)

        log_in(page, hub_url, "officer.water")
        open_page(page, "Notices")
        page.get_by_role("tab", name="Write a notice").click()
        page.get_by_label("Kind").click()
        page.get_by_role("option", name="Service disruption (at once)").click()
        page.get_by_label("Wards", exact=True).and_(page.get_by_role("textbox")).fill("65, 145")
        page.get_by_label("Wards", exact=True).and_(page.get_by_role("textbox")).press("Enter")
        expect(page.get_by_text("There is no ward 145")).to_be_visible()
        page.get_by_label("Wards", exact=True).and_(page.get_by_role("textbox")).fill("borough 8")
        page.get_by_label("Wards", exact=True).and_(page.get_by_role("textbox")).press("Enter")
        expect(page.get_by_text("There is no borough 8: the boroughs are 7.")).to_be_visible()
        page.get_by_label("Wards", exact=True).and_(page.get_by_role("textbox")).fill("borough 7")
        page.get_by_label("Wards", exact=True).and_(page.get_by_role("textbox")).press("Enter")
        expect(page.get_by_text("Wards: 64-66")).to_be_visible()
        page.get_by_label("Notice in Bengali").fill("পাইপ ফেটেছে: আজ জল সরবরাহ বন্ধ থাকবে।")
        page.get_by_label("Notice in English").fill("Pipe burst: no water supply today.")
        page.get_by_label("Notice in English").press("Control+Enter")
        page.get_by_text("Also post it on the city's Facebook Page and X").click()
        expect(page.get_by_text("What subscribers will read")).to_be_visible()
        expect(page.get_by_text("কলকাতা পৌরসংস্থার বিজ্ঞপ্তি, ওয়ার্ড ৬৪-৬৬")).to_be_visible()
        shot(page, "notices-2-preview")
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_text("is with IT for review")).to_be_visible()
        log_out(page)

        log_in(page, hub_url, "it.team")
        open_page(page, "Notices")
        expect(page.get_by_text("Pipe burst: no water supply today.").first).to_be_visible()
        expect(page.get_by_text("Also to be posted on Facebook and X")).to_be_visible()
        shot(page, "notices-3-review")
        page.get_by_role("button", name="Approve").first.click()
        expect(page.get_by_text("Notice #1 approved.")).to_be_visible()
        page.get_by_role("tab", name="Notices").click()
        for _ in range(30):
            if page.get_by_text("1 sent").count():
                break
            page.wait_for_timeout(1000)
            page.reload()
            page.get_by_role("tab", name="Notices").click()
        expect(page.get_by_text("1 sent").first).to_be_visible()
        shot(page, "notices-4-funnel")
        # Also posted: the department's update with its two posts is on IT's calendar.
        open_page(page, "Calendar")
        expect(page.get_by_text("Service disruption").first).to_be_visible()
        shot(page, "notices-6-also-posted")
        open_page(page, "Subscribers")
        expect(page.get_by_text("Wards with subscribers")).to_be_visible()
        shot(page, "notices-5-subscribers")
    finally:
        page.close()


def test_a_refused_named_recipient_keeps_what_was_typed(hub_url, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 1200})
    page.set_default_timeout(30_000)
    try:
        log_in(page, hub_url, "it.team")
        open_page(page, "Subscribers")
        form = page.get_by_test_id("stForm")
        typed = {
            "WhatsApp number": "98300 12345",
            "Name or office": "কাউন্সিলর, বরো ৭",
            "Wards": "borough 8",
            "Consent recorded in": "paper form 2026/114",
        }
        for label, value in typed.items():
            form.get_by_label(label).fill(value)
        form.get_by_role("button", name="Add").click()
        expect(page.get_by_text("There is no borough 8")).to_be_visible()
        for label, value in typed.items():
            expect(form.get_by_label(label)).to_have_value(value)
        shot(page, "notices-7-recipient-refused")

        form.get_by_label("Wards").fill("borough 7, 88")
        form.get_by_role("button", name="Add").click()
        expect(page.get_by_text("Added.")).to_be_visible()
        # The browser shows the form empty again, ready for the next one.
        for label in typed:
            expect(form.get_by_label(label)).to_have_value("")
        # The list (a canvas table: its cells are in the page, not visible as text).
        expect(page.get_by_text("…2345")).to_be_attached()
        shot(page, "notices-8-recipient-added")
    finally:
        page.close()
