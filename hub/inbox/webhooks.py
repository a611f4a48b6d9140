"""The Graph ``feed`` webhook: checked, limited, and stored at once.

`WebhookReceiver.receive` checks ``X-Hub-Signature-256`` over the raw body and stores the
comment at once through `hub.inbox.interactions.InteractionStore`; polling still fills any gap
the webhook missed. Limits against abuse are in `WebhookReceiver`'s docstring.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.inbox.interactions import InteractionStore
from hub.platforms.base import Interaction, Platform
from hub.platforms.facebook_webhook import (
    FACEBOOK_MAX_COMMENT_CHARS,
    InvalidWebhook,
    comment_from_webhook,
    feed_changes,
)
from hub.store import Store

log = logging.getLogger(__name__)

WEBHOOK_ROUTE = "/webhooks/facebook"
# The name webhook deliveries are audited under (nobody logged in sends them).
WEBHOOK_ACTOR = "facebook-webhook"


@dataclass(frozen=True)
class WebhookResult:
    """What a webhook delivery came to, and the HTTP status to answer with."""

    # 200 accepted, 400 malformed body, 403 signature refused, 413 body too large,
    # 429 too many refusals from the source
    status: int
    reason: str = "ok"
    new: int = 0
    edited: int = 0
    deleted: int = 0
    hidden_changes: int = 0
    ignored: int = 0  # changes that are not about comments (reactions, posts, ...)

    @property
    def accepted(self) -> bool:
        """Whether the delivery was signed correctly and readable."""
        return self.status == 200


# -- webhooks --------------------------------------------------------------------------------

# Meta's feed deliveries are a few kilobytes; a few hundred is generous. A body over this is
# refused with 413 before it is read (the route reads it in pieces, and stops at this size).
DEFAULT_WEBHOOK_MAX_BODY_BYTES = 512 * 1024
# Refusals one source may cause in a minute before it is answered 429 without any work.
DEFAULT_WEBHOOK_REFUSALS_PER_MINUTE = 30
# Deeper JSON than any Graph payload, and far below what would exhaust the parser's stack.
_MAX_WEBHOOK_DEPTH = 32


class RefusalLimiter:
    """Refusals counted per source and minute, in memory, to bound what refused traffic costs.

    A source past `per_minute` refusals in the current minute is answered at once with 429 and
    costs no database write. At most `max_sources` sources are remembered (the oldest minute's
    go first), so a flood from many addresses cannot grow it without bound.
    """

    def __init__(self, per_minute: int, *, max_sources: int = 10_000) -> None:
        self.per_minute = per_minute
        self._max_sources = max_sources
        self._counts: dict[str, tuple[datetime, int]] = {}
        self._lock = threading.Lock()

    def over_limit(self, remote: str, now: datetime) -> bool:
        """Whether `remote` has used up its refusals for this minute."""
        minute = _minute(now)
        with self._lock:
            seen = self._counts.get(remote)
        return seen is not None and seen[0] == minute and seen[1] >= self.per_minute

    def count(self, remote: str, now: datetime) -> int:
        """Count one refusal of `remote`; return its refusals in this minute so far."""
        minute = _minute(now)
        with self._lock:
            seen = self._counts.pop(remote, None)
            refusals = seen[1] + 1 if seen is not None and seen[0] == minute else 1
            if len(self._counts) >= self._max_sources:
                # Dicts keep insertion order and every count re-inserts its source, so the
                # first one is the one refused longest ago.
                del self._counts[next(iter(self._counts))]
            self._counts[remote] = (minute, refusals)
        return refusals


class SignedWebhookGuard:
    """What every public webhook route of the hub shares: Meta's subscription check, the
    ``X-Hub-Signature-256`` check over the raw body, and bounded refusals.

    What refused traffic costs is bounded: a body is capped before it is read
    (`max_body_bytes`), refusals are counted per source and minute in one row (and audited
    once per source and minute), and a source past `refusals_per_minute` is answered 429
    with no work at all. The Facebook feed route and the WhatsApp route each have one.
    """

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        *,
        route: str,
        actor_name: str,
        app_secret: str,
        verify_token: str,
        max_body_bytes: int = DEFAULT_WEBHOOK_MAX_BODY_BYTES,
        refusals_per_minute: int = DEFAULT_WEBHOOK_REFUSALS_PER_MINUTE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self.route = route
        self._actor_name = actor_name
        self._app_secret = app_secret.encode()
        self._verify_token = verify_token
        self.max_body_bytes = max_body_bytes
        self._limiter = RefusalLimiter(refusals_per_minute)
        self._clock = clock

    def verify_subscription(
        self, mode: str | None, token: str | None, challenge: str | None
    ) -> str | None:
        """The challenge to echo when Meta verifies the subscription, else None (answer 403)."""
        if mode != "subscribe" or not challenge or not self._verify_token or token is None:
            return None
        if not hmac.compare_digest(token.encode(), self._verify_token.encode()):
            return None
        return challenge

    def screen(
        self, signature_header: str | None, declared_bytes: int | None, remote: str | None
    ) -> WebhookResult | None:
        """The answer for a delivery refused before its body is read, or None to read it.

        In memory only (the route asks on its event loop, with no thread hop for the
        deliveries it accepts): a source over its refusal limit gets 429, a missing or
        malformed signature header 403, a declared length over the cap 413; the route then
        counts the last two with `record_refusal`.
        """
        source = remote or "unknown"
        if self._limiter.over_limit(source, self._clock()):
            return WebhookResult(429, "too many refused deliveries from this source: wait a minute")
        if declared_bytes is not None and declared_bytes > self.max_body_bytes:
            return WebhookResult(413, self._too_large)
        problem = _signature_header_problem(signature_header)
        if problem is not None:
            return WebhookResult(403, problem)
        return None

    def record_refusal(
        self, refused: WebhookResult, remote: str | None, body_bytes: int
    ) -> WebhookResult:
        """Count a refusal `screen` gave (a 429 is not counted again); returns it."""
        if refused.status != 429:
            self._record_refusal(refused.reason, remote, body_bytes)
        return refused

    def refuse_too_large(self, remote: str | None, body_bytes: int) -> WebhookResult:
        """Refuse (413) and count a delivery whose body is over `max_body_bytes`."""
        self._record_refusal(self._too_large, remote, body_bytes)
        return WebhookResult(413, self._too_large)

    @property
    def _too_large(self) -> str:
        return f"body over {self.max_body_bytes} bytes"

    def check(
        self, raw_body: bytes, signature_header: str | None, remote: str | None
    ) -> WebhookResult | None:
        """The refusal of a delivery that is too large or not signed by Meta, else None."""
        if len(raw_body) > self.max_body_bytes:
            return self.refuse_too_large(remote, len(raw_body))
        refusal = self._signature_problem(raw_body, signature_header)
        if refusal is not None:
            self._record_refusal(refusal, remote, len(raw_body))
            return WebhookResult(403, refusal)
        return None

    def _signature_problem(self, raw_body: bytes, header: str | None) -> str | None:
        if not self._app_secret:
            return "no app secret is configured, so no signature can be checked"
        problem = _signature_header_problem(header)
        if problem is not None:
            return problem
        given = str(header).strip().partition("=")[2]
        expected = hmac.new(self._app_secret, raw_body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            return "bad X-Hub-Signature-256"
        return None

    def _record_refusal(self, reason: str, remote: str | None, body_bytes: int) -> None:
        """Count the refusal in its source's row for this minute; audit the minute's first."""
        now = self._clock()
        source = remote or "unknown"
        if self._limiter.count(source, now) > self._limiter.per_minute:
            return
        with self._store.transaction() as cur:
            refusals = cur.execute(
                "INSERT INTO webhook_refusal_counts"
                " (minute, route, remote, reason, refusals, body_bytes, last_at)"
                " VALUES (?, ?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (minute, route, remote, reason) DO UPDATE SET"
                " refusals = webhook_refusal_counts.refusals + 1,"
                " body_bytes = webhook_refusal_counts.body_bytes + excluded.body_bytes,"
                " last_at = excluded.last_at"
                " RETURNING refusals",
                [_minute(now), self.route, source, reason, body_bytes, now],
            ).fetchone()[0]
            if refusals == 1:
                self._audit.record(
                    cur,
                    actor=None,
                    actor_name=self._actor_name,
                    action="receive_webhook",
                    outcome="denied",
                    target_type="webhook",
                    target_id=self.route,
                    detail=f"{reason} (from {source}, {body_bytes} bytes; later refusals of"
                    " this minute are counted in webhook_refusal_counts)",
                )
        if refusals == 1:
            log.warning("webhook %s refused from %s: %s", self.route, source, reason)


class WebhookReceiver:
    """The Graph ``feed`` webhook: signature checked over the raw body, comments stored at once.

    The signature, size and refusal limits are the `SignedWebhookGuard`'s. A signed delivery
    of an unexpected shape is answered 400 and stores nothing.
    """

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        interactions: InteractionStore,
        app_secret: str,
        verify_token: str,
        page_id: str,
        *,
        max_body_bytes: int = DEFAULT_WEBHOOK_MAX_BODY_BYTES,
        refusals_per_minute: int = DEFAULT_WEBHOOK_REFUSALS_PER_MINUTE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._interactions = interactions
        self._page_id = page_id
        self.guard = SignedWebhookGuard(
            store,
            audit,
            route=WEBHOOK_ROUTE,
            actor_name=WEBHOOK_ACTOR,
            app_secret=app_secret,
            verify_token=verify_token,
            max_body_bytes=max_body_bytes,
            refusals_per_minute=refusals_per_minute,
            clock=clock,
        )
        self.max_body_bytes = max_body_bytes
        self.verify_subscription = self.guard.verify_subscription
        self.screen = self.guard.screen
        self.record_refusal = self.guard.record_refusal
        self.refuse_too_large = self.guard.refuse_too_large

    def receive(
        self, raw_body: bytes, signature_header: str | None, remote: str | None
    ) -> WebhookResult:
        """Check the signature over the raw bytes, then store what the delivery says."""
        refused = self.guard.check(raw_body, signature_header, remote)
        if refused is not None:
            return refused
        try:
            payload = parse_webhook_body(raw_body)
            if payload.get("object") != "page":
                return WebhookResult(200, "not a Page event", ignored=1)
            changes = list(feed_changes(payload["entry"], self._page_id))
        except InvalidWebhook as exc:
            # Signed by Meta's secret, so not an attack to count: a shape we do not expect.
            log.warning("signed webhook from %s not readable: %s", remote, exc)
            return WebhookResult(400, str(exc))
        return self._apply(changes)

    def _apply(self, changes: list[dict[str, Any]]) -> WebhookResult:
        """Store, edit, delete, hide or show what the comment changes say, in bulk."""
        upserts: list[Interaction] = []
        removed: list[str] = []
        visibility: dict[bool, list[str]] = {True: [], False: []}
        ignored = 0
        for value in changes:
            verb = value.get("verb")
            if value.get("item") != "comment" or not value.get("comment_id"):
                ignored += 1
            elif verb == "remove":
                removed.append(str(value["comment_id"]))
            elif verb in ("hide", "unhide"):
                hidden = verb == "hide"
                # With its text the comment can be stored even if its `add` was missed;
                # without, only its visibility is known.
                interaction = comment_from_webhook(value) if "message" in value else None
                if interaction is None:
                    visibility[hidden].append(str(value["comment_id"]))
                else:
                    upserts.append(replace(interaction, is_hidden=hidden))
            elif verb in ("add", "edit", "edited"):
                # An edit without its new text says nothing to store.
                interaction = comment_from_webhook(value)
                if interaction is None or (verb != "add" and "message" not in value):
                    ignored += 1
                else:
                    upserts.append(interaction)
            else:
                ignored += 1
        stored = self._interactions.store_batch(upserts, "webhook")
        deleted = self._interactions.mark_deleted(Platform.FACEBOOK, removed, "webhook")
        shown = sum(
            len(self._interactions.set_hidden(Platform.FACEBOOK, ids, hidden, "webhook"))
            for hidden, ids in visibility.items()
        )
        return WebhookResult(
            200,
            new=len(stored.new),
            edited=stored.edited,
            deleted=len(deleted),
            hidden_changes=stored.hidden_changes + shown,
            ignored=ignored,
        )


def parse_webhook_body(raw_body: bytes) -> dict[str, Any]:
    """The delivery's JSON object, or `InvalidWebhook` saying why it cannot be read.

    Refused: bytes that are not UTF-8 JSON, nesting deeper than any Graph payload, text with
    lone surrogates (not text at all, and unstorable), and anything but an object whose
    ``entry`` is a list.
    """
    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidWebhook("the body is not UTF-8 JSON") from None
    except (ValueError, RecursionError):
        # The C parser guards its own recursion, so a very deep array ends up here.
        raise InvalidWebhook("the body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        raise InvalidWebhook("the body is not a webhook event")
    _check_json_values(payload)
    payload.setdefault("entry", [])
    return payload


def _check_json_values(payload: Any) -> None:
    """Refuse nesting deeper than `_MAX_WEBHOOK_DEPTH` and strings that are not valid text.

    Walked with a stack rather than recursion, so no payload can exhaust Python's; a lone
    surrogate such as ``\\ud800`` parses as a str but cannot be encoded, stored or shown.
    """
    pending: list[tuple[Any, int]] = [(payload, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidWebhook("the body has text that is not valid Unicode") from None
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > _MAX_WEBHOOK_DEPTH:
            raise InvalidWebhook(f"the body is nested deeper than {_MAX_WEBHOOK_DEPTH} levels")
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        else:
            pending.extend((item, depth + 1) for item in value)


def _signature_header_problem(header: str | None) -> str | None:
    if not header:
        return "missing X-Hub-Signature-256"
    scheme, _, given = header.strip().partition("=")
    if scheme != "sha256" or not given:
        return "malformed X-Hub-Signature-256"
    return None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


__all__ = [
    "FACEBOOK_MAX_COMMENT_CHARS",
    "InvalidWebhook",
    "RefusalLimiter",
    "SignedWebhookGuard",
    "WebhookReceiver",
    "WebhookResult",
    "parse_webhook_body",
]
