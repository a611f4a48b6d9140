"""What became of a sign-in through the city's identity provider, for the login page to say.

Streamlit's `/oauth2callback` answers every failure the same way: a redirect to the app with
no trace of why (the reason goes only to the server's log). A person sent back to the login
page would click again and again. `SignInOutcomeMiddleware` watches that one route: when the
callback came back from a sign-in (it carries `state` or `error`) and did not set the login
cookie, it adds `?signin=refused` (the provider answered an error) or `?signin=failed` (its
answer did not pass the checks: an ID token for another audience, a bad signature, a stale or
replayed callback) to the redirect, and `sign_in_problem` words it for the login page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hub.i18n import N_

CALLBACK_PATH = "/oauth2callback"
# Streamlit's st.login cookie (streamlit.web.server.starlette.starlette_server_config's
# USER_COOKIE_NAME; a test holds the two equal, as hub/ does not import Streamlit).
LOGIN_COOKIE = "_streamlit_user"
OUTCOME_PARAM = "signin"
REASON_PARAM = "reason"
# An OAuth error code (RFC 6749 4.1.2.1: printable ASCII); anything else is not echoed.
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class SignInOutcomeMiddleware:
    """ASGI middleware: a failed sign-in's redirect says that it failed, and how."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != CALLBACK_PATH:
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "state" not in query and "error" not in query:
            # The way back from the provider's logout: nothing was tried, nothing failed.
            await self.app(scope, receive, send)
            return
        outcome = "refused" if "error" in query else "failed"
        reason = query.get("error", "")

        async def send_with_outcome(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = list(message.get("headers", []))
                if not _sets_login_cookie(headers):
                    message = dict(message)
                    message["headers"] = [
                        (name, _with_outcome(value, outcome, reason))
                        if name.lower() == b"location"
                        else (name, value)
                        for name, value in headers
                    ]
            await send(message)

        await self.app(scope, receive, send_with_outcome)


def _sets_login_cookie(headers: list[tuple[bytes, bytes]]) -> bool:
    prefix = LOGIN_COOKIE.encode() + b"="
    for name, value in headers:
        if name.lower() != b"set-cookie" or not value.startswith(prefix):
            continue
        cookie_value = value[len(prefix) :].split(b";", 1)[0].strip(b'"')
        if cookie_value and b"max-age=0" not in value.lower():
            return True
    return False


def _with_outcome(location: bytes, outcome: str, reason: str) -> bytes:
    params = {OUTCOME_PARAM: outcome}
    if _ERROR_CODE.fullmatch(reason):
        params[REASON_PARAM] = reason
    separator = b"&" if b"?" in location else b"?"
    return location + separator + urlencode(params).encode()


def sign_in_problem(
    outcome: str | None, reason: str | None = None, translate: Callable[[str], str] = str
) -> str | None:
    """The login page's sentence for a sign-in that came back without a login, or None.

    `translate` puts the sentence in the reader's language (the UI's ``_``).
    """
    if outcome == "refused":
        if reason == "access_denied":
            return translate(
                N_(
                    "The sign-in was declined at the corporation's sign-in page, so you are "
                    "not logged in. Log in again to retry."
                )
            )
        code = f" ({reason})" if reason and _ERROR_CODE.fullmatch(reason) else ""
        return translate(
            N_(
                "The corporation's sign-in service answered with an error{code}, so you are "
                "not logged in. Try again; if it happens again, tell IT."
            )
        ).format(code=code)
    if outcome == "failed":
        return translate(
            N_(
                "The answer from the corporation's sign-in service could not be verified, so "
                "you are not logged in. Try again; if it happens again, tell IT: the hub's log "
                "says what was wrong with the answer."
            )
        )
    return None
