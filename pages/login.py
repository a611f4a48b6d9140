"""Log in: local accounts by default, the city's identity provider where configured."""

import streamlit as st

from hub.errors import HubError
from ui import session

hub = session.get_hub()
st.title("Municipal Social Hub")
st.caption("Kolkata Municipal Corporation · কলকাতা পৌরসংস্থা")

if hub.settings.oidc is not None:
    st.write("Log in with your corporation account.")
    if st.button("Log in", type="primary", key="login_oidc"):
        st.login()
    st.stop()

with st.form("login_form"):
    username = st.text_input("Username", key="login_username")
    password = st.text_input("Password", type="password", key="login_password")
    submitted = st.form_submit_button("Log in", type="primary")

if submitted:
    try:
        actor = hub.accounts.authenticate(username, password)
    except HubError as exc:
        session.show_error(exc)
    else:
        session.log_in(actor)
        st.rerun()
