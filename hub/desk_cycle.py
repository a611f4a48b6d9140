"""One pass of the WhatsApp desk: what happens between a citizen's message and the reference
number on their phone, in seconds rather than at the next minute's jobs.

The webhook keeps a delivery as received and wakes the desk (`wake`). Each pass then, in the
data's own order: moves the kept deliveries into the store in batches (inbox), triages new
messages into tickets and escalates urgent ones (tickets), queues the acknowledgements and
the desk's own answers (answering), runs the exactly-once senders for replies and desk
messages (delivery). Attachments are downloaded beside the passes, by a job of their own
(`fetch_attachments`): the reference numbers never wait for a photo to be decoded. Between
wake-ups a pass retries what is waiting (sends) and,
every `FULL_PASS_EVERY` passes, looks for answers still owed. The minute jobs (triage,
replies) go on as before, so a lost wake-up costs a minute, never a message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from hub.answering.replies import ReplyService
from hub.answering.whatsapp_desk import WhatsAppDesk
from hub.inbox.whatsapp import WhatsAppReceiver
from hub.inbox.whatsapp_media import MediaFetcher
from hub.notices.subscriptions import SubscriptionService
from hub.tickets.service import TicketService

FULL_PASS_EVERY = 15
# Deliveries moved in, and messages triaged, per transaction: the webhook route's own commit
# waits for the store's write lock, so no step of a pass holds it long.
STEP = 300
MEDIA_PER_PASS = 40


@dataclass(frozen=True)
class DeskPass:
    """What one pass did, for the job's log line."""

    woken: bool
    parts: tuple[str, ...]

    @property
    def did_something(self) -> bool:
        """Whether anything happened worth a log line."""
        return bool(self.parts)

    @property
    def summary(self) -> str:
        """One line for the job log and heartbeat."""
        return "; ".join(self.parts) or "nothing to do"


class DeskCycle:
    """The WhatsApp desk job's one service (module docstring)."""

    def __init__(
        self,
        intake: WhatsAppReceiver,
        media: MediaFetcher,
        tickets: TicketService,
        replies: ReplyService,
        desk: WhatsAppDesk,
        subscriptions: SubscriptionService | None = None,
    ) -> None:
        self._subscriptions = subscriptions
        self._intake = intake
        self._media = media
        self._tickets = tickets
        self._replies = replies
        self._desk = desk
        self._woken = threading.Event()
        self._passes = 0
        self._lock = threading.Lock()
        self._media_lock = threading.Lock()

    def wake(self, _stored: Any = None) -> None:
        """A message or status arrived: the next pass does everything at once."""
        self._woken.set()

    def run(self) -> DeskPass:
        """One pass (passes never overlap; a pass asked for during one is skipped)."""
        if not self._lock.acquire(blocking=False):
            return DeskPass(False, ())
        try:
            return self._run()
        finally:
            self._lock.release()

    def _run(self) -> DeskPass:
        woken = self._woken.is_set()
        self._woken.clear()
        self._passes += 1
        full = woken or self._passes % FULL_PASS_EVERY == 1
        parts = []
        moved = self._intake.drain(STEP)
        while moved.taken == STEP:
            more = self._intake.drain(STEP)
            moved = moved.plus(more)
        if moved.new_messages or moved.statuses or moved.duplicates:
            parts.append(
                f"received: {len(moved.new_messages)} message(s), {moved.attachments}"
                f" attachment(s), {moved.statuses} status(es), {moved.duplicates} again"
            )
        if woken or moved.new_messages:
            triage = self._tickets.triage_new_interactions(limit=STEP)
            looked_at, created = triage.looked_at, triage.tickets_created
            while triage.looked_at == STEP:
                triage = self._tickets.triage_new_interactions(limit=STEP)
                looked_at += triage.looked_at
                created += triage.tickets_created
            if looked_at:
                parts.append(f"triage: {looked_at} looked at, {created} new ticket(s)")
            if self._subscriptions is not None:
                commands = self._subscriptions.apply_pending()
                if commands.applied:
                    parts.append(f"subscriptions: {commands.summary}")
                    full = True  # their answers are owed now
                targets = self._tickets.check_targets()
                if targets.escalated or targets.reminded:
                    parts.append(f"targets: {targets.summary}")
        if full:
            acknowledged = self._replies.acknowledge_due()
            owed = self._desk.queue_due()
            if acknowledged or owed:
                parts.append(f"queued: {acknowledged} acknowledgement(s), {owed} desk message(s)")
            undelivered = self._desk.flag_undelivered()
            if undelivered:
                parts.append(f"{undelivered} message(s) WhatsApp could not deliver: flagged")
        replies = self._replies.run_cycle()
        if replies.did_something:
            parts.append(f"replies: {replies.summary}")
        messages = self._desk.run_cycle()
        if messages.did_something:
            parts.append(f"desk messages: {messages.summary}")
        return DeskPass(woken, tuple(parts))

    def fetch_attachments(self) -> DeskPass:
        """Download and keep what citizens attached (its own job, beside the passes, so the
        reference numbers never wait for a photo to be decoded): messages already triaged
        first, so that what is refused or lost is noted on its ticket."""
        if not self._media_lock.acquire(blocking=False):
            return DeskPass(False, ())
        try:
            fetched = self._media.run_cycle(limit=MEDIA_PER_PASS)
        finally:
            self._media_lock.release()
        if fetched.stored or fetched.refused or fetched.failed or fetched.retrying:
            return DeskPass(False, (f"attachments: {fetched.summary}",))
        return DeskPass(False, ())


__all__ = ["DeskCycle", "DeskPass"]
