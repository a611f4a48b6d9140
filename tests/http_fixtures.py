"""The hub's real HTTP routes under uvicorn on a free loopback port, in a thread.

Clients (the sandbox's webhooks, Open311 clients from PyPI, a browser) reach them over real
HTTP, as they reach a deployed hub.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from hub import bootstrap
from hub.web import http_routes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving_hub_routes() -> Iterator[str]:
    """Serve the installed hub's routes; yields the base URL (http://127.0.0.1:<port>)."""
    port = free_port()
    app = Starlette(routes=http_routes(bootstrap.current))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the hub's routes did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
