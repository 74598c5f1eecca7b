"""Products of a run for its report: ground tracks, a coverage map and node histories, each
computed once, here, from the geometry and physics layers (the report only draws them).

* **Tracks**: sub-satellite points of up to :data:`MAP_NODES` nodes spread over the
  constellation, over :data:`TRACK_ORBITS` orbits at :data:`TRACK_STEP_S`.
* **Coverage**: share of time with a node above the stations' median mask, on a
  :data:`COVERAGE_CELL_DEG` grid, on the run's time grid thinned to a budget of
  :data:`COVERAGE_SAMPLES` satellite-samples; none for constellations too large for it.
* **Focus node**: the node with the deepest battery discharge, then the busiest; its state
  densely sampled between simulation events by replaying its physics
  (:meth:`orbitsim.physics.node.NodePhysics.replay`).
* **Sunlit fraction of a year** from the run's start, for the published comparisons of the
  economics (a run of a day sees one season only): up to :data:`YEAR_SATELLITES` satellites
  spread over the constellation, sampled every :data:`YEAR_STEP_S`.
* **Snapshots** of up to :data:`SNAPSHOT_NODES` nodes at up to :data:`SNAPSHOT_TIMES`
  instants of the run, for the report's animated map
  (:func:`orbitsim.geometry.snapshots.snapshots`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orbitsim.geometry.coverage import CoverageResult, coverage
from orbitsim.geometry.propagate import propagate
from orbitsim.geometry.snapshots import Snapshots, snapshots
from orbitsim.model.timegrid import TimeGrid, time_grid

#: Nodes drawn on the map and in the contact Gantt (evenly spread over the constellation).
MAP_NODES = 6
GANTT_NODES = 8
#: Orbits of ground track drawn per node (the whole run would hide the map under lines).
TRACK_ORBITS = 2.0
TRACK_STEP_S = 30.0
#: Coverage map budget: satellites x time samples (about a second of work), at least this many
#: time samples (else no coverage shading), on cells of this size (degrees).
COVERAGE_SAMPLES = 3000
MIN_COVERAGE_TIMES = 12
COVERAGE_CELL_DEG = 2.0
#: Points of a node's dense history.
HISTORY_POINTS = 2000
#: Satellites and sampling step of the year-long sunlit fraction.
YEAR_SATELLITES = 4
YEAR_STEP_S = 600.0
#: Nodes and instants of the animated map.
SNAPSHOT_NODES = 500
SNAPSHOT_TIMES = 97


def spread_indices(n: int, k: int) -> list[int]:
    """Up to ``k`` indices evenly spread over ``range(n)``, first and last included."""
    if n <= 0 or k <= 0:
        return []
    return sorted({int(round(x)) for x in np.linspace(0, n - 1, min(n, k))})


def focus_node(run) -> int:
    """The node shown over time: the deepest battery discharge, then the busiest, then the
    lowest index."""
    nodes = run.result.nodes
    utilisation = nodes["utilisation"].to_numpy(dtype=float) if "utilisation" in nodes else \
        np.zeros(run.inputs.n_nodes)
    min_soc = np.ones(len(utilisation))
    if run.inputs.nodes:
        for k, node in enumerate(run.inputs.nodes[:len(min_soc)]):
            soc = node.history().get("soc")
            if soc is not None and len(soc):
                min_soc[k] = float(np.min(soc))
    order = np.lexsort((np.arange(len(min_soc)), -np.nan_to_num(utilisation), min_soc))
    return int(order[0]) if len(order) else 0


def coverage_grid(run) -> tuple[TimeGrid | None, float]:
    """The time grid of the report's coverage map and its elevation mask (the stations'
    median, °): the run's grid thinned so that satellites x samples stay within
    :data:`COVERAGE_SAMPLES`; ``None`` when that leaves fewer than :data:`MIN_COVERAGE_TIMES`
    samples (a constellation too large for a quick map)."""
    grid = run.inputs.grid
    mask_deg = float(np.median(run.inputs.network.min_elevation_deg))
    n_times = min(len(grid), COVERAGE_SAMPLES // max(run.inputs.n_nodes, 1))
    if n_times < MIN_COVERAGE_TIMES or grid.duration_s <= 0:
        return None, mask_deg
    step_s = max(grid.step_s, math.ceil(grid.duration_s / (n_times - 1)))
    return time_grid(grid.start_utc, grid.duration_s / 3600.0, step_s), mask_deg


@dataclass(frozen=True)
class RunProducts:
    """What the report draws beside the run's tables (module docstring)."""

    track_nodes: list[int]
    track_names: list[str]
    track_lon_deg: np.ndarray  # (len(track_nodes), n_times)
    track_lat_deg: np.ndarray
    track_hours: float
    altitude_km: float
    coverage: CoverageResult | None
    coverage_step_s: float | None
    mask_deg: float
    focus_node: int
    focus_history: dict[str, np.ndarray] | None  # dense state of the focus node
    gantt_nodes: list[int]
    year_sunlit_fraction: float
    snapshots: Snapshots | None = None  # nodes at instants of the run, for the animated map


def run_products(run) -> RunProducts:
    """Compute a run's products (module docstring)."""
    constellation, grid = run.inputs.constellation, run.inputs.grid
    shown = spread_indices(len(constellation), MAP_NODES)
    subset = constellation.subset(shown)
    period_min = float(np.nanmedian(subset.mean_period_min()))
    hours = min(grid.duration_s / 3600.0, TRACK_ORBITS * period_min / 60.0)
    track = propagate(subset, time_grid(grid.start_utc, hours, min(TRACK_STEP_S, grid.step_s)))
    altitude_km = float(np.nanmedian(track.alt_km))
    cover_grid, mask_deg = coverage_grid(run)
    cover = None
    if cover_grid is not None:
        cover = coverage(constellation, cover_grid, min_elevation_deg=mask_deg,
                         cell_deg=COVERAGE_CELL_DEG)
    focus = focus_node(run)
    history = None
    if run.inputs.nodes:
        history = run.inputs.nodes[focus].replay(max_points=HISTORY_POINTS)
    gantt = sorted(set(spread_indices(len(constellation), GANTT_NODES)) | {focus})
    return RunProducts(shown, [constellation.names[i] for i in shown], track.lon_deg,
                       track.lat_deg, hours, altitude_km, cover,
                       cover_grid.step_s if cover_grid is not None else None, mask_deg, focus,
                       history, gantt, year_sunlit_fraction(constellation, grid.start_utc),
                       snapshots(constellation, grid, max_times=SNAPSHOT_TIMES,
                                 max_satellites=SNAPSHOT_NODES))


def year_sunlit_fraction(constellation, start_utc) -> float:
    """Mean illuminated fraction over a year from ``start_utc`` of up to
    :data:`YEAR_SATELLITES` satellites spread over the constellation (module docstring)."""
    subset = constellation.subset(spread_indices(len(constellation), YEAR_SATELLITES))
    year = propagate(subset, time_grid(start_utc, 8766.0, YEAR_STEP_S))
    lit = year.illuminated[np.isfinite(year.illuminated)]
    return float(lit.mean()) if lit.size else float("nan")


__all__ = ["COVERAGE_CELL_DEG", "COVERAGE_SAMPLES", "GANTT_NODES", "MAP_NODES",
           "MIN_COVERAGE_TIMES", "RunProducts", "SNAPSHOT_NODES", "SNAPSHOT_TIMES",
           "TRACK_ORBITS", "TRACK_STEP_S", "YEAR_SATELLITES", "YEAR_STEP_S", "coverage_grid",
           "focus_node", "run_products", "spread_indices", "year_sunlit_fraction"]
