"""Home: the figures for the logged-in person's role."""

import streamlit as st

from hub.errors import HubError
from ui import session

actor = session.require_actor()
try:
    summary = session.get_hub().home.summary(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

st.title(summary.heading)
columns = st.columns(min(4, len(summary.figures)))
for index, figure in enumerate(summary.figures):
    columns[index % len(columns)].metric(figure.label, figure.value, help=figure.help or None)
