"""The words people read for a ticket's stored values, as catalogue strings.

Pages show them with ``_()`` in the reader's language and go on comparing the stored values
themselves. One table each, here, so that no page keeps a copy that could drift.
"""

from __future__ import annotations

from hub.i18n import N_

STATUS_LABELS = {
    "new": N_("new"),
    "acknowledged": N_("acknowledged"),
    "in_progress": N_("in progress"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
CATEGORY_LABELS = {
    "complaint": N_("complaint"),
    "suggestion": N_("suggestion"),
    "question": N_("question"),
    "praise": N_("praise"),
    "spam": N_("spam"),
    "other": N_("other"),
}
# The stored target states as English shows them today (the board's filter says due_soon).
TARGET_LABELS = {
    "ok": N_("ok"),
    "due_soon": N_("due_soon"),
    "breached": N_("breached"),
    "done": N_("done"),
}
# The reasons `TicketService.check_targets` stores with an escalation.
ESCALATION_LABELS = {
    "first-response target breached": N_("first-response target breached"),
    "resolution target breached": N_("resolution target breached"),
    "urgent: for the duty officer": N_("urgent: for the duty officer"),
    "urgent": N_("urgent"),
}


def status_label(status: str) -> str:
    """A status in words (the English catalogue string; unknown ones with spaces)."""
    return STATUS_LABELS.get(status, status.replace("_", " "))
