"""The answer panel of a ticket: pick a template, edit, send; the ticket's replies below.

The ticket page calls `show_answer_panel(hub, actor, ticket)`; the panel does no work itself:
`hub.templates` renders, `hub.replies` queues (the background job sends) and lists.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from hub.bootstrap import Hub
from hub.clock import format_local
from hub.errors import HubError
from hub.permissions import Action, Actor, is_allowed
from ui import session

LANGUAGE_LABELS = {"en": "English", "bn": "বাংলা (Bengali)"}
STATUS_LABELS = {
    "queued": "Queued: goes out within a minute",
    "sending": "Sending",
    "unconfirmed": "Unconfirmed: being checked on the platform before any retry",
    "retry_wait": "Waiting to retry",
    "sent": "Posted",
    "needs_attention": "Needs attention",
    "cancelled": "Cancelled",
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
    st.subheader("Answer the citizen")
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
            f"WhatsApp: the answer goes as written until {format_local(window.closes_at, zone)}"
            " (24 hours after the citizen's last message).",
            icon=":material/chat:",
        )
    else:
        st.warning(
            "WhatsApp: more than 24 hours have passed since the citizen last wrote, so the "
            "answer goes inside the approved template 'complaint status update' (the reference "
            "number, then your text, up to 1,024 characters).",
            icon=":material/schedule:",
        )


def _compose(hub: Hub, actor: Actor, target) -> None:
    prefix = f"{_KEY}_{target.id}"
    languages = list(LANGUAGE_LABELS)
    language = st.radio(
        "Language",
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
        "Template",
        choices,
        format_func=lambda t: "— write your own —" if t is None else f"{t.name} ({t.purpose})",
        key=f"{prefix}_template",
    )
    start = ""
    if chosen is not None:
        try:
            start = hub.templates.render(chosen.body, target, language=chosen.language)
        except HubError as exc:
            session.show_error(exc)
    text = st.text_area(
        "Reply",
        value=start,
        height=120,
        # A new key per template: choosing another template replaces the text.
        key=f"{prefix}_text_{chosen.id if chosen else 0}_{language}",
        help=f"Sent in the citizen's thread on {target.platform.value}. The reference "
        f"{target.reference} is added if the text does not contain it.",
    )
    if st.button("Send reply", type="primary", key=f"{prefix}_send"):
        try:
            hub.replies.answer(actor, target.id, text)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state[f"{_KEY}_flash_{target.id}"] = (
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
        st.caption("No reply yet.")
        return
    zone = hub.settings.display_zone
    for reply in replies:
        with st.container(border=True):
            when = format_local(reply.sent_at or reply.created_at, zone)
            st.caption(
                f"{STATUS_LABELS.get(reply.status, reply.status)} · {reply.kind} · "
                f"{when} · by {reply.created_by}"
            )
            st.text(reply.text)
            if reply.attention_reason:
                st.warning(reply.attention_reason, icon=":material/warning:")
            if reply.permalink:
                st.link_button("Open on the platform", reply.permalink)
