"""Who is logged in on this browser session, and the few helpers every page uses."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from hub import bootstrap
from hub.bootstrap import Hub
from hub.errors import HubError
from hub.permissions import PAGES, Actor

_USER_KEY = "auth_user_id"
# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that mean
# something inside a one-line message: emphasis, code, links and images ([ starts both),
# HTML, Streamlit's directives (:red[...], :material/x:), LaTeX ($) and tables.
_MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_\[\]<>:$~|]")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def get_hub() -> Hub:
    """The process's hub."""
    return bootstrap.current()


def current_actor() -> Actor | None:
    """The logged-in actor, re-read from the store on every run (a disabled user is out)."""
    hub = get_hub()
    user_id = st.session_state.get(_USER_KEY)
    if user_id is None and hub.settings.oidc is not None and st.user.is_logged_in:
        try:
            actor = hub.accounts.actor_for_email(str(st.user.email))
        except HubError as exc:
            st.error(as_literal_markdown(str(exc)))
            return None
        st.session_state[_USER_KEY] = user_id = actor.user_id
    if user_id is None:
        return None
    actor = hub.accounts.actor_for(user_id)
    if actor is None:
        st.session_state.pop(_USER_KEY, None)
    return actor


def log_in(actor: Actor) -> None:
    """Remember the actor for this browser session."""
    st.session_state[_USER_KEY] = actor.user_id


def log_out(actor: Actor) -> None:
    """Forget the session's actor (and end the OIDC session when there is one)."""
    get_hub().accounts.record_logout(actor)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if get_hub().settings.oidc is not None and st.user.is_logged_in:
        st.logout()


def require_actor() -> Actor:
    """The logged-in actor; stops the page when there is none."""
    actor = current_actor()
    if actor is None:
        st.warning("Please log in.")
        st.stop()
    return actor


def as_literal_markdown(text: str) -> str:
    """`text` with markdown's punctuation backslash-escaped, for elements that render markdown.

    Alerts have no plain-text mode, and an error may echo what someone typed (a reference, a
    username): escaped, ``[x](http://...)`` or ``:red[x]`` shows as typed, not as a link.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\g<0>", text)


def show_error(exc: HubError) -> None:
    """A hub error as people read it: the message, as text, never a traceback."""
    st.error(as_literal_markdown(str(exc)), icon=":material/error:")


def switch_to(page_key: str) -> None:
    """Go to one of the app's pages by its key in `hub.permissions.PAGES`.

    The pages are registered by absolute path (the entrypoint lives in ui/), so a path
    relative to the entrypoint would not be found.
    """
    spec = next(page for page in PAGES if page.key == page_key)
    st.switch_page(PROJECT_ROOT / spec.script)
