"""Dashboard: which departments answer citizens quickly, and are they keeping the public informed.

Every figure comes from `hub.metrics.MetricsService` (definitions: docs/metrics.md). Clicking
a cell of a table (or a bar of the distribution) lists the tickets behind that figure; the
same list can be picked with the "Tickets behind a figure" controls.
"""

from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from hub import exports
from hub.clock import format_local, utc_now
from hub.errors import HubError
from hub.league import LEAGUE_SORTS, SCREEN_FIGURES, sort_league
from hub.metrics import (
    BACKLOG_BUCKETS,
    FIGURES,
    IT_QUEUE,
    WAITING_BAND,
    MetricsFilters,
    format_duration,
)
from hub.permissions import Action, own_department_only
from hub.platforms.base import PLATFORM_CHOICES
from hub.routing import WARD_COUNT
from hub.tickets.board import ward_choice
from hub.weekly_report import last_complete_week
from ui import session

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
metrics = hub.metrics
st.title("Dashboard")

# --- filters ------------------------------------------------------------------------------------
departments = {d.code: d for d in hub.departments.all_departments()}
today = utc_now().astimezone(zone).date()
own_department = own_department_only(actor, Action.VIEW_TICKETS)
is_officer = own_department is not None


def department_label(code: str | None) -> str:
    """A department as people know it, in English and Bengali."""
    if code in (None, IT_QUEUE):
        return IT_QUEUE
    department = departments.get(code)
    return f"{department.name_en} · {department.name_bn}" if department else code


with st.container(border=True):
    first, second, third, fourth = st.columns([2, 1, 1, 2])
    period = first.date_input(
        "Period (tickets opened, IST)",
        value=(today - timedelta(days=27), today),
        max_value=today,
        format="DD/MM/YYYY",
        key="dash_period",
    )
    platform = second.selectbox("Platform", ["Any", *PLATFORM_CHOICES], key="dash_pf")
    ward = third.selectbox(
        "Ward", [None, *range(1, WARD_COUNT + 1)], format_func=ward_choice, key="dash_ward"
    )
    if is_officer:
        department = own_department
        fourth.text_input("Department", department_label(department), disabled=True)
    else:
        choice = fourth.selectbox(
            "Department",
            ["All", *departments, IT_QUEUE],
            format_func=lambda code: "All departments" if code == "All" else department_label(code),
            key="dash_department",
        )
        department = None if choice == "All" else choice

start_day, end_day = (period[0], period[-1]) if period else (today, today)
filters = MetricsFilters(
    start=datetime.combine(start_day, time(), zone),
    end=datetime.combine(end_day + timedelta(days=1), time(), zone),
    platform=None if platform == "Any" else platform,
    ward=ward,
    department=department,
)
period_label = f"{start_day:%d %b %Y} – {end_day:%d %b %Y}"
file_period = f"{start_day:%Y-%m-%d}_to_{end_day:%Y-%m-%d}"

try:
    overview = metrics.overview(actor, filters)
except HubError as exc:
    session.show_error(exc)
    st.stop()


def percent(share: float | None) -> str:
    """A share as people read it; None: nothing decided yet."""
    return "—" if share is None else f"{share * 100:.0f} %"


def drill(figure: str, label: str, **where) -> None:
    """Show the tickets behind a figure below the tables."""
    st.session_state["dash_drill"] = {"figure": figure, "label": label, **where}


# --- headline -----------------------------------------------------------------------------------
st.caption(
    f"{period_label} · {department_label(department) if department else 'All departments'}"
    f"{' · ' + platform if platform != 'Any' else ''}{f' · ward {ward}' if ward else ''}"
    " · definitions in docs/metrics.md"
)
top, bottom = st.columns(3), st.columns(3)
top[0].metric(
    "Tickets",
    f"{overview.tickets:,}",
    help="Opened in the period (spam and merged duplicates left out)",
    border=True,
)
top[1].metric(
    "Median first response",
    format_duration(overview.first_response_median),
    help=f"90th percentile {format_duration(overview.first_response_p90)}",
    border=True,
)
top[2].metric(
    "First response within target",
    percent(overview.first_response_within_target),
    help=f"{overview.first_response_met} met, {overview.first_response_missed} missed; each"
    " ticket against its own department's target",
    border=True,
)
bottom[0].metric(
    "Waiting for a first response",
    f"{overview.waiting_first_response:,}",
    help=f"Oldest {format_duration(overview.oldest_waiting_minutes)}",
    border=True,
)
bottom[1].metric(
    "Open now",
    f"{overview.open:,}",
    help=f"Oldest {format_duration(overview.oldest_open_minutes)}",
    border=True,
)
bottom[2].metric(
    "Escalations",
    f"{overview.escalations:,}",
    help=f"Reopen rate {percent(overview.reopen_rate)}",
    border=True,
)

# --- the tables, one tab each (only the open tab runs its queries) ------------------------------
# League column → the figure a click on it opens (hub.league: the same table as the export).
LEAGUE_CLICKS = {f.screen_heading: f.drill for f in SCREEN_FIGURES if f.drill}
tabs = st.tabs(
    ["Departments", "Trends", "Distribution", "Wards", "Backlog", "Publishing"],
    key="dash_tab",
    on_change="rerun",
)
league_tab, trend_tab, distribution_tab, ward_tab, backlog_tab, publishing_tab = tabs


def csv_download(label: str, table: exports.Table, file_name: str, key: str) -> None:
    """A download button for one table as CSV (cells neutralised by `hub.exports`)."""
    st.download_button(
        label,
        data=exports.to_csv(table),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
    )


def selected_cell(event) -> tuple[int, str] | None:
    """The (row, column) a person clicked in a dataframe, if any."""
    cells = event.selection.get("cells", []) if event else []
    return (int(cells[0][0]), str(cells[0][1])) if cells else None


with league_tab:
    if league_tab.open is not False:
        league = metrics.department_league(actor, filters)
        sort_by = st.selectbox("Sort by", list(LEAGUE_SORTS), key="dash_league_sort")
        league = sort_league(league, sort_by)
        frame = pd.DataFrame(
            [
                {
                    "Department": department_label(r.department_code),
                    **{f.screen_heading: f.screen_value(r) for f in SCREEN_FIGURES},
                }
                for r in league
            ]
        )
        st.caption(
            "Click a figure to list the tickets behind it. Shares count decided tickets only:"
            " a ticket still inside its target is not yet met or missed."
        )
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={
                "Department": st.column_config.TextColumn(width="medium", pinned=True),
                "First response within target": st.column_config.ProgressColumn(
                    "First response within target",
                    format="%.0f%%",
                    min_value=0,
                    max_value=100,
                ),
                "Resolution within target": st.column_config.ProgressColumn(
                    "Resolution within target",
                    format="%.0f%%",
                    min_value=0,
                    max_value=100,
                ),
            },
            on_select="rerun",
            selection_mode="single-cell",
            key="dash_league_table",
        )
        clicked = selected_cell(event)
        if clicked and clicked[1] in LEAGUE_CLICKS:
            row = league[clicked[0]]
            figure = LEAGUE_CLICKS[clicked[1]]
            drill(
                figure,
                f"{department_label(row.department_code)}: {FIGURES[figure][0]}",
                department=row.department_code or IT_QUEUE,
            )
        csv_download(
            "Download the league (CSV)",
            exports.league_table(league, f"Department league {period_label}"),
            f"department-league_{file_period}.csv",
            "dash_league_csv",
        )

with trend_tab:
    if trend_tab.open:
        trend = metrics.weekly_trend(actor, filters)
        weekly = pd.DataFrame(
            [
                {
                    "Week": w.week_label,
                    "Monday": w.week_start,
                    "Tickets": w.tickets,
                    "Answered": w.answered,
                    "Median first response (h)": None
                    if w.first_response_median is None
                    else round(w.first_response_median / 60, 1),
                    "Median first response": format_duration(w.first_response_median),
                }
                for w in trend
            ]
        )
        if weekly.empty:
            st.info("No tickets in this period.")
        else:
            volume = (
                alt.Chart(weekly)
                .transform_fold(["Tickets", "Answered"], as_=["Series", "Count"])
                .mark_line(point=True)
                .encode(
                    x=alt.X("Week:O", title="ISO week (IST)"),
                    y=alt.Y("Count:Q", title="Tickets"),
                    color=alt.Color("Series:N", title=None),
                    tooltip=["Week", "Tickets", "Answered"],
                )
                .properties(title="Tickets opened and answered per week", height=260)
            )
            speed = (
                alt.Chart(weekly)
                .mark_bar()
                .encode(
                    x=alt.X("Week:O", title="ISO week (IST)"),
                    y=alt.Y("Median first response (h):Q", title="Hours"),
                    tooltip=["Week", "Median first response", "Answered"],
                )
                .properties(title="Median first response per week", height=260)
            )
            left, right = st.columns(2)
            left.altair_chart(volume, width="stretch")
            right.altair_chart(speed, width="stretch")
            event = st.dataframe(
                weekly.drop(columns=["Median first response (h)"]),
                hide_index=True,
                width="stretch",
                on_select="rerun",
                selection_mode="single-cell",
                key="dash_trend_table",
            )
            clicked = selected_cell(event)
            if clicked:
                week = trend[clicked[0]]
                figure = "answered" if clicked[1] == "Answered" else "tickets"
                drill(
                    figure,
                    f"Week {week.week_label}: {FIGURES[figure][0]}",
                    week_start=week.week_start.isoformat(),
                )
        csv_download(
            "Download the trend (CSV)",
            exports.trend_table(trend, f"Weekly trend {period_label}"),
            f"weekly-trend_{file_period}.csv",
            "dash_trend_csv",
        )

with distribution_tab:
    if distribution_tab.open:
        bands = metrics.response_time_distribution(actor, filters)
        frame = pd.DataFrame(
            [
                {
                    "Band": b.band,
                    "Tickets": b.tickets,
                    "Kind": "still waiting" if b.band == WAITING_BAND else "answered",
                }
                for b in bands
            ]
        )
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("Band:N", sort=[b.band for b in bands], title="First response"),
                y=alt.Y("Tickets:Q"),
                color=alt.Color(
                    "Kind:N",
                    scale=alt.Scale(
                        domain=["answered", "still waiting"], range=["#4c78a8", "#e45756"]
                    ),
                    title=None,
                ),
                tooltip=["Band", "Tickets"],
            )
            .add_params(alt.selection_point(name="band", fields=["Band"]))
            .properties(title="How long citizens waited for a first response", height=300)
        )
        event = st.altair_chart(chart, width="stretch", on_select="rerun", key="dash_bands")
        picked = (event.selection.get("band") or [{}])[0].get("Band") if event else None
        if picked:
            drill("tickets", f"First response {picked}", band=picked)
        st.caption("Click a bar to list its tickets. Open tickets with no reply are the red bar.")

with ward_tab:
    if ward_tab.open:
        wards = metrics.ward_table(actor, filters)
        frame = pd.DataFrame(
            [
                {
                    "Ward": "no ward" if w.ward is None else str(w.ward),
                    "Tickets": w.tickets,
                    "Answered": w.answered,
                    "First response median": format_duration(w.first_response_median),
                    "First response p90": format_duration(w.first_response_p90),
                    "Open": w.open,
                    "Resolved": w.resolved,
                    "Resolution median": format_duration(w.resolution_median),
                }
                for w in wards
            ]
        )
        if frame.empty:
            st.info("No tickets in this period.")
        else:
            busiest = frame[frame["Ward"] != "no ward"].nlargest(20, "Tickets")
            st.altair_chart(
                alt.Chart(busiest)
                .mark_bar()
                .encode(
                    x=alt.X("Ward:N", sort="-y"),
                    y="Tickets:Q",
                    tooltip=["Ward", "Tickets", "Open", "First response median"],
                )
                .properties(title="The 20 wards with most tickets", height=260),
                width="stretch",
            )
            event = st.dataframe(
                frame,
                hide_index=True,
                width="stretch",
                on_select="rerun",
                selection_mode="single-cell",
                key="dash_ward_table",
            )
            clicked = selected_cell(event)
            if clicked:
                row = wards[clicked[0]]
                figure = {"Answered": "answered", "Open": "open", "Resolved": "resolved"}.get(
                    clicked[1], "tickets"
                )
                where = {"ward_unknown": True} if row.ward is None else {"ward": row.ward}
                name = "No ward" if row.ward is None else f"Ward {row.ward}"
                drill(figure, f"{name}: {FIGURES[figure][0]}", **where)
        csv_download(
            "Download the wards (CSV)",
            exports.wards_table(wards, f"Wards {period_label}"),
            f"wards_{file_period}.csv",
            "dash_ward_csv",
        )

with backlog_tab:
    if backlog_tab.open:
        backlog = metrics.backlog_by_age(actor, filters)
        frame = pd.DataFrame(
            [
                {
                    "Department": department_label(b.department_code),
                    "Open": b.open,
                    BACKLOG_BUCKETS[0]: b.under_4h,
                    BACKLOG_BUCKETS[1]: b.from_4h_to_24h,
                    BACKLOG_BUCKETS[2]: b.from_1d_to_3d,
                    BACKLOG_BUCKETS[3]: b.from_3d_to_7d,
                    BACKLOG_BUCKETS[4]: b.over_7d,
                }
                for b in backlog
            ]
        )
        st.caption("Open tickets now by age since the citizen wrote. Click a cell for its tickets.")
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-cell",
            key="dash_backlog_table",
        )
        clicked = selected_cell(event)
        if clicked and clicked[1] != "Department":
            row = backlog[clicked[0]]
            bucket = clicked[1] if clicked[1] in BACKLOG_BUCKETS else None
            drill(
                "open",
                f"{department_label(row.department_code)}: open"
                + (f", {bucket}" if bucket else ""),
                department=row.department_code or IT_QUEUE,
                age_bucket=bucket,
            )
        csv_download(
            "Download the backlog (CSV)",
            exports.backlog_table(backlog, "Backlog by age (now)"),
            f"backlog_{today:%Y-%m-%d}.csv",
            "dash_backlog_csv",
        )

with publishing_tab:
    if publishing_tab.open:
        publishing = metrics.publishing(actor, filters)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Department": department_label(p.department_code),
                        "Submitted": p.submitted,
                        "Approved": p.approved,
                        "Per week": None
                        if p.updates_per_week is None
                        else round(p.updates_per_week, 1),
                        "Launches": p.launches,
                        "Notified 24 h ahead": percent(p.launch_notice_share),
                        "Review median": format_duration(p.review_median),
                        "Review p90": format_duration(p.review_p90),
                        "Rejected": p.rejected,
                        "Rejection rate": percent(p.rejection_rate),
                        "Reasons": exports.rejections_text(p.rejections_by_reason),
                        "Notices": p.notices,
                    }
                    for p in publishing
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        csv_download(
            "Download publishing (CSV)",
            exports.publishing_table(publishing, f"Publishing {period_label}"),
            f"publishing_{file_period}.csv",
            "dash_publishing_csv",
        )

# --- the tickets behind a figure ----------------------------------------------------------------
st.subheader("Tickets behind a figure")
chosen = st.session_state.get("dash_drill")
with st.expander("Pick a figure", expanded=chosen is None):
    left, middle, right = st.columns([2, 2, 1])
    picked_figure = left.selectbox(
        "Figure",
        list(FIGURES),
        format_func=lambda key: FIGURES[key][0],
        key="dash_drill_figure",
    )
    if is_officer:
        picked_department = own_department
    else:
        choices = ["All", *departments, IT_QUEUE]
        picked_department = middle.selectbox(
            "In department",
            choices,
            index=choices.index(department) if department in choices else 0,
            format_func=lambda code: "All departments" if code == "All" else department_label(code),
            key="dash_drill_department",
        )
    if right.button("Show tickets", key="dash_drill_show"):
        where = {} if picked_department == "All" else {"department": picked_department}
        label = department_label(picked_department) if where else "All departments"
        drill(picked_figure, f"{label}: {FIGURES[picked_figure][0]}", **where)
        chosen = st.session_state["dash_drill"]

if chosen is None:
    st.caption("Click a figure above, or pick one here, to list the tickets it counts.")
else:
    narrowed = MetricsFilters(
        start=filters.start,
        end=filters.end,
        platform=filters.platform,
        ward=chosen.get("ward", filters.ward),
        department=chosen.get("department", filters.department),
    )
    week = chosen.get("week_start")
    try:
        behind = metrics.tickets_behind(
            actor,
            narrowed,
            chosen["figure"],
            ward_unknown=bool(chosen.get("ward_unknown")),
            week_start=date.fromisoformat(week) if week else None,
            age_bucket=chosen.get("age_bucket"),
            band=chosen.get("band"),
            limit=500,
        )
    except HubError as exc:
        session.show_error(exc)
        st.stop()
    shown = f"the newest {len(behind.rows)} of " if len(behind.rows) < behind.total else ""
    st.markdown(f"**{chosen['label']}** — {shown}{behind.total:,} ticket(s), {period_label}")
    if behind.rows:
        event = st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Reference": t.reference,
                        "Department": t.department_code or IT_QUEUE,
                        "Status": t.status.replace("_", " "),
                        "Opened": format_local(t.opened_at, zone, with_zone=False),
                        "First response": format_duration(t.first_response_minutes),
                        "Resolution": format_duration(t.resolution_minutes),
                        "Age": format_duration(t.age_minutes),
                        "Ward": t.ward,
                        "Platform": t.platform,
                        "Escalated": t.escalated,
                        "Text": t.text,
                    }
                    for t in behind.rows
                ]
            ),
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="dash_behind_table",
        )
        rows = event.selection.get("rows", []) if event else []
        references = [t.reference for t in behind.rows]
        left, right, _ = st.columns([2, 1, 2])
        opened = left.selectbox(
            "Open a ticket",
            references,
            index=rows[0] if rows else 0,
            key="dash_open_pick",
        )
        if right.button("Open ticket", key="dash_open"):
            st.session_state["ticket_id"] = behind.rows[references.index(opened)].id
            session.switch_to("ticket")
        csv_download(
            "Download these tickets (CSV)",
            exports.tickets_behind_table(behind.rows, chosen["label"], zone=zone),
            f"tickets_{chosen['figure']}_{file_period}.csv",
            "dash_behind_csv",
        )
    if st.button("Clear", key="dash_drill_clear"):
        st.session_state.pop("dash_drill", None)
        st.rerun()

# --- every table at once ------------------------------------------------------------------------
st.subheader("Downloads")


def all_tables_excel() -> bytes:
    """Every table of the dashboard for these filters, one sheet each (made on click)."""
    return exports.to_excel(
        exports.tables_from_metrics(
            league=metrics.department_league(actor, filters),
            trend=metrics.weekly_trend(actor, filters),
            backlog=metrics.backlog_by_age(actor, filters),
            wards=metrics.ward_table(actor, filters),
            publishing=metrics.publishing(actor, filters),
            period=period_label,
            zone=zone,
        ),
        zone=zone,
    )


def weekly_report_html() -> str:
    """The printable report of the chosen week for these filters (made on click)."""
    return hub.weekly_report.render_html(
        actor,
        report_week,
        platform=filters.platform,
        ward=filters.ward,
        department=filters.department,
    )


left, middle, right = st.columns([1, 1, 1])
latest = last_complete_week(utc_now(), zone)
weeks = [latest + timedelta(days=7)] + [latest - timedelta(days=7 * n) for n in range(12)]
report_week = middle.selectbox(
    "Week of the printable report",
    weeks,
    index=1,
    format_func=lambda monday: (
        f"{monday:%d %b} – {monday + timedelta(days=6):%d %b %Y}"
        + (" (in progress)" if monday > latest else "")
    ),
    key="dash_report_week",
)
right.download_button(
    "Weekly report (printable HTML)",
    data=weekly_report_html,
    file_name=f"weekly-report_{report_week:%Y-%m-%d}.html",
    mime="text/html",
    icon=":material/print:",
    key="dash_weekly_report",
)
left.download_button(
    "Every table (Excel)",
    data=all_tables_excel,
    file_name=f"dashboard_{file_period}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
    key="dash_excel",
)
st.caption(
    f"Figures as of {format_local(utc_now(), zone)}. Every text cell of a download is"
    " neutralised so a spreadsheet never runs it as a formula. Open the weekly report in a"
    " browser and print it (A4) for the review meeting."
)
