"""The delivery engine: every outgoing item goes out exactly once, or is flagged for a person.

One cycle per kind (posts, replies; WhatsApp messages and notices next):

1. **Recover.** An item left in flight (``publishing``, ``sending``) was claimed by a cycle
   that never finished (the process died mid-call). Its outcome is unknown: ``unconfirmed``.
2. **Reconcile.** For every ``unconfirmed`` item the kind lists what is on the platform
   (`DeliveryKind.look_for`) and the engine matches it by text, after the first attempt, never
   a platform id already recorded for another item. Found: delivered. Not found in a listing
   that reaches back past the attempt: the platform did not take it, so it may be retried.
   A duplicate refusal not found, a listing too short, or `MAX_UNKNOWN_OUTCOMES` unknown
   outcomes: a person decides.
3. **Prepare.** The kind's own step before sending (the publisher marks missed posts).
4. **Send.** Each due item is claimed and its attempt row written in a committed transaction
   *before* the platform is called; the platform's id and link are written after. Failures
   are classified once (`hub.delivery.failures`); an account's hold (reconnect, rate limit)
   is one for every kind (`hub.delivery.holds`) and is read again after any refusal that may
   have set it, so no later item in the cycle calls a platform that just said to wait.

Because the claim and the attempt are committed before the call, a crash at any point leaves
either an item that was never sent (still due) or one whose outcome is unknown (reconciled
before anything else happens to it). Nothing is sent twice.

A kind says only what to send, where, and what counts as "already there"; its table and
column names are an `Outbox` (constants of the code, never input).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

import duckdb

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.delivery.failures import DUPLICATE_PREFIX, classify_failure
from hub.delivery.holds import AccountHolds
from hub.errors import HubError, PlatformError, TokenExpired
from hub.platforms.base import Channel, Platform, PlatformAdapter, PublishedPost, RecentPost
from hub.platforms.registry import PlatformAccounts
from hub.platforms.x_usage import XUsageMeter
from hub.store import Store
from hub.text import nfc

log = logging.getLogger(__name__)

MAX_UNKNOWN_OUTCOMES = 3
# How far back of an attempt a platform's item may be dated and still be that attempt's.
CLOCK_SLACK = timedelta(minutes=5)
# Reconciliation reads the account's posts in growing batches until it reaches the attempt.
RECONCILE_LISTING_LIMITS = (100, 500, 2000)


@dataclass
class DeliveryReport:
    """What one exactly-once delivery cycle did."""

    recovered: int = 0
    reconciled_found: int = 0
    reconciled_missing: int = 0
    unconfirmed: int = 0
    retry_wait: int = 0
    held: int = 0
    needs_attention: int = 0
    # Withdrawn before the call (the recipient sent STOP).
    cancelled: int = 0
    skipped_platforms: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """One line for the job log."""
        parts = [f"{name}={value}" for name, value in vars(self).items() if value]
        return ", ".join(parts) or "nothing due"

    @property
    def did_something(self) -> bool:
        """Whether the cycle touched any item (a quiet cycle logs nothing at INFO)."""
        return any(value for value in vars(self).values())


@dataclass(frozen=True)
class Outbox:
    """Where a kind keeps its items and their attempts (names from the code, never input)."""

    table: str
    attempts_table: str
    # The attempts table's column naming the item.
    item_column: str
    # The platform's id of the delivered item, in both tables.
    platform_id_column: str
    delivered_at_column: str
    delivered_status: str
    in_flight_status: str
    # Where an item waits to be sent, and goes back to while its account is held.
    waiting_status: str
    # Set to the worker at claim time, when the table records it.
    claimed_by_column: str | None = None


@dataclass(frozen=True)
class DueItem:
    """An item whose time to be sent has come; `payload` is the kind's own."""

    id: int
    platform: Platform
    attempts: int
    payload: Any = None


@dataclass(frozen=True)
class UnconfirmedItem:
    """An item whose last attempt ended without an answer; `payload` is the kind's own."""

    id: int
    platform: Platform
    text: str
    unknown_outcomes: int
    last_error: str | None
    first_started: datetime | None
    last_started: datetime | None
    payload: Any = None


@dataclass(frozen=True)
class Delivered:
    """An item the platform confirmed: sent now, or `found` there by reconciliation."""

    item_id: int
    post: PublishedPost
    found: bool
    at: datetime


@dataclass(frozen=True)
class Listing:
    """What a kind found on the platform for some unconfirmed items.

    `complete` says whether the listing reaches back past their attempts; when it does not,
    `short_reason` says so in words for the person who has to look.
    """

    items: list[UnconfirmedItem]
    candidates: list[PublishedPost]
    complete: bool
    short_reason: str = ""


class DeliveryKind(Protocol):
    """One kind of outgoing item: what to send, where, and what counts as already there."""

    outbox: Outbox
    # The audit and event name of the background sender ("publisher", "replies").
    actor_name: str
    words: KindWords

    def due(self, cur: duckdb.DuckDBPyConnection, now: datetime) -> list[DueItem]:
        """Items to send now, in order."""
        ...

    def unconfirmed(self, cur: duckdb.DuckDBPyConnection) -> list[UnconfirmedItem]:
        """Items whose outcome is unknown, with their first and last attempt times."""
        ...

    def look_for(
        self, adapter: PlatformAdapter, platform: Platform, items: list[UnconfirmedItem]
    ) -> Iterable[Listing]:
        """What is on the platform that could be these items (raises `PlatformError`)."""
        ...

    def send(self, item: DueItem, adapter: PlatformAdapter) -> PublishedPost:
        """Make the one platform call for `item`."""
        ...

    def record_delivered(self, cur: duckdb.DuckDBPyConnection, done: Delivered) -> None:
        """The kind's own records of a delivery, in the engine's transaction."""
        ...

    def record_delivered_many(self, cur: duckdb.DuckDBPyConnection, dones: list[Delivered]) -> None:
        """`record_delivered` for several items at once (in the engine's transaction)."""
        ...

    def after_delivered(self, done: Delivered) -> None:
        """Work after the delivery is committed (nothing that could lose it)."""
        ...

    def record_needs_attention(
        self, cur: duckdb.DuckDBPyConnection, item_id: int, reason: str
    ) -> None:
        """The kind's own records when an item is flagged for a person."""
        ...

    def prepare(self, now: datetime, report: DeliveryReport) -> None:
        """The kind's own step between reconciliation and sending."""
        ...


@dataclass(frozen=True)
class KindWords:
    """How a kind's items are named to the person who has to look at one."""

    # The item ("post", "reply"); also its audit target type.
    noun: str
    # Where a person checks ("the page") and where reconciliation looked ("in the thread").
    where_to_check: str
    not_found_where: str
    # The attempt's error when a cycle died during it.
    stopped_reason: str


@dataclass
class KindBase:
    """What every kind shares: the store, the audit log, the clock, and quiet defaults."""

    outbox: ClassVar[Outbox]
    actor_name: ClassVar[str]
    words: ClassVar[KindWords]

    store: Store
    audit: AuditLog
    clock: Callable[[], datetime]

    def record_delivered_many(self, cur: duckdb.DuckDBPyConnection, dones: list[Delivered]) -> None:
        """Each item's own records in turn (a kind may write them set-based instead)."""
        for done in dones:
            self.record_delivered(cur, done)  # type: ignore[attr-defined]

    def after_delivered(self, done: Delivered) -> None:
        """Nothing by default: the kind's records are written with the delivery."""

    def prepare(self, now: datetime, report: DeliveryReport) -> None:
        """Nothing by default."""

    def audit_item(
        self, cur: duckdb.DuckDBPyConnection, action: str, item_id: int, **fields: Any
    ) -> None:
        """An audit row for something the sender itself did to an item of this kind."""
        self.audit.record(
            cur,
            actor=None,
            actor_name=self.actor_name,
            action=action,
            target_type=self.words.noun,
            target_id=str(item_id),
            **fields,
        )


def default_worker_id() -> str:
    """host:pid, so the attempts tables say which process made each call."""
    return f"{socket.gethostname()}:{os.getpid()}"


def normal_text(text: str) -> str:
    """Text as compared in reconciliation: NFC, with runs of whitespace as one space."""
    return " ".join(nfc(text or "").split())


def find_match(
    text: str,
    first_started: datetime | None,
    candidates: Iterable[PublishedPost],
    taken: set[str],
) -> PublishedPost | None:
    """The candidate with the same text, not older than the first attempt, not yet taken."""
    wanted = normal_text(text)
    for candidate in candidates:
        if candidate.platform_post_id in taken:
            continue
        created = candidate.created_at
        if first_started is not None and created and created < first_started - CLOCK_SLACK:
            continue
        if normal_text(candidate.text) == wanted:
            return candidate
    return None


def recent_posts_back_to(
    adapter: PlatformAdapter, horizon: datetime | None
) -> tuple[list[PublishedPost], bool]:
    """The account's recent posts back to `horizon`, and whether the listing reaches that far.

    Read in growing batches (`RECONCILE_LISTING_LIMITS`): most reconciliations need only the
    first page.
    """
    recent: list[RecentPost] = []
    complete = False
    for limit in RECONCILE_LISTING_LIMITS:
        recent = list(adapter.recent_posts(limit=limit))
        oldest = min((r.created_at for r in recent), default=None)
        complete = len(recent) < limit or (
            horizon is not None and oldest is not None and oldest <= horizon
        )
        if complete:
            break
    return [
        PublishedPost(adapter.platform, r.platform_post_id, r.permalink, r.created_at, r.text)
        for r in recent
    ], complete


def horizon_of(items: Iterable[UnconfirmedItem]) -> datetime | None:
    """How far back a listing must reach to cover these items' first attempts."""
    starts = [item.first_started for item in items if item.first_started is not None]
    return min(starts) - CLOCK_SLACK if starts else None


# A call `_send_in_parallel` did not make: a refusal held the account before its turn.
_NOT_CALLED = object()


def _holds_account(failure: HubError, now: datetime) -> bool:
    """Whether this refusal holds the whole account (a dead token, a rate limit), so that
    no later call may be made to it this pass."""
    # The two conditions under which `_finish_failed` holds the account; how many attempts
    # were made does not change either.
    disposition = classify_failure(failure, attempts_made=1, max_attempts=2, now=now)
    return disposition.needs_reconnect or disposition.rate_limited_until is not None


class DeliveryEngine:
    """Runs the exactly-once cycle for one kind; see the module docstring."""

    def __init__(
        self,
        kind: DeliveryKind,
        store: Store,
        audit: AuditLog,
        platforms: PlatformAccounts,
        holds: AccountHolds,
        *,
        max_attempts: int,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        reconcile_after: timedelta = timedelta(seconds=0),
        x_usage: XUsageMeter | None = None,
        parallel: int = 1,
        parallel_platforms: frozenset[Platform] = frozenset({Platform.WHATSAPP}),
        group_size: int | None = None,
    ) -> None:
        """`parallel`: how many items of `parallel_platforms` may be in flight at once (a
        messaging channel takes each message on its own; posts and thread replies on the
        other platforms still go one at a time)."""
        self.kind = kind
        # X charges every post created: the meter counts what this engine delivered there.
        self._x_usage = x_usage
        self._store = store
        self._audit = audit
        self._platforms = platforms
        self._holds = holds
        self._max_attempts = max_attempts
        self._clock = clock
        self.worker_id = worker_id or default_worker_id()
        # Give a platform's listing time to show an item that was just accepted.
        self._reconcile_after = reconcile_after
        self._cycle_lock = threading.Lock()
        self._box = kind.outbox
        self._parallel = max(1, parallel)
        self._parallel_platforms = parallel_platforms
        # Items claimed (and recorded) together: each group is two transactions, so a kind
        # that sends thousands at once (notices) takes larger ones.
        self._group_size = group_size or self._parallel * 4

    def run_cycle(self, report: DeliveryReport) -> DeliveryReport:
        """Recover, reconcile, prepare, send. One cycle at a time per kind and process."""
        if not self._cycle_lock.acquire(blocking=False):
            return report
        try:
            self._recover_abandoned(report)
            self._reconcile(report)
            self.kind.prepare(self._clock(), report)
            self._send_due(report)
        finally:
            self._cycle_lock.release()
        return report

    def work_left(self) -> int:
        """Items in flight, unconfirmed, waiting to retry, or due now: 0 when all is done."""
        box = self._box
        with self._store.cursor() as cur:
            unsettled = {
                row[0]
                for row in cur.execute(
                    f"SELECT id FROM {box.table} WHERE status IN (?, 'unconfirmed', 'retry_wait')",
                    [box.in_flight_status],
                ).fetchall()
            }
            due = {item.id for item in self.kind.due(cur, self._clock())}
        return len(unsettled | due)

    # -- recovery -------------------------------------------------------------------------

    def _recover_abandoned(self, report: DeliveryReport) -> None:
        # Cycles never overlap in a process and one process holds the database, so an item
        # still in flight when a cycle starts belongs to a cycle that died mid-call.
        box, reason, now = self._box, self.kind.words.stopped_reason, self._clock()
        with self._store.transaction() as cur:
            rows = cur.execute(
                f"UPDATE {box.table} SET status = 'unconfirmed',"
                " unknown_outcomes = unknown_outcomes + 1, last_error = ?, updated_at = ?"
                " WHERE status = ? RETURNING id",
                [reason, now, box.in_flight_status],
            ).fetchall()
            for (item_id,) in rows:
                self._finish_attempt(cur, item_id, "unknown", reason, None)
        report.recovered += len(rows)

    # -- reconciliation -------------------------------------------------------------------

    def _reconcile(self, report: DeliveryReport) -> None:
        now = self._clock()
        with self._store.cursor() as cur:
            items = self.kind.unconfirmed(cur)
        by_platform: dict[Platform, list[UnconfirmedItem]] = {}
        for item in items:
            if item.last_started is None or now - item.last_started >= self._reconcile_after:
                by_platform.setdefault(item.platform, []).append(item)
        for platform, waiting in by_platform.items():
            adapter = self._platforms.adapter(platform)
            if adapter is None:
                report.skipped_platforms[platform.value] = "no account configured"
                continue
            taken = self._known_platform_ids(platform)
            try:
                for listing in self.kind.look_for(adapter, platform, waiting):
                    self._settle_listing(listing, taken, report)
            except PlatformError as exc:
                report.skipped_platforms[platform.value] = f"reconcile: {exc}"
                if isinstance(exc, TokenExpired):
                    self._holds.mark_needs_reconnect(platform, str(exc), by=self.kind.actor_name)

    def _settle_listing(self, listing: Listing, taken: set[str], report: DeliveryReport) -> None:
        """Settle every item of one listing in one transaction (after a crash a WhatsApp
        kind has hundreds, and one transaction each held the write lock for seconds while
        the restarted sender waited)."""
        found: list[Delivered] = []
        with self._store.transaction() as cur:
            for item in listing.items:
                done = self._settle(cur, item, listing, taken, report)
                if done is not None:
                    found.append(done)
        for done in found:
            self.kind.after_delivered(done)

    def _settle(
        self,
        cur: duckdb.DuckDBPyConnection,
        item: UnconfirmedItem,
        listing: Listing,
        taken: set[str],
        report: DeliveryReport,
    ) -> Delivered | None:
        match = find_match(item.text, item.first_started, listing.candidates, taken)
        now = self._clock()
        if match is not None:
            taken.add(match.platform_post_id)
            done = self._record_delivered(cur, item.id, match, True, now)
            if done is not None:
                report.reconciled_found += 1
            return done
        words = self.kind.words
        duplicate = bool(item.last_error and item.last_error.startswith(DUPLICATE_PREFIX))
        if duplicate or not listing.complete or item.unknown_outcomes >= MAX_UNKNOWN_OUTCOMES:
            reason = (
                f"the platform called it a duplicate, but no matching {words.noun} was found"
                if duplicate
                else listing.short_reason
                if not listing.complete
                else f"{item.unknown_outcomes} attempt(s) ended without an answer and the "
                f"{words.noun} is not {words.not_found_where}"
            )
            self._flag_unconfirmed(
                cur, item.id, f"{reason}: check {words.where_to_check}, then retry or cancel"
            )
            report.needs_attention += 1
            return None
        box = self._box
        cur.execute(
            f"UPDATE {box.table} SET status = 'retry_wait', next_attempt_at = ?,"
            " updated_at = ? WHERE id = ? AND status = 'unconfirmed'",
            [now, now, item.id],
        )
        cur.execute(
            f"INSERT INTO {box.attempts_table} ({box.item_column}, worker, started_at,"
            " finished_at, outcome) VALUES (?, ?, ?, ?, 'not_found')",
            [item.id, self.worker_id, now, now],
        )
        report.reconciled_missing += 1
        return None

    def _known_platform_ids(self, platform: Platform) -> set[str]:
        column = self._box.platform_id_column
        with self._store.cursor() as cur:
            rows = cur.execute(
                f"SELECT {column} FROM {self._box.table} WHERE platform = ?"
                f" AND {column} IS NOT NULL",
                [platform.value],
            ).fetchall()
        return {r[0] for r in rows}

    def _flag_unconfirmed(self, cur: duckdb.DuckDBPyConnection, item_id: int, reason: str) -> None:
        row = cur.execute(
            f"UPDATE {self._box.table} SET status = 'needs_attention', attention_reason = ?,"
            " updated_at = ? WHERE id = ? AND status = 'unconfirmed' RETURNING id",
            [reason, self._clock(), item_id],
        ).fetchone()
        if row is not None:
            self.kind.record_needs_attention(cur, item_id, reason)

    # -- sending --------------------------------------------------------------------------

    def _send_due(self, report: DeliveryReport) -> None:
        now = self._clock()
        holds = self._holds.current(now)
        with self._store.cursor() as cur:
            due = self.kind.due(cur, now)
        together = [i for i in due if i.platform in self._parallel_platforms]
        if self._parallel > 1 and len(together) > 1:
            due = [i for i in due if i.platform not in self._parallel_platforms]
        else:
            together = []
        for item in due:
            if item.platform in holds:
                report.held += 1
                continue
            adapter = self._platforms.adapter(item.platform)
            if adapter is None:
                report.skipped_platforms[item.platform.value] = "no account configured"
                report.held += 1
                continue
            if not self._claim(item):
                continue
            outcome = self._send(item, adapter)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome in ("held", "retry_wait"):
                # A refusal may have held the account: later items must not call it.
                holds = self._holds.current(self._clock())
        if together:
            self._send_in_parallel(together, holds, report)

    def _send_in_parallel(
        self, due: list[DueItem], holds: dict[Platform, str], report: DeliveryReport
    ) -> None:
        """The same as the loop in `_send_due`, a group of items at a time: each group is
        claimed (with its attempts) in one committed transaction before any of its calls,
        its calls go out `parallel` at once, and what they created is recorded set-based in
        one transaction; a refusal is recorded at once. A refusal that holds the account
        (its token, a rate limit) stops the calls at once: a call of the group not yet made
        when it came is not made, its item released unsent, and no later group calls it. A
        crash after a call and before its record leaves the item in flight, reconciled
        before anything else happens to it, as for one at a time.

        (Two groups' calls in the pool at once, so that no sender waits for a group's
        slowest answer, sent a little faster before the benchmark's kill but recovered
        more slowly after it, with twice as many messages in flight: 0.73 of the number's
        throughput against 0.79, benchmarks/bench_notices.py.)

        The database's work is done beside the calls, on one thread of its own: while a
        group's calls go out, the group after it is claimed and then the group before it
        is recorded. (Done between the groups, the two took as long as the calls: a notice
        went out at half the number's throughput; and a claim queued behind a record that
        waited for the write lock held the next group back.) A claimed group whose account
        was held meanwhile is released unsent, its attempt not counted."""
        held = dict(holds)
        # Platforms a refusal held during this pass: asked by each call before it is made.
        stopped: set[Platform] = set()
        size = self._group_size
        delivered_field = self._box.delivered_status
        groups = [due[start : start + size] for start in range(0, len(due), size)]
        if not groups:
            return

        def claim(group: list[DueItem], held_then: dict[Platform, str]) -> list[DueItem]:
            # On the recorder's thread: what it leaves out is counted by the loop.
            ready = [
                item
                for item in group
                if item.platform not in held_then and self._platforms.adapter(item.platform)
            ]
            claimed = self._claim_many(ready)
            return [item for item in ready if item.id in claimed]

        def call(item: DueItem, adapter: Channel) -> tuple[PublishedPost | None, Any]:
            # On a sender's thread. `_NOT_CALLED`: the account was held before its turn.
            if item.platform in stopped:
                return None, _NOT_CALLED
            post, failure = self._call(item, adapter)
            if isinstance(failure, HubError) and _holds_account(failure, self._clock()):
                stopped.add(item.platform)
            return post, failure

        def count_left_out(group: list[DueItem], claimed: list[DueItem]) -> None:
            taken = {item.id for item in claimed}
            for item in group:
                if item.id in taken:
                    continue
                if self._platforms.adapter(item.platform) is None:
                    report.held += 1
                    report.skipped_platforms[item.platform.value] = "no account configured"
                elif item.platform in held:
                    report.held += 1

        def add_recorded(recording: Future[int]) -> None:
            setattr(report, delivered_field, getattr(report, delivered_field) + recording.result())

        recordings: list[Future[int]] = []
        with (
            ThreadPoolExecutor(self._parallel, thread_name_prefix="delivery") as pool,
            ThreadPoolExecutor(1, thread_name_prefix="delivery-record") as recorder,
        ):
            # Claimed one group ahead of the calls, and queued before the record of the
            # group just sent, so a slow record never makes the next group wait.
            claims = {
                index: recorder.submit(claim, groups[index], dict(held))
                for index in range(min(2, len(groups)))
            }
            for index in range(len(groups)):
                claimed = claims.pop(index).result()
                count_left_out(groups[index], claimed)
                ready, released = [], []
                for item in claimed:
                    adapter = self._platforms.adapter(item.platform)
                    if item.platform in held or item.platform in stopped or adapter is None:
                        released.append(item.id)
                    else:
                        ready.append((item, adapter))
                if released:
                    self._release_claimed(released)
                    report.held += len(released)
                results = list(pool.map(lambda pair: call(*pair), ready))
                unsent = [
                    item.id
                    for (item, _), (_, failure) in zip(ready, results, strict=True)
                    if failure is _NOT_CALLED
                ]
                if unsent:
                    self._release_claimed(unsent)
                    report.held += len(unsent)
                created = [
                    (item.id, post)
                    for (item, _), (post, _) in zip(ready, results, strict=True)
                    if post is not None
                ]
                for (item, _), (post, failure) in zip(ready, results, strict=True):
                    if post is not None or failure is _NOT_CALLED:
                        continue
                    outcome = self._finish_refused(item, failure)
                    setattr(report, outcome, getattr(report, outcome) + 1)
                    if outcome in ("held", "retry_wait"):
                        held.update(self._holds.current(self._clock()))
                if index + 2 < len(groups):
                    claims[index + 2] = recorder.submit(claim, groups[index + 2], dict(held))
                recordings.append(recorder.submit(self._finish_delivered_many, created))
                for recorded in [r for r in recordings if r.done()]:
                    add_recorded(recorded)  # a record that failed stops the cycle here
                    recordings.remove(recorded)
            for recorded in recordings:
                add_recorded(recorded)

    def _release_claimed(self, item_ids: list[int]) -> None:
        """Put claimed items back to wait, unsent (their account was held after the claim):
        the claim's attempt is closed as refused and not counted."""
        box, now = self._box, self._clock()
        with self._store.transaction() as cur:
            cur.execute(
                f"UPDATE {box.table} SET status = $waiting, attempts = attempts - 1,"
                " updated_at = $now WHERE id IN (SELECT unnest($ids)) AND status = $in_flight",
                {
                    "waiting": box.waiting_status,
                    "in_flight": box.in_flight_status,
                    "now": now,
                    "ids": item_ids,
                },
            )
            cur.execute(
                f"UPDATE {box.attempts_table} SET outcome = 'refused', finished_at = $now,"
                " error = 'not sent: the account was held before its turn'"
                f" WHERE {box.item_column} IN (SELECT unnest($ids)) AND outcome = 'started'"
                " AND worker = $worker",
                {"now": now, "ids": item_ids, "worker": self.worker_id},
            )

    def _claim_many(self, items: list[DueItem]) -> set[int]:
        """Claim items and write their attempts in one committed transaction; the ids won."""
        if not items:
            return set()
        box, now = self._box, self._clock()
        claimed_by = f" {box.claimed_by_column} = $worker," if box.claimed_by_column else ""
        with self._store.transaction() as cur:
            rows = cur.execute(
                f"UPDATE {box.table} SET status = $in_flight,{claimed_by} claimed_at = $now,"
                " attempts = attempts + 1, updated_at = $now"
                # A semi-join, not list_contains: a large notice is 100,000 rows to look at.
                " WHERE id IN (SELECT unnest($ids)) AND status IN ($waiting, 'retry_wait')"
                " RETURNING id",
                {
                    "in_flight": box.in_flight_status,
                    "now": now,
                    "ids": [item.id for item in items],
                    "waiting": box.waiting_status,
                    **({"worker": self.worker_id} if box.claimed_by_column else {}),
                },
            ).fetchall()
            won = [row[0] for row in rows]
            if won:
                cur.execute(
                    f"INSERT INTO {box.attempts_table} ({box.item_column}, worker, started_at,"
                    " outcome) SELECT unnest($ids), $worker, $now, 'started'",
                    {"ids": won, "worker": self.worker_id, "now": now},
                )
        return set(won)

    def _finish_delivered_many(self, created: list[tuple[int, PublishedPost]]) -> int:
        """Record items just sent, set-based, in one transaction; returns how many."""
        if not created:
            return 0
        box, now = self._box, self._clock()
        staged = {
            "ids": [item_id for item_id, _ in created],
            "platform_ids": [post.platform_post_id for _, post in created],
            "links": [post.permalink for _, post in created],
            "ats": [post.created_at or now for _, post in created],
        }
        with self._store.transaction() as cur:
            rows = cur.execute(
                f"UPDATE {box.table} SET status = $delivered, {box.platform_id_column} = s.pid,"
                f" permalink = s.link, {box.delivered_at_column} = s.at, last_error = NULL,"
                " attention_reason = NULL, next_attempt_at = NULL, updated_at = $now"
                " FROM (SELECT unnest($ids) AS id, unnest($platform_ids) AS pid,"
                "  unnest($links) AS link, unnest($ats) AS at) AS s"
                f" WHERE {box.table}.id = s.id AND {box.table}.status = $in_flight"
                f" RETURNING {box.table}.id",
                {
                    **staged,
                    "delivered": box.delivered_status,
                    "in_flight": box.in_flight_status,
                    "now": now,
                },
            ).fetchall()
            recorded = {row[0] for row in rows}
            cur.execute(
                f"UPDATE {box.attempts_table} SET outcome = $delivered, error = NULL,"
                f" {box.platform_id_column} = s.pid, finished_at = $now"
                " FROM (SELECT unnest($ids) AS id, unnest($platform_ids) AS pid) AS s"
                f" WHERE {box.attempts_table}.{box.item_column} = s.id"
                f" AND {box.attempts_table}.outcome = 'started'",
                {
                    "ids": staged["ids"],
                    "platform_ids": staged["platform_ids"],
                    "delivered": box.delivered_status,
                    "now": now,
                },
            )
            dones = [
                Delivered(item_id, post, False, now)
                for item_id, post in created
                if item_id in recorded
            ]
            for done in dones:
                if self._x_usage is not None and done.post.platform is Platform.X:
                    self._x_usage.record_created(cur, done.post.platform_post_id, done.post.text)
            self.kind.record_delivered_many(cur, dones)
        for done in dones:
            self.kind.after_delivered(done)
        return len(dones)

    def _claim(self, item: DueItem) -> bool:
        box, now = self._box, self._clock()
        claimed_by = f" {box.claimed_by_column} = $worker," if box.claimed_by_column else ""
        with self._store.transaction() as cur:
            claimed = cur.execute(
                f"UPDATE {box.table} SET status = $in_flight,{claimed_by} claimed_at = $now,"
                " attempts = attempts + 1, updated_at = $now"
                " WHERE id = $id AND status IN ($waiting, 'retry_wait') RETURNING id",
                {
                    "in_flight": box.in_flight_status,
                    "now": now,
                    "id": item.id,
                    "waiting": box.waiting_status,
                    **({"worker": self.worker_id} if box.claimed_by_column else {}),
                },
            ).fetchone()
            if claimed is None:
                return False
            cur.execute(
                f"INSERT INTO {box.attempts_table} ({box.item_column}, worker, started_at,"
                " outcome) VALUES (?, ?, ?, 'started')",
                [item.id, self.worker_id, now],
            )
        return True

    def _send(self, item: DueItem, adapter: Channel) -> str:
        delivered, failure = self._call(item, adapter)
        if delivered is None:
            return self._finish_refused(item, failure)
        self._finish_delivered(item.id, delivered, found=False)
        return self._box.delivered_status

    def _call(
        self, item: DueItem, adapter: Channel
    ) -> tuple[PublishedPost | None, BaseException | None]:
        """The one platform call: what it created, or what went wrong (never raised)."""
        try:
            return self.kind.send(item, adapter), None
        except Exception as exc:  # a HubError, or a bug: neither may lose the item
            return None, exc

    def _finish_refused(self, item: DueItem, failure: BaseException | None) -> str:
        if isinstance(failure, HubError):
            return self._finish_failed(item, failure)
        # A bug must not lose the item or send it twice.
        log.error(
            "sending %s %s failed unexpectedly", self.kind.words.noun, item.id, exc_info=failure
        )
        return self._finish_unknown(item.id, f"unexpected error: {type(failure).__name__}")

    def _finish_failed(self, item: DueItem, exc: HubError) -> str:
        now = self._clock()
        disposition = classify_failure(
            exc, attempts_made=item.attempts + 1, max_attempts=self._max_attempts, now=now
        )
        if disposition.status == "unconfirmed":
            return self._finish_unknown(item.id, disposition.error)
        if disposition.needs_reconnect:
            self._holds.mark_needs_reconnect(
                item.platform, disposition.error, by=self.kind.actor_name
            )
        if disposition.rate_limited_until is not None:
            self._holds.set_rate_limited(item.platform, disposition.rate_limited_until)
        # Held: back to waiting, sent once IT resumes the account.
        status = self._box.waiting_status if disposition.status == "held" else disposition.status
        with self._store.transaction() as cur:
            cur.execute(
                f"UPDATE {self._box.table} SET status = ?, last_error = ?, next_attempt_at = ?,"
                " attention_reason = ?, updated_at = ? WHERE id = ?",
                [
                    status,
                    disposition.error[:1000],
                    disposition.next_attempt_at,
                    disposition.attention,
                    now,
                    item.id,
                ],
            )
            self._finish_attempt(cur, item.id, "refused", disposition.error, None)
            if status == "needs_attention":
                self.kind.record_needs_attention(cur, item.id, disposition.attention or "")
        return disposition.status

    def _finish_unknown(self, item_id: int, error: str) -> str:
        with self._store.transaction() as cur:
            cur.execute(
                f"UPDATE {self._box.table} SET status = 'unconfirmed',"
                " unknown_outcomes = unknown_outcomes + 1, last_error = ?, updated_at = ?"
                " WHERE id = ?",
                [error[:1000], self._clock(), item_id],
            )
            self._finish_attempt(cur, item_id, "unknown", error, None)
        return "unconfirmed"

    def _finish_delivered(self, item_id: int, delivered: PublishedPost, *, found: bool) -> bool:
        """Record an item the platform confirmed (sent, or found by reconciliation), with the
        kind's own records, in one transaction; False if it was no longer waiting for this."""
        now = self._clock()
        with self._store.transaction() as cur:
            done = self._record_delivered(cur, item_id, delivered, found, now)
        if done is None:
            return False
        self.kind.after_delivered(done)
        return True

    def _record_delivered(
        self,
        cur: duckdb.DuckDBPyConnection,
        item_id: int,
        delivered: PublishedPost,
        found: bool,
        now: datetime,
    ) -> Delivered | None:
        box = self._box
        from_status = "unconfirmed" if found else box.in_flight_status
        row = cur.execute(
            f"UPDATE {box.table} SET status = ?, {box.platform_id_column} = ?,"
            f" permalink = ?, {box.delivered_at_column} = ?, last_error = NULL,"
            " attention_reason = NULL, next_attempt_at = NULL, updated_at = ?"
            " WHERE id = ? AND status = ? RETURNING id",
            [
                box.delivered_status,
                delivered.platform_post_id,
                delivered.permalink,
                delivered.created_at or now,
                now,
                item_id,
                from_status,
            ],
        ).fetchone()
        if row is None:
            return None
        if found:
            cur.execute(
                f"INSERT INTO {box.attempts_table} ({box.item_column}, worker, started_at,"
                f" finished_at, outcome, {box.platform_id_column})"
                " VALUES (?, ?, ?, ?, 'found', ?)",
                [item_id, self.worker_id, now, now, delivered.platform_post_id],
            )
        else:
            self._finish_attempt(
                cur, item_id, box.delivered_status, None, delivered.platform_post_id
            )
        if self._x_usage is not None and delivered.platform is Platform.X:
            self._x_usage.record_created(cur, delivered.platform_post_id, delivered.text)
        done = Delivered(item_id, delivered, found, now)
        self.kind.record_delivered(cur, done)
        return done

    def _finish_attempt(
        self,
        cur: duckdb.DuckDBPyConnection,
        item_id: int,
        outcome: str,
        error: str | None,
        platform_id: str | None,
    ) -> None:
        box = self._box
        cur.execute(
            f"UPDATE {box.attempts_table} SET outcome = ?, error = ?,"
            f" {box.platform_id_column} = ?, finished_at = ?"
            f" WHERE {box.item_column} = ? AND outcome = 'started'",
            [outcome, error[:1000] if error else None, platform_id, self._clock(), item_id],
        )


def _add(report: DeliveryReport, field_name: str, count: int) -> None:
    setattr(report, field_name, getattr(report, field_name) + count)


__all__ = [
    "CLOCK_SLACK",
    "MAX_UNKNOWN_OUTCOMES",
    "Delivered",
    "DeliveryEngine",
    "DeliveryKind",
    "DeliveryReport",
    "DueItem",
    "KindBase",
    "KindWords",
    "Listing",
    "Outbox",
    "UnconfirmedItem",
    "default_worker_id",
    "find_match",
    "horizon_of",
    "normal_text",
    "recent_posts_back_to",
]
