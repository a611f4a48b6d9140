"""The trainer's view of the sandbox: the Page and the X account as a citizen sees them.

A trainer (an administrator) reads the city's posts with their comment threads and the X
timeline and mentions, and writes a citizen's comment or mention by hand, to show officers
how a complaint travels. Every hand-written interaction is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from hub.audit import AuditLog
from hub.errors import ConfigurationError, InvalidInput, NotFound
from hub.i18n import N_
from hub.permissions import Action, Actor
from hub.privacy import masked_phone_number
from hub.sandbox.runtime import RunningSandbox
from hub.text import nfc_trimmed as nfc
from hub.wards import WardMap

MAX_TEXT = 8000


@dataclass(frozen=True)
class SandboxPost:
    """A post on the sandbox Page or the sandbox X account."""

    id: str
    text: str
    created_at: datetime
    published: bool
    comment_count: int
    permalink: str = ""


@dataclass(frozen=True)
class SandboxComment:
    """A comment (or reply, with `parent_id`) under a sandbox Page post."""

    id: str
    author: str
    text: str
    created_at: datetime
    parent_id: str | None
    is_hidden: bool
    by_page: bool


@dataclass(frozen=True)
class SandboxMention:
    """A post that mentions the sandbox X account."""

    id: str
    author: str
    text: str
    created_at: datetime
    in_reply_to: str | None


def _graph_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


class SandboxTrainer:
    """Reads and writes the running sandbox on behalf of a trainer."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit
        # Set when the process starts the sandbox (Hub.attach_sandbox).
        self.sandbox: RunningSandbox | None = None

    def _running(self, actor: Actor) -> RunningSandbox:
        self._audit.authorize(actor, Action.USE_SANDBOX)
        running = self.sandbox
        if running is None:
            raise ConfigurationError(
                "the sandbox is not running in this hub (HUB_SANDBOX__ENABLED is false, or "
                "real accounts are configured)."
            )
        return running

    def page_posts(self, actor: Actor) -> list[SandboxPost]:
        """The Page's posts, newest first, with their comment counts."""
        graph = self._running(actor).graph
        posts = []
        for post in graph.list_posts():
            comments = graph.list_comments(post["id"])
            posts.append(
                SandboxPost(
                    id=post["id"],
                    text=post.get("message") or "",
                    created_at=_graph_time(post["created_time"]),
                    published=bool(post["is_published"]),
                    comment_count=len(comments),
                    permalink=post.get("permalink_url", ""),
                )
            )
        return posts

    def comments(self, actor: Actor, post_id: str) -> list[SandboxComment]:
        """Every comment and reply under a Page post, oldest first."""
        graph = self._running(actor).graph
        try:
            rows = graph.list_comments(post_id)
        except Exception as exc:  # the sandbox's own lookup error for an unknown post
            raise NotFound(f"no post {post_id!r} on the sandbox Page") from exc
        return [
            SandboxComment(
                id=row["id"],
                author=row["from"]["name"],
                text=row.get("message", ""),
                created_at=_graph_time(row["created_time"]),
                parent_id=(row.get("parent") or {}).get("id"),
                is_hidden=bool(row.get("is_hidden")),
                by_page=row["from"]["id"] == graph.page_id,
            )
            for row in rows
        ]

    def x_timeline(self, actor: Actor) -> list[SandboxPost]:
        """The X account's own posts, newest first."""
        x = self._running(actor).x
        return [
            SandboxPost(
                id=tweet["id"],
                text=tweet["text"],
                created_at=tweet["created_at"],
                published=True,
                comment_count=0,
            )
            for tweet in x.list_timeline()
        ]

    def x_mentions(self, actor: Actor) -> list[SandboxMention]:
        """Posts mentioning the X account, newest first."""
        x = self._running(actor).x
        return [
            SandboxMention(
                id=tweet["id"],
                author=f"@{tweet['author_username']}",
                text=tweet["text"],
                created_at=tweet["created_at"],
                in_reply_to=tweet["in_reply_to_tweet_id"],
            )
            for tweet in x.list_mentions()
        ]

    def add_comment(
        self, actor: Actor, post_id: str, text: str, author_name: str, parent_id: str | None = None
    ) -> str:
        """Write a citizen's comment (or reply) on the sandbox Page; returns its id."""
        graph = self._running(actor).graph
        text, author_name = _checked(text, author_name)
        known = {post["id"] for post in graph.list_posts()}
        if post_id not in known:
            raise NotFound(f"no post {post_id!r} on the sandbox Page")
        comment_id = graph.add_citizen_comment(post_id, text, author_name, parent_id=parent_id)
        self._audit.record_now(
            actor=actor,
            action="sandbox_add_comment",
            target_type="sandbox_post",
            target_id=post_id,
            after={"comment_id": comment_id, "author": author_name, "text": text[:200]},
        )
        return comment_id

    def add_mention(
        self, actor: Actor, text: str, author_username: str, in_reply_to: str | None = None
    ) -> str:
        """Write a citizen's post mentioning the X account; returns its id."""
        x = self._running(actor).x
        text, author_username = _checked(text, author_username.lstrip("@"))
        if not author_username.replace("_", "").isalnum() or not author_username.isascii():
            raise InvalidInput("an X username is letters, digits and _ only (e.g. rina_das)")
        mention_id = x.add_mention(text, author_username, in_reply_to_tweet_id=in_reply_to)
        self._audit.record_now(
            actor=actor,
            action="sandbox_add_mention",
            target_type="sandbox_x",
            target_id=mention_id,
            after={"author": author_username, "text": text[:200]},
        )
        return mention_id

    def whatsapp_conversations(self, actor: Actor, limit: int = 10) -> list[SandboxConversation]:
        """The latest conversations with the city's WhatsApp number, newest first."""
        whatsapp = self._running(actor).whatsapp
        whatsapp.flush_outgoing()
        with whatsapp.app.cursor() as cur:
            numbers = [
                row[0]
                for row in cur.execute(
                    "SELECT wa_id FROM wa_messages GROUP BY wa_id ORDER BY max(created_at) DESC"
                    " LIMIT ?",
                    [limit],
                ).fetchall()
            ]
        return [
            SandboxConversation(
                number,
                tuple(
                    SandboxWhatsAppMessage(
                        m["direction"], m["type"], m["text"] or "", m["created_at"]
                    )
                    for m in whatsapp.conversation(number)
                ),
            )
            for number in numbers
        ]

    def send_whatsapp(
        self,
        actor: Actor,
        wa_id: str,
        name: str,
        text: str,
        attachment: str | None = None,
        pin_ward: int | None = None,
    ) -> list[str]:
        """A citizen's WhatsApp message to the city, as typed: the words, then the chosen
        attachment (`WHATSAPP_ATTACHMENTS`) and a pin in a ward; returns the message ids."""
        whatsapp = self._running(actor).whatsapp
        wa_id = "".join(c for c in wa_id or "" if c.isdigit())
        if not 10 <= len(wa_id) <= 15:
            raise InvalidInput("the citizen's number is 10 to 15 digits, e.g. 919830012345")
        name = nfc(name or "") or "Citizen"
        text = nfc(text or "")
        if len(text) > 4096:
            raise InvalidInput("a WhatsApp message is at most 4,096 characters")
        if not text and attachment is None and pin_ward is None:
            raise InvalidInput("write the citizen's message, or attach something")
        if attachment is not None and attachment not in WHATSAPP_ATTACHMENTS:
            raise InvalidInput(f"unknown attachment {attachment!r}")
        ward = None
        if pin_ward is not None:
            ward = next((w for w in WardMap.shipped().wards if w.number == pin_ward), None)
            if ward is None:
                raise InvalidInput(f"ward {pin_ward} has no shape to pin a place in (1-141)")
        sent = []
        if text:
            sent.append(whatsapp.citizen_sends(wa_id, name, text=text))
        if attachment is not None:
            _, filename, mime = WHATSAPP_ATTACHMENTS[attachment]
            content = (resources.files("hub.sandbox") / "media" / filename).read_bytes()
            if mime.startswith("image/"):
                sent.append(whatsapp.citizen_sends(wa_id, name, image=(content, mime)))
            else:
                sent.append(whatsapp.citizen_sends(wa_id, name, audio=(content, mime)))
        if ward is not None:
            sent.append(
                whatsapp.citizen_sends(
                    wa_id, name, location=(ward.label_latitude, ward.label_longitude, "")
                )
            )
        self._audit.record_now(
            actor=actor,
            action="sandbox_send_whatsapp",
            target_type="sandbox_whatsapp",
            target_id=masked_phone_number(wa_id),
            after={"messages": len(sent), "attachment": attachment, "pin_ward": pin_ward},
        )
        return sent


@dataclass(frozen=True)
class SandboxWhatsAppMessage:
    """One message between a citizen and the city's WhatsApp number in the sandbox."""

    direction: str  # "in" (the citizen's) or "out" (the city's)
    kind: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SandboxConversation:
    """A citizen's WhatsApp conversation with the city, oldest message first."""

    wa_id: str
    messages: tuple[SandboxWhatsAppMessage, ...]


# What a trainer can attach by hand: the simulator's own files (hub/sandbox/media).
WHATSAPP_ATTACHMENTS = {
    "paper": (
        N_("a photo of a signed complaint on paper"),
        "handwritten_complaint.jpg",
        "image/jpeg",
    ),
    "photo": (N_("a photo of a pothole"), "pothole.jpg", "image/jpeg"),
    "voice_bn": (N_("a voice note in Bengali"), "voice_bn.ogg", "audio/ogg; codecs=opus"),
    "voice_en": (N_("a voice note in English"), "voice_en.ogg", "audio/ogg; codecs=opus"),
}


def _checked(text: str, author: str) -> tuple[str, str]:
    text, author = nfc(text or ""), nfc(author or "")
    if not text:
        raise InvalidInput("write the citizen's message first")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"a message of at most {MAX_TEXT} characters, please")
    if not author:
        raise InvalidInput("give the citizen a name")
    return text, author
