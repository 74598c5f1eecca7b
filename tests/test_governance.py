"""Governance rules in the simulation (sim/governance, sim/monitoring, the engine's hooks), on
short runs of a mixed H100/H200 shell with physics and faults off (so that a job computes at
exactly its full rate whenever it is not paused):

- no job of a tenant runs on an accelerator type its licence forbids (read from jobs.parquet);
  a tenant with no licensed node fails with the reason; refusals are counted;
- during a remote-suspend window no affected job computes (each job's compute time is its
  full-speed time plus the window it overlapped, and none starts inside it); kill mode loses
  the work since the last checkpoint;
- no geofenced job computes while its node's sub-satellite point is inside the region, checked
  with Skyfield's own propagation of the node and matplotlib's point-in-polygon test;
- the monitoring stream's bytes are in the transfer log, land only where allowed, and take
  exactly that much capacity from the tenants' passes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orbitsim.sim.governance import LICENCE_REASON
from orbitsim.sim.run import simulate

PEAK_FLOPS = 989.4e12  # BF16 dense of both the H100 SXM and the H200 (data sheets)

WORKLOAD = """
name = "gov"
[[tenants]]
name = "us"
home_country = "US"
[[tenants]]
name = "cn"
home_country = "CN"
[[tenants]]
name = "kz"
home_country = "KZ"
[[tenants]]
name = "ir"
home_country = "IR"
[[job_classes]]
name = "us-batch"
kind = "batch-inference"
tenant = "us"
arrival = {{ process = "poisson", rate_per_hour = {us_rate} }}
work_flop = {{ mean = 2.8e18, sigma = 0.3 }}
accelerators = 8
input_bytes = {{ mean = 1.0e6 }}
output_bytes = {{ mean = 1.0e6 }}
[[job_classes]]
name = "cn-batch"
kind = "batch-inference"
tenant = "cn"
arrival = {{ process = "poisson", rate_per_hour = 30 }}
work_flop = {{ mean = 2.8e18, sigma = 0.3 }}
accelerators = 8
input_bytes = {{ mean = 1.0e6 }}
output_bytes = {{ mean = 1.0e6 }}
checkpoint_interval_s = 300
[[job_classes]]
name = "kz-batch"
kind = "batch-inference"
tenant = "kz"
arrival = {{ process = "poisson", rate_per_hour = 20 }}
work_flop = {{ mean = 2.8e18, sigma = 0.3 }}
accelerators = 8
input_bytes = {{ mean = 1.0e6 }}
output_bytes = {{ mean = 1.0e6 }}
[[job_classes]]
name = "ir-batch"
kind = "batch-inference"
tenant = "ir"
arrival = {{ process = "poisson", rate_per_hour = 4 }}
work_flop = {{ mean = 2.8e17 }}
accelerators = 8
"""

SCENARIO = """
name = "gov"
constellation = "export-shell-48"
ground_network = "compute-hubs"
workload = "wl.toml"
policy = "{policy}"
start_utc = "2026-06-21T00:00:00Z"
hours = {hours}
seed = 3
physics = false
faults = false

[hardware]
base = "starlink-compute"
accelerator = "h100-sxm"

[[hardware_groups]]
name = "h200"
nodes = ["24-47"]
hardware = {{ base = "starlink-compute", accelerator = "h200" }}

[governance]
monitoring_bytes_per_node_hour = {monitoring}
monitoring_countries = ["US"]

[[governance.licences]]
countries = ["CN"]
accelerators = ["h200"]
access = "terms"
monitoring = {monitored}
geofence = [{geofence}]

[[governance.licences]]
countries = ["CN"]
access = "forbidden"

[[governance.licences]]
countries = ["KZ"]
accelerators = ["h200"]
access = "forbidden"

[[governance.licences]]
tenants = ["ir"]
access = "forbidden"
{extra}
"""


def _run(folder: Path, *, hours: float = 3.0, policy: str = "fifo", geofence: str = "",
         monitoring: float = 0.0, extra: str = "", us_rate: float = 40.0):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wl.toml").write_text(WORKLOAD.format(us_rate=us_rate))
    path = folder / "s.toml"
    path.write_text(SCENARIO.format(hours=hours, policy=policy, geofence=geofence,
                                    monitoring=monitoring,
                                    monitored="true" if monitoring else "false", extra=extra))
    return simulate(str(path))


@pytest.fixture(scope="module")
def licensed(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("licences"), us_rate=150.0)


@pytest.mark.parametrize("policy", ["fifo", "round-robin"])
def test_no_job_runs_on_an_accelerator_its_licence_forbids(tmp_path, policy, licensed):
    """Read back from jobs.parquet: the Chinese tenant only on H200, the Kazakh only on H100;
    the tenant forbidden everything fails with the reason; nothing else is refused."""
    from orbitsim.results import write_parquet

    run = licensed if policy == "fifo" else _run(tmp_path / policy, policy=policy,
                                                 us_rate=150.0)
    write_parquet(run.jobs, tmp_path / "jobs.parquet")
    jobs = pd.read_parquet(tmp_path / "jobs.parquet")
    nodes = run.nodes.set_index("node")["accelerator"]
    placed = jobs[jobs["node"] >= 0]
    assert (placed["accelerator"] == nodes.loc[placed["node"]].to_numpy()).all()
    forbidden = {"cn": "h100-sxm", "kz": "h200"}
    for tenant, acc in forbidden.items():
        mine = placed[placed["tenant"] == tenant]
        assert len(mine) > 10 and not (mine["accelerator"] == acc).any(), tenant
    us = placed[placed["tenant"] == "us"]
    assert set(us["accelerator"]) == {"h100-sxm", "h200"}
    ir = jobs[jobs["tenant"] == "ir"]
    assert len(ir) and (ir["status"] == "failed").all()
    assert (ir["reason"] == LICENCE_REASON).all()
    governance = run.summary["governance"]["tenants"]
    assert governance["ir"]["licence_failed"] == len(ir)
    assert run.summary["governance_violations"] == 0
    if policy == "fifo":  # the H100s fill with US work while H200s are free: Kazakh refusals
        assert governance["kz"]["licence_refusals"] > 0
        assert governance["us"]["licence_refusals"] == 0


def test_every_job_is_accounted_for_and_the_run_repeats_byte_for_byte(tmp_path, licensed):
    again = _run(tmp_path, us_rate=150.0)
    pd.testing.assert_frame_equal(licensed.jobs, again.jobs)
    s = licensed.summary
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    assert s["accelerators_total"] == 48 * 8
    assert set(s["hardware_groups"]) == {"h100-sxm", "h200"}


def _full_speed_s(jobs: pd.DataFrame) -> np.ndarray:
    return (jobs["work_flop"] / (jobs["accelerators"] * PEAK_FLOPS * jobs["mfu"])).to_numpy()


@pytest.mark.parametrize("mode", ["pause", "kill"])
def test_no_affected_job_computes_during_a_suspension(tmp_path, mode):
    window = (3600.0, 5400.0)
    extra = (f'[[governance.suspensions]]\nstart_s = {window[0]}\nend_s = {window[1]}\n'
             f'tenants = ["cn"]\nmode = "{mode}"\n')
    run = _run(tmp_path, extra=extra)
    jobs = run.jobs
    cn = jobs[(jobs["tenant"] == "cn") & jobs["compute_end_s"].notna()]
    # no Chinese job starts inside the window; another tenant's do
    assert not ((cn["start_s"] > window[0]) & (cn["start_s"] < window[1])).any()
    us = jobs[jobs["tenant"] == "us"]
    assert ((us["start_s"] > window[0]) & (us["start_s"] < window[1])).any()
    overlap = (np.minimum(cn["compute_end_s"], window[1])
               - np.maximum(cn["start_s"], window[0])).clip(lower=0.0).to_numpy()
    assert (overlap > 0).sum() >= 5  # jobs running when the window opened
    spent = (cn["compute_end_s"] - cn["start_s"]).to_numpy()
    redo_s = (cn["governance_lost_flop"] / (cn["accelerators"] * PEAK_FLOPS
                                            * cn["mfu"])).to_numpy()
    # compute time = full-speed time + the window it sat through (+ work lost and redone):
    # had it computed in the window, it would have ended sooner
    np.testing.assert_allclose(spent, _full_speed_s(cn) + overlap + redo_s, rtol=1e-9,
                               atol=1e-6)
    np.testing.assert_allclose(cn["suspended_s"].to_numpy(), overlap, atol=1e-6)
    tenants = run.summary["governance"]["tenants"]
    assert tenants["cn"]["suspended_s"] == pytest.approx(float(overlap.sum()))
    assert tenants["us"]["suspended_s"] == 0.0
    lost = float(cn["governance_lost_flop"].sum())
    assert (lost > 0) == (mode == "kill")
    if mode == "kill":  # back to the last 300 s checkpoint: less than 300 s of work each
        assert (redo_s < 300.0 + 1e-6).all()


def _skyfield_subpoints(node: int, times_s: np.ndarray):
    """Sub-satellite points of a node from Skyfield's own SGP4 and WGS84 (independent of
    orbitsim's propagation and geodetic code)."""
    from skyfield.api import EarthSatellite, load, wgs84

    from orbitsim.model.catalogue import load_constellation

    ts = load.timescale(builtin=True)
    satrec = load_constellation("export-shell-48").satrecs[node]
    satellite = EarthSatellite.from_satrec(satrec, ts)
    t = ts.utc(2026, 6, 21, 0, 0, times_s)
    where = wgs84.geographic_position_of(satellite.at(t))
    return where.longitude.degrees, where.latitude.degrees


def _china_path_inside(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    from importlib import resources

    from matplotlib.path import Path as MplPath

    with resources.files("orbitsim.data").joinpath("countries_110m.npz").open("rb") as f:
        data = np.load(f)
        k = [str(n) for n in data["name"]].index("China")
        inside = np.zeros(len(lon), dtype=bool)
        for ring in np.flatnonzero(data["ring_country"] == k):
            a, b = data["ring_offsets"][ring], data["ring_offsets"][ring + 1]
            path = MplPath(np.column_stack([data["lon_cdeg"][a:b], data["lat_cdeg"][a:b]])
                           / 100.0)
            inside ^= path.contains_points(np.column_stack([lon, lat]))
    return inside


def test_no_geofenced_job_computes_over_the_region(tmp_path):
    run = _run(tmp_path, hours=6.0, geofence='"CHN"')
    jobs = run.jobs.set_index("job_id")
    pauses = run.result.pauses
    geofenced = pauses[pauses["reason"] == "geofenced"]
    assert len(geofenced) >= 3 and (geofenced["tenant"] == "cn").all()
    cn = jobs[(jobs["tenant"] == "cn") & jobs["compute_end_s"].notna()]
    # physics and faults off: compute time = full-speed time + time paused at the border
    spent = (cn["compute_end_s"] - cn["start_s"]).to_numpy()
    np.testing.assert_allclose(spent, _full_speed_s(cn) + cn["geofenced_s"].to_numpy(),
                               rtol=1e-9, atol=1e-6)
    computing, paused = [], []
    for job_id, row in cn.iterrows():
        mine = geofenced[geofenced["job_id"] == job_id].sort_values("start_s")
        edges = [row["start_s"]]
        for start, end in zip(mine["start_s"], mine["end_s"]):
            edges += [start, end]
        edges.append(row["compute_end_s"])
        node = int(row["node"])
        for a, b in zip(edges[0::2], edges[1::2]):  # computing between pauses
            if b - a > 2.0:
                computing += [(node, t) for t in np.arange(a + 1.0, b - 1.0, 5.0)]
        for a, b in zip(mine["start_s"], mine["end_s"]):
            if b - a > 2.0:
                paused += [(node, t) for t in np.arange(a + 1.0, b - 1.0, 5.0)]
    assert len(computing) > 1000 and len(paused) > 20

    def inside(samples):
        frame = pd.DataFrame(samples, columns=["node", "t"])
        out = np.zeros(len(frame), dtype=bool)
        for node, group in frame.groupby("node"):
            lon, lat = _skyfield_subpoints(int(node), group["t"].to_numpy())
            out[group.index.to_numpy()] = _china_path_inside(lon, lat)
        return out

    assert not inside(computing).any()  # never computing over China
    assert inside(paused).all()  # and paused only while over it


def test_monitoring_bytes_are_logged_and_taken_from_the_tenants(tmp_path):
    rate = 5.0e9
    run = _run(tmp_path / "on", monitoring=rate)
    bare = _run(tmp_path / "off", monitoring=0.0)
    transfers = run.transfers
    telemetry = transfers[transfers["direction"] == "monitoring"]
    assert len(telemetry) > 5 and (telemetry["job_id"] == -1).all()
    assert set(telemetry["sat_index"]) <= set(range(24, 48))  # the monitored H200 nodes
    countries = {s.name: s.country for s in run.inputs.network.stations}
    assert {countries[name] for name in telemetry["station"]} == {"US"}
    g = run.summary["governance"]
    assert g["monitored_nodes"] == 24
    assert g["monitoring_bytes"] == pytest.approx(float(telemetry["bytes"].sum()))
    assert g["monitoring_bytes_generated"] == pytest.approx(rate * 3.0 * 24)
    assert 0 < g["monitoring_bytes"] <= g["monitoring_bytes_generated"]
    # the capacity the passes lost is exactly the telemetry's
    key = ["sat_index", "station_index", "start_s"]
    before = bare.inputs.contacts.set_index(key)["bytes_capacity"]
    after = run.inputs.contacts.set_index(key)["bytes_capacity"]
    taken = (before - after.reindex(before.index)).fillna(0.0)
    assert taken.sum() == pytest.approx(telemetry["bytes"].sum(), rel=1e-9)
    assert (taken >= -1e-6).all()
    # tenants never move more over a pass than it kept for them, nor the pass more than before
    tenant = transfers[transfers["direction"] != "monitoring"]
    contacts = run.inputs.contacts
    for (sat, station), rows in tenant.groupby(["sat_index", "station_index"]):
        passes = contacts[(contacts["sat_index"] == sat) & (contacts["station_index"] == station)]
        for start, end, capacity in zip(passes["start_s"], passes["end_s"],
                                        passes["bytes_capacity"]):
            used = rows[(rows["start_s"] >= start - 1e-6) & (rows["end_s"] <= end + 1e-6)]
            assert used["bytes"].sum() <= capacity * (1 + 1e-9) + 1.0
    # telemetry rides at the end of its pass, after every tenant byte of that pass
    for _, piece in telemetry.iterrows():
        same = tenant[(tenant["sat_index"] == piece["sat_index"])
                      & (tenant["station_index"] == piece["station_index"])
                      & (tenant["end_s"] > piece["start_s"] + 1e-6)
                      & (tenant["start_s"] < piece["end_s"] - 1e-6)]
        assert same.empty


GANG_WORKLOAD = """
name = "gangs"
[[tenants]]
name = "cn"
home_country = "CN"
[[tenants]]
name = "us"
home_country = "US"
[[job_classes]]
name = "cn-train"
kind = "llm-training"
tenant = "cn"
arrival = { process = "poisson", rate_per_hour = 6 }
work_flop = { mean = 3e19, sigma = 0.3 }
accelerators = 16
checkpoint_interval_s = 600
[[job_classes]]
name = "us-batch"
kind = "batch-inference"
tenant = "us"
arrival = { process = "poisson", rate_per_hour = 30 }
work_flop = { mean = 2.8e18 }
accelerators = 8
"""


def test_gangs_under_a_kill_suspension_and_a_geofence(tmp_path):
    """Gangs of two H200 nodes: a suspension of some of their nodes stops every member back to
    the checkpoint (lock-step), geofences pause members; every job accounted for."""
    (tmp_path / "wl.toml").write_text(GANG_WORKLOAD)
    extra = ('[[governance.suspensions]]\nstart_s = 7200\nend_s = 9000\ntenants = ["cn"]\n'
             'nodes = [24, 25, 26, 27, 28, 29, 30]\nmode = "kill"\n')
    scenario = SCENARIO.format(hours=6.0, policy="fifo", geofence='"CHN"', monitoring=0.0,
                               monitored="false", extra=extra)
    # physics and faults on here; no tenant "ir" in this workload
    scenario = scenario.replace("physics = false\nfaults = false\n", "").replace(
        '[[governance.licences]]\ntenants = ["ir"]\naccess = "forbidden"', "")
    path = tmp_path / "s.toml"
    path.write_text(scenario)
    run = simulate(str(path))
    s = run.summary
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    jobs = run.jobs
    cn = jobs[(jobs["tenant"] == "cn") & (jobs["node"] >= 0)]
    assert len(cn) and (cn["accelerator"] == "h200").all() and (cn["gang_nodes"] == 2).all()
    assert (jobs["governance_lost_flop"] >= 0).all()
    assert (jobs["lost_flop"] >= jobs["governance_lost_flop"] - 1.0).all()
    tenants = s["governance"]["tenants"]
    assert tenants["cn"]["suspended_s"] > 0 and tenants["cn"]["geofenced_s"] > 0
    assert tenants["cn"]["governance_lost_flop"] > 0
    pauses = run.result.pauses
    assert (pauses["end_s"] >= pauses["start_s"]).all()
    assert (pauses["end_s"] <= run.result.horizon_s).all()
