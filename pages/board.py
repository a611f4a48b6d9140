"""Triage board: the tickets an actor may see, closest to their target first, paged in SQL.

Citizens' text is shown in dataframe cells only (plain text, never markdown or HTML).
"""

import streamlit as st

from hub.errors import HubError
from hub.permissions import Action, is_allowed, own_department_only
from hub.platforms.base import PLATFORM_CHOICES
from hub.routing import CATEGORIES
from hub.tickets.board import IT_QUEUE, TARGET_STATES, BoardFilters
from hub.tickets.labels import CATEGORY_LABELS, TARGET_LABELS, status_label
from hub.tickets.lifecycle import OPEN_STATUSES, STATUSES
from hub.ward_lists import WARD_COUNT
from ui import session
from ui.i18n import _, digits, format_local, format_number, format_time_left, pgettext

PAGE_SIZE = 50

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title(_("Triage board"))

CHOICE_NAMES = {"All": _("All"), "Any": _("Any"), IT_QUEUE: _("IT queue")}


def choice_name(value: str) -> str:
    """A filter choice as shown: "All", "Any" and the IT queue in words, codes as they are."""
    return CHOICE_NAMES.get(value, value)


def ward_name(ward: int | None) -> str:
    """A ward as a filter choice: its number, or "Any ward" for None."""
    return _("Any ward") if ward is None else _("Ward {number}").format(number=digits(str(ward)))


flash = st.session_state.pop("board_flash", None)
if flash:
    st.success(flash)

codes = [d.code for d in hub.departments.all_departments()]
own_department = own_department_only(actor, Action.VIEW_TICKETS)
is_officer = own_department is not None
with st.expander(_("Filters"), expanded=True):
    first, second, third, fourth = st.columns(4)
    if is_officer:
        department = None
        first.text(_("Department: {code}").format(code=own_department))
    else:
        choice = first.selectbox(
            _("Department"),
            ["All", IT_QUEUE, *codes],
            format_func=choice_name,
            key="board_department",
        )
        department = None if choice == "All" else choice
    statuses = second.multiselect(
        _("Status"),
        list(STATUSES),
        default=list(OPEN_STATUSES),
        format_func=lambda s: _(status_label(s)),
        key="board_statuses",
    )
    platform = third.selectbox(
        _("Platform"), ["Any", *PLATFORM_CHOICES], format_func=choice_name, key="board_pf"
    )
    category = fourth.selectbox(
        _("Category"),
        ["Any", *CATEGORIES],
        format_func=lambda c: _(CATEGORY_LABELS[c]) if c in CATEGORY_LABELS else choice_name(c),
        key="board_category",
    )
    first, second, third, fourth = st.columns(4)
    ward = first.selectbox(
        _("Ward"), [None, *range(1, WARD_COUNT + 1)], format_func=ward_name, key="board_ward"
    )
    target_state = second.selectbox(
        _("Target"),
        ["Any", *TARGET_STATES],
        format_func=lambda t: _(TARGET_LABELS[t]) if t in TARGET_LABELS else choice_name(t),
        key="board_target",
    )
    min_age = third.number_input(_("Older than (hours)"), min_value=0.0, key="board_min_age")
    urgent_only = fourth.checkbox(_("Urgent only"), key="board_urgent")
    search = st.text_input(
        _("Search text, reference or author (Bengali or English)"), key="board_q"
    )
    include_hidden = is_allowed(actor, Action.MODERATE_TICKET) and st.checkbox(
        _("Show hidden spam"), key="board_hidden"
    )

filters = BoardFilters(
    department=department,
    statuses=tuple(statuses),
    platform=None if platform == "Any" else platform,
    ward=ward,
    category=None if category == "Any" else category,
    urgent=True if urgent_only else None,
    min_age_hours=float(min_age) or None,
    target_state=None if target_state == "Any" else target_state,
    search=search,
    include_hidden=bool(include_hidden),
)
page_number = int(st.session_state.get("board_page_number", 1))
try:
    board = hub.board.page(actor, filters, page=page_number, page_size=PAGE_SIZE)
except HubError as exc:
    session.show_error(exc)
    st.stop()

page_of = {"page": format_number(board.page), "pages": format_number(board.pages)}
st.caption(
    _("{total} ticket(s) · page {page} of {pages}").format(
        total=format_number(board.total), **page_of
    )
)
if not board.rows:
    st.info(_("No tickets match these filters."))
    st.stop()


text_column = _("Text")
st.dataframe(
    [
        {
            _("Reference"): row.reference,
            _("Time left"): format_time_left(row.minutes_left),
            text_column: row.text,
            _("Author"): row.author_name,
            _("Dept"): row.department_code or choice_name(IT_QUEUE),
            _("Status"): _(status_label(row.status)),
            _("Ward"): digits(str(row.ward)) if row.ward else "—",
            _("Category"): _(CATEGORY_LABELS.get(row.category, row.category)),
            _("Urgent"): row.urgent,
            _("Escalated"): row.escalated,
            _("Target"): _(TARGET_LABELS.get(row.target_state, row.target_state)),
            _("Platform"): row.platform,
            _("Opened"): format_local(row.opened_at, zone, with_zone=False),
        }
        for row in board.rows
    ],
    hide_index=True,
    width="stretch",
    # The citizen's words are what an officer reads first: near the left, the widest column,
    # so they are in view without scrolling the table sideways.
    column_config={text_column: st.column_config.TextColumn(width="large")},
)

previous, page_box, following = st.columns([1, 2, 1])
if previous.button(_("Previous page"), disabled=board.page <= 1, key="board_previous"):
    st.session_state["board_page_number"] = board.page - 1
    st.rerun()
if following.button(_("Next page"), disabled=board.page >= board.pages, key="board_next"):
    st.session_state["board_page_number"] = board.page + 1
    st.rerun()
page_box.text(_("Page {page} of {pages}").format(**page_of))

by_reference = {row.reference: row for row in board.rows}
opened_left, opened_right = st.columns([3, 1])
picked = opened_left.selectbox(_("Open a ticket"), list(by_reference), key="board_open_pick")
if opened_right.button(pgettext("button", "Open"), key="board_open"):
    st.session_state["ticket_id"] = by_reference[picked].id
    session.switch_to("ticket")

# Officers reassign only their own department's tickets, one by one, on the ticket page.
if is_allowed(actor, Action.REASSIGN_TICKET):
    with st.expander(_("Assign several tickets")):
        chosen = st.multiselect(
            _("Tickets on this page"), list(by_reference), key="board_bulk_refs"
        )
        target = st.selectbox(
            _("To"), [IT_QUEUE, *codes], format_func=choice_name, key="board_bulk_to"
        )
        reason = st.text_input(_("Reason"), key="board_bulk_reason")
        if st.button(_("Assign"), key="board_bulk_assign"):
            try:
                result = hub.tickets.bulk_assign(
                    actor, [by_reference[r].id for r in chosen], target, reason
                )
            except HubError as exc:
                session.show_error(exc)
            else:
                summary = _("{moved} moved, {unchanged} already there").format(
                    moved=format_number(len(result.moved)),
                    unchanged=format_number(len(result.unchanged)),
                )
                if result.missing:
                    summary += _(", {missing} not found").format(
                        missing=format_number(len(result.missing))
                    )
                st.session_state["board_flash"] = _("Assigned to {target}: {summary}").format(
                    target=choice_name(target), summary=summary
                )
                st.rerun()
