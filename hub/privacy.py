"""Personal data kept no longer than needed, and erased on a citizen's request.

India's Digital Personal Data Protection Act, 2023 lets a citizen ask for their data to be
erased, and asks the city to keep it only as long as its purpose needs. The hub's answer:

- **Retention.** The platform's raw payload of an interaction (kept as evidence of what was
  received) is dropped ``raw_retention_days`` after the hub first saw it, and the old texts of
  edits with it (`purge_expired`, run by the nightly job). The interaction's own text stays for
  the ticket's life: officers answer it.
- **Erasure.** `erase` takes a citizen by platform and the platform's id for them. Every
  interaction they wrote keeps its place (the ticket's times, department, ward, category and
  status, so the commissioner's figures do not move) and loses what is personal: the name, the
  text, the author id, the raw payload, the old texts of edits; the ticket events that quote
  them lose the quotation; the tickets' citizen key becomes an anonymous one. The row is marked
  ``erased_at`` so that the next pull, which still sees the comment on the platform, does not
  write it back (the citizen deletes it there; the hub cannot). The audit log records that an
  erasure was made and how much it touched, never the data erased.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from hub.audit import AuditLog
from hub.clock import utc_now
from hub.config import Settings
from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.inbox.evidence import EvidenceStore
from hub.permissions import Action, Actor
from hub.platforms.base import Platform
from hub.store import Store

ERASED = "[erased]"
PURGE_ACTOR = "retention-job"


def masked_phone_number(number: str) -> str:
    """A phone number as most people may see it: only its last four digits."""
    digits = "".join(c for c in number if c.isdigit())
    return "•" * max(len(digits) - 4, 4) + digits[-4:] if digits else ""


@dataclass(frozen=True)
class ErasureReport:
    """What one erasure touched (counts only: the data is gone)."""

    interactions: int
    tickets: int
    events: int
    attachments: int = 0

    @property
    def summary(self) -> str:
        """One line for the command and the audit log."""
        return (
            f"erased {self.interactions} message(s) of one citizen; {self.tickets} ticket(s)"
            f" kept anonymous, {self.events} quotation(s) removed from their history"
            + (f", {self.attachments} attachment(s) deleted" if self.attachments else "")
        )


@dataclass(frozen=True)
class PurgeReport:
    """What one retention purge dropped."""

    raw_payloads: int
    old_texts: int
    attachments: int = 0

    @property
    def summary(self) -> str:
        """One line for the job log."""
        return (
            f"dropped {self.raw_payloads} raw payload(s), {self.old_texts} old text(s),"
            f" {self.attachments} attachment(s)"
        )


# Where citizens' data comes from: the platforms, and reports filed through Open311.
ERASABLE_PLATFORMS = (*(p.value for p in Platform), "open311")


class PrivacyService:
    """Retention and erasure of citizens' personal data."""

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        evidence: EvidenceStore | None = None,
    ) -> None:
        """`evidence`: where citizens' WhatsApp attachments are kept (their files go too)."""
        self._store = store
        self._audit = audit
        self._settings = settings
        self._clock = clock
        self._evidence = evidence

    def erase(self, actor: Actor, platform: str, author_id: str) -> ErasureReport:
        """Erase one citizen's personal data (administrators); refuses an unknown citizen."""
        self._audit.authorize(actor, Action.MANAGE_USERS)
        if platform not in ERASABLE_PLATFORMS:
            known = ", ".join(ERASABLE_PLATFORMS)
            raise InvalidInput(
                N_("unknown platform {platform!r}: use one of {known}."),
                platform=platform,
                known=known,
            )
        author_id = (author_id or "").strip()
        if not author_id:
            raise InvalidInput(N_("give the platform's id of the citizen whose data is erased."))
        now = self._clock()
        anonymous = f"erased:{secrets.token_hex(8)}"
        # Open311: the filer is known by what the application sent (their account id, device,
        # e-mail or phone), kept in the report's raw payload and its author key.
        who = (
            "(author_id = $who OR author_id LIKE '%:' || $who OR raw->>'phone' = $who"
            " OR raw->>'email' = $who OR raw->>'account_id' = $who)"
            if platform == "open311"
            else "author_id = $who"
        )
        with self._store.transaction() as cur:
            ids = [
                row[0]
                for row in cur.execute(
                    f"SELECT id FROM interactions WHERE platform = $platform AND {who}"
                    " AND NOT from_city",
                    {"platform": platform, "who": author_id},
                ).fetchall()
            ]
            if not ids:
                raise NotFound(
                    N_(
                        "no messages from that citizen are stored (check the platform and the id);"
                        " nothing was changed."
                    )
                )
            cur.execute(
                "UPDATE interactions SET author_name = $erased, text = $erased,"
                " author_id = $anonymous, raw = NULL, erased_at = $now, latitude = NULL,"
                " longitude = NULL WHERE list_contains($ids, id)",
                {"erased": ERASED, "anonymous": anonymous, "now": now, "ids": ids},
            )
            attachments = self._forget_whatsapp(cur, ids, author_id, anonymous)
            cur.execute(
                "UPDATE interaction_changes SET old_text = NULL, new_text = NULL"
                " WHERE list_contains($ids, interaction_id)",
                {"ids": ids},
            )
            tickets = [
                row[0]
                for row in cur.execute(
                    "UPDATE tickets SET citizen_key = $anonymous, updated_at = $now,"
                    " latitude = NULL, longitude = NULL"
                    " WHERE list_contains($ids, interaction_id)"
                    " OR citizen_key = $key RETURNING id",
                    {
                        "anonymous": anonymous,
                        "now": now,
                        "ids": ids,
                        "key": f"{platform}:{author_id}",
                    },
                ).fetchall()
            ]
            # Follow-ups quote the citizen's words in the ticket's history.
            events = cur.execute(
                "UPDATE ticket_events SET note = $erased"
                " WHERE list_contains($tickets, ticket_id) AND event IN ('follow_up', 'reopened')"
                " AND note IS NOT NULL AND actor = 'triage-job' RETURNING id",
                {"erased": ERASED, "tickets": tickets},
            ).fetchall()
            report = ErasureReport(len(ids), len(tickets), len(events), attachments)
            self._audit.record(
                cur,
                actor=actor,
                action="erase_citizen_data",
                target_type="citizen",
                target_id=anonymous,
                detail=report.summary,
            )
        return report

    def _forget_whatsapp(
        self, cur: duckdb.DuckDBPyConnection, ids: list[int], wa_id: str, anonymous: str
    ) -> int:
        """A WhatsApp citizen's attachments (files and names), number and the desk's messages
        to them; returns how many attachments were deleted."""
        forgotten = self._purge_media(cur, "list_contains($ids, interaction_id)", {"ids": ids})
        cur.execute("DELETE FROM whatsapp_bursts WHERE wa_id = ?", [wa_id])
        cur.execute(
            "UPDATE whatsapp_messages SET wa_id = ?, text = ? WHERE wa_id = ?",
            [anonymous, ERASED, wa_id],
        )
        cur.execute("UPDATE whatsapp_statuses SET recipient = NULL WHERE recipient = ?", [wa_id])
        return forgotten

    def _purge_media(self, cur: duckdb.DuckDBPyConnection, where: str, params: dict) -> int:
        """Delete the files of the attachments `where` selects and mark them purged (their
        SHA-256 stays: what was received can still be named, not shown)."""
        rows = cur.execute(
            "SELECT id, kind, sha256, shown_name, thumbnail_name FROM whatsapp_media"
            f" WHERE status <> 'purged' AND ({where})",
            params,
        ).fetchall()
        if not rows:
            return 0
        cur.execute(
            "UPDATE whatsapp_media SET status = 'purged', filename = NULL, sealed_name = NULL,"
            " shown_name = NULL, thumbnail_name = NULL WHERE list_contains($ids, id)",
            {"ids": [row[0] for row in rows]},
        )
        if self._evidence is not None:
            for _, kind, sha256, shown, thumbnail in rows:
                self._evidence.forget_files(kind, sha256, shown, thumbnail)
        return len(rows)

    def purge_expired(self, now: datetime | None = None) -> PurgeReport:
        """Drop raw payloads and old edit texts past `raw_retention_days` (the nightly job)."""
        now = now or self._clock()
        cutoff = now - timedelta(days=self._settings.raw_retention_days)
        with self._store.transaction() as cur:
            raw = cur.execute(
                "UPDATE interactions SET raw = NULL WHERE raw IS NOT NULL AND first_seen_at < ?"
                " RETURNING id",
                [cutoff],
            ).fetchall()
            old = cur.execute(
                "UPDATE interaction_changes SET old_text = NULL"
                " WHERE old_text IS NOT NULL AND occurred_at < ? RETURNING id",
                [cutoff],
            ).fetchall()
            media_cutoff = now - timedelta(days=self._settings.media_retention_days)
            media = self._purge_media(cur, "created_at < $cutoff", {"cutoff": media_cutoff})
            report = PurgeReport(len(raw), len(old), media)
            if raw or old or media:
                self._audit.record(
                    cur,
                    actor=None,
                    actor_name=PURGE_ACTOR,
                    action="purge_expired_personal_data",
                    detail=report.summary,
                )
        return report


__all__ = ["ERASED", "ErasureReport", "PrivacyService", "PurgeReport", "masked_phone_number"]
