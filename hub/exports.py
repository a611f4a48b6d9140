"""The dashboard's downloads: its tables as CSV and Excel files that are safe to open.

People open these files in Excel or LibreOffice and sort them, so:

- every table has human headers, durations as text people read (``2 h 05 min``) *and* a
  numeric minutes column beside them to sort on, shares as numbers 0–100;
- text cells are neutralised against formula ("CSV") injection: citizen, department and
  reviewer text is written by people outside the hub's control, and a cell such as
  ``=HYPERLINK("http://…")`` must open as text, not run (see `neutralise_cell`);
- in the Excel file every string cell is also *typed* as a string, so even a cell that slipped
  past the neutralisation could not be evaluated;
- CSV is UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (without it Bengali
  opens as mojibake); all text is NFC, the form the hub stores.

`hub/` must not import streamlit: the page builds the `Table`s with the helpers here and
offers the bytes for download.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hub.i18n import N_
from hub.league import LEAGUE_FIGURES, duration_cells, minutes_cell, percent_cell
from hub.metrics import (
    BACKLOG_BUCKETS,
    FIGURES,
    BacklogRow,
    DepartmentRow,
    DistributionRow,
    Overview,
    PublishingRow,
    TicketBehind,
    TicketsBehind,
    WardRow,
    WeekRow,
)
from hub.publishing.models import REJECT_REASONS
from hub.text import nfc
from hub.tickets.board import IT_QUEUE, BoardRow

__all__ = [
    "DANGEROUS_PREFIXES",
    "Table",
    "backlog_table",
    "distribution_table",
    "league_table",
    "neutralise_cell",
    "overview_table",
    "publishing_table",
    "sheet_name",
    "tables_from_metrics",
    "tickets_behind_table",
    "tickets_table",
    "to_csv",
    "to_excel",
    "trend_table",
    "wards_table",
]

# OWASP's list (=, +, -, @, tab, carriage return) and the full-width forms of the first four:
# some spreadsheet set-ups (East Asian input and "convert full-width" options) turn ＝ into =,
# and quoting a rare cell that starts with one costs nothing.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# Excel keeps at most this many characters in a cell; a longer one would corrupt the file
# for some readers, so it is cut with an ellipsis.
EXCEL_MAX_CELL_CHARS = 32767
EXCEL_MAX_SHEET_NAME = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Control characters XML 1.0 cannot hold (tab, newline and carriage return it can).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MIN_WIDTH, _MAX_WIDTH = 8, 60

_DISPLAY_ZONE = "Asia/Kolkata"
_MINUTES_SUFFIX = " (min)"


@dataclass(frozen=True)
class Table:
    """One downloadable table: a title (the sheet's name), human headers and the rows.

    Cells are str, int, float, date, datetime, bool or None. Datetimes are best given naive
    in the display zone (the header says which); aware ones are converted to it on export.
    """

    title: str
    columns: tuple[str, ...]
    rows: list[tuple]

    def __post_init__(self) -> None:
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"{self.title}: row {number} has {len(row)} cells for"
                    f" {len(self.columns)} columns"
                )


def translated(table: Table, translate: Callable[[str], str]) -> Table:
    """`table` with its title and headers in the reader's language; the cells as they are.

    Headers are catalogue strings (``N_`` where they are defined); a duration's second
    header, ``<heading> (min)``, and a capitalised age bucket are put together from theirs.
    """
    return Table(
        translate(table.title),
        tuple(translated_heading(column, translate) for column in table.columns),
        table.rows,
    )


def translated_heading(column: str, translate: Callable[[str], str]) -> str:
    """One export header in the reader's language (the English when it has none)."""
    shown = translate(column)
    if shown != column:
        return shown
    if column.endswith(_MINUTES_SUFFIX):
        heading = translated_heading(column.removesuffix(_MINUTES_SUFFIX), translate)
        return translate(N_("{heading} (min)")).format(heading=heading)
    lowered = column[:1].lower() + column[1:]
    shown = translate(lowered)
    return shown if shown != lowered else column


def neutralise_cell(value: Any) -> Any:
    """A cell value that a spreadsheet will show as text and never evaluate.

    Text whose first character is one of `DANGEROUS_PREFIXES`, or whose first character after
    leading whitespace is (Excel and LibreOffice can trim the spaces on import) gets a single
    quote in front, as OWASP advises for CSV; invisible characters (controls, zero-width marks)
    count as whitespace, and full-width ＝＋－＠ as their ASCII forms. The whole value is kept
    behind the quote. Anything that is not text (numbers, negative ones included, None, dates,
    booleans) is returned unchanged: it is data, not a formula.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(DANGEROUS_PREFIXES) or _first_visible(value).startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _first_visible(text: str) -> str:
    """``text`` from its first character that is not whitespace, a control or a format mark.

    Zero-width spaces, byte-order marks and control characters are invisible and some readers
    drop them, which would bring a ``=`` behind them to the front.
    """
    for index, char in enumerate(text):
        if not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf")):
            return text[index:]
    return ""


def _text(value: str) -> str:
    """Text as exported: NFC (the form the hub stores), then neutralised."""
    return neutralise_cell(nfc(value))


def _plain(value: Any, zone: ZoneInfo) -> Any:
    """A cell reduced to what both writers handle: NaN and infinities become empty."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        # Spreadsheets have no time zones: written as the wall-clock time in the display zone.
        return value.astimezone(zone).replace(tzinfo=None)
    return value


def to_csv(table: Table, *, zone: ZoneInfo | str = _DISPLAY_ZONE) -> bytes:
    """The table as CSV bytes: UTF-8 with BOM, header row first, text cells neutralised."""
    zone = ZoneInfo(str(zone))
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_csv_cell(column, zone) for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(value, zone) for value in row])
    return out.getvalue().encode("utf-8-sig")


def _csv_cell(value: Any, zone: ZoneInfo) -> Any:
    value = _plain(value, zone)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        # Without seconds or "T": the form Excel recognises as a date and time on opening.
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _text(value)
    return value


def to_excel(tables: Sequence[Table], *, zone: ZoneInfo | str = _DISPLAY_ZONE) -> bytes:
    """One .xlsx with a sheet per table: bold frozen header, filter, sized columns.

    Every string is neutralised and stored as a string cell (never a formula), illegal XML
    control characters are dropped and over-long text is cut to Excel's cell limit.
    """
    zone = ZoneInfo(str(zone))
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables or [Table("Empty", (), [])]:
        sheet = book.create_sheet(sheet_name(table.title, used))
        used.add(sheet.title.casefold())
        _fill_sheet(sheet, table, zone)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill_sheet(sheet: Any, table: Table, zone: ZoneInfo) -> None:
    widths = [len(column) for column in table.columns]
    bold = Font(bold=True)
    for col, header in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=col)
        _set_cell(cell, header, zone)
        cell.font = bold
    for r, row in enumerate(table.rows, start=2):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            _set_cell(cell, value, zone)
            widths[col - 1] = max(widths[col - 1], _display_width(cell.value))
    for col, width in enumerate(widths, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    if table.columns:
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    # The sheet's name may be cut to 31 characters; the printed page carries the whole title
    # ("&" starts a code in Excel's header syntax, so it is doubled).
    sheet.oddHeader.center.text = table.title.replace("&", "&&")


def _set_cell(cell: Any, value: Any, zone: ZoneInfo) -> None:
    value = _plain(value, zone)
    if isinstance(value, str):
        # Characters XML cannot hold go first (so none can hide a leading "="), then the text is
        # neutralised (a leading \r counts) and its line ends made Excel's \n: XML parsers turn a
        # raw \r into \n anyway, so the file says what it will read back as.
        text = _text(_XML_ILLEGAL.sub("", value)).replace("\r\n", "\n").replace("\r", "\n")
        if len(text) > EXCEL_MAX_CELL_CHARS:
            text = text[: EXCEL_MAX_CELL_CHARS - 1] + "…"
        cell.value = text
        # Typed as a string, so Excel shows it and never evaluates it, whatever it starts with.
        cell.data_type = "s"
        return
    if isinstance(value, bool):
        cell.value = "yes" if value else "no"
        cell.data_type = "s"
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def sheet_name(title: str, used: Iterable[str] = ()) -> str:
    """A valid, unique Excel sheet name for a title.

    Excel refuses ``[ ] : * ? / \\``, names over 31 characters, names starting or ending with
    an apostrophe, an empty name and ``History``; names are unique without regard to case.
    ``used`` holds the names taken so far, casefolded.
    """
    taken = {name.casefold() for name in used}
    name = _SHEET_FORBIDDEN.sub(" ", nfc(title))
    name = _XML_ILLEGAL.sub("", " ".join(name.split())).strip("'").strip()
    name = name[:EXCEL_MAX_SHEET_NAME].strip().strip("'") or "Sheet"
    if name.casefold() == "history":
        name = "History table"
    candidate, number = name, 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate = name[: EXCEL_MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        number += 1
    return candidate


# --- MetricsService results as tables ---------------------------------------------------------


def _department_cells(code: str | None, name: str) -> tuple[str, str]:
    return (code or "", name or IT_QUEUE)


LEAGUE_COLUMNS = (
    N_("Department code"),
    N_("Department"),
    *(heading for figure in LEAGUE_FIGURES for heading in figure.export_headings()),
)


def league_table(rows: Sequence[DepartmentRow], title: str = "Department league") -> Table:
    """`MetricsService.department_league` as a table (durations as text and minutes)."""
    return Table(
        title,
        LEAGUE_COLUMNS,
        [
            (
                *_department_cells(r.department_code, r.department_name),
                *_league_cells(r),
            )
            for r in rows
        ],
    )


def overview_table(overview: Overview, title: str = "Overview") -> Table:
    """`MetricsService.overview` as one row with the league's columns (``All in scope``).

    The target columns are empty: each ticket was judged against its own department's.
    """
    return Table(title, LEAGUE_COLUMNS, [("", "All in scope", *_league_cells(overview))])


def _league_cells(figures: Overview) -> tuple[Any, ...]:
    """The league's columns after the department's two (`hub.league.LEAGUE_FIGURES`)."""
    return tuple(cell for figure in LEAGUE_FIGURES for cell in figure.export_cells(figures))


DISTRIBUTION_COLUMNS = (N_("First response"), N_("From (min)"), N_("Tickets"))


def distribution_table(
    rows: Sequence[DistributionRow], title: str = N_("First response times")
) -> Table:
    """`MetricsService.response_time_distribution` as a table (``still waiting`` last)."""
    return Table(
        title,
        DISTRIBUTION_COLUMNS,
        [(r.band, minutes_cell(r.lower_minutes), r.tickets) for r in rows],
    )


TREND_COLUMNS = (
    N_("Week"),
    N_("Week starts (Monday)"),
    N_("Tickets"),
    N_("Answered"),
    N_("First response median"),
    N_("First response median (min)"),
)


def trend_table(rows: Sequence[WeekRow], title: str = "Weekly trend") -> Table:
    """`MetricsService.weekly_trend` as a table."""
    return Table(
        title,
        TREND_COLUMNS,
        [
            (
                r.week_label,
                r.week_start,
                r.tickets,
                r.answered,
                *duration_cells(r.first_response_median),
            )
            for r in rows
        ],
    )


BACKLOG_COLUMNS = (
    N_("Department code"),
    N_("Department"),
    N_("Open"),
    *(bucket[:1].upper() + bucket[1:] for bucket in BACKLOG_BUCKETS),
)


def backlog_table(rows: Sequence[BacklogRow], title: str = "Backlog by age") -> Table:
    """`MetricsService.backlog_by_age` as a table."""
    return Table(
        title,
        BACKLOG_COLUMNS,
        [
            (
                *_department_cells(r.department_code, r.department_name),
                r.open,
                r.under_4h,
                r.from_4h_to_24h,
                r.from_1d_to_3d,
                r.from_3d_to_7d,
                r.over_7d,
            )
            for r in rows
        ],
    )


WARD_COLUMNS = (
    N_("Ward"),
    N_("Tickets"),
    N_("Answered"),
    N_("First response median"),
    N_("First response median (min)"),
    N_("First response 90th percentile"),
    N_("First response 90th percentile (min)"),
    N_("Open"),
    N_("Resolved"),
    N_("Resolution median"),
    N_("Resolution median (min)"),
)


def wards_table(rows: Sequence[WardRow], title: str = "Wards") -> Table:
    """`MetricsService.ward_table` as a table; tickets with no ward recognised have it empty."""
    return Table(
        title,
        WARD_COLUMNS,
        [
            (
                r.ward,
                r.tickets,
                r.answered,
                *duration_cells(r.first_response_median),
                *duration_cells(r.first_response_p90),
                r.open,
                r.resolved,
                *duration_cells(r.resolution_median),
            )
            for r in rows
        ],
    )


PUBLISHING_COLUMNS = (
    N_("Department code"),
    N_("Department"),
    N_("Submitted"),
    N_("Approved"),
    N_("Updates per week"),
    N_("Launches"),
    N_("Launches notified 24 h ahead"),
    N_("Launches notified in time (%)"),
    N_("Review median"),
    N_("Review median (min)"),
    N_("Review 90th percentile"),
    N_("Review 90th percentile (min)"),
    N_("Rejected"),
    N_("Rejection rate (%)"),
    N_("Rejections by reason"),
    N_("Notices to subscribers"),
)


def reject_reason_label(code: str) -> str:
    """A rejection reason as reviewers chose it (its code when it is not a known one)."""
    return REJECT_REASONS.get(code, code or "(no reason)")


def rejections_text(reasons: Iterable[tuple[str, int]]) -> str:
    """``Photos unsuitable: 2; Other (see the note): 1``, most frequent first as given."""
    return "; ".join(f"{reject_reason_label(code)}: {count}" for code, count in reasons)


def publishing_table(rows: Sequence[PublishingRow], title: str = "Publishing") -> Table:
    """`MetricsService.publishing` as a table (rejection reasons in one text cell)."""
    return Table(
        title,
        PUBLISHING_COLUMNS,
        [
            (
                r.department_code,
                r.department_name,
                r.submitted,
                r.approved,
                None if r.updates_per_week is None else round(float(r.updates_per_week), 2),
                r.launches,
                r.launches_notified_in_time,
                percent_cell(r.launch_notice_share),
                *duration_cells(r.review_median),
                *duration_cells(r.review_p90),
                r.rejected,
                percent_cell(r.rejection_rate),
                rejections_text(r.rejections_by_reason),
                r.notices,
            )
            for r in rows
        ],
    )


def tickets_columns(zone_label: str = "IST") -> tuple[str, ...]:
    """The headers of `tickets_table` (the opening time's column names the zone)."""
    return (
        "Reference",
        "Department code",
        "Status",
        "Platform",
        "Ward",
        "Category",
        "Urgent",
        f"Opened ({zone_label})",
        "Target state",
        "Minutes left to target",
        "Escalated",
        "Citizen",
        "Text",
    )


def tickets_table(
    rows: Sequence[BoardRow],
    title: str = "Tickets",
    *,
    zone: ZoneInfo | str = _DISPLAY_ZONE,
) -> Table:
    """The tickets behind a figure (board rows) as a table; opening times in ``zone``, naive.

    The citizen's name and text are exported as they are (neutralised on writing): whoever can
    see the figure can already read them on the board.
    """
    zone = ZoneInfo(str(zone))
    return Table(
        title,
        tickets_columns(_zone_label(zone)),
        [
            (
                r.reference,
                r.department_code or "",
                r.status,
                r.platform,
                r.ward,
                r.category,
                bool(r.urgent),
                r.opened_at.astimezone(zone).replace(tzinfo=None),
                r.target_state,
                r.minutes_left,
                bool(r.escalated),
                r.author_name,
                r.text,
            )
            for r in rows
        ],
    )


def tickets_behind_columns(zone_label: str = "IST") -> tuple[str, ...]:
    """The headers of `tickets_behind_table`."""
    return (
        "Reference",
        "Department code",
        "Platform",
        "Ward",
        "Status",
        f"Opened ({zone_label})",
        "First response",
        "First response (min)",
        "Resolution",
        "Resolution (min)",
        "Age",
        "Age (min)",
        "Escalated",
        "Times reopened",
        "Text",
    )


def tickets_behind_table(
    behind: TicketsBehind | Sequence[TicketBehind],
    title: str | None = None,
    *,
    zone: ZoneInfo | str = _DISPLAY_ZONE,
) -> Table:
    """`MetricsService.tickets_behind` as a table; opening times naive in ``zone``.

    The default title names the figure, and says when the list holds fewer tickets than the
    figure counts (``limit`` reached), so nobody mistakes a cut list for the whole.
    """
    zone = ZoneInfo(str(zone))
    rows = behind.rows if isinstance(behind, TicketsBehind) else list(behind)
    return Table(
        title or _behind_title(behind),
        tickets_behind_columns(_zone_label(zone)),
        [
            (
                r.reference,
                r.department_code or "",
                r.platform,
                r.ward,
                r.status,
                r.opened_at.astimezone(zone).replace(tzinfo=None),
                *duration_cells(r.first_response_minutes),
                *duration_cells(r.resolution_minutes),
                *duration_cells(r.age_minutes),
                bool(r.escalated),
                r.reopened_count,
                r.text,
            )
            for r in rows
        ],
    )


def _behind_title(behind: TicketsBehind | Sequence[TicketBehind]) -> str:
    """The figure's name, with ``(200 of 431)`` when the list was cut at its limit."""
    if not isinstance(behind, TicketsBehind):
        return "Tickets"
    title = FIGURES.get(behind.figure, (behind.figure,))[0]
    if behind.total > len(behind.rows):
        title += f" ({len(behind.rows)} of {behind.total})"
    return title


def _zone_label(zone: ZoneInfo) -> str:
    """``IST`` for Asia/Kolkata: the abbreviation people know (the zone's name otherwise)."""
    return datetime(2026, 1, 1, tzinfo=zone).tzname() or str(zone)


def tables_from_metrics(
    *,
    overview: Overview | None = None,
    league: Sequence[DepartmentRow] | None = None,
    trend: Sequence[WeekRow] | None = None,
    backlog: Sequence[BacklogRow] | None = None,
    wards: Sequence[WardRow] | None = None,
    publishing: Sequence[PublishingRow] | None = None,
    distribution: Sequence[DistributionRow] | None = None,
    tickets: TicketsBehind | Sequence[TicketBehind] | Sequence[BoardRow] | None = None,
    period: str = "",
    zone: ZoneInfo | str = _DISPLAY_ZONE,
) -> list[Table]:
    """The tables for the MetricsService results given (in this order), for `to_excel`.

    ``tickets`` is the list behind a figure (`MetricsService.tickets_behind`) or board rows.

    ``period`` (e.g. ``2026-11-16 to 2026-11-22``) is added to each title, so a printed sheet
    says which weeks it covers. Results not given are left out; an empty result still gives a
    table with its header row.
    """
    suffix = f" {period}" if period else ""
    tables: list[Table] = []
    if overview is not None:
        tables.append(overview_table(overview, f"Overview{suffix}"))
    if league is not None:
        tables.append(league_table(league, f"Department league{suffix}"))
    if trend is not None:
        tables.append(trend_table(trend, f"Weekly trend{suffix}"))
    if backlog is not None:
        tables.append(backlog_table(backlog, "Backlog by age (now)"))
    if wards is not None:
        tables.append(wards_table(wards, f"Wards{suffix}"))
    if publishing is not None:
        tables.append(publishing_table(publishing, f"Publishing{suffix}"))
    if distribution is not None:
        tables.append(distribution_table(distribution, f"First response times{suffix}"))
    if tickets is not None:
        tables.append(_tickets_any(tickets, suffix, zone))
    return tables


def _tickets_any(
    tickets: TicketsBehind | Sequence[TicketBehind] | Sequence[BoardRow],
    suffix: str,
    zone: ZoneInfo | str,
) -> Table:
    """The tickets table for either kind of list: behind a figure, or board rows."""
    if isinstance(tickets, TicketsBehind):
        return tickets_behind_table(tickets, _behind_title(tickets) + suffix, zone=zone)
    if tickets and isinstance(tickets[0], BoardRow):
        return tickets_table(tickets, f"Tickets{suffix}", zone=zone)
    return tickets_behind_table(tickets, f"Tickets{suffix}", zone=zone)
