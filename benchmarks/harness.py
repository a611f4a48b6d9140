"""What every benchmark returns, and the context it runs in.

A benchmark is a module ``benchmarks/bench_<name>.py`` with ``run(context) -> list[Figure]``.
``benchmarks/run.py`` calls each in turn, prints the figures and (at full size) writes the
table to BENCHMARKS.md. Benchmarks measure; they never assert. The smoke size exists so CI
keeps every script working, and its figures mean nothing.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Scale:
    """How big the generated year is. ``FULL`` is the issue's city; ``SMOKE`` keeps CI quick."""

    name: str
    departments: int
    wards: int
    posts: int
    interactions: int
    publish_posts: int
    recent_posts: int


FULL = Scale("full", 26, 144, 30_000, 1_000_000, 1_000, 3_000)
SMOKE = Scale("smoke", 26, 144, 300, 5_000, 20, 150)


@dataclass(frozen=True)
class Figure:
    """One measured figure and its target. ``met`` None: no target (context only)."""

    benchmark: str  # e.g. "Ingest"
    measure: str  # e.g. "interactions per second"
    value: float
    unit: str  # e.g. "/s", "ms", "MB", "requests", "ratio"
    target: str  # e.g. "≥ 100,000", "≤ 300 ms", "" for none
    met: bool | None
    detail: str = ""


@dataclass
class BenchContext:
    """Where a benchmark works: a scratch folder of its own and the scale to run at."""

    scale: Scale
    workdir: Path
    notes: list[str] = field(default_factory=list)

    def scratch(self, name: str) -> Path:
        """A fresh folder for one benchmark's files."""
        folder = self.workdir / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def free_port() -> int:
    """A free TCP port on loopback (benchmarks never hold a fixed one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
