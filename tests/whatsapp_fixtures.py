"""A hub whose WhatsApp webhook route listens on loopback, and the sandbox's citizens.

The hub's real routes run under uvicorn on a free port in a thread; the sandbox POSTs its
signed webhooks there over real HTTP, exactly as Meta does to a deployed hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from http_fixtures import serving_hub_routes

from hub.bootstrap import Hub
from hub.sandbox.whatsapp_api import WhatsAppSandbox

MEDIA = Path(__file__).resolve().parents[1] / "hub" / "sandbox" / "media"


@dataclass
class Desk:
    """The hub, its sandbox's WhatsApp half, and helpers to move messages along."""

    hub: Hub
    whatsapp: WhatsAppSandbox
    url: str

    def deliver(self) -> int:
        """Hand every queued webhook to the hub now; returns how many it took."""
        return self.whatsapp.deliver_due(all_now=True, limit=10_000)

    def settle(self, passes: int = 3) -> None:
        """Deliver webhooks and run desk passes until nothing is left moving."""
        for _ in range(passes):
            self.deliver()
            self.hub.desk_cycle.wake()
            self.hub.desk_cycle.run()
            self.hub.desk_cycle.fetch_attachments()
            self.deliver()

    def tickets(self) -> list[tuple]:
        with self.hub.store.cursor() as cur:
            return cur.execute(
                "SELECT id, reference, department_code, status, ward, category, urgent,"
                " text_ward, escalation_reason FROM tickets WHERE platform = 'whatsapp'"
                " ORDER BY id"
            ).fetchall()


@pytest.fixture
def desk(installed_hub) -> Desk:
    """The installed hub's routes served on a free loopback port, the sandbox wired to it."""
    with serving_hub_routes() as base_url:
        whatsapp = installed_hub.sandbox.whatsapp
        url = f"{base_url}/webhooks/whatsapp"
        whatsapp.webhook_url = url
        yield Desk(installed_hub, whatsapp, url)


def media(name: str) -> bytes:
    """One of the simulator's attachments (hub/sandbox/media)."""
    return (MEDIA / name).read_bytes()
