"""The hub in Bengali: each role's main pages, chosen on the login page and kept with the account.

Every page is screenshotted (test-artifacts/browser/bengali-*.png) and checked for Bengali
labels cut off by their box: a label, button, tab or menu entry whose text is wider than the
element showing it.
"""

from __future__ import annotations

import re

import pytest
from live_hub import ROOT, open_page, running_hub, shot
from playwright.sync_api import Page, expect

from hub.demo import DEMO_PASSWORD
from hub.departments import COLUMNS

pytestmark = pytest.mark.browser

# Elements whose text people read as a label; any of them wider inside than out is clipped.
CLIPPED_BENGALI = """
() => {
  const bengali = /[\\u0980-\\u09FF]/;
  const selectors = [
    '[data-testid="stWidgetLabel"]', 'button', '[data-testid="stSidebarNavLink"]',
    '[data-baseweb="tab"]', '[data-testid="stMetricLabel"]', 'h1', 'h2', 'h3',
  ];
  const clipped = [];
  for (const element of document.querySelectorAll(selectors.join(','))) {
    const text = element.innerText || '';
    if (!bengali.test(text) || element.offsetParent === null) continue;
    // The box itself, or the paragraph inside it that ends in an ellipsis (a button's).
    const boxes = [element, ...element.querySelectorAll('*')];
    if (boxes.some((box) => box.scrollWidth > box.clientWidth + 1)) {
      clipped.push(text.trim().slice(0, 60));
    }
  }
  return clipped;
}
"""

ROLES = [
    ("officer.water", ["ট্রায়াজ বোর্ড", "নতুন আপডেট", "আমার আপডেট", "আমার অ্যাকাউন্ট"]),
    ("it.team", ["পর্যালোচনার তালিকা", "ক্যালেন্ডার", "বিজ্ঞপ্তি", "প্ল্যাটফর্ম অ্যাকাউন্ট"]),
    ("commissioner", ["ড্যাশবোর্ড", "শহরের মানচিত্র", "এসক্যালেশন"]),
]


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory, template_database):
    with running_hub(tmp_path_factory.mktemp("browser-bengali"), template_database) as url:
        yield url


def _log_in_in_bengali(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_text("বাংলা", exact=True).click()
    expect(page.get_by_label("ইউজারনেম")).to_be_visible()
    page.get_by_label("ইউজারনেম").fill(username)
    page.get_by_label("পাসওয়ার্ড", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="লগ ইন").click()
    expect(page.get_by_role("button", name="লগ আউট")).to_be_visible(timeout=30_000)


def _assert_nothing_clipped(page: Page, where: str) -> None:
    page.wait_for_timeout(300)
    clipped = page.evaluate(CLIPPED_BENGALI)
    assert not clipped, f"{where}: Bengali text cut off: {clipped}"


@pytest.mark.parametrize(("username", "pages"), ROLES, ids=[role for role, _pages in ROLES])
def test_each_roles_main_pages_in_bengali(hub_url, browser, username, pages):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        _log_in_in_bengali(page, hub_url, username)
        expect(page.get_by_role("link", name="হোম")).to_be_visible()
        expect(page.get_by_test_id("stMetricLabel").first).to_be_visible()
        _assert_nothing_clipped(page, f"{username} home")
        shot(page, f"bengali-{username}-home")
        for link in pages:
            open_page(page, link)
            expect(page.get_by_role("heading", name=link).first).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
            _assert_nothing_clipped(page, f"{username} {link}")
            shot(page, f"bengali-{username}-{link}")
        # The choice was saved with the account: a new browser logs in in Bengali.
        page.get_by_role("button", name="লগ আউট").click()
        expect(page.get_by_label("ইউজারনেম")).to_be_visible()
    finally:
        context.close()


def test_the_language_is_kept_with_the_account(hub_url, browser):
    first = browser.new_context()
    page = first.new_page()
    page.set_default_timeout(30_000)
    try:
        _log_in_in_bengali(page, hub_url, "officer.swm")
    finally:
        first.close()
    second = browser.new_context()
    page = second.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(hub_url)
        page.get_by_label("Username").fill("officer.swm")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        # Logged in without choosing: the account's language, Bengali, is back.
        expect(page.get_by_role("button", name="লগ আউট")).to_be_visible(timeout=30_000)
        open_page(page, "আমার অ্যাকাউন্ট")
        expect(page.get_by_role("heading", name="আমার অ্যাকাউন্ট")).to_be_visible()
        page.get_by_text("English", exact=True).click()
        expect(page.get_by_role("heading", name="My account")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        second.close()


def test_an_admin_reads_a_refused_departments_file_in_bengali(hub_url, browser, tmp_path):
    """A file with a problem imports nothing and says why in Bengali; the city's own file
    then imports, with its summary in Bengali too."""
    header = ",".join(COLUMNS)
    refused = tmp_path / "departments.csv"
    refused.write_text(
        f"{header}\n"
        "WATER,Water Supply,জল সরবরাহ,DG (Water Supply),water-at-kmc,no water,জল নেই,6,72\n",
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        _log_in_in_bengali(page, hub_url, "admin")
        open_page(page, "বিভাগ")
        upload = page.locator('input[type="file"]')
        upload.set_input_files(str(refused))
        page.get_by_role("button", name="ইমপোর্ট করুন").click()
        alert = page.get_by_test_id("stAlert")
        expect(alert).to_contain_text("বিভাগের ফাইল ইমপোর্ট হয়নি: 1টি সমস্যা")
        expect(alert).to_contain_text("লাইন 2, কলাম contact_email: 'water-at-kmc' কোনো ই-মেল ঠিকানা নয়")
        shot(page, "bengali-admin-departments-refused")
        upload.set_input_files(str(ROOT / "departments.csv"))
        page.get_by_role("button", name="ইমপোর্ট করুন").click()
        expect(
            page.get_by_text(re.compile(r"ইমপোর্ট হয়েছে: 0টি নতুন, 0টি বদলানো, \d+টি অপরিবর্তিত"))
        ).to_be_visible()
    finally:
        context.close()
