"""Transfers over the laser mesh (isl = "mesh"): paths, light time, shared link capacity,
splits and deferrals, cut and failed links, relays; and runs of starcloud-demo with the mesh on.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orbitsim.geometry.isl import Mesh
from orbitsim.kernels.linkbudget import SPEED_OF_LIGHT_M_S
from orbitsim.model.scenario import IslCut, NodeFailure, Scenario, load_scenario
from orbitsim.sim.mesh_transport import MeshTransport, passes_until_failure
from orbitsim.sim.prepare import MeshInputs, one_relay_at_a_time
from orbitsim.sim.run import simulate

C_KM_S = SPEED_OF_LIGHT_M_S / 1000.0
STEP_S = 60.0


def ring(n_steps: int = 3, rate_bps: float = 8_000.0, hop_delay_s: float = 0.0,
         ranges_km=(1000.0, 1000.0, 3000.0, 3000.0)) -> MeshInputs:
    """Four satellites in a ring 0-1-2-3-0, every link up at every step; links 0-1 and 1-2
    short, 2-3 and 3-0 long, so 0 -> 2 goes through 1 while it can. 1,000 bytes a second
    (8,000 bit/s): 60,000 bytes a link-step."""
    links = np.array([[0, 1], [1, 2], [2, 3], [0, 3]])
    n_links = len(links)
    mesh = Mesh(n_sats=4, seconds=np.arange(n_steps) * STEP_S, links=links,
                kind=np.zeros(n_links, dtype=np.int8),
                offsets=np.arange(n_steps + 1) * n_links,
                link=np.tile(np.arange(n_links), n_steps),
                range_km=np.tile(np.asarray(ranges_km, dtype=float), n_steps),
                nominal_rate_bps=rate_bps)
    positions = np.zeros((4, n_steps, 3), dtype=np.float32)
    positions[:, :, 0] = 7000.0
    return MeshInputs(mesh=mesh, positions_km=positions,
                      station_ecef_km=np.array([[6378.0, 0.0, 0.0]]),
                      names=["A", "B", "C", "D"], n_nodes=4, rate_bps=rate_bps,
                      hop_delay_s=hop_delay_s)


def paths(transport: MeshTransport) -> list[str]:
    return transport.frame()["path"].astype(str).tolist()


def test_a_leg_takes_the_delay_shortest_path_with_light_time_and_hop_delay():
    transport = MeshTransport(ring(hop_delay_s=0.001), horizon_s=180.0)
    arrival = transport.send(7, 0, 0, 2, 1_000.0, 10.0)
    # 1,000 bytes at 1,000 bytes/s, then 2,000 km of light and two hops.
    assert arrival == pytest.approx(10.0 + 1.0 + 2000.0 / C_KM_S + 0.002, abs=1e-12)
    frame = transport.frame()
    assert paths(transport) == ["A > B > C"]
    assert frame.loc[0, ["job_id", "hops"]].tolist() == [7, 2]
    assert frame.loc[0, "direction"] == "up" and frame.loc[0, "bytes"] == 1_000.0
    assert transport.send(8, 1, 3, 3, 5.0, 20.0) == 20.0  # already there: no leg


def test_a_full_link_splits_the_rest_onto_the_next_path_then_defers_it():
    transport = MeshTransport(ring(), horizon_s=180.0)
    # 150,000 bytes from t = 0: 60,000 through B (fills A-B and B-C), 60,000 through D
    # (fills A-D and D-C), the last 30,000 through B in the next step.
    arrival = transport.send(1, 0, 0, 2, 150_000.0, 0.0)
    frame = transport.frame()
    assert paths(transport) == ["A > B > C", "A > D > C", "A > B > C"]
    assert frame["bytes"].tolist() == [60_000.0, 60_000.0, 30_000.0]
    assert frame["start_s"].tolist() == [0.0, 0.0, 60.0]
    assert arrival == pytest.approx(90.0 + 2000.0 / C_KM_S)
    assert transport.split_legs == 1 and transport.deferred_legs == 1
    links = transport.link_frame()
    assert links["peak_step_utilisation"].max() == pytest.approx(1.0)
    # Nothing can cross the ring before the second step now: the next leg waits for it.
    later = transport.send(2, 0, 1, 3, 1_000.0, 5.0)
    assert later >= 90.0 and transport.deferred_legs == 2
    booked = np.frombuffer(transport.booked)
    assert np.all(booked <= np.frombuffer(transport.capacity) * (1 + 1e-12))


def test_bytes_booked_on_a_link_queue_behind_the_earlier_ones():
    transport = MeshTransport(ring(), horizon_s=180.0)
    first = transport.send(1, 0, 0, 1, 30_000.0, 0.0)  # A-B busy until 30 s
    second = transport.send(2, 0, 0, 1, 1_000.0, 10.0)
    assert first == pytest.approx(30.0 + 1000.0 / C_KM_S)
    assert second == pytest.approx(31.0 + 1000.0 / C_KM_S)


def test_a_cut_satellite_carries_nothing_during_any_step_its_cut_touches():
    transport = MeshTransport(ring(), horizon_s=180.0, cuts=[(1, 30.0, 70.0)])
    transport.send(1, 0, 0, 2, 1_000.0, 0.0)    # step 0: B cut from 30 s
    transport.send(2, 0, 0, 2, 1_000.0, 61.0)   # step 1: still cut until 70 s
    transport.send(3, 0, 0, 2, 1_000.0, 125.0)  # step 2: B back
    assert paths(transport) == ["A > D > C", "A > D > C", "A > B > C"]
    # B itself is unreachable while cut: its leg waits for the step after the cut.
    transport = MeshTransport(ring(), horizon_s=180.0, cuts=[(1, 30.0, 70.0)])
    arrival = transport.send(4, 1, 1, 0, 1_000.0, 0.0)
    assert arrival >= 120.0 and transport.frame()["start_s"].iloc[-1] == 120.0


def test_a_failed_satellite_takes_its_links_with_it():
    transport = MeshTransport(ring(), horizon_s=180.0, failure_s=[np.inf, 100.0, np.inf,
                                                                  np.inf])
    transport.send(1, 0, 0, 2, 1_000.0, 0.0)
    transport.send(2, 0, 0, 2, 1_000.0, 61.0)  # B fails during step 1
    assert paths(transport) == ["A > B > C", "A > D > C"]
    assert transport.send(3, 0, 0, 1, 1_000.0, 61.0) == math.inf  # never reaches B


def test_a_leg_that_cannot_end_before_the_horizon_never_arrives():
    transport = MeshTransport(ring(rate_bps=8.0), horizon_s=180.0)  # 1 byte/s
    assert transport.send(1, 0, 0, 1, 1e6, 0.0) == math.inf


def test_ground_light_time_is_the_interpolated_slant_range():
    inputs = ring()
    inputs.positions_km[0, 1] = [7000.0, 600.0, 0.0]
    transport = MeshTransport(inputs, horizon_s=180.0)
    # Half-way between steps 0 and 1: (7000, 300, 0) against the station at (6378, 0, 0).
    assert transport.light_s(0, 0, 30.0) == pytest.approx(math.hypot(622.0, 300.0) / C_KM_S)


def test_a_failed_satellites_passes_end_at_its_failure():
    contacts = pd.DataFrame({"sat_index": [0, 1, 1], "station_index": [0, 0, 0],
                             "start_s": [0.0, 0.0, 500.0], "end_s": [100.0, 100.0, 600.0],
                             "bytes_capacity": [10.0, 10.0, 10.0]})
    kept = passes_until_failure(contacts, np.array([np.inf, 40.0]))
    assert kept["sat_index"].tolist() == [0, 1]
    assert kept["end_s"].tolist() == [100.0, 40.0]
    assert kept["bytes_capacity"].tolist() == [10.0, 4.0]


def test_a_station_tracks_one_relay_at_a_time():
    contacts = pd.DataFrame({"sat_index": [0, 1, 2, 3, 4], "station_index": [0, 0, 0, 0, 1],
                             "start_s": [0.0, 10.0, 50.0, 300.0, 20.0],
                             "end_s": [100.0, 200.0, 150.0, 400.0, 60.0],
                             "bytes_capacity": [100.0, 190.0, 100.0, 100.0, 40.0]})
    kept = one_relay_at_a_time(contacts)
    station0 = kept[kept.station_index == 0]
    # 0 from 0 s, at 10 s still on 0 (until 100 s), then 1 (longest in view) to 200 s, then
    # nothing until 3 comes up; 2 is never needed.
    assert station0["sat_index"].tolist() == [0, 1, 3]
    assert station0["start_s"].tolist() == [0.0, 100.0, 300.0]
    assert station0["end_s"].tolist() == [100.0, 200.0, 400.0]
    assert station0["bytes_capacity"].tolist() == pytest.approx([100.0, 100.0, 100.0])
    assert kept[kept.station_index == 1]["sat_index"].tolist() == [4]


# --- runs of starcloud-demo with the mesh on ----------------------------------------------------

HOURS = 1.0


def demo(**changes):
    scenario = load_scenario("starcloud-demo").model_copy(
        update={"isl": "mesh", "hours": HOURS, **changes})
    return simulate(scenario, reuse_geometry=True)


@pytest.fixture(scope="module")
def mesh_run():
    return demo()


def test_a_mesh_run_reports_isl_bytes_busiest_link_and_latency_with_the_path(mesh_run):
    s, jobs = mesh_run.summary, mesh_run.jobs
    isl = mesh_run.result.isl_transfers
    assert s["isl_mode"] == "mesh" and s["isl_rate_bps"] == 100e9
    assert s["isl_bytes"] == pytest.approx(isl["bytes"].sum()) and s["isl_bytes"] > 1e10
    assert s["isl_link_bytes"] == pytest.approx((isl["bytes"] * isl["hops"]).sum())
    busiest = s["isl_busiest_link"]
    links = mesh_run.result.isl_links
    assert busiest["bytes"] == links["bytes"].max()
    assert 0 < s["isl_busiest_link_utilisation"] == busiest["utilisation"] < 0.01
    assert s["isl_legs_deferred"] == 0  # 100 Gbit/s links never fill here
    # Latency includes the path: every finished job's latency covers its mesh legs, and the
    # interactive requests whose data crossed the mesh took its light time.
    done = jobs[jobs.status == "done"]
    assert (done.latency_s >= done.isl_s).all()
    chat = done[done.kind == "latency-inference"]
    crossed = chat[chat.isl_s > 0]
    assert len(crossed) > 0.5 * len(chat)
    shortest_hop_s = mesh_run.inputs.mesh.mesh.range_km.min() / C_KM_S
    assert crossed.isl_s.min() >= shortest_hop_s > 1e-3
    assert s["by_kind"]["latency-inference"]["latency_p50_s"] > 0
    for key in ("latency_p50_s", "latency_p95_s", "latency_p99_s"):
        assert s[key] > 0
    assert "arrival_utc" in mesh_run.isl_transfers.columns  # datetimes beside the seconds


def test_mesh_legs_are_consistent_with_jobs_and_passes(mesh_run):
    jobs = mesh_run.jobs.set_index("job_id")
    isl = mesh_run.result.isl_transfers
    # Uploads reach the job's node before it computes; downloads leave it after.
    up = isl[isl.direction == "up"].groupby("job_id").arrival_s.max()
    started = jobs.loc[up.index]
    started = started[started.start_s.notna()]
    assert (started.start_s >= up.loc[started.index] - 1e-9).all()
    names = mesh_run.inputs.mesh.names
    up_rows = isl[(isl.direction == "up") & isl.job_id.isin(started.index)]
    assert (up_rows.destination.astype(str).to_numpy()
            == np.asarray(names)[jobs.loc[up_rows.job_id, "node"].to_numpy()]).all()
    down = isl[isl.direction == "down"]
    assert (down.start_s >= jobs.loc[down.job_id, "compute_end_s"].to_numpy() - 1e-9).all()
    # The ground leg of a download starts once its data is on the pass's satellite.
    transfers = mesh_run.result.transfers
    first_down = transfers[transfers.direction == "down"].groupby("job_id").start_s.min()
    reached = down.groupby("job_id").arrival_s.max()
    both = reached.index.intersection(first_down.index)
    assert (first_down.loc[both] >= reached.loc[both] - 1e-9).all()


def test_one_megabit_links_bind_and_latency_rises(mesh_run):
    slow = demo(isl_rate_bps=1e6, hours=0.5)
    s, fast = slow.summary, mesh_run.summary
    assert s["isl_busiest_link_utilisation"] > 0.9
    assert s["isl_peak_step_utilisation"] == pytest.approx(1.0)
    assert s["isl_legs_deferred"] > 0 and s["isl_legs_split"] > 0
    booked = slow.result.isl_links
    assert (booked["peak_step_utilisation"] <= 1.0 + 1e-9).all()
    chat_slow = s["by_kind"]["latency-inference"]["latency_p50_s"]
    chat_fast = fast["by_kind"]["latency-inference"]["latency_p50_s"]
    assert chat_slow > 100 * chat_fast
    assert s["jobs_done"] / s["jobs_total"] < fast["jobs_done"] / fast["jobs_total"]


def transit(isl: pd.DataFrame, name: str) -> pd.Series:
    """Pieces whose path crosses satellite ``name`` (as a relay, not an end)."""
    inner = isl["path"].astype(str).str.split(" > ").map(lambda nodes: nodes[1:-1])
    return inner.map(lambda nodes: name in nodes)


def test_cutting_a_nodes_links_reroutes_traffic_through_others(mesh_run):
    isl = mesh_run.result.isl_transfers
    names = mesh_run.inputs.mesh.names
    start_s, end_s = 900.0, 2700.0
    window = (isl.start_s < end_s) & (isl.arrival_s > start_s)
    # The satellite that relays the most traffic in the window, cut over the window.
    relayed = {name: int((transit(isl, name) & window).sum()) for name in names}
    busiest = max(relayed, key=relayed.get)
    node = names.index(busiest)
    assert relayed[busiest] > 10
    cut = demo(isl_cuts=(IslCut(node=node, start_s=start_s, end_s=end_s),))
    after = cut.result.isl_transfers
    window_after = (after.start_s < end_s) & (after.arrival_s > start_s)
    touches = after["path"].astype(str).str.split(" > ").map(lambda nodes: busiest in nodes)
    assert not (touches & window_after).any()  # no transfer crosses a cut link
    # The traffic went around it: legs whose old path went through it still crossed the mesh.
    pairs = set(zip(isl.loc[transit(isl, busiest) & window, "source"].astype(str),
                    isl.loc[transit(isl, busiest) & window, "destination"].astype(str)))
    rerouted = after[window_after & pd.Series([(a, b) in pairs for a, b in zip(
        after.source.astype(str), after.destination.astype(str))], index=after.index)]
    assert len(rerouted) > 0 and (rerouted.hops >= 2).all()
    assert cut.summary["jobs_done"] >= 0.95 * mesh_run.summary["jobs_done"]
    # Outside the window it relays again.
    assert (transit(after, busiest) & ~window_after).any()


def test_a_failed_node_carries_nothing_after_its_failure(mesh_run):
    isl = mesh_run.result.isl_transfers
    names = mesh_run.inputs.mesh.names
    relayed = {name: int(transit(isl, name).sum()) for name in names}
    busiest = max(relayed, key=relayed.get)
    at_s = 900.0
    failed = demo(fail_nodes=(NodeFailure(node=names.index(busiest), at_s=at_s),))
    after = failed.result.isl_transfers
    touches = after["path"].astype(str).str.split(" > ").map(lambda nodes: busiest in nodes)
    assert touches.any() and not (touches & (after.end_s > at_s)).any()
    assert ((after.end_s > at_s) & (after.hops >= 2)).any()  # the others relay instead
    s = failed.summary
    assert s["nodes_failed_injected"] == 1
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    passes = failed.result.transfers
    assert not ((passes.sat_index == names.index(busiest)) & (passes.end_s > at_s)).any()


def test_grid_runs_echo_no_mesh_setting():
    scenario = load_scenario("starcloud-demo")
    assert "isl_rate_bps" not in scenario.model_dump()
    assert "isl_rate_bps" in scenario.model_copy(update={"isl": "mesh"}).model_dump()


def test_a_relay_constellation_carries_the_nodes_traffic():
    from pathlib import Path

    scenario = Path(__file__).parent / "data" / "scenarios" / "mesh-relay.toml"
    run = simulate(str(scenario))
    s = run.summary
    assert s["relay_constellation"] == "relay-shell" and s["relay_satellites"] == 48
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    assert s["governance_violations"] == 0
    isl, links = run.result.isl_transfers, run.result.isl_links
    relays = set(run.inputs.mesh.names[run.inputs.n_nodes:])
    through = isl["path"].astype(str).str.split(" > ").map(lambda nodes: bool(relays & set(nodes)))
    assert through.any()
    assert links.loc[links.kind == "inter-group", "bytes"].sum() > 0
    # Relays' passes carried ground bytes; jobs' data still lands on and leaves from nodes.
    transfers = run.result.transfers
    relayed = transfers.sat_index >= run.inputs.n_nodes
    assert s["relay_ground_bytes"] == pytest.approx(transfers.bytes[relayed].sum())
    assert s["relay_ground_bytes"] > 0
    jobs = run.jobs
    assert (jobs.node.dropna() < run.inputs.n_nodes).all()
    # Each relay-landed upload crossed the mesh to its node before the job started.
    landed = transfers[relayed & (transfers.direction == "up")].job_id.unique()
    started = jobs.set_index("job_id").loc[landed].start_s.dropna()
    up = isl[isl.direction == "up"].groupby("job_id").arrival_s.max()
    crossed = started.index.intersection(up.index)
    assert len(crossed) and (started.loc[crossed] >= up.loc[crossed] - 1e-9).all()


def test_orbitsim_run_writes_the_mesh_tables(tmp_path, capsys):
    import json
    from pathlib import Path

    from orbitsim import cli

    scenario = tmp_path / "mesh.toml"
    scenario.write_text('name = "mesh"\nconstellation = "starcloud-demo"\nhours = 0.25\n'
                        'isl = "mesh"\nisl_rate_bps = 1e9\n')
    out = tmp_path / "out"
    try:
        cli.main(["run", str(scenario), "--out", str(out)])
    except SystemExit as exc:
        assert exc.code in (0, None)
    printed = capsys.readouterr().out
    assert "isl_bytes" in printed and "busiest laser link" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"]["isl_rate_bps"] == 1e9 and summary["isl_bytes"] > 0
    isl = pd.read_parquet(out / "isl_transfers.parquet")
    assert list(isl.columns[:10]) == ["job_id", "direction", "source", "destination",
                                     "start_s", "end_s", "arrival_s", "bytes", "hops", "path"]
    assert isl["bytes"].sum() == pytest.approx(summary["isl_bytes"])
    links = pd.read_parquet(out / "isl_links.parquet")
    assert len(links) == summary["isl_links"] == 56
    assert "isl_s" in pd.read_parquet(out / "jobs.parquet").columns
    assert Path(out / "transfers.parquet").exists()


def test_jobs_whose_input_cannot_reach_their_node_are_counted_and_warned_about(mesh_run):
    """export-shell-48 (8 satellites a plane at 550 km, 45 deg apart): its in-plane links
    never clear the Earth by 80 km, so most inputs cannot cross the mesh; the jobs holding
    nodes for them to the horizon are counted (``isl_jobs_stranded``) and the run warns."""
    from orbitsim.commands.run import stranded_warning

    scenario = Scenario.model_validate({
        "name": "cut-off", "constellation": "export-shell-48", "ground_network": "compute-hubs",
        "workload": "export-terms", "hardware": "starlink-compute", "isl": "mesh",
        "hours": 0.5, "seed": 7})
    run = simulate(scenario)
    s, jobs, links = run.summary, run.jobs, run.result.isl_links
    in_plane = links[links["kind"] == "in-plane"]
    assert len(in_plane) and (in_plane["up_s"] == 0).all()
    assert s["isl_links_never_up"] == int((links["up_s"] <= 0).sum()) >= len(in_plane)
    assert s["isl_jobs_stranded"] > 0
    held = jobs[(jobs.status == "pending") & (jobs.node >= 0) & jobs.start_s.isna()]
    assert len(held) >= s["isl_jobs_stranded"]
    line = stranded_warning(s)
    assert line is not None and f"{s['isl_jobs_stranded']:,} of" in line
    assert mesh_run.summary["isl_jobs_stranded"] == 0
    assert stranded_warning(mesh_run.summary) is None
