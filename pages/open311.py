"""Open311 keys: the applications allowed to file reports (admins issue and revoke)."""

import streamlit as st

from hub.errors import HubError
from ui import session
from ui.i18n import _, digits, format_local

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Open311 keys"))
st.caption(
    _(
        "Civic apps and other systems file reports at /open311/v2/requests.json with a key from"
        " here; reading reports needs no key. A key is shown once: copy it for the application."
    )
)

with st.form("open311_issue", clear_on_submit=True):
    name = st.text_input(_("Application"), placeholder=_("e.g. Ward 65 kiosk, Citizen app"))
    issued = st.form_submit_button(_("Issue a key"))
if issued:
    try:
        new = hub.open311_clients.issue(actor, name)
    except HubError as exc:
        session.show_error(exc)
    else:
        st.success(
            _("Key for {application}: copy it now, it is not shown again.").format(
                application=session.as_literal_markdown(new.client.name)
            )
        )
        st.code(new.key, language=None)

try:
    clients = hub.open311_clients.list_clients(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

if not clients:
    st.info(_("No application has a key yet."))
for client in clients:
    left, right = st.columns([5, 1])
    state = (
        _("active")
        if client.active
        else _("revoked {when}").format(when=format_local(client.revoked_at, zone))
    )
    left.markdown(
        f"**{session.as_literal_markdown(client.name)}** · `{client.key_prefix}…` · {state}"
    )
    left.caption(
        _("issued {when} by {username} · {count} report(s) filed · last used {last}").format(
            when=format_local(client.created_at, zone),
            username=client.created_by,
            count=digits(str(client.requests_filed)),
            last=format_local(client.last_used_at, zone),
        )
    )
    if client.active and right.button(_("Revoke"), key=f"open311_revoke_{client.id}"):
        try:
            hub.open311_clients.revoke(actor, client.id)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
