"""Webhook deliveries kept as received, in a SQLite file of the inbox's own.

The WhatsApp route answers Meta only once a delivery is kept (Meta retries what is not
answered, and a slow answer too). Keeping it in the hub's database would make every answer
wait for the database's one write lock, which the desk's senders and triage take all the
time under load; a journal file of its own has a lock of its own, so the route's commit
waits only for other deliveries (and shares their commit). The desk moves what the journal
holds into the hub's database in large batches (`WhatsAppReceiver.drain`), then forgets it:
a crash in between moves it again, and what was stored once is not stored twice.

Why SQLite (Python's own `sqlite3`) and not DuckDB, as the rest of the hub: the journal is a
queue of small appends, each committed before Meta is answered. A SQLite commit in WAL mode
with ``synchronous=FULL`` (the log synced to disk at each commit, so a power cut loses no
answered delivery) took 0.3 ms here against DuckDB's 1 ms, and 3 to 5 ms under the intake
benchmark's load; that commit is what every answer waits for. Journals written by earlier
versions (``whatsapp-journal.duckdb``) are moved in when the journal opens.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

import duckdb

from hub.errors import StoreError
from hub.i18n import N_


class DeliveryJournal:
    """Append-only deliveries (id, raw body, when received), oldest first."""

    def __init__(self, path: Path | str | None) -> None:
        """`path` None: in memory (tests that do not restart). A DuckDB journal beside
        `path` (same name, ``.duckdb``), left by an earlier version, is moved in first."""
        target = ":memory:" if path is None else str(path)
        self._closed = False
        try:
            # One connection, used under `_lock` from any thread.
            self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            # AUTOINCREMENT: ids only grow, never reused, so "up to this id" names exactly
            # what one read of the oldest saw.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " body TEXT NOT NULL, received_at TEXT NOT NULL)"
            )
        except sqlite3.Error as exc:
            raise StoreError(
                N_("the webhook journal {path} cannot be opened: {error}"), path=target, error=exc
            ) from None
        self._lock = threading.Lock()
        if path is not None:
            self._move_in_duckdb_journal(Path(path).with_suffix(".duckdb"))

    def append(self, bodies: list[str], received_at: datetime) -> None:
        """Keep these deliveries (one commit for all of them)."""
        at = received_at.isoformat()
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT INTO deliveries (body, received_at) VALUES (?, ?)",
                    [(body, at) for body in bodies],
                )
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._roll_back()
                raise StoreError(
                    N_("the webhook journal could not keep a delivery: {error}"), error=exc
                ) from None

    def oldest(self, limit: int) -> list[tuple[int, str]]:
        """The oldest kept deliveries: (id, body), by id."""
        with self._lock:
            return self._db.execute(
                "SELECT id, body FROM deliveries ORDER BY id LIMIT ?", [limit]
            ).fetchall()

    def bodies_containing(self, fragment: str) -> list[str]:
        """The kept deliveries whose body contains `fragment`, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM deliveries WHERE instr(body, ?) > 0 ORDER BY id", [fragment]
            ).fetchall()
        return [row[0] for row in rows]

    def forget_through(self, last_id: int) -> None:
        """Drop the deliveries up to `last_id`, which are in the hub's database now.

        Appends are committed one at a time in id order, so every delivery up to the last
        id that `oldest` returned was among what it returned.
        """
        with self._lock:
            self._db.execute("DELETE FROM deliveries WHERE id <= ?", [last_id])

    def waiting(self) -> int:
        """How many deliveries wait to be moved in."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM deliveries").fetchone()[0]

    def close(self) -> None:
        """Fold the write-ahead log into the file and close it (once: a hub closed twice
        closes it once)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()

    def _roll_back(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def _move_in_duckdb_journal(self, old: Path) -> None:
        """Copy an earlier version's DuckDB journal in (oldest first), then delete it.

        A crash after the copy's commit and before the deletion copies it again at the next
        start; the desk stores each message once however often it is delivered.
        """
        if not old.exists():
            return
        try:
            source = duckdb.connect(str(old), read_only=True)
            try:
                rows = source.execute(
                    "SELECT body, received_at FROM deliveries ORDER BY id"
                ).fetchall()
            finally:
                source.close()
        except duckdb.Error as exc:
            raise StoreError(
                N_(
                    "the earlier webhook journal {path} cannot be read: {error}. Move it aside to"
                    " start without it (what it holds was answered 200 but not stored)."
                ),
                path=old,
                error=exc,
            ) from None
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO deliveries (body, received_at) VALUES (?, ?)",
                [(body, at.isoformat()) for body, at in rows],
            )
            self._db.execute("COMMIT")
        old.unlink()
        old.with_name(old.name + ".wal").unlink(missing_ok=True)


__all__ = ["DeliveryJournal"]
