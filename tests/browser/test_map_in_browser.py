"""The commissioner opens the city map on demo data (with no internet: the browser may reach
only the hub), clicks a ward, sees its tickets and opens one; an officer sees their own
department; a citizen follows a report on the public tracking page.

Screenshots: test-artifacts/browser/map-*.png.
"""

from __future__ import annotations

import math
import shutil
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from live_hub import log_in, open_page, running_hub, shot
from playwright.sync_api import Page, expect

from hub import bootstrap
from hub.clock import utc_now
from hub.config import load_settings
from hub.demo_history import seed_demo_history
from hub.wards import WardMap

pytestmark = pytest.mark.browser
ZOOM = 10.9  # pages/map.py's initial view
MAP_HEIGHT = 620


@pytest.fixture(scope="module")
def demo(tmp_path_factory, template_database):
    """A hub on the demo database with its history (located reports included)."""
    folder = tmp_path_factory.mktemp("map-data")
    shutil.copyfile(template_database, folder / "hub.duckdb")
    built = bootstrap.build_hub(load_settings(data_dir=folder), create=False)
    try:
        seed_demo_history(built, bootstrap.demo_corpus())
        # The map's default period as the page computes it: from 00:00 in Kolkata 27 days
        # before today there (not now less 27 days: that counts a different set by day).
        zone = built.settings.display_zone
        today = utc_now().astimezone(zone).date()
        period_start = datetime.combine(today - timedelta(days=27), time(), zone)
        with built.store.cursor() as cur:
            # The ward with the most tickets in the map's default period (the last 28 days).
            ward, tickets = cur.execute(
                "SELECT ward, count(*) FROM tickets WHERE ward BETWEEN 1 AND 141"
                " AND opened_at >= ? AND NOT hidden"
                " AND merged_into IS NULL GROUP BY ward ORDER BY 2 DESC, 1 LIMIT 1",
                [period_start],
            ).fetchone()
            reference = cur.execute(
                "SELECT reference FROM tickets WHERE platform = 'open311' ORDER BY id LIMIT 1"
            ).fetchone()[0]
            # The newest located report: the page shows the newest first, so always this one.
            pin = cur.execute(
                "SELECT reference, longitude, latitude FROM tickets WHERE latitude IS NOT NULL"
                " ORDER BY opened_at DESC, id DESC LIMIT 1"
            ).fetchone()
    finally:
        built.close()
    with running_hub(tmp_path_factory.mktemp("browser-map"), folder / "hub.duckdb") as url:
        yield url, ward, tickets, reference, pin


def mercator(longitude: float, latitude: float) -> tuple[float, float]:
    """Web Mercator in units of the world's width (deck.gl's world is 512 * 2**zoom px)."""
    x = (longitude + 180) / 360
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2)) / math.pi) / 2
    return x, y


def ward_on_screen(page: Page, ward: int) -> tuple[float, float]:
    """Where a ward's label point is drawn in the map's canvas, in page pixels."""
    target = next(w for w in WardMap.shipped().wards if w.number == ward)
    return on_screen(page, target.label_longitude, target.label_latitude)


def on_screen(page: Page, longitude: float, latitude: float) -> tuple[float, float]:
    """Where a place is drawn in the map's canvas at its first view, in page pixels."""
    west, south, east, north = WardMap.shipped().bounds()
    centre = mercator((west + east) / 2, (south + north) / 2)
    point = mercator(longitude, latitude)
    box = page.get_by_test_id("stDeckGlJsonChart").bounding_box()
    scale = 512 * 2**ZOOM
    return (
        box["x"] + box["width"] / 2 + (point[0] - centre[0]) * scale,
        box["y"] + MAP_HEIGHT / 2 + (point[1] - centre[1]) * scale,
    )


def hold_the_page_clock(page: Page) -> None:
    """Stop the page's clock (its timers keep running) before clicking the map.

    This Chromium draws WebGL in software, so deck.gl's pick on pointer-down blocks the page
    for 200-400 ms here (a few ms on a graphics card). The click recogniser inside deck.gl
    (hammer.js) measures the press with the page's clock and drops a press longer than
    250 ms: on a busy machine every click became a long press and picked nothing. With the
    clock held the press lasts no time; the pick, the selection and the rerun stay real.
    """
    page.clock.set_fixed_time(utc_now())


def click_until(page: Page, x: float, y: float, shown) -> None:
    """Click the map at (x, y) until `shown` appears: deck.gl takes clicks only once it has
    drawn, which a busy machine may take a few seconds to do after a rerun."""
    for _ in range(5):
        page.mouse.move(x, y)
        page.wait_for_timeout(400)
        page.mouse.click(x, y)
        try:
            expect(shown.first).to_be_visible(timeout=4000)
            return
        except AssertionError:
            settle(page)
            page.wait_for_timeout(1500)
    expect(shown.first).to_be_visible()


def settle(page: Page) -> None:
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


def test_commissioner_clicks_a_ward_sees_its_tickets_and_opens_one(demo, browser):
    url, ward, tickets, _, pin = demo
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.set_default_timeout(30_000)
    hub_host = urlsplit(url).netloc
    elsewhere: list[str] = []

    def only_the_hub(route) -> None:
        # No internet here, and none needed: anything not for the hub is noted and refused.
        if urlsplit(route.request.url).netloc != hub_host and not route.request.url.startswith(
            "data:"
        ):
            elsewhere.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", only_the_hub)
    try:
        log_in(page, url, "commissioner")
        open_page(page, "City map")
        expect(page.get_by_role("heading", name="City map")).to_be_visible()
        chart = page.get_by_test_id("stDeckGlJsonChart")
        expect(chart.locator("canvas").first).to_be_visible()
        expect(page.get_by_text("ward(s) with tickets")).to_be_visible()
        settle(page)
        page.wait_for_timeout(1500)  # deck.gl draws after the first frame
        shot(page, "map-1-commissioner")
        canvas = chart.locator("canvas").first
        assert canvas.bounding_box()["height"] > 500

        # The pins stand on the wards: the ward is clicked with the reports' layer off.
        page.get_by_text("Located reports", exact=True).click()
        settle(page)
        page.wait_for_timeout(1500)
        x, y = ward_on_screen(page, ward)
        hold_the_page_clock(page)
        click_until(page, x, y, page.get_by_role("heading", name=f"Ward {ward}", exact=True))
        expect(page.get_by_text(f"{tickets:,} ticket(s)")).to_be_visible()
        expect(page.get_by_role("button", name="Open ticket")).to_be_visible()
        shot(page, "map-2-ward-picked")
        # A pin: its report, one click from its ticket.
        page.get_by_text("Located reports", exact=True).click()
        settle(page)
        page.wait_for_timeout(1500)
        x, y = on_screen(page, pin[1], pin[2])
        # In the page's own text: the hover tooltip says the same words before any click.
        picked = page.get_by_test_id("stMarkdownContainer").get_by_text(f"{pin[0]} ·")
        click_until(page, x, y, picked)
        expect(page.get_by_role("heading", name=f"Ward {ward}", exact=True)).to_have_count(0)
        expect(page.get_by_text(pin[0], exact=False).last).to_be_visible()
        expect(page.get_by_role("button", name="Open ticket")).to_be_visible()
        shot(page, "map-3-pin-picked")

        page.get_by_role("button", name="Open ticket").click()
        expect(page.get_by_role("heading", name="Ticket")).to_be_visible()
        shot(page, "map-4-ticket")
        assert not elsewhere, f"the map asked the internet for {elsewhere[:3]}"
    finally:
        page.close()


def test_an_officer_sees_their_department_on_the_map(demo, browser):
    url, *_ = demo
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(30_000)
    try:
        log_in(page, url, "officer.water")
        open_page(page, "City map")
        # exact: the map's "Departments' work" switch and the page left behind (its "Department
        # actions" help) carry the word too.
        department = page.get_by_role("textbox", name="Department", exact=True)
        expect(department).to_be_disabled()
        expect(department).to_have_value("Water Supply (জল সরবরাহ)")
        settle(page)
        page.wait_for_timeout(1000)
        shot(page, "map-5-officer")
    finally:
        page.close()


def test_a_citizen_follows_a_report_on_the_tracking_page(demo, browser):
    url, _, _, reference, _ = demo
    page = browser.new_page(viewport={"width": 420, "height": 900})
    try:
        answer = page.goto(f"{url}/track/{reference}")
        assert answer.status == 200
        expect(page.get_by_role("heading", name=reference)).to_be_visible()
        expect(page.get_by_text("অবস্থা · Status")).to_be_visible()
        shot(page, "map-6-tracking")
        missing = page.goto(f"{url}/track/KMC-2026-999999")
        assert missing.status == 404
        expect(page.get_by_text("No report has this reference number")).to_be_visible()
    finally:
        page.close()
