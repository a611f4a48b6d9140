"""The adapters' page parsers (what the pull does with each fetched page) and their times."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.platforms.base import InteractionKind, Platform
from hub.platforms.facebook import comments_from_page, parse_graph_time
from hub.platforms.x import mentions_from_page
from hub.text import nfc

PAGE_ID = "1000000000000001"
POST_ID = f"{PAGE_ID}_7"
CITY_X = "1500000000000000001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20T10:15:00+0000", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-11-20T10:15:00+00:00", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-11-20T10:15:00Z", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-11-20T15:45:00+0530", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-11-20T03:15:00-0700", datetime(2026, 11, 20, 10, 15, tzinfo=UTC)),
        ("2026-12-31T23:59:59+0000", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_graph_times_give_the_same_utc_instant_as_strptime(text, expected):
    parsed = parse_graph_time(text)
    assert parsed == expected and parsed.tzinfo == UTC
    # The format the adapter parsed with before: the same instant, to the microsecond.
    assert parsed == datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def test_a_graph_time_without_an_offset_is_refused():
    # A naive time would otherwise be read as the server's local time.
    with pytest.raises(ValueError):
        parse_graph_time("2026-11-20T10:15:00")
    with pytest.raises(ValueError):
        parse_graph_time("not a time")


def _comment(number: int, seconds: int, **extra) -> dict:
    return {
        "id": f"7_{number}",
        "message": extra.pop("message", f"Drain blocked near house {number}"),
        "created_time": (datetime(2026, 5, 1, 9, tzinfo=UTC) + timedelta(seconds=seconds))
        .astimezone(timezone(timedelta(hours=5, minutes=30)))
        .strftime("%Y-%m-%dT%H:%M:%S%z"),
        "from": extra.pop("author", {"id": "2000000000000001", "name": "Citizen"}),
        **extra,
    }


def test_a_comments_page_becomes_comments_and_replies_with_utc_times():
    page = {
        "data": [
            _comment(1, 0),
            _comment(2, 5, parent={"id": "7_1"}, message="জল নেই"),
            _comment(3, 9, parent={"id": "7_1"}, author={"id": PAGE_ID, "name": "KMC"}),
        ],
        "paging": {"cursors": {"before": "a", "after": "b"}},
    }
    seen: dict[str, int] = {}
    found, newest = comments_from_page(POST_ID, page, page_id=PAGE_ID, include_own=False, seen=seen)
    assert [i.platform_id for i in found] == ["7_1", "7_2"]
    assert [i.kind for i in found] == [InteractionKind.COMMENT, InteractionKind.REPLY]
    assert [i.parent_id for i in found] == [POST_ID, "7_1"]
    assert found[0].platform == Platform.FACEBOOK and found[0].thread_id == POST_ID
    assert found[1].created_at == datetime(2026, 5, 1, 9, 0, 5, tzinfo=UTC)
    assert found[1].created_at.tzinfo == UTC
    assert found[0].raw is page["data"][0]
    start = int(datetime(2026, 5, 1, 9, tzinfo=UTC).timestamp())
    # The Page's own reply is left out but still seen: it moves the watermark.
    assert seen == {"7_1": start, "7_2": start + 5, "7_3": start + 9} and newest == start + 9
    again, newest_again = comments_from_page(
        POST_ID, page, page_id=PAGE_ID, include_own=True, seen=seen
    )
    assert again == [] and newest_again == 0, "comments already seen are skipped"
    own, _ = comments_from_page(POST_ID, page, page_id=PAGE_ID, include_own=True, seen={})
    assert [i.platform_id for i in own] == ["7_1", "7_2", "7_3"]


def test_a_mentions_page_becomes_mentions_and_replies_without_the_citys_own():
    page = {
        "data": [
            {
                "id": "1900000000000000003",
                "text": "@KolkataMCorp still no water",
                "author_id": "11",
                "created_at": "2026-05-01T12:34:56.789Z",
                "conversation_id": "1900000000000000001",
                "in_reply_to_user_id": CITY_X,
                "referenced_tweets": [{"type": "replied_to", "id": "1900000000000000001"}],
            },
            {"id": "1900000000000000002", "text": "our post", "author_id": CITY_X},
            {
                "id": "1900000000000000004",
                "text": "@KolkataMCorp garbage",
                "author_id": "12",
                "created_at": "2026-05-01T12:35:00Z",
            },
        ],
        "includes": {"users": [{"id": "11", "name": "Rina", "username": "rina"}]},
        "meta": {"result_count": 3},
    }
    found = mentions_from_page(page, CITY_X)
    assert [i.platform_id for i in found] == ["1900000000000000003", "1900000000000000004"]
    reply, mention = found
    assert reply.kind == InteractionKind.REPLY and reply.parent_id == "1900000000000000001"
    assert reply.author_name == "Rina" and reply.thread_id == "1900000000000000001"
    assert reply.created_at == datetime(2026, 5, 1, 12, 34, 56, 789000, tzinfo=UTC)
    assert mention.kind == InteractionKind.MENTION and mention.author_name == "12"
    assert mention.thread_id == mention.platform_id and mention.parent_id is None
    assert mention.raw == {"tweet": page["data"][2], "author": {}}


@pytest.mark.parametrize(
    "text",
    ["Drain blocked, ward 65", "", "জল আসেনি কে\u09c7\u09be", "Cafe\u0301 ok", "ওয়ার্ড ৬৫ 🙏"],
)
def test_nfc_is_unicodedatas_nfc(text):
    assert nfc(text) == unicodedata.normalize("NFC", text)
