"""The sandbox's HTTP server: routing, fault injection and its own DuckDB state.

Platform modules (`graph_api`, `x_api`) register their routes on a `SandboxApp`; the
server answers on 127.0.0.1 with the standard library's threading HTTP server, which lets
a fault close the connection after the work is done and before the answer is sent
("accepted but the answer lost").
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb


@dataclass
class Request:
    """One HTTP request as the platform modules see it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    url: str  # scheme://host:port/path?query as the client sent it

    @property
    def form(self) -> dict[str, str]:
        """The url-encoded form body (multipart is parsed by the platform module)."""
        ctype = self.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in ctype:
            return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8")).items()}
        return {}

    def json(self) -> Any:
        """The JSON body."""
        return json.loads(self.body.decode("utf-8") or "null")


@dataclass
class Response:
    """What a route answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None):
        """A JSON answer with the platform's content type."""
        return cls(
            status,
            json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            {"Content-Type": "application/json; charset=UTF-8", **(headers or {})},
        )


Handler = Callable[[Request, dict[str, str]], Response]


@dataclass
class Fault:
    """A fault to inject on matching requests.

    kind: "status" (answer `status` with `payload`), "slow" (sleep `delay` seconds first),
    "drop_after" (do the work, then close the connection without answering),
    "drop_before" (close without doing anything). `times` limits how often it fires
    (None: until cleared). `endpoint` is a regex on "METHOD /path".
    """

    endpoint: str
    kind: str
    status: int = 500
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = 1
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        return re.search(self.endpoint, f"{method} {path}") is not None


class _DropConnection(Exception):
    pass


class SandboxApp:
    """Routes, faults, request log and the state database shared by the platform modules."""

    def __init__(self, state_path: Path | str | None = None) -> None:
        target = ":memory:" if state_path is None else str(state_path)
        if state_path is not None:
            Path(state_path).parent.mkdir(parents=True, exist_ok=True)
        self.db = duckdb.connect(target)
        self.db.execute("SET GLOBAL TimeZone = 'UTC'")
        self.lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[Fault] = []
        self.request_log: list[tuple[str, str]] = []
        # Seconds spent answering requests (summed over handler threads): lets a benchmark
        # tell the hub's own time from the sandbox's when both run in one process.
        self.handling_seconds = 0.0
        self.base_url = ""
        # Stopping wakes slow faults at once; stop() waits for requests in flight, so no
        # handler touches the state file after it is closed.
        self.stopping = threading.Event()
        self._in_flight = 0
        self._idle = threading.Condition()
        self._before_close: list[Callable[[], object]] = []

    # -- routing -------------------------------------------------------------------

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register a handler for METHOD and a path regex with named groups."""

        def register(handler: Handler) -> Handler:
            self._routes.append((method, re.compile(f"^{pattern}$"), handler))
            return handler

        return register

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the sandbox's own state database."""
        return self.db.cursor()

    def before_close(self, write_back: Callable[[], object]) -> None:
        """Have `write_back` called before the state database closes (state kept in memory)."""
        self._before_close.append(write_back)

    def close(self) -> None:
        """Close the state database (after the server has stopped)."""
        for write_back in self._before_close:
            write_back()
        self.db.close()

    # -- faults ----------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        """Add a fault; returns it so a test can inspect `fired`."""
        with self.lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self.lock:
            self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.matches(method, path) and (
                    fault.times is None or fault.fired < fault.times
                ):
                    fault.fired += 1
                    return fault
        return None

    # -- dispatch ----------------------------------------------------------------------

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being answered; False if `timeout` ran out first."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def dispatch(self, request: Request) -> Response:
        """Answer one request: faults first, then the matching route."""
        with self._idle:
            self._in_flight += 1
        started = time.perf_counter()
        try:
            return self._dispatch(request)
        finally:
            with self._idle:
                self.handling_seconds += time.perf_counter() - started
                self._in_flight -= 1
                self._idle.notify_all()

    def _dispatch(self, request: Request) -> Response:
        with self.lock:
            self.request_log.append((request.method, request.path))
        if self.stopping.is_set():
            raise _DropConnection
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            if fault.kind == "slow":
                if self.stopping.wait(fault.delay):
                    raise _DropConnection
            elif fault.kind == "drop_before":
                raise _DropConnection
            elif fault.kind == "status":
                payload = fault.payload if fault.payload is not None else {}
                return Response.json(payload, fault.status, fault.headers)
        for method, pattern, handler in self._routes:
            if method != request.method:
                continue
            match = pattern.match(request.path)
            if match:
                response = handler(request, match.groupdict())
                if fault is not None and fault.kind == "drop_after":
                    raise _DropConnection
                return response
        return Response.json(
            {
                "error": {
                    "message": f"Unknown path {request.path}",
                    "type": "GraphMethodException",
                    "code": 100,
                    "error_subcode": 33,
                }
            },
            404,
        )


class _PlatformHTTPServer(ThreadingHTTPServer):
    # A platform takes many connections at once: the hub keeps one open for each of its
    # senders (three queues of up to hundreds). socketserver's default backlog of 5 refused
    # connections when 48 senders connected together.
    request_queue_size = 1024


class SandboxServer:
    """Serves a `SandboxApp` on loopback in a background thread."""

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        handler = _handler_for(app)
        self._httpd = _PlatformHTTPServer((host, port), handler)
        # Handler threads are joined on stop (after their keep-alive sockets are shut), so
        # none is left holding the state database when the process exits.
        self._httpd.daemon_threads = False
        self._httpd.block_on_close = True
        self._httpd.open_sockets = set()
        self.host, self.port = self._httpd.server_address[:2]
        app.base_url = self.url
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Start serving in a daemon thread."""
        # A short poll interval keeps stop() quick (the default waits up to 0.5 s).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, let requests in flight finish, and release the port."""
        self.app.stopping.set()
        self._httpd.shutdown()
        self.app.wait_idle(timeout=10)
        for sock in list(self._httpd.open_sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)


def _handler_for(app: SandboxApp) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without this, keep-alive clients wait for
        # the delayed ACK (about 40 ms) on every request.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the sandbox keeps its own request log

        def handle(self) -> None:
            # A client that hangs up (a killed publisher, a timeout) is normal here.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        def setup(self) -> None:
            super().setup()
            self.server.open_sockets.add(self.connection)

        def finish(self) -> None:
            self.server.open_sockets.discard(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            host = self.headers.get("Host", f"{app.base_url.split('//', 1)[-1]}")
            request = Request(
                method=self.command,
                path=parts.path,
                query=query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                url=f"http://{host}{self.path}",
            )
            try:
                response = app.dispatch(request)
            except _DropConnection:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)
                return
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (a timeout in a test, or a real one): nothing to answer.
                self.close_connection = True

        do_GET = do_POST = do_DELETE = do_PUT = _serve

    return _Handler
