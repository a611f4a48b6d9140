"""Subscribers of notices (IT): counts per ward, named recipients added with their consent,
and the list with numbers shown by their last four digits only."""

import pandas as pd
import streamlit as st

from hub.errors import HubError
from hub.i18n import LANGUAGES
from hub.notices.subscriptions import ROLES
from ui import forms, session
from ui.i18n import _, format_number

actor = session.require_actor()
hub = session.get_hub()
st.title(_("Subscribers"))
st.caption(
    _(
        "Citizens subscribe by WhatsApp (SUBSCRIBE 65, যোগ ৬৫, jog 65; STOP ends everything)."
        " Add a councillor or a ward committee here only with the consent you hold."
    )
)

# A subscriber's role as people read it (the stored values stay English).
ROLE_LABELS = {
    "citizen": _("citizen"),
    "councillor": _("councillor"),
    "ward_committee": _("ward committee"),
}


def role_label(role: str) -> str:
    """A subscriber's role in the reader's language."""
    return ROLE_LABELS.get(role, role.replace("_", " "))


try:
    counts = hub.subscriptions.ward_counts(actor)
    listed = hub.subscriptions.subscribers(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

left, right = st.columns([1, 2])
left.metric(_("Wards with subscribers"), format_number(len(counts)))
right.metric(_("Subscriptions to wards"), format_number(sum(counts.values())))
if counts:
    st.dataframe(
        pd.DataFrame(
            [{_("Ward"): ward, _("Subscribers"): count} for ward, count in sorted(counts.items())]
        ),
        hide_index=True,
        height=240,
    )

# Each field has a key: a refused entry keeps what was typed (ui.forms).
KEYS = {
    field: f"subscriber_add_{field}"
    for field in ("phone", "name", "wards", "role", "language", "consent")
}
forms.prepare(
    "subscriber_add",
    {KEYS["role"]: "councillor", KEYS["language"]: "bn"}
    | {KEYS[field]: "" for field in ("phone", "name", "wards", "consent")},
)
with st.form("subscriber_add"):
    st.markdown(_("**Add a named recipient**"))
    first, second = st.columns(2)
    phone = first.text_input(_("WhatsApp number"), placeholder="98300 12345", key=KEYS["phone"])
    name = second.text_input(
        _("Name or office"), placeholder=_("Councillor, ward 65"), key=KEYS["name"]
    )
    wards_text = first.text_input(_("Wards"), placeholder="65, 66", key=KEYS["wards"])
    role = second.selectbox(_("Role"), ROLES, format_func=role_label, key=KEYS["role"])
    language = first.selectbox(
        _("Language"), ["bn", "en"], format_func=LANGUAGES.get, key=KEYS["language"]
    )
    consent = second.text_input(
        _("Consent recorded in"), placeholder=_("paper form 2026/114"), key=KEYS["consent"]
    )
    added = st.form_submit_button(_("Add"))
if added:
    try:
        hub.subscriptions.add_by_staff(
            actor,
            phone=phone,
            wards=list(hub.notices.wards_from(wards_text)),
            consent_source=consent,
            language=language,
            role=role,
            display_name=name,
        )
    except HubError as exc:
        session.show_error(exc)
    else:
        forms.finish("subscriber_add", _("Added."))

st.subheader(_("Latest subscribers"))
st.dataframe(
    pd.DataFrame(
        [
            {
                _("Number"): f"…{s.number_ending}",
                _("Role"): role_label(s.role),
                _("Name"): s.display_name or "",
                _("Language"): s.language,
                _("Follows"): ", ".join(s.topics),
                _("Stopped"): s.stopped,
            }
            for s in listed
        ]
    ),
    hide_index=True,
)
