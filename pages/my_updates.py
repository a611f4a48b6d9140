"""My updates (officers): the department's updates, their status, reviewers' notes, history
and live links."""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from hub.platforms.base import Platform
from hub.publishing.models import REJECT_REASONS, UpdateKind, UpdateStatus
from hub.publishing.updates import WITHDRAWABLE, is_web_link
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("My updates")

try:
    updates = hub.updates.list_mine(actor)
    late = hub.updates.late_notice_counts(actor).get(actor.department_code or "")
except HubError as exc:
    session.show_error(exc)
    st.stop()

STATUS_LABELS = {
    UpdateStatus.DRAFT: "Draft",
    UpdateStatus.SUBMITTED: "Waiting for review",
    UpdateStatus.CHANGES_REQUESTED: "Changes requested",
    UpdateStatus.APPROVED: "Approved",
    UpdateStatus.REJECTED: "Rejected",
    UpdateStatus.CANCELLED: "Cancelled",
}


def platform_label(platform: Platform) -> str:
    """The platform's name as people write it."""
    return "Facebook" if platform is Platform.FACEBOOK else "X"


counts = st.columns(4)
counts[0].metric("Updates", len(updates))
counts[1].metric("Waiting for review", sum(u.status is UpdateStatus.SUBMITTED for u in updates))
counts[2].metric(
    "Changes requested", sum(u.status is UpdateStatus.CHANGES_REQUESTED for u in updates)
)
counts[3].metric(
    "Late launch notices",
    late.late_notices if late else 0,
    help="Launches notified less than the required hours before the event "
    f"({late.overridden if late else 0} let through by the IT team).",
)

if not updates:
    st.info("No updates yet: write one under New update.")
    st.stop()

st.dataframe(
    [
        {
            "No.": u.id,
            "Title": u.title,
            "Kind": "Launch" if u.kind is UpdateKind.LAUNCH else "Work update",
            "Status": STATUS_LABELS[u.status],
            "Submissions": u.submissions,
            "Platforms": ", ".join(platform_label(p) for p in u.platforms),
            "Live posts": sum(p.permalink is not None for p in u.posts),
            "Updated": format_local(u.updated_at, zone),
        }
        for u in updates
    ],
    hide_index=True,
    width="stretch",
)

by_id = {u.id: u for u in updates}
chosen_id = st.selectbox(
    "Details of",
    list(by_id),
    format_func=lambda i: f"#{i} · {by_id[i].title or '(no title)'}",
    key="my_updates_pick",
)
chosen = by_id[chosen_id]

with st.container(border=True):
    st.text(chosen.title or "(no title)")
    st.caption(
        f"{STATUS_LABELS[chosen.status]} · submitted {chosen.submissions} time(s) · "
        f"wished for {format_local(chosen.wished_at, zone)}"
    )
    if chosen.kind is UpdateKind.LAUNCH:
        st.caption(f"Launch event: {format_local(chosen.event_at, zone)}")
    if chosen.late_notice:
        st.warning("Notified late: let through by the IT team with this reason:")
        st.text(chosen.override_reason or "")
    if chosen.review_note and chosen.status in (
        UpdateStatus.CHANGES_REQUESTED,
        UpdateStatus.REJECTED,
    ):
        heading = "The IT team's note"
        if chosen.reject_reason:
            heading += f" (rejected: {REJECT_REASONS.get(chosen.reject_reason, 'other')})"
        st.markdown(f"**{heading}**")
        st.text(chosen.review_note)

    if chosen.posts:
        st.markdown("**Posts**")
        for post in chosen.posts:
            line = st.columns([1, 2, 2, 2])
            line[0].text(platform_label(post.platform))
            line[1].text(post.status.value.replace("_", " "))
            line[2].text(
                f"published {format_local(post.published_at, zone)}"
                if post.published_at
                else f"due {format_local(post.scheduled_at, zone)}"
            )
            # Only links the hub recorded from the platform, and only web links, are clickable.
            if is_web_link(post.permalink):
                line[3].link_button(
                    f"Open on {platform_label(post.platform)}",
                    post.permalink,
                    key=f"my_updates_link_{post.id}",
                )

    st.markdown("**History**")
    st.dataframe(
        [
            {
                "When": format_local(event.occurred_at, zone),
                "Who": event.actor,
                "What": event.event.replace("_", " "),
                "Note": event.note or "",
            }
            for event in chosen.events
        ],
        hide_index=True,
        width="stretch",
    )

if chosen.status in WITHDRAWABLE:
    with st.form("my_updates_withdraw"):
        note = st.text_input("Why withdraw it? (optional)")
        withdraw = st.form_submit_button("Withdraw this update")
    if withdraw:
        try:
            hub.updates.withdraw(actor, chosen.id, note)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.rerun()
