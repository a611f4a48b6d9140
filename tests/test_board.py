"""The triage board: filters, search in both scripts, department scoping, order, paging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from triage_fixtures import (
    ROADS_COMPLAINT,
    WATER_COMPLAINT,
    add_interaction,
    new_ticket,
    set_ticket,
)

from hub.clock import utc_now
from hub.errors import PermissionDenied
from hub.tickets.board import BOARD_TEXT_CHARS, IT_QUEUE, BoardFilters

BENGALI_WATER = "কলে জল আসছে না তিন দিন ধরে, ওয়ার্ড ১২"
HOSTILE = (
    "<script>alert('x')</script> [click](javascript:alert(1)) "
    "[data](data:text/html;base64,PHNjcmlwdD4=) ![img](http://x/y.png) water tap broken"
)


@pytest.fixture
def mixed_board(hub):
    """WATER (English and Bengali), ROADS, an urgent LIGHT ticket and an IT-queue question."""
    ids = {
        "water": new_ticket(hub, WATER_COMPLAINT, author="w1"),
        "bengali": new_ticket(hub, BENGALI_WATER, author="w2", platform="x", thread_id="t2"),
        "roads": new_ticket(hub, ROADS_COMPLAINT, author="r1"),
        "urgent": new_ticket(hub, "Live wire snapped in ward 7, sparks!", author="l1"),
        "queue": new_ticket(hub, "Who should I talk to about this?", author="q1"),
    }
    return ids


def refs(page) -> set[int]:
    return {row.id for row in page.rows}


def test_it_sees_all_and_filters_each(hub, actors, mixed_board):
    it = actors["it.team"]
    page = lambda **f: hub.board.page(it, BoardFilters(**f))  # noqa: E731
    assert page().total == 5
    assert refs(page(department="WATER")) == {mixed_board["water"], mixed_board["bengali"]}
    assert refs(page(department=IT_QUEUE)) == {mixed_board["queue"]}
    assert refs(page(platform="x")) == {mixed_board["bengali"]}
    assert refs(page(ward=45)) == {mixed_board["roads"]}
    assert refs(page(urgent=True)) == {mixed_board["urgent"]}
    assert refs(page(category="question")) == {mixed_board["queue"]}
    hub.tickets.resolve(it, mixed_board["roads"])
    assert refs(page(statuses=("resolved",))) == {mixed_board["roads"]}
    set_ticket(hub, mixed_board["water"], opened_at=utc_now() - timedelta(hours=30))
    assert refs(page(min_age_hours=24)) == {mixed_board["water"]}
    assert mixed_board["water"] not in refs(page(max_age_hours=24))
    assert refs(page(target_state="breached")) == {mixed_board["water"]}
    assert refs(page(target_state="done")) == {mixed_board["roads"]}


def test_search_in_both_scripts_case_insensitive(hub, actors, mixed_board):
    it = actors["it.team"]
    assert refs(hub.board.page(it, BoardFilters(search="POTHOLE"))) == {mixed_board["roads"]}
    assert refs(hub.board.page(it, BoardFilters(search="জল আসছে"))) == {mixed_board["bengali"]}
    # A decomposed query (NFD) finds the NFC-stored text.
    import unicodedata

    nfd = unicodedata.normalize("NFD", "ওয়ার্ড")
    assert refs(hub.board.page(it, BoardFilters(search=nfd))) == {mixed_board["bengali"]}
    assert hub.board.page(it, BoardFilters(search="100%")).total == 0


def test_officer_sees_only_own_department_and_never_the_it_queue(
    hub, actors, mixed_board, audit_rows
):
    officer = actors["officer.water"]
    page = hub.board.page(officer, BoardFilters())
    assert refs(page) == {mixed_board["water"], mixed_board["bengali"]}
    for department in ("ROADS", IT_QUEUE):
        with pytest.raises(PermissionDenied):
            hub.board.page(officer, BoardFilters(department=department))
    assert len(audit_rows(actor="officer.water", outcome="denied")) == 2


def test_commissioner_sees_everything(hub, actors, mixed_board):
    assert hub.board.page(actors["commissioner"], BoardFilters()).total == 5


def test_order_is_closest_to_target_first_urgent_first_on_ties(hub, actors, mixed_board):
    it = actors["it.team"]
    set_ticket(hub, mixed_board["roads"], opened_at=utc_now() - timedelta(hours=11))
    rows = hub.board.page(it, BoardFilters()).rows
    assert rows[0].id == mixed_board["roads"]  # ROADS: 12 h target, 11 h gone
    minutes = [row.minutes_left for row in rows]
    assert minutes == sorted(minutes)


def test_paging_totals(hub, actors):
    for number in range(7):
        add_interaction(hub, WATER_COMPLAINT, author=f"p{number}")
    hub.tickets.triage_new_interactions()
    it = actors["it.team"]
    first = hub.board.page(it, BoardFilters(), page=1, page_size=3)
    last = hub.board.page(it, BoardFilters(), page=3, page_size=3)
    assert (first.total, first.pages, len(first.rows)) == (7, 3, 3)
    assert len(last.rows) == 1
    seen = {row.id for p in (1, 2, 3) for row in hub.board.page(it, BoardFilters(), p, 3).rows}
    assert len(seen) == 7


def test_hidden_spam_is_left_out_unless_asked(hub, actors, mixed_board):
    it = actors["it.team"]
    hub.tickets.hide_spam(it, mixed_board["queue"])
    assert mixed_board["queue"] not in refs(hub.board.page(it, BoardFilters()))
    assert mixed_board["queue"] in refs(hub.board.page(it, BoardFilters(include_hidden=True)))


def test_a_very_long_text_is_cut_on_the_board(hub, actors):
    new_ticket(hub, WATER_COMPLAINT + " " + "ক" * 100_000)
    row = hub.board.page(actors["it.team"], BoardFilters()).rows[0]
    assert len(row.text) == BOARD_TEXT_CHARS + 1 and row.text.endswith("…")


def test_hostile_text_comes_back_as_data_unchanged(hub, actors):
    new_ticket(hub, HOSTILE)
    row = hub.board.page(actors["it.team"], BoardFilters(search="script")).rows[0]
    assert row.text == HOSTILE


def test_every_page_in_order_also_the_last_ones_read_backwards(hub, actors):
    # Pages past the middle are read in reverse order; they must be exactly the rows a
    # forward read gives, ties (same target time, done tickets without one) included.
    it = actors["it.team"]
    for number in range(11):
        add_interaction(hub, WATER_COMPLAINT, author=f"o{number}")
    hub.tickets.triage_new_interactions()
    everything = hub.board.page(it, BoardFilters(), page=1, page_size=500).rows
    for row in everything[:4]:
        hub.tickets.resolve(it, row.id)
    for row in everything[4:7]:
        set_ticket(hub, row.id, opened_at=everything[4].opened_at, urgent=row.id % 2 == 0)
    expected = [row.id for row in hub.board.page(it, BoardFilters(), 1, 500).rows]
    for size in (1, 2, 3, 4, 5):
        pages = hub.board.page(it, BoardFilters(), 1, size).pages
        paged = [
            row.id
            for p in range(1, pages + 1)
            for row in hub.board.page(it, BoardFilters(), p, size).rows
        ]
        assert paged == expected, size
    assert hub.board.page(it, BoardFilters(), 99, 5).rows == []


def test_search_takes_the_query_literally(hub, actors):
    it = actors["it.team"]
    wanted = new_ticket(hub, "Tap (broken) at 12.5 Park St: water [none] 100% off", author="x1")
    new_ticket(hub, "Tap xbrokenx at 1245 Park Rd: water none 1000 off", author="x2")
    for query in ("(broken)", "12.5", "[none]", "100%", "ST: WATER", "tap (BROKEN"):
        assert refs(hub.board.page(it, BoardFilters(search=query))) == {wanted}, query
    assert hub.board.page(it, BoardFilters(search=".*")).total == 0


def test_the_clock_reads_as_time_left_or_overdue_never_a_negative_number():
    from hub.i18n import format_time_left

    assert format_time_left(185, "en") == "3 h 05 min left"
    assert format_time_left(-(40 * 24 * 60 + 6 * 60 + 18), "en") == "overdue 40 d 06 h"
    assert format_time_left(-45, "en") == "overdue 45 min"
    assert format_time_left(None, "en") == "—"
    assert format_time_left(-45, "bn") == "সময় পেরিয়েছে ৪৫ মিনিট"
