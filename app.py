"""The Streamlit entrypoint: login, then the menu of the logged-in person's role."""

import streamlit as st

from hub.errors import HubError
from hub.permissions import pages_for
from ui import session

st.set_page_config(page_title="Municipal Social Hub", page_icon=":material/forum:", layout="wide")

try:
    hub = session.get_hub()
except HubError as exc:
    session.show_error(exc)
    st.stop()

actor = session.current_actor()
if actor is None:
    page = st.navigation(
        [st.Page("pages/login.py", title="Log in", icon=":material/login:", default=True)],
        position="hidden",
    )
else:
    menu = [
        st.Page(
            spec.script,
            title=spec.title,
            icon=spec.icon,
            url_path=spec.key,
            default=spec.key == "home",
        )
        for spec in pages_for(actor.role)
    ]
    with st.sidebar:
        st.markdown("**Municipal Social Hub**")
        st.text(actor.label)
        where = f" · {actor.department_code}" if actor.department_code else ""
        st.caption(f"{actor.role.label}{where}")
        if st.button("Log out", icon=":material/logout:", key="app_logout"):
            session.log_out(actor)
            st.rerun()
    page = st.navigation({"Menu": menu})
page.run()
