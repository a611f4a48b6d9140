"""Users (admins): add accounts, change roles, disable, reset passwords."""

import streamlit as st

from hub.errors import HubError
from hub.permissions import Role
from ui import forms, session
from ui.i18n import _, format_local

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Users"))

try:
    users = hub.accounts.list_users(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()


def role_label(role: Role) -> str:
    """A role's name in the reader's language."""
    return _(role.label)


st.dataframe(
    [
        {
            _("Username"): u.username,
            _("Name"): u.display_name,
            _("Role"): role_label(u.role),
            _("Department"): u.department_code or "",
            _("E-mail"): u.email or "",
            _("Active"): u.active,
            _("Failed logins"): u.failed_logins,
            _("Locked until"): format_local(u.locked_until, zone) if u.locked_until else "",
            _("Last login"): format_local(u.last_login_at, zone),
        }
        for u in users
    ],
    hide_index=True,
    width="stretch",
)

codes = [""] + [d.code for d in hub.departments.all_departments()]
roles = list(Role)

st.subheader(_("Add a user"))
# A refused user keeps what was typed until it is added (ui.forms).
forms.prepare(
    "users_add",
    {"users_add_role": roles[0], "users_add_department": codes[0]}
    | {f"users_add_{field}": "" for field in ("username", "name", "email", "password")},
)
with st.form("users_add"):
    left, right = st.columns(2)
    username = left.text_input(_("Username (lower case)"), key="users_add_username")
    name = right.text_input(_("Full name"), key="users_add_name")
    role = left.selectbox(_("Role"), roles, format_func=role_label, key="users_add_role")
    department = right.selectbox(_("Department (officers only)"), codes, key="users_add_department")
    email = left.text_input(_("E-mail"), key="users_add_email")
    password = right.text_input(
        _("First password (at least 10 characters)"), type="password", key="users_add_password"
    )
    added = st.form_submit_button(_("Add user"), type="primary")
if added:
    try:
        user = hub.accounts.create_user(
            actor,
            username=username,
            display_name=name,
            role=role,
            department_code=department or None,
            email=email,
            password=password or None,
        )
    except HubError as exc:
        session.show_error(exc)
    else:
        forms.finish("users_add", _("User {username} added.").format(username=user.username))

st.subheader(_("Change a user"))
names = [u.username for u in users]
chosen_name = st.selectbox(_("User"), names, key="users_edit_username")
chosen = next((u for u in users if u.username == chosen_name), None)
if chosen is not None:
    with st.form("users_edit"):
        left, right = st.columns(2)
        new_name = left.text_input(_("Full name"), chosen.display_name)
        new_email = right.text_input(_("E-mail"), chosen.email or "")
        new_role = left.selectbox(
            _("Role"), roles, index=roles.index(chosen.role), format_func=role_label
        )
        new_department = right.selectbox(
            _("Department (officers only)"),
            codes,
            index=codes.index(chosen.department_code) if chosen.department_code in codes else 0,
        )
        saved = st.form_submit_button(_("Save changes"))
    if saved:
        try:
            hub.accounts.update_user(
                actor,
                chosen.username,
                display_name=new_name,
                email=new_email,
                role=new_role,
                department_code=new_department,
            )
        except HubError as exc:
            session.show_error(exc)
        else:
            st.success(_("{username} saved.").format(username=chosen.username))
            st.rerun()

    left, right = st.columns(2)
    label = _("Enable account") if not chosen.active else _("Disable account")
    if left.button(label, key="users_toggle_active"):
        try:
            hub.accounts.set_active(actor, chosen.username, not chosen.active)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
    if left.button(_("End all sessions"), key="users_end_sessions"):
        try:
            hub.sessions.end_all(actor, chosen.username)
        except HubError as exc:
            session.show_error(exc)
        else:
            who = session.as_literal_markdown(chosen.username)
            st.success(
                _("Every session of {username} is over: they log in again.").format(username=who)
            )
    with right.form("users_reset", clear_on_submit=True):
        new_password = st.text_input(_("New password"), type="password")
        reset = st.form_submit_button(_("Reset password and unlock"))
    if reset:
        try:
            hub.accounts.reset_password(actor, chosen.username, new_password)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.success(
                _("Password of {username} reset; the account is unlocked.").format(
                    username=chosen.username
                )
            )
