"""Helpers for publisher tests: approved updates and their posts, written as the review
service leaves them, so the publisher can be tested on its own."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image

from hub.clock import utc_now
from hub.platforms.base import Platform


def jpeg_bytes(colour: tuple[int, int, int] = (40, 120, 200), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def add_approved_update(
    hub, photos, *, title: str = "Road repair", photo_count: int = 0, department: str = "ROADS"
) -> int:
    now = utc_now()
    with hub.store.transaction() as cur:
        update_id = cur.execute(
            "INSERT INTO updates (department_code, author, kind, title, text_en, platforms,"
            " status, created_at, updated_at, approved_at) VALUES (?, 'officer.roads',"
            " 'work_update', ?, ?, ['facebook', 'x'], 'approved', ?, ?, ?) RETURNING id",
            [department, title, title, now, now, now],
        ).fetchone()[0]
        for position in range(photo_count):
            stored = photos.accept(f"site-{position}.jpg", jpeg_bytes((position * 20, 80, 160)))
            cur.execute(
                "INSERT INTO update_photos (id, update_id, position, original_name, stored_name,"
                " thumb_name, mime_type, width, height, size_bytes, alt_text, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    stored.id,
                    update_id,
                    position,
                    stored.original_name,
                    stored.stored_name,
                    stored.thumb_name,
                    stored.mime_type,
                    stored.width,
                    stored.height,
                    stored.size_bytes,
                    f"Photo {position + 1} of the work",
                    now,
                ],
            )
    return update_id


def add_post(
    hub,
    update_id: int,
    platform: Platform,
    text: str,
    scheduled_at: datetime,
    *,
    native: bool = False,
) -> int:
    now = utc_now()
    with hub.store.transaction() as cur:
        return cur.execute(
            "INSERT INTO posts (update_id, platform, text, scheduled_at, native_scheduling,"
            " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'scheduled', ?, ?)"
            " RETURNING id",
            [update_id, platform.value, text, scheduled_at, native, now, now],
        ).fetchone()[0]


def post_row(hub, post_id: int) -> dict:
    with hub.store.cursor() as cur:
        cur.execute("SELECT * FROM posts WHERE id = ?", [post_id])
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def copies_on_platform(hub, platform: Platform, text: str) -> int:
    """How many posts with exactly this text the sandbox account has."""
    if platform is Platform.FACEBOOK:
        return sum(1 for p in hub.sandbox.graph.list_posts() if p.get("message") == text)
    return sum(1 for t in hub.sandbox.x.list_timeline() if t["text"] == text)
