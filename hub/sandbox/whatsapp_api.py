"""The WhatsApp Cloud API half of the sandbox: the city's number, templates, media, webhooks.

`install_whatsapp_api(app)` creates the `wa_*` tables in the sandbox's DuckDB file and
registers the Cloud API routes (with and without a version prefix) on a `SandboxApp`:

- ``GET /{phone-number-id}``: the number's name, quality rating and messaging tier;
- ``POST /{phone-number-id}/messages``: text (free-form only within 24 hours of the
  citizen's last message, else error 131047), template (approved per language: 132001 when
  missing, 132000 for a wrong parameter count), and read receipts;
- ``POST /{phone-number-id}/media``: an upload; ``GET /{media-id}``: a download address that
  expires after five minutes; ``GET /media-download/{token}``: the bytes, with the token;
- the number's throughput (messages a second, 130429 past it), its messaging tier (unique
  people written to first in 24 hours) and a per-person limit (131056);
- fault injection like Facebook's and X's: an expired token (190), a rate-limit storm,
  the app's `Fault`s on any route.

Citizens write through `WhatsAppSandbox.citizen_sends` (the simulator, the trainer page,
tests): the message is kept, its media uploaded, and a signed webhook queued for the hub.
Webhooks (citizens' messages, and the statuses sent, delivered, read or failed of the city's
messages) go out from a background thread and are retried, as Meta retries, until the hub
answers 200; statuses can be set to arrive duplicated and out of order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

import requests

from hub.notices.texts import NOTICE_TEMPLATES
from hub.sandbox.server import Request, Response, SandboxApp

DEFAULT_VERSION = "v24.0"
WINDOW = timedelta(hours=24)
MEDIA_URL_LIFETIME = timedelta(minutes=5)
# Meta retries a webhook the receiver did not take: quickly at first, then less often.
WEBHOOK_RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)
# Media ids of this sandbox start so, so that Graph's object routes never take them.
MEDIA_ID_PREFIX = "4490"
MESSAGING_TIERS = {"TIER_250": 250, "TIER_1K": 1000, "TIER_10K": 10_000, "TIER_100K": 100_000}

_VERSION = r"(?:/v(?P<version>\d+\.\d+))?"
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")

# The templates Meta approved for the city, per language (bodies with {{n}} parameters).
DEFAULT_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "complaint_registered",
        "en",
        "Kolkata Municipal Corporation: your complaint is registered as {{1}}. Follow it at {{2}}",
    ),
    (
        "complaint_registered",
        "bn",
        "কলকাতা পৌরসংস্থা: আপনার অভিযোগ {{1}} নম্বরে নথিভুক্ত হয়েছে। অগ্রগতি দেখুন: {{2}}",
    ),
    (
        "complaint_status_update",
        "en",
        "Kolkata Municipal Corporation, about your complaint {{1}}: {{2}}",
    ),
    (
        "complaint_status_update",
        "bn",
        "কলকাতা পৌরসংস্থা, আপনার অভিযোগ {{1}} সম্পর্কে: {{2}}",
    ),
    # The notices' templates, with the bodies the hub renders for its previews.
    *NOTICE_TEMPLATES,
)


class CloudApiError(Exception):
    """An error the sandbox answers in the Cloud API's shape."""

    def __init__(
        self, code: int, message: str, *, status: int = 400, details: str = "", title: str = ""
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.details, self.title = details, title or message

    def body(self) -> dict[str, Any]:
        """The error JSON, as the Cloud API writes it."""
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": "A" + secrets.token_hex(10),
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return {"error": error}


@dataclass
class _Webhook:
    id: int
    body: bytes
    attempts: int
    due: float


class WhatsAppSandbox:
    """The sandbox's WhatsApp Business Account: state, routes, citizens and webhooks."""

    def __init__(
        self,
        app: SandboxApp,
        *,
        waba_id: str,
        phone_number_id: str,
        display_phone_number: str,
        access_token: str,
        app_secret: str,
        clock: Callable[[], datetime] | None = None,
        seed: int = 2026,
    ) -> None:
        self.app = app
        self.waba_id = waba_id
        self.phone_number_id = phone_number_id
        self.display_phone_number = display_phone_number
        self.access_token = access_token
        self.app_secret = app_secret.encode()
        self.verified_name = "Kolkata Municipal Corporation"
        self._clock = clock or (lambda: datetime.now(UTC))
        # Where webhooks go (the hub's /webhooks/whatsapp); None: kept until one is set.
        self.webhook_url: str | None = None
        # Fault switches, as on the other halves.
        self._token_expired = False
        self._storm_remaining = 0
        # Throughput: messages a second per number (Meta's default 80), and the tier.
        self.throughput_per_second = 80.0
        self.messaging_tier = "TIER_1K"
        # At most this many messages to one person in `pair_window` (131056); None: no limit.
        self.pair_limit: int | None = None
        self.pair_window = timedelta(seconds=6)
        self._sent_times: deque[float] = deque()
        self._pair_sends: dict[str, deque[float]] = {}
        # Statuses: how often one is sent twice, and whether a batch may arrive shuffled.
        # As Meta does now and then: a status twice, a later one before an earlier.
        self.status_duplicate_rate = 0.05
        self.status_shuffle = True
        self.status_read_rate = 0.5
        self.send_statuses = True
        # Up to this many statuses in one webhook (Meta batches them when a number is busy);
        # 1: each its own. Batched statuses wait in memory until the batch fills or the
        # webhooks are next delivered.
        self.status_batch = 1
        self._status_buffer: list[dict[str, Any]] = []
        # Each citizen's last message to the number (the 24-hour window), once read.
        self._last_inbound: dict[str, datetime] | None = None
        # Sent messages not yet written to the file (`flush_outgoing`; and at close).
        self._outgoing: list[list[Any]] = []
        self._outgoing_since = 0.0
        self._flush_lock = threading.Lock()
        # Messages sent per type since start: read by a benchmark watching a large send
        # many times a second, which a query of the table each time slowed down.
        self._sent_by_type: Counter[str] = Counter()
        app.before_close(self.flush_outgoing)
        # The approved templates, read once (`remove_template` changes them).
        self._templates: dict[tuple[str, str], str] | None = None
        # Numbers that cannot receive messages (not on WhatsApp): their sends fail by status.
        self.undeliverable: set[str] = set()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = requests.Session()
        self.webhook_log: list[tuple[int, int]] = []  # (webhook id, HTTP status or 0)

    def now(self) -> datetime:
        """The sandbox's clock (aware UTC)."""
        return self._clock()

    # -- schema and routes -------------------------------------------------------------------

    def create_schema(self) -> None:
        """The `wa_*` tables (kept across restarts in the sandbox's file)."""
        with self.app.cursor() as cur:
            cur.execute("CREATE SEQUENCE IF NOT EXISTS wa_seq START 1")
            cur.execute(
                "CREATE TABLE IF NOT EXISTS wa_templates (name VARCHAR, language VARCHAR,"
                " body VARCHAR NOT NULL, PRIMARY KEY (name, language))"
            )
            cur.execute(
                "CREATE TABLE IF NOT EXISTS wa_messages (id VARCHAR PRIMARY KEY,"
                " direction VARCHAR NOT NULL, phone_number_id VARCHAR NOT NULL,"
                " wa_id VARCHAR NOT NULL, type VARCHAR NOT NULL, text VARCHAR,"
                " payload JSON, context_id VARCHAR, callback VARCHAR,"
                " created_at TIMESTAMPTZ NOT NULL)"
            )
            cur.execute(
                "CREATE TABLE IF NOT EXISTS wa_media (id VARCHAR PRIMARY KEY,"
                " mime_type VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, content BLOB NOT NULL,"
                " created_at TIMESTAMPTZ NOT NULL)"
            )
            cur.execute(
                "CREATE TABLE IF NOT EXISTS wa_media_urls (token VARCHAR PRIMARY KEY,"
                " media_id VARCHAR NOT NULL, expires_at TIMESTAMPTZ NOT NULL)"
            )
            cur.execute(
                "CREATE TABLE IF NOT EXISTS wa_webhooks (id BIGINT PRIMARY KEY,"
                " body VARCHAR NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
                " due_at DOUBLE NOT NULL, delivered_at TIMESTAMPTZ, last_status INTEGER)"
            )
            if not cur.execute("SELECT count(*) FROM wa_templates").fetchone()[0]:
                cur.executemany(
                    "INSERT INTO wa_templates VALUES (?, ?, ?)",
                    [list(t) for t in DEFAULT_TEMPLATES],
                )

    def register_routes(self) -> None:
        """The Cloud API's routes; registered before Graph's, whose object route is broader."""
        number = f"(?P<number>{re.escape(self.phone_number_id)})"
        media = rf"(?P<media_id>{MEDIA_ID_PREFIX}\d+)"
        route = self.app.route
        route("GET", f"{_VERSION}/media-download/(?P<token>[A-Za-z0-9_-]+)")(self._download)
        route("GET", f"{_VERSION}/{number}")(self._endpoint(self._number_info))
        route("POST", f"{_VERSION}/{number}/messages")(self._endpoint(self._post_message))
        route("POST", f"{_VERSION}/{number}/media")(self._endpoint(self._upload))
        route("GET", f"{_VERSION}/{media}")(self._endpoint(self._media_info))

    def _endpoint(
        self, handler: Callable[[Request, dict[str, str]], Any]
    ) -> Callable[[Request, dict[str, str]], Response]:
        def serve(request: Request, groups: dict[str, str]) -> Response:
            try:
                self._authenticate(request)
                payload = handler(request, groups)
            except CloudApiError as err:
                return Response.json(err.body(), err.status)
            return Response.json(payload)

        return serve

    def _authenticate(self, request: Request) -> None:
        auth = request.headers.get("authorization", "")
        token = auth.split(" ", 1)[1].strip() if auth.lower().startswith("bearer ") else ""
        if not token or not hmac.compare_digest(token, self.access_token):
            raise CloudApiError(
                190, "Invalid OAuth access token - Cannot parse access token", status=401
            )
        if self._token_expired:
            raise CloudApiError(
                190,
                "Error validating access token: Session has expired.",
                status=401,
                details="The system user's token was revoked.",
            )
        with self._lock:
            if self._storm_remaining > 0:
                self._storm_remaining -= 1
                raise CloudApiError(
                    80007,
                    "(#80007) Rate limit issues",
                    details="The WhatsApp Business Account has reached its rate limit.",
                )

    # -- the number ----------------------------------------------------------------------------

    def _number_info(self, request: Request, groups: dict[str, str]) -> dict[str, Any]:
        return {
            "id": self.phone_number_id,
            "display_phone_number": self.display_phone_number,
            "verified_name": self.verified_name,
            "quality_rating": "GREEN",
            "messaging_limit_tier": self.messaging_tier,
        }

    # -- messages from the city ----------------------------------------------------------------

    def _post_message(self, request: Request, groups: dict[str, str]) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError:
            raise CloudApiError(100, "(#100) The request body is not JSON") from None
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            raise CloudApiError(100, "(#100) The parameter messaging_product is required.")
        if body.get("status") == "read":
            return self._mark_read(str(body.get("message_id") or ""))
        to = str(body.get("to") or "")
        if not re.fullmatch(r"\d{6,15}", to):
            raise CloudApiError(100, "(#100) Invalid parameter", details="'to' is not a number")
        kind = body.get("type", "text")
        now = self.now()
        with self._lock:
            self._check_throughput(to, now)
        if kind == "text":
            text_body = body.get("text") if isinstance(body.get("text"), dict) else {}
            text = str(text_body.get("body") or "")
            if not text.strip():
                raise CloudApiError(100, "(#100) The parameter text['body'] is required.")
            if len(text) > 4096:
                raise CloudApiError(
                    100, "(#100) Param text['body'] must be at most 4096 characters long."
                )
            if not self._window_open(to, now):
                raise CloudApiError(
                    131047,
                    "Re-engagement message",
                    details="Message failed to send because more than 24 hours have passed "
                    "since the customer last replied to this number.",
                )
        elif kind == "template":
            text = self._render_template(body.get("template"))
            self._check_tier(to, now)
        else:
            raise CloudApiError(100, f"(#100) Unsupported message type {kind!r} in the sandbox")
        context = body.get("context") if isinstance(body.get("context"), dict) else {}
        message_id = self._new_message_id()
        callback = body.get("biz_opaque_callback_data")
        self._record_outgoing(
            [
                message_id,
                to,
                kind,
                text,
                json.dumps(body, ensure_ascii=False),
                context.get("message_id"),
                str(callback) if callback else None,
                now,
            ]
        )
        if self.send_statuses:
            self._queue_statuses(message_id, to, str(callback) if callback else None, now)
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": message_id}],
        }
        if kind == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return answer

    def _mark_read(self, message_id: str) -> dict[str, Any]:
        with self.app.cursor() as cur:
            found = cur.execute(
                "SELECT 1 FROM wa_messages WHERE id = ? AND direction = 'in'", [message_id]
            ).fetchone()
        if not found:
            raise CloudApiError(100, "(#100) Invalid parameter", details="unknown message_id")
        return {"success": True}

    def _check_throughput(self, to: str, now: datetime) -> None:
        clock = time.monotonic()
        while self._sent_times and self._sent_times[0] <= clock - 1.0:
            self._sent_times.popleft()
        if len(self._sent_times) >= self.throughput_per_second:
            raise CloudApiError(
                130429,
                "Rate limit hit",
                details="Cloud API message throughput has been reached.",
            )
        if self.pair_limit is not None:
            sends = self._pair_sends.setdefault(to, deque())
            window = self.pair_window.total_seconds()
            while sends and sends[0] <= clock - window:
                sends.popleft()
            if len(sends) >= self.pair_limit:
                raise CloudApiError(
                    131056,
                    "(Business Account, Consumer Account) pair rate limit hit",
                    details="Too many messages sent from the phone number to the same person.",
                )
            sends.append(clock)
        self._sent_times.append(clock)

    def _window_open(self, wa_id: str, now: datetime) -> bool:
        # Kept in memory (read once from the file): at a thousand messages a second, a scan
        # of every message for each one would make the sandbox, not the hub, the slow side.
        with self._lock:
            if self._last_inbound is None:
                with self.app.cursor() as cur:
                    self._last_inbound = dict(
                        cur.execute(
                            "SELECT wa_id, max(created_at) FROM wa_messages"
                            " WHERE direction = 'in' AND phone_number_id = ? GROUP BY wa_id",
                            [self.phone_number_id],
                        ).fetchall()
                    )
            last = self._last_inbound.get(wa_id)
        return last is not None and now - last <= WINDOW

    def _record_outgoing(self, row: list[Any]) -> None:
        """Keep a sent message; written to the file a batch at a time (one insert of many
        rows costs about what one of one does), and before anything reads them."""
        with self._lock:
            if not self._outgoing:
                self._outgoing_since = time.monotonic()
            self._outgoing.append(row)
            self._sent_by_type[row[2]] += 1
            due = len(self._outgoing) >= 200 or time.monotonic() - self._outgoing_since > 0.05
        if due:
            self.flush_outgoing(wait=False)

    def sent_count(self, kind: str) -> int:
        """How many messages of `kind` (``template``, ``text``...) were sent since start."""
        with self._lock:
            return self._sent_by_type[kind]

    def flush_outgoing(self, *, wait: bool = True) -> int:
        """Write the sent messages kept in memory; returns how many.

        ``wait=False`` (a send's own flush) leaves it to a flush already under way: while one
        is, every send past the 200th would otherwise queue behind the lock, each answer held
        for a database write, and the sandbox (not the hub) set the pace of a large send."""
        if not self._flush_lock.acquire(blocking=wait):
            return 0
        try:
            return self._flush_rows()
        finally:
            self._flush_lock.release()

    def _flush_rows(self) -> int:
        with self._lock:
            rows, self._outgoing = self._outgoing, []
        if not rows:
            return 0
        columns = list(zip(*rows, strict=True))
        with self.app.cursor() as cur:
            cur.execute(
                "INSERT INTO wa_messages SELECT unnest($ids), 'out', $number, unnest($to),"
                " unnest($kinds), unnest($texts), unnest($payloads), unnest($contexts),"
                " unnest($callbacks), unnest($ats)",
                {
                    "ids": list(columns[0]),
                    "number": self.phone_number_id,
                    "to": list(columns[1]),
                    "kinds": list(columns[2]),
                    "texts": list(columns[3]),
                    "payloads": list(columns[4]),
                    "contexts": list(columns[5]),
                    "callbacks": list(columns[6]),
                    "ats": list(columns[7]),
                },
            )
        return len(rows)

    def remove_template(self, name: str, language: str) -> None:
        """Withdraw an approved template in one language (its sends then answer 132001)."""
        with self.app.cursor() as cur:
            cur.execute(
                "DELETE FROM wa_templates WHERE name = ? AND language = ?", [name, language]
            )
        with self._lock:
            self._templates = None

    def age_conversation(self, wa_id: str, minutes: int) -> None:
        """Move a citizen's messages `minutes` into the past (tests of the 24-hour window)."""
        with self.app.cursor() as cur:
            cur.execute(
                "UPDATE wa_messages SET created_at = created_at - to_minutes(?::INTEGER)"
                " WHERE wa_id = ? AND direction = 'in'",
                [minutes, wa_id],
            )
        with self._lock:
            self._last_inbound = None

    def _check_tier(self, to: str, now: datetime) -> None:
        # Business-initiated conversations: unique people written to in 24 hours, outside
        # their own window.
        if self._window_open(to, now):
            return
        limit = MESSAGING_TIERS.get(self.messaging_tier)
        if limit is None:
            return
        self.flush_outgoing()
        with self.app.cursor() as cur:
            reached = cur.execute(
                "SELECT count(DISTINCT wa_id), count(*) FILTER (WHERE wa_id = ?)"
                " FROM wa_messages WHERE direction = 'out' AND type = 'template'"
                " AND created_at > ?",
                [to, now - WINDOW],
            ).fetchone()
        if reached[1] == 0 and reached[0] >= limit:
            raise CloudApiError(
                131048 if limit < 1000 else 130429,
                "Spam rate limit hit",
                details=f"The messaging tier ({self.messaging_tier}) allows {limit} people a day.",
            )

    def _render_template(self, template: Any) -> str:
        if not isinstance(template, dict) or not template.get("name"):
            raise CloudApiError(100, "(#100) The parameter template['name'] is required.")
        language = template.get("language") if isinstance(template.get("language"), dict) else {}
        code = str(language.get("code") or "")
        with self._lock:
            if self._templates is None:
                with self.app.cursor() as cur:
                    self._templates = {
                        (name, lang): body
                        for name, lang, body in cur.execute(
                            "SELECT name, language, body FROM wa_templates"
                        ).fetchall()
                    }
            body = self._templates.get((str(template["name"]), code))
        row = None if body is None else (body,)
        if row is None:
            raise CloudApiError(
                132001,
                "(#132001) Template name does not exist in the translation",
                details=f"template name ({template['name']}) does not exist in {code}",
            )
        parameters: list[str] = []
        for component in template.get("components") or []:
            if isinstance(component, dict) and component.get("type") == "body":
                parameters.extend(
                    str(p.get("text") or "")
                    for p in component.get("parameters") or []
                    if isinstance(p, dict)
                )
        wanted = {int(n) for n in _PLACEHOLDER.findall(row[0])}
        if len(parameters) != len(wanted):
            raise CloudApiError(
                132000,
                "(#132000) Number of parameters does not match the expected number of params",
                details=f"body: number of localizable_params ({len(parameters)}) does not match"
                f" the expected number of params ({len(wanted)})",
            )
        if any(len(p) > 1024 or not p.strip() for p in parameters):
            raise CloudApiError(
                132005,
                "(#132005) Translated text too long",
                details="a parameter is empty or over 1024 characters",
            )
        return _PLACEHOLDER.sub(lambda m: parameters[int(m.group(1)) - 1], row[0])

    def _new_message_id(self) -> str:
        return "wamid.HBgM" + secrets.token_hex(16).upper()

    # -- media -------------------------------------------------------------------------------

    def store_media(self, content: bytes, mime_type: str) -> str:
        """Keep an uploaded file; returns its media id."""
        with self.app.cursor() as cur:
            number = cur.execute("SELECT nextval('wa_seq')").fetchone()[0]
            media_id = f"{MEDIA_ID_PREFIX}{number:012d}"
            cur.execute(
                "INSERT INTO wa_media VALUES (?, ?, ?, ?, ?)",
                [media_id, mime_type, hashlib.sha256(content).hexdigest(), content, self.now()],
            )
        return media_id

    def _upload(self, request: Request, groups: dict[str, str]) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if "multipart/form-data" not in content_type:
            raise CloudApiError(100, "(#100) Upload the file as multipart/form-data")
        message = BytesParser(policy=policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                content = part.get_payload(decode=True) or b""
                return {"id": self.store_media(content, part.get_content_type())}
        raise CloudApiError(100, "(#100) The parameter file is required.")

    def _media_info(self, request: Request, groups: dict[str, str]) -> dict[str, Any]:
        media_id = groups["media_id"]
        with self.app.cursor() as cur:
            row = cur.execute(
                "SELECT mime_type, sha256, octet_length(content) FROM wa_media WHERE id = ?",
                [media_id],
            ).fetchone()
            if row is None:
                raise CloudApiError(
                    100,
                    "(#100) Invalid parameter",
                    details=f"Unsupported get request. Object with ID '{media_id}' does not exist",
                )
            token = secrets.token_urlsafe(24)
            cur.execute(
                "INSERT INTO wa_media_urls VALUES (?, ?, ?)",
                [token, media_id, self.now() + MEDIA_URL_LIFETIME],
            )
        return {
            "messaging_product": "whatsapp",
            "url": f"{self.app.base_url}/{DEFAULT_VERSION}/media-download/{token}",
            "mime_type": row[0],
            "sha256": row[1],
            "file_size": row[2],
            "id": media_id,
        }

    def _download(self, request: Request, groups: dict[str, str]) -> Response:
        try:
            self._authenticate(request)
        except CloudApiError as err:
            return Response.json(err.body(), err.status)
        with self.app.cursor() as cur:
            row = cur.execute(
                "SELECT m.content, m.mime_type, u.expires_at FROM wa_media_urls u"
                " JOIN wa_media m ON m.id = u.media_id WHERE u.token = ?",
                [groups["token"]],
            ).fetchone()
        if row is None or row[2] < self.now():
            err = CloudApiError(
                100, "(#100) The media URL has expired or does not exist", status=404
            )
            return Response.json(err.body(), 404)
        return Response(200, bytes(row[0]), {"Content-Type": row[1]})

    def expire_media_urls(self) -> None:
        """Every download address given so far stops working (as after five minutes)."""
        with self.app.cursor() as cur:
            cur.execute("UPDATE wa_media_urls SET expires_at = ?", [self.now() - timedelta(1)])

    # -- citizens ----------------------------------------------------------------------------

    def citizen_sends(
        self,
        wa_id: str,
        name: str = "",
        *,
        text: str | None = None,
        image: tuple[bytes, str] | None = None,
        audio: tuple[bytes, str] | None = None,
        document: tuple[bytes, str, str] | None = None,
        location: tuple[float, float, str] | None = None,
        caption: str | None = None,
        context_id: str | None = None,
        message_type: str | None = None,
        created_at: datetime | None = None,
        deliver: bool = True,
    ) -> str:
        """A citizen's message to the city's number; returns its id (wamid).

        One of `text`, `image` (bytes, MIME type), `audio` (bytes, MIME type; a voice note),
        `document` (bytes, MIME type, file name), `location` (latitude, longitude, name), or
        `message_type` for a type the hub does not read (e.g. "poll"). The webhook is queued
        for the hub (`deliver`), signed with the app secret.
        """
        message_id, payload = self.citizen_message(
            wa_id,
            name,
            text=text,
            image=image,
            audio=audio,
            document=document,
            location=location,
            caption=caption,
            context_id=context_id,
            message_type=message_type,
            created_at=created_at,
        )
        if deliver:
            self.queue_webhook(payload)
        return message_id

    def citizen_message(
        self,
        wa_id: str,
        name: str = "",
        *,
        text: str | None = None,
        image: tuple[bytes, str] | None = None,
        audio: tuple[bytes, str] | None = None,
        document: tuple[bytes, str, str] | None = None,
        location: tuple[float, float, str] | None = None,
        caption: str | None = None,
        context_id: str | None = None,
        message_type: str | None = None,
        created_at: datetime | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """A citizen's message kept on the platform, and the webhook payload that carries it
        (`citizen_sends` queues it; a load test posts many itself)."""
        now = created_at or self.now()
        message_id = self._new_message_id()
        message: dict[str, Any] = {
            "from": wa_id,
            "id": message_id,
            "timestamp": str(int(now.timestamp())),
        }
        if context_id:
            message["context"] = {"from": self.display_phone_number, "id": context_id}
        kind, shown = "text", text or ""
        if image is not None:
            kind = "image"
            message["image"] = self._attachment(image[0], image[1], caption=caption)
            shown = caption or ""
        elif audio is not None:
            kind = "audio"
            message["audio"] = {**self._attachment(audio[0], audio[1]), "voice": True}
        elif document is not None:
            kind = "document"
            message["document"] = {
                **self._attachment(document[0], document[1], caption=caption),
                "filename": document[2],
            }
            shown = caption or ""
        elif location is not None:
            kind = "location"
            message["location"] = {
                "latitude": location[0],
                "longitude": location[1],
                "name": location[2],
            }
            shown = location[2]
        elif message_type is not None:
            kind = message_type
            message["errors"] = [
                {"code": 131051, "title": "Message type unknown", "message": "Message type unknown"}
            ]
        else:
            message["text"] = {"body": text or ""}
        message["type"] = kind if kind != message_type else "unsupported"
        with self._lock:
            if self._last_inbound is not None:
                previous = self._last_inbound.get(wa_id)
                if previous is None or previous < now:
                    self._last_inbound[wa_id] = now
        with self.app.cursor() as cur:
            cur.execute(
                "INSERT INTO wa_messages VALUES (?, 'in', ?, ?, ?, ?, ?, ?, NULL, ?)",
                [
                    message_id,
                    self.phone_number_id,
                    wa_id,
                    message["type"],
                    shown,
                    json.dumps(message, ensure_ascii=False),
                    context_id,
                    now,
                ],
            )
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_phone_number.replace(" ", "").lstrip("+"),
                "phone_number_id": self.phone_number_id,
            },
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [message],
        }
        return message_id, self._envelope(value)

    def _attachment(self, content: bytes, mime_type: str, *, caption: str | None = None) -> dict:
        media_id = self.store_media(content, mime_type)
        attachment = {
            "mime_type": mime_type,
            "sha256": hashlib.sha256(content).hexdigest(),
            "id": media_id,
        }
        if caption:
            attachment["caption"] = caption
        return attachment

    def conversation(self, wa_id: str) -> list[dict[str, Any]]:
        """Every message between the city's number and one person, oldest first."""
        self.flush_outgoing()
        with self.app.cursor() as cur:
            rows = cur.execute(
                "SELECT id, direction, type, text, context_id, created_at, callback"
                " FROM wa_messages WHERE wa_id = ? ORDER BY created_at, id",
                [wa_id],
            ).fetchall()
        keys = ("id", "direction", "type", "text", "context_id", "created_at", "callback")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def sent_messages(self) -> list[dict[str, Any]]:
        """Every message the city sent, oldest first."""
        self.flush_outgoing()
        with self.app.cursor() as cur:
            rows = cur.execute(
                "SELECT id, wa_id, type, text, context_id, created_at, callback"
                " FROM wa_messages WHERE direction = 'out' ORDER BY created_at, id"
            ).fetchall()
        keys = ("id", "wa_id", "type", "text", "context_id", "created_at", "callback")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # -- statuses and webhooks -----------------------------------------------------------------

    def _queue_statuses(
        self, message_id: str, to: str, callback: str | None, now: datetime
    ) -> None:
        if to in self.undeliverable:
            steps = [("failed", now)]
        else:
            steps = [("sent", now), ("delivered", now + timedelta(seconds=1))]
            if self._random.random() < self.status_read_rate:
                steps.append(("read", now + timedelta(seconds=5)))
        values = [self._status_value(message_id, to, callback, s, at) for s, at in steps]
        if self.status_duplicate_rate and self._random.random() < self.status_duplicate_rate:
            values.append(values[self._random.randrange(len(values))])
        if self.status_shuffle:
            self._random.shuffle(values)
        if self.status_batch <= 1:
            self.queue_webhooks([self._envelope(value) for value in values])
            return
        with self._lock:
            self._status_buffer.extend(values)
            full = len(self._status_buffer) >= self.status_batch
        if full:
            self.flush_statuses()

    def flush_statuses(self) -> int:
        """Queue the batched statuses as webhooks of up to `status_batch` each; how many."""
        with self._lock:
            waiting, self._status_buffer = self._status_buffer, []
        payloads = []
        for start in range(0, len(waiting), max(1, self.status_batch)):
            chunk = waiting[start : start + max(1, self.status_batch)]
            value = dict(chunk[0])
            value["statuses"] = [item for v in chunk for item in v["statuses"]]
            payloads.append(self._envelope(value))
        if payloads:
            self.queue_webhooks(payloads)
        return len(waiting)

    def _status_value(
        self, message_id: str, to: str, callback: str | None, status: str, at: datetime
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": str(int(at.timestamp())),
            "recipient_id": to,
        }
        if callback:
            item["biz_opaque_callback_data"] = callback
        if status == "failed":
            item["errors"] = [
                {
                    "code": 131026,
                    "title": "Message undeliverable",
                    "message": "Message undeliverable",
                    "error_data": {"details": "The recipient is not on WhatsApp."},
                }
            ]
        return {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_phone_number.replace(" ", "").lstrip("+"),
                "phone_number_id": self.phone_number_id,
            },
            "statuses": [item],
        }

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": self.waba_id, "changes": [{"value": value, "field": "messages"}]}],
        }

    def queue_webhook(self, payload: dict[str, Any]) -> int:
        """Keep a webhook for the hub until it takes it; returns its id."""
        return self.queue_webhooks([payload])[0]

    def queue_webhooks(self, payloads: list[dict[str, Any]]) -> list[int]:
        """Keep several webhooks (in one statement); returns their ids."""
        bodies = [json.dumps(payload, ensure_ascii=False) for payload in payloads]
        with self.app.cursor() as cur:
            rows = cur.execute(
                "INSERT INTO wa_webhooks (id, body, due_at)"
                " SELECT nextval('wa_seq'), unnest($bodies), $due RETURNING id",
                {"bodies": bodies, "due": time.time()},
            ).fetchall()
        self._wake.set()
        return [row[0] for row in rows]

    def sign(self, body: bytes) -> str:
        """The `X-Hub-Signature-256` header Meta would send with `body`."""
        return "sha256=" + hmac.new(self.app_secret, body, hashlib.sha256).hexdigest()

    def pending_webhooks(self) -> int:
        """Webhooks the hub has not taken yet."""
        with self.app.cursor() as cur:
            return cur.execute(
                "SELECT count(*) FROM wa_webhooks WHERE delivered_at IS NULL"
            ).fetchone()[0]

    def deliver_due(self, *, limit: int = 200, all_now: bool = False) -> int:
        """POST the webhooks that are due to `webhook_url`; returns how many the hub took.

        A webhook the hub refused or did not answer is tried again later, less and less
        often (`WEBHOOK_RETRY_DELAYS`). `all_now` ignores the retry delays (tests).
        """
        url = self.webhook_url
        if not url:
            return 0
        self.flush_statuses()
        with self.app.cursor() as cur:
            rows = cur.execute(
                "SELECT id, body, attempts, due_at FROM wa_webhooks WHERE delivered_at IS NULL"
                " AND (? OR due_at <= ?) ORDER BY id LIMIT ?",
                [all_now, time.time(), limit],
            ).fetchall()
        taken = 0
        for row in rows:
            hook = _Webhook(row[0], row[1].encode("utf-8"), row[2], row[3])
            status = self._post(url, hook.body)
            self.webhook_log.append((hook.id, status))
            with self.app.cursor() as cur:
                if status == 200:
                    taken += 1
                    cur.execute(
                        "UPDATE wa_webhooks SET delivered_at = ?, attempts = attempts + 1,"
                        " last_status = 200 WHERE id = ?",
                        [self.now(), hook.id],
                    )
                else:
                    delay = WEBHOOK_RETRY_DELAYS[min(hook.attempts, len(WEBHOOK_RETRY_DELAYS) - 1)]
                    cur.execute(
                        "UPDATE wa_webhooks SET attempts = attempts + 1, last_status = ?,"
                        " due_at = ? WHERE id = ?",
                        [status, time.time() + delay, hook.id],
                    )
        return taken

    def _post(self, url: str, body: bytes) -> int:
        try:
            response = self._http.post(
                url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": self.sign(body),
                },
                timeout=10,
            )
        except requests.RequestException:
            return 0
        return response.status_code

    def start_delivering(self) -> None:
        """Deliver webhooks from a background thread until the sandbox stops."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self.app.stopping.is_set():
                try:
                    delivered = self.deliver_due()
                except Exception:  # the state file closed under us at shutdown
                    if self.app.stopping.is_set():
                        return
                    delivered = 0
                if not delivered:
                    self._wake.wait(0.2)
                    self._wake.clear()

        self._thread = threading.Thread(target=loop, name="sandbox-wa-webhooks", daemon=True)
        self._thread.start()

    def stop_delivering(self) -> None:
        """Stop the background delivery (the app's stop does it too)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._wake.set()
            thread.join(timeout=5)

    # -- faults ------------------------------------------------------------------------------

    def expire_token(self, expired: bool = True) -> None:
        """Every call answers 190 until the token is renewed (`expire_token(False)`)."""
        self._token_expired = expired

    def rate_limit_storm(self, calls: int) -> None:
        """The next `calls` calls answer 80007 (the account's rate limit)."""
        with self._lock:
            self._storm_remaining = calls


def install_whatsapp_api(
    app: SandboxApp,
    *,
    waba_id: str,
    phone_number_id: str,
    display_phone_number: str,
    access_token: str,
    app_secret: str,
    webhook_verify_token: str = "",
    clock: Callable[[], datetime] | None = None,
) -> WhatsAppSandbox:
    """Add the Cloud API to a sandbox app: create the `wa_*` tables and register the routes.

    (`webhook_verify_token` is the hub's to check; the sandbox only sends webhooks.)
    """
    sandbox = WhatsAppSandbox(
        app,
        waba_id=waba_id,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        access_token=access_token,
        app_secret=app_secret,
        clock=clock,
    )
    sandbox.create_schema()
    sandbox.register_routes()
    return sandbox


__all__ = [
    "DEFAULT_TEMPLATES",
    "MEDIA_URL_LIFETIME",
    "CloudApiError",
    "WhatsAppSandbox",
    "install_whatsapp_api",
]
