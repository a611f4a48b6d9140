"""What a post will say on each platform, and how it measures against that platform's limits.

The same composition is used for the officer's live preview, the reviewer's preview and the
text frozen into each `posts` row at approval, so what IT approves is what goes out.

Facebook gets the title, the Bengali text, the English text and, for a launch, a line with the
place and the event time in the display zone. X gets the officer's separate X text when there
is one, else the same composition, measured by X's weighted length (twitter-text v3: 280, a
URL counts 23, an emoji 2, Bengali 1 a character).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from hub.clock import format_local
from hub.i18n import N_, Message
from hub.platforms.base import PUBLISHING_PLATFORMS, Platform
from hub.platforms.x_text import MAX_WEIGHTED_LENGTH, weighted_length
from hub.publishing.models import Update, UpdateKind
from hub.text import nfc, nfc_trimmed

# Graph API's documented maximum length of a Page post's message.
FACEBOOK_MAX_LENGTH = 63_206
FACEBOOK_MAX_PHOTOS = 10
X_MAX_PHOTOS = 4
DEFAULT_ZONE = ZoneInfo("Asia/Kolkata")


class ComposableUpdate(Protocol):
    """What composing a post needs: a saved `Update` or a form's `DraftFields` both have it."""

    kind: UpdateKind
    title: str
    text_bn: str
    text_en: str
    x_text: str | None
    event_at: datetime | None
    event_place: str | None


@dataclass(frozen=True)
class DraftFields:
    """The fields an officer fills in; any of them may still be empty while it is a draft."""

    kind: UpdateKind = UpdateKind.WORK_UPDATE
    title: str = ""
    text_bn: str = ""
    text_en: str = ""
    # None or blank: the X post is made from the main texts.
    x_text: str | None = None
    platforms: tuple[Platform, ...] = (Platform.FACEBOOK, Platform.X)
    wished_at: datetime | None = None
    event_at: datetime | None = None
    event_place: str | None = None

    def normalised(self) -> DraftFields:
        """The same fields in NFC, trimmed, with blanks as None and platforms de-duplicated."""
        x_text = nfc_trimmed(self.x_text or "")
        place = nfc_trimmed(self.event_place or "")
        return replace(
            self,
            kind=UpdateKind(self.kind),
            title=" ".join(nfc_trimmed(self.title).split()),
            text_bn=nfc_trimmed(self.text_bn),
            text_en=nfc_trimmed(self.text_en),
            x_text=x_text or None,
            platforms=tuple(dict.fromkeys(_publishing_platform(p) for p in self.platforms)),
            event_place=place or None,
        )

    @classmethod
    def of(cls, update: Update) -> DraftFields:
        """The editable fields of a saved update."""
        return cls(
            kind=update.kind,
            title=update.title,
            text_bn=update.text_bn,
            text_en=update.text_en,
            x_text=update.x_text,
            platforms=update.platforms,
            wished_at=update.wished_at,
            event_at=update.event_at,
            event_place=update.event_place,
        )


@dataclass(frozen=True)
class PlatformPreview:
    """One platform's post as it will go out, measured against that platform's limits."""

    platform: Platform
    text: str
    # As the platform counts it: X's weighted length, Facebook's characters.
    length: int
    limit: int
    fits: bool
    # How many of the update's photos the post carries (the first ones, in order).
    photos_used: int
    warnings: tuple[Message, ...] = field(default=())

    @property
    def over_by(self) -> int:
        """How far over the limit the text is (0 when it fits)."""
        return max(0, self.length - self.limit)

    @property
    def length_label(self) -> str:
        """The length as a reader should understand it, e.g. ``291 / 280 (X weighted)``."""
        unit = "X weighted" if self.platform is Platform.X else "characters"
        return f"{self.length} / {self.limit} ({unit})"


def compose_post_text(
    update: ComposableUpdate, platform: Platform, zone: ZoneInfo = DEFAULT_ZONE
) -> str:
    """The text of `update`'s post on `platform`, in NFC."""
    if platform is Platform.X and update.x_text and update.x_text.strip():
        return nfc(update.x_text.strip())
    parts = [update.title, update.text_bn, update.text_en]
    if update.kind == UpdateKind.LAUNCH:
        details = []
        if update.event_place:
            details.append(f"📍 {update.event_place}")
        if update.event_at is not None:
            details.append(f"🗓 {format_local(update.event_at, zone)}")
        parts.append(" · ".join(details))
    text = "\n\n".join(part.strip() for part in parts if part and part.strip())
    return nfc(text)


def x_overshoot_message(text: str, *, separate: bool) -> Message | None:
    """Why `text` cannot go to X and what to do, or None when it fits."""
    length = weighted_length(text)
    over = length - MAX_WEIGHTED_LENGTH
    if over <= 0:
        return None
    counted = Message(
        N_(
            "{length} of {limit} as X counts it; a link counts 23, an emoji 2, a Bengali or"
            " English letter 1"
        ),
        length=length,
        limit=MAX_WEIGHTED_LENGTH,
    )
    if separate:
        return Message(
            N_("The separate X text is {over} over the limit ({counted}): shorten it."),
            over=over,
            counted=counted,
        )
    return Message(
        N_(
            "The post for X is {over} over the limit ({counted}). Write a separate, shorter X"
            " text, or shorten the title and texts."
        ),
        over=over,
        counted=counted,
    )


def preview(
    update: Update | DraftFields,
    *,
    photo_count: int | None = None,
    platforms: tuple[Platform, ...] | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> list[PlatformPreview]:
    """Each targeted platform's post, its length against the limit, and what to watch for.

    `photo_count` defaults to the saved update's photos; `platforms` to its targets.
    """
    if photo_count is None:
        photo_count = len(update.photos) if isinstance(update, Update) else 0
    targets = platforms if platforms is not None else update.platforms
    return [_preview_one(update, Platform(p), photo_count, zone) for p in targets]


def _preview_one(
    update: ComposableUpdate, platform: Platform, photo_count: int, zone: ZoneInfo
) -> PlatformPreview:
    text = compose_post_text(update, platform, zone)
    warnings: list[Message] = []
    if not text:
        warnings.append(Message(N_("The post has no text yet.")))
    if platform is Platform.X:
        length, limit, max_photos = weighted_length(text), MAX_WEIGHTED_LENGTH, X_MAX_PHOTOS
        problem = x_overshoot_message(text, separate=bool(update.x_text))
        if problem:
            warnings.append(problem)
    else:
        length, limit, max_photos = len(text), FACEBOOK_MAX_LENGTH, FACEBOOK_MAX_PHOTOS
        if length > limit:
            warnings.append(
                Message(
                    N_("The Facebook post is {over} characters over the limit."),
                    over=length - limit,
                )
            )
    photos_used = min(photo_count, max_photos)
    if photo_count > max_photos:
        warnings.append(
            Message(
                N_("X shows at most {max} photos: the first {max} of {count} go there.")
                if platform is Platform.X
                else N_(
                    "Facebook shows at most {max} photos: the first {max} of {count} go there."
                ),
                max=max_photos,
                count=photo_count,
            )
        )
    if photo_count == 0:
        warnings.append(Message(N_("No photos yet: every update needs at least one.")))
    return PlatformPreview(
        platform=platform,
        text=text,
        length=length,
        limit=limit,
        fits=length <= limit,
        photos_used=photos_used,
        warnings=tuple(warnings),
    )


def _publishing_platform(value: Platform | str) -> Platform:
    """A platform updates are published to; ValueError for any other (WhatsApp carries
    conversations, not posts)."""
    platform = Platform(value)
    if platform not in PUBLISHING_PLATFORMS:
        raise ValueError(f"updates are not published to {platform.value}")
    return platform


__all__ = [
    "FACEBOOK_MAX_LENGTH",
    "FACEBOOK_MAX_PHOTOS",
    "X_MAX_PHOTOS",
    "ComposableUpdate",
    "DraftFields",
    "PlatformPreview",
    "compose_post_text",
    "preview",
    "x_overshoot_message",
]
