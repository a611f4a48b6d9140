"""A citizen's WhatsApp complaint with a photo of a signed paper complaint and a voice note,
typed on the Sandbox page, reaches the water officer's board as one ticket whose page shows
the photo and plays the voice note; the citizen's phone has the reference number — in
headless Chromium against a real `hub serve`.

Screenshots: test-artifacts/browser/whatsapp-*.png.
"""

from __future__ import annotations

import re

import pytest
from live_hub import log_in, log_out, open_page, running_hub, shot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
COMPLAINT = "৬৫ নম্বর ওয়ার্ডে তিন দিন ধরে কলের জল নেই, দয়া করে ব্যবস্থা নিন"
REFERENCE = re.compile(r"KMC-\d{4}-\d{6}")


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    with running_hub(
        tmp_path_factory.mktemp("browser-whatsapp"),
        template_database,
        HUB_TRIAGE_INTERVAL_SECONDS="2",
    ) as url:
        yield url


def send_as_citizen(page, attachment: str | None, pin: str | None, text: str = "") -> None:
    form = page.get_by_test_id("stForm").filter(has_text="Send as citizen")
    form.get_by_label("Citizen's name").fill("রিনা দাস")
    form.get_by_label("Message").fill(text)
    if attachment:
        form.get_by_label("Attach").click()
        page.get_by_role("option", name=attachment).click()
    if pin:
        form.get_by_label("Pin a place in ward").click()
        page.keyboard.type(pin)
        page.keyboard.press("Enter")
    form.get_by_role("button", name="Send as citizen").click()


def test_whatsapp_complaint_with_photo_and_voice_note_to_the_officers_ticket(hub_url, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    page.set_default_timeout(30_000)
    try:
        log_in(page, hub_url, "admin")
        open_page(page, "Sandbox")
        page.get_by_role("tab", name="WhatsApp").click()
        send_as_citizen(page, None, None, COMPLAINT)
        expect(page.get_by_text("Send as citizen")).to_be_visible()
        page.get_by_role("tab", name="WhatsApp").click()
        send_as_citizen(page, "a photo of a signed complaint on paper", None)
        page.get_by_role("tab", name="WhatsApp").click()
        send_as_citizen(page, "a voice note in Bengali", "ward 65")
        # The reference number comes back to the citizen's phone within seconds.
        for _ in range(30):
            page.get_by_role("tab", name="WhatsApp").click()
            if page.get_by_text(REFERENCE).count():
                break
            page.wait_for_timeout(1000)
            open_page(page, "Sandbox")
        expect(page.get_by_text(REFERENCE).first).to_be_visible()
        shot(page, "whatsapp-1-citizen-phone")
        log_out(page)

        log_in(page, hub_url, "officer.water")
        open_page(page, "Triage board")
        expect(page.get_by_role("heading", name="Triage board")).to_be_visible()
        page.get_by_label("Platform").click()
        page.get_by_role("option", name="whatsapp").click()
        opens = page.locator("[data-testid^='stBaseButton']").filter(has_text=re.compile("^Open$"))
        expect(opens.first).to_be_visible()
        assert opens.count() == 1, "one burst, one ticket"
        shot(page, "whatsapp-2-officer-board")
        opens.first.click()
        expect(page.get_by_role("heading", name="Ticket")).to_be_visible()
        expect(page.get_by_text(COMPLAINT).first).to_be_visible()
        expect(page.get_by_text("Attachments")).to_be_visible()
        # The photo (cleaned of metadata) and the voice note's player. The media job fetches
        # attachments on its own beat, so on a busy machine the voice note may still say "being
        # downloaded": the officer runs the page again (Find with the box empty reruns it).
        for _ in range(60):
            if page.locator("audio").count() and page.get_by_test_id("stImage").count():
                break
            page.wait_for_timeout(1000)
            page.get_by_role("button", name="Find").click()
        expect(page.get_by_test_id("stImage").first).to_be_visible()
        expect(page.locator("audio").first).to_be_attached()
        expect(page.get_by_text(re.compile(r"OGG/Opus audio, \d+\.\d s"))).to_be_visible()
        # The number is masked for the officer: last four digits only.
        expect(page.get_by_text(re.compile(r"WhatsApp number: •+2345"))).to_be_visible()
        expect(page.get_by_text("WhatsApp: the answer goes as written until")).to_be_visible()
        shot(page, "whatsapp-3-ticket-top")
        page.get_by_test_id("stImage").first.scroll_into_view_if_needed()
        shot(page, "whatsapp-4-ticket-photo")
        page.locator("audio").first.scroll_into_view_if_needed()
        shot(page, "whatsapp-5-ticket-voice-note")
    finally:
        page.close()
