"""Metrics on hand-built tickets and updates, with every expected figure worked out by hand.

The clock is fixed at NOW = 2026-11-20 12:00 UTC (17:30 IST). The period is the three ISO
weeks 2 Nov – 22 Nov 2026 in Asia/Kolkata. Targets from departments.csv: WATER 4 h / 48 h,
ROADS 12 h / 168 h, the IT queue 8 h / 72 h.

WATER (ward 12 unless said; minutes from opened_at):
  W1  opened NOW-48h, reply +60,  resolved +600                        fr met,    res met
  W2  opened NOW-40h, reply +180, resolved +1800                       fr met,    res met
  W3  opened NOW-30h, reply +300, open, escalated                      fr missed, res pending
  W4  opened NOW-72h, reply +120, resolved then reopened (open again),
      escalated before the reopen (only the event remains)            fr met,    res missed
  W5  opened NOW-6h, its only reply failed to post: unanswered, open   fr missed, res pending
  W6  opened NOW-2h, comment deleted by the citizen, ward unknown, open fr pending, res pending
  out of scope: W7 opened 30 Oct (before the period), a merged duplicate, a spam ticket.
ROADS (ward 45):
  R1  opened 15 Nov 19:00 UTC (= Mon 16 Nov 00:30 IST), on X, reply +780, resolved +3000
  R2  opened NOW-200h, no reply, open
IT queue: Q1 opened NOW-1h, no reply, open, ward unknown.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from triage_fixtures import add_interaction

from hub.errors import PermissionDenied
from hub.i18n import format_duration
from hub.metrics import (
    IT_QUEUE,
    DepartmentRow,
    MetricsFilters,
    MetricsService,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
IST = ZoneInfo("Asia/Kolkata")
PERIOD = MetricsFilters(
    start=datetime(2026, 11, 2, tzinfo=IST), end=datetime(2026, 11, 23, tzinfo=IST)
)
H = timedelta(hours=1)
M = timedelta(minutes=1)

_refs = itertools.count(1)


def add_ticket(
    hub,
    department: str | None,
    opened_at: datetime,
    *,
    status: str = "new",
    first_response_after: timedelta | None = None,
    resolved_after: timedelta | None = None,
    ward: int | None = 12,
    platform: str = "facebook",
    reopened_count: int = 0,
    escalated: bool = False,
    merged_into: int | None = None,
    hidden: bool = False,
    deleted: bool = False,
) -> int:
    """One interaction and its ticket, inserted with exact times; returns the ticket id."""
    interaction = add_interaction(
        hub, "complaint", platform=platform, created_at=opened_at, deleted=deleted
    )
    with hub.store.transaction() as cur:
        return cur.execute(
            "INSERT INTO tickets (reference, interaction_id, platform, citizen_key,"
            " department_code, status, ward, category, urgent, routing_explanation,"
            " routing_confidence, opened_at, created_at, first_response_at, resolved_at,"
            " reopened_count, escalated_at, merged_into, hidden, updated_at)"
            " VALUES (?, ?, ?, 'facebook:c', ?, ?, ?, 'complaint', FALSE, 'test', 1.0, ?, ?,"
            " ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                f"KMC-2026-{next(_refs):06d}",
                interaction,
                platform,
                department,
                status,
                ward,
                opened_at,
                opened_at,
                opened_at + first_response_after if first_response_after else None,
                opened_at + resolved_after if resolved_after else None,
                reopened_count,
                opened_at + H if escalated else None,
                merged_into,
                hidden,
                NOW,
            ],
        ).fetchone()[0]


@pytest.fixture
def metrics(hub) -> MetricsService:
    return MetricsService(hub.store, hub.audit, clock=lambda: NOW)


@pytest.fixture
def tickets(hub) -> dict[str, int]:
    t = {}
    t["W1"] = add_ticket(
        hub, "WATER", NOW - 48 * H, status="resolved",
        first_response_after=60 * M, resolved_after=600 * M,
    )  # fmt: skip
    t["W2"] = add_ticket(
        hub, "WATER", NOW - 40 * H, status="closed",
        first_response_after=180 * M, resolved_after=1800 * M,
    )  # fmt: skip
    t["W3"] = add_ticket(
        hub, "WATER", NOW - 30 * H, status="in_progress",
        first_response_after=300 * M, escalated=True,
    )  # fmt: skip
    # Reopened: resolved_at and escalated_at were cleared by the reopen; the first response stays.
    t["W4"] = add_ticket(
        hub, "WATER", NOW - 72 * H, status="in_progress",
        first_response_after=120 * M, reopened_count=1,
    )  # fmt: skip
    t["W5"] = add_ticket(hub, "WATER", NOW - 6 * H, status="new")
    t["W6"] = add_ticket(hub, "WATER", NOW - 2 * H, status="new", ward=None, deleted=True)
    t["W7"] = add_ticket(
        hub, "WATER", datetime(2026, 10, 30, tzinfo=UTC), status="resolved",
        first_response_after=10 * M, resolved_after=20 * M,
    )  # fmt: skip
    add_ticket(hub, "WATER", NOW - 5 * H, status="closed", merged_into=t["W1"])
    add_ticket(hub, "WATER", NOW - 5 * H, status="closed", hidden=True)
    t["R1"] = add_ticket(
        hub, "ROADS", datetime(2026, 11, 15, 19, 0, tzinfo=UTC), status="resolved",
        first_response_after=780 * M, resolved_after=3000 * M, ward=45, platform="x",
    )  # fmt: skip
    t["R2"] = add_ticket(hub, "ROADS", NOW - 200 * H, status="new", ward=45)
    t["Q1"] = add_ticket(hub, None, NOW - 1 * H, status="new", ward=None)
    with hub.store.transaction() as cur:
        cur.execute(
            "INSERT INTO ticket_events (ticket_id, occurred_at, actor, event)"
            " VALUES (?, ?, 'targets', 'escalated')",
            [t["W4"], NOW - 20 * H],
        )
        # W5's answer never reached the platform: the reply exists, first_response_at does not.
        cur.execute(
            "INSERT INTO replies (ticket_id, platform, in_reply_to, kind, text, status,"
            " attempts, last_error, created_by, created_at, updated_at)"
            " VALUES (?, 'facebook', 'c-x', 'answer', 'We are on it', 'needs_attention', 3,"
            " 'refused', 'officer.water', ?, ?)",
            [t["W5"], NOW - 5 * H, NOW - 5 * H],
        )
    return t


def by_code(rows) -> dict[str | None, object]:
    return {row.department_code: row for row in rows}


def test_water_league_row_worked_by_hand(metrics, actors, tickets):
    water = by_code(metrics.department_league(actors["commissioner"], PERIOD))["WATER"]
    assert isinstance(water, DepartmentRow)
    # W1..W6 (W7 before the period; the merged duplicate and the spam ticket left out).
    assert water.tickets == 6
    # Replies confirmed for W1, W2, W3, W4 (W4 reopened keeps it); W5's reply failed.
    assert water.answered == 4
    # Open without a confirmed reply: W5 (6 h) and W6 (2 h, deleted comment still counted).
    assert water.waiting_first_response == 2
    assert water.oldest_waiting_minutes == pytest.approx(360)
    # First responses [60, 120, 180, 300]: median (120+180)/2 = 150;
    # p90 at position 0.9*3 = 2.7: 180 + 0.7*(300-180) = 264.
    assert water.first_response_median == pytest.approx(150)
    assert water.first_response_p90 == pytest.approx(264)
    # Target 240 min. Met: W1, W2, W4. Missed: W3 (300), W5 (unanswered, 360 > 240).
    # W6 (unanswered, 120 < 240) is not decided yet: left out of the share.
    assert (water.first_response_met, water.first_response_missed) == (3, 2)
    assert water.first_response_within_target == pytest.approx(3 / 5)
    # Resolved: W1 600, W2 1800 → median 1200; p90 600 + 0.9*1200 = 1680.
    assert water.resolved == 2
    assert water.resolution_median == pytest.approx(1200)
    assert water.resolution_p90 == pytest.approx(1680)
    # Target 2880 min. Met W1, W2; missed W4 (reopened, unresolved at 4320 min);
    # W3 (1800), W5 (360), W6 (120) still within it: pending.
    assert (water.resolution_met, water.resolution_missed) == (2, 1)
    assert water.resolution_within_target == pytest.approx(2 / 3)
    # Open: W3, W4 (reopened), W5, W6; the oldest is W4 at 72 h = 4320 min.
    assert water.open == 4
    assert water.oldest_open_minutes == pytest.approx(4320)
    # W3 (escalated_at) and W4 (escalated event, cleared by the reopen).
    assert water.escalations == 2
    # W4 of 6 tickets.
    assert water.reopened == 1
    assert water.reopen_rate == pytest.approx(1 / 6)
    assert (water.first_response_target_hours, water.resolution_target_hours) == (4, 48)


def test_roads_and_it_queue_rows(metrics, actors, tickets):
    rows = by_code(metrics.department_league(actors["commissioner"], PERIOD))
    roads = rows["ROADS"]
    # R1 answered after 780 min (> 720 target: missed); R2 unanswered for 12000 min (missed).
    assert (roads.tickets, roads.answered) == (2, 1)
    assert roads.first_response_median == pytest.approx(780)
    assert roads.first_response_p90 == pytest.approx(780)
    assert roads.first_response_within_target == pytest.approx(0.0)
    # R1 resolved in 3000 ≤ 10080 (met); R2 open 12000 > 10080 (missed) → 1/2.
    assert roads.resolution_median == pytest.approx(3000)
    assert roads.resolution_within_target == pytest.approx(0.5)
    assert (roads.open, roads.oldest_open_minutes) == (1, pytest.approx(12000))
    queue = rows[None]
    assert queue.department_name == IT_QUEUE
    assert (queue.first_response_target_hours, queue.resolution_target_hours) == (8, 72)
    # Q1: 60 min old, nothing decided yet, so no share rather than 0 % or 100 %.
    assert (queue.tickets, queue.open, queue.waiting_first_response) == (1, 1, 1)
    assert queue.oldest_waiting_minutes == pytest.approx(60)
    assert queue.first_response_within_target is None
    assert queue.resolution_within_target is None


def test_departments_without_tickets_show_zeros(metrics, hub, actors, tickets):
    rows = metrics.department_league(actors["it.team"], PERIOD)
    with hub.store.cursor() as cur:
        active = {r[0] for r in cur.execute("SELECT code FROM departments WHERE active").fetchall()}
    # Every active department and the IT queue, once each; the IT queue is last.
    assert {row.department_code for row in rows} == active | {None}
    assert len(rows) == len(active) + 1
    assert rows[-1].department_code is None
    drain = by_code(rows)["DRAIN"]
    assert (drain.tickets, drain.answered, drain.open, drain.escalations) == (0, 0, 0, 0)
    assert drain.first_response_median is None
    assert drain.first_response_within_target is None
    assert drain.reopen_rate is None
    assert drain.oldest_open_minutes is None


def test_period_selects_by_opened_at(metrics, actors, tickets):
    # From 18 Nov 00:00 IST (17 Nov 18:30 UTC): W4 (opened 17 Nov 12:00 UTC) drops out even
    # though it reopened later; W1, W2, W3, W5, W6 stay.
    since_18 = MetricsFilters(start=datetime(2026, 11, 18, tzinfo=IST), end=PERIOD.end)
    water = by_code(metrics.department_league(actors["commissioner"], since_18))["WATER"]
    assert water.tickets == 5
    assert water.reopened == 0
    # Without bounds W7 (30 Oct) counts too: 7 tickets, 5 answered (W1..W4 and W7).
    everything = by_code(metrics.department_league(actors["commissioner"], MetricsFilters()))
    assert everything["WATER"].tickets == 7
    assert everything["WATER"].answered == 5


def test_platform_and_ward_filters(metrics, actors, tickets):
    on_x = by_code(
        metrics.department_league(
            actors["commissioner"],
            MetricsFilters(start=PERIOD.start, end=PERIOD.end, platform="x"),
        )
    )
    # Only R1 was on X.
    assert on_x["ROADS"].tickets == 1
    assert on_x["WATER"].tickets == 0
    ward_45 = by_code(
        metrics.department_league(
            actors["commissioner"], MetricsFilters(start=PERIOD.start, end=PERIOD.end, ward=45)
        )
    )
    assert (ward_45["ROADS"].tickets, ward_45["WATER"].tickets) == (2, 0)


def test_officer_sees_only_their_department(metrics, actors, tickets, audit_rows):
    rows = metrics.department_league(actors["officer.water"], PERIOD)
    assert [row.department_code for row in rows] == ["WATER"]
    assert rows[0].tickets == 6
    for method in (
        metrics.department_league,
        metrics.backlog_by_age,
        metrics.weekly_trend,
        metrics.ward_table,
        metrics.publishing,
    ):
        with pytest.raises(PermissionDenied):
            method(
                actors["officer.water"],
                MetricsFilters(start=PERIOD.start, end=PERIOD.end, department="ROADS"),
            )
    with pytest.raises(PermissionDenied):
        metrics.department_league(actors["officer.water"], MetricsFilters(department=IT_QUEUE))
    assert audit_rows(actor="officer.water", outcome="denied")
    # The admin has no business with tickets.
    with pytest.raises(PermissionDenied):
        metrics.department_league(actors["admin"], PERIOD)


def test_commissioner_can_pick_one_department_or_the_it_queue(metrics, actors, tickets):
    roads = metrics.department_league(
        actors["commissioner"], MetricsFilters(start=PERIOD.start, department="ROADS")
    )
    assert [(row.department_code, row.tickets) for row in roads] == [("ROADS", 2)]
    queue = metrics.department_league(actors["commissioner"], MetricsFilters(department=IT_QUEUE))
    assert [(row.department_code, row.tickets) for row in queue] == [(None, 1)]


def test_backlog_by_age(metrics, actors, tickets):
    rows = by_code(metrics.backlog_by_age(actors["commissioner"], PERIOD))
    water = rows["WATER"]
    # W6 2 h (<4 h), W5 6 h (4–24 h), W3 30 h (1–3 d), W4 72 h exactly (3–7 d: lower bound in).
    assert (
        water.open,
        water.under_4h,
        water.from_4h_to_24h,
        water.from_1d_to_3d,
        water.from_3d_to_7d,
        water.over_7d,
    ) == (4, 1, 1, 1, 1, 0)
    # R2 is 200 h old.
    assert (rows["ROADS"].open, rows["ROADS"].over_7d) == (1, 1)
    assert (rows[None].open, rows[None].under_4h) == (1, 1)
    assert rows["DRAIN"].open == 0


def test_weekly_trend_in_kolkata_weeks(metrics, actors, tickets):
    weeks = metrics.weekly_trend(actors["commissioner"], PERIOD)
    # Three weeks in the period, the empty one included.
    assert [w.week_label for w in weeks] == ["2026-W45", "2026-W46", "2026-W47"]
    assert [w.week_start.isoformat() for w in weeks] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    # W45: nothing. W46: R2 only (12 Nov), unanswered. R1 (Sunday 15 Nov 19:00 UTC) is
    # Monday 00:30 in Kolkata, so it belongs to W47.
    assert (weeks[0].tickets, weeks[0].answered, weeks[0].first_response_median) == (0, 0, None)
    assert (weeks[1].tickets, weeks[1].answered, weeks[1].first_response_median) == (1, 0, None)
    # W47: W1..W6, R1, Q1 = 8; answered W1..W4 and R1: [60, 120, 180, 300, 780] → median 180.
    assert (weeks[2].tickets, weeks[2].answered) == (8, 5)
    assert weeks[2].first_response_median == pytest.approx(180)
    # An officer's trend is their department's: W47 has W1..W6, answered [60,120,180,300] → 150.
    own = metrics.weekly_trend(actors["officer.water"], PERIOD)
    assert [(w.tickets, w.first_response_median) for w in own][2] == (6, pytest.approx(150))


def test_ward_table(metrics, actors, tickets):
    rows = {row.ward: row for row in metrics.ward_table(actors["commissioner"], PERIOD)}
    assert list(rows) == [12, 45, None]
    # Ward 12: W1..W5; answered [60, 120, 180, 300]; open W3, W4, W5; resolved [600, 1800].
    w12 = rows[12]
    assert (w12.tickets, w12.answered, w12.open, w12.resolved) == (5, 4, 3, 2)
    assert w12.first_response_median == pytest.approx(150)
    assert w12.first_response_p90 == pytest.approx(264)
    assert w12.resolution_median == pytest.approx(1200)
    # Ward 45: R1, R2.
    assert (rows[45].tickets, rows[45].answered, rows[45].first_response_median) == (
        2,
        1,
        pytest.approx(780),
    )
    # No ward: W6 and Q1, neither answered.
    assert (rows[None].tickets, rows[None].answered, rows[None].open) == (2, 0, 2)
    assert rows[None].first_response_median is None


def add_update(
    hub,
    department: str,
    kind: str,
    status: str,
    submitted_at: datetime | None,
    *,
    approved_after: timedelta | None = None,
    late_notice: bool = False,
    reject_reason: str | None = None,
) -> None:
    with hub.store.transaction() as cur:
        cur.execute(
            "INSERT INTO updates (department_code, author, kind, title, platforms, status,"
            " late_notice, first_submitted_at, submitted_at, approved_at, reject_reason,"
            " created_at, updated_at) VALUES (?, 'officer', ?, 'Update', ['facebook'], ?, ?, ?,"
            " ?, ?, ?, ?, ?)",
            [
                department,
                kind,
                status,
                late_notice,
                submitted_at,
                submitted_at,
                submitted_at + approved_after if approved_after else None,
                reject_reason,
                submitted_at or NOW,
                NOW,
            ],
        )


def nov(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def updates(hub) -> None:
    add_update(hub, "WATER", "work_update", "approved", nov(10), approved_after=120 * M)
    add_update(hub, "WATER", "launch", "approved", nov(11), approved_after=1440 * M)
    add_update(hub, "WATER", "launch", "approved", nov(12), approved_after=30 * M, late_notice=True)
    add_update(hub, "WATER", "work_update", "rejected", nov(13), reject_reason="no_photos")
    add_update(hub, "WATER", "work_update", "rejected", nov(14), reject_reason="no_photos")
    add_update(hub, "WATER", "work_update", "rejected", nov(15), reject_reason="off_topic")
    add_update(hub, "WATER", "work_update", "submitted", nov(16))
    add_update(hub, "WATER", "work_update", "draft", None)  # never submitted: not counted
    add_update(
        hub, "WATER", "work_update", "approved", datetime(2026, 10, 20, tzinfo=UTC),
        approved_after=60 * M,
    )  # fmt: skip  # before the period
    add_update(hub, "ROADS", "launch", "changes_requested", nov(17))


def test_publishing_worked_by_hand(metrics, actors, updates):
    rows = by_code(metrics.publishing(actors["commissioner"], PERIOD))
    water = rows["WATER"]
    # Seven submitted in the period (not the draft, not 20 Oct); the period is 21 days = 3 weeks.
    assert (water.submitted, water.approved) == (7, 3)
    assert water.updates_per_week == pytest.approx(7 / 3)
    # Two launches, one notified in time (the other let through late by an override).
    assert (water.launches, water.launches_notified_in_time) == (2, 1)
    assert water.launch_notice_share == pytest.approx(0.5)
    # Review cycles [30, 120, 1440]: median 120; p90 at 1.8: 120 + 0.8*1320 = 1176.
    assert water.review_median == pytest.approx(120)
    assert water.review_p90 == pytest.approx(1176)
    # Three rejected of six decided (3 approved + 3 rejected).
    assert water.rejected == 3
    assert water.rejection_rate == pytest.approx(0.5)
    assert water.rejections_by_reason == (("no_photos", 2), ("off_topic", 1))
    roads = rows["ROADS"]
    # One launch in time, still under review: no cycle time, no rejection rate yet.
    assert (roads.submitted, roads.launches, roads.launch_notice_share) == (1, 1, 1.0)
    assert roads.review_median is None
    assert roads.rejection_rate is None
    drain = rows["DRAIN"]
    assert (drain.submitted, drain.updates_per_week, drain.launch_notice_share) == (0, 0, None)
    assert drain.rejections_by_reason == ()
    # An officer sees their own department only.
    own = metrics.publishing(actors["officer.roads"], PERIOD)
    assert [row.department_code for row in own] == ["ROADS"]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (None, "—"),
        (0, "0 min"),
        (45.4, "45 min"),
        (125, "2 h 05 min"),
        (60, "1 h 00 min"),
        (1440 + 4 * 60 + 10, "1 d 04 h"),
    ],
)
def test_format_duration(minutes, text):
    assert format_duration(minutes, "en") == text


def test_inactive_department_with_tickets_is_not_dropped(metrics, hub, actors, tickets):
    with hub.store.transaction() as cur:
        cur.execute("UPDATE departments SET active = FALSE WHERE code IN ('ROADS', 'DRAIN')")
    codes = {row.department_code for row in metrics.department_league(actors["it.team"], PERIOD)}
    # ROADS keeps its row because it has tickets in the period; DRAIN (none) goes.
    assert "ROADS" in codes
    assert "DRAIN" not in codes


def test_overview_judges_each_ticket_by_its_own_targets(metrics, actors, tickets):
    o = metrics.overview(actors["commissioner"], PERIOD)
    # W1..W6, R1, R2, Q1.
    assert (o.tickets, o.answered, o.waiting_first_response) == (9, 5, 4)
    # Waiting: W5, W6, R2 (12000 min, the oldest), Q1.
    assert o.oldest_waiting_minutes == pytest.approx(12000)
    # [60, 120, 180, 300, 780]: median 180; p90 at 0.9*4 = 3.6: 300 + 0.6*480 = 588.
    assert o.first_response_median == pytest.approx(180)
    assert o.first_response_p90 == pytest.approx(588)
    # Met: W1, W2, W4 (4 h target). Missed: W3, W5 (WATER 4 h), R1, R2 (ROADS 12 h).
    # Pending: W6 (2 h < 4 h), Q1 (1 h < the IT queue's 8 h).
    assert (o.first_response_met, o.first_response_missed) == (3, 4)
    assert o.first_response_within_target == pytest.approx(3 / 7)
    # Resolved W1 600, W2 1800, R1 3000: median 1800, p90 1800 + 0.8*1200 = 2760.
    assert o.resolved == 3
    assert (o.resolution_median, o.resolution_p90) == (pytest.approx(1800), pytest.approx(2760))
    # Met W1, W2, R1; missed W4 (72 h > 48 h) and R2 (200 h > 168 h).
    assert (o.resolution_met, o.resolution_missed) == (3, 2)
    assert (o.open, o.escalations, o.reopened) == (6, 2, 1)
    assert o.reopen_rate == pytest.approx(1 / 9)
    # The counts add up to the league's.
    league = metrics.department_league(actors["commissioner"], PERIOD)
    for name in ("tickets", "answered", "first_response_met", "resolution_missed", "open"):
        assert getattr(o, name) == sum(getattr(row, name) for row in league), name


LEAGUE_FIELD_OF_FIGURE = {
    "tickets": "tickets",
    "answered": "answered",
    "waiting": "waiting_first_response",
    "first_response_met": "first_response_met",
    "first_response_missed": "first_response_missed",
    "resolved": "resolved",
    "resolution_met": "resolution_met",
    "resolution_missed": "resolution_missed",
    "open": "open",
    "escalated": "escalations",
    "reopened": "reopened",
}


def test_every_league_figure_clicks_through_to_exactly_its_tickets(metrics, actors, tickets):
    from hub.metrics import FIGURES

    assert set(LEAGUE_FIELD_OF_FIGURE) == set(FIGURES)
    commissioner = actors["commissioner"]
    for row in metrics.department_league(commissioner, PERIOD):
        department = row.department_code or IT_QUEUE
        narrowed = MetricsFilters(start=PERIOD.start, end=PERIOD.end, department=department)
        for figure, field in LEAGUE_FIELD_OF_FIGURE.items():
            behind = metrics.tickets_behind(commissioner, narrowed, figure)
            assert behind.total == getattr(row, field), (department, figure)
            assert len(behind.rows) == behind.total
    water = MetricsFilters(start=PERIOD.start, end=PERIOD.end, department="WATER")
    missed = metrics.tickets_behind(commissioner, water, "first_response_missed")
    assert {r.id for r in missed.rows} == {tickets["W3"], tickets["W5"]}
    # Newest first; the deleted comment (W6) is still behind "waiting".
    waiting = metrics.tickets_behind(commissioner, water, "waiting")
    assert [r.id for r in waiting.rows] == [tickets["W6"], tickets["W5"]]


def test_tables_click_through_to_their_tickets(metrics, actors, tickets):
    c = actors["commissioner"]
    ids = {value: key for key, value in tickets.items()}

    def names(behind):
        return sorted(ids[row.id] for row in behind.rows)

    assert names(metrics.tickets_behind(c, PERIOD, ward_unknown=True)) == ["Q1", "W6"]
    with_ward = MetricsFilters(start=PERIOD.start, end=PERIOD.end, ward=45)
    assert names(metrics.tickets_behind(c, with_ward)) == ["R1", "R2"]
    # The week of Monday 9 Nov (IST) holds R2 only.
    week = datetime(2026, 11, 9).date()
    assert names(metrics.tickets_behind(c, PERIOD, week_start=week)) == ["R2"]
    # Backlog cells: W4 is exactly 72 h old (3–7 days); R2 is over 7 days.
    assert names(metrics.tickets_behind(c, PERIOD, "open", age_bucket="3–7 days")) == ["W4"]
    assert names(metrics.tickets_behind(c, PERIOD, "open", age_bucket="over 7 days")) == ["R2"]
    # Distribution bars.
    assert names(metrics.tickets_behind(c, PERIOD, "answered", band="2–4 h")) == ["W2", "W4"]
    assert names(metrics.tickets_behind(c, PERIOD, band="still waiting")) == [
        "Q1",
        "R2",
        "W5",
        "W6",
    ]
    # A short list still reports the whole figure.
    first = metrics.tickets_behind(c, PERIOD, "tickets", limit=2)
    assert (len(first.rows), first.total) == (2, 9)


def test_tickets_behind_refuses_what_it_does_not_know_and_what_is_not_yours(
    metrics, actors, tickets
):
    from hub.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown figure"):
        metrics.tickets_behind(actors["commissioner"], PERIOD, "happiness")
    with pytest.raises(InvalidInput, match="unknown age bucket"):
        metrics.tickets_behind(actors["commissioner"], PERIOD, "open", age_bucket="ancient")
    roads = MetricsFilters(start=PERIOD.start, end=PERIOD.end, department="ROADS")
    with pytest.raises(PermissionDenied):
        metrics.tickets_behind(actors["officer.water"], roads)
    # Without a department an officer gets their own tickets only.
    own = metrics.tickets_behind(actors["officer.water"], PERIOD)
    assert own.total == 6
    assert {row.department_code for row in own.rows} == {"WATER"}


def test_response_time_distribution(metrics, actors, tickets):
    rows = metrics.response_time_distribution(actors["commissioner"], PERIOD)
    counts = {row.band: row.tickets for row in rows}
    # Answered [60 (W1), 120 (W4), 180 (W2), 300 (W3), 780 (R1)]: a band includes its lower
    # bound, so 60 min is in 1–2 h. Still waiting: W5, W6, R2, Q1.
    assert counts == {
        "under 1 h": 0,
        "1–2 h": 1,
        "2–4 h": 2,
        "4–8 h": 1,
        "8–12 h": 0,
        "12–24 h": 1,
        "1–2 days": 0,
        "2–3 days": 0,
        "3–7 days": 0,
        "over 7 days": 0,
        "still waiting": 4,
    }
    assert [row.band for row in rows][-1] == "still waiting"
    own = metrics.response_time_distribution(actors["officer.water"], PERIOD)
    assert sum(row.tickets for row in own) == 6
