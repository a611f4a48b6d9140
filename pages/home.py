"""Home: the figures for the logged-in person's role."""

import streamlit as st

from hub.errors import HubError
from ui import session
from ui.i18n import _, format_number

actor = session.require_actor()
try:
    summary = session.get_hub().home.summary(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

if summary.greeting_name is not None:
    st.title(_(summary.heading).format(name=summary.greeting_name))
else:
    st.title(summary.heading)
columns = st.columns(min(4, len(summary.figures)))
for index, figure in enumerate(summary.figures):
    value = format_number(figure.value) if isinstance(figure.value, int) else figure.value
    columns[index % len(columns)].metric(
        _(figure.label), value, help=_(figure.help) if figure.help else None
    )
