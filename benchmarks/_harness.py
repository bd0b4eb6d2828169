"""Tiny benchmark harness: timings (best of N), peak memory, and figures with an in-run baseline.

A figure is only meaningful next to its baseline: both are measured in the same process and
run, so machine speed cancels out of the ratio.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One benchmark result: a measurement, its baseline, and their ratio."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    ratio: float
    """value / baseline_value (for speed: > 1 means slower than the baseline)."""
    note: str = ""

    def row(self) -> str:
        return (
            f"{self.name:<58} {self.value:>12.4g} {self.unit:<5} vs {self.baseline_name:<40} "
            f"{self.baseline_value:>12.4g} {self.unit:<5} ratio {self.ratio:>10.3g}  {self.note}"
        )


def figure(name: str, value: float, unit: str, baseline_name: str, baseline_value: float, note: str = "") -> Figure:
    ratio = value / baseline_value if baseline_value else float("inf")
    return Figure(name, value, unit, baseline_name, baseline_value, ratio, note)


def best_time(fn: Callable[[], Any], *, repeat: int = 3, number: int = 1) -> float:
    """Best wall time of `repeat` runs of `number` calls, per call [s]."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def peak_memory_bytes(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Peak Python heap allocation while `fn` runs (tracemalloc) [bytes], and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def subprocess_import_seconds(statement: str, *, repeat: int = 5) -> float:
    """Best wall time of a fresh interpreter running `statement`, minus nothing (compare two of these) [s]."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        best = min(best, time.perf_counter() - start)
    return best


def dump(figures: list[Figure]) -> str:
    return json.dumps([asdict(f) for f in figures], indent=2)
