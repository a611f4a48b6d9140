"""Reply templates (IT, admins): the texts officers start their answers from, per department
and language, and each department's automatic acknowledgement."""

import streamlit as st

from hub.answering.templates import LANGUAGES, PLACEHOLDERS, PURPOSES
from hub.errors import HubError
from ui import session
from ui.i18n import _, current_language

actor = session.require_actor()
hub = session.get_hub()
st.title(_("Reply templates"))
st.caption(
    _(
        "Placeholders: {placeholders}. The department's name follows the template's language;"
        " a Bengali template shows the ward in Bengali digits."
    ).format(placeholders=", ".join("{" + name + "}" for name in PLACEHOLDERS))
)

# A template's purpose as people read it (the stored values stay English).
PURPOSE_LABELS = {
    "acknowledgement": _("acknowledgement"),
    "answer": _("answer"),
    "resolution": _("resolution"),
}


def purpose_label(purpose: str) -> str:
    """A template's purpose in the reader's language."""
    return PURPOSE_LABELS.get(purpose, purpose)


try:
    templates = hub.templates.list(actor, include_inactive=True)
    departments = hub.departments.list_departments(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

flash = st.session_state.pop("templates_flash", None)
if flash:
    st.success(flash)

# Department names are never translated: a Bengali reader gets the Bengali name they have.
bengali = current_language() == "bn"
names = {d.code: (d.name_bn if bengali else d.name_en) for d in departments}
department_choices = [None, *names]


def department_label(code: str | None) -> str:
    """A department code as people read it; None is every department."""
    return _("Every department") if code is None else f"{names.get(code, code)} ({code})"


st.dataframe(
    [
        {
            _("id"): t.id,
            _("name"): t.name,
            _("department"): department_label(t.department_code),
            _("language"): t.language,
            _("purpose"): purpose_label(t.purpose),
            _("active"): t.active,
            _("text"): t.body,
        }
        for t in templates
    ],
    hide_index=True,
)

with st.form("templates_new", clear_on_submit=True):
    st.subheader(_("New template"))
    name = st.text_input(_("Name"), key="templates_new_name")
    columns = st.columns(3)
    department = columns[0].selectbox(
        _("Department"), department_choices, format_func=department_label, key="templates_new_dept"
    )
    language = columns[1].selectbox(_("Language"), LANGUAGES, key="templates_new_language")
    purpose = columns[2].selectbox(
        _("Purpose"), PURPOSES, index=1, format_func=purpose_label, key="templates_new_purpose"
    )
    body = st.text_area(_("Text"), key="templates_new_body")
    if st.form_submit_button(_("Create template"), type="primary"):
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
            st.session_state["templates_flash"] = _("Template “{name}” created.").format(
                name=created.name
            )
            st.rerun()

if templates:
    st.subheader(_("Edit a template"))
    chosen = st.selectbox(
        _("Template"),
        templates,
        format_func=lambda t: (
            f"#{t.id} {t.name} ({t.language}, {department_label(t.department_code)})"
        ),
        key="templates_edit_choice",
    )
    new_body = st.text_area(_("Text"), value=chosen.body, key=f"templates_edit_body_{chosen.id}")
    active = st.checkbox(_("Active"), value=chosen.active, key=f"templates_edit_active_{chosen.id}")
    if st.button(_("Save changes"), key="templates_edit_save"):
        try:
            hub.templates.update(actor, chosen.id, body=new_body, active=active)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state["templates_flash"] = _("Template “{name}” saved.").format(
                name=chosen.name
            )
            st.rerun()

st.subheader(_("Automatic acknowledgement"))
st.caption(
    _(
        "When on, a citizen whose ticket is still new after the set minutes gets the "
        "acknowledgement template with the reference number, in their language."
    )
)
code = st.selectbox(_("Department"), list(names), format_func=department_label, key="templates_ack")
try:
    current = hub.replies.settings_for(actor, code)
except HubError as exc:
    session.show_error(exc)
    st.stop()
enabled = st.toggle(_("Acknowledge automatically"), current.auto_acknowledge, key=f"ack_on_{code}")
minutes = st.number_input(
    _("Within minutes"),
    min_value=0,
    max_value=1440,
    value=current.acknowledge_after_minutes,
    key=f"ack_minutes_{code}",
)
if st.button(_("Save acknowledgement"), key="templates_ack_save"):
    try:
        hub.replies.set_auto_acknowledge(actor, code, enabled, int(minutes))
    except HubError as exc:
        session.show_error(exc)
    else:
        st.session_state["templates_flash"] = _("Acknowledgement for {code} saved.").format(
            code=code
        )
        st.rerun()

st.subheader(_("WhatsApp acknowledgement deadline"))
st.caption(
    _(
        "A complaint to the city's WhatsApp number gets its reference number at once; this is "
        "the deadline it is held to, and the dashboard counts the share acknowledged within it."
    )
)
deadline = st.number_input(
    _("Minutes"),
    min_value=1,
    max_value=1440,
    value=current.whatsapp_deadline_minutes,
    key=f"wa_deadline_{code}",
)
if st.button(_("Save deadline"), key="templates_wa_deadline_save"):
    try:
        hub.replies.set_whatsapp_deadline(actor, code, int(deadline))
    except HubError as exc:
        session.show_error(exc)
    else:
        st.session_state["templates_flash"] = _("WhatsApp deadline for {code} saved.").format(
            code=code
        )
        st.rerun()
