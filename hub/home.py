"""The figures each role's home page shows, counted in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.departments import DepartmentService
from hub.i18n import N_
from hub.permissions import Action, Actor, Role, is_allowed
from hub.store import Store
from hub.tickets.board import BoardFilters, BoardService
from hub.tickets.lifecycle import OPEN_STATUSES


@dataclass(frozen=True)
class Figure:
    """One number on a home page."""

    label: str
    value: int | str
    help: str = ""


@dataclass(frozen=True)
class HomeSummary:
    """A greeting line and the figures for one actor."""

    heading: str
    figures: tuple[Figure, ...]
    # Set when the heading is a catalogue string with a {name} in it (the greeting).
    greeting_name: str | None = None


class HomeService:
    """Counts for the home page of each role."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        departments: DepartmentService,
        board: BoardService,
    ) -> None:
        self._store = store
        self._audit = audit
        self._departments = departments
        self._board = board

    def _ticket_figures(self, actor: Actor) -> tuple[Figure, ...]:
        """Open tickets and how close they are to their targets (the 75 % reminder)."""
        if not is_allowed(actor, Action.VIEW_TICKETS, actor.department_code):
            return ()

        def count(**filters: object) -> int:
            wanted = BoardFilters(statuses=OPEN_STATUSES, **filters)
            return self._board.page(actor, wanted, page=1, page_size=1).total

        return (
            Figure(N_("Open tickets"), count()),
            Figure(
                N_("Near their target (75 %+)"),
                count(target_state="due_soon"),
                N_("answer these first: see the Triage board"),
            ),
            Figure(N_("Past their target"), count(target_state="breached")),
        )

    def summary(self, actor: Actor) -> HomeSummary:
        """The figures `actor` may see, fresh from the store."""
        self._audit.authorize(actor, Action.VIEW_HOME)
        day_ago = utc_now() - timedelta(hours=24)
        with self._store.cursor() as cur:
            if actor.role is Role.OFFICER:
                department = self._departments.get(actor, actor.department_code or "")
                colleagues = cur.execute(
                    "SELECT count(*) FROM users WHERE department_code = ? AND active",
                    [department.code],
                ).fetchone()[0]
                actions = cur.execute(
                    "SELECT count(*) FROM audit_log WHERE department_code = ? AND occurred_at >= ?",
                    [department.code, day_ago],
                ).fetchone()[0]
                return HomeSummary(
                    f"{department.name_en} · {department.name_bn}",
                    (
                        Figure(N_("Officers in the department"), colleagues),
                        Figure(
                            N_("First-response target, hours"),
                            department.first_response_target_hours,
                            N_("from departments.csv"),
                        ),
                        Figure(N_("Resolution target, hours"), department.resolution_target_hours),
                        Figure(
                            N_("Department actions, last 24 h"), actions, N_("from the audit log")
                        ),
                        *self._ticket_figures(actor),
                    ),
                )
            departments = cur.execute("SELECT count(*) FROM departments WHERE active").fetchone()[0]
            users = cur.execute("SELECT count(*) FROM users WHERE active").fetchone()[0]
            officers = cur.execute(
                "SELECT count(DISTINCT department_code) FROM users"
                " WHERE role = 'officer' AND active"
            ).fetchone()[0]
            failed, denied, events = cur.execute(
                "SELECT count(*) FILTER (WHERE action = 'login' AND outcome = 'failed'),"
                " count(*) FILTER (WHERE outcome = 'denied'), count(*)"
                " FROM audit_log WHERE occurred_at >= ?",
                [day_ago],
            ).fetchone()
        figures = [
            Figure(N_("Departments"), departments),
            Figure(N_("Departments with an officer account"), officers),
            Figure(N_("Active users"), users),
        ]
        if actor.role in (Role.IT, Role.ADMIN):
            figures += [
                Figure(N_("Failed logins, last 24 h"), failed),
                Figure(N_("Denied actions, last 24 h"), denied),
            ]
        if actor.role is Role.ADMIN:
            figures.append(Figure(N_("Audit events, last 24 h"), events))
        figures += self._ticket_figures(actor)
        return HomeSummary(N_("Welcome, {name}"), tuple(figures), greeting_name=actor.label)
