"""Citizens' WhatsApp attachments, downloaded as soon as they arrive and kept as evidence.

The webhook stores a `whatsapp_media` row (``pending``) and answers at once; this fetcher
(the WhatsApp desk job, every few seconds) looks each media id up, downloads it within the
byte limit while its address is valid (about five minutes), and hands the bytes to the
evidence store (`hub.inbox.evidence`): ``stored``, or ``refused`` with the reason. A download
that fails is tried again with a growing wait; after `media_download_attempts` tries it is
``failed``, and the ticket says so (the desk asks the citizen to send it again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.errors import ContentRejected, HubError
from hub.i18n import N_, Message, Verbatim, stored_sentence
from hub.inbox.evidence import EvidenceStore, InvalidAttachment, KeptAttachment, megabytes
from hub.platforms.base import Platform, SendsMessages
from hub.platforms.registry import PlatformAccounts
from hub.platforms.whatsapp_webhook import MEDIA_KIND_WORDS
from hub.store import Store

log = logging.getLogger(__name__)

FETCHER = "whatsapp-media"
FIRST_RETRY = timedelta(seconds=10)


@dataclass
class MediaReport:
    """What one fetch cycle did."""

    stored: int = 0
    refused: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def summary(self) -> str:
        """One line for the job log."""
        parts = [f"{name}={value}" for name, value in vars(self).items() if value]
        return ", ".join(parts) or "nothing to fetch"


@dataclass(frozen=True)
class _Pending:
    id: int
    interaction_id: int
    media_id: str
    kind: str
    declared_sha256: str | None
    filename: str | None
    attempts: int


class MediaFetcher:
    """Downloads pending attachments and keeps them as evidence (module docstring)."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        evidence: EvidenceStore,
        *,
        max_bytes: int,
        max_attempts: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._audit = audit
        self._platforms = platforms
        self.evidence = evidence
        self._max_bytes = max_bytes
        self._max_attempts = max_attempts
        self._clock = clock

    def run_cycle(self, limit: int = 50) -> MediaReport:
        """Fetch what is due (at most `limit`), oldest first."""
        report = MediaReport()
        now = self._clock()
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT id, interaction_id, media_id, kind, declared_sha256, filename, attempts"
                " FROM whatsapp_media m WHERE status = 'pending' AND next_attempt_at <= ?"
                # After triage, so that a refusal or a loss is noted on the ticket.
                " AND EXISTS (SELECT 1 FROM interaction_triage g"
                "  WHERE g.interaction_id = m.interaction_id)"
                " ORDER BY id LIMIT ?",
                [now, limit],
            ).fetchall()
        if not rows:
            return report
        adapter = self._platforms.adapter(Platform.WHATSAPP)
        for row in rows:
            pending = _Pending(*row)
            if pending.kind in ("sticker", "video"):
                self._refuse(
                    pending, InvalidAttachment(N_("a {kind}"), "video", kind=pending.kind), report
                )
                continue
            if not isinstance(adapter, SendsMessages):
                self._retry(pending, "no WhatsApp account is configured", report)
                continue
            try:
                download = adapter.download_media(pending.media_id, self._max_bytes)
            except ContentRejected as exc:
                if "bytes" in str(exc):
                    self._refuse(
                        pending,
                        InvalidAttachment(
                            exc.template, "too_large", megabytes(self._max_bytes), **exc.values
                        ),
                        report,
                    )
                else:  # the address expired or the id is gone: ask again, then give up
                    self._retry(pending, str(exc), report)
                continue
            except HubError as exc:
                self._retry(pending, str(exc), report)
                continue
            if pending.declared_sha256 and download.declared_sha256 not in (
                None,
                pending.declared_sha256,
            ):
                self._retry(
                    pending, "the file changed between the message and the download", report
                )
                continue
            try:
                kept = self.evidence.keep(pending.kind, download.content, pending.filename)
            except InvalidAttachment as exc:
                self._refuse(pending, exc, report)
                continue
            except HubError as exc:
                self._retry(pending, str(exc), report)
                continue
            self._stored(pending, kept, report)
        return report

    def _stored(self, pending: _Pending, kept: KeptAttachment, report: MediaReport) -> None:
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE whatsapp_media SET status = 'stored', attempts = attempts + 1,"
                " content_type = ?, bytes = ?, sha256 = ?, sealed_name = ?, shown_name = ?,"
                " thumbnail_name = ?, duration_seconds = ?, last_error = NULL, updated_at = ?"
                " WHERE id = ? AND status = 'pending'",
                [
                    kept.content_type,
                    kept.size_bytes,
                    kept.sha256,
                    kept.sealed_name,
                    kept.shown_name,
                    kept.thumbnail_name,
                    kept.duration_seconds,
                    now,
                    pending.id,
                ],
            )
            self._audit.record(
                cur,
                actor=None,
                actor_name=FETCHER,
                action="keep_evidence",
                target_type="interaction",
                target_id=str(pending.interaction_id),
                detail=f"{kept.content_type}, {kept.size_bytes} bytes, sealed sha256 {kept.sha256}",
            )
        report.stored += 1

    def _refuse(self, pending: _Pending, exc: InvalidAttachment, report: MediaReport) -> None:
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE whatsapp_media SET status = 'refused', attempts = attempts + 1,"
                " refusal = ?, refusal_code = ?, updated_at = ?"
                " WHERE id = ? AND status = 'pending'",
                [
                    str(exc)[:500],
                    f"{exc.code}:{exc.limit}" if exc.limit else exc.code,
                    now,
                    pending.id,
                ],
            )
            self._ticket_event(
                cur,
                pending,
                Message(
                    N_("{kind} not kept: {reason}"),
                    kind=_kind_word(pending.kind),
                    reason=exc.as_message(),
                ),
                now,
            )
        report.refused += 1

    def _retry(self, pending: _Pending, error: str, report: MediaReport) -> None:
        now = self._clock()
        attempts = pending.attempts + 1
        with self._store.transaction() as cur:
            if attempts >= self._max_attempts:
                cur.execute(
                    "UPDATE whatsapp_media SET status = 'failed', attempts = ?, last_error = ?,"
                    " updated_at = ? WHERE id = ?",
                    [attempts, error[:500], now, pending.id],
                )
                self._ticket_event(
                    cur,
                    pending,
                    Message(
                        N_(
                            "the citizen's {kind} could not be downloaded after {attempts} tries:"
                            " {error}"
                        ),
                        kind=_kind_word(pending.kind),
                        attempts=attempts,
                        error=Verbatim(error[:200]),
                    ),
                    now,
                )
                report.failed += 1
                return
            cur.execute(
                "UPDATE whatsapp_media SET attempts = ?, last_error = ?, next_attempt_at = ?,"
                " updated_at = ? WHERE id = ?",
                [attempts, error[:500], now + FIRST_RETRY * 2 ** (attempts - 1), now, pending.id],
            )
        log.info("attachment %s: try %d failed: %s", pending.id, attempts, error[:200])
        report.retrying += 1

    def _ticket_event(self, cur, pending: _Pending, note: Message, now: datetime) -> None:
        """A note on the ticket the attachment's message belongs to, when there is one (kept
        as a sentence too, for the ticket page to show in the reader's language)."""
        row = cur.execute(
            "SELECT coalesce((SELECT id FROM tickets WHERE interaction_id = ?),"
            " (SELECT ticket_id FROM interaction_triage WHERE interaction_id = ?))",
            [pending.interaction_id, pending.interaction_id],
        ).fetchone()
        if row and row[0] is not None:
            cur.execute(
                "INSERT INTO ticket_events (ticket_id, occurred_at, actor, event, note,"
                " note_sentence) VALUES (?, ?, ?, 'attachment', ?, ?)",
                [row[0], now, FETCHER, note[:1000], stored_sentence(note)],
            )

    def work_left(self) -> int:
        """Attachments still to fetch."""
        with self._store.cursor() as cur:
            return cur.execute(
                "SELECT count(*) FROM whatsapp_media WHERE status = 'pending'"
            ).fetchone()[0]


def _kind_word(kind: str) -> Message:
    """A media kind as people read it (the kind itself when WhatsApp adds a new one)."""
    word = MEDIA_KIND_WORDS.get(kind)
    return Message(word) if word else Verbatim(kind)


__all__ = ["MediaFetcher", "MediaReport"]
