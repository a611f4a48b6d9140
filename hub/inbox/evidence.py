"""Citizens' attachments as evidence: checked by their content, the originals sealed.

What a citizen sends is untrusted bytes with a MIME type the sender's phone chose. Each file is
judged by what it is, never by what it says it is:

- **Photos** go through the officers' photo checks (`hub.publishing.photos.PhotoStore`):
  decoded by Pillow (JPEG, PNG, WebP only), size and pixel limits before decoding, orientation
  applied, every piece of metadata (EXIF with GPS, XMP, comments) dropped, re-encoded. Staff
  see that copy.
- **Audio** must be a recording WhatsApp carries (OGG/Opus, AAC, AMR, MP3, MP4 audio), read by
  mutagen (AMR, which it does not read, by its frame headers), within the size and duration
  limits. Staff hear the bytes as sent; AMR, which browsers do not play, is offered as a
  download.
- **Documents**: PDF only (its header and end marker), within a size limit; a download.
- **Video** is not accepted (the desk asks for photos or a voice note instead).

Every kept original is sealed: written once, read-only, named by its SHA-256, which the audit
trail records, so anyone can later show the file is what the citizen sent.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import mutagen

from hub.audit import AuditLog
from hub.errors import InvalidInput, NotFound, StoreError
from hub.i18n import N_, Message
from hub.permissions import Action, Actor
from hub.publishing.photos import InvalidPhoto, PhotoStore
from hub.store import Store

# What a browser plays, per audio format the hub accepts (AMR: none does).
_PLAYABLE = {
    "OGG/Opus": "audio/ogg",
    "AAC": "audio/aac",
    "MP3": "audio/mpeg",
    "MP4 audio": "audio/mp4",
}
_FILE_NAME = {"audio": ".audio", "document": ".pdf"}
# AMR frame sizes in bytes (TOC byte included) by frame type; 20 ms of sound each.
_AMR_NB_SIZES = {0: 13, 1: 14, 2: 16, 3: 18, 4: 20, 5: 21, 6: 27, 7: 32, 8: 6, 15: 1}
_AMR_WB_SIZES = {0: 18, 1: 24, 2: 33, 3: 37, 4: 41, 5: 47, 6: 51, 7: 59, 8: 61, 9: 6, 15: 1}


class InvalidAttachment(InvalidInput):
    """An attachment that is not kept; `code` names the reason for the citizen's message."""

    def __init__(
        self,
        message: str,
        code: str,
        limit: str = "",
        /,
        *,
        sentence: Message | None = None,
        **values: object,
    ) -> None:
        super().__init__(message, **values)
        self.code = code
        self.limit = limit
        # The refusal's own sentence when it came from elsewhere (a photo's checks).
        self._sentence = sentence

    def as_message(self) -> Message:
        """The refusal as a sentence to keep on the ticket (`HubError.as_message`)."""
        return self._sentence or super().as_message()


@dataclass(frozen=True)
class KeptAttachment:
    """An attachment as kept: what it is, the sealed original, what staff are shown."""

    content_type: str
    sha256: str
    size_bytes: int
    sealed_name: str
    shown_name: str
    thumbnail_name: str | None = None
    duration_seconds: float | None = None
    # What the browser is told the shown file is (None: offered as a download only).
    playable_mime: str | None = None


@dataclass(frozen=True)
class EvidenceLimits:
    """How large and how long attachments may be."""

    audio_max_bytes: int = 16 * 1024 * 1024
    audio_max_seconds: int = 600
    document_max_bytes: int = 10 * 1024 * 1024


class EvidenceStore:
    """Citizens' attachments under one folder: `sealed/`, `files/`, and `photos/`."""

    def __init__(self, root: Path, photos: PhotoStore, limits: EvidenceLimits) -> None:
        self.root = Path(root)
        self._photos = photos
        self.limits = limits

    def keep(self, kind: str, content: bytes, filename: str | None) -> KeptAttachment:
        """Check one attachment by its content and keep it; `InvalidAttachment` if refused
        (nothing is written then)."""
        if kind == "image":
            return self._keep_photo(content, filename)
        if kind == "audio":
            return self._keep_audio(content)
        if kind == "document":
            return self._keep_document(content)
        raise InvalidAttachment(
            N_("a {kind} is not kept as evidence (photos, voice notes and PDFs are)"),
            "video",
            kind=kind,
        )

    def _keep_photo(self, content: bytes, filename: str | None) -> KeptAttachment:
        try:
            photo = self._photos.accept(filename or "photo", content)
        except InvalidPhoto as exc:
            code = "too_large" if len(content) > self._photos.limits.max_bytes else "not_photo"
            limit = megabytes(self._photos.limits.max_bytes)
            raise InvalidAttachment(str(exc), code, limit, sentence=exc.as_message()) from None
        sealed = self._seal(content)
        return KeptAttachment(
            content_type=f"photo ({photo.mime_type}, {photo.width}×{photo.height})",
            sha256=sealed,
            size_bytes=len(content),
            sealed_name=sealed,
            shown_name=photo.stored_name,
            thumbnail_name=photo.thumb_name,
            playable_mime=photo.mime_type,
        )

    def _keep_audio(self, content: bytes) -> KeptAttachment:
        limit = self.limits.audio_max_bytes
        if len(content) > limit:
            raise InvalidAttachment(
                N_("the recording is {size} bytes; at most {most} are kept"),
                "too_large",
                megabytes(limit),
                size=len(content),
                most=limit,
            )
        kind, seconds = audio_kind_and_duration(content)
        if seconds > self.limits.audio_max_seconds:
            minutes = self.limits.audio_max_seconds // 60
            raise InvalidAttachment(
                N_("the recording lasts {seconds:.0f} s; at most {most} s"),
                "too_long",
                str(minutes),
                seconds=seconds,
                most=self.limits.audio_max_seconds,
            )
        sealed = self._seal(content)
        shown = self._write_file("audio", content)
        return KeptAttachment(
            content_type=f"{kind} audio, {seconds:.1f} s"
            if kind != "MP4 audio"
            else f"{kind}, {seconds:.1f} s",
            sha256=sealed,
            size_bytes=len(content),
            sealed_name=sealed,
            shown_name=shown,
            duration_seconds=round(seconds, 2),
            playable_mime=_PLAYABLE.get(kind),
        )

    def _keep_document(self, content: bytes) -> KeptAttachment:
        limit = self.limits.document_max_bytes
        if len(content) > limit:
            raise InvalidAttachment(
                N_("the document is {size} bytes; at most {most} are kept"),
                "too_large",
                megabytes(limit),
                size=len(content),
                most=limit,
            )
        if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
            raise InvalidAttachment(N_("the document is not a PDF"), "not_pdf")
        sealed = self._seal(content)
        return KeptAttachment(
            content_type="PDF document",
            sha256=sealed,
            size_bytes=len(content),
            sealed_name=sealed,
            shown_name=self._write_file("document", content),
        )

    # -- files -------------------------------------------------------------------------

    def read_sealed(self, sha256: str) -> bytes:
        """An original as the citizen sent it (`NotFound` if there is none)."""
        return self._read(self.root / "sealed" / _hex_name(sha256))

    def read_shown(self, name: str, *, photo: bool) -> bytes:
        """What staff are shown: a cleaned photo, or an audio file or PDF."""
        if photo:
            return self._photos.read(name)
        return self._read(self.root / "files" / _safe_file_name(name))

    def forget_files(
        self, kind: str, sha256: str | None, shown_name: str | None, thumbnail_name: str | None
    ) -> None:
        """Delete every file of an attachment (an erasure, or its retention ended): the
        shown copy, its thumbnail and the sealed original. Missing files are no error."""
        if kind == "image" and shown_name and thumbnail_name:
            self._photos.delete(shown_name, thumbnail_name)
        elif shown_name:
            (self.root / "files" / _safe_file_name(shown_name)).unlink(missing_ok=True)
        if sha256:
            sealed = self.root / "sealed" / _hex_name(sha256)
            if sealed.exists():
                sealed.chmod(0o644)
                sealed.unlink()

    def read_thumbnail(self, name: str) -> bytes:
        """A photo's thumbnail."""
        return self._photos.read_thumbnail(name)

    def _seal(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.root / "sealed" / digest
        if not target.exists():
            self._write_atomically(target, content)
            target.chmod(0o444)
        return digest

    def _write_file(self, kind: str, content: bytes) -> str:
        name = secrets.token_hex(16) + _FILE_NAME[kind]
        self._write_atomically(self.root / "files" / name, content)
        return name

    @staticmethod
    def _write_atomically(target: Path, content: bytes) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StoreError(
                N_("an attachment could not be written ({reason})"), reason=exc.strerror
            ) from None

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(N_("no such attachment")) from None


@dataclass(frozen=True)
class AttachmentView:
    """A citizen's attachment as the ticket page lists it."""

    id: int
    kind: str
    status: str
    content_type: str | None
    size_bytes: int | None
    duration_seconds: float | None
    sha256: str | None
    filename: str | None
    refusal: str | None
    last_error: str | None
    shown_name: str | None
    thumbnail_name: str | None
    received_at: datetime

    @property
    def playable_mime(self) -> str | None:
        """What a browser shows or plays it as (None: offered as a download only)."""
        described = self.content_type or ""
        if self.kind == "image" and self.status == "stored":
            return "image/png" if "image/png" in described else "image/jpeg"
        for kind, mime in _PLAYABLE.items():
            if described.startswith(kind):
                return mime
        return None


class TicketAttachments:
    """The attachments of a ticket's messages, for whoever may see the ticket."""

    def __init__(self, store: Store, audit: AuditLog, evidence: EvidenceStore) -> None:
        self._store = store
        self._audit = audit
        self._evidence = evidence

    def for_ticket(self, actor: Actor, ticket_id: int) -> list[AttachmentView]:
        """Every attachment the citizen sent in the ticket's burst, oldest first."""
        with self._store.cursor() as cur:
            found = cur.execute(
                "SELECT department_code, interaction_id FROM tickets WHERE id = ?", [ticket_id]
            ).fetchone()
            if found is None:
                raise NotFound(N_("No ticket #{number}."), number=ticket_id)
            self._audit.authorize(actor, Action.VIEW_TICKETS, found[0])
            rows = cur.execute(
                "SELECT m.id, m.kind, m.status, m.content_type, m.bytes, m.duration_seconds,"
                " m.sha256, m.filename, m.refusal, m.last_error, m.shown_name,"
                " m.thumbnail_name, m.created_at FROM whatsapp_media m"
                " JOIN interactions i ON i.id = m.interaction_id"
                " JOIN interactions first ON first.id = $first"
                " WHERE i.platform = first.platform AND i.thread_id = first.thread_id"
                " AND i.author_id = first.author_id ORDER BY i.created_at, m.id",
                {"first": found[1]},
            ).fetchall()
        return [AttachmentView(*row) for row in rows]

    def content(self, actor: Actor, ticket_id: int, attachment: AttachmentView) -> bytes:
        """The shown file of one of the ticket's attachments (the cleaned photo, the audio,
        the PDF); `NotFound` when it is not one of this ticket's or was not kept."""
        if attachment.id not in {a.id for a in self.for_ticket(actor, ticket_id)}:
            raise NotFound(N_("no such attachment on this ticket"))
        if attachment.status != "stored" or not attachment.shown_name:
            raise NotFound(N_("this attachment was not kept"))
        return self._evidence.read_shown(attachment.shown_name, photo=attachment.kind == "image")


def audio_kind_and_duration(content: bytes) -> tuple[str, float]:
    """What audio `content` is and how long it lasts, from its content; `InvalidAttachment`
    when it is not one of the formats WhatsApp carries."""
    if content.startswith(b"#!AMR-WB\n"):
        return "AMR-WB", _amr_seconds(content[9:], _AMR_WB_SIZES)
    if content.startswith(b"#!AMR\n"):
        return "AMR", _amr_seconds(content[6:], _AMR_NB_SIZES)
    try:
        found = mutagen.File(io.BytesIO(content))
    except Exception:  # mutagen raises its own errors, and others on damaged files
        found = None
    kind = {
        "OggOpus": "OGG/Opus",
        "AAC": "AAC",
        "MP3": "MP3",
        "MP4": "MP4 audio",
    }.get(type(found).__name__)
    if found is None or kind is None:
        raise InvalidAttachment(
            N_("the file is not an audio recording WhatsApp sends"), "not_audio"
        )
    if kind == "MP4 audio" and not str(getattr(found.info, "codec", "")).startswith("mp4a"):
        raise InvalidAttachment(N_("the MP4 file holds no AAC audio"), "not_audio")
    seconds = float(found.info.length or 0.0)
    if seconds <= 0:
        raise InvalidAttachment(N_("the recording has no sound in it"), "not_audio")
    return kind, seconds


def _amr_seconds(frames: bytes, sizes: dict[int, int]) -> float:
    """Frames are 20 ms each; a file of only comfort-noise and no-data frames has no speech."""
    position, count, speech = 0, 0, 0
    speech_types = {t for t, size in sizes.items() if size > 6}
    while position < len(frames):
        frame_type = (frames[position] >> 3) & 0x0F
        size = sizes.get(frame_type)
        if size is None or position + size > len(frames):
            raise InvalidAttachment(N_("the AMR recording is damaged"), "not_audio")
        position += size
        count += 1
        speech += frame_type in speech_types
    if not speech:
        raise InvalidAttachment(N_("the AMR recording has no sound in it"), "not_audio")
    return count * 0.02


def _safe_file_name(name: str) -> str:
    if not name.replace(".", "").isalnum() or "/" in name or name.startswith("."):
        raise NotFound(N_("no such attachment"))
    return name


def _hex_name(name: str) -> str:
    if len(name) != 64 or any(c not in "0123456789abcdef" for c in name):
        raise NotFound(N_("no such attachment"))
    return name


def megabytes(size: int) -> str:
    """A size as people read it in a message: '16 MB'."""
    return f"{size / (1024 * 1024):g} MB"


__all__ = [
    "AttachmentView",
    "EvidenceLimits",
    "EvidenceStore",
    "InvalidAttachment",
    "KeptAttachment",
    "TicketAttachments",
    "audio_kind_and_duration",
    "megabytes",
]
