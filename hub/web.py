"""Plain HTTP routes served beside the Streamlit UI in the same process."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from hub.backup import ops_token_matches
from hub.errors import HubError
from hub.open311.georeport import FORMATS, GeoReport, Open311Answer, Open311Error
from hub.open311.wire import JSON_TYPE, XML_TYPE, render_error, render_json, render_xml
from hub.sessions import COOKIE
from hub.text import nfc
from hub.tracking import not_found_html, tracking_html

if TYPE_CHECKING:  # the hub is built by bootstrap; importing it here would load it all
    from hub.bootstrap import Hub


_LOOPBACK = ("127.0.0.1", "::1")
# A filed report's body: a description of 4,000 Bengali characters is about 36 KB encoded.
MAX_REPORT_BYTES = 64 * 1024
# The tracking page is public: nothing is kept by caches between the city and a citizen for
# long (a status changes), and it is never framed by another site.
_PUBLIC_PAGE_HEADERS = {"cache-control": "no-cache", "x-frame-options": "DENY"}


def http_routes(get_hub: Callable[[], Hub]) -> list[Route]:
    """The routes, each reading the process's hub through `get_hub` at request time."""

    async def healthz(_request: Request) -> JSONResponse:
        # In a worker thread: its queries wait behind the pages' in the database, and on the
        # event loop that wait would hold up every person's page.
        report = await run_in_threadpool(get_hub().health)
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

    async def track(request: Request) -> HTMLResponse:
        # Public, no login: the tracking page of one reference (nothing personal on it).
        hub = get_hub()
        remote = request.client.host if request.client else ""
        if hub.open311.reads.allow(f"track:{remote}") is not None:
            return HTMLResponse("Too many requests: try again in a minute.", status_code=429)
        reference = request.path_params["reference"]
        ticket = await run_in_threadpool(hub.public_tickets.by_reference, reference)
        if ticket is None:
            return HTMLResponse(not_found_html(reference), status_code=404)
        zone = ZoneInfo(hub.settings.display_timezone)
        return HTMLResponse(tracking_html(ticket, zone), headers=_PUBLIC_PAGE_HEADERS)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/track/{reference}", track, methods=["GET"]),
        Route("/open311/v2/{resource:path}", open311_route(get_hub), methods=["GET", "POST"]),
        Route("/auth/session", start_session, methods=["POST"]),
        Route("/ops/backup", backup_now, methods=["POST"]),
        *signed_webhook_routes("/webhooks/facebook", lambda: get_hub().webhooks),
        *signed_webhook_routes("/webhooks/whatsapp", lambda: get_hub().whatsapp_webhooks),
    ]


def open311_route(get_hub: Callable[[], Hub]) -> Callable[[Request], Any]:
    """Every GeoReport v2 resource under `/open311/v2/`, as `<resource>.json` or `.xml`.

    Reports are read as form fields only (the spec's encoding): a body of another type is
    refused unread, so no XML from outside is ever parsed. Reads are counted per source (or
    per key when one is given), filings per key, each in a sliding minute.
    """

    async def open311(request: Request) -> Response:
        hub = get_hub()
        stem, dot, fmt = request.path_params["resource"].rpartition(".")
        if not dot or fmt not in FORMATS:
            fmt, stem = "json", ""
        base_url = str(request.base_url).rstrip("/") + "/open311/v2"
        try:
            if not stem:
                raise Open311Error(404, "Ask for a resource as .json or .xml, e.g. services.json.")
            if request.method == "POST":
                if stem != "requests":
                    raise Open311Error(405, "Only requests.json or requests.xml take a POST.")
                form = await _report_form(request)
                answer = await run_in_threadpool(hub.open311.submit, form)
            else:
                query = dict(request.query_params)
                remote = request.client.host if request.client else ""
                who = f"key:{query['api_key']}" if query.get("api_key") else f"ip:{remote}"
                wait = hub.open311.reads.allow(who)
                if wait is not None:
                    raise Open311Error(429, f"Too many requests: try again in {int(wait) + 1} s.")
                answer = await run_in_threadpool(_read, hub.open311, stem, query, base_url)
        except Open311Error as exc:
            body, media_type = render_error(exc.status, exc.message, fmt)
            return Response(body, status_code=exc.status, media_type=media_type)
        except HubError as exc:
            body, media_type = render_error(503, f"The hub could not answer: {exc}", fmt)
            return Response(body, status_code=503, media_type=media_type)
        if fmt == "xml":
            body = render_xml(answer.body, answer.root, answer.item)
            return Response(body, status_code=answer.status, media_type=XML_TYPE)
        return Response(render_json(answer.body), status_code=answer.status, media_type=JSON_TYPE)

    return open311


def _read(service: GeoReport, stem: str, query: dict[str, str], base_url: str) -> Open311Answer:
    """One GeoReport read by its resource name (without the format)."""
    if stem == "discovery":
        return service.discovery(base_url)
    if stem == "services":
        return service.services()
    section, _, name = stem.partition("/")
    if section == "services" and name:
        return service.service_definition(name)
    if stem == "requests":
        return service.requests(query, base_url)
    if section == "requests" and name:
        return service.request(name, base_url)
    if section == "tokens" and name:
        return service.token(name)
    raise Open311Error(404, f"No resource {stem[:60]!r}: see discovery.json.")


async def _report_form(request: Request) -> dict[str, str]:
    """A filed report's fields, read whole only when form-encoded and under the cap."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise Open311Error(
            400,
            "Send the report as form fields (application/x-www-form-urlencoded), as GeoReport"
            " v2 asks; other bodies are not read.",
        )
    raw, complete = await read_body_capped(request, MAX_REPORT_BYTES)
    if not complete:
        raise Open311Error(413, f"The report is over {MAX_REPORT_BYTES // 1024} KB: shorten it.")
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=60
        )
    except (UnicodeDecodeError, ValueError):
        raise Open311Error(400, "The form could not be read: UTF-8 form fields only.") from None
    return {name: nfc(value) for name, value in pairs}


def signed_webhook_routes(path: str, get_receiver: Callable[[], Any]) -> list[Route]:
    """Meta's subscription check (GET) and signed deliveries (POST) for one receiver.

    Every public webhook route is screened the same way before its body is read: a source
    over its refusal limit, a missing signature or a declared length over the cap cost no
    reading. The screen is in memory and runs on the event loop (a thread hop per delivery
    cost more than it); the signature covers the raw bytes, so the body is passed on
    unparsed; the receiver touches the disk, so it runs off the event loop.
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
        result = receiver.screen(signature, declared, remote)
        if result is not None:
            result = await run_in_threadpool(receiver.record_refusal, result, remote, declared or 0)
        else:
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
