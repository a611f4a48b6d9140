"""Escalations: open tickets past their target or urgent, for the commissioner and IT."""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from hub.tickets.board import IT_QUEUE
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Escalations")

try:
    escalated = hub.tickets.escalations(actor, page=1, page_size=200)
except HubError as exc:
    session.show_error(exc)
    st.stop()

st.caption(f"{escalated.total} open escalated ticket(s)")
if not escalated.rows:
    st.info("Nothing is escalated: every open ticket is within its target.")
    st.stop()

st.dataframe(
    [
        {
            "Reference": row.reference,
            "Dept": row.department_code or IT_QUEUE,
            "Why": row.escalation_reason,
            "Status": row.status.replace("_", " "),
            "Minutes left": row.minutes_left,
            "Ward": row.ward,
            "Text": row.text,
            "Opened": format_local(row.opened_at, zone, with_zone=False),
        }
        for row in escalated.rows
    ],
    hide_index=True,
    width="stretch",
)
by_reference = {row.reference: row.id for row in escalated.rows}
picked = st.selectbox("Open a ticket", list(by_reference), key="escalations_pick")
if st.button("Open", key="escalations_open"):
    st.session_state["ticket_id"] = by_reference[picked]
    session.switch_to("ticket")
