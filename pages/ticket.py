"""Ticket: the citizen's message in its thread, why it was routed here, and what to do next.

Every citizen's text is shown with st.text in fixed-height scrolling containers: never as
markdown or HTML, and a very long text scrolls instead of breaking the layout.
"""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from hub.permissions import Action, is_allowed
from hub.tickets.board import IT_QUEUE
from hub.tickets.lifecycle import OPEN_STATUSES
from hub.tickets.service import may
from ui import session
from ui.answer_panel import show_answer_panel
from ui.attachments import show_attachments

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Ticket")
try:
    hub.tickets.ensure_can_view(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

flash = st.session_state.pop("ticket_flash", None)
if flash:
    st.success(flash)

lookup_left, lookup_right = st.columns([3, 1])
reference = lookup_left.text_input("Reference number", key="ticket_reference")
if lookup_right.button("Find", key="ticket_find") and reference.strip():
    try:
        st.session_state["ticket_id"] = hub.tickets.find_by_reference(actor, reference)
    except HubError as exc:
        session.show_error(exc)

ticket_id = st.session_state.get("ticket_id")
if ticket_id is None:
    st.info("Open a ticket from the triage board, or type its reference number.")
    st.stop()

try:
    view = hub.tickets.get(actor, int(ticket_id))
except HubError as exc:
    session.show_error(exc)
    st.stop()

ticket = view.ticket


def done(message: str) -> None:
    """Show `message` after the rerun that refreshes the ticket."""
    st.session_state["ticket_flash"] = message
    st.rerun()


def act(call, message: str) -> None:
    """Run one service call; a hub error is shown, success reruns the page."""
    try:
        call()
    except HubError as exc:
        session.show_error(exc)
    else:
        done(message)


def scrolling_text(text: str, height: int = 160) -> None:
    """Untrusted text as plain text, in a box that scrolls when the text is long."""
    with st.container(height=height, border=True):
        st.text(text)


st.subheader(ticket.reference)
facts = [
    ticket.queue_label,
    ticket.status.replace("_", " "),
    ticket.category,
    f"ward {ticket.ward}" if ticket.ward else "no ward",
    "URGENT" if ticket.urgent else "",
    f"opened {format_local(ticket.opened_at, zone)}",
    f"due {format_local(ticket.due_at, zone)}" if ticket.due_at else "",
    f"target: {ticket.target_state}",
    "escalated: " + (ticket.escalation_reason or "") if ticket.escalated_at else "",
    "HIDDEN as spam" if ticket.hidden else "",
]
st.caption(" · ".join(fact for fact in facts if fact))
st.text(f"Why here: {ticket.routing_explanation} (confidence {ticket.routing_confidence:.2f})")

st.markdown("**Thread**")
if view.city_post_text is not None:
    st.caption("The city's post")
    scrolling_text(view.city_post_text, 120)
if view.parent is not None:
    # Names are the citizen's own words: st.text, never a caption (captions render markdown).
    st.text(f"Answering {view.parent.author_name}")
    scrolling_text(view.parent.text, 120)
message = view.interaction
st.text(
    f"{message.author_name} on {message.platform}, {format_local(message.created_at, zone)}"
    + (" (deleted by the author)" if message.deleted_at else "")
)
if view.phone_number:
    number_left, number_right = st.columns([3, 1])
    shown = st.session_state.get(f"ticket_phone_{ticket.id}")
    number_left.text(f"WhatsApp number: {shown or view.phone_number}")
    # Whole only on request (IT), and every showing is audited.
    may_show = not shown and is_allowed(actor, Action.VIEW_PHONE_NUMBER)
    if may_show and number_right.button(
        "Show the whole number", key=f"ticket_phone_show_{ticket.id}"
    ):
        try:
            st.session_state[f"ticket_phone_{ticket.id}"] = hub.tickets.phone_number(
                actor, ticket.id
            )
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
scrolling_text(message.text or "(no words: see the attachments)", 220)
for later in view.conversation:
    # The rest of the citizen's burst: one ticket, several messages.
    said = "" if later.text else " · a photo, recording, document or place (below)"
    st.text(f"{later.author_name} · {format_local(later.created_at, zone)}{said}")
    if later.text:
        scrolling_text(later.text, 90)
if ticket.latitude is not None and ticket.longitude is not None:
    where = f"Pinned place: {ticket.latitude:.5f}, {ticket.longitude:.5f}"
    if ticket.ward:
        where += f" (ward {ticket.ward})"
    st.text(where)
    if ticket.text_ward is not None:
        st.warning(
            f"The pin is in ward {ticket.ward}, but the message says ward {ticket.text_ward}: "
            "check with the citizen before sending a team.",
            icon=":material/wrong_location:",
        )
if ticket.platform == "whatsapp":
    show_attachments(hub, actor, ticket.id)
for reply in view.replies:
    st.caption(f"City's {reply.kind} ({reply.status}) by {reply.created_by}")
    scrolling_text(reply.text, 100)

status_choices = hub.tickets.status_choices(actor, ticket)
if status_choices:
    st.markdown("**Status**")
    note = st.text_input("Note with the change (optional)", key=f"ticket_status_note_{ticket.id}")
    columns = st.columns(len(status_choices))
    for column, (step, enabled) in zip(columns, status_choices, strict=True):
        if column.button(step.label, disabled=not enabled, key=f"ticket_{step.name}"):
            act(
                lambda step=step: hub.tickets.apply(actor, ticket.id, step.name, note),
                f"{ticket.reference} {step.outcome}",
            )

    with st.expander("Internal note"):
        text = st.text_area("Note (staff only)", key=f"ticket_note_{ticket.id}")
        if st.button("Add note", key="ticket_add_note"):
            act(lambda: hub.tickets.add_note(actor, ticket.id, text), "Note added")

if may(actor, Action.REASSIGN_TICKET, ticket) and ticket.status in OPEN_STATUSES:
    with st.expander("Reassign"):
        codes = [d.code for d in hub.departments.all_departments()]
        options = [IT_QUEUE, *codes]
        target = st.selectbox("To", options, key=f"ticket_reassign_to_{ticket.id}")
        reason = st.text_input("Reason", key=f"ticket_reassign_reason_{ticket.id}")
        if st.button("Reassign", key="ticket_reassign"):
            act(
                lambda: hub.tickets.reassign(actor, ticket.id, target, reason),
                f"{ticket.reference} moved to {target}",
            )

if may(actor, Action.MODERATE_TICKET, ticket):
    with st.expander("Moderation (IT)"):
        into = st.text_input("Merge into (reference)", key=f"ticket_merge_into_{ticket.id}")
        merge_note = st.text_input("Merge note", key=f"ticket_merge_note_{ticket.id}")
        if st.button("Merge as duplicate", key="ticket_merge"):
            act(
                lambda: hub.tickets.merge(
                    actor, ticket.id, hub.tickets.find_by_reference(actor, into), merge_note
                ),
                f"{ticket.reference} merged into {into.strip()}",
            )
        also_platform = st.checkbox("Also hide on the platform", key="ticket_hide_platform")
        if st.button("Hide as spam", key="ticket_hide_spam"):
            try:
                outcome = hub.tickets.hide_spam(actor, ticket.id, also_platform)
            except HubError as exc:
                session.show_error(exc)
            else:
                if outcome.platform_problem:
                    st.session_state["ticket_flash"] = (
                        f"Hidden in the hub. Not hidden on the platform: {outcome.platform_problem}"
                    )
                    st.rerun()
                done("Hidden as spam" + (" here and on the platform" if also_platform else ""))

if view.linked_tickets:
    st.markdown("**Linked tickets** (the same citizen's follow-up, about another department)")
    for linked in view.linked_tickets:
        st.text(
            f"{linked.reference} · {linked.department_code or IT_QUEUE} · "
            f"{linked.status.replace('_', ' ')} · {format_local(linked.opened_at, zone)}"
        )

if view.earlier_tickets:
    st.markdown("**The citizen's earlier tickets**")
    for earlier in view.earlier_tickets:
        st.text(
            f"{earlier.reference} · {earlier.department_code or IT_QUEUE} · "
            f"{earlier.status.replace('_', ' ')} · {format_local(earlier.opened_at, zone)}"
        )

st.markdown("**History**")
for event in view.events:
    line = f"{format_local(event.occurred_at, zone)} · {event.actor} · {event.event}"
    if event.from_department or event.to_department:
        line += f" · {event.from_department or IT_QUEUE} → {event.to_department or IT_QUEUE}"
    st.text(line)
    if event.note:
        scrolling_text(event.note, 80)

# Answering (hub.answering.replies): templates, the reply in the citizen's thread, its status.
st.divider()
show_answer_panel(hub, actor, ticket)
