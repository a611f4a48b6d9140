"""The small protocol every platform adapter speaks, and the frozen values it returns.

Adapters never return SDK objects or raw dicts (except `raw`, the platform's own payload
kept as evidence), and never let an SDK exception out: they raise the `PlatformError`
family from `hub.errors`, with a message an IT person can act on and no token in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class Platform(StrEnum):
    """The channels the hub publishes to and listens on."""

    FACEBOOK = "facebook"
    X = "x"
    # The city's WhatsApp Business number(s): citizens' complaints in, answers out.
    WHATSAPP = "whatsapp"


# The platforms as filter choices for pages (board, dashboard): only channels the hub has.
PLATFORM_CHOICES = tuple(platform.value for platform in Platform)
# Where officers' updates are published: WhatsApp carries conversations, not posts.
PUBLISHING_PLATFORMS = (Platform.FACEBOOK, Platform.X)


class InteractionKind(StrEnum):
    """What sort of citizen interaction was pulled."""

    COMMENT = "comment"  # a top-level comment on one of the city's posts
    REPLY = "reply"  # a reply inside a comment thread
    MENTION = "mention"  # an X post that mentions the city's account
    MESSAGE = "message"  # a private message (WhatsApp, later)


@dataclass(frozen=True)
class Photo:
    """A photo to publish: its bytes as stored by the hub, with alt text."""

    content: bytes
    filename: str
    mime_type: str
    alt_text: str = ""


@dataclass(frozen=True)
class PublishRequest:
    """One post for one platform. `idempotency_key` is the hub's own post id."""

    text: str
    photos: tuple[Photo, ...] = ()
    link: str | None = None
    # Facebook only: publish natively scheduled at this time (at least 10 minutes ahead).
    scheduled_at: datetime | None = None
    idempotency_key: str = ""


@dataclass(frozen=True)
class PublishedPost:
    """What the platform says it created."""

    platform: Platform
    platform_post_id: str
    permalink: str
    created_at: datetime | None
    text: str = ""
    scheduled: bool = False
    # A messaging channel's approved template it went as (outside the 24-hour window).
    template: str | None = None


# Slots: a pull can build a million of these, and they are a quarter cheaper to make.
@dataclass(frozen=True, slots=True)
class Interaction:
    """A citizen's comment, reply or mention as pulled from a platform."""

    platform: Platform
    platform_id: str
    kind: InteractionKind
    thread_id: str  # the city's post (Facebook) or the conversation (X)
    parent_id: str | None  # the comment or post this one answers
    author_id: str
    author_name: str
    # As the platform sent it: the store keeps text and names in NFC (`InteractionStore`).
    text: str
    created_at: datetime
    permalink: str = ""
    is_hidden: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class InteractionPage:
    """A batch of interactions and the cursor to ask for the next ones."""

    interactions: tuple[Interaction, ...]
    # The cursor to store and pass next time. It is the cursor given when nothing new
    # arrived (never None once something was seen), so a caller never starts over.
    next_cursor: str | None
    requests_made: int = 1
    # Set when the platform could not list everything since the cursor (X keeps only the
    # latest 800 mentions reachable): what is missing cannot be read any more.
    beyond_reach: str | None = None


@dataclass(frozen=True)
class RecentPost:
    """A post the account published, for reconciliation and comment counts."""

    platform_post_id: str
    text: str
    created_at: datetime
    permalink: str = ""
    comment_count: int | None = None


@dataclass(frozen=True)
class Capabilities:
    """What the configured credentials allow."""

    platform: Platform
    account_name: str
    account_id: str
    can_publish: bool
    can_read_comments: bool
    can_read_mentions: bool
    can_reply: bool
    can_hide: bool
    notes: tuple[str, ...] = ()


@runtime_checkable
class Publishes(Protocol):
    """An account the hub publishes posts to."""

    def publish(self, request: PublishRequest) -> PublishedPost:
        """Publish text with 0-10 photos (X: 0-4)."""
        ...


@runtime_checkable
class Replies(Protocol):
    """An account that answers in a citizen's thread."""

    def reply(self, parent_id: str, text: str) -> PublishedPost:
        """Reply in the thread of a comment (Facebook) or a post (X)."""
        ...


@runtime_checkable
class ListsRecentPosts(Protocol):
    """An account whose own recent posts can be listed (reconciliation reads them)."""

    def recent_posts(self, limit: int = 100) -> list[RecentPost]:
        """What the account published lately, newest first."""
        ...


@runtime_checkable
class Moderates(Protocol):
    """An account that can hide a comment from public view."""

    def hide(self, interaction_id: str) -> None:
        """Hide a comment from public view (where the platform allows)."""
        ...


@runtime_checkable
class Channel(Protocol):
    """One account on one platform, whatever it can do: its id and a credentials check."""

    platform: Platform

    @property
    def account_id(self) -> str:
        """The account's own id on the platform (the Page id, the X user id, the WABA id)."""
        ...

    def check(self) -> Capabilities:
        """Check the credentials and report what they allow."""
        ...


@runtime_checkable
class PlatformAdapter(Channel, Publishes, Replies, ListsRecentPosts, Moderates, Protocol):
    """An account the hub publishes to: what every such channel can do (Facebook, X).

    How citizens' messages are read differs by channel and is a capability of its own
    (`ReadsPostComments`, `ReadsMentions`), as are natively scheduled posts (`SchedulesPosts`).
    A messaging channel (WhatsApp) is a `Channel` that `SendsMessages` instead.
    """


@runtime_checkable
class ReadsPostComments(Protocol):
    """Citizens' comments read post by post (Facebook): counts first, comments where moved."""

    def posts_with_comment_counts(
        self, since: datetime | None, limit: int = 100
    ) -> list[RecentPost]:
        """Published posts (newest first) with every post's comment count."""
        ...

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
        """Comments and replies newer than the cursor, oldest first."""
        ...


@runtime_checkable
class ReadsMentions(Protocol):
    """Citizens' posts mentioning the account, read newest id onwards (X)."""

    def list_mentions(
        self, since_cursor: str | None, *, max_results: int = 100, max_pages: int = 10
    ) -> InteractionPage:
        """Mentions newer than the cursor (a post id), oldest first."""
        ...


@dataclass(frozen=True)
class TemplateMessage:
    """An approved message template (WhatsApp): its name, language and body parameters."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one person on a messaging channel; exactly one of `text`, `template`.

    `key` is the hub's own idempotency key: the platform echoes it on the message's delivery
    statuses, which is how an answer lost on the way is recognised later. `withdrawn`, when
    given, is asked at the last moment (after the wait for the number's pace, just before the
    call): a reason means the message is no longer wanted, and it is not sent (`Withdrawn`).
    """

    to: str
    from_number: str
    key: str
    text: str | None = None
    template: TemplateMessage | None = None
    context_id: str | None = None
    withdrawn: Callable[[], str | None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MediaDownload:
    """A citizen's attachment as downloaded: the bytes, and what the platform said of them."""

    content: bytes
    declared_mime_type: str
    declared_sha256: str | None


@runtime_checkable
class SendsMessages(Protocol):
    """A messaging channel (WhatsApp): messages to a person, read receipts, attachments."""

    def send_message(self, message: OutgoingMessage) -> PublishedPost:
        """Send one text or template message; the answer's id is the platform's message id."""
        ...

    def mark_read(self, from_number: str, message_id: str) -> None:
        """Show the citizen their message was read (blue ticks)."""
        ...

    def download_media(self, media_id: str, max_bytes: int) -> MediaDownload:
        """A received attachment's bytes (refused past `max_bytes`, never read whole)."""
        ...


@runtime_checkable
class SchedulesPosts(Protocol):
    """An account that holds natively scheduled posts (Facebook): a capability by type.

    Adapters that have it inherit this protocol; reconciliation counts these posts too.
    """

    def scheduled_posts(self) -> list[PublishedPost]:
        """Posts accepted for publishing later, not yet on the timeline."""
        ...
