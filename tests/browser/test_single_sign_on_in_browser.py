"""Single sign-on for real: `st.login` against an OpenID Connect provider on loopback.

The provider (tests/oidc_provider.py) is built on Authlib's server classes and requires PKCE
with S256 and a nonce; it signs its ID tokens with RS256 and publishes the key as JWKS. The
hub runs as `hub serve` with its `[oidc]` settings pointing at it, and Chromium clicks
through the provider's sign-in page as a person would.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from live_hub import free_port, running_hub, shot
from playwright.sync_api import Page, expect

from hub import bootstrap
from hub.config import load_settings
from hub.demo import SETUP_ACTOR
from hub.sessions import COOKIE

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from oidc_provider import running_provider

pytestmark = pytest.mark.browser

CLIENT_ID = "kmc-social-hub"
CLIENT_SECRET = "a-client-secret-for-the-tests"
DISABLED = "officer.roads"


@pytest.fixture(scope="module")
def sso(tmp_path_factory, template_database):
    """The provider, and a hub that signs people in with it (officer.roads disabled)."""
    port = free_port()
    callback = f"http://127.0.0.1:{port}/oauth2callback"
    with running_provider(CLIENT_ID, CLIENT_SECRET, [callback]) as provider:
        for username, name in [
            ("officer.water", "Water Officer"),
            ("it.team", "IT Cell"),
            (DISABLED, "Roads Officer"),
        ]:
            provider.add_person(f"{username}@demo.kmcgov.in", name)
        provider.add_person("stranger@example.org", "Someone Else")
        database = _template_with_a_disabled_account(
            tmp_path_factory.mktemp("sso-template"), template_database
        )
        with running_hub(
            tmp_path_factory.mktemp("browser-sso"),
            database,
            port=port,
            HUB_OIDC__CLIENT_ID=CLIENT_ID,
            HUB_OIDC__CLIENT_SECRET=CLIENT_SECRET,
            HUB_OIDC__SERVER_METADATA_URL=f"{provider.issuer}/.well-known/openid-configuration",
            HUB_OIDC__REDIRECT_URI=callback,
            HUB_OIDC__COOKIE_SECRET="a-cookie-secret-for-the-tests-0123456789",
        ) as url:
            yield provider, url
        provider.misbehaviour = None


def _template_with_a_disabled_account(folder: Path, template_database: Path) -> Path:
    shutil.copyfile(template_database, folder / "hub.duckdb")
    hub = bootstrap.build_hub(load_settings(data_dir=folder), create=False)
    try:
        hub.accounts.set_active(SETUP_ACTOR, DISABLED, False)
    finally:
        hub.close()
    return folder / "hub.duckdb"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def _sign_in_at_provider(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="City sign-in")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Sign in").click()


def _hub_cookie(page: Page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == COOKIE), None)


def test_a_mapped_email_gets_its_role_and_logout_ends_both_sessions(sso, page):
    provider, url = sso
    verified_before = provider.pkce_verified
    _sign_in_at_provider(page, url, "officer.water@demo.kmcgov.in")

    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Controlling Officer, Water Supply")).to_be_visible()
    expect(sidebar.get_by_text("Officer · WATER")).to_be_visible()
    assert provider.pkce_verified == verified_before + 1, "the code was redeemed with PKCE"
    expect(page.get_by_role("link", name="Triage board")).to_be_visible()
    # The hub's own session: a reload keeps the person on the hub.
    for _ in range(120):
        if _hub_cookie(page):
            break
        page.wait_for_timeout(250)
    cookie = _hub_cookie(page)
    assert cookie is not None and cookie["httpOnly"], "the hub's session cookie was set"
    page.reload()
    expect(sidebar.get_by_text("Officer · WATER")).to_be_visible()
    shot(page, "sso-1-officer-signed-in")

    ended_before = provider.ended_sessions
    page.get_by_role("button", name="Log out").click()
    # The browser goes through the provider's end-session endpoint and back to the hub.
    for _ in range(120):
        if provider.ended_sessions > ended_before:
            break
        page.wait_for_timeout(250)
    assert provider.ended_sessions == ended_before + 1, "the provider's session ended too"
    expect(page.get_by_text("Log in with your corporation account.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Log in with your corporation account.")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    # The provider asks again who it is: its session is gone.
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="City sign-in")).to_be_visible()
    expect(page.get_by_role("button", name="Continue as", exact=False)).to_have_count(0)
    shot(page, "sso-2-after-logout-provider-asks-again")


def test_an_unknown_email_is_refused_with_a_clear_message(sso, page):
    _provider, url = sso
    _sign_in_at_provider(page, url, "stranger@example.org")
    expect(page.get_by_text("the hub has no account for that address", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_role("button", name="Use another account")).to_be_visible()
    shot(page, "sso-3-unknown-email-refused")


def test_a_disabled_account_is_refused(sso, page):
    _provider, url = sso
    _sign_in_at_provider(page, url, f"{DISABLED}@demo.kmcgov.in")
    expect(page.get_by_text("that hub account is disabled", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_declining_at_the_provider_says_so(sso, page):
    _provider, url = sso
    page.goto(url)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_text("The sign-in was declined", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert "signin=refused" in page.url and "reason=access_denied" in page.url


@pytest.mark.parametrize("misbehaviour", ["wrong-audience", "wrong-signature"])
def test_an_id_token_that_fails_its_checks_logs_nobody_in(sso, page, misbehaviour):
    provider, url = sso
    provider.misbehaviour = misbehaviour
    try:
        requests_before = provider.token_requests
        _sign_in_at_provider(page, url, "it.team@demo.kmcgov.in")
        expect(page.get_by_text("could not be verified", exact=False)).to_be_visible()
        assert provider.token_requests == requests_before + 1, "the hub did redeem the code"
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        assert _hub_cookie(page) is None
        shot(page, f"sso-4-{misbehaviour}-refused")
    finally:
        provider.misbehaviour = None
