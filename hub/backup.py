"""Backups the city's IT can restore from: consistent while the hub serves, checked on restore.

A backup is a folder ``backup-<UTC time>`` under the backup folder (``HUB_BACKUP_DIR``, by
default ``<data>/backups``; point it at another disk) holding:

- ``hub.duckdb``: the database as of one instant. The store's write lock is held while the
  write-ahead log is checkpointed into the file and the file is copied, so no write lands
  half in the copy; readers (pages, reports) go on meanwhile and writers wait for the copy
  (about a second per 500 MB here);
- ``photos/``: the officers' photos. Stored photos never change and are written before the row
  that names them, so every photo the copied database names is there;
- ``manifest.json``: every file with its size and SHA-256, the schema version and the rows per
  table, written last: a backup without it is incomplete.

The newest ``backup_keep`` backups are kept, older ones removed. A backup that fails half-way
(a full disk) is removed and the failure reported; nothing of the live data is touched.

`restore` copies a backup into an empty data folder after checking every file against the
manifest, and opens the restored database to check it: a damaged or incomplete backup, or a
folder that is not empty, is refused with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import ConfigurationError, HubError, InvalidInput
from hub.i18n import N_
from hub.permissions import Action, Actor
from hub.store import Store

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
DATABASE = "hub.duckdb"
PHOTOS = "photos"
PREFIX = "backup-"
BACKUP_ACTOR = "backup-job"
_CHUNK = 1024 * 1024


# The serving process writes this token in its data folder (readable by its own user only);
# `hub backup` run beside it shows it to ask for a backup over loopback (the database file is
# held by the serving process, so the command cannot copy it itself).
OPS_TOKEN_FILE = ".ops-token"


def issue_ops_token(data_dir: Path) -> str:
    """A new token for this serving process, written where only its user can read it."""
    token = secrets.token_urlsafe(32)
    path = Path(data_dir) / OPS_TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token)
    return token


def read_ops_token(data_dir: Path) -> str | None:
    """The serving process's token, or None when no hub serves from this folder."""
    path = Path(data_dir) / OPS_TOKEN_FILE
    return path.read_text().strip() if path.exists() else None


def ops_token_matches(data_dir: Path, offered: str | None) -> bool:
    """Whether `offered` is the serving process's token (compared in constant time)."""
    expected = read_ops_token(data_dir)
    return bool(expected and offered and hmac.compare_digest(expected, offered))


class BackupError(HubError):
    """A backup could not be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    """One backup made: where, when, how big, how long."""

    path: Path
    made_at: datetime
    files: int
    total_bytes: int
    seconds: float
    removed: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One line for the job log and the command."""
        line = (
            f"backup {self.path.name}: {self.files} files, {self.total_bytes / 1e6:.1f} MB"
            f" in {self.seconds:.1f} s"
        )
        if self.removed:
            line += f"; removed {len(self.removed)} older"
        return line


@dataclass(frozen=True)
class LastBackup:
    """The newest backup on disk, for `/healthz` and the IT page."""

    name: str | None
    made_at: datetime | None
    complete: bool


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class BackupService:
    """Makes, lists and prunes backups of one hub."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._settings = settings
        self._clock = clock

    @property
    def folder(self) -> Path:
        """Where backups go."""
        return self._settings.backup_folder

    def make(self, actor: Actor | None = None) -> BackupReport:
        """Make one backup now (IT and admins, or the nightly job with no actor)."""
        if actor is not None:
            self._audit.authorize(actor, Action.VIEW_PLATFORMS)
        started = self._clock()
        target = self.folder / f"{PREFIX}{started:%Y%m%dT%H%M%S%fZ}"
        try:
            target.mkdir(parents=True)
            self._store.copy_consistent(target / DATABASE)
            photos = self._settings.photos_dir
            if photos.exists():
                shutil.copytree(photos, target / PHOTOS)
            files = self._write_manifest(target, started)
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            reason = exc.strerror or type(exc).__name__
            self._record(actor, "failed", f"{target.name}: {reason}")
            raise BackupError(
                N_(
                    "the backup could not be written to {folder} ({reason}): free space there"
                    " or set HUB_BACKUP_DIR to another disk; the hub's data is untouched."
                ),
                folder=self.folder,
                reason=reason,
            ) from None
        removed = self._prune()
        report = BackupReport(
            target,
            started,
            len(files),
            sum(size for size, _digest in files.values()),
            (self._clock() - started).total_seconds(),
            removed,
        )
        self._record(actor, "ok", report.summary)
        return report

    def last(self) -> LastBackup:
        """The newest backup folder and whether it is complete (has its manifest)."""
        backups = self._backups()
        if not backups:
            return LastBackup(None, None, False)
        newest = backups[-1]
        manifest = newest / MANIFEST
        if not manifest.exists():
            return LastBackup(newest.name, None, False)
        made = json.loads(manifest.read_text(encoding="utf-8"))["made_at"]
        return LastBackup(newest.name, datetime.fromisoformat(made), True)

    def _backups(self) -> list[Path]:
        if not self.folder.exists():
            return []
        return sorted(p for p in self.folder.iterdir() if p.is_dir() and p.name.startswith(PREFIX))

    def _write_manifest(self, target: Path, made_at: datetime) -> dict[str, tuple[int, str]]:
        # Opened (and so closed, checkpointed) before the checksums: opening a database file
        # may rewrite it, and the manifest must describe the files as they stay.
        with Store.open(target / DATABASE, create=False) as copy:
            rows = copy.row_counts()
            version = copy.schema_version()
        files = {
            str(path.relative_to(target)): (path.stat().st_size, sha256_of(path))
            for path in sorted(target.rglob("*"))
            if path.is_file()
        }
        manifest = {
            "made_at": made_at.isoformat(),
            "schema_version": version,
            "rows": rows,
            "files": {
                name: {"bytes": size, "sha256": digest} for name, (size, digest) in files.items()
            },
        }
        # Written last and renamed into place: a backup with a manifest is a whole one.
        partial = target / f"{MANIFEST}.part"
        partial.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        partial.rename(target / MANIFEST)
        return files

    def _prune(self) -> tuple[str, ...]:
        backups = self._backups()
        old = backups[: max(len(backups) - self._settings.backup_keep, 0)]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)
        return tuple(path.name for path in old)

    def _record(self, actor: Actor | None, outcome: str, detail: str) -> None:
        try:
            self._audit.record_now(
                actor=actor,
                actor_name=None if actor is not None else BACKUP_ACTOR,
                action="backup",
                outcome=outcome,
                detail=detail[:1000],
            )
        except HubError as exc:  # the backup's outcome is what matters; say it in the log
            log.warning("could not audit the backup (%s): %s", exc, detail)


def restore(backup: Path, data_dir: Path) -> dict[str, int]:
    """Copy `backup` into the empty `data_dir`, checked file by file; the restored row counts.

    Refuses, with nothing written, a folder that is not empty, a backup without its manifest
    (incomplete) and one whose files differ from it (damaged).
    """
    backup, data_dir = Path(backup), Path(data_dir)
    manifest_path = backup / MANIFEST
    if not manifest_path.exists():
        raise BackupError(
            N_(
                "{backup} has no {manifest}: it is not a backup, or an incomplete one (the backup"
                " stopped before it finished). Choose another backup."
            ),
            backup=backup,
            manifest=MANIFEST,
        )
    if data_dir.exists() and any(data_dir.iterdir()):
        raise InvalidInput(
            N_(
                "{folder} is not empty: restore into a new, empty folder (the hub's data is never"
                " overwritten), then point HUB_DATA_DIR at it."
            ),
            folder=data_dir,
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    problems = []
    for name, expected in manifest["files"].items():
        path = backup / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            problems.append(f"{name} is damaged (its checksum differs)")
    if problems:
        raise BackupError(
            N_("the backup {name} cannot be restored: {problems}. Choose an older backup."),
            name=backup.name,
            problems="; ".join(problems[:5]),
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        for name in manifest["files"]:
            destination = data_dir / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(backup / name, destination)
    except OSError as exc:
        raise ConfigurationError(
            N_(
                "could not write the restore into {folder} ({reason}): check its space and"
                " permissions, empty it, and try again."
            ),
            folder=data_dir,
            reason=exc.strerror,
        ) from None
    with Store.open(data_dir / DATABASE, create=False) as restored:
        counts = restored.row_counts()
    if counts != manifest["rows"]:
        raise BackupError(
            N_(
                "the restored database's rows differ from the backup's manifest: {folder} is not"
                " a faithful copy. Empty it and restore another backup."
            ),
            folder=data_dir,
        )
    return counts


__all__ = [
    "BackupError",
    "BackupReport",
    "BackupService",
    "LastBackup",
    "issue_ops_token",
    "ops_token_matches",
    "read_ops_token",
    "restore",
    "sha256_of",
]
