"""Escalations: open tickets past their target or urgent, for the commissioner and IT."""

import streamlit as st

from hub.errors import HubError
from hub.tickets.labels import ESCALATION_LABELS, status_label
from ui import session
from ui.i18n import _, digits, format_local, format_number, format_time_left, pgettext

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Escalations"))


try:
    escalated = hub.tickets.escalations(actor, page=1, page_size=200)
except HubError as exc:
    session.show_error(exc)
    st.stop()

st.caption(_("{count} open escalated ticket(s)").format(count=format_number(escalated.total)))
if not escalated.rows:
    st.info(_("Nothing is escalated: every open ticket is within its target."))
    st.stop()

st.dataframe(
    [
        {
            _("Reference"): row.reference,
            _("Dept"): row.department_code or _("IT queue"),
            _("Why"): _(
                ESCALATION_LABELS.get(row.escalation_reason or "", row.escalation_reason or "")
            ),
            _("Status"): _(status_label(row.status)),
            _("Time left"): format_time_left(row.minutes_left),
            _("Ward"): digits(str(row.ward)) if row.ward else "—",
            _("Text"): row.text,
            _("Opened"): format_local(row.opened_at, zone, with_zone=False),
        }
        for row in escalated.rows
    ],
    hide_index=True,
    width="stretch",
)
by_reference = {row.reference: row.id for row in escalated.rows}
picked = st.selectbox(_("Open a ticket"), list(by_reference), key="escalations_pick")
if st.button(pgettext("button", "Open"), key="escalations_open"):
    st.session_state["ticket_id"] = by_reference[picked]
    session.switch_to("ticket")
