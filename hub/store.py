"""The hub's one DuckDB file: opening it, migrating it, and cursors per thread.

DuckDB lets one process open a file for writing. The process that serves the hub holds the
single connection; every unit of work takes its own ``cursor()`` (DuckDB's per-thread
connection to the same database). Writes are serialised by one lock so that the UI, the
scheduler and the HTTP routes never fight over a transaction; reads run in parallel.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from hub.errors import ConfigurationError, StoreError, StoreLockedError

log = logging.getLogger(__name__)

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
# The write-ahead log's size at which DuckDB writes it into the database file.
CHECKPOINT_THRESHOLD = "256MB"
_MIGRATION_NAME = re.compile(r"^(?P<version>\d{3})_(?P<name>[a-z0-9_]+)\.sql$")


class Store:
    """The open database: cursors for reading, one serialised path for writing."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path) -> None:
        self._connection = connection
        self.path = path
        self._write_lock = threading.RLock()
        self._closed = False

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Store:
        """Open (and with ``create``, create) the database file, mapping every failure.

        A missing data folder is created only when ``create`` is true; a read-only folder,
        or a file held by another process, raise errors that say what to do.
        """
        path = Path(path)
        folder = path.parent
        try:
            return cls._open_checked(path, folder, create)
        except PermissionError as exc:
            raise ConfigurationError(
                f"no permission to reach {exc.filename or folder}: give the user running the "
                "hub access to it, or set HUB_DATA_DIR to another folder."
            ) from None

    @classmethod
    def _open_checked(cls, path: Path, folder: Path, create: bool) -> Store:
        if not folder.exists():
            if not create:
                raise ConfigurationError(
                    f"the data folder {folder} does not exist: run `hub init` first, "
                    "or point HUB_DATA_DIR at the right folder."
                )
            try:
                folder.mkdir(parents=True)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot create the data folder {folder} ({exc.strerror}): "
                    "create it by hand or set HUB_DATA_DIR to a writable folder."
                ) from None
        if not folder.is_dir():
            raise ConfigurationError(
                f"{folder} is not a folder: set HUB_DATA_DIR to a folder for the hub's data."
            )
        if not path.exists() and not create:
            raise ConfigurationError(f"no database at {path}: run `hub init` first.")
        _check_writable(folder, path)
        try:
            connection = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise _open_error(path, exc) from None
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None
        # TIMESTAMPTZ values come back as UTC datetimes whatever the machine's zone.
        connection.execute("SET GLOBAL TimeZone = 'UTC'")
        # DuckDB checkpoints when the write-ahead log reaches 16 MiB by default, and every
        # checkpoint rewrites the table's indexes: at a million interactions that was two
        # thirds of the time spent storing them (benchmarks/bench_ingest.py). At 256 MB a
        # checkpoint comes rarely, and a crash leaves at most that much log to replay on the
        # next open, about a second here; closing the hub checkpoints as before.
        connection.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        return cls(connection, path)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one unit of reading work in the calling thread."""
        self._ensure_open()
        cursor = self._connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one write transaction: committed on success, else rolled back."""
        self._ensure_open()
        with self._write_lock:
            cursor = self._connection.cursor()
            try:
                cursor.execute("BEGIN TRANSACTION")
                try:
                    yield cursor
                except BaseException:
                    cursor.execute("ROLLBACK")
                    raise
                cursor.execute("COMMIT")
            finally:
                cursor.close()

    def migrate(self) -> list[int]:
        """Apply the migrations this file has not seen yet, in order; return their versions."""
        applied: list[int] = []
        with self._write_lock, self.cursor() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            done = {
                row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()
            }
            for version, name, sql in available_migrations():
                if version in done:
                    continue
                cur.execute("BEGIN TRANSACTION")
                try:
                    cur.execute(sql)
                    cur.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                        [version, name],
                    )
                    cur.execute("COMMIT")
                except duckdb.Error as exc:
                    cur.execute("ROLLBACK")
                    raise StoreError(f"migration {version:03d}_{name} failed: {exc}") from None
                applied.append(version)
        return applied

    def schema_version(self) -> int:
        """The newest migration applied to this file (0 for a new file)."""
        with self.cursor() as cur:
            try:
                row = cur.execute("SELECT max(version) FROM schema_migrations").fetchone()
            except duckdb.CatalogException:
                return 0
        return int(row[0] or 0)

    def copy_consistent(self, target: Path) -> None:
        """Copy the database as of one instant to `target` while the hub goes on serving.

        The write lock is held throughout, so no write lands half in the copy; the write-ahead
        log is checkpointed into the file first, so the copy is one self-contained file.
        Readers are not stopped.
        """
        with self._write_lock:
            self._ensure_open()
            with self.cursor() as cur:
                cur.execute("CHECKPOINT")
            shutil.copyfile(self.path, target)
            wal = Path(f"{self.path}.wal")
            if wal.exists() and wal.stat().st_size:
                # A checkpoint DuckDB deferred: the log goes with the file, and is replayed.
                shutil.copyfile(wal, Path(f"{target}.wal"))

    def row_counts(self) -> dict[str, int]:
        """Rows per table of the main schema (backups check a restore against these)."""
        with self.cursor() as cur:
            tables = [
                row[0]
                for row in cur.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
                    " AND database_name = current_database() ORDER BY table_name"
                ).fetchall()
            ]
            return {
                table: cur.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in tables
            }

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Checkpoint, then close: no write-ahead log is left and the file is free.

        The checkpoint folds the write-ahead log into the database file, so a clean stop
        leaves one self-contained file to back up or copy. It waits for the write in
        progress (the write lock); a checkpoint that fails is logged and the connection
        closes anyway, since DuckDB replays the log on the next open.
        """
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._connection.execute("FORCE CHECKPOINT")
            except duckdb.Error as exc:
                log.warning("closing checkpoint failed (%s): the log is replayed on next open", exc)
            self._connection.close()

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    def _ensure_open(self) -> None:
        if self._closed:
            raise StoreError("the database is closed: the hub is shutting down.")


def available_migrations() -> list[tuple[int, str, str]]:
    """The migrations shipped with the hub, as (version, name, sql), oldest first."""
    found = []
    for entry in resources.files("hub.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match["version"]), match["name"], entry.read_text("utf-8")))
    found.sort()
    return found


def _check_writable(folder: Path, path: Path) -> None:
    probe = folder / f".hub-write-probe-{threading.get_ident()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigurationError(
            f"the data folder {folder} is not writable ({exc.strerror}): make it writable "
            "for the user running the hub, or set HUB_DATA_DIR to another folder."
        ) from None
    if path.exists() and not _file_writable(path):
        raise ConfigurationError(
            f"the database file {path} is read-only: make it writable for the user running the hub."
        )


def _file_writable(path: Path) -> bool:
    try:
        with path.open("r+b"):
            return True
    except OSError:
        return False


def _open_error(path: Path, exc: duckdb.IOException) -> StoreError:
    text = str(exc)
    holder = _LOCK_HOLDER.search(text)
    if holder:
        pid = int(holder["pid"])
        command = _process_command_line(pid) or holder["program"]
        return StoreLockedError(
            f"the database {path} is in use by another process (PID {pid}: {command}). "
            "Only one hub process may run on a database: stop that one first "
            f"(for example `kill {pid}`), or give this one another HUB_DATA_DIR."
        )
    return StoreError(f"cannot open the database {path}: {text}")


def _process_command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)
