"""Tickets: triage into reference numbers, follow-ups, statuses, moves, moderation, targets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from triage_fixtures import (
    PRAISE,
    ROADS_COMPLAINT,
    WATER_COMPLAINT,
    add_interaction,
    new_ticket,
    set_ticket,
    ticket_of,
)

from hub.clock import utc_now
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.i18n import translate
from hub.platforms.base import Platform

UNROUTED_QUESTION = "Who should I talk to about this?"


def year() -> int:
    return utc_now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Kolkata")).year


def tickets(hub) -> list[tuple]:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT reference, department_code, status, category FROM tickets ORDER BY id"
        ).fetchall()


def events(hub, ticket_id: int) -> list[str]:
    return [event.event for event in hub.tickets.get(_it(hub), ticket_id).events]


def _it(hub):
    from hub.permissions import Actor, Role

    return Actor(username="it.team", role=Role.IT)


def test_triage_numbers_tickets_in_order_and_skips_praise_city_and_deleted(hub):
    first = add_interaction(hub, WATER_COMPLAINT, author="a")
    add_interaction(hub, PRAISE, author="b")
    add_interaction(hub, "We are on it", author="page", from_city=True)
    add_interaction(hub, ROADS_COMPLAINT, author="c", deleted=True)
    second = add_interaction(hub, ROADS_COMPLAINT, author="d")

    report = hub.tickets.triage_new_interactions()

    assert report.looked_at == 5 and report.tickets_created == 2 and report.without_ticket == 3
    assert report.references == (f"KMC-{year()}-000001", f"KMC-{year()}-000002")
    assert tickets(hub) == [
        (f"KMC-{year()}-000001", "WATER", "new", "complaint"),
        (f"KMC-{year()}-000002", "ROADS", "new", "complaint"),
    ]
    with hub.store.cursor() as cur:
        rows = cur.execute(
            "SELECT count(*), count(ticket_id), sum(needs_ticket::INT) FROM interaction_triage"
        ).fetchone()
    assert rows == (5, 2, 2)
    assert ticket_of(hub, first) < ticket_of(hub, second)


def test_why_a_ticket_went_where_it_went_reads_in_the_officers_language(hub, actors):
    ticket_id = new_ticket(hub, "জল নেই তিন দিন, ৬৫ নম্বর ওয়ার্ড")
    ticket = hub.tickets.get(actors["officer.water"], ticket_id).ticket
    assert str(ticket.routing_reason) == ticket.routing_explanation
    assert ticket.routing_explanation.startswith("Water Supply: matched 'জল নেই'")
    bengali = ticket.routing_reason.translated(lambda message: translate(message, "bn"))
    assert bengali.startswith("Water Supply: মিলেছে 'জল নেই'; '৬৫ নম্বর ওয়ার্ড' থেকে ওয়ার্ড 65")
    # A ticket routed before the reasons were kept reads its stored English in any language.
    with hub.store.cursor() as cur:
        cur.execute("UPDATE tickets SET routing_reasons = NULL WHERE id = ?", [ticket_id])
    older = hub.tickets.get(actors["officer.water"], ticket_id).ticket
    assert older.routing_reason.translated(lambda message: translate(message, "bn")) == (
        ticket.routing_explanation
    )


def test_triage_twice_creates_nothing_twice_and_numbers_continue(hub):
    add_interaction(hub, WATER_COMPLAINT, author="a")
    hub.tickets.triage_new_interactions()
    assert hub.tickets.triage_new_interactions().looked_at == 0
    add_interaction(hub, ROADS_COMPLAINT, author="b")
    assert hub.tickets.triage_new_interactions().references == (f"KMC-{year()}-000002",)
    assert len(tickets(hub)) == 2


def test_the_reference_prefix_is_configurable(hub):
    hub.settings.reference_prefix = "HMC"
    add_interaction(hub, WATER_COMPLAINT)
    assert hub.tickets.triage_new_interactions().references == (f"HMC-{year()}-000001",)


def test_triage_works_in_batches(hub):
    for number in range(7):
        add_interaction(hub, WATER_COMPLAINT, author=f"citizen-{number}")
    assert hub.tickets.triage_new_interactions(limit=5).tickets_created == 5
    assert hub.tickets.triage_new_interactions(limit=5).tickets_created == 2


def test_spam_and_unrouted_questions(hub):
    add_interaction(hub, "Buy cheap followers now click here", author="s")
    question = add_interaction(hub, UNROUTED_QUESTION, author="q")
    hub.tickets.triage_new_interactions()
    with hub.store.cursor() as cur:
        spam = cur.execute(
            "SELECT category, needs_ticket, ticket_id FROM interaction_triage"
            " WHERE category = 'spam'"
        ).fetchone()
        queue = cur.execute(
            "SELECT department_code FROM tickets WHERE interaction_id = ?", [question]
        ).fetchone()
    assert spam == ("spam", False, None)
    assert queue == (None,)  # the IT team's queue


def test_an_open_tickets_follow_up_adds_an_event_not_a_ticket(hub):
    ticket = new_ticket(hub, author="a")
    add_interaction(hub, "Still no water, please do something", author="a")
    report = hub.tickets.triage_new_interactions()
    assert report.tickets_created == 0 and report.follow_ups == 1
    assert events(hub, ticket) == ["opened", "follow_up"]


def test_a_follow_up_about_another_department_opens_its_own_linked_ticket(hub, actors):
    roads = new_ticket(hub, ROADS_COMPLAINT, author="a")
    later = add_interaction(hub, WATER_COMPLAINT, author="a")
    report = hub.tickets.triage_new_interactions()
    assert report.tickets_created == 1 and report.follow_ups == 0
    water = ticket_of(hub, later)
    view = hub.tickets.get(actors["officer.water"], water)
    assert view.ticket.department_code == "WATER" and view.ticket.related_ticket_id == roads
    roads_view = hub.tickets.get(actors["officer.roads"], roads)
    assert [t.id for t in view.linked_tickets] == [roads]
    assert [t.id for t in roads_view.linked_tickets] == [water]
    assert events(hub, roads) == ["opened", "linked"]
    assert events(hub, water) == ["opened", "linked"]
    assert view.ticket.reference in roads_view.events[-1].note
    with hub.store.cursor() as cur:
        routed = cur.execute(
            "SELECT department_code, ticket_id FROM interaction_triage WHERE interaction_id = ?",
            [later],
        ).fetchone()
    assert routed == ("WATER", water), "the routing decision is kept"


def test_a_follow_up_routed_nowhere_or_to_the_same_department_still_joins(hub):
    roads = new_ticket(hub, ROADS_COMPLAINT, author="a")
    add_interaction(hub, "Any update? Nobody has come yet", author="a")
    add_interaction(hub, "The pothole on the road is bigger now", author="a")
    report = hub.tickets.triage_new_interactions()
    assert report.tickets_created == 0 and report.follow_ups == 2
    assert events(hub, roads) == ["opened", "follow_up", "follow_up"]


def test_in_one_batch_follow_ups_go_to_the_ticket_of_their_department(hub):
    roads = add_interaction(hub, ROADS_COMPLAINT, author="a")
    water = add_interaction(hub, WATER_COMPLAINT, author="a")
    add_interaction(hub, "The pothole on the road is bigger now", author="a")
    report = hub.tickets.triage_new_interactions()
    assert report.tickets_created == 2 and report.follow_ups == 1
    roads_ticket, water_ticket = ticket_of(hub, roads), ticket_of(hub, water)
    assert events(hub, roads_ticket) == ["opened", "follow_up", "linked"]
    assert events(hub, water_ticket) == ["opened", "linked"]
    with hub.store.cursor() as cur:
        related = cur.execute(
            "SELECT related_ticket_id FROM tickets WHERE id = ?", [water_ticket]
        ).fetchone()[0]
    assert related == roads_ticket


def test_a_follow_up_in_the_same_batch_joins_the_new_ticket(hub):
    first = add_interaction(hub, WATER_COMPLAINT, author="a")
    add_interaction(hub, "Still nothing in the tap, hello?", author="a")
    report = hub.tickets.triage_new_interactions()
    assert report.tickets_created == 1 and report.follow_ups == 1
    assert events(hub, ticket_of(hub, first)) == ["opened", "follow_up"]


def test_follow_up_within_seven_days_of_resolution_reopens(hub, actors):
    officer = actors["officer.water"]
    ticket = new_ticket(hub, author="a")
    hub.tickets.resolve(officer, ticket, "Valve repaired")
    add_interaction(hub, "No water again today in the tap!", author="a", created_at=utc_now())
    report = hub.tickets.triage_new_interactions()
    assert report.reopened == 1 and report.tickets_created == 0
    view = hub.tickets.get(officer, ticket)
    assert view.ticket.status == "in_progress" and view.ticket.reopened_count == 1
    assert view.ticket.resolved_at is None and view.ticket.last_reopened_at is not None
    assert [e.event for e in view.events][-1] == "reopened"


def test_thanks_after_resolution_does_not_reopen(hub, actors):
    ticket = new_ticket(hub, author="a")
    hub.tickets.resolve(actors["officer.water"], ticket)
    add_interaction(hub, PRAISE, author="a", created_at=utc_now())
    assert hub.tickets.triage_new_interactions().reopened == 0
    assert hub.tickets.get(actors["officer.water"], ticket).ticket.status == "resolved"


def test_follow_up_after_seven_days_opens_a_new_ticket(hub, actors):
    ticket = new_ticket(hub, author="a")
    hub.tickets.resolve(actors["officer.water"], ticket)
    set_ticket(hub, ticket, resolved_at=utc_now() - timedelta(days=8))
    add_interaction(hub, "No water again in the tap", author="a", created_at=utc_now())
    report = hub.tickets.triage_new_interactions()
    assert report.reopened == 0 and report.tickets_created == 1


def test_a_city_reply_under_the_comment_sets_the_first_response(hub, actors):
    interaction = add_interaction(hub, WATER_COMPLAINT, author="a", platform_id="c-root")
    hub.tickets.triage_new_interactions()
    add_interaction(
        hub, "We are looking into it", author="page", from_city=True, parent_id="c-root"
    )
    assert hub.tickets.triage_new_interactions().first_responses_seen == 1
    ticket = hub.tickets.get(actors["it.team"], ticket_of(hub, interaction)).ticket
    assert ticket.first_response_at is not None


def test_status_changes_follow_the_lifecycle_with_events_and_audit(hub, actors, audit_rows):
    officer = actors["officer.water"]
    ticket = new_ticket(hub)
    assert hub.tickets.acknowledge(officer, ticket).status == "acknowledged"
    assert hub.tickets.start(officer, ticket).status == "in_progress"
    assert hub.tickets.resolve(officer, ticket, "Pipe fixed").status == "resolved"
    assert hub.tickets.close(officer, ticket).status == "closed"
    assert hub.tickets.reopen(officer, ticket, "Citizen called").reopened_count == 1
    assert events(hub, ticket) == [
        "opened",
        "acknowledged",
        "in_progress",
        "resolved",
        "closed",
        "reopened",
    ]
    assert [row[1] for row in audit_rows(actor="officer.water")] == [
        "ticket_acknowledged",
        "ticket_in_progress",
        "ticket_resolved",
        "ticket_closed",
        "ticket_reopened",
    ]


def test_invalid_transitions_are_refused_with_a_clear_message(hub, actors):
    officer = actors["officer.water"]
    ticket = new_ticket(hub)
    with pytest.raises(InvalidInput, match=r"is new: it cannot be closed \(only a ticket that is"):
        hub.tickets.close(officer, ticket)
    hub.tickets.resolve(officer, ticket)
    with pytest.raises(InvalidInput, match="is resolved: it cannot be acknowledged"):
        hub.tickets.acknowledge(officer, ticket)
    with pytest.raises(InvalidInput, match="cannot be reopened"):
        hub.tickets.reopen(officer, hub.tickets.reopen(officer, ticket).id)


def test_reassign_needs_a_reason_and_moves_the_ticket(hub, actors, audit_rows):
    officer = actors["officer.water"]
    ticket = new_ticket(hub)
    with pytest.raises(InvalidInput, match="reason is required"):
        hub.tickets.reassign(officer, ticket, "ROADS", "  ")
    moved = hub.tickets.reassign(officer, ticket, "ROADS", "It is a pothole, not a pipe")
    assert moved.department_code == "ROADS"
    last = hub.tickets.get(actors["it.team"], ticket).events[-1]
    assert (last.event, last.from_department, last.to_department, last.note) == (
        "reassigned",
        "WATER",
        "ROADS",
        "It is a pothole, not a pipe",
    )
    assert audit_rows(action="ticket_reassigned")[0][5] == "It is a pothole, not a pipe"
    # Now it is ROADS's: the water officer cannot pull it back.
    with pytest.raises(PermissionDenied):
        hub.tickets.reassign(officer, ticket, "WATER", "mine after all")


def test_reassign_to_the_it_queue_and_unknown_departments(hub, actors):
    officer = actors["officer.water"]
    ticket = new_ticket(hub)
    with pytest.raises(InvalidInput, match="no active department"):
        hub.tickets.reassign(officer, ticket, "NOPE", "why not")
    assert hub.tickets.reassign(officer, ticket, None, "Not ours").department_code is None


def test_officer_cannot_touch_other_departments_or_the_it_queue(hub, actors, audit_rows):
    officer = actors["officer.water"]
    roads = new_ticket(hub, ROADS_COMPLAINT, author="r")
    queue = new_ticket(hub, UNROUTED_QUESTION, author="q")
    for call in (
        lambda: hub.tickets.get(officer, roads),
        lambda: hub.tickets.acknowledge(officer, roads),
        lambda: hub.tickets.add_note(officer, roads, "hello"),
        lambda: hub.tickets.reassign(officer, roads, "WATER", "grab"),
        lambda: hub.tickets.get(officer, queue),
        lambda: hub.tickets.resolve(officer, queue),
    ):
        with pytest.raises(PermissionDenied, match="Not allowed"):
            call()
    assert len(audit_rows(actor="officer.water", outcome="denied")) == 6


def test_internal_notes(hub, actors):
    ticket = new_ticket(hub)
    note = hub.tickets.add_note(actors["officer.water"], ticket, "Called the JE, visit tomorrow")
    assert note.event == "note"
    assert hub.tickets.get(actors["it.team"], ticket).events[-1].note == (
        "Called the JE, visit tomorrow"
    )
    with pytest.raises(InvalidInput):
        hub.tickets.add_note(actors["officer.water"], ticket, "")


def test_merge_closes_the_duplicate_and_links_it(hub, actors):
    it = actors["it.team"]
    original = new_ticket(hub, author="a")
    duplicate = new_ticket(hub, author="b")
    with pytest.raises(PermissionDenied):
        hub.tickets.merge(actors["officer.water"], duplicate, original, "same pipe")
    merged = hub.tickets.merge(it, duplicate, original, "same pipe burst")
    assert merged.status == "closed" and merged.merged_into == original
    assert events(hub, original)[-1] == "merged"
    with pytest.raises(InvalidInput, match="already merged"):
        hub.tickets.merge(it, duplicate, original)
    with pytest.raises(InvalidInput, match="merged"):
        hub.tickets.resolve(it, duplicate)


def test_bulk_assign_moves_many_in_one_go(hub, actors, audit_rows):
    it = actors["it.team"]
    ids = [new_ticket(hub, UNROUTED_QUESTION, author=f"q{n}") for n in range(3)]
    already = new_ticket(hub, author="w")
    result = hub.tickets.bulk_assign(it, [*ids, already, 9999], "WATER", "Water questions")
    assert len(result.moved) == 3 and len(result.unchanged) == 1 and result.missing == (9999,)
    assert {row[1] for row in tickets(hub)} == {"WATER"}
    assert len(audit_rows(action="tickets_bulk_assigned")) == 1
    with pytest.raises(PermissionDenied):
        hub.tickets.bulk_assign(actors["officer.roads"], ids, "ROADS", "mine")


def test_hide_spam_on_facebook_hides_the_sandbox_comment(installed_hub, actors):
    hub, it = installed_hub, actors["it.team"]
    graph = hub.sandbox.graph
    post_id = graph.seed_post("Road repair update")
    comment_id = graph.add_citizen_comment(post_id, "Cheap loans, urgent, call now", "Spammer")
    interaction = add_interaction(hub, WATER_COMPLAINT, platform_id=comment_id, thread_id=post_id)
    hub.tickets.triage_new_interactions()
    ticket = ticket_of(hub, interaction)
    with pytest.raises(PermissionDenied):
        hub.tickets.hide_spam(actors["officer.water"], ticket, on_platform=True)
    outcome = hub.tickets.hide_spam(it, ticket, on_platform=True)
    assert outcome.hidden_on_platform and outcome.platform_problem is None
    assert outcome.ticket.hidden and outcome.ticket.status == "closed"
    comment = next(c for c in graph.list_comments(post_id) if c["id"] == comment_id)
    assert comment["is_hidden"] is True
    with hub.store.cursor() as cur:
        stored = cur.execute(
            "SELECT i.is_hidden, list(c.change ORDER BY c.id), list(c.source ORDER BY c.id)"
            " FROM interactions i LEFT JOIN interaction_changes c ON c.interaction_id = i.id"
            " WHERE i.id = ? GROUP BY i.is_hidden",
            [interaction],
        ).fetchone()
    assert stored == (True, ["hide"], ["hub"]), "the stored comment is hidden at once, once"
    # Meta's `hide` webhook for the same comment then changes nothing.
    assert hub.interactions.set_hidden("facebook", [comment_id], True, "webhook") == ()


def test_hide_spam_on_x_is_not_supported_but_hidden_in_the_hub(installed_hub, actors, audit_rows):
    hub = installed_hub
    ticket = new_ticket(hub, platform=Platform.X.value, thread_id="conv-1", platform_id="1234")
    outcome = hub.tickets.hide_spam(actors["it.team"], ticket, on_platform=True)
    assert not outcome.hidden_on_platform
    assert "not available" in outcome.platform_problem
    assert outcome.ticket.hidden
    assert audit_rows(action="hide_on_platform")[0][2] == "failed"


def test_check_targets_reminds_at_75_percent_then_escalates_at_breach_once(hub, actors):
    ticket = new_ticket(hub)  # WATER: first response within 4 hours
    opened = utc_now() - timedelta(minutes=5)
    set_ticket(hub, ticket, opened_at=opened)
    assert hub.tickets.check_targets(opened + timedelta(hours=2)).reminded == ()
    at_75 = hub.tickets.check_targets(opened + timedelta(hours=3, minutes=1))
    assert len(at_75.reminded) == 1 and at_75.escalated == ()
    assert hub.tickets.check_targets(opened + timedelta(hours=3, minutes=30)).reminded == ()
    breach = hub.tickets.check_targets(opened + timedelta(hours=4, minutes=1))
    assert len(breach.escalated) == 1 and breach.reminded == ()
    assert hub.tickets.check_targets(opened + timedelta(hours=9)).escalated == ()
    view = hub.tickets.get(actors["it.team"], ticket)
    assert view.ticket.escalation_reason == "first-response target breached"
    assert [e.event for e in view.events] == ["opened", "reminder", "escalated"]

    # The history the hub wrote reads in the officer's language; its English is unchanged.
    def bengali(event) -> str:
        return event.shown_note.translated(lambda message: translate(message, "bn"))

    opened, reminder, escalated = view.events
    assert opened.note.startswith("routed to WATER: Water Supply: matched")
    assert bengali(opened).startswith("WATER-এ পাঠানো হয়েছে: Water Supply: মিলেছে")
    assert reminder.note == "75% of the target has passed"
    assert bengali(reminder) == "লক্ষ্যসময়ের 75% পেরিয়ে গেছে"
    assert escalated.note == "first-response target breached"
    assert bengali(escalated) == "প্রথম সাড়ার লক্ষ্য পেরিয়েছে"
    # A person's note is their words, in every language, even a word the catalogue knows.
    typed = hub.tickets.add_note(actors["it.team"], ticket, "urgent")
    assert bengali(hub.tickets.get(actors["it.team"], ticket).events[-1]) == "urgent"
    assert typed.note == "urgent"


def test_a_target_is_missed_only_once_it_has_passed_board_targets_and_metrics_agree(hub, actors):
    """Exactly at the 4-hour mark the ticket is not yet breached anywhere; a second later it is
    breached on the board, escalated by the target check and missed in the metrics."""
    from hub.metrics import MetricsFilters, MetricsService
    from hub.tickets.board import BoardFilters, BoardService

    ticket = new_ticket(hub)  # WATER: first response within 4 hours
    opened = (utc_now() - timedelta(hours=1)).replace(microsecond=0)
    set_ticket(hub, ticket, opened_at=opened)
    for moment, state, escalated, missed in (
        (opened + timedelta(hours=4), "due_soon", 0, 0),
        (opened + timedelta(hours=4, seconds=1), "breached", 1, 1),
    ):
        board = BoardService(hub.store, hub.audit, hub.settings, clock=lambda m=moment: m)
        rows = board.page(actors["it.team"], BoardFilters()).rows
        assert [row.target_state for row in rows] == [state]
        assert len(hub.tickets.check_targets(moment).escalated) == escalated
        metrics = MetricsService(hub.store, hub.audit, clock=lambda m=moment: m)
        water = next(
            row
            for row in metrics.department_league(actors["it.team"], MetricsFilters())
            if row.department_code == "WATER"
        )
        assert water.first_response_missed == missed


def test_urgent_tickets_are_escalated_at_once(hub, actors):
    ticket = new_ticket(hub, "Fire! live wire snapped on the road in ward 7, sparks")
    report = hub.tickets.check_targets()
    assert len(report.escalated) == 1
    assert hub.tickets.get(actors["it.team"], ticket).ticket.escalation_reason == "urgent"
    page = hub.tickets.escalations(actors["commissioner"])
    assert [row.id for row in page.rows] == [ticket]
    with pytest.raises(PermissionDenied):
        hub.tickets.escalations(actors["officer.water"])


def test_the_ticket_view_shows_the_thread(hub, actors):
    with hub.store.transaction() as cur:
        cur.execute(
            "INSERT INTO posts (update_id, platform, text, scheduled_at, status,"
            " platform_post_id, created_at, updated_at)"
            " VALUES (1, 'facebook', 'Water main repair in ward 12 today', now(), 'published',"
            " 'post-9', now(), now())"
        )
    add_interaction(hub, "Which street?", author="x", platform_id="c-parent", thread_id="post-9")
    earlier = new_ticket(hub, ROADS_COMPLAINT, author="a", thread_id="post-8")
    ticket = new_ticket(
        hub, WATER_COMPLAINT, author="a", thread_id="post-9", parent_id="c-parent", kind="reply"
    )
    view = hub.tickets.get(actors["it.team"], ticket)
    assert view.city_post_text == "Water main repair in ward 12 today"
    assert view.parent.text == "Which street?"
    assert [t.id for t in view.earlier_tickets] == [earlier]
    assert view.interaction.text == WATER_COMPLAINT
    assert view.replies == []


def test_a_reference_elsewhere_looks_like_one_that_does_not_exist(hub, actors, audit_rows):
    officer = actors["officer.water"]
    roads = new_ticket(hub, ROADS_COMPLAINT, author="r")
    with hub.store.cursor() as cur:
        roads_reference = cur.execute(
            "SELECT reference FROM tickets WHERE id = ?", [roads]
        ).fetchone()[0]
    unknown = roads_reference[:-1] + ("9" if roads_reference[-1] != "9" else "8")
    answers = []
    for reference in (roads_reference, unknown):
        with pytest.raises(NotFound) as refused:
            hub.tickets.find_by_reference(officer, reference)
        answers.append((type(refused.value), str(refused.value).replace(reference, "REF")))
    assert answers[0] == answers[1], "the answer does not tell a real reference from a made-up one"
    assert "in your department" in answers[0][1]
    assert len(audit_rows(actor="officer.water", outcome="denied")) == 1, "the real one is audited"
    assert hub.tickets.find_by_reference(_it(hub), roads_reference.lower()) == roads
