"""Personal data: erased on a citizen's request with the figures kept, purged when expired."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from triage_fixtures import WATER_COMPLAINT, add_interaction, ticket_of

from hub.clock import utc_now
from hub.errors import InvalidInput, NotFound
from hub.platforms.base import Interaction, InteractionKind, Platform
from hub.privacy import ERASED


def stored(hub, interaction_id: int) -> tuple:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT author_name, text, author_id, raw, erased_at FROM interactions WHERE id = ?",
            [interaction_id],
        ).fetchone()


def test_an_erased_citizen_leaves_anonymous_tickets_and_the_same_figures(hub, actors):
    first = add_interaction(hub, WATER_COMPLAINT, author="rina", author_name="Rina Das")
    add_interaction(hub, "Still no water today in our tap, please", author="rina")
    other = add_interaction(hub, WATER_COMPLAINT, author="someone-else", thread_id="post-2")
    hub.tickets.triage_new_interactions()
    ticket = ticket_of(hub, first)
    admin = actors["admin"]
    it = actors["it.team"]
    before = hub.tickets.get(it, ticket)
    assert [e.event for e in before.events] == ["opened", "follow_up"]
    report = hub.privacy.erase(admin, "facebook", "rina")
    assert (report.interactions, report.tickets, report.events) == (2, 1, 1)
    name, text, author_id, raw, erased_at = stored(hub, first)
    assert (name, text, raw) == (ERASED, ERASED, None)
    assert author_id.startswith("erased:") and erased_at is not None
    after = hub.tickets.get(it, ticket)
    assert after.ticket.citizen_key.startswith("erased:")
    assert after.ticket.department_code == before.ticket.department_code
    assert after.ticket.opened_at == before.ticket.opened_at
    # The follow-up's quotation is gone; the routing evidence (the city's routing words) stays.
    notes = " ".join(e.note or "" for e in after.events).lower()
    assert "still no water today" not in notes and "routed to water" in notes
    assert stored(hub, other)[1] == WATER_COMPLAINT, "another citizen is untouched"
    with hub.store.cursor() as cur:
        audit = cur.execute(
            "SELECT detail, target_id FROM audit_log WHERE action = 'erase_citizen_data'"
        ).fetchone()
    assert "rina" not in str(audit) and "Rina" not in str(audit)


def test_a_pull_that_sees_the_comment_again_does_not_write_it_back(hub, actors):
    first = add_interaction(
        hub, WATER_COMPLAINT, author="rina", author_name="Rina Das", platform_id="c-erase-1"
    )
    hub.privacy.erase(actors["admin"], "facebook", "rina")
    again = Interaction(
        platform=Platform.FACEBOOK,
        platform_id="c-erase-1",
        kind=InteractionKind.COMMENT,
        thread_id="post-1",
        parent_id="post-1",
        author_id="rina",
        author_name="Rina Das",
        text=WATER_COMPLAINT + " (edited)",
        created_at=utc_now(),
        raw={"message": WATER_COMPLAINT},
    )
    result = hub.interactions.store_batch([again], "poll")
    assert result.new == () and result.edited == 0
    assert stored(hub, first)[:2] == (ERASED, ERASED)


def test_an_unknown_citizen_or_platform_is_a_clear_refusal(hub, actors):
    with pytest.raises(NotFound, match="nothing was changed"):
        hub.privacy.erase(actors["admin"], "facebook", "nobody-here")
    with pytest.raises(InvalidInput, match="unknown platform"):
        hub.privacy.erase(actors["admin"], "myspace", "rina")


def test_only_administrators_erase(hub, actors):
    from hub.errors import PermissionDenied

    add_interaction(hub, WATER_COMPLAINT, author="rina")
    with pytest.raises(PermissionDenied):
        hub.privacy.erase(actors["officer.water"], "facebook", "rina")


def test_raw_payloads_past_retention_are_dropped_and_recent_ones_kept(hub):
    old = add_interaction(hub, WATER_COMPLAINT, author="a")
    recent = add_interaction(hub, WATER_COMPLAINT, author="b")
    with hub.store.transaction() as cur:
        cur.execute('UPDATE interactions SET raw = \'{"message": "x"}\'')
        cur.execute(
            "UPDATE interactions SET first_seen_at = ? WHERE id = ?",
            [utc_now() - timedelta(days=hub.settings.raw_retention_days + 1), old],
        )
    report = hub.privacy.purge_expired()
    assert report.raw_payloads == 1
    assert stored(hub, old)[3] is None and stored(hub, recent)[3] is not None
    assert stored(hub, old)[1] == WATER_COMPLAINT, "the text stays for the ticket's life"
    assert hub.privacy.purge_expired().raw_payloads == 0


def test_hub_erase_from_the_command_line(tmp_path, template_database):
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template_database, data / "hub.duckdb")
    hub_command = str(Path(sys.executable).with_name("hub"))
    result = subprocess.run(
        [hub_command, "erase", "--platform", "x", "--author-id", "nobody", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("hub: no messages from that citizen")
