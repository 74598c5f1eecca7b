"""Helpers shared by the benchmark scripts: medians of repeats, tables, machine description."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def single_core() -> None:
    """Pin numpy's thread pools to one thread (set before numpy is imported)."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def median_time(func: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``func`` in seconds over ``repeats`` runs, after ``warmup`` runs."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(reference: Callable[[], object], ours: Callable[[], object],
                repeats: int = 5) -> tuple[float, float, float]:
    """Time ``reference`` and ``ours`` alternately (A B A B ...) after one warm-up of each.

    Returns the median time of each and the median of the per-repeat ratios ours/reference:
    alternating keeps both inside the same moments of a noisy shared machine.
    """
    reference()
    ours()
    ref_times, our_times, ratios = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        reference()
        middle = time.perf_counter()
        ours()
        end = time.perf_counter()
        ref_times.append(middle - start)
        our_times.append(end - middle)
        ratios.append((end - middle) / (middle - start))
    return statistics.median(ref_times), statistics.median(our_times), statistics.median(ratios)


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def table(rows: list[dict], columns: list[str]) -> str:
    head = "| " + " | ".join(columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join([head, rule, *body])
