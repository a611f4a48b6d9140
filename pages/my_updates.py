"""My updates (officers): the department's updates, their status, reviewers' notes, history
and live links."""

import streamlit as st

from hub.errors import HubError
from hub.publishing.models import (
    POST_STATUS_LABELS,
    REJECT_REASONS,
    UpdateKind,
    UpdateStatus,
)
from hub.publishing.updates import WITHDRAWABLE, is_web_link
from ui import session
from ui.i18n import _, format_local, format_number
from ui.publishing_words import platform_label

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("My updates"))

try:
    updates = hub.updates.list_mine(actor)
    late = hub.updates.late_notice_counts(actor).get(actor.department_code or "")
except HubError as exc:
    session.show_error(exc)
    st.stop()

STATUS_LABELS = {
    UpdateStatus.DRAFT: _("Draft"),
    UpdateStatus.SUBMITTED: _("Waiting for review"),
    UpdateStatus.CHANGES_REQUESTED: _("Changes requested"),
    UpdateStatus.APPROVED: _("Approved"),
    UpdateStatus.REJECTED: _("Rejected"),
    UpdateStatus.CANCELLED: _("Cancelled"),
}
# What the history's events are called (hub/publishing records them by these names).
EVENT_WORDS = {
    "created": _("created"),
    "submitted": _("submitted"),
    "resubmitted": _("resubmitted"),
    "late_refused": _("late refused"),
    "launch_rule_overridden": _("launch rule overridden"),
    "edited": _("edited"),
    "changes_requested": _("changes requested"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "withdrawn": _("withdrawn"),
    "rescheduled": _("rescheduled"),
    "post_cancelled": _("post cancelled"),
    "cancelled": _("cancelled"),
    "published": _("published"),
    "needs_attention": _("needs attention"),
    "missed": _("missed"),
}


def reject_reason_label(code: str) -> str:
    """A rejection reason in the reader's language (the code itself for an unknown one)."""
    return _(REJECT_REASONS.get(code, code))


def title_of(update) -> str:
    """The update's title, or a stand-in while it has none."""
    return update.title or _("(no title)")


counts = st.columns(4)
counts[0].metric(_("Updates"), format_number(len(updates)))
counts[1].metric(
    _("Waiting for review"),
    format_number(sum(u.status is UpdateStatus.SUBMITTED for u in updates)),
)
counts[2].metric(
    _("Changes requested"),
    format_number(sum(u.status is UpdateStatus.CHANGES_REQUESTED for u in updates)),
)
counts[3].metric(
    _("Late launch notices"),
    format_number(late.late_notices if late else 0),
    help=_(
        "Launches notified less than the required hours before the event "
        "({count} let through by the IT team)."
    ).format(count=format_number(late.overridden if late else 0)),
)

if not updates:
    st.info(_("No updates yet: write one under New update."))
    st.stop()

st.dataframe(
    [
        {
            _("No."): u.id,
            _("Title"): u.title,
            _("Kind"): _("Launch") if u.kind is UpdateKind.LAUNCH else _("Work update"),
            _("Status"): STATUS_LABELS[u.status],
            _("Submissions"): u.submissions,
            _("Platforms"): ", ".join(platform_label(p) for p in u.platforms),
            _("Live posts"): sum(p.permalink is not None for p in u.posts),
            _("Updated"): format_local(u.updated_at, zone),
        }
        for u in updates
    ],
    hide_index=True,
    width="stretch",
)

by_id = {u.id: u for u in updates}
chosen_id = st.selectbox(
    _("Details of"),
    list(by_id),
    format_func=lambda i: f"#{i} · {title_of(by_id[i])}",
    key="my_updates_pick",
)
chosen = by_id[chosen_id]

with st.container(border=True):
    st.text(title_of(chosen))
    st.caption(
        _("{status} · submitted {count} time(s) · wished for {when}").format(
            status=STATUS_LABELS[chosen.status],
            count=format_number(chosen.submissions),
            when=format_local(chosen.wished_at, zone),
        )
    )
    if chosen.kind is UpdateKind.LAUNCH:
        st.caption(_("Launch event: {when}").format(when=format_local(chosen.event_at, zone)))
    if chosen.late_notice:
        st.warning(_("Notified late: let through by the IT team with this reason:"))
        st.text(chosen.override_reason or "")
    if chosen.review_note and chosen.status in (
        UpdateStatus.CHANGES_REQUESTED,
        UpdateStatus.REJECTED,
    ):
        heading = (
            _("The IT team's note (rejected: {reason})").format(
                reason=reject_reason_label(chosen.reject_reason)
            )
            if chosen.reject_reason
            else _("The IT team's note")
        )
        st.markdown(f"**{heading}**")
        st.text(chosen.review_note)

    if chosen.posts:
        st.markdown(_("**Posts**"))
        for post in chosen.posts:
            line = st.columns([1, 2, 2, 2])
            line[0].text(platform_label(post.platform))
            line[1].text(
                _(POST_STATUS_LABELS.get(post.status, post.status.value.replace("_", " ")))
            )
            line[2].text(
                _("published {when}").format(when=format_local(post.published_at, zone))
                if post.published_at
                else _("due {when}").format(when=format_local(post.scheduled_at, zone))
            )
            # Only links the hub recorded from the platform, and only web links, are clickable.
            if is_web_link(post.permalink):
                line[3].link_button(
                    _("Open on {platform}").format(platform=platform_label(post.platform)),
                    post.permalink,
                    key=f"my_updates_link_{post.id}",
                )

    st.markdown(_("**History**"))
    st.dataframe(
        [
            {
                _("When"): format_local(event.occurred_at, zone),
                _("Who"): event.actor,
                _("What"): EVENT_WORDS.get(event.event, event.event.replace("_", " ")),
                _("Note"): event.shown_note.translated(_) if event.shown_note else "",
            }
            for event in chosen.events
        ],
        hide_index=True,
        width="stretch",
    )

if chosen.status in WITHDRAWABLE:
    with st.form("my_updates_withdraw"):
        note = st.text_input(_("Why withdraw it? (optional)"))
        withdraw = st.form_submit_button(_("Withdraw this update"))
    if withdraw:
        try:
            hub.updates.withdraw(actor, chosen.id, note)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
