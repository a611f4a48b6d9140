"""The pull job against the running sandbox through the real SDKs: incremental, stored once."""

from __future__ import annotations

import math
import unicodedata
from datetime import timedelta

import pytest

from hub.clock import utc_now
from hub.inbox.interactions import InteractionStore
from hub.inbox.pull import PullService
from hub.platforms.base import Platform
from hub.sandbox.runtime import SANDBOX_FACEBOOK, SANDBOX_X
from hub.sandbox.server import Fault
from jobs import pull as pull_job

COMMENTS_PATH = "/comments"
POSTS_PATH = "/published_posts"
MENTIONS_PATH = "/mentions"


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
def sandbox(installed_hub):
    return installed_hub.sandbox


@pytest.fixture
def puller(installed_hub, clock) -> PullService:
    interactions = InteractionStore(
        installed_hub.store,
        city_author_ids={
            Platform.FACEBOOK: SANDBOX_FACEBOOK["page_id"],
            Platform.X: SANDBOX_X["user_id"],
        },
        clock=clock,
    )
    return PullService(
        installed_hub.store,
        installed_hub.audit,
        installed_hub.platforms,
        installed_hub.settings,
        interactions=interactions,
        clock=clock,
    )


@pytest.fixture
def two_posts(sandbox) -> dict[str, str]:
    """Two posts of the city with comments and replies, and two mentions on X."""
    graph, earlier = sandbox.graph, utc_now() - timedelta(hours=3)
    first = graph.seed_post("Ward 65 drain desilting done", created_time=earlier)
    second = graph.seed_post("Property tax camp on Saturday", created_time=earlier)
    ids = {"first": first, "second": second}
    ids["c1"] = graph.add_citizen_comment(
        first, "Still flooded near the school", "Asha Roy", created_time=earlier
    )
    ids["r1"] = graph.add_citizen_comment(
        first, "Same on our lane", "Bimal Das", parent_id=ids["c1"], created_time=earlier
    )
    ids["c2"] = graph.add_citizen_comment(
        second, "কোথায় ক্যাম্প হবে?", "Chandra Sen", created_time=earlier
    )
    ids["m1"] = sandbox.x.add_mention("Streetlight off in ward 12", "ratna_k", "Ratna K")
    ids["m2"] = sandbox.x.add_mention("Garbage at Gariahat crossing", "sumit_b", "Sumit B")
    return ids


def stored(hub, where: str = "TRUE", params: list | None = None) -> dict[str, tuple]:
    with hub.store.cursor() as cur:
        found = cur.execute(
            "SELECT platform_id, platform, kind, thread_id, parent_id, author_name, text,"
            " from_city, edited_at, deleted_at, source"
            f" FROM interactions WHERE {where} ORDER BY id",
            params or [],
        ).fetchall()
    return {row[0]: row[1:] for row in found}


def requests_during(sandbox, action) -> tuple[object, list[str]]:
    """Run `action` and return its result and the sandbox paths it requested."""
    before = len(sandbox.app.request_log)
    result = action()
    return result, [path for _, path in sandbox.app.request_log[before:]]


def test_comments_replies_and_mentions_are_pulled(installed_hub, puller, two_posts):
    report = puller.pull_all()
    assert report.of(Platform.FACEBOOK).status == "ok" and report.of(Platform.X).status == "ok"
    assert report.of(Platform.FACEBOOK).new == 3 and report.of(Platform.X).new == 2
    rows = stored(installed_hub)
    c1, r1, c2 = rows[two_posts["c1"]], rows[two_posts["r1"]], rows[two_posts["c2"]]
    assert c1[:4] == ("facebook", "comment", two_posts["first"], two_posts["first"])
    assert r1[:4] == ("facebook", "reply", two_posts["first"], two_posts["c1"])
    assert c2[1:3] == ("comment", two_posts["second"]) and c2[5] == "কোথায় ক্যাম্প হবে?"
    mention = rows[two_posts["m1"]]
    assert mention[:2] == ("x", "mention") and "Streetlight off" in mention[5]
    assert {row[9] for row in rows.values()} == {"poll"}
    with installed_hub.store.cursor() as cur:
        cursors = dict(cur.execute("SELECT platform, cursor FROM sync_cursors").fetchall())
    assert cursors["x"] == two_posts["m2"] and two_posts["first"] in cursors["facebook"]


def test_text_pulled_in_another_normal_form_is_stored_in_nfc(installed_hub, sandbox, puller):
    post = sandbox.graph.seed_post("Water supply", created_time=utc_now() - timedelta(hours=1))
    decomposed = unicodedata.normalize("NFD", "ওয়ার্ড ৬৫-এ জল আসেনি, café")
    name = unicodedata.normalize("NFD", "মিতা সেন")
    comment_id = sandbox.graph.add_citizen_comment(post, decomposed, name)
    mention_id = sandbox.x.add_mention(decomposed, "mita_s", name)
    assert decomposed != unicodedata.normalize("NFC", decomposed)

    puller.pull_all()

    rows = stored(installed_hub)
    for platform_id in (comment_id, mention_id):
        author_name, text = rows[platform_id][4:6]
        assert unicodedata.is_normalized("NFC", text), platform_id
        assert text.endswith(unicodedata.normalize("NFC", decomposed))
        assert author_name == unicodedata.normalize("NFC", name)
    assert puller.pull_all().new == 0, "pulled again in NFD, nothing is new or edited"


def test_posts_are_stored_a_few_at_a_time_so_a_failure_keeps_what_was_read(
    installed_hub, sandbox, clock
):
    graph, start = sandbox.graph, utc_now() - timedelta(hours=10)
    posts = [
        graph.seed_post(f"Notice {n}", created_time=start + timedelta(hours=n)) for n in range(5)
    ]
    comments = [
        graph.add_citizen_comment(post, f"Question {n}", f"Citizen {n}", created_time=start)
        for n, post in enumerate(posts)
    ]
    puller = PullService(
        installed_hub.store,
        installed_hub.audit,
        installed_hub.platforms,
        installed_hub.settings,
        interactions=InteractionStore(installed_hub.store, clock=clock),
        clock=clock,
        posts_per_store=2,
    )
    # Graph lists the newest post first, so the oldest is read in the last group of two.
    sandbox.app.inject(Fault(endpoint=f"GET .*/{posts[0]}/comments", kind="status", times=None))

    failed = puller.pull_all().of(Platform.FACEBOOK)

    assert failed.status == "error"
    assert set(stored(installed_hub)) == set(comments[1:]), "the first two groups are kept"
    sandbox.app.clear_faults()
    again = puller.pull_all().of(Platform.FACEBOOK)
    assert again.status == "ok" and set(stored(installed_hub)) == set(comments)
    assert puller.pull_all().of(Platform.FACEBOOK).new == 0


def test_pulling_again_stores_nothing_twice_and_a_quiet_cycle_is_cheap(
    installed_hub, sandbox, puller, two_posts
):
    puller.pull_all()
    for _ in range(2):
        report, paths = requests_during(sandbox, puller.pull_all)
        print(f"\nquiet cycle: {len(paths)} requests: {paths}")
        assert report.new == 0
        assert len(paths) <= math.ceil(2 / 100) + 1
        assert sum(p.endswith(POSTS_PATH) for p in paths) == 1
        assert sum(p.endswith(MENTIONS_PATH) for p in paths) == 1
        assert report.requests == len(paths)
    assert len(stored(installed_hub)) == 5


def test_a_new_comment_is_fetched_for_its_post_only(installed_hub, sandbox, puller, two_posts):
    puller.pull_all()
    new_id = sandbox.graph.add_citizen_comment(two_posts["second"], "Which hall?", "Dipa Ghosh")
    report, paths = requests_during(sandbox, puller.pull_all)
    print(f"\ncycle with one new comment: {len(paths)} requests: {paths}")
    comment_reads = [p for p in paths if p.endswith(COMMENTS_PATH)]
    assert comment_reads and all(two_posts["second"] in p for p in comment_reads)
    assert report.of(Platform.FACEBOOK).new == 1 and new_id in stored(installed_hub)
    # The counts kept for the post make the next quiet cycle cheap again.
    _, paths = requests_during(sandbox, puller.pull_all)
    assert len(paths) == 2


def test_an_edited_comment_is_reflected_by_the_periodic_re_read(
    installed_hub, sandbox, puller, two_posts, clock
):
    puller.pull_all()
    sandbox.graph.edit_comment(two_posts["c1"], "Still flooded near the school, since Monday")
    assert puller.pull_all().of(Platform.FACEBOOK).edited == 0, "the count did not move"
    clock.offset = timedelta(hours=7)
    report = puller.pull_all()
    assert report.of(Platform.FACEBOOK).edited == 1
    row = stored(installed_hub, "platform_id = ?", [two_posts["c1"]])[two_posts["c1"]]
    assert row[5] == "Still flooded near the school, since Monday" and row[7] is not None
    with installed_hub.store.cursor() as cur:
        change = cur.execute("SELECT change, old_text, source FROM interaction_changes").fetchall()
    assert change == [("edit", "Still flooded near the school", "poll")]


def test_a_deleted_comment_is_marked_deleted_with_its_replies(
    installed_hub, sandbox, puller, two_posts
):
    puller.pull_all()
    installed_hub.platforms.adapter(Platform.FACEBOOK).delete_comment(two_posts["c1"])
    report, paths = requests_during(sandbox, puller.pull_all)
    print(f"\ncycle after a deletion: {len(paths)} requests: {paths}")
    assert report.of(Platform.FACEBOOK).deleted == 2
    deleted = stored(installed_hub, "deleted_at IS NOT NULL")
    assert set(deleted) == {two_posts["c1"], two_posts["r1"]}
    assert all(two_posts["first"] in p for p in paths if p.endswith(COMMENTS_PATH))
    _, paths = requests_during(sandbox, puller.pull_all)
    assert len(paths) == 2, "once marked, the post is quiet again"


def test_a_publish_only_x_account_is_reported_once_and_facebook_still_pulled(
    installed_hub, sandbox, puller, two_posts, audit_rows
):
    sandbox.x.set_mentions_enabled(False)
    report = puller.pull_all()
    assert report.of(Platform.X).status == "not_supported"
    assert "publish-only" in report.of(Platform.X).error
    assert report.of(Platform.FACEBOOK).new == 3
    report, paths = requests_during(sandbox, puller.pull_all)
    assert report.of(Platform.X).status == "not_supported"
    assert not any(p.endswith(MENTIONS_PATH) for p in paths), "not asked again every minute"
    failures = audit_rows(action="pull_interactions", outcome="failed")
    assert [row[3] for row in failures] == ["x"]


def test_an_expired_facebook_token_is_recorded_and_x_still_pulled(
    installed_hub, sandbox, puller, two_posts, audit_rows
):
    sandbox.graph.expire_token()
    report = puller.pull_all()
    assert report.of(Platform.FACEBOOK).status == "error"
    assert report.of(Platform.X).new == 2
    with installed_hub.store.cursor() as cur:
        error = cur.execute(
            "SELECT last_error FROM sync_cursors WHERE platform = 'facebook'"
        ).fetchone()[0]
    assert "expired" in error and SANDBOX_FACEBOOK["page_token"] not in error
    puller.pull_all()
    assert len(audit_rows(action="pull_interactions", outcome="failed")) == 1
    sandbox.graph.restore_token()
    assert puller.pull_all().of(Platform.FACEBOOK).new == 3
    with installed_hub.store.cursor() as cur:
        assert cur.execute(
            "SELECT last_error FROM sync_cursors WHERE platform = 'facebook'"
        ).fetchone() == (None,)
    assert audit_rows(action="pull_interactions", outcome="ok")[0][3] == "facebook"


def test_a_rate_limit_is_waited_out(installed_hub, sandbox, puller, two_posts, clock):
    sandbox.graph.rate_limit_storm(1, regain_minutes=3)
    assert puller.pull_all().of(Platform.FACEBOOK).status == "error"
    _, paths = requests_during(sandbox, puller.pull_all)
    assert not any(p.endswith(POSTS_PATH) for p in paths), "waits for the platform's reset"
    clock.offset = timedelta(minutes=4)
    assert puller.pull_all().of(Platform.FACEBOOK).new == 3


def test_the_citys_own_reply_is_stored_from_city(installed_hub, puller, two_posts):
    puller.pull_all()
    adapter = installed_hub.platforms.adapter(Platform.FACEBOOK)
    reply = adapter.reply(two_posts["c1"], "Thank you, the drainage team is on its way.")
    puller.pull_all()
    row = stored(installed_hub, "platform_id = ?", [reply.platform_post_id])
    assert row[reply.platform_post_id][6] is True
    assert row[reply.platform_post_id][1] == "reply"
    citizens = stored(installed_hub, "NOT from_city")
    assert len(citizens) == 5


def test_the_job_pulls_through_the_hub_and_beats(installed_hub, two_posts):
    pull_job.run(installed_hub)
    assert len(stored(installed_hub)) == 5
    runs = installed_hub.heartbeats.last_runs()[pull_job.JOB_ID]
    assert "facebook: ok" in runs[1]


def test_mentions_beyond_xs_reach_after_downtime_are_said_not_silently_lost(
    installed_hub, sandbox, audit_rows
):
    sandbox.x.add_mention("Before the hub went down: ward 12 drain", "rina_das")
    first = installed_hub.pull.pull_all().of(Platform.X)
    assert first.new == 1 and first.error is None
    # While the hub is down, more mentions arrive than X keeps reachable (800).
    sandbox.x.add_mentions([f"Complaint {n} from ward {n % 144 + 1}" for n in range(900)], "many")
    after = installed_hub.pull.pull_all().of(Platform.X)
    assert after.status == "ok" and after.new == 800
    assert "latest 800 mentions" in after.error
    assert audit_rows(action="mentions_beyond_reach")
    sandbox.x.add_mentions(["One more after the hub is back"], "rina_das")
    quiet = installed_hub.pull.pull_all().of(Platform.X)
    assert quiet.new == 1 and quiet.error is None, "a normal cycle says nothing"
