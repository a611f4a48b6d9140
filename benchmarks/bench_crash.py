"""The crash rounds: `hub serve` SIGKILLed while every job works, its figures for BENCHMARKS.md.

The proof is a test, `tests/test_serve_crash.py` (fifty rounds in `make test`); this runs that
same test in its own pytest process and reports what it measured: how many rounds, how many
calls to the platforms a kill cut off, what became of every post, reply and WhatsApp message
(delivered once, or flagged for a person), and whether any check failed (anything on a
platform twice, a reference number twice, an interaction lost). At smoke size it runs a few
rounds, so CI keeps this script working; the figures then mean little.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import FULL, BenchContext, Figure

NAME = "Crash rounds"
ROOT = Path(__file__).resolve().parents[1]
FULL_ROUNDS = 50
SMOKE_ROUNDS = 3


def run(context: BenchContext) -> list[Figure]:
    """Run the serve crash test with its figures written out; report them."""
    rounds = FULL_ROUNDS if context.scale is FULL else SMOKE_ROUNDS
    figures_file = context.scratch("crash") / "figures.json"
    figures_file.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(SERVE_CRASH_ROUNDS=str(rounds), SERVE_CRASH_FIGURES=str(figures_file))
    begun = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_serve_crash.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    minutes = (time.perf_counter() - begun) / 60
    passed = done.returncode == 0 and figures_file.is_file()
    if not passed:
        failure = [line for line in done.stdout.splitlines() if line.startswith("E ")][:3]
        return [
            Figure(
                NAME,
                "checks failed after a SIGKILL of `hub serve` (twice on a platform, lost)",
                1,
                "",
                "0",
                False,
                " / ".join(failure) or done.stdout[-500:],
            )
        ]
    measured = json.loads(figures_file.read_text(encoding="utf-8"))
    outcomes = {**measured["posts"], **measured["replies_and_messages"]}
    return [
        Figure(
            NAME,
            "rounds of SIGKILL of the whole `hub serve`, each checked",
            measured["rounds"],
            "rounds",
            f"≥ {FULL_ROUNDS}",
            measured["rounds"] >= FULL_ROUNDS,
            f"0.3-3 s after its health route answered, every job busy against the sandbox;"
            f" {measured['interrupted']} calls to the platforms cut off by a kill;"
            f" {minutes:.1f} minutes in all",
        ),
        Figure(
            NAME,
            "posts, replies or WhatsApp messages twice on a platform; interactions lost",
            0,
            "",
            "0",
            True,
            "after every round and at the end; what became of each item: "
            + ", ".join(f"{key} {count}" for key, count in sorted(outcomes.items()))
            + f"; {measured['whatsapp_tickets']} WhatsApp complaints became tickets",
        ),
    ]
