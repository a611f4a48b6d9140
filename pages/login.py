"""Log in: local accounts by default, the city's identity provider where configured.

The page offers both languages; a language chosen here is saved with the account at login.
"""

import streamlit as st

from hub.errors import HubError
from hub.i18n import LANGUAGES
from hub.sign_in import sign_in_problem
from ui import session
from ui.i18n import _, current_language, use_language

_CHOSEN_KEY = "login_language_chosen"


def _language_changed() -> None:
    use_language(st.session_state["login_language"])
    st.session_state[_CHOSEN_KEY] = True


hub = session.get_hub()
st.segmented_control(
    _("Language"),
    options=list(LANGUAGES),
    format_func=LANGUAGES.get,
    default=current_language(),
    key="login_language",
    on_change=_language_changed,
)
st.title(_("Municipal Social Hub"))
st.caption(_("Kolkata Municipal Corporation"))

if hub.settings.oidc is not None:
    problem = sign_in_problem(
        st.query_params.get("signin"), st.query_params.get("reason"), translate=_
    )
    if problem is not None:
        st.error(problem, icon=":material/error:")
    if session.signed_in_elsewhere_only():
        st.write(_("To log in with another corporation account, sign out of this one first."))
        if st.button(_("Use another account"), key="login_oidc_switch"):
            st.logout()
        st.stop()
    st.write(_("Log in with your corporation account."))
    if st.button(_("Log in"), type="primary", key="login_oidc"):
        st.login()
    st.stop()

with st.form("login_form"):
    username = st.text_input(_("Username"), key="login_username")
    password = st.text_input(_("Password"), type="password", key="login_password")
    submitted = st.form_submit_button(_("Log in"), type="primary")

if submitted:
    try:
        actor = hub.accounts.authenticate(username, password)
    except HubError as exc:
        session.show_error(exc)
    else:
        if st.session_state.get(_CHOSEN_KEY) and actor.language != current_language():
            actor = hub.accounts.set_own_language(actor, current_language())
        session.log_in(actor)
        st.rerun()
