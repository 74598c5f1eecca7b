"""Scheduling policies: each built-in beats ``fifo`` on its own metric in a scenario built to
favour it; user policies register in a few lines or load from a file; bad policies fail early.

The scenarios are small (12 one-GPU satellites, 6 h, seeded, no faults) and live in
``tests/data/policies/``. Latencies of jobs still unfinished at the horizon are counted up to
the horizon (a lower bound), so a policy that leaves more jobs pending gains nothing from it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orbitsim.errors import InputError
from orbitsim.model.scenario import Scenario
from orbitsim.policies import JobRequest, NodeView, Policy, policy_names, register_policy, registry
from orbitsim.policies.estimate import awaiting_upload, compute_end_s, ready_s
from orbitsim.sim.run import RunResult, simulate

DATA = Path(__file__).parent / "data" / "policies"
REPO = Path(__file__).parents[1]
BUILT_IN = ("fifo", "round-robin", "greedy-earliest-finish", "energy-aware", "thermal-aware",
            "contact-aware", "sovereignty-aware")

#: Scenarios built to favour one policy each (fields over the defaults of :func:`scenario`).
SCENARIOS = {
    # Short compute-only jobs at half the capacity of 12 nodes: fifo fills the lowest indices.
    "half-load": dict(physics=False),
    # The same load on starcloud-1 nodes in a 53 deg shell: eclipsed every orbit, and a busy
    # node's array barely carries its load, so its battery reaches the floor.
    "eclipses": dict(),
    # Twelve under-cooled nodes in dawn-dusk light: a busy node hits its radiator limit within
    # ~20 min; a quarter of the capacity spread evenly stays below what the radiators reject.
    "hot-radiators": dict(constellation="dawn-dusk-12.toml", workload="compute-light.toml"),
    # No ISL: a job's data goes up to and comes down from the satellite that runs it, through
    # the sparse compute-hubs stations; one tenant may land data in Kazakhstan only.
    "sparse-contacts": dict(isl="none", workload="with-data.toml",
                            ground_network="compute-hubs", physics=False),
    # No ISL, the 36 stations of the commercial network: a pass every few minutes somewhere.
    "dense-contacts": dict(isl="none", workload="with-data.toml", ground_network="commercial",
                           physics=False),
}


def scenario(**fields) -> Scenario:
    base = dict(name="policy-test", constellation="shell-12.toml",
                ground_network="commercial", workload="compute-only.toml", policy="fifo",
                start_utc="2026-03-20T00:00:00Z", hours=6.0, step_s=60.0, seed=1, faults=False,
                base_dir=str(DATA))
    base.update(fields)
    return Scenario.model_validate(base)


@pytest.fixture(scope="module")
def run():
    """``run(scenario_name, policy)``, each pair simulated once per module."""
    cache: dict[tuple[str, str], RunResult] = {}

    def get(name: str, policy: str) -> RunResult:
        if (name, policy) not in cache:
            result = simulate(scenario(policy=policy, **SCENARIOS[name]))
            summary = result.summary
            assert summary["governance_violations"] == 0
            assert summary["jobs_total"] == (summary["jobs_done"] + summary["jobs_failed"]
                                             + summary["jobs_pending"])
            cache[name, policy] = result
        return cache[name, policy]

    return get


def mean_until_s(jobs: pd.DataFrame, since: str, until: str, horizon_s: float) -> float:
    """Mean of ``until - since`` over the jobs that reached ``since``; an unfinished job counts
    up to the horizon."""
    start = jobs[since].to_numpy(dtype=float)
    end = jobs[until].to_numpy(dtype=float)
    reached = np.isfinite(start)
    assert reached.sum() >= 20, "too few jobs for a mean"
    return float(np.mean(np.where(np.isfinite(end), end, horizon_s)[reached] - start[reached]))


# --- each policy beats fifo on its own metric ---


def test_round_robin_spreads_the_load_more_evenly(run):
    fifo, rr = run("half-load", "fifo"), run("half-load", "round-robin")
    spread_fifo = fifo.nodes["busy_accelerator_s"].std()
    spread_rr = rr.nodes["busy_accelerator_s"].std()
    # The same jobs were done: the work is moved, not lost (60 s: one job boundary at most).
    assert rr.summary["jobs_done"] >= fifo.summary["jobs_done"] - 2
    assert abs(rr.nodes["busy_accelerator_s"].sum() - fifo.nodes["busy_accelerator_s"].sum()
               ) < 0.05 * fifo.nodes["busy_accelerator_s"].sum()
    assert spread_rr < 0.5 * spread_fifo  # measured: 0.19-0.32 of fifo's over seeds 1-6


def test_energy_aware_cuts_energy_deficit_time(run):
    fifo, energy = run("eclipses", "fifo"), run("eclipses", "energy-aware")
    assert fifo.summary["power_limited_s"] > 3600.0  # the scenario binds: over an hour of it
    # Measured: 0.45-0.56 of fifo's over seeds 1-6.
    assert energy.summary["power_limited_s"] < 0.8 * fifo.summary["power_limited_s"]
    assert energy.nodes["final_soc"].mean() >= fifo.nodes["final_soc"].mean()


def test_thermal_aware_cuts_throttled_time(run):
    fifo, thermal = run("hot-radiators", "fifo"), run("hot-radiators", "thermal-aware")
    for result in (fifo, thermal):
        # Physics: a node is only throttled while its accelerators are asked to work.
        nodes = result.nodes
        busy_s = nodes["busy_accelerator_s"] / result.summary["accelerators_per_node"]
        assert (nodes["throttled_s"] <= busy_s + 1.0).all()
    assert fifo.summary["throttled_s"] > 3600.0
    # Measured with the fix: 0.34-0.47 of fifo's over seeds 1-6 (without: 0.33-1.87).
    assert thermal.summary["throttled_s"] < 0.6 * fifo.summary["throttled_s"]


def test_greedy_earliest_finish_lowers_mean_latency(run):
    fifo = run("sparse-contacts", "fifo")
    greedy = run("sparse-contacts", "greedy-earliest-finish")
    horizon_s = fifo.result.horizon_s
    latency_fifo = mean_until_s(fifo.jobs, "arrival_s", "finish_s", horizon_s)
    latency_greedy = mean_until_s(greedy.jobs, "arrival_s", "finish_s", horizon_s)
    assert greedy.summary["jobs_done"] > fifo.summary["jobs_done"]
    # Measured against the fair fifo (first node that can start the job soonest): 0.60-0.77
    # over seeds 1-6 (0.27-0.32 against the old fifo that piled every job onto node 0).
    assert latency_greedy < 0.85 * latency_fifo


def test_contact_aware_shortens_the_wait_from_compute_end_to_download_end(run):
    fifo = run("dense-contacts", "fifo")
    contact = run("dense-contacts", "contact-aware")
    horizon_s = fifo.result.horizon_s

    def wait_s(result: RunResult) -> float:
        jobs = result.jobs[result.jobs["tenant"] == "anyone"]
        return mean_until_s(jobs, "compute_end_s", "finish_s", horizon_s)

    assert wait_s(contact) < 0.5 * wait_s(fifo)  # measured: 0.14-0.31 over seeds 1-6 (fair fifo)


def test_sovereignty_aware_lowers_latency_of_a_tenant_held_to_few_stations(run):
    fifo = run("sparse-contacts", "fifo")
    sovereign = run("sparse-contacts", "sovereignty-aware")
    horizon_s = fifo.result.horizon_s

    def latency_s(result: RunResult) -> float:
        jobs = result.jobs[result.jobs["tenant"] == "kz-only"]
        return mean_until_s(jobs, "arrival_s", "finish_s", horizon_s)

    # Every byte of the Kazakh tenant crossed a Kazakh station (re-checked from the log).
    transfers = sovereign.result.transfers
    kz_jobs = sovereign.jobs.loc[sovereign.jobs["tenant"] == "kz-only", "job_id"]
    kz_stations = transfers.loc[transfers["job_id"].isin(kz_jobs), "station"]
    assert len(kz_stations) > 0 and kz_stations.isin(["Astana AI cluster", "Alatau City"]).all()
    # Measured against the fair fifo: 0.59-0.90 over seeds 1-6 (0.75 with this seed).
    assert latency_s(sovereign) < 0.95 * latency_s(fifo)


# --- user policies ---


@pytest.fixture
def scratch_registry(monkeypatch):
    """Registrations made by a test vanish after it."""
    registry.policy_names()  # the built-ins registered before the registry is copied
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def short_run(policy: str) -> RunResult:
    return simulate(scenario(policy=policy, hours=1.0, physics=False))


def test_builtin_policies_are_listed():
    assert set(BUILT_IN) <= set(policy_names())


def test_register_policy_in_a_few_lines_joins_the_names_and_runs(scratch_registry):
    @register_policy("test-last-candidate")
    class LastCandidate(Policy):
        """Every job on the candidate with the highest node index."""

        def choose(self, job: JobRequest, view: NodeView) -> int:
            return len(view) - 1

    assert "test-last-candidate" in policy_names()
    result = short_run("test-last-candidate")
    assert result.summary["jobs_done"] > 0
    busiest = result.nodes.sort_values("busy_accelerator_s").iloc[-1]
    assert busiest["node"] == 11  # the highest index took the most work (fifo: node 0)


def test_policy_file_named_in_the_scenario_runs(scratch_registry, monkeypatch):
    monkeypatch.chdir(REPO)  # module paths are resolved from the working folder
    result = short_run("tests/data/my_policy.py:LastCandidate")
    assert result.scenario.policy == "tests/data/my_policy.py:LastCandidate"
    assert result.summary["jobs_done"] > 0
    assert result.nodes.sort_values("busy_accelerator_s").iloc[-1]["node"] == 11


@pytest.mark.parametrize("name", ["no-such-policy", "tests/data/my_policy.py:NoSuchClass",
                                  "no_such_module:Policy"])
def test_unknown_policy_is_an_input_error_naming_the_field(name, scratch_registry, monkeypatch):
    monkeypatch.chdir(REPO)
    with pytest.raises(InputError) as caught:
        short_run(name)
    assert caught.value.field == "policy"


@pytest.mark.parametrize("position", [-1, 12])
def test_a_position_out_of_range_is_a_value_error(position, scratch_registry):
    @register_policy("test-out-of-range")
    class OutOfRange(Policy):
        def choose(self, job: JobRequest, view: NodeView) -> int:
            return position if position < 0 else len(view) + position

    with pytest.raises(InputError, match="must return an int from 0 to 11"):
        short_run("test-out-of-range")


# --- the view and the estimates the policies share ---


def fake_view(now_s: float, free: list[int], queued: list[int],
              throughput_flops: float = 1e15, free_at_s: list[float] | None = None) -> NodeView:
    """Three candidates (nodes 4, 5, 6) whose ISL groups next reach a station at 100 s, 200 s
    and 300 s past ``after``, and at ``after`` itself once ``after`` >= 1000 s."""
    index = np.array([4, 5, 6])
    arrays = {"free_accelerators": np.array(free), "queued_jobs": np.array(queued),
              "throughput_flops": np.full(3, throughput_flops),
              "free_at_s": np.array(free_at_s if free_at_s is not None else [now_s] * 3)}

    def next_contact(nodes: np.ndarray, after_s: float, only_allowed: bool) -> np.ndarray:
        if after_s >= 1000.0:
            return np.full(len(nodes), after_s)
        return after_s + 100.0 * (nodes - 3) + (0.5 if only_allowed else 0.0)

    return NodeView(now_s, index, arrays, next_contact)


def job(**fields) -> JobRequest:
    base = dict(job_id=0, tenant="t", kind="batch-inference", accelerators=1, work_flop=1e17,
                input_bytes=1e6, output_bytes=1e6, arrival_s=10.0, deadline_s=np.inf, mfu=0.5)
    base.update(fields)
    return JobRequest(**base)


def test_view_contact_times_take_one_time_per_candidate():
    view = fake_view(10.0, [1, 1, 1], [0, 0, 0])
    np.testing.assert_allclose(view.next_contact_s(), [110.0, 210.0, 310.0])
    np.testing.assert_allclose(view.next_downlink_s(50.0), [150.5, 250.5, 350.5])
    np.testing.assert_allclose(view.next_contact_s(np.array([0.0, 1000.0, 0.0])),
                               [100.0, 1000.0, 300.0])
    with pytest.raises(ValueError):
        view.next_contact_s(np.zeros(2))


def test_estimates_count_the_upload_and_the_backlog():
    view = fake_view(10.0, free=[1, 0, 1], queued=[0, 0, 2], free_at_s=[10.0, 400.0, 250.0])
    request = job()  # 1e17 FLOP at 1e15 x 0.5: 200 s of compute
    assert awaiting_upload(request, view)  # placed at its arrival, input still on the ground
    assert not awaiting_upload(job(kind="eo-processing"), view)  # data born on board
    assert not awaiting_upload(job(input_bytes=0.0), view)
    np.testing.assert_allclose(ready_s(request, view), [110.5, 210.5, 310.5])
    # Compute starts when the input is there and the node has the accelerators, whichever
    # comes later.
    np.testing.assert_allclose(compute_end_s(request, view, 0.0), [210.0, 600.0, 450.0])
    np.testing.assert_allclose(compute_end_s(request, view, ready_s(request, view)),
                               [310.5, 600.0, 510.5])
    with pytest.raises(AttributeError, match="outlook"):
        view.compute_end_s(0.0)


def test_first_fit_places_exactly_as_choosing_position_zero_from_the_view(scratch_registry):
    @register_policy("test-first-via-view")
    class FirstViaView(Policy):
        """fifo without the first_fit shortcut: the engine builds every view."""

        def choose(self, job: JobRequest, view: NodeView) -> int:
            return 0

    assert registry.get_policy("fifo").first_fit and not FirstViaView.first_fit
    shortcut, viewed = short_run("fifo"), short_run("test-first-via-view")
    pd.testing.assert_frame_equal(shortcut.jobs, viewed.jobs)
    assert shortcut.summary["jobs_done"] > 0


def test_one_policy_resolution_one_wording(tmp_path, capsys):
    """validate, run and sweep resolve a policy through one function and word its error
    alike (only the source in front differs)."""
    from orbitsim.cli import main
    from orbitsim.policies.registry import resolve_policy

    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nconstellation = "starcloud-demo"\npolicy = "fifoo"\n')
    with pytest.raises(InputError) as caught:
        resolve_policy("fifoo", source=path)
    expected = str(caught.value).removeprefix(f"{path}: ")
    assert expected.startswith("policy: unknown policy 'fifoo'")
    assert expected.endswith("did you mean 'fifo'?")
    lines = []
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")],
                 ["run", "starcloud-demo", "--policy", "fifoo", "--out", str(tmp_path / "o")],
                 ["sweep", "starcloud-demo", "--param", "policy=fifo,fifoo", "--out",
                  str(tmp_path / "w")]):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
        lines.append(capsys.readouterr().err.strip())
    sources = [str(path), str(path), "--policy", "--param"]
    for line, source in zip(lines, sources):
        assert line == f"error: {source}: {expected}"
