"""Timing a call the way the board and metrics benchmarks report it: cold, then warm runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Milliseconds of one case: the first (cold) call, and the warm runs after it."""

    first_ms: float
    warm_ms: list[float]
    result: Any

    @property
    def median_ms(self) -> float:
        """Median of the warm runs."""
        return statistics.median(self.warm_ms)

    @property
    def worst_ms(self) -> float:
        """Slowest warm run."""
        return max(self.warm_ms)


def time_call(call: Callable[[], Any], runs: int) -> Timing:
    """Call once (cold for this case), then `runs` more times; the last result is kept."""
    started = time.perf_counter()
    result = call()
    first = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        result = call()
        warm.append((time.perf_counter() - started) * 1000)
    return Timing(first, warm, result)
