"""Open311 keys: the applications allowed to file reports (admins issue and revoke)."""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Open311 keys")
st.caption(
    "Civic apps and other systems file reports at /open311/v2/requests.json with a key from"
    " here; reading reports needs no key. A key is shown once: copy it for the application."
)

with st.form("open311_issue", clear_on_submit=True):
    name = st.text_input("Application", placeholder="e.g. Ward 65 kiosk, Citizen app")
    issued = st.form_submit_button("Issue a key")
if issued:
    try:
        new = hub.open311_clients.issue(actor, name)
    except HubError as exc:
        session.show_error(exc)
    else:
        st.success(
            f"Key for {session.as_literal_markdown(new.client.name)}: copy it now, it is not"
            " shown again."
        )
        st.code(new.key, language=None)

try:
    clients = hub.open311_clients.list_clients(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

if not clients:
    st.info("No application has a key yet.")
for client in clients:
    left, right = st.columns([5, 1])
    state = "active" if client.active else f"revoked {format_local(client.revoked_at, zone)}"
    left.markdown(
        f"**{session.as_literal_markdown(client.name)}** · `{client.key_prefix}…` · {state}"
    )
    left.caption(
        f"issued {format_local(client.created_at, zone)} by {client.created_by} ·"
        f" {client.requests_filed} report(s) filed · last used"
        f" {format_local(client.last_used_at, zone)}"
    )
    if client.active and right.button("Revoke", key=f"open311_revoke_{client.id}"):
        try:
            hub.open311_clients.revoke(actor, client.id)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
