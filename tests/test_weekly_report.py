"""The weekly report on hand-built tickets, every figure worked out by hand.

The clock is fixed at NOW = Wed 25 Nov 2026 06:00 UTC (11:30 IST), so the default week is the
last complete one, 2026-W47: Mon 16 Nov 00:00 IST (15 Nov 18:30 UTC) to Mon 23 Nov 00:00 IST.
Targets: WATER 4 h / 48 h, ROADS 12 h / 168 h.

  A  WATER Mon 16 Nov 00:00 IST (first instant of W47), reply +60, resolved +600   ward 12
  B  WATER Sun 15 Nov 23:59 IST (last minute of W46),   reply +30, resolved +100   ward 12
  C  WATER Sun 22 Nov 23:59 IST (last minute of W47),   reply +300, in progress    ward 7
  D  WATER Mon 23 Nov 00:00 IST (W48, this week),       no reply, new              ward 12
  E  WATER Wed 18 Nov 15:30 IST,                        no reply, new, escalated   ward 12
  R  ROADS Tue 17 Nov 15:30 IST,                        reply +120, resolved +1000 ward 45

W47: A, C, E, R. Answered A, C, R: first responses [60, 120, 300], median 120 min. Within
target: A (60 ≤ 240) and R (120 ≤ 720) met; C (300 > 240) and E (unanswered for days) missed:
2 of 4. W46: B only, 30 min, 1 of 1. Open now: C, D, E.
"""

from __future__ import annotations

import html
import itertools
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from triage_fixtures import add_interaction

from hub.errors import InvalidInput, PermissionDenied
from hub.metrics import MetricsService
from hub.weekly_report import (
    WeeklyReportService,
    last_complete_week,
    week_bounds,
    week_monday,
)

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
M = timedelta(minutes=1)
HOSTILE_NAME = '<script>alert("x")</script> Roads'
HOSTILE_REASON = '<img src="http://evil.example/x.png" onerror="alert(1)">'

_refs = itertools.count(1)


def add_ticket(
    hub,
    department: str | None,
    opened_at: datetime,
    *,
    status: str = "new",
    reply_after: timedelta | None = None,
    resolved_after: timedelta | None = None,
    ward: int | None = 12,
    escalated: bool = False,
) -> int:
    """One interaction and its ticket with exact times; returns the ticket id."""
    interaction = add_interaction(hub, "complaint", created_at=opened_at)
    with hub.store.transaction() as cur:
        return cur.execute(
            "INSERT INTO tickets (reference, interaction_id, platform, citizen_key,"
            " department_code, status, ward, category, urgent, routing_explanation,"
            " routing_confidence, opened_at, created_at, first_response_at, resolved_at,"
            " escalated_at, updated_at)"
            " VALUES (?, ?, 'facebook', 'facebook:c', ?, ?, ?, 'complaint', FALSE, 'test', 1.0,"
            " ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                f"KMC-2026-{next(_refs):06d}",
                interaction,
                department,
                status,
                ward,
                opened_at,
                opened_at,
                opened_at + reply_after if reply_after else None,
                opened_at + resolved_after if resolved_after else None,
                opened_at + timedelta(hours=5) if escalated else None,
                NOW,
            ],
        ).fetchone()[0]


def add_update(hub, department: str, kind: str, status: str, submitted_at: datetime, **extra):
    approved_after = extra.get("approved_after")
    with hub.store.transaction() as cur:
        cur.execute(
            "INSERT INTO updates (department_code, author, kind, title, platforms, status,"
            " late_notice, first_submitted_at, submitted_at, approved_at, reject_reason,"
            " created_at, updated_at) VALUES (?, 'officer', ?, 'Update', ['facebook'], ?, FALSE,"
            " ?, ?, ?, ?, ?, ?)",
            [
                department,
                kind,
                status,
                submitted_at,
                submitted_at,
                submitted_at + approved_after if approved_after else None,
                extra.get("reject_reason"),
                submitted_at,
                NOW,
            ],
        )


@pytest.fixture
def week_data(hub) -> None:
    add_ticket(
        hub, "WATER", datetime(2026, 11, 15, 18, 30, tzinfo=UTC), status="resolved",
        reply_after=60 * M, resolved_after=600 * M,
    )  # fmt: skip
    add_ticket(
        hub, "WATER", datetime(2026, 11, 15, 18, 29, tzinfo=UTC), status="resolved",
        reply_after=30 * M, resolved_after=100 * M,
    )  # fmt: skip
    add_ticket(
        hub, "WATER", datetime(2026, 11, 22, 18, 29, tzinfo=UTC), status="in_progress",
        reply_after=300 * M, ward=7,
    )  # fmt: skip
    add_ticket(hub, "WATER", datetime(2026, 11, 22, 18, 30, tzinfo=UTC))
    add_ticket(hub, "WATER", datetime(2026, 11, 18, 10, 0, tzinfo=UTC), escalated=True)
    add_ticket(
        hub, "ROADS", datetime(2026, 11, 17, 10, 0, tzinfo=UTC), status="resolved",
        reply_after=120 * M, resolved_after=1000 * M, ward=45,
    )  # fmt: skip
    add_update(
        hub, "WATER", "work_update", "approved", datetime(2026, 11, 17, 10, tzinfo=UTC),
        approved_after=120 * M,
    )  # fmt: skip
    add_update(
        hub, "WATER", "work_update", "rejected", datetime(2026, 11, 18, 10, tzinfo=UTC),
        reject_reason=HOSTILE_REASON,
    )  # fmt: skip
    add_update(hub, "ROADS", "launch", "submitted", datetime(2026, 11, 10, 10, tzinfo=UTC))
    with hub.store.transaction() as cur:
        cur.execute("UPDATE departments SET name_en = ? WHERE code = 'ROADS'", [HOSTILE_NAME])


@pytest.fixture
def reports(hub) -> WeeklyReportService:
    metrics = MetricsService(hub.store, hub.audit, clock=lambda: NOW)
    return WeeklyReportService(metrics, hub.departments, clock=lambda: NOW)


class Page(HTMLParser):
    """The report's tables by id: rows of (data-key, [cell texts]); every attribute seen."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str | None, list[str]]]] = {}
        self.attributes: list[tuple[str, str, str | None]] = []
        self.tags: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self.heads: dict[str, list[list[str]]] = {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
            self.heads[self._table] = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table:
            if self._in_head:
                self.heads[self._table].append([])
            else:
                self.tables[self._table].append((attrs.get("data-key"), []))
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "span" and self._cell is not None:
            self._cell.append(" / ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._in_head:
                self.heads[self._table][-1].append(text)
            else:
                self.tables[self._table][-1][1].append(text)
            self._cell = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def rows(self, table: str) -> dict[str | None, list[str]]:
        """Body rows by data-key."""
        return {key: cells for key, cells in self.tables[table]}

    def keys(self, table: str) -> list[str | None]:
        return [key for key, _ in self.tables[table]]

    def header(self, table: str) -> list[str]:
        """The last header row (the one above the figures)."""
        return self.heads[table][-1]


def test_week_boundaries_are_monday_midnight_in_kolkata():
    start, end = week_bounds(date(2026, 11, 16))
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 11, 15, 18, 30, tzinfo=UTC),
        datetime(2026, 11, 22, 18, 30, tzinfo=UTC),
    )
    assert week_monday(date(2026, 11, 22)) == date(2026, 11, 16)
    assert week_monday(date(2026, 11, 16)) == date(2026, 11, 16)
    # Sunday 23:59 IST: the week of 16 Nov is not over; a minute later it is.
    assert last_complete_week(datetime(2026, 11, 22, 18, 29, tzinfo=UTC)) == date(2026, 11, 9)
    assert last_complete_week(datetime(2026, 11, 22, 18, 30, tzinfo=UTC)) == date(2026, 11, 16)


def test_headline_figures_this_week_and_the_one_before(reports, actors, week_data):
    page = Page(reports.render_html(actors["commissioner"]))
    headline = page.rows("headline")
    assert page.header("headline") == ["Figure", "This week", "Previous week"]
    # W47 has A, C, E, R (not B, a minute too early, nor D, a minute too late).
    assert headline["Tickets opened"] == ["Tickets opened", "4", "1"]
    assert headline["Answered (first reply confirmed)"][1:] == ["3", "1"]
    assert headline["Median first response"][1:] == ["2 h 00 min", "30 min"]
    assert headline["Within first-response target"][1:] == ["50 % (2 of 4)", "100 % (1 of 1)"]
    assert headline["Still waiting for a first response"][1:] == ["1", "0"]
    assert headline["Escalations"][1:] == ["1", "0"]
    # Open now, whatever the week: C, D, E.
    assert headline["Open now (all weeks)"][1:] == ["3", "—"]


def test_league_worst_first_with_targets_and_last_week(reports, actors, week_data):
    text = reports.render_html(actors["commissioner"])
    page = Page(text)
    assert page.heads["league"][0] == ["", "First response", "Resolution", ""]
    assert page.header("league") == [
        "Department", "Tickets", "Answered", "Waiting (oldest)",
        "Median", "90th pct", "Target", "Within target", "Previous week",
        "Median", "Target", "Within target", "Open", "Escalated",
    ]  # fmt: skip
    header = [
        "Department", "Tickets", "Answered", "Waiting (oldest)",
        "First response median", "90th percentile", "Target", "Within target", "Previous week",
        "Resolution median", "Resolution target", "Resolved within target", "Open", "Escalated",
    ]  # fmt: skip
    # WATER 1 of 3 within target, then ROADS 1 of 1; departments without tickets are one line.
    assert page.keys("league") == ["WATER", "ROADS"]
    quiet = re.search(r'<p class="note" id="quiet">No tickets this week: ([^<]*)\.</p>', text)
    assert "Sewerage &amp; Drainage" in quiet.group(1)
    assert "IT queue" in quiet.group(1)
    water = dict(zip(header, page.rows("league")["WATER"], strict=True))
    assert water["Waiting (oldest)"] == "1 (6 d 20 h)"
    assert water["Escalated"] == "1"
    assert water["Department"] == "Water Supply / জল সরবরাহ"
    assert (water["Tickets"], water["Answered"]) == ("3", "2")
    assert water["First response median"] == "3 h 00 min"
    # p90 of [60, 300]: 60 + 0.9 * 240 = 276 min, over the 4 h target.
    assert water["90th percentile"] == "4 h 36 min"
    assert water["Target"] == "4 h"
    assert water["Within target"] == "33 % (1 of 3)"
    assert water["Previous week"] == "100 %"
    # Resolution: A in 600 min (met); C (59.5 h) and E (6 d 20 h) unresolved past 48 h (missed).
    assert water["Resolution median"] == "10 h 00 min"
    assert water["Resolution target"] == "48 h"
    assert water["Resolved within target"] == "33 % (1 of 3)"
    roads = dict(zip(header, page.rows("league")["ROADS"], strict=True))
    assert roads["Within target"] == "100 % (1 of 1)"
    assert roads["Previous week"] == "—"


def test_over_target_durations_are_marked(reports, actors, week_data):
    text = reports.render_html(actors["commissioner"])
    assert '<td class="over">4 h 36 min</td>' in text
    assert "<td>3 h 00 min</td>" in text


def test_backlog_wards_publishing_and_trend(reports, actors, week_data):
    page = Page(reports.render_html(actors["commissioner"]))
    backlog = page.rows("backlog")
    # C and D are 2 d 11 h old (1–3 days), E 6 d 20 h (3–7 days).
    assert backlog["WATER"][1:] == ["3", "0", "0", "2", "1", "0"]
    assert backlog["total"][1:] == ["3", "0", "0", "2", "1", "0"]
    assert "ROADS" not in backlog
    # Busiest first, ties by ward number: 12 (A, E), then 7 (C) and 45 (R).
    assert page.keys("wards") == ["12", "7", "45"]
    assert page.rows("wards")["12"][:4] == ["12", "2", "1", "1 h 00 min"]
    publishing = page.rows("publishing")
    header = page.header("publishing")
    water = dict(zip(header, publishing["WATER"], strict=False))
    assert (water["Updates submitted"], water["Approved"], water["Rejected"]) == ("2", "1", "1")
    assert water["Review median"] == "2 h 00 min"
    assert water["Rejections by reason"] == f"{HOSTILE_REASON}: 1"
    # ROADS submitted nothing this week but one update the week before: listed, with both.
    roads = dict(zip(header, publishing["ROADS"], strict=False))
    assert (roads["Updates submitted"], roads["Previous week"]) == ("0", "1")
    assert "DRAIN" not in publishing
    trend = page.rows("trend")
    assert list(trend)[-2:] == ["2026-W46", "2026-W47"]
    assert len(trend) == 8
    assert trend["2026-W47"][2:] == ["4", "3", "2 h 00 min"]


def test_officer_sees_only_their_department(reports, actors, week_data, audit_rows):
    text = reports.render_html(actors["officer.water"])
    page = Page(text)
    assert page.keys("league") == ["WATER"]
    assert page.rows("headline")["Tickets opened"][1:] == ["3", "1"]
    assert list(page.rows("backlog")) == ["WATER", "total"]
    assert list(page.rows("publishing")) == ["WATER"]
    # R's ward is not in it, nor the roads department's name.
    assert "45" not in page.rows("wards")
    assert "Roads" not in text
    assert "department Water Supply (জল সরবরাহ)" in text
    with pytest.raises(PermissionDenied):
        reports.render_html(actors["officer.water"], department="ROADS")
    assert audit_rows(actor="officer.water", outcome="denied")
    with pytest.raises(PermissionDenied):
        reports.render_html(actors["admin"])


def test_hostile_text_is_escaped(reports, actors, week_data):
    text = reports.render_html(actors["commissioner"])
    page = Page(text)
    assert "<script" not in text
    assert "<img" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Roads" in text
    # The page's only tags are the report's own.
    assert set(page.tags) <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "section",
        "table", "thead", "tbody", "tr", "th", "td", "span", "footer",
    }  # fmt: skip
    assert page.rows("league")["ROADS"][0] == HOSTILE_NAME + " / রাস্তা"


def test_no_external_resources(reports, actors, week_data):
    text = reports.render_html(actors["commissioner"])
    page = Page(text)
    # No attribute points anywhere (the hostile reason's URL is text, escaped).
    assert not [a for a in page.attributes if a[1] in ("src", "href", "action", "srcset")]
    assert not [a for a in page.attributes if a[2] and ("http:" in a[2] or "https:" in a[2])]
    assert "@import" not in text
    assert "url(" not in text
    assert "<link" not in text
    assert "@media print" in text
    assert "size: A4" in text
    assert '"Noto Sans Bengali"' in text


def test_footer_has_generation_time_in_ist_and_definitions(reports, actors, week_data):
    text = reports.render_html(actors["commissioner"])
    assert "Generated 25 Nov 2026, 11:30 IST" in text
    assert "Definitions: docs/metrics.md" in text
    assert "Weekly response review: 2026-W47" in text
    assert "Mon 16 Nov – Sun 22 Nov 2026" in text


def test_other_weeks(reports, actors, week_data):
    commissioner = actors["commissioner"]
    # Any day of a week picks that week: Wednesday 11 Nov is 2026-W46, with B alone.
    page = Page(reports.render_html(commissioner, date(2026, 11, 11)))
    assert page.rows("headline")["Tickets opened"][1:] == ["1", "0"]
    # This week, still running: D so far, marked as in progress.
    text = reports.render_html(commissioner, date(2026, 11, 23))
    assert "week in progress" in text
    assert Page(text).rows("headline")["Tickets opened"][1:] == ["1", "4"]
    with pytest.raises(InvalidInput, match="has not begun"):
        reports.render_html(commissioner, date(2026, 11, 30))


def test_filters_pass_through(reports, actors, week_data):
    page = Page(reports.render_html(actors["commissioner"], ward=45))
    assert page.rows("headline")["Tickets opened"][1:] == ["1", "0"]
    text = reports.render_html(actors["commissioner"], department="ROADS")
    assert Page(text).keys("league") == ["ROADS"]


def test_empty_week_renders(reports, actors):
    page = Page(reports.render_html(actors["commissioner"]))
    assert page.rows("headline")["Median first response"][1:] == ["—", "—"]
    assert page.rows("headline")["Within first-response target"][1:] == ["—", "—"]
    assert "backlog" not in page.tables
    assert "publishing" not in page.tables
    assert "league" not in page.tables


def test_the_hub_has_the_report(hub, actors):
    assert isinstance(hub.weekly_report, WeeklyReportService)
    assert "<!DOCTYPE html>" in hub.weekly_report.render_html(actors["commissioner"])


def test_the_report_in_bengali(reports, actors, week_data):
    text = reports.render_html(actors["commissioner"], language="bn")
    english = reports.render_html(actors["commissioner"])
    assert '<html lang="bn">' in text and '<html lang="en">' in english
    page = Page(text)
    # The same table, headed and counted in Bengali: digits, durations, hours.
    backlog = page.rows("backlog")
    assert backlog["WATER"][1:] == ["৩", "০", "০", "২", "১", "০"]
    assert page.header("backlog")[:2] == ["বিভাগ", "খোলা"]
    assert page.rows("wards")["12"][:4] == ["১২", "২", "১", "১ ঘণ্টা ০০ মিনিট"]
    assert "Headline figures" in english and "Headline figures" not in text
    assert "শিরোনামের পরিসংখ্যান" in text
    # What people wrote (here a reviewer's hostile reason) is shown as written, escaped.
    assert html.escape(HOSTILE_REASON, quote=True) in text
