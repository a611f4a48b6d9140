"""A login lasts: a reload and a second tab stay logged in; logging out ends every tab."""

from __future__ import annotations

import pytest
from live_hub import log_in, open_page, running_hub, shot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    with running_hub(tmp_path_factory.mktemp("browser-sessions"), template_database) as url:
        yield url


def test_reload_and_a_second_tab_stay_logged_in_and_logout_ends_both(hub_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    first = context.new_page()
    first.set_default_timeout(30_000)
    try:
        log_in(first, hub_url, "officer.water")
        nav = first.get_by_test_id("stSidebarNav")
        expect(nav).to_be_visible()
        cookie = next(c for c in _wait_for_cookie(context) if c["name"] == "hub_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert first.evaluate("document.cookie").find("hub_session") == -1, "no script sees it"
        open_page(first, "Triage board")
        expect(first.get_by_role("heading", name="Triage board")).to_be_visible()
        first.reload()
        expect(first.get_by_role("heading", name="Triage board")).to_be_visible()
        expect(first.get_by_label("Username")).to_have_count(0)
        shot(first, "sessions-1-after-reload")

        second = context.new_page()
        second.set_default_timeout(30_000)
        second.goto(hub_url)
        expect(second.get_by_test_id("stSidebarNav")).to_be_visible()
        open_page(second, "My account")
        # The second tab shares the browser's cookie, so the same one session is listed.
        expect(second.get_by_text("This browser · since", exact=False)).to_have_count(1)
        shot(second, "sessions-2-second-tab-my-account")

        first.get_by_role("button", name="Log out").click()
        expect(first.get_by_label("Username")).to_be_visible()
        # The other tab is out at its next click.
        open_page(second, "Home")
        expect(second.get_by_label("Username")).to_be_visible()
        second.reload()
        expect(second.get_by_label("Username")).to_be_visible()
        shot(second, "sessions-3-other-tab-logged-out")
    finally:
        context.close()


def test_a_forged_cookie_is_back_to_the_login(hub_url, browser):
    context = browser.new_context()
    host = hub_url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "hub_session", "value": "forged", "domain": host, "path": "/"}])
    page = context.new_page()
    try:
        page.goto(hub_url)
        expect(page.get_by_label("Username")).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    finally:
        context.close()


def _wait_for_cookie(context, attempts: int = 40):
    import time

    for _ in range(attempts):
        cookies = context.cookies()
        if any(c["name"] == "hub_session" for c in cookies):
            return cookies
        time.sleep(0.25)
    raise AssertionError("the session cookie was never set")


def test_an_expired_session_returns_to_the_login(tmp_path_factory, template_database, browser):
    # Idle expiry of 30 s: logged in, left alone past it, a reload is the login page.
    idle_hours = 30 / 3600
    with running_hub(
        tmp_path_factory.mktemp("browser-sessions-expiry"),
        template_database,
        HUB_SESSION_IDLE_HOURS=str(idle_hours),
    ) as url:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            log_in(page, url, "officer.water")
            open_page(page, "Triage board")
            expect(page.get_by_role("heading", name="Triage board")).to_be_visible()
            page.wait_for_timeout(32_000)
            page.reload()
            expect(page.get_by_label("Username")).to_be_visible()
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
            shot(page, "sessions-4-expired-back-to-login")
        finally:
            context.close()
