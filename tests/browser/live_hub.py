"""A real `hub serve` process and Debian's Chromium, shared by the browser tests."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect

from hub.demo import DEMO_PASSWORD
from hub.sessions import COOKIE

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_hub(
    data: Path, template_database: Path, *, port: int | None = None, **env_extra: str
) -> Iterator[str]:
    """Serve a copy of the demo database with `hub serve`; yields the base URL.

    `port` when the test must know it beforehand (an OIDC redirect URI names it).
    """
    shutil.copyfile(template_database, data / "hub.duckdb")
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATA_DIR=str(data),
        HUB_SERVER_PORT=str(port),
        HUB_SANDBOX__PORT=str(free_port()),
        HUB_SANDBOX__SIMULATOR_ENABLED="false",
        **env_extra,
    )
    log = (data / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("hub")), "serve"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if json.loads(response.read())["ok"]:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError("the hub did not start:\n" + (data / "serve.log").read_text())
        time.sleep(0.5)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def log_in(
    page: Page,
    url: str,
    username: str,
    password: str = DEMO_PASSWORD,
    *,
    expect_success: bool = True,
) -> None:
    """Open the hub and log in through the form.

    A successful login is waited for until the menu shows and the browser holds the session
    cookie: the page fetches the cookie after the login's run, and a test that navigated
    before it arrived could be sent back to the login form by a reconnect.
    """
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    if not expect_success:
        return
    expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=30_000)
    deadline = time.monotonic() + 30
    while not any(cookie["name"] == COOKIE for cookie in page.context.cookies()):
        assert time.monotonic() < deadline, "the login session cookie never arrived"
        page.wait_for_timeout(100)


def open_page(page: Page, name: str) -> None:
    """Click a page in the sidebar menu."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot in test-artifacts/browser/ once the last rerun painted."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_out(page: Page) -> None:
    """Log out through the sidebar and wait for the login form."""
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible(timeout=30_000)
