"""The printable weekly report for the commissioner's review meeting, as one HTML page.

One ISO week (Monday 00:00 to the next Monday 00:00 in the display zone, Asia/Kolkata), by
default the last complete one. Every figure comes from `MetricsService`, which also decides
who sees what (an officer gets their own department), so nothing here re-implements the
definitions of ``docs/metrics.md`` or the permission rules.

The page is self-contained: inline CSS with an A4 print layout and no external resource of
any kind (no fonts, scripts or images from elsewhere), so it prints the same offline and leaks
nothing when opened. All text that came from people (department names, rejection reasons) is
HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from hub.clock import as_utc, utc_now
from hub.departments import DepartmentService
from hub.errors import InvalidInput
from hub.exports import reject_reason_label
from hub.i18n import N_, digits, format_moment, translate
from hub.i18n import format_duration as i18n_duration
from hub.metrics import (
    IT_QUEUE,
    BacklogRow,
    DepartmentRow,
    MetricsFilters,
    MetricsService,
    Overview,
    PublishingRow,
    WardRow,
    WeekRow,
)
from hub.permissions import Actor

__all__ = [
    "TOP_WARDS",
    "TREND_WEEKS",
    "WeeklyReport",
    "WeeklyReportService",
    "last_complete_week",
    "week_bounds",
    "week_monday",
]

# The ward table lists the busiest wards only: the meeting discusses where the volume is.
TOP_WARDS = 20
# Weeks in the small trend table (this one and the seven before it).
TREND_WEEKS = 8
DEFINITIONS = "docs/metrics.md"


def week_monday(day: date) -> date:
    """The Monday of the ISO week that contains ``day``."""
    return day - timedelta(days=day.weekday())


def last_complete_week(now: datetime, zone: ZoneInfo | str = "Asia/Kolkata") -> date:
    """The Monday of the last week that has fully ended at ``now`` in ``zone``."""
    today = as_utc(now).astimezone(ZoneInfo(str(zone))).date()
    return week_monday(today) - timedelta(days=7)


def week_bounds(monday: date, zone: ZoneInfo | str = "Asia/Kolkata") -> tuple[datetime, datetime]:
    """Monday 00:00 and the next Monday 00:00 in ``zone``, as aware datetimes."""
    zone = ZoneInfo(str(zone))
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return start, end


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the weekly page shows, computed once (the page only formats it)."""

    week_start: date
    week_label: str
    generated_at: datetime
    prepared_for: str
    # Which tickets the report covers: catalogue phrases with their values, put into the
    # reader's language when the page is rendered.
    scope_parts: tuple[tuple[str, dict[str, object]], ...]
    complete: bool
    this_week: Overview
    previous_week: Overview
    open_now: int
    league: list[DepartmentRow]  # worst first by share within the first-response target
    previous_share: dict[str | None, float | None]
    backlog: list[BacklogRow]
    wards: list[WardRow]  # the busiest `TOP_WARDS` wards with a ward number
    wards_not_shown: int
    no_ward: WardRow | None
    publishing: list[PublishingRow]
    previous_submitted: dict[str, int]
    trend: list[WeekRow]
    bengali_names: dict[str, str]

    @property
    def week_end(self) -> date:
        """The Sunday that ends the week."""
        return self.week_start + timedelta(days=6)


class WeeklyReportService:
    """Builds the weekly report from `MetricsService` and renders it as printable HTML."""

    def __init__(
        self,
        metrics: MetricsService,
        departments: DepartmentService,
        *,
        clock: Callable[[], datetime] = utc_now,
        zone: ZoneInfo | str = "Asia/Kolkata",
    ) -> None:
        self._metrics = metrics
        self._departments = departments
        self._clock = clock
        self._zone = ZoneInfo(str(zone))

    def build(
        self,
        actor: Actor,
        week_start: date | None = None,
        *,
        platform: str | None = None,
        ward: int | None = None,
        department: str | None = None,
    ) -> WeeklyReport:
        """The figures of one ISO week (default: the last complete one) and the week before.

        ``week_start`` may be any day of the wanted week. A week that has not begun is refused.
        Officers get their own department only (`MetricsService` refuses any other).
        """
        now = self._clock()
        this_monday = week_monday(as_utc(now).astimezone(self._zone).date())
        monday = (
            last_complete_week(now, self._zone) if week_start is None else week_monday(week_start)
        )
        if monday > this_monday:
            raise InvalidInput(
                N_("the week of {day} has not begun yet: choose a week up to this one."),
                day=f"{monday:%d %b %Y}",
            )
        start, end = week_bounds(monday, self._zone)
        previous_start, _ = week_bounds(monday - timedelta(days=7), self._zone)

        def filters(begin: datetime | None, until: datetime | None) -> MetricsFilters:
            return MetricsFilters(begin, until, platform, ward, department)

        week, previous = filters(start, end), filters(previous_start, start)
        metrics, zone = self._metrics, self._zone
        this_week = metrics.overview(actor, week)
        league = metrics.department_league(actor, week)
        previous_share = {
            row.department_code: row.first_response_within_target
            for row in metrics.department_league(actor, previous)
        }
        # The backlog is of every ticket open now, whatever week it came in.
        backlog = metrics.backlog_by_age(actor, filters(None, None))
        all_wards = metrics.ward_table(actor, week)
        numbered = sorted((w for w in all_wards if w.ward is not None), key=_ward_order)
        publishing = metrics.publishing(actor, week)
        previous_submitted = {
            row.department_code: row.submitted for row in metrics.publishing(actor, previous)
        }
        trend_start, _ = week_bounds(monday - timedelta(days=7 * (TREND_WEEKS - 1)), zone)
        return WeeklyReport(
            week_start=monday,
            week_label=f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}",
            generated_at=now,
            prepared_for=actor.label,
            scope_parts=self._scope_parts(actor, platform, ward, department),
            complete=end <= as_utc(now),
            this_week=this_week,
            previous_week=metrics.overview(actor, previous),
            open_now=sum(row.open for row in backlog),
            league=sorted(league, key=_league_order),
            previous_share=previous_share,
            backlog=backlog,
            wards=numbered[:TOP_WARDS],
            wards_not_shown=max(0, len(numbered) - TOP_WARDS),
            no_ward=next((w for w in all_wards if w.ward is None), None),
            publishing=publishing,
            previous_submitted=previous_submitted,
            trend=metrics.weekly_trend(actor, filters(trend_start, end)),
            bengali_names={
                d.code: d.name_bn for d in self._departments.all_departments(include_inactive=True)
            },
        )

    def render_html(
        self,
        actor: Actor,
        week_start: date | None = None,
        *,
        platform: str | None = None,
        ward: int | None = None,
        department: str | None = None,
        language: str = "en",
    ) -> str:
        """The weekly report as one self-contained, printable (A4) HTML page in `language`."""
        report = self.build(actor, week_start, platform=platform, ward=ward, department=department)
        return render_report(report, self._zone, language)

    def _scope_parts(
        self, actor: Actor, platform: str | None, ward: int | None, department: str | None
    ) -> tuple[tuple[str, dict[str, object]], ...]:
        """Which tickets the report covers, as catalogue phrases and their values."""
        code = department or actor.department_code
        parts: list[tuple[str, dict[str, object]]] = []
        if code == IT_QUEUE:
            parts.append((N_("the IT team's queue"), {}))
        elif code:
            names = {d.code: d for d in self._departments.all_departments(include_inactive=True)}
            known = names.get(code)
            parts.append((N_("department {name}"), {"name": known.label if known else code}))
        else:
            parts.append((N_("all departments"), {}))
        if platform:
            parts.append((N_("platform {platform}"), {"platform": platform}))
        if ward is not None:
            parts.append((N_("ward {ward}"), {"ward": ward}))
        return tuple(parts)


def _league_order(row: DepartmentRow) -> tuple:
    """Worst first: lowest share within the first-response target; no share yet last."""
    share = row.first_response_within_target
    return (share is None, share or 0.0, -row.first_response_missed, -row.tickets,
            row.department_code is None, row.department_name)  # fmt: skip


def _ward_order(row: WardRow) -> tuple:
    return (-row.tickets, row.ward)


# --- HTML -------------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
body {
  font-family: "Noto Sans", "Noto Sans Bengali", "Nirmala UI", "Vrinda", "Shonar Bangla",
    Arial, sans-serif;
  font-size: 10pt; line-height: 1.35; color: #111; background: #fff;
  margin: 0 auto; max-width: 200mm; padding: 8mm;
}
[lang="bn"], .bn {
  font-family: "Noto Sans Bengali", "Nirmala UI", "Vrinda", "Shonar Bangla", sans-serif;
}
h1 { font-size: 16pt; margin: 0 0 1mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; padding-bottom: 1mm; border-bottom: 1px solid #888; }
p { margin: 1mm 0; }
.sub { color: #444; margin-bottom: 4mm; }
.note { color: #444; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: 0.8mm 1.2mm; text-align: right; vertical-align: top; }
th { background: #eee; font-weight: 600; }
th.group { text-align: center; border-bottom: 0; }
/* Fourteen columns on 186 mm of A4: smaller type so the league never runs off the page. */
#league { font-size: 7.5pt; }
#league th, #league td { padding: 0.6mm 0.9mm; }
th.text, td.text { text-align: left; }
td .bn { display: block; color: #444; font-size: 8pt; }
tr.total td { font-weight: 600; background: #f6f6f6; }
.over { color: #a0001c; font-weight: 700; }
.headline td:first-child { text-align: left; }
.headline td:nth-child(2) { font-size: 11pt; font-weight: 700; }
footer { margin-top: 6mm; padding-top: 2mm; border-top: 1px solid #888; color: #444;
  font-size: 8.5pt; }
@media print {
  body { max-width: none; padding: 0; }
  section { break-inside: avoid-page; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


class _Words:
    """The report's words, numbers, durations and dates in one language."""

    def __init__(self, language: str, zone: ZoneInfo) -> None:
        self.language = language
        self.zone = zone

    def t(self, message: str, **values: object) -> str:
        """A catalogue string in the language, with its values put in."""
        text = translate(message, self.language)
        return text.format(**values) if values else text

    def n(self, value: object) -> str:
        """A count or figure, in the language's digits."""
        return digits(str(value), self.language)

    def duration(self, minutes: float | None) -> str:
        return i18n_duration(minutes, self.language)

    def moment(self, moment: datetime) -> str:
        return format_moment(moment, self.zone, self.language)

    def day(self, day: date, pattern: str) -> str:
        """A date with Babel's CLDR pattern (Bengali month and day names for ``bn``)."""
        locale = "bn" if self.language == "bn" else "en"
        return digits(format_date(day, pattern, locale=locale), self.language)

    def share(self, share: float | None, met: int | None = None, missed: int | None = None) -> str:
        """``60 % (3 of 5)``; nothing decided: ``—`` (never 0 % or 100 %)."""
        if share is None:
            return "—"
        text = self.n(f"{share * 100:.0f} %")
        if met is not None and missed is not None:
            text += " " + self.t(
                N_("({met} of {total})"), met=self.n(met), total=self.n(met + missed)
            )
        return text

    def hours(self, hours: int | None) -> str:
        return self.t(N_("{hours} h"), hours=self.n(hours))


def _e(value: object) -> str:
    """Any value as escaped HTML text (department names and reasons come from people)."""
    return html.escape(str(value), quote=True)


def _cell(text: object, css: str = "") -> str:
    return f'<td class="{css}">{_e(text)}</td>' if css else f"<td>{_e(text)}</td>"


def _duration_cell(w: _Words, minutes: float | None, target_hours: int | None = None) -> str:
    """A duration, marked when it is over the target beside it."""
    over = target_hours is not None and minutes is not None and minutes > target_hours * 60
    return _cell(w.duration(minutes), "over" if over else "")


def _department_cell(code: str | None, name: str, bengali: dict[str, str], w: _Words) -> str:
    name_bn = bengali.get(code or "", "")
    inner = _e(w.t(IT_QUEUE) if not name or name == IT_QUEUE else name)
    if name_bn:
        inner += f'<span class="bn" lang="bn">{_e(name_bn)}</span>'
    return f'<td class="text">{inner}</td>'


def _table(
    table_id: str,
    headers: Sequence[str],
    rows: Iterable[str],
    *,
    text_columns: int = 1,
    groups: Sequence[tuple[str, int]] = (),
) -> str:
    """A table with a header row; ``rows`` are ready-made ``<tr>`` strings.

    ``groups`` (label, number of columns) adds a row above the headers, so short headers such
    as "Median" can share one "First response" and the table fits an A4 page.
    """
    upper = "".join(
        f'<th class="group" colspan="{span}">{_e(label)}</th>' for label, span in groups
    )
    head = "".join(
        f'<th class="text">{_e(h)}</th>' if i < text_columns else f"<th>{_e(h)}</th>"
        for i, h in enumerate(headers)
    )
    thead = (f"<tr>{upper}</tr>" if groups else "") + f"<tr>{head}</tr>"
    body = "".join(rows)
    return f'<table id="{table_id}"><thead>{thead}</thead><tbody>{body}</tbody></table>'


def _row(cells: Iterable[str], key: object = None, css: str = "") -> str:
    attributes = f' data-key="{_e(key)}"' if key is not None else ""
    attributes += f' class="{css}"' if css else ""
    return f"<tr{attributes}>{''.join(cells)}</tr>"


def render_report(report: WeeklyReport, zone: ZoneInfo, language: str = "en") -> str:
    """The HTML page of a built report (times shown in ``zone``, words in ``language``)."""
    w = _Words(language, zone)
    first = report.week_start
    period = f"{w.day(first, 'EEE dd MMM')} – {w.day(report.week_end, 'EEE dd MMM y')}"
    status = w.t(N_(" (week in progress: figures so far)")) if not report.complete else ""
    scope = ", ".join(w.t(part, **values) for part, values in report.scope_parts)
    zone_name = _zone_name(zone)
    title = w.t(N_("Weekly response review: {week}"), week=report.week_label)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        '<p class="sub">'
        + _e(
            w.t(
                N_(
                    "{period}, Monday 00:00 to Sunday 24:00 {zone}{status}. Tickets opened in"
                    " the week; {scope}."
                ),
                period=period,
                zone=zone_name,
                status=status,
                scope=scope,
            )
        )
        + "</p>",
        "</header>",
        _headline_section(report, w),
        _league_section(report, w),
        _backlog_section(report, w),
        _ward_section(report, w),
        _publishing_section(report, w),
        _trend_section(report, w),
        "<footer>",
        "<p>"
        + _e(
            w.t(
                N_("Generated {moment} for {person}. Times in {zone}."),
                moment=w.moment(report.generated_at),
                person=report.prepared_for,
                zone=zone_name,
            )
        )
        + "</p>",
        "<p>"
        + _e(
            w.t(
                N_(
                    "Definitions: {definitions} (which tickets count, how waiting tickets are"
                    " judged, what “within target” means). “—”: nothing to measure yet."
                ),
                definitions=DEFINITIONS,
            )
        )
        + "</p>",
        "</footer>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _zone_name(zone: ZoneInfo) -> str:
    return datetime(2026, 1, 1, tzinfo=zone).tzname() or str(zone)


def _headline_section(report: WeeklyReport, w: _Words) -> str:
    this, before = report.this_week, report.previous_week
    figures = [
        (N_("Tickets opened"), w.n(this.tickets), w.n(before.tickets)),
        (N_("Answered (first reply confirmed)"), w.n(this.answered), w.n(before.answered)),
        (
            N_("Median first response"),
            w.duration(this.first_response_median),
            w.duration(before.first_response_median),
        ),
        (
            N_("Within first-response target"),
            w.share(
                this.first_response_within_target,
                this.first_response_met,
                this.first_response_missed,
            ),
            w.share(
                before.first_response_within_target,
                before.first_response_met,
                before.first_response_missed,
            ),
        ),
        (
            N_("Still waiting for a first response"),
            w.n(this.waiting_first_response),
            w.n(before.waiting_first_response),
        ),
        (N_("Escalations"), w.n(this.escalations), w.n(before.escalations)),
        (N_("Open now (all weeks)"), w.n(report.open_now), "—"),
    ]
    rows = [
        _row([_cell(w.t(label), "text"), _cell(now), _cell(then)], key=label)
        for label, now, then in figures
    ]
    headers = (w.t(N_("Figure")), w.t(N_("This week")), w.t(N_("Previous week")))
    table = _table("headline", headers, rows)
    note = w.t(
        N_(
            "“Within target” counts each ticket against its own department’s target; a ticket"
            " still waiting counts as missed once its age passes the target. The previous"
            " week’s figures are as they stand now (later replies included)."
        )
    )
    heading = w.t(N_("Headline figures"))
    return (
        f'<section class="headline"><h2>{_e(heading)}</h2>'
        + table
        + f'<p class="note">{_e(note)}</p>'
        + "</section>"
    )


def _league_section(report: WeeklyReport, w: _Words) -> str:
    headers = tuple(
        w.t(h)
        for h in (
            N_("Department"),
            N_("Tickets"),
            N_("Answered"),
            N_("Waiting (oldest)"),
            N_("Median"),
            N_("90th pct"),
            N_("Target"),
            N_("Within target"),
            N_("Previous week"),
            N_("Median"),
            N_("Target"),
            N_("Within target"),
            N_("Open"),
            N_("Escalated"),
        )
    )
    groups = (("", 4), (w.t(N_("First response")), 5), (w.t(N_("Resolution")), 3), ("", 2))
    # Departments without a ticket this week go in one line, not in a column of zeros.
    quiet = [r for r in report.league if not r.tickets]
    rows = []
    for r in (r for r in report.league if r.tickets):
        waiting = w.n(r.waiting_first_response)
        if r.waiting_first_response:
            waiting += f" ({w.duration(r.oldest_waiting_minutes)})"
        cells = [
            _department_cell(r.department_code, r.department_name, report.bengali_names, w),
            _cell(w.n(r.tickets)),
            _cell(w.n(r.answered)),
            _cell(waiting),
            _duration_cell(w, r.first_response_median, r.first_response_target_hours),
            _duration_cell(w, r.first_response_p90, r.first_response_target_hours),
            _cell(w.hours(r.first_response_target_hours)),
            _cell(
                w.share(
                    r.first_response_within_target, r.first_response_met, r.first_response_missed
                )
            ),
            _cell(w.share(report.previous_share.get(r.department_code))),
            _duration_cell(w, r.resolution_median, r.resolution_target_hours),
            _cell(w.hours(r.resolution_target_hours)),
            _cell(w.share(r.resolution_within_target, r.resolution_met, r.resolution_missed)),
            _cell(w.n(r.open)),
            _cell(w.n(r.escalations)),
        ]
        rows.append(_row(cells, key=r.department_code or IT_QUEUE))
    body = (
        _table("league", headers, rows, groups=groups)
        if rows
        else '<p id="league">' + _e(w.t(N_("No tickets this week."))) + "</p>"
    )
    quiet_note = ""
    if quiet and rows:
        names = ", ".join(
            w.t(IT_QUEUE) if r.department_name in ("", IT_QUEUE) else r.department_name
            for r in quiet
        )
        quiet_text = w.t(N_("No tickets this week: {names}."), names=names)
        quiet_note = f'<p class="note" id="quiet">{_e(quiet_text)}</p>'
    order_note = w.t(
        N_(
            "Ordered by the share of tickets answered within the first-response target, lowest"
            " first; departments with nothing decided yet come last. Durations in {red} are over"
            " the department’s target. “Previous week”: the share within the first-response"
            " target the week before."
        )
    )
    red = '<span class="over">' + _e(w.t(N_("red"))) + "</span>"
    heading = w.t(N_("Departments, worst first"))
    return (
        f"<section><h2>{_e(heading)}</h2>"
        + body
        + quiet_note
        + f'<p class="note">{_e(order_note).replace("{red}", red)}</p></section>'
    )


def _backlog_section(report: WeeklyReport, w: _Words) -> str:
    headers = tuple(
        w.t(h)
        for h in (
            N_("Department"),
            N_("Open"),
            N_("Under 4 h"),
            N_("4–24 h"),
            N_("1–3 days"),
            N_("3–7 days"),
            N_("Over 7 days"),
        )
    )
    shown = [r for r in report.backlog if r.open]
    rows = [
        _row(
            [
                _department_cell(r.department_code, r.department_name, report.bengali_names, w),
                *(_cell(w.n(n)) for n in _backlog_counts(r)),
            ],
            key=r.department_code or IT_QUEUE,
        )
        for r in shown
    ]
    totals = [sum(column) for column in zip(*(_backlog_counts(r) for r in shown), strict=True)]
    if shown:
        rows.append(
            _row(
                [_cell(w.t(N_("Total")), "text"), *(_cell(w.n(n)) for n in totals)],
                key="total",
                css="total",
            )
        )
    body = (
        _table("backlog", headers, rows)
        if shown
        else '<p id="backlog">' + _e(w.t(N_("No open tickets."))) + "</p>"
    )
    note = w.t(
        N_(
            "Every ticket open at the time of generation, whichever week it was opened in, by"
            " age since the citizen wrote; departments with none are not listed."
        )
    )
    heading = w.t(N_("Backlog by age (open now)"))
    return (
        f"<section><h2>{_e(heading)}</h2>" + body + f'<p class="note">{_e(note)}</p>' + "</section>"
    )


def _backlog_counts(row: BacklogRow) -> tuple[int, ...]:
    return (row.open, row.under_4h, row.from_4h_to_24h, row.from_1d_to_3d, row.from_3d_to_7d,
            row.over_7d)  # fmt: skip


def _ward_section(report: WeeklyReport, w: _Words) -> str:
    headers = tuple(
        w.t(h)
        for h in (
            N_("Ward"),
            N_("Tickets"),
            N_("Answered"),
            N_("First response median"),
            N_("90th percentile"),
            N_("Open"),
            N_("Resolved"),
            N_("Resolution median"),
        )
    )
    rows = [
        _row(
            [
                _cell(w.n(ward.ward), "text"),
                _cell(w.n(ward.tickets)),
                _cell(w.n(ward.answered)),
                _cell(w.duration(ward.first_response_median)),
                _cell(w.duration(ward.first_response_p90)),
                _cell(w.n(ward.open)),
                _cell(w.n(ward.resolved)),
                _cell(w.duration(ward.resolution_median)),
            ],
            key=ward.ward,
        )
        for ward in report.wards
    ]
    notes = []
    if report.wards_not_shown:
        notes.append(
            w.t(N_("{count} quieter wards are not shown."), count=w.n(report.wards_not_shown))
        )
    if report.no_ward is not None:
        notes.append(
            w.t(
                N_(
                    "{tickets} tickets named no ward that could be recognised ({answered}"
                    " answered, {open} open)."
                ),
                tickets=w.n(report.no_ward.tickets),
                answered=w.n(report.no_ward.answered),
                open=w.n(report.no_ward.open),
            )
        )
    body = (
        _table("wards", headers, rows)
        if rows
        else '<p id="wards">' + _e(w.t(N_("No ward was named."))) + "</p>"
    )
    note = f'<p class="note">{_e(" ".join(notes))}</p>' if notes else ""
    heading = w.t(N_("Wards: the {count} busiest"), count=w.n(TOP_WARDS))
    return f"<section><h2>{_e(heading)}</h2>{body}{note}</section>"


def _publishing_section(report: WeeklyReport, w: _Words) -> str:
    headers = tuple(
        w.t(h)
        for h in (
            N_("Department"),
            N_("Updates submitted"),
            N_("Previous week"),
            N_("Approved"),
            N_("Launch notices 24 h ahead"),
            N_("Review median"),
            N_("Review 90th percentile"),
            N_("Rejected"),
            N_("Rejections by reason"),
        )
    )
    shown = [
        p
        for p in report.publishing
        if p.submitted or report.previous_submitted.get(p.department_code)
    ]
    rows = []
    for p in shown:
        notice = "—"
        if p.launches:
            notice = (
                w.share(p.launch_notice_share)
                + " "
                + w.t(
                    N_("({met} of {total})"),
                    met=w.n(p.launches_notified_in_time),
                    total=w.n(p.launches),
                )
            )
        no_reason = w.t(N_("(no reason)"))
        reasons = "; ".join(
            f"{w.t(reject_reason_label(code)) if code else no_reason}: {w.n(count)}"
            for code, count in p.rejections_by_reason
        )
        cells = [
            _department_cell(p.department_code, p.department_name, report.bengali_names, w),
            _cell(w.n(p.submitted)),
            _cell(w.n(report.previous_submitted.get(p.department_code, 0))),
            _cell(w.n(p.approved)),
            _cell(notice),
            _cell(w.duration(p.review_median)),
            _cell(w.duration(p.review_p90)),
            _cell(w.n(p.rejected)),
            _cell(reasons or "—", "text"),
        ]
        rows.append(_row(cells, key=p.department_code))
    body = (
        _table("publishing", headers, rows)
        if rows
        else '<p id="publishing">'
        + _e(w.t(N_("No updates were submitted this week or the week before.")))
        + "</p>"
    )
    note = w.t(
        N_(
            "Updates by the week they were first submitted; review time from first submission"
            " to approval. Departments with no updates in either week are not listed."
        )
    )
    heading = w.t(N_("Publishing: departments’ updates"))
    return f"<section><h2>{_e(heading)}</h2>" + body + f'<p class="note">{_e(note)}</p></section>'


def _trend_section(report: WeeklyReport, w: _Words) -> str:
    headers = tuple(
        w.t(h)
        for h in (
            N_("Week"),
            N_("Monday"),
            N_("Tickets"),
            N_("Answered"),
            N_("Median first response"),
        )
    )
    rows = [
        _row(
            [
                _cell(week.week_label, "text"),
                _cell(w.day(week.week_start, "dd MMM")),
                _cell(w.n(week.tickets)),
                _cell(w.n(week.answered)),
                _cell(w.duration(week.first_response_median)),
            ],
            key=week.week_label,
        )
        for week in report.trend
    ]
    heading = w.t(N_("The last {count} weeks"), count=w.n(TREND_WEEKS))
    return f"<section><h2>{_e(heading)}</h2>" + _table("trend", headers, rows) + "</section>"
