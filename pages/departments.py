"""Departments: everyone reads them; admins import, export and edit them."""

import streamlit as st

from hub.errors import HubError
from hub.permissions import Action, is_allowed
from ui import session
from ui.i18n import _

actor = session.require_actor()
hub = session.get_hub()
st.title(_("Departments"))

try:
    departments = hub.departments.list_departments(actor, include_inactive=True)
except HubError as exc:
    session.show_error(exc)
    st.stop()

# The names in both languages, never translated; the Bengali name's column is headed in
# Bengali, so in the Bengali UI the English name's column says which name it holds.
english_name, bengali_name = _("Department"), "বিভাগ"
if english_name == bengali_name:
    english_name = _("Department (English)")
st.dataframe(
    [
        {
            _("Code"): d.code,
            english_name: d.name_en,
            bengali_name: d.name_bn,
            _("Controlling officer"): d.controlling_officer,
            _("E-mail"): d.contact_email,
            _("First response (h)"): d.first_response_target_hours,
            _("Resolution (h)"): d.resolution_target_hours,
            _("Routing words"): len(d.keywords_en) + len(d.keywords_bn),
            _("Active"): d.active,
        }
        for d in departments
    ],
    hide_index=True,
    width="stretch",
)
st.download_button(
    _("Download as CSV"),
    hub.departments.export_csv(actor).encode("utf-8"),
    file_name="departments.csv",
    mime="text/csv",
    key="departments_export",
)

if not is_allowed(actor, Action.MANAGE_DEPARTMENTS):
    st.stop()

st.subheader(_("Import a departments file"))
st.caption(
    _(
        "The whole file is checked first: if any line has a problem, nothing is imported and "
        "every problem is listed with its line and column."
    )
)
upload = st.file_uploader(_("departments.csv (UTF-8)"), type=["csv"], key="departments_upload")
if upload is not None and st.button(_("Import"), type="primary", key="departments_import"):
    try:
        result = hub.departments.import_csv(actor, upload.getvalue(), source=upload.name)
    except HubError as exc:
        session.show_error(exc)
    else:
        st.success(_("Imported: {summary}.").format(summary=result.summary.translated(_)))

st.subheader(_("Edit a department"))
codes = [d.code for d in departments]
code = st.selectbox(
    _("Department"),
    codes,
    key="departments_edit_code",
    format_func=lambda c: next(d.label for d in departments if d.code == c),
)
chosen = next((d for d in departments if d.code == code), None)
if chosen is not None:
    with st.form("departments_edit"):
        officer = st.text_input(_("Controlling officer"), chosen.controlling_officer)
        email = st.text_input(_("Contact e-mail"), chosen.contact_email)
        first = st.number_input(
            _("First-response target (hours)"), 1, 8760, chosen.first_response_target_hours
        )
        resolution = st.number_input(
            _("Resolution target (hours)"), 1, 8760, chosen.resolution_target_hours
        )
        words_en = st.text_area(
            _("Routing words, English (; between)"), ";".join(chosen.keywords_en)
        )
        words_bn = st.text_area(
            _("Routing words, Bengali (; between)"), ";".join(chosen.keywords_bn)
        )
        active = st.checkbox(_("Active"), chosen.active)
        saved = st.form_submit_button(_("Save"))
    if saved:
        try:
            hub.departments.update(
                actor,
                chosen.code,
                controlling_officer=officer,
                contact_email=email,
                first_response_target_hours=int(first),
                resolution_target_hours=int(resolution),
                keywords_en=words_en,
                keywords_bn=words_bn,
                active=active,
            )
        except HubError as exc:
            session.show_error(exc)
        else:
            st.success(_("{code} saved.").format(code=chosen.code))
            st.rerun()
