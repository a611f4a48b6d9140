"""Ticket: the citizen's message in its thread, why it was routed here, and what to do next.

Every citizen's text is shown with st.text in fixed-height scrolling containers: never as
markdown or HTML, and a very long text scrolls instead of breaking the layout.
"""

import streamlit as st

from hub.errors import HubError
from hub.permissions import Action, is_allowed
from hub.tickets.board import IT_QUEUE
from hub.tickets.labels import CATEGORY_LABELS, ESCALATION_LABELS, TARGET_LABELS, status_label
from hub.tickets.lifecycle import OPEN_STATUSES
from hub.tickets.service import may
from ui import session
from ui.answer_panel import show_answer_panel
from ui.attachments import show_attachments
from ui.i18n import _, digits, format_local

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Ticket"))
try:
    hub.tickets.ensure_can_view(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

# The status buttons (`hub.tickets.lifecycle.MANUAL_TRANSITIONS`): label, and what is said after.
STEPS = {
    "acknowledge": (_("Acknowledge"), _("{reference} acknowledged")),
    "start": (_("Start work"), _("{reference} in progress")),
    "resolve": (_("Resolve"), _("{reference} resolved")),
    "close": (_("Close"), _("{reference} closed")),
    "reopen": (_("Reopen"), _("{reference} reopened")),
}
EVENT_NAMES = {
    "opened": _("opened"),
    "follow_up": _("follow_up"),
    "linked": _("linked"),
    "note": _("note"),
    "reassigned": _("reassigned"),
    "acknowledged": _("acknowledged"),
    "in_progress": _("in_progress"),
    "resolved": _("resolved"),
    "closed": _("closed"),
    "reopened": _("reopened"),
    "reminder": _("reminder"),
    "escalated": _("escalated"),
    "merged": _("merged"),
    "merged_into": _("merged_into"),
    "hidden_as_spam": _("hidden_as_spam"),
    "hidden_on_platform": _("hidden_on_platform"),
    "platform_hide_failed": _("platform_hide_failed"),
    "reply_sent": _("reply_sent"),
    "attachment": _("attachment"),
}
REPLY_KINDS = {"answer": _("answer"), "acknowledgement": _("acknowledgement")}
REPLY_STATUSES = {
    "queued": _("queued"),
    "sending": _("sending"),
    "unconfirmed": _("unconfirmed"),
    "retry_wait": _("retry_wait"),
    "sent": _("sent"),
    "needs_attention": _("needs_attention"),
    "cancelled": _("cancelled"),
}


def queue_name(code: str | None) -> str:
    """A department code as it is, the IT team's queue in words."""
    return _("IT queue") if not code or code == IT_QUEUE else code


def status_name(status: str) -> str:
    return _(status_label(status))


flash = st.session_state.pop("ticket_flash", None)
if flash:
    st.success(flash)

lookup_left, lookup_right = st.columns([3, 1])
reference = lookup_left.text_input(_("Reference number"), key="ticket_reference")
if lookup_right.button(_("Find"), key="ticket_find") and reference.strip():
    try:
        st.session_state["ticket_id"] = hub.tickets.find_by_reference(actor, reference)
    except HubError as exc:
        session.show_error(exc)

ticket_id = st.session_state.get("ticket_id")
if ticket_id is None:
    st.info(_("Open a ticket from the triage board, or type its reference number."))
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
ward_number = digits(str(ticket.ward)) if ticket.ward else ""
escalation = ticket.escalation_reason or ""
facts = [
    queue_name(ticket.department_code),
    status_name(ticket.status),
    _(CATEGORY_LABELS.get(ticket.category, ticket.category)),
    _("ward {ward}").format(ward=ward_number) if ticket.ward else _("no ward"),
    _("URGENT") if ticket.urgent else "",
    _("opened {when}").format(when=format_local(ticket.opened_at, zone)),
    _("due {when}").format(when=format_local(ticket.due_at, zone)) if ticket.due_at else "",
    _("target: {state}").format(
        state=_(TARGET_LABELS.get(ticket.target_state, ticket.target_state))
    ),
    _("escalated: {reason}").format(reason=_(ESCALATION_LABELS.get(escalation, escalation)))
    if ticket.escalated_at
    else "",
    _("HIDDEN as spam") if ticket.hidden else "",
]
st.caption(" · ".join(fact for fact in facts if fact))
st.text(
    _("Why here: {explanation} (confidence {confidence})").format(
        explanation=ticket.routing_reason.translated(_),
        confidence=digits(f"{ticket.routing_confidence:.2f}"),
    )
)

st.markdown(_("**Thread**"))
if view.city_post_text is not None:
    st.caption(_("The city's post"))
    scrolling_text(view.city_post_text, 120)
if view.parent is not None:
    # Names are the citizen's own words: st.text, never a caption (captions render markdown).
    st.text(_("Answering {author}").format(author=view.parent.author_name))
    scrolling_text(view.parent.text, 120)
message = view.interaction
said_by = (
    _("{author} on {platform}, {when} (deleted by the author)")
    if message.deleted_at
    else _("{author} on {platform}, {when}")
)
st.text(
    said_by.format(
        author=message.author_name,
        platform=message.platform,
        when=format_local(message.created_at, zone),
    )
)
if view.phone_number:
    number_left, number_right = st.columns([3, 1])
    shown = st.session_state.get(f"ticket_phone_{ticket.id}")
    number_left.text(_("WhatsApp number: {number}").format(number=shown or view.phone_number))
    # Whole only on request (IT), and every showing is audited.
    may_show = not shown and is_allowed(actor, Action.VIEW_PHONE_NUMBER)
    if may_show and number_right.button(
        _("Show the whole number"), key=f"ticket_phone_show_{ticket.id}"
    ):
        try:
            st.session_state[f"ticket_phone_{ticket.id}"] = hub.tickets.phone_number(
                actor, ticket.id
            )
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
scrolling_text(message.text or _("(no words: see the attachments)"), 220)
for later in view.conversation:
    # The rest of the citizen's burst: one ticket, several messages.
    said = (
        "{author} · {when}"
        if later.text
        else _("{author} · {when} · a photo, recording, document or place (below)")
    )
    st.text(said.format(author=later.author_name, when=format_local(later.created_at, zone)))
    if later.text:
        scrolling_text(later.text, 90)
if ticket.latitude is not None and ticket.longitude is not None:
    # Coordinates keep their Latin digits: they are copied into other maps.
    pinned = (
        _("Pinned place: {latitude}, {longitude} (ward {ward})")
        if ticket.ward
        else _("Pinned place: {latitude}, {longitude}")
    )
    st.text(
        pinned.format(
            latitude=f"{ticket.latitude:.5f}", longitude=f"{ticket.longitude:.5f}", ward=ward_number
        )
    )
    if ticket.text_ward is not None:
        st.warning(
            _(
                "The pin is in ward {pin_ward}, but the message says ward {text_ward}: "
                "check with the citizen before sending a team."
            ).format(pin_ward=ward_number, text_ward=digits(str(ticket.text_ward))),
            icon=":material/wrong_location:",
        )
if ticket.platform == "whatsapp":
    show_attachments(hub, actor, ticket.id)
for reply in view.replies:
    st.caption(
        _("City's {kind} ({status}) by {author}").format(
            kind=REPLY_KINDS.get(reply.kind, reply.kind),
            status=REPLY_STATUSES.get(reply.status, reply.status),
            author=reply.created_by,
        )
    )
    scrolling_text(reply.text, 100)

status_choices = hub.tickets.status_choices(actor, ticket)
if status_choices:
    st.markdown(_("**Status**"))
    note = st.text_input(
        _("Note with the change (optional)"), key=f"ticket_status_note_{ticket.id}"
    )
    columns = st.columns(len(status_choices))
    for column, (step, enabled) in zip(columns, status_choices, strict=True):
        label, outcome = STEPS.get(step.name, (step.label, "{reference} " + step.outcome))
        if column.button(label, disabled=not enabled, key=f"ticket_{step.name}"):
            act(
                lambda step=step: hub.tickets.apply(actor, ticket.id, step.name, note),
                outcome.format(reference=ticket.reference),
            )

    with st.expander(_("Internal note")):
        text = st.text_area(_("Note (staff only)"), key=f"ticket_note_{ticket.id}")
        if st.button(_("Add note"), key="ticket_add_note"):
            act(lambda: hub.tickets.add_note(actor, ticket.id, text), _("Note added"))

if may(actor, Action.REASSIGN_TICKET, ticket) and ticket.status in OPEN_STATUSES:
    with st.expander(_("Reassign")):
        codes = [d.code for d in hub.departments.all_departments()]
        options = [IT_QUEUE, *codes]
        target = st.selectbox(
            _("To"), options, format_func=queue_name, key=f"ticket_reassign_to_{ticket.id}"
        )
        reason = st.text_input(_("Reason"), key=f"ticket_reassign_reason_{ticket.id}")
        if st.button(_("Reassign"), key="ticket_reassign"):
            act(
                lambda: hub.tickets.reassign(actor, ticket.id, target, reason),
                _("{reference} moved to {target}").format(
                    reference=ticket.reference, target=queue_name(target)
                ),
            )

if may(actor, Action.MODERATE_TICKET, ticket):
    with st.expander(_("Moderation (IT)")):
        into = st.text_input(_("Merge into (reference)"), key=f"ticket_merge_into_{ticket.id}")
        merge_note = st.text_input(_("Merge note"), key=f"ticket_merge_note_{ticket.id}")
        if st.button(_("Merge as duplicate"), key="ticket_merge"):
            act(
                lambda: hub.tickets.merge(
                    actor, ticket.id, hub.tickets.find_by_reference(actor, into), merge_note
                ),
                _("{reference} merged into {into}").format(
                    reference=ticket.reference, into=into.strip()
                ),
            )
        also_platform = st.checkbox(_("Also hide on the platform"), key="ticket_hide_platform")
        if st.button(_("Hide as spam"), key="ticket_hide_spam"):
            try:
                outcome = hub.tickets.hide_spam(actor, ticket.id, also_platform)
            except HubError as exc:
                session.show_error(exc)
            else:
                if outcome.platform_problem:
                    st.session_state["ticket_flash"] = _(
                        "Hidden in the hub. Not hidden on the platform: {problem}"
                    ).format(problem=outcome.platform_problem)
                    st.rerun()
                done(
                    _("Hidden as spam here and on the platform")
                    if also_platform
                    else _("Hidden as spam")
                )

if view.linked_tickets:
    st.markdown(_("**Linked tickets** (the same citizen's follow-up, about another department)"))
    for linked in view.linked_tickets:
        st.text(
            f"{linked.reference} · {queue_name(linked.department_code)} · "
            f"{status_name(linked.status)} · {format_local(linked.opened_at, zone)}"
        )

if view.earlier_tickets:
    st.markdown(_("**The citizen's earlier tickets**"))
    for earlier in view.earlier_tickets:
        st.text(
            f"{earlier.reference} · {queue_name(earlier.department_code)} · "
            f"{status_name(earlier.status)} · {format_local(earlier.opened_at, zone)}"
        )

st.markdown(_("**History**"))
for event in view.events:
    what = EVENT_NAMES.get(event.event, event.event)
    line = f"{format_local(event.occurred_at, zone)} · {event.actor} · {what}"
    if event.from_department or event.to_department:
        line += f" · {queue_name(event.from_department)} → {queue_name(event.to_department)}"
    st.text(line)
    if event.note:
        scrolling_text(event.shown_note.translated(_), 80)

# Answering (hub.answering.replies): templates, the reply in the citizen's thread, its status.
st.divider()
show_answer_panel(hub, actor, ticket)
