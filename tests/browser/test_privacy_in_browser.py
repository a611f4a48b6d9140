"""What the staff browser loads and lets out: nothing from outside, no raw table download.

The hub's own exports neutralise spreadsheet formulas; Streamlit's built-in "Download as
CSV" on a table would write citizens' text raw, so it is turned off. And the hub must work
offline and tell no outside server who is using it: every request stays on the hub's host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from live_hub import log_in, log_out, open_page, running_hub, shot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    with running_hub(tmp_path_factory.mktemp("browser-privacy"), template_database) as url:
        yield url


# (user, page, what marks the page as painted)
TABLE_PAGES = [
    ("commissioner", "Dashboard", "Dashboard"),
    ("admin", "Audit log", "Audit log"),
]


@pytest.mark.parametrize(("username", "page_name", "heading"), TABLE_PAGES)
def test_tables_offer_no_built_in_download(hub_url, browser, username, page_name, heading):
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.set_default_timeout(30_000)
    try:
        log_in(page, hub_url, username)
        open_page(page, page_name)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        table = page.get_by_test_id("stDataFrame").first
        expect(table).to_be_visible()
        table.hover()
        toolbar = page.get_by_test_id("stElementToolbar").first
        # The toolbar still appears (search, fullscreen), so the hover did reach the table.
        expect(toolbar.get_by_role("button").first).to_be_visible()
        expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
        shot(page, f"privacy-toolbar-{username}")
        log_out(page)
    finally:
        page.close()


def test_every_request_stays_on_the_hubs_host(hub_url, browser):
    hub_host = urlsplit(hub_url).hostname
    requested: list[str] = []
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.set_default_timeout(30_000)
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda socket: requested.append(socket.url))
    try:
        log_in(page, hub_url, "admin")
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
        for name, heading in [
            ("Users", "Users"),
            ("Audit log", "Audit log"),
            ("Sandbox", "Sandbox"),
            ("Home", "Welcome"),
        ]:
            open_page(page, name)
            expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        page.wait_for_timeout(1500)  # late loads: fonts, the favicon
        log_out(page)
    finally:
        page.close()
    assert any(url.endswith((".png", ".ico", ".svg")) for url in requested), (
        "the favicon was requested at all"
    )
    outside = sorted(
        {url for url in requested if urlsplit(url).hostname not in (hub_host, None)}
        - {url for url in requested if url.startswith(("data:", "blob:"))}
    )
    assert outside == []
