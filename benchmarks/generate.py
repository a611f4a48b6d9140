"""A year of a metropolitan hub, generated in bulk into a real hub database.

`generate_year` builds a hub with its own migrations, the departments of departments.csv and
the demo accounts, then fills it with DuckDB SQL only (no row-by-row Python): published
updates and posts, citizens' Facebook comments and replies and X mentions in Bengali, English
and Banglish (sampled from the simulator's labelled corpus and varied), their routing rows,
the tickets they became with realistic response and resolution times around each
department's targets, the events of those tickets (opened, reassigned, reminders,
escalations, replies, resolutions, reopenings, closings, merges, spam hidden) and the city's
replies. Everything respects the migrations' constraints, and the id sequences and
`ticket_counters` are advanced so the hub can go on creating rows afterwards.

Randomness comes from ``hash(row, salt, seed)``, not ``random()``: DuckDB runs the statements
on several threads, and a hash of the row number gives the same year for the same seed
whatever the thread schedule.

    python -m benchmarks.generate --size full --out /tmp/year/hub.duckdb
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from benchmarks.harness import FULL, SMOKE, BenchContext, Scale
from hub import bootstrap
from hub.config import Settings, load_settings
from hub.demo import SETUP_ACTOR, ensure_demo_accounts, import_departments_if_empty
from hub.permissions import Actor
from hub.sandbox.runtime import SANDBOX_FACEBOOK, SANDBOX_X
from hub.wards import WardMap

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENTS_FILE = ROOT / "departments.csv"
CORPUS_FILE = ROOT / "hub" / "sandbox" / "corpus" / "citizen_messages.json"
SCALES = {"full": FULL, "smoke": SMOKE}

# Shares of the citizens' messages by language, as the issue describes the city.
LANGUAGE_SHARES = {"bn": 0.55, "en": 0.25, "mixed": 0.20}
# Share of interactions that become tickets; the rest are praise, spam, "other" and follow-ups.
TICKET_SHARE = 0.70
FACEBOOK_SHARE = 0.72
NEEDS_ANSWER = ("complaint", "question", "suggestion")
MINUTES_PER_YEAR = 365 * 24 * 60
# Marker written beside a finished database: what was generated, for `year_database`.
MARKER = "generated.json"
# A cached year older than this is generated again: its open tickets would have aged.
CACHE_HOURS = 12


def generate_year(db_path: Path, scale: Scale, *, seed: int = 2026, now: datetime) -> dict:
    """Build a hub database at `db_path` holding a year of activity ending at `now`.

    `db_path` must not exist yet. Returns (and prints) the row counts per table and the
    seconds taken.
    """
    db_path = Path(db_path)
    if db_path.exists():
        raise FileExistsError(f"{db_path} exists: generate into a new path")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    now = now.astimezone(UTC).replace(microsecond=0)
    started = time.perf_counter()
    _build_empty_hub(db_path)
    built_at = time.perf_counter()
    connection = duckdb.connect(str(db_path))
    try:
        connection.execute("SET TimeZone = 'UTC'")
        _fill(connection, scale, seed, now)
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "departments",
                "users",
                "updates",
                "posts",
                "interactions",
                "interaction_triage",
                "tickets",
                "ticket_events",
                "replies",
            )
        }
        counts["open_tickets"] = connection.execute(
            "SELECT count(*) FROM tickets WHERE status IN ('new', 'acknowledged', 'in_progress')"
        ).fetchone()[0]
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    finished = time.perf_counter()
    summary = {
        "scale": scale.name,
        "seed": seed,
        "now": now.isoformat(),
        "counts": counts,
        "setup_seconds": round(built_at - started, 2),
        "fill_seconds": round(finished - built_at, 2),
        "size_mb": round(db_path.stat().st_size / 1e6, 1),
    }
    print(
        f"generated {scale.name} year ending {now:%Y-%m-%d %H:%M} UTC in {db_path} "
        f"({summary['fill_seconds']} s to fill, {summary['size_mb']} MB): "
        + ", ".join(f"{name} {value:,}" for name, value in counts.items())
    )
    return summary


def year_database(context: BenchContext, *, seed: int = 2026) -> Path:
    """The run's generated year (built on first use, then reused); copy it before writing.

    Kept under the context's workdir keyed by scale and seed, so every benchmark of one run
    (and a rerun within `CACHE_HOURS`) shares one generation.
    """
    folder = context.workdir / f"year-{context.scale.name}-{seed}"
    db_path = folder / "hub.duckdb"
    marker = folder / MARKER
    if marker.is_file() and db_path.is_file():
        made = datetime.fromisoformat(json.loads(marker.read_text())["now"])
        if datetime.now(UTC) - made < timedelta(hours=CACHE_HOURS):
            return db_path
    if folder.exists():
        shutil.rmtree(folder)
    summary = generate_year(db_path, context.scale, seed=seed, now=datetime.now(UTC))
    marker.write_text(json.dumps(summary, indent=2))
    context.notes.append(
        f"generated year ({context.scale.name}): "
        + ", ".join(f"{k} {v:,}" for k, v in summary["counts"].items())
        + f"; {summary['fill_seconds']} s"
    )
    return db_path


def copy_database(source: Path, folder: Path) -> Path:
    """A private copy of a generated hub database in `folder` (for benchmarks that write)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "hub.duckdb"
    shutil.copyfile(source, target)
    return target


def open_year_hub(db_path: Path) -> bootstrap.Hub:
    """The hub's services on a generated database, wired by `build_hub` as the server does.

    No scheduler and no sandbox: the benchmarks measure the pages' queries alone.
    """
    return bootstrap.build_hub(_settings(db_path), create=False)


def actor_named(hub: bootstrap.Hub, username: str) -> Actor:
    """The demo account `username` as an actor (read from the store, no password needed)."""
    users = hub.accounts.list_users(SETUP_ACTOR)
    return next(user.actor() for user in users if user.username == username)


def _settings(db_path: Path) -> Settings:
    return load_settings(
        data_dir=db_path.parent,
        database_path=db_path,
        departments_file=DEPARTMENTS_FILE,
        scheduler_enabled=False,
        sandbox={"enabled": False},
    )


def _build_empty_hub(db_path: Path) -> None:
    """Migrations, departments and demo accounts, through the hub's own code."""
    hub = bootstrap.build_hub(_settings(db_path), create=True)
    try:
        import_departments_if_empty(hub, DEPARTMENTS_FILE)
        ensure_demo_accounts(hub)
    finally:
        hub.close()


def _follow_up_rate() -> float:
    """Share of needs-answer messages treated as follow-ups, so that tickets ≈ TICKET_SHARE."""
    corpus = json.loads(CORPUS_FILE.read_text("utf-8"))
    needs = 0.0
    for language, share in LANGUAGE_SHARES.items():
        rows = [row for row in corpus if row["language"] == language]
        answering = [r for r in rows if r["category"] in NEEDS_ANSWER or r["urgent"]]
        needs += share * len(answering) / len(rows)
    return max(0.0, 1 - TICKET_SHARE / needs)


def _fill(con: duckdb.DuckDBPyConnection, scale: Scale, seed: int, now: datetime) -> None:
    """Every table, in dependency order, from temporary tables built with set-based SQL."""
    start = now - timedelta(minutes=MINUTES_PER_YEAR)
    n_updates = max(1, scale.posts * 5 // 8)
    # The first `n_both` updates went to Facebook and X, the others to Facebook only.
    n_both = scale.posts - n_updates
    params = {"start": start}
    for statement in _macros(seed):
        con.execute(statement)
    con.execute(
        "CREATE TEMP TABLE corpus AS SELECT"
        " (row_number() OVER (PARTITION BY language ORDER BY id) - 1)::INTEGER AS k,"
        " language, text, department, ward, category, urgent"
        f" FROM read_json('{CORPUS_FILE.as_posix()}')"
    )
    con.execute(
        "CREATE TEMP TABLE corpus_n AS SELECT language, count(*) AS n FROM corpus GROUP BY ALL"
    )
    con.execute(
        "CREATE TEMP TABLE dk AS SELECT (row_number() OVER (ORDER BY code) - 1)::INTEGER AS k,"
        " code, name_en, name_bn, first_response_target_hours AS fr_h,"
        " resolution_target_hours AS res_h,"
        # How quickly each department usually answers, as a share of its target: some
        # departments are fast, some miss often.
        " 0.15 + 0.45 * rnd(hash(code), 'q_fr') AS q_fr,"
        " 0.20 + 0.35 * rnd(hash(code), 'q_res') AS q_res"
        f" FROM departments WHERE active ORDER BY code LIMIT {int(scale.departments)}"
    )
    n_departments = con.execute("SELECT count(*) FROM dk").fetchone()[0]
    _publishing(con, params, n_updates, n_both, n_departments)
    _interactions(con, params, scale, n_updates, n_both, n_departments)
    _tickets(con, params)
    _write(con, params)
    _locate(con, seed)
    _advance_sequences(con)


# A tenth of the year's interactions carry a place (a WhatsApp pin, an Open311 point).
LOCATED_SHARE = 0.1


def _locate(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Give a tenth of the interactions, among those routed to a ward with a shape, a point
    within about 50 m of their ward's label point, and their tickets the same point."""
    con.execute("CREATE TEMP TABLE ward_points (ward INTEGER, lat DOUBLE, lon DOUBLE)")
    con.executemany(
        "INSERT INTO ward_points VALUES (?, ?, ?)",
        [(w.number, w.label_latitude, w.label_longitude) for w in WardMap.shipped().wards],
    )
    (total,) = con.execute("SELECT count(*) FROM interactions").fetchone()
    con.execute(
        "CREATE TEMP TABLE located AS SELECT tr.interaction_id AS id,"
        " p.lat + (CAST(hash(tr.interaction_id, 'lat') % 1001 AS INTEGER) - 500) * 1e-6 AS lat,"
        " p.lon + (CAST(hash(tr.interaction_id, 'lon') % 1001 AS INTEGER) - 500) * 1e-6 AS lon"
        " FROM interaction_triage tr JOIN ward_points p ON p.ward = tr.ward"
        " ORDER BY hash(tr.interaction_id, $seed) LIMIT $n",
        {"seed": seed, "n": int(total * LOCATED_SHARE)},
    )
    con.execute(
        "UPDATE interactions SET latitude = l.lat, longitude = l.lon FROM located l"
        " WHERE interactions.id = l.id"
    )
    con.execute(
        "UPDATE tickets SET latitude = l.lat, longitude = l.lon FROM located l"
        " WHERE tickets.interaction_id = l.id"
    )


def _macros(seed: int) -> list[str]:
    seed = int(seed)
    return [
        # Uniform in [0, 1) from a row number and a salt.
        "CREATE OR REPLACE TEMP MACRO rnd(i, salt) AS"
        f" ((hash(i, salt, {seed}) >> 11)::DOUBLE / 9007199254740992.0)",
        # Standard normal (Box-Muller).
        "CREATE OR REPLACE TEMP MACRO nrm(i, salt) AS"
        " (sqrt(-2 * ln(1 - rnd(i, salt || '.a'))) * cos(2 * pi() * rnd(i, salt || '.b')))",
        # Minutes after the year's start as a timestamp.
        "CREATE OR REPLACE TEMP MACRO at_min(start_ts, m) AS"
        " (start_ts + to_microseconds(CAST(round(m * 60000000) AS BIGINT)))",
        "CREATE OR REPLACE TEMP MACRO pick(items, u) AS"
        " (items[1 + CAST(floor(u * len(items)) AS INTEGER)])",
        "CREATE OR REPLACE TEMP MACRO bn_digits(n) AS"
        " translate(CAST(n AS VARCHAR), '0123456789', '০১২৩৪৫৬৭৮৯')",
    ]


def _publishing(
    con: duckdb.DuckDBPyConnection, params: dict, n_updates: int, n_both: int, n_departments: int
) -> None:
    """Approved updates with their published posts, and a few rejected ones."""
    span = MINUTES_PER_YEAR
    n_rejected = max(1, n_updates // 25)
    con.execute(
        "CREATE TEMP TABLE gu AS WITH b AS ("
        " SELECT range + 1 AS u,"
        f"  CAST(floor({n_departments} * pow(rnd(range, 'ud'), 1.3)) AS INTEGER) AS dk,"
        f"  (range + 0.1 + 0.8 * rnd(range, 'up')) / {n_updates} * {span} AS pub,"
        "  rnd(range, 'kind') < 0.08 AS launch,"
        f"  range < {n_both} AS both_platforms,"
        "  1 + CAST(floor(rnd(range, 'ward') * 144) AS INTEGER) AS ward"
        f" FROM range({n_updates}))"
        " SELECT b.*, d.code, d.name_en, d.name_bn,"
        "  b.pub - 20 - 1400 * rnd(u, 'appr') AS approved,"
        "  b.pub - 20 - 1400 * rnd(u, 'appr') - 240 * exp(0.8 * nrm(u, 'rev')) AS submitted,"
        "  1 + CAST(rnd(u, 'subs') < 0.15 AS INTEGER) AS submissions"
        " FROM b JOIN dk d ON d.k = b.dk"
    )
    con.execute(
        "INSERT INTO updates (id, department_code, author, kind, title, text_bn, text_en,"
        " platforms, wished_at, event_at, event_place, status, late_notice, override_reason,"
        " override_by, submissions, first_submitted_at, submitted_at, reviewed_by, reviewed_at,"
        " approved_at, created_at, updated_at)"
        " SELECT u, code, 'officer.' || lower(code),"
        "  CASE WHEN launch THEN 'launch' ELSE 'work_update' END,"
        "  CASE WHEN launch THEN 'Launch: ' ELSE 'Work update: ' END"
        "   || name_en || ', ward ' || ward,"
        "  name_bn || ': ' || bn_digits(ward) || ' নম্বর ওয়ার্ডে কাজ চলছে। নাগরিকদের সহযোগিতার"
        " জন্য ধন্যবাদ।',"
        "  name_en || ': work in ward ' || ward || ' is under way this week. Thank you for your"
        " patience.',"
        "  CASE WHEN both_platforms THEN ['facebook', 'x'] ELSE ['facebook'] END,"
        "  at_min($start, pub),"
        "  CASE WHEN launch THEN at_min($start, pub + 1440 * (1 + 3 * rnd(u, 'ev'))) END,"
        "  CASE WHEN launch THEN 'Ward ' || ward || ' community hall' END,"
        "  'approved', launch AND rnd(u, 'late') < 0.06,"
        "  CASE WHEN launch AND rnd(u, 'late') < 0.06 THEN 'Event confirmed late by the"
        " Mayor''s office' END,"
        "  CASE WHEN launch AND rnd(u, 'late') < 0.06 THEN 'it.team' END,"
        "  submissions, at_min($start, submitted),"
        "  at_min($start, submitted + (submissions - 1) * 180), 'it.team',"
        "  at_min($start, approved), at_min($start, approved),"
        "  at_min($start, submitted - 5 - 600 * rnd(u, 'draft')), at_min($start, pub)"
        " FROM gu ORDER BY u",
        params,
    )
    con.execute(
        "INSERT INTO updates (id, department_code, author, kind, title, text_bn, text_en,"
        " platforms, status, submissions, first_submitted_at, submitted_at, reviewed_by,"
        " reviewed_at, review_note, reject_reason, created_at, updated_at)"
        f" SELECT {n_updates} + range + 1, d.code, 'officer.' || lower(d.code), 'work_update',"
        "  'Update from ' || d.name_en, '', 'Routine notice from ' || d.name_en, ['facebook'],"
        "  'rejected', 1, at_min($start, m), at_min($start, m), 'it.team',"
        "  at_min($start, m + 300), 'Please see the social media policy.',"
        "  pick(['not_public_interest', 'inaccurate', 'duplicate', 'policy',"
        "        'photos_unsuitable', 'other'], rnd(range, 'rr')),"
        "  at_min($start, m - 60), at_min($start, m + 300)"
        f" FROM (SELECT range, rnd(range, 'rm') * {span - 600} AS m,"
        f"  CAST(floor(rnd(range, 'rd') * {n_departments}) AS INTEGER) AS dk"
        f"  FROM range({n_rejected})) r JOIN dk d ON d.k = r.dk ORDER BY range",
        params,
    )
    con.execute(
        "INSERT INTO update_events (update_id, occurred_at, actor, event, note, reason_code)"
        " SELECT id, occurred_at, actor, event, note, reason_code FROM ("
        "  SELECT id, first_submitted_at AS occurred_at, author AS actor, 'submitted' AS event,"
        "   NULL AS note, NULL AS reason_code FROM updates"
        "  UNION ALL SELECT id, approved_at, 'it.team', 'approved', NULL, NULL FROM updates"
        "   WHERE status = 'approved'"
        "  UNION ALL SELECT id, reviewed_at, 'it.team', 'rejected', review_note, reject_reason"
        "   FROM updates WHERE status = 'rejected') ORDER BY occurred_at, id"
    )
    page = SANDBOX_FACEBOOK["page_id"]
    x_user = int(SANDBOX_X["user_id"])
    # Post ids: Facebook's post of update u is u, X's is n_updates + u.
    con.execute(
        "CREATE TEMP TABLE gp AS"
        " SELECT u AS id, u, 'facebook' AS platform,"
        f"  '{page}_' || u AS platform_post_id,"
        f"  'https://www.facebook.com/{page}/posts/' || u AS permalink, pub, approved,"
        "  name_en || ': work in ward ' || ward || ' is under way this week.' AS text FROM gu"
        f" UNION ALL SELECT {n_updates} + u, u, 'x', CAST({x_user} + 1000 * u AS VARCHAR),"
        f"  'https://x.com/kmc/status/' || CAST({x_user} + 1000 * u AS VARCHAR), pub, approved,"
        "  name_en || ': work in ward ' || ward || '.' FROM gu WHERE both_platforms"
    )
    con.execute(
        "INSERT INTO posts (id, update_id, platform, text, scheduled_at, status, attempts,"
        " claimed_by, claimed_at, platform_post_id, permalink, published_at, created_at,"
        " updated_at)"
        " SELECT id, u, platform, text, at_min($start, pub), 'published', 1, 'publisher',"
        "  at_min($start, pub), platform_post_id, permalink, at_min($start, pub + 0.2),"
        "  at_min($start, approved), at_min($start, pub + 0.2) FROM gp ORDER BY id",
        params,
    )
    con.execute(
        "INSERT INTO publish_attempts (post_id, worker, started_at, finished_at, outcome,"
        " platform_post_id)"
        " SELECT id, 'publisher', at_min($start, pub), at_min($start, pub + 0.2), 'published',"
        "  platform_post_id FROM gp ORDER BY pub, id",
        params,
    )


_NAMES_EN = [
    "Ananya", "Rahul", "Sourav", "Priya", "Arindam", "Moumita", "Imran", "Sneha", "Debashis",
    "Farhana", "Abhijit", "Payel", "Subhajit", "Rituparna", "Aniket", "Tanushree", "Kunal",
    "Sayani", "Arjun", "Nasreen",
]  # fmt: skip
_SURNAMES_EN = [
    "Banerjee", "Chatterjee", "Mukherjee", "Ghosh", "Das", "Sen", "Roy", "Dutta", "Bose",
    "Khan", "Sarkar", "Mondal", "Saha", "Paul", "Ahmed", "Biswas",
]  # fmt: skip
_NAMES_BN = ["অনন্যা", "রাহুল", "সৌরভ", "প্রিয়া", "অরিন্দম", "মৌমিতা", "ইমরান", "স্নেহা"]
_SURNAMES_BN = ["বন্দ্যোপাধ্যায়", "চট্টোপাধ্যায়", "ঘোষ", "দাস", "সেন", "রায়", "দত্ত", "বসু"]
# Ways citizens start and end the same complaint, per language, so the corpus's 345
# messages become many distinct texts.
_PREFIXES = {
    "bn": ["", "", "", "দাদা, ", "আবার বলছি: ", "দয়া করে দেখুন। ", "কেউ কি শুনছেন? "],
    "en": ["", "", "", "Dear KMC, ", "Again: ", "Please look into this. ", "Sir, "],
    "mixed": ["", "", "", "Dada, ", "abar bolchi: ", "plz dekhun, ", "KMC please, "],
}
_SUFFIXES = {
    "bn": ["", "", "", " অনেকদিন ধরে এই অবস্থা।", " তাড়াতাড়ি ব্যবস্থা নিন।", " ধন্যবাদ।"],
    "en": ["", "", "", " Kindly act fast.", " This has been going on for weeks.", " Thanks."],
    "mixed": ["", "", "", " kichu korun plz.", " onek din dhore eirokom.", " thanks."],
}


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


def _interactions(
    con: duckdb.DuckDBPyConnection,
    params: dict,
    scale: Scale,
    n_updates: int,
    n_both: int,
    n_departments: int,
) -> None:
    """The citizens' messages (`gi`), ordered by time, with what routing made of them."""
    n = int(scale.interactions)
    citizens = max(100, n // 5)
    span = MINUTES_PER_YEAR
    follow_up = _follow_up_rate()
    lang_cut = (LANGUAGE_SHARES["bn"], LANGUAGE_SHARES["bn"] + LANGUAGE_SHARES["en"])
    prefixes = {k: _sql_list(v) for k, v in _PREFIXES.items()}
    suffixes = {k: _sql_list(v) for k, v in _SUFFIXES.items()}
    by_language = "CASE lang WHEN 'bn' THEN {bn} WHEN 'en' THEN {en} ELSE {mixed} END"
    x_updates = max(1, n_both)
    con.execute(
        "CREATE TEMP TABLE gi_raw AS WITH b AS ("
        " SELECT range AS i,"
        f"  rnd(range, 'pf') < {FACEBOOK_SHARE} OR {n_both} = 0 AS fb,"
        f"  CASE WHEN rnd(range, 'lang') < {lang_cut[0]} THEN 'bn'"
        f"   WHEN rnd(range, 'lang') < {lang_cut[1]} THEN 'en' ELSE 'mixed' END AS lang,"
        f"  CAST(floor({citizens} * pow(rnd(range, 'cit'), 2)) AS BIGINT) AS citizen"
        f" FROM range({n}))"
        " SELECT b.*,"
        f"  CASE WHEN fb THEN 1 + CAST(floor(rnd(i, 'post') * {n_updates}) AS BIGINT)"
        f"   ELSE 1 + CAST(floor(rnd(i, 'post') * {x_updates}) AS BIGINT) END AS u,"
        "  CAST(floor(rnd(i, 'msg') * n.n) AS INTEGER) AS k"
        " FROM b JOIN corpus_n n ON n.language = b.lang"
    )
    con.execute(
        "CREATE TEMP TABLE gi_timed AS SELECT r.*, c.text AS base_text, c.department AS routed,"
        " c.ward AS corpus_ward, c.category, c.urgent, p.platform_post_id AS post_id,"
        " p.pub,"
        # Most comments come within hours of a post; some trickle in for two weeks.
        " CASE WHEN rnd(r.i, 'late') < 0.9 THEN -ln(1 - rnd(r.i, 'delay')) * 360"
        "  ELSE rnd(r.i, 'delay') * 20160 END AS delay"
        " FROM gi_raw r"
        " JOIN corpus c ON c.language = r.lang AND c.k = r.k"
        " JOIN gp p ON p.u = r.u AND p.platform = CASE WHEN r.fb THEN 'facebook' ELSE 'x' END"
    )
    con.execute(
        "CREATE TEMP TABLE gi AS WITH t AS ("
        " SELECT *,"
        f"  CASE WHEN pub + delay < {span} - 1 THEN pub + delay"
        f"   ELSE pub + ({span} - 1 - pub) * rnd(i, 'squeeze') END AS off,"
        f"  (category IN {NEEDS_ANSWER!r} OR urgent) AS needs_answer,"
        "  corpus_ward IS NULL AND rnd(i, 'addward') < 0.5 AS add_ward,"
        "  1 + CAST(floor(rnd(i, 'ward') * 144) AS INTEGER) AS extra_ward,"
        "  rnd(i, 'reassign') < 0.15 AS reassign,"
        f"  CAST(floor(rnd(i, 'newdept') * {n_departments}) AS INTEGER) AS new_k"
        " FROM gi_timed)"
        " SELECT row_number() OVER (ORDER BY off, i) AS id, t.*,"
        "  needs_answer AND rnd(i, 'followup') >= " + repr(follow_up) + " AS ticket,"
        "  CASE WHEN corpus_ward IS NOT NULL THEN corpus_ward"
        "   WHEN add_ward THEN extra_ward END AS ward,"
        "  CASE WHEN reassign THEN nd.code ELSE routed END AS department,"
        "  CASE WHEN fb THEN CASE WHEN rnd(i, 'kind') < 0.2 THEN 'reply' ELSE 'comment' END"
        "   ELSE 'mention' END AS kind,"
        "  CASE WHEN fb THEN split_part(post_id, '_', 2) || '_' || (i + 1)"
        "   ELSE CAST(1800000000000000000 + i AS VARCHAR) END AS platform_id,"
        "  CASE WHEN fb THEN '1000' || CAST(5000000000 + citizen AS VARCHAR)"
        "   ELSE CAST(1400000000 + citizen AS VARCHAR) END AS author_id,"
        "  CASE WHEN rnd(citizen, 'script') < 0.4"
        f"   THEN pick({_sql_list(_NAMES_BN)}, rnd(citizen, 'fn')) || ' '"
        f"    || pick({_sql_list(_SURNAMES_BN)}, rnd(citizen, 'sn'))"
        f"   ELSE pick({_sql_list(_NAMES_EN)}, rnd(citizen, 'fn')) || ' '"
        f"    || pick({_sql_list(_SURNAMES_EN)}, rnd(citizen, 'sn')) END AS author_name,"
        f"  pick({by_language.format(**prefixes)}, rnd(i, 'pre')) || base_text"
        "   || CASE WHEN add_ward THEN CASE lang"
        "     WHEN 'bn' THEN ' ' || bn_digits(extra_ward) || ' নম্বর ওয়ার্ড।'"
        "     WHEN 'en' THEN ' Ward ' || extra_ward || '.'"
        "     ELSE ' ward no ' || extra_ward END ELSE '' END"
        f"   || pick({by_language.format(**suffixes)}, rnd(i, 'suf')) AS text,"
        "  off + 0.75 + rnd(i, 'triage') AS decided"
        " FROM t LEFT JOIN dk nd ON nd.k = t.new_k"
    )


def _tickets(con: duckdb.DuckDBPyConnection, params: dict) -> None:
    """Tickets (`gt`) with times drawn around each department's targets, as of `now`."""
    span = MINUTES_PER_YEAR
    con.execute(
        "CREATE TEMP TABLE gt_base AS"
        " SELECT row_number() OVER (ORDER BY g.decided, g.id) AS tid, g.id AS interaction_id,"
        "  g.i, g.fb, g.platform_id, g.author_id, g.lang, g.ward, g.department, g.routed,"
        "  g.category, g.urgent, g.off AS o, g.decided AS c, g.reassign AND"
        "  g.department IS DISTINCT FROM g.routed AS moved,"
        "  coalesce(d.fr_h, 8) * 60.0 AS fr_t, coalesce(d.res_h, 72) * 60.0 AS res_t,"
        "  coalesce(d.q_fr, 0.5) AS q_fr, coalesce(d.q_res, 0.5) AS q_res,"
        "  CASE WHEN rnd(g.i, 'fate') < 0.008 THEN 'merged'"
        "   WHEN rnd(g.i, 'fate') < 0.012 THEN 'hidden' ELSE '' END AS fate"
        " FROM gi g LEFT JOIN dk d ON d.code = g.department WHERE g.ticket"
    )
    con.execute(
        "CREATE TEMP TABLE gt AS WITH a AS ("
        " SELECT *,"
        # A few tickets are never answered publicly, and some are forgotten (never resolved,
        # a third of those never answered either): the old part of the open backlog.
        "  CASE WHEN rnd(i, 'noreply') < 0.025"
        "   OR (rnd(i, 'stuck') < 0.012 AND rnd(i, 'silent') < 0.35) THEN NULL"
        "   ELSE greatest(2, fr_t * q_fr * exp(0.8 * nrm(i, 'fr'))) END AS fr,"
        "  rnd(i, 'stuck') < 0.012 AS stuck,"
        "  res_t * q_res * exp(0.7 * nrm(i, 'res')) AS res_draw,"
        "  rnd(i, 'reopen') < 0.03 AS reopen_pick,"
        "  720 + 7200 * rnd(i, 'reopen_after') AS reopen_after,"
        "  res_t * q_res * 0.6 * exp(0.7 * nrm(i, 'res2')) AS res2"
        " FROM gt_base),"
        " b AS (SELECT *,"
        "  CASE WHEN stuck THEN NULL ELSE greatest(coalesce(fr, 0) + 20, res_draw) END AS res1"
        " FROM a),"
        " r AS (SELECT *,"
        "  CASE WHEN fate = '' AND reopen_pick AND res1 IS NOT NULL"
        f"   AND o + res1 + reopen_after < {span} THEN o + res1 + reopen_after END AS reopened"
        " FROM b),"
        " f AS (SELECT *,"
        "  CASE WHEN reopened IS NOT NULL THEN reopened + res2 ELSE o + res1 END AS res_at"
        " FROM r),"
        " s AS (SELECT *,"
        f"  CASE WHEN fate = '' AND o + fr <= {span} THEN o + fr END AS fr_at,"
        f"  CASE WHEN fate = '' AND res_at <= {span} THEN res_at END AS resolved_at,"
        f"  CASE WHEN fate = '' AND o + res1 <= {span} THEN o + res1 END AS first_resolved_at,"
        "  rnd(i, 'ack') < 0.3 AS ack_reply,"
        "  res_at + 720 + 5760 * rnd(i, 'close') AS close_at,"
        f"  least({span}, c + 30 + 570 * rnd(i, 'fate_at')) AS fate_at,"
        "  CASE WHEN fate <> '' THEN NULL"
        "   WHEN urgent THEN c + 1"
        "   WHEN fr IS NULL OR fr > fr_t THEN o + fr_t + 1"
        "   WHEN res1 IS NULL OR res1 > res_t THEN o + res_t + 1 END AS esc_draw,"
        "  CASE WHEN fate = '' AND (fr IS NULL OR fr > 0.75 * fr_t)"
        f"   AND o + 0.75 * fr_t + 1 <= {span} THEN o + 0.75 * fr_t + 1 END AS reminded"
        " FROM f)"
        " SELECT *,"
        f"  CASE WHEN esc_draw <= {span} THEN esc_draw END AS escalated,"
        "  CASE WHEN urgent THEN 'urgent' WHEN fr IS NULL OR fr > fr_t"
        "   THEN 'first-response target breached' ELSE 'resolution target breached' END"
        "   AS esc_reason,"
        "  CASE WHEN fate <> '' THEN 'closed'"
        "   WHEN resolved_at IS NOT NULL AND close_at <= "
        f"{span} AND rnd(i, 'closed') < 0.8 THEN 'closed'"
        "   WHEN resolved_at IS NOT NULL THEN 'resolved'"
        "   WHEN reopened IS NOT NULL THEN 'in_progress'"
        "   WHEN fr_at IS NOT NULL THEN CASE WHEN ack_reply THEN 'acknowledged'"
        "    ELSE 'in_progress' END"
        "   ELSE 'new' END AS status"
        " FROM s"
    )
    con.execute(
        "CREATE TEMP TABLE gr AS SELECT row_number() OVER (ORDER BY fr_at, tid) AS reply_id,"
        " tid, fr_at, ack_reply FROM gt WHERE fr_at IS NOT NULL"
    )
    con.execute(
        "CREATE TEMP TABLE gref AS SELECT tid, year,"
        " row_number() OVER (PARTITION BY year ORDER BY tid) AS number FROM ("
        "  SELECT tid, year(timezone('Asia/Kolkata', at_min($start, c))) AS year FROM gt)",
        params,
    )


def _write(con: duckdb.DuckDBPyConnection, params: dict) -> None:
    """Copy the temporary tables into the hub's tables, in id order."""
    con.execute(
        "INSERT INTO interactions (id, platform, platform_id, kind, thread_id, parent_id,"
        " author_id, author_name, text, created_at, permalink, from_city, is_hidden, raw,"
        " first_seen_at, source)"
        " SELECT g.id, CASE WHEN g.fb THEN 'facebook' ELSE 'x' END, g.platform_id, g.kind,"
        "  CASE WHEN g.fb OR rnd(g.i, 'conv') < 0.6 THEN g.post_id ELSE g.platform_id END,"
        "  CASE WHEN g.kind = 'reply' THEN split_part(g.post_id, '_', 2) || '_'"
        "   || CAST(greatest(1, g.i - 1 - CAST(floor(rnd(g.i, 'par') * 50) AS BIGINT)) AS VARCHAR)"
        "   WHEN NOT g.fb THEN g.post_id END,"
        "  g.author_id, g.author_name, g.text, at_min($start, g.off),"
        "  CASE WHEN g.fb THEN 'https://www.facebook.com/' || g.platform_id"
        "   ELSE 'https://x.com/i/web/status/' || g.platform_id END,"
        "  FALSE, coalesce(t.fate = 'hidden', FALSE),"
        "  json_object('id', g.platform_id, 'from', json_object('id', g.author_id),"
        "   'created_time', strftime(at_min($start, g.off), '%Y-%m-%dT%H:%M:%S+0000')),"
        "  at_min($start, g.off + 0.5 + rnd(g.i, 'seen')),"
        "  CASE WHEN g.fb AND rnd(g.i, 'src') < 0.2 THEN 'webhook' ELSE 'poll' END"
        " FROM gi g LEFT JOIN gt t ON t.interaction_id = g.id ORDER BY g.id",
        params,
    )
    con.execute(
        "INSERT INTO tickets (id, reference, interaction_id, platform, citizen_key,"
        " department_code, status, language, ward, category, urgent, routing_explanation,"
        " routing_confidence, opened_at, created_at, first_response_at, first_response_reply_id,"
        " acknowledged_at, resolved_at, closed_at, reopened_count, last_reopened_at,"
        " reminded_at, escalated_at, escalation_reason, merged_into, hidden, updated_at)"
        " SELECT t.tid, 'KMC-' || n.year || '-' || lpad(CAST(n.number AS VARCHAR), 6, '0'),"
        "  t.interaction_id, CASE WHEN t.fb THEN 'facebook' ELSE 'x' END,"
        "  CASE WHEN t.fb THEN 'facebook' ELSE 'x' END || ':' || t.author_id,"
        "  t.department, t.status, t.lang, t.ward, t.category, t.urgent,"
        "  'Language ' || t.lang || '; department ' || coalesce(t.routed, 'none (IT queue)')"
        "   || '; ward ' || coalesce(CAST(t.ward AS VARCHAR), 'not found') || '.',"
        "  0.55 + 0.45 * rnd(t.i, 'conf'),"
        "  at_min($start, t.o), at_min($start, t.c), at_min($start, t.fr_at), r.reply_id,"
        "  at_min($start, t.fr_at), at_min($start, t.resolved_at),"
        "  CASE WHEN t.fate <> '' THEN at_min($start, t.fate_at)"
        "   WHEN t.status = 'closed' THEN at_min($start, t.close_at) END,"
        "  CAST(t.reopened IS NOT NULL AS INTEGER), at_min($start, t.reopened),"
        # Reopening clears the reminder and the escalation; their events stay.
        "  CASE WHEN t.reopened IS NULL THEN at_min($start, t.reminded) END,"
        "  CASE WHEN t.reopened IS NULL THEN at_min($start, t.escalated) END,"
        "  CASE WHEN t.reopened IS NULL AND t.escalated IS NOT NULL THEN t.esc_reason END,"
        "  CASE WHEN t.fate = 'merged' AND t.tid > 1"
        "   THEN greatest(1, t.tid - 1 - CAST(floor(rnd(t.i, 'into') * 40) AS BIGINT)) END,"
        "  t.fate = 'hidden',"
        "  at_min($start, greatest(t.c, t.fr_at, t.resolved_at, t.reopened, t.reminded,"
        "   t.escalated, CASE WHEN t.fate <> '' THEN t.fate_at"
        "   WHEN t.status = 'closed' THEN t.close_at END))"
        " FROM gt t JOIN gref n ON n.tid = t.tid LEFT JOIN gr r ON r.tid = t.tid ORDER BY t.tid",
        params,
    )
    con.execute(
        "INSERT INTO ticket_counters (year, last_number)"
        " SELECT year, max(number) FROM gref GROUP BY year"
    )
    con.execute(
        "INSERT INTO interaction_triage (interaction_id, decided_at, needs_ticket, language,"
        " ward, department_code, category, urgent, explanation, confidence, ticket_id)"
        " SELECT g.id, at_min($start, g.decided), g.ticket, g.lang, g.ward, g.routed,"
        "  g.category, g.urgent,"
        "  'Language ' || g.lang || '; department ' || coalesce(g.routed, 'none')"
        "   || CASE WHEN g.ticket THEN '' WHEN g.needs_answer THEN ' (follow-up)'"
        "    ELSE ' (' || g.category || ': no answer)' END,"
        "  0.55 + 0.45 * rnd(g.i, 'conf'), t.tid"
        " FROM gi g LEFT JOIN gt t ON t.interaction_id = g.id ORDER BY g.id",
        params,
    )
    officer = "CASE WHEN department IS NULL THEN 'it.team' ELSE 'officer.' || lower(department) END"
    events = [
        "SELECT tid, c AS m, 'triage-job' AS actor, 'opened' AS event,"
        " 'routed to ' || coalesce(routed, 'IT queue') AS note, NULL AS from_d, routed AS to_d"
        " FROM gt",
        "SELECT tid, c + 5 + 235 * rnd(i, 'mv'), 'it.team', 'reassigned',"
        " 'Wrong department for this complaint', routed, department FROM gt WHERE moved",
        "SELECT tid, reminded, 'target-check-job', 'reminder', '75% of the target has passed',"
        " NULL, NULL FROM gt WHERE reminded IS NOT NULL",
        "SELECT tid, escalated, 'target-check-job', 'escalated', esc_reason, NULL, NULL"
        " FROM gt WHERE escalated IS NOT NULL",
        "SELECT tid, fr_at + 0.1, 'reply-sender', 'reply_sent',"
        " CASE WHEN ack_reply THEN 'acknowledgement' ELSE 'answer' END || ' posted', NULL, NULL"
        " FROM gt WHERE fr_at IS NOT NULL",
        f"SELECT tid, first_resolved_at, {officer}, 'resolved', 'Work done', NULL, NULL"
        " FROM gt WHERE first_resolved_at IS NOT NULL",
        "SELECT tid, reopened, 'triage-job', 'reopened', 'Still not fixed', NULL, NULL"
        " FROM gt WHERE reopened IS NOT NULL",
        f"SELECT tid, resolved_at, {officer}, 'resolved', 'Work done again', NULL, NULL"
        " FROM gt WHERE reopened IS NOT NULL AND resolved_at IS NOT NULL",
        f"SELECT tid, close_at, {officer}, 'closed', NULL, NULL, NULL"
        " FROM gt WHERE fate = '' AND status = 'closed'",
        "SELECT tid, fate_at, 'it.team', 'merged_into', 'duplicate', NULL, NULL"
        " FROM gt WHERE fate = 'merged' AND tid > 1",
        "SELECT tid, fate_at, 'it.team', 'hidden_as_spam', NULL, NULL, NULL"
        " FROM gt WHERE fate = 'hidden'",
    ]
    con.execute(
        "INSERT INTO ticket_events (id, ticket_id, occurred_at, actor, event, note,"
        " from_department, to_department)"
        " SELECT row_number() OVER (ORDER BY m, tid), tid, at_min($start, m), actor, event,"
        "  note, from_d, to_d FROM (" + " UNION ALL ".join(events) + ") ORDER BY m, tid",
        params,
    )
    con.execute(
        "INSERT INTO replies (id, ticket_id, platform, in_reply_to, kind, text, status,"
        " attempts, platform_reply_id, permalink, sent_at, created_by, created_at, updated_at)"
        " SELECT r.reply_id, t.tid, CASE WHEN t.fb THEN 'facebook' ELSE 'x' END, t.platform_id,"
        "  CASE WHEN r.ack_reply THEN 'acknowledgement' ELSE 'answer' END,"
        "  CASE WHEN r.ack_reply THEN 'Thank you. Your complaint is registered with KMC as '"
        "   ELSE 'We are working on your complaint ' END || k.reference || '.',"
        "  'sent', 1,"
        "  CASE WHEN t.fb THEN t.platform_id || '_r' ELSE CAST(1900000000000000000 + t.tid"
        "   AS VARCHAR) END,"
        "  CASE WHEN t.fb THEN 'https://www.facebook.com/' || t.platform_id || '_r'"
        "   ELSE 'https://x.com/i/web/status/' || CAST(1900000000000000000 + t.tid AS VARCHAR)"
        "   END,"
        "  at_min($start, r.fr_at),"
        "  CASE WHEN t.department IS NULL THEN 'it.team'"
        "   ELSE 'officer.' || lower(t.department) END,"
        "  at_min($start, r.fr_at - 0.3), at_min($start, r.fr_at)"
        " FROM gr r JOIN gt t ON t.tid = r.tid JOIN tickets k ON k.id = t.tid"
        " ORDER BY r.reply_id",
        params,
    )
    con.execute(
        "INSERT INTO reply_attempts (reply_id, worker, started_at, finished_at, outcome,"
        " platform_reply_id)"
        " SELECT id, 'reply-sender', created_at, sent_at, 'sent', platform_reply_id"
        " FROM replies ORDER BY id"
    )


def _advance_sequences(con: duckdb.DuckDBPyConnection) -> None:
    """Move each id sequence past the ids written explicitly, so the hub's next rows fit."""
    for table in ("updates", "posts", "interactions", "tickets", "ticket_events", "replies"):
        last = con.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        current = con.execute(
            f"SELECT coalesce(max(nextval('{table}_id_seq')), 0) FROM range(1)"
        ).fetchone()[0]
        if last >= current:
            con.execute(f"SELECT max(nextval('{table}_id_seq')) FROM range({int(last - current)})")


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.generate --size full|smoke --out PATH`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__)
    parser.add_argument("--size", choices=sorted(SCALES), default="smoke")
    parser.add_argument("--out", type=Path, required=True, help="the new hub.duckdb file")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"generate: {args.out} exists; choose a new path", file=sys.stderr)
        return 2
    generate_year(args.out, SCALES[args.size], seed=args.seed, now=datetime.now(UTC))
    return 0


if __name__ == "__main__":
    sys.exit(main())
