"""The kinds of outgoing item the delivery engine knows: where each keeps its rows and how
its items are named to people. Declared here, beside the engine that writes those columns;
each kind's behaviour (what is due, how it is sent, what counts as already there) stays with
its room (`hub.publishing.publisher.PostDelivery`, `hub.answering.replies.ReplyDelivery`).
"""

from __future__ import annotations

from hub.delivery.engine import KindWords, Outbox

POSTS_OUTBOX = Outbox(
    table="posts",
    attempts_table="publish_attempts",
    item_column="post_id",
    platform_id_column="platform_post_id",
    delivered_at_column="published_at",
    delivered_status="published",
    in_flight_status="publishing",
    waiting_status="scheduled",
    claimed_by_column="claimed_by",
)
POST_WORDS = KindWords(
    noun="post",
    where_to_check="the page",
    not_found_where="among the account's recent posts",
    stopped_reason="the publisher stopped during the attempt",
)

REPLIES_OUTBOX = Outbox(
    table="replies",
    attempts_table="reply_attempts",
    item_column="reply_id",
    platform_id_column="platform_reply_id",
    delivered_at_column="sent_at",
    delivered_status="sent",
    in_flight_status="sending",
    waiting_status="queued",
)
REPLY_WORDS = KindWords(
    noun="reply",
    where_to_check="the thread",
    not_found_where="in the thread",
    stopped_reason="the sender stopped during the attempt",
)

WHATSAPP_OUTBOX = Outbox(
    table="whatsapp_messages",
    attempts_table="whatsapp_message_attempts",
    item_column="message_id",
    platform_id_column="platform_message_id",
    delivered_at_column="sent_at",
    delivered_status="sent",
    in_flight_status="sending",
    waiting_status="queued",
)
WHATSAPP_WORDS = KindWords(
    noun="WhatsApp message",
    where_to_check="with the citizen",
    not_found_where="among the delivery statuses received",
    stopped_reason="the WhatsApp desk stopped during the attempt",
)

NOTICE_OUTBOX = Outbox(
    table="notice_messages",
    attempts_table="notice_message_attempts",
    item_column="message_id",
    platform_id_column="platform_message_id",
    delivered_at_column="sent_at",
    delivered_status="sent",
    in_flight_status="sending",
    waiting_status="queued",
)
NOTICE_WORDS = KindWords(
    noun="notice message",
    where_to_check="with the subscriber",
    not_found_where="among the delivery statuses received",
    stopped_reason="the notice sender stopped during the attempt",
)


__all__ = [
    "NOTICE_OUTBOX",
    "NOTICE_WORDS",
    "POSTS_OUTBOX",
    "POST_WORDS",
    "REPLIES_OUTBOX",
    "REPLY_WORDS",
    "WHATSAPP_OUTBOX",
    "WHATSAPP_WORDS",
]
