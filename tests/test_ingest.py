"""InteractionStore on a real DuckDB file: stored once, in bulk, with edits and hides recorded."""

from __future__ import annotations

import json
import threading
import time
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from hub.inbox.interactions import InteractionStore, StoringBehind
from hub.platforms.base import Interaction, InteractionKind, Platform

PAGE_ID = "1000000000000001"
POST_ID = f"{PAGE_ID}_122100000000000001"
START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def comment(number: int, text: str = "", **changes) -> Interaction:
    """A Facebook comment shaped as the adapter returns it."""
    platform_id = f"122100000000000001_{number}"
    raw = {
        "id": platform_id,
        "message": text or f"Drain blocked near house {number}",
        "created_time": (START + timedelta(seconds=number)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "from": {"id": f"2{number:015d}", "name": "Citizen"},
    }
    values = {
        "platform": Platform.FACEBOOK,
        "platform_id": platform_id,
        "kind": InteractionKind.COMMENT,
        "thread_id": POST_ID,
        "parent_id": POST_ID,
        "author_id": raw["from"]["id"],
        "author_name": "Citizen",
        "text": raw["message"],
        "created_at": START + timedelta(seconds=number),
        "permalink": f"https://www.facebook.com/{PAGE_ID}/posts/1?comment_id={number}",
        "raw": raw,
    }
    values.update(changes)
    return Interaction(**values)


@pytest.fixture
def interactions(hub) -> InteractionStore:
    return InteractionStore(hub.store, city_author_ids={Platform.FACEBOOK: PAGE_ID})


def rows(hub, where: str = "TRUE", params: list | None = None) -> list[tuple]:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT platform_id, kind, thread_id, parent_id, author_id, text, from_city,"
            f" is_hidden, edited_at, deleted_at, source FROM interactions WHERE {where}"
            " ORDER BY id",
            params or [],
        ).fetchall()


def changes(hub) -> list[tuple]:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT i.platform_id, c.change, c.old_text, c.new_text, c.source"
            " FROM interaction_changes c JOIN interactions i ON i.id = c.interaction_id"
            " ORDER BY c.id"
        ).fetchall()


def test_a_batch_is_stored_once_with_its_fields(hub, interactions):
    batch = [comment(1), comment(2, parent_id="122100000000000001_1", kind=InteractionKind.REPLY)]
    result = interactions.store_batch(batch, "poll")
    assert len(result.new) == 2 and (result.edited, result.unchanged) == (0, 0)
    stored = rows(hub)
    assert [r[0] for r in stored] == ["122100000000000001_1", "122100000000000001_2"]
    assert stored[1][1:4] == ("reply", POST_ID, "122100000000000001_1")
    assert stored[0][10] == "poll"
    with hub.store.cursor() as cur:
        raw, created = cur.execute(
            "SELECT raw->>'$.from.id', created_at FROM interactions WHERE id = ?",
            [result.new[0]],
        ).fetchone()
    assert raw == batch[0].author_id and created == START + timedelta(seconds=1)


def test_the_same_batch_again_stores_nothing(hub, interactions):
    batch = [comment(n) for n in range(1, 6)]
    first = interactions.store_batch(batch, "poll")
    again = interactions.store_batch(batch, "webhook")
    assert len(first.new) == 5
    assert again.new == () and again.unchanged == 5 and again.edited == 0
    assert len(rows(hub)) == 5 and {r[10] for r in rows(hub)} == {"poll"}
    assert changes(hub) == []


def test_a_repeat_inside_one_batch_is_stored_once_as_its_last_version(hub, interactions):
    result = interactions.store_batch([comment(1, "first"), comment(1, "second")], "poll")
    assert len(result.new) == 1
    assert rows(hub)[0][5] == "second"


def test_an_edit_is_recorded_with_old_and_new_text(hub, interactions):
    interactions.store_batch([comment(1, "Water supply cut since morning")], "poll")
    result = interactions.store_batch(
        [comment(1, "Water supply cut since morning in ward 12"), comment(2)], "webhook"
    )
    assert (len(result.new), result.edited, result.unchanged) == (1, 1, 0)
    assert changes(hub) == [
        (
            "122100000000000001_1",
            "edit",
            "Water supply cut since morning",
            "Water supply cut since morning in ward 12",
            "webhook",
        )
    ]
    edited = rows(hub, "platform_id = ?", ["122100000000000001_1"])[0]
    assert edited[5] == "Water supply cut since morning in ward 12" and edited[8] is not None
    with hub.store.cursor() as cur:
        raw_text = cur.execute(
            "SELECT raw->>'$.message' FROM interactions WHERE platform_id = ?",
            ["122100000000000001_1"],
        ).fetchone()[0]
    assert raw_text == "Water supply cut since morning in ward 12"


def test_text_is_stored_nfc_normalised(hub, interactions):
    decomposed = unicodedata.normalize("NFD", "জল নেই, Café")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    interactions.store_batch([comment(1, decomposed, author_name=decomposed)], "poll")
    stored = rows(hub)[0][5]
    assert stored == unicodedata.normalize("NFC", decomposed)
    again = interactions.store_batch([comment(1, decomposed)], "poll")
    assert again.edited == 0, "the same text in another normal form is not an edit"


def test_a_raw_payload_orjson_refuses_is_still_kept_whole(hub, interactions):
    # orjson refuses integers beyond 64 bits and keys that are not strings; json takes both.
    odd = comment(1)
    raw = {**odd.raw, "big": 2**70, "counts": {7: "seven"}, "মন্তব্য": "জল নেই"}
    interactions.store_batch([replace(odd, raw=raw)], "poll")
    with hub.store.cursor() as cur:
        stored = cur.execute("SELECT raw::VARCHAR FROM interactions").fetchone()[0]
    expected = {**odd.raw, "big": 2**70, "counts": {"7": "seven"}, "মন্তব্য": "জল নেই"}
    assert json.loads(stored) == expected
    assert "জল নেই" in stored, "Bengali is kept as it is, not escaped"


def test_hides_and_unhides_are_recorded(hub, interactions):
    interactions.store_batch([comment(1), comment(2)], "poll")
    hidden = interactions.store_batch([comment(1, is_hidden=True), comment(2)], "poll")
    assert hidden.hidden_changes == 1 and hidden.unchanged == 1
    assert interactions.set_hidden(Platform.FACEBOOK, ["122100000000000001_1"], False, "webhook")
    assert interactions.set_hidden(Platform.FACEBOOK, ["122100000000000001_1"], False, "poll") == ()
    assert [c[1] for c in changes(hub)] == ["hide", "unhide"]
    assert rows(hub, "platform_id = ?", ["122100000000000001_1"])[0][7] is False


def test_deletions_are_marked_once_with_the_last_text(hub, interactions):
    interactions.store_batch([comment(1, "Garbage not collected"), comment(2)], "poll")
    marked = interactions.mark_deleted(Platform.FACEBOOK, ["122100000000000001_1", "nope"], "poll")
    assert len(marked) == 1
    assert interactions.mark_deleted(Platform.FACEBOOK, ["122100000000000001_1"], "poll") == ()
    assert changes(hub) == [
        ("122100000000000001_1", "delete", "Garbage not collected", None, "poll")
    ]
    assert rows(hub, "deleted_at IS NOT NULL")[0][0] == "122100000000000001_1"


def test_the_citys_own_reply_is_marked_from_city(hub, interactions):
    reply = comment(
        2,
        "Thank you, reference KMC-1 is with the water department.",
        kind=InteractionKind.REPLY,
        parent_id="122100000000000001_1",
        author_id=PAGE_ID,
        author_name="Kolkata Municipal Corporation",
    )
    interactions.store_batch([comment(1), reply], "poll")
    assert [r[6] for r in rows(hub)] == [False, True]


def test_an_unknown_source_is_refused(interactions):
    with pytest.raises(ValueError):
        interactions.store_batch([comment(1)], "guess")


def test_ten_thousand_rows_are_stored_in_one_go(hub, interactions):
    batch = [comment(n) for n in range(10_000)]
    started = time.perf_counter()
    result = interactions.store_batch(batch, "poll")
    elapsed = time.perf_counter() - started
    print(f"\nstored 10,000 interactions in {elapsed:.3f} s ({10_000 / elapsed:,.0f} per second)")
    assert len(result.new) == 10_000
    started = time.perf_counter()
    again = interactions.store_batch([replace(i, text=i.text + "!") for i in batch[:100]], "poll")
    print(f"re-stored 100 edited in {time.perf_counter() - started:.3f} s")
    assert again.edited == 100
    with hub.store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM interactions").fetchone()[0] == 10_000


def test_a_batch_partly_stored_inserts_the_rest_and_records_the_changes(hub, interactions):
    # The all-new insert fails on the stored rows; the whole batch must still be handled.
    interactions.store_batch([comment(2, "old text"), comment(4)], "poll")
    batch = [comment(1), comment(2, "new text"), comment(3), comment(4, is_hidden=True)]
    result = interactions.store_batch(batch, "webhook")
    assert (len(result.new), result.edited, result.hidden_changes, result.unchanged) == (
        2,
        1,
        1,
        0,
    )
    with hub.store.cursor() as cur:
        new_ids = cur.execute(
            "SELECT id FROM interactions WHERE platform_id IN (?, ?) ORDER BY id",
            ["122100000000000001_1", "122100000000000001_3"],
        ).fetchall()
    assert result.new == tuple(row[0] for row in new_ids)
    assert [c[1] for c in changes(hub)] == ["edit", "hide"]
    assert [r[0][-1] for r in rows(hub)] == ["2", "4", "1", "3"]
    assert {r[0]: r[10] for r in rows(hub)}["122100000000000001_1"] == "webhook"


def test_a_permalink_learnt_later_is_kept_without_counting_a_change(hub, interactions):
    interactions.store_batch([comment(1, permalink="")], "webhook")
    result = interactions.store_batch([comment(1)], "poll")
    assert (result.new, result.edited, result.unchanged) == ((), 0, 1)
    with hub.store.cursor() as cur:
        permalink = cur.execute("SELECT permalink FROM interactions").fetchone()[0]
    assert permalink.endswith("comment_id=1") and changes(hub) == []


def test_a_batch_with_an_invalid_row_stores_nothing(hub, interactions):
    interactions.store_batch([comment(1)], "poll")
    with pytest.raises(duckdb.ConstraintException):
        interactions.store_batch([comment(2), comment(3, kind="bogus")], "poll")
    with pytest.raises(duckdb.ConstraintException):
        interactions.store_batch([comment(1, "edited"), comment(3, kind="bogus")], "poll")
    assert [r[0] for r in rows(hub)] == ["122100000000000001_1"] and changes(hub) == []


# -- storing behind the reading ------------------------------------------------------------


def test_storing_behind_runs_work_in_order_on_another_thread_while_the_caller_reads():
    done: list[int] = []
    threads: set[int] = set()
    released = threading.Event()

    def work(number: int) -> None:
        threads.add(threading.get_ident())
        if number == 0:
            # Only returns once the caller, not blocked by this work, says so.
            assert released.wait(10), "submit waited for the work it started"
        done.append(number)

    with StoringBehind() as storing:
        storing.submit(lambda: work(0))
        released.set()  # reached while work 0 is still running
        for number in (1, 2):
            storing.submit(lambda n=number: work(n))
    assert done == [0, 1, 2]
    assert threads and threading.get_ident() not in threads


def test_storing_behind_raises_a_failed_work_at_the_next_submit_and_runs_no_more():
    ran: list[str] = []

    def fail() -> None:
        raise duckdb.IOException("disk full")

    with pytest.raises(duckdb.IOException, match="disk full"), StoringBehind() as storing:
        storing.submit(fail)
        storing.submit(lambda: ran.append("after"))
    assert ran == []


def test_a_reading_failure_still_lets_the_work_in_progress_finish():
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        finished.set()

    with pytest.raises(RuntimeError, match="reading failed"), StoringBehind() as storing:
        storing.submit(slow)
        raise RuntimeError("reading failed")
    assert finished.is_set(), "what was read before the failure is stored"


def test_bidirectional_controls_are_stored_as_visible_tags(hub, interactions):
    # "photo<RLO>gnp.exe" is drawn as "photoexe.png": the hub shows the control instead.
    disguised = "See photo\u202egnp.exe \u2067ward\u2069"
    interactions.store_batch([comment(1, disguised, author_name="Ra\u202ejib")], "poll")
    stored = rows(hub)[0]
    assert stored[5] == "See photo[RLO]gnp.exe [RLI]ward[PDI]"
    with hub.store.cursor() as cur:
        raw_text, name = cur.execute(
            "SELECT raw->>'$.message', author_name FROM interactions"
        ).fetchone()
    assert raw_text == disguised, "the platform's payload keeps the original as evidence"
    assert name == "Ra[RLO]jib"
    bengali = "জল নেই\u200c, ক্\u200dষ \u200fok\u200e"
    interactions.store_batch([comment(2, bengali)], "poll")
    assert rows(hub, "platform_id = ?", [comment(2).platform_id])[0][5] == bengali
