"""A one-panel page for AppTest: the answer panel of the ticket in session state."""

import streamlit as st

from ui import session
from ui.answer_panel import show_answer_panel

actor = session.require_actor()
show_answer_panel(session.get_hub(), actor, st.session_state["answer_panel_ticket"])
