"""Benchmark: contact windows of ``starlink-gen1`` (4,408 satellites) × 50 stations × 24 h at 10 s.

Reports, as a markdown table:

- the wall time of :func:`orbitsim.geometry.contacts.contact_windows` end to end (propagation
  with velocities, pruned pass finding, refinement, capacity);
- the cost per satellite-station-step of the *unpruned* elevation test
  (:func:`orbitsim.kernels.visibility.above_mask` on every sample; target ≤ 30 ns);
- the speed-up pruning brings: pass finding with and without pruning on the same propagated
  chunks (detection alone, and detection + refinement + capacity), with a check that both
  give the same passes.

Run: ``.venv/bin/python benchmarks/bench_contacts.py`` (full case) or with ``--hours 6`` on a busy
machine. CPU time is reported beside wall time because the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the small matrix products gain nothing

import numpy as np  # noqa: E402

from orbitsim.geometry import contacts as contacts_module  # noqa: E402
from orbitsim.geometry.contacts import StationTable, contact_windows  # noqa: E402
from orbitsim.geometry.propagate import map_chunks  # noqa: E402
from orbitsim.kernels.visibility import above_mask  # noqa: E402
from orbitsim.model.catalogue import load_constellation  # noqa: E402
from orbitsim.model.ground import load_ground_network  # noqa: E402
from orbitsim.model.timegrid import time_grid  # noqa: E402


class _Clock:
    """Wall and CPU time of a block, accumulated."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu


def _constellation(name: str):
    try:
        return load_constellation(name)
    except Exception:  # fall back to the four Gen1 shells built directly
        from orbitsim.model.builders import walker_delta, walker_star
        from orbitsim.model.constellation import combine

        shells = [walker_delta(550, 53.0, 72, 22, 17, prefix="SL550"),
                  walker_delta(540, 53.2, 72, 22, 17, prefix="SL540", first_id=2001),
                  walker_delta(570, 70.0, 36, 20, 11, prefix="SL570", first_id=4001),
                  walker_star(560, 97.6, 10, 52, 1, prefix="SL560", first_id=5001)]
        return combine("starlink-gen1", shells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--constellation", default="starlink-gen1")
    parser.add_argument("--network", default="starlink-gateways")
    parser.add_argument("--stations", type=int, default=50, help="first N stations of the network")
    parser.add_argument("--start", default="2026-06-21T00:00:00Z")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--step", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-breakdown", action="store_true",
                        help="only the end-to-end run (skips the unpruned comparison)")
    parser.add_argument("--quick", action="store_true", help="1 h at 60 s, 10 stations")
    args = parser.parse_args(argv)
    if args.quick:
        args.hours, args.step, args.stations = 1.0, 60.0, 10

    constellation = _constellation(args.constellation)
    network = load_ground_network(args.network)
    network = network.subset(range(min(args.stations, len(network))))
    grid = time_grid(args.start, args.hours, args.step)
    n_sats, n_st, n_times = len(constellation), len(network), len(grid)
    pairs_steps = n_sats * n_st * n_times

    end_to_end = _Clock()
    with end_to_end:
        passes = contact_windows(constellation, network, grid, workers=args.workers)

    rows = [
        ("case", f"{constellation.name} ({n_sats:,} sats) × {n_st} stations ({network.name}) × "
                 f"{args.hours:g} h at {args.step:g} s = {pairs_steps:.3g} sat-station-steps"),
        ("passes found", f"{len(passes):,}"),
        ("contact_windows wall time (pruned, end to end)",
         f"{end_to_end.wall:.1f} s (CPU {end_to_end.cpu:.1f} s, workers={args.workers})"),
    ]

    if not args.no_breakdown:
        table = StationTable.of(network, grid.duration_s, None, 0)
        clocks = {k: _Clock() for k in ("propagation", "test", "dense", "pruned", "dense_all",
                                         "pruned_all")}
        counts = {"dense": 0, "pruned": 0, "max_start_diff_s": 0.0}
        chunks = map_chunks(constellation, grid, None, with_velocity=True)
        while True:
            with clocks["propagation"]:
                chunk = next(chunks, None)
            if chunk is None:
                break
            r, v = chunk.r_ecef_km, chunk.v_ecef_km_s
            with clocks["test"]:
                above_mask(r, table.ecef_km, table.up, table.mask_deg)
            with clocks["dense"]:
                contacts_module._dense_samples(r, table)
            with clocks["pruned"]:
                contacts_module._pruned_samples(r, v, grid.step_s, table,
                                                contacts_module.DEFAULT_COARSE_STEP_S)
            options = dict(table=table, coarse_step_s=contacts_module.DEFAULT_COARSE_STEP_S)
            with clocks["dense_all"]:
                dense = contacts_module._passes_of_positions(r, v, chunk.start, grid, prune=False,
                                                             **options)
            with clocks["pruned_all"]:
                pruned = contacts_module._passes_of_positions(r, v, chunk.start, grid, prune=True,
                                                              **options)
            counts["dense"] += len(dense["start_s"])
            counts["pruned"] += len(pruned["start_s"])
            if len(dense["start_s"]) == len(pruned["start_s"]) and len(dense["start_s"]):
                a = np.sort(dense["start_s"] + 1e6 * dense["sat_index"])
                b = np.sort(pruned["start_s"] + 1e6 * pruned["sat_index"])
                counts["max_start_diff_s"] = max(counts["max_start_diff_s"],
                                                 float(np.max(np.abs(a - b))))
        ns = 1e9 / pairs_steps
        c = clocks
        rows += [
            ("propagation with velocities (SGP4 + frames, 1 process)",
             f"{c['propagation'].wall:.1f} s (CPU {c['propagation'].cpu:.1f} s)"),
            ("unpruned elevation test, per sat-station-step",
             f"{c['test'].wall * ns:.2f} ns (CPU {c['test'].cpu * ns:.2f} ns); "
             f"total {c['test'].wall:.1f} s"),
            ("pass detection without pruning (exact test + runs + peaks)",
             f"{c['dense'].wall:.1f} s (CPU {c['dense'].cpu:.1f} s)"),
            ("pass detection with pruning (coarse cap test + exact test near hits)",
             f"{c['pruned'].wall:.1f} s (CPU {c['pruned'].cpu:.1f} s)"),
            ("speed-up of pruning, detection",
             f"{c['dense'].cpu / max(c['pruned'].cpu, 1e-9):.1f}× (CPU)"),
            ("passes stage without / with pruning (detection + refinement + capacity)",
             f"{c['dense_all'].wall:.1f} s / {c['pruned_all'].wall:.1f} s "
             f"(CPU {c['dense_all'].cpu:.1f} / {c['pruned_all'].cpu:.1f} s)"),
            ("speed-up of pruning, passes stage",
             f"{c['dense_all'].cpu / max(c['pruned_all'].cpu, 1e-9):.1f}× (CPU)"),
            ("same passes with and without pruning",
             f"{counts['dense']:,} vs {counts['pruned']:,}; max start difference "
             f"{counts['max_start_diff_s']:.2e} s"),
        ]

    print("| contacts benchmark | value |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
