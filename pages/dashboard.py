"""Dashboard: which departments answer citizens quickly, and are they keeping the public informed.

Every figure comes from `hub.metrics.MetricsService` (definitions: docs/metrics.md). Clicking
a cell of a table (or a bar of the distribution) lists the tickets behind that figure; the
same list can be picked with the "Tickets behind a figure" controls.
"""

from datetime import date, datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st
from babel.dates import format_date

from hub import exports
from hub.clock import utc_now
from hub.errors import HubError
from hub.league import DURATION, LEAGUE_SORTS, SCREEN_FIGURES, TARGET_HOURS, sort_league
from hub.metrics import (
    BACKLOG_BUCKETS,
    FIGURES,
    IT_QUEUE,
    WAITING_BAND,
    DepartmentRow,
    MetricsFilters,
)
from hub.permissions import Action, own_department_only
from hub.platforms.base import PLATFORM_CHOICES
from hub.ward_lists import WARD_COUNT
from hub.weekly_report import last_complete_week
from ui import session
from ui.i18n import (
    _,
    current_language,
    digits,
    format_duration,
    format_local,
    format_number,
    translator,
)

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
metrics = hub.metrics
st.title(_("Dashboard"))

# --- filters ------------------------------------------------------------------------------------
departments = {d.code: d for d in hub.departments.all_departments()}
today = utc_now().astimezone(zone).date()
own_department = own_department_only(actor, Action.VIEW_TICKETS)
is_officer = own_department is not None


def department_label(code: str | None, *, english: bool = False) -> str:
    """A department as people know it, in English and Bengali (`english`: for a file's title)."""
    if code in (None, IT_QUEUE):
        return IT_QUEUE if english else _(IT_QUEUE)
    department = departments.get(code)
    return f"{department.name_en} · {department.name_bn}" if department else code


def ward_label(ward: int | None) -> str:
    """A ward as a filter choice: its number, or "Any ward" for None."""
    return _("Any ward") if ward is None else _("Ward {ward}").format(ward=digits(str(ward)))


def day_label(day: date, *, with_year: bool = True) -> str:
    """A day as the reader's language writes it (``07 Dec 2026``, ``৭ ডিসে ২০২৬``)."""
    if current_language() == "bn":
        pattern = "d MMM y" if with_year else "d MMM"
        return digits(format_date(day, pattern, locale="bn"))
    return f"{day:%d %b %Y}" if with_year else f"{day:%d %b}"


# Choices' labels, made while the page runs (a `format_func` may be called outside the run,
# where the reader's language is not known).
ward_labels = {ward: ward_label(ward) for ward in [None, *range(1, WARD_COUNT + 1)]}
department_choices = {
    "All": _("All departments"),
    **{code: department_label(code) for code in [*departments, IT_QUEUE]},
}


with st.container(border=True):
    first, second, third, fourth = st.columns([2, 1, 1.3, 1.7])
    period = first.date_input(
        _("Period (tickets opened, IST)"),
        value=(today - timedelta(days=27), today),
        max_value=today,
        format="DD/MM/YYYY",
        key="dash_period",
    )
    platforms = {"Any": _("Any"), **{choice: choice for choice in PLATFORM_CHOICES}}
    platform = second.selectbox(
        _("Platform"), list(platforms), format_func=platforms.get, key="dash_pf"
    )
    ward = third.selectbox(
        _("Ward"), list(ward_labels), format_func=ward_labels.get, key="dash_ward"
    )
    if is_officer:
        department = own_department
        fourth.text_input(_("Department"), department_label(department), disabled=True)
    else:
        choice = fourth.selectbox(
            _("Department"),
            list(department_choices),
            format_func=department_choices.get,
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
# The period in a file's title (English, as every export), and on the screen.
period_label = f"{start_day:%d %b %Y} – {end_day:%d %b %Y}"
period_shown = f"{day_label(start_day)} – {day_label(end_day)}"
file_period = f"{start_day:%Y-%m-%d}_to_{end_day:%Y-%m-%d}"

try:
    overview = metrics.overview(actor, filters)
except HubError as exc:
    session.show_error(exc)
    st.stop()


def percent(share: float | None) -> str:
    """A share as people read it; None: nothing decided yet."""
    return "—" if share is None else digits(f"{share * 100:.0f} %")


def drill(figure: str, label: str, shown: str, **where) -> None:
    """Show the tickets behind a figure below the tables.

    `label` names the list in its CSV file (English, as every export), `shown` on the screen.
    """
    st.session_state["dash_drill"] = {"figure": figure, "label": label, "shown": shown, **where}


def figure_label(figure: str) -> str:
    """A figure of `hub.metrics.FIGURES` as the reader's language names it."""
    return _(FIGURES[figure][0])


def league_cell(figure, row: DepartmentRow):
    """A league figure's cell on the screen (`LeagueFigure.screen_value`, in the reader's
    language: durations and target hours)."""
    value = figure.value(row)
    if figure.kind == DURATION:
        return format_duration(value)
    if figure.kind == TARGET_HOURS and value is not None:
        return _("{hours} h").format(hours=digits(str(value)))
    return figure.screen_value(row)


def reasons_text(reasons) -> str:
    """`hub.exports.rejections_text` in the reader's language."""
    shown = []
    for code, count in reasons:
        reason = _(exports.reject_reason_label(code)) if code else _("(no reason)")
        shown.append(f"{reason}: {digits(str(count))}")
    return "; ".join(shown)


# --- headline -----------------------------------------------------------------------------------
headline = [period_shown, department_label(department) if department else _("All departments")]
if platform != "Any":
    headline.append(platform)
if ward:
    headline.append(_("ward {ward}").format(ward=digits(str(ward))))
headline.append(_("definitions in docs/metrics.md"))
st.caption(" · ".join(headline))
top, bottom = st.columns(3), st.columns(3)
top[0].metric(
    _("Tickets"),
    format_number(overview.tickets),
    help=_("Opened in the period (spam and merged duplicates left out)"),
    border=True,
)
top[1].metric(
    _("Median first response"),
    format_duration(overview.first_response_median, short=True),
    help=_("90th percentile {duration}").format(
        duration=format_duration(overview.first_response_p90)
    ),
    border=True,
)
top[2].metric(
    _("First response within target"),
    percent(overview.first_response_within_target),
    help=_("{met} met, {missed} missed; each ticket against its own department's target").format(
        met=digits(str(overview.first_response_met)),
        missed=digits(str(overview.first_response_missed)),
    ),
    border=True,
)
bottom[0].metric(
    _("Waiting for a first response"),
    format_number(overview.waiting_first_response),
    help=_("Oldest {duration}").format(duration=format_duration(overview.oldest_waiting_minutes)),
    border=True,
)
bottom[1].metric(
    _("Open now"),
    format_number(overview.open),
    help=_("Oldest {duration}").format(duration=format_duration(overview.oldest_open_minutes)),
    border=True,
)
bottom[2].metric(
    _("Escalations"),
    format_number(overview.escalations),
    help=_("Reopen rate {rate}").format(rate=percent(overview.reopen_rate)),
    border=True,
)

# --- the tables, one tab each (only the open tab runs its queries) ------------------------------
# League column → the figure a click on it opens (hub.league: the same table as the export).
# Headings in the reader's language: a click reports the heading as shown.
LEAGUE_CLICKS = {_(f.screen_heading): f.drill for f in SCREEN_FIGURES if f.drill}
tabs = st.tabs(
    [_("Departments"), _("Trends"), _("Distribution"), _("Wards"), _("Backlog"), _("Publishing")],
    key="dash_tab",
    on_change="rerun",
)
league_tab, trend_tab, distribution_tab, ward_tab, backlog_tab, publishing_tab = tabs


def csv_download(label: str, table: exports.Table, file_name: str, key: str) -> None:
    """A download button for one table as CSV (cells neutralised by `hub.exports`)."""
    st.download_button(
        label,
        data=exports.to_csv(exports.translated(table, _)),
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
        sort_by = st.selectbox(
            _("Sort by"),
            list(LEAGUE_SORTS),
            format_func={order: _(order) for order in LEAGUE_SORTS}.get,
            key="dash_league_sort",
        )
        league = sort_league(league, sort_by)
        frame = pd.DataFrame(
            [
                {
                    _("Department"): department_label(r.department_code),
                    **{_(f.screen_heading): league_cell(f, r) for f in SCREEN_FIGURES},
                }
                for r in league
            ]
        )
        st.caption(
            _(
                "Click a figure to list the tickets behind it. Shares count decided tickets only:"
                " a ticket still inside its target is not yet met or missed."
            )
        )
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={
                _("Department"): st.column_config.TextColumn(width="medium", pinned=True),
                _("First response within target"): st.column_config.ProgressColumn(
                    _("First response within target"),
                    format="%.0f%%",
                    min_value=0,
                    max_value=100,
                ),
                _("Resolution within target"): st.column_config.ProgressColumn(
                    _("Resolution within target"),
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
                f"{department_label(row.department_code, english=True)}: {FIGURES[figure][0]}",
                f"{department_label(row.department_code)}: {figure_label(figure)}",
                department=row.department_code or IT_QUEUE,
            )
        csv_download(
            _("Download the league (CSV)"),
            exports.league_table(league, f"Department league {period_label}"),
            f"department-league_{file_period}.csv",
            "dash_league_csv",
        )

with trend_tab:
    if trend_tab.open:
        trend = metrics.weekly_trend(actor, filters)
        week_col, tickets_col, answered_col = _("Week"), _("Tickets"), _("Answered")
        hours_col, median_col = _("Median first response (h)"), _("Median first response")
        weekly = pd.DataFrame(
            [
                {
                    week_col: w.week_label,
                    _("Monday"): w.week_start,
                    tickets_col: w.tickets,
                    answered_col: w.answered,
                    hours_col: None
                    if w.first_response_median is None
                    else round(w.first_response_median / 60, 1),
                    median_col: format_duration(w.first_response_median),
                }
                for w in trend
            ]
        )
        if weekly.empty:
            st.info(_("No tickets in this period."))
        else:
            volume = (
                alt.Chart(weekly)
                .transform_fold([tickets_col, answered_col], as_=["Series", "Count"])
                .mark_line(point=True)
                .encode(
                    x=alt.X(f"{week_col}:O", title=_("ISO week (IST)")),
                    y=alt.Y("Count:Q", title=_("Tickets")),
                    color=alt.Color("Series:N", title=None),
                    tooltip=[week_col, tickets_col, answered_col],
                )
                .properties(title=_("Tickets opened and answered per week"), height=260)
            )
            speed = (
                alt.Chart(weekly)
                .mark_bar()
                .encode(
                    x=alt.X(f"{week_col}:O", title=_("ISO week (IST)")),
                    y=alt.Y(f"{hours_col}:Q", title=_("Hours")),
                    tooltip=[week_col, median_col, answered_col],
                )
                .properties(title=_("Median first response per week"), height=260)
            )
            left, right = st.columns(2)
            left.altair_chart(volume, width="stretch")
            right.altair_chart(speed, width="stretch")
            event = st.dataframe(
                weekly.drop(columns=[hours_col]),
                hide_index=True,
                width="stretch",
                on_select="rerun",
                selection_mode="single-cell",
                key="dash_trend_table",
            )
            clicked = selected_cell(event)
            if clicked:
                week = trend[clicked[0]]
                figure = "answered" if clicked[1] == answered_col else "tickets"
                drill(
                    figure,
                    f"Week {week.week_label}: {FIGURES[figure][0]}",
                    _("Week {week}: {figure}").format(
                        week=week.week_label, figure=figure_label(figure)
                    ),
                    week_start=week.week_start.isoformat(),
                )
        csv_download(
            _("Download the trend (CSV)"),
            exports.trend_table(trend, f"Weekly trend {period_label}"),
            f"weekly-trend_{file_period}.csv",
            "dash_trend_csv",
        )

with distribution_tab:
    if distribution_tab.open:
        bands = metrics.response_time_distribution(actor, filters)
        band_col, tickets_col, kind_col = _("Band"), _("Tickets"), _("Kind")
        answered_kind, waiting_kind = _("answered"), _("still waiting")
        # A band as shown → the band `hub.metrics` knows (a click reports the one shown).
        band_keys = {_(b.band): b.band for b in bands}
        frame = pd.DataFrame(
            [
                {
                    band_col: _(b.band),
                    tickets_col: b.tickets,
                    kind_col: waiting_kind if b.band == WAITING_BAND else answered_kind,
                }
                for b in bands
            ]
        )
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X(f"{band_col}:N", sort=list(band_keys), title=_("First response")),
                y=alt.Y(f"{tickets_col}:Q"),
                color=alt.Color(
                    f"{kind_col}:N",
                    scale=alt.Scale(
                        domain=[answered_kind, waiting_kind], range=["#4c78a8", "#e45756"]
                    ),
                    title=None,
                ),
                tooltip=[band_col, tickets_col],
            )
            .add_params(alt.selection_point(name="band", fields=[band_col]))
            .properties(title=_("How long citizens waited for a first response"), height=300)
        )
        event = st.altair_chart(chart, width="stretch", on_select="rerun", key="dash_bands")
        picked = (event.selection.get("band") or [{}])[0].get(band_col) if event else None
        if picked:
            band = band_keys.get(picked, picked)
            drill(
                "tickets",
                f"First response {band}",
                _("First response {band}").format(band=_(band)),
                band=band,
            )
        st.caption(
            _("Click a bar to list its tickets. Open tickets with no reply are the red bar.")
        )

with ward_tab:
    if ward_tab.open:
        wards = metrics.ward_table(actor, filters)
        ward_col, tickets_col, answered_col = _("Ward"), _("Tickets"), _("Answered")
        open_col, resolved_col = _("Open"), _("Resolved")
        median_col, no_ward = _("First response median"), _("no ward")
        frame = pd.DataFrame(
            [
                {
                    ward_col: no_ward if w.ward is None else digits(str(w.ward)),
                    tickets_col: w.tickets,
                    answered_col: w.answered,
                    median_col: format_duration(w.first_response_median),
                    _("First response p90"): format_duration(w.first_response_p90),
                    open_col: w.open,
                    resolved_col: w.resolved,
                    _("Resolution median"): format_duration(w.resolution_median),
                }
                for w in wards
            ]
        )
        if frame.empty:
            st.info(_("No tickets in this period."))
        else:
            busiest = frame[frame[ward_col] != no_ward].nlargest(20, tickets_col)
            st.altair_chart(
                alt.Chart(busiest)
                .mark_bar()
                .encode(
                    x=alt.X(f"{ward_col}:N", sort="-y"),
                    y=f"{tickets_col}:Q",
                    tooltip=[ward_col, tickets_col, open_col, median_col],
                )
                .properties(title=_("The 20 wards with most tickets"), height=260),
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
                figure = {answered_col: "answered", open_col: "open", resolved_col: "resolved"}.get(
                    clicked[1], "tickets"
                )
                where = {"ward_unknown": True} if row.ward is None else {"ward": row.ward}
                name = "No ward" if row.ward is None else f"Ward {row.ward}"
                shown = _("No ward") if row.ward is None else ward_label(row.ward)
                drill(
                    figure,
                    f"{name}: {FIGURES[figure][0]}",
                    f"{shown}: {figure_label(figure)}",
                    **where,
                )
        csv_download(
            _("Download the wards (CSV)"),
            exports.wards_table(wards, f"Wards {period_label}"),
            f"wards_{file_period}.csv",
            "dash_ward_csv",
        )

with backlog_tab:
    if backlog_tab.open:
        backlog = metrics.backlog_by_age(actor, filters)
        department_col = _("Department")
        # A bucket's heading as shown → the bucket `hub.metrics` knows.
        bucket_keys = {_(bucket): bucket for bucket in BACKLOG_BUCKETS}
        headings = list(bucket_keys)
        frame = pd.DataFrame(
            [
                {
                    department_col: department_label(b.department_code),
                    _("Open"): b.open,
                    headings[0]: b.under_4h,
                    headings[1]: b.from_4h_to_24h,
                    headings[2]: b.from_1d_to_3d,
                    headings[3]: b.from_3d_to_7d,
                    headings[4]: b.over_7d,
                }
                for b in backlog
            ]
        )
        st.caption(
            _("Open tickets now by age since the citizen wrote. Click a cell for its tickets.")
        )
        event = st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-cell",
            key="dash_backlog_table",
        )
        clicked = selected_cell(event)
        if clicked and clicked[1] != department_col:
            row = backlog[clicked[0]]
            bucket = bucket_keys.get(clicked[1])
            shown_department = department_label(row.department_code)
            drill(
                "open",
                f"{department_label(row.department_code, english=True)}: open"
                + (f", {bucket}" if bucket else ""),
                _("{department}: open, {age}").format(department=shown_department, age=_(bucket))
                if bucket
                else _("{department}: open").format(department=shown_department),
                department=row.department_code or IT_QUEUE,
                age_bucket=bucket,
            )
        csv_download(
            _("Download the backlog (CSV)"),
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
                        _("Department"): department_label(p.department_code),
                        _("Submitted"): p.submitted,
                        _("Approved"): p.approved,
                        _("Per week"): None
                        if p.updates_per_week is None
                        else round(p.updates_per_week, 1),
                        _("Launches"): p.launches,
                        _("Notified 24 h ahead"): percent(p.launch_notice_share),
                        _("Review median"): format_duration(p.review_median),
                        _("Review p90"): format_duration(p.review_p90),
                        _("Rejected"): p.rejected,
                        _("Rejection rate"): percent(p.rejection_rate),
                        _("Reasons"): reasons_text(p.rejections_by_reason),
                        _("Notices"): p.notices,
                    }
                    for p in publishing
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        csv_download(
            _("Download publishing (CSV)"),
            exports.publishing_table(publishing, f"Publishing {period_label}"),
            f"publishing_{file_period}.csv",
            "dash_publishing_csv",
        )

# --- the tickets behind a figure ----------------------------------------------------------------
st.subheader(_("Tickets behind a figure"))
chosen = st.session_state.get("dash_drill")
with st.expander(_("Pick a figure"), expanded=chosen is None):
    left, middle, right = st.columns([2, 2, 1])
    picked_figure = left.selectbox(
        _("Figure"),
        list(FIGURES),
        format_func={key: figure_label(key) for key in FIGURES}.get,
        key="dash_drill_figure",
    )
    if is_officer:
        picked_department = own_department
    else:
        choices = list(department_choices)
        picked_department = middle.selectbox(
            _("In department"),
            choices,
            index=choices.index(department) if department in choices else 0,
            format_func=department_choices.get,
            key="dash_drill_department",
        )
    if right.button(_("Show tickets"), key="dash_drill_show"):
        where = {} if picked_department == "All" else {"department": picked_department}
        label = department_label(picked_department, english=True) if where else "All departments"
        shown = department_label(picked_department) if where else _("All departments")
        drill(
            picked_figure,
            f"{label}: {FIGURES[picked_figure][0]}",
            f"{shown}: {figure_label(picked_figure)}",
            **where,
        )
        chosen = st.session_state["dash_drill"]

if chosen is None:
    st.caption(_("Click a figure above, or pick one here, to list the tickets it counts."))
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
    heading = (
        _("**{label}** — the newest {shown} of {total} ticket(s), {period}")
        if len(behind.rows) < behind.total
        else _("**{label}** — {total} ticket(s), {period}")
    )
    st.markdown(
        heading.format(
            label=chosen.get("shown", chosen["label"]),
            shown=format_number(len(behind.rows)),
            total=format_number(behind.total),
            period=period_shown,
        )
    )
    if behind.rows:
        statuses = {
            "new": _("new"),
            "acknowledged": _("acknowledged"),
            "in_progress": _("in progress"),
            "resolved": _("resolved"),
            "closed": _("closed"),
        }
        event = st.dataframe(
            pd.DataFrame(
                [
                    {
                        _("Reference"): t.reference,
                        _("Department"): t.department_code or _(IT_QUEUE),
                        _("Status"): statuses.get(t.status, t.status.replace("_", " ")),
                        _("Opened"): format_local(t.opened_at, zone, with_zone=False),
                        _("First response"): format_duration(t.first_response_minutes),
                        _("Resolution"): format_duration(t.resolution_minutes),
                        _("Age"): format_duration(t.age_minutes),
                        _("Ward"): t.ward,
                        _("Platform"): t.platform,
                        _("Escalated"): t.escalated,
                        _("Text"): t.text,
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
        left, right, _unused = st.columns([2, 1, 2])
        opened = left.selectbox(
            _("Open a ticket"),
            references,
            index=rows[0] if rows else 0,
            key="dash_open_pick",
        )
        if right.button(_("Open ticket"), key="dash_open"):
            st.session_state["ticket_id"] = behind.rows[references.index(opened)].id
            session.switch_to("ticket")
        csv_download(
            _("Download these tickets (CSV)"),
            exports.tickets_behind_table(behind.rows, chosen["label"], zone=zone),
            f"tickets_{chosen['figure']}_{file_period}.csv",
            "dash_behind_csv",
        )
    if st.button(_("Clear"), key="dash_drill_clear"):
        st.session_state.pop("dash_drill", None)
        st.rerun()

# --- every table at once ------------------------------------------------------------------------
st.subheader(_("Downloads"))


translate_now = translator()


def all_tables_excel() -> bytes:
    """Every table of the dashboard for these filters, one sheet each (made on click)."""
    return exports.to_excel(
        [
            exports.translated(table, translate_now)
            for table in exports.tables_from_metrics(
                league=metrics.department_league(actor, filters),
                trend=metrics.weekly_trend(actor, filters),
                backlog=metrics.backlog_by_age(actor, filters),
                wards=metrics.ward_table(actor, filters),
                publishing=metrics.publishing(actor, filters),
                period=period_label,
                zone=zone,
            )
        ],
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
        language=report_language,
    )


# The report is made when its button is clicked, after this run: its language is fixed now.
report_language = current_language()
left, middle, right = st.columns([1, 1, 1])
latest = last_complete_week(utc_now(), zone)
weeks = [latest + timedelta(days=7)] + [latest - timedelta(days=7 * n) for n in range(12)]
week_labels = {
    monday: f"{day_label(monday, with_year=False)} – {day_label(monday + timedelta(days=6))}"
    + (" " + _("(in progress)") if monday > latest else "")
    for monday in weeks
}
report_week = middle.selectbox(
    _("Week of the printable report"),
    weeks,
    index=1,
    format_func=week_labels.get,
    key="dash_report_week",
)
right.download_button(
    _("Weekly report (printable HTML)"),
    data=weekly_report_html,
    file_name=f"weekly-report_{report_week:%Y-%m-%d}.html",
    mime="text/html",
    icon=":material/print:",
    key="dash_weekly_report",
)
left.download_button(
    _("Every table (Excel)"),
    data=all_tables_excel,
    file_name=f"dashboard_{file_period}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
    key="dash_excel",
)
st.caption(
    _(
        "Figures as of {moment}. Every text cell of a download is"
        " neutralised so a spreadsheet never runs it as a formula. Open the weekly report in a"
        " browser and print it (A4) for the review meeting."
    ).format(moment=format_local(utc_now(), zone))
)
