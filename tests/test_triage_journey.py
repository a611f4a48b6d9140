"""Issue 5's loop end to end against the sandbox through the real SDKs: simulated citizens
comment and mention, the hub pulls, routes, answers in the same thread and resolves."""

from __future__ import annotations

from datetime import timedelta

from hub.demo import seed_sandbox_posts
from hub.inbox.pull import PullService
from hub.platforms.base import Platform
from hub.sandbox.simulator import CitizenSimulator


def interaction_rows(hub) -> dict[tuple[str, str], dict]:
    with hub.store.cursor() as cur:
        cur.execute(
            "SELECT platform, platform_id, text, edited_at, deleted_at, from_city FROM interactions"
        )
        names = [d[0] for d in cur.description]
        return {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def test_simulated_citizens_are_pulled_routed_answered_and_resolved(installed_hub, actors):
    hub = installed_hub
    it = actors["it.team"]
    assert seed_sandbox_posts(hub) == 4
    simulator = CitizenSimulator(hub.sandbox.graph, hub.sandbox.x, seed=11)
    emitted = simulator.emit(40)
    assert {e.platform for e in emitted} == {"facebook", "x"}

    hub.pull.pull_all()
    stored = interaction_rows(hub)
    citizen = {key: row for key, row in stored.items() if not row["from_city"]}
    assert {(e.platform, e.platform_id) for e in emitted} == set(citizen), (
        "every simulated comment and mention became exactly one interaction"
    )

    hub.pull.pull_all()
    assert interaction_rows(hub).keys() == stored.keys(), "pulling twice stores nothing twice"

    triage = hub.tickets.triage_new_interactions()
    assert triage.looked_at == len(stored)
    assert triage.tickets_created + triage.without_ticket + triage.follow_ups == len(stored)
    with hub.store.cursor() as cur:
        tickets = cur.execute(
            "SELECT t.id, t.reference, i.platform, i.platform_id, i.thread_id"
            " FROM tickets t JOIN interactions i ON i.id = t.interaction_id"
            " WHERE i.kind IN ('comment', 'mention') ORDER BY t.id"
        ).fetchall()
        untriaged = cur.execute(
            "SELECT count(*) FROM interactions i WHERE NOT EXISTS"
            " (SELECT 1 FROM interaction_triage t WHERE t.interaction_id = i.id)"
        ).fetchone()[0]
    assert tickets and untriaged == 0

    facebook_ticket = next(t for t in tickets if t[2] == "facebook")
    x_ticket = next(t for t in tickets if t[2] == "x")
    for ticket_id, reference, *_ in (facebook_ticket, x_ticket):
        hub.replies.answer(it, ticket_id, f"We have registered your complaint as {reference}.")
    report = hub.replies.run_cycle()
    assert report.sent == 2, report.summary

    # The Facebook answer sits under the citizen's comment, in the same thread.
    _, reference, _, comment_id, post_id = facebook_ticket
    page_comments = hub.sandbox.graph.list_comments(post_id)
    answer = [
        c
        for c in page_comments
        if (c.get("parent") or {}).get("id") == comment_id
        and c["from"]["id"] == hub.sandbox.graph.page_id
    ]
    assert len(answer) == 1 and reference in answer[0]["message"]
    # The X answer is a reply to the citizen's mention.
    _, x_reference, _, mention_id, _ = x_ticket
    x_answers = [
        t for t in hub.sandbox.x.list_timeline() if t["in_reply_to_tweet_id"] == mention_id
    ]
    assert len(x_answers) == 1 and x_reference in x_answers[0]["text"]

    for ticket_id, *_ in (facebook_ticket, x_ticket):
        view = hub.tickets.get(it, ticket_id)
        assert view.ticket.first_response_at is not None
        hub.tickets.resolve(it, ticket_id, "Fixed on site")
        assert hub.tickets.get(it, ticket_id).ticket.status == "resolved"

    # A citizen edits one comment and deletes another: the next pull records both.
    facebook_comments = [e for e in emitted if e.platform == "facebook" and e.kind == "comment"]
    edited, deleted = facebook_comments[0], facebook_comments[1]
    hub.sandbox.graph.edit_comment(edited.platform_id, "Edited: still no water in ward 65")
    hub.platforms.adapter(Platform.FACEBOOK).delete_comment(deleted.platform_id)
    rereading = PullService(
        hub.store,
        hub.audit,
        hub.platforms,
        hub.settings,
        interactions=hub.interactions,
        reread_interval=timedelta(0),
    )
    rereading.pull_all()
    after = interaction_rows(hub)
    assert after[("facebook", edited.platform_id)]["text"] == "Edited: still no water in ward 65"
    assert after[("facebook", edited.platform_id)]["edited_at"] is not None
    assert after[("facebook", deleted.platform_id)]["deleted_at"] is not None
