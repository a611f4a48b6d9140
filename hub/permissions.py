"""Roles, actions and the one rule table every service checks before it acts.

Menus only hide what a role cannot use; the services are where a refusal happens, so a
page reached by URL, a CLI call or an HTTP route meets the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.i18n import N_


class Role(StrEnum):
    """What a person does in the hub."""

    OFFICER = "officer"
    IT = "it"
    COMMISSIONER = "commissioner"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role as the UI names it."""
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.OFFICER: N_("Controlling officer"),
    Role.IT: N_("IT team"),
    Role.COMMISSIONER: N_("Commissioner"),
    Role.ADMIN: N_("Administrator"),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in person, the CLI, or a background job."""

    username: str
    role: Role
    department_code: str | None = None
    user_id: int | None = None
    display_name: str = ""
    # The language the person reads the UI in (hub.i18n.LANGUAGES).
    language: str = "en"

    @property
    def label(self) -> str:
        """A short name for the UI and the audit log."""
        return self.display_name or self.username


class Action(StrEnum):
    """Every service action that needs permission."""

    VIEW_HOME = "view_home"
    CHANGE_OWN_PASSWORD = "change_own_password"
    CHANGE_OWN_LANGUAGE = "change_own_language"
    VIEW_DEPARTMENTS = "view_departments"
    VIEW_DEPARTMENT_DETAIL = "view_department_detail"
    MANAGE_DEPARTMENTS = "manage_departments"
    VIEW_USERS = "view_users"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_PLATFORMS = "view_platforms"
    USE_SANDBOX = "use_sandbox"
    SUBMIT_UPDATE = "submit_update"
    VIEW_UPDATES = "view_updates"
    REVIEW_UPDATE = "review_update"
    OVERRIDE_LAUNCH_RULE = "override_launch_rule"
    MANAGE_SCHEDULE = "manage_schedule"
    RECONNECT_ACCOUNT = "reconnect_account"
    VIEW_TICKETS = "view_tickets"
    HANDLE_TICKET = "handle_ticket"
    REASSIGN_TICKET = "reassign_ticket"
    MODERATE_TICKET = "moderate_ticket"
    VIEW_ESCALATIONS = "view_escalations"
    ANSWER_TICKET = "answer_ticket"
    MANAGE_TEMPLATES = "manage_templates"
    VIEW_PHONE_NUMBER = "view_phone_number"
    MANAGE_OPEN311_CLIENTS = "manage_open311_clients"
    MANAGE_SUBSCRIBERS = "manage_subscribers"


@dataclass(frozen=True)
class Rule:
    """Which roles may do an action; `department_scoped` limits officers to their own."""

    roles: frozenset[Role]
    department_scoped: bool = False


ALL_ROLES = frozenset(Role)

RULES: dict[Action, Rule] = {
    Action.VIEW_HOME: Rule(ALL_ROLES),
    Action.CHANGE_OWN_PASSWORD: Rule(ALL_ROLES),
    Action.CHANGE_OWN_LANGUAGE: Rule(ALL_ROLES),
    Action.VIEW_DEPARTMENTS: Rule(ALL_ROLES),
    Action.VIEW_DEPARTMENT_DETAIL: Rule(ALL_ROLES, department_scoped=True),
    Action.MANAGE_DEPARTMENTS: Rule(frozenset({Role.ADMIN})),
    Action.VIEW_USERS: Rule(frozenset({Role.ADMIN})),
    Action.MANAGE_USERS: Rule(frozenset({Role.ADMIN})),
    Action.VIEW_AUDIT: Rule(frozenset({Role.ADMIN})),
    Action.VIEW_PLATFORMS: Rule(frozenset({Role.IT, Role.ADMIN})),
    Action.USE_SANDBOX: Rule(frozenset({Role.ADMIN})),
    # Officers write their own department's updates; IT reviews, schedules and publishes.
    Action.SUBMIT_UPDATE: Rule(frozenset({Role.OFFICER}), department_scoped=True),
    Action.VIEW_UPDATES: Rule(ALL_ROLES, department_scoped=True),
    Action.REVIEW_UPDATE: Rule(frozenset({Role.IT})),
    Action.OVERRIDE_LAUNCH_RULE: Rule(frozenset({Role.IT})),
    Action.MANAGE_SCHEDULE: Rule(frozenset({Role.IT})),
    Action.RECONNECT_ACCOUNT: Rule(frozenset({Role.IT, Role.ADMIN})),
    # Triage: officers work their own department's tickets; IT sees and moderates all.
    Action.VIEW_TICKETS: Rule(
        frozenset({Role.OFFICER, Role.IT, Role.COMMISSIONER}), department_scoped=True
    ),
    Action.HANDLE_TICKET: Rule(frozenset({Role.OFFICER, Role.IT}), department_scoped=True),
    Action.REASSIGN_TICKET: Rule(frozenset({Role.OFFICER, Role.IT}), department_scoped=True),
    Action.MODERATE_TICKET: Rule(frozenset({Role.IT})),
    Action.VIEW_ESCALATIONS: Rule(frozenset({Role.COMMISSIONER, Role.IT})),
    Action.ANSWER_TICKET: Rule(frozenset({Role.OFFICER, Role.IT}), department_scoped=True),
    Action.MANAGE_TEMPLATES: Rule(frozenset({Role.IT, Role.ADMIN})),
    # A citizen's whole phone number (WhatsApp): IT, who run the desk and call back in an
    # emergency; everyone else sees its last four digits.
    Action.VIEW_PHONE_NUMBER: Rule(frozenset({Role.IT})),
    # Keys for the applications that file reports through Open311.
    Action.MANAGE_OPEN311_CLIENTS: Rule(frozenset({Role.ADMIN})),
    # Notices' subscribers: IT adds named recipients (with their consent) and sees the list.
    Action.MANAGE_SUBSCRIBERS: Rule(frozenset({Role.IT, Role.ADMIN})),
}


def is_allowed(actor: Actor, action: Action, department_code: str | None = None) -> bool:
    """Whether the rule table lets `actor` do `action` (on `department_code`, if scoped)."""
    rule = RULES[action]
    if actor.role not in rule.roles:
        return False
    if rule.department_scoped and actor.role is Role.OFFICER:
        return department_code is not None and department_code == actor.department_code
    return True


def own_department_only(actor: Actor, action: Action) -> str | None:
    """The one department `actor` may do `action` for, or None when not held to one.

    Pages use it to fix their department filter instead of checking roles themselves.
    """
    rule = RULES[action]
    if rule.department_scoped and actor.role is Role.OFFICER:
        return actor.department_code
    return None


@dataclass(frozen=True)
class PageSpec:
    """A page of the app and the action that opening it needs."""

    key: str
    title: str
    script: str
    icon: str
    action: Action


# The app's pages, in menu order. The app builds each role's menu from this table, and the
# page's own service call checks the same action again.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", N_("Home"), "pages/home.py", ":material/home:", Action.VIEW_HOME),
    # Publishing: officers write, IT reviews and schedules.
    PageSpec(
        "compose", N_("New update"), "pages/compose.py", ":material/edit:", Action.SUBMIT_UPDATE
    ),
    PageSpec(
        "my_updates",
        N_("My updates"),
        "pages/my_updates.py",
        ":material/list_alt:",
        Action.SUBMIT_UPDATE,
    ),
    PageSpec(
        "review",
        N_("Review queue"),
        "pages/review.py",
        ":material/fact_check:",
        Action.REVIEW_UPDATE,
    ),
    PageSpec(
        "calendar",
        N_("Calendar"),
        "pages/calendar.py",
        ":material/calendar_month:",
        Action.MANAGE_SCHEDULE,
    ),
    # Notices to subscribers: officers write, IT reviews, everyone follows them going out.
    PageSpec(
        "notices", N_("Notices"), "pages/notices.py", ":material/campaign:", Action.VIEW_UPDATES
    ),
    PageSpec(
        "subscribers",
        N_("Subscribers"),
        "pages/subscribers.py",
        ":material/group_add:",
        Action.MANAGE_SUBSCRIBERS,
    ),
    # Triage: the board, one ticket, and the commissioner's escalations.
    PageSpec(
        "board", N_("Triage board"), "pages/board.py", ":material/view_kanban:", Action.VIEW_TICKETS
    ),
    PageSpec(
        "ticket",
        N_("Ticket"),
        "pages/ticket.py",
        ":material/confirmation_number:",
        Action.VIEW_TICKETS,
    ),
    PageSpec(
        "escalations",
        N_("Escalations"),
        "pages/escalations.py",
        ":material/priority_high:",
        Action.VIEW_ESCALATIONS,
    ),
    # The commissioner's figures (IT too; an officer sees their own department).
    PageSpec(
        "dashboard",
        N_("Dashboard"),
        "pages/dashboard.py",
        ":material/monitoring:",
        Action.VIEW_TICKETS,
    ),
    # The city map: the same figures by ward, and where reports and works are.
    PageSpec("map", N_("City map"), "pages/map.py", ":material/map:", Action.VIEW_TICKETS),
    PageSpec(
        "departments",
        N_("Departments"),
        "pages/departments.py",
        ":material/apartment:",
        Action.VIEW_DEPARTMENTS,
    ),
    PageSpec("users", N_("Users"), "pages/users.py", ":material/group:", Action.MANAGE_USERS),
    PageSpec("audit", N_("Audit log"), "pages/audit.py", ":material/history:", Action.VIEW_AUDIT),
    PageSpec(
        "platforms",
        N_("Platform accounts"),
        "pages/platforms.py",
        ":material/hub:",
        Action.VIEW_PLATFORMS,
    ),
    # Answering: the reply templates officers pick from on a ticket (IT and admins manage).
    PageSpec(
        "templates",
        N_("Reply templates"),
        "pages/templates.py",
        ":material/quick_phrases:",
        Action.MANAGE_TEMPLATES,
    ),
    PageSpec(
        "open311",
        N_("Open311 keys"),
        "pages/open311.py",
        ":material/key:",
        Action.MANAGE_OPEN311_CLIENTS,
    ),
    PageSpec(
        "sandbox", N_("Sandbox"), "pages/sandbox.py", ":material/science:", Action.USE_SANDBOX
    ),
    PageSpec(
        "account",
        N_("My account"),
        "pages/account.py",
        ":material/person:",
        Action.CHANGE_OWN_PASSWORD,
    ),
)


def pages_for(role: Role) -> list[PageSpec]:
    """The pages a role's menu shows."""
    return [page for page in PAGES if role in RULES[page.action].roles]
