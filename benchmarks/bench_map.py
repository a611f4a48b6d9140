"""Map and Open311 on the generated year (a tenth of its interactions located): point-in-ward
(≥ 50,000 points a second), the map page's server time (≤ 1 s) and Open311's `GET requests`
of 1,000 rows (≤ 300 ms).

Point-in-ward runs `WardMap.wards_at` on batches of points, as triage and Open311 call it:
points near the wards' label points (pins), and points spread over the city's bounding box
(half of them outside every ward, the slow path: the nearest-ward snap). The map page runs
through AppTest the way the dashboard benchmark runs its page (a browser's first render,
server side). `GET requests` is asked over real HTTP of the hub's own routes under uvicorn,
in JSON and XML, with the filters clients use; the time is the client's, request to body.
"""

from __future__ import annotations

import logging
import random
import statistics
import threading
import time
from datetime import timedelta
from pathlib import Path

import requests
import uvicorn
from starlette.applications import Starlette

from benchmarks.generate import actor_named, open_year_hub, year_database
from benchmarks.harness import FULL, BenchContext, Figure, free_port
from hub import bootstrap
from hub.clock import utc_now
from hub.wards import WardMap
from hub.web import http_routes

NAME = "Map and Open311"
POINTS_TARGET = 50_000
PAGE_TARGET_MS = 1000.0
REQUESTS_TARGET_MS = 300.0
ROOT = Path(__file__).resolve().parents[1]
MAP_PAGE = ROOT / "pages" / "map.py"


def run(context: BenchContext) -> list[Figure]:
    """Point-in-ward, the map page, then Open311's reads."""
    full = context.scale is FULL
    figures = _point_in_ward(200_000 if full else 5_000)
    hub = open_year_hub(year_database(context))
    try:
        figures += _map_page(hub, runs=5 if full else 1)
        figures += _open311_reads(hub, runs=9 if full else 2)
    finally:
        hub.close()
    return figures


def _point_in_ward(count: int) -> list[Figure]:
    wards = WardMap.shipped()
    rng = random.Random(2026)
    west, south, east, north = wards.bounds()
    labels = [(w.label_latitude, w.label_longitude) for w in wards.wards]
    near = [
        (lat + rng.uniform(-1e-3, 1e-3), lon + rng.uniform(-1e-3, 1e-3))
        for lat, lon in (rng.choice(labels) for _ in range(count))
    ]
    spread = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(count)]
    wards.wards_at([22.5], [88.35])  # the tree is built on first use
    figures = []
    for label, points in (("pins near ward centres", near), ("spread over the city's box", spread)):
        started = time.perf_counter()
        found = []
        for at in range(0, len(points), 10_000):
            batch = points[at : at + 10_000]
            found += wards.wards_at([p[0] for p in batch], [p[1] for p in batch])
        seconds = time.perf_counter() - started
        inside = sum(ward is not None for ward in found)
        rate = len(points) / seconds
        figures.append(
            Figure(
                NAME,
                f"point-in-ward, {label}, points per second",
                round(rate),
                "/s",
                f"≥ {POINTS_TARGET:,}",
                rate >= POINTS_TARGET,
                f"{len(points):,} points in batches of 10,000 through WardMap.wards_at in"
                f" {seconds:.2f} s; {inside:,} in a ward, {len(points) - inside:,} outside",
            )
        )
    return figures


def _map_page(hub, *, runs: int) -> list[Figure]:
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    commissioner = actor_named(hub, "commissioner")
    officer = actor_named(hub, "officer.water")
    today = utc_now().astimezone(hub.settings.display_zone).date()
    cases = [
        ("map page, commissioner, default period (28 days)", commissioner, {}),
        (
            "map page, commissioner, whole year",
            commissioner,
            {"map_period": (today - timedelta(days=364), today)},
        ),
        (
            "map page, commissioner, share past target, whole year",
            commissioner,
            {"map_period": (today - timedelta(days=364), today), "map_figure": "past_target"},
        ),
        ("map page, officer, default period", officer, {}),
    ]

    def load(actor, state) -> tuple[float, str]:
        at = AppTest.from_file(str(MAP_PAGE), default_timeout=120)
        at.session_state["auth_user_id"] = actor.user_id
        for key, value in state.items():
            at.session_state[key] = value
        started = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - started) * 1000
        if at.exception:
            raise RuntimeError(f"the map page failed: {at.exception[0].message}")
        return elapsed, " ".join(c.value for c in at.caption)

    bootstrap.install(hub)
    try:
        figures = []
        for label, actor, state in cases:
            first, caption = load(actor, state)
            warm = sorted(load(actor, state)[0] for _ in range(runs))
            figures.append(
                Figure(
                    NAME,
                    label,
                    round(statistics.median(warm)),
                    "ms",
                    f"≤ {PAGE_TARGET_MS:.0f} ms",
                    warm[-1] <= PAGE_TARGET_MS,
                    f"AppTest run of pages/map.py, median of {runs}; worst {warm[-1]:.0f} ms,"
                    f" first {first:.0f} ms; {caption.split('. Wards')[0]}",
                )
            )
        return figures
    finally:
        bootstrap.uninstall()


def _open311_reads(hub, *, runs: int) -> list[Figure]:
    bootstrap.install(hub)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=http_routes(bootstrap.current)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    hub.open311.reads.limit = 1_000_000  # the benchmark is one source asking many times
    base = f"http://127.0.0.1:{port}/open311/v2"
    cases = [
        ("GET requests.json, default (90 days, newest 1,000)", "requests.json", {}),
        ("GET requests.json, status=open", "requests.json", {"status": "open"}),
        ("GET requests.json, service_code=WATER", "requests.json", {"service_code": "WATER"}),
        ("GET requests.xml, default (90 days, newest 1,000)", "requests.xml", {}),
    ]
    figures = []
    try:
        with requests.Session() as session:
            for label, path, query in cases:
                timings = []
                rows = 0
                for _ in range(runs + 1):
                    started = time.perf_counter()
                    answer = session.get(f"{base}/{path}", params=query, timeout=60)
                    timings.append((time.perf_counter() - started) * 1000)
                    answer.raise_for_status()
                    rows = (
                        answer.text.count("<request>")
                        if path.endswith(".xml")
                        else len(answer.json())
                    )
                warm = sorted(timings[1:])
                figures.append(
                    Figure(
                        NAME,
                        label,
                        round(statistics.median(warm), 1),
                        "ms",
                        f"≤ {REQUESTS_TARGET_MS:.0f} ms",
                        warm[-1] <= REQUESTS_TARGET_MS,
                        f"over HTTP to the hub's routes (uvicorn, loopback), median of {runs};"
                        f" worst {warm[-1]:.0f} ms, first {timings[0]:.0f} ms; {rows:,} rows,"
                        f" {len(answer.content) / 1024:,.0f} KB",
                    )
                )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        bootstrap.uninstall()
    return figures
