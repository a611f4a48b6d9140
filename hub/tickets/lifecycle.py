"""One life for a ticket: the transition table every status change reads.

Statuses: new → acknowledged → in_progress → resolved → closed; reopening brings a resolved or
closed ticket back to in_progress. A transition names the statuses it starts from, the status
it ends in, what else it stamps, the event it writes and the action of the permission table
(`hub.permissions`) a person needs for it. Manual changes (`TicketService.apply`), triage's
reopen by a follow-up, a sent reply's step forward and the ticket page's buttons all read this
table: no other module decides which status may follow which.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.permissions import Action

OPEN_STATUSES = ("new", "acknowledged", "in_progress")
STATUSES = (*OPEN_STATUSES, "resolved", "closed")

# What reopening clears and counts: the manual reopen and triage's reopen by a follow-up.
REOPEN_SET = (
    "reopened_count = reopened_count + 1, last_reopened_at = $now, resolved_at = NULL,"
    " closed_at = NULL, reminded_at = NULL, escalated_at = NULL, escalation_reason = NULL"
)


@dataclass(frozen=True)
class Transition:
    """One row of the table: from these statuses to one status, by whom, and what it stamps."""

    name: str
    from_statuses: tuple[str, ...]
    to_status: str
    # The event written in the ticket's history.
    event: str
    # SQL assignments made with the status (parameter ``$now``), e.g. a time stamp.
    also_set: str
    # What a person needs (None: only the hub's own jobs make this change).
    action: Action | None
    # The button and the message the ticket page shows.
    label: str = ""
    outcome: str = ""

    def allows(self, status: str) -> bool:
        """Whether a ticket in `status` may take this transition."""
        return status in self.from_statuses


ACKNOWLEDGE = Transition(
    "acknowledge",
    ("new",),
    "acknowledged",
    "acknowledged",
    "acknowledged_at = $now",
    Action.HANDLE_TICKET,
    "Acknowledge",
    "acknowledged",
)
START = Transition(
    "start",
    ("new", "acknowledged"),
    "in_progress",
    "in_progress",
    "acknowledged_at = coalesce(acknowledged_at, $now)",
    Action.HANDLE_TICKET,
    "Start work",
    "in progress",
)
RESOLVE = Transition(
    "resolve",
    OPEN_STATUSES,
    "resolved",
    "resolved",
    "resolved_at = $now",
    Action.HANDLE_TICKET,
    "Resolve",
    "resolved",
)
CLOSE = Transition(
    "close",
    ("resolved",),
    "closed",
    "closed",
    "closed_at = $now",
    Action.HANDLE_TICKET,
    "Close",
    "closed",
)
REOPEN = Transition(
    "reopen",
    ("resolved", "closed"),
    "in_progress",
    "reopened",
    REOPEN_SET,
    Action.HANDLE_TICKET,
    "Reopen",
    "reopened",
)
# A citizen writing again soon after resolution (triage): the same change, made by the hub.
REOPEN_BY_FOLLOW_UP = Transition(
    "reopen_by_follow_up", ("resolved", "closed"), "in_progress", "reopened", REOPEN_SET, None
)
# A reply the platform confirmed moves its ticket forward, never back, never out of
# resolved or closed.
ACKNOWLEDGED_BY_REPLY = Transition(
    "acknowledged_by_reply",
    ("new",),
    "acknowledged",
    "reply_sent",
    "acknowledged_at = coalesce(acknowledged_at, $now)",
    None,
)
ANSWERED_BY_REPLY = Transition(
    "answered_by_reply",
    ("new", "acknowledged"),
    "in_progress",
    "reply_sent",
    "acknowledged_at = coalesce(acknowledged_at, $now)",
    None,
)

# The changes a person makes on the ticket page, in the order of its buttons.
MANUAL_TRANSITIONS = (ACKNOWLEDGE, START, RESOLVE, CLOSE, REOPEN)
TRANSITIONS = {
    t.name: t
    for t in (*MANUAL_TRANSITIONS, REOPEN_BY_FOLLOW_UP, ACKNOWLEDGED_BY_REPLY, ANSWERED_BY_REPLY)
}
_BY_REPLY = {"acknowledgement": ACKNOWLEDGED_BY_REPLY, "answer": ANSWERED_BY_REPLY}


def transition(name: str) -> Transition:
    """The transition called `name`; KeyError for a name the table does not have."""
    return TRANSITIONS[name]


def after_reply(kind: str, status: str) -> str:
    """The status a ticket in `status` takes when a reply of `kind` is confirmed sent."""
    step = _BY_REPLY[kind]
    return step.to_status if step.allows(status) else status


__all__ = [
    "MANUAL_TRANSITIONS",
    "OPEN_STATUSES",
    "REOPEN_BY_FOLLOW_UP",
    "STATUSES",
    "TRANSITIONS",
    "Transition",
    "after_reply",
    "transition",
]
