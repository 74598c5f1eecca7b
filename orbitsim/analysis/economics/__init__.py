"""Economics: what a delivered accelerator-hour costs in orbit and on the ground, and the verdict.

One module a section:

* :mod:`~orbitsim.analysis.economics.terms`: the data files (sources and ranges of every
  number) and the named parameters of the model;
* :mod:`~orbitsim.analysis.economics.costs`: annual costs and costs per delivered
  accelerator-hour, vectorised over Monte Carlo draws;
* :mod:`~orbitsim.analysis.economics.uncertainty`: seeded Monte Carlo and its tornado;
* :mod:`~orbitsim.analysis.economics.timeline`: deployment years 2026-2040, launch
  trajectories, accelerator generations, price trends, crossover years;
* :mod:`~orbitsim.analysis.economics.value`: what orbit delivers that the ground cannot, per
  workload class;
* :mod:`~orbitsim.analysis.economics.verdict`: the comparison at equal utilisation, in numbers
  and words (``summary.json["verdict"]``);
* :mod:`~orbitsim.analysis.economics.reproduce`: the Starcloud and Suncatcher headline figures
  from their own assumptions, bridged to orbitsim's.

>>> from orbitsim.analysis.economics import Facts, evaluate, load_economics
>>> from orbitsim.model.hardware import load_node
>>> v = evaluate(load_node("starcloud-node"), load_economics(), Facts(32, 64, 0.8), draws=1000)
>>> v.ratio_same_utilisation > 1, 0.0 <= v.monte_carlo.p_orbit_cheaper <= 1.0
(True, True)
"""

from orbitsim.analysis.economics.costs import (
    ITEM_LABELS,
    Facts,
    GroundCost,
    OrbitCost,
    break_even_launch_price,
    break_even_utilisation,
    capacity_factor,
    capital_recovery_factor,
    carrying_factor,
    expected_service_years,
    ground_cost,
    orbit_cost,
)
from orbitsim.analysis.economics.reproduce import (
    PAPERS,
    Reproduction,
    reproduce_starcloud,
    reproduce_suncatcher,
)
from orbitsim.analysis.economics.terms import (
    FILES,
    Economics,
    Param,
    economics_dir,
    load_economics,
    model_parameters,
)
from orbitsim.analysis.economics.timeline import TrajectoryResult
from orbitsim.analysis.economics.uncertainty import DEFAULT_DRAWS, MonteCarlo, monte_carlo
from orbitsim.analysis.economics.value import ClassFacts, FleetFacts, WorkloadValue
from orbitsim.analysis.economics.verdict import (
    Verdict,
    evaluate,
    run_facts,
    summary_utilisation,
    verdict_from_summary,
)

__all__ = [
    "DEFAULT_DRAWS", "FILES", "ITEM_LABELS", "PAPERS", "ClassFacts", "Economics", "Facts",
    "FleetFacts", "GroundCost", "MonteCarlo", "OrbitCost", "Param", "Reproduction",
    "TrajectoryResult", "Verdict", "WorkloadValue", "break_even_launch_price",
    "break_even_utilisation", "capacity_factor", "capital_recovery_factor", "carrying_factor",
    "economics_dir", "evaluate", "expected_service_years", "ground_cost", "load_economics",
    "model_parameters", "monte_carlo", "orbit_cost", "reproduce_starcloud",
    "reproduce_suncatcher", "run_facts", "summary_utilisation", "verdict_from_summary",
]
