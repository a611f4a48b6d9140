"""The append-only audit log: who did what, when, to what, with before and after.

Rows are only ever inserted. A change writes its audit row on the same cursor, inside the
same transaction, so a change without its audit row (or the reverse) cannot be committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from hub.clock import utc_now
from hub.errors import PermissionDenied
from hub.i18n import N_
from hub.permissions import Action, Actor, is_allowed
from hub.store import Store

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: datetime
    actor: str
    actor_role: str | None
    action: str
    outcome: str
    target_type: str | None
    target_id: str | None
    department_code: str | None
    before: Any
    after: Any
    detail: str | None


@dataclass(frozen=True)
class AuditPage:
    """A page of audit entries and the count of all that match the filter."""

    entries: list[AuditEntry]
    total: int


class AuditLog:
    """Writes audit rows and answers filtered, paged reads."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def record(
        self,
        cur: duckdb.DuckDBPyConnection,
        *,
        actor: Actor | None,
        action: str,
        outcome: str = "ok",
        target_type: str | None = None,
        target_id: str | None = None,
        department_code: str | None = None,
        before: Any = None,
        after: Any = None,
        detail: str | None = None,
        actor_name: str | None = None,
    ) -> None:
        """Insert one audit row on `cur` (inside the caller's transaction)."""
        cur.execute(
            "INSERT INTO audit_log (occurred_at, actor, actor_role, action, outcome, target_type,"
            " target_id, department_code, before, after, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                utc_now(),
                actor_name or (actor.username if actor else ANONYMOUS),
                str(actor.role) if actor else None,
                action,
                outcome,
                target_type,
                target_id,
                department_code,
                _as_json(before),
                _as_json(after),
                detail,
            ],
        )

    def record_many(self, cur: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
        """Insert many audit rows on `cur` in one statement; each row has `record`'s keyword
        arguments (a background sender's, so `actor` is None and `actor_name` says who)."""
        if not rows:
            return
        columns = {
            "actor": [row.get("actor_name") or ANONYMOUS for row in rows],
            "action": [row["action"] for row in rows],
            "outcome": [row.get("outcome", "ok") for row in rows],
            "target_type": [row.get("target_type") for row in rows],
            "target_id": [row.get("target_id") for row in rows],
            "department_code": [row.get("department_code") for row in rows],
            "before": [_as_json(row.get("before")) for row in rows],
            "after": [_as_json(row.get("after")) for row in rows],
            "detail": [row.get("detail") for row in rows],
        }
        cur.execute(
            "INSERT INTO audit_log (occurred_at, actor, actor_role, action, outcome, target_type,"
            " target_id, department_code, before, after, detail)"
            " SELECT $now, unnest($actor), NULL, unnest($action), unnest($outcome),"
            " unnest($target_type::VARCHAR[]), unnest($target_id::VARCHAR[]),"
            " unnest($department_code::VARCHAR[]), unnest($before::VARCHAR[]),"
            " unnest($after::VARCHAR[]), unnest($detail::VARCHAR[])",
            {"now": utc_now(), **columns},
        )

    def record_now(self, **fields: Any) -> None:
        """Insert one audit row in a transaction of its own (logins, denials)."""
        with self._store.transaction() as cur:
            self.record(cur, **fields)

    def authorize(
        self, actor: Actor, action: Action, department_code: str | None = None, target: str = ""
    ) -> None:
        """Raise `PermissionDenied` (and audit the denial) unless `actor` may do `action`."""
        if is_allowed(actor, action, department_code):
            return
        self.record_now(
            actor=actor,
            action=str(action),
            outcome="denied",
            target_type="department" if department_code else None,
            target_id=department_code or target or None,
            department_code=department_code,
        )
        message, values = _denial_message(actor, action, department_code)
        raise PermissionDenied(message, **values)

    def browse(
        self,
        actor: Actor,
        *,
        actor_filter: str = "",
        action_filter: str = "",
        outcome: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AuditPage:
        """Newest first, filtered and paged in SQL (admins only)."""
        self.authorize(actor, Action.VIEW_AUDIT)
        where, params = ["TRUE"], []
        if actor_filter:
            where.append("actor ILIKE ?")
            params.append(f"%{actor_filter}%")
        if action_filter:
            where.append("action = ?")
            params.append(action_filter)
        if outcome:
            where.append("outcome = ?")
            params.append(outcome)
        if since:
            where.append("occurred_at >= ?")
            params.append(since)
        if until:
            where.append("occurred_at < ?")
            params.append(until)
        clause = " AND ".join(where)
        with self._store.cursor() as cur:
            total = cur.execute(f"SELECT count(*) FROM audit_log WHERE {clause}", params).fetchone()
            rows = cur.execute(
                "SELECT id, occurred_at, actor, actor_role, action, outcome, target_type,"
                " target_id,"
                " department_code, before, after, detail"
                f" FROM audit_log WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return AuditPage([_entry(row) for row in rows], int(total[0]))

    def actions(self, actor: Actor) -> list[str]:
        """The distinct actions present, for a filter list (admins only)."""
        self.authorize(actor, Action.VIEW_AUDIT)
        with self._store.cursor() as cur:
            rows = cur.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1").fetchall()
        return [r[0] for r in rows]


def _denial_message(
    actor: Actor, action: Action, department_code: str | None
) -> tuple[str, dict[str, object]]:
    """The catalogue template of a denial and its values."""
    what = str(action).replace("_", " ")
    if department_code and actor.department_code and department_code != actor.department_code:
        template = N_(
            "Not allowed: you can {what} only for your own department ({own}), not {department}."
        )
        return template, {"what": what, "own": actor.department_code, "department": department_code}
    template = N_("Not allowed: the {role} role cannot {what}. Ask an administrator.")
    return template, {"role": actor.role.label, "what": what}


def _as_json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _entry(row: tuple) -> AuditEntry:
    before = json.loads(row[9]) if row[9] else None
    after = json.loads(row[10]) if row[10] else None
    return AuditEntry(*row[:9], before, after, row[11])
