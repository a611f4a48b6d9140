"""Answering against the sandbox through the real SDKs: templates, replies in the citizen's
thread exactly once, the first response time, and the automatic acknowledgement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from replies_fixtures import add_ticket, facebook_ticket, reply_row, ticket_row

from hub.answering.replies import ReplyService
from hub.clock import utc_now
from hub.errors import InvalidInput, PermissionDenied
from hub.i18n import translate
from hub.platforms.base import Platform
from hub.sandbox.server import Fault

FACEBOOK_REPLY = r"POST /v\d+\.\d+/[^/]+/comments$"
X_CREATE = r"POST /2/tweets$"


class Clock:
    """Real time plus an offset the test can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self):
        return utc_now() + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def replies(installed_hub, clock) -> ReplyService:
    return ReplyService(
        installed_hub.store,
        installed_hub.audit,
        installed_hub.platforms,
        installed_hub.settings,
        templates=installed_hub.templates,
        interactions=installed_hub.interactions,
        clock=clock,
        worker_id="test-worker",
    )


def x_ticket(hub, text="Pothole on Rashbehari Avenue near ward 85", **columns) -> tuple[int, str]:
    """A citizen's mention of the city's account and its ticket: (ticket id, mention id)."""
    mention_id = hub.sandbox.x.add_mention(text, "rina_das")
    ticket_id = add_ticket(
        hub,
        platform=Platform.X,
        platform_id=mention_id,
        thread_id=mention_id,
        text=text,
        department_code="ROADS",
        **columns,
    )
    return ticket_id, mention_id


def page_replies_under(hub, comment_id: str) -> list[dict]:
    """The Page's comments whose parent is `comment_id`, on every post of the sandbox Page."""
    graph = hub.sandbox.graph
    found = []
    for post in graph.list_posts():
        for comment in graph.list_comments(post["id"]):
            parent = (comment.get("parent") or {}).get("id")
            if parent == comment_id and comment["from"]["id"] == graph.page_id:
                found.append(comment)
    return found


def city_replies_to(hub, tweet_id: str) -> list[dict]:
    """The account's posts replying to `tweet_id`."""
    return [
        t
        for t in hub.sandbox.x.list_timeline()
        if str(t.get("in_reply_to_tweet_id") or "") == tweet_id
    ]


def attempts(hub, reply_id: int) -> list[str]:
    with hub.store.cursor() as cur:
        rows = cur.execute(
            "SELECT outcome FROM reply_attempts WHERE reply_id = ? ORDER BY id", [reply_id]
        ).fetchall()
    return [r[0] for r in rows]


# -- templates --------------------------------------------------------------------------------


def test_default_templates_are_seeded_in_both_languages(installed_hub, actors):
    templates = installed_hub.templates.list(actors["officer.water"])
    kinds = {(t.purpose, t.language) for t in templates}
    for purpose in ("acknowledgement", "answer", "resolution"):
        assert {(purpose, "en"), (purpose, "bn")} <= kinds


def test_rendering_fills_placeholders_in_english_and_bengali_with_bengali_ward_digits(
    installed_hub, actors
):
    ticket_id = add_ticket(installed_hub, ward=65)
    target = installed_hub.replies.target(ticket_id)
    templates = installed_hub.templates
    english = templates.render(
        "{department} is on {reference}, ward {ward}.", target, language="en"
    )
    assert english == f"Water Supply is on {target.reference}, ward 65."
    bengali = templates.render("{department}: {reference}, ওয়ার্ড {ward}", target, language="bn")
    assert bengali == f"জল সরবরাহ: {target.reference}, ওয়ার্ড ৬৫"
    unknown_ward = installed_hub.replies.target(add_ticket(installed_hub, ward=None))
    assert templates.render("ward {ward}", unknown_ward, language="bn") == "ward —"


def test_an_unknown_placeholder_is_refused_with_the_known_ones_named(installed_hub, actors):
    it = actors["it.team"]
    with pytest.raises(InvalidInput, match=r"Unknown placeholder \{name\}.*\{reference\}"):
        installed_hub.templates.create(
            it, name="Bad", language="en", body="Dear {name}, see {reference}"
        )
    target = installed_hub.replies.target(add_ticket(installed_hub))
    with pytest.raises(InvalidInput, match=r"\{citizen\}"):
        installed_hub.templates.render("Hello {citizen}", target)


def test_it_manages_templates_and_officers_see_their_departments_and_global_ones(
    installed_hub, actors
):
    it, water, roads = actors["it.team"], actors["officer.water"], actors["officer.roads"]
    created = installed_hub.templates.create(
        it,
        name="Tanker sent",
        language="en",
        body="A water tanker is on its way to ward {ward} ({reference}).",
        department_code="WATER",
    )
    assert created in installed_hub.templates.list(water)
    assert created not in installed_hub.templates.list(roads)
    with pytest.raises(PermissionDenied):
        installed_hub.templates.create(water, name="Mine", language="en", body="{reference}")
    installed_hub.templates.deactivate(it, created.id)
    assert created.id not in {t.id for t in installed_hub.templates.list(water)}


# -- answering and sending --------------------------------------------------------------------


def test_an_answer_appears_under_the_citizens_comment_and_sets_the_first_response(
    installed_hub, actors, replies
):
    ticket_id, comment_id = facebook_ticket(installed_hub)
    reference = ticket_row(installed_hub, ticket_id)["reference"]
    reply_id = replies.answer(actors["officer.water"], ticket_id, "A tanker is on its way")
    link = f"{installed_hub.settings.public_url}/track/{reference}"
    assert (
        reply_row(installed_hub, reply_id)["text"]
        == f"A tanker is on its way (Ref: {reference}) {link}"
    ), "the reference and the public tracking link are added"
    assert ticket_row(installed_hub, ticket_id)["first_response_at"] is None, "queued only"

    report = replies.run_cycle()
    assert report.sent == 1
    row = reply_row(installed_hub, reply_id)
    assert row["status"] == "sent" and row["platform_reply_id"] and row["permalink"]
    posted = page_replies_under(installed_hub, comment_id)
    assert [p["message"] for p in posted] == [row["text"]]
    ticket = ticket_row(installed_hub, ticket_id)
    assert ticket["first_response_at"] is not None
    assert ticket["first_response_reply_id"] == reply_id
    assert ticket["status"] == "in_progress"
    assert attempts(installed_hub, reply_id) == ["sent"]
    assert replies.run_cycle().sent == 0, "a second cycle sends nothing again"
    # Its line in the ticket's history, in English and in the officer's Bengali.
    sent = installed_hub.tickets.get(actors["officer.water"], ticket_id).events[-1]
    assert sent.note == f"answer posted: {row['permalink']} (status new → in progress)"
    assert sent.shown_note.translated(lambda message: translate(message, "bn")) == (
        f"উত্তর পোস্ট হয়েছে: {row['permalink']} (অবস্থা নতুন → কাজ চলছে)"
    )


def test_an_answer_on_x_goes_into_the_citizens_conversation(installed_hub, actors, replies):
    ticket_id, mention_id = x_ticket(installed_hub)
    reply_id = replies.answer(actors["officer.roads"], ticket_id, "Repair crew assigned")
    assert replies.run_cycle().sent == 1
    posted = city_replies_to(installed_hub, mention_id)
    assert len(posted) == 1 and posted[0]["text"] == reply_row(installed_hub, reply_id)["text"]
    with installed_hub.store.cursor() as cur:
        stored = cur.execute(
            "SELECT from_city, parent_id FROM interactions WHERE platform = 'x'"
            " AND platform_id = ?",
            [posted[0]["id"]],
        ).fetchone()
    assert stored == (True, mention_id), "the city's X reply is stored as an interaction"


def test_a_failed_reply_leaves_the_first_response_empty(installed_hub, actors, replies):
    installed_hub.sandbox.app.inject(
        Fault(
            endpoint=FACEBOOK_REPLY,
            kind="status",
            status=500,
            payload={"error": {"message": "An unknown error occurred", "code": 1, "type": "x"}},
        )
    )
    ticket_id, comment_id = facebook_ticket(installed_hub)
    reply_id = replies.answer(actors["officer.water"], ticket_id, "We are checking")
    assert replies.run_cycle().retry_wait == 1
    assert reply_row(installed_hub, reply_id)["status"] == "retry_wait"
    ticket = ticket_row(installed_hub, ticket_id)
    assert ticket["first_response_at"] is None and ticket["status"] == "new"
    assert page_replies_under(installed_hub, comment_id) == []


def test_an_answer_lost_after_acceptance_is_reconciled_and_never_posted_twice(
    installed_hub, actors, replies
):
    fault = installed_hub.sandbox.app.inject(Fault(endpoint=FACEBOOK_REPLY, kind="drop_after"))
    ticket_id, comment_id = facebook_ticket(installed_hub)
    reply_id = replies.answer(actors["officer.water"], ticket_id, "Valve repaired")
    assert replies.run_cycle().unconfirmed == 1
    assert fault.fired == 1
    assert ticket_row(installed_hub, ticket_id)["first_response_at"] is None
    report = replies.run_cycle()
    assert report.reconciled_found == 1 and report.sent == 0
    row = reply_row(installed_hub, reply_id)
    assert row["status"] == "sent" and row["platform_reply_id"]
    assert attempts(installed_hub, reply_id) == ["unknown", "found"]
    assert len(page_replies_under(installed_hub, comment_id)) == 1
    assert ticket_row(installed_hub, ticket_id)["first_response_reply_id"] == reply_id


def test_an_x_reply_lost_after_acceptance_is_found_among_the_accounts_posts(
    installed_hub, actors, replies
):
    installed_hub.sandbox.app.inject(Fault(endpoint=X_CREATE, kind="drop_after"))
    ticket_id, mention_id = x_ticket(installed_hub)
    reply_id = replies.answer(actors["officer.roads"], ticket_id, "Crew on site tomorrow")
    assert replies.run_cycle().unconfirmed == 1
    assert replies.run_cycle().reconciled_found == 1
    assert reply_row(installed_hub, reply_id)["status"] == "sent"
    assert len(city_replies_to(installed_hub, mention_id)) == 1


def test_a_reply_that_never_arrived_is_retried_after_reconciling(installed_hub, actors, replies):
    installed_hub.sandbox.app.inject(Fault(endpoint=FACEBOOK_REPLY, kind="drop_before"))
    ticket_id, comment_id = facebook_ticket(installed_hub)
    reply_id = replies.answer(actors["officer.water"], ticket_id, "Pipeline checked")
    replies.run_cycle()
    assert reply_row(installed_hub, reply_id)["status"] == "unconfirmed"
    report = replies.run_cycle()
    assert report.reconciled_missing == 1 and report.sent == 1
    assert attempts(installed_hub, reply_id) == ["unknown", "not_found", "sent"]
    assert len(page_replies_under(installed_hub, comment_id)) == 1


def test_x_refusing_a_reply_where_the_account_was_not_mentioned_needs_attention(
    installed_hub, actors, replies
):
    # A post that never mentioned the city (e.g. found by search) cannot be answered on X.
    tweet_id = installed_hub.sandbox.x.add_post("Roads are terrible today", "rina_das")
    ticket_id = add_ticket(
        installed_hub, platform=Platform.X, platform_id=tweet_id, department_code="ROADS"
    )
    reply_id = replies.answer(actors["officer.roads"], ticket_id, "Which road, please?")
    assert replies.run_cycle().needs_attention == 1
    row = reply_row(installed_hub, reply_id)
    assert row["status"] == "needs_attention"
    assert "only reply where it was mentioned" in row["attention_reason"]
    assert ticket_row(installed_hub, ticket_id)["first_response_at"] is None


def test_an_expired_token_holds_replies_until_the_account_is_resumed(
    installed_hub, actors, replies
):
    ticket_id, comment_id = facebook_ticket(installed_hub)
    reply_id = replies.answer(actors["officer.water"], ticket_id, "Tanker dispatched")
    installed_hub.sandbox.graph.expire_token()
    assert replies.run_cycle().held == 1
    assert reply_row(installed_hub, reply_id)["status"] == "queued"
    assert replies.run_cycle().held == 1, "held without calling the platform again"
    assert page_replies_under(installed_hub, comment_id) == []
    installed_hub.sandbox.graph.restore_token()
    installed_hub.publisher.resume_account(actors["it.team"], Platform.FACEBOOK)
    assert replies.run_cycle().sent == 1
    assert len(page_replies_under(installed_hub, comment_id)) == 1


def test_a_reply_too_long_for_x_with_its_reference_is_refused_before_queueing(
    installed_hub, actors, replies
):
    ticket_id, _ = x_ticket(installed_hub)
    with pytest.raises(InvalidInput, match="X takes 280"):
        replies.answer(actors["officer.roads"], ticket_id, "a" * 270)
    with pytest.raises(InvalidInput, match="empty"):
        replies.answer(actors["officer.roads"], ticket_id, "   ")


def test_an_officer_cannot_answer_another_departments_ticket(
    installed_hub, actors, replies, audit_rows
):
    ticket_id, _ = facebook_ticket(installed_hub)
    with pytest.raises(PermissionDenied, match="only for your own department"):
        replies.answer(actors["officer.roads"], ticket_id, "Not ours")
    denied = audit_rows(actor="officer.roads", action="answer_ticket", outcome="denied")
    assert len(denied) == 1 and denied[0][4] == "WATER"
    assert replies.replies_for(actors["officer.water"], ticket_id) == []


def test_an_answer_never_moves_a_resolved_ticket_back(installed_hub, actors, replies):
    ticket_id, _ = facebook_ticket(installed_hub, status="resolved")
    replies.answer(actors["officer.water"], ticket_id, "Resolved, thank you")
    assert replies.run_cycle().sent == 1
    ticket = ticket_row(installed_hub, ticket_id)
    assert ticket["status"] == "resolved" and ticket["first_response_at"] is not None


# -- the automatic acknowledgement -----------------------------------------------------------


def test_auto_acknowledgement_after_the_minutes_only_where_enabled_and_once(
    installed_hub, actors, replies, clock
):
    replies.set_auto_acknowledge(actors["officer.water"], "WATER", True, 10)
    water_id, comment_id = facebook_ticket(
        installed_hub, text="জল নেই ৬৫ নম্বর ওয়ার্ডে", language="bn", opened_at=clock()
    )
    roads_id, _ = facebook_ticket(installed_hub, department_code="ROADS", opened_at=clock())
    assert replies.acknowledge_due() == 0, "not yet: 10 minutes have not passed"
    clock.offset += timedelta(minutes=11)
    assert replies.acknowledge_due() == 1
    assert replies.acknowledge_due() == 0, "once per ticket"
    assert replies.replies_for(actors["officer.roads"], roads_id) == []
    (ack,) = replies.replies_for(actors["officer.water"], water_id)
    reference = ticket_row(installed_hub, water_id)["reference"]
    assert ack.kind == "acknowledgement" and reference in ack.text and "ধন্যবাদ" in ack.text
    assert replies.run_cycle().sent == 1
    ticket = ticket_row(installed_hub, water_id)
    assert ticket["status"] == "acknowledged" and ticket["acknowledged_at"] is not None
    assert [p["message"] for p in page_replies_under(installed_hub, comment_id)] == [ack.text]


def test_switching_the_acknowledgement_on_leaves_older_tickets_alone(
    installed_hub, actors, replies, clock
):
    old_id, _ = facebook_ticket(installed_hub, opened_at=clock() - timedelta(hours=3))
    replies.set_auto_acknowledge(actors["it.team"], "WATER", True, 0)
    assert replies.acknowledge_due() == 0
    assert replies.replies_for(actors["it.team"], old_id) == []


def test_acknowledgement_settings_belong_to_the_departments_officers_and_it(
    installed_hub, actors, replies
):
    with pytest.raises(PermissionDenied):
        replies.set_auto_acknowledge(actors["officer.roads"], "WATER", True, 5)
    with pytest.raises(InvalidInput, match="0 to 1440"):
        replies.set_auto_acknowledge(actors["it.team"], "WATER", True, -1)
    settings = replies.set_auto_acknowledge(actors["admin"], "WATER", True, 15)
    assert settings.auto_acknowledge and settings.acknowledge_after_minutes == 15
    assert replies.settings_for(actors["officer.water"], "WATER") == settings


def test_the_send_replies_job_queues_acknowledgements_and_sends_them(installed_hub, actors):
    from jobs import replies as replies_job

    installed_hub.replies.set_auto_acknowledge(actors["it.team"], "WATER", True, 0)
    ticket_id, comment_id = facebook_ticket(installed_hub)
    replies_job.run(installed_hub)
    assert ticket_row(installed_hub, ticket_id)["status"] == "acknowledged"
    assert len(page_replies_under(installed_hub, comment_id)) == 1
    assert installed_hub.heartbeats.last_runs()[replies_job.JOB_ID]
