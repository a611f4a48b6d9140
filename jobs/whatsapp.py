"""The WhatsApp desk's quick pass: the scheduler's job, every couple of seconds.

It calls one service, `DeskCycle.run` (attachments, triage of new messages, acknowledgements
and the desk's answers, the exactly-once senders), so a reference number reaches a citizen's
phone seconds after their message, well within the department's deadline.
"""

from __future__ import annotations

import logging

from hub.bootstrap import Hub

JOB_ID = "whatsapp_desk"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """One desk pass; what it did goes to the log (when anything) and the heartbeat."""
    done = hub.desk_cycle.run()
    if done.did_something:
        log.info("whatsapp desk: %s", done.summary)
    hub.heartbeats.beat(JOB_ID, done.summary[:200])
