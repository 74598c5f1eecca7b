"""Partitioned runs: one ISL group a partition, the same jobs.parquet bytes in one process, on
a local Dask cluster of three and on an external scheduler with two workers; the coupling the
dispatcher ignores, measured against the single simulation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from orbitsim.model.scenario import load_scenario
from orbitsim.results import write_parquet
from orbitsim.sim.partition import dispatch, group_members, simulate_partitioned
from orbitsim.sim.run import simulate

SCENARIO = Path(__file__).parent / "data" / "partition" / "three-shells-run.toml"
pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def in_process(scenario, tmp_path_factory):
    run = simulate_partitioned(scenario, partitions=1)
    path = tmp_path_factory.mktemp("p1") / "jobs.parquet"
    write_parquet(run.jobs, path)
    return run, path.read_bytes()


def test_dispatcher_is_seeded_and_weighted():
    drawn = dispatch(30_000, np.array([1.0, 2.0, 1.0]), seed=3)
    np.testing.assert_array_equal(drawn, dispatch(30_000, np.array([1.0, 2.0, 1.0]), seed=3))
    shares = np.bincount(drawn) / len(drawn)
    np.testing.assert_allclose(shares, [0.25, 0.5, 0.25], atol=0.01)
    members = group_members(np.array([2, 0, 1, 0, 2]))
    assert [m.tolist() for m in members] == [[1, 3], [2], [0, 4]]


def test_every_job_of_every_group_is_accounted_for(in_process):
    run, _ = in_process
    s = run.summary
    assert s["partitions"]["groups"] == 3
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"] > 1500
    assert s["jobs_lost"] == 0 and s["governance_violations"] == 0
    assert run.jobs["job_id"].tolist() == list(range(len(run.jobs)))
    assert sorted(run.nodes["node"]) == list(range(72))
    # a job runs on a node of the group it was dispatched to
    started = run.jobs[run.jobs["node"] >= 0]
    np.testing.assert_array_equal(started["group"].to_numpy(),
                                  started["node"].to_numpy() // 24)


def test_coupling_ignored_is_small(scenario, in_process):
    """The single simulation may move a job to another shell; the dispatcher does not. On this
    scenario (~65 % busy): the same jobs done, utilisation within 0.1 %, p95 latency within
    5 %."""
    run, _ = in_process
    single = simulate(scenario)
    assert run.summary["jobs_total"] == single.summary["jobs_total"]
    assert run.summary["jobs_done"] == pytest.approx(single.summary["jobs_done"], rel=0.01)
    assert run.summary["utilisation"] == pytest.approx(single.summary["utilisation"], rel=1e-3)
    assert run.summary["latency_p95_s"] == pytest.approx(single.summary["latency_p95_s"],
                                                         rel=0.05)


def test_three_local_processes_give_the_same_bytes(scenario, in_process, tmp_path):
    run = simulate_partitioned(scenario, partitions=3)
    write_parquet(run.jobs, tmp_path / "jobs.parquet")
    assert (tmp_path / "jobs.parquet").read_bytes() == in_process[1]
    assert run.summary["partitions"]["scheduler"] == "local cluster"


def test_an_external_scheduler_with_two_workers_gives_the_same_bytes(scenario, in_process,
                                                                      tmp_path):
    """`dask scheduler` and two `dask worker` processes on loopback, reached by address."""
    file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard", "--scheduler-file",
                                  str(file)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    workers = None
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        workers = subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nworkers", "2",
                                    "--nthreads", "1", "--no-dashboard"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                   start_new_session=True)
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        run = simulate_partitioned(scenario, scheduler=address)
        write_parquet(run.jobs, tmp_path / "jobs.parquet")
        assert (tmp_path / "jobs.parquet").read_bytes() == in_process[1]
    finally:
        for process in (workers, scheduler):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)


def test_run_command_takes_partitions(tmp_path, capsys, in_process):
    from orbitsim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["run", str(SCENARIO), "--partitions", "1", "--json", "--out", str(tmp_path / "r")])
    assert exit_.value.code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["partitions"] == {"groups": 3, "partitions": 1, "scheduler": "in process"}
    assert (tmp_path / "r" / "jobs.parquet").read_bytes() == in_process[1]


@pytest.mark.parametrize("extra, refused", [
    ({"isl": "mesh"}, 'isl = "mesh"'),
    ({"isl": "none"}, 'isl = "none"'),
    ({"hardware_groups": [{"name": "h200", "nodes": ["0-3"], "hardware": "starlink-compute"}]},
     "hardware_groups"),
    ({"governance": {"monitoring_bytes_per_node_hour": 1e6}}, "governance rules"),
])
def test_what_a_partitioned_run_cannot_split_is_refused(scenario, extra, refused):
    from orbitsim.errors import InputError
    from orbitsim.model.scenario import Scenario

    data = scenario.model_dump(mode="json") | extra
    changed = Scenario.model_validate(data | {"base_dir": scenario.base_dir})
    with pytest.raises(InputError, match=refused):
        simulate_partitioned(changed, partitions=1)
