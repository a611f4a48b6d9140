"""The permission matrix: every role against every service action, and every page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from replies_fixtures import add_ticket
from triage_fixtures import new_ticket

from hub.bootstrap import Hub
from hub.demo import DEMO_PASSWORD
from hub.errors import PermissionDenied
from hub.permissions import PAGES, RULES, Action, Actor, Role, pages_for
from hub.platforms.base import Platform
from hub.publishing.calendar import week_bounds
from hub.publishing.compose import DraftFields
from hub.publishing.models import UpdateKind
from hub.tickets.board import BoardFilters

WATER_OFFICER = Actor(username="officer.water", role=Role.OFFICER, department_code="WATER")


def water_launch_draft(hub: Hub) -> int:
    """A launch drafted by the water officer, for the override call."""
    draft = DraftFields(kind=UpdateKind.LAUNCH, title="Matrix launch")
    return hub.updates.create_draft(WATER_OFFICER, draft).id


# One real service call per action; a new Action without a call here fails
# test_every_action_has_a_service_call.
ACTION_CALLS: dict[Action, Callable[[Hub, Actor], object]] = {
    Action.VIEW_HOME: lambda hub, actor: hub.home.summary(actor),
    Action.CHANGE_OWN_PASSWORD: lambda hub, actor: hub.accounts.change_own_password(
        actor, DEMO_PASSWORD, DEMO_PASSWORD
    ),
    Action.CHANGE_OWN_LANGUAGE: lambda hub, actor: hub.accounts.set_own_language(actor, "bn"),
    Action.VIEW_DEPARTMENTS: lambda hub, actor: hub.departments.list_departments(actor),
    Action.VIEW_DEPARTMENT_DETAIL: lambda hub, actor: hub.departments.get(
        actor, actor.department_code or "WATER"
    ),
    Action.MANAGE_DEPARTMENTS: lambda hub, actor: hub.departments.update(
        actor, "PARKS", controlling_officer="Director (Parks & Squares)"
    ),
    Action.VIEW_USERS: lambda hub, actor: hub.accounts.list_users(actor),
    Action.MANAGE_USERS: lambda hub, actor: hub.accounts.create_user(
        actor, username="matrix.user", display_name="M", role="it", password="matrix-password"
    ),
    Action.VIEW_AUDIT: lambda hub, actor: hub.audit.browse(actor),
    Action.VIEW_PLATFORMS: lambda hub, actor: hub.platforms.check(actor),
    Action.USE_SANDBOX: lambda hub, actor: hub.trainer.page_posts(actor),
    Action.SUBMIT_UPDATE: lambda hub, actor: hub.updates.create_draft(
        actor, DraftFields(title="Matrix")
    ),
    Action.VIEW_UPDATES: lambda hub, actor: hub.updates.list_for_department(
        actor, actor.department_code or "WATER"
    ),
    Action.REVIEW_UPDATE: lambda hub, actor: hub.review.queue(actor),
    Action.OVERRIDE_LAUNCH_RULE: lambda hub, actor: hub.review.override_launch_rule(
        actor, water_launch_draft(hub), "the minister's visit was fixed this morning"
    ),
    Action.MANAGE_SCHEDULE: lambda hub, actor: hub.schedule.calendar(
        actor, *week_bounds(date.today(), hub.settings.display_zone)
    ),
    Action.RECONNECT_ACCOUNT: lambda hub, actor: hub.publisher.resume_account(actor, Platform.X),
    # Triage: a fresh WATER ticket per call (the water officer is the matrix's officer).
    Action.VIEW_TICKETS: lambda hub, actor: hub.board.page(actor, BoardFilters()),
    Action.HANDLE_TICKET: lambda hub, actor: hub.tickets.add_note(
        actor, new_ticket(hub, author="matrix-a"), "matrix note"
    ),
    Action.REASSIGN_TICKET: lambda hub, actor: hub.tickets.reassign(
        actor, new_ticket(hub, author="matrix-b"), "ROADS", "a pothole, not a pipe"
    ),
    Action.MODERATE_TICKET: lambda hub, actor: hub.tickets.merge(
        actor, new_ticket(hub, author="matrix-c"), new_ticket(hub, author="matrix-d")
    ),
    Action.VIEW_ESCALATIONS: lambda hub, actor: hub.tickets.escalations(actor),
    Action.ANSWER_TICKET: lambda hub, actor: hub.replies.answer(
        actor, add_ticket(hub, department_code="WATER"), "We are on it"
    ),
    Action.MANAGE_TEMPLATES: lambda hub, actor: hub.templates.create(
        actor, name="Matrix", language="en", body="Noted: {reference}"
    ),
    Action.VIEW_PHONE_NUMBER: lambda hub, actor: hub.tickets.phone_number(
        actor, add_ticket(hub, platform=Platform.WHATSAPP, department_code="WATER")
    ),
    Action.MANAGE_OPEN311_CLIENTS: lambda hub, actor: hub.open311_clients.issue(actor, "App"),
    Action.MANAGE_SUBSCRIBERS: lambda hub, actor: hub.subscriptions.subscribers(actor),
}

EXPECTED_ROLES: dict[Action, set[Role]] = {
    Action.VIEW_HOME: set(Role),
    Action.CHANGE_OWN_PASSWORD: set(Role),
    Action.CHANGE_OWN_LANGUAGE: set(Role),
    Action.VIEW_DEPARTMENTS: set(Role),
    Action.VIEW_DEPARTMENT_DETAIL: set(Role),
    Action.MANAGE_DEPARTMENTS: {Role.ADMIN},
    Action.VIEW_USERS: {Role.ADMIN},
    Action.MANAGE_USERS: {Role.ADMIN},
    Action.VIEW_AUDIT: {Role.ADMIN},
    Action.VIEW_PLATFORMS: {Role.IT, Role.ADMIN},
    Action.USE_SANDBOX: {Role.ADMIN},
    Action.SUBMIT_UPDATE: {Role.OFFICER},
    Action.VIEW_UPDATES: set(Role),
    Action.REVIEW_UPDATE: {Role.IT},
    Action.OVERRIDE_LAUNCH_RULE: {Role.IT},
    Action.MANAGE_SCHEDULE: {Role.IT},
    Action.RECONNECT_ACCOUNT: {Role.IT, Role.ADMIN},
    Action.VIEW_TICKETS: {Role.OFFICER, Role.IT, Role.COMMISSIONER},
    Action.HANDLE_TICKET: {Role.OFFICER, Role.IT},
    Action.REASSIGN_TICKET: {Role.OFFICER, Role.IT},
    Action.MODERATE_TICKET: {Role.IT},
    Action.VIEW_ESCALATIONS: {Role.COMMISSIONER, Role.IT},
    Action.ANSWER_TICKET: {Role.OFFICER, Role.IT},
    Action.MANAGE_TEMPLATES: {Role.IT, Role.ADMIN},
    Action.VIEW_PHONE_NUMBER: {Role.IT},
    Action.MANAGE_OPEN311_CLIENTS: {Role.ADMIN},
    Action.MANAGE_SUBSCRIBERS: {Role.IT, Role.ADMIN},
}


def test_every_action_has_a_service_call_and_an_expectation():
    assert set(ACTION_CALLS) == set(Action) == set(EXPECTED_ROLES) == set(RULES)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_role_against_action(installed_hub, actor_of_role, audit_rows, role, action):
    hub = installed_hub
    actor = actor_of_role[role]
    if role in EXPECTED_ROLES[action]:
        ACTION_CALLS[action](hub, actor)
        assert not audit_rows(actor=actor.username, action=str(action), outcome="denied")
    else:
        with pytest.raises(PermissionDenied, match="Not allowed"):
            ACTION_CALLS[action](hub, actor)
        denied = audit_rows(actor=actor.username, action=str(action), outcome="denied")
        assert len(denied) == 1


def test_an_officer_cannot_read_another_departments_record(hub, actors, audit_rows):
    officer = actors["officer.water"]
    assert hub.departments.get(officer, "WATER").code == "WATER"
    with pytest.raises(PermissionDenied, match="only for your own department"):
        hub.departments.get(officer, "ROADS")
    assert audit_rows(actor="officer.water", outcome="denied")[-1][3] == "ROADS"


def test_menus_follow_the_rule_table():
    keys = {role: [p.key for p in pages_for(role)] for role in Role}
    assert keys[Role.ADMIN] == [
        "home",
        "notices",
        "subscribers",
        "departments",
        "users",
        "audit",
        "platforms",
        "templates",
        "open311",
        "sandbox",
        "account",
    ]
    assert keys[Role.IT] == [
        "home",
        "review",
        "calendar",
        "notices",
        "subscribers",
        "board",
        "ticket",
        "escalations",
        "dashboard",
        "map",
        "departments",
        "platforms",
        "templates",
        "account",
    ]
    assert keys[Role.OFFICER] == [
        "home",
        "compose",
        "my_updates",
        "notices",
        "board",
        "ticket",
        "dashboard",
        "map",
        "departments",
        "account",
    ]
    assert keys[Role.COMMISSIONER] == [
        "home",
        "notices",
        "board",
        "ticket",
        "escalations",
        "dashboard",
        "map",
        "departments",
        "account",
    ]
    assert len({p.key for p in PAGES}) == len(PAGES), "a page is listed twice"
