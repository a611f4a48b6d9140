"""Audit log (admins): every login, denial and change, filtered and paged in the store."""

import json
from datetime import datetime, time, timedelta

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from ui import session

PAGE_SIZE = 50

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Audit log")

try:
    known_actions = hub.audit.actions(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

left, middle, right, last = st.columns(4)
who = left.text_input("Who", key="audit_who")
action = middle.selectbox("Action", ["", *known_actions], key="audit_action")
outcome = right.selectbox("Outcome", ["", "ok", "denied", "failed"], key="audit_outcome")
today = datetime.now(zone).date()
days = last.date_input("Dates", (today - timedelta(days=7), today), key="audit_dates")
since = until = None
if isinstance(days, tuple) and len(days) == 2:
    since = datetime.combine(days[0], time.min, zone)
    until = datetime.combine(days[1] + timedelta(days=1), time.min, zone)
page_number = st.number_input("Page", min_value=1, value=1, step=1, key="audit_page")

try:
    result = hub.audit.browse(
        actor,
        actor_filter=who,
        action_filter=action,
        outcome=outcome,
        since=since,
        until=until,
        limit=PAGE_SIZE,
        offset=(int(page_number) - 1) * PAGE_SIZE,
    )
except HubError as exc:
    session.show_error(exc)
    st.stop()

pages = max(1, -(-result.total // PAGE_SIZE))
st.caption(f"{result.total} entries · page {int(page_number)} of {pages} · times in {zone.key}")


def _compact(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, default=str)


st.dataframe(
    [
        {
            "When": format_local(e.at, zone),
            "Who": e.actor,
            "Role": e.actor_role or "",
            "Action": e.action,
            "Outcome": e.outcome,
            "Target": f"{e.target_type or ''} {e.target_id or ''}".strip(),
            "Department": e.department_code or "",
            "Before": _compact(e.before),
            "After": _compact(e.after),
            "Detail": e.detail or "",
        }
        for e in result.entries
    ],
    hide_index=True,
    width="stretch",
)
