"""Calendar (IT): scheduled and published posts by week or month, the posts that need a
person, and rescheduling or cancelling one."""

from datetime import date, datetime, timedelta

import streamlit as st
from babel.dates import format_date

from hub.clock import utc_now
from hub.errors import HubError
from hub.platforms.base import Platform
from hub.publishing.calendar import CHANGEABLE, month_bounds, week_bounds
from hub.publishing.models import POST_STATUS_LABELS, PostStatus
from ui import session
from ui.i18n import _, current_language, digits, format_local, format_number
from ui.publishing_words import platform_label

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Calendar"))

try:
    attention = hub.schedule.attention(actor)
except HubError as exc:
    session.show_error(exc)
    st.stop()

flash = st.session_state.pop("calendar_flash", None)
if flash:
    st.success(flash)


def status_word(status: PostStatus) -> str:
    """A post's status as the reader writes it (``needs attention``)."""
    return _(POST_STATUS_LABELS.get(status, status.value.replace("_", " ")))


def day_label(day: date | datetime, english: str, bengali: str) -> str:
    """A day in the reader's language: strftime `english`, or the CLDR pattern `bengali`."""
    if current_language() == "bn":
        return digits(format_date(day, bengali, locale="bn"))
    return day.strftime(english)


def clock_label(moment: datetime) -> str:
    """The time of day of `moment` in the display zone (``14:05``)."""
    return digits(moment.astimezone(zone).strftime("%H:%M"))


def rows(entries) -> list[dict]:
    """Calendar entries as table rows (titles are officers' text: table cells keep it text)."""
    return [
        {
            _("Post"): e.post.id,
            _("Day"): day_label(e.at.astimezone(zone), "%a %d %b", "EEE d MMM"),
            _("Time"): clock_label(e.at),
            _("Platform"): platform_label(e.post.platform),
            _("Department"): e.department_code,
            _("Title"): e.title,
            _("Status"): status_word(e.post.status),
            _("Why"): e.post.attention_reason or e.post.last_error or "",
        }
        for e in entries
    ]


st.subheader(_("Needs a person ({count})").format(count=format_number(len(attention))))
if attention:
    st.caption(
        _(
            "Missed posts and posts needing attention wait for a new time or cancelling. "
            "Unconfirmed posts were sent without an answer; the publisher is checking them."
        )
    )
    st.dataframe(rows(attention), hide_index=True, width="stretch")
else:
    st.info(_("No post needs a person."))

st.subheader(_("Posts"))
controls = st.columns(4)
VIEWS = {"Week": _("Week"), "Month": _("Month")}
view = controls[0].radio(
    _("View"), list(VIEWS), format_func=VIEWS.get, horizontal=True, key="calendar_view"
)
today = utc_now().astimezone(zone).date()
anchor = controls[1].date_input(_("Around"), today, key="calendar_day") or today
platform = controls[2].selectbox(
    _("Platform"),
    [None, Platform.FACEBOOK, Platform.X],
    format_func=lambda p: _("All") if p is None else platform_label(p),
    key="calendar_platform",
)
codes = [d.code for d in hub.departments.all_departments()]
department = controls[3].selectbox(
    _("Department"),
    [None, *codes],
    format_func=lambda c: _("All") if c is None else c,
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
    _("{start} to {end} (Asia/Kolkata) · {count} post(s)").format(
        start=day_label(start.astimezone(zone), "%a %d %b %Y", "EEE d MMM y"),
        end=day_label(last_day, "%a %d %b %Y", "EEE d MMM y"),
        count=format_number(len(entries)),
    )
)
if view == "Week":
    days = st.columns(7)
    for offset, column in enumerate(days):
        day = start.astimezone(zone).date() + timedelta(days=offset)
        column.markdown(f"**{day_label(day, '%a %d', 'EEE d')}**")
        for entry in entries:
            if entry.at.astimezone(zone).date() == day:
                column.text(
                    f"{clock_label(entry.at)} "
                    f"{platform_label(entry.post.platform)} · {entry.department_code}\n"
                    f"{entry.title}\n[{status_word(entry.post.status)}]"
                )
else:
    if entries:
        st.dataframe(rows(entries), hide_index=True, width="stretch")
    else:
        st.info(_("No posts in this month."))

st.subheader(_("Change a post"))
choices = {e.post.id: e for e in [*attention, *entries]}
if not choices:
    st.info(_("No post to change in this period."))
    st.stop()
post_id = st.selectbox(
    _("Post"),
    list(choices),
    format_func=lambda i: (
        f"#{i} · {platform_label(choices[i].post.platform)} · {choices[i].department_code} · "
        f"{choices[i].title} · {status_word(choices[i].post.status)}"
    ),
    key="calendar_post",
)
entry = choices[post_id]
st.text(
    _("{platform} post of update #{number}, {status}, due {when}").format(
        platform=platform_label(entry.post.platform),
        number=entry.post.update_id,
        status=status_word(entry.post.status),
        when=format_local(entry.post.scheduled_at, zone),
    )
)
if entry.post.status not in CHANGEABLE:
    why = {
        PostStatus.PUBLISHING: _("it is being published right now"),
        PostStatus.UNCONFIRMED: _("it was sent without an answer and is being checked"),
        PostStatus.PUBLISHED: _("it is already live"),
        PostStatus.CANCELLED: _("it was cancelled"),
    }[entry.post.status]
    st.info(_("This post cannot be rescheduled or cancelled: {why}.").format(why=why))
    st.stop()

left, right = st.columns(2)
with left.container(border=True):
    st.markdown(_("**New time**"))
    suggested = st.session_state.setdefault(
        f"calendar_suggested_{post_id}",
        max(entry.post.scheduled_at, utc_now() + timedelta(minutes=15)).astimezone(zone),
    )
    day = st.date_input(
        _("Date (Asia/Kolkata)"), suggested.date(), key=f"calendar_new_day_{post_id}"
    )
    clock = st.time_input(
        _("Time"),
        suggested.time().replace(second=0, microsecond=0),
        step=300,
        key=f"calendar_new_time_{post_id}",
    )
    native = None
    if entry.post.platform is Platform.FACEBOOK:
        native = st.checkbox(
            _("Let Facebook schedule it (10 minutes to 30 days ahead)"),
            entry.post.native_scheduling,
            key=f"calendar_native_{post_id}",
        )
    checked = False
    if entry.outcome_unknown:
        st.warning(_("An earlier attempt got no answer: this post may already be live."))
        checked = st.checkbox(
            _("I looked at the account: this post is not there"), key=f"calendar_checked_{post_id}"
        )
    if st.button(_("Reschedule"), type="primary", key="calendar_reschedule"):
        if day is None or clock is None:
            st.warning(_("Choose the new date and time."))
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
            st.session_state["calendar_flash"] = _("Post #{number} rescheduled.").format(
                number=post_id
            )
            st.rerun()
with right.container(border=True):
    st.markdown(_("**Cancel**"))
    note = st.text_area(_("Why? (the officer sees this)"), key=f"calendar_cancel_note_{post_id}")
    if st.button(_("Cancel this post"), key="calendar_cancel"):
        try:
            hub.schedule.cancel(actor, post_id, note)
        except HubError as exc:
            session.show_error(exc)
        else:
            st.session_state["calendar_flash"] = _("Post #{number} cancelled.").format(
                number=post_id
            )
            st.rerun()
