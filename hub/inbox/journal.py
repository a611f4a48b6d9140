"""Webhook deliveries kept as received, in a DuckDB file of the inbox's own.

The WhatsApp route answers Meta only once a delivery is kept (Meta retries what is not
answered, and a slow answer too). Keeping it in the hub's database would make every answer
wait for the database's one write lock, which the desk's senders and triage take all the
time under load; a journal file of its own has a lock of its own, so the route's commit
waits only for other deliveries (and shares their commit). The desk moves what the journal
holds into the hub's database in large batches (`WhatsAppReceiver.drain`), then forgets it:
a crash in between moves it again, and what was stored once is not stored twice.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import duckdb

from hub.errors import StoreError


class DeliveryJournal:
    """Append-only deliveries (id, raw body, when received), oldest first."""

    def __init__(self, path: Path | str | None) -> None:
        """`path` None: in memory (tests that do not restart)."""
        target = ":memory:" if path is None else str(path)
        try:
            self._db = duckdb.connect(target)
            self._db.execute("SET GLOBAL TimeZone = 'UTC'")
            self._db.execute("CREATE SEQUENCE IF NOT EXISTS journal_id START 1")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS deliveries (id BIGINT NOT NULL DEFAULT"
                " nextval('journal_id'), body VARCHAR NOT NULL, received_at TIMESTAMPTZ NOT NULL)"
            )
        except duckdb.Error as exc:
            raise StoreError(f"the webhook journal {target} cannot be opened: {exc}") from None
        self._lock = threading.Lock()

    def append(self, bodies: list[str], received_at: datetime) -> None:
        """Keep these deliveries (one commit for all of them)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO deliveries (body, received_at) SELECT unnest($bodies), $at",
                {"bodies": bodies, "at": received_at},
            )

    def oldest(self, limit: int) -> list[tuple[int, str]]:
        """The oldest kept deliveries: (id, body)."""
        with self._lock:
            return self._db.execute(
                "SELECT id, body FROM deliveries ORDER BY id LIMIT ?", [limit]
            ).fetchall()

    def forget(self, ids: list[int]) -> None:
        """Drop deliveries that are in the hub's database now."""
        with self._lock:
            self._db.execute("DELETE FROM deliveries WHERE list_contains($ids, id)", {"ids": ids})

    def waiting(self) -> int:
        """How many deliveries wait to be moved in."""
        with self._lock:
            return self._db.execute("SELECT count(*) FROM deliveries").fetchone()[0]

    def close(self) -> None:
        """Checkpoint and close the file."""
        with self._lock:
            try:
                self._db.execute("CHECKPOINT")
            finally:
                self._db.close()


__all__ = ["DeliveryJournal"]
