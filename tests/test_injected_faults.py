"""Injected faults (scenario ``fail_nodes`` and ``station_outages``): no job is silently lost and
the summary counts each fault and its cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orbitsim.errors import InputError
from orbitsim.model.scenario import load_scenario
from orbitsim.sim.prepare import apply_station_outages, inject_node_failures
from orbitsim.sim.run import simulate

HOURS = 3.0
STATION = "KSAT SvalSat"  # the busiest station of the commercial network for this orbit


def _scenario(tmp_path, extra: str, name: str = "faults.toml"):
    path = tmp_path / name
    path.write_text(f'name = "injected"\nconstellation = "starcloud-demo"\n'
                    f'ground_network = "commercial"\nworkload = "inference-mixed"\n'
                    f'hours = {HOURS}\nseed = 7\nfaults = false\n{extra}\n', encoding="utf-8")
    return load_scenario(path)


def _assert_every_job_accounted(run) -> None:
    jobs = run.jobs
    assert set(jobs["status"]) <= {"done", "failed", "pending"}
    assert (jobs.loc[jobs["status"] == "failed", "reason"] != "").all()
    pending = jobs[jobs["status"] == "pending"]
    assert pending["stage"].isin(["upload", "queue", "compute", "download"]).all()
    assert pending["reason"].str.startswith("horizon reached during").all()
    s = run.summary
    assert s["jobs_total"] == len(jobs) == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return simulate(_scenario(tmp_path_factory.mktemp("base"), ""))


def test_baseline_has_no_fault(baseline):
    s = baseline.summary
    assert s["nodes_failed"] == 0 and s["faults"] == 0 and s["flop_lost_to_faults"] == 0.0
    assert s["nodes_failed_injected"] == 0 and s["station_outage_s"] == 0.0


@pytest.mark.parametrize("destroy", [False, True])
def test_failed_node_requeues_or_fails_its_jobs(tmp_path, baseline, destroy):
    at_s = 3600.0
    run = simulate(_scenario(tmp_path, f"faults_destroy_jobs = {str(destroy).lower()}\n"
                                       f"fail_nodes = [{{node = 3, at_s = {at_s}}}]"))
    _assert_every_job_accounted(run)
    s, jobs = run.summary, run.jobs
    assert s["nodes_failed"] == 1 and s["nodes_failed_injected"] == 1
    assert not run.nodes.loc[run.nodes["node"] == 3, "alive"].item()
    # Nothing computes on the dead node after its failure.
    on_dead = jobs[(jobs["node"] == 3) & (jobs["status"] == "done")]
    assert (on_dead["compute_end_s"] <= at_s + 1e-6).all()
    # The jobs it was running lost their work since the last checkpoint, and that is counted.
    assert s["flop_lost_to_faults"] > 0.0
    assert s["flop_lost_to_faults"] == pytest.approx(jobs["lost_flop"].sum())
    killed = jobs[jobs["reason"].str.contains("node failed", regex=False)]
    if destroy:
        assert len(killed) > 0 and killed["lost"].all()
        assert s["jobs_lost"] == len(killed)
        assert (killed["node"] == 3).all()
    else:
        assert len(killed) == 0 and s["jobs_lost"] == 0
        # Requeued jobs ran again on another node of the group.
        hit = jobs[(jobs["lost_flop"] > 0) & (jobs["status"] == "done")]
        assert len(hit) > 0 and (hit["node"] != 3).all()
    assert s["jobs_total"] == baseline.summary["jobs_total"]


def test_injected_failure_after_the_horizon_is_not_counted(tmp_path):
    run = simulate(_scenario(tmp_path, f"fail_nodes = [{{node = 0, at_s = {HOURS * 7200}}}]"))
    assert run.summary["nodes_failed"] == 0 and run.summary["nodes_failed_injected"] == 0


def test_station_outage_removes_its_passes_in_the_window(tmp_path, baseline):
    start_s, end_s = 3600.0, 7200.0
    run = simulate(_scenario(tmp_path, f'station_outages = [{{station = "{STATION}", '
                                       f'start_s = {start_s}, end_s = {end_s}}}]'))
    _assert_every_job_accounted(run)
    assert run.summary["station_outage_s"] == end_s - start_s
    contacts = run.inputs.contacts
    mine = contacts[contacts["station"] == STATION]
    assert not ((mine["start_s"] < end_s) & (mine["end_s"] > start_s)).any()
    base = baseline.inputs.contacts
    base_mine = base[base["station"] == STATION]
    assert ((base_mine["start_s"] < end_s) & (base_mine["end_s"] > start_s)).any()
    # Other stations keep every pass.
    assert len(contacts[contacts["station"] != STATION]) == len(base[base["station"] != STATION])
    station_index = run.inputs.network.names.index(STATION)
    transfers = run.result.transfers
    used = transfers[transfers["station_index"] == station_index]
    assert not ((used["start_s"] < end_s - 1e-6) & (used["end_s"] > start_s + 1e-6)).any()
    assert run.summary["jobs_total"] == baseline.summary["jobs_total"]


def test_whole_network_outage_leaves_jobs_pending_not_lost(tmp_path):
    names = simulate(_scenario(tmp_path, "", "probe.toml"), hours=0.1).inputs.network.names
    outages = ", ".join(f'{{station = "{n}", start_s = 0, end_s = {HOURS * 3600}}}'
                        for n in names)
    run = simulate(_scenario(tmp_path, f"station_outages = [{outages}]"))
    _assert_every_job_accounted(run)
    jobs = run.jobs
    assert len(run.inputs.contacts) == 0 and len(run.result.transfers) == 0
    ground = jobs["kind"] != "eo-processing"
    assert (jobs.loc[ground, "status"] == "pending").all()
    assert (jobs.loc[ground, "stage"] == "upload").all()
    assert run.summary["jobs_done"] == 0


def _passes() -> pd.DataFrame:
    return pd.DataFrame({"station": ["A", "A", "B"], "station_index": [0, 0, 1],
                         "sat_index": [0, 1, 0], "start_s": [100.0, 500.0, 100.0],
                         "end_s": [400.0, 800.0, 400.0], "duration_s": [300.0, 300.0, 300.0],
                         "bytes_capacity": [3e9, 3e9, 3e9]})


class _Outage:
    def __init__(self, station: str, start_s: float, end_s: float) -> None:
        self.station, self.start_s, self.end_s = station, start_s, end_s


def test_apply_station_outages_splits_and_scales_straddling_passes():
    out = apply_station_outages(_passes(), ["A", "B"], [_Outage("A", 200.0, 600.0)])
    a = out[out["station"] == "A"].sort_values("start_s")
    assert a[["start_s", "end_s"]].to_numpy().tolist() == [[100.0, 200.0], [600.0, 800.0]]
    # Mean rate kept: 1e7 B/s over the kept seconds.
    np.testing.assert_allclose(a["bytes_capacity"], [1e9, 2e9])
    np.testing.assert_allclose(a["duration_s"], [100.0, 200.0])
    assert len(out[out["station"] == "B"]) == 1


def test_apply_station_outages_middle_cut_keeps_both_sides():
    out = apply_station_outages(_passes(), ["A", "B"], [_Outage("B", 200.0, 300.0)])
    b = out[out["station"] == "B"].sort_values("start_s")
    assert b[["start_s", "end_s"]].to_numpy().tolist() == [[100.0, 200.0], [300.0, 400.0]]
    assert b["bytes_capacity"].sum() == pytest.approx(2e9)


def test_unknown_station_and_node_are_input_errors():
    with pytest.raises(InputError, match="no station named"):
        apply_station_outages(_passes(), ["A", "B"], [_Outage("C", 0.0, 1.0)])

    class _Failure:
        node, at_s = 5, 0.0

    with pytest.raises(InputError, match="node 5 does not exist"):
        inject_node_failures(None, 3, [_Failure()], 60.0)


def test_scenario_validates_fault_fields(tmp_path):
    with pytest.raises(InputError) as error:
        _scenario(tmp_path, 'station_outages = [{station = "X", start_s = 10, end_s = 5}]')
    assert "station_outages" in str(error.value)
    with pytest.raises(InputError) as error:
        _scenario(tmp_path, "fail_nodes = [{node = -1, at_s = 0}]")
    assert "fail_nodes" in str(error.value)
    with pytest.raises(InputError):
        _scenario(tmp_path, "fail_nodes = [{node = 1, at_s = 0, extra = 1}]")


# --- ISL cuts ------------------------------------------------------------------------------------

CUT_NODE = 5


def test_isl_cut_isolates_a_node_from_its_group(tmp_path, baseline):
    start_s, end_s = 3600.0, 7200.0
    run = simulate(_scenario(tmp_path, f"isl_cuts = [{{node = {CUT_NODE}, start_s = {start_s}, "
                                       f"end_s = {end_s}}}]"))
    _assert_every_job_accounted(run)
    jobs, transfers = run.jobs, run.result.transfers
    assert run.summary["isl_cuts"] == 1 and run.summary["isl_cut_s"] == end_s - start_s
    # The baseline relays through the node's passes during that hour; the cut run does not,
    # except for the node's own results going down.
    base = baseline.result.transfers
    assert ((base.sat_index == CUT_NODE) & (base.end_s > start_s) & (base.start_s < end_s)).any()
    during = transfers[(transfers.sat_index == CUT_NODE) & (transfers.end_s > start_s + 1e-9)
                       & (transfers.start_s < end_s - 1e-9)]
    node_of_job = jobs.set_index("job_id").node
    assert (during.direction == "down").all()
    assert (node_of_job.reindex(during.job_id).to_numpy() == CUT_NODE).all()
    # ... and its own results use only its own passes while it is cut off.
    own = transfers[(transfers.direction == "down")
                    & (node_of_job.reindex(transfers.job_id).to_numpy() == CUT_NODE)
                    & (transfers.end_s > start_s + 1e-9) & (transfers.start_s < end_s - 1e-9)]
    assert (own.sat_index == CUT_NODE).all()
    # No queued job starts on the cut node during the cut.
    started = jobs[(jobs.node == CUT_NODE) & (jobs.start_s > start_s) & (jobs.start_s < end_s)]
    assert len(started) == 0
    assert (jobs.node == CUT_NODE).sum() > 0  # it works before and after
    assert run.summary["governance_violations"] == 0


def test_isl_cut_of_a_whole_run_keeps_the_node_idle(tmp_path):
    run = simulate(_scenario(tmp_path, f"isl_cuts = [{{node = {CUT_NODE}, start_s = 0, "
                                       f"end_s = {HOURS * 3600}}}]"))
    _assert_every_job_accounted(run)
    assert run.nodes.set_index("node").busy_accelerator_s[CUT_NODE] == 0.0
    assert not (run.result.transfers.sat_index == CUT_NODE).any()


def test_isl_cut_of_an_unknown_node_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="node 99 does not exist"):
        simulate(_scenario(tmp_path, "isl_cuts = [{node = 99, start_s = 0, end_s = 60}]"))
