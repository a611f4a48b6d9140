"""The publisher: due posts go out exactly once, or are flagged for a person.

Posts are one kind of the delivery engine (`hub.delivery.engine`), which owns the claim, the
attempt committed before the call, recovery, reconciliation, failures and account holds.
This kind says what a post is:

- **Due**: a ``scheduled`` post whose time came, a Facebook post natively scheduled at least
  10 minutes ahead (sent early, Facebook publishes it at its time), or a ``retry_wait`` post
  whose next attempt is due.
- **Sent** as text with its photos (X: the first four).
- **Already there**: a post of the account with the same text, not older than the first
  attempt; Facebook's natively scheduled posts count.
- **Missed** (its own step, before sending): a post whose time passed more than the catch-up
  window ago while the hub was down is returned to IT for a new time rather than published
  late.
- Delivered, flagged and missed posts write an event on their update and an audit row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.delivery.engine import (
    Delivered,
    DeliveryEngine,
    DeliveryReport,
    DueItem,
    KindBase,
    Listing,
    UnconfirmedItem,
    horizon_of,
    recent_posts_back_to,
)
from hub.delivery.holds import AccountHolds, AccountState
from hub.delivery.kinds import POST_WORDS, POSTS_OUTBOX
from hub.i18n import N_, Message, Verbatim
from hub.permissions import Action, Actor
from hub.platforms.base import (
    Photo,
    Platform,
    PlatformAdapter,
    PublishedPost,
    PublishRequest,
    SchedulesPosts,
)
from hub.platforms.registry import PlatformAccounts
from hub.platforms.x_usage import XUsageMeter
from hub.publishing.photos import PhotoStore
from hub.publishing.updates import record_update_event
from hub.store import Store

log = logging.getLogger(__name__)

X_PHOTO_LIMIT = 4
# Facebook's native scheduling needs the time at least 10 minutes ahead.
NATIVE_SCHEDULING_LEAD = timedelta(minutes=10)
PUBLISHER = "publisher"  # the audit and event name of the background publisher


@dataclass
class PublishReport(DeliveryReport):
    """What one publishing cycle did."""

    missed: int = 0
    published: int = 0


@dataclass(frozen=True)
class _PostToSend:
    update_id: int
    text: str
    scheduled_at: datetime
    native_scheduling: bool


@dataclass
class PostDelivery(KindBase):
    """The officers' posts, sent by the engine (what is due, what a post is: module docstring)."""

    photos: PhotoStore
    settings: Settings

    outbox = POSTS_OUTBOX
    actor_name = PUBLISHER
    words = POST_WORDS

    def due(self, cur: duckdb.DuckDBPyConnection, now: datetime) -> list[DueItem]:
        """Scheduled posts whose time came, native Facebook ones early, retries due."""
        rows = cur.execute(
            "SELECT id, update_id, platform, text, scheduled_at, native_scheduling, attempts"
            " FROM posts WHERE (status = 'scheduled' AND (scheduled_at <= ?"
            "   OR (native_scheduling AND platform = 'facebook' AND scheduled_at >= ?)))"
            " OR (status = 'retry_wait' AND next_attempt_at <= ?)"
            " ORDER BY scheduled_at, id",
            [now, now + NATIVE_SCHEDULING_LEAD, now],
        ).fetchall()
        return [
            DueItem(r[0], Platform(r[2]), r[6], _PostToSend(r[1], r[3], r[4], bool(r[5])))
            for r in rows
        ]

    def unconfirmed(self, cur: duckdb.DuckDBPyConnection) -> list[UnconfirmedItem]:
        """Posts whose last attempt ended without an answer."""
        rows = cur.execute(
            "SELECT p.id, p.platform, p.text, p.unknown_outcomes, p.last_error,"
            " (SELECT min(started_at) FROM publish_attempts a WHERE a.post_id = p.id),"
            " (SELECT max(started_at) FROM publish_attempts a WHERE a.post_id = p.id)"
            " FROM posts p WHERE p.status = 'unconfirmed' ORDER BY p.id"
        ).fetchall()
        return [UnconfirmedItem(r[0], Platform(r[1]), *r[2:]) for r in rows]

    def look_for(
        self, adapter: PlatformAdapter, platform: Platform, items: list[UnconfirmedItem]
    ) -> Iterable[Listing]:
        """The account's recent posts, and Facebook's natively scheduled ones."""
        recent, complete = recent_posts_back_to(adapter, horizon_of(items))
        if isinstance(adapter, SchedulesPosts):
            recent += list(adapter.scheduled_posts())
        yield Listing(
            items, recent, complete, "the account's recent posts do not reach back to the attempt"
        )

    def send(self, item: DueItem, adapter: PlatformAdapter) -> PublishedPost:
        """Publish the post with its photos."""
        return adapter.publish(self._request_for(item))

    def _request_for(self, item: DueItem) -> PublishRequest:
        post: _PostToSend = item.payload
        with self.store.cursor() as cur:
            rows = cur.execute(
                "SELECT stored_name, original_name, mime_type, alt_text FROM update_photos"
                " WHERE update_id = ? ORDER BY position",
                [post.update_id],
            ).fetchall()
        if item.platform is Platform.X:
            rows = rows[:X_PHOTO_LIMIT]
        photos = tuple(
            Photo(self.photos.read(stored), original, mime, alt)
            for stored, original, mime, alt in rows
        )
        native = post.native_scheduling and item.platform is Platform.FACEBOOK
        scheduled_at = (
            post.scheduled_at
            if native and post.scheduled_at >= self.clock() + NATIVE_SCHEDULING_LEAD
            else None
        )
        return PublishRequest(
            text=post.text,
            photos=photos,
            scheduled_at=scheduled_at,
            idempotency_key=f"post-{item.id}",
        )

    def record_delivered(self, cur: duckdb.DuckDBPyConnection, done: Delivered) -> None:
        """An event on the update and an audit row."""
        update_id, platform = cur.execute(
            "SELECT update_id, platform FROM posts WHERE id = ?", [done.item_id]
        ).fetchone()
        post = done.post
        if done.found:
            self._event(
                cur,
                update_id,
                "published",
                Message(N_("found on the platform: {link}"), link=Verbatim(post.permalink or "")),
            )
            self.audit_item(
                cur,
                "reconcile_post",
                done.item_id,
                after={"status": "published", "platform_post_id": post.platform_post_id},
            )
            return
        self._event(cur, update_id, "published", f"{platform}: {post.permalink}")
        self.audit_item(
            cur,
            "publish_post",
            done.item_id,
            after={
                "status": "published",
                "platform": platform,
                "platform_post_id": post.platform_post_id,
                "permalink": post.permalink,
            },
        )

    def record_needs_attention(
        self, cur: duckdb.DuckDBPyConnection, item_id: int, reason: str
    ) -> None:
        """An event on the update and an audit row."""
        (update_id,) = cur.execute("SELECT update_id FROM posts WHERE id = ?", [item_id]).fetchone()
        self._event(cur, update_id, "needs_attention", reason)
        self.audit_item(cur, "post_needs_attention", item_id, detail=reason)

    def prepare(self, now: datetime, report: DeliveryReport) -> None:
        """Posts whose time passed more than the catch-up window ago go back to IT."""
        cutoff = now - timedelta(minutes=self.settings.catch_up_window_minutes)
        with self.store.transaction() as cur:
            rows = cur.execute(
                "UPDATE posts SET status = 'missed', updated_at = ?, attention_reason ="
                " 'its time passed while the hub was not publishing, more than the catch-up"
                " window ago: choose a new time' WHERE status = 'scheduled'"
                " AND scheduled_at < ? RETURNING id, update_id",
                [now, cutoff],
            ).fetchall()
            for post_id, update_id in rows:
                self._event(
                    cur,
                    update_id,
                    "missed",
                    Message(N_("post {number} returned to IT"), number=post_id),
                )
                self.audit_item(cur, "post_missed", post_id, after={"status": "missed"})
        if isinstance(report, PublishReport):
            report.missed += len(rows)

    def _event(
        self, cur: duckdb.DuckDBPyConnection, update_id: int, event: str, note: str | None
    ) -> None:
        record_update_event(
            cur, update_id, actor=PUBLISHER, event=event, at=self.clock(), note=note
        )


class Publisher:
    """Publishes due posts exactly once through the delivery engine."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        photos: PhotoStore,
        settings: Settings,
        *,
        holds: AccountHolds | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        reconcile_after: timedelta = timedelta(seconds=0),
        x_usage: XUsageMeter | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._holds = holds or AccountHolds(store, audit, platforms, clock=clock)
        self._engine = DeliveryEngine(
            PostDelivery(store, audit, clock, photos=photos, settings=settings),
            store,
            audit,
            platforms,
            self._holds,
            max_attempts=settings.max_publish_attempts,
            worker_id=worker_id,
            clock=clock,
            reconcile_after=reconcile_after,
            x_usage=x_usage,
        )
        self.worker_id = self._engine.worker_id

    def run_cycle(self) -> PublishReport:
        """Recover, reconcile, mark missed, publish. One cycle at a time per process."""
        report = PublishReport()
        self._engine.run_cycle(report)
        return report

    def work_left(self) -> int:
        """Posts not yet settled or due now (the stand-alone worker stops at 0)."""
        return self._engine.work_left()

    def account_states(self) -> list[AccountState]:
        """Every platform's state (accounts never marked are fine)."""
        return self._holds.states()

    def resume_account(self, actor: Actor, platform: Platform) -> AccountState:
        """After the token was renewed: check it works, then send what was held again."""
        return self._holds.resume(actor, platform)

    def status_counts(self, actor: Actor) -> dict[str, int]:
        """Posts per status, for the IT pages."""
        self._audit.authorize(actor, Action.VIEW_PLATFORMS)
        with self._store.cursor() as cur:
            rows = cur.execute("SELECT status, count(*) FROM posts GROUP BY status").fetchall()
        return {status: count for status, count in rows}


__all__ = ["PostDelivery", "PublishReport", "Publisher"]
