"""The triage board: tickets filtered, sorted by how close each is to its target, paged in SQL.

Everything happens in DuckDB (`fetch_rows`): a ``count(*)``, then the page's tickets filtered
on the tickets' own columns, the response target computed in SQL from the department's hours,
``ORDER BY minutes_left`` and ``LIMIT/OFFSET``, then the citizens' texts of those rows only.
No page ever loads the table into pandas; at a million tickets every page, the last one
included, takes well under 300 ms (``python -m benchmarks.run --only board``).

How the target clock works (shared with `TicketService.check_targets` and the ticket view):

- until the city's first public reply (``first_response_at``) the first-response target runs
  from ``opened_at`` (the citizen's interaction time);
- after it, the resolution target runs from ``opened_at``, or from ``last_reopened_at`` for a
  reopened ticket, which gets a fresh resolution target from the moment it reopened;
- the IT team's queue (no department) uses `IT_QUEUE_TARGET_HOURS`;
- resolved and closed tickets have no clock (``minutes_left`` NULL, state ``done``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.permissions import Action, Actor, Role
from hub.store import Store
from hub.text import nfc
from hub.tickets.lifecycle import STATUSES

# The board filter that selects the IT team's queue (tickets without a department).
IT_QUEUE = N_("IT queue")
TARGET_STATES = ("ok", "due_soon", "breached", "done")
# No department row exists for the IT team's queue: these are its (first response,
# resolution) targets, the same as the IT department's in the shipped departments.csv.
IT_QUEUE_TARGET_HOURS = (8, 72)
# A reminder goes out when this share of the target has passed.
REMINDER_SHARE = 0.75
# The board shows this many characters of a citizen's text; the ticket view shows it all.
BOARD_TEXT_CHARS = 300
MAX_PAGE_SIZE = 500

_OPEN_SQL = "t.status IN ('new', 'acknowledged', 'in_progress')"
_TARGET_START = (
    "(CASE WHEN t.first_response_at IS NULL THEN t.opened_at"
    " ELSE coalesce(t.last_reopened_at, t.opened_at) END)"
)
_TARGET_HOURS = (
    "(CASE WHEN t.first_response_at IS NULL"
    f" THEN coalesce(d.first_response_target_hours, {IT_QUEUE_TARGET_HOURS[0]})"
    f" ELSE coalesce(d.resolution_target_hours, {IT_QUEUE_TARGET_HOURS[1]}) END)"
)
DUE_AT_SQL = f"({_TARGET_START} + {_TARGET_HOURS} * INTERVAL 1 HOUR)"
# Seconds of the target already used, and the whole target, for the 75 % and 100 % marks.
ELAPSED_SECONDS_SQL = f"(epoch($now) - epoch({_TARGET_START}))"
TARGET_SECONDS_SQL = f"({_TARGET_HOURS} * 3600)"
MINUTES_LEFT_SQL = (
    f"(CASE WHEN {_OPEN_SQL} THEN CAST(floor((epoch({DUE_AT_SQL}) - epoch($now)) / 60) AS BIGINT)"
    " END)"
)
TARGET_STATE_SQL = (
    f"(CASE WHEN NOT ({_OPEN_SQL}) THEN 'done'"
    f" WHEN {ELAPSED_SECONDS_SQL} > {TARGET_SECONDS_SQL} THEN 'breached'"
    f" WHEN {ELAPSED_SECONDS_SQL} >= {REMINDER_SHARE} * {TARGET_SECONDS_SQL} THEN 'due_soon'"
    " ELSE 'ok' END)"
)
# Tickets with their interaction and their department's targets; `t`, `i` and `d`.
TICKETS_FROM_SQL = (
    " FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
    " LEFT JOIN departments d ON d.code = t.department_code"
)
# The same without the interaction: filtering and ordering need only the ticket and its
# department, and reading a million citizens' texts to keep fifty of them cost most of a page.
_TICKETS_ONLY_FROM_SQL = " FROM tickets t LEFT JOIN departments d ON d.code = t.department_code"
# Every board column but the interaction's (text, author), which are read for the page only.
_KEY_COLUMNS = (
    "t.id, t.reference, t.platform, t.department_code, t.status, t.ward, t.category, t.urgent,"
    f" t.opened_at, t.interaction_id, {MINUTES_LEFT_SQL} AS minutes_left,"
    f" {TARGET_STATE_SQL} AS target_state,"
    " t.escalated_at IS NOT NULL AS escalated, t.escalation_reason, t.hidden"
)
_PAGE_TEXT_SQL = (
    f"SELECT id, CASE WHEN length(text) > {BOARD_TEXT_CHARS}"
    f" THEN left(text, {BOARD_TEXT_CHARS}) || '…' ELSE text END, author_name"
    " FROM interactions WHERE id IN ({ids})"
)
# A condition on the interaction (`i.`), e.g. the text search.
_NAMES_INTERACTION = re.compile(r"\bi\.")


@dataclass(frozen=True)
class BoardFilters:
    """What the board shows. ``department`` None: everything the actor may see."""

    department: str | None = None
    statuses: tuple[str, ...] = ()
    platform: str | None = None
    ward: int | None = None
    category: str | None = None
    urgent: bool | None = None
    min_age_hours: float | None = None
    max_age_hours: float | None = None
    target_state: str | None = None
    search: str = ""
    include_hidden: bool = False


@dataclass(frozen=True)
class BoardRow:
    """One ticket as the board lists it; ``text`` is the citizen's, cut to 300 characters."""

    id: int
    reference: str
    platform: str
    department_code: str | None
    status: str
    ward: int | None
    category: str
    urgent: bool
    opened_at: datetime
    text: str
    author_name: str
    minutes_left: int | None
    target_state: str
    escalated: bool
    escalation_reason: str | None
    hidden: bool


@dataclass(frozen=True)
class BoardPage:
    """One page of the board and how many tickets match in all."""

    rows: list[BoardRow]
    total: int
    page: int
    pages: int


def fetch_rows(
    cur: Any,
    where: list[str],
    params: dict[str, Any],
    *,
    order_by: str,
    limit: int,
    offset: int,
) -> tuple[list[BoardRow], int]:
    """Board rows matching ``where`` (on `t`, `i`, `d`, target columns outside), and the count.

    ``params`` must hold ``now``. Conditions naming ``target_state`` or ``minutes_left`` are
    applied to the computed columns; the others go to the inner query so DuckDB can use
    the indexes and zone maps of `tickets` first. ``order_by`` names board columns (not
    ``text`` or ``author_name``) and should end with ``id`` so the order is total.

    Three steps: the count; the page's tickets, filtered and ordered without the
    interactions unless a condition names them (`i.`); then the text and author of those
    tickets' interactions only. Every ticket has its interaction (tickets are only made from
    one, and interactions are never deleted), so leaving the join out changes nothing. Pages
    past the middle are read backwards (a top-N of the rows left, not a sort of all), and a
    condition that reads the interactions (the search) gets count and page in one pass.
    """
    inner = [c for c in where if "target_state" not in c and "minutes_left" not in c]
    outer = [c for c in where if c not in inner] or ["TRUE"]
    inner_sql = " AND ".join(inner) or "TRUE"
    uses_interaction = any(_NAMES_INTERACTION.search(c) for c in inner)
    reads_texts = uses_interaction or any("interactions" in c for c in inner)
    from_sql = TICKETS_FROM_SQL if uses_interaction else _TICKETS_ONLY_FROM_SQL
    base = f"SELECT {_KEY_COLUMNS}{from_sql} WHERE {inner_sql}"
    outer_sql = " AND ".join(outer)
    page_sql = f"SELECT * FROM ({base}) WHERE {outer_sql} ORDER BY {{order}} LIMIT $limit"
    if reads_texts:
        # Filtering on the citizens' texts reads a million of them: once, with the count
        # taken over the same matches, rather than once for the count and again for the page.
        keys = cur.execute(
            f"SELECT *, count(*) OVER () FROM ({base}) WHERE {outer_sql}"
            f" ORDER BY {order_by} LIMIT $limit OFFSET $offset",
            {**params, "limit": limit, "offset": offset},
        ).fetchall()
        if keys:
            total = int(keys[0][-1])
            keys = [key[:-1] for key in keys]
        else:
            total = _count(cur, from_sql, inner_sql, base, outer, params)
    else:
        total = _count(cur, from_sql, inner_sql, base, outer, params)
        keys = []
        if offset < total and _reversible(order_by) and offset + limit / 2 > total / 2:
            # Past the middle, the same rows counted from the end: the last
            # `total - offset` in reverse order, a top-N instead of sorting every match.
            keys = cur.execute(
                page_sql.format(order=_reversed_order(order_by)),
                {**params, "limit": total - offset},
            ).fetchall()[::-1][:limit]
        elif offset < total:
            keys = cur.execute(
                page_sql.format(order=order_by) + " OFFSET $offset",
                {**params, "limit": limit, "offset": offset},
            ).fetchall()
    texts: dict[int, tuple[str, str]] = {}
    if keys:
        # Ids come from the database as integers: safe to write into the statement.
        ids = ", ".join(str(int(key[9])) for key in keys)
        texts = {
            row[0]: (row[1], row[2])
            for row in cur.execute(_PAGE_TEXT_SQL.format(ids=ids)).fetchall()
        }
    rows = [BoardRow(*key[:9], *texts.get(key[9], ("", "")), *key[10:]) for key in keys]
    return rows, total


def _count(
    cur: Any, from_sql: str, inner_sql: str, base: str, outer: list[str], params: dict[str, Any]
) -> int:
    """How many tickets match (the target columns computed only when a condition needs them)."""
    if outer == ["TRUE"]:
        # `$now` would be an unused parameter here.
        count_params = {k: v for k, v in params.items() if k != "now"}
        return int(
            cur.execute(f"SELECT count(*){from_sql} WHERE {inner_sql}", count_params).fetchone()[0]
        )
    outer_sql = " AND ".join(outer)
    return int(
        cur.execute(f"SELECT count(*) FROM ({base}) WHERE {outer_sql}", params).fetchone()[0]
    )


def _reversible(order_by: str) -> bool:
    """Whether the order ends with the unique id, so reading it backwards gives the same rows."""
    return order_by.rsplit(",", 1)[-1].split()[0] == "id"


def _reversed_order(order_by: str) -> str:
    """``order_by`` read backwards: each direction and NULLS placement flipped.

    DuckDB's default is ASC NULLS LAST, whatever the direction; each term is spelt out.
    """
    terms = []
    for term in order_by.split(","):
        words = term.split()
        column, rest = words[0], [w.upper() for w in words[1:]]
        descending = "DESC" in rest
        nulls_first = rest[-2:] == ["NULLS", "FIRST"]
        terms.append(
            f"{column} {'ASC' if descending else 'DESC'} NULLS {'LAST' if nulls_first else 'FIRST'}"
        )
    return ", ".join(terms)


class BoardService:
    """The triage board's one query, with the actor's department forced for officers."""

    def __init__(self, store: Store, audit: AuditLog, settings: Settings, *, clock=utc_now):
        self._store = store
        self._audit = audit
        self._settings = settings
        self._clock = clock

    def page(
        self, actor: Actor, filters: BoardFilters, page: int = 1, page_size: int = 50
    ) -> BoardPage:
        """One page of tickets, closest to breaching their target first (urgent first on ties)."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidInput(
                N_("a page holds 1 to {most} tickets, not {size}"),
                most=MAX_PAGE_SIZE,
                size=page_size,
            )
        page = max(1, int(page))
        where, params = self._where(actor, filters)
        with self._store.cursor() as cur:
            rows, total = fetch_rows(
                cur,
                where,
                params,
                order_by="minutes_left ASC NULLS LAST, urgent DESC, opened_at, id",
                limit=page_size,
                offset=(page - 1) * page_size,
            )
        return BoardPage(rows, total, page, max(1, math.ceil(total / page_size)))

    def _where(self, actor: Actor, filters: BoardFilters) -> tuple[list[str], dict[str, Any]]:
        now = self._clock()
        params: dict[str, Any] = {"now": now}
        where: list[str] = []
        department = filters.department
        if actor.role is Role.OFFICER and department is None:
            # Officers see their own department only, whatever the page asked for.
            department = actor.department_code
        if department == IT_QUEUE:
            # The IT queue has no department: an officer asking for it is refused.
            self._audit.authorize(actor, Action.VIEW_TICKETS, None, target=IT_QUEUE)
            where.append("t.department_code IS NULL")
        else:
            # None (IT and the commissioner: everything) passes; officers have their own.
            self._audit.authorize(actor, Action.VIEW_TICKETS, department)
        if department not in (None, IT_QUEUE):
            where.append("t.department_code = $department")
            params["department"] = department
        if filters.statuses:
            unknown = set(filters.statuses) - set(STATUSES)
            if unknown:
                raise InvalidInput(N_("unknown status {status!r}"), status=sorted(unknown)[0])
            where.append("list_contains($statuses, t.status)")
            params["statuses"] = list(filters.statuses)
        for column in ("platform", "category", "ward", "urgent"):
            value = getattr(filters, column)
            if value is not None and value != "":
                where.append(f"t.{column} = ${column}")
                params[column] = value
        if filters.min_age_hours is not None:
            where.append("t.opened_at <= $opened_before")
            params["opened_before"] = now - timedelta(hours=filters.min_age_hours)
        if filters.max_age_hours is not None:
            where.append("t.opened_at >= $opened_after")
            params["opened_after"] = now - timedelta(hours=filters.max_age_hours)
        if not filters.include_hidden:
            where.append("NOT t.hidden")
        search = nfc(filters.search or "").strip()
        if search:
            # The reference on the ticket; the text (by an RE2 match of the literal query,
            # ignoring case: the same matches as ILIKE, several times faster) and the author
            # on the interaction, looked up as a set of ids so the tickets are not joined to
            # a million texts first.
            where.append(
                "(t.reference ILIKE $search ESCAPE '\\' OR t.interaction_id IN ("
                "SELECT m.id FROM interactions m"
                " WHERE regexp_matches(m.text, $search_re, $search_options)"
                " OR m.author_name ILIKE $search ESCAPE '\\'))"
            )
            params["search"] = "%" + _escape_like(search) + "%"
            params["search_re"], params["search_options"] = _literal_pattern(search)
        if filters.target_state:
            if filters.target_state not in TARGET_STATES:
                raise InvalidInput(N_("unknown target state {state!r}"), state=filters.target_state)
            where.append("target_state = $target_state")
            params["target_state"] = filters.target_state
        return where, params


def _literal_pattern(text: str) -> tuple[str, str]:
    """An RE2 pattern and its options matching `text` literally, ignoring case.

    Every ASCII character but letters and digits becomes a hex escape, so nothing a citizen
    types acts as regex syntax. RE2's own case folding ('i') is several times slower on
    Latin letters than a class per letter (``[pP]``), and faster on Bengali, which has no
    case: a query with Latin letters gets the classes, one without gets 'i'.
    """
    parts = []
    for ch in text:
        if ch.isascii() and ch.isalpha():
            parts.append(f"[{ch.lower()}{ch.upper()}]")
        elif ch.isascii() and not ch.isdigit():
            parts.append(f"\\x{{{ord(ch):02x}}}")
        elif (
            not ch.isascii()
            and len(ch.lower()) == len(ch.upper()) == 1
            and ch.lower() != ch.upper()
        ):
            parts.append(f"[{ch.lower()}{ch.upper()}]")
        else:
            parts.append(ch)
    latin = any(ch.isascii() and ch.isalpha() for ch in text)
    return "".join(parts), "c" if latin else "i"


def _escape_like(text: str) -> str:
    """`text` with LIKE's wildcards taken literally (a citizen may search for "50%")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ward_choice(ward: int | None) -> str:
    """A ward as a filter choice: its number, or "Any ward" for None."""
    return "Any ward" if ward is None else f"Ward {ward}"
