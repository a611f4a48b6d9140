"""The labelled citizen corpus and the citizen simulator, against a real sandbox over HTTP.

The corpus is the truth the hub's router is measured against, so its labels are checked for
consistency here (departments from departments.csv, KMC's wards 1-144, NFC text, scripts that
match the language label). The simulator's work is read back through the platforms' own
APIs (Graph comments with the Page token, X mentions with the bearer token), as the hub reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth1

from hub.departments import parse_departments_csv
from hub.sandbox.graph_api import GraphSandbox, install_graph_api
from hub.sandbox.server import SandboxApp, SandboxServer
from hub.sandbox.simulator import (
    CATEGORIES,
    LANGUAGES,
    CitizenSimulator,
    SimulatedInteraction,
    find_ward_mentions,
    load_corpus,
)
from hub.sandbox.x_api import XSandbox, install_x_api

ROOT = Path(__file__).resolve().parents[2]
CORPUS_PATH = ROOT / "hub" / "sandbox" / "corpus" / "citizen_messages.json"
GRAPH_VERSION = "v24.0"
BEARER = {"Authorization": "Bearer sandbox-bearer-token"}
CITY_OAUTH = OAuth1(
    "sandbox-consumer-key",
    client_secret="sandbox-consumer-secret",
    resource_owner_key="sandbox-access-token",
    resource_owner_secret="sandbox-access-secret",
)
RECORD_KEYS = {"id", "text", "language", "department", "ward", "category", "urgent", "followup"}
BENGALI = re.compile(r"[\u0980-\u09FF]")
LATIN = re.compile(r"[A-Za-z]")
BENGALI_TO_ASCII = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
# Words of Bengali written in Latin script ("Banglish"); one is enough to tell it from English.
BANGLISH_WORDS = {
    "ache", "achhe", "amader", "amar", "apnara", "apnader", "ase", "asche", "bhalo", "bhanga",
    "bondho", "chai", "dekhchi", "dekhe", "dhore", "ekhane", "ekhono", "ekta", "er", "geche",
    "gelo", "gulo", "hobe", "hoy", "hoye", "hoyeche", "jachhe", "jol", "jonno", "kaj", "keu",
    "ki", "kichu", "kichhu", "kintu", "kobe", "kono", "korbo", "korchen", "kore", "korun",
    "kothay", "khub", "lagbe", "nei", "nicche", "para", "pelam", "poka", "pore", "rasta", "taka",
    "theke", "darun", "erokom",
}  # fmt: skip


# -- the sandbox ---------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """A running sandbox with both platforms, and the HTTP calls the tests read it with."""

    app: SandboxApp
    server: SandboxServer
    graph: GraphSandbox
    x: XSandbox

    def graph_get(self, path: str, **params: Any) -> dict[str, Any]:
        params["access_token"] = self.graph.page_token
        answer = requests.get(f"{self.server.url}/{GRAPH_VERSION}/{path}", params=params, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def graph_post(self, path: str, **data: Any) -> str:
        data["access_token"] = self.graph.page_token
        answer = requests.post(f"{self.server.url}/{GRAPH_VERSION}/{path}", data=data, timeout=5)
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]

    def publish(self, message: str) -> str:
        """A published Page post, made as the hub makes it."""
        return self.graph_post(f"{self.graph.page_id}/feed", message=message)

    def comments_over_http(self, post_id: str) -> list[dict[str, Any]]:
        body = self.graph_get(
            f"{post_id}/comments", filter="stream", limit=100, fields="id,message,from,parent"
        )
        assert "next" not in body.get("paging", {}), "more comments than one page"
        return body["data"]

    def mentions_over_http(self) -> list[dict[str, Any]]:
        answer = requests.get(
            f"{self.server.url}/2/users/{self.x.user_id}/mentions",
            params={"max_results": 100, "tweet.fields": "referenced_tweets,author_id"},
            headers=BEARER,
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        return answer.json().get("data", [])

    def tweet_as_city(self, text: str, in_reply_to: str | None = None) -> str:
        body: dict[str, Any] = {"text": text}
        if in_reply_to:
            body["reply"] = {"in_reply_to_tweet_id": in_reply_to}
        answer = requests.post(f"{self.server.url}/2/tweets", json=body, auth=CITY_OAUTH, timeout=5)
        assert answer.status_code == 201, answer.text
        return answer.json()["data"]["id"]

    def close(self) -> None:
        self.server.stop()
        self.app.close()


def start_sandbox(state_path: Path) -> Sandbox:
    app = SandboxApp(state_path)
    graph = install_graph_api(app)
    x = install_x_api(app)
    return Sandbox(app, SandboxServer(app).start(), graph, x)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = start_sandbox(tmp_path / "sandbox.duckdb")
    yield running
    running.close()


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return load_corpus()


def digits_masked(text: str) -> str:
    """The text with every ASCII number as "#" and every Bengali one as "৹"."""
    return re.sub("[০-৯]+", "৹", re.sub("[0-9]+", "#", text))


def by_kind(interactions: list[SimulatedInteraction], platform: str, kind: str):
    return [i for i in interactions if i.platform == platform and i.kind == kind]


# -- the corpus ----------------------------------------------------------------------------------


def test_load_corpus_reads_the_packaged_file(corpus):
    assert corpus == json.loads(CORPUS_PATH.read_text(encoding="utf-8"))
    assert load_corpus() is not load_corpus()  # callers may change their copy


def test_corpus_is_large_and_a_third_in_each_language(corpus):
    openers = [r for r in corpus if not r["followup"]]
    followups = [r for r in corpus if r["followup"]]
    assert len(corpus) >= 260
    assert len(followups) >= 15
    languages = Counter(r["language"] for r in openers)
    assert set(languages) == set(LANGUAGES)
    for language in LANGUAGES:
        assert languages[language] >= 0.25 * len(openers), languages
    assert set(Counter(r["language"] for r in followups)) == set(LANGUAGES)


def test_every_record_has_valid_labels(corpus):
    departments = parse_departments_csv((ROOT / "departments.csv").read_bytes())
    codes = {d.code for d in departments}
    ids = [r["id"] for r in corpus]
    assert len(ids) == len(set(ids))
    for record in corpus:
        assert set(record) == RECORD_KEYS, record
        assert re.fullmatch(r"c\d{4}", record["id"]), record
        assert record["text"].strip() == record["text"] and record["text"], record
        assert unicodedata.normalize("NFC", record["text"]) == record["text"], record["id"]
        assert record["language"] in LANGUAGES, record
        assert record["department"] is None or record["department"] in codes, record
        assert record["ward"] is None or (
            type(record["ward"]) is int and 1 <= record["ward"] <= 144
        ), record
        assert record["category"] in CATEGORIES, record
        assert type(record["urgent"]) is bool and type(record["followup"]) is bool, record


def test_labels_are_consistent_with_each_other(corpus):
    for record in corpus:
        if record["category"] in ("spam", "other") or record["followup"]:
            assert record["department"] is None and record["ward"] is None, record
        if record["category"] == "spam":
            assert not record["urgent"], record
        if record["followup"]:
            assert not record["urgent"] and len(record["text"].split()) <= 8, record
    # The messages that need a department have one, bar a few emergencies outside KMC's remit.
    complaints = [r for r in corpus if r["category"] == "complaint" and not r["followup"]]
    without = [r for r in complaints if r["department"] is None]
    assert all(r["urgent"] for r in without), without


def test_corpus_covers_urgent_spam_praise_and_the_departments(corpus):
    categories = Counter(r["category"] for r in corpus if not r["followup"])
    assert sum(r["urgent"] for r in corpus) >= 15
    assert categories["spam"] >= 15
    assert categories["praise"] >= 15
    for category in CATEGORIES:
        assert categories[category] >= 10, categories
    departments = Counter(r["department"] for r in corpus if r["department"])
    assert len(departments) >= 20
    for busy in ("DRAIN", "SWM", "WATER", "ROADS", "LIGHT", "VECTOR"):
        assert departments[busy] >= 12, departments


def test_scripts_match_the_language_label(corpus):
    for record in corpus:
        text = record["text"]
        if record["language"] == "bn":
            assert BENGALI.search(text) and not LATIN.search(text), record
        elif record["language"] == "en":
            assert LATIN.search(text) and not BENGALI.search(text), record
        else:
            words = set(re.findall(r"[a-z]+", text.lower()))
            both_scripts = BENGALI.search(text) and LATIN.search(text)
            assert both_scripts or words & BANGLISH_WORDS, record


def test_labelled_ward_is_written_in_the_text(corpus):
    with_ward = [r for r in corpus if r["ward"] is not None]
    assert len(with_ward) >= 60
    digits = [
        r
        for r in with_ward
        if str(r["ward"]) in re.findall(r"\d+", r["text"].translate(BENGALI_TO_ASCII))
    ]
    as_ward = [r for r in with_ward if r["ward"] in find_ward_mentions(r["text"])]
    assert len(digits) >= 0.9 * len(with_ward)
    assert len(as_ward) >= 0.9 * len(with_ward)
    bengali_digits = [r for r in with_ward if re.search("[০-৯]", r["text"])]
    assert len(bengali_digits) >= 15


def test_wards_outside_kmc_and_other_numbers_are_not_labelled(corpus):
    impossible = [r for r in corpus if any(n > 144 for n in find_ward_mentions(r["text"]))]
    assert impossible and all(r["ward"] is None for r in impossible)
    # Phone numbers, house numbers, amounts and years are there to tempt a router.
    texts = " ".join(r["text"] for r in corpus)
    assert re.search(r"\b[6-9]\d{9}\b", texts)
    assert re.search(r"\b\d+/\d+[A-Z]?\b", texts)
    assert re.search(r"Rs \d+", texts)
    assert re.search(r"\b20[12]\d\b", texts)


def test_find_ward_mentions_reads_every_written_form():
    assert find_ward_mentions("ward no-65, Ward No. 66, w/67, ward-68, wd 69") == [
        65,
        66,
        67,
        68,
        69,
    ]
    assert find_ward_mentions("৬৫ নম্বর ওয়ার্ড আর ওয়ার্ড নং ৬৬, ৬৭ নং ওয়ার্ডে") == [65, 66, 67]
    assert find_ward_mentions("Garden Reach 134 no ward e, Ward ১৩৩") == [134, 133]
    assert find_ward_mentions("lamp post 118/27, Borough 10, 2BHK, Rs 500, call 9830012345") == []


# -- the rate ------------------------------------------------------------------------------------


def test_step_produces_what_the_rate_owes_and_carries_the_fraction(sandbox: Sandbox):
    simulator = CitizenSimulator(None, sandbox.x, interactions_per_minute=2.0, seed=7)
    assert len(simulator.step(30)) == 1
    assert len(simulator.step(20)) == 0
    assert len(simulator.step(10)) == 1  # 20 s + 10 s carried over
    assert len(simulator.step(0)) == 0
    assert len(simulator.step(95)) == 3  # 3.1666: the 0.1666 stays owed
    assert len(simulator.step(25)) == 1  # 0.1666 + 0.8333
    assert len(simulator.emit(4)) == 4
    with pytest.raises(ValueError):
        simulator.step(-1)
    assert len(sandbox.x.list_mentions()) == 10


def test_zero_rate_produces_nothing(sandbox: Sandbox):
    simulator = CitizenSimulator(None, sandbox.x, interactions_per_minute=0.0)
    assert simulator.step(3600) == []


# -- Facebook --------------------------------------------------------------------------------------


def test_comments_land_on_published_posts_and_are_listed_by_the_graph_api(sandbox: Sandbox):
    published = [
        sandbox.publish("ওয়ার্ড ৬৫-এ নিকাশি নালার পলি তোলার কাজ চলছে।"),
        sandbox.publish("Road repair on Rashbehari Avenue completed tonight."),
    ]
    scheduled = sandbox.graph_post(
        f"{sandbox.graph.page_id}/feed",
        message="Pujo guidelines coming soon",
        published="false",
        scheduled_publish_time=str(int(time.time()) + 3600),
    )
    simulator = CitizenSimulator(sandbox.graph, None, seed=11)

    interactions = simulator.emit(20)

    assert len(interactions) == 20
    assert {i.kind for i in interactions} == {"comment"}
    assert {i.in_reply_to for i in interactions} == set(published)
    listed = {post: sandbox.comments_over_http(post) for post in published}
    assert sandbox.comments_over_http(scheduled) == []
    for interaction in interactions:
        (comment,) = [
            c for c in listed[interaction.in_reply_to] if c["id"] == interaction.platform_id
        ]
        assert comment["message"] == interaction.text
        assert comment["from"]["name"] == interaction.author
        assert comment["from"]["id"] != sandbox.graph.page_id
        assert "parent" not in comment
    assert sum(len(comments) for comments in listed.values()) == 20
    # Authors are Kolkata citizens, in both scripts.
    names = {i.author for i in interactions}
    assert any(BENGALI.search(n) for n in names) and any(LATIN.search(n) for n in names)


def test_followups_only_answer_threads_the_page_replied_to(sandbox: Sandbox):
    post = sandbox.publish("Water supply will be off in Borough X on Sunday.")
    simulator = CitizenSimulator(sandbox.graph, None, seed=3)
    openers = simulator.emit(6)
    assert by_kind(openers, "facebook", "reply") == []  # nobody to answer yet
    answered = {openers[0].platform_id, openers[2].platform_id}
    for comment_id in answered:
        sandbox.graph_post(f"{comment_id}/comments", message="Ref KMC-0042: team informed.")

    later = simulator.emit(40)

    replies = by_kind(later, "facebook", "reply")
    assert replies, "no follow-up in 40 interactions"
    assert {r.in_reply_to for r in replies} <= answered
    # One answer per city reply: the thread then waits for the city again.
    assert len(replies) == len({r.in_reply_to for r in replies})
    authors = {o.platform_id: o.author for o in openers}
    stream = {c["id"]: c for c in sandbox.comments_over_http(post)}
    for reply in replies:
        assert reply.labels["followup"] is True and reply.labels["department"] is None
        assert reply.author == authors[reply.in_reply_to]  # the citizen who opened the thread
        assert stream[reply.platform_id]["parent"]["id"] == reply.in_reply_to
        assert stream[reply.platform_id]["message"] == reply.text
    assert all(not i.labels["followup"] for i in by_kind(later, "facebook", "comment"))


def test_webhook_is_delivered_for_each_comment(sandbox: Sandbox):
    received: list[tuple[bytes, str]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-Hub-Signature-256"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}).start()
    try:
        sandbox.publish("Dengue awareness camp in ward 91 today.")
        url = f"http://127.0.0.1:{receiver.server_address[1]}/webhooks/facebook"
        interactions = CitizenSimulator(sandbox.graph, None, webhook_url=url).emit(3)
    finally:
        receiver.shutdown()
        receiver.server_close()
    assert len(received) == 3
    for (body, signature), interaction in zip(received, interactions, strict=True):
        secret = sandbox.graph.app_secret.encode()
        assert signature == "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        value = json.loads(body)["entry"][0]["changes"][0]["value"]
        assert value["comment_id"] == interaction.platform_id
        assert value["message"] == interaction.text


# -- X ---------------------------------------------------------------------------------------------


def test_mentions_are_listed_by_the_x_api(sandbox: Sandbox):
    city_posts = {
        sandbox.tweet_as_city("Pothole repair drive in Behala this week."),
        sandbox.tweet_as_city("জল সরবরাহ বন্ধ থাকবে রবিবার, ওয়ার্ড ১১০।"),
    }
    simulator = CitizenSimulator(None, sandbox.x, seed=5)

    interactions = simulator.emit(30)

    assert len(interactions) == 30 and {i.kind for i in interactions} == {"mention"}
    listed = {m["id"]: m for m in sandbox.mentions_over_http()}
    for interaction in interactions:
        mention = listed[interaction.platform_id]
        assert mention["text"] == interaction.text
        assert "@kmc_kolkata" in mention["text"].lower()
        assert re.fullmatch(r"[A-Za-z0-9_]{1,15}", interaction.author)
    replies_to_city = [i for i in interactions if i.in_reply_to]
    assert replies_to_city and {i.in_reply_to for i in replies_to_city} <= city_posts
    for interaction in replies_to_city:
        (referenced,) = listed[interaction.platform_id]["referenced_tweets"]
        assert referenced == {"type": "replied_to", "id": interaction.in_reply_to}


def test_x_followups_answer_the_citys_replies(sandbox: Sandbox):
    simulator = CitizenSimulator(None, sandbox.x, seed=9)
    (mention,) = simulator.emit(1)
    city_reply = sandbox.tweet_as_city(
        "Ref KMC-0077: the team will visit today.", mention.platform_id
    )

    replies = by_kind(simulator.emit(30), "x", "reply")

    assert len(replies) == 1
    (reply,) = replies
    assert reply.in_reply_to == city_reply and reply.author == mention.author
    assert reply.labels["followup"] is True
    listed = {m["id"]: m for m in sandbox.mentions_over_http()}
    assert listed[reply.platform_id]["referenced_tweets"][0]["id"] == city_reply


def test_no_posts_means_no_comments_but_mentions_still_happen(sandbox: Sandbox):
    simulator = CitizenSimulator(sandbox.graph, sandbox.x, seed=2)

    interactions = simulator.emit(10)

    assert len(interactions) == 10
    assert {i.platform for i in interactions} == {"x"}
    assert sandbox.graph.list_posts() == []
    assert len(sandbox.mentions_over_http()) == 10
    assert CitizenSimulator(sandbox.graph, None).emit(5) == []


# -- determinism and variation -------------------------------------------------------------------


def run_once(state_path: Path, seed: int) -> list[tuple[Any, ...]]:
    running = start_sandbox(state_path)
    try:
        running.publish("Garbage vat at Maniktala cleared.")
        running.publish("New street lights on Garia Main Road.")
        running.tweet_as_city("Monsoon helpline numbers for every borough.")
        simulator = CitizenSimulator(running.graph, running.x, seed=seed)
        interactions = simulator.step(300) + simulator.emit(5)
        return [(i.platform, i.kind, i.text, i.author, i.labels) for i in interactions]
    finally:
        running.close()


def test_a_seeded_run_is_deterministic(tmp_path: Path):
    first = run_once(tmp_path / "a.duckdb", seed=2026)
    second = run_once(tmp_path / "b.duckdb", seed=2026)
    other = run_once(tmp_path / "c.duckdb", seed=99)

    assert len(first) == 15
    assert first == second
    assert first != other
    assert {platform for platform, *_ in first} == {"facebook", "x"}


def test_moved_wards_keep_text_and_labels_in_agreement(sandbox: Sandbox, corpus):
    with_ward = [r for r in corpus if r["ward"] is not None]
    simulator = CitizenSimulator(
        None, sandbox.x, corpus=with_ward, seed=4, ward_variation_share=1.0
    )
    originals = {r["id"]: r for r in corpus}

    interactions = simulator.emit(60)

    moved = 0
    for interaction in interactions:
        labels = interaction.labels
        original = originals[labels["corpus_id"]]
        assert 1 <= labels["ward"] <= 144
        assert abs(labels["ward"] - original["ward"]) <= 3
        if labels["ward"] != original["ward"]:
            moved += 1
            assert find_ward_mentions(interaction.text) == [labels["ward"]] * len(
                find_ward_mentions(original["text"])
            )
            # Only the number changed, written in the same script as before.
            assert digits_masked(original["text"]) in digits_masked(interaction.text)
        else:
            assert original["text"] in interaction.text
        for key in ("department", "category", "urgent", "language"):
            assert labels[key] == original[key]
    assert moved >= 40


def test_labels_come_from_the_corpus_unchanged_without_variation(sandbox: Sandbox, corpus):
    simulator = CitizenSimulator(None, sandbox.x, seed=8, ward_variation_share=0.0)
    originals = {r["id"]: r for r in corpus}
    for interaction in simulator.emit(25):
        original = originals[interaction.labels["corpus_id"]]
        expected = {k: v for k, v in original.items() if k not in ("id", "text")}
        assert {k: v for k, v in interaction.labels.items() if k != "corpus_id"} == expected
        assert original["text"] in interaction.text


def test_interactions_are_frozen():
    interaction = SimulatedInteraction("x", "1", "mention", "hi", "rina", {})
    with pytest.raises(AttributeError):
        interaction.text = "changed"  # type: ignore[misc]


# -- background ----------------------------------------------------------------------------------


def test_background_runs_until_stopped_and_stops_promptly(sandbox: Sandbox):
    simulator = CitizenSimulator(None, sandbox.x, interactions_per_minute=1200, seed=1)
    simulator.start_background(interval_seconds=0.05)
    try:
        assert simulator.running
        with pytest.raises(RuntimeError):
            simulator.start_background(interval_seconds=0.05)
        deadline = time.monotonic() + 5
        while len(sandbox.x.list_mentions()) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(sandbox.x.list_mentions()) >= 5
    finally:
        started = time.monotonic()
        simulator.stop()
        stopped_in = time.monotonic() - started
    assert stopped_in < 1.0
    assert not simulator.running
    settled = len(sandbox.x.list_mentions())
    time.sleep(0.2)
    assert len(sandbox.x.list_mentions()) == settled
    simulator.stop()  # a second stop is harmless


def test_constructor_refuses_nonsense(sandbox: Sandbox):
    with pytest.raises(ValueError):
        CitizenSimulator(None, sandbox.x, interactions_per_minute=-1)
    with pytest.raises(ValueError):
        CitizenSimulator(None, sandbox.x, corpus=[r for r in load_corpus() if r["followup"]])
    with pytest.raises(ValueError):
        CitizenSimulator(None, sandbox.x).start_background(interval_seconds=0)
