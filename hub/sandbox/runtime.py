"""Running the sandbox inside the hub's process (the embedded default) or on its own.

The sandbox answers on its own loopback port with its own DuckDB file, so the adapters talk
to it over real HTTP exactly as they would talk to Facebook and X.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path

from hub.config import SANDBOX_FACEBOOK, SANDBOX_WHATSAPP, SANDBOX_X, Settings
from hub.errors import ConfigurationError
from hub.sandbox.graph_api import GraphSandbox, install_graph_api
from hub.sandbox.server import SandboxApp, SandboxServer
from hub.sandbox.whatsapp_api import WhatsAppSandbox, install_whatsapp_api
from hub.sandbox.x_api import XSandbox, install_x_api

log = logging.getLogger(__name__)


@dataclass
class RunningSandbox:
    """A started sandbox: its server, its platform halves, and (maybe) the simulator."""

    app: SandboxApp
    server: SandboxServer
    graph: GraphSandbox
    x: XSandbox
    whatsapp: WhatsAppSandbox
    simulator: object | None = None

    @property
    def url(self) -> str:
        """Base URL of the sandbox, e.g. http://127.0.0.1:8599."""
        return self.server.url

    def stop(self) -> None:
        """Stop the simulator and the server, and close the state file."""
        stop_simulator = getattr(self.simulator, "stop", None)
        if stop_simulator is not None:
            stop_simulator()
        self.app.stopping.set()
        self.whatsapp.stop_delivering()
        self.server.stop()
        self.app.close()


def build_sandbox_app(
    state_path: Path | None,
) -> tuple[SandboxApp, GraphSandbox, XSandbox, WhatsAppSandbox]:
    """A sandbox app with every platform installed on the state file (None: in memory)."""
    app = SandboxApp(state_path)
    # Before Graph: its object route (/{id}) would otherwise take WhatsApp's media ids.
    whatsapp = install_whatsapp_api(app, **SANDBOX_WHATSAPP)
    graph = install_graph_api(
        app,
        page_id=SANDBOX_FACEBOOK["page_id"],
        page_token=SANDBOX_FACEBOOK["page_token"],
        app_secret=SANDBOX_FACEBOOK["app_secret"],
    )
    x = install_x_api(
        app,
        user_id=SANDBOX_X["user_id"],
        consumer_key=SANDBOX_X["consumer_key"],
        consumer_secret=SANDBOX_X["consumer_secret"],
        access_token=SANDBOX_X["access_token"],
        access_token_secret=SANDBOX_X["access_token_secret"],
        bearer_token=SANDBOX_X["bearer_token"],
    )
    return app, graph, x, whatsapp


def start_sandbox(settings: Settings, *, port: int | None = None) -> RunningSandbox:
    """Start the sandbox on the configured loopback port (or `port`; 0 picks a free one)."""
    chosen = settings.sandbox.port if port is None else port
    state_path = settings.sandbox_state_path
    try:
        app, graph, x, whatsapp = build_sandbox_app(state_path)
    except Exception as exc:
        raise ConfigurationError(
            f"cannot open the sandbox's state file {state_path} ({exc}): is another hub "
            "running on the same data folder?"
        ) from None
    try:
        server = SandboxServer(app, settings.sandbox.host, chosen).start()
    except OSError as exc:
        app.close()
        raise ConfigurationError(
            f"the sandbox cannot listen on {settings.sandbox.host}:{chosen} ({exc.strerror}): "
            "free the port or set HUB_SANDBOX__PORT to another one."
        ) from None
    log.info("platform sandbox on %s (state %s)", server.url, state_path)
    return RunningSandbox(app=app, server=server, graph=graph, x=x, whatsapp=whatsapp)


def deliver_whatsapp_webhooks_to_hub(sandbox: RunningSandbox, settings: Settings) -> str:
    """Send the sandbox's WhatsApp webhooks (citizens' messages, delivery statuses) to this
    hub's own route from now on, as Meta sends them to the URL set in the app; returns it."""
    host = settings.server_address
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    sandbox.whatsapp.webhook_url = f"http://{host}:{settings.server_port}/webhooks/whatsapp"
    sandbox.whatsapp.start_delivering()
    return sandbox.whatsapp.webhook_url


def sandbox_is_listening(settings: Settings) -> bool:
    """Whether something answers on the sandbox's configured address (a running hub)."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((settings.sandbox.host, settings.sandbox.port)) == 0


def sandbox_url(settings: Settings) -> str:
    """The URL the adapters use for the sandbox."""
    return settings.sandbox.url


__all__ = [
    "SANDBOX_FACEBOOK",
    "SANDBOX_X",
    "RunningSandbox",
    "build_sandbox_app",
    "deliver_whatsapp_webhooks_to_hub",
    "sandbox_is_listening",
    "sandbox_url",
    "start_sandbox",
]
