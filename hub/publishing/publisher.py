"""The publisher: due posts go out exactly once, or are flagged for a person.

One cycle, run by the scheduler every `publish_interval_seconds`:

1. **Recover.** A post left in ``publishing`` was claimed by a cycle that never finished
   (the process died mid-call). Its outcome is unknown: it becomes ``unconfirmed``.
2. **Reconcile.** For every ``unconfirmed`` post the account's recent posts are read. Found:
   it is ``published`` with the platform's id. Not found, in a listing that reaches back past
   the attempt: the platform did not take it, so it may be retried. After
   ``MAX_UNKNOWN_OUTCOMES`` unknown outcomes, or when the listing cannot tell, a person decides.
3. **Miss.** A post whose time passed more than the catch-up window ago while the hub was
   down is ``missed``: returned to IT for a new time rather than published late.
4. **Publish.** Each due post is claimed in a committed transaction and an attempt row is
   written *before* the platform is called; the platform's id and link are written after.
   Only a refusal that proves nothing was created (rate limit, temporary failure before
   sending) is retried, at a time that honours the platform's rate-limit information. An
   expired or revoked token marks the account ``needs_reconnect`` and holds its posts.

Because the claim and the attempt are committed before the call, a crash at any point
leaves either a post that was never sent (still due) or one whose outcome is unknown
(reconciled before anything else happens to it). Nothing is sent twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.departments import nfc
from hub.errors import (
    ContentRejected,
    DuplicateContent,
    HubError,
    NotSupported,
    OutcomeUnknown,
    PermissionMissing,
    PlatformError,
    RateLimited,
    TemporaryFailure,
    TokenExpired,
)
from hub.permissions import Action, Actor
from hub.platforms.base import (
    Photo,
    Platform,
    PlatformAdapter,
    PublishedPost,
    PublishRequest,
    RecentPost,
)
from hub.platforms.registry import PlatformAccounts
from hub.publishing.models import PostStatus
from hub.publishing.photos import PhotoStore
from hub.store import Store

log = logging.getLogger(__name__)

MAX_UNKNOWN_OUTCOMES = 3
X_PHOTO_LIMIT = 4
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
FIRST_RETRY_DELAY = timedelta(seconds=30)
LONGEST_RETRY_DELAY = timedelta(hours=1)
# Facebook's native scheduling needs the time at least 10 minutes ahead.
NATIVE_SCHEDULING_LEAD = timedelta(minutes=10)
# How far back of an attempt a platform's post may be dated and still be that attempt's.
CLOCK_SLACK = timedelta(minutes=5)
# Reconciliation reads the account's posts in growing batches until it reaches the attempt.
RECONCILE_LISTING_LIMITS = (100, 500, 2000)


@dataclass
class DeliveryReport:
    """What one exactly-once delivery cycle did (posts here, replies in hub.triage)."""

    recovered: int = 0
    reconciled_found: int = 0
    reconciled_missing: int = 0
    unconfirmed: int = 0
    retry_wait: int = 0
    held: int = 0
    needs_attention: int = 0
    skipped_platforms: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """One line for the job log."""
        parts = [f"{name}={value}" for name, value in vars(self).items() if value]
        return ", ".join(parts) or "nothing due"


@dataclass
class PublishReport(DeliveryReport):
    """What one publishing cycle did."""

    missed: int = 0
    published: int = 0


@dataclass(frozen=True)
class AccountState:
    """Whether a platform account can be published to now."""

    platform: Platform
    needs_reconnect: bool
    reason: str | None
    changed_at: datetime | None
    rate_limited_until: datetime | None


@dataclass(frozen=True)
class _DuePost:
    id: int
    update_id: int
    platform: Platform
    text: str
    scheduled_at: datetime
    native_scheduling: bool
    attempts: int


def default_worker_id() -> str:
    """host:pid, so the attempts table says which process made each call."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Publisher:
    """Publishes due posts exactly once; see the module docstring for the cycle."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        photos: PhotoStore,
        settings: Settings,
        *,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        reconcile_after: timedelta = timedelta(seconds=0),
    ) -> None:
        self._store = store
        self._audit = audit
        self._platforms = platforms
        self._photos = photos
        self._settings = settings
        self._clock = clock
        self.worker_id = worker_id or default_worker_id()
        # Give a platform's listing time to show a post that was just accepted.
        self._reconcile_after = reconcile_after
        self._cycle_lock = threading.Lock()

    # -- the cycle ---------------------------------------------------------------------

    def run_cycle(self) -> PublishReport:
        """Recover, reconcile, mark missed, publish. One cycle at a time per process."""
        report = PublishReport()
        if not self._cycle_lock.acquire(blocking=False):
            return report
        try:
            now = self._clock()
            self._recover_abandoned(report)
            self._reconcile(now, report)
            self._mark_missed(now, report)
            self._publish_due(report)
        finally:
            self._cycle_lock.release()
        return report

    def _recover_abandoned(self, report: PublishReport) -> None:
        # Cycles never overlap in a process and one process holds the database, so a post
        # still 'publishing' when a cycle starts belongs to a cycle that died mid-call.
        with self._store.transaction() as cur:
            rows = cur.execute(
                "UPDATE posts SET status = 'unconfirmed', unknown_outcomes = unknown_outcomes + 1,"
                " last_error = 'the publisher stopped during the attempt', updated_at = ?"
                " WHERE status = 'publishing' RETURNING id",
                [self._clock()],
            ).fetchall()
            for (post_id,) in rows:
                cur.execute(
                    "UPDATE publish_attempts SET outcome = 'unknown', finished_at = ?,"
                    " error = 'the publisher stopped during the attempt'"
                    " WHERE post_id = ? AND outcome = 'started'",
                    [self._clock(), post_id],
                )
        report.recovered += len(rows)

    # -- reconciliation ------------------------------------------------------------------

    def _reconcile(self, now: datetime, report: PublishReport) -> None:
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT p.id, p.platform, p.text, p.unknown_outcomes, p.last_error,"
                " (SELECT min(started_at) FROM publish_attempts a WHERE a.post_id = p.id),"
                " (SELECT max(started_at) FROM publish_attempts a WHERE a.post_id = p.id)"
                " FROM posts p WHERE p.status = 'unconfirmed' ORDER BY p.id"
            ).fetchall()
        by_platform: dict[Platform, list[tuple]] = {}
        for row in rows:
            by_platform.setdefault(Platform(row[1]), []).append(row)
        for platform, posts in by_platform.items():
            adapter = self._platforms.adapter(platform)
            if adapter is None:
                continue
            ready = [p for p in posts if p[6] is None or now - p[6] >= self._reconcile_after]
            if not ready:
                continue
            starts = [p[5] for p in ready if p[5] is not None]
            horizon = min(starts) - CLOCK_SLACK if starts else None
            try:
                recent, complete = self._recent_posts(adapter, platform, horizon)
            except PlatformError as exc:
                report.skipped_platforms[platform.value] = f"reconcile: {exc}"
                if isinstance(exc, TokenExpired):
                    self._mark_needs_reconnect(platform, exc)
                continue
            taken = self._known_platform_ids(platform)
            for post_id, _, text, unknowns, last_error, first_started, _last in ready:
                match = _find_match(text, first_started, recent, taken)
                if match is not None:
                    taken.add(match.platform_post_id)
                    self._record_found(post_id, match)
                    report.reconciled_found += 1
                    continue
                listing_reaches_back = complete
                duplicate = bool(last_error and last_error.startswith("duplicate:"))
                if duplicate or not listing_reaches_back or unknowns >= MAX_UNKNOWN_OUTCOMES:
                    reason = (
                        "the platform called it a duplicate, but no matching post was found"
                        if duplicate
                        else f"{unknowns} attempt(s) ended without an answer and the post is "
                        "not among the account's recent posts"
                        if listing_reaches_back
                        else "the account's recent posts do not reach back to the attempt"
                    )
                    self._flag(post_id, f"{reason}: check the page, then retry or cancel")
                    report.needs_attention += 1
                    continue
                self._record_not_found(post_id)
                report.reconciled_missing += 1

    @staticmethod
    def _recent_posts(
        adapter: PlatformAdapter, platform: Platform, horizon: datetime | None
    ) -> tuple[list[RecentPost | PublishedPost], bool]:
        """The account's posts back to `horizon`, and whether the listing reaches that far."""
        recent: list[RecentPost | PublishedPost] = []
        complete = False
        for limit in RECONCILE_LISTING_LIMITS:
            recent = list(adapter.recent_posts(limit=limit))
            oldest = min((r.created_at for r in recent), default=None)
            complete = len(recent) < limit or (
                horizon is not None and oldest is not None and oldest <= horizon
            )
            if complete:
                break
        scheduled = getattr(adapter, "scheduled_posts", None)
        if platform is Platform.FACEBOOK and scheduled is not None:
            recent += list(scheduled())
        return recent, complete

    def _known_platform_ids(self, platform: Platform) -> set[str]:
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT platform_post_id FROM posts WHERE platform = ?"
                " AND platform_post_id IS NOT NULL",
                [platform.value],
            ).fetchall()
        return {r[0] for r in rows}

    def _record_found(self, post_id: int, match: RecentPost | PublishedPost) -> None:
        now = self._clock()
        with self._store.transaction() as cur:
            changed = cur.execute(
                "UPDATE posts SET status = 'published', platform_post_id = ?, permalink = ?,"
                " published_at = ?, last_error = NULL, updated_at = ?"
                " WHERE id = ? AND status = 'unconfirmed' RETURNING update_id",
                [match.platform_post_id, match.permalink, match.created_at or now, now, post_id],
            ).fetchone()
            if changed is None:
                return
            cur.execute(
                "INSERT INTO publish_attempts (post_id, worker, started_at, finished_at,"
                " outcome, platform_post_id) VALUES (?, ?, ?, ?, 'found', ?)",
                [post_id, self.worker_id, now, now, match.platform_post_id],
            )
            self._event(cur, changed[0], "published", f"found on the platform: {match.permalink}")
            self._audit_post(
                cur,
                "reconcile_post",
                post_id,
                after={"status": "published", "platform_post_id": match.platform_post_id},
            )

    def _record_not_found(self, post_id: int) -> None:
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE posts SET status = 'retry_wait', next_attempt_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'unconfirmed'",
                [now, now, post_id],
            )
            cur.execute(
                "INSERT INTO publish_attempts (post_id, worker, started_at, finished_at,"
                " outcome) VALUES (?, ?, ?, ?, 'not_found')",
                [post_id, self.worker_id, now, now],
            )

    # -- missed posts --------------------------------------------------------------------

    def _mark_missed(self, now: datetime, report: PublishReport) -> None:
        cutoff = now - timedelta(minutes=self._settings.catch_up_window_minutes)
        with self._store.transaction() as cur:
            rows = cur.execute(
                "UPDATE posts SET status = 'missed', updated_at = ?, attention_reason ="
                " 'its time passed while the hub was not publishing, more than the catch-up"
                " window ago: choose a new time' WHERE status = 'scheduled'"
                " AND scheduled_at < ? RETURNING id, update_id",
                [now, cutoff],
            ).fetchall()
            for post_id, update_id in rows:
                self._event(cur, update_id, "missed", f"post {post_id} returned to IT")
                self._audit_post(
                    cur,
                    "post_missed",
                    post_id,
                    after={"status": "missed"},
                )
        report.missed += len(rows)

    # -- publishing ----------------------------------------------------------------------

    def _publish_due(self, report: PublishReport) -> None:
        now = self._clock()
        states = {s.platform: s for s in self.account_states()}
        for post in self._due_posts(now):
            state = states.get(post.platform)
            if state and state.needs_reconnect:
                report.held += 1
                continue
            if state and state.rate_limited_until and state.rate_limited_until > now:
                report.held += 1
                continue
            adapter = self._platforms.adapter(post.platform)
            if adapter is None:
                report.skipped_platforms[post.platform.value] = "no account configured"
                report.held += 1
                continue
            if not self._claim(post):
                continue
            outcome = self._send(post, adapter)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome == "held":
                states = {s.platform: s for s in self.account_states()}

    def _due_posts(self, now: datetime) -> list[_DuePost]:
        native_horizon = now + NATIVE_SCHEDULING_LEAD
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT id, update_id, platform, text, scheduled_at, native_scheduling, attempts"
                " FROM posts WHERE (status = 'scheduled' AND (scheduled_at <= ?"
                "   OR (native_scheduling AND platform = 'facebook' AND scheduled_at >= ?)))"
                " OR (status = 'retry_wait' AND next_attempt_at <= ?)"
                " ORDER BY scheduled_at, id",
                [now, native_horizon, now],
            ).fetchall()
        return [_DuePost(r[0], r[1], Platform(r[2]), r[3], r[4], bool(r[5]), r[6]) for r in rows]

    def _claim(self, post: _DuePost) -> bool:
        now = self._clock()
        with self._store.transaction() as cur:
            claimed = cur.execute(
                "UPDATE posts SET status = 'publishing', claimed_by = ?, claimed_at = ?,"
                " attempts = attempts + 1, updated_at = ?"
                " WHERE id = ? AND status IN ('scheduled', 'retry_wait') RETURNING id",
                [self.worker_id, now, now, post.id],
            ).fetchone()
            if claimed is None:
                return False
            cur.execute(
                "INSERT INTO publish_attempts (post_id, worker, started_at, outcome)"
                " VALUES (?, ?, ?, 'started')",
                [post.id, self.worker_id, now],
            )
        return True

    def _send(self, post: _DuePost, adapter: PlatformAdapter) -> str:
        try:
            request = self._request_for(post)
            published = adapter.publish(request)
        except OutcomeUnknown as exc:
            return self._finish_unknown(post, str(exc))
        except DuplicateContent as exc:
            # Perhaps our own earlier attempt went through: reconcile before anything else.
            return self._finish_unknown(post, f"duplicate: {exc}")
        except TokenExpired as exc:
            self._mark_needs_reconnect(post.platform, exc)
            return self._finish_refused(post, "scheduled", str(exc), outcome="held")
        except RateLimited as exc:
            wait = (
                timedelta(seconds=exc.retry_after_seconds)
                if exc.retry_after_seconds
                else DEFAULT_RATE_LIMIT_WAIT
            )
            until = self._clock() + wait
            self._set_rate_limited(post.platform, until)
            return self._finish_refused(post, "retry_wait", str(exc), next_attempt_at=until)
        except TemporaryFailure as exc:
            if post.attempts + 1 >= self._settings.max_publish_attempts:
                return self._finish_refused(
                    post,
                    "needs_attention",
                    str(exc),
                    attention=f"{post.attempts + 1} attempts failed; last: {exc}",
                )
            delay = min(FIRST_RETRY_DELAY * 2**post.attempts, LONGEST_RETRY_DELAY)
            return self._finish_refused(
                post, "retry_wait", str(exc), next_attempt_at=self._clock() + delay
            )
        except (ContentRejected, PermissionMissing, NotSupported) as exc:
            return self._finish_refused(post, "needs_attention", str(exc), attention=str(exc))
        except HubError as exc:
            # Any other refusal (a retired API version, a missing photo file): a person looks.
            return self._finish_refused(post, "needs_attention", str(exc), attention=str(exc))
        except Exception as exc:  # a bug must not lose the post or send it twice
            log.exception("publishing post %s failed unexpectedly", post.id)
            return self._finish_unknown(post, f"unexpected error: {type(exc).__name__}")
        return self._finish_published(
            post, published.platform_post_id, published.permalink, published.created_at
        )

    def _request_for(self, post: _DuePost) -> PublishRequest:
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT stored_name, original_name, mime_type, alt_text FROM update_photos"
                " WHERE update_id = ? ORDER BY position",
                [post.update_id],
            ).fetchall()
        if post.platform is Platform.X:
            rows = rows[:X_PHOTO_LIMIT]
        photos = tuple(
            Photo(self._photos.read(stored), original, mime, alt)
            for stored, original, mime, alt in rows
        )
        native = post.native_scheduling and post.platform is Platform.FACEBOOK
        scheduled_at = (
            post.scheduled_at
            if native and post.scheduled_at >= self._clock() + NATIVE_SCHEDULING_LEAD
            else None
        )
        return PublishRequest(
            text=post.text,
            photos=photos,
            scheduled_at=scheduled_at,
            idempotency_key=f"post-{post.id}",
        )

    def _finish_published(
        self, post: _DuePost, platform_post_id: str, permalink: str, created_at: datetime | None
    ) -> str:
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE posts SET status = 'published', platform_post_id = ?, permalink = ?,"
                " published_at = ?, last_error = NULL, next_attempt_at = NULL, updated_at = ?"
                " WHERE id = ?",
                [platform_post_id, permalink, created_at or now, now, post.id],
            )
            self._finish_attempt(cur, post.id, "published", None, platform_post_id)
            self._event(cur, post.update_id, "published", f"{post.platform.value}: {permalink}")
            self._audit_post(
                cur,
                "publish_post",
                post.id,
                after={
                    "status": "published",
                    "platform": post.platform.value,
                    "platform_post_id": platform_post_id,
                    "permalink": permalink,
                },
            )
        return "published"

    def _finish_unknown(self, post: _DuePost, error: str) -> str:
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE posts SET status = 'unconfirmed', unknown_outcomes = unknown_outcomes"
                " + 1, last_error = ?, updated_at = ? WHERE id = ?",
                [error[:1000], now, post.id],
            )
            self._finish_attempt(cur, post.id, "unknown", error, None)
        return "unconfirmed"

    def _finish_refused(
        self,
        post: _DuePost,
        status: str,
        error: str,
        *,
        next_attempt_at: datetime | None = None,
        attention: str | None = None,
        outcome: str | None = None,
    ) -> str:
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "UPDATE posts SET status = ?, last_error = ?, next_attempt_at = ?,"
                " attention_reason = ?, updated_at = ? WHERE id = ?",
                [status, error[:1000], next_attempt_at, attention, now, post.id],
            )
            self._finish_attempt(cur, post.id, "refused", error, None)
            if status == PostStatus.NEEDS_ATTENTION:
                self._event(cur, post.update_id, "needs_attention", attention)
                self._audit_post(cur, "post_needs_attention", post.id, detail=attention)
        return outcome or status

    def _finish_attempt(
        self,
        cur: duckdb.DuckDBPyConnection,
        post_id: int,
        outcome: str,
        error: str | None,
        platform_post_id: str | None,
    ) -> None:
        cur.execute(
            "UPDATE publish_attempts SET outcome = ?, error = ?, platform_post_id = ?,"
            " finished_at = ? WHERE post_id = ? AND outcome = 'started'",
            [outcome, error[:1000] if error else None, platform_post_id, self._clock(), post_id],
        )

    def _flag(self, post_id: int, reason: str) -> None:
        now = self._clock()
        with self._store.transaction() as cur:
            row = cur.execute(
                "UPDATE posts SET status = 'needs_attention', attention_reason = ?,"
                " updated_at = ? WHERE id = ? AND status = 'unconfirmed' RETURNING update_id",
                [reason, now, post_id],
            ).fetchone()
            if row is None:
                return
            self._event(cur, row[0], "needs_attention", reason)
            self._audit_post(
                cur,
                "post_needs_attention",
                post_id,
                detail=reason,
            )

    def _audit_post(
        self, cur: duckdb.DuckDBPyConnection, action: str, post_id: int, **fields: Any
    ) -> None:
        """An audit row for something the publisher itself did to a post."""
        self._audit.record(
            cur,
            actor=None,
            actor_name="publisher",
            action=action,
            target_type="post",
            target_id=str(post_id),
            **fields,
        )

    def _event(
        self, cur: duckdb.DuckDBPyConnection, update_id: int, event: str, note: str | None
    ) -> None:
        cur.execute(
            "INSERT INTO update_events (update_id, occurred_at, actor, event, note)"
            " VALUES (?, ?, 'publisher', ?, ?)",
            [update_id, self._clock(), event, note],
        )

    # -- account state -------------------------------------------------------------------

    def account_states(self) -> list[AccountState]:
        """Every platform's publishing state (accounts never marked are fine)."""
        with self._store.cursor() as cur:
            rows = cur.execute(
                "SELECT platform, status, reason, changed_at, rate_limited_until"
                " FROM platform_accounts"
            ).fetchall()
        known = {Platform(r[0]): r for r in rows}
        return [
            AccountState(
                platform,
                needs_reconnect=bool(known.get(platform) and known[platform][1] != "ok"),
                reason=known[platform][2] if platform in known else None,
                changed_at=known[platform][3] if platform in known else None,
                rate_limited_until=known[platform][4] if platform in known else None,
            )
            for platform in Platform
        ]

    def _mark_needs_reconnect(self, platform: Platform, exc: PlatformError) -> None:
        now = self._clock()
        with self._store.transaction() as cur:
            before = cur.execute(
                "SELECT status FROM platform_accounts WHERE platform = ?", [platform.value]
            ).fetchone()
            cur.execute(
                "INSERT INTO platform_accounts (platform, status, reason, changed_at)"
                " VALUES (?, 'needs_reconnect', ?, ?) ON CONFLICT (platform) DO UPDATE SET"
                " status = 'needs_reconnect', reason = excluded.reason,"
                " changed_at = excluded.changed_at",
                [platform.value, str(exc)[:1000], now],
            )
            if before is None or before[0] != "needs_reconnect":
                self._audit.record(
                    cur,
                    actor=None,
                    actor_name="publisher",
                    action="account_needs_reconnect",
                    target_type="platform",
                    target_id=platform.value,
                    detail=str(exc)[:1000],
                )

    def _set_rate_limited(self, platform: Platform, until: datetime) -> None:
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO platform_accounts (platform, status, changed_at, rate_limited_until)"
                " VALUES (?, 'ok', ?, ?) ON CONFLICT (platform) DO UPDATE SET"
                " rate_limited_until = excluded.rate_limited_until",
                [platform.value, self._clock(), until],
            )

    def resume_account(self, actor: Actor, platform: Platform) -> AccountState:
        """After the token was renewed: check it works, then publish the held posts again."""
        self._audit.authorize(actor, Action.RECONNECT_ACCOUNT)
        adapter = self._platforms.adapter(platform)
        if adapter is None:
            raise HubError(f"no {platform.value} account is configured")
        adapter.check()  # raises TokenExpired (etc.) with the platform's message if still bad
        now = self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO platform_accounts (platform, status, changed_at) VALUES (?, 'ok', ?)"
                " ON CONFLICT (platform) DO UPDATE SET status = 'ok', reason = NULL,"
                " changed_at = excluded.changed_at, rate_limited_until = NULL",
                [platform.value, now],
            )
            self._audit.record(
                cur,
                actor=actor,
                action="resume_account",
                target_type="platform",
                target_id=platform.value,
                after={"status": "ok"},
            )
        return next(s for s in self.account_states() if s.platform is platform)

    def status_counts(self, actor: Actor) -> dict[str, int]:
        """Posts per status, for the IT pages."""
        self._audit.authorize(actor, Action.VIEW_PLATFORMS)
        with self._store.cursor() as cur:
            rows = cur.execute("SELECT status, count(*) FROM posts GROUP BY status").fetchall()
        return {status: count for status, count in rows}


def _normal_text(text: str) -> str:
    return " ".join(nfc(text).split())


def _find_match(
    text: str,
    first_started: datetime | None,
    recent: list[RecentPost | PublishedPost],
    taken: set[str],
) -> RecentPost | PublishedPost | None:
    wanted = _normal_text(text)
    for candidate in recent:
        if candidate.platform_post_id in taken:
            continue
        created = candidate.created_at
        if first_started is not None and created and created < first_started - CLOCK_SLACK:
            continue
        if _normal_text(candidate.text) == wanted:
            return candidate
    return None
