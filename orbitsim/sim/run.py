"""``simulate``: a scenario in, results out (tables, summary), no CLI needed."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from orbitsim import resources
from orbitsim.errors import InputError
from orbitsim.geometry.health import DEFAULT_MAX_EPOCH_AGE_DAYS, records, stale_elements
from orbitsim.geometry.sampling import sampling_step_s
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.ground import load_ground_network
from orbitsim.model.node_sample import apply_sample
from orbitsim.model.scenario import Scenario, load_scenario, node_hardware
from orbitsim.model.scenario_checks import (
    check_fleet_and_governance,
    check_injections,
    check_job_volume,
    check_mesh,
)
from orbitsim.model.timegrid import time_grid
from orbitsim.model.workload import generate_jobs, load_workload
from orbitsim.policies.registry import resolve_policy
from orbitsim.sim.engine import SimResult, Simulation
from orbitsim.sim.job_inputs import JobInputs
from orbitsim.sim.metrics import (
    LINK_COLUMNS,
    class_metrics,
    link_metrics,
    summarise,
)
from orbitsim.sim.prepare import SimInputs, prepare_inputs
from orbitsim.sim.sample import extrapolate
from orbitsim.sim.spool import release_memory

#: ``simulate(workers=None)`` prepares constellations this big on every core.
AUTO_WORKERS_SATS = 10_000


#: Instants of ``jobs`` (seconds from the start) that get a UTC datetime column beside them,
#: ``arrival_s`` -> ``arrival_utc`` and so on (durations such as ``latency_s`` do not).
JOB_INSTANTS = ("arrival_s", "upload_end_s", "start_s", "compute_end_s", "finish_s")
#: The same for ``transfers``.
TRANSFER_INSTANTS = ("start_s", "end_s")


def with_datetimes(frame, grid, columns) -> Any:
    """Insert into ``frame`` a UTC datetime column ``X_utc`` (:meth:`TimeGrid.datetimes`)
    right after each seconds column ``X_s`` of ``columns`` it has (NaN: NaT), in place (a
    million-job table is not copied); returns ``frame``. Columns already there are kept."""
    for column in columns:
        if column in frame.columns and column.removesuffix("_s") + "_utc" not in frame.columns:
            at = frame.columns.get_loc(column) + 1
            frame.insert(at, column.removesuffix("_s") + "_utc",
                         grid.datetimes(frame[column].to_numpy(dtype=float)))
    return frame


@dataclass
class RunResult:
    """A finished run: the scenario as run, the simulation's tables and the summary.

    ``summary`` is what ``summary.json`` holds (once priced by :func:`orbitsim.simulate`);
    ``jobs``, ``nodes`` and ``transfers`` are the tables of ``jobs.parquet``,
    ``nodes.parquet`` and ``transfers.parquet``, times both in seconds from the start
    (``arrival_s``, ...) and as UTC datetimes (``arrival_utc``, ...). :meth:`write` writes
    every file of the run, :meth:`report` the report.
    """

    scenario: Scenario
    inputs: SimInputs
    result: SimResult
    summary: dict
    #: Satellites whose orbit failed (their nodes fail then; see ``summary["nodes_decayed"]``)
    #: and satellites with stale elements: :mod:`orbitsim.geometry.health` tables.
    orbit_errors: Any = None
    stale_elements: Any = None
    #: the economics verdict (``orbitsim.analysis.economics.Verdict``) once priced
    #: (:func:`orbitsim.api.simulate` does it; ``summary["verdict"]`` is its ``to_dict()``)
    verdict: Any = None
    _products: Any = dataclasses.field(default=None, repr=False)

    def __repr__(self) -> str:
        """``<RunResult starcloud-demo: 24 h from 2026-06-21T00:00:00Z, seed 42, fifo;
        102,023 jobs, 101,955 done; 11,702 accelerator-hours>``."""
        s, sc = self.summary, self.scenario
        text = (f"<RunResult {sc.name}: {sc.hours:g} h from {sc.start_utc}, seed {sc.seed}, "
                f"{sc.policy}; {s.get('jobs_total', 0):,} jobs, {s.get('jobs_done', 0):,} done; "
                f"{s.get('accelerator_hours', 0.0):,.0f} accelerator-hours")
        verdict = s.get("verdict") or {}
        if verdict.get("orbit_usd_per_accelerator_hour") is not None:
            text += (f"; orbit ${verdict['orbit_usd_per_accelerator_hour']:,.2f} vs ground "
                     f"${verdict.get('ground_usd_per_accelerator_hour_same_utilisation', 0):,.2f}"
                     " per accelerator-hour")
        return text + ">"

    @property
    def jobs(self):
        """One row per job (``jobs.parquet``), with ``*_utc`` datetimes beside ``*_s``."""
        return with_datetimes(self.result.jobs, self.inputs.grid, JOB_INSTANTS)

    def job_columns(self, names) -> Any:
        """Only the columns ``names`` of :attr:`jobs` that it has (seconds, no ``*_utc``), read
        without loading the whole table of a streamed run."""
        return self.result.columns("jobs", names)

    def job_chunks(self, names) -> Any:
        """The columns ``names`` of :attr:`jobs` as consecutive chunks (DataFrames): one for a
        table in memory, the spool's row groups for a streamed run."""
        spool = self.result.spooled("jobs") if hasattr(self.result, "spooled") else None
        return [self.job_columns(names)] if spool is None else spool.batches(list(names))

    def transfer_chunks(self, names) -> Any:
        """The columns ``names`` of :attr:`transfers` as consecutive chunks (as
        :meth:`job_chunks`)."""
        spool = self.result.spooled("transfers") if hasattr(self.result, "spooled") else None
        return [self.transfer_columns(names)] if spool is None else spool.batches(list(names))

    def transfer_columns(self, names) -> Any:
        """Only the columns ``names`` of :attr:`transfers` that it has (as :meth:`job_columns`)."""
        return self.result.columns("transfers", names)

    @property
    def nodes(self):
        """One row per node (``nodes.parquet``)."""
        return self.result.nodes

    @property
    def transfers(self):
        """One row per transfer over a ground pass (``transfers.parquet``), with
        ``start_utc``/``end_utc`` beside ``start_s``/``end_s``."""
        return with_datetimes(self.result.transfers, self.inputs.grid, TRANSFER_INSTANTS)

    @property
    def isl_transfers(self):
        """``isl = "mesh"``: one row per piece of a leg over the laser mesh
        (``isl_transfers.parquet``: a leg, a step and a path), with ``start_utc``,
        ``end_utc`` and ``arrival_utc``; ``None`` for other runs."""
        if self.result.isl_transfers is None:
            return None
        return with_datetimes(self.result.isl_transfers, self.inputs.grid,
                              ("start_s", "end_s", "arrival_s"))

    def write(self, out) -> list:
        """Write every file of the run into the folder ``out`` (as ``orbitsim run --out``:
        ``summary.json``, the Parquet tables, ``report.html`` and the PNG plots); returns
        their paths. A run of :func:`orbitsim.sim.run.simulate` is priced first."""
        from orbitsim.results import write_outputs  # interfaces layer, at call time only

        return write_outputs(self, out)

    def report(self, out=None):
        """The run's report: with a folder ``out``, ``out/report.html`` and its PNG plots are
        written and the page's path returned; without, the page as an HTML string (for a
        notebook: ``IPython.display.HTML(run.report())``)."""
        from pathlib import Path

        from orbitsim.analysis import report as pages  # analysis layer, at call time only

        if "verdict" not in self.summary:
            from orbitsim.api import add_verdict

            add_verdict(self)
        if out is not None:
            return Path(pages.write_report(self, out, verdict=self.verdict)[-1])
        import tempfile

        with tempfile.TemporaryDirectory(prefix="orbitsim-report-") as folder:
            page = pages.write_report(self, folder, verdict=self.verdict)[-1]
            return Path(page).read_text(encoding="utf-8")

    @property
    def products(self):
        """Ground tracks, the coverage map and node histories for the report, computed once
        on first use (:func:`orbitsim.sim.products.run_products`)."""
        if self._products is None:
            from orbitsim.sim.products import run_products

            self._products = run_products(self)
        return self._products


_PREPARED: dict[tuple, SimInputs] = {}
_PREPARED_MAX = 2


def _prepared(key: tuple, build: Callable[[], SimInputs]) -> SimInputs:
    """Prepared inputs for ``key``, computed once per process and handed out as copies whose
    mutable part (the node physics, advanced by a run) is fresh."""
    cached = _PREPARED.get(key)
    if cached is None:
        cached = build()
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = cached
    return dataclasses.replace(cached, nodes=copy.deepcopy(cached.nodes))


def simulate(scenario: Scenario | str, *, hours: float | None = None, seed: int | None = None,
             policy: str | None = None, workers: int | None = 1,
             progress: Callable[[str, float], None] | None = None,
             reuse_geometry: bool = False,
             max_epoch_age_days: float = DEFAULT_MAX_EPOCH_AGE_DAYS) -> RunResult:
    """Run a scenario (a :class:`Scenario`, a built-in name or a file).

    ``hours``, ``seed`` and ``policy`` override the scenario's own values. ``workers``:
    processes preparing the geometry (results do not depend on it; ``None``: every core for
    constellations of ``AUTO_WORKERS_SATS`` satellites or more). With
    ``reuse_geometry`` the geometry, node physics, contact plan and fault times are computed once
    per process for runs that differ only in what does not change them (policy, workload,
    economics), as the points of a sweep do.

    >>> run = simulate("starcloud-demo", hours=2)
    >>> run.summary["jobs_total"] == run.summary["jobs_done"] + run.summary["jobs_failed"] \\
    ...     + run.summary["jobs_pending"]
    True
    """
    if not isinstance(scenario, Scenario):
        source = str(resources.resolve("scenario", scenario))
        scenario = load_scenario(scenario)
    else:
        source = scenario.name
    updates = {k: v for k, v in (("hours", hours), ("seed", seed), ("policy", policy))
               if v is not None}
    if updates:
        scenario = scenario.model_copy(update=updates)
        if scenario.hours <= 0:
            raise InputError(f"must be positive, got {scenario.hours}", field="hours")
    report = progress or (lambda stage, fraction: None)
    constellation = load_constellation(scenario.path_of(scenario.constellation))
    hardware = node_hardware(scenario, default=constellation.hardware)
    network = load_ground_network(scenario.path_of(scenario.ground_network))
    workload = load_workload(scenario.path_of(scenario.workload))
    # A sampled run: a seeded sample of the nodes at the full constellation's load per node.
    constellation, workload, sample = apply_sample(scenario, constellation, workload, source)
    # What validate refuses, refused here too before any work (same messages).
    check_injections(scenario, len(constellation), network.names, source)
    check_job_volume(workload, scenario.hours * 3600.0, source)
    fleet = check_fleet_and_governance(scenario, constellation, workload, network, source,
                                       hardware)
    rules, regions, monitoring = _governance_inputs(scenario, workload, network, hardware,
                                                    fleet, len(constellation))
    policy_object = resolve_policy(scenario.policy, base_dir=scenario.base_dir,
                                   source="--policy" if policy is not None else source)
    grid = scenario.time_grid()
    # Step safety: a step coarser than the orbits allow would step over passes and eclipses.
    step_used = sampling_step_s(constellation, scenario.step_s)
    if step_used != scenario.step_s:
        grid = time_grid(scenario.start_utc, scenario.hours, step_used)
    if workers is None:  # automatic: every core for big constellations
        workers = (os.cpu_count() or 1) if len(constellation) >= AUTO_WORKERS_SATS else 1
    # isl = "mesh": the relay constellation, sampled as safely as the nodes; the mesh must fit.
    relay = check_mesh(scenario, len(constellation), step_used, source)
    if relay is not None and sampling_step_s(relay, step_used) < step_used:
        step_used = sampling_step_s(relay, step_used)
        grid = time_grid(scenario.start_utc, scenario.hours, step_used)
    report("geometry", 0.0)
    def build() -> SimInputs:
        return prepare_inputs(constellation, network, hardware, grid, seed=scenario.seed,
                              isl=scenario.isl, physics=scenario.physics,
                              faults=scenario.faults, workers=workers,
                              record_history=len(constellation) <= 1000,
                              fail_nodes=scenario.fail_nodes,
                              station_outages=scenario.station_outages,
                              isl_rate_bps=scenario.isl_rate_bps,
                              isl_hop_delay_s=scenario.isl_hop_delay_s, relay=relay,
                              relay_range_km=scenario.relay_range_km, fleet=fleet,
                              regions=regions, monitoring=monitoring)

    if reuse_geometry:
        key = (scenario.path_of(scenario.constellation),
               json.dumps(scenario.hardware, sort_keys=True), constellation.hardware,
               scenario.path_of(scenario.ground_network), scenario.start_utc, scenario.hours,
               step_used, scenario.seed, scenario.isl, scenario.physics, scenario.faults,
               scenario.fail_nodes, scenario.station_outages, scenario.sample,
               scenario.isl_rate_bps, scenario.isl_hop_delay_s,
               scenario.relay_constellation and scenario.path_of(scenario.relay_constellation),
               scenario.relay_range_km,
               json.dumps(scenario.model_dump(mode="json", include={"hardware_groups",
                                                                    "governance"}),
                          sort_keys=True),
               # the monitored nodes and geofence regions follow the tenants' terms
               scenario.workload if rules is not None else None)
        inputs = _prepared(key, build)
    else:
        inputs = build()
    report("geometry", 1.0)
    start = grid.start_utc
    jobs = generate_jobs(workload, grid.duration_s, scenario.seed,
                         start_hour_utc=start.hour + start.minute / 60.0)
    jobs = JobInputs(jobs)  # compact, and the table it came from gone before the engine's
    release_memory()
    simulation = Simulation(inputs, workload, jobs, policy_object, seed=scenario.seed,
                            faults_destroy_jobs=scenario.faults_destroy_jobs,
                            isl_cuts=scenario.isl_cuts, governance=rules)
    del jobs  # the simulation holds them compactly (orbitsim.sim.job_inputs)
    release_memory()
    result = simulation.run(progress=lambda f: report("simulation", f))
    del simulation  # its per-job state and inputs: not needed once the tables are out
    release_memory()
    summary, orbit_errors, stale = finish_summary(
        scenario, inputs, result, grid, constellation, workload, sample,
        max_epoch_age_days=max_epoch_age_days, hardware=hardware, fleet=fleet, rules=rules,
        monitoring=monitoring)
    return RunResult(scenario=scenario, inputs=inputs, result=result, summary=summary,
                     orbit_errors=orbit_errors, stale_elements=stale)



def finish_summary(scenario: Scenario, inputs: SimInputs, result: SimResult, grid, constellation,
                   workload, sample, *, max_epoch_age_days: float, hardware, fleet=None,
                   rules=None, monitoring=None) -> tuple:
    """The summary of a finished simulation (``summarise`` and what the run adds to it:
    injected faults, the ground link, workload classes, orbit hygiene, the sample's
    extrapolation, a mixed ``fleet``'s groups, the governance ``rules``' figures with the
    ``monitoring`` stream's); returns ``(summary, orbit_errors, stale_elements)``."""
    summary = summarise(result)
    # Injected faults and their cost (the drawn faults are counted by summarise).
    summary["nodes_failed_injected"] = len({f.node for f in scenario.fail_nodes
                                            if f.at_s < grid.duration_s})
    summary["station_outage_s"] = float(sum(
        max(0.0, min(o.end_s, grid.duration_s) - o.start_s) for o in scenario.station_outages))
    summary["isl_cuts"] = sum(1 for c in scenario.isl_cuts if c.start_s < grid.duration_s)
    summary["isl_cut_s"] = float(sum(
        max(0.0, min(c.end_s, grid.duration_s) - c.start_s) for c in scenario.isl_cuts))
    summary["isl_cut_gang_restarts"] = result.isl_cut_restarts
    # What the economics reads of the run: the ground link as billed and offered, and each
    # workload class (orbitsim.analysis.economics.value).
    spool = result.spooled("transfers")
    summary.update(link_metrics(
        result.transfers if spool is None else (lambda: spool.batches(list(LINK_COLUMNS))),
        inputs.contacts, inputs.n_nodes, result.horizon_s))
    def job_column(name: str):
        frame = result.columns("jobs", [name])
        return frame[name] if name in frame.columns else None

    summary["by_class"] = class_metrics(job_column, set(result.bound_tenants))
    # Orbit hygiene: nodes whose orbit failed (they failed then) and stale elements.
    decay_s = inputs.decay_s if inputs.decay_s is not None else np.full(inputs.n_nodes, np.inf)
    summary["step_s_used"] = float(grid.step_s)
    summary["nodes_decayed"] = int(np.sum(decay_s < grid.duration_s))
    orbit_errors = inputs.orbit_errors
    stale = stale_elements(constellation, grid, max_epoch_age_days)
    summary["orbit_errors"] = records(orbit_errors)
    summary["stale_elements"] = records(stale)
    if "node" in result.nodes:
        result.nodes["orbit_failed_s"] = decay_s[result.nodes["node"].to_numpy()]
    if sample is not None:
        summary["sample"] = extrapolate(summary, result.columns("jobs", ["accelerator_s"]),
                                        sample,
                                        accelerators_per_node=hardware.accelerators,
                                        hours=grid.duration_s / 3600.0)
    if fleet is not None:
        summary["hardware_groups"] = fleet_metrics(result, fleet)
    if rules is not None:
        from orbitsim.sim.governance import governance_metrics
        from orbitsim.sim.monitoring import generated_bytes

        summary["governance"] = governance_metrics(
            result, rules, monitoring_generated_bytes=(
                generated_bytes(monitoring, grid.duration_s) if monitoring is not None
                else 0.0))
    release_memory()  # what reading the tables' columns left in the heap
    return summary, orbit_errors, stale


def _governance_inputs(scenario: Scenario, workload, network, hardware, fleet, n_nodes: int):
    """The rules a run enforces (None without any), the geofence regions to compute over the
    nodes' tracks and the monitoring stream to reserve on their passes (None without)."""
    governance = scenario.governance
    if not governance.active and governance.monitoring_bytes_per_node_hour <= 0:
        return None, (), None
    from orbitsim.model.regions import make_region
    from orbitsim.sim.governance import build_rules
    from orbitsim.sim.monitoring import MonitoringStream

    names = (fleet.accelerator_names() if fleet is not None
             else np.full(n_nodes, hardware.accelerator.name, dtype=object))
    rules = build_rules(governance, workload.tenants, names)
    regions = tuple(make_region(name, countries, boxes)
                    for name, (countries, boxes) in rules.region_specs().items())
    monitoring = None
    if governance.monitoring_bytes_per_node_hour > 0 and rules.monitored.any():
        allowed = None
        if governance.monitoring_countries:
            wanted = {c.upper() for c in governance.monitoring_countries}
            allowed = np.array([str(s.country).upper() in wanted for s in network.stations])
        monitoring = MonitoringStream(governance.monitoring_bytes_per_node_hour,
                                      rules.monitored, allowed)
    return rules, regions, monitoring


def fleet_metrics(result: SimResult, fleet) -> dict:
    """``summary.json["hardware_groups"]``: per hardware group of a mixed fleet, its nodes,
    accelerator, accelerators a node, delivered accelerator-hours and utilisation."""
    nodes = result.nodes
    out = {}
    for k, label in enumerate(fleet.labels):
        mine = nodes[fleet.index[nodes["node"].to_numpy()] == k]
        if mine.empty:
            continue
        hardware = fleet.hardware[k]
        busy = float(mine["busy_accelerator_s"].sum())
        total = float(mine["accelerators"].sum()) * result.horizon_s
        out[label] = {"hardware": hardware.name, "accelerator": hardware.accelerator.name,
                      "nodes": int(len(mine)), "accelerators_per_node": hardware.accelerators,
                      "accelerator_hours": busy / 3600.0,
                      "utilisation": busy / total if total > 0 else 0.0}
    return out
