"""One pass of the WhatsApp desk: what happens between a citizen's message and the reference
number on their phone, in seconds rather than at the next minute's jobs.

The webhook stores a message and wakes the desk (`wake`). Each pass then, in the data's own
order: triages new messages into tickets and escalates urgent ones (tickets), downloads
attachments (inbox; after triage, so a refusal is noted on its ticket), queues the
acknowledgements and the desk's own answers (answering), and runs
the exactly-once senders for replies and desk messages (delivery). Between wake-ups a pass
retries what is waiting (downloads, sends) and, every `FULL_PASS_EVERY` passes, looks for
answers still owed. The minute jobs (triage, replies) go on as before, so a lost wake-up
costs a minute, never a message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from hub.answering.replies import ReplyService
from hub.answering.whatsapp_desk import WhatsAppDesk
from hub.inbox.whatsapp_media import MediaFetcher
from hub.tickets.service import TicketService

FULL_PASS_EVERY = 15


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
        media: MediaFetcher,
        tickets: TicketService,
        replies: ReplyService,
        desk: WhatsAppDesk,
    ) -> None:
        self._media = media
        self._tickets = tickets
        self._replies = replies
        self._desk = desk
        self._woken = threading.Event()
        self._passes = 0
        self._lock = threading.Lock()

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
        if woken:
            triage = self._tickets.triage_new_interactions()
            if triage.looked_at:
                parts.append(f"triage: {triage.summary}")
                targets = self._tickets.check_targets()
                if targets.escalated or targets.reminded:
                    parts.append(f"targets: {targets.summary}")
        # After triage, so that what is refused or lost is noted on its ticket.
        fetched = self._media.run_cycle()
        if fetched.stored or fetched.refused or fetched.failed or fetched.retrying:
            parts.append(f"attachments: {fetched.summary}")
        if full:
            acknowledged = self._replies.acknowledge_due()
            owed = self._desk.queue_due()
            if acknowledged or owed:
                parts.append(f"queued: {acknowledged} acknowledgement(s), {owed} desk message(s)")
        replies = self._replies.run_cycle()
        if replies.did_something:
            parts.append(f"replies: {replies.summary}")
        messages = self._desk.run_cycle()
        if messages.did_something:
            parts.append(f"desk messages: {messages.summary}")
        return DeskPass(woken, tuple(parts))


__all__ = ["DeskCycle", "DeskPass"]
