"""My account: change one's own password."""

import streamlit as st

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
