"""The hub's web process: Streamlit UI, scheduler and HTTP routes in one process.

Run by `hub serve` (and so by `make run`) as `python -m ui.server`. It is the composition
root: settings are loaded and the store opened before the server binds, so a second process
on the same database stops at once with a clear message instead of serving half a hub.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.middleware import Middleware
from streamlit.web.server.starlette import starlette_server

from hub import bootstrap
from hub.backup import issue_ops_token
from hub.config import Settings, load_settings
from hub.demo import seed_sandbox_posts
from hub.errors import HubError
from hub.sandbox.runtime import deliver_whatsapp_webhooks_to_hub, start_sandbox
from hub.sandbox.simulator import CitizenSimulator
from hub.sign_in import SignInOutcomeMiddleware
from hub.web import http_routes
from jobs.scheduler import start_scheduler

log = logging.getLogger("hub.server")
APP_SCRIPT = Path(__file__).with_name("app.py")
# Bengali letters, signs and digits, with the joiners and the dotted circle Bengali uses.
_BENGALI_RANGE = "U+0980-09FF, U+200C-200D, U+25CC"
BENGALI_FONT_FACES = [
    {
        "family": "Noto Sans Bengali",
        "url": f"app/static/fonts/NotoSansBengali-{style}.ttf",
        "weight": weight,
        "unicodeRange": _BENGALI_RANGE,
    }
    for style, weight in (("Regular", 400), ("Bold", 700))
]


def start_process(settings: Settings) -> bootstrap.Hub:
    """Build the hub, start the sandbox (embedded default), install the hub, start the jobs."""
    hub = bootstrap.build_hub(settings, create=False)
    try:
        if settings.sandbox.enabled:
            sandbox = start_sandbox(settings)
            hub.attach_sandbox(sandbox)
            deliver_whatsapp_webhooks_to_hub(sandbox, settings)
            seeded = seed_sandbox_posts(hub)
            if seeded:
                log.info("sandbox: %d first posts published for the demo", seeded)
            if settings.sandbox.simulator_enabled:
                sandbox.simulator = CitizenSimulator(
                    sandbox.graph,
                    sandbox.x,
                    whatsapp=sandbox.whatsapp,
                    interactions_per_minute=settings.sandbox.simulator_interactions_per_minute,
                    seed=settings.sandbox.simulator_seed,
                )
                sandbox.simulator.start_background()
        bootstrap.install(hub)
        # `hub backup` beside this process asks it for the backup with this token.
        issue_ops_token(settings.data_dir)
        if settings.scheduler_enabled:
            start_scheduler(hub)
    except BaseException:
        bootstrap.uninstall()
        hub.close()
        raise
    return hub


def without_nagle(bind: Callable[..., socket.socket]) -> Callable[..., socket.socket]:
    """`bind`, with Nagle's algorithm off on the listening socket (its accepted connections
    inherit it on Linux).

    Streamlit 1.67 binds the server socket itself with protocol 0, so asyncio, which turns
    Nagle off only for sockets made with IPPROTO_TCP, leaves it on. A response's headers and
    body then go in two writes, and on a kept-alive connection the body waits for the
    client's delayed acknowledgement: 40 ms on every request after a connection's first
    (every webhook Meta sends on a reused connection, every asset a browser fetches), 0.8 ms
    without it (measured in benchmarks/bench_whatsapp.py).
    """

    def bind_without_nagle(*args: Any, **kwargs: Any) -> socket.socket:
        sock = bind(*args, **kwargs)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    return bind_without_nagle


def stop_process() -> None:
    """Stop the scheduler and close the store."""
    hub = bootstrap.uninstall()
    if hub is not None:
        hub.close()


@asynccontextmanager
async def lifespan(_app: st.App):
    """Stop the process's services when the server stops."""
    try:
        yield {}
    finally:
        stop_process()


def streamlit_secrets(settings: Settings) -> dict | None:
    """The `[auth]` secrets `st.login` needs, when an OIDC provider is configured."""
    if settings.oidc is None:
        return None
    oidc = settings.oidc
    return {
        "auth": {
            "redirect_uri": oidc.redirect_uri,
            "cookie_secret": oidc.cookie_secret.get_secret_value(),
            "client_id": oidc.client_id,
            "client_secret": oidc.client_secret.get_secret_value(),
            "server_metadata_url": oidc.server_metadata_url,
        }
    }


def main() -> int:
    """Start everything, serve until stopped; a `HubError` at start is printed, not raised."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
        start_process(settings)
    except HubError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    app = st.App(
        str(APP_SCRIPT),
        routes=http_routes(bootstrap.current),
        lifespan=lifespan,
        secrets=streamlit_secrets(settings),
        middleware=[Middleware(SignInOutcomeMiddleware)],
    )
    log.info("serving on http://%s:%s", settings.server_address, settings.server_port)
    starlette_server._bind_socket = without_nagle(starlette_server._bind_socket)
    app.run(
        config={
            "server.port": settings.server_port,
            "server.address": settings.server_address,
            "server.headless": True,
            # Repeated from .streamlit/config.toml so they hold wherever `hub serve` starts.
            "server.maxUploadSize": 20,
            # A deployed hub's files do not change under it: Streamlit's polling watcher
            # would hash the pages every second, a core's share under load for nothing.
            "server.fileWatcherType": "none",
            "server.runOnSave": False,
            # Streamlit collects the whole heap (gc.collect(2)) after every script run, with
            # the GIL held: at 30 people that was 82 % of the server's GIL time, and every
            # other person's page waited behind it (benchmarks/bench_office.py). Python's own
            # generational collector still runs; reference counting frees a run's objects.
            "runner.postScriptGC": False,
            "browser.gatherUsageStats": False,
            "client.showErrorDetails": "type",
            "client.toolbarMode": "minimal",
            "client.disableDataExport": True,
            "theme.primaryColor": "#0b5cab",
            # Bengali in Noto Sans Bengali, served by the hub itself (ui/static/fonts, OFL):
            # an office PC without a Bengali font would otherwise show boxes or a poor
            # fallback. Only the Bengali block uses it; Latin text keeps Streamlit's font.
            "server.enableStaticServing": True,
            "theme.fontFaces": BENGALI_FONT_FACES,
            "theme.font": "'Source Sans Pro', 'Noto Sans Bengali', 'Noto Sans', sans-serif",
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
