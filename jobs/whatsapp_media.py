"""Citizens' WhatsApp attachments, fetched and kept as evidence: the scheduler's job.

Beside the desk's passes (jobs.whatsapp), every couple of seconds: it calls one service,
`DeskCycle.fetch_attachments` (download while the address is valid, check by content, seal).
"""

from __future__ import annotations

import logging

from hub.bootstrap import Hub

JOB_ID = "whatsapp_attachments"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """One round of downloads; what it did goes to the log (when anything) and the heartbeat."""
    done = hub.desk_cycle.fetch_attachments()
    if done.did_something:
        log.info("whatsapp attachments: %s", done.summary)
    hub.heartbeats.beat(JOB_ID, done.summary[:200])
