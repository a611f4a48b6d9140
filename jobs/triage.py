"""Triage new interactions into tickets, then remind and escalate: the scheduler's job.

The job calls the ticket service (`TicketService.triage_new_interactions`, then
`TicketService.check_targets`) every minute, whether or not anyone has the hub open.
"""

from __future__ import annotations

import logging

from hub.bootstrap import Hub

JOB_ID = "triage_interactions"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """One triage cycle and one target check; their summaries go to the job's heartbeat."""
    triage = hub.tickets.triage_new_interactions()
    targets = hub.tickets.check_targets()
    summary = f"{triage.summary}; {targets.summary}"
    if triage.looked_at or targets.reminded or targets.escalated:
        log.info("triage: %s", summary)
    hub.heartbeats.beat(JOB_ID, summary[:200])
