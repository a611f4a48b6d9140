"""The Graph ``feed`` webhook's payload, read as the Facebook adapter reads Graph's answers.

The Facebook half of the platform port: which changes of a delivery are about the Page, and a
comment change as an `Interaction`. The inbox (`hub.inbox.webhooks`) checks the signature and
limits, then stores what this module reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from hub.platforms.base import Interaction, InteractionKind, Platform

log = logging.getLogger(__name__)

# Graph refuses a comment longer than this, so a longer one in a delivery is cut.
FACEBOOK_MAX_COMMENT_CHARS = 8000


class InvalidWebhook(ValueError):
    """A signed delivery whose content is not a Graph ``feed`` event the hub can read."""


def feed_changes(entries: list[Any], page_id: str) -> Iterable[dict[str, Any]]:
    """The `feed` change values of the entries about the city's Page.

    Raises `InvalidWebhook` when an entry's ``changes`` is not a list of objects.
    """
    for entry in entries:
        if not isinstance(entry, dict) or (page_id and str(entry.get("id")) != page_id):
            continue
        changes = entry.get("changes") or []
        if not isinstance(changes, list):
            raise InvalidWebhook("an entry's changes are not a list")
        for change in changes:
            if isinstance(change, dict) and change.get("field") == "feed":
                value = change.get("value")
                if isinstance(value, dict):
                    yield value


def comment_from_webhook(value: Mapping[str, Any]) -> Interaction | None:
    """A Graph ``feed`` comment change as an `Interaction`, or None when it lacks the essentials.

    ``created_time`` is epoch seconds; ``post_id`` is the thread. Graph sets ``parent_id`` to
    the post itself for a top-level comment, so only a parent other than the post makes a reply.
    A message longer than Facebook allows (`FACEBOOK_MAX_COMMENT_CHARS`) is cut to that length,
    in the text and in the raw payload kept, with a note saying so.
    """
    comment_id, post_id = value.get("comment_id"), value.get("post_id")
    created = value.get("created_time")
    if not comment_id or not post_id or created is None:
        return None
    try:
        created_at = datetime.fromtimestamp(int(created), UTC)
    except (TypeError, ValueError, OverflowError):
        return None
    parent_id = str(value.get("parent_id") or post_id)
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    text = str(value.get("message") or "")
    raw = dict(value)
    if len(text) > FACEBOOK_MAX_COMMENT_CHARS:
        note = (
            f"cut by the hub: {len(text)} characters received, Facebook allows "
            f"{FACEBOOK_MAX_COMMENT_CHARS}"
        )
        log.warning("webhook comment %s: %s", comment_id, note)
        text = text[:FACEBOOK_MAX_COMMENT_CHARS]
        raw["message"] = text
        raw["hub_note"] = note
    return Interaction(
        platform=Platform.FACEBOOK,
        platform_id=str(comment_id)[:200],
        kind=InteractionKind.COMMENT if parent_id == str(post_id) else InteractionKind.REPLY,
        thread_id=str(post_id)[:200],
        parent_id=parent_id[:200],
        author_id=str(author.get("id", ""))[:200],
        author_name=str(author.get("name", ""))[:500],
        text=text,
        created_at=created_at,
        raw=raw,
    )


__all__ = ["FACEBOOK_MAX_COMMENT_CHARS", "InvalidWebhook", "comment_from_webhook", "feed_changes"]
