"""Who is logged in on this browser session, and the few helpers every page uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import streamlit as st

from hub import bootstrap
from hub.bootstrap import Hub
from hub.errors import HubError
from hub.permissions import PAGES, Actor
from hub.sessions import COOKIE
from ui.i18n import _, current_language, use_language

_USER_KEY = "auth_user_id"
# This tab's login session id (hub.sessions), and the grant its cookie is fetched with.
_SESSION_KEY = "auth_session"
_GRANT_KEY = "auth_session_grant"
# The e-mail the identity provider signed in and the hub refused, with the reason.
_REFUSED_KEY = "auth_refused_email"
# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that mean
# something inside a one-line message: emphasis, code, links and images ([ starts both),
# HTML, Streamlit's directives (:red[...], :material/x:), LaTeX ($) and tables.
_MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_\[\]<>:$~|]")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def get_hub() -> Hub:
    """The process's hub."""
    return bootstrap.current()


def current_actor() -> Actor | None:
    """The logged-in actor, re-read from the store on every run (a disabled user is out).

    A tab that logged in carries its session; a reloaded tab or a new one finds it in the
    session cookie. A session ended anywhere (logout in another tab, a password reset, an
    administrator) logs this tab out at its next click.
    """
    hub = get_hub()
    cookie = st.context.cookies.get(COOKIE)
    session_id = st.session_state.get(_SESSION_KEY) or (cookie if isinstance(cookie, str) else None)
    if session_id:
        actor = hub.sessions.actor_for(session_id)
        if actor is not None:
            st.session_state[_SESSION_KEY] = session_id
            st.session_state[_USER_KEY] = actor.user_id
            return actor
        if _SESSION_KEY in st.session_state:
            for key in (_SESSION_KEY, _USER_KEY):
                st.session_state.pop(key, None)
            return None
    user_id = st.session_state.get(_USER_KEY)
    if user_id is None and hub.settings.oidc is not None and st.user.is_logged_in:
        return _actor_signed_in_by_provider(hub)
    if user_id is None:
        return None
    actor = hub.accounts.actor_for(user_id)
    if actor is None:
        st.session_state.pop(_USER_KEY, None)
    return actor


def _actor_signed_in_by_provider(hub: Hub) -> Actor | None:
    """The actor the identity provider vouched for, logged in with a hub session of its own.

    The hub's session (not only Streamlit's login cookie) is what a reload, a second tab and
    "My account" work with, and what a logout or an administrator ends. A refused e-mail is
    checked (and audited) once per tab, not at every rerun of the login page.
    """
    email = str(st.user.email or "")
    refusal = st.session_state.get(_REFUSED_KEY)
    if refusal is not None and refusal[0] == email:
        st.error(as_literal_markdown(refusal[1]), icon=":material/error:")
        return None
    try:
        actor = hub.accounts.actor_for_email(email)
    except HubError as exc:
        st.session_state[_REFUSED_KEY] = (email, exc.translated(_))
        show_error(exc)
        return None
    log_in(actor)
    return actor


def signed_in_elsewhere_only() -> bool:
    """True when the identity provider signed this browser in but the hub refused it."""
    return get_hub().settings.oidc is not None and bool(st.user.is_logged_in)


def log_in(actor: Actor) -> None:
    """Start the actor's login session: this tab at once, the browser's cookie next run."""
    hub = get_hub()
    agent = st.context.headers.get("User-Agent", "")
    session_id, grant = hub.sessions.start(actor, agent if isinstance(agent, str) else "")
    st.session_state[_SESSION_KEY] = session_id
    st.session_state[_USER_KEY] = actor.user_id
    st.session_state[_GRANT_KEY] = grant


def deliver_session_cookie() -> None:
    """After a login: the page trades its one-time grant for the HttpOnly session cookie.

    A hidden component posts the grant to `/auth/session` (same origin, so the browser keeps
    the cookie the answer sets); the session id itself never enters the page.
    """
    grant = st.session_state.pop(_GRANT_KEY, None)
    if grant is None:
        return
    # st.iframe embeds an HTML string in a same-origin frame (st.components.v1.html, which
    # did the same, is deprecated); with nothing visible in it, "content" is no height at all.
    st.iframe(
        "<script>fetch('/auth/session', {method: 'POST', credentials: 'same-origin',"
        f" headers: {{'X-Hub-Grant': {json.dumps(grant)}}}}});</script>",
        height="content",
    )


def log_out(actor: Actor) -> None:
    """Forget the session's actor (and end the OIDC session when there is one)."""
    get_hub().accounts.record_logout(actor)
    get_hub().sessions.end(actor, st.session_state.get(_SESSION_KEY))
    # The login page that follows stays in the person's language.
    language = current_language()
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    use_language(language)
    if get_hub().settings.oidc is not None and st.user.is_logged_in:
        # st.logout only queues the browser's redirect to the provider's logout; a rerun
        # started before that message went out would drop it from the queue, so stop here.
        st.logout()
        st.stop()


def current_session_id() -> str | None:
    """This tab's login session id (for "My account"), if it has one."""
    return st.session_state.get(_SESSION_KEY)


def require_actor() -> Actor:
    """The logged-in actor; stops the page when there is none."""
    actor = current_actor()
    if actor is None:
        st.warning(_("Please log in."))
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
    st.error(as_literal_markdown(exc.translated(_)), icon=":material/error:")


def switch_to(page_key: str) -> None:
    """Go to one of the app's pages by its key in `hub.permissions.PAGES`.

    The pages are registered by absolute path (the entrypoint lives in ui/), so a path
    relative to the entrypoint would not be found.
    """
    spec = next(page for page in PAGES if page.key == page_key)
    st.switch_page(PROJECT_ROOT / spec.script)
