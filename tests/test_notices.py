"""Notices to subscribers end to end: citizens subscribe by WhatsApp through the real webhook
route, an officer writes a notice, IT reviews it, the morning digest makes one message per
subscriber, the engine sends each once as the approved template, statuses come back; STOP
ends everything at once; bad input is refused with nothing sent."""

from __future__ import annotations

import json
import time as time_module
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub import bootstrap
from hub.clock import utc_now
from hub.config import SANDBOX_WHATSAPP
from hub.errors import InvalidInput, PermissionDenied, Withdrawn
from hub.notices.notices import NoticeDraft
from hub.platforms.base import Platform
from hub.sandbox.server import Fault, SandboxApp
from hub.sandbox.whatsapp_api import install_whatsapp_api

KOLKATA = ZoneInfo("Asia/Kolkata")
RINA, AMIT, SOMA = "919830012345", "919830099999", "919831100000"


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = utc_now().astimezone(KOLKATA).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), KOLKATA)


def field_work(**fields) -> NoticeDraft:
    values = {
        "kind": "field_work",
        "text_bn": "পাইপলাইন মেরামতের জন্য জল সরবরাহ বন্ধ থাকবে।",
        "text_en": "Water supply off for pipeline repair.",
        "wards": (60, 61, 62, 63, 64, 65),
        "starts_at": tomorrow_at(10),
        "ends_at": tomorrow_at(14),
    }
    values.update(fields)
    return NoticeDraft(**values)


def answers_to(desk, wa_id: str) -> list[str]:
    return [m["text"] for m in desk.whatsapp.sent_messages() if m["wa_id"] == wa_id]


def notice_rows(hub) -> list[tuple]:
    with hub.store.cursor() as cur:
        return cur.execute(
            "SELECT wa_id, status, template, language, text, notice_ids FROM notice_messages"
            " ORDER BY id"
        ).fetchall()


def approved(hub, actors, draft: NoticeDraft, department: str = "WATER"):
    officer = actors["officer.water"] if department == "WATER" else actors["officer.roads"]
    notice = hub.notices.create(officer, department, draft)
    hub.notices.submit(officer, notice.id)
    return hub.notices.approve(actors["it.team"], notice.id)


def send_everything(desk) -> None:
    hub = desk.hub
    for _ in range(3):
        hub.notice_sender.run_cycle()
        desk.settle()


def test_subscribe_list_and_stop_by_whatsapp_in_bengali_and_english(desk):
    wa = desk.whatsapp
    wa.citizen_sends(RINA, "Rina", text="যোগ ৬৫ ৬৬")
    wa.citizen_sends(AMIT, "Amit", text="SUBSCRIBE 60-62")
    desk.settle()
    assert "ওয়ার্ড ৬৫-৬৬" in answers_to(desk, RINA)[-1]
    assert "wards 60-62" in answers_to(desk, AMIT)[-1]
    assert desk.hub.subscriptions.ward_counts(_commissioner(desk)) == {
        60: 1,
        61: 1,
        62: 1,
        65: 1,
        66: 1,
    }
    wa.citizen_sends(AMIT, "Amit", text="LIST")
    wa.citizen_sends(RINA, "Rina", text="বন্ধ ৬৬")
    desk.settle()
    assert answers_to(desk, AMIT)[-1].startswith("You follow: wards 60-62")
    assert "বন্ধ হল: ওয়ার্ড ৬৬" in answers_to(desk, RINA)[-1]
    wa.citizen_sends(RINA, "Rina", text="STOP")
    desk.settle()
    assert answers_to(desk, RINA)[-1].startswith("পৌরসংস্থার কোনো বিজ্ঞপ্তি আর পাঠানো হবে না")
    counts = desk.hub.subscriptions.ward_counts(_commissioner(desk))
    assert 65 not in counts and counts[60] == 1
    # No ticket was made of any of it, and consent is in the audit log with the message.
    with desk.hub.store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
        consents = cur.execute(
            "SELECT detail, after FROM audit_log WHERE action = 'subscription_consent'"
        ).fetchall()
    assert len(consents) == 2 and all("consent by WhatsApp message" in d for d, _ in consents)
    assert all(RINA not in str(row) and AMIT not in str(row) for row in consents)


def test_a_command_the_hub_cannot_read_is_answered_with_the_forms(desk):
    desk.whatsapp.citizen_sends(RINA, "Rina", text="SUBSCRIBE 999")
    desk.settle()
    (answer,) = answers_to(desk, RINA)
    assert "SUBSCRIBE 65" in answer or "যোগ ৬৫" in answer
    assert "999" in answer
    with desk.hub.store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM subscriptions").fetchone()[0] == 0


def test_the_journey_from_subscription_to_one_digest_per_subscriber(desk, actors):
    wa, hub = desk.whatsapp, desk.hub
    wa.citizen_sends(RINA, "Rina", text="যোগ ৬৫")
    wa.citizen_sends(AMIT, "Amit", text="SUBSCRIBE 88")
    wa.citizen_sends(SOMA, "Soma", text="SUBSCRIBE WATER")
    desk.settle()
    water = approved(hub, actors, field_work())
    roads = approved(
        hub,
        actors,
        field_work(
            text_bn="রাসবিহারী অ্যাভিনিউয়ে রাস্তা কাটা হবে।",
            text_en="Road cutting on Rashbehari Avenue.",
            wards=(65, 88),
        ),
        department="ROADS",
    )
    assert water.digest_date == tomorrow_at(10).date() == roads.digest_date
    # Not before the digest's time; then one message each, combining what touches them.
    assert hub.notice_sender.fan_out_due(now=tomorrow_at(6, 59)).messages == 0
    made = hub.notice_sender.fan_out_due(now=tomorrow_at(7, 1))
    assert (made.notices, made.messages, made.digests) == (2, 3, 1)
    assert hub.notice_sender.fan_out_due(now=tomorrow_at(7, 5)).messages == 0, "once"
    rows = {row[0]: row for row in notice_rows(hub)}
    assert set(rows) == {RINA, AMIT, SOMA}
    assert rows[RINA][3] == "bn" and rows[RINA][2] == "morning_digest"
    assert sorted(rows[RINA][5]) == sorted([water.id, roads.id]), "both notices in one message"
    assert "জল সরবরাহ" in rows[RINA][4] and "রাস্তা" in rows[RINA][4]
    assert rows[AMIT][5] == [roads.id] and "Road cutting" in rows[AMIT][4]
    assert rows[SOMA][5] == [water.id], "a department's subscriber"
    send_everything(desk)
    sent = [m for m in wa.sent_messages() if m["type"] == "template"]
    assert sorted(m["wa_id"] for m in sent) == sorted([RINA, AMIT, SOMA]), "each once"
    assert all(row[1] == "sent" for row in notice_rows(hub))
    funnel = hub.notice_sender.funnel(actors["officer.water"], water.id)
    assert (funnel.total, funnel.sent, funnel.delivered, funnel.failed) == (2, 2, 2, 0)


def test_a_disruption_goes_at_once_and_stop_cancels_what_was_queued(desk, actors):
    wa, hub = desk.whatsapp, desk.hub
    for number in (RINA, AMIT):
        wa.citizen_sends(number, "", text="SUBSCRIBE 65")
    desk.settle()
    disruption = approved(
        hub, actors, field_work(kind="disruption", starts_at=utc_now(), ends_at=tomorrow_at(14))
    )
    assert disruption.digest_date is None
    assert hub.notice_sender.fan_out_due().messages == 2
    # Amit stops before his turn: the STOP counts from receipt, before the desk's pass.
    wa.citizen_sends(AMIT, "", text="STOP")
    desk.deliver()
    assert AMIT in hub.subscriptions.stopping()
    hub.notice_sender.run_cycle()
    assert [m["wa_id"] for m in wa.sent_messages() if m["type"] == "template"] == [RINA]
    desk.settle()
    statuses = {row[0]: row[1] for row in notice_rows(hub)}
    assert statuses == {RINA: "sent", AMIT: "cancelled"}
    assert hub.subscriptions.stopping() == frozenset(), "carried out"


def test_a_stop_received_before_a_restart_still_counts_before_the_desk_carries_it_out(
    hub, settings
):
    # A STOP the route kept (answered 200) and the process ended before the desk carried it
    # out: one still in the webhook journal, one moved into the store but not yet read as a
    # command. Until the desk's first pass after the restart, neither number may be sent to.
    sandbox = install_whatsapp_api(
        SandboxApp(settings.data_dir / "platform.duckdb"), **SANDBOX_WHATSAPP
    )

    def received(number: str, text: str) -> None:
        _, payload = sandbox.citizen_message(number, "", text=text)
        body = json.dumps(payload, ensure_ascii=False).encode()
        assert hub_now.whatsapp_webhooks.receive(body, sandbox.sign(body), None).status == 200

    hub_now = hub
    received(SOMA, "SUBSCRIBE 65")
    received(AMIT, "SUBSCRIBE 65")
    hub_now.whatsapp_webhooks.drain()
    hub_now.tickets.triage_new_interactions()
    hub_now.subscriptions.apply_pending()
    received(SOMA, "STOP")
    hub_now.whatsapp_webhooks.drain()
    received(AMIT, "STOP")
    received(RINA, "SUBSCRIBE 65")
    hub_now.close()
    hub_now = bootstrap.build_hub(settings, create=False)
    try:
        assert hub_now.subscriptions.stopping() == frozenset({SOMA, AMIT})
        hub_now.whatsapp_webhooks.drain()
        hub_now.tickets.triage_new_interactions()
        hub_now.subscriptions.apply_pending()
        assert hub_now.subscriptions.stopping() == frozenset(), "carried out"
        hub_now.close()
        hub_now = bootstrap.build_hub(settings, create=False)
        assert hub_now.subscriptions.stopping() == frozenset(), "once carried out, not waiting"
        assert hub_now.subscriptions.holds_back(SOMA) and hub_now.subscriptions.holds_back(AMIT)
        assert not hub_now.subscriptions.holds_back(RINA)
    finally:
        hub_now.close()


def test_a_stop_storm_is_carried_out_together_and_in_order_with_other_commands(desk, actors):
    wa, hub = desk.whatsapp, desk.hub
    stranger = "919800000001"
    for number in (RINA, AMIT, SOMA):
        wa.citizen_sends(number, "", text="SUBSCRIBE 65")
    desk.settle()
    wa.citizen_sends(SOMA, "", text="ENGLISH")
    desk.settle()
    approved(hub, actors, field_work(kind="disruption", starts_at=utc_now()))
    assert hub.notice_sender.fan_out_due().messages == 3
    # One pass: two plain STOPs, one from a number that never subscribed, and Rina's STOP
    # followed by a new SUBSCRIBE (her commands go one by one, in order).
    for number, text in [
        (AMIT, "STOP"),
        (SOMA, "stop"),
        (stranger, "বন্ধ"),
        (RINA, "STOP"),
        (RINA, "SUBSCRIBE 66"),
    ]:
        wa.citizen_sends(number, "", text=text)
    desk.deliver()
    hub.whatsapp_webhooks.drain()
    hub.tickets.triage_new_interactions()
    done = hub.subscriptions.apply_pending()
    assert (done.applied, done.stopped, done.subscribed, done.cancelled_messages) == (5, 4, 1, 3)
    with hub.store.cursor() as cur:
        followed = dict(
            cur.execute(
                "SELECT b.wa_id, list(s.topic ORDER BY s.topic) FROM subscribers b"
                " LEFT JOIN subscriptions s ON s.subscriber_id = b.id"
                " WHERE b.stopped_at IS NULL GROUP BY b.wa_id"
            ).fetchall()
        )
        answers = cur.execute(
            "SELECT i.author_id, c.command, c.language, c.answer FROM subscription_commands c"
            " JOIN interactions i ON i.id = c.interaction_id"
            " WHERE i.created_at >= (SELECT max(created_at) FROM interactions) - INTERVAL 1 HOUR"
            " AND c.command LIKE 'stop%'"
        ).fetchall()
        stopped_audit = cur.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'subscription_stopped'"
        ).fetchone()[0]
    assert followed == {RINA: ["ward:66"]}, "only Rina follows anything, and only her new ward"
    assert {row[1] for row in notice_rows(hub)} == {"cancelled"}
    by_number = {number: (language, text) for number, _, language, text in answers}
    assert by_number[SOMA][0] == "en" and by_number[SOMA][1].startswith("You will get no more")
    assert by_number[stranger][1].startswith("পৌরসংস্থার কোনো বিজ্ঞপ্তি আর পাঠানো হবে না")
    assert stopped_audit == 3, "one audit row per subscriber stopped (not the stranger)"
    assert hub.subscriptions.stopping() == frozenset()


def test_a_message_claimed_before_the_stop_was_carried_out_does_not_go(desk, actors):
    # The sender claims a group of messages before it calls WhatsApp for them; the STOP is
    # received and carried out in between (the desk's pass cancels only what is queued).
    wa, hub = desk.whatsapp, desk.hub
    for number in (RINA, AMIT):
        wa.citizen_sends(number, "", text="SUBSCRIBE 65")
    desk.settle()
    approved(hub, actors, field_work(kind="disruption", starts_at=utc_now()))
    hub.notice_sender.fan_out_due()
    with hub.store.cursor() as cur:
        claimed = {item.payload.wa_id: item for item in hub.notice_sender.kind.due(cur, utc_now())}
    wa.citizen_sends(AMIT, "", text="STOP")
    desk.settle()
    assert hub.subscriptions.stopping() == frozenset(), "carried out"
    adapter = hub.platforms.adapter(Platform.WHATSAPP)
    with pytest.raises(Withdrawn):
        hub.notice_sender.kind.send(claimed[AMIT], adapter)
    hub.notice_sender.kind.send(claimed[RINA], adapter)
    assert [m["wa_id"] for m in wa.sent_messages() if m["type"] == "template"] == [RINA]
    # Amit subscribes again: he is no longer held back.
    wa.citizen_sends(AMIT, "", text="SUBSCRIBE 65")
    desk.settle()
    assert not hub.subscriptions.holds_back(AMIT)


def test_stop_in_the_store_cancels_a_queued_message_before_any_send(desk, actors):
    wa, hub = desk.whatsapp, desk.hub
    wa.citizen_sends(RINA, "", text="SUBSCRIBE 65")
    desk.settle()
    approved(hub, actors, field_work(kind="disruption", starts_at=utc_now()))
    hub.notice_sender.fan_out_due()
    wa.citizen_sends(RINA, "", text="bondho")
    desk.settle()  # the desk's pass carries the STOP out before the notices' job runs
    hub.notice_sender.run_cycle()
    assert [row[1] for row in notice_rows(hub)] == ["cancelled"]
    assert not [m for m in wa.sent_messages() if m["type"] == "template"]


def test_a_notice_also_posted_goes_to_facebook_and_x_when_its_subscribers_get_it(desk, actors):
    hub = desk.hub
    disruption = approved(
        hub,
        actors,
        field_work(kind="disruption", starts_at=utc_now(), ends_at=tomorrow_at(14), also_post=True),
    )
    field = approved(hub, actors, field_work(also_post=True))
    quiet = approved(hub, actors, field_work())
    with hub.store.cursor() as cur:
        posts = cur.execute(
            "SELECT n.id, p.platform, p.scheduled_at, p.text, u.author, u.reviewed_by, u.status"
            " FROM notices n JOIN updates u ON u.id = n.update_id JOIN posts p"
            " ON p.update_id = u.id ORDER BY n.id, p.platform"
        ).fetchall()
    assert quiet.id not in {row[0] for row in posts}, "only when the officer asked"
    by_notice = {}
    for notice_id, platform, at, text, author, reviewer, status in posts:
        by_notice.setdefault(notice_id, {})[platform] = (at, text)
        assert (author, reviewer, status) == ("officer.water", "it.team", "approved")
    assert set(by_notice) == {disruption.id, field.id}
    now_posts = by_notice[disruption.id]
    assert abs((now_posts["facebook"][0] - utc_now()).total_seconds()) < 60, "at once"
    assert "৬০-৬৫" in now_posts["facebook"][1] and "wards 60-65" in now_posts["facebook"][1]
    assert "STOP" not in now_posts["facebook"][1], "no WhatsApp footer under a public post"
    morning = by_notice[field.id]["x"][0].astimezone(KOLKATA)
    assert (morning.date(), morning.hour) == (field.digest_date, 7), "with the digest"
    # The publisher sends them like any approved update's posts (the disruption's now).
    hub.publisher.run_cycle()
    with hub.store.cursor() as cur:
        published = cur.execute(
            "SELECT p.platform FROM posts p JOIN notices n ON n.update_id = p.update_id"
            " WHERE p.status = 'published' AND p.platform_post_id IS NOT NULL AND n.id = ?",
            [disruption.id],
        ).fetchall()
    assert sorted(row[0] for row in published) == ["facebook", "x"]


def test_a_notice_too_long_for_x_even_in_english_is_not_approved(hub, actors):
    officer = actors["officer.water"]
    long_text = "Water supply will stay off for the repair of the main pipeline. " * 5
    notice = hub.notices.create(
        officer, "WATER", field_work(text_en=long_text.strip(), also_post=True)
    )
    hub.notices.submit(officer, notice.id)
    with pytest.raises(InvalidInput, match="also to be posted on X"):
        hub.notices.approve(actors["it.team"], notice.id)
    assert hub.notices.get(officer, notice.id).status == "submitted", "nothing approved"
    with hub.store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM posts").fetchone()[0] == 0


def test_review_follows_the_rules_of_posts(hub, actors):
    officer, it = actors["officer.water"], actors["it.team"]
    notice = hub.notices.create(officer, "WATER", field_work())
    with pytest.raises(PermissionDenied):
        hub.notices.create(actors["officer.roads"], "WATER", field_work())
    hub.notices.submit(officer, notice.id)
    with pytest.raises(InvalidInput, match="Say what to change"):
        hub.notices.request_changes(it, notice.id, "")
    back = hub.notices.request_changes(it, notice.id, "Name the streets")
    assert back.status == "changes_requested" and back.review_note == "Name the streets"
    hub.notices.save(officer, notice.id, field_work(text_en="Water off: Lake Road, Hazra Road."))
    hub.notices.submit(officer, notice.id)
    with pytest.raises(InvalidInput, match="reason"):
        hub.notices.reject(it, notice.id, " ")
    assert hub.notices.reject(it, notice.id, "Duplicate of #3").status == "rejected"
    # Nobody reviews their own: an IT member's own notice.
    own = hub.notices.create(officer, "WATER", field_work())
    hub.notices.submit(officer, own.id)
    with pytest.raises(PermissionDenied):
        hub.notices.approve(officer, own.id)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"wards": ()}, "Choose the wards"),
        ({"wards": (145,)}, "no ward 145"),
        ({"text_bn": ""}, "Bengali and in English"),
        (
            {"starts_at": utc_now() - timedelta(days=2), "ends_at": utc_now() - timedelta(days=1)},
            "already over",
        ),
        ({"text_en": "x" * 1100}, "too long for the WhatsApp template"),
        ({"ends_at": tomorrow_at(9)}, "end after it starts"),
        ({"kind": "gossip"}, "kind of notice"),
    ],
)
def test_a_bad_notice_is_refused_clearly_and_nothing_is_made(hub, actors, fields, words):
    officer = actors["officer.water"]
    with pytest.raises(InvalidInput, match=words):
        notice = hub.notices.create(officer, "WATER", field_work(**fields))
        hub.notices.submit(officer, notice.id)
    assert hub.notice_sender.fan_out_due().messages == 0
    with hub.store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM notice_messages").fetchone()[0] == 0


def test_a_missing_template_holds_its_language_and_sends_nothing(desk, actors):
    wa, hub = desk.whatsapp, desk.hub
    numbers = [f"9198300{n:05d}" for n in range(60)]
    for number in numbers:
        wa.citizen_sends(number, "", text="যোগ ৬৫")
    wa.citizen_sends(AMIT, "", text="SUBSCRIBE 65")  # English: its template is there
    desk.settle()
    wa.remove_template("service_notice", "bn")
    approved(hub, actors, field_work(kind="disruption", starts_at=utc_now()))
    hub.notice_sender.fan_out_due()
    hub.notice_sender.run_cycle()
    rows = notice_rows(hub)
    assert {row[1] for row in rows if row[3] == "bn"} == {"needs_attention"}
    assert [row[1] for row in rows if row[3] == "en"] == ["sent"]
    assert [m["wa_id"] for m in wa.sent_messages() if m["type"] == "template"] == [AMIT]
    with hub.store.cursor() as cur:
        called = cur.execute(
            "SELECT count(*) FROM notice_message_attempts WHERE error NOT LIKE '%not tried%'"
        ).fetchone()[0]
        reasons = cur.execute(
            "SELECT attention_reason FROM notice_messages WHERE language = 'bn'"
        ).fetchall()
    # Only the first group in flight together asked WhatsApp; the rest were not tried.
    assert called <= 1 + hub.settings.whatsapp.senders * 4, "no more tried in vain"
    assert all("service_notice" in r[0] and "bn" in r[0] for r in reasons)


def test_staff_add_a_councillor_only_with_a_recorded_consent(hub, actors):
    it = actors["it.team"]
    with pytest.raises(InvalidInput, match="consent"):
        hub.subscriptions.add_by_staff(it, phone="9830011111", wards=[65], consent_source=" ")
    with pytest.raises(PermissionDenied):
        hub.subscriptions.add_by_staff(
            actors["officer.water"], phone="9830011111", wards=[65], consent_source="form 1"
        )
    subscriber = hub.subscriptions.add_by_staff(
        it,
        phone="+91 98300 11111",
        wards=[65, 66],
        consent_source="paper form 2026/114",
        role="councillor",
        display_name="Councillor, ward 65",
    )
    (listed,) = hub.subscriptions.subscribers(it)
    assert listed.id == subscriber and listed.number_ending == "1111"
    assert listed.role == "councillor" and listed.topics == ("ward:65", "ward:66")
    with hub.store.cursor() as cur:
        source = cur.execute("SELECT DISTINCT consent_source FROM subscriptions").fetchone()[0]
    assert source == "staff (it.team): paper form 2026/114"


def _commissioner(desk):
    from hub.permissions import Actor, Role

    return Actor(username="commissioner", role=Role.COMMISSIONER)


def test_a_refusal_that_holds_the_number_stops_the_calls_at_once(desk, actors):
    # The engine claims the next group while the current one's calls go out. When a call
    # meets the number's throughput limit, no call not yet made may go to WhatsApp: only those
    # already in flight beside it are answered; every other claimed message (the rest of its
    # group, the group claimed ahead) waits again, its attempt not counted, and goes out once
    # (and only once) later.
    wa, hub = desk.whatsapp, desk.hub
    senders = hub.settings.whatsapp.senders
    group = senders * 16
    numbers = [f"9198310{n:05d}" for n in range(group * 2 + 10)]
    for number in numbers:
        wa.citizen_sends(number, "", text="যোগ ৬৫")
    desk.settle()
    approved(hub, actors, field_work(kind="disruption", starts_at=utc_now()))
    hub.notice_sender.fan_out_due()
    throttled = {"error": {"code": 130429, "message": "(#130429) Rate limit hit"}}
    wa.app.inject(Fault(r"^POST /v24\.0/\d+/messages$", "status", 400, throttled))
    hub.notice_sender.run_cycle()

    with hub.store.cursor() as cur:
        by_status = dict(
            cur.execute("SELECT status, count(*) FROM notice_messages GROUP BY 1").fetchall()
        )
        released = cur.execute(
            "SELECT count(*) FROM notice_messages m WHERE m.status = 'queued' AND m.attempts = 0"
            " AND EXISTS (SELECT 1 FROM notice_message_attempts a WHERE a.message_id = m.id"
            "  AND a.error LIKE '%held before its turn%')"
        ).fetchone()[0]
        counted = cur.execute(
            "SELECT count(*) FROM notice_messages WHERE status = 'queued' AND attempts > 0"
        ).fetchone()[0]
    went = len([m for m in wa.sent_messages() if m["type"] == "template"])
    # The first call was throttled: at most the other senders' calls were in flight beside it.
    assert by_status["retry_wait"] == 1
    assert by_status.get("sent", 0) == went
    assert went <= senders - 1
    # Everything else waits again with no attempt counted; what had been claimed (the rest of
    # the first group and the second, claimed ahead) was given back unsent.
    assert by_status["queued"] == len(numbers) - 1 - went
    assert counted == 0
    assert released >= group

    time_module.sleep(2.5)  # the number's wait after 130429 (and the throttled one's retry)
    send_everything(desk)
    sent = [m["wa_id"] for m in wa.sent_messages() if m["type"] == "template"]
    assert sorted(sent) == sorted(numbers), "every subscriber once, none twice"
