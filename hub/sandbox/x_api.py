"""The X API v2 half of the sandbox: posts, mentions, timelines, media upload, limits, errors.

`install_x_api(app)` registers routes under ``/2/`` on a `SandboxApp` and returns an
`XSandbox`, the handle tests, the citizen simulator and the trainer page use to add mentions,
look at what was posted and provoke the failures the real X API produces.

What it reproduces, because the hub's adapter must live with it on the real platform:
- wire formats: ``POST /2/tweets`` answers 201 ``{"data": {"id", "text",
  "edit_history_tweet_ids"}}``; reads answer ``data``/``includes``/``meta`` with ``next_token``
  paging, ids as strings, times with milliseconds (``2026-05-01T12:34:56.000Z``);
- auth: writes need OAuth 1.0a user context (consumer key, access token and a valid HMAC-SHA1
  signature, computed by tweepy over the original ``https://api.twitter.com`` URL); reads also
  take the app's bearer token; anything else answers 401 problem JSON;
- errors as problem JSON ``{"title", "detail", "type", "status"}``: duplicate text (403),
  replying where the account was not mentioned (403), mentions on a publish-only tier (403
  client-not-enrolled), monthly usage cap (429 usage-capped), no credits (402);
- per-endpoint 15-minute rate limits with ``x-rate-limit-*`` headers on every answer, and the
  24-hour posting limit headers;
- only the latest 800 mentions are reachable; ids are time-ordered snowflakes.

State lives in the sandbox's DuckDB file in tables prefixed ``x_``. Switches that provoke
failures (expired credentials, storms, caps) live in memory and reset on restart.
"""

from __future__ import annotations

import base64
import hmac
import io
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849 import utils as oauth_utils

from hub.sandbox.server import Request, Response, SandboxApp

# X's snowflake epoch (2010-11-04T01:42:54.657Z): ids carry their creation time in the top bits.
SNOWFLAKE_EPOCH_MS = 1288834974657
# tweepy signs OAuth 1.0a requests for these hosts before the hub's transport rewrites the URL.
ORIGINAL_API_URLS = ("https://api.twitter.com", "https://api.x.com")

MENTIONS_REACHABLE = 800
TIMELINE_REACHABLE = 3200
MAX_WEIGHTED_LENGTH = 280
MAX_PHOTOS_PER_POST = 4
IMAGE_MAX_BYTES = 5 * 1024 * 1024
MEDIA_EXPIRES_AFTER_SECONDS = 86400
WINDOW_SECONDS = 15 * 60
DAY_SECONDS = 24 * 60 * 60
DUPLICATE_LOOKBACK = timedelta(hours=24)

PROBLEMS = "https://api.twitter.com/2/problems"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_NOT_ALLOWED_DETAIL = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)
CLIENT_NOT_ENROLLED_DETAIL = (
    "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
    "from a Twitter developer App that is attached to a Project. You can create a project via "
    "the developer portal."
)


@dataclass(frozen=True)
class EndpointLimit:
    """A 15-minute request budget, per user (OAuth 1.0a) and per app (bearer)."""

    per_user: int
    per_app: int


# The documented budgets of the endpoints the sandbox serves (Basic tier and above).
ENDPOINT_LIMITS: dict[str, EndpointLimit] = {
    "create_tweet": EndpointLimit(per_user=100, per_app=10000),
    "delete_tweet": EndpointLimit(per_user=50, per_app=50),
    "users_me": EndpointLimit(per_user=75, per_app=75),
    "mentions": EndpointLimit(per_user=300, per_app=450),
    "user_tweets": EndpointLimit(per_user=900, per_app=1500),
    "tweet_lookup": EndpointLimit(per_user=900, per_app=450),
    "media_upload": EndpointLimit(per_user=500, per_app=500),
    "media_metadata": EndpointLimit(per_user=500, per_app=500),
}
POSTS_PER_24_HOURS_PER_USER = 100
POSTS_PER_24_HOURS_PER_APP = 10000

TWEET_FIELDS = frozenset(
    [
        "article",
        "attachments",
        "author_id",
        "card_uri",
        "community_id",
        "context_annotations",
        "conversation_id",
        "created_at",
        "display_text_range",
        "edit_controls",
        "edit_history_tweet_ids",
        "entities",
        "geo",
        "id",
        "in_reply_to_user_id",
        "lang",
        "media_metadata",
        "non_public_metrics",
        "note_tweet",
        "organic_metrics",
        "possibly_sensitive",
        "promoted_metrics",
        "public_metrics",
        "referenced_tweets",
        "reply_settings",
        "scopes",
        "source",
        "text",
        "withheld",
    ]
)
USER_FIELDS = frozenset(
    [
        "affiliation",
        "confirmed_email",
        "connection_status",
        "created_at",
        "description",
        "entities",
        "id",
        "is_identity_verified",
        "location",
        "most_recent_tweet_id",
        "name",
        "parody",
        "pinned_tweet_id",
        "profile_banner_url",
        "profile_image_url",
        "protected",
        "public_metrics",
        "receives_your_dm",
        "subscription",
        "subscription_type",
        "url",
        "username",
        "verified",
        "verified_followers_count",
        "verified_type",
        "withheld",
    ]
)
EXPANSIONS = frozenset(
    [
        "article.cover_media",
        "article.media_entities",
        "attachments.media_keys",
        "attachments.media_source_tweet",
        "attachments.poll_ids",
        "author_id",
        "edit_history_tweet_ids",
        "entities.mentions.username",
        "geo.place_id",
        "in_reply_to_user_id",
        "entities.note.mentions.username",
        "referenced_tweets.id",
        "referenced_tweets.id.attachments.media_keys",
        "referenced_tweets.id.author_id",
    ]
)

_IMAGE_SIGNATURES: tuple[tuple[str, Any], ...] = (
    ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    ("image/png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/webp", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
    ("image/gif", lambda b: b[:6] in (b"GIF87a", b"GIF89a")),
)
_MENTION_PATTERN = re.compile(r"(?<![\w@])@(\w{1,15})")
_PAGINATION_PREFIX = "7140dibdnow9c7btw4"


# -- small wire helpers ---------------------------------------------------------------------


def iso_milliseconds(moment: datetime) -> str:
    """X's timestamp format: UTC with milliseconds, e.g. ``2026-05-01T12:34:56.000Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def snowflake_for(moment: datetime) -> int:
    """The smallest X id that could have been created at `moment`."""
    return (int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS) << 22


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any):
    """An X API v2 problem JSON answer."""
    payload: dict[str, Any] = {"title": title, "detail": detail, "type": type_, "status": status}
    payload.update(extra)
    return Response.json(payload, status, {"Content-Type": "application/problem+json"})


def invalid_request(parameter: str, value: str, message: str) -> Response:
    """The 400 X answers when a query or body parameter is not valid."""
    return Response.json(
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": f"{PROBLEMS}/invalid-request",
        },
        400,
    )


def _encode_pagination_token(upper_id: int) -> str:
    return _PAGINATION_PREFIX + _to_base36(upper_id)


def _decode_pagination_token(token: str) -> int | None:
    if not token.startswith(_PAGINATION_PREFIX):
        return None
    try:
        return int(token[len(_PAGINATION_PREFIX) :], 36)
    except ValueError:
        return None


def _to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, remainder = divmod(number, 36)
        out = digits[remainder] + out
        if number == 0:
            return out


def _sniff_image_type(content: bytes) -> str | None:
    for mime_type, matches in _IMAGE_SIGNATURES:
        if matches(content):
            return mime_type
    return None


def _image_dimensions(content: bytes) -> tuple[int, int] | None:
    """Width and height when Pillow can read the image; None when the bytes are not one."""
    from PIL import Image, UnidentifiedImageError  # the sandbox alone needs Pillow here

    try:
        with Image.open(io.BytesIO(content)) as image:
            size = image.size
            image.verify()
            return size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def _multipart_fields(request: Request) -> dict[str, bytes]:
    """The parts of a multipart/form-data body, by field name."""
    content_type = request.headers.get("content-type", "")
    if "multipart/form-data" not in content_type:
        return {}
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.body
    )
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[str(name)] = part.get_payload(decode=True) or b""
    return fields


def _body_fields(request: Request) -> dict[str, Any]:
    """Fields from a JSON, url-encoded or multipart body (the media endpoints take all three)."""
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        try:
            body = request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    if "multipart/form-data" in content_type:
        return dict(_multipart_fields(request))
    return dict(request.form)


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


@dataclass
class _Window:
    limit: int
    remaining: int
    reset_epoch: int


@dataclass(frozen=True)
class _Caller:
    """Who made a request: the account (OAuth 1.0a user context) or the app (bearer)."""

    kind: str  # "user" or "app"
    user_id: str


class XSandbox:
    """The X API v2 sandbox's state and the helpers that drive it from outside the API."""

    def __init__(
        self,
        app: SandboxApp,
        *,
        user_id: str,
        username: str,
        name: str,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        bearer_token: str,
        mentions_enabled: bool,
    ) -> None:
        self.app = app
        self.user_id = user_id
        self.username = username
        self.name = name
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._access_token = access_token
        self._access_token_secret = access_token_secret
        self._bearer_token = bearer_token
        # What oauthlib's signer reads from a client: the two secrets of the HMAC key.
        self._signing_keys = SimpleNamespace(
            client_secret=consumer_secret, resource_owner_secret=access_token_secret
        )
        self.mentions_enabled = mentions_enabled
        self.rate_limits_enabled = True
        self.credentials_expired = False
        self.usage_capped = False
        self.out_of_credits = False
        self.verify_signatures = True
        self._windows: dict[tuple[str, str], _Window] = {}
        self._storm_left = 0
        self._storm_reset_epoch = 0
        self._create_schema()
        self._ensure_user(user_id, username, name)

    # -- helpers for tests, the citizen simulator and the trainer page ----------------------

    def add_mention(
        self,
        text: str,
        author_username: str,
        author_name: str | None = None,
        in_reply_to_tweet_id: str | None = None,
        created_at: datetime | None = None,
    ) -> str:
        """A citizen's post mentioning the account; returns its id.

        With `in_reply_to_tweet_id` it is a reply in that post's conversation. X puts the
        handle of the account replied to at the start of a reply, so a text without
        ``@<username>`` gets it prefixed.
        """
        if f"@{self.username.lower()}" not in text.lower():
            text = f"@{self.username} {text}"
        return self.add_post(text, author_username, author_name, in_reply_to_tweet_id, created_at)

    def add_post(
        self,
        text: str,
        author_username: str,
        author_name: str | None = None,
        in_reply_to_tweet_id: str | None = None,
        created_at: datetime | None = None,
    ) -> str:
        """A post by someone other than the account, mentioning it or not; returns its id."""
        with self.app.lock:
            cursor = self.app.cursor()
            author_id = self._ensure_user_by_username(cursor, author_username, author_name)
            row = self._insert_tweet(
                cursor,
                author_id,
                text,
                in_reply_to_tweet_id=int(in_reply_to_tweet_id) if in_reply_to_tweet_id else None,
                created_at=created_at,
            )
        return str(row)

    def add_mentions(
        self, texts: list[str], author_username: str, author_name: str | None = None
    ) -> list[str]:
        """Many mentions by one citizen in one transaction (fast, for load and paging demos)."""
        handle = f"@{self.username}"
        with self.app.lock:
            cursor = self.app.cursor()
            cursor.begin()
            try:
                author_id = self._ensure_user_by_username(cursor, author_username, author_name)
                ids = [
                    str(
                        self._insert_tweet(
                            cursor,
                            author_id,
                            text if handle.lower() in text.lower() else f"{handle} {text}",
                        )
                    )
                    for text in texts
                ]
            except BaseException:
                cursor.rollback()
                raise
            cursor.commit()
        return ids

    def list_timeline(self) -> list[dict[str, Any]]:
        """The account's own posts (deleted ones left out), newest first."""
        return self._list_tweets("author_id = ?", [self.user_id])

    def list_mentions(self) -> list[dict[str, Any]]:
        """Every post mentioning the account, newest first (beyond the API's 800 as well)."""
        return self._list_tweets(
            "list_contains(mentioned_user_ids, ?) AND author_id <> ?", [self.user_id] * 2
        )

    def expire_credentials(self) -> None:
        """From now on every request answers 401, as after the token was revoked."""
        self.credentials_expired = True

    def restore_credentials(self) -> None:
        """Accept the configured credentials again."""
        self.credentials_expired = False

    def rate_limit_storm(self, count: int, reset_in_seconds: int) -> None:
        """The next `count` requests answer 429, with the window resetting in so many seconds."""
        self._storm_left = count
        self._storm_reset_epoch = int(time.time()) + reset_in_seconds

    def set_mentions_enabled(self, enabled: bool) -> None:
        """False: the account's tier is publish-only, mentions answer 403 client-not-enrolled."""
        self.mentions_enabled = enabled

    def set_rate_limits_enabled(self, enabled: bool) -> None:
        """False: windows are still counted and reported but never refuse a request."""
        self.rate_limits_enabled = enabled

    def set_usage_capped(self, capped: bool) -> None:
        """True: the project's monthly post cap is spent; every request answers 429."""
        self.usage_capped = capped

    def set_out_of_credits(self, out: bool) -> None:
        """True: the pay-per-use account has no credits; every request answers 402."""
        self.out_of_credits = out

    def reset_rate_limits(self) -> None:
        """Forget every window and any storm in progress."""
        self._windows.clear()
        self._storm_left = 0

    # -- state ----------------------------------------------------------------------------

    def _create_schema(self) -> None:
        with self.app.lock:
            cursor = self.app.cursor()
            cursor.execute(
                """
                CREATE TABLE IF NOT EXISTS x_users (
                    id VARCHAR PRIMARY KEY,
                    username VARCHAR NOT NULL,
                    name VARCHAR NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL
                );
                CREATE TABLE IF NOT EXISTS x_tweets (
                    id BIGINT PRIMARY KEY,
                    author_id VARCHAR NOT NULL,
                    text VARCHAR NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL,
                    conversation_id BIGINT NOT NULL,
                    in_reply_to_tweet_id BIGINT,
                    in_reply_to_user_id VARCHAR,
                    mentioned_user_ids VARCHAR[] NOT NULL,
                    media_ids BIGINT[] NOT NULL,
                    deleted BOOLEAN NOT NULL DEFAULT FALSE
                );
                CREATE TABLE IF NOT EXISTS x_media (
                    id BIGINT PRIMARY KEY,
                    owner_id VARCHAR NOT NULL,
                    media_type VARCHAR,
                    media_category VARCHAR NOT NULL,
                    total_bytes BIGINT,
                    state VARCHAR NOT NULL,
                    width INTEGER,
                    height INTEGER,
                    alt_text VARCHAR,
                    created_at TIMESTAMPTZ NOT NULL,
                    expires_at TIMESTAMPTZ NOT NULL
                );
                CREATE TABLE IF NOT EXISTS x_media_segments (
                    media_id BIGINT NOT NULL,
                    segment_index INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (media_id, segment_index)
                );
                """
            )

    def _ensure_user(self, user_id: str, username: str, name: str) -> None:
        with self.app.lock:
            cursor = self.app.cursor()
            exists = cursor.execute("SELECT 1 FROM x_users WHERE id = ?", [user_id]).fetchone()
            if exists:
                cursor.execute(
                    "UPDATE x_users SET username = ?, name = ? WHERE id = ?",
                    [username, name, user_id],
                )
            else:
                cursor.execute(
                    "INSERT INTO x_users VALUES (?, ?, ?, ?)",
                    [user_id, username, name, datetime(2012, 3, 1, tzinfo=UTC)],
                )

    def _ensure_user_by_username(self, cursor: Any, username: str, name: str | None) -> str:
        username = username.lstrip("@")
        row = cursor.execute(
            "SELECT id FROM x_users WHERE lower(username) = lower(?)", [username]
        ).fetchone()
        if row:
            return str(row[0])
        now = datetime.now(UTC)
        user_id = str(snowflake_for(now))
        while cursor.execute("SELECT 1 FROM x_users WHERE id = ?", [user_id]).fetchone():
            user_id = str(int(user_id) + 1)
        cursor.execute(
            "INSERT INTO x_users VALUES (?, ?, ?, ?)", [user_id, username, name or username, now]
        )
        return user_id

    @staticmethod
    def _next_id(cursor: Any, table: str, created_at: datetime | None) -> tuple[int, datetime]:
        """A fresh snowflake; ids made "now" always grow, so since_id paging never skips one."""
        if created_at is None:
            created_at = datetime.now(UTC)
            (highest,) = cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()
            return max(snowflake_for(created_at), int(highest) + 1), created_at
        candidate = snowflake_for(created_at)
        while cursor.execute(f"SELECT 1 FROM {table} WHERE id = ?", [candidate]).fetchone():
            candidate += 1
        return candidate, created_at

    @staticmethod
    def _mentioned_user_ids(cursor: Any, text: str) -> list[str]:
        handles = [h.lower() for h in _MENTION_PATTERN.findall(text)]
        if not handles:
            return []
        rows = cursor.execute(
            "SELECT id FROM x_users WHERE list_contains(?, lower(username))", [handles]
        ).fetchall()
        return [str(r[0]) for r in rows]

    def _insert_tweet(
        self,
        cursor: Any,
        author_id: str,
        text: str,
        *,
        in_reply_to_tweet_id: int | None = None,
        media_ids: list[int] | None = None,
        created_at: datetime | None = None,
    ) -> int:
        conversation_id = None
        in_reply_to_user_id = None
        if in_reply_to_tweet_id is not None:
            parent = cursor.execute(
                "SELECT conversation_id, author_id FROM x_tweets WHERE id = ?",
                [in_reply_to_tweet_id],
            ).fetchone()
            if parent is None:
                raise ValueError(f"no post {in_reply_to_tweet_id} to reply to")
            conversation_id, in_reply_to_user_id = int(parent[0]), str(parent[1])
        tweet_id, created_at = self._next_id(cursor, "x_tweets", created_at)
        text = unicodedata.normalize("NFC", text)
        cursor.execute(
            "INSERT INTO x_tweets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE)",
            [
                tweet_id,
                author_id,
                text,
                created_at,
                conversation_id or tweet_id,
                in_reply_to_tweet_id,
                in_reply_to_user_id,
                self._mentioned_user_ids(cursor, text),
                media_ids or [],
            ],
        )
        return tweet_id

    def _list_tweets(self, where: str, params: list[Any]) -> list[dict[str, Any]]:
        with self.app.lock:
            rows = (
                self.app.cursor()
                .execute(
                    f"""
                    SELECT t.id, t.text, t.created_at, t.author_id, u.username,
                           t.conversation_id, t.in_reply_to_tweet_id, t.media_ids
                    FROM x_tweets t JOIN x_users u ON u.id = t.author_id
                    WHERE NOT t.deleted AND {where}
                    ORDER BY t.id DESC
                    """,
                    params,
                )
                .fetchall()
            )
        return [
            {
                "id": str(r[0]),
                "text": r[1],
                "created_at": r[2],
                "author_id": r[3],
                "author_username": r[4],
                "conversation_id": str(r[5]),
                "in_reply_to_tweet_id": None if r[6] is None else str(r[6]),
                "media_ids": [str(m) for m in r[7]],
            }
            for r in rows
        ]

    # -- authentication -------------------------------------------------------------------

    def authenticate(self, request: Request, *, write: bool) -> _Caller | Response:
        """Who is calling, or the 401/403 answer X gives to bad or unsuitable credentials."""
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer "):
            if self.credentials_expired or not hmac.compare_digest(
                header[len("Bearer ") :].strip(), self._bearer_token
            ):
                return _unauthorized()
            if write:
                return problem(
                    403,
                    "Unsupported Authentication",
                    "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
                    "endpoint.  Supported authentication types are [OAuth 1.0a User Context, "
                    "OAuth 2.0 User Context].",
                    f"{PROBLEMS}/unsupported-authentication",
                )
            return _Caller("app", "")
        if header.startswith("OAuth "):
            if self.credentials_expired or not self._oauth1_valid(request, header):
                return _unauthorized()
            return _Caller("user", self.user_id)
        return _unauthorized()

    def _oauth1_valid(self, request: Request, header: str) -> bool:
        try:
            oauth_params = {
                key: oauth_utils.unescape(value)
                for key, value in oauth_utils.parse_authorization_header(header)
            }
        except (ValueError, IndexError):
            return False
        if not (
            hmac.compare_digest(oauth_params.get("oauth_consumer_key", ""), self._consumer_key)
            and hmac.compare_digest(oauth_params.get("oauth_token", ""), self._access_token)
        ):
            return False
        if not self.verify_signatures:
            return True
        if oauth_params.get("oauth_signature_method") != "HMAC-SHA1":
            return False
        provided = oauth_params.get("oauth_signature", "")
        form_body = None
        if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            form_body = request.body.decode("utf-8")
        params = oauth_signature.collect_parameters(
            uri_query=urlsplit(request.url).query,
            body=form_body,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        normalized = oauth_signature.normalize_parameters(params)
        # tweepy signs the api.twitter.com URL; a client talking to the sandbox directly signs
        # the URL it sent. Either is a correctly signed request.
        received = urlsplit(request.url)
        candidates = [f"{base}{request.path}" for base in ORIGINAL_API_URLS]
        candidates.append(f"{received.scheme}://{received.netloc}{received.path}")
        for uri in candidates:
            base_string = oauth_signature.signature_base_string(
                request.method, oauth_signature.base_string_uri(uri), normalized
            )
            expected = oauth_signature.sign_hmac_sha1_with_client(base_string, self._signing_keys)
            if hmac.compare_digest(expected, provided):
                return True
        return False

    # -- limits -----------------------------------------------------------------------------

    def _consume(self, key: tuple[str, str], limit: int, seconds: int) -> tuple[_Window, bool]:
        """Count one request in a window; True when the window had room for it."""
        now = int(time.time())
        window = self._windows.get(key)
        if window is None or now >= window.reset_epoch:
            window = _Window(limit, limit, now + seconds)
            self._windows[key] = window
        if window.remaining <= 0:
            return window, not self.rate_limits_enabled
        window.remaining -= 1
        return window, True

    def guard(self, endpoint: str, caller: _Caller) -> tuple[dict[str, str], Response | None]:
        """Rate-limit headers for this request, and the refusal when it must not proceed."""
        if self.out_of_credits:
            return {}, problem(
                402,
                "CreditsDepleted",
                "Your enrolled account does not have any credits to fulfill this request.",
                f"{PROBLEMS}/credits",
            )
        if self.usage_capped:
            # As X sends it: no "status" in this problem, unlike the about:blank ones.
            return {}, Response.json(
                {
                    "account_id": 1234567890,
                    "product_name": "standard-basic",
                    "title": "UsageCapExceeded",
                    "period": "Monthly",
                    "scope": "Product",
                    "detail": "Usage cap exceeded: Monthly product cap",
                    "type": f"{PROBLEMS}/usage-capped",
                },
                429,
                {"Content-Type": "application/problem+json"},
            )
        limits = ENDPOINT_LIMITS[endpoint]
        limit = limits.per_user if caller.kind == "user" else limits.per_app
        with self.app.lock:
            if self._storm_left > 0:
                self._storm_left -= 1
                headers = _limit_headers("x-rate-limit", limit, 0, self._storm_reset_epoch)
                return headers, _too_many_requests(headers)
            window, allowed = self._consume((endpoint, caller.kind), limit, WINDOW_SECONDS)
            headers = _limit_headers(
                "x-rate-limit", window.limit, window.remaining, window.reset_epoch
            )
            if allowed and endpoint == "create_tweet":
                user_day, user_ok = self._consume(
                    ("posts_24h", "user"), POSTS_PER_24_HOURS_PER_USER, DAY_SECONDS
                )
                app_day, app_ok = self._consume(
                    ("posts_24h", "app"), POSTS_PER_24_HOURS_PER_APP, DAY_SECONDS
                )
                headers.update(
                    _limit_headers(
                        "x-user-limit-24hour",
                        user_day.limit,
                        user_day.remaining,
                        user_day.reset_epoch,
                    )
                )
                headers.update(
                    _limit_headers(
                        "x-app-limit-24hour", app_day.limit, app_day.remaining, app_day.reset_epoch
                    )
                )
                allowed = user_ok and app_ok
        if not allowed:
            return headers, _too_many_requests(headers)
        return headers, None

    # -- rendering ---------------------------------------------------------------------------

    def tweet_payload(self, row: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        """One post as X renders it: id, text and edit history always, the rest on request."""
        tweet_id = str(row["id"])
        payload: dict[str, Any] = {
            "edit_history_tweet_ids": [tweet_id],
            "id": tweet_id,
            "text": row["text"],
        }
        if "author_id" in fields:
            payload["author_id"] = row["author_id"]
        if "conversation_id" in fields:
            payload["conversation_id"] = str(row["conversation_id"])
        if "created_at" in fields:
            payload["created_at"] = iso_milliseconds(row["created_at"])
        if "in_reply_to_user_id" in fields and row["in_reply_to_user_id"]:
            payload["in_reply_to_user_id"] = row["in_reply_to_user_id"]
        if "referenced_tweets" in fields and row["in_reply_to_tweet_id"] is not None:
            payload["referenced_tweets"] = [
                {"type": "replied_to", "id": str(row["in_reply_to_tweet_id"])}
            ]
        if "attachments" in fields and row["media_ids"]:
            payload["attachments"] = {"media_keys": [f"3_{m}" for m in row["media_ids"]]}
        if "public_metrics" in fields:
            payload["public_metrics"] = {
                "retweet_count": 0,
                "reply_count": int(row["reply_count"]),
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            }
        return payload

    def user_payload(self, user_id: str, fields: set[str]) -> dict[str, Any] | None:
        """One user as X renders it."""
        row = (
            self.app.cursor()
            .execute("SELECT id, name, username, created_at FROM x_users WHERE id = ?", [user_id])
            .fetchone()
        )
        if row is None:
            return None
        payload: dict[str, Any] = {"id": row[0], "name": row[1], "username": row[2]}
        if "created_at" in fields:
            payload["created_at"] = iso_milliseconds(row[3])
        if "description" in fields:
            payload["description"] = ""
        if "protected" in fields:
            payload["protected"] = False
        if "verified" in fields:
            payload["verified"] = False
        return payload

    def fetch_tweets(self, where: str, params: list[Any], limit: int) -> list[dict[str, Any]]:
        """Rows of x_tweets with their reply counts, newest first."""
        cursor = self.app.cursor()
        rows = cursor.execute(
            f"""
            SELECT t.id, t.author_id, t.text, t.created_at, t.conversation_id,
                   t.in_reply_to_tweet_id, t.in_reply_to_user_id, t.media_ids,
                   (SELECT count(*) FROM x_tweets r
                    WHERE r.in_reply_to_tweet_id = t.id AND NOT r.deleted) AS reply_count
            FROM x_tweets t
            WHERE {where}
            ORDER BY t.id DESC
            LIMIT ?
            """,
            [*params, limit],
        ).fetchall()
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in rows]


def _unauthorized() -> Response:
    return problem(401, "Unauthorized", "Unauthorized")


def _too_many_requests(headers: dict[str, str]) -> Response:
    response = problem(429, "Too Many Requests", "Too Many Requests")
    response.headers.update(headers)
    return response


def _limit_headers(prefix: str, limit: int, remaining: int, reset_epoch: int) -> dict[str, str]:
    return {
        f"{prefix}-limit": str(limit),
        f"{prefix}-remaining": str(max(remaining, 0)),
        f"{prefix}-reset": str(reset_epoch),
    }


# -- routes ---------------------------------------------------------------------------------


def install_x_api(
    app: SandboxApp,
    *,
    user_id: str = "1500000000000000001",
    username: str = "KMC_Kolkata",
    name: str = "Kolkata Municipal Corporation",
    consumer_key: str = "sandbox-consumer-key",
    consumer_secret: str = "sandbox-consumer-secret",
    access_token: str = "sandbox-access-token",
    access_token_secret: str = "sandbox-access-secret",
    bearer_token: str = "sandbox-bearer-token",
    mentions_enabled: bool = True,
) -> XSandbox:
    """Register the X API v2 routes on `app` (tables created if missing) and return its handle."""
    x = XSandbox(
        app,
        user_id=user_id,
        username=username,
        name=name,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        access_token=access_token,
        access_token_secret=access_token_secret,
        bearer_token=bearer_token,
        mentions_enabled=mentions_enabled,
    )
    _Routes(x).register(app)
    return x


class _Routes:
    """The handlers, each wrapped with authentication, limits and rate-limit headers."""

    def __init__(self, x: XSandbox) -> None:
        self.x = x
        self.app = x.app

    def register(self, app: SandboxApp) -> None:
        """Add every route; the catch-all for unknown ``/2/`` paths comes last."""
        table = [
            ("POST", r"/2/tweets", "create_tweet", True, self.create_tweet),
            ("DELETE", r"/2/tweets/(?P<id>\d+)", "delete_tweet", True, self.delete_tweet),
            ("GET", r"/2/tweets/(?P<id>\d+)", "tweet_lookup", False, self.get_tweet),
            ("GET", r"/2/users/me", "users_me", False, self.users_me),
            ("GET", r"/2/users/(?P<id>\d+)/mentions", "mentions", False, self.mentions),
            ("GET", r"/2/users/(?P<id>\d+)/tweets", "user_tweets", False, self.user_tweets),
            ("POST", r"/2/media/upload", "media_upload", True, self.media_upload),
            ("GET", r"/2/media/upload", "media_upload", False, self.media_status),
            ("POST", r"/2/media/upload/initialize", "media_upload", True, self.media_initialize),
            (
                "POST",
                r"/2/media/upload/(?P<id>\d+)/append",
                "media_upload",
                True,
                self.media_append,
            ),
            (
                "POST",
                r"/2/media/upload/(?P<id>\d+)/finalize",
                "media_upload",
                True,
                self.media_finalize,
            ),
            ("POST", r"/2/media/metadata", "media_metadata", True, self.media_metadata),
        ]
        for method, pattern, endpoint, write, handler in table:
            app.route(method, pattern)(self._guarded(endpoint, write, handler))
        for method in ("GET", "POST", "DELETE", "PUT"):
            app.route(method, r"/2/.*")(self.not_found)

    def _guarded(self, endpoint: str, write: bool, handler):
        def serve(request: Request, groups: dict[str, str]) -> Response:
            caller = self.x.authenticate(request, write=write)
            if isinstance(caller, Response):
                return caller
            headers, refusal = self.x.guard(endpoint, caller)
            if refusal is not None:
                return refusal
            try:
                response = handler(request, groups, caller)
            except Exception as exc:  # a sandbox bug must show up as X's 5xx, not a hang
                response = problem(503, "Service Unavailable", f"sandbox error: {exc!r}")
            for name, value in headers.items():
                response.headers.setdefault(name, value)
            return response

        return serve

    @staticmethod
    def not_found(request: Request, groups: dict[str, str]) -> Response:
        """X's answer for a path it does not serve."""
        return Response.json(
            {
                "errors": [{"message": "The requested resource could not be found."}],
                "title": "Not Found Error",
                "detail": "The requested resource could not be found.",
                "type": f"{PROBLEMS}/resource-not-found",
            },
            404,
        )

    # -- query parameters ---------------------------------------------------------------------

    @staticmethod
    def _field_list(request: Request, name: str, allowed: frozenset[str]) -> set[str] | Response:
        raw = request.query.get(name, "")
        values = {v for v in raw.split(",") if v}
        for value in sorted(values):
            if value not in allowed:
                return invalid_request(
                    name,
                    value,
                    f"The `{name}` query parameter value [{value}] is not one of "
                    f"[{','.join(sorted(allowed))}]",
                )
        return values

    def _listing(
        self, request: Request, *, base_where: str, base_params: list[Any], reachable: int
    ) -> Response:
        """A newest-first page of posts with X's filters, field selection and paging."""
        query = request.query
        fields = self._field_list(request, "tweet.fields", TWEET_FIELDS)
        if isinstance(fields, Response):
            return fields
        user_fields = self._field_list(request, "user.fields", USER_FIELDS)
        if isinstance(user_fields, Response):
            return user_fields
        expansions = self._field_list(request, "expansions", EXPANSIONS)
        if isinstance(expansions, Response):
            return expansions
        max_results_raw = query.get("max_results", "10")
        if not max_results_raw.isdigit() or not 5 <= int(max_results_raw) <= 100:
            return invalid_request(
                "max_results",
                max_results_raw,
                f"The `max_results` query parameter value [{max_results_raw}] is not between "
                "5 and 100",
            )
        max_results = int(max_results_raw)
        conditions: list[str] = []
        params: list[Any] = []
        for name, operator in (("since_id", ">"), ("until_id", "<")):
            if name in query:
                if not query[name].isdigit():
                    return invalid_request(
                        name,
                        query[name],
                        f"The `{name}` query parameter value [{query[name]}] is not a valid id",
                    )
                conditions.append(f"id {operator} ?")
                params.append(int(query[name]))
        for name, operator in (("start_time", ">="), ("end_time", "<=")):
            if name in query:
                try:
                    moment = datetime.fromisoformat(query[name])
                except ValueError:
                    return invalid_request(
                        name,
                        query[name],
                        f"Invalid '{name}':'{query[name]}'. '{name}' must be a valid RFC 3339 "
                        "timestamp",
                    )
                conditions.append(f"created_at {operator} ?")
                params.append(moment)
        if "pagination_token" in query:
            upper = _decode_pagination_token(query["pagination_token"])
            if upper is None:
                return invalid_request(
                    "pagination_token",
                    query["pagination_token"],
                    f"The `pagination_token` query parameter value [{query['pagination_token']}] "
                    "is not valid",
                )
            conditions.append("id < ?")
            params.append(upper)
        with self.app.lock:
            reachable_ids = [
                r[0]
                for r in self.app.cursor()
                .execute(
                    f"SELECT id FROM x_tweets WHERE NOT deleted AND {base_where} "
                    "ORDER BY id DESC LIMIT ?",
                    [*base_params, reachable],
                )
                .fetchall()
            ]
            where = "list_contains(?, id)" + "".join(f" AND {c}" for c in conditions)
            rows = self.x.fetch_tweets(where, [reachable_ids, *params], max_results + 1)
            has_more = len(rows) > max_results
            rows = rows[:max_results]
            body: dict[str, Any] = {}
            if rows:
                body["data"] = [self.x.tweet_payload(r, fields) for r in rows]
                includes = self._user_includes(rows, expansions, user_fields)
                if includes:
                    body["includes"] = {"users": includes}
        meta: dict[str, Any] = {"result_count": len(rows)}
        if rows:
            meta["newest_id"] = str(rows[0]["id"])
            meta["oldest_id"] = str(rows[-1]["id"])
        if has_more:
            meta["next_token"] = _encode_pagination_token(int(rows[-1]["id"]))
        body["meta"] = meta
        return Response.json(body)

    def _user_includes(
        self, rows: list[dict[str, Any]], expansions: set[str], user_fields: set[str]
    ) -> list[dict[str, Any]]:
        user_ids: list[str] = []
        for row in rows:
            if "author_id" in expansions:
                user_ids.append(row["author_id"])
            if "in_reply_to_user_id" in expansions and row["in_reply_to_user_id"]:
                user_ids.append(row["in_reply_to_user_id"])
        users = []
        for user_id in dict.fromkeys(user_ids):
            payload = self.x.user_payload(user_id, user_fields)
            if payload is not None:
                users.append(payload)
        return users

    # -- posts ------------------------------------------------------------------------------

    def create_tweet(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``POST /2/tweets``."""
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return problem(400, "Invalid Request", "Request body is not valid JSON.")
        text = unicodedata.normalize("NFC", str(body.get("text") or ""))
        media_ids_raw = (body.get("media") or {}).get("media_ids") or []
        reply_to_raw = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not text and not media_ids_raw:
            return invalid_request(
                "text", "", "Either `text` or `media.media_ids` must be present."
            )
        # Imported here: the sandbox measures text exactly as the hub's adapter does.
        from hub.platforms.x_text import weighted_length

        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            # X refuses an over-long text; the hub checks the length itself before posting.
            return problem(
                400,
                "Invalid Request",
                "Your Tweet text is too long. For more information on how X determines text "
                "length see https://github.com/twitter/twitter-text.",
                f"{PROBLEMS}/invalid-request",
            )
        if len(media_ids_raw) > MAX_PHOTOS_PER_POST:
            return invalid_request(
                "media.media_ids",
                ",".join(map(str, media_ids_raw)),
                f"size must be between 1 and {MAX_PHOTOS_PER_POST}",
            )
        with self.app.lock:
            cursor = self.app.cursor()
            media_ids: list[int] = []
            for raw in media_ids_raw:
                row = None
                if str(raw).isdigit():
                    row = cursor.execute(
                        "SELECT state, expires_at FROM x_media WHERE id = ? AND owner_id = ?",
                        [int(raw), caller.user_id],
                    ).fetchone()
                if row is None or row[0] != "succeeded" or row[1] < datetime.now(UTC):
                    return invalid_request(
                        "media.media_ids", str(raw), "Your media IDs are invalid."
                    )
                media_ids.append(int(raw))
            reply_to = None
            if reply_to_raw is not None:
                refusal = self._reply_refusal(str(reply_to_raw), caller)
                if refusal is not None:
                    return refusal
                reply_to = int(reply_to_raw)
            duplicate = cursor.execute(
                "SELECT 1 FROM x_tweets WHERE author_id = ? AND NOT deleted AND text = ? "
                "AND created_at >= ?",
                [caller.user_id, text, datetime.now(UTC) - DUPLICATE_LOOKBACK],
            ).fetchone()
            if duplicate and text:
                return problem(403, "Forbidden", DUPLICATE_DETAIL)
            tweet_id = self.x._insert_tweet(
                cursor, caller.user_id, text, in_reply_to_tweet_id=reply_to, media_ids=media_ids
            )
        data = {"edit_history_tweet_ids": [str(tweet_id)], "id": str(tweet_id), "text": text}
        return Response.json(
            {"data": data},
            201,
            {"location": f"https://api.twitter.com/2/tweets/{tweet_id}"},
        )

    def _reply_refusal(self, reply_to: str, caller: _Caller) -> Response | None:
        """X lets an account reply only where it posted or was mentioned or replied to."""
        cursor = self.app.cursor()
        parent = None
        if reply_to.isdigit():
            parent = cursor.execute(
                "SELECT conversation_id, author_id, mentioned_user_ids FROM x_tweets "
                "WHERE id = ? AND NOT deleted",
                [int(reply_to)],
            ).fetchone()
        if parent is None:
            return problem(
                403,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
            )
        conversation_id, author_id, mentioned = parent
        if author_id == caller.user_id or caller.user_id in mentioned:
            return None
        engaged = cursor.execute(
            "SELECT 1 FROM x_tweets WHERE conversation_id = ? AND NOT deleted "
            "AND (author_id = ? OR list_contains(mentioned_user_ids, ?)) LIMIT 1",
            [conversation_id, caller.user_id, caller.user_id],
        ).fetchone()
        if engaged:
            return None
        return problem(403, "Forbidden", REPLY_NOT_ALLOWED_DETAIL)

    def delete_tweet(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``DELETE /2/tweets/:id``: only the account's own posts."""
        tweet_id = int(groups["id"])
        with self.app.lock:
            cursor = self.app.cursor()
            row = cursor.execute(
                "SELECT author_id FROM x_tweets WHERE id = ? AND NOT deleted", [tweet_id]
            ).fetchone()
            if row is None:
                return Response.json({"data": {"deleted": False}})
            if row[0] != caller.user_id:
                return problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
            cursor.execute("UPDATE x_tweets SET deleted = TRUE WHERE id = ?", [tweet_id])
        return Response.json({"data": {"deleted": True}})

    def get_tweet(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``GET /2/tweets/:id``; a missing post is a 200 with ``errors``, as on X."""
        fields = self._field_list(request, "tweet.fields", TWEET_FIELDS)
        if isinstance(fields, Response):
            return fields
        user_fields = self._field_list(request, "user.fields", USER_FIELDS)
        if isinstance(user_fields, Response):
            return user_fields
        expansions = self._field_list(request, "expansions", EXPANSIONS)
        if isinstance(expansions, Response):
            return expansions
        with self.app.lock:
            rows = self.x.fetch_tweets("id = ? AND NOT deleted", [int(groups["id"])], 1)
            if not rows:
                tweet_id = groups["id"]
                return Response.json(
                    {
                        "errors": [
                            {
                                "value": tweet_id,
                                "detail": f"Could not find tweet with id: [{tweet_id}].",
                                "title": "Not Found Error",
                                "resource_type": "tweet",
                                "parameter": "id",
                                "resource_id": tweet_id,
                                "type": f"{PROBLEMS}/resource-not-found",
                            }
                        ]
                    }
                )
            body: dict[str, Any] = {"data": self.x.tweet_payload(rows[0], fields)}
            users = self._user_includes(rows, expansions, user_fields)
        if users:
            body["includes"] = {"users": users}
        return Response.json(body)

    def users_me(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``GET /2/users/me``: needs user context; the app alone has no "me"."""
        if caller.kind != "user":
            return problem(
                403,
                "Unsupported Authentication",
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint. "
                " Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User "
                "Context].",
                f"{PROBLEMS}/unsupported-authentication",
            )
        user_fields = self._field_list(request, "user.fields", USER_FIELDS)
        if isinstance(user_fields, Response):
            return user_fields
        with self.app.lock:
            payload = self.x.user_payload(caller.user_id, user_fields)
        return Response.json({"data": payload})

    def mentions(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``GET /2/users/:id/mentions``: the latest 800 are reachable."""
        if not self.x.mentions_enabled:
            return Response.json(
                {
                    "client_id": "28765367",
                    "detail": CLIENT_NOT_ENROLLED_DETAIL,
                    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
                    "title": "Client Forbidden",
                    "required_enrollment": "Appropriate Level of API Access",
                    "reason": "client-not-enrolled",
                    "type": f"{PROBLEMS}/client-forbidden",
                },
                403,
            )
        user_id = groups["id"]
        return self._listing(
            request,
            base_where="list_contains(mentioned_user_ids, ?) AND author_id <> ?",
            base_params=[user_id, user_id],
            reachable=MENTIONS_REACHABLE,
        )

    def user_tweets(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``GET /2/users/:id/tweets``: the user's own posts, latest 3200 reachable."""
        exclude = set(filter(None, request.query.get("exclude", "").split(",")))
        where = "author_id = ?"
        if "replies" in exclude:
            where += " AND in_reply_to_tweet_id IS NULL"
        return self._listing(
            request, base_where=where, base_params=[groups["id"]], reachable=TIMELINE_REACHABLE
        )

    # -- media ------------------------------------------------------------------------------

    def _new_media(
        self, caller: _Caller, media_type: str | None, category: str, total: int | None
    ) -> tuple[int, datetime]:
        cursor = self.app.cursor()
        media_id, created_at = self.x._next_id(cursor, "x_media", None)
        cursor.execute(
            "INSERT INTO x_media VALUES (?, ?, ?, ?, ?, 'uploading', NULL, NULL, NULL, ?, ?)",
            [
                media_id,
                caller.user_id,
                media_type,
                category,
                total,
                created_at,
                created_at + timedelta(seconds=MEDIA_EXPIRES_AFTER_SECONDS),
            ],
        )
        return media_id, created_at

    def _accept_image(self, media_id: int, content: bytes, declared: str | None) -> Response | None:
        """Check the bytes are a real image within limits and mark the media usable."""
        if len(content) > IMAGE_MAX_BYTES:
            return invalid_request(
                "media", f"{len(content)} bytes", f"File size exceeds {IMAGE_MAX_BYTES} bytes."
            )
        sniffed = _sniff_image_type(content)
        dimensions = _image_dimensions(content) if sniffed else None
        if sniffed is None or dimensions is None:
            self.app.cursor().execute(
                "UPDATE x_media SET state = 'failed' WHERE id = ?", [media_id]
            )
            return invalid_request("media", declared or "unknown", "media type unrecognized.")
        self.app.cursor().execute(
            "UPDATE x_media SET state = 'succeeded', media_type = ?, total_bytes = ?, width = ?, "
            "height = ? WHERE id = ?",
            [sniffed, len(content), dimensions[0], dimensions[1], media_id],
        )
        return None

    def _media_payload(self, media_id: int, *, with_processing: bool = False) -> dict[str, Any]:
        row = (
            self.app.cursor()
            .execute(
                "SELECT state, media_type, total_bytes, width, height FROM x_media WHERE id = ?",
                [media_id],
            )
            .fetchone()
        )
        state, media_type, total_bytes, width, height = row
        payload: dict[str, Any] = {
            "id": str(media_id),
            "media_key": f"3_{media_id}",
            "expires_after_secs": MEDIA_EXPIRES_AFTER_SECONDS,
        }
        if total_bytes is not None and state == "succeeded":
            payload["size"] = int(total_bytes)
            payload["image"] = {"image_type": media_type, "w": width, "h": height}
        if with_processing:
            payload["processing_info"] = {
                "state": state if state != "uploading" else "pending",
                "progress_percent": 100 if state == "succeeded" else 0,
            }
        return payload

    def media_upload(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``POST /2/media/upload``: one image in one request (multipart ``media``)."""
        fields = _body_fields(request)
        content = fields.get("media")
        if isinstance(content, str):
            content = base64.b64decode(content)
        if not content and fields.get("media_data"):
            content = base64.b64decode(_as_text(fields["media_data"]))
        if not content:
            return invalid_request("media", "", "The `media` field is required.")
        category = _as_text(fields.get("media_category")) or "tweet_image"
        declared = _as_text(fields.get("media_type")) or None
        with self.app.lock:
            media_id, _ = self._new_media(caller, declared, category, len(content))
            refusal = self._accept_image(media_id, content, declared)
            if refusal is not None:
                return refusal
            payload = self._media_payload(media_id)
        return Response.json({"data": payload})

    def media_initialize(
        self, request: Request, groups: dict[str, str], caller: _Caller
    ) -> Response:
        """``POST /2/media/upload/initialize``: start a chunked upload."""
        fields = _body_fields(request)
        media_type = _as_text(fields.get("media_type"))
        total_raw = _as_text(fields.get("total_bytes"))
        category = _as_text(fields.get("media_category")) or "tweet_image"
        if media_type not in {m for m, _ in _IMAGE_SIGNATURES}:
            return invalid_request("media_type", media_type, "media type unrecognized.")
        if not total_raw.isdigit() or int(total_raw) <= 0:
            return invalid_request("total_bytes", total_raw, "total_bytes must be positive.")
        if int(total_raw) > IMAGE_MAX_BYTES:
            return invalid_request(
                "total_bytes", total_raw, f"File size exceeds {IMAGE_MAX_BYTES} bytes."
            )
        with self.app.lock:
            media_id, _ = self._new_media(caller, media_type, category, int(total_raw))
        return Response.json({"data": self._media_payload(media_id)})

    def _uploading(self, media_id: int, caller: _Caller) -> tuple[Any, ...] | None:
        return (
            self.app.cursor()
            .execute(
                "SELECT media_type, total_bytes, state FROM x_media WHERE id = ? AND owner_id = ?",
                [media_id, caller.user_id],
            )
            .fetchone()
        )

    def media_append(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``POST /2/media/upload/{id}/append``: one segment (multipart or base64 JSON)."""
        media_id = int(groups["id"])
        fields = _body_fields(request)
        chunk = fields.get("media")
        if isinstance(chunk, str):
            chunk = base64.b64decode(chunk)
        index_raw = _as_text(fields.get("segment_index"))
        if not chunk:
            return invalid_request("media", "", "The `media` field is required.")
        if not index_raw.isdigit() or int(index_raw) > 999:
            return invalid_request(
                "segment_index", index_raw, "segment_index must be between 0 and 999."
            )
        with self.app.lock:
            row = self._uploading(media_id, caller)
            if row is None or row[2] != "uploading":
                return invalid_request("id", str(media_id), "Invalid media id.")
            self.app.cursor().execute(
                "INSERT OR REPLACE INTO x_media_segments VALUES (?, ?, ?)",
                [media_id, int(index_raw), chunk],
            )
        expires = int(time.time()) + MEDIA_EXPIRES_AFTER_SECONDS
        return Response.json({"data": {"expires_at": expires}})

    def media_finalize(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``POST /2/media/upload/{id}/finalize``: join the segments and check the image."""
        media_id = int(groups["id"])
        with self.app.lock:
            row = self._uploading(media_id, caller)
            if row is None or row[2] != "uploading":
                return invalid_request("id", str(media_id), "Invalid media id.")
            declared, total_bytes = row[0], int(row[1])
            segments = (
                self.app.cursor()
                .execute(
                    "SELECT data FROM x_media_segments WHERE media_id = ? ORDER BY segment_index",
                    [media_id],
                )
                .fetchall()
            )
            content = b"".join(bytes(s[0]) for s in segments)
            if len(content) != total_bytes:
                return invalid_request(
                    "id",
                    str(media_id),
                    f"File size mismatch: expected {total_bytes} bytes, received {len(content)}.",
                )
            refusal = self._accept_image(media_id, content, declared)
            if refusal is not None:
                return refusal
            self.app.cursor().execute("DELETE FROM x_media_segments WHERE media_id = ?", [media_id])
            payload = self._media_payload(media_id)
        return Response.json({"data": payload})

    def media_status(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``GET /2/media/upload?command=STATUS&media_id=...``."""
        if request.query.get("command") != "STATUS":
            return invalid_request(
                "command", request.query.get("command", ""), "command must be STATUS."
            )
        raw = request.query.get("media_id", "")
        with self.app.lock:
            exists = (
                raw.isdigit()
                and self.app.cursor()
                .execute("SELECT 1 FROM x_media WHERE id = ?", [int(raw)])
                .fetchone()
            )
            if not exists:
                return invalid_request("media_id", raw, "Invalid media id.")
            payload = self._media_payload(int(raw), with_processing=True)
        return Response.json({"data": payload})

    def media_metadata(self, request: Request, groups: dict[str, str], caller: _Caller) -> Response:
        """``POST /2/media/metadata``: alt text for an uploaded image (at most 1000 chars)."""
        try:
            body = request.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        raw = str(body.get("id", ""))
        alt_text = ((body.get("metadata") or {}).get("alt_text") or {}).get("text", "")
        if len(alt_text) > 1000:
            return invalid_request("metadata.alt_text.text", alt_text[:20], "Alt text too long.")
        with self.app.lock:
            cursor = self.app.cursor()
            exists = (
                raw.isdigit()
                and cursor.execute(
                    "SELECT 1 FROM x_media WHERE id = ? AND owner_id = ?",
                    [int(raw), caller.user_id],
                ).fetchone()
            )
            if not exists:
                return invalid_request("id", raw, "Invalid media id.")
            cursor.execute("UPDATE x_media SET alt_text = ? WHERE id = ?", [alt_text, int(raw)])
        return Response.json({"data": {"id": raw, "associated_metadata": True}})


__all__ = [
    "ENDPOINT_LIMITS",
    "MENTIONS_REACHABLE",
    "XSandbox",
    "install_x_api",
    "iso_milliseconds",
    "problem",
    "snowflake_for",
]
