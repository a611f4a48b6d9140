"""The WhatsApp desk end to end: a citizen's messages through the real webhook route (signed,
over HTTP from the sandbox) into one ticket, attachments kept as evidence, the reference
number sent back once, statuses stored once, status by message to the reporter only."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests
from whatsapp_fixtures import media

from hub.errors import InvalidInput
from hub.i18n import shown_sentence, translate
from hub.inbox import whatsapp as whatsapp_inbox

CITIZEN = "919830012345"
OTHER = "919830099999"


def replies(hub) -> list[tuple]:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT ticket_id, kind, status, sent_as, text FROM replies WHERE platform ="
            " 'whatsapp' ORDER BY id"
        ).fetchall()


def desk_messages(hub) -> list[tuple]:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT purpose, status, text, ticket_id FROM whatsapp_messages ORDER BY id"
        ).fetchall()


def test_a_burst_with_photo_and_voice_note_is_one_ticket_acknowledged_once(desk):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "রিনা দাস", text="৬৫ নম্বর ওয়ার্ডে তিন দিন ধরে কলের জল নেই")
    wa.citizen_sends(CITIZEN, "রিনা দাস", image=(media("handwritten_complaint.jpg"), "image/jpeg"))
    wa.citizen_sends(CITIZEN, "রিনা দাস", audio=(media("voice_bn.ogg"), "audio/ogg; codecs=opus"))
    desk.settle()

    tickets = desk.tickets()
    assert len(tickets) == 1, tickets
    ticket_id, reference, department, status, ward, category, *_ = tickets[0]
    assert (department, ward, category) == ("WATER", 65, "complaint")
    assert status == "acknowledged"

    with desk.hub.store.cursor() as cur:
        kept = cur.execute(
            "SELECT kind, status, sha256, content_type, duration_seconds FROM whatsapp_media"
            " ORDER BY id"
        ).fetchall()
        burst = cur.execute(
            "SELECT count(DISTINCT thread_id), count(*) FROM interactions"
            " WHERE platform = 'whatsapp'"
        ).fetchone()
    assert burst == (1, 3)
    assert [(k[0], k[1]) for k in kept] == [("image", "stored"), ("audio", "stored")]
    assert kept[0][2] == hashlib.sha256(media("handwritten_complaint.jpg")).hexdigest()
    assert kept[1][3].startswith("OGG/Opus") and 3 < kept[1][4] < 6

    sent = [m for m in wa.sent_messages() if m["wa_id"] == CITIZEN]
    assert len(sent) == 1 and reference in sent[0]["text"]
    assert [r[:4] for r in replies(desk.hub)] == [(ticket_id, "acknowledgement", "sent", "text")]
    with desk.hub.store.cursor() as cur:
        statuses = cur.execute(
            "SELECT status FROM whatsapp_statuses WHERE callback LIKE 'reply-%' ORDER BY status"
        ).fetchall()
        acknowledged = cur.execute(
            "SELECT acknowledged_at <= acknowledge_by FROM tickets WHERE id = ?", [ticket_id]
        ).fetchone()
    assert ("delivered",) in statuses and ("sent",) in statuses
    assert acknowledged == (True,)


def deliver_first_again(desk) -> int:
    """POST the sandbox's first webhook to the hub once more, signed; the answer's status."""
    with desk.whatsapp.app.cursor() as cur:
        body = cur.execute("SELECT body FROM wa_webhooks ORDER BY id LIMIT 1").fetchone()[0]
    answer = requests.post(
        desk.url,
        data=body.encode(),
        headers={"X-Hub-Signature-256": desk.whatsapp.sign(body.encode())},
        timeout=5,
    )
    return answer.status_code


def test_redelivered_messages_and_statuses_are_stored_once(desk):
    desk.whatsapp.status_duplicate_rate = 1.0
    desk.whatsapp.status_shuffle = True
    desk.whatsapp.citizen_sends(CITIZEN, "Rina", text="Garbage not collected in ward 12")
    desk.deliver()
    # Meta delivers the same message again (it does, at least once): the sandbox's queue.
    for _ in range(3):
        assert deliver_first_again(desk) == 200
    desk.settle()
    with desk.hub.store.cursor() as cur:
        counts = cur.execute(
            "SELECT (SELECT count(*) FROM interactions WHERE platform = 'whatsapp'),"
            " (SELECT count(*) FROM whatsapp_statuses),"
            " (SELECT count(DISTINCT (message_id, status)) FROM whatsapp_statuses)"
        ).fetchone()
    assert counts[0] == 1
    assert counts[1] == counts[2] >= 2
    assert len(desk.tickets()) == 1


def test_a_large_drain_is_stored_in_several_commits_each_once(desk, monkeypatch):
    # Small commits (the lock is shared with a notice going out), and a delivery that comes
    # again in a later commit is still stored once.
    monkeypatch.setattr(whatsapp_inbox, "ITEMS_PER_COMMIT", 4)
    receiver = desk.hub.whatsapp_webhooks
    numbers = [f"91983005{n:04d}" for n in range(11)]
    for number in numbers:
        desk.whatsapp.citizen_sends(number, "", text=f"Drain blocked, complaint from {number}")
    desk.deliver()
    assert deliver_first_again(desk) == 200
    assert receiver.waiting() == 12
    moved = receiver.drain()
    assert (moved.taken, len(moved.new_messages), moved.duplicates) == (12, 11, 1)
    assert receiver.waiting() == 0
    with desk.hub.store.cursor() as cur:
        stored = cur.execute(
            "SELECT count(*), count(DISTINCT platform_id) FROM interactions"
            " WHERE platform = 'whatsapp'"
        ).fetchone()
    assert stored == (11, 11)


def test_status_by_message_only_to_the_reporters_number(desk):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "Rina", text="Street light not working near ward 88 park")
    desk.settle()
    (ticket,) = desk.tickets()
    reference = ticket[1]
    bengali = reference.translate(str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯"))
    wa.citizen_sends(CITIZEN, "Rina", text=f"{bengali} এর কী অবস্থা?")
    wa.citizen_sends(OTHER, "Stranger", text=f"what is the status of {reference}?")
    desk.settle()

    assert len(desk.tickets()) == 1, "a status request opens no ticket"
    to_citizen = [m["text"] for m in wa.conversation(CITIZEN) if m["direction"] == "out"]
    to_other = [m["text"] for m in wa.conversation(OTHER) if m["direction"] == "out"]
    assert any(reference in text and "স্বীকৃত" in text for text in to_citizen), to_citizen
    assert to_other == [
        f"No complaint {reference} was registered from this number. Please check the number,"
        " or send your complaint again."
    ]
    # The stranger learns exactly what a reference that does not exist would tell them.
    wa.citizen_sends(OTHER, "Stranger", text="status of KMC-2026-999999?")
    desk.settle()
    last = [m["text"] for m in wa.conversation(OTHER) if m["direction"] == "out"][-1]
    assert last == to_other[0].replace(reference, "KMC-2026-999999")


def test_a_refused_attachment_gets_a_reply_in_the_citizens_language(desk):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "রিনা", text="রাস্তায় বড় গর্ত, ৮৮ নম্বর ওয়ার্ড")
    wa.citizen_sends(CITIZEN, "রিনা", image=(b"MZ\x90\x00 not a photo at all" * 20, "image/jpeg"))
    wa.citizen_sends(
        CITIZEN, "রিনা", document=(b"just text, no pdf", "application/pdf", "complaint.pdf")
    )
    desk.settle()
    (ticket,) = desk.tickets()
    assert ticket[2] == "ROADS"
    notes = [m for m in desk_messages(desk.hub) if m[0] == "attachment"]
    assert len(notes) == 2 and all(n[1] == "sent" for n in notes)
    assert any("ছবি রাখা গেল না" in n[2] and "JPEG" in n[2] for n in notes), notes
    assert any("complaint.pdf" in n[2] and "PDF" in n[2] for n in notes), notes
    with desk.hub.store.cursor() as cur:
        events = cur.execute(
            "SELECT note, note_sentence FROM ticket_events WHERE ticket_id = ?"
            " AND event = 'attachment' ORDER BY id",
            [ticket[0]],
        ).fetchall()
    assert len(events) == 2
    # The ticket's history says it in the officer's language; the English stays for the log.
    assert events[1][0] == "document not kept: the document is not a PDF"
    in_bengali = [
        shown_sentence(note, sentence).translated(lambda m: translate(m, "bn"))
        for note, sentence in events
    ]
    # The photo's own reason and advice are in Bengali too (the file's name stays as sent).
    assert in_bengali[0].startswith("ছবি রাখা হয়নি: photo: ফাইলটি JPEG, PNG বা WebP ছবি নয়")
    assert "আবার চেষ্টা করুন" in in_bengali[0]
    assert in_bengali[1] == "নথি রাখা হয়নি: নথিটি PDF নয়"


def test_danger_to_life_escalates_at_once_and_sends_the_emergency_numbers(desk):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "Amit", text="Live wire snapped on the road in ward 40, sparks!")
    desk.settle()
    (ticket,) = desk.tickets()
    assert ticket[6] is True and ticket[8] == "urgent: for the duty officer"
    texts = [m["text"] for m in wa.conversation(CITIZEN) if m["direction"] == "out"]
    assert any("Fire 101" in t and "Ambulance 102" in t for t in texts), texts
    assert sum("Fire 101" in t for t in texts) == 1


def test_a_pin_sets_the_ward_and_a_conflict_with_the_text_is_kept(desk):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "Rina", text="Drain overflowing in ward 12")
    # Ward 65's interior point (tests/data/ward_points.json).
    points = json.loads((desk_data() / "ward_points.json").read_text())
    latitude, longitude = points["interior"]["65"]
    wa.citizen_sends(CITIZEN, "Rina", location=(latitude, longitude, "near the pump"))
    desk.settle()
    (ticket,) = desk.tickets()
    # The text came first and made the ticket; the pin is a follow-up in the burst.
    assert ticket[4] == 12
    wa.citizen_sends(OTHER, "Amit", location=(latitude, longitude, "garbage pile here"))
    wa.citizen_sends(OTHER, "Amit", text="garbage pile in ward 60")
    desk.settle()
    pinned = [t for t in desk.tickets() if t[0] != ticket[0]]
    assert len(pinned) == 1
    assert pinned[0][4] == 65 and pinned[0][7] is None


def test_an_unreadable_message_is_answered_with_what_the_desk_reads(desk):
    desk.whatsapp.citizen_sends(CITIZEN, "Rina", message_type="poll")
    desk.settle()
    assert [m[0] for m in desk_messages(desk.hub)] == ["unreadable"]
    assert desk.tickets() == []


@pytest.mark.parametrize("body", [b"{}", b'{"object": "whatsapp_business_account", "entry": 5}'])
def test_signed_nonsense_is_400_and_stores_nothing(desk, body):
    answer = requests.post(
        desk.url, data=body, headers={"X-Hub-Signature-256": desk.whatsapp.sign(body)}, timeout=5
    )
    assert answer.status_code == 400


def test_unsigned_or_forged_deliveries_are_403_and_counted(desk):
    body = b'{"object": "whatsapp_business_account", "entry": []}'
    assert requests.post(desk.url, data=body, timeout=5).status_code == 403
    forged = "sha256=" + "0" * 64
    assert (
        requests.post(desk.url, data=body, headers={"X-Hub-Signature-256": forged}).status_code
        == 403
    )
    with desk.hub.store.cursor() as cur:
        rows = cur.execute(
            "SELECT route, reason, refusals FROM webhook_refusal_counts ORDER BY reason"
        ).fetchall()
    assert rows == [
        ("/webhooks/whatsapp", "bad X-Hub-Signature-256", 1),
        ("/webhooks/whatsapp", "missing X-Hub-Signature-256", 1),
    ]


def desk_data():
    from pathlib import Path

    return Path(__file__).parent / "data"


def age_the_conversation(desk, citizen: str, hours: float) -> None:
    """The citizen last wrote `hours` ago: in the hub's burst and on the platform alike."""
    with desk.hub.store.transaction() as cur:
        cur.execute(
            "UPDATE whatsapp_bursts SET first_at = first_at - to_minutes(?::INTEGER),"
            " last_at = last_at - to_minutes(?::INTEGER) WHERE wa_id = ?",
            [int(hours * 60), int(hours * 60), citizen],
        )
    desk.whatsapp.age_conversation(citizen, int(hours * 60))


def test_an_answer_after_24_hours_goes_as_the_approved_template(desk, actors):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "Rina", text="Garbage not collected in ward 12 for a week")
    desk.settle()
    (ticket,) = desk.tickets()
    officer = actors["it.team"]
    assert desk.hub.replies.whatsapp_window(officer, ticket[0]).open
    age_the_conversation(desk, CITIZEN, 25)
    window = desk.hub.replies.whatsapp_window(officer, ticket[0])
    assert not window.open
    desk.hub.replies.answer(officer, ticket[0], "The lane was cleaned this morning.")
    desk.settle()
    answer = replies(desk.hub)[-1]
    assert answer[1:4] == ("answer", "sent", "template complaint_status_update")
    last = wa.sent_messages()[-1]
    assert last["type"] == "template"
    assert ticket[1] in last["text"] and "The lane was cleaned this morning." in last["text"]


def test_a_template_missing_in_the_language_sends_nothing_and_says_so(desk, actors):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "রিনা", text="৮৮ নম্বর ওয়ার্ডে রাস্তায় বড় গর্ত")
    desk.settle()
    (ticket,) = desk.tickets()
    age_the_conversation(desk, CITIZEN, 30)
    wa.remove_template("complaint_status_update", "bn")
    wa.remove_template("complaint_registered", "bn")
    before = len(wa.sent_messages())
    desk.hub.replies.answer(actors["it.team"], ticket[0], "রাস্তা মেরামত হয়েছে।")
    desk.settle()
    assert len(wa.sent_messages()) == before
    with desk.hub.store.cursor() as cur:
        status, reason = cur.execute(
            "SELECT status, attention_reason FROM replies WHERE kind = 'answer'"
        ).fetchone()
    assert status == "needs_attention" and "template does not exist in that language" in reason


def test_an_answer_lost_on_the_way_is_found_by_its_status_not_sent_again(desk):
    from hub.sandbox.server import Fault

    wa = desk.whatsapp
    wa.app.inject(Fault(r"^POST /v24\.0/\d+/messages$", "drop_after"))
    wa.citizen_sends(CITIZEN, "Rina", text="Street light broken near ward 88 park")
    desk.settle(passes=1)
    with desk.hub.store.cursor() as cur:
        assert cur.execute("SELECT status FROM replies").fetchone() == ("unconfirmed",)
    desk.settle()
    with desk.hub.store.cursor() as cur:
        status, outcomes = cur.execute(
            "SELECT r.status, list(a.outcome ORDER BY a.id) FROM replies r"
            " JOIN reply_attempts a ON a.reply_id = r.id GROUP BY r.status"
        ).fetchone()
    assert status == "sent" and outcomes == ["unknown", "found"]
    assert len([m for m in wa.sent_messages() if m["wa_id"] == CITIZEN]) == 1


def test_a_download_that_keeps_failing_is_flagged_and_the_citizen_asked_again(desk):
    from hub.sandbox.server import Fault

    wa = desk.whatsapp
    wa.app.inject(Fault(r"^GET /v24\.0/media-download/", "status", 500, {}, times=None))
    wa.citizen_sends(CITIZEN, "Rina", text="Water logging in ward 65")
    wa.citizen_sends(CITIZEN, "Rina", image=(media("pothole.jpg"), "image/jpeg"))
    for _ in range(6):
        desk.settle(passes=1)
        with desk.hub.store.transaction() as cur:
            cur.execute("UPDATE whatsapp_media SET next_attempt_at = now() - INTERVAL 1 SECOND")
    desk.settle()
    with desk.hub.store.cursor() as cur:
        status, attempts = cur.execute("SELECT status, attempts FROM whatsapp_media").fetchone()
        notes = cur.execute("SELECT note FROM ticket_events WHERE event = 'attachment'").fetchall()
    assert (status, attempts) == ("failed", 5)
    assert len(notes) == 1 and "could not be downloaded after 5 tries" in notes[0][0]
    with desk.hub.store.cursor() as cur:
        (sentence,) = cur.execute(
            "SELECT note_sentence FROM ticket_events WHERE event = 'attachment'"
        ).fetchone()
    shown = shown_sentence(notes[0][0], sentence).translated(lambda m: translate(m, "bn"))
    assert shown.startswith("নাগরিকের ছবি 5 বার চেষ্টার পরেও নামানো যায়নি: "), shown
    asked = [m for m in desk_messages(desk.hub) if m[0] == "attachment"]
    assert len(asked) == 1 and "did not reach us" in asked[0][2]


def test_signature_fuzzing_never_stores_and_never_fails_the_server(desk):
    import random

    rng = random.Random(7)
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "metadata": {"phone_number_id": "109000000000001"},
                                "messages": [
                                    {
                                        "from": CITIZEN,
                                        "id": "wamid.fuzz",
                                        "timestamp": "1790000000",
                                        "type": "text",
                                        "text": {"body": "forged"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    good = desk.whatsapp.sign(body)
    for attempt in range(60):
        signature = list(good)
        mutation = attempt % 4
        if mutation == 0:
            position = rng.randrange(7, len(signature))
            signature[position] = "0" if signature[position] != "0" else "1"
            sent_body, header = body, "".join(signature)
        elif mutation == 1:
            sent_body, header = body + b" ", good  # the body changed after signing
        elif mutation == 2:
            sent_body, header = body, rng.choice(["sha1=" + good[7:], good[7:], "sha256=", ""])
        else:
            sent_body, header = body, "sha256=" + good[7:].upper()[:-1]
        answer = requests.post(
            desk.url, data=sent_body, headers={"X-Hub-Signature-256": header}, timeout=5
        )
        assert answer.status_code in (403, 429), (attempt, answer.status_code)
    with desk.hub.store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0


def test_erasure_of_a_whatsapp_citizen_deletes_their_attachments_and_number(desk, actors):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "Rina", text="No water in ward 65")
    wa.citizen_sends(CITIZEN, "Rina", image=(media("handwritten_complaint.jpg"), "image/jpeg"))
    desk.settle()
    (ticket,) = desk.tickets()
    evidence = desk.hub.settings.data_dir / "evidence"
    before = [p for p in evidence.rglob("*") if p.is_file()]
    assert len(before) == 3  # the sealed original, the cleaned photo, its thumbnail
    report = desk.hub.privacy.erase(actors["admin"], "whatsapp", CITIZEN)
    assert report.attachments == 1 and report.interactions == 2
    assert [p for p in evidence.rglob("*") if p.is_file()] == []
    with desk.hub.store.cursor() as cur:
        found = cur.execute(
            "SELECT (SELECT count(*) FROM interactions WHERE author_id = $n),"
            " (SELECT count(*) FROM whatsapp_messages WHERE wa_id = $n),"
            " (SELECT count(*) FROM replies r JOIN tickets t ON t.id = r.ticket_id"
            "   WHERE t.citizen_key LIKE '%' || $n),"
            " (SELECT count(*) FROM whatsapp_bursts WHERE wa_id = $n),"
            " (SELECT count(*) FROM whatsapp_statuses WHERE recipient = $n),"
            " (SELECT status FROM whatsapp_media),"
            " (SELECT department_code || ' ' || ward FROM tickets)",
            {"n": CITIZEN},
        ).fetchone()
    assert found == (0, 0, 0, 0, 0, "purged", f"{ticket[2]} {ticket[4]}")


def test_attachments_are_purged_after_their_retention(desk):
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "Rina", text="Garbage in ward 12")
    wa.citizen_sends(CITIZEN, "Rina", audio=(media("voice_en.ogg"), "audio/ogg; codecs=opus"))
    desk.settle()
    from datetime import timedelta

    from hub.clock import utc_now

    days = desk.hub.settings.media_retention_days
    assert desk.hub.privacy.purge_expired(utc_now() + timedelta(days=days - 1)).attachments == 0
    report = desk.hub.privacy.purge_expired(utc_now() + timedelta(days=days + 1))
    assert report.attachments == 1
    evidence = desk.hub.settings.data_dir / "evidence"
    assert [p for p in evidence.rglob("*") if p.is_file()] == []
    with desk.hub.store.cursor() as cur:
        status, sha = cur.execute("SELECT status, sha256 FROM whatsapp_media").fetchone()
    assert status == "purged" and len(sha) == 64


def test_a_departments_own_deadline_is_the_one_its_tickets_are_held_to(desk, actors):
    settings = desk.hub.replies.set_whatsapp_deadline(actors["officer.water"], "WATER", 5)
    assert settings.whatsapp_deadline_minutes == 5
    with pytest.raises(InvalidInput, match="1 to 1440"):
        desk.hub.replies.set_whatsapp_deadline(actors["officer.water"], "WATER", 0)
    desk.whatsapp.citizen_sends(CITIZEN, "Rina", text="কলের জল নেই, ৬৫ নম্বর ওয়ার্ড")
    desk.settle()
    with desk.hub.store.cursor() as cur:
        minutes = cur.execute(
            "SELECT epoch(acknowledge_by - opened_at) / 60 FROM tickets"
        ).fetchone()[0]
    assert minutes == 5


def test_the_journey_from_photo_and_voice_note_to_resolved_and_asked_about(desk, actors):
    """A citizen's text, photo and voice note -> one ticket -> the reference number within
    the deadline -> the officer's answer in the conversation -> resolved -> the citizen asks
    its status and hears it, with the answer."""
    wa = desk.whatsapp
    wa.citizen_sends(CITIZEN, "রিনা দাস", text="৬৫ নম্বর ওয়ার্ডে তিন দিন ধরে কলের জল নেই")
    wa.citizen_sends(CITIZEN, "রিনা দাস", image=(media("handwritten_complaint.jpg"), "image/jpeg"))
    wa.citizen_sends(CITIZEN, "রিনা দাস", audio=(media("voice_bn.ogg"), "audio/ogg; codecs=opus"))
    desk.settle()
    (ticket,) = desk.tickets()
    ticket_id, reference = ticket[0], ticket[1]
    officer = actors["officer.water"]
    assert [a.kind for a in desk.hub.attachments.for_ticket(officer, ticket_id)] == [
        "image",
        "audio",
    ]
    desk.hub.replies.answer(officer, ticket_id, "আজ দুপুরে পাইপ মেরামত করা হয়েছে।")
    desk.settle()
    desk.hub.tickets.resolve(officer, ticket_id, "pipe repaired")
    wa.citizen_sends(CITIZEN, "রিনা দাস", text=f"{reference} এর কী অবস্থা?")
    desk.settle()
    phone = [m["text"] for m in wa.conversation(CITIZEN) if m["direction"] == "out"]
    assert len(phone) == 3, phone
    assert reference in phone[0]  # the acknowledgement
    assert "আজ দুপুরে পাইপ মেরামত করা হয়েছে।" in phone[1]  # the answer, as written
    assert "সমাধান হয়েছে" in phone[2] and "পাইপ মেরামত" in phone[2]  # status with the answer
    with desk.hub.store.cursor() as cur:
        on_time = cur.execute(
            "SELECT acknowledged_at <= acknowledge_by, status FROM tickets WHERE id = ?",
            [ticket_id],
        ).fetchone()
    assert on_time == (True, "resolved")


def test_a_message_whatsapp_could_not_deliver_is_flagged_not_sent_again(desk):
    wa = desk.whatsapp
    wa.undeliverable.add(CITIZEN)
    wa.citizen_sends(CITIZEN, "Rina", text="No water in ward 65 since morning")
    desk.settle()
    with desk.hub.store.cursor() as cur:
        status, reason = cur.execute("SELECT status, attention_reason FROM replies").fetchone()
    assert status == "needs_attention"
    assert reason.startswith("WhatsApp could not deliver it: Message undeliverable")
    desk.settle()
    assert len([m for m in wa.sent_messages() if m["wa_id"] == CITIZEN]) == 1
