"""Run every benchmark, print its figures, and (at full size) write BENCHMARKS.md.

    python -m benchmarks.run                 # the full year: what `make bench` runs
    python -m benchmarks.run --size smoke    # seconds: CI keeps the scripts working
    python -m benchmarks.run --only board,metrics

Benchmarks measure and report; they never fail on a missed target (the table says so).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import FULL, SMOKE, BenchContext, Figure, Scale

# In the order they run: the cheap, independent ones first, the year-dataset ones after.
BENCHMARKS = (
    "sync",
    "publish",
    "photos",
    "whatsapp",
    "notices",
    "ingest",
    "board",
    "metrics",
    "map",
    "memory",
    "backup",
    "office",
    "crash",
)
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def machine_description() -> str:
    """CPU model, cores, memory and Python: the figures mean nothing without them."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.1f} GB RAM"
                break
    except OSError:
        pass
    import duckdb

    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()};"
        f" Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def run_benchmarks(scale: Scale, workdir: Path, only: tuple[str, ...] = ()) -> list[Figure]:
    """Every benchmark (or the ``only`` ones) in turn; one that crashes is reported, not fatal."""
    context = BenchContext(scale=scale, workdir=workdir)
    figures: list[Figure] = []
    for name in only or BENCHMARKS:
        started = time.perf_counter()
        print(f"== {name} ({scale.name})", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            produced = module.run(context)
        except Exception as error:  # a broken benchmark must not hide the others' figures
            traceback.print_exc()
            problem = f"{type(error).__name__}: {error}"
            produced = [Figure(name, "crashed", 0, "", "", False, problem)]
        for figure in produced:
            print("   " + format_line(figure), flush=True)
        figures.extend(produced)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return figures


def format_value(figure: Figure) -> str:
    """A figure as people read it: thousands separated, sensible decimals."""
    value = figure.value
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100 or float(value).is_integer():
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {figure.unit}".strip()


def verdict(figure: Figure) -> str:
    """met / MISSED / — for a figure without a target."""
    if figure.met is None:
        return "—"
    return "met" if figure.met else "MISSED"


def format_line(figure: Figure) -> str:
    """One figure on one line of the console."""
    target = f" (target {figure.target}: {verdict(figure)})" if figure.target else ""
    detail = f" — {figure.detail}" if figure.detail else ""
    return f"{figure.measure}: {format_value(figure)}{target}{detail}"


def markdown_table(figures: list[Figure], scale: Scale, seconds: float) -> str:
    """BENCHMARKS.md: the machine, the scale, and one row per figure."""
    commit = ""
    with contextlib.suppress(OSError):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand.",
        "",
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit or 'unknown'}`,"
        f" {seconds / 60:.1f} minutes in all",
        f"- Machine: {machine_description()}",
        f"- Scale: {scale.name} — {scale.departments} departments, {scale.wards} wards,"
        f" {scale.posts:,} posts, {scale.interactions:,} interactions,"
        f" {scale.publish_posts:,} posts due at once, {scale.recent_posts:,} recent posts",
        "",
        "| benchmark | measure | figure | target | verdict | detail |",
        "|---|---|---|---|---|---|",
    ]
    for figure in figures:
        cells = (
            figure.benchmark,
            figure.measure,
            format_value(figure),
            figure.target or "—",
            verdict(figure),
            figure.detail,
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, print, write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("full", "smoke"), default="full")
    parser.add_argument("--only", default="", help="comma-separated: " + ",".join(BENCHMARKS))
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the table (default: BENCHMARKS.md at full size, nowhere at smoke)",
    )
    args = parser.parse_args(argv)
    scale = FULL if args.size == "full" else SMOKE
    only = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {sorted(unknown)[0]!r}; known: {', '.join(BENCHMARKS)}")
    output = args.output or (PROJECT_ROOT / "BENCHMARKS.md" if scale is FULL else None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        figures = run_benchmarks(scale, workdir, only)
    seconds = time.perf_counter() - started
    if output is not None:
        output.write_text(markdown_table(figures, scale, seconds), encoding="utf-8")
        print(f"wrote {output}")
    missed = [f for f in figures if f.met is False]
    print(f"{len(figures)} figures, {len(missed)} missed their target, {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
