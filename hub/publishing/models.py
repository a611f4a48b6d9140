"""The values of publishing, as the services return them (never raw rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.i18n import N_, Message, shown_sentence
from hub.platforms.base import Platform


class UpdateKind(StrEnum):
    """What an officer submits."""

    WORK_UPDATE = "work_update"
    LAUNCH = "launch"


class UpdateStatus(StrEnum):
    """Where an update stands in review."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class PostStatus(StrEnum):
    """Where one platform's post stands (see migration 002 for each meaning)."""

    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    UNCONFIRMED = "unconfirmed"
    RETRY_WAIT = "retry_wait"
    PUBLISHED = "published"
    NEEDS_ATTENTION = "needs_attention"
    MISSED = "missed"
    CANCELLED = "cancelled"


# The words people read for these values (catalogue strings; pages show them with _()).
PLATFORM_LABELS = {Platform.FACEBOOK: N_("Facebook"), Platform.X: N_("X")}
POST_STATUS_LABELS = {
    PostStatus.SCHEDULED: N_("scheduled"),
    PostStatus.PUBLISHING: N_("publishing"),
    PostStatus.UNCONFIRMED: N_("unconfirmed"),
    PostStatus.RETRY_WAIT: N_("retry wait"),
    PostStatus.PUBLISHED: N_("published"),
    PostStatus.NEEDS_ATTENTION: N_("needs attention"),
    PostStatus.MISSED: N_("missed"),
    PostStatus.CANCELLED: N_("cancelled"),
}

# Reasons IT gives when rejecting an update.
REJECT_REASONS = {
    "not_public_interest": N_("Not of public interest"),
    "inaccurate": N_("Inaccurate or unverified"),
    "duplicate": N_("Duplicate of another update"),
    "policy": N_("Against the social media policy"),
    "photos_unsuitable": N_("Photos unsuitable"),
    "other": N_("Other (see the note)"),
}


@dataclass(frozen=True)
class UpdatePhoto:
    """A photo attached to an update, as stored (metadata stripped, re-encoded)."""

    id: str
    position: int
    original_name: str
    stored_name: str
    thumb_name: str
    mime_type: str
    width: int
    height: int
    size_bytes: int
    alt_text: str


@dataclass(frozen=True)
class Post:
    """One update on one platform."""

    id: int
    update_id: int
    platform: Platform
    text: str
    scheduled_at: datetime
    native_scheduling: bool
    status: PostStatus
    attempts: int
    next_attempt_at: datetime | None
    platform_post_id: str | None
    permalink: str | None
    published_at: datetime | None
    last_error: str | None
    attention_reason: str | None


@dataclass(frozen=True)
class UpdateEvent:
    """One step in an update's history (submitted, approved, changes requested, ...)."""

    occurred_at: datetime
    actor: str
    event: str
    note: str | None
    reason_code: str | None
    # The note as a catalogue sentence where the hub wrote it (JSON); None for a person's.
    note_sentence: str | None = None

    @property
    def shown_note(self) -> Message | None:
        """The note to show: the hub's sentences in the reader's language, people's words
        (and notes written before the sentences were kept) as written."""
        return None if self.note is None else shown_sentence(self.note, self.note_sentence)


@dataclass(frozen=True)
class Update:
    """An officer's update with its photos, posts and history."""

    id: int
    department_code: str
    author: str
    kind: UpdateKind
    title: str
    text_bn: str
    text_en: str
    x_text: str | None
    platforms: tuple[Platform, ...]
    wished_at: datetime | None
    event_at: datetime | None
    event_place: str | None
    status: UpdateStatus
    late_notice: bool
    override_reason: str | None
    submissions: int
    submitted_at: datetime | None
    review_note: str | None
    reject_reason: str | None
    created_at: datetime
    updated_at: datetime
    photos: tuple[UpdatePhoto, ...] = ()
    posts: tuple[Post, ...] = ()
    events: tuple[UpdateEvent, ...] = ()
