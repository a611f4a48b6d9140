"""The WhatsApp Cloud API webhook's payload, read into the hub's own values.

The WhatsApp half of the platform port, as `facebook_webhook` is Facebook's: which messages
and delivery statuses a ``whatsapp_business_account`` delivery carries, each as a frozen
value. The inbox (`hub.inbox.whatsapp`) checks the signature and limits, then stores them.

Meta sends messages at least once and statuses late, out of order and more than once; this
module only reads, and the inbox stores each once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.i18n import N_
from hub.platforms.base import Interaction, InteractionKind, Platform
from hub.platforms.facebook_webhook import InvalidWebhook
from hub.platforms.whatsapp import MAX_TEXT_CHARS, parse_timestamp

log = logging.getLogger(__name__)

# Message types that carry a file to download.
MEDIA_TYPES = ("image", "audio", "document", "video", "sticker")
# Each kind as people read it (a catalogue word: the ticket page and its history translate it).
MEDIA_KIND_WORDS = {
    "image": N_("image"),
    "audio": N_("audio"),
    "document": N_("document"),
    "video": N_("video"),
    "sticker": N_("sticker"),
}
# Delivery statuses, in the order a message goes through them ("failed" ends it anywhere).
STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


@dataclass(frozen=True)
class InboundAttachment:
    """A file a citizen sent: to be downloaded at once (its address expires in minutes)."""

    kind: str  # image, audio, document, video, sticker
    media_id: str
    mime_type: str
    sha256: str | None
    filename: str | None = None
    voice: bool = False


@dataclass(frozen=True)
class InboundMessage:
    """One message a citizen sent to one of the city's numbers.

    `interaction.thread_id` is empty: the inbox decides which burst the message belongs to.
    `unsupported` says why a message the hub cannot read (a poll, an unknown type) was kept
    as a note rather than lost.
    """

    interaction: Interaction
    phone_number_id: str
    message_type: str
    attachment: InboundAttachment | None = None
    latitude: float | None = None
    longitude: float | None = None
    unsupported: str | None = None


@dataclass(frozen=True)
class DeliveryStatus:
    """What became of a message the city sent: sent, delivered, read or failed."""

    message_id: str
    status: str
    at: datetime
    recipient: str
    phone_number_id: str
    # The hub's own key, echoed back (`OutgoingMessage.key`): finds an answer lost on the way.
    callback: str | None
    errors: tuple[str, ...] = ()
    error_codes: tuple[int, ...] = ()


@dataclass(frozen=True)
class WhatsAppDelivery:
    """What one webhook delivery says."""

    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[DeliveryStatus] = field(default_factory=list)
    ignored: int = 0


def read_delivery(payload: Mapping[str, Any], phone_number_ids: set[str]) -> WhatsAppDelivery:
    """The messages and statuses of a ``whatsapp_business_account`` delivery for the city's
    numbers (`phone_number_ids`); other fields and other numbers are counted as ignored.

    Raises `InvalidWebhook` when the delivery's structure is not the Cloud API's.
    """
    if payload.get("object") != "whatsapp_business_account":
        raise InvalidWebhook("not a WhatsApp Business Account event")
    messages: list[InboundMessage] = []
    statuses: list[DeliveryStatus] = []
    ignored = 0
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            raise InvalidWebhook("an entry is not an object")
        changes = entry.get("changes") or []
        if not isinstance(changes, list):
            raise InvalidWebhook("an entry's changes are not a list")
        for change in changes:
            if not isinstance(change, dict) or change.get("field") != "messages":
                ignored += 1
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                raise InvalidWebhook("a change's value is not an object")
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            number = str(metadata.get("phone_number_id") or "")
            if number not in phone_number_ids:
                ignored += 1
                continue
            names = _contact_names(value.get("contacts"))
            for item in _objects(value.get("messages"), "messages"):
                message = _message(item, number, names)
                if message is None:
                    ignored += 1
                else:
                    messages.append(message)
            for item in _objects(value.get("statuses"), "statuses"):
                status = _status(item, number)
                if status is None:
                    ignored += 1
                else:
                    statuses.append(status)
    return WhatsAppDelivery(messages, statuses, ignored)


def _objects(value: Any, what: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidWebhook(f"a change's {what} are not a list of objects")
    return value


def _contact_names(contacts: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, dict) and contact.get("wa_id"):
            profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
            names[str(contact["wa_id"])] = str(profile.get("name") or "")
    return names


def _message(item: dict[str, Any], number: str, names: dict[str, str]) -> InboundMessage | None:
    message_id, sender = item.get("id"), item.get("from")
    created = parse_timestamp(item.get("timestamp"))
    if not message_id or not sender or created is None:
        return None
    kind = str(item.get("type") or "unknown")
    body = item.get(kind) if isinstance(item.get(kind), dict) else {}
    text, attachment, unsupported = "", None, None
    latitude = longitude = None
    if kind == "text":
        text = str(body.get("body") or "")
    elif kind in MEDIA_TYPES:
        text = str(body.get("caption") or "")
        if body.get("id"):
            attachment = InboundAttachment(
                kind=kind,
                media_id=str(body["id"])[:200],
                mime_type=str(body.get("mime_type") or "")[:200],
                sha256=str(body["sha256"])[:200] if body.get("sha256") else None,
                filename=str(body["filename"])[:200] if body.get("filename") else None,
                voice=bool(body.get("voice")),
            )
        else:
            unsupported = f"a {kind} without a media id"
    elif kind == "location":
        latitude, longitude = _coordinate(body.get("latitude")), _coordinate(body.get("longitude"))
        text = " ".join(str(body.get(k) or "") for k in ("name", "address")).strip()
        if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
            latitude = longitude = None
            unsupported = "a location without valid coordinates"
    elif kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        text = str(reply.get("title") or "") if isinstance(reply, dict) else ""
    elif kind == "button":
        text = str(body.get("text") or "")
    else:
        errors = item.get("errors") if isinstance(item.get("errors"), list) else []
        said = "; ".join(
            str(e.get("title") or e.get("message") or "") for e in errors if isinstance(e, dict)
        )
        unsupported = f"a message of type {kind!r} the hub cannot read" + (
            f" ({said})" if said else ""
        )
    raw = dict(item)
    if len(text) > MAX_TEXT_CHARS:
        note = f"cut by the hub: {len(text)} characters received, WhatsApp allows {MAX_TEXT_CHARS}"
        log.warning("WhatsApp message %s: %s", message_id, note)
        text = text[:MAX_TEXT_CHARS]
        raw["hub_note"] = note
        raw.pop(kind, None)
    context = item.get("context") if isinstance(item.get("context"), dict) else {}
    sender = str(sender)[:64]
    interaction = Interaction(
        platform=Platform.WHATSAPP,
        platform_id=str(message_id)[:200],
        kind=InteractionKind.MESSAGE,
        thread_id="",
        parent_id=str(context["id"])[:200] if context.get("id") else None,
        author_id=sender,
        author_name=names.get(sender, "")[:200],
        text=text,
        created_at=created,
        raw=raw,
    )
    return InboundMessage(
        interaction=interaction,
        phone_number_id=number,
        message_type=kind,
        attachment=attachment,
        latitude=latitude,
        longitude=longitude,
        unsupported=unsupported,
    )


def _status(item: dict[str, Any], number: str) -> DeliveryStatus | None:
    message_id, status = item.get("id"), item.get("status")
    at = parse_timestamp(item.get("timestamp"))
    if not message_id or status not in STATUS_ORDER or at is None:
        return None
    errors = item.get("errors") if isinstance(item.get("errors"), list) else []
    said, codes = [], []
    for error in errors:
        if isinstance(error, dict):
            said.append(str(error.get("title") or error.get("message") or "")[:300])
            code = error.get("code")
            if isinstance(code, int):
                codes.append(code)
    callback = item.get("biz_opaque_callback_data")
    return DeliveryStatus(
        message_id=str(message_id)[:200],
        status=str(status),
        at=at,
        recipient=str(item.get("recipient_id") or "")[:64],
        phone_number_id=number,
        callback=str(callback)[:512] if callback else None,
        errors=tuple(said),
        error_codes=tuple(codes),
    )


def _coordinate(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no place


__all__ = [
    "MEDIA_TYPES",
    "STATUS_ORDER",
    "DeliveryStatus",
    "InboundAttachment",
    "InboundMessage",
    "WhatsAppDelivery",
    "read_delivery",
]
