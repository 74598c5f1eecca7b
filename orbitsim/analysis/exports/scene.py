"""The :class:`~orbitsim.analysis.exports.Scene` of an export, from a constellation or from the
folder of a finished run (its ``summary.json`` names the scenario; its ``jobs.parquet`` and
``transfers.parquet`` give what each node did). The geometry comes from the project's chunked
propagation, the coverage cells from :func:`orbitsim.coverage`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from orbitsim.analysis.exports import Scene
from orbitsim.errors import InputError
from orbitsim.geometry.coverage import coverage
from orbitsim.geometry.propagate import Geometry, GridContext, iter_geometry
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.constellation import Constellation
from orbitsim.model.ground import GroundNetwork, load_ground_network
from orbitsim.model.timegrid import TimeGrid, parse_utc, time_grid

#: Largest export, in satellite-samples (about 1.5 GB of positions and as much text).
MAX_SAMPLES = 20_000_000
DEFAULT_START = "2026-06-21T00:00:00Z"
DEFAULT_HOURS = 24.0
DEFAULT_STEP_S = 60.0


def is_run_folder(source: str | Path) -> bool:
    return Path(source).is_dir() and (Path(source) / "summary.json").is_file()


def read_run(folder: str | Path) -> dict:
    """What an export needs of a run folder: its scenario (as ``summary.json`` records it)
    and the horizon; InputError naming the file when it does not read."""
    path = Path(folder) / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the run's summary ({exc})", source=path) from None
    scenario = summary.get("scenario") if isinstance(summary, dict) else None
    if not isinstance(scenario, dict) or "constellation" not in scenario:
        raise InputError("no 'scenario' in this summary: a run folder written by "
                         "`orbitsim run` (or RunResult.write) is needed", source=path)
    return {"scenario": scenario, "hours": summary.get("hours", scenario.get("hours")),
            "path": path}


def run_nodes(constellation: Constellation, scenario: dict, source=None) -> Constellation:
    """The satellites a run's nodes are: a sampled run (``scenario["sample"]``) simulated a
    seeded sample of the constellation (:func:`orbitsim.model.node_sample.sample_nodes`),
    and its node ``i`` is the ``i``-th satellite of that sample, not of the constellation."""
    from orbitsim.model.node_sample import sample_nodes

    spec = scenario.get("sample")
    if not spec:
        return constellation
    try:
        seed = spec.get("seed")
        sample = sample_nodes(constellation, float(spec["fraction"]),
                              unit_size=int(spec.get("unit_size") or 0),
                              seed=int(scenario.get("seed", 0) if seed is None else seed))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the run's sample does not read ({type(exc).__name__}: {exc})",
                         source=source) from None
    return constellation.subset(sample.index)


def run_activity(folder: str | Path, n_nodes: int, edges_s: np.ndarray) -> np.ndarray:
    """Activity codes ``(n_nodes, len(edges_s) - 1)`` of a run folder's nodes, the edges in
    seconds from the run's start (:func:`orbitsim.analysis.activity.node_activity`)."""
    import pandas as pd

    from orbitsim.analysis.activity import node_activity

    folder = Path(folder)
    try:
        jobs = pd.read_parquet(folder / "jobs.parquet",
                               columns=["node", "start_s", "compute_end_s"])
        transfers = pd.read_parquet(folder / "transfers.parquet",
                                    columns=["sat_index", "start_s", "end_s"])
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot read the run's tables ({type(exc).__name__}: {exc})",
                         source=folder) from None
    return node_activity(jobs, transfers, n_nodes, edges_s)


def propagate_with_progress(constellation: Constellation, grid: TimeGrid, *, workers: int = 1,
                            progress: Callable[[int, int], None] | None = None,
                            failures: list | None = None) -> Geometry:
    """:func:`orbitsim.propagate` chunk by chunk (the same chunks, the same bits), calling
    ``progress(satellites done, total)`` after each chunk; ``failures`` receives the orbit
    failures as :func:`orbitsim.geometry.propagate.iter_geometry` reports them."""
    n, t = len(constellation), len(grid)
    arrays = {"r_ecef_km": np.empty((n, t, 3)), "lat_deg": np.empty((n, t)),
              "lon_deg": np.empty((n, t)), "alt_km": np.empty((n, t)),
              "illuminated": np.empty((n, t)), "error": np.empty((n, t), np.int8)}
    report = progress or (lambda done, total: None)
    report(0, n)
    for chunk in iter_geometry(constellation, grid, workers=workers, failures=failures):
        for name, array in arrays.items():
            array[chunk.start:chunk.stop] = getattr(chunk, name)
        report(chunk.stop, n)
    return Geometry(constellation=constellation, grid=grid,
                    sun_ecef_km=GridContext.of(grid).sun_ecef_km, **arrays)


def build_scene(source: str | Path | Constellation, *, start: str | datetime | None = None,
                hours: float | None = None, step_s: float | None = None,
                stations: str | Path | GroundNetwork | None = None, with_coverage: bool = False,
                min_elevation_deg: float = 25.0, cell_deg: float = 2.0, workers: int = 1,
                progress: Callable[[str, int, int], None] | None = None,
                failures: list | None = None,
                step_for: Callable[[Constellation, float], float] | None = None) -> Scene:
    """The scene of ``source``: a constellation (a :class:`Constellation`, a built-in name or
    a file) or a run folder (holding ``summary.json``). A run gives the defaults of
    ``start``, ``hours``, ``step_s`` and ``stations`` (its own) and the nodes' activity; a
    constellation defaults to 24 h from 2026-06-21 every 60 s and no stations.
    ``with_coverage`` adds the coverage cells (``min_elevation_deg``, ``cell_deg``).
    ``progress(stage, done, total)``: stage ``"geometry"`` (satellites), then
    ``"coverage"``. ``failures`` receives the satellites whose orbit failed
    (:func:`orbitsim.geometry.propagate.failures_frame` rows); ``step_for(constellation,
    step_s)`` may change the step (the command samples at a safe step)."""
    run = None
    if not isinstance(source, Constellation) and is_run_folder(source):
        run = read_run(source)
        scenario = run["scenario"]
        reference = str(scenario["constellation"])
        try:
            constellation = load_constellation(reference)
        except InputError as exc:
            raise InputError(f"the run's constellation {reference!r} is neither built in nor a "
                             f"file from here ({exc.message}); a scenario names its files relative "
                             "to its own folder: run the export from the scenario file's folder",
                             source=run["path"]) from None
        constellation = run_nodes(constellation, scenario, run["path"])
        start = start if start is not None else scenario.get("start_utc", DEFAULT_START)
        hours = hours if hours is not None else float(run["hours"] or DEFAULT_HOURS)
        step_s = step_s if step_s is not None else float(scenario.get("step_s",
                                                                      DEFAULT_STEP_S))
        if stations is None:
            stations = scenario.get("ground_network")
        title = f"{scenario.get('name', 'run')}: run {Path(source).name}"
        origin = f"run folder {Path(source)}"
    elif isinstance(source, Constellation):
        constellation, title, origin = source, source.name, f"constellation {source.name}"
    elif Path(source).is_dir():
        raise InputError("this folder holds no summary.json: give a constellation or the "
                         "folder of a finished run", source=source)
    else:
        constellation = load_constellation(source)
        title, origin = constellation.name, f"constellation {constellation.name}"
    step_s = step_s if step_s is not None else DEFAULT_STEP_S
    if step_for is not None:
        step_s = step_for(constellation, step_s)
    grid = time_grid(start if start is not None else DEFAULT_START,
                     hours if hours is not None else DEFAULT_HOURS, step_s)
    if run is not None:  # a run's activity is known over its own window only
        run_start = parse_utc(run["scenario"].get("start_utc", DEFAULT_START))
        offset_s = (grid.start_utc - run_start).total_seconds()
        run_s = 3600.0 * float(run["hours"] or DEFAULT_HOURS)
        if offset_s < -1e-6 or offset_s + grid.duration_s > run_s + 1e-6:
            raise InputError(f"the window ({grid.start_utc:%Y-%m-%dT%H:%M:%SZ} + "
                             f"{grid.duration_s / 3600.0:g} h) goes beyond the run's "
                             f"({run_start:%Y-%m-%dT%H:%M:%SZ} + {run_s / 3600.0:g} h): its "
                             "nodes did nothing known there; export the constellation for "
                             "positions alone", field="--hours")
    samples = len(constellation) * len(grid)
    if samples > MAX_SAMPLES:
        raise InputError(f"{len(constellation):,} satellites x {len(grid):,} instants is "
                         f"{samples:,} samples, more than an export holds "
                         f"({MAX_SAMPLES:,}); shorten --hours, raise --step or export a "
                         "smaller constellation", field="--hours")
    network = None
    if stations is not None:
        network = stations if isinstance(stations, GroundNetwork) else \
            load_ground_network(stations)
    report = progress or (lambda stage, done, total: None)
    geometry = propagate_with_progress(constellation, grid, workers=workers,
                                       progress=lambda d, t: report("geometry", d, t),
                                       failures=failures)
    activity = None
    if run is not None:
        run_start = parse_utc(run["scenario"].get("start_utc", DEFAULT_START))
        offset_s = (grid.start_utc - run_start).total_seconds()
        activity = run_activity(source, len(constellation), grid.seconds + offset_s)
    cells = None
    if with_coverage:
        cells = coverage(constellation, grid, min_elevation_deg=min_elevation_deg,
                         cell_deg=cell_deg, workers=workers,
                         progress=lambda d, t: report("coverage", d, t))
    return Scene(geometry=geometry, stations=network, coverage=cells, activity=activity,
                 title=title, source=origin)


__all__ = ["MAX_SAMPLES", "build_scene", "is_run_folder", "propagate_with_progress",
           "read_run", "run_activity", "run_nodes"]
