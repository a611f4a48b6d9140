"""My account: change one's own password."""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from ui import session

actor = session.require_actor()
st.title("My account")
st.text(f"{actor.label} ({actor.username}) · {actor.role.label}")

with st.form("account_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password")
    new = st.text_input("New password (at least 10 characters)", type="password")
    again = st.text_input("New password again", type="password")
    submitted = st.form_submit_button("Change password")

if submitted:
    if new != again:
        st.error("The two new passwords differ; nothing was changed.")
    else:
        try:
            session.get_hub().accounts.change_own_password(actor, current, new)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.success("Password changed.")

st.subheader("Where you are logged in")
sessions = session.get_hub().sessions.sessions_of(actor, session.current_session_id())
for login in sessions:
    zone = session.get_hub().settings.display_zone
    left, right = st.columns([4, 1])
    left.text(
        f"{'This browser · ' if login.current else ''}since"
        f" {format_local(login.created_at, zone)}, last active"
        f" {format_local(login.last_seen_at, zone)} · {login.user_agent[:80] or 'unknown browser'}"
    )
    if not login.current and right.button("End", key=f"account_end_{login.key}"):
        try:
            session.get_hub().sessions.end_own(actor, login.key)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
if not sessions:
    st.caption("No lasting session: this tab logs in again after a reload.")
