"""The city's X account through tweepy's API v2 `Client`, with the errors translated for the hub.

tweepy 4.17 builds every URL from a hard-coded ``https://api.twitter.com``, so a `requests`
transport mounted on ``client.session`` sends those requests to the configured base URL (the
sandbox by default). OAuth 1.0a signs the original URL before the transport sees it; that is
what the real X checks too. The same transport puts a timeout on every request: tweepy sets
none, and a post that hangs must become `OutcomeUnknown`, not a stuck scheduler thread.

tweepy has no v2 media upload; `XAccountAdapter` adds it on the same session with the same
OAuth 1.0a keys: the one-request upload for small images and the chunked one (initialize,
append, finalize) for larger ones.

Every tweepy and requests failure leaves this module as one of the `PlatformError` family.
No message and no log line carries a key or token: tweepy logs its request headers (the
bearer token among them) at DEBUG, so the loggers involved get a filter that blanks them.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter
from requests_oauthlib import OAuth1

from hub.config import XSettings
from hub.errors import (
    ConfigurationError,
    ContentRejected,
    DuplicateContent,
    NotSupported,
    OutcomeUnknown,
    PermissionMissing,
    PlatformError,
    RateLimited,
    TemporaryFailure,
    TokenExpired,
)
from hub.i18n import N_
from hub.platforms.base import (
    Capabilities,
    Interaction,
    InteractionKind,
    InteractionPage,
    Platform,
    PublishedPost,
    PublishRequest,
    ReadsMentions,
    RecentPost,
)
from hub.platforms.transport import never_sent
from hub.platforms.x_text import MAX_WEIGHTED_LENGTH, weighted_length
from hub.text import nfc

REAL_API_URL = "https://api.twitter.com"
# Hosts tweepy (and our media upload) address; the transport rewrites both.
_ORIGINAL_HOSTS = ("https://api.twitter.com", "https://api.x.com")
_SNOWFLAKE_EPOCH_MS = 1288834974657

MAX_PHOTOS = 4
IMAGE_MAX_BYTES = 5 * 1024 * 1024
SUPPORTED_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
DEFAULT_CHUNKED_UPLOAD_THRESHOLD = 1024 * 1024
DEFAULT_CHUNK_SIZE = 1024 * 1024
# Without a reset header, wait one whole 15-minute window rather than hammer X.
DEFAULT_RATE_LIMIT_WAIT_SECONDS = 15 * 60
MENTION_FIELDS = [
    "created_at",
    "conversation_id",
    "author_id",
    "in_reply_to_user_id",
    "referenced_tweets",
]
# X keeps only the latest this many mentions reachable (PLATFORM_FACTS.md).
MENTIONS_REACHABLE = 800
_NO_MENTIONS_NOTE = (
    "This X API access level has no access to mentions (publish-only): the hub can post and "
    "reply, but citizens' mentions will not be pulled. Upgrade the X developer project's access "
    "level to read mentions."
)
_HIDE_NOTE = N_(
    "X: hiding a citizen's mention is not available through this API access level; "
    "moderate on x.com instead."
)
_TOKEN_EXPIRED_MESSAGE = N_(
    "X rejected the credentials: regenerate the access token and update "
    "HUB_X__ACCESS_TOKEN / reconnect the account."
)
_LOGGERS_TO_REDACT = (
    "tweepy.client",
    "requests_oauthlib.oauth1_auth",
    "oauthlib",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
)


class _SecretRedactingFilter(logging.Filter):
    """Blanks the configured keys and tokens out of log records before any handler sees them."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "**********")
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class _BaseUrlTransport(HTTPAdapter):
    """Sends requests addressed to api.twitter.com to the configured base URL, with a timeout."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(max_retries=0)  # a retried POST could publish twice
        parts = urlsplit(base_url.rstrip("/"))
        self._scheme, self._netloc, self._prefix = parts.scheme, parts.netloc, parts.path
        self._timeout = timeout

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        """Rewrite the URL (after OAuth signed the original one) and send with a timeout."""
        original = urlsplit(request.url)
        request.url = urlunsplit(
            (
                self._scheme,
                self._netloc,
                self._prefix + original.path,
                original.query,
                original.fragment,
            )
        )
        # Proxies were chosen for api.twitter.com; choose again for where the request now goes.
        proxies = requests.utils.get_environ_proxies(request.url)
        return super().send(
            request,
            stream=stream,
            timeout=self._timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def _raise_like_tweepy(response: requests.Response) -> None:
    """tweepy's own status-to-exception mapping, for the requests tweepy cannot make itself."""
    status = response.status_code
    if status == 400:
        raise tweepy.BadRequest(response)
    if status == 401:
        raise tweepy.Unauthorized(response)
    if status == 403:
        raise tweepy.Forbidden(response)
    if status == 404:
        raise tweepy.NotFound(response)
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        raise tweepy.TooManyRequests(
            response, reset_time=int(reset) if reset and reset.isdigit() else None
        )
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


def _problem(exc: tweepy.HTTPException) -> dict[str, Any]:
    try:
        body = exc.response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(problem: dict[str, Any]) -> str:
    """X's own explanation: the problem's detail, or the first error message."""
    messages = [e.get("message", "") for e in problem.get("errors", []) if isinstance(e, dict)]
    return str(problem.get("detail") or next((m for m in messages if m), "") or "")


def _created_at_from_id(tweet_id: str) -> datetime | None:
    """X ids are snowflakes: their top bits are the creation time in milliseconds."""
    if not tweet_id.isdigit():
        return None
    milliseconds = (int(tweet_id) >> 22) + _SNOWFLAKE_EPOCH_MS
    if milliseconds <= _SNOWFLAKE_EPOCH_MS:
        return None
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _permalink(tweet_id: str) -> str:
    # x.com resolves /i/web/status/<id> for any account, so no username is needed.
    return f"https://x.com/i/web/status/{tweet_id}"


def mentions_from_page(page: Mapping[str, Any], own_user_id: str) -> list[Interaction]:
    """One page of X's mentions timeline (``data``, ``includes.users``, ``meta``) as
    interactions, in page order: what the pull does with each page it fetched.

    The account's own posts (author `own_user_id`) are left out: they are not citizens'.
    """
    users = {u["id"]: u for u in (page.get("includes") or {}).get("users", [])}
    return [
        _mention(tweet, users, own_user_id)
        for tweet in page.get("data") or []
        if tweet.get("author_id") != own_user_id
    ]


def _mention(
    tweet: dict[str, Any], users: dict[str, dict[str, Any]], own_user_id: str
) -> Interaction:
    parent_id = None
    for ref in tweet.get("referenced_tweets") or ():
        if ref.get("type") == "replied_to":
            parent_id = ref["id"]
            break
    is_reply_to_us = parent_id is not None and tweet.get("in_reply_to_user_id") == own_user_id
    tweet_id = tweet["id"]
    author_id = str(tweet.get("author_id", ""))
    author = users.get(author_id, {})
    created_at = _parse_time(tweet.get("created_at")) or _created_at_from_id(tweet_id)
    # Positional: a pull builds a great many of these, and keywords cost a third more.
    return Interaction(
        Platform.X,
        tweet_id,
        InteractionKind.REPLY if is_reply_to_us else InteractionKind.MENTION,
        str(tweet.get("conversation_id") or tweet_id),  # thread
        parent_id,
        author_id,
        str(author.get("name") or author.get("username") or author_id),
        tweet.get("text", ""),
        created_at or datetime.now(UTC),
        _permalink(tweet_id),
        False,  # X has no hidden mentions
        {"tweet": tweet, "author": author},  # raw
    )


class XAccountAdapter(ReadsMentions):
    """The city's X account (API v2) behind the hub's `PlatformAdapter` protocol."""

    platform = Platform.X

    def __init__(
        self,
        api_url: str,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        bearer_token: str,
        user_id: str = "",
        timeout: float = 20.0,
        *,
        chunked_upload_threshold: int = DEFAULT_CHUNKED_UPLOAD_THRESHOLD,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        missing = [
            name
            for name, value in (
                ("consumer_key", consumer_key),
                ("consumer_secret", consumer_secret),
                ("access_token", access_token),
                ("access_token_secret", access_token_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(
                N_("X account not configured: set {settings} (or turn the sandbox on)."),
                settings=", ".join(f"HUB_X__{m.upper()}" for m in missing),
            )
        self.api_url = (api_url or REAL_API_URL).rstrip("/")
        self.user_id = user_id
        self.timeout = timeout
        self.chunked_upload_threshold = chunked_upload_threshold
        self.chunk_size = chunk_size
        self._secrets = [
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
            bearer_token,
        ]
        # Reads go with the bearer token as tweepy does; without one, with the user context.
        self._reads_with_user_auth = not bearer_token
        self._client = tweepy.Client(
            bearer_token=bearer_token or None,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            return_type=dict,
            wait_on_rate_limit=False,  # it would retry forever on a 429 without a reset header
        )
        transport = _BaseUrlTransport(self.api_url, timeout)
        for host in _ORIGINAL_HOSTS:
            self._client.session.mount(host, transport)
        self._oauth1 = OAuth1(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=access_token,
            resource_owner_secret=access_token_secret,
        )
        self._install_log_redaction()

    @classmethod
    def from_settings(cls, settings: XSettings) -> XAccountAdapter:
        """The adapter for the configured X account."""
        return cls(
            api_url=settings.api_url,
            consumer_key=settings.consumer_key.get_secret_value(),
            consumer_secret=settings.consumer_secret.get_secret_value(),
            access_token=settings.access_token.get_secret_value(),
            access_token_secret=settings.access_token_secret.get_secret_value(),
            bearer_token=settings.bearer_token.get_secret_value(),
            user_id=settings.user_id,
            timeout=settings.timeout_seconds,
        )

    def __repr__(self) -> str:
        return f"XAccountAdapter(api_url={self.api_url!r}, user_id={self.user_id!r})"

    def _install_log_redaction(self) -> None:
        for name in _LOGGERS_TO_REDACT:
            logger = logging.getLogger(name)
            existing = [f for f in logger.filters if isinstance(f, _SecretRedactingFilter)]
            if existing:
                for secret in self._secrets:
                    if secret and secret not in existing[0].secrets:
                        existing[0].secrets.append(secret)
            else:
                logger.addFilter(_SecretRedactingFilter(self._secrets))

    # -- the protocol -------------------------------------------------------------------------

    @property
    def account_id(self) -> str:
        """The account's user id (known after the first check when not configured)."""
        return str(self.user_id or "")

    def check(self) -> Capabilities:
        """Who the credentials belong to, and whether this access level can read mentions."""
        me = self._call("GET", "check the account", self._client.get_me, user_auth=True)
        data = me.get("data") or {}
        self.user_id = str(data.get("id") or self.user_id)
        notes: list[str] = [_HIDE_NOTE]
        can_read_mentions = True
        try:
            self._call(
                "GET",
                "probe mentions",
                self._client.get_users_mentions,
                self.user_id,
                max_results=5,
                user_auth=self._reads_with_user_auth,
            )
        except NotSupported:
            can_read_mentions = False
            notes.insert(0, _NO_MENTIONS_NOTE)
        return Capabilities(
            platform=Platform.X,
            account_name=str(data.get("name") or data.get("username") or ""),
            account_id=self.user_id,
            can_publish=True,
            # Replies to the city's posts arrive as mentions on X: one permission for both.
            can_read_comments=can_read_mentions,
            can_read_mentions=can_read_mentions,
            can_reply=True,
            can_hide=False,
            notes=tuple(notes),
        )

    def publish(self, request: PublishRequest) -> PublishedPost:
        """Publish text with up to 4 photos; refused before any request when X would refuse it."""
        if request.scheduled_at is not None:
            raise NotSupported(
                N_(
                    "X has no native scheduling through this API: the hub publishes X posts itself "
                    "at the due time; publish without scheduled_at."
                ),
                platform=Platform.X,
            )
        text = nfc(request.text.strip())
        if request.link and request.link not in text:
            text = f"{text}\n\n{request.link}" if text else request.link
        if len(request.photos) > MAX_PHOTOS:
            raise ContentRejected(
                N_(
                    "X allows at most {limit} photos in a post; this one has "
                    "{count}. Remove some or split the post."
                ),
                platform=Platform.X,
                limit=MAX_PHOTOS,
                count=len(request.photos),
            )
        for photo in request.photos:
            self._check_photo(photo.content, photo.filename, photo.mime_type)
        if not text and not request.photos:
            raise ContentRejected(N_("An X post needs text or a photo."), platform=Platform.X)
        self._check_length(text)
        media_ids = [self._upload_photo(p.content, p.mime_type, p.alt_text) for p in request.photos]
        created = self._call(
            "POST",
            "publish the post",
            self._client.create_tweet,
            text=text or None,
            media_ids=media_ids or None,
        )
        return self._published(created)

    def reply(self, parent_id: str, text: str) -> PublishedPost:
        """Reply in the thread of post `parent_id`."""
        text = nfc(text.strip())
        if not text:
            raise ContentRejected(N_("A reply needs text."), platform=Platform.X)
        self._check_length(text)
        created = self._call(
            "POST",
            "post the reply",
            self._client.create_tweet,
            text=text,
            in_reply_to_tweet_id=parent_id,
        )
        return self._published(created)

    def list_mentions(
        self, since_cursor: str | None, *, max_results: int = 100, max_pages: int = 10
    ) -> InteractionPage:
        """Mentions newer than the cursor (an X post id), oldest first, following every page.

        ``max_results`` per page (5-100), ``max_pages`` (X keeps only the latest 800 mentions
        reachable). The next cursor is the newest id seen, or the same cursor when nothing new
        arrived.
        """
        max_results, max_pages = int(max_results), int(max_pages)
        user_id = self._own_user_id()
        collected: dict[str, Interaction] = {}
        pagination_token: str | None = None
        requests_made = 0
        while requests_made < max_pages:
            try:
                page = self._call(
                    "GET",
                    "read mentions",
                    self._client.get_users_mentions,
                    user_id,
                    since_id=since_cursor or None,
                    max_results=max_results,
                    pagination_token=pagination_token,
                    tweet_fields=MENTION_FIELDS,
                    expansions=["author_id"],
                    user_fields=["username", "name"],
                    user_auth=self._reads_with_user_auth,
                )
            except NotSupported as exc:
                raise NotSupported(
                    # _NO_MENTIONS_NOTE, then why.
                    N_(
                        "This X API access level has no access to mentions (publish-only): the hub"
                        " can post and reply, but citizens' mentions will not be pulled. Upgrade"
                        " the X developer project's access level to read mentions. ({reason})"
                    ),
                    platform=Platform.X,
                    code=exc.code,
                    reason=exc.message,
                ) from exc
            requests_made += 1
            for interaction in mentions_from_page(page, user_id):
                collected[interaction.platform_id] = interaction
            pagination_token = (page.get("meta") or {}).get("next_token")
            if not pagination_token:
                break
        interactions = sorted(collected.values(), key=lambda i: int(i.platform_id))
        beyond_reach = None
        if since_cursor and not pagination_token and len(collected) >= MENTIONS_REACHABLE:
            # All X would list, and still newer than the cursor: older ones fell out of reach.
            beyond_reach = (
                f"X lists only the latest {MENTIONS_REACHABLE} mentions, and all of them are"
                " newer than the last one the hub read: mentions made in between (while the"
                " hub was down or its poll slowed) cannot be read any more; search X for them"
            )
        newest = interactions[-1].platform_id if interactions else since_cursor
        if since_cursor and newest and since_cursor.isdigit() and newest.isdigit():
            newest = str(max(int(since_cursor), int(newest)))
        return InteractionPage(
            interactions=tuple(interactions),
            next_cursor=newest,
            requests_made=requests_made,
            beyond_reach=beyond_reach,
        )

    def recent_posts(self, limit: int = 100) -> list[RecentPost]:
        """The account's latest posts, newest first, with reply counts."""
        user_id = self._own_user_id()
        posts: list[RecentPost] = []
        pagination_token: str | None = None
        while len(posts) < limit:
            page = self._call(
                "GET",
                "read the account's posts",
                self._client.get_users_tweets,
                user_id,
                max_results=min(max(limit - len(posts), 5), 100),
                pagination_token=pagination_token,
                tweet_fields=["created_at", "public_metrics"],
                user_auth=self._reads_with_user_auth,
            )
            for tweet in page.get("data") or []:
                metrics = tweet.get("public_metrics") or {}
                created_at = _parse_time(tweet.get("created_at")) or _created_at_from_id(
                    tweet["id"]
                )
                posts.append(
                    RecentPost(
                        platform_post_id=tweet["id"],
                        text=nfc(tweet.get("text", "")),
                        created_at=created_at or datetime.now(UTC),
                        permalink=_permalink(tweet["id"]),
                        comment_count=metrics.get("reply_count"),
                    )
                )
            pagination_token = (page.get("meta") or {}).get("next_token")
            if not pagination_token:
                break
        return posts[:limit]

    def hide(self, interaction_id: str) -> None:
        """Not available: X offers no hiding of mentions at this API access level."""
        raise NotSupported(_HIDE_NOTE, platform=Platform.X)

    def delete_post(self, post_id: str) -> bool:
        """Delete one of the account's posts; True when X says it was deleted."""
        answer = self._call("DELETE", "delete the post", self._client.delete_tweet, post_id)
        return bool((answer.get("data") or {}).get("deleted"))

    # -- pieces ---------------------------------------------------------------------------------

    def _own_user_id(self) -> str:
        if not self.user_id:
            me = self._call("GET", "look up the account", self._client.get_me, user_auth=True)
            self.user_id = str((me.get("data") or {}).get("id", ""))
        return self.user_id

    @staticmethod
    def _check_length(text: str) -> None:
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            raise ContentRejected(
                N_(
                    "The text is {length} characters as X counts them (at most "
                    "{limit}; every link counts 23, each emoji 2, Chinese, Japanese "
                    "and Korean characters 2): shorten it by "
                    "{over}."
                ),
                platform=Platform.X,
                length=length,
                limit=MAX_WEIGHTED_LENGTH,
                over=length - MAX_WEIGHTED_LENGTH,
            )

    @staticmethod
    def _check_photo(content: bytes, filename: str, mime_type: str) -> None:
        if mime_type not in SUPPORTED_IMAGE_TYPES:
            if mime_type:
                message = N_(
                    "X does not take {mime_type} ({filename}) as a photo: use "
                    "JPEG, PNG, WebP or GIF."
                )
            else:
                message = N_(
                    "X does not take this file type ({filename}) as a photo: use "
                    "JPEG, PNG, WebP or GIF."
                )
            raise ContentRejected(
                message, platform=Platform.X, mime_type=mime_type, filename=filename
            )
        if len(content) > IMAGE_MAX_BYTES:
            raise ContentRejected(
                N_(
                    "The photo {filename} is {size:.1f} MB; X takes photos "
                    "up to 5 MB. Resize it and try again."
                ),
                platform=Platform.X,
                filename=filename,
                size=len(content) / 1024 / 1024,
            )

    def _published(self, created: dict[str, Any]) -> PublishedPost:
        data = created.get("data") or {}
        tweet_id = str(data.get("id", ""))
        return PublishedPost(
            platform=Platform.X,
            platform_post_id=tweet_id,
            permalink=_permalink(tweet_id),
            created_at=_created_at_from_id(tweet_id),
            text=str(data.get("text", "")),
        )

    # -- media upload (tweepy 4.17 has none for v2) ----------------------------------------------

    def _media_request(self, method: str, path: str, action: str, **kwargs: Any) -> dict:
        def send() -> dict:
            response = self._client.session.request(
                method,
                REAL_API_URL + path,
                auth=self._oauth1,
                headers={"User-Agent": self._client.user_agent},
                **kwargs,
            )
            with response:
                _raise_like_tweepy(response)
                return response.json() if response.content else {}

        return self._call(method, action, send)

    def _upload_photo(self, content: bytes, mime_type: str, alt_text: str) -> str:
        if len(content) <= self.chunked_upload_threshold:
            answer = self._media_request(
                "POST",
                "/2/media/upload",
                "upload a photo",
                files={"media": ("media", content, mime_type)},
                data={"media_category": "tweet_image", "media_type": mime_type},
            )
        else:
            answer = self._upload_in_chunks(content, mime_type)
        media_id = str((answer.get("data") or {}).get("id", ""))
        if not media_id:
            raise TemporaryFailure(
                N_("X accepted a photo upload but returned no media id; try again."),
                platform=Platform.X,
            )
        if alt_text:
            self._media_request(
                "POST",
                "/2/media/metadata",
                "add the photo's alt text",
                json={"id": media_id, "metadata": {"alt_text": {"text": alt_text[:1000]}}},
            )
        return media_id

    def _upload_in_chunks(self, content: bytes, mime_type: str) -> dict:
        started = self._media_request(
            "POST",
            "/2/media/upload/initialize",
            "start a photo upload",
            json={
                "media_type": mime_type,
                "total_bytes": len(content),
                "media_category": "tweet_image",
            },
        )
        media_id = str((started.get("data") or {}).get("id", ""))
        if not media_id:
            raise TemporaryFailure(
                N_("X started a photo upload but returned no media id; try again."),
                platform=Platform.X,
            )
        segments = math.ceil(len(content) / self.chunk_size)
        for index in range(segments):
            chunk = content[index * self.chunk_size : (index + 1) * self.chunk_size]
            self._media_request(
                "POST",
                f"/2/media/upload/{media_id}/append",
                "upload part of a photo",
                files={"media": ("blob", chunk, "application/octet-stream")},
                data={"segment_index": str(index)},
            )
        return self._media_request(
            "POST", f"/2/media/upload/{media_id}/finalize", "finish a photo upload"
        )

    # -- error translation -----------------------------------------------------------------------

    def _call(self, method: str, action: str, function, *args: Any, **kwargs: Any) -> Any:
        """Run one SDK call; every failure leaves as a hub `PlatformError`."""
        try:
            return function(*args, **kwargs)
        except tweepy.HTTPException as exc:
            raise self._translate_http(exc, action) from exc
        except requests.JSONDecodeError as exc:  # a 2xx whose body is not JSON (a proxy's page)
            if method != "GET":
                raise OutcomeUnknown(
                    N_(
                        "X answered {action} with something that is not X's JSON; "
                        "check the account before trying again, it may have been accepted."
                    ),
                    platform=Platform.X,
                    action=action,
                ) from exc
            raise TemporaryFailure(
                N_("X answered {action} with something that is not X's JSON; try again later."),
                platform=Platform.X,
                action=action,
            ) from exc
        except requests.RequestException as exc:
            raise self._translate_transport(exc, method, action) from exc

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "**********")
        return text

    def _translate_http(self, exc: tweepy.HTTPException, action: str) -> PlatformError:
        status = exc.response.status_code
        problem = _problem(exc)
        detail = self._redact(_detail(problem))
        problem_type = str(problem.get("type", ""))
        said = f' X said: "{detail}"' if detail else ""
        x = Platform.X
        if status == 401:
            return TokenExpired(_TOKEN_EXPIRED_MESSAGE, platform=x, code=401)
        if status == 402:
            return NotSupported(
                N_(
                    "X refused to {action}: the developer account is out of credits (402). Add "
                    "credits or change the plan in the X developer console, then try again.{said}"
                ),
                platform=x,
                code=402,
                action=action,
                said=said,
            )
        if status == 403:
            return self._translate_forbidden(problem, problem_type, detail, action)
        if status == 429:
            return self._translate_rate_limit(exc, problem_type, action)
        if status == 400:
            return ContentRejected(
                N_("X refused to {action} as invalid (400).{said}"),
                platform=x,
                code=400,
                action=action,
                said=said,
            )
        if status == 404:
            return PlatformError(
                N_("X could not find what was asked for to {action} (404).{said}"),
                platform=x,
                code=404,
                action=action,
                said=said,
            )
        if status >= 500:
            return TemporaryFailure(
                N_("X failed to {action} ({status}); this is on X's side, try again later.{said}"),
                platform=x,
                code=status,
                action=action,
                status=status,
                said=said,
            )
        return PlatformError(
            N_("X refused to {action} ({status}).{said}"),
            platform=x,
            code=status,
            action=action,
            status=status,
            said=said,
        )

    def _translate_forbidden(
        self, problem: dict[str, Any], problem_type: str, detail: str, action: str
    ) -> PlatformError:
        x = Platform.X
        said = f' X said: "{detail}"' if detail else ""
        lowered = detail.lower()
        if "duplicate content" in lowered:
            return DuplicateContent(
                N_(
                    "X refused the post as a duplicate of a recent one from the account: change"
                    " the text before posting again."
                ),
                platform=x,
                code=403,
            )
        if problem.get("reason") == "client-not-enrolled" or problem_type.endswith(
            "/client-forbidden"
        ):
            return NotSupported(
                N_(
                    "X refused to {action}: the developer project's access level does not include "
                    "this endpoint.{said}"
                ),
                platform=x,
                code="client-not-enrolled",
                action=action,
                said=said,
            )
        if "reply" in lowered or "deleted or not visible" in lowered:
            return ContentRejected(
                N_(
                    "X refused to {action}: the account may only reply where it was mentioned or "
                    "already took part, to a post that still exists.{said}"
                ),
                platform=x,
                code=403,
                action=action,
                said=said,
            )
        if "too long" in lowered or "shorter" in lowered:
            return ContentRejected(
                N_("X refused the text as too long.{said}"), platform=x, code=403, said=said
            )
        return PermissionMissing(
            N_(
                "X refused to {action} (403): the app or token lacks the permission for it (check "
                "the app has Read and Write access, then regenerate the access token)."
                "{said}"
            ),
            platform=x,
            code=403,
            action=action,
            said=said,
        )

    def _translate_rate_limit(
        self, exc: tweepy.HTTPException, problem_type: str, action: str
    ) -> RateLimited:
        reset_time = getattr(exc, "reset_time", None)
        if reset_time is None:
            reset = exc.response.headers.get("x-rate-limit-reset", "")
            reset_time = int(reset) if reset.isdigit() else None
        wait = (
            max(1, reset_time - int(time.time()))
            if reset_time is not None
            else DEFAULT_RATE_LIMIT_WAIT_SECONDS
        )
        if problem_type.endswith("/usage-capped"):
            return RateLimited(
                N_(
                    "X refused to {action}: the developer project's monthly usage cap is reached. "
                    "Nothing more can be posted or read through the API until the cap resets next "
                    "month or the plan is upgraded."
                ),
                platform=Platform.X,
                code="usage-capped",
                retry_after_seconds=None,
                action=action,
            )
        return RateLimited(
            N_(
                "X's rate limit is reached (trying to {action}); the hub will try again in "
                "{wait} seconds."
            ),
            platform=Platform.X,
            code=429,
            retry_after_seconds=wait,
            action=action,
            wait=wait,
        )

    def _translate_transport(
        self, exc: requests.RequestException, method: str, action: str
    ) -> PlatformError:
        x = Platform.X
        if never_sent(exc):
            return TemporaryFailure(
                N_(
                    "Could not reach X to {action} (no connection to {host}"
                    "); nothing was sent. Try again later."
                ),
                platform=x,
                action=action,
                host=urlsplit(self.api_url).netloc,
            )
        timed_out = isinstance(exc, requests.Timeout)
        if method == "GET":
            if timed_out:
                message = N_("X's answer timed out while trying to {action}; try again later.")
            else:
                message = N_("X's answer was cut off while trying to {action}; try again later.")
            return TemporaryFailure(message, platform=x, action=action)
        if timed_out:
            message = N_(
                "Sent to X to {action}, but no answer came within {seconds:g} seconds: it may or"
                " may not have been accepted. Check the account's recent posts before trying"
                " again, so it is not published twice."
            )
        else:
            message = N_(
                "Sent to X to {action}, but the connection was lost before X answered: it may or"
                " may not have been accepted. Check the account's recent posts before trying"
                " again, so it is not published twice."
            )
        return OutcomeUnknown(message, platform=x, action=action, seconds=self.timeout)


__all__ = ["XAccountAdapter", "mentions_from_page"]
