"""Plain HTTP routes served beside the Streamlit UI in the same process."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.bootstrap import Hub


def http_routes(get_hub: Callable[[], Hub]) -> list[Route]:
    """The routes, each reading the process's hub through `get_hub` at request time."""

    async def healthz(_request: Request) -> JSONResponse:
        report = get_hub().health()
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    return [Route("/healthz", healthz, methods=["GET"])]
