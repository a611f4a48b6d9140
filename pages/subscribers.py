"""Subscribers of notices (IT): counts per ward, named recipients added with their consent,
and the list with numbers shown by their last four digits only."""

import pandas as pd
import streamlit as st

from hub.errors import HubError
from hub.notices.notices import parse_wards
from hub.notices.subscriptions import ROLES
from ui import session

actor = session.require_actor()
hub = session.get_hub()
st.title("Subscribers")
st.caption(
    "Citizens subscribe by WhatsApp (SUBSCRIBE 65, যোগ ৬৫, jog 65; STOP ends everything)."
    " Add a councillor or a ward committee here only with the consent you hold."
)

try:
    counts = hub.subscriptions.ward_counts(actor)
    listed = hub.subscriptions.subscribers(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

left, right = st.columns([1, 2])
left.metric("Wards with subscribers", f"{len(counts):,}")
right.metric("Subscriptions to wards", f"{sum(counts.values()):,}")
if counts:
    st.dataframe(
        pd.DataFrame(
            [{"Ward": ward, "Subscribers": count} for ward, count in sorted(counts.items())]
        ),
        hide_index=True,
        height=240,
    )

with st.form("subscriber_add", clear_on_submit=True):
    st.markdown("**Add a named recipient**")
    first, second = st.columns(2)
    phone = first.text_input("WhatsApp number", placeholder="98300 12345")
    name = second.text_input("Name or office", placeholder="Councillor, ward 65")
    wards_text = first.text_input("Wards", placeholder="65, 66")
    role = second.selectbox("Role", ROLES, index=1, format_func=lambda r: r.replace("_", " "))
    language = first.selectbox(
        "Language", ["bn", "en"], format_func={"bn": "বাংলা", "en": "English"}.get
    )
    consent = second.text_input("Consent recorded in", placeholder="paper form 2026/114")
    added = st.form_submit_button("Add")
if added:
    try:
        hub.subscriptions.add_by_staff(
            actor,
            phone=phone,
            wards=list(parse_wards(wards_text)),
            consent_source=consent,
            language=language,
            role=role,
            display_name=name,
        )
    except HubError as exc:
        session.show_error(exc)
    else:
        st.success("Added.")
        st.rerun()

st.subheader("Latest subscribers")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Number": f"…{s.number_ending}",
                "Role": s.role.replace("_", " "),
                "Name": s.display_name or "",
                "Language": s.language,
                "Follows": ", ".join(s.topics),
                "Stopped": s.stopped,
            }
            for s in listed
        ]
    ),
    hide_index=True,
)
