"""The Streamlit entrypoint: login, then the menu of the logged-in person's role.

It lives in ui/, not beside pages/: Streamlit treats a folder named `pages` next to the
main script as the old automatic multipage app and, until the first `st.navigation` call
in the process, would serve every file in it with its own menu.
"""

from pathlib import Path

import streamlit as st

from hub.errors import HubError
from hub.permissions import pages_for
from ui import session
from ui.i18n import _, use_language

PROJECT_ROOT = Path(__file__).resolve().parents[1]

st.set_page_config(
    page_title="Municipal Social Hub",
    page_icon=str(PROJECT_ROOT / "ui" / "favicon.png"),
    layout="wide",
)

try:
    hub = session.get_hub()
except HubError as exc:
    session.show_error(exc)
    st.stop()

actor = session.current_actor()
if actor is None:
    page = st.navigation(
        [
            st.Page(
                PROJECT_ROOT / "pages/login.py",
                title=_("Log in"),
                icon=":material/login:",
                default=True,
            )
        ],
        position="hidden",
    )
else:
    use_language(actor.language)
    menu = [
        st.Page(
            PROJECT_ROOT / spec.script,
            title=_(spec.title),
            icon=spec.icon,
            url_path=spec.key,
            default=spec.key == "home",
        )
        for spec in pages_for(actor.role)
    ]
    with st.sidebar:
        st.markdown("**{}**".format(_("Municipal Social Hub")))
        st.text(actor.label)
        where = f" · {actor.department_code}" if actor.department_code else ""
        st.caption(f"{_(actor.role.label)}{where}")
        if st.button(_("Log out"), icon=":material/logout:", key="app_logout"):
            session.log_out(actor)
            st.rerun()
        session.deliver_session_cookie()
    # Expanded: an IT member has 14 pages, and a folded "View 4 more" hides half the work.
    page = st.navigation({_("Menu"): menu}, expanded=True)
page.run()
