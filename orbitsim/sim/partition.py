"""Partitioned runs: one ISL group (a shell) a partition, simulated on its own, on this machine
or across a Dask cluster, with the same outputs whatever the number of partitions.

* **Dispatcher.** Before the run, each job is given a group by a seeded draw weighted by the
  groups' accelerators (:func:`dispatch`): information known before the run only, so it is the
  same whoever runs which group.
* **Groups.** Each group is prepared (geometry, node physics, contacts, faults) and simulated
  alone, from seeds derived from the scenario's seed and the group's index; the results are
  mapped back to the constellation's node indices and the jobs' ids and merged (jobs by id,
  nodes by index), then summarised as one run.
* **Partitions.** ``partitions`` processes (a Dask ``LocalCluster``) or an existing Dask
  scheduler run the groups; one partition runs them in turn here. Every group is simulated the
  same way in every case, so the files are identical (tested byte for byte).

What this ignores, stated: a job is tied to the group the dispatcher drew and cannot move to
another shell that could upload or start it sooner, as the single simulation's placement may
(groups are otherwise independent: every pass is its own channel and the shells share no
links). ``tests/test_partition.py`` measures the difference on a three-shell scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orbitsim.errors import InputError
from orbitsim.geometry.health import DEFAULT_MAX_EPOCH_AGE_DAYS

#: Random streams of a scenario seed (jobs 0, faults 1, engine 2, attrition 3, ..., sample 5).
DISPATCH_STREAM = 6
GROUP_STREAM = 7


def group_members(group_of_node: np.ndarray) -> list[np.ndarray]:
    """Node indices of each ISL group, groups in index order."""
    groups = np.asarray(group_of_node)
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    return np.split(order, bounds)


def dispatch(n_jobs: int, capacity: np.ndarray, seed: int) -> np.ndarray:
    """Group of each job: a seeded draw weighted by the groups' ``capacity`` (accelerators)."""
    weights = np.asarray(capacity, dtype=float)
    if weights.size == 0 or weights.sum() <= 0:
        raise ValueError("no group has any accelerator")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DISPATCH_STREAM,)))
    return rng.choice(len(weights), size=n_jobs, p=weights / weights.sum())


def group_seed(seed: int, group: int) -> int:
    """The seed a group is prepared and simulated with."""
    state = np.random.SeedSequence(seed, spawn_key=(GROUP_STREAM, group)).generate_state(2)
    return int((int(state[0]) << 32 | int(state[1])) & (2**63 - 1))


@dataclass
class GroupRun:
    """What one group's simulation returns, in the constellation's node indices and the jobs'
    ids (``contacts`` keeps what the summary reads of the contact plan)."""

    group: int
    jobs: pd.DataFrame
    nodes: pd.DataFrame
    transfers: pd.DataFrame
    contacts: pd.DataFrame
    governance_violations: int
    isl_cut_restarts: int
    bound_tenants: tuple[str, ...]
    decay_s: np.ndarray | None
    orbit_errors: pd.DataFrame | None
    node_physics: list | None


def run_group(scenario_data: dict[str, Any], group: int, nodes: np.ndarray,
              jobs: pd.DataFrame, *, workers: int = 1) -> GroupRun:
    """Prepare and simulate one group: its satellites ``nodes`` (indices into the scenario's,
    possibly sampled, constellation) and its ``jobs`` (global ids). Top-level and picklable:
    runs here, in a pool or on a Dask worker alike."""
    from orbitsim.model.scenario import Scenario
    from orbitsim.sim.engine import Simulation
    from orbitsim.sim.prepare import prepare_inputs

    scenario = Scenario.model_validate(scenario_data)
    context = load_context(scenario)
    seed = group_seed(scenario.seed, group)
    subset = context.constellation.subset(nodes)
    inputs = prepare_inputs(subset, context.network, context.hardware, context.grid, seed=seed,
                            isl=scenario.isl, physics=scenario.physics, faults=scenario.faults,
                            workers=workers, record_history=len(context.constellation) <= 1000,
                            station_outages=scenario.station_outages)
    local = jobs.reset_index(drop=True).copy()
    ids = local["job_id"].to_numpy(dtype=np.int64)
    local["job_id"] = np.arange(len(local), dtype=np.int64)
    simulation = Simulation(inputs, context.workload, local, context.policy, seed=seed,
                            faults_destroy_jobs=scenario.faults_destroy_jobs)
    result = simulation.run()
    out_jobs = result.jobs
    out_jobs["job_id"] = ids[out_jobs["job_id"].to_numpy(dtype=np.int64)]
    node = out_jobs["node"].to_numpy(dtype=np.int64)
    out_jobs["node"] = np.where(node >= 0, nodes[np.clip(node, 0, None)], -1)
    out_jobs["group"] = np.where(out_jobs["group"].to_numpy() >= 0, group, -1)
    out_nodes = result.nodes
    out_nodes["node"] = nodes[out_nodes["node"].to_numpy(dtype=np.int64)]
    out_nodes["group"] = group
    transfers = result.transfers
    if len(transfers):
        transfers["job_id"] = ids[transfers["job_id"].to_numpy(dtype=np.int64)]
        transfers["sat_index"] = nodes[transfers["sat_index"].to_numpy(dtype=np.int64)]
    contacts = inputs.contacts[["sat_index", "station_index", "start_s", "end_s",
                                "bytes_capacity"]].copy()
    contacts["sat_index"] = nodes[contacts["sat_index"].to_numpy(dtype=np.int64)]
    errors = inputs.orbit_errors
    if errors is not None and len(errors) and "sat_index" in errors:
        errors = errors.copy()
        errors["sat_index"] = nodes[errors["sat_index"].to_numpy(dtype=np.int64)]
    return GroupRun(group, out_jobs, out_nodes, transfers, contacts,
                    int(result.governance_violations), int(result.isl_cut_restarts),
                    tuple(result.bound_tenants), inputs.decay_s, errors, inputs.nodes)


@dataclass
class Context:
    """A scenario's loaded parts, as a run uses them (the sample applied)."""

    constellation: Any
    hardware: Any
    network: Any
    workload: Any
    policy: Any
    grid: Any
    sample: Any


def load_context(scenario, source: str | None = None) -> Context:
    """Load a scenario's constellation (sampled if it says so), hardware, network, workload,
    policy and time grid (at a safe step), as :func:`orbitsim.sim.run.simulate` does."""
    from orbitsim.geometry.sampling import sampling_step_s
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.ground import load_ground_network
    from orbitsim.model.node_sample import apply_sample
    from orbitsim.model.scenario import node_hardware
    from orbitsim.model.timegrid import time_grid
    from orbitsim.model.workload import load_workload
    from orbitsim.policies.registry import resolve_policy

    constellation = load_constellation(scenario.path_of(scenario.constellation))
    hardware = node_hardware(scenario, default=constellation.hardware)
    network = load_ground_network(scenario.path_of(scenario.ground_network))
    workload = load_workload(scenario.path_of(scenario.workload))
    constellation, workload, sample = apply_sample(scenario, constellation, workload, source)
    policy = resolve_policy(scenario.policy, base_dir=scenario.base_dir, source=source)
    grid = scenario.time_grid()
    step = sampling_step_s(constellation, scenario.step_s)
    if step != scenario.step_s:
        grid = time_grid(scenario.start_utc, scenario.hours, step)
    return Context(constellation, hardware, network, workload, policy, grid, sample)


def _execute(tasks: list[tuple], partitions: int, scheduler: str | None) -> list[GroupRun]:
    """Run the group tasks: in this process (one partition), on a local Dask cluster of
    ``partitions`` processes, or on the Dask scheduler at ``scheduler``; results in group
    order."""
    if scheduler is None and partitions <= 1:
        return [run_group(*task) for task in tasks]
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("partitioned runs on several processes need Dask: pip install "
                         "'orbitsim[dask]'", field="partitions") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="30s")
        else:
            cluster = LocalCluster(n_workers=partitions, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler: {exc}", field="scheduler") from None
    try:
        futures = [client.submit(run_group, *task, pure=False) for task in tasks]
        done: dict[int, GroupRun] = {}
        for future in as_completed(futures):
            result = future.result()
            done[result.group] = result
        return [done[task[1]] for task in tasks]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def simulate_partitioned(scenario, *, partitions: int = 1, scheduler: str | None = None,
                         source: str | None = None,
                         max_epoch_age_days: float = DEFAULT_MAX_EPOCH_AGE_DAYS):
    """Run a scenario group by group (module docstring) and merge the groups into one
    :class:`~orbitsim.sim.run.RunResult`."""
    from orbitsim.model.scenario_checks import check_injections, check_job_volume
    from orbitsim.model.workload import generate_jobs
    from orbitsim.sim.engine import SimResult
    from orbitsim.sim.prepare import SimInputs, isl_groups
    from orbitsim.sim.run import RunResult, finish_summary

    if partitions < 1:
        raise InputError(f"--partitions must be >= 1, got {partitions}", field="partitions")
    if scenario.fail_nodes or scenario.isl_cuts:
        raise InputError("fail_nodes and isl_cuts are not supported in partitioned runs",
                         source=source, field="partitions")
    for refused, what in ((scenario.isl == "mesh", 'isl = "mesh" (one mesh joins the shells)'),
                          (scenario.isl == "none",
                           'isl = "none" (every satellite its own group: a job tied to one '
                           "could not take the first pass of another)"),
                          (bool(scenario.hardware_groups), "hardware_groups"),
                          (scenario.governance.active
                           or scenario.governance.monitoring_bytes_per_node_hour > 0,
                           "governance rules")):
        if refused:
            raise InputError(f"{what}: not supported in partitioned runs; run without "
                             "--partitions", source=source, field="partitions")
    context = load_context(scenario, source)
    check_injections(scenario, len(context.constellation), context.network.names, source)
    check_job_volume(context.workload, scenario.hours * 3600.0, source)
    members = group_members(isl_groups(context.constellation, scenario.isl))
    start = context.grid.start_utc
    jobs = generate_jobs(context.workload, context.grid.duration_s, scenario.seed,
                         start_hour_utc=start.hour + start.minute / 60.0)
    capacity = np.array([len(m) * context.hardware.accelerators for m in members], dtype=float)
    drawn = dispatch(len(jobs), capacity, scenario.seed)
    data = scenario.model_dump(mode="json")
    data["base_dir"] = scenario.base_dir
    tasks = [(data, g, m, jobs[drawn == g]) for g, m in enumerate(members)]
    runs = _execute(tasks, partitions, scheduler)
    merged_jobs = pd.concat([r.jobs for r in runs], ignore_index=True)
    merged_jobs = merged_jobs.sort_values("job_id", kind="stable").reset_index(drop=True)
    nodes = pd.concat([r.nodes for r in runs], ignore_index=True)
    nodes = nodes.sort_values("node", kind="stable").reset_index(drop=True)
    transfers = pd.concat([r.transfers for r in runs], ignore_index=True)
    if len(transfers):
        transfers = transfers.sort_values(["job_id", "start_s"], kind="stable") \
            .reset_index(drop=True)
    contacts = pd.concat([r.contacts for r in runs], ignore_index=True)
    contacts = contacts.sort_values(["start_s", "sat_index", "station_index"], kind="stable") \
        .reset_index(drop=True)
    from orbitsim.geometry.contacts import _labels

    contacts.insert(0, "satellite", _labels(contacts["sat_index"].to_numpy(),
                                            context.constellation.names))
    contacts.insert(2, "station", _labels(contacts["station_index"].to_numpy(),
                                          list(context.network.names)))
    n = len(context.constellation)
    decay_s = np.full(n, np.inf)
    physics = [None] * n if all(r.node_physics is not None for r in runs) else None
    for r, m in zip(runs, members):
        if r.decay_s is not None:
            decay_s[m] = r.decay_s
        if physics is not None:
            for i, node in zip(m.tolist(), r.node_physics):
                physics[i] = node
    errors = [r.orbit_errors for r in runs if r.orbit_errors is not None and len(r.orbit_errors)]
    orbit_errors = pd.concat(errors, ignore_index=True) if errors else None
    result = SimResult(
        jobs=merged_jobs, nodes=nodes, transfers=transfers, horizon_s=context.grid.duration_s,
        accelerators_per_node=context.hardware.accelerators, node_physics=physics,
        governance_violations=sum(r.governance_violations for r in runs),
        isl_cut_restarts=sum(r.isl_cut_restarts for r in runs),
        bound_tenants=tuple(sorted({t for r in runs for t in r.bound_tenants})))
    group_of_node = np.zeros(n, dtype=np.int64)
    for g, m in enumerate(members):
        group_of_node[m] = g
    inputs = SimInputs(constellation=context.constellation, grid=context.grid,
                       hardware=context.hardware, network=context.network, nodes=physics,
                       contacts=contacts, group_of_node=group_of_node, faults=None,
                       operator=getattr(context.constellation, "name", "operator"),
                       orbit_errors=orbit_errors, decay_s=decay_s)
    summary, orbit_errors, stale = finish_summary(
        scenario, inputs, result, context.grid, context.constellation, context.workload,
        context.sample, max_epoch_age_days=max_epoch_age_days, hardware=context.hardware)
    summary["partitions"] = {"groups": len(members), "partitions": partitions,
                             "scheduler": scheduler or ("in process" if partitions == 1
                                                        else "local cluster")}
    return RunResult(scenario=scenario, inputs=inputs, result=result, summary=summary,
                     orbit_errors=orbit_errors, stale_elements=stale)


__all__ = ["DISPATCH_STREAM", "GROUP_STREAM", "GroupRun", "dispatch", "group_members",
           "group_seed", "load_context", "run_group", "simulate_partitioned"]
