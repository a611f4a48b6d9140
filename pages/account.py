"""My account: the language of the UI, one's own password, and where one is logged in."""

import streamlit as st

from hub.errors import HubError
from hub.i18n import LANGUAGES
from ui import session
from ui.i18n import _, format_local, use_language

actor = session.require_actor()
st.title(_("My account"))
st.text(f"{actor.label} ({actor.username}) · {_(actor.role.label)}")

language = st.segmented_control(
    _("Language"),
    options=list(LANGUAGES),
    format_func=LANGUAGES.get,
    default=actor.language,
    key="account_language",
)
if language is not None and language != actor.language:
    try:
        changed = session.get_hub().accounts.set_own_language(actor, language)
    except HubError as exc:
        session.show_error(exc)
    else:
        use_language(changed.language)
        st.rerun()

with st.form("account_password", clear_on_submit=True):
    current = st.text_input(_("Current password"), type="password")
    new = st.text_input(_("New password (at least 10 characters)"), type="password")
    again = st.text_input(_("New password again"), type="password")
    submitted = st.form_submit_button(_("Change password"))

if submitted:
    if new != again:
        st.error(_("The two new passwords differ; nothing was changed."))
    else:
        try:
            session.get_hub().accounts.change_own_password(actor, current, new)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.success(_("Password changed."))

st.subheader(_("Where you are logged in"))
sessions = session.get_hub().sessions.sessions_of(actor, session.current_session_id())
zone = session.get_hub().settings.display_zone
for login in sessions:
    left, right = st.columns([4, 1])
    template = (
        _("This browser · since {since}, last active {seen} · {browser}")
        if login.current
        else _("since {since}, last active {seen} · {browser}")
    )
    left.text(
        template.format(
            since=format_local(login.created_at, zone),
            seen=format_local(login.last_seen_at, zone),
            browser=login.user_agent[:80] or _("unknown browser"),
        )
    )
    if not login.current and right.button(_("End"), key=f"account_end_{login.key}"):
        try:
            session.get_hub().sessions.end_own(actor, login.key)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
if not sessions:
    st.caption(_("No lasting session: this tab logs in again after a reload."))
