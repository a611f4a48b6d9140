"""The Facebook Graph API half of the sandbox: a Page, its posts, photos and comment threads.

`install_graph_api(app)` creates the `fb_*` tables in the sandbox's DuckDB file (so a
restarted sandbox finds its posts again) and registers the Graph routes on a `SandboxApp`,
for every version prefix (`/v24.0/...`) and without one. The wire formats follow
`PLATFORM_FACTS.md`: the same JSON shapes, cursor paging with `paging.next` URLs that carry
the access token, the same error bodies and codes, and the `facebook-api-version`,
`X-App-Usage` and `X-Business-Use-Case-Usage` headers on every answer.

The returned `GraphSandbox` is the handle for tests, the citizen simulator and the trainer
page: it adds citizens' comments, expires the token, starts a rate-limit storm, takes
permissions away, and delivers signed `feed` webhooks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import duckdb
import requests

from hub.sandbox.server import Request, Response, SandboxApp

# Versions below this one are retired and answer code 2635; PLATFORM_FACTS lists v21.0..v26.0.
OLDEST_LIVE_VERSION = (21, 0)
# What an unversioned call is served as (a real app is pinned to its creation version).
DEFAULT_VERSION = "v24.0"

ALL_PAGE_SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_read_user_engagement",
    "pages_manage_metadata",
)

SANDBOX_APP_ID = "1000000000000777"
SANDBOX_USER_ID = "1000000000000042"
SANDBOX_USER_NAME = "Sandbox Page Admin"

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MIN_SCHEDULE_AHEAD = timedelta(minutes=10)
# Meta documents "30 days to 6 months"; 30 days is the safe bound the hub relies on.
DEFAULT_MAX_SCHEDULE_AHEAD = timedelta(days=30)
# Budget behind the X-App-Usage percentages (real Page budgets scale with engaged users).
HOURLY_CALL_BUDGET = 4800

_VERSION = r"(?:/v(?P<version>\d+\.\d+))?"
# "me", a numeric id, or an underscore-joined id (page post "{page}_{post}", comment).
_OBJECT = r"(?P<object_id>me|\d+(?:_\d+)?)"

_FB_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+0000"

_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS fb_object_ids START 122100000000000001;
CREATE TABLE IF NOT EXISTS fb_posts (
    id VARCHAR PRIMARY KEY,
    page_id VARCHAR NOT NULL,
    number BIGINT NOT NULL,
    message VARCHAR,
    link VARCHAR,
    status_type VARCHAR NOT NULL,
    photo_ids VARCHAR NOT NULL DEFAULT '[]',
    created_time TIMESTAMPTZ NOT NULL,
    updated_time TIMESTAMPTZ NOT NULL,
    is_published BOOLEAN NOT NULL,
    scheduled_publish_time TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS fb_photos (
    id VARCHAR PRIMARY KEY,
    page_id VARCHAR NOT NULL,
    post_id VARCHAR,
    caption VARCHAR,
    alt_text VARCHAR,
    source_url VARCHAR,
    mime_type VARCHAR,
    byte_size BIGINT NOT NULL,
    is_published BOOLEAN NOT NULL,
    created_time TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS fb_comments (
    id VARCHAR PRIMARY KEY,
    number BIGINT NOT NULL,
    post_id VARCHAR NOT NULL,
    parent_id VARCHAR,
    message VARCHAR NOT NULL,
    author_id VARCHAR NOT NULL,
    author_name VARCHAR NOT NULL,
    created_time TIMESTAMPTZ NOT NULL,
    is_hidden BOOLEAN NOT NULL DEFAULT false,
    like_count INTEGER NOT NULL DEFAULT 0
);
"""

_POST_COLUMNS = (
    "id, page_id, number, message, link, status_type, photo_ids, created_time, updated_time, "
    "is_published, scheduled_publish_time"
)
_COMMENT_COLUMNS = (
    "id, number, post_id, parent_id, message, author_id, author_name, created_time, is_hidden, "
    "like_count"
)

_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


# -- errors ------------------------------------------------------------------------------


class GraphError(Exception):
    """A Graph API error answer, raised inside a route and rendered by the endpoint wrapper."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        status: int = 400,
        user_title: str = "",
        user_msg: str = "",
        transient: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode
        self.error_type = error_type
        self.status = status
        self.user_title = user_title
        self.user_msg = user_msg
        self.transient = transient
        self.extra_headers = extra_headers or {}

    def body(self) -> dict[str, Any]:
        """The documented error body; optional keys only when Graph would send them."""
        error: dict[str, Any] = {"message": self.message, "type": self.error_type}
        error["code"] = self.code
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["is_transient"] = self.transient
        if self.user_title:
            error["error_user_title"] = self.user_title
        if self.user_msg:
            error["error_user_msg"] = self.user_msg
        error["fbtrace_id"] = _trace_id()
        return {"error": error}


def _trace_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "A" + "".join(secrets.choice(alphabet) for _ in range(22))


def _unknown_object(object_id: str) -> GraphError:
    return GraphError(
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
        error_type="GraphMethodException",
    )


def _invalid_parameter(message: str) -> GraphError:
    return GraphError(100, f"(#100) {message}", error_type="OAuthException")


def _missing_permission(code: int, permissions: str) -> GraphError:
    if code == 10:
        text = f"(#10) This endpoint requires the '{permissions}' permission."
    else:
        text = (
            f"(#{code}) The user hasn't authorized the application to perform this action: "
            f"requires the {permissions} permission(s)."
        )
    return GraphError(code, text, error_type="OAuthException", status=403)


# -- the fields= mini language ---------------------------------------------------------------


@dataclass
class FieldRequest:
    """One entry of `fields=`, e.g. `comments.filter(stream).limit(0).summary(true){id}`."""

    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    subfields: list[FieldRequest] | None = None


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


_FIELD_PATTERN = re.compile(
    r"^(?P<name>[a-z_]+)(?P<mods>(?:\.[a-z_]+\([^()]*\))*)(?:\{(?P<sub>.*)\})?$"
)
_MODIFIER_PATTERN = re.compile(r"\.([a-z_]+)\(([^()]*)\)")


def parse_fields(text: str | None) -> list[FieldRequest] | None:
    """Parse a `fields=` value; None when the parameter is absent (default fields)."""
    if text is None or not text.strip():
        return None
    requests_: list[FieldRequest] = []
    for part in _split_top_level(text):
        match = _FIELD_PATTERN.match(part)
        if not match:
            raise _invalid_parameter(f"Syntax error in fields: {part!r}")
        modifiers = dict(_MODIFIER_PATTERN.findall(match["mods"] or ""))
        sub = parse_fields(match["sub"]) if match["sub"] is not None else None
        requests_.append(FieldRequest(match["name"], modifiers, sub))
    return requests_


# -- small conversions ---------------------------------------------------------------------


def format_graph_time(moment: datetime) -> str:
    """A time as Graph writes it: `2026-03-11T21:35:02+0000`."""
    return moment.astimezone(UTC).strftime(_FB_TIME_FORMAT)


def _parse_time_parameter(value: str, name: str) -> datetime:
    """A unix timestamp or an ISO 8601 string, as Graph accepts for since/until/scheduling."""
    value = value.strip()
    try:
        if re.fullmatch(r"\d+", value):
            return datetime.fromtimestamp(int(value), UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise _invalid_parameter(f"Invalid time for parameter {name}: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("false", "0", "no")


def _limit(params: dict[str, str], default: int = DEFAULT_PAGE_SIZE) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\d+", raw.strip()):
        raise _invalid_parameter(f"Invalid limit {raw!r}")
    return min(int(raw), MAX_PAGE_SIZE)


def _encode_cursor(key: tuple[int, int]) -> str:
    return base64.b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        first, second = base64.b64decode(padded).decode().split(":")
        return int(first), int(second)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid_parameter(f"Invalid cursor {cursor!r}") from exc


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _detect_image_type(content: bytes) -> str | None:
    for signature, mime in _IMAGE_SIGNATURES:
        if content.startswith(signature):
            return mime
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass
class _Upload:
    filename: str
    content_type: str
    content: bytes


def _parse_multipart(request: Request) -> tuple[dict[str, str], dict[str, _Upload]]:
    """Text fields and files of a multipart/form-data body (the SDK's `put_photo`)."""
    ctype = request.headers.get("content-type", "")
    if "multipart/form-data" not in ctype:
        return {}, {}
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + request.body
    )
    fields: dict[str, str] = {}
    files: dict[str, _Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = _Upload(filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode("utf-8")
    return fields, files


@dataclass(frozen=True)
class _Caller:
    """Who a valid token belongs to."""

    kind: str  # "page", "user" or "app"
    id: str
    name: str


@dataclass
class _Call:
    """One request as a route sees it: merged parameters, files, caller, version."""

    request: Request
    params: dict[str, str]
    files: dict[str, _Upload]
    caller: _Caller
    version: str
    groups: dict[str, str]


# -- the sandbox ---------------------------------------------------------------------------------


class GraphSandbox:
    """The sandbox's Facebook Page: its state in `app.db` and helpers to steer it.

    Built by `install_graph_api`; do not construct it directly.
    """

    def __init__(
        self,
        app: SandboxApp,
        *,
        page_id: str,
        page_name: str,
        page_token: str,
        user_token: str,
        app_secret: str,
        clock: Callable[[], datetime] | None = None,
        duplicate_window: timedelta = timedelta(hours=1),
        max_schedule_ahead: timedelta = DEFAULT_MAX_SCHEDULE_AHEAD,
    ) -> None:
        self.app = app
        self.page_id = page_id
        self.page_name = page_name
        self.page_token = page_token
        self.user_token = user_token
        self.app_secret = app_secret
        self.app_id = SANDBOX_APP_ID
        self.clock = clock or (lambda: datetime.now(UTC))
        self.duplicate_window = duplicate_window
        self.max_schedule_ahead = max_schedule_ahead
        self.scopes: list[str] = list(ALL_PAGE_SCOPES)
        self._token_expired = False
        self._storm_remaining = 0
        self._storm_regain_minutes = 0
        self._transient_remaining = 0
        self._recent_calls: deque[float] = deque()

    # -- helpers for tests, the citizen simulator and the trainer page ---------------------

    def now(self) -> datetime:
        """The sandbox's current time (aware UTC)."""
        return self.clock().astimezone(UTC)

    def expire_token(self) -> None:
        """Make the Page token expired: every later call with it answers 190/463."""
        with self.app.lock:
            self._token_expired = True

    def restore_token(self) -> None:
        """Make the Page token valid again."""
        with self.app.lock:
            self._token_expired = False

    def revoke_permission(self, scope: str) -> None:
        """Take a permission away from the tokens (as if the admin unticked it)."""
        with self.app.lock:
            if scope in self.scopes:
                self.scopes.remove(scope)

    def grant_permission(self, scope: str) -> None:
        """Give a permission back."""
        with self.app.lock:
            if scope not in self.scopes:
                self.scopes.append(scope)

    def rate_limit_storm(self, count: int, regain_minutes: int = 7) -> None:
        """The next `count` calls are throttled (80001 with the Page token, 32 otherwise).

        Their usage headers say `estimated_time_to_regain_access: regain_minutes`.
        """
        with self.app.lock:
            self._storm_remaining = count
            self._storm_regain_minutes = regain_minutes

    def transient_failures(self, count: int) -> None:
        """The next `count` calls fail with HTTP 500, code 2, `is_transient: true`."""
        with self.app.lock:
            self._transient_remaining = count

    def seed_post(self, message: str, created_time: datetime | None = None) -> str:
        """Put a published text post on the Page directly (demo data, tests); returns its id."""
        with self.app.lock:
            post_id = self._insert_post(
                message=message,
                link=None,
                status_type="mobile_status_update",
                photo_ids=[],
                is_published=True,
                scheduled_at=None,
            )
            if created_time is not None:
                self.app.cursor().execute(
                    "UPDATE fb_posts SET created_time = ?, updated_time = ? WHERE id = ?",
                    [created_time, created_time, post_id],
                )
        return post_id

    def add_citizen_comment(
        self,
        post_id: str,
        message: str,
        author_name: str,
        author_id: str | None = None,
        parent_id: str | None = None,
        created_time: datetime | None = None,
        webhook_url: str | None = None,
    ) -> str:
        """A citizen comments on a post (or replies under `parent_id`); returns the comment id.

        With `webhook_url`, the matching signed `feed` webhook is delivered there too.
        """
        author_id = author_id or _citizen_id(author_name)
        with self.app.lock:
            post = self._post_row(post_id)
            if post is None:
                raise ValueError(f"no post {post_id} in the sandbox")
            parent = None
            if parent_id is not None:
                parent = self._comment_row(parent_id)
                if parent is None or parent["post_id"] != post_id:
                    raise ValueError(f"no comment {parent_id} on post {post_id}")
            comment_id = self._insert_comment(
                post, parent, message, author_id, author_name, created_time or self.now()
            )
        if webhook_url:
            self.deliver_webhook(webhook_url, self._comment_change(comment_id, "add"))
        return comment_id

    def edit_comment(self, comment_id: str, message: str, webhook_url: str | None = None) -> None:
        """A citizen edits their comment (verb `edited` on the webhook)."""
        with self.app.lock:
            if self._comment_row(comment_id) is None:
                raise ValueError(f"no comment {comment_id} in the sandbox")
            self.app.cursor().execute(
                "UPDATE fb_comments SET message = ? WHERE id = ?", [message, comment_id]
            )
        if webhook_url:
            self.deliver_webhook(webhook_url, self._comment_change(comment_id, "edited"))

    def list_posts(self) -> list[dict[str, Any]]:
        """Every post of the Page (published, scheduled and unpublished), newest first."""
        with self.app.lock:
            self._publish_due_posts()
            rows = self._fetch(
                f"SELECT {_POST_COLUMNS} FROM fb_posts ORDER BY created_time DESC, number DESC"
            )
            return [
                {
                    **self._post_json(row, None),
                    "is_published": row["is_published"],
                    "photo_ids": json.loads(row["photo_ids"]),
                    "link": row["link"],
                    "scheduled_publish_time": row["scheduled_publish_time"],
                }
                for row in rows
            ]

    def list_comments(self, post_id: str) -> list[dict[str, Any]]:
        """Every comment and reply on a post, oldest first, with all documented fields."""
        with self.app.lock:
            rows = self._comments_of_post(post_id)
            every = [
                "id",
                "message",
                "created_time",
                "from",
                "parent",
                "comment_count",
                "like_count",
                "is_hidden",
                "permalink_url",
                "can_reply_privately",
            ]
            fields = [FieldRequest(name) for name in every]
            return [self._comment_json(row, fields, rows) for row in rows]

    def deliver_webhook(
        self, target_url: str, change_value: dict[str, Any], *, timeout: float = 10.0
    ) -> int:
        """POST a signed Page `feed` webhook with one change to `target_url`; returns the status.

        The body is compact JSON with non-ASCII and slashes escaped, as Meta sends it, so a
        receiver that re-serialises the JSON before checking the signature fails, as it would
        in production. A target that cannot be reached raises `requests.RequestException`.
        """
        payload = {
            "object": "page",
            "entry": [
                {
                    "id": self.page_id,
                    "time": int(self.now().timestamp()),
                    "changes": [{"field": "feed", "value": change_value}],
                }
            ],
        }
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")
        raw = body.encode("ascii")
        signature = hmac.new(self.app_secret.encode(), raw, hashlib.sha256).hexdigest()
        response = requests.post(
            target_url,
            data=raw,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": f"sha256={signature}",
                "User-Agent": "facebookexternalua",
            },
            timeout=timeout,
        )
        return response.status_code

    # -- storage ---------------------------------------------------------------------------

    def create_schema(self) -> None:
        """Create the `fb_*` tables when missing (state survives restarts on a file)."""
        with self.app.lock:
            cursor = self.app.cursor()
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cursor.execute(statement)

    def _fetch(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.app.cursor()
        cursor.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _next_number(self, cursor: duckdb.DuckDBPyConnection) -> int:
        return int(cursor.execute("SELECT nextval('fb_object_ids')").fetchone()[0])

    def _post_row(self, post_id: str) -> dict[str, Any] | None:
        rows = self._fetch(f"SELECT {_POST_COLUMNS} FROM fb_posts WHERE id = ?", [post_id])
        return rows[0] if rows else None

    def _comment_row(self, comment_id: str) -> dict[str, Any] | None:
        rows = self._fetch(f"SELECT {_COMMENT_COLUMNS} FROM fb_comments WHERE id = ?", [comment_id])
        return rows[0] if rows else None

    def _photo_row(self, photo_id: str) -> dict[str, Any] | None:
        rows = self._fetch("SELECT * FROM fb_photos WHERE id = ?", [photo_id])
        return rows[0] if rows else None

    def _comments_of_post(self, post_id: str) -> list[dict[str, Any]]:
        return self._fetch(
            f"SELECT {_COMMENT_COLUMNS} FROM fb_comments WHERE post_id = ? "
            "ORDER BY created_time, number",
            [post_id],
        )

    def _publish_due_posts(self) -> None:
        """Scheduled posts whose time has come become published (checked lazily on each call)."""
        now = self.now()
        cursor = self.app.cursor()
        due = cursor.execute(
            "SELECT id, photo_ids FROM fb_posts WHERE NOT is_published "
            "AND scheduled_publish_time IS NOT NULL AND scheduled_publish_time <= ?",
            [now],
        ).fetchall()
        for post_id, photo_ids in due:
            cursor.execute(
                "UPDATE fb_posts SET is_published = true, created_time = scheduled_publish_time, "
                "updated_time = scheduled_publish_time WHERE id = ?",
                [post_id],
            )
            for photo_id in json.loads(photo_ids):
                cursor.execute("UPDATE fb_photos SET is_published = true WHERE id = ?", [photo_id])

    def _insert_post(
        self,
        *,
        message: str | None,
        link: str | None,
        status_type: str,
        photo_ids: list[str],
        is_published: bool,
        scheduled_at: datetime | None,
    ) -> str:
        cursor = self.app.cursor()
        number = self._next_number(cursor)
        post_id = f"{self.page_id}_{number}"
        now = self.now()
        cursor.execute(
            f"INSERT INTO fb_posts ({_POST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                post_id,
                self.page_id,
                number,
                message,
                link,
                status_type,
                json.dumps(photo_ids),
                now,
                now,
                is_published,
                scheduled_at,
            ],
        )
        for photo_id in photo_ids:
            cursor.execute(
                "UPDATE fb_photos SET post_id = ?, is_published = ? WHERE id = ?",
                [post_id, is_published, photo_id],
            )
        return post_id

    def _insert_comment(
        self,
        post: dict[str, Any],
        parent: dict[str, Any] | None,
        message: str,
        author_id: str,
        author_name: str,
        created_time: datetime,
    ) -> str:
        # Facebook threads are two levels deep: a reply to a reply joins the top comment's thread.
        if parent is not None and parent["parent_id"] is not None:
            parent = self._comment_row(parent["parent_id"])
        cursor = self.app.cursor()
        number = self._next_number(cursor)
        comment_id = f"{post['number']}_{number}"
        cursor.execute(
            f"INSERT INTO fb_comments ({_COMMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                comment_id,
                number,
                post["id"],
                parent["id"] if parent else None,
                message,
                author_id,
                author_name,
                created_time.astimezone(UTC),
                False,
                0,
            ],
        )
        return comment_id

    def _comment_change(self, comment_id: str, verb: str) -> dict[str, Any]:
        with self.app.lock:
            comment = self._comment_row(comment_id)
            assert comment is not None
            post = self._post_row(comment["post_id"])
            assert post is not None
        return {
            "from": {"id": comment["author_id"], "name": comment["author_name"]},
            "post": {
                "status_type": post["status_type"],
                "is_published": post["is_published"],
                "updated_time": format_graph_time(post["updated_time"]),
                "permalink_url": self._post_permalink(post),
                "promotion_status": "inactive",
                "id": post["id"],
            },
            "message": comment["message"],
            "post_id": post["id"],
            "comment_id": comment["id"],
            "created_time": int(comment["created_time"].timestamp()),
            "item": "comment",
            "parent_id": comment["parent_id"] or post["id"],
            "verb": verb,
        }

    # -- JSON views --------------------------------------------------------------------------

    def _post_permalink(self, post: dict[str, Any]) -> str:
        return f"https://www.facebook.com/{self.page_id}/posts/{post['number']}"

    def _comment_permalink(self, comment: dict[str, Any], post_number: int) -> str:
        base = f"https://www.facebook.com/{self.page_id}/posts/{post_number}"
        number = comment["id"].split("_")[-1]
        if comment["parent_id"]:
            parent_number = comment["parent_id"].split("_")[-1]
            return f"{base}?comment_id={parent_number}&reply_comment_id={number}"
        return f"{base}?comment_id={number}"

    _POST_FIELDS = frozenset(
        {
            "id",
            "message",
            "created_time",
            "updated_time",
            "permalink_url",
            "is_published",
            "scheduled_publish_time",
            "status_type",
            "full_picture",
            "from",
            "comments",
            "is_hidden",
        }
    )
    _COMMENT_FIELDS = frozenset(
        {
            "id",
            "message",
            "created_time",
            "from",
            "parent",
            "comment_count",
            "like_count",
            "is_hidden",
            "permalink_url",
            "can_reply_privately",
            "can_hide",
            "can_remove",
            "user_likes",
            "comments",
            "object",
        }
    )

    def _post_json(
        self, post: dict[str, Any], fields: list[FieldRequest] | None, call: _Call | None = None
    ) -> dict[str, Any]:
        fields = fields or [FieldRequest(name) for name in ("created_time", "message", "id")]
        result: dict[str, Any] = {}
        for wanted in fields:
            name = wanted.name
            if name not in self._POST_FIELDS:
                raise _invalid_parameter(
                    f"Tried accessing nonexisting field ({name}) on node type (PagePost)"
                )
            if name == "id":
                result["id"] = post["id"]
            elif name == "message":
                if post["message"]:
                    result["message"] = post["message"]
            elif name in ("created_time", "updated_time"):
                result[name] = format_graph_time(post[name])
            elif name == "permalink_url":
                result[name] = self._post_permalink(post)
            elif name == "is_published":
                result[name] = bool(post["is_published"])
            elif name == "is_hidden":
                result[name] = False
            elif name == "scheduled_publish_time":
                if post["scheduled_publish_time"] is not None:
                    result[name] = int(post["scheduled_publish_time"].timestamp())
            elif name == "status_type":
                result[name] = post["status_type"]
            elif name == "full_picture":
                photo_ids = json.loads(post["photo_ids"])
                if photo_ids:
                    result[name] = (
                        f"https://scontent.xx.fbcdn.net/v/t39.30808-6/{photo_ids[0]}_n.jpg"
                    )
            elif name == "from":
                result[name] = _pick({"id": self.page_id, "name": self.page_name}, wanted)
            elif name == "comments":
                result[name] = self._comments_edge(post["id"], wanted.modifiers, call, wanted)
        return result

    def _comment_json(
        self,
        comment: dict[str, Any],
        fields: list[FieldRequest] | None,
        post_comments: list[dict[str, Any]],
        call: _Call | None = None,
    ) -> dict[str, Any]:
        fields = fields or [FieldRequest(n) for n in ("created_time", "from", "message", "id")]
        by_page = comment["author_id"] == self.page_id
        result: dict[str, Any] = {}
        for wanted in fields:
            name = wanted.name
            if name not in self._COMMENT_FIELDS:
                raise _invalid_parameter(
                    f"Tried accessing nonexisting field ({name}) on node type (Comment)"
                )
            if name in ("id", "message"):
                result[name] = comment[name]
            elif name == "created_time":
                result[name] = format_graph_time(comment["created_time"])
            elif name == "from":
                result[name] = _pick(
                    {"id": comment["author_id"], "name": comment["author_name"]}, wanted
                )
            elif name == "parent":
                if comment["parent_id"]:
                    parent = next(c for c in post_comments if c["id"] == comment["parent_id"])
                    result[name] = self._comment_json(parent, wanted.subfields, post_comments)
            elif name == "comment_count":
                result[name] = sum(1 for c in post_comments if c["parent_id"] == comment["id"])
            elif name == "like_count":
                result[name] = int(comment["like_count"])
            elif name == "is_hidden":
                result[name] = bool(comment["is_hidden"])
            elif name == "permalink_url":
                post_number = int(comment["id"].split("_")[0])
                result[name] = self._comment_permalink(comment, post_number)
            elif name == "can_reply_privately":
                result[name] = not by_page and comment["parent_id"] is None
            elif name in ("can_hide", "can_remove"):
                result[name] = not by_page
            elif name == "user_likes":
                result[name] = False
            elif name == "object":
                result[name] = {"id": comment["post_id"]}
            elif name == "comments":
                result[name] = self._comments_edge(comment["id"], wanted.modifiers, call, wanted)
        return result

    def _comments_edge(
        self,
        object_id: str,
        params: dict[str, str],
        call: _Call | None,
        nested: FieldRequest | None = None,
    ) -> dict[str, Any]:
        """`/{object}/comments`, also used for the nested `comments.summary(true)` field."""
        post = self._post_row(object_id)
        if post is not None:
            post_id = post["id"]
        elif (top_comment := self._comment_row(object_id)) is not None:
            post_id = top_comment["post_id"]
        else:
            raise _unknown_object(object_id)
        every = self._comments_of_post(post_id)
        stream = params.get("filter", "toplevel") == "stream"
        if post is not None:
            selected = every if stream else [c for c in every if c["parent_id"] is None]
        else:
            selected = [c for c in every if c["parent_id"] == object_id]
        if "since" in params:
            since = _parse_time_parameter(params["since"], "since")
            selected = [c for c in selected if c["created_time"] >= since]
        if "until" in params:
            until = _parse_time_parameter(params["until"], "until")
            selected = [c for c in selected if c["created_time"] <= until]
        order = params.get("order", "chronological")
        if order not in ("chronological", "reverse_chronological", "ranked"):
            raise _invalid_parameter(f"Invalid order {order!r}")
        reverse = order == "reverse_chronological"
        selected.sort(key=_comment_key, reverse=reverse)
        fields = nested.subfields if nested else parse_fields(params.get("fields"))
        page, paging = self._page(selected, _comment_key, params, reverse, call, nested)
        result: dict[str, Any] = {
            "data": [self._comment_json(c, fields, every, call) for c in page],
        }
        if paging:
            result["paging"] = paging
        if _truthy(params.get("summary"), False):
            result["summary"] = {
                "order": "ranked" if order == "ranked" else order,
                "total_count": len(selected),
                "can_comment": True,
            }
        return result

    def _page(
        self,
        items: list[dict[str, Any]],
        key: Callable[[dict[str, Any]], tuple[int, int]],
        params: dict[str, str],
        descending: bool,
        call: _Call | None,
        nested: FieldRequest | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Cursor paging over items already in order: keyset cursors, `next` URLs with the token."""
        limit = _limit(params)

        def comes_after(item_key: tuple[int, int], boundary: tuple[int, int]) -> bool:
            return item_key < boundary if descending else item_key > boundary

        start, end = 0, len(items)
        if params.get("after"):
            boundary = _decode_cursor(params["after"])
            start = next((i for i, it in enumerate(items) if comes_after(key(it), boundary)), end)
            page = items[start : start + limit]
        elif params.get("before"):
            boundary = _decode_cursor(params["before"])
            end = next((i for i, it in enumerate(items) if not comes_after(boundary, key(it))), end)
            start = max(0, end - limit)
            page = items[start:end]
        else:
            page = items[:limit]
        if not page:
            return page, None  # Graph leaves `paging` out of an empty page
        paging: dict[str, Any] = {
            "cursors": {
                "before": _encode_cursor(key(page[0])),
                "after": _encode_cursor(key(page[-1])),
            }
        }
        has_more = start + len(page) < len(items)
        if call is not None and nested is None:
            if has_more:
                paging["next"] = _paging_url(call, after=paging["cursors"]["after"])
            if start > 0:
                paging["previous"] = _paging_url(call, before=paging["cursors"]["before"])
        return page, paging

    # -- the request pipeline -------------------------------------------------------------------

    def endpoint(
        self, route: Callable[[_Call], Any], *, allow: tuple[str, ...] = ("page", "user")
    ) -> Callable[[Request, dict[str, str]], Response]:
        """Wrap a route: version, token, throttling and faults first; headers on every answer."""

        def serve(request: Request, groups: dict[str, str]) -> Response:
            version = f"v{groups['version']}" if groups.get("version") else DEFAULT_VERSION
            regain_minutes = 0
            try:
                _check_version(version)
                fields, files = _parse_multipart(request)
                params = {**request.query, **request.form, **fields}
                with self.app.lock:
                    self._count_call()
                    caller = self._authenticate(request, params, allow)
                    regain_minutes = self._throttle(caller)
                    self._maybe_fail_transiently()
                    self._publish_due_posts()
                    call = _Call(request, params, files, caller, version, groups)
                    payload = route(call)
                status, extra = 200, {}
            except GraphError as err:
                payload, status, extra = err.body(), err.status, err.extra_headers
            headers = {**self._usage_headers(version, regain_minutes), **extra}
            return Response.json(payload, status, headers)

        return serve

    def _count_call(self) -> None:
        now = time.monotonic()
        self._recent_calls.append(now)
        while self._recent_calls and self._recent_calls[0] < now - 3600:
            self._recent_calls.popleft()

    def _authenticate(
        self, request: Request, params: dict[str, str], allow: tuple[str, ...]
    ) -> _Caller:
        token = params.get("access_token", "")
        auth = request.headers.get("authorization", "")
        if not token and auth.lower().startswith(("bearer ", "oauth ")):
            token = auth.split(" ", 1)[1].strip()
        if not token:
            raise GraphError(104, "An access token is required to request this resource.")
        caller = self._caller_for(token)
        if caller is None:
            raise GraphError(
                190,
                "Invalid OAuth access token - Cannot parse access token",
                subcode=467,
                user_title="Invalid access token",
                user_msg="The access token could not be decrypted.",
            )
        if caller.kind == "page" and self._token_expired:
            raise _expired_token_error(self.now())
        if caller.kind not in allow:
            raise GraphError(
                190,
                "This endpoint cannot be called with this kind of access token.",
                subcode=467,
            )
        return caller

    def _caller_for(self, token: str) -> _Caller | None:
        if hmac.compare_digest(token, self.page_token):
            return _Caller("page", self.page_id, self.page_name)
        if hmac.compare_digest(token, self.user_token):
            return _Caller("user", SANDBOX_USER_ID, SANDBOX_USER_NAME)
        if hmac.compare_digest(token, f"{self.app_id}|{self.app_secret}"):
            return _Caller("app", self.app_id, "Municipal Social Hub (sandbox app)")
        return None

    def _throttle(self, caller: _Caller) -> int:
        if self._storm_remaining <= 0:
            return 0
        self._storm_remaining -= 1
        minutes = self._storm_regain_minutes
        headers = self._usage_headers(DEFAULT_VERSION, minutes)
        if caller.kind == "page":
            raise GraphError(
                80001,
                "(#80001) There have been too many calls to this Page account. Wait a bit and "
                "try again. For more info, please refer to "
                "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                transient=True,
                extra_headers=headers,
            )
        raise GraphError(
            32, "(#32) Page request limit reached", transient=True, extra_headers=headers
        )

    def _maybe_fail_transiently(self) -> None:
        if self._transient_remaining <= 0:
            return
        self._transient_remaining -= 1
        raise GraphError(
            2,
            "An unexpected error has occurred. Please retry your request later.",
            transient=True,
            status=500,
        )

    def _usage_headers(self, version: str, regain_minutes: int) -> dict[str, str]:
        percent = min(100, len(self._recent_calls) * 100 // HOURLY_CALL_BUDGET)
        if regain_minutes:
            percent = 100
        app_usage = {
            "call_count": percent,
            "total_cputime": percent // 2,
            "total_time": percent // 2,
        }
        business_usage = {
            self.page_id: [
                {
                    "type": "pages",
                    "call_count": percent,
                    "total_cputime": percent // 2,
                    "total_time": percent // 2,
                    "estimated_time_to_regain_access": regain_minutes,
                }
            ]
        }
        return {
            "facebook-api-version": version,
            "X-App-Usage": json.dumps(app_usage),
            "X-Business-Use-Case-Usage": json.dumps(business_usage),
            "x-fb-trace-id": _trace_id()[:11],
            "Cache-Control": "private, no-cache, no-store, must-revalidate",
        }

    def _require(self, scope: str, code: int) -> None:
        if scope not in self.scopes:
            raise _missing_permission(code, scope)

    def _require_page_token(self, call: _Call) -> None:
        if call.caller.kind != "page":
            raise GraphError(
                200,
                "(#200) This action requires a Page access token: use the token from "
                "/me/accounts for the Page.",
                error_type="OAuthException",
                status=403,
            )

    def _require_own_page(self, call: _Call, object_id: str) -> None:
        if object_id not in (self.page_id, "me") or (
            object_id == "me" and call.caller.kind != "page"
        ):
            raise _unknown_object(object_id)

    # -- routes ------------------------------------------------------------------------------

    def register_routes(self) -> None:
        """Register every Graph route on the app, versioned and unversioned."""
        app, wrap = self.app, self.endpoint
        app.route("GET", f"{_VERSION}/debug_token")(
            wrap(self._get_debug_token, allow=("page", "user", "app"))
        )
        app.route("GET", f"{_VERSION}/?")(wrap(self._get_by_ids))
        app.route("GET", f"{_VERSION}/{_OBJECT}/accounts")(wrap(self._get_accounts))
        app.route("GET", f"{_VERSION}/{_OBJECT}/(?P<edge>published_posts|feed|posts)")(
            wrap(self._get_posts)
        )
        app.route("GET", f"{_VERSION}/{_OBJECT}/scheduled_posts")(wrap(self._get_scheduled_posts))
        app.route("POST", f"{_VERSION}/{_OBJECT}/feed")(wrap(self._post_feed))
        app.route("POST", f"{_VERSION}/{_OBJECT}/photos")(wrap(self._post_photos))
        app.route("GET", f"{_VERSION}/{_OBJECT}/comments")(wrap(self._get_comments))
        app.route("POST", f"{_VERSION}/{_OBJECT}/comments")(wrap(self._post_comment))
        app.route("GET", f"{_VERSION}/{_OBJECT}")(wrap(self._get_object))
        app.route("POST", f"{_VERSION}/{_OBJECT}")(wrap(self._update_object))
        app.route("DELETE", f"{_VERSION}/{_OBJECT}")(wrap(self._delete_object))

    def _get_debug_token(self, call: _Call) -> dict[str, Any]:
        input_token = call.params.get("input_token", "")
        if not input_token:
            raise _invalid_parameter("The parameter input_token is required")
        subject = self._caller_for(input_token)
        now = self.now()
        if subject is None or subject.kind == "app":
            return {
                "data": {
                    "error": {
                        "code": 190,
                        "message": "Invalid OAuth access token.",
                        "subcode": 467,
                    },
                    "is_valid": False,
                    "scopes": [],
                }
            }
        data: dict[str, Any] = {
            "app_id": self.app_id,
            "type": subject.kind.upper(),
            "application": "Municipal Social Hub (sandbox app)",
            "data_access_expires_at": int((now + timedelta(days=90)).timestamp()),
            "expires_at": 0,  # long-lived Page tokens never expire on their own
            "is_valid": True,
            "issued_at": int((now - timedelta(days=1)).timestamp()),
            "scopes": list(self.scopes),
            "granular_scopes": [
                {"scope": scope, "target_ids": [self.page_id]}
                for scope in self.scopes
                if scope.startswith("pages_")
            ],
            "user_id": SANDBOX_USER_ID,
        }
        if subject.kind == "page":
            data["profile_id"] = self.page_id
            if self._token_expired:
                data["is_valid"] = False
                data["expires_at"] = int((now - timedelta(hours=1)).timestamp())
                data["error"] = {
                    "code": 190,
                    "message": "Error validating access token: Session has expired.",
                    "subcode": 463,
                }
        return {"data": data}

    def _get_by_ids(self, call: _Call) -> dict[str, Any]:
        ids = [part for part in call.params.get("ids", "").split(",") if part]
        if not ids:
            raise _invalid_parameter("Unsupported get request. Specify an object id or ids=")
        fields = parse_fields(call.params.get("fields"))
        missing = [i for i in ids if self._post_row(i) is None and self._comment_row(i) is None]
        if missing:
            raise GraphError(
                803, f"(#803) Some of the aliases you requested do not exist: {','.join(missing)}"
            )
        return {i: self._object_json(i, fields, call) for i in ids}

    def _get_accounts(self, call: _Call) -> dict[str, Any]:
        if call.caller.kind != "user" or call.groups["object_id"] not in ("me", SANDBOX_USER_ID):
            raise _invalid_parameter(
                "Tried accessing nonexisting field (accounts) on node type (Page)"
            )
        self._require("pages_show_list", 200)
        account = {
            "access_token": self.page_token,
            "category": "Government organization",
            "category_list": [{"id": "2235", "name": "Government organization"}],
            "name": self.page_name,
            "id": self.page_id,
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        }
        cursor = base64.b64encode(self.page_id.encode()).decode()
        return {"data": [account], "paging": {"cursors": {"before": cursor, "after": cursor}}}

    def _get_posts(self, call: _Call) -> dict[str, Any]:
        self._require_own_page(call, call.groups["object_id"])
        self._require("pages_read_engagement", 10)
        return self._posts_listing(call, "is_published")

    def _get_scheduled_posts(self, call: _Call) -> dict[str, Any]:
        self._require_own_page(call, call.groups["object_id"])
        self._require("pages_read_engagement", 10)
        return self._posts_listing(call, "NOT is_published AND scheduled_publish_time IS NOT NULL")

    def _posts_listing(self, call: _Call, condition: str) -> dict[str, Any]:
        posts = self._fetch(
            f"SELECT {_POST_COLUMNS} FROM fb_posts WHERE {condition} AND page_id = ? "
            "ORDER BY created_time DESC, number DESC",
            [self.page_id],
        )
        if "since" in call.params:
            since = _parse_time_parameter(call.params["since"], "since")
            posts = [p for p in posts if p["created_time"] >= since]
        if "until" in call.params:
            until = _parse_time_parameter(call.params["until"], "until")
            posts = [p for p in posts if p["created_time"] <= until]
        fields = parse_fields(call.params.get("fields"))
        page, paging = self._page(posts, _post_key, call.params, True, call)
        result: dict[str, Any] = {"data": [self._post_json(p, fields, call) for p in page]}
        if paging:
            result["paging"] = paging
        return result

    def _post_feed(self, call: _Call) -> dict[str, Any]:
        self._require_own_page(call, call.groups["object_id"])
        self._require_page_token(call)
        self._require("pages_manage_posts", 200)
        params = call.params
        message = params.get("message") or None
        link = params.get("link") or None
        photo_ids = self._attached_media(params)
        if not (message or link or photo_ids):
            raise _invalid_parameter("Requires one of the params: message, link, attached_media")
        published, scheduled_at = self._publication(params)
        if message and not link and not photo_ids:
            self._refuse_duplicate_status(message)
        status_type = (
            "added_photos" if photo_ids else ("shared_story" if link else "mobile_status_update")
        )
        post_id = self._insert_post(
            message=message,
            link=link,
            status_type=status_type,
            photo_ids=photo_ids,
            is_published=published,
            scheduled_at=scheduled_at,
        )
        return {"id": post_id}

    def _attached_media(self, params: dict[str, str]) -> list[str]:
        photo_ids: list[str] = []
        indexed = sorted(
            (int(m[1]), value)
            for name, value in params.items()
            if (m := re.fullmatch(r"attached_media\[(\d+)\]", name))
        )
        for index, value in indexed:
            try:
                photo_id = str(json.loads(value)["media_fbid"])
            except (ValueError, KeyError, TypeError) as exc:
                raise _invalid_parameter(
                    f"param attached_media[{index}] must be a JSON object with media_fbid"
                ) from exc
            photo = self._photo_row(photo_id)
            if photo is None or photo["post_id"] is not None or photo["is_published"]:
                raise _invalid_parameter(
                    f"param attached_media[{index}] has an invalid media_fbid: upload the photo "
                    "with published=false first"
                )
            photo_ids.append(photo_id)
        if len(photo_ids) > 10:
            raise _invalid_parameter("A post can carry at most 10 attached photos")
        return photo_ids

    def _publication(self, params: dict[str, str]) -> tuple[bool, datetime | None]:
        published = _truthy(params.get("published"), True)
        raw_time = params.get("scheduled_publish_time")
        if not raw_time:
            return published, None
        if published:
            raise _invalid_parameter(
                "Cannot specify a scheduled publish time on a published post: set published=false"
            )
        scheduled_at = _parse_time_parameter(raw_time, "scheduled_publish_time")
        ahead = scheduled_at - self.now()
        if ahead < MIN_SCHEDULE_AHEAD or ahead > self.max_schedule_ahead:
            raise GraphError(
                100,
                "(#100) The specified scheduled publish time is invalid.",
                user_title="Invalid scheduled publish time",
                user_msg="A scheduled post must be at least 10 minutes and at most "
                f"{self.max_schedule_ahead.days} days in the future.",
            )
        return False, scheduled_at

    def _refuse_duplicate_status(self, message: str) -> None:
        window_start = self.now() - self.duplicate_window
        rows = self._fetch(
            "SELECT id FROM fb_posts WHERE page_id = ? AND message = ? AND link IS NULL "
            "AND photo_ids = '[]' AND updated_time >= ?",
            [self.page_id, message, window_start],
        )
        if rows:
            raise GraphError(
                506,
                "(#506) Duplicate status message",
                subcode=1455006,
                user_title="Duplicate Status Update",
                user_msg="This status update is identical to the last one you posted. Try "
                "posting something different, or delete your previous update.",
            )

    def _post_photos(self, call: _Call) -> dict[str, Any]:
        self._require_own_page(call, call.groups["object_id"])
        self._require_page_token(call)
        self._require("pages_manage_posts", 200)
        params = call.params
        upload = call.files.get("source")
        source_url = params.get("url") or None
        if upload is None and source_url is None:
            raise GraphError(324, "(#324) Requires upload file")
        mime_type, size = None, 0
        if upload is not None:
            size = len(upload.content)
            mime_type = _detect_image_type(upload.content)
            if mime_type is None:
                raise GraphError(324, "(#324) Missing or invalid image file")
            if size > MAX_PHOTO_BYTES:
                raise _invalid_parameter("Photos must be smaller than 10 MB")
        published, scheduled_at = self._publication(params)
        caption = params.get("message") or params.get("caption") or None
        cursor = self.app.cursor()
        photo_id = str(self._next_number(cursor))
        cursor.execute(
            "INSERT INTO fb_photos (id, page_id, post_id, caption, alt_text, source_url, "
            "mime_type, byte_size, is_published, created_time) "
            "VALUES (?, ?, NULL, ?, ?, ?, ?, ?, false, ?)",
            [
                photo_id,
                self.page_id,
                caption,
                params.get("alt_text_custom"),
                source_url,
                mime_type,
                size,
                self.now(),
            ],
        )
        if not published and scheduled_at is None:
            return {"id": photo_id}
        post_id = self._insert_post(
            message=caption,
            link=None,
            status_type="added_photos",
            photo_ids=[photo_id],
            is_published=published,
            scheduled_at=scheduled_at,
        )
        return {"id": photo_id, "post_id": post_id}

    def _get_comments(self, call: _Call) -> dict[str, Any]:
        self._require("pages_read_engagement", 10)
        return self._comments_edge(call.groups["object_id"], call.params, call)

    def _post_comment(self, call: _Call) -> dict[str, Any]:
        self._require_page_token(call)
        self._require("pages_manage_engagement", 200)
        object_id = call.groups["object_id"]
        message = call.params.get("message", "")
        if not message.strip():
            raise _invalid_parameter("Missing message or attachment")
        post = self._post_row(object_id)
        parent = None
        if post is None:
            parent = self._comment_row(object_id)
            if parent is None:
                raise _unknown_object(object_id)
            post = self._post_row(parent["post_id"])
        assert post is not None
        comment_id = self._insert_comment(
            post, parent, message, self.page_id, self.page_name, self.now()
        )
        return {"id": comment_id}

    def _object_json(
        self, object_id: str, fields: list[FieldRequest] | None, call: _Call
    ) -> dict[str, Any]:
        post = self._post_row(object_id)
        if post is not None:
            return self._post_json(post, fields, call)
        comment = self._comment_row(object_id)
        if comment is not None:
            every = self._comments_of_post(comment["post_id"])
            return self._comment_json(comment, fields, every, call)
        photo = self._photo_row(object_id)
        if photo is not None:
            return self._photo_json(photo, fields)
        raise _unknown_object(object_id)

    def _get_object(self, call: _Call) -> dict[str, Any]:
        object_id = call.groups["object_id"]
        fields = parse_fields(call.params.get("fields"))
        if object_id == "me" and call.caller.kind == "user":
            return _pick_fields({"id": SANDBOX_USER_ID, "name": SANDBOX_USER_NAME}, fields, "User")
        if object_id in ("me", self.page_id):
            if object_id == "me" and call.caller.kind != "page":
                raise _unknown_object(object_id)
            return _pick_fields(self._page_json(), fields, "Page")
        self._require("pages_read_engagement", 10)
        return self._object_json(object_id, fields, call)

    def _page_json(self) -> dict[str, Any]:
        return {
            "id": self.page_id,
            "name": self.page_name,
            "category": "Government organization",
            "link": f"https://www.facebook.com/{self.page_id}",
            "username": "sandboxmunicipality",
            "fan_count": 125000,
            "followers_count": 131000,
            "verification_status": "blue_verified",
        }

    def _photo_json(
        self, photo: dict[str, Any], fields: list[FieldRequest] | None
    ) -> dict[str, Any]:
        full = {
            "id": photo["id"],
            "created_time": format_graph_time(photo["created_time"]),
            "link": f"https://www.facebook.com/photo.php?fbid={photo['id']}",
            "from": {"id": self.page_id, "name": self.page_name},
        }
        if photo["caption"]:
            full["name"] = photo["caption"]
        if photo["alt_text"]:
            full["alt_text_custom"] = photo["alt_text"]
        if photo["post_id"]:
            full["page_story_id"] = photo["post_id"]
        default = [FieldRequest(n) for n in ("created_time", "name", "id")]
        return _pick_fields(full, fields or default, "Photo", lenient=True)

    def _update_object(self, call: _Call) -> dict[str, Any]:
        object_id = call.groups["object_id"]
        self._require_page_token(call)
        comment = self._comment_row(object_id)
        cursor = self.app.cursor()
        if comment is not None:
            self._require("pages_manage_engagement", 200)
            if "is_hidden" in call.params:
                if comment["author_id"] == self.page_id:
                    raise _invalid_parameter("A Page cannot hide its own comments")
                hidden = _truthy(call.params["is_hidden"], True)
                cursor.execute(
                    "UPDATE fb_comments SET is_hidden = ? WHERE id = ?", [hidden, object_id]
                )
            if call.params.get("message"):
                if comment["author_id"] != self.page_id:
                    raise GraphError(
                        200, "(#200) Users can only edit their own comments", status=403
                    )
                cursor.execute(
                    "UPDATE fb_comments SET message = ? WHERE id = ?",
                    [call.params["message"], object_id],
                )
            return {"success": True}
        post = self._post_row(object_id)
        if post is not None:
            self._require("pages_manage_posts", 200)
            if call.params.get("message"):
                cursor.execute(
                    "UPDATE fb_posts SET message = ?, updated_time = ? WHERE id = ?",
                    [call.params["message"], self.now(), object_id],
                )
            return {"success": True}
        raise _unknown_object(object_id)

    def _delete_object(self, call: _Call) -> dict[str, Any]:
        object_id = call.groups["object_id"]
        self._require_page_token(call)
        cursor = self.app.cursor()
        if self._comment_row(object_id) is not None:
            self._require("pages_manage_engagement", 200)
            cursor.execute(
                "DELETE FROM fb_comments WHERE id = ? OR parent_id = ?", [object_id, object_id]
            )
            return {"success": True}
        if self._post_row(object_id) is not None:
            self._require("pages_manage_posts", 200)
            cursor.execute("DELETE FROM fb_comments WHERE post_id = ?", [object_id])
            cursor.execute("DELETE FROM fb_posts WHERE id = ?", [object_id])
            return {"success": True}
        raise _unknown_object(object_id)


# -- module helpers ----------------------------------------------------------------------------


def _comment_key(comment: dict[str, Any]) -> tuple[int, int]:
    return _micros(comment["created_time"]), int(comment["number"])


def _post_key(post: dict[str, Any]) -> tuple[int, int]:
    return _micros(post["created_time"]), int(post["number"])


def _citizen_id(author_name: str) -> str:
    # Stable per name, so the simulator's recurring citizens keep one app-scoped id.
    digest = int(hashlib.sha256(author_name.encode()).hexdigest(), 16)
    return "2" + str(digest % 10**15).zfill(15)


def _pick(values: dict[str, Any], wanted: FieldRequest) -> dict[str, Any]:
    if not wanted.subfields:
        return values
    return {f.name: values[f.name] for f in wanted.subfields if f.name in values}


def _pick_fields(
    values: dict[str, Any], fields: list[FieldRequest] | None, node_type: str, *, lenient=False
) -> dict[str, Any]:
    if fields is None:
        return {"name": values["name"], "id": values["id"]} if "name" in values else values
    result = {}
    for wanted in fields:
        if wanted.name in values:
            result[wanted.name] = values[wanted.name]
        elif not lenient:
            raise _invalid_parameter(
                f"Tried accessing nonexisting field ({wanted.name}) on node type ({node_type})"
            )
    return result


def _paging_url(call: _Call, **cursor: str) -> str:
    """A `paging.next`/`previous` URL on the host the client used, token included, as Graph does."""
    parts = urlsplit(call.request.url)
    query = {k: v for k, v in call.request.query.items() if k not in ("after", "before")}
    query.update(cursor)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


def _check_version(version: str) -> None:
    major, minor = (int(part) for part in version[1:].split("."))
    if (major, minor) < OLDEST_LIVE_VERSION:
        raise GraphError(
            2635,
            f"(#2635) You are calling a deprecated version of the Graph API ({version}). "
            f"Please update to the latest version: v{OLDEST_LIVE_VERSION[0]}.0 or later.",
            error_type="OAuthException",
        )


def _expired_token_error(now: datetime) -> GraphError:
    expired_at = (now - timedelta(hours=1)).strftime("%A, %d-%b-%y %H:%M:%S UTC")
    current = now.strftime("%A, %d-%b-%y %H:%M:%S UTC")
    return GraphError(
        190,
        f"Error validating access token: Session has expired on {expired_at}. "
        f"The current time is {current}.",
        subcode=463,
        user_title="Session expired",
        user_msg="Your session has expired. Please log in again.",
    )


def install_graph_api(
    app: SandboxApp,
    *,
    page_id: str = "1000000000000001",
    page_name: str = "Kolkata Municipal Corporation",
    page_token: str = "sandbox-page-token",
    user_token: str = "sandbox-user-token",
    app_secret: str = "sandbox-app-secret",
    clock: Callable[[], datetime] | None = None,
    duplicate_window: timedelta = timedelta(hours=1),
    max_schedule_ahead: timedelta = DEFAULT_MAX_SCHEDULE_AHEAD,
) -> GraphSandbox:
    """Add the Graph API to a sandbox app: create the `fb_*` tables and register the routes.

    `clock` (aware datetimes) lets tests and the trainer page move time forward, e.g. to see
    a scheduled post go live.
    """
    sandbox = GraphSandbox(
        app,
        page_id=page_id,
        page_name=page_name,
        page_token=page_token,
        user_token=user_token,
        app_secret=app_secret,
        clock=clock,
        duplicate_window=duplicate_window,
        max_schedule_ahead=max_schedule_ahead,
    )
    sandbox.create_schema()
    sandbox.register_routes()
    return sandbox


__all__ = [
    "ALL_PAGE_SCOPES",
    "DEFAULT_VERSION",
    "GraphError",
    "GraphSandbox",
    "format_graph_time",
    "install_graph_api",
    "parse_fields",
]
