"""Pulling citizens' interactions: the scheduler's cycle (`jobs/pull.py`).

`PullService.pull_all` reads Facebook comments and replies on the Page's recent posts, and
the X account's mentions, each platform on its own so that one failing never stops the other,
and stores them through `hub.inbox.interactions.InteractionStore`.

How a Facebook cycle stays cheap: one call lists the recent posts with their comment counts
(100 posts per call); a post is read only when its count differs from the count kept for it,
incrementally from the adapter's per-post watermark when the count went up. When the count
went down, comments were deleted: that post is re-listed in full and the stored comments it no
longer has are marked deleted. Edits and hides leave the count alone, so the webhook is their
main path; as a backstop each post with comments is re-read in full once every
``reread_interval`` (6 hours by default), at most ``max_rereads_per_cycle`` posts a cycle.
The posts to read are read and stored ``POSTS_PER_STORE`` at a time.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import HubError, NotSupported, RateLimited
from hub.inbox.interactions import IngestResult, InteractionStore, PreparedBatch, StoringBehind
from hub.platforms.base import Platform, ReadsMentions, ReadsPostComments, RecentPost
from hub.platforms.registry import PlatformAccounts
from hub.platforms.x_usage import XUsageMeter
from hub.store import Store

log = logging.getLogger(__name__)

PULL_ACTOR = "pull-job"

# Graph lists at most 100 posts per call.
POSTS_PER_REQUEST = 100
# Posts whose comments a Facebook pull reads and stores together: one `store_batch` each.
# 50 is also how many posts the adapter asks Graph for in one call when reading by id.
POSTS_PER_STORE = 50
# Pages of 100 mentions an X pull reads a cycle (and stores together): the rest waits for the
# next cycle, so a backlog never spends the app's mentions quota in one go.
X_PAGES_PER_CYCLE = 10
# The listing's limit when no cap is set: the lookback window alone bounds it.
_EVERY_POST = 10**9
# Every comment of a post that is read is read to its end: a partial read could not tell a
# deleted comment from one not reached yet.
_UNBOUNDED_COMMENTS = 10**9
# A publish-only X account is asked again this rarely (it may have been upgraded).
NOT_SUPPORTED_RETRY = timedelta(hours=6)
# A rate limit on reading that does not say how long to wait (writes: hub.delivery).
READ_RATE_LIMIT_WAIT = timedelta(minutes=5)


@dataclass(frozen=True)
class PlatformPull:
    """One platform's part of a pull cycle."""

    platform: Platform
    # 'ok', 'error', 'not_supported' (publish-only account), 'not_configured', 'waiting'
    # (a rate limit or an earlier refusal says not yet), 'busy' (another cycle is running).
    status: str
    requests: int = 0
    new: int = 0
    edited: int = 0
    deleted: int = 0
    hidden_changes: int = 0
    error: str | None = None

    @property
    def summary(self) -> str:
        """One line, e.g. ``facebook: ok, 2 requests, 3 new, 1 edited``."""
        parts = [f"{self.platform.value}: {self.status}", f"{self.requests} requests"]
        for name in ("new", "edited", "deleted", "hidden_changes"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name.replace('_', ' ')}")
        if self.error:
            parts.append(self.error)
        return ", ".join(parts)


@dataclass(frozen=True)
class PullReport:
    """A pull cycle: one entry per platform."""

    platforms: tuple[PlatformPull, ...] = ()

    def of(self, platform: Platform) -> PlatformPull:
        """The entry of one platform."""
        return next(p for p in self.platforms if p.platform == platform)

    @property
    def requests(self) -> int:
        """Requests made to every platform."""
        return sum(p.requests for p in self.platforms)

    @property
    def new(self) -> int:
        """Interactions stored for the first time."""
        return sum(p.new for p in self.platforms)

    @property
    def summary(self) -> str:
        """One line for the job's heartbeat and the log."""
        return "; ".join(p.summary for p in self.platforms) or "nothing to pull"


# -- pulling ---------------------------------------------------------------------------------


@dataclass
class _PostState:
    """What the pull job knows of one Facebook post between cycles."""

    comment_count: int  # the post's stream comment count when last read (-1: read again)
    full_read_at: int  # epoch seconds of the last complete listing (0: never)


@dataclass
class _FacebookCursor:
    """The stored Facebook cursor: the adapter's watermarks plus the job's own count per post.

    The adapter's cursor (JSON ``{"v": 1, "posts": {post_id: [count, newest, seen]}}``) is kept
    as it is, except that the job edits two things the adapter documents: a count of -1 makes
    the adapter read that post again from its watermark, and a post left out is read in full.
    The counts the job compares are its own, taken from the one posts call of the cycle.
    """

    adapter_posts: dict[str, Any] = field(default_factory=dict)
    posts: dict[str, _PostState] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> _FacebookCursor:
        """Read a stored cursor; an unreadable one starts over (every post read in full)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            adapter = json.loads(data["adapter"])["posts"] if data.get("adapter") else {}
            posts = {
                str(post_id): _PostState(int(count), int(full))
                for post_id, (count, full) in data["posts"].items()
            }
            return cls(dict(adapter), posts)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("the stored Facebook comments cursor is unreadable: reading posts anew")
            return cls()

    def adapter_cursor(self, read_again: Iterable[str], read_in_full: Iterable[str]) -> str:
        """The adapter's cursor for reading these posts: `read_again` marked stale,
        `read_in_full` left out (the adapter reads only the posts it is given)."""
        posts = {}
        for post_id in read_again:
            if post_id in self.adapter_posts:
                posts[post_id] = [-1, *list(self.adapter_posts[post_id])[1:]]
        return json.dumps({"v": 1, "posts": posts}, separators=(",", ":"))

    def merge_adapter_cursor(self, text: str | None) -> None:
        """Take the watermarks the adapter returned for the posts it read."""
        if text:
            self.adapter_posts.update(json.loads(text).get("posts", {}))

    def keep_only(self, post_ids: set[str]) -> None:
        """Forget posts that left the lookback window."""
        self.adapter_posts = {k: v for k, v in self.adapter_posts.items() if k in post_ids}
        self.posts = {k: v for k, v in self.posts.items() if k in post_ids}

    def dump(self) -> str:
        """The cursor to store."""
        return json.dumps(
            {
                "v": 1,
                "adapter": json.dumps(
                    {"v": 1, "posts": dict(sorted(self.adapter_posts.items()))},
                    separators=(",", ":"),
                ),
                "posts": {
                    k: [s.comment_count, s.full_read_at] for k, s in sorted(self.posts.items())
                },
            },
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class _SyncState:
    cursor: str | None
    last_error: str | None
    next_attempt_at: datetime | None


class PullService:
    """Pulls Facebook comments and replies and X mentions into the store, incrementally."""

    FACEBOOK_SCOPE = "comments"
    X_SCOPE = "mentions"

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        settings: Settings,
        *,
        interactions: InteractionStore,
        clock: Callable[[], datetime] = utc_now,
        reread_interval: timedelta | None = timedelta(hours=6),
        max_rereads_per_cycle: int = 5,
        # None: every post in the lookback window. A cap would silently stop pulling the
        # comments of a busy Page's older posts (3,000 in 14 days is the Page).
        max_posts: int | None = None,
        posts_per_store: int = POSTS_PER_STORE,
        x_usage: XUsageMeter | None = None,
    ) -> None:
        self._store = store
        self._x_usage = x_usage
        self._audit = audit
        self._platforms = platforms
        self._settings = settings
        self._interactions = interactions
        self._clock = clock
        self._reread_interval = reread_interval
        self._max_rereads = max_rereads_per_cycle
        self._max_posts = max_posts
        self._posts_per_store = posts_per_store
        self._cycle_lock = threading.Lock()
        # The status a platform is waiting in ('not_supported' or 'error'), for the report.
        self._waiting_status: dict[Platform, str] = {}
        # The kind of the last failure per platform: a new kind is audited, a repeat is not.
        self._failure_kind: dict[Platform, str] = {}

    def pull_all(self) -> PullReport:
        """One cycle over every platform; a platform's failure is recorded, never raised."""
        if not self._cycle_lock.acquire(blocking=False):
            return PullReport(
                tuple(PlatformPull(p, "busy") for p in (Platform.FACEBOOK, Platform.X))
            )
        try:
            return PullReport(
                (
                    self._pull_guarded(
                        Platform.FACEBOOK,
                        self.FACEBOOK_SCOPE,
                        ReadsPostComments,
                        self._pull_facebook,
                    ),
                    self._pull_guarded(Platform.X, self.X_SCOPE, ReadsMentions, self._pull_x),
                )
            )
        finally:
            self._cycle_lock.release()

    # -- per platform ------------------------------------------------------------------------

    def _pull_guarded(
        self,
        platform: Platform,
        scope: str,
        capability: type,
        pull: Callable[[Any, _SyncState, datetime], PlatformPull],
    ) -> PlatformPull:
        """Run one platform's pull, turning every failure into a recorded status.

        `capability` is how that channel's messages are read (`ReadsPostComments`,
        `ReadsMentions`): an account without it is reported, not called.
        """
        now = self._clock()
        state = self._sync_state(platform, scope)
        adapter = self._platforms.adapter(platform)
        if adapter is None:
            return PlatformPull(platform, "not_configured", error="no account is configured")
        if not isinstance(adapter, capability):
            return PlatformPull(
                platform,
                "not_supported",
                error=f"this account cannot be read ({capability.__name__})",
            )
        if state.next_attempt_at is not None and now < state.next_attempt_at:
            status = self._waiting_status.get(platform, "waiting")
            return PlatformPull(platform, status, error=state.last_error)
        try:
            result = pull(adapter, state, now)
        except NotSupported as exc:
            result = PlatformPull(platform, "not_supported", requests=1, error=exc.message)
            self._record_failure(platform, scope, state, result, now + NOT_SUPPORTED_RETRY, exc)
        except RateLimited as exc:
            wait = (
                timedelta(seconds=exc.retry_after_seconds)
                if exc.retry_after_seconds
                else READ_RATE_LIMIT_WAIT
            )
            result = PlatformPull(platform, "error", requests=1, error=exc.message)
            self._record_failure(platform, scope, state, result, now + wait, exc)
        except HubError as exc:
            # TokenExpired, PermissionMissing, TemporaryFailure, StoreError...: try next cycle.
            result = PlatformPull(platform, "error", requests=1, error=exc.message)
            self._record_failure(platform, scope, state, result, None, exc)
        else:
            if state.last_error:
                self._audit_transition(platform, "ok", f"{platform.value}: pulling works again")
            self._failure_kind.pop(platform, None)
        self._waiting_status[platform] = result.status
        return result

    def _pull_facebook(
        self, adapter: ReadsPostComments, state: _SyncState, now: datetime
    ) -> PlatformPull:
        """Posts with counts in one call per 100; comments only where a count moved."""
        cursor = _FacebookCursor.parse(state.cursor)
        since = now - timedelta(days=self._settings.pull_lookback_days)
        posts: list[RecentPost] = adapter.posts_with_comment_counts(
            since, limit=self._max_posts if self._max_posts is not None else _EVERY_POST
        )
        requests = max(1, math.ceil(len(posts) / POSTS_PER_REQUEST))
        cursor.keep_only({p.platform_post_id for p in posts})
        read_again, read_in_full = self._posts_to_read(posts, cursor, now)
        counts = {p.platform_post_id: p.comment_count or 0 for p in posts}
        for post_id, count in counts.items():
            if post_id not in cursor.posts:
                cursor.posts[post_id] = _PostState(count, 0)
        to_read = read_again + read_in_full
        in_full = set(read_in_full)
        stored: list[tuple[IngestResult, int]] = []
        # Read and stored `posts_per_store` posts at a time: memory stays bounded when a first
        # pull (or one after an outage) reads thousands of posts, and what is stored stays
        # stored if the cycle fails half way (the cursor is kept only at the end, so the
        # next cycle reads those posts again and the UNIQUE index stores nothing twice).
        # Each group is stored while the next is read (`StoringBehind`).
        with StoringBehind() as storing:
            for start in range(0, len(to_read), self._posts_per_store):
                chunk = to_read[start : start + self._posts_per_store]
                chunk_in_full = [post_id for post_id in chunk if post_id in in_full]
                cycle_started = self._clock()
                page = adapter.list_interactions(
                    cursor.adapter_cursor(
                        [post_id for post_id in chunk if post_id not in in_full], chunk_in_full
                    ),
                    post_ids=chunk,
                    include_own=True,
                    max_comments=_UNBOUNDED_COMMENTS,
                )
                requests += page.requests_made
                storing.submit(
                    partial(
                        self._store_facebook_group,
                        self._interactions.prepare(page.interactions),
                        chunk_in_full,
                        {i.platform_id for i in page.interactions} if chunk_in_full else set(),
                        cycle_started,
                        stored,
                    )
                )
                cursor.merge_adapter_cursor(page.next_cursor)
                for post_id in chunk:
                    full_read = cursor.posts[post_id].full_read_at
                    if post_id in in_full:
                        full_read = int(now.timestamp())
                    cursor.posts[post_id] = _PostState(counts[post_id], full_read)
        pulled = PlatformPull(
            Platform.FACEBOOK,
            "ok",
            requests=requests,
            new=sum(len(result.new) for result, _ in stored),
            edited=sum(result.edited for result, _ in stored),
            deleted=sum(deleted for _, deleted in stored),
            hidden_changes=sum(result.hidden_changes for result, _ in stored),
        )
        self._record_success(Platform.FACEBOOK, self.FACEBOOK_SCOPE, cursor.dump(), pulled, now)
        return pulled

    def _store_facebook_group(
        self,
        prepared: PreparedBatch,
        read_in_full: list[str],
        listed: set[str],
        read_started: datetime,
        stored: list[tuple[IngestResult, int]],
    ) -> None:
        """Store one group of posts' comments, then mark deleted those the posts read in
        full no longer list; what it came to is appended to `stored`."""
        result = self._interactions.store_prepared(prepared, "poll")
        deleted = self._mark_missing_deleted(read_in_full, listed, read_started)
        stored.append((result, len(deleted)))

    def _posts_to_read(
        self, posts: list[RecentPost], cursor: _FacebookCursor, now: datetime
    ) -> tuple[list[str], list[str]]:
        """Posts to read from their watermark (count went up) and in full (new to the job,
        count went down, or due for the periodic re-read)."""
        read_again: list[str] = []
        read_in_full: list[str] = []
        due: list[tuple[int, str]] = []
        for post in posts:
            post_id, count = post.platform_post_id, post.comment_count or 0
            known = cursor.posts.get(post_id)
            if known is None or post_id not in cursor.adapter_posts:
                # New to the job (or its watermark was lost): read it all, or, when its
                # comments are gone, list it to find which stored ones were deleted.
                if count > 0 or (known is not None and known.comment_count > 0):
                    read_in_full.append(post_id)
            elif count > known.comment_count:
                read_again.append(post_id)
            elif count < known.comment_count:
                read_in_full.append(post_id)  # comments were deleted: find which
            elif count > 0 and self._reread_due(known, now):
                due.append((known.full_read_at, post_id))
        read_in_full.extend(post_id for _, post_id in sorted(due)[: self._max_rereads])
        return read_again, read_in_full

    def _reread_due(self, known: _PostState, now: datetime) -> bool:
        if self._reread_interval is None:
            return False
        return now.timestamp() - known.full_read_at >= self._reread_interval.total_seconds()

    def _mark_missing_deleted(
        self, read_in_full: list[str], still_there: set[str], cycle_started: datetime
    ) -> tuple[int, ...]:
        """Comments stored for a post listed in full that the listing no longer has."""
        if not read_in_full:
            return ()
        stored = self._interactions.live_ids_of_threads(
            Platform.FACEBOOK, read_in_full, cycle_started
        )
        missing = [pid for ids in stored.values() for pid in ids if pid not in still_there]
        return self._interactions.mark_deleted(Platform.FACEBOOK, missing, "poll")

    def _pull_x(self, adapter: ReadsMentions, state: _SyncState, now: datetime) -> PlatformPull:
        """Mentions newer than the stored id: one request when nothing is new.

        Every mention read is charged by X: the meter counts them, and while the month's
        spend runs ahead of its budget X is read only every few cycles (status ``slowed``).
        """
        note = None
        if self._x_usage is not None:
            read_now, note = self._x_usage.should_read_now()
            if not read_now:
                return PlatformPull(Platform.X, "slowed", error=note)
        page = adapter.list_mentions(state.cursor, max_results=100, max_pages=X_PAGES_PER_CYCLE)
        if self._x_usage is not None:
            self._x_usage.record_reads(i.platform_id for i in page.interactions)
        result = self._interactions.store_batch(page.interactions, "poll")
        pulled = PlatformPull(
            Platform.X,
            "ok",
            requests=page.requests_made,
            new=len(result.new),
            edited=result.edited,
            hidden_changes=result.hidden_changes,
            error="; ".join(filter(None, (note, page.beyond_reach))) or None,
        )
        if page.beyond_reach:
            log.warning("x: %s", page.beyond_reach)
            self._audit.record_now(
                actor=None,
                actor_name=PULL_ACTOR,
                action="mentions_beyond_reach",
                target_type="platform",
                target_id=Platform.X.value,
                detail=page.beyond_reach,
            )
        self._record_success(Platform.X, self.X_SCOPE, page.next_cursor, pulled, now)
        return pulled

    # -- sync_cursors ----------------------------------------------------------------------

    def _sync_state(self, platform: Platform, scope: str) -> _SyncState:
        with self._store.cursor() as cur:
            row = cur.execute(
                "SELECT cursor, last_error, next_attempt_at FROM sync_cursors"
                " WHERE platform = ? AND scope = ?",
                [platform.value, scope],
            ).fetchone()
        return _SyncState(*row) if row else _SyncState(None, None, None)

    def _record_success(
        self,
        platform: Platform,
        scope: str,
        cursor: str | None,
        pulled: PlatformPull,
        now: datetime,
    ) -> None:
        with self._store.transaction() as cur:
            cur.execute(
                "INSERT INTO sync_cursors (platform, scope, cursor, updated_at, last_requests,"
                " last_new, last_error, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)"
                " ON CONFLICT (platform, scope) DO UPDATE SET cursor = excluded.cursor,"
                " updated_at = excluded.updated_at, last_requests = excluded.last_requests,"
                " last_new = excluded.last_new, last_error = NULL, next_attempt_at = NULL",
                [platform.value, scope, cursor, now, pulled.requests, pulled.new],
            )

    def _record_failure(
        self,
        platform: Platform,
        scope: str,
        state: _SyncState,
        pulled: PlatformPull,
        next_attempt_at: datetime | None,
        error: HubError,
    ) -> None:
        """Keep the cursor, note the error; audit only when the platform's state changes."""
        message = (pulled.error or "")[:2000]
        try:
            with self._store.transaction() as cur:
                cur.execute(
                    "INSERT INTO sync_cursors (platform, scope, cursor, updated_at,"
                    " last_requests, last_new, last_error, next_attempt_at)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?, ?)"
                    " ON CONFLICT (platform, scope) DO UPDATE SET"
                    " updated_at = excluded.updated_at, last_requests = excluded.last_requests,"
                    " last_new = 0, last_error = excluded.last_error,"
                    " next_attempt_at = excluded.next_attempt_at",
                    [
                        platform.value,
                        scope,
                        state.cursor,
                        self._clock(),
                        pulled.requests,
                        message,
                        next_attempt_at,
                    ],
                )
        except HubError:
            log.exception("could not record the %s pull failure", platform.value)
        # Messages differ from one attempt to the next (trace ids, times): compare kinds.
        kind = f"{type(error).__name__}:{getattr(error, 'code', '')}"
        if state.last_error is None or self._failure_kind.get(platform) != kind:
            self._audit_transition(platform, "failed", message)
        self._failure_kind[platform] = kind
        log.warning("pull %s: %s", platform.value, message)

    def _audit_transition(self, platform: Platform, outcome: str, detail: str) -> None:
        try:
            self._audit.record_now(
                actor=None,
                actor_name=PULL_ACTOR,
                action="pull_interactions",
                outcome=outcome,
                target_type="platform",
                target_id=platform.value,
                detail=detail[:1000],
            )
        except HubError:
            log.exception("could not audit the %s pull state", platform.value)


__all__ = [
    "PlatformPull",
    "PullReport",
    "PullService",
]
