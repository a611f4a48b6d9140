"""The WhatsApp route's journal: what is kept survives a reopen, is forgotten only up to what
was moved in, and a journal left by an earlier version (DuckDB) is moved in, not lost."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import duckdb
import pytest

from hub.errors import StoreError
from hub.inbox.journal import DeliveryJournal

AT = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)


def test_kept_deliveries_come_back_oldest_first_after_a_reopen(tmp_path):
    path = tmp_path / "whatsapp-journal.sqlite"
    journal = DeliveryJournal(path)
    journal.append(["one", "দুই"], AT)
    journal.append(["three"], AT)
    journal.close()

    reopened = DeliveryJournal(path)
    assert [body for _, body in reopened.oldest(10)] == ["one", "দুই", "three"]
    assert reopened.waiting() == 3
    reopened.close()


def test_forgetting_drops_only_what_was_read(tmp_path):
    journal = DeliveryJournal(tmp_path / "j.sqlite")
    journal.append([f"d{i}" for i in range(5)], AT)
    read = journal.oldest(3)
    journal.append(["late"], AT)  # kept while the first three were being moved in
    journal.forget_through(read[-1][0])
    assert [body for _, body in journal.oldest(10)] == ["d3", "d4", "late"]
    # Ids are not reused once forgotten: a later read never overlaps an earlier one.
    journal.forget_through(journal.oldest(10)[-1][0])
    journal.append(["next"], AT)
    assert journal.oldest(1)[0][0] > read[-1][0] + 3
    journal.close()


def test_a_commit_is_durable_in_the_file_before_append_returns(tmp_path):
    # Another connection (another process would see the same) reads it at once.
    path = tmp_path / "j.sqlite"
    journal = DeliveryJournal(path)
    journal.append(["kept"], AT)
    other = sqlite3.connect(path)
    assert other.execute("SELECT body, received_at FROM deliveries").fetchall() == [
        ("kept", AT.isoformat())
    ]
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()
    journal.close()


def test_an_earlier_versions_duckdb_journal_is_moved_in_once(tmp_path):
    old = tmp_path / "whatsapp-journal.duckdb"
    db = duckdb.connect(str(old))
    db.execute("CREATE SEQUENCE journal_id START 1")
    db.execute(
        "CREATE TABLE deliveries (id BIGINT NOT NULL DEFAULT nextval('journal_id'),"
        " body VARCHAR NOT NULL, received_at TIMESTAMPTZ NOT NULL)"
    )
    db.execute(
        "INSERT INTO deliveries (body, received_at) VALUES ('first', ?), ('second', ?)",
        [AT, AT],
    )
    db.close()

    journal = DeliveryJournal(tmp_path / "whatsapp-journal.sqlite")
    assert [body for _, body in journal.oldest(10)] == ["first", "second"]
    assert not old.exists()
    journal.close()
    again = DeliveryJournal(tmp_path / "whatsapp-journal.sqlite")
    assert again.waiting() == 2
    again.close()


def test_an_unreadable_earlier_journal_stops_the_start_and_says_what_to_do(tmp_path):
    (tmp_path / "whatsapp-journal.duckdb").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="Move it aside"):
        DeliveryJournal(tmp_path / "whatsapp-journal.sqlite")
    assert (tmp_path / "whatsapp-journal.duckdb").exists()


def test_a_journal_that_cannot_be_opened_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="cannot be opened"):
        DeliveryJournal(tmp_path / "missing-folder" / "j.sqlite")
