"""The real app in headless Chromium: each role logs in and sees its own menu."""

from __future__ import annotations

import pytest
from live_hub import ARTIFACTS, log_in, running_hub
from playwright.sync_api import expect

from hub.demo import DEMO_PASSWORD
from hub.permissions import Role, pages_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    """A real `hub serve` process on a copy of the demo database."""
    with running_hub(tmp_path_factory.mktemp("browser-data"), template_database) as url:
        yield url


ROLE_USERS = {
    Role.ADMIN: "admin",
    Role.IT: "it.team",
    Role.COMMISSIONER: "commissioner",
    Role.OFFICER: "officer.water",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_own_menu(hub_url, browser, role):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        log_in(page, hub_url, ROLE_USERS[role])
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav).to_be_visible(timeout=30_000)
        expected = [spec.title for spec in pages_for(role)]
        links = nav.get_by_role("link")
        expect(links).to_have_count(len(expected))
        # Each link reads "<icon name>\n\n<title>": the icon is a ligature of the Material font.
        assert [text.split("\n")[-1].strip() for text in links.all_inner_texts()] == expected
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"home-{role.value}.png"), full_page=True)
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_label("Username")).to_be_visible()
    finally:
        page.close()


def test_wrong_password_shows_a_message(hub_url, browser):
    page = browser.new_page()
    try:
        log_in(page, hub_url, "it.team", "definitely-wrong", expect_success=False)
        expect(page.get_by_text("Wrong username or password")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "login-refused.png"))
    finally:
        page.close()


def test_an_officer_opening_an_admin_url_gets_no_admin_page(hub_url, browser):
    page = browser.new_page()
    try:
        page.goto(f"{hub_url}/users")
        # Not logged in, /users is not a page of this session: Streamlit says so.
        expect(page.get_by_text("Page not found")).to_be_visible(timeout=30_000)
        page.keyboard.press("Escape")
        page.get_by_label("Username").fill("officer.water")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name="Water Supply")).to_be_visible()
        expect(page.get_by_role("heading", name="Users")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "officer-users-url.png"))
    finally:
        page.close()


def test_departments_page_shows_bengali_names(hub_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        log_in(page, hub_url, "commissioner")
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Departments").click()
        expect(page.get_by_role("heading", name="Departments")).to_be_visible(timeout=30_000)
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
        page.wait_for_timeout(1000)  # the grid paints on a canvas after it appears
        page.screenshot(path=str(ARTIFACTS / "departments-commissioner.png"), full_page=True)
    finally:
        page.close()
