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
from orbitsim.model.scenario import Scenario, load_scenario, node_hardware
from orbitsim.model.scenario_checks import (
    check_fleet_and_governance,
    check_injections,
    check_job_volume,
)
from orbitsim.model.timegrid import time_grid
from orbitsim.model.workload import generate_jobs, load_workload
from orbitsim.policies.registry import resolve_policy
from orbitsim.sim.engine import SimResult, Simulation
from orbitsim.sim.metrics import class_metrics, link_metrics, summarise
from orbitsim.sim.prepare import SimInputs, prepare_inputs

#: ``simulate(workers=None)`` prepares constellations this big on every core.
AUTO_WORKERS_SATS = 10_000


@dataclass
class RunResult:
    """A finished run: the scenario as run, the simulation's tables and the summary."""

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

    @property
    def jobs(self):
        return self.result.jobs

    @property
    def nodes(self):
        return self.result.nodes

    @property
    def transfers(self):
        return self.result.transfers

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
    report("geometry", 0.0)
    def build() -> SimInputs:
        return prepare_inputs(constellation, network, hardware, grid, seed=scenario.seed,
                              isl=scenario.isl, physics=scenario.physics,
                              faults=scenario.faults, workers=workers,
                              record_history=len(constellation) <= 1000,
                              fail_nodes=scenario.fail_nodes,
                              station_outages=scenario.station_outages, fleet=fleet,
                              regions=regions, monitoring=monitoring)

    if reuse_geometry:
        key = (scenario.path_of(scenario.constellation),
               json.dumps(scenario.hardware, sort_keys=True), constellation.hardware,
               scenario.path_of(scenario.ground_network), scenario.start_utc, scenario.hours,
               step_used, scenario.seed, scenario.isl, scenario.physics, scenario.faults,
               scenario.fail_nodes, scenario.station_outages,
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
    simulation = Simulation(inputs, workload, jobs, policy_object, seed=scenario.seed,
                            faults_destroy_jobs=scenario.faults_destroy_jobs,
                            isl_cuts=scenario.isl_cuts, governance=rules)
    result = simulation.run(progress=lambda f: report("simulation", f))
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
    summary.update(link_metrics(result.transfers, inputs.contacts, inputs.n_nodes,
                                result.horizon_s))
    summary["by_class"] = class_metrics(result.jobs, set(result.bound_tenants))
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
    if fleet is not None:
        summary["hardware_groups"] = fleet_metrics(result, fleet)
    if rules is not None:
        from orbitsim.sim.governance import governance_metrics
        from orbitsim.sim.monitoring import generated_bytes

        summary["governance"] = governance_metrics(
            result, rules, monitoring_generated_bytes=(
                generated_bytes(monitoring, grid.duration_s) if monitoring is not None
                else 0.0))
    return RunResult(scenario=scenario, inputs=inputs, result=result, summary=summary,
                     orbit_errors=orbit_errors, stale_elements=stale)


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
