"""Plain HTTP routes served beside the Streamlit UI in the same process."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from hub.bootstrap import Hub


def http_routes(get_hub: Callable[[], Hub]) -> list[Route]:
    """The routes, each reading the process's hub through `get_hub` at request time."""

    async def healthz(_request: Request) -> JSONResponse:
        report = get_hub().health()
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    async def verify_facebook_webhook(request: Request) -> PlainTextResponse:
        # Meta's subscription check: echo hub.challenge when the verify token matches.
        query = request.query_params
        challenge = get_hub().webhooks.verify_subscription(
            query.get("hub.mode"), query.get("hub.verify_token"), query.get("hub.challenge")
        )
        if challenge is None:
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(challenge)

    async def receive_facebook_webhook(request: Request) -> JSONResponse:
        # The signature covers the raw bytes, so the body is passed on unparsed; the
        # receiver touches DuckDB, so it runs off the event loop.
        raw_body = await request.body()
        result = await run_in_threadpool(
            get_hub().webhooks.receive,
            raw_body,
            request.headers.get("x-hub-signature-256"),
            request.client.host if request.client else None,
        )
        return JSONResponse({"ok": result.accepted, "reason": result.reason}, result.status)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/webhooks/facebook", verify_facebook_webhook, methods=["GET"]),
        Route("/webhooks/facebook", receive_facebook_webhook, methods=["POST"]),
    ]
