"""Simulation throughput (issue: simulation).

Jobs simulated per second of wall time with the full model on (geometry-derived node physics,
contact-plan transfers, faults, the fifo policy), against the bare SimPy loop of the same jobs
(each a process doing request / timeout / release on a ``simpy.Resource``) in the same run.
Geometry, contacts and node physics are prepared once before the clock starts: they are
timed separately (``prepare``). The two run alternately ``--repeats`` times (default 5): the
medians of each, and the median of the per-pair ratios (the figure that carries across
machines).

Run: ``python -m benchmarks.bench_simulation [--quick] [--scenario NAME] [--hours H]
[--repeats N] [--isl grid|mesh]``; ``--isl mesh`` routes every transfer over the laser mesh
(:mod:`orbitsim.sim.mesh_transport`; the mesh is prepared before the clock starts, with the
rest of the geometry).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import gc
import resource
import statistics
import time

from benchmarks.common import machine, single_core, table

single_core()

import numpy as np  # noqa: E402
import simpy  # noqa: E402


def bare_simpy(arrival_s: np.ndarray, service_s: np.ndarray, servers: int) -> float:
    """Wall time of the plain SimPy M/G/c loop over the same arrivals and service times."""
    env = simpy.Environment()
    resource_ = simpy.Resource(env, capacity=servers)

    def job(service):
        with resource_.request() as request:
            yield request
            yield env.timeout(service)

    def source():
        for t, service in zip(arrival_s.tolist(), service_s.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(job(service))

    env.process(source())
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def full_model(scenario_name: str, hours: float, repeats: int, isl: str | None = None) -> dict:
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.ground import load_ground_network
    from orbitsim.model.hardware import load_node
    from orbitsim.model.scenario import load_scenario
    from orbitsim.model.workload import generate_jobs, load_workload
    from orbitsim.policies.registry import get_policy
    from orbitsim.sim.engine import Simulation
    from orbitsim.sim.prepare import prepare_inputs

    scenario = load_scenario(scenario_name).model_copy(update={"hours": hours})
    if isl is not None:
        scenario = scenario.model_copy(update={"isl": isl})
    constellation = load_constellation(scenario.path_of(scenario.constellation))
    hardware = load_node(scenario.hardware or constellation.hardware)
    network = load_ground_network(scenario.ground_network)
    workload = load_workload(scenario.workload)
    grid = scenario.time_grid()
    began = time.perf_counter()
    mesh = ({"isl_rate_bps": scenario.isl_rate_bps, "isl_hop_delay_s": scenario.isl_hop_delay_s}
            if scenario.isl == "mesh" else {})
    inputs = prepare_inputs(constellation, network, hardware, grid, seed=scenario.seed,
                            isl=scenario.isl, record_history=False, **mesh)
    prepare_s = time.perf_counter() - began
    jobs = generate_jobs(workload, grid.duration_s, scenario.seed)
    arrival = jobs.arrival_s.to_numpy()
    servers = len(constellation) * hardware.accelerators // max(int(jobs.accelerators.max()), 1)

    def simulate_once():
        gc.collect()  # the previous repeat's garbage must not live through this one
        fresh = dataclasses.replace(inputs, nodes=copy.deepcopy(inputs.nodes))
        simulation = Simulation(fresh, workload, jobs, get_policy(scenario.policy),
                                seed=scenario.seed)
        began = time.perf_counter()
        result = simulation.run()
        return time.perf_counter() - began, result

    # Full model and bare loop alternately (full, bare, full, bare, ...): both see the same
    # moments of a noisy shared machine; medians of each and of the per-pair ratios.
    sim_times, bare_times, ratios = [], [], []
    for _ in range(repeats):
        sim_s, result = simulate_once()
        done = result.jobs[result.jobs.status == "done"]
        service = (done.compute_end_s - done.start_s).to_numpy()
        service = np.resize(service, len(jobs)) if len(service) else np.ones(len(jobs))
        bare_s = bare_simpy(arrival, service, max(servers, 1))
        sim_times.append(sim_s)
        bare_times.append(bare_s)
        ratios.append(bare_s / sim_s)
    sim_s, bare_s = statistics.median(sim_times), statistics.median(bare_times)
    return {
        "scenario": f"{scenario_name}, {hours:g} h, isl = {scenario.isl}",
        "jobs": f"{len(jobs):,}",
        "prepare (s)": f"{prepare_s:.1f}",
        "full model (jobs/s)": f"{len(jobs) / sim_s:,.0f}",
        "bare SimPy loop (jobs/s)": f"{len(jobs) / bare_s:,.0f}",
        "ratio full / bare": f"{statistics.median(ratios):.2f}",
        "repeats": str(repeats),
        "peak RSS (MiB)": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}",
    }


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenario", default="starcloud-demo")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--isl", choices=("grid", "none", "mesh"), default=None,
                        help="override the scenario's isl")
    args = parser.parse_args(argv)
    hours = 1.0 if args.quick else args.hours
    rows = [full_model(args.scenario, hours, 1 if args.quick else max(args.repeats, 1),
                       args.isl)]
    text = f"machine: {machine()}\n\n" + table(rows, list(rows[0]))
    print(text)
    return text


if __name__ == "__main__":
    main()
