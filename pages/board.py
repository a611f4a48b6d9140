"""Triage board: the tickets an actor may see, closest to their target first, paged in SQL.

Citizens' text is shown in dataframe cells only (plain text, never markdown or HTML).
"""

import streamlit as st

from hub.clock import format_local
from hub.errors import HubError
from hub.permissions import Action, is_allowed, own_department_only
from hub.platforms.base import PLATFORM_CHOICES
from hub.routing import CATEGORIES, WARD_COUNT
from hub.tickets.board import IT_QUEUE, TARGET_STATES, BoardFilters, time_left_label, ward_choice
from hub.tickets.lifecycle import OPEN_STATUSES, STATUSES
from ui import session

PAGE_SIZE = 50

actor = session.require_actor()
hub = session.get_hub()
zone = hub.settings.display_zone
st.title("Triage board")

flash = st.session_state.pop("board_flash", None)
if flash:
    st.success(flash)

codes = [d.code for d in hub.departments.all_departments()]
own_department = own_department_only(actor, Action.VIEW_TICKETS)
is_officer = own_department is not None
with st.expander("Filters", expanded=True):
    first, second, third, fourth = st.columns(4)
    if is_officer:
        department = None
        first.text(f"Department: {own_department}")
    else:
        choice = first.selectbox("Department", ["All", IT_QUEUE, *codes], key="board_department")
        department = None if choice == "All" else choice
    statuses = second.multiselect(
        "Status", list(STATUSES), default=list(OPEN_STATUSES), key="board_statuses"
    )
    platform = third.selectbox("Platform", ["Any", *PLATFORM_CHOICES], key="board_pf")
    category = fourth.selectbox("Category", ["Any", *CATEGORIES], key="board_category")
    first, second, third, fourth = st.columns(4)
    ward = first.selectbox(
        "Ward", [None, *range(1, WARD_COUNT + 1)], format_func=ward_choice, key="board_ward"
    )
    target_state = second.selectbox("Target", ["Any", *TARGET_STATES], key="board_target")
    min_age = third.number_input("Older than (hours)", min_value=0.0, key="board_min_age")
    urgent_only = fourth.checkbox("Urgent only", key="board_urgent")
    search = st.text_input("Search text, reference or author (Bengali or English)", key="board_q")
    include_hidden = is_allowed(actor, Action.MODERATE_TICKET) and st.checkbox(
        "Show hidden spam", key="board_hidden"
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

st.caption(f"{board.total} ticket(s) · page {board.page} of {board.pages}")
if not board.rows:
    st.info("No tickets match these filters.")
    st.stop()


st.dataframe(
    [
        {
            "Reference": row.reference,
            "Time left": time_left_label(row.minutes_left),
            "Text": row.text,
            "Author": row.author_name,
            "Dept": row.department_code or IT_QUEUE,
            "Status": row.status.replace("_", " "),
            "Ward": str(row.ward) if row.ward else "—",
            "Category": row.category,
            "Urgent": row.urgent,
            "Escalated": row.escalated,
            "Target": row.target_state,
            "Platform": row.platform,
            "Opened": format_local(row.opened_at, zone, with_zone=False),
        }
        for row in board.rows
    ],
    hide_index=True,
    width="stretch",
    # The citizen's words are what an officer reads first: near the left, the widest column,
    # so they are in view without scrolling the table sideways.
    column_config={"Text": st.column_config.TextColumn(width="large")},
)

previous, page_box, following = st.columns([1, 2, 1])
if previous.button("Previous page", disabled=board.page <= 1, key="board_previous"):
    st.session_state["board_page_number"] = board.page - 1
    st.rerun()
if following.button("Next page", disabled=board.page >= board.pages, key="board_next"):
    st.session_state["board_page_number"] = board.page + 1
    st.rerun()
page_box.text(f"Page {board.page} of {board.pages}")

by_reference = {row.reference: row for row in board.rows}
opened_left, opened_right = st.columns([3, 1])
picked = opened_left.selectbox("Open a ticket", list(by_reference), key="board_open_pick")
if opened_right.button("Open", key="board_open"):
    st.session_state["ticket_id"] = by_reference[picked].id
    session.switch_to("ticket")

# Officers reassign only their own department's tickets, one by one, on the ticket page.
if is_allowed(actor, Action.REASSIGN_TICKET):
    with st.expander("Assign several tickets"):
        chosen = st.multiselect("Tickets on this page", list(by_reference), key="board_bulk_refs")
        target = st.selectbox("To", [IT_QUEUE, *codes], key="board_bulk_to")
        reason = st.text_input("Reason", key="board_bulk_reason")
        if st.button("Assign", key="board_bulk_assign"):
            try:
                result = hub.tickets.bulk_assign(
                    actor, [by_reference[r].id for r in chosen], target, reason
                )
            except HubError as exc:
                session.show_error(exc)
            else:
                st.session_state["board_flash"] = f"Assigned to {target}: {result.summary}"
                st.rerun()
