"""Reply templates (IT, admins): the texts officers start their answers from, per department
and language, and each department's automatic acknowledgement."""

import streamlit as st

from hub.answering.templates import LANGUAGES, PLACEHOLDERS, PURPOSES
from hub.errors import HubError
from ui import session

actor = session.require_actor()
hub = session.get_hub()
st.title("Reply templates")
st.caption(
    "Placeholders: "
    + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    + ". The department's name follows the template's language; a Bengali template shows "
    "the ward in Bengali digits."
)

try:
    templates = hub.templates.list(actor, include_inactive=True)
    departments = hub.departments.list_departments(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

flash = st.session_state.pop("templates_flash", None)
if flash:
    st.success(flash)

names = {d.code: d.name_en for d in departments}
department_choices = [None, *names]


def department_label(code: str | None) -> str:
    """A department code as people read it; None is every department."""
    return "Every department" if code is None else f"{names.get(code, code)} ({code})"


st.dataframe(
    [
        {
            "id": t.id,
            "name": t.name,
            "department": department_label(t.department_code),
            "language": t.language,
            "purpose": t.purpose,
            "active": t.active,
            "text": t.body,
        }
        for t in templates
    ],
    hide_index=True,
)

with st.form("templates_new", clear_on_submit=True):
    st.subheader("New template")
    name = st.text_input("Name", key="templates_new_name")
    columns = st.columns(3)
    department = columns[0].selectbox(
        "Department", department_choices, format_func=department_label, key="templates_new_dept"
    )
    language = columns[1].selectbox("Language", LANGUAGES, key="templates_new_language")
    purpose = columns[2].selectbox("Purpose", PURPOSES, index=1, key="templates_new_purpose")
    body = st.text_area("Text", key="templates_new_body")
    if st.form_submit_button("Create template", type="primary"):
        try:
            created = hub.templates.create(
                actor,
                name=name,
                language=language,
                body=body,
                department_code=department,
                purpose=purpose,
            )
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state["templates_flash"] = f"Template “{created.name}” created."
            st.rerun()

if templates:
    st.subheader("Edit a template")
    chosen = st.selectbox(
        "Template",
        templates,
        format_func=lambda t: (
            f"#{t.id} {t.name} ({t.language}, {department_label(t.department_code)})"
        ),
        key="templates_edit_choice",
    )
    new_body = st.text_area("Text", value=chosen.body, key=f"templates_edit_body_{chosen.id}")
    active = st.checkbox("Active", value=chosen.active, key=f"templates_edit_active_{chosen.id}")
    if st.button("Save changes", key="templates_edit_save"):
        try:
            hub.templates.update(actor, chosen.id, body=new_body, active=active)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state["templates_flash"] = f"Template “{chosen.name}” saved."
            st.rerun()

st.subheader("Automatic acknowledgement")
st.caption(
    "When on, a citizen whose ticket is still new after the set minutes gets the "
    "acknowledgement template with the reference number, in their language."
)
code = st.selectbox("Department", list(names), format_func=department_label, key="templates_ack")
try:
    current = hub.replies.settings_for(actor, code)
except HubError as exc:
    session.show_error(exc)
    st.stop()
enabled = st.toggle("Acknowledge automatically", current.auto_acknowledge, key=f"ack_on_{code}")
minutes = st.number_input(
    "Within minutes",
    min_value=0,
    max_value=1440,
    value=current.acknowledge_after_minutes,
    key=f"ack_minutes_{code}",
)
if st.button("Save acknowledgement", key="templates_ack_save"):
    try:
        hub.replies.set_auto_acknowledge(actor, code, enabled, int(minutes))
    except HubError as exc:
        session.show_error(exc)
    else:
        st.session_state["templates_flash"] = f"Acknowledgement for {code} saved."
        st.rerun()

st.subheader("WhatsApp acknowledgement deadline")
st.caption(
    "A complaint to the city's WhatsApp number gets its reference number at once; this is "
    "the deadline it is held to, and the dashboard counts the share acknowledged within it."
)
deadline = st.number_input(
    "Minutes",
    min_value=1,
    max_value=1440,
    value=current.whatsapp_deadline_minutes,
    key=f"wa_deadline_{code}",
)
if st.button("Save deadline", key="templates_wa_deadline_save"):
    try:
        hub.replies.set_whatsapp_deadline(actor, code, int(deadline))
    except HubError as exc:
        session.show_error(exc)
    else:
        st.session_state["templates_flash"] = f"WhatsApp deadline for {code} saved."
        st.rerun()
