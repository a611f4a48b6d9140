"""Debian's Chromium for the browser tests: CI installs it (.ci/run); missing, it fails."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from live_hub import CHROMIUM, CHROMIUM_FLAGS

# How long an expectation waits for the page: Playwright's 5 s is too short on a CI machine
# whose two cores also run the hub and the sandbox, where the city map's WebGL canvas (drawn
# in software here) once took longer than that to appear. A page that never shows it still
# fails, later.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
