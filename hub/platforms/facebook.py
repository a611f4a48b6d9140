"""The city's Facebook Page, through facebook-sdk 3.1.0 (`import facebook`).

How the SDK is bent to current needs (see PLATFORM_FACTS.md):

- Version: the SDK accepts only 2.8..3.1 at construction, so `GraphAPI` is built without
  one and `graph.version` is set to the configured `vNN.N` afterwards.
- Base URL: the SDK builds every URL as `facebook.FACEBOOK_GRAPH_URL + path`. Rather than
  mutate that module global (shared by every instance and thread), each adapter passes its
  own `requests.Session` with a transport adapter mounted on `https://graph.facebook.com/`
  that rewrites the URL to the configured `graph_url` (the sandbox, or the real Graph).
- Status and headers: the SDK ignores the HTTP status and hides the response headers. A
  response hook on the session keeps the last response per thread, so the adapter can read
  `X-Business-Use-Case-Usage` (rate-limit wait) and notice 5xx answers without an error body.

Every failure leaves this module as a `PlatformError` subclass from `hub.errors`, with a
message that says what to do and never contains the token (paging URLs carry it, so every
message is scrubbed of `access_token=`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import facebook
import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from hub.clock import utc_now
from hub.config import FacebookSettings
from hub.errors import (
    ConfigurationError,
    ContentRejected,
    DuplicateContent,
    InvalidInput,
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
    ReadsPostComments,
    RecentPost,
    SchedulesPosts,
)
from hub.platforms.transport import never_sent
from hub.text import nfc

REAL_GRAPH_URL = "https://graph.facebook.com"
_SDK_GRAPH_PREFIX = "https://graph.facebook.com/"

MAX_PHOTOS_PER_POST = 10
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PAGE_SIZE = 100
MIN_SCHEDULE_AHEAD = timedelta(minutes=10)
DEFAULT_MAX_SCHEDULE_AHEAD = timedelta(days=30)
# Used when a throttled answer does not say how long to wait.
DEFAULT_RATE_LIMIT_WAIT_SECONDS = 300.0
# Comments are asked for from one second before the newest one seen: Graph's `since` has
# one-second resolution, so a comment written later in that same second is not missed.
_SINCE_OVERLAP_SECONDS = 1

COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},parent{id},permalink_url,is_hidden,"
    "comment_count,like_count"
)
# `filter(stream)` counts replies too; the default (toplevel) count would miss new replies.
POST_FIELDS = "id,message,created_time,permalink_url,comments.filter(stream).limit(0).summary(true)"

_PERMISSION_TO_PUBLISH = "pages_manage_posts (with pages_read_engagement)"
_PERMISSION_TO_READ = "pages_read_engagement and pages_read_user_engagement"
_PERMISSION_TO_ENGAGE = "pages_manage_engagement"

_RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613})
_TOKEN_CODES = frozenset({102, 104, 190})
_TOKEN_SUBCODE_MEANING = {
    458: "the hub's app was removed from the account that issued the token",
    459: "the account that issued the token is checkpointed: log in on facebook.com first",
    460: "the password of the account that issued the token was changed",
    463: "the token has expired",
    464: "the account that issued the token is not confirmed",
    467: "the token is invalid",
    492: "the account that issued the token is no longer an admin of the Page",
}
_TOKEN_PATTERN = re.compile(r"access_token=[^&\s\"'<>]+")


class _GraphBaseUrlAdapter(HTTPAdapter):
    """Transport that sends what the SDK addresses to graph.facebook.com to another base URL."""

    def __init__(self, base_url: str, trust_env: bool) -> None:
        super().__init__()
        self._base_url = base_url.rstrip("/") + "/"
        self._trust_env = trust_env

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Rewrite the URL, then send as usual."""
        url = request.url or ""
        if url.startswith(_SDK_GRAPH_PREFIX):
            request.url = self._base_url + url[len(_SDK_GRAPH_PREFIX) :]
            # Proxies were chosen for graph.facebook.com; choose again for the real target
            # (so NO_PROXY=127.0.0.1 keeps the sandbox off a corporate proxy).
            kwargs["proxies"] = get_environ_proxies(request.url) if self._trust_env else {}
        return super().send(request, **kwargs)


@dataclass
class _Watermark:
    """How far the comments of one post have been read."""

    comment_count: int  # the post's stream comment count when last read (-1: read again)
    newest_epoch: int  # created_time (epoch seconds) of the newest comment seen
    # Comments seen inside the overlap window (id -> epoch): what the next `since` returns again.
    seen: dict[str, int]

    def to_json(self) -> list[Any]:
        return [self.comment_count, self.newest_epoch, self.seen]

    @classmethod
    def from_json(cls, value: Any) -> _Watermark:
        count, newest, seen = value
        return cls(int(count), int(newest), {str(k): int(v) for k, v in dict(seen).items()})


_CURSOR_VERSION = 1


def _encode_cursor(watermarks: dict[str, _Watermark]) -> str:
    return json.dumps(
        {"v": _CURSOR_VERSION, "posts": {k: w.to_json() for k, w in sorted(watermarks.items())}},
        separators=(",", ":"),
    )


def _decode_cursor(cursor: str | None) -> dict[str, _Watermark]:
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
        if data.get("v") != _CURSOR_VERSION:
            raise ValueError("unknown cursor version")
        return {str(k): _Watermark.from_json(v) for k, v in data["posts"].items()}
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInput(
            N_(
                "the stored Facebook comments cursor cannot be read (it was not written by this "
                "version of the hub): clear it to read the recent comments again."
            )
        ) from exc


def parse_graph_time(value: str) -> datetime:
    """`2026-03-11T21:35:02+0000` (also ``+00:00``, ``Z``, other offsets) as an aware UTC
    datetime; ValueError for a time without an offset."""
    # fromisoformat reads Graph's `+0000` since Python 3.11 and is some fifty times faster
    # than strptime, which was most of the cost of parsing a comments page.
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        # A naive time would be taken as the server's local time by astimezone.
        raise ValueError(f"time {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


class FacebookPageAdapter(ReadsPostComments, SchedulesPosts):
    """One Facebook Page, published to and read through the Graph API with a Page token."""

    platform = Platform.FACEBOOK

    def __init__(
        self,
        graph_url: str,
        page_id: str,
        page_token: str,
        graph_version: str = "v24.0",
        timeout: float = 20.0,
        *,
        max_schedule_ahead: timedelta = DEFAULT_MAX_SCHEDULE_AHEAD,
    ) -> None:
        graph_url = (graph_url or REAL_GRAPH_URL).rstrip("/")
        if not re.fullmatch(r"v\d+\.\d+", graph_version or ""):
            raise ConfigurationError(
                N_(
                    "the Graph API version {version!r} is not of the form vNN.N: set "
                    "HUB_FACEBOOK__GRAPH_VERSION, e.g. v24.0."
                ),
                version=graph_version,
            )
        if not re.fullmatch(r"\d+", page_id or ""):
            raise ConfigurationError(
                N_("the Facebook Page id must be the Page's numeric id: set HUB_FACEBOOK__PAGE_ID.")
            )
        if not page_token:
            raise ConfigurationError(
                N_(
                    "no Facebook Page token is configured: connect the Page in the hub "
                    "(HUB_FACEBOOK__PAGE_TOKEN)."
                )
            )
        if not graph_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                N_(
                    "the Graph API URL must start with http:// or https://: "
                    "fix HUB_FACEBOOK__GRAPH_URL."
                )
            )
        self.graph_url = graph_url
        self.page_id = page_id
        self.graph_version = graph_version
        self.timeout = timeout
        self.max_schedule_ahead = max_schedule_ahead
        self._token = page_token
        self._exchange = threading.local()

        session = requests.Session()
        if graph_url != REAL_GRAPH_URL:
            session.mount(_SDK_GRAPH_PREFIX, _GraphBaseUrlAdapter(graph_url, session.trust_env))
        session.hooks["response"].append(self._remember_response)
        self._graph = facebook.GraphAPI(access_token=page_token, timeout=timeout, session=session)
        self._graph.version = graph_version

    @classmethod
    def from_settings(cls, settings: FacebookSettings) -> FacebookPageAdapter:
        """Build the adapter from the `facebook` section of the hub's settings."""
        return cls(
            graph_url=settings.graph_url or REAL_GRAPH_URL,
            page_id=settings.page_id,
            page_token=settings.page_token.get_secret_value(),
            graph_version=settings.graph_version,
            timeout=settings.timeout_seconds,
        )

    def __repr__(self) -> str:
        return f"FacebookPageAdapter(graph_url={self.graph_url!r}, page_id={self.page_id!r})"

    # -- credentials -------------------------------------------------------------------------

    @property
    def account_id(self) -> str:
        """The Page's id: its own comments and replies carry it as their author."""
        return str(self.page_id)

    def check(self) -> Capabilities:
        """Who the token belongs to and what its permissions allow (raises TokenExpired if dead)."""
        me = self._call(
            "check the Page token",
            write=False,
            permission=_PERMISSION_TO_READ,
            send=lambda: self._graph.get_object("me", fields="id,name"),
        )
        notes: list[str] = []
        is_page_token = str(me.get("id")) == self.page_id
        account_name = str(me.get("name", ""))
        if not is_page_token:
            notes.append(
                f"the token belongs to {account_name or 'another account'} ({me.get('id')}), "
                f"not to the Page {self.page_id}: connect the Page with its own Page token."
            )
        scopes = self._token_scopes(notes)
        if scopes is None:
            can_read = self._can_read_posts(notes)
            granted = {"pages_manage_posts", "pages_read_engagement", "pages_manage_engagement"}
            notes.append("the token's permissions could not be read; publishing is not verified.")
            if not can_read:
                granted.discard("pages_read_engagement")
        else:
            granted = scopes
        can_read_comments = "pages_read_engagement" in granted
        can_publish = is_page_token and {"pages_manage_posts", "pages_read_engagement"} <= granted
        can_engage = is_page_token and "pages_manage_engagement" in granted
        for needed, consequence in (
            ("pages_manage_posts", "cannot publish"),
            ("pages_read_engagement", "cannot read posts and comments"),
            ("pages_read_user_engagement", "comment authors may be missing"),
            ("pages_manage_engagement", "cannot reply to or hide comments"),
        ):
            if scopes is not None and needed not in scopes:
                notes.append(f"permission {needed} is missing: {consequence}.")
        return Capabilities(
            platform=Platform.FACEBOOK,
            account_name=account_name,
            account_id=str(me.get("id", "")),
            can_publish=can_publish,
            can_read_comments=can_read_comments,
            can_read_mentions=False,
            can_reply=can_engage,
            can_hide=can_engage,
            notes=tuple(notes),
        )

    def _token_scopes(self, notes: list[str]) -> set[str] | None:
        try:
            answer = self._call(
                "read the token's permissions",
                write=False,
                permission=_PERMISSION_TO_READ,
                send=lambda: self._graph.request(
                    f"{self.graph_version}/debug_token", {"input_token": self._token}
                ),
            )
        except (TokenExpired, RateLimited, TemporaryFailure):
            raise
        except PlatformError:
            return None
        data = answer.get("data", {})
        if not data.get("is_valid", False):
            subcode = data.get("error", {}).get("subcode")
            raise self._token_refused(subcode, code=190)
        expires_at = int(data.get("expires_at") or 0)
        if expires_at and datetime.fromtimestamp(expires_at, UTC) < utc_now() + timedelta(days=7):
            when = datetime.fromtimestamp(expires_at, UTC).strftime("%d %b %Y %H:%M UTC")
            notes.append(f"the Page token expires on {when}: reconnect the Page before then.")
        return {str(scope) for scope in data.get("scopes", [])}

    def _can_read_posts(self, notes: list[str]) -> bool:
        try:
            self._call(
                "read the Page's posts",
                write=False,
                permission=_PERMISSION_TO_READ,
                send=lambda: self._graph.get_connections(
                    self.page_id, "published_posts", fields="id", limit=1
                ),
            )
        except PermissionMissing as exc:
            notes.append(exc.message)
            return False
        return True

    # -- publishing -------------------------------------------------------------------------

    def publish(self, request: PublishRequest) -> PublishedPost:
        """Publish text (with a link), or 1-10 photos, now or natively scheduled."""
        photos = request.photos
        if len(photos) > MAX_PHOTOS_PER_POST:
            raise self._error(
                ContentRejected,
                N_(
                    "a Facebook post can carry at most {limit} photos and this one has "
                    "{count}: remove some or split the post."
                ),
                limit=MAX_PHOTOS_PER_POST,
                count=len(photos),
            )
        for photo in photos:
            if len(photo.content) > MAX_PHOTO_BYTES:
                raise self._error(
                    ContentRejected,
                    N_("the photo {filename} is larger than 10 MB: resize it and try again."),
                    filename=photo.filename,
                )
        text = nfc(request.text or "")
        if photos and request.link:
            # A photo post cannot also carry a link preview; the link stays clickable in the text.
            text = f"{text}\n{request.link}".strip()
        if not text.strip() and not photos and not request.link:
            raise self._error(
                ContentRejected, N_("the post is empty: write a text or add a photo.")
            )
        schedule = self._schedule_arguments(request.scheduled_at)

        if not photos:
            arguments = {"message": text, **schedule}
            if request.link:
                arguments["link"] = request.link
            created = self._call(
                "publish the post",
                write=True,
                permission=_PERMISSION_TO_PUBLISH,
                send=lambda: self._graph.put_object(self.page_id, "feed", **arguments),
            )
            post_id = str(created["id"])
        elif len(photos) == 1 and not schedule:
            photo = photos[0]
            extra = {"alt_text_custom": photo.alt_text} if photo.alt_text else {}
            created = self._call(
                "publish the photo",
                write=True,
                permission=_PERMISSION_TO_PUBLISH,
                send=lambda: self._graph.put_photo(
                    (photo.filename, photo.content, photo.mime_type),
                    album_path=f"{self.page_id}/photos",
                    message=text,
                    **extra,
                ),
            )
            post_id = str(created.get("post_id") or created["id"])
        else:
            media_ids = [self._upload_unpublished_photo(p, bool(schedule)) for p in photos]
            arguments = {"message": text, **schedule}
            for index, media_id in enumerate(media_ids):
                arguments[f"attached_media[{index}]"] = json.dumps({"media_fbid": media_id})
            created = self._call(
                "publish the photo post",
                write=True,
                permission=_PERMISSION_TO_PUBLISH,
                send=lambda: self._graph.put_object(self.page_id, "feed", **arguments),
            )
            post_id = str(created["id"])
        permalink, created_at = self._describe_created(post_id)
        return PublishedPost(
            platform=Platform.FACEBOOK,
            platform_post_id=post_id,
            permalink=permalink,
            created_at=request.scheduled_at if schedule else created_at,
            text=text,
            scheduled=bool(schedule),
        )

    def _schedule_arguments(self, scheduled_at: datetime | None) -> dict[str, str]:
        if scheduled_at is None:
            return {}
        if scheduled_at.tzinfo is None:
            raise self._error(
                ContentRejected, N_("the scheduled time has no time zone: give an aware datetime.")
            )
        ahead = scheduled_at - utc_now()
        if ahead < MIN_SCHEDULE_AHEAD:
            raise self._error(
                ContentRejected,
                N_(
                    "Facebook schedules posts at least 10 minutes ahead: pick a later time or "
                    "publish now."
                ),
            )
        if ahead > self.max_schedule_ahead:
            raise self._error(
                ContentRejected,
                N_("Facebook schedules posts at most {days} days ahead: pick an earlier time."),
                days=self.max_schedule_ahead.days,
            )
        return {"published": "false", "scheduled_publish_time": str(int(scheduled_at.timestamp()))}

    def _upload_unpublished_photo(self, photo: Any, scheduled: bool) -> str:
        extra = {"alt_text_custom": photo.alt_text} if photo.alt_text else {}
        if scheduled:
            # Unpublished photos of a scheduled post must outlive the usual 24-hour cleanup.
            extra["temporary"] = "true"
        uploaded = self._call(
            f"upload the photo {photo.filename}",
            write=True,
            permission=_PERMISSION_TO_PUBLISH,
            send=lambda: self._graph.put_photo(
                (photo.filename, photo.content, photo.mime_type),
                album_path=f"{self.page_id}/photos",
                published="false",
                **extra,
            ),
        )
        return str(uploaded["id"])

    def _describe_created(self, object_id: str) -> tuple[str, datetime | None]:
        """Permalink and time of something just created; best effort, it exists either way."""
        fallback = f"https://www.facebook.com/{object_id}"
        try:
            found = self._call(
                "read the new object",
                write=False,
                permission=_PERMISSION_TO_READ,
                send=lambda: self._graph.get_object(object_id, fields="permalink_url,created_time"),
            )
        except PlatformError:
            return fallback, None
        created = found.get("created_time")
        return found.get("permalink_url") or fallback, parse_graph_time(
            created
        ) if created else None

    def reply(self, parent_id: str, text: str) -> PublishedPost:
        """Reply as the Page in the thread of a comment."""
        text = nfc(text or "")
        if not text.strip():
            raise self._error(ContentRejected, N_("the reply is empty: write a text."))
        created = self._call(
            "reply to the comment",
            write=True,
            permission=_PERMISSION_TO_ENGAGE,
            send=lambda: self._graph.put_comment(parent_id, text),
        )
        reply_id = str(created["id"])
        permalink, created_at = self._describe_created(reply_id)
        return PublishedPost(
            platform=Platform.FACEBOOK,
            platform_post_id=reply_id,
            permalink=permalink,
            created_at=created_at,
            text=text,
        )

    def hide(self, interaction_id: str) -> None:
        """Hide a comment from everyone but its author and their friends."""
        self._set_hidden(interaction_id, True)

    def unhide(self, interaction_id: str) -> None:
        """Show a hidden comment again."""
        self._set_hidden(interaction_id, False)

    def _set_hidden(self, comment_id: str, hidden: bool) -> None:
        action = "hide the comment" if hidden else "show the comment again"
        self._call(
            action,
            write=True,
            permission=_PERMISSION_TO_ENGAGE,
            send=lambda: self._graph.request(
                f"{self.graph_version}/{comment_id}", post_args={"is_hidden": str(hidden).lower()}
            ),
        )

    def delete_comment(self, comment_id: str) -> None:
        """Delete a comment (and its replies) for good."""
        self._call(
            "delete the comment",
            write=True,
            permission=_PERMISSION_TO_ENGAGE,
            send=lambda: self._graph.delete_object(comment_id),
        )

    # -- reading -----------------------------------------------------------------------------

    def recent_posts(self, limit: int = 100) -> list[RecentPost]:
        """The Page's latest published posts, newest first, with their comment counts."""
        return self.posts_with_comment_counts(None, limit=limit)

    def posts_with_comment_counts(
        self, since: datetime | None, limit: int = 100
    ) -> list[RecentPost]:
        """Published posts (newest first) with every post's comment count, in one call per 100."""
        arguments: dict[str, Any] = {"fields": POST_FIELDS, "limit": min(limit, MAX_PAGE_SIZE)}
        if since is not None:
            arguments["since"] = str(int(since.timestamp()))
        posts: list[RecentPost] = []
        while len(posts) < limit:
            answer = self._call(
                "read the Page's posts",
                write=False,
                permission=_PERMISSION_TO_READ,
                send=lambda a=dict(arguments): self._graph.get_connections(
                    self.page_id, "published_posts", **a
                ),
            )
            posts.extend(_recent_post(item) for item in answer.get("data", []))
            paging = answer.get("paging", {})
            if not paging.get("next"):
                break
            arguments["after"] = paging["cursors"]["after"]
        return posts[:limit]

    def scheduled_posts(self) -> list[PublishedPost]:
        """Posts waiting for their native scheduled time."""
        answer = self._call(
            "read the scheduled posts",
            write=False,
            permission=_PERMISSION_TO_READ,
            send=lambda: self._graph.get_connections(
                self.page_id,
                "scheduled_posts",
                fields="id,message,scheduled_publish_time,permalink_url",
                limit=MAX_PAGE_SIZE,
            ),
        )
        return [
            PublishedPost(
                platform=Platform.FACEBOOK,
                platform_post_id=str(item["id"]),
                permalink=item.get("permalink_url", ""),
                created_at=datetime.fromtimestamp(int(item["scheduled_publish_time"]), UTC)
                if item.get("scheduled_publish_time")
                else None,
                text=item.get("message", ""),
                scheduled=True,
            )
            for item in answer.get("data", [])
        ]

    def list_interactions(
        self,
        since_cursor: str | None,
        *,
        post_ids: Iterable[str] | None = None,
        lookback_days: int = 30,
        max_posts: int = 300,
        max_comments: int = 5000,
        include_own: bool = False,
    ) -> InteractionPage:
        """Citizens' comments and replies newer than the cursor, oldest first.

        One call lists the recent posts with their comment counts (`post_ids` instead reads
        those posts by id); comments are fetched only on posts whose count changed since the
        cursor, with `filter=stream` (replies too) in chronological order, following paging.
        The returned `next_cursor` is always a string to store and pass next time: a repeated
        pull with it returns nothing already returned. Known limit: a comment deleted and
        another added between two pulls leave the count unchanged (webhooks cover that case).
        """
        watermarks = _decode_cursor(since_cursor)
        calls_before = self._calls_made()
        if post_ids is not None:
            posts = self._posts_by_id(list(post_ids))
        else:
            since = utc_now() - timedelta(days=lookback_days)
            posts = self.posts_with_comment_counts(since, limit=max_posts)
        updated: dict[str, _Watermark] = {}
        found: list[Interaction] = []
        budget = max_comments
        for post in posts:
            previous = watermarks.get(post.platform_post_id)
            count = post.comment_count or 0
            unchanged = previous is not None and previous.comment_count == count
            if unchanged or (previous is None and count == 0) or budget <= 0:
                updated[post.platform_post_id] = previous or _Watermark(count, 0, {})
                continue
            interactions, watermark = self._pull_comments(
                post.platform_post_id, previous, budget, include_own
            )
            budget -= len(interactions)
            found.extend(interactions)
            if watermark.comment_count >= 0:
                # Read from a watermark, the summary counts only the comments since then; the
                # next pull compares the post's own count.
                watermark.comment_count = count
            updated[post.platform_post_id] = watermark
        found.sort(key=lambda item: (item.created_at, item.platform_id))
        return InteractionPage(
            interactions=tuple(found),
            next_cursor=_encode_cursor(updated),
            requests_made=self._calls_made() - calls_before,
        )

    def comments_since(self, post_id: str, since_cursor: str | None) -> InteractionPage:
        """Comments and replies on one post newer than a cursor from this method."""
        watermarks = _decode_cursor(since_cursor)
        calls_before = self._calls_made()
        interactions, watermark = self._pull_comments(
            post_id, watermarks.get(post_id), max_comments=10**9, include_own=False
        )
        return InteractionPage(
            interactions=tuple(interactions),
            next_cursor=_encode_cursor({post_id: watermark}),
            requests_made=self._calls_made() - calls_before,
        )

    def _pull_comments(
        self, post_id: str, previous: _Watermark | None, max_comments: int, include_own: bool
    ) -> tuple[list[Interaction], _Watermark]:
        arguments: dict[str, Any] = {
            "filter": "stream",
            "order": "chronological",
            "summary": "true",
            "limit": MAX_PAGE_SIZE,
            "fields": COMMENT_FIELDS,
        }
        newest = previous.newest_epoch if previous else 0
        seen: dict[str, int] = dict(previous.seen) if previous else {}
        if previous and previous.newest_epoch:
            arguments["since"] = str(previous.newest_epoch - _SINCE_OVERLAP_SECONDS)
        found: list[Interaction] = []
        total_count = -1
        complete = False
        while True:
            answer = self._call(
                "read the comments",
                write=False,
                permission=_PERMISSION_TO_READ,
                send=lambda a=dict(arguments): self._graph.get_connections(
                    post_id, "comments", **a
                ),
            )
            total_count = int(answer.get("summary", {}).get("total_count", -1))
            page_found, page_newest = comments_from_page(
                post_id, answer, page_id=self.page_id, include_own=include_own, seen=seen
            )
            found.extend(page_found)
            newest = max(newest, page_newest)
            paging = answer.get("paging", {})
            if not paging.get("next"):
                complete = True
                break
            if len(found) >= max_comments:
                break
            arguments["after"] = paging["cursors"]["after"]
        window = {i: e for i, e in seen.items() if e >= newest - _SINCE_OVERLAP_SECONDS}
        # Stopped early: -1 makes the next pull read this post again from the watermark.
        count = total_count if complete else -1
        return found, _Watermark(count, newest, window)

    def _posts_by_id(self, post_ids: list[str]) -> list[RecentPost]:
        posts: list[RecentPost] = []
        for start in range(0, len(post_ids), 50):
            chunk = post_ids[start : start + 50]
            try:
                answer = self._call(
                    "read the posts",
                    write=False,
                    permission=_PERMISSION_TO_READ,
                    send=lambda c=chunk: self._graph.get_objects(c, fields=POST_FIELDS),
                )
                posts.extend(_recent_post(answer[i]) for i in chunk if i in answer)
            except ContentRejected:
                # One deleted post fails the whole batch (803): read the rest one by one.
                for post_id in chunk:
                    try:
                        item = self._call(
                            "read the post",
                            write=False,
                            permission=_PERMISSION_TO_READ,
                            send=lambda p=post_id: self._graph.get_object(p, fields=POST_FIELDS),
                        )
                    except ContentRejected:
                        continue
                    posts.append(_recent_post(item))
        return posts

    # -- the boundary: every SDK call goes through here -------------------------------------

    def _remember_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._exchange.response = response

    def _calls_made(self) -> int:
        return getattr(self._exchange, "calls", 0)

    def _call(self, action: str, *, write: bool, permission: str, send: Callable[[], Any]) -> Any:
        """Run one SDK call and translate whatever goes wrong into the hub's error tree."""
        self._exchange.response = None
        self._exchange.calls = self._calls_made() + 1
        try:
            result = send()
        except facebook.GraphAPIError as exc:
            raise self._graph_error(exc, action, write, permission) from self._safe_cause(exc)
        except requests.RequestException as exc:
            raise self._transport_error(exc, action, write) from self._safe_cause(exc)
        except (KeyError, ValueError) as exc:
            # KeyError: no Content-Type header; ValueError: a body that is not JSON.
            raise self._unreadable_answer(action, write) from self._safe_cause(exc)
        status = self._last_status()
        if status is not None and status >= 500:
            raise self._unreadable_answer(action, write)
        return result

    def _safe_cause(self, exc: BaseException) -> BaseException | None:
        """The foreign exception to chain, unless its text shows the token (GET URLs carry it)."""
        shown = f"{exc} {exc!r}"
        return exc if self._scrub(shown) == shown else None

    def _last_status(self) -> int | None:
        response = getattr(self._exchange, "response", None)
        return response.status_code if response is not None else None

    def _graph_error(
        self, exc: facebook.GraphAPIError, action: str, write: bool, permission: str
    ) -> PlatformError:
        result = exc.result if isinstance(exc.result, dict) else {}
        error = result.get("error") if isinstance(result.get("error"), dict) else None
        if error is None:
            return self._unreadable_answer(action, write)
        code = _as_int(error.get("code"))
        subcode = _as_int(error.get("error_subcode"))
        details = self._details(error)
        status = self._last_status()
        if code == 2635:
            return self._error(
                PlatformError,
                N_(
                    "Facebook has retired Graph API version {version}: set "
                    "HUB_FACEBOOK__GRAPH_VERSION to a current version (v21.0 or later) "
                    "{details}."
                ),
                code=code,
                version=self.graph_version,
                details=details,
            )
        if code in _TOKEN_CODES:
            return self._token_refused(subcode, code=code, details=details)
        if code in _RATE_LIMIT_CODES or (code is not None and 80000 <= code <= 80099):
            wait = self._rate_limit_wait_seconds()
            return self._error(
                RateLimited,
                N_(
                    "Facebook is throttling the Page's calls, so the hub could not {action}: it "
                    "will try again in about {minutes} minutes {details}."
                ),
                code=code,
                retry_after_seconds=wait,
                action=action,
                minutes=round(wait / 60),
                details=details,
            )
        if code == 10 or (code is not None and 200 <= code <= 299):
            named = re.search(r"pages_[a-z_]+", str(error.get("message", "")))
            needed = named.group(0) if named else permission
            return self._error(
                PermissionMissing,
                N_(
                    "the Page token lacks a permission to {action} (likely {needed}): reconnect "
                    "the Page in the hub and grant it {details}."
                ),
                code=code,
                action=action,
                needed=needed,
                details=details,
            )
        if code == 506:
            return self._error(
                DuplicateContent,
                N_(
                    "Facebook refused to {action} because the same text was posted very recently: "
                    "change the text or delete the earlier post {details}."
                ),
                code=code,
                action=action,
                details=details,
            )
        if code == 368:
            return self._error(
                ContentRejected,
                N_(
                    "Facebook blocked the attempt to {action} as against its policies; the Page "
                    "may be temporarily restricted: review the content and wait {details}."
                ),
                code=code,
                action=action,
                details=details,
            )
        if (code == 100 and subcode == 33) or code == 803:
            return self._error(
                ContentRejected,
                N_(
                    "could not {action}: the post or comment no longer exists or the Page token "
                    "cannot see it {details}."
                ),
                code=code,
                action=action,
                details=details,
            )
        if code in (100, 324, 1609005):
            return self._error(
                ContentRejected,
                N_("Facebook refused to {action}: invalid content {details}."),
                code=code,
                action=action,
                details=details,
            )
        if code in (1, 2) or error.get("is_transient") or (status is not None and status >= 500):
            return self._error(
                TemporaryFailure,
                N_("Facebook failed to {action} for now; it is safe to retry later {details}."),
                code=code,
                action=action,
                details=details,
            )
        return self._error(
            PlatformError,
            N_("Facebook refused to {action} {details}."),
            code=code,
            action=action,
            details=details,
        )

    def _transport_error(
        self, exc: requests.RequestException, action: str, write: bool
    ) -> PlatformError:
        if never_sent(exc):
            return self._error(
                TemporaryFailure,
                N_(
                    "could not reach the Graph API at {url} to {action}; nothing was sent, so it "
                    "is safe to retry."
                ),
                url=self.graph_url,
                action=action,
            )
        timed_out = isinstance(exc, requests.Timeout)
        if write:
            if timed_out:
                message = N_(
                    "the request to {action} was sent to the Graph API at {url} but no answer"
                    " came in time: it may have been accepted. Check the Page's recent posts"
                    " before trying again."
                )
            else:
                message = N_(
                    "the request to {action} was sent to the Graph API at {url} but the"
                    " connection was lost: it may have been accepted. Check the Page's recent"
                    " posts before trying again."
                )
            return self._error(OutcomeUnknown, message, action=action, url=self.graph_url)
        if timed_out:
            message = N_(
                "no answer came in time while trying to {action} at the Graph API at {url};"
                " retry later."
            )
        else:
            message = N_(
                "the connection was lost while trying to {action} at the Graph API at {url};"
                " retry later."
            )
        return self._error(TemporaryFailure, message, action=action, url=self.graph_url)

    def _unreadable_answer(self, action: str, write: bool) -> PlatformError:
        status = self._last_status()
        # A write that got a 2xx it cannot read, or a gateway timeout, may well have been done.
        if write and (status is None or 200 <= status < 300 or status == 504):
            if status is None:
                message = N_(
                    "Facebook's answer to the request to {action} could not be read (no status):"
                    " it may have been accepted. Check the Page's recent posts before trying"
                    " again."
                )
            else:
                message = N_(
                    "Facebook's answer to the request to {action} could not be read (HTTP"
                    " {status}): it may have been accepted. Check the Page's recent posts before"
                    " trying again."
                )
            return self._error(OutcomeUnknown, message, action=action, status=status)
        if status is None:
            message = N_(
                "Facebook answered the request to {action} with something unreadable (no"
                " status); retry later."
            )
        else:
            message = N_(
                "Facebook answered the request to {action} with something unreadable (HTTP"
                " {status}); retry later."
            )
        return self._error(TemporaryFailure, message, action=action, status=status)

    def _rate_limit_wait_seconds(self) -> float:
        response = getattr(self._exchange, "response", None)
        header = response.headers.get("X-Business-Use-Case-Usage") if response is not None else None
        minutes = 0.0
        try:
            usage = json.loads(header) if header else {}
            for entries in usage.values():
                for entry in entries:
                    minutes = max(minutes, float(entry.get("estimated_time_to_regain_access") or 0))
        except (ValueError, TypeError, AttributeError):
            minutes = 0.0
        return minutes * 60 if minutes > 0 else DEFAULT_RATE_LIMIT_WAIT_SECONDS

    def _token_refused(
        self, subcode: int | None, *, code: int | None, details: str | None = None
    ) -> PlatformError:
        """`TokenExpired`, saying why the token was refused (with Facebook's details if any)."""
        meaning = _TOKEN_SUBCODE_MEANING.get(subcode or 0, "the token is invalid or revoked")
        if details is None:
            if subcode:
                message = N_(
                    "Facebook refused the Page token: {meaning} (subcode {subcode}). Reconnect"
                    " the Page in the hub"
                )
            else:
                message = N_(
                    "Facebook refused the Page token: {meaning}. Reconnect the Page in the hub"
                )
            return self._error(TokenExpired, message, code=code, meaning=meaning, subcode=subcode)
        if subcode:
            message = N_(
                "Facebook refused the Page token: {meaning} (subcode {subcode}). Reconnect the"
                " Page in the hub {details}."
            )
        else:
            message = N_(
                "Facebook refused the Page token: {meaning}. Reconnect the Page in the hub"
                " {details}."
            )
        return self._error(
            TokenExpired, message, code=code, meaning=meaning, subcode=subcode, details=details
        )

    @staticmethod
    def _details(error: dict[str, Any]) -> str:
        parts = [str(error.get("message", "")).strip()]
        code, subcode = error.get("code"), error.get("error_subcode")
        parts.append(f"code {code}" + (f"/{subcode}" if subcode else ""))
        if error.get("fbtrace_id"):
            parts.append(f"fbtrace_id {error['fbtrace_id']}")
        return "(" + "; ".join(p for p in parts if p) + ")"

    def _error(
        self,
        kind: type[PlatformError],
        message: str,
        *,
        code: int | None = None,
        retry_after_seconds: float | None = None,
        **values: object,
    ) -> PlatformError:
        """`message` is a catalogue template; its values are scrubbed of the token."""
        values = {k: self._scrub(v) if isinstance(v, str) else v for k, v in values.items()}
        error = kind(
            message,
            platform=Platform.FACEBOOK.value,
            code=code,
            retry_after_seconds=retry_after_seconds,
            **values,
        )
        if self._scrub(error.message) != error.message:
            # The token only shows across a value's edge: keep the scrubbed English alone.
            error = kind(
                self._scrub(error.message),
                platform=Platform.FACEBOOK.value,
                code=code,
                retry_after_seconds=retry_after_seconds,
            )
        return error

    def _scrub(self, text: str) -> str:
        text = _TOKEN_PATTERN.sub("access_token=[hidden]", text)
        return text.replace(self._token, "[hidden]") if self._token else text


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _recent_post(item: dict[str, Any]) -> RecentPost:
    summary = item.get("comments", {}).get("summary", {})
    count = summary.get("total_count")
    return RecentPost(
        platform_post_id=str(item["id"]),
        text=nfc(item.get("message", "")),
        created_at=parse_graph_time(item["created_time"]),
        permalink=item.get("permalink_url", ""),
        comment_count=int(count) if count is not None else None,
    )


def comments_from_page(
    post_id: str,
    answer: Mapping[str, Any],
    *,
    page_id: str,
    include_own: bool,
    seen: dict[str, int],
) -> tuple[list[Interaction], int]:
    """One Graph comments page (``{"data": [...], "paging": ...}``) of post `post_id` as
    interactions: what the pull does with each page it fetched.

    Comments already in `seen` (id -> created epoch seconds) are skipped and the others are
    added to it; the Page's own comments (author `page_id`) are left out unless
    `include_own`. Returns the interactions and the newest created epoch of the comments not
    skipped (0 when none).
    """
    found: list[Interaction] = []
    newest = 0
    for item in answer.get("data", []):
        comment_id = item["id"]
        if comment_id in seen:
            continue
        created_at = parse_graph_time(item["created_time"])
        epoch = int(created_at.timestamp())
        seen[comment_id] = epoch
        newest = max(newest, epoch)
        author = item.get("from") or {}
        if include_own or author.get("id") != page_id:
            found.append(_interaction(post_id, item, author, created_at))
    return found, newest


def _interaction(
    post_id: str, item: dict[str, Any], author: dict[str, Any], created_at: datetime
) -> Interaction:
    parent = item.get("parent")
    # Positional: a pull builds a million of these, and keywords cost a third more.
    return Interaction(
        Platform.FACEBOOK,
        str(item["id"]),
        InteractionKind.REPLY if parent else InteractionKind.COMMENT,
        post_id,  # thread
        str(parent["id"]) if parent else post_id,  # parent
        str(author.get("id", "")),
        str(author.get("name", "")),
        item.get("message", ""),
        created_at,
        item.get("permalink_url", ""),
        bool(item.get("is_hidden", False)),
        item,  # raw
    )


__all__ = ["FacebookPageAdapter", "comments_from_page", "parse_graph_time"]
