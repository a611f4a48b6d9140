"""A citizen's comment arrives, the officer answers it with a template, the reply shows on
the sandbox Page, and the ticket is resolved — in headless Chromium against a real hub.

Each step saves a screenshot in test-artifacts/browser/triage-*.png.
"""

from __future__ import annotations

import re

import pytest
from live_hub import log_in, log_out, open_page, running_hub, shot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
COMMENT = "৬৫ নম্বর ওয়ার্ডে তিন দিন ধরে কলের জল নেই, দয়া করে ব্যবস্থা নিন"


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    with running_hub(
        tmp_path_factory.mktemp("browser-triage"),
        template_database,
        HUB_PUBLISH_INTERVAL_SECONDS="2",
        HUB_PULL_INTERVAL_SECONDS="2",
        HUB_TRIAGE_INTERVAL_SECONDS="2",
    ) as url:
        yield url


def app_button(page: Page, label: str):
    """A Streamlit button by its exact label (select boxes have "Open" buttons too)."""
    return page.locator("[data-testid^='stBaseButton']").filter(
        has_text=re.compile(rf"^{re.escape(label)}$")
    )


def test_comment_to_answer_in_thread_to_resolved(hub_url, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    page.set_default_timeout(30_000)
    try:
        # A citizen comments on the city's post (written by hand on the Sandbox page).
        log_in(page, hub_url, "admin")
        open_page(page, "Sandbox")
        expect(page.get_by_role("heading", name="Sandbox")).to_be_visible()
        expect(page.get_by_role("button", name="Post as citizen").first).to_be_visible()
        page.get_by_label("Citizen's name").first.fill("রিনা দাস")
        page.get_by_label("Comment").first.fill(COMMENT)
        page.get_by_role("button", name="Post as citizen").first.click()
        expect(page.get_by_text(COMMENT).first).to_be_visible()
        shot(page, "triage-1-citizen-comment")
        log_out(page)

        # The pull and triage jobs (every 2 s here) turn it into a Water Supply ticket.
        log_in(page, hub_url, "officer.water")
        for _ in range(20):
            open_page(page, "Triage board")
            expect(page.get_by_role("heading", name="Triage board")).to_be_visible()
            if app_button(page, "Open").count():
                break
            page.wait_for_timeout(1000)
        shot(page, "triage-2-officer-board")
        app_button(page, "Open").click()
        expect(page.get_by_role("heading", name="Ticket")).to_be_visible()
        expect(page.get_by_text(COMMENT).first).to_be_visible()

        # The officer answers with a template; the reference number is filled in.
        template = page.get_by_role("combobox", name="Template")
        template.click()
        page.keyboard.type("(answer)")
        page.keyboard.press("Enter")
        expect(page.get_by_role("textbox", name="Reply")).not_to_have_value("")
        shot(page, "triage-3-officer-answer")
        page.get_by_role("button", name="Send reply").click()
        expect(page.get_by_text("Reply queued")).to_be_visible()
        for _ in range(20):
            if page.get_by_text("(sent)").count():
                break
            page.wait_for_timeout(1000)
            open_page(page, "Ticket")
        expect(page.get_by_text("(sent)").first).to_be_visible()
        app_button(page, "Resolve").click()
        expect(page.get_by_text("resolved").first).to_be_visible()
        shot(page, "triage-4-officer-resolved")
        log_out(page)

        # Citizens see the city's answer under the comment on the Page.
        log_in(page, hub_url, "admin")
        open_page(page, "Sandbox")
        expect(page.get_by_text("Kolkata Municipal Corporation (Page)").first).to_be_visible()
        shot(page, "triage-5-reply-on-sandbox-page")
    finally:
        page.close()
