"""Send the city's replies: the scheduler's job.

Every `publish_interval_seconds` it queues the automatic acknowledgements that are due, then
runs one reply sender cycle (`ReplyService.run_cycle`: recover, reconcile, send).
"""

from __future__ import annotations

import logging

from hub.bootstrap import Hub

JOB_ID = "send_replies"
log = logging.getLogger(__name__)


def run(hub: Hub) -> None:
    """Queue due acknowledgements, send due replies; the summary goes to the heartbeat."""
    acknowledged = hub.replies.acknowledge_due()
    report = hub.replies.run_cycle()
    summary = report.summary
    if acknowledged:
        summary = f"acknowledgements_queued={acknowledged}, {summary}"
    if summary != "nothing due":
        log.info("replies: %s", summary)
    hub.heartbeats.beat(JOB_ID, summary[:200])
