"""Debian's Chromium for the browser tests: CI installs it (.ci/run); missing, it fails."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from live_hub import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
