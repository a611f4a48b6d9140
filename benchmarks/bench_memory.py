"""Memory: the hub process serving the board and the dashboard at a million tickets stays
under 1 GB resident.

At full size a real `hub serve` (scheduler on, sandbox on, simulator off) runs on a copy of the
generated year; headless Chromium logs in as IT, opens the triage board, pages through it and
searches it, and opens the dashboard, and the commissioner opens the dashboard in a second
browser. The figure is the server process's peak resident set
(``VmHWM`` in ``/proc/<pid>/status``), read before the process is stopped.

At smoke size (or when Chromium or Playwright is missing) a separate Python process builds the
hub on the copy and renders the same pages through Streamlit's AppTest, then reports its own
``VmHWM``: the same code paths without a browser, in seconds. The detail says which was used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from benchmarks.generate import copy_database, year_database
from benchmarks.harness import FULL, BenchContext, Figure
from benchmarks.serving import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    ROOT,
    browser_available,
    served_hub,
    status_kb,
)
from hub.demo import DEMO_PASSWORD  # the generated year has the demo accounts

NAME = "Memory"
LIMIT_MB = 1024.0


def run(context: BenchContext) -> list[Figure]:
    """Peak RSS of the process serving the board and the dashboard on the year's data."""
    source = year_database(context)
    folder = context.scratch("memory")
    data = folder / "data"
    if data.exists():
        shutil.rmtree(data)
    copy_database(source, data)
    if context.scale is FULL and browser_available():
        return [_served(data)]
    return [_apptest_process(data)]


def _served(data: Path) -> Figure:
    """`hub serve` on the copy, driven by headless Chromium; the server's own VmHWM."""
    from playwright.sync_api import sync_playwright

    with served_hub(data) as hub:
        after_start = status_kb(hub.pid)["VmRSS"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
            )
            try:
                steps = _drive(browser, hub.url)
            finally:
                browser.close()
        status = status_kb(hub.pid)
    peak_mb = status["VmHWM"] / 1024
    return Figure(
        NAME,
        "peak resident memory of `hub serve` (board and dashboard, 1M tickets)",
        round(peak_mb, 0),
        "MB",
        f"< {LIMIT_MB:.0f} MB",
        peak_mb < LIMIT_MB,
        f"VmHWM of the server process; a real `hub serve` (scheduler and sandbox on) on a copy"
        f" of the year, driven by headless Chromium: {steps}. RSS {after_start / 1024:.0f} MB"
        f" after start, {status['VmRSS'] / 1024:.0f} MB at the end",
    )


def _drive(browser, url: str) -> str:
    """IT pages and searches the board and opens the dashboard; the commissioner too."""
    from playwright.sync_api import expect

    it = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    _log_in(it, url, "it.team")
    _open_page(it, "Triage board")
    expect(it.get_by_text("ticket(s) · page 1 of")).to_be_visible(timeout=120_000)
    for number in (2, 3, 4):
        it.get_by_role("button", name="Next page").click()
        expect(it.get_by_text(f"· page {number} of")).to_be_visible(timeout=120_000)
    search = it.get_by_label("Search text, reference or author (Bengali or English)")
    search.fill("জল")
    search.press("Enter")
    it.wait_for_timeout(3000)
    _open_page(it, "Dashboard")
    expect(it.get_by_text("Median first response").first).to_be_visible(timeout=120_000)
    it.wait_for_timeout(3000)

    boss = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    _log_in(boss, url, "commissioner")
    _open_page(boss, "Dashboard")
    expect(boss.get_by_text("Median first response").first).to_be_visible(timeout=120_000)
    boss.wait_for_timeout(3000)
    return (
        "IT opened the board (open tickets), pages 2-4, searched 'জল', opened the dashboard;"
        " the commissioner opened the dashboard"
    )


def _log_in(page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _open_page(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()


def _apptest_process(data: Path) -> Figure:
    """A separate process renders the board and dashboard through AppTest; its VmHWM."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory", str(data / "hub.duckdb")],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the AppTest process failed:\n{done.stderr[-3000:]}")
    report = json.loads(lines[-1])
    peak_mb = report["VmHWM"] / 1024
    return Figure(
        NAME,
        "peak resident memory rendering board and dashboard (AppTest process)",
        round(peak_mb, 0),
        "MB",
        f"< {LIMIT_MB:.0f} MB",
        peak_mb < LIMIT_MB,
        "VmHWM of a separate Python process that built the hub on a copy of the year and"
        f" rendered {report['pages']} through Streamlit's AppTest (no browser, no scheduler)",
    )


def _render_in_this_process(db_path: Path) -> dict:
    """Build the hub on `db_path`, render the board and dashboard, report this process's peak."""
    from streamlit.testing.v1 import AppTest

    from benchmarks.generate import actor_named, open_year_hub
    from hub import bootstrap
    from hub.clock import utc_now

    hub = open_year_hub(db_path)
    bootstrap.install(hub)
    try:
        today = utc_now().astimezone(hub.settings.display_zone).date()
        renders = [
            ("it.team", "board.py", {}),
            ("it.team", "board.py", {"board_page_number": 3}),
            ("it.team", "board.py", {"board_q": "জল"}),
            ("it.team", "dashboard.py", {}),
            ("commissioner", "dashboard.py", {"dash_period": (today - timedelta(days=364), today)}),
        ]
        for username, script, state in renders:
            at = AppTest.from_file(str(ROOT / "pages" / script), default_timeout=300)
            at.session_state["auth_user_id"] = actor_named(hub, username).user_id
            for key, value in state.items():
                at.session_state[key] = value
            at.run()
            if at.exception:
                raise RuntimeError(f"{script} failed: {at.exception[0].message}")
    finally:
        bootstrap.uninstall()
        hub.close()
    pages = (
        "the board (open tickets, page 3, a search) as IT and the dashboard as IT and"
        " (whole year) the commissioner"
    )
    return {**status_kb(os.getpid()), "pages": pages}


if __name__ == "__main__":
    print(json.dumps(_render_in_this_process(Path(sys.argv[1]))))
