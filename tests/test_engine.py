"""The simulation engine: conservation, determinism, queueing theory, governance."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
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
