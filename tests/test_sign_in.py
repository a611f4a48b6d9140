"""The sign-in callback's redirect says why a sign-in failed (hub/sign_in.py).

A real Starlette app stands in for Streamlit's callback route; the browser test
(tests/browser/test_single_sign_on_in_browser.py) runs the whole flow through `st.login`.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

from hub.sign_in import LOGIN_COOKIE, SignInOutcomeMiddleware, sign_in_problem


async def callback(request: Request) -> RedirectResponse:
    """Like Streamlit's: back to the app, with the login cookie only when it worked."""
    response = RedirectResponse("/", status_code=302)
    if request.query_params.get("code") == "good":
        response.set_cookie(LOGIN_COOKIE, "signed-user-info", httponly=True, max_age=3600)
    else:
        response.delete_cookie(LOGIN_COOKIE)
    return response


async def elsewhere(request: Request) -> RedirectResponse:
    return RedirectResponse("/", status_code=302)


@pytest.fixture
def client():
    app = Starlette(
        routes=[Route("/oauth2callback", callback), Route("/other", elsewhere)],
        middleware=[Middleware(SignInOutcomeMiddleware)],
    )
    return TestClient(app, follow_redirects=False)


def test_the_cookie_name_is_streamlits():
    assert LOGIN_COOKIE == USER_COOKIE_NAME


def test_a_sign_in_that_set_the_cookie_goes_on_untouched(client):
    response = client.get("/oauth2callback?state=abc&code=good")
    assert response.headers["location"] == "/"


def test_a_sign_in_whose_answer_failed_its_checks_says_failed(client):
    response = client.get("/oauth2callback?state=abc&code=forged")
    assert response.headers["location"] == "/?signin=failed"


def test_a_provider_error_says_refused_with_its_code(client):
    response = client.get("/oauth2callback?state=abc&error=access_denied")
    assert response.headers["location"] == "/?signin=refused&reason=access_denied"


def test_an_error_code_that_is_not_one_is_not_echoed(client):
    response = client.get("/oauth2callback?state=abc&error=%3Cscript%3Ealert(1)%3C/script%3E")
    assert response.headers["location"] == "/?signin=refused"


def test_the_way_back_from_the_providers_logout_is_not_a_failure(client):
    assert client.get("/oauth2callback").headers["location"] == "/"


def test_other_routes_are_left_alone(client):
    assert client.get("/other?state=abc").headers["location"] == "/"


@pytest.mark.parametrize(
    ("outcome", "reason", "expected"),
    [
        ("refused", "access_denied", "declined"),
        ("refused", "server_error", "answered with an error (server_error)"),
        ("refused", "<b>", "answered with an error, so"),
        ("failed", None, "could not be verified"),
    ],
)
def test_the_login_page_sentence(outcome, reason, expected):
    assert expected in sign_in_problem(outcome, reason)


def test_no_outcome_no_sentence():
    assert sign_in_problem(None) is None
    assert sign_in_problem("something-else") is None
