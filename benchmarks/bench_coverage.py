"""Coverage benchmark (issue 3, "Coverage and maps").

``coverage(starcloud-88k)`` over 24 h at 60 s on the default 2° grid with a 25° mask: wall time
(split into SGP4 propagation and coverage accumulation) and peak resident memory. Each case runs
in its own child process, so its ``ru_maxrss`` is that case's own peak.

The full case (88,000 satellites × 1,441 steps = 127 M satellite-times) takes minutes on one
core; by default the script runs scaled cases (every k-th satellite, all eight shells) and
extrapolates the time linearly in satellites (both parts are linear in satellite-times), and
says so. ``--full`` runs the real thing.

Run: ``python -m benchmarks.bench_coverage [--quick | --full] [--workers N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from benchmarks.common import machine, single_core, table

single_core()

import numpy as np  # noqa: E402

N_FULL = 88_000


def run_case(name: str, every: int, hours: float, step_s: float, workers: int) -> dict:
    """One case in this process; returns timings and ``ru_maxrss``. Called in the child."""
    import resource

    import orbitsim.geometry.coverage as coverage_module
    from orbitsim import load_constellation, time_grid

    constellation = load_constellation(name)
    if every > 1:
        constellation = constellation.subset(np.arange(0, len(constellation), every))
    grid = time_grid("2026-03-20T00:00:00Z", hours=hours, step_s=step_s)
    propagate_s = 0.0
    original = coverage_module.iter_geometry

    def timed_iter_geometry(*args, **kwargs):  # time spent producing geometry chunks
        nonlocal propagate_s
        chunks = original(*args, **kwargs)
        while True:
            start = time.perf_counter()
            try:
                chunk = next(chunks)
            except StopIteration:
                propagate_s += time.perf_counter() - start
                return
            propagate_s += time.perf_counter() - start
            yield chunk

    coverage_module.iter_geometry = timed_iter_geometry
    start = time.perf_counter()
    result = coverage_module.coverage(constellation, grid, min_elevation_deg=25.0, cell_deg=2.0,
                                      workers=workers)
    wall = time.perf_counter() - start
    return {
        "n_sats": len(constellation), "n_times": len(grid), "wall_s": wall,
        "propagate_s": propagate_s, "maxrss_mib": resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024,
        "global_covered": result.global_covered_fraction(),
        "mean_in_view": float(np.average(result.mean_in_view.mean(axis=1),
                                         weights=np.cos(np.radians(result.lat_deg)))),
    }


def child(name: str, every: int, hours: float, step_s: float, workers: int) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench_coverage", "--case", name,
           "--every", str(every), "--hours", str(hours), "--step", str(step_s),
           "--workers", str(workers)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(label: str, case: dict, scale: float = 1.0) -> dict:
    sat_times = case["n_sats"] * case["n_times"]
    us = case["wall_s"] / sat_times * 1e6
    out = {
        "case": label,
        "satellites x steps": f"{case['n_sats']:,} x {case['n_times']:,}",
        "wall (s)": f"{case['wall_s']:.1f}",
        "propagation (s)": f"{case['propagate_s']:.1f}",
        "coverage (s)": f"{case['wall_s'] - case['propagate_s']:.1f}",
        "us / sat-step": f"{us:.2f}",
        "peak RSS (MiB)": f"{case['maxrss_mib']:.0f}",
        "time covered (area-wtd)": f"{100 * case['global_covered']:.1f} %",
        "mean in view": f"{case['mean_in_view']:.1f}",
    }
    if scale != 1.0:
        out["extrapolated 88k wall (s)"] = f"{case['wall_s'] * scale:.0f}"
    return out


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small cases, for smoke runs")
    parser.add_argument("--full", action="store_true", help="also run all 88,000 satellites")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--every", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--hours", type=float, default=24.0, help=argparse.SUPPRESS)
    parser.add_argument("--step", type=float, default=60.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:  # child process: one case, one JSON line
        print(json.dumps(run_case(args.case, args.every, args.hours, args.step, args.workers)))
        return ""
    w = args.workers
    rows = []
    if args.quick:
        case = child("starcloud-88k", 400, 2.0, 60.0, w)
        rows.append(row("starcloud-88k every 400th, 2 h", case))
    else:
        rows.append(row("starlink-shell1, 24 h", child("starlink-shell1", 1, 24.0, 60.0, w)))
        for every in (40, 10):
            case = child("starcloud-88k", every, 24.0, 60.0, w)
            label = f"starcloud-88k every {every}th, 24 h (scaled)"
            rows.append(row(label, case, scale=N_FULL / case["n_sats"]))
        if args.full:
            rows.append(row("starcloud-88k, 24 h (full)", child("starcloud-88k", 1, 24.0, 60.0,
                                                                w)))
    columns = list(dict.fromkeys(key for r in rows for key in r))
    text = "\n".join([
        f"machine: {machine()}, numpy {np.__version__}, workers={w}",
        "coverage(min_elevation_deg=25, cell_deg=2) from 2026-03-20T00:00Z, 60 s steps; "
        "wall time includes SGP4 propagation; peak RSS of the child process running the case.",
        "", table(rows, columns)])
    print(text)
    return text


if __name__ == "__main__":
    main()
