"""Stamp the scheduler's liveness, so /healthz can show jobs run with no browser open."""

from hub.bootstrap import Hub

JOB_ID = "heartbeat"


def run(hub: Hub) -> None:
    """Record one heartbeat."""
    hub.heartbeats.beat(JOB_ID)
