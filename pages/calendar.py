"""Calendar (IT): scheduled and published posts by week or month, the posts that need a
person, and rescheduling or cancelling one."""

from datetime import datetime, timedelta

import streamlit as st

from hub.clock import format_local, utc_now
from hub.errors import HubError
from hub.platforms.base import Platform
from hub.publishing.calendar import CHANGEABLE, month_bounds, week_bounds
from hub.publishing.models import PostStatus
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Calendar")

try:
    attention = hub.schedule.attention(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

flash = st.session_state.pop("calendar_flash", None)
if flash:
    st.success(flash)


def platform_label(platform: Platform) -> str:
    """The platform's name as people write it."""
    return "Facebook" if platform is Platform.FACEBOOK else "X"


def rows(entries) -> list[dict]:
    """Calendar entries as table rows (titles are officers' text: table cells keep it text)."""
    return [
        {
            "Post": e.post.id,
            "Day": e.at.astimezone(zone).strftime("%a %d %b"),
            "Time": e.at.astimezone(zone).strftime("%H:%M"),
            "Platform": platform_label(e.post.platform),
            "Department": e.department_code,
            "Title": e.title,
            "Status": e.post.status.value.replace("_", " "),
            "Why": e.post.attention_reason or e.post.last_error or "",
        }
        for e in entries
    ]


st.subheader(f"Needs a person ({len(attention)})")
if attention:
    st.caption(
        "Missed posts and posts needing attention wait for a new time or cancelling. "
        "Unconfirmed posts were sent without an answer; the publisher is checking them."
    )
    st.dataframe(rows(attention), hide_index=True, width="stretch")
else:
    st.info("No post needs a person.")

st.subheader("Posts")
controls = st.columns(4)
view = controls[0].radio("View", ["Week", "Month"], horizontal=True, key="calendar_view")
today = utc_now().astimezone(zone).date()
anchor = controls[1].date_input("Around", today, key="calendar_day") or today
platform = controls[2].selectbox(
    "Platform",
    [None, Platform.FACEBOOK, Platform.X],
    format_func=lambda p: "All" if p is None else platform_label(p),
    key="calendar_platform",
)
codes = [d.code for d in hub.departments.all_departments()]
department = controls[3].selectbox(
    "Department",
    [None, *codes],
    format_func=lambda c: "All" if c is None else c,
    key="calendar_department",
)
start, end = (week_bounds if view == "Week" else month_bounds)(anchor, zone)
try:
    entries = hub.schedule.calendar(actor, start, end, platform=platform, department=department)
except HubError as exc:
    session.show_error(exc)
    st.stop()

last_day = (end - timedelta(minutes=1)).astimezone(zone)
st.caption(
    f"{start.astimezone(zone).strftime('%a %d %b %Y')} to {last_day.strftime('%a %d %b %Y')} "
    f"(Asia/Kolkata) · {len(entries)} post(s)"
)
if view == "Week":
    days = st.columns(7)
    for offset, column in enumerate(days):
        day = start.astimezone(zone).date() + timedelta(days=offset)
        column.markdown(f"**{day.strftime('%a %d')}**")
        for entry in entries:
            if entry.at.astimezone(zone).date() == day:
                column.text(
                    f"{entry.at.astimezone(zone).strftime('%H:%M')} "
                    f"{platform_label(entry.post.platform)} · {entry.department_code}\n"
                    f"{entry.title}\n[{entry.post.status.value.replace('_', ' ')}]"
                )
else:
    if entries:
        st.dataframe(rows(entries), hide_index=True, width="stretch")
    else:
        st.info("No posts in this month.")

st.subheader("Change a post")
choices = {e.post.id: e for e in [*attention, *entries]}
if not choices:
    st.info("No post to change in this period.")
    st.stop()
post_id = st.selectbox(
    "Post",
    list(choices),
    format_func=lambda i: (
        f"#{i} · {platform_label(choices[i].post.platform)} · {choices[i].department_code} · "
        f"{choices[i].title} · {choices[i].post.status.value.replace('_', ' ')}"
    ),
    key="calendar_post",
)
entry = choices[post_id]
status_text = entry.post.status.value.replace("_", " ")
st.text(
    f"{platform_label(entry.post.platform)} post of update #{entry.post.update_id}, "
    f"{status_text}, due {format_local(entry.post.scheduled_at, zone)}"
)
if entry.post.status not in CHANGEABLE:
    why = {
        PostStatus.PUBLISHING: "it is being published right now",
        PostStatus.UNCONFIRMED: "it was sent without an answer and is being checked",
        PostStatus.PUBLISHED: "it is already live",
        PostStatus.CANCELLED: "it was cancelled",
    }[entry.post.status]
    st.info(f"This post cannot be rescheduled or cancelled: {why}.")
    st.stop()

left, right = st.columns(2)
with left.container(border=True):
    st.markdown("**New time**")
    suggested = st.session_state.setdefault(
        f"calendar_suggested_{post_id}",
        max(entry.post.scheduled_at, utc_now() + timedelta(minutes=15)).astimezone(zone),
    )
    day = st.date_input("Date (Asia/Kolkata)", suggested.date(), key=f"calendar_new_day_{post_id}")
    clock = st.time_input(
        "Time",
        suggested.time().replace(second=0, microsecond=0),
        step=300,
        key=f"calendar_new_time_{post_id}",
    )
    native = None
    if entry.post.platform is Platform.FACEBOOK:
        native = st.checkbox(
            "Let Facebook schedule it (10 minutes to 30 days ahead)",
            entry.post.native_scheduling,
            key=f"calendar_native_{post_id}",
        )
    checked = False
    if entry.outcome_unknown:
        st.warning("An earlier attempt got no answer: this post may already be live.")
        checked = st.checkbox(
            "I looked at the account: this post is not there", key=f"calendar_checked_{post_id}"
        )
    if st.button("Reschedule", type="primary", key="calendar_reschedule"):
        if day is None or clock is None:
            st.warning("Choose the new date and time.")
            st.stop()
        try:
            hub.schedule.reschedule(
                actor,
                post_id,
                datetime.combine(day, clock, tzinfo=zone),
                native_scheduling=native,
                confirm_not_live=checked,
            )
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state["calendar_flash"] = f"Post #{post_id} rescheduled."
            st.rerun()
with right.container(border=True):
    st.markdown("**Cancel**")
    note = st.text_area("Why? (the officer sees this)", key=f"calendar_cancel_note_{post_id}")
    if st.button("Cancel this post", key="calendar_cancel"):
        try:
            hub.schedule.cancel(actor, post_id, note)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state["calendar_flash"] = f"Post #{post_id} cancelled."
            st.rerun()
