"""Citizens' attachments judged by their content (media fuzzing), kept sealed and clean.

Real files: the simulator's photos and voice notes (OGG/Opus from libopus, AAC in MP4 from
ffmpeg), AMR frames written to the format's own layout, PDF by its structure; and files that
are not what they say, damaged, empty, oversized or too long.
"""

from __future__ import annotations

import hashlib
import io
import random
import stat

import pytest
from PIL import Image
from whatsapp_fixtures import media

from hub.inbox.evidence import (
    EvidenceLimits,
    EvidenceStore,
    InvalidAttachment,
    audio_kind_and_duration,
)
from hub.publishing.photos import PhotoLimits, PhotoStore

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


def amr(frames: int, frame_type: int = 7) -> bytes:
    """An AMR-NB file: the magic, then `frames` 20 ms frames of one mode (7: 12.2 kbit/s)."""
    sizes = {0: 13, 7: 32, 15: 1}
    frame = bytes([frame_type << 3 | 0x04]) + bytes(sizes[frame_type] - 1)
    return b"#!AMR\n" + frame * frames


@pytest.fixture
def evidence(tmp_path) -> EvidenceStore:
    return EvidenceStore(
        tmp_path / "evidence",
        PhotoStore(tmp_path / "evidence" / "photos", PhotoLimits(max_bytes=5 * 1024 * 1024)),
        EvidenceLimits(audio_max_bytes=1024 * 1024, audio_max_seconds=60, document_max_bytes=4096),
    )


def test_a_photo_with_gps_is_shown_without_it_and_sealed_as_sent(evidence, tmp_path):
    image = Image.new("RGB", (640, 480), (120, 130, 140))
    exif = Image.Exif()
    exif[0x8825] = {2: (22.0, 31.0, 12.0), 4: (88.0, 21.0, 5.0)}  # GPSInfo
    sent = io.BytesIO()
    image.save(sent, "JPEG", exif=exif)
    content = sent.getvalue()
    kept = evidence.keep("image", content, "IMG_0001.jpg")
    assert kept.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.read_sealed(kept.sha256) == content
    sealed = tmp_path / "evidence" / "sealed" / kept.sha256
    assert not sealed.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    shown = Image.open(io.BytesIO(evidence.read_shown(kept.shown_name, photo=True)))
    assert not shown.getexif(), "no EXIF (and so no GPS) in what staff see"


def test_voice_notes_as_whatsapp_sends_them(evidence):
    kept = evidence.keep("audio", media("voice_bn.ogg"), None)
    assert kept.content_type.startswith("OGG/Opus") and kept.playable_mime == "audio/ogg"
    assert 3.5 < kept.duration_seconds < 5
    mp4 = evidence.keep("audio", media("voice_en.m4a"), None)
    assert mp4.content_type.startswith("MP4 audio") and mp4.playable_mime == "audio/mp4"


def test_amr_is_read_by_its_frames_and_offered_as_a_download(evidence):
    assert audio_kind_and_duration(amr(250)) == ("AMR", 5.0)
    kept = evidence.keep("audio", amr(100, 0), None)
    assert kept.duration_seconds == 2.0 and kept.playable_mime is None


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "not_audio"),
        (b"OggS" + bytes(200), "not_audio"),
        (b"#!AMR\n" + b"\xff" * 10, "not_audio"),  # frame type 15 is 1 byte, 0xff is type 15
        (amr(10)[:-5], "not_audio"),  # cut off mid-frame
        (media("pothole.jpg"), "not_audio"),
        (MINIMAL_PDF, "not_audio"),
    ],
)
def test_what_is_not_a_recording_is_refused(evidence, content, code):
    with pytest.raises(InvalidAttachment) as refused:
        evidence.keep("audio", content, None)
    assert refused.value.code == code


def test_too_long_and_too_large_recordings(evidence):
    with pytest.raises(InvalidAttachment) as too_long:
        evidence.keep("audio", amr(61 * 50), None)  # 61 s of 20 ms frames
    assert (too_long.value.code, too_long.value.limit) == ("too_long", "1")
    with pytest.raises(InvalidAttachment) as too_large:
        evidence.keep("audio", amr(40_000), None)  # 1.28 MB over the 1 MB limit
    assert too_large.value.code == "too_large"


def test_documents_are_pdf_only(evidence):
    kept = evidence.keep("document", MINIMAL_PDF, "complaint.pdf")
    assert kept.content_type == "PDF document"
    for content in (b"%PDF-1.4 but never ends", b"PK\x03\x04 a zip", media("pothole.jpg")):
        with pytest.raises(InvalidAttachment) as refused:
            evidence.keep("document", content, "complaint.pdf")
        assert refused.value.code in ("not_pdf", "too_large")
    with pytest.raises(InvalidAttachment) as too_large:
        evidence.keep("document", MINIMAL_PDF.replace(b"%%EOF", b" " * 5000 + b"%%EOF"), "x.pdf")
    assert too_large.value.code == "too_large"


def test_a_disguised_file_is_not_a_photo(evidence):
    for content in (b"MZ\x90\x00" * 100, MINIMAL_PDF, media("voice_bn.ogg"), b""):
        with pytest.raises(InvalidAttachment) as refused:
            evidence.keep("image", content, "photo.jpg")
        assert refused.value.code == "not_photo"


def test_videos_and_stickers_are_not_kept(evidence):
    with pytest.raises(InvalidAttachment) as refused:
        evidence.keep("video", b"\x00\x00\x00\x18ftypmp42", None)
    assert refused.value.code == "video"


def test_random_bytes_never_pass_and_never_crash(evidence):
    generator = random.Random(14)
    for _ in range(300):
        size = generator.choice((0, 1, 8, 64, 512, 4096))
        junk = bytes(generator.getrandbits(8) for _ in range(size))
        prefix = generator.choice((b"", b"#!AMR\n", b"OggS", b"%PDF-", b"\xff\xd8\xff", b"ID3"))
        for kind in ("image", "audio", "document"):
            try:
                evidence.keep(kind, prefix + junk, None)
            except InvalidAttachment:
                continue
            # Only a file that really is one gets through: AMR frames can be any bytes.
            assert kind == "audio" and prefix == b"#!AMR\n", (kind, prefix, size)


def test_nothing_is_left_on_disk_by_a_refusal(evidence, tmp_path):
    for kind, content in (("audio", b"junk"), ("document", b"junk"), ("image", b"junk")):
        with pytest.raises(InvalidAttachment):
            evidence.keep(kind, content, None)
    left = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert left == []
