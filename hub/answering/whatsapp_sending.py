"""What every kind of WhatsApp message the hub sends shares: the 24-hour window, the template
outside it, the hub's key on each message, and finding a message whose answer was lost.

- **Window.** Free text may go to a citizen only within 24 hours of their last message to that
  number (`whatsapp_bursts.last_at`); after that only an approved template
  (``complaint_status_update``: the reference and the text) may. The choice is made at send
  time; if WhatsApp still says the window closed (131047, clocks differ), the template goes in
  the same call, since 131047 proves nothing was sent.
- **Key.** Each message carries the hub's own key (``reply-12``, ``message-34``) as
  ``biz_opaque_callback_data``; WhatsApp echoes it on the message's status webhooks.
- **Lost answers.** The Cloud API has no listing of sent messages: a message whose answer never
  came is found by its key among the statuses received (`whatsapp_statuses`). One not found
  once `STATUS_GRACE` has passed is flagged for a person, never sent again blind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.delivery.engine import Listing, UnconfirmedItem
from hub.errors import NotSupported, WindowClosed
from hub.i18n import N_
from hub.platforms.base import (
    Channel,
    OutgoingMessage,
    Platform,
    PublishedPost,
    SendsMessages,
    TemplateMessage,
)
from hub.store import Store

WINDOW = timedelta(hours=24)
# How long a message whose answer was lost waits for its status webhook before a person looks.
STATUS_GRACE = timedelta(minutes=2)
# WhatsApp refuses a template parameter longer than this.
TEMPLATE_PARAMETER_CHARS = 1024


@dataclass(frozen=True)
class WhatsAppOutgoing:
    """One message to one citizen, as a kind hands it to `send_on_whatsapp`."""

    key: str
    to: str
    channel: str
    text: str
    language: str
    # The citizen's last message to the number (None: unknown, so the window is closed).
    last_inbound_at: datetime | None
    context_id: str | None = None
    # The reference the template names when the window is closed.
    reference: str = ""


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether free text may still go to the citizen (24 hours since they last wrote)."""
    return last_inbound_at is not None and now - last_inbound_at < WINDOW


def send_on_whatsapp(
    adapter: Channel, message: WhatsAppOutgoing, *, template_name: str, now: datetime
) -> PublishedPost:
    """Send `message` as free text inside the window, else as the approved template."""
    if not isinstance(adapter, SendsMessages):
        raise NotSupported(N_("this account cannot send WhatsApp messages"))
    text = OutgoingMessage(
        to=message.to,
        from_number=message.channel,
        key=message.key,
        text=message.text,
        context_id=message.context_id,
    )
    if window_open(message.last_inbound_at, now):
        try:
            return adapter.send_message(text)
        except WindowClosed:
            pass  # nothing was sent: the template goes instead
    template = TemplateMessage(
        template_name,
        message.language,
        (message.reference or "-", _parameter(message.text)),
    )
    return adapter.send_message(
        OutgoingMessage(
            to=message.to, from_number=message.channel, key=message.key, template=template
        )
    )


def _parameter(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= TEMPLATE_PARAMETER_CHARS:
        return flat
    return flat[: TEMPLATE_PARAMETER_CHARS - 1] + "…"


def found_by_key(
    store: Store,
    items: list[UnconfirmedItem],
    key_of: dict[int, str],
    now: datetime,
    grace: timedelta = STATUS_GRACE,
) -> Iterable[Listing]:
    """The statuses received for these items' keys, as the engine's listings.

    An item whose key came back on a status is found (its candidate carries the item's own
    text, so the engine's text match is the key match); one still inside `STATUS_GRACE` is
    left for a later cycle; the rest are listed as not findable, for a person.
    """
    keys = [key_of[item.id] for item in items]
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT callback, message_id, min(occurred_at) FROM whatsapp_statuses"
            " WHERE list_contains($keys, callback) GROUP BY callback, message_id",
            {"keys": keys},
        ).fetchall()
    seen = {row[0]: (row[1], row[2]) for row in rows}
    short = []
    for item in items:
        hit = seen.get(key_of[item.id])
        if hit is not None:
            post = PublishedPost(Platform.WHATSAPP, hit[0], "", hit[1], text=item.text)
            yield Listing([item], [post], True)
        elif item.last_started is None or now - item.last_started >= grace:
            short.append(item)
    if short:
        yield Listing(
            short,
            [],
            False,
            "no delivery status came back for it: ask the citizen whether it arrived",
        )


__all__ = [
    "STATUS_GRACE",
    "WINDOW",
    "WhatsAppOutgoing",
    "found_by_key",
    "send_on_whatsapp",
    "window_open",
]
