"""Ingest: a million interactions through the pull job's own code path, against DuckDB alone.

Issue 7: "1,000,000 interactions in platform-shaped pages through the same code path the pull
job uses (the HTTP fetch aside): at least 100,000 interactions per second, and within 3x of
the baseline of loading the same data with DuckDB alone (`read_json` into the table),
measured in the same run and printed as a ratio."

The data: 80 % Facebook comments and replies, as Graph's ``/{post}/comments`` pages of 100
(``data``, ``paging``, ``summary``, the fields the adapter asks for), and 20 % X mentions, as
v2 mentions-timeline pages of 100 (``data``, ``includes.users``, ``meta``), with Bengali,
English and mixed text from the simulator's corpus, varied (ward numbers in either script,
emoji, some text in decomposed Unicode so NFC has work to do). They are written once, outside
the timing, as newline-delimited JSON: a Facebook line is ``{"post_id": ..., "page": <the
Graph answer as it came>}`` (the post id is what the request URL carried), an X line is the
answer itself.

Timed, each into a fresh real hub database (`hub.bootstrap.build_hub`):

- the hub path: each line ``json.loads``-ed, turned into `Interaction` objects by the
  adapters' own page parsers (`comments_from_page`, `mentions_from_page`, what the adapters'
  ``list_interactions`` call after each fetch), sorted as those order a read, and stored
  with `InteractionStore.store_batch` in the pull job's own batches: the comments of
  `POSTS_PER_STORE` posts at a time for Facebook, the `X_PAGES_PER_CYCLE` pages an X pull
  reads a cycle. This is the figure held to the targets;
- the same with one page per `store_batch` (one transaction per page), for context;
- the baseline: one ``INSERT INTO interactions SELECT ... FROM read_json(...)`` per platform
  in one transaction, doing the same mapping in SQL (NFC, time parsing, raw payload kept).
  Afterwards the two databases are compared row by row, raw payload included.

Then the same pages are ingested again into the first hub database: every one is already
stored, so nothing new may be stored, and it must stay fast (context, no target).
"""

from __future__ import annotations

import base64
import json
import random
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

# pyarrow imports pandas the first time it builds a table from Python lists (a second or
# so); the hub process has it loaded already (Streamlit), so it is kept out of the timing.
import pandas  # noqa: F401

from benchmarks.harness import BenchContext, Figure
from hub import bootstrap
from hub.clock import utc_now
from hub.config import load_settings
from hub.inbox.interactions import InteractionStore, StoringBehind
from hub.inbox.pull import POSTS_PER_STORE, X_PAGES_PER_CYCLE
from hub.platforms.base import Interaction, Platform
from hub.platforms.facebook import comments_from_page
from hub.platforms.x import mentions_from_page
from hub.sandbox.runtime import SANDBOX_FACEBOOK, SANDBOX_X

BENCHMARK = "Ingest"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT_ROOT / "hub" / "sandbox" / "corpus" / "citizen_messages.json"
TARGET_PER_SECOND = 100_000
TARGET_RATIO = 3.0
PAGE_SIZE = 100
FACEBOOK_SHARE = 0.8
PAGE_ID = SANDBOX_FACEBOOK["page_id"]
PAGE_NAME = "Kolkata Municipal Corporation"
X_USER_ID = SANDBOX_X["user_id"]
X_USERNAME = "KolkataMCorp"
GRAPH_URL = "https://graph.facebook.com/v24.0"
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},parent{id},permalink_url,is_hidden,"
    "comment_count,like_count"
)
SNOWFLAKE_EPOCH_MS = 1288834974657
START = datetime(2026, 1, 1, tzinfo=UTC)
BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


@dataclass(frozen=True)
class Dataset:
    """The pages written for one run."""

    facebook: Path
    x: Path
    facebook_count: int
    x_count: int
    pages: int

    @property
    def total(self) -> int:
        """Interactions in both files."""
        return self.facebook_count + self.x_count


# -- the data ------------------------------------------------------------------------------


class _Texts:
    """Citizens' messages: the corpus varied so that few texts repeat exactly."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._messages = [m["text"] for m in json.loads(CORPUS.read_text(encoding="utf-8"))]

    def next(self) -> str:
        """One message; about 1 in 20 in decomposed form (NFD), as some keyboards send."""
        rng = self._rng
        text = rng.choice(self._messages)
        roll = rng.random()
        ward = str(rng.randint(1, 144))
        if roll < 0.25:
            text = f"{text} ward {ward}"
        elif roll < 0.4:
            text = f"{text} ওয়ার্ড {ward.translate(BENGALI_DIGITS)}"
        elif roll < 0.5:
            text = f"{text} 🙏"
        elif roll < 0.55:
            text = text.upper()
        if rng.random() < 0.05:
            text = unicodedata.normalize("NFD", text)
        return text


def _graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _x_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _cursor(post_number: int, comment_number: int) -> str:
    return base64.b64encode(f"{post_number}:{comment_number}".encode()).decode().rstrip("=")


def _facebook_pages(count: int, rng: random.Random, texts: _Texts) -> Iterator[dict]:
    """Graph comments pages for posts of 20-400 comments, replies and the Page's answers."""
    authors = [(f"{7000000000000000 + n}", f"Citizen {n}") for n in range(20_000)]
    written = 0
    post_number = 0
    while written < count:
        post_number += 1
        post_id = f"{PAGE_ID}_{post_number}"
        size = min(rng.randint(20, 400), count - written)
        moment = START + timedelta(minutes=30 * post_number)
        comments: list[dict] = []
        top_level: list[str] = []
        for number in range(1, size + 1):
            moment += timedelta(seconds=rng.randint(1, 90))
            comment_id = f"{post_number}_{number}"
            parent = rng.choice(top_level) if top_level and rng.random() < 0.3 else None
            if parent and rng.random() < 0.2:
                author_id, author_name = PAGE_ID, PAGE_NAME
                message = f"Thank you, registered as KMC-2026-{rng.randint(1, 999999):06d}."
            else:
                author_id, author_name = rng.choice(authors)
                message = texts.next()
            base = f"https://www.facebook.com/{PAGE_ID}/posts/{post_number}"
            item: dict = {
                "id": comment_id,
                "message": message,
                "created_time": _graph_time(moment),
                "from": {"id": author_id, "name": author_name},
            }
            if parent:
                item["parent"] = {"id": parent}
                parent_number = parent.split("_")[-1]
                item["permalink_url"] = (
                    f"{base}?comment_id={parent_number}&reply_comment_id={number}"
                )
            else:
                top_level.append(comment_id)
                item["permalink_url"] = f"{base}?comment_id={number}"
            item["is_hidden"] = rng.random() < 0.01
            item["comment_count"] = 0 if parent else rng.randint(0, 3)
            item["like_count"] = rng.randint(0, 20)
            comments.append(item)
        for start in range(0, size, PAGE_SIZE):
            page = comments[start : start + PAGE_SIZE]
            first, last = page[0]["id"].split("_")[1], page[-1]["id"].split("_")[1]
            paging: dict = {
                "cursors": {
                    "before": _cursor(post_number, int(first)),
                    "after": _cursor(post_number, int(last)),
                }
            }
            if start + PAGE_SIZE < size:
                paging["next"] = (
                    f"{GRAPH_URL}/{post_id}/comments?access_token=benchmark-token"
                    f"&fields={COMMENT_FIELDS}&filter=stream&order=chronological&limit=100"
                    f"&summary=true&after={paging['cursors']['after']}"
                )
            summary = {"order": "chronological", "total_count": size, "can_comment": True}
            yield {"post_id": post_id, "page": {"data": page, "paging": paging, "summary": summary}}
        written += size


def _x_pages(count: int, rng: random.Random, texts: _Texts) -> Iterator[dict]:
    """Mentions-timeline pages, newest first as X sends them; a third reply to the city."""
    users = [
        {"id": f"{1600000000000000000 + n}", "name": f"Kolkata resident {n}", "username": f"kol{n}"}
        for n in range(5_000)
    ]
    city_posts = [str(((3_000 + n) * 1_000_000) << 22) for n in range(1, 500)]
    moment = START
    tweets: list[dict] = []
    for sequence in range(count):
        moment += timedelta(milliseconds=rng.randint(1_000, 60_000))
        tweet_id = str(
            ((int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS) << 22) + sequence % 4096
        )
        author = rng.choice(users)
        tweet: dict = {
            "edit_history_tweet_ids": [tweet_id],
            "id": tweet_id,
            "text": f"@{X_USERNAME} {texts.next()}",
            "author_id": author["id"],
            "created_at": _x_time(moment),
        }
        if rng.random() < 0.33:
            parent = rng.choice(city_posts)
            tweet["conversation_id"] = parent
            tweet["in_reply_to_user_id"] = X_USER_ID
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent}]
        else:
            tweet["conversation_id"] = tweet_id
        tweets.append(tweet)
    tweets.reverse()
    for start in range(0, count, PAGE_SIZE):
        page = tweets[start : start + PAGE_SIZE]
        authors = {t["author_id"] for t in page}
        meta: dict = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        if start + PAGE_SIZE < count:
            meta["next_token"] = base64.b32encode(page[-1]["id"].encode()).decode().rstrip("=")
        yield {
            "data": page,
            "includes": {"users": [u for u in users if u["id"] in authors]},
            "meta": meta,
        }


def write_dataset(folder: Path, interactions: int, seed: int = 7) -> Dataset:
    """Write the pages once, as the platforms answer them, one page a line."""
    rng = random.Random(seed)
    texts = _Texts(rng)
    facebook_count = round(interactions * FACEBOOK_SHARE)
    x_count = interactions - facebook_count
    pages = 0
    facebook, x = folder / "facebook_comments.jsonl", folder / "x_mentions.jsonl"
    for path, produced in (
        (facebook, _facebook_pages(facebook_count, rng, texts)),
        (x, _x_pages(x_count, rng, texts)),
    ):
        with path.open("w", encoding="utf-8") as out:
            for page in produced:
                out.write(json.dumps(page, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                pages += 1
    return Dataset(facebook, x, facebook_count, x_count, pages)


# -- the two paths ---------------------------------------------------------------------------


def _fresh_hub(folder: Path) -> bootstrap.Hub:
    settings = load_settings(
        data_dir=folder,
        departments_file=PROJECT_ROOT / "departments.csv",
        scheduler_enabled=False,
        sandbox={"port": 0, "simulator_enabled": False},
    )
    return bootstrap.build_hub(settings, create=True)


def hub_ingest(
    store: InteractionStore, dataset: Dataset, *, one_page_per_batch: bool = False
) -> tuple[float, int]:
    """The pull job's path from the fetched bytes on: seconds taken and interactions newly
    stored. Batched as the pull stores: the comments of `POSTS_PER_STORE` posts, and
    `X_PAGES_PER_CYCLE` pages of mentions, per `store_batch`; or one page per batch."""
    stored: list[int] = []
    started = time.perf_counter()
    # As the Facebook pull does: each group is stored while the next is read.
    with dataset.facebook.open("rb") as lines, StoringBehind() as storing:
        current_post, seen = "", {}
        batch: list[Interaction] = []
        posts = 0
        for line in lines:
            envelope = json.loads(line)
            post_id = envelope["post_id"]
            if post_id != current_post:
                # One post's pages share `seen`, as they do in one adapter read.
                if posts == POSTS_PER_STORE:
                    storing.submit(_facebook_group(store, batch, stored))
                    batch, posts = [], 0
                current_post, seen = post_id, {}
                posts += 1
            found, _ = comments_from_page(
                post_id, envelope["page"], page_id=PAGE_ID, include_own=True, seen=seen
            )
            batch.extend(found)
            if one_page_per_batch:
                storing.submit(_facebook_group(store, batch, stored))
                batch = []
        storing.submit(_facebook_group(store, batch, stored))
    new = sum(stored)
    with dataset.x.open("rb") as lines:
        collected: dict[str, Interaction] = {}
        pages = 0
        for line in lines:
            for interaction in mentions_from_page(json.loads(line), X_USER_ID):
                collected[interaction.platform_id] = interaction
            pages += 1
            if pages == (1 if one_page_per_batch else X_PAGES_PER_CYCLE):
                new += _store_x(store, collected)
                collected, pages = {}, 0
        new += _store_x(store, collected)
    return time.perf_counter() - started, new


def _facebook_group(
    store: InteractionStore, found: list[Interaction], stored: list[int]
) -> Callable[[], None]:
    """As the Facebook pull handles a group of posts read: ordered as
    `FacebookPageAdapter.list_interactions` orders a read, prepared in the reading thread,
    and the writing handed to `StoringBehind`."""
    found.sort(key=lambda item: (item.created_at, item.platform_id))
    prepared = store.prepare(found)

    def write() -> None:
        stored.append(len(store.store_prepared(prepared, "poll").new))

    return write


def _store_x(store: InteractionStore, collected: dict[str, Interaction]) -> int:
    # As `XAccountAdapter.list_mentions` orders a read, then the pull stores it.
    found = sorted(collected.values(), key=lambda i: int(i.platform_id))
    return len(store.store_batch(found, "poll").new)


# Each item is parsed once (json_transform) and kept as it came for the raw payload.
_BASELINE_FACEBOOK = """
INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id, author_id,
    author_name, text, created_at, permalink, from_city, is_hidden, raw, first_seen_at, source)
SELECT 'facebook', s.id, CASE WHEN s.parent.id IS NULL THEN 'comment' ELSE 'reply' END,
    post_id, coalesce(s.parent.id, post_id), coalesce(s."from".id, ''),
    nfc_normalize(coalesce(s."from".name, '')), nfc_normalize(coalesce(s.message, '')),
    strptime(s.created_time, '%Y-%m-%dT%H:%M:%S%z'), nullif(s.permalink_url, ''),
    coalesce(s."from".id = $page_id, false), coalesce(s.is_hidden, false), c, $now, 'poll'
FROM (
    SELECT post_id, c, json_transform(c, '{"id": "VARCHAR", "message": "VARCHAR",
        "created_time": "VARCHAR", "from": {"id": "VARCHAR", "name": "VARCHAR"},
        "parent": {"id": "VARCHAR"}, "permalink_url": "VARCHAR", "is_hidden": "BOOLEAN"}') AS s
    FROM (
        SELECT post_id, unnest(page.data) AS c
        FROM read_json($path, format = 'newline_delimited',
            columns = {'post_id': 'VARCHAR', 'page': 'STRUCT(data JSON[])'})
    )
)
"""

_BASELINE_X = """
INSERT INTO interactions (platform, platform_id, kind, thread_id, parent_id, author_id,
    author_name, text, created_at, permalink, from_city, is_hidden, raw, first_seen_at, source)
WITH pages AS (
    SELECT data, includes.users AS users
    FROM read_json($path, format = 'newline_delimited',
        columns = {'data': 'JSON[]', 'includes': 'STRUCT(users JSON[])'})
), users AS (
    SELECT u->>'id' AS author_id, any_value(u) AS u
    FROM (SELECT unnest(users) AS u FROM pages) GROUP BY ALL
), tweets AS (
    SELECT t, s.author_id, s,
        CASE WHEN s.referenced_tweets[1].type = 'replied_to'
            THEN s.referenced_tweets[1].id END AS parent_id
    FROM (
        SELECT t, json_transform(t, '{"id": "VARCHAR", "text": "VARCHAR",
            "author_id": "VARCHAR", "created_at": "VARCHAR", "conversation_id": "VARCHAR",
            "in_reply_to_user_id": "VARCHAR",
            "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR"}]}') AS s
        FROM (SELECT unnest(data) AS t FROM pages)
    )
)
SELECT 'x', s.id,
    CASE WHEN parent_id IS NOT NULL AND s.in_reply_to_user_id = $user_id
        THEN 'reply' ELSE 'mention' END,
    coalesce(s.conversation_id, s.id), parent_id, author_id,
    coalesce(u->>'name', u->>'username', author_id), nfc_normalize(coalesce(s.text, '')),
    s.created_at::TIMESTAMPTZ, 'https://x.com/i/web/status/' || s.id, false, false,
    json_object('tweet', t, 'author', coalesce(u, '{}'::JSON)), $now, 'poll'
FROM tweets LEFT JOIN users USING (author_id)
WHERE author_id IS DISTINCT FROM $user_id
"""


def baseline_ingest(hub: bootstrap.Hub, dataset: Dataset) -> float:
    """DuckDB alone: ``read_json`` of the same files into the interactions table."""
    started = time.perf_counter()
    now = utc_now()
    with hub.store.transaction() as cur:
        cur.execute(
            _BASELINE_FACEBOOK, {"path": str(dataset.facebook), "page_id": PAGE_ID, "now": now}
        )
        cur.execute(_BASELINE_X, {"path": str(dataset.x), "user_id": X_USER_ID, "now": now})
    return time.perf_counter() - started


_COMPARED = (
    "platform, platform_id, kind, thread_id, parent_id, author_id, author_name, text,"
    " created_at, permalink, from_city, is_hidden, raw::JSON::VARCHAR"
)


def rows_differing(hub_db: Path, baseline_db: Path) -> tuple[int, int, int]:
    """Rows in the hub database, in the baseline's, and in either but not both."""
    with duckdb.connect(str(hub_db), read_only=True) as con:
        con.execute(f"ATTACH '{baseline_db}' AS baseline (READ_ONLY)")
        hub_rows = con.execute("SELECT count(*) FROM interactions").fetchone()[0]
        baseline_rows = con.execute("SELECT count(*) FROM baseline.interactions").fetchone()[0]
        differing = con.execute(
            f"SELECT count(*) FROM ((SELECT {_COMPARED} FROM interactions"
            f" EXCEPT SELECT {_COMPARED} FROM baseline.interactions)"
            f" UNION ALL (SELECT {_COMPARED} FROM baseline.interactions"
            f" EXCEPT SELECT {_COMPARED} FROM interactions))"
        ).fetchone()[0]
    return hub_rows, baseline_rows, differing


# -- the benchmark ---------------------------------------------------------------------------


def _ingest_into_fresh_hub(
    folder: Path, dataset: Dataset, one_page_per_batch: bool, again: bool
) -> tuple[Path, float, int, float, int]:
    """One hub path run: the database, seconds and new rows, then (when `again`) the same
    for a second pass over the same pages."""
    hub = _fresh_hub(folder)
    try:
        interactions = InteractionStore(
            hub.store, city_author_ids={Platform.FACEBOOK: PAGE_ID, Platform.X: X_USER_ID}
        )
        seconds, new = hub_ingest(interactions, dataset, one_page_per_batch=one_page_per_batch)
        again_seconds, again_new = (
            hub_ingest(interactions, dataset, one_page_per_batch=one_page_per_batch)
            if again
            else (0.0, 0)
        )
        return hub.settings.db_path, seconds, new, again_seconds, again_new
    finally:
        hub.close()


def run(context: BenchContext) -> list[Figure]:
    """Write the pages, time the hub path (batched as the pull stores, then one page per
    batch) and the baseline, and re-ingest the same pages."""
    folder = context.scratch("ingest")
    dataset = write_dataset(folder, context.scale.interactions)
    shape = (
        f"{dataset.total:,} interactions in {dataset.pages:,} pages of up to {PAGE_SIZE}"
        f" ({dataset.facebook_count:,} Facebook, {dataset.x_count:,} X)"
    )
    hub_db, hub_seconds, hub_new, again_seconds, again_new = _ingest_into_fresh_hub(
        folder / "hub", dataset, one_page_per_batch=False, again=True
    )
    _, page_seconds, page_new, _, _ = _ingest_into_fresh_hub(
        folder / "hub-per-page", dataset, one_page_per_batch=True, again=False
    )
    baseline = _fresh_hub(folder / "baseline")
    try:
        baseline_seconds = baseline_ingest(baseline, dataset)
        baseline_db = baseline.settings.db_path
    finally:
        baseline.close()
    hub_rows, baseline_rows, differing = rows_differing(hub_db, baseline_db)

    hub_rate = dataset.total / hub_seconds
    ratio = hub_seconds / baseline_seconds
    return [
        Figure(
            BENCHMARK,
            f"hub path (batched as the pull stores: {POSTS_PER_STORE} posts' comments or"
            f" {X_PAGES_PER_CYCLE} pages of mentions per store_batch), interactions per second",
            hub_rate,
            "/s",
            f"≥ {TARGET_PER_SECOND:,}",
            hub_rate >= TARGET_PER_SECOND,
            f"{shape} in {hub_seconds:.2f} s; {hub_new:,} stored",
        ),
        Figure(
            BENCHMARK,
            "DuckDB alone (read_json into interactions), interactions per second",
            dataset.total / baseline_seconds,
            "/s",
            "",
            None,
            f"{baseline_seconds:.2f} s; {baseline_rows:,} stored; rows differing from the hub"
            f" path's {hub_rows:,} (raw payload included): {differing:,}",
        ),
        Figure(
            BENCHMARK,
            "hub path time / DuckDB-alone time",
            ratio,
            "ratio",
            f"≤ {TARGET_RATIO:g}",
            ratio <= TARGET_RATIO,
            f"{hub_seconds:.2f} s / {baseline_seconds:.2f} s",
        ),
        Figure(
            BENCHMARK,
            "hub path, one page per store_batch (one transaction each), interactions per second",
            dataset.total / page_seconds,
            "/s",
            "",
            None,
            f"{page_seconds:.2f} s, {page_seconds / baseline_seconds:.1f}x DuckDB alone;"
            f" {page_new:,} stored",
        ),
        Figure(
            BENCHMARK,
            "re-ingest of the same pages (all already stored), interactions per second",
            dataset.total / again_seconds,
            "/s",
            "",
            None,
            f"{again_seconds:.2f} s; {again_new:,} newly stored (0 expected)",
        ),
    ]
