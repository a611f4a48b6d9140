"""The city's WhatsApp Business number(s), through the Cloud API over `urllib3`.

No SDK: `pywa` (the maintained client) was read and set aside. It cannot be given a base URL
(it rewrites its own to graph.facebook.com), its typed sends drop the answer's JSON, and
media and network failures leave it as httpx exceptions rather than its error tree; the
Cloud API calls the hub makes are four (send a message, mark read, look up a media id,
download it), so a thin client that maps every failure itself is the smaller thing.

Over `urllib3` (which `requests` is built on) rather than `requests`: a large notice is tens of
thousands of sends from one process, and a send through a `requests` session cost 0.6 ms of
CPU against urllib3's 0.27 ms here (measured against the sandbox); at 1,000 messages a second
that difference is most of a core. Connections are pooled and shared by the senders' threads;
urllib3 never retries (a write retried blindly could be sent twice).

Every failure leaves this module as a `PlatformError` from `hub.errors` (PLATFORM_FACTS.md):

| code | meaning | error |
|---|---|---|
| 131047 | more than 24 hours since the citizen wrote: a template is needed | `WindowClosed` |
| 130429 | the number's throughput this second: the number waits 2 s | `RateLimited` |
| 80007, 131048, 4 | account or spam rate limit: the number waits | `RateLimited` |
| 131056 | too many messages to one person: that message waits | `TemporaryFailure` |
| 190 | token expired or revoked | `TokenExpired` |
| 131026 | the number cannot receive the message | `Undeliverable` |
| 132001 | no approved template of that name in that language | `TemplateMissing` |
| 132000, 100, 131008, 131009 | a parameter the API refused | `ContentRejected` |
| 10, 200-299 | a permission is missing | `PermissionMissing` |
| 1, 2, 131000, 131016, 5xx | the service failed: try later | `TemporaryFailure` |

A message sent without an answer (timeout, connection cut after sending) is `OutcomeUnknown`:
the delivery engine never resends it blindly, it waits for the message's status webhook,
which carries the hub's key back as ``biz_opaque_callback_data``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import certifi
import orjson
import urllib3
from urllib3.exceptions import HTTPError as TransportError
from urllib3.exceptions import TimeoutError as TransportTimeout

from hub.clock import utc_now
from hub.config import WhatsAppSettings
from hub.errors import (
    ConfigurationError,
    ContentRejected,
    OutcomeUnknown,
    PermissionMissing,
    PlatformError,
    RateLimited,
    TemplateMissing,
    TemporaryFailure,
    TokenExpired,
    Undeliverable,
    WindowClosed,
    Withdrawn,
)
from hub.i18n import N_
from hub.platforms.base import (
    Capabilities,
    MediaDownload,
    OutgoingMessage,
    Platform,
    PublishedPost,
)
from hub.platforms.transport import never_sent

log = logging.getLogger(__name__)

REAL_GRAPH_URL = "https://graph.facebook.com"
# WhatsApp's own limit on a text message's body.
MAX_TEXT_CHARS = 4096
# Meta says only "wait": when a throttled answer does not say how long, wait this long.
DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60.0
_RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048})
# 130429 is the number's throughput for the current second: a moment's wait is enough.
_THROUGHPUT_WAIT_SECONDS = 2.0
_TEMPORARY_CODES = frozenset({1, 2, 131000, 131016})
_REJECTED_CODES = frozenset({100, 131008, 131009, 132000, 132005, 132007, 132012, 368})


# The share of a second's messages that may go back to back to make up for missed slots.
CATCH_UP_SHARE = 0.025


class WhatsAppAdapter:
    """The city's WhatsApp Business Account: its numbers, messages out, attachments in."""

    platform = Platform.WHATSAPP

    def __init__(
        self,
        api_url: str,
        api_version: str,
        waba_id: str,
        access_token: str,
        numbers: dict[str, str],
        *,
        timeout: float = 20.0,
        messages_per_second: float = 80.0,
        pace_share: float = 0.95,
        connections: int = 32,
    ) -> None:
        """`numbers` maps each phone number id to its display number; `messages_per_second`
        is each number's throughput, which the adapter keeps to (Meta's default: 80);
        `connections`, how many connections to the API are kept open for the senders."""
        if not access_token:
            raise ConfigurationError(
                N_(
                    "no WhatsApp access token is configured: set HUB_WHATSAPP__ACCESS_TOKEN "
                    "(a system user's permanent token with whatsapp_business_messaging)."
                )
            )
        if not numbers:
            raise ConfigurationError(
                N_(
                    "no WhatsApp number is configured: set HUB_WHATSAPP__NUMBERS to the phone "
                    "number id(s) of the city's WhatsApp Business Account."
                )
            )
        self.api_url = (api_url or REAL_GRAPH_URL).rstrip("/")
        self._base = f"{self.api_url}/{api_version}"
        self._waba_id = waba_id
        self._token = access_token
        self.numbers = dict(numbers)
        self._timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        # Senders on several threads share the connections (urllib3's pools are thread-safe).
        self.connections = max(1, connections)
        self._http = _connection_pool(self.api_url, maxsize=self.connections)
        # Under the number's throughput (5 %, and 2.5 % of a second's calls to make up for
        # slots missed): headroom for the jitter between our clock and Meta's count, so that
        # keeping pace never meets 130429.
        pace = messages_per_second * pace_share
        catch_up = int(messages_per_second * CATCH_UP_SHARE)
        self._pacers = {number: Pacer(pace, catch_up) for number in self.numbers}

    @classmethod
    def from_settings(cls, settings: WhatsAppSettings) -> WhatsAppAdapter:
        """An adapter for the configured account."""
        return cls(
            settings.api_url,
            settings.api_version,
            settings.waba_id,
            settings.access_token.get_secret_value(),
            {n.phone_number_id: n.display_phone_number for n in settings.numbers},
            timeout=settings.timeout_seconds,
            messages_per_second=settings.messages_per_second,
            pace_share=settings.pace_share,
            # The desk, the answers and the notices each send from up to `senders` threads:
            # a call beyond the pool's size would open (and close) a connection of its own,
            # a new TCP and TLS handshake to Meta for one message.
            connections=settings.senders * 3,
        )

    def __repr__(self) -> str:
        return f"WhatsAppAdapter({self.api_url!r}, numbers={list(self.numbers)!r})"

    @property
    def account_id(self) -> str:
        """The WhatsApp Business Account id (else the first number's id)."""
        return self._waba_id or next(iter(self.numbers))

    # -- the account ---------------------------------------------------------------------

    def check(self) -> Capabilities:
        """Each number's name, quality and messaging tier, read with the token."""
        notes = []
        name = ""
        for number_id, display in self.numbers.items():
            info = self._request(
                "GET",
                f"/{number_id}",
                "check the WhatsApp number",
                params={
                    "fields": "display_phone_number,verified_name,quality_rating,"
                    "messaging_limit_tier"
                },
            )
            name = name or str(info.get("verified_name") or "")
            tier = info.get("messaging_limit_tier") or "unknown tier"
            quality = info.get("quality_rating") or "unknown quality"
            shown = info.get("display_phone_number") or display or number_id
            notes.append(f"{shown}: {tier}, quality {quality}")
        notes.append("citizens' messages arrive by webhook only")
        return Capabilities(
            platform=Platform.WHATSAPP,
            account_name=name or "WhatsApp Business",
            account_id=self.account_id,
            can_publish=False,
            can_read_comments=False,
            can_read_mentions=False,
            can_reply=True,
            can_hide=False,
            notes=tuple(notes),
        )

    # -- messages out --------------------------------------------------------------------

    def send_message(self, message: OutgoingMessage) -> PublishedPost:
        """Send a text (in reply to `context_id` when set) or a template message."""
        if message.from_number not in self.numbers:
            raise ConfigurationError(
                N_("the WhatsApp number {number} is not one of the city's numbers"),
                number=message.from_number,
            )
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to,
            # Echoed on every status webhook of this message: how a lost answer is found.
            "biz_opaque_callback_data": message.key,
        }
        if message.template is not None:
            template = message.template
            body["type"] = "template"
            body["template"] = {
                "name": template.name,
                "language": {"code": template.language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": p} for p in template.parameters],
                    }
                ],
            }
            shown = f"[template {template.name}/{template.language}] " + " | ".join(
                template.parameters
            )
        else:
            text = message.text or ""
            if not text.strip():
                raise ContentRejected(N_("an empty WhatsApp message cannot be sent"))
            if len(text) > MAX_TEXT_CHARS:
                raise ContentRejected(
                    N_("the message is {length} characters; WhatsApp takes {limit}"),
                    platform=Platform.WHATSAPP.value,
                    length=len(text),
                    limit=MAX_TEXT_CHARS,
                )
            body["type"] = "text"
            body["text"] = {"body": text, "preview_url": False}
            shown = text
        if message.context_id:
            body["context"] = {"message_id": message.context_id}
        self._pacers[message.from_number].wait()
        # Asked after the wait for the pace (a STOP may have come meanwhile), not before it.
        reason = message.withdrawn() if message.withdrawn is not None else None
        if reason:
            raise Withdrawn(reason)
        answer = self._request(
            "POST", f"/{message.from_number}/messages", "send a WhatsApp message", json=body
        )
        sent = answer.get("messages") or []
        if not sent or not isinstance(sent[0], dict) or not sent[0].get("id"):
            raise OutcomeUnknown(
                N_("WhatsApp answered without a message id: the message may have been sent"),
                platform=Platform.WHATSAPP.value,
            )
        return PublishedPost(
            Platform.WHATSAPP,
            str(sent[0]["id"]),
            "",
            utc_now(),
            text=shown,
            template=message.template.name if message.template is not None else None,
        )

    def mark_read(self, from_number: str, message_id: str) -> None:
        """Blue ticks on the citizen's message."""
        self._request(
            "POST",
            f"/{from_number}/messages",
            "mark a WhatsApp message read",
            json={"messaging_product": "whatsapp", "status": "read", "message_id": message_id},
        )

    # -- attachments in ------------------------------------------------------------------

    def download_media(self, media_id: str, max_bytes: int) -> MediaDownload:
        """Look the media id up (a URL valid for about five minutes) and download it at once.

        Refused with `ContentRejected` when the platform declares, or the download reaches,
        more than `max_bytes`; the bytes are read in pieces, never more than that.
        """
        info = self._request("GET", f"/{media_id}", "look up a WhatsApp attachment")
        url = info.get("url")
        if not url:
            raise TemporaryFailure(
                N_("WhatsApp gave no download address for attachment {media_id}"),
                platform=Platform.WHATSAPP.value,
                media_id=media_id,
            )
        declared_size = _as_int(info.get("file_size"))
        if declared_size is not None and declared_size > max_bytes:
            raise ContentRejected(
                N_("the attachment is {size} bytes; the hub keeps at most {limit}"),
                platform=Platform.WHATSAPP.value,
                size=declared_size,
                limit=max_bytes,
            )
        try:
            response = self._http.request(
                "GET",
                str(url),
                headers=self._headers,
                timeout=self._timeout,
                retries=False,
                preload_content=False,
            )
        except TransportError as exc:
            raise TemporaryFailure(
                N_("the attachment could not be downloaded ({error}); it is tried again"),
                platform=Platform.WHATSAPP.value,
                error=type(exc).__name__,
            ) from None
        try:
            if response.status >= 400:
                response.read()
                self._raise_for(response, "download a WhatsApp attachment")
            content = bytearray()
            for chunk in response.stream(64 * 1024):
                content += chunk
                if len(content) > max_bytes:
                    raise ContentRejected(
                        N_("the attachment is over {limit} bytes, the most the hub keeps"),
                        platform=Platform.WHATSAPP.value,
                        limit=max_bytes,
                    )
        except TransportError as exc:
            raise TemporaryFailure(
                N_("the attachment's download broke off ({error}); it is tried again"),
                platform=Platform.WHATSAPP.value,
                error=type(exc).__name__,
            ) from None
        finally:
            response.release_conn()
        return MediaDownload(
            bytes(content),
            str(info.get("mime_type") or response.headers.get("Content-Type") or ""),
            str(info["sha256"]) if info.get("sha256") else None,
        )

    # -- one call ------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        action: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self._http.request(
                method,
                self._base + path,
                body=orjson.dumps(json) if json is not None else None,
                fields=params,
                headers=self._json_headers if json is not None else self._headers,
                timeout=self._timeout,
                retries=False,
            )
        except TransportError as exc:
            raise self._transport_error(exc, method, action) from None
        if response.status >= 400:
            self._raise_for(response, action)
        try:
            answer = orjson.loads(response.data)
        except orjson.JSONDecodeError:
            if method == "POST":
                raise OutcomeUnknown(
                    N_("WhatsApp's answer to '{action}' was not JSON: it may have been done"),
                    platform=Platform.WHATSAPP.value,
                    action=action,
                ) from None
            raise TemporaryFailure(
                N_("WhatsApp's answer to '{action}' was not JSON; try again later"),
                platform=Platform.WHATSAPP.value,
                action=action,
            ) from None
        return answer if isinstance(answer, dict) else {}

    def _transport_error(self, exc: TransportError, method: str, action: str) -> PlatformError:
        if never_sent(exc) or method == "GET":
            return TemporaryFailure(
                N_(
                    "could not reach WhatsApp to {action} ({error}); nothing was "
                    "done, it is tried again later"
                ),
                platform=Platform.WHATSAPP.value,
                action=action,
                error=type(exc).__name__,
            )
        if isinstance(exc, TransportTimeout):
            message = N_(
                "WhatsApp was asked to {action} but no answer came in time: it may have been done"
            )
        else:
            message = N_("WhatsApp was asked to {action} but the line broke: it may have been done")
        return OutcomeUnknown(message, platform=Platform.WHATSAPP.value, action=action)

    def _raise_for(self, response: urllib3.BaseHTTPResponse, action: str) -> None:
        try:
            error = orjson.loads(response.data).get("error") or {}
        except (orjson.JSONDecodeError, AttributeError):
            error = {}
        code = _as_int(error.get("code"))
        details = (error.get("error_data") or {}).get("details") if error else None
        said = str(error.get("message") or response.reason or "").strip()
        if details:
            said = f"{said}: {details}"
        said = said.replace(self._token, "[hidden]") if self._token else said
        where = f"({said}; code {code})" if code is not None else f"(HTTP {response.status})"
        platform = Platform.WHATSAPP.value
        if code == 131047:
            raise WindowClosed(
                N_(
                    "more than 24 hours have passed since the citizen last wrote: only an "
                    "approved template can be sent now {where}"
                ),
                platform=platform,
                code=code,
                where=where,
            )
        if code == 131056:
            # Too many messages to this one person: this message waits, the number does not.
            raise TemporaryFailure(
                N_("too many messages to this person in a short time; it is tried again {where}"),
                platform=platform,
                code=code,
                where=where,
            )
        if code in _RATE_LIMIT_CODES or response.status == 429:
            wait = _THROUGHPUT_WAIT_SECONDS if code == 130429 else DEFAULT_RATE_LIMIT_WAIT_SECONDS
            raise RateLimited(
                N_(
                    "WhatsApp's rate limit was reached trying to {action}: the number waits {where}"
                ),
                platform=platform,
                code=code,
                retry_after_seconds=_retry_after(response) or wait,
                action=action,
                where=where,
            )
        if code == 190 or response.status == 401:
            raise TokenExpired(
                N_(
                    "the WhatsApp access token expired or was revoked: issue a new system-user "
                    "token, then resume the account on Platform accounts {where}"
                ),
                platform=platform,
                code=code,
                where=where,
            )
        if code == 131026:
            raise Undeliverable(
                N_(
                    "WhatsApp cannot deliver to this number (not on WhatsApp, or an old app)"
                    " {where}"
                ),
                platform=platform,
                code=code,
                where=where,
            )
        if code == 132001:
            raise TemplateMissing(
                N_(
                    "the message template does not exist in that language: have it approved in "
                    "WhatsApp Manager for the language, nothing was sent {where}"
                ),
                platform=platform,
                code=code,
                where=where,
            )
        if code in _TEMPORARY_CODES or response.status >= 500:
            raise TemporaryFailure(
                N_("WhatsApp failed to {action}; it is tried again later {where}"),
                platform=platform,
                code=code,
                action=action,
                where=where,
            )
        if code == 10 or (code is not None and 200 <= code <= 299):
            raise PermissionMissing(
                N_(
                    "the WhatsApp token lacks a permission to {action} "
                    "(whatsapp_business_messaging) {where}"
                ),
                platform=platform,
                code=code,
                action=action,
                where=where,
            )
        if code in _REJECTED_CODES or response.status in (400, 404):
            raise ContentRejected(
                N_("WhatsApp refused to {action} {where}"),
                platform=platform,
                code=code,
                action=action,
                where=where,
            )
        raise PlatformError(
            N_("WhatsApp refused to {action} {where}"),
            platform=platform,
            code=code,
            action=action,
            where=where,
        )


class Pacer:
    """At most `per_second` calls a second, spread evenly, for every thread that shares it.

    A slot missed because every sender was still waiting for an answer may be made up
    within the next `catch_up` calls (back to back, until the schedule is met again); a
    pacer that never looked back lost those slots for good (a notice's calls ran at 0.9 of
    the pace). So in any stretch of T seconds there are at most `per_second` x T +
    `catch_up` + 1 calls.
    """

    def __init__(self, per_second: float, catch_up: int = 0) -> None:
        self._gap = 1.0 / per_second if per_second > 0 else 0.0
        self._slack = self._gap * max(0, catch_up)
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when the next call may go (at once when the pace allows it)."""
        if not self._gap:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now - self._slack, self._next)
            self._next = start + self._gap
        if start > now:
            time.sleep(start - now)


def _connection_pool(api_url: str, *, maxsize: int) -> urllib3.PoolManager:
    """Pooled connections to the API, through the environment's proxy when it names one for
    the API's address (read once: a large notice is tens of thousands of calls)."""
    split = urlsplit(api_url)
    proxy = urllib.request.getproxies().get(split.scheme)
    # Where requests (and so the Facebook and X SDKs) look for a company's CA bundle too.
    ca_certs = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    )
    if proxy and not urllib.request.proxy_bypass(split.hostname or ""):
        return urllib3.ProxyManager(proxy, maxsize=maxsize, ca_certs=ca_certs)
    return urllib3.PoolManager(maxsize=maxsize, ca_certs=ca_certs)


def _retry_after(response: urllib3.BaseHTTPResponse) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_timestamp(value: Any) -> datetime | None:
    """A Cloud API timestamp (epoch seconds, as a string) as an aware UTC datetime."""
    seconds = _as_int(value)
    if seconds is None or seconds < 0 or seconds > 32_503_680_000:
        return None
    return datetime.fromtimestamp(seconds, UTC)


__all__ = ["MAX_TEXT_CHARS", "WhatsAppAdapter", "parse_timestamp"]
