"""The simulation engine: conservation, determinism, queueing theory, governance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orbitsim.model.scenario import load_scenario
from orbitsim.model.workload import load_workload
from orbitsim.results import write_parquet
from orbitsim.sim.run import simulate

DATA = Path(__file__).parent / "data" / "sim"


@pytest.fixture(scope="module")
def demo_run():
    return simulate("starcloud-demo", hours=3)


def test_every_job_is_accounted_for(demo_run):
    s = demo_run.summary
    assert s["jobs_total"] == len(demo_run.jobs) > 1000
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    assert set(demo_run.jobs.status) <= {"done", "failed", "pending"}
    pending = demo_run.jobs[demo_run.jobs.status == "pending"]
    assert pending.reason.str.startswith("horizon reached during").all()
    failed = demo_run.jobs[demo_run.jobs.status == "failed"]
    assert (failed.reason != "").all()
    assert s["jobs_lost"] == 0


def test_bytes_moved_are_the_bytes_planned(demo_run):
    jobs, transfers = demo_run.jobs, demo_run.result.transfers
    uploaded = transfers[transfers.direction == "up"].groupby("job_id").bytes.sum()
    got_past_upload = jobs[jobs.upload_end_s.notna() & (jobs.kind != "eo-processing")]
    assert np.allclose(uploaded.reindex(got_past_upload.job_id).to_numpy(),
                       got_past_upload.input_bytes.to_numpy(), rtol=1e-9)
    assert np.isclose(jobs.bytes_up.sum(), transfers[transfers.direction == "up"].bytes.sum(),
                      rtol=1e-9)
    done = jobs[jobs.status == "done"]
    downloaded = transfers[transfers.direction == "down"].groupby("job_id").bytes.sum()
    assert np.allclose(downloaded.reindex(done.job_id).fillna(0.0).to_numpy(),
                       done.output_bytes.to_numpy(), rtol=1e-9)


def test_accelerator_seconds_are_the_sum_over_jobs(demo_run):
    by_jobs = demo_run.jobs.accelerator_s.sum()
    by_nodes = demo_run.nodes.busy_accelerator_s.sum()
    assert by_jobs == pytest.approx(by_nodes, rel=1e-9)
    assert demo_run.summary["accelerator_hours"] == pytest.approx(by_nodes / 3600.0)


def test_no_transfer_outside_a_contact_window(demo_run):
    contacts = demo_run.inputs.contacts
    transfers = demo_run.result.transfers
    assert len(transfers) > 100
    windows = {}
    for row in contacts.itertuples():
        windows.setdefault((row.sat_index, row.station_index), []).append((row.start_s,
                                                                            row.end_s))
    for row in transfers.itertuples():
        spans = windows[(row.sat_index, row.station_index)]
        assert any(a - 1e-6 <= row.start_s and row.end_s <= b + 1e-6 for a, b in spans), row


def test_no_governance_violation(demo_run):
    workload = load_workload("inference-mixed")
    countries = np.array([s.country for s in demo_run.inputs.network])
    transfers = demo_run.result.transfers
    tenant_of_job = demo_run.jobs.set_index("job_id").tenant
    checked = 0
    for tenant in workload.tenants:
        allowed = tenant.allowed_countries
        if not allowed:
            continue
        rows = transfers[tenant_of_job.reindex(transfers.job_id).to_numpy() == tenant.name]
        assert set(countries[rows.station_index.to_numpy()]) <= set(allowed)
        checked += len(rows)
    assert checked > 0
    assert demo_run.summary["governance_violations"] == 0


def test_same_seed_same_bytes_other_seed_other_jobs(tmp_path):
    first = simulate("starcloud-demo", hours=1)
    again = simulate("starcloud-demo", hours=1)
    other = simulate("starcloud-demo", hours=1, seed=1)
    paths = [write_parquet(run.jobs, tmp_path / f"{i}.parquet")
             for i, run in enumerate((first, again, other))]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def _erlang_c_wait_s(arrival_per_s: float, service_s: float, servers: int) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = arrival_per_s * service_s
    rho = a / servers
    head = sum(a**k / math.factorial(k) for k in range(servers))
    tail = a**servers / (math.factorial(servers) * (1.0 - rho))
    p_wait = tail / (head + tail)
    return p_wait * service_s / (servers - a)


def test_mmc_reproduces_erlang_c_mean_wait():
    """Physics and geometry off, nodes always on: an M/M/4 queue at rho = 0.7."""
    scenario = load_scenario(DATA / "mmc.toml")
    # ~240,000 jobs: the batch-means standard error of the mean wait is ~2 %.
    run = simulate(scenario, hours=24)
    jobs = run.jobs
    # Skip the first hour (the empty-system transient) and use every job that started.
    steady = jobs[(jobs.arrival_s > 3600.0) & jobs.start_s.notna()]
    assert len(steady) > 200_000
    wait = (steady.start_s - steady.arrival_s).mean()
    expected = _erlang_c_wait_s(10080 / 3600.0, 1.0, 4)
    assert wait == pytest.approx(expected, rel=0.05)
    service = (steady.compute_end_s - steady.start_s).mean()
    assert service == pytest.approx(1.0, rel=0.02)


# --- gang scheduling ---------------------------------------------------------------------------

PEAK_FLOPS = 756e12  # H100 PCIe dense BF16, the accelerator of the four one-GPU nodes
T0_S = 10.0  # arrival of the one gang job


def _gang_inputs(tmp_path, isl: str = "grid", extra: str = ""):
    """One 2-accelerator job (100 s of work on two H100s, checkpoints every 30 s) on four
    one-GPU nodes, physics off: a gang of two nodes."""
    import shutil

    shutil.copy(DATA / "four-nodes.toml", tmp_path / "four-nodes.toml")
    (tmp_path / "trace.csv").write_text(f"arrival_s\n{T0_S}\n", encoding="utf-8")
    (tmp_path / "gang.toml").write_text(
        'name = "gang"\n[[tenants]]\nname = "lab"\n[[job_classes]]\nname = "train"\n'
        'kind = "llm-training"\ntenant = "lab"\n'
        'arrival = { process = "trace", file = "trace.csv" }\n'
        f'work_flop = {{ mean = {2 * PEAK_FLOPS * 100.0} }}\naccelerators = 2\n'
        'input_bytes = { mean = 0.0 }\noutput_bytes = { mean = 0.0 }\n'
        'checkpoint_interval_s = 30\nmfu = 1.0\n', encoding="utf-8")
    (tmp_path / "scenario.toml").write_text(
        'name = "gang"\nconstellation = "four-nodes.toml"\nground_network = "compute-hubs"\n'
        'workload = "gang.toml"\npolicy = "fifo"\nstart_utc = "2026-03-20T00:00:00Z"\n'
        f'hours = 0.5\nstep_s = 600.0\nseed = 3\nphysics = false\nfaults = false\n'
        f'isl = "{isl}"\n{extra}\n', encoding="utf-8")
    return load_scenario(tmp_path / "scenario.toml")


def _run_with_sefi(scenario, sefi_s: dict[int, list[float]]):
    """Run ``scenario`` with single-event functional interrupts at the given times."""
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.ground import load_ground_network
    from orbitsim.model.hardware import load_node
    from orbitsim.model.workload import generate_jobs
    from orbitsim.physics.radiation import NodeFaults
    from orbitsim.policies.registry import get_policy
    from orbitsim.sim.engine import Simulation
    from orbitsim.sim.prepare import prepare_inputs

    constellation = load_constellation(scenario.path_of(scenario.constellation))
    hardware = load_node(constellation.hardware)
    grid = scenario.time_grid()
    inputs = prepare_inputs(constellation, load_ground_network(scenario.ground_network),
                            hardware, grid, seed=scenario.seed, physics=False, faults=False)
    n = len(constellation)
    inputs.faults = NodeFaults([np.asarray(sefi_s.get(i, []), dtype=float) for i in range(n)],
                               np.full(n, np.inf), hardware.radiation.sefi_recovery_s)
    workload = load_workload(scenario.path_of(scenario.workload))
    jobs = generate_jobs(workload, grid.duration_s, scenario.seed)
    result = Simulation(inputs, workload, jobs, get_policy("fifo"), seed=1).run()
    return result, hardware.radiation.sefi_recovery_s


def test_gang_runs_in_lock_step_on_nodes_of_one_group(tmp_path):
    run = simulate(_gang_inputs(tmp_path))
    job = run.jobs.iloc[0]
    assert job.status == "done" and job.gang_nodes == 2
    # Two H100s at full speed: the 100 s of work on two accelerators takes 100 s, not 200 s.
    assert job.compute_end_s - job.start_s == pytest.approx(100.0, abs=1e-6)
    assert job.accelerator_s == pytest.approx(200.0, abs=1e-6)
    busy = run.nodes.set_index("node").busy_accelerator_s
    assert sorted(busy.round(6).tolist()) == [0.0, 0.0, 100.0, 100.0]
    assert run.jobs.accelerator_s.sum() == pytest.approx(busy.sum(), rel=1e-12)


def test_gang_needs_its_nodes_in_one_isl_group(tmp_path):
    run = simulate(_gang_inputs(tmp_path, isl="none"))
    job = run.jobs.iloc[0]
    assert job.status == "failed"
    assert job.reason.startswith("needs 2 nodes of one ISL group")


def test_fault_on_one_member_rolls_back_the_whole_gang(tmp_path):
    result, recovery_s = _run_with_sefi(_gang_inputs(tmp_path), {0: [T0_S + 45.0]})
    job = result.jobs.iloc[0]
    # At 45 s both members go back to the 30 s checkpoint; node 0 then recovers for
    # recovery_s and the gang ends with it: 100 + 15 + recovery_s.
    assert job.status == "done" and job.faults == 1
    assert job.compute_end_s - job.start_s == pytest.approx(115.0 + recovery_s, abs=1e-6)
    assert job.lost_flop == pytest.approx(2 * 15.0 * PEAK_FLOPS, rel=1e-9)
    assert job.done_flop == pytest.approx(job.work_flop, rel=1e-12)
    busy = result.nodes.busy_accelerator_s.sum()
    assert job.accelerator_s == pytest.approx(busy, rel=1e-12)
    assert job.accelerator_s == pytest.approx(2 * (115.0 + recovery_s), abs=1e-6)


def test_member_node_failure_requeues_the_gang_from_its_checkpoint(tmp_path):
    run = simulate(_gang_inputs(tmp_path, extra=f"fail_nodes = [{{node = 0, at_s = "
                                                 f"{T0_S + 45.0}}}]"))
    job = run.jobs.iloc[0]
    assert job.status == "done" and job.node != 0
    # Restarted at once on two of the three nodes left, from the 30 s checkpoint: 70 s more.
    assert job.compute_end_s == pytest.approx(T0_S + 115.0, abs=1e-6)
    assert job.lost_flop == pytest.approx(2 * 15.0 * PEAK_FLOPS, rel=1e-9)
    assert job.accelerator_s == pytest.approx(2 * 45.0 + 2 * 70.0, abs=1e-6)
    assert job.accelerator_s == pytest.approx(run.nodes.busy_accelerator_s.sum(), rel=1e-12)


def test_isl_cut_of_a_member_restarts_the_gang_elsewhere(tmp_path):
    run = simulate(_gang_inputs(tmp_path, extra=f"isl_cuts = [{{node = 0, start_s = "
                                                 f"{T0_S + 45.0}, end_s = {T0_S + 105.0}}}]"))
    job = run.jobs.iloc[0]
    assert run.summary["isl_cut_gang_restarts"] == 1
    # Cut off at 45 s: the gang goes back to its 30 s checkpoint and restarts at once on two of
    # the three nodes still linked: 70 s more.
    assert job.status == "done" and job.node != 0
    assert job.compute_end_s == pytest.approx(T0_S + 115.0, abs=1e-6)
    assert job.lost_flop == pytest.approx(2 * 15.0 * PEAK_FLOPS, rel=1e-9)
    busy = run.nodes.set_index("node").busy_accelerator_s
    assert busy[0] == pytest.approx(45.0, abs=1e-6)
    assert job.accelerator_s == pytest.approx(busy.sum(), rel=1e-12)


# --- placement: fair baselines, candidates, the jobs table --------------------------------

POLICY_DATA = Path(__file__).parent / "data" / "policies"


def _policy_scenario(**fields):
    from orbitsim.model.scenario import Scenario

    base = dict(name="placement-test", constellation="shell-12.toml",
                ground_network="compute-hubs", workload="with-data.toml", policy="fifo",
                isl="none", start_utc="2026-03-20T00:00:00Z", hours=4.0, step_s=60.0, seed=1,
                faults=False, physics=False, base_dir=str(POLICY_DATA))
    base.update(fields)
    return Scenario.model_validate(base)


def test_fifo_finishes_about_as_many_jobs_as_round_robin_without_isl():
    """24 nodes without ISLs, three stations, 10 GB jobs (the built-in stress-contacts): fifo
    takes the first node that can start a job soonest, so it spreads the jobs as round-robin
    does (the old fifo piled them all onto node 0 and finished 2 of 160)."""
    fifo = simulate("stress-contacts", policy="fifo")
    robin = simulate("stress-contacts", policy="round-robin")
    assert fifo.summary["nodes"] == 24 and fifo.scenario.isl == "none"
    assert list(fifo.inputs.network.names) == ["AWS Ohio", "KSAT Puertollano", "SoftBank Sakai"]
    assert fifo.jobs["input_bytes"].mean() > 5e9
    done_fifo, done_robin = fifo.summary["jobs_done"], robin.summary["jobs_done"]
    assert abs(done_fifo - done_robin) <= 0.1 * done_robin  # measured: 122 and 128 (seed 1)
    assert fifo.jobs.loc[fifo.jobs["status"] == "done", "node"].nunique() >= 12


class _Recorder:
    """What the candidates of every call looked like: (all can start now, none can, every
    candidate has the accelerators free)."""

    def __init__(self) -> None:
        self.calls: list[tuple[bool, bool, bool]] = []

    def record(self, job, view) -> None:
        free_at = view.free_at_s
        self.calls.append((bool((free_at == view.now_s).all()),
                           bool((free_at > view.now_s).all()),
                           bool((view.free_accelerators >= job.accelerators).all())))


@pytest.mark.parametrize("fields", [
    dict(),  # 12 satellites without ISLs: 12 groups of one
    dict(constellation="two-shells.toml", isl="grid"),  # two shells: two groups of six
], ids=["isl-none", "two-shells"])
def test_fifo_shortcut_and_view_path_place_every_job_alike(fields, monkeypatch):
    from orbitsim.policies import Policy, register_policy, registry
    from orbitsim.policies.fifo import Fifo

    registry.policy_names()  # the built-ins registered before the registry is copied
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    recorder = _Recorder()

    @register_policy("test-fifo-via-view")
    class FifoViaView(Policy):
        """fifo's choice read from the view (no first_fit shortcut)."""

        needs_state = False

        def choose(self, job, view):
            recorder.record(job, view)
            return Fifo().choose(job, view)

    shortcut = simulate(_policy_scenario(**fields))
    viewed = simulate(_policy_scenario(policy="test-fifo-via-view", **fields))
    pd.testing.assert_frame_equal(shortcut.jobs, viewed.jobs)
    assert shortcut.summary["jobs_done"] > 20
    # Both kinds of call happened: candidates free now, and none free (fifo then takes the
    # first of those that can start the job soonest).
    assert any(now for now, _, _ in recorder.calls) and any(later for _, later, _ in
                                                            recorder.calls)


def test_a_policy_is_offered_the_nodes_that_can_take_the_job_when_any_can(monkeypatch):
    from orbitsim.policies import Policy, register_policy, registry

    registry.policy_names()  # the built-ins registered before the registry is copied
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    recorder = _Recorder()

    @register_policy("test-recorder")
    class Last(Policy):
        def choose(self, job, view):
            recorder.record(job, view)
            return len(view) - 1

    simulate(_policy_scenario(policy="test-recorder"))
    assert len(recorder.calls) > 50
    for now, later, free in recorder.calls:
        assert now or later  # never a mix of nodes that can take the job now and others
        assert free or not now  # those offered "now" have the accelerators free


def test_jobs_table_names_group_and_node_from_placement():
    """A job still uploading at the horizon shows where its data goes (without ISLs, a group
    is one satellite: the node is chosen too)."""
    run = simulate("stress-contacts", hours=2.0)
    jobs = run.jobs
    uploading = jobs[(jobs["status"] == "pending") & (jobs["stage"] == "upload")]
    assert len(uploading) > 5
    assert (uploading["group"] >= 0).all()
    assert (uploading["node"] == uploading["group"]).all()  # isl = "none": group = satellite
    placed = jobs[jobs["status"] != "failed"]
    assert (placed["group"] >= 0).all()


def test_power_limited_time_is_the_nodes_time_below_demand_for_power():
    run = simulate("stress-eclipse", hours=4.0)
    s, nodes = run.summary, run.nodes
    assert s["power_limited_s"] > 3600.0  # the batteries bind within four hours
    assert s["power_limited_s"] == pytest.approx(nodes["power_limited_s"].sum())
    assert s["power_limited_events"] == pytest.approx(nodes["power_limited_events"].sum())
    assert s["throttled_s"] == pytest.approx(nodes["throttled_s"].sum())
    # Only a node that reached its battery floor was power-limited.
    floor = 1.0 - run.inputs.hardware.battery.depth_of_discharge
    limited = nodes[nodes["power_limited_s"] > 0]
    assert len(limited) > 0
    assert all(min(n.history()["soc"]) <= floor + 1e-6
               for n in (run.inputs.nodes[i] for i in limited["node"]))


def _attrition_scenario(folder: Path, rate_per_year: float):
    """starcloud-demo on a node whose H100s fail for good at ``rate_per_year`` each."""
    from orbitsim.model.hardware import accelerator_dir
    from orbitsim.resources import builtin_dir

    acc = (accelerator_dir() / "h100-sxm.toml").read_text()
    acc = acc.replace("permanent_failure_per_year = 0.03", f"permanent_failure_per_year = "
                      f"{rate_per_year}").replace(
        '"radiation.permanent_failure_per_year" = [0.01, 0.09]',
        f'"radiation.permanent_failure_per_year" = [0.01, {max(rate_per_year, 0.09)}]')
    (folder / "fragile.toml").write_text(acc)
    node = (builtin_dir("hardware") / "starcloud-node.toml").read_text()
    node = node.replace('accelerator = "h100-sxm"', 'accelerator = "fragile.toml"')
    (folder / "fragile-node.toml").write_text(node)
    return load_scenario("starcloud-demo").model_copy(update={
        "hardware": str(folder / "fragile-node.toml"), "hours": 2.0})


def test_accelerator_attrition_shrinks_nodes_and_requeues_the_jobs_hit(tmp_path):
    """Accelerators failing at 1,000 a year each (~20 % of them in two hours): each loss takes
    one accelerator off its node for good, a job holding it restarts from its checkpoint
    elsewhere, every job is accounted for, and no node computes on more accelerators than it
    still has."""
    run = simulate(_attrition_scenario(tmp_path, 1000.0))
    s, nodes, jobs = run.summary, run.nodes, run.jobs
    faults = run.inputs.faults
    drawn = sum(int(np.sum(t < min(f, run.result.horizon_s)))
                for t, f in zip(faults.accelerator_loss_s, faults.failure_s))
    expected = 32 * 64 * -math.expm1(-1000.0 * 2.0 / 8766.0)
    assert drawn == pytest.approx(expected, rel=0.15)
    assert s["accelerators_lost"] == drawn == int(nodes["accelerators_lost"].sum())
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    assert s["jobs_lost"] == 0
    # capacity bound: busy accelerator-seconds of a node within what it still had
    horizon = run.result.horizon_s
    for i, losses in enumerate(faults.accelerator_loss_s):
        losses = losses[losses < horizon]
        capacity_s = 64 * horizon - float(np.sum(horizon - losses))
        assert nodes["busy_accelerator_s"].iloc[i] <= capacity_s + 1e-6
    assert (jobs["faults"] > 0).any()  # some jobs were hit and restarted
    again = simulate(_attrition_scenario(tmp_path, 1000.0))
    assert again.summary["accelerators_lost"] == s["accelerators_lost"]
    assert again.summary["jobs_done"] == s["jobs_done"]


def test_the_built_in_rate_loses_about_what_the_economics_assumes(demo_run):
    """At the built-in 3 %/yr, 32 x 64 H100 lose ~0.17 accelerators a day: the run and the
    bill share the number (the economics spreads the same rate over the node's life)."""
    assert demo_run.inputs.hardware.accelerator.radiation.permanent_failure_per_year == 0.03
    assert demo_run.summary["accelerators_lost"] <= 3


def _demo_simulation(hours: float):
    """A function building a Simulation of starcloud-demo over ``hours`` (as the simulation
    benchmark does), each time on fresh node physics."""
    import copy
    import dataclasses

    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.ground import load_ground_network
    from orbitsim.model.hardware import load_node
    from orbitsim.model.workload import generate_jobs
    from orbitsim.policies.registry import get_policy
    from orbitsim.sim.engine import Simulation
    from orbitsim.sim.prepare import prepare_inputs

    scenario = load_scenario("starcloud-demo").model_copy(update={"hours": hours})
    constellation = load_constellation(scenario.path_of(scenario.constellation))
    hardware = load_node(scenario.hardware or constellation.hardware)
    network = load_ground_network(scenario.ground_network)
    workload = load_workload(scenario.workload)
    grid = scenario.time_grid()
    inputs = prepare_inputs(constellation, network, hardware, grid, seed=scenario.seed,
                            isl=scenario.isl, record_history=False)
    jobs = generate_jobs(workload, grid.duration_s, scenario.seed)
    def build() -> Simulation:  # fresh node physics for each run (a run advances them)
        fresh = dataclasses.replace(inputs, nodes=copy.deepcopy(inputs.nodes))
        return Simulation(fresh, workload, jobs, get_policy(scenario.policy), seed=scenario.seed)

    return build


def test_the_engine_holds_only_the_jobs_in_flight(monkeypatch):
    """A streamed run keeps per-job state only from the oldest job still in flight to the
    newest arrival (plus fewer than TAKE_ROWS final ones waiting to leave); every other job's
    row is in the spool. Its tables are those of the same run built whole at the end."""
    import orbitsim.sim.engine as engine

    monkeypatch.setattr(engine, "TAKE_ROWS", 64)
    monkeypatch.setattr(engine, "SPOOL_ROWS", 512)
    build = _demo_simulation(4.0)
    simulation = build()
    samples = []

    def progress(fraction: float) -> None:
        sim = simulation
        held = max(len(sim.status), len(sim.start), len(sim.done_flop), len(sim._bound))
        in_flight = sim._next_arrival - sim._mark  # arrived, from the oldest not final on
        samples.append((held, in_flight, sim._mark - sim._emitted, sim._emitted))

    streamed = simulation.run(progress=progress)
    assert streamed.spooled("jobs") is not None and streamed.spooled("transfers") is not None
    n = simulation.n_jobs
    assert n > 5000
    for held, in_flight, waiting, _ in samples:
        assert waiting < 64  # final rows before the watermark leave TAKE_ROWS at a time
        assert held <= in_flight + waiting
    assert max(s[0] for s in samples) < n / 5  # never the whole horizon
    assert samples[-1][3] > n / 2  # most rows went out during the run
    assert not simulation.status and not simulation.start and not simulation._bound
    assert simulation._emitted == n and streamed.rows("jobs") == n

    monkeypatch.setattr(engine.Simulation, "_streams", lambda self: False)
    whole = build().run()
    assert whole.spooled("jobs") is None
    pd.testing.assert_frame_equal(streamed.jobs, whole.jobs, check_exact=True)
    pd.testing.assert_frame_equal(streamed.transfers, whole.transfers, check_exact=True)
    assert streamed.governance_violations == whole.governance_violations
    columns = streamed.columns("jobs", ["status", "latency_s", "nope"])
    assert list(columns.columns) == ["status", "latency_s"]
    pd.testing.assert_frame_equal(columns, whole.jobs[["status", "latency_s"]])
