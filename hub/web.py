"""Plain HTTP routes served beside the Streamlit UI in the same process."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from hub.backup import ops_token_matches
from hub.errors import HubError
from hub.sessions import COOKIE

if TYPE_CHECKING:  # the hub is built by bootstrap; importing it here would load it all
    from hub.bootstrap import Hub


_LOOPBACK = ("127.0.0.1", "::1")


def http_routes(get_hub: Callable[[], Hub]) -> list[Route]:
    """The routes, each reading the process's hub through `get_hub` at request time."""

    async def healthz(_request: Request) -> JSONResponse:
        report = get_hub().health()
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    async def backup_now(request: Request) -> JSONResponse:
        # For `hub backup` beside the serving process: loopback only, with the token the
        # process wrote in its data folder.
        hub = get_hub()
        remote = request.client.host if request.client else ""
        offered = request.headers.get("x-hub-ops-token")
        if remote not in _LOOPBACK or not ops_token_matches(hub.settings.data_dir, offered):
            return JSONResponse({"ok": False, "reason": "forbidden"}, status_code=403)
        try:
            report = await run_in_threadpool(hub.backups.make)
        except HubError as exc:
            return JSONResponse({"ok": False, "reason": str(exc)}, status_code=500)
        return JSONResponse({"ok": True, "summary": report.summary, "path": str(report.path)})

    async def start_session(request: Request) -> JSONResponse:
        # The login page's script trades its one-time grant for the session cookie here, so
        # the session id is only ever in an HttpOnly cookie, never in the page.
        hub = get_hub()
        session_id = hub.sessions.redeem(request.headers.get("x-hub-grant"))
        if session_id is None:
            return JSONResponse({"ok": False}, status_code=403)
        response = JSONResponse({"ok": True})
        response.set_cookie(
            COOKIE,
            session_id,
            max_age=int(hub.settings.session_max_days * 86400),
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/auth/session", start_session, methods=["POST"]),
        Route("/ops/backup", backup_now, methods=["POST"]),
        *signed_webhook_routes("/webhooks/facebook", lambda: get_hub().webhooks),
        *signed_webhook_routes("/webhooks/whatsapp", lambda: get_hub().whatsapp_webhooks),
    ]


def signed_webhook_routes(path: str, get_receiver: Callable[[], Any]) -> list[Route]:
    """Meta's subscription check (GET) and signed deliveries (POST) for one receiver.

    Every public webhook route is screened the same way before its body is read: a source
    over its refusal limit, a missing signature or a declared length over the cap cost no
    reading. The signature covers the raw bytes, so the body is passed on unparsed; the
    receiver touches DuckDB, so it runs off the event loop.
    """

    async def verify(request: Request) -> PlainTextResponse:
        query = request.query_params
        challenge = get_receiver().verify_subscription(
            query.get("hub.mode"), query.get("hub.verify_token"), query.get("hub.challenge")
        )
        if challenge is None:
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(challenge)

    async def receive(request: Request) -> JSONResponse:
        receiver = get_receiver()
        remote = request.client.host if request.client else None
        signature = request.headers.get("x-hub-signature-256")
        declared = _declared_length(request)
        result = await run_in_threadpool(receiver.screen, signature, declared, remote)
        if result is None:
            raw_body, complete = await read_body_capped(request, receiver.max_body_bytes)
            if not complete:
                result = await run_in_threadpool(receiver.refuse_too_large, remote, len(raw_body))
            else:
                result = await run_in_threadpool(receiver.receive, raw_body, signature, remote)
        return JSONResponse({"ok": result.accepted, "reason": result.reason}, result.status)

    return [Route(path, verify, methods=["GET"]), Route(path, receive, methods=["POST"])]


async def read_body_capped(request: Request, limit: int) -> tuple[bytes, bool]:
    """The request's body and True, or what was read when it grew past `limit` and False.

    Read in the pieces the server hands over, so a body sent without a length (chunked) or
    with a false one never takes much more than `limit` bytes of memory.
    """
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return bytes(body), False
    return bytes(body), True


def _declared_length(request: Request) -> int | None:
    """The Content-Length the sender declared, when it is a number."""
    value = request.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
