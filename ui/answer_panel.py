"""The answer panel of a ticket: pick a template, edit, send; the ticket's replies below.

The ticket page calls `show_answer_panel(hub, actor, ticket)`; the panel does no work itself:
`hub.templates` renders, `hub.replies` queues (the background job sends) and lists.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from hub.bootstrap import Hub
from hub.errors import HubError
from hub.i18n import N_
from hub.permissions import Action, Actor, is_allowed
from ui import session
from ui.i18n import _, format_local

LANGUAGE_LABELS = {"en": "English", "bn": "বাংলা (Bengali)"}
# Translated where shown (this module is imported once, the language is the reader's).
STATUS_LABELS = {
    "queued": N_("Queued: goes out within a minute"),
    "sending": N_("Sending"),
    "unconfirmed": N_("Unconfirmed: being checked on the platform before any retry"),
    "retry_wait": N_("Waiting to retry"),
    "sent": N_("Posted"),
    "needs_attention": N_("Needs attention"),
    "cancelled": N_("Cancelled"),
}
KIND_LABELS = {"answer": N_("answer"), "acknowledgement": N_("acknowledgement")}
PURPOSE_LABELS = {
    "acknowledgement": N_("acknowledgement"),
    "answer": N_("answer"),
    "resolution": N_("resolution"),
}
_KEY = "answer_panel"


def show_answer_panel(hub: Hub, actor: Actor, ticket: Any) -> None:
    """Answer `ticket` (a ticket object with an ``id``, or the id) in the citizen's thread."""
    ticket_id = int(ticket if isinstance(ticket, int) else ticket.id)
    try:
        target = hub.replies.target(ticket_id)
    except HubError as exc:
        session.show_error(exc)
        return
    st.subheader(_("Answer the citizen"))
    flash = st.session_state.pop(f"{_KEY}_flash_{ticket_id}", None)
    if flash:
        st.success(flash)
    if is_allowed(actor, Action.ANSWER_TICKET, target.department_code):
        _window_note(hub, actor, ticket_id)
        _compose(hub, actor, target)
    _list_replies(hub, actor, ticket_id)


def _window_note(hub: Hub, actor: Actor, ticket_id: int) -> None:
    """On WhatsApp: whether the answer goes as written or as the approved template."""
    try:
        window = hub.replies.whatsapp_window(actor, ticket_id)
    except HubError as exc:
        session.show_error(exc)
        return
    if window is None:
        return
    zone = hub.settings.display_zone
    if window.open and window.closes_at is not None:
        st.info(
            _(
                "WhatsApp: the answer goes as written until {closes} (24 hours after the "
                "citizen's last message)."
            ).format(closes=format_local(window.closes_at, zone)),
            icon=":material/chat:",
        )
    else:
        st.warning(
            _(
                "WhatsApp: more than 24 hours have passed since the citizen last wrote, so the "
                "answer goes inside the approved template 'complaint status update' (the "
                "reference number, then your text, up to 1,024 characters)."
            ),
            icon=":material/schedule:",
        )


def _compose(hub: Hub, actor: Actor, target) -> None:
    prefix = f"{_KEY}_{target.id}"
    languages = list(LANGUAGE_LABELS)
    language = st.radio(
        _("Language"),
        languages,
        index=languages.index(target.reply_language),
        format_func=LANGUAGE_LABELS.__getitem__,
        horizontal=True,
        key=f"{prefix}_language",
    )
    try:
        templates = hub.templates.list(actor, target.department_code, language)
    except HubError as exc:
        session.show_error(exc)
        return
    choices = [None, *templates]
    chosen = st.selectbox(
        _("Template"),
        choices,
        format_func=lambda t: (
            _("— write your own —")
            if t is None
            else f"{t.name} ({_(PURPOSE_LABELS.get(t.purpose, t.purpose))})"
        ),
        key=f"{prefix}_template",
    )
    start = ""
    if chosen is not None:
        try:
            start = hub.templates.render(chosen.body, target, language=chosen.language)
        except HubError as exc:
            session.show_error(exc)
    text = st.text_area(
        _("Reply"),
        value=start,
        height=120,
        # A new key per template: choosing another template replaces the text.
        key=f"{prefix}_text_{chosen.id if chosen else 0}_{language}",
        help=_(
            "Sent in the citizen's thread on {platform}. The reference {reference} is added "
            "if the text does not contain it."
        ).format(platform=target.platform.value, reference=target.reference),
    )
    if st.button(_("Send reply"), type="primary", key=f"{prefix}_send"):
        try:
            hub.replies.answer(actor, target.id, text)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state[f"{_KEY}_flash_{target.id}"] = _(
                "Reply queued: it is posted in the citizen's thread within a minute."
            )
            st.rerun()


def _list_replies(hub: Hub, actor: Actor, ticket_id: int) -> None:
    try:
        replies = hub.replies.replies_for(actor, ticket_id)
    except HubError as exc:
        session.show_error(exc)
        return
    if not replies:
        st.caption(_("No reply yet."))
        return
    zone = hub.settings.display_zone
    for reply in replies:
        with st.container(border=True):
            when = format_local(reply.sent_at or reply.created_at, zone)
            st.caption(
                _("{status} · {kind} · {when} · by {author}").format(
                    status=_(STATUS_LABELS.get(reply.status, reply.status)),
                    kind=_(KIND_LABELS.get(reply.kind, reply.kind)),
                    when=when,
                    author=reply.created_by,
                )
            )
            st.text(reply.text)
            if reply.attention_reason:
                st.warning(reply.attention_reason, icon=":material/warning:")
            if reply.permalink:
                st.link_button(_("Open on the platform"), reply.permalink)
