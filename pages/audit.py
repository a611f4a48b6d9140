"""Audit log (admins): every login, denial and change, filtered and paged in the store."""

import json
from datetime import datetime, time, timedelta

import streamlit as st

from hub.errors import HubError
from ui import session
from ui.i18n import _, digits, format_local

PAGE_SIZE = 50

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Audit log"))

# An entry's outcome as people read it (the filter and the stored values stay English).
OUTCOMES = {"": "", "ok": _("ok"), "denied": _("denied"), "failed": _("failed")}

try:
    known_actions = hub.audit.actions(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

left, middle, right, last = st.columns(4)
who = left.text_input(_("Who"), key="audit_who")
action = middle.selectbox(_("Action"), ["", *known_actions], key="audit_action")
outcome = right.selectbox(
    _("Outcome"), list(OUTCOMES), format_func=OUTCOMES.__getitem__, key="audit_outcome"
)
today = datetime.now(zone).date()
days = last.date_input(_("Dates"), (today - timedelta(days=7), today), key="audit_dates")
since = until = None
if isinstance(days, tuple) and len(days) == 2:
    since = datetime.combine(days[0], time.min, zone)
    until = datetime.combine(days[1] + timedelta(days=1), time.min, zone)
page_number = st.number_input(_("Page"), min_value=1, value=1, step=1, key="audit_page")

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
st.caption(
    _("{total} entries · page {page} of {pages} · times in {zone}").format(
        total=digits(str(result.total)),
        page=digits(str(int(page_number))),
        pages=digits(str(pages)),
        zone=zone.key,
    )
)


def _compact(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, default=str)


st.dataframe(
    [
        {
            _("When"): format_local(e.at, zone),
            _("Who"): e.actor,
            _("Role"): e.actor_role or "",
            _("Action"): e.action,
            _("Outcome"): OUTCOMES.get(e.outcome, e.outcome),
            _("Target"): f"{e.target_type or ''} {e.target_id or ''}".strip(),
            _("Department"): e.department_code or "",
            _("Before"): _compact(e.before),
            _("After"): _compact(e.after),
            _("Detail"): e.detail or "",
        }
        for e in result.entries
    ],
    hide_index=True,
    width="stretch",
)
