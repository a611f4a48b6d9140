"""A WhatsApp ticket's attachments: photos shown (cleaned of metadata), voice notes playable,
PDFs and recordings browsers cannot play offered as downloads, refusals and failures said.

The ticket page calls `show_attachments(hub, actor, ticket_id)`; what is shown comes from
`hub.attachments`, which checks the actor may see the ticket.
"""

from __future__ import annotations

import streamlit as st

from hub.bootstrap import Hub
from hub.errors import HubError
from hub.permissions import Actor
from hub.platforms.whatsapp_webhook import MEDIA_KIND_WORDS
from ui import session
from ui.i18n import _, format_local

_EXTENSIONS = {"audio/ogg": "ogg", "audio/aac": "aac", "audio/mpeg": "mp3", "audio/mp4": "m4a"}


def show_attachments(hub: Hub, actor: Actor, ticket_id: int) -> None:
    """List and show the ticket's attachments."""
    try:
        attachments = hub.attachments.for_ticket(actor, ticket_id)
    except HubError as exc:
        session.show_error(exc)
        return
    if not attachments:
        return
    st.markdown(_("**Attachments**"))
    zone = hub.settings.display_zone
    for item in attachments:
        with st.container(border=True):
            received = format_local(item.received_at, zone)
            kind = _(MEDIA_KIND_WORDS.get(item.kind, item.kind))
            if item.status == "pending":
                st.text(
                    _("{kind} · {received} · being downloaded").format(kind=kind, received=received)
                )
                continue
            if item.status in ("refused", "failed"):
                why = item.refusal if item.status == "refused" else item.last_error
                st.text(
                    _("{kind} · {received} · not kept: {why}").format(
                        kind=kind, received=received, why=why
                    )
                )
                continue
            st.text(
                _("{content_type} · {received} · SHA-256 {sha256}").format(
                    content_type=item.content_type, received=received, sha256=item.sha256
                )
            )
            try:
                content = hub.attachments.content(actor, ticket_id, item)
            except HubError as exc:
                session.show_error(exc)
                continue
            mime = item.playable_mime
            if item.kind == "image":
                st.image(content, width=420)
            elif item.kind == "audio" and mime:
                st.audio(content, format=mime)
                st.download_button(
                    _("Download the recording"),
                    content,
                    file_name=f"voice-{item.id}.{_EXTENSIONS.get(mime, 'audio')}",
                    mime=mime,
                    key=f"attachment_audio_{item.id}",
                )
            elif item.kind == "audio":
                st.caption(
                    _("Browsers do not play AMR: download it and open it in a media player.")
                )
                st.download_button(
                    _("Download the recording"),
                    content,
                    file_name=f"voice-{item.id}.amr",
                    mime="audio/amr",
                    key=f"attachment_amr_{item.id}",
                )
            else:
                st.download_button(
                    _("Download the PDF"),
                    content,
                    file_name=f"document-{item.id}.pdf",
                    mime="application/pdf",
                    key=f"attachment_pdf_{item.id}",
                )
