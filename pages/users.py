"""Users (admins): add accounts, change roles, disable, reset passwords."""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from hub.permissions import Role
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Users")

try:
    users = hub.accounts.list_users(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

st.dataframe(
    [
        {
            "Username": u.username,
            "Name": u.display_name,
            "Role": u.role.label,
            "Department": u.department_code or "",
            "E-mail": u.email or "",
            "Active": u.active,
            "Failed logins": u.failed_logins,
            "Locked until": format_local(u.locked_until, zone) if u.locked_until else "",
            "Last login": format_local(u.last_login_at, zone),
        }
        for u in users
    ],
    hide_index=True,
    width="stretch",
)

codes = [""] + [d.code for d in hub.departments.all_departments()]
roles = list(Role)

st.subheader("Add a user")
with st.form("users_add", clear_on_submit=True):
    left, right = st.columns(2)
    username = left.text_input("Username (lower case)", key="users_add_username")
    name = right.text_input("Full name", key="users_add_name")
    role = left.selectbox("Role", roles, format_func=lambda r: r.label, key="users_add_role")
    department = right.selectbox("Department (officers only)", codes, key="users_add_department")
    email = left.text_input("E-mail", key="users_add_email")
    password = right.text_input(
        "First password (at least 10 characters)", type="password", key="users_add_password"
    )
    added = st.form_submit_button("Add user", type="primary")
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
        st.success(f"User {user.username} added.")
        st.rerun()

st.subheader("Change a user")
names = [u.username for u in users]
chosen_name = st.selectbox("User", names, key="users_edit_username")
chosen = next((u for u in users if u.username == chosen_name), None)
if chosen is not None:
    with st.form("users_edit"):
        left, right = st.columns(2)
        new_name = left.text_input("Full name", chosen.display_name)
        new_email = right.text_input("E-mail", chosen.email or "")
        new_role = left.selectbox(
            "Role", roles, index=roles.index(chosen.role), format_func=lambda r: r.label
        )
        new_department = right.selectbox(
            "Department (officers only)",
            codes,
            index=codes.index(chosen.department_code) if chosen.department_code in codes else 0,
        )
        saved = st.form_submit_button("Save changes")
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
            st.success(f"{chosen.username} saved.")
            st.rerun()

    left, right = st.columns(2)
    label = "Enable account" if not chosen.active else "Disable account"
    if left.button(label, key="users_toggle_active"):
        try:
            hub.accounts.set_active(actor, chosen.username, not chosen.active)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
    if left.button("End all sessions", key="users_end_sessions"):
        try:
            hub.sessions.end_all(actor, chosen.username)
        except HubError as exc:
            session.show_error(exc)
        else:
            who = session.as_literal_markdown(chosen.username)
            st.success(f"Every session of {who} is over: they log in again.")
    with right.form("users_reset", clear_on_submit=True):
        new_password = st.text_input("New password", type="password")
        reset = st.form_submit_button("Reset password and unlock")
    if reset:
        try:
            hub.accounts.reset_password(actor, chosen.username, new_password)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.success(f"Password of {chosen.username} reset; the account is unlocked.")
