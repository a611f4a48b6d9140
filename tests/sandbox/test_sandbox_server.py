"""The sandbox server's own bookkeeping: the request log and the time spent answering."""

from __future__ import annotations

import time

import requests

from hub.sandbox.server import Response, SandboxApp, SandboxServer


def test_requests_are_logged_and_their_answering_time_summed():
    app = SandboxApp()

    @app.route("GET", "/slow")
    def slow(request, groups):
        time.sleep(0.05)
        return Response.json({"ok": True})

    server = SandboxServer(app).start()
    try:
        for _ in range(2):
            assert requests.get(f"{server.url}/slow", timeout=5).json() == {"ok": True}
        assert requests.get(f"{server.url}/missing", timeout=5).status_code == 404
    finally:
        server.stop()
        app.close()
    assert app.request_log == [("GET", "/slow"), ("GET", "/slow"), ("GET", "/missing")]
    # Two answers slept 50 ms each; the unknown path is answered at once.
    assert 0.1 <= app.handling_seconds < 2
