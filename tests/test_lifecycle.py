"""The ticket lifecycle table, and that the service, triage, replies and the page read it."""

from __future__ import annotations

import pytest
from triage_fixtures import new_ticket, set_ticket

from hub.errors import InvalidInput
from hub.tickets import lifecycle


def test_every_transition_goes_between_known_statuses():
    for step in lifecycle.TRANSITIONS.values():
        assert set(step.from_statuses) <= set(lifecycle.STATUSES), step.name
        assert step.to_status in lifecycle.STATUSES, step.name
        assert step.to_status not in step.from_statuses or step.name.startswith("reopen")


def test_a_reply_moves_a_ticket_forward_only():
    assert lifecycle.after_reply("acknowledgement", "new") == "acknowledged"
    assert lifecycle.after_reply("acknowledgement", "in_progress") == "in_progress"
    assert lifecycle.after_reply("answer", "acknowledged") == "in_progress"
    assert lifecycle.after_reply("answer", "resolved") == "resolved"
    assert lifecycle.after_reply("answer", "closed") == "closed"


def test_the_page_is_offered_what_the_table_allows(hub, actors):
    ticket_id = new_ticket(hub)
    officer = actors["officer.water"]
    ticket = hub.tickets.get(officer, ticket_id).ticket
    offered = {step.name: enabled for step, enabled in hub.tickets.status_choices(officer, ticket)}
    assert offered == {
        "acknowledge": True,
        "start": True,
        "resolve": True,
        "close": False,
        "reopen": False,
    }
    hub.tickets.apply(officer, ticket_id, "resolve", "valve repaired")
    resolved = hub.tickets.get(officer, ticket_id).ticket
    offered = {s.name: on for s, on in hub.tickets.status_choices(officer, resolved)}
    assert [name for name, on in offered.items() if on] == ["close", "reopen"]


def test_nothing_is_offered_outside_the_department_or_on_a_merged_ticket(hub, actors):
    ticket_id = new_ticket(hub)
    ticket = hub.tickets.get(actors["it.team"], ticket_id).ticket
    assert hub.tickets.status_choices(actors["officer.roads"], ticket) == []
    assert hub.tickets.status_choices(actors["commissioner"], ticket) == []
    set_ticket(hub, ticket_id, hidden=True)
    hidden = hub.tickets.get(actors["it.team"], ticket_id).ticket
    assert hub.tickets.status_choices(actors["it.team"], hidden) == []


def test_only_a_persons_transitions_can_be_applied_by_name(hub, actors):
    ticket_id = new_ticket(hub)
    for name in ("answered_by_reply", "reopen_by_follow_up", "delete"):
        with pytest.raises(InvalidInput, match="not a status change a person can make"):
            hub.tickets.apply(actors["officer.water"], ticket_id, name)
