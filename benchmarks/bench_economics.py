"""Economics benchmark (issue: a verdict a decision can rest on): the Monte Carlo of the verdict.

- **Monte Carlo**: 10,000 seeded draws of every uncertain input (starcloud-node, the demo's 32
  nodes at 24 % utilisation), both costs of each draw and the rank-correlation tornado: one
  vectorised evaluation (:func:`orbitsim.analysis.economics.uncertainty.monte_carlo`).
- **Reference**: the same draws priced one at a time in a Python loop over the same cost
  functions with scalars (what a per-draw model costs); timed on 1,000 draws and scaled.
- **Full verdict**: everything ``orbitsim run`` adds to a run's summary: the Monte Carlo, the
  2026-2040 timeline of three launch trajectories (15 years x 10,000 draws each) and the value
  side of three workload classes (:func:`orbitsim.analysis.economics.evaluate`).

Medians of ``--repeats`` runs on one core (``OMP_NUM_THREADS=1``); the ratio column is the
reference's time per draw over the vectorised one's.

Run: ``.venv/bin/python -m benchmarks.bench_economics [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, median_time, single_core, table  # noqa: E402

single_core()

import numpy as np  # noqa: E402

from orbitsim.analysis.economics import Facts, evaluate, load_economics  # noqa: E402
from orbitsim.analysis.economics.costs import ground_cost, orbit_cost  # noqa: E402
from orbitsim.analysis.economics.terms import model_parameters  # noqa: E402
from orbitsim.analysis.economics.uncertainty import draw, monte_carlo  # noqa: E402
from orbitsim.analysis.economics.value import ClassFacts, FleetFacts  # noqa: E402
from orbitsim.model.hardware import load_node  # noqa: E402

DRAWS = 10_000
LOOP_DRAWS = 1_000
FACTS = Facts(n_nodes=32, accelerators_per_node=64, utilisation=0.24,
              contact_minutes_per_year=1.6e6)
CLASSES = [
    ClassFacts("batch-summarise", "batch-inference", "us-enterprise", True, 2900, 560.0, 0.0,
               2.9e10, 64.0, 63.0),
    ClassFacts("chat", "latency-inference", "global-startup", False, 4000, 1.5, 0.0, 4e7, 0.2,
               0.07),
    ClassFacts("scenes", "eo-processing", "eo-operator", True, 900, 40.0, 7.2e11, 4.5e9, 700.0,
               12.0),
]
FLEET = FleetFacts(contact_capacity_gb_per_minute=4.1, mean_wait_to_contact_s=810.0)


def _loop(params, n: int) -> np.ndarray:
    """The reference: the same draws, one scalar evaluation each."""
    sample = draw(params, n, seed=1)
    out = np.empty(n)
    for k in range(n):
        p = {name: (float(v[k]) if isinstance(v, np.ndarray) else v)
             for name, v in sample.items()}
        out[k] = orbit_cost(p, FACTS).usd_per_accelerator_hour / ground_cost(
            p, FACTS.utilisation).usd_per_accelerator_hour
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    economics = load_economics()
    node = load_node("starcloud-node")
    params = model_parameters(node, economics)
    uncertain = sum(p.uncertain for p in params.values())
    mc_s = median_time(lambda: monte_carlo(params, FACTS, draws=DRAWS, seed=1),
                       repeats=repeats)
    loop_n = 200 if args.quick else LOOP_DRAWS
    loop_s = median_time(lambda: _loop(params, loop_n), repeats=max(1, repeats // 2))
    verdict_s = median_time(lambda: evaluate(node, economics, FACTS, draws=DRAWS, seed=1,
                                             classes=CLASSES, fleet=FLEET), repeats=repeats)
    per_draw_loop = loop_s / loop_n
    per_draw_mc = mc_s / DRAWS
    rows = [
        {"case": f"Monte Carlo, {DRAWS:,} draws of {uncertain} inputs", "median_s":
         f"{mc_s:.3f}", "us_per_draw": f"{1e6 * per_draw_mc:.1f}", "ratio": "1"},
        {"case": f"reference: Python loop, {loop_n:,} draws (scaled to {DRAWS:,})",
         "median_s": f"{per_draw_loop * DRAWS:.2f}", "us_per_draw": f"{1e6 * per_draw_loop:.0f}",
         "ratio": f"{per_draw_loop / per_draw_mc:.0f}"},
        {"case": "full verdict: Monte Carlo + timeline (3 x 15 years) + 3 classes",
         "median_s": f"{verdict_s:.3f}", "us_per_draw": "", "ratio": ""},
    ]
    print(f"machine: {machine()}, one core; medians of {repeats} runs")
    print(table(rows, ["case", "median_s", "us_per_draw", "ratio"]))


if __name__ == "__main__":
    main()
