"""Property-based tests (hypothesis): invariants that must hold for any input.

Frame rotations preserve norms; the geodetic conversion round-trips; the illuminated fraction
stays in [0, 1] and never decreases on the way out of the shadow; contact windows of one
satellite-station pair never overlap and lie above the mask (checked with Skyfield); a node's
energy and a run's jobs and accelerator-seconds are conserved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyfield.api import EarthSatellite, wgs84

from orbitsim import contact_windows, simulate, walker_delta
from orbitsim.kernels.frames import rotate_z, teme_to_ecef
from orbitsim.kernels.geodetic import ecef_to_geodetic, geodetic_to_ecef_km
from orbitsim.kernels.shadow import illuminated_fraction
from orbitsim.model.hardware import load_node
from orbitsim.model.scenario import Scenario
from orbitsim.model.timegrid import time_grid, timescale
from orbitsim.physics.node import build_node

SIM_DATA = Path(__file__).parent / "data" / "sim"
AU_KM = 1.495978707e8
EARTH_RADIUS_KM = 6378.137

finite = dict(allow_nan=False, allow_infinity=False)
coordinate_km = st.floats(-1e5, 1e5, **finite)
angle_rad = st.floats(-100.0, 100.0, **finite)


def vectors_km(n_max: int = 6):
    return st.lists(st.tuples(coordinate_km, coordinate_km, coordinate_km),
                    min_size=1, max_size=n_max).map(np.array)


# --- frames -------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(vectors=vectors_km(), angle=angle_rad)
def test_rotate_z_preserves_norm_and_z(vectors, angle):
    angles = np.full(len(vectors), angle)
    rotated = rotate_z(vectors, angles)
    norm = np.linalg.norm(vectors, axis=-1)
    assert np.allclose(np.linalg.norm(rotated, axis=-1), norm, rtol=1e-12, atol=1e-9)
    assert np.array_equal(rotated[:, 2], vectors[:, 2])
    # Rotating back by the opposite angle gives the original vectors (to 1 µm).
    assert np.allclose(rotate_z(rotated, -angles), vectors, rtol=0, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(r=vectors_km(), v=st.floats(-10.0, 10.0, **finite), angle=angle_rad)
def test_teme_to_ecef_preserves_position_norm_and_transport_term(r, v, angle):
    gmst = np.full(len(r), angle)
    v_teme = np.full_like(r, v)
    omega = 7.292115146706979e-5
    r_ecef, v_ecef = teme_to_ecef(r, gmst, v_teme, omega)
    assert np.allclose(np.linalg.norm(r_ecef, axis=-1), np.linalg.norm(r, axis=-1),
                       rtol=1e-12, atol=1e-9)
    # v_ecef + ω × r_ecef is the rotated inertial velocity: its norm is |v_teme|.
    inertial = v_ecef + np.cross([0.0, 0.0, omega], r_ecef)
    assert np.allclose(np.linalg.norm(inertial, axis=-1), np.linalg.norm(v_teme, axis=-1),
                       rtol=1e-12, atol=1e-12)


# --- geodetic -----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(-89.9, 89.9, **finite), lon=st.floats(-179.999, 179.999, **finite),
       alt=st.floats(-10.0, 50000.0, **finite))
def test_geodetic_round_trip(lat, lon, alt):
    r = geodetic_to_ecef_km(lat, lon, alt)
    lat2, lon2, alt2 = ecef_to_geodetic(np.asarray(r, dtype=float).reshape(1, 3))
    # 1e-9 deg is 0.1 mm on the ground; altitude to 1 µm.
    assert float(np.ravel(lat2)[0]) == pytest.approx(lat, abs=1e-9)
    assert float(np.ravel(lon2)[0]) == pytest.approx(lon, abs=1e-9)
    assert float(np.ravel(alt2)[0]) == pytest.approx(alt, abs=1e-6)


# --- shadow -------------------------------------------------------------------------------------


def _sun_direction(theta: float, phi: float) -> np.ndarray:
    return np.array([np.cos(phi) * np.cos(theta), np.cos(phi) * np.sin(theta), np.sin(phi)])


@settings(max_examples=300, deadline=None)
@given(r=vectors_km(8), theta=st.floats(0.0, 2 * np.pi), phi=st.floats(-1.5, 1.5),
       sun_au=st.floats(0.98, 1.02))
def test_illuminated_fraction_in_unit_interval(r, theta, phi, sun_au):
    # Keep satellites above the surface (a point inside the Earth has no meaning here).
    norm = np.linalg.norm(r, axis=-1, keepdims=True)
    r = np.where(norm < EARTH_RADIUS_KM + 100.0,
                 (EARTH_RADIUS_KM + 100.0) * (r + 1e-3) / np.maximum(norm, 1e-3), r)
    sun = _sun_direction(theta, phi)[None] * sun_au * AU_KM
    fraction = illuminated_fraction(r[None], np.repeat(sun, len(r), axis=0))
    assert fraction.shape == (1, len(r))
    assert np.all((fraction >= 0.0) & (fraction <= 1.0))


@settings(max_examples=150, deadline=None)
@given(theta=st.floats(0.0, 2 * np.pi), phi=st.floats(-1.4, 1.4),
       distance_km=st.floats(6578.0, 42164.0), azimuth=st.floats(0.0, 2 * np.pi))
def test_illuminated_fraction_monotone_across_terminator(theta, phi, distance_km, azimuth):
    """From the shadow axis outward, at a fixed distance behind the Earth: never darker."""
    sun_unit = _sun_direction(theta, phi)
    # A unit vector perpendicular to the Sun direction, at a random azimuth around it.
    helper = np.array([0.0, 0.0, 1.0]) if abs(sun_unit[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = np.cross(sun_unit, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(sun_unit, e1)
    out = np.cos(azimuth) * e1 + np.sin(azimuth) * e2
    offsets_km = np.linspace(0.0, 1.5 * EARTH_RADIUS_KM + 2000.0, 400)
    points = -distance_km * sun_unit + offsets_km[:, None] * out
    sun = np.repeat((sun_unit * AU_KM)[None], len(points), axis=0)
    fraction = illuminated_fraction(points[None], sun)[0]
    assert np.all(np.diff(fraction) >= -1e-12)
    assert fraction[-1] == 1.0
    assert fraction[0] == 0.0


# --- contact windows ----------------------------------------------------------------------------


@st.composite
def small_network(draw):
    n = draw(st.integers(1, 3))
    rows = ["name,lat_deg,lon_deg,alt_m,min_elevation_deg"]
    for k in range(n):
        lat = draw(st.floats(-70.0, 70.0))
        lon = draw(st.floats(-180.0, 180.0))
        alt = draw(st.floats(0.0, 3000.0))
        mask = draw(st.floats(0.0, 40.0))
        rows.append(f"ST{k},{lat:.4f},{lon:.4f},{alt:.1f},{mask:.2f}")
    return "\n".join(rows) + "\n"


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(altitude_km=st.floats(400.0, 1500.0), inclination_deg=st.floats(20.0, 100.0),
       planes=st.integers(1, 3), per_plane=st.integers(1, 3), network=small_network())
def test_contact_windows_disjoint_and_above_mask(tmp_path, altitude_km, inclination_deg, planes,
                                                  per_plane, network):
    path = tmp_path / "network.csv"
    path.write_text(network)
    masks = {line.split(",")[0]: float(line.split(",")[4])
             for line in network.splitlines()[1:]}
    sites = {line.split(",")[0]: [float(x) for x in line.split(",")[1:4]]
             for line in network.splitlines()[1:]}
    shell = walker_delta(altitude_km, inclination_deg, planes, per_plane, phasing=0,
                         epoch_utc="2026-03-20T00:00:00Z")
    grid = time_grid("2026-03-20T00:00:00Z", hours=6.0, step_s=60.0)
    windows = contact_windows(shell, path, grid)
    if windows.empty:
        return
    assert (windows.end_s >= windows.start_s).all()
    for _, pair in windows.groupby(["sat_index", "station_index"]):
        pair = pair.sort_values("start_s")
        assert (pair.start_s.to_numpy()[1:] > pair.end_s.to_numpy()[:-1]).all()
    # The reference: Skyfield's altaz at the window's midpoint and at its culmination.
    ts = timescale()
    satellites = [EarthSatellite.from_satrec(sat, ts) for sat in shell.satrecs]
    start = grid.start_utc
    seconds = np.concatenate([(windows.start_s + windows.end_s).to_numpy() / 2.0,
                              windows.max_elevation_s.to_numpy()])
    rows = list(windows.itertuples()) * 2
    for t_s, row in zip(seconds, rows, strict=True):
        lat, lon, alt_m = sites[row.station]
        site = wgs84.latlon(lat, lon, elevation_m=alt_m)
        t = ts.utc(start.year, start.month, start.day, start.hour, start.minute,
                   start.second + float(t_s))
        elevation_deg = (satellites[row.sat_index] - site).at(t).altaz()[0].degrees
        # 0.01 deg: the frame difference between TEME→ECEF by GMST and Skyfield's ITRS.
        assert elevation_deg >= masks[row.station] - 0.01
    assert (windows.max_elevation_deg >= windows.station.map(masks) - 0.01).all()


# --- energy and job conservation -----------------------------------------------------------------


@pytest.fixture(scope="module")
def starcloud():
    return load_node("starcloud-1")


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), hours=st.floats(1.0, 12.0),
       step_s=st.sampled_from([6.0, 30.0, 60.0]), load=st.floats(0.0, 1.5),
       mean_gap_s=st.floats(60.0, 3600.0))
def test_node_energy_is_conserved(starcloud, seed, hours, step_s, load, mean_gap_s):
    rng = np.random.default_rng(seed)
    seconds = np.arange(0.0, hours * 3600.0 + step_s / 2, step_s)
    # Random illumination: runs of sunlight and shadow with random penumbra values between.
    illuminated = np.clip(np.cumsum(rng.normal(0.0, 0.3, len(seconds))) % 2.0 - 0.5, 0.0, 1.0)
    node = build_node(starcloud, seconds, illuminated, float(rng.uniform(400.0, 1200.0)))
    t = 0.0
    while t < node.end_s:
        t = min(t + rng.exponential(mean_gap_s), node.end_s)
        node.advance(t, rng.uniform(0.0, load) * starcloud.max_accelerator_power_w)
    balance = node.energy_balance()
    scale = max(balance["energy_in_wh"], balance["used_wh"], 1.0)
    assert abs(balance["residual_wh"]) <= 1e-9 * scale


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31), hours=st.floats(0.25, 1.0),
       policy=st.sampled_from(["fifo", "round-robin", "greedy-earliest-finish", "energy-aware",
                               "thermal-aware", "contact-aware"]),
       physics=st.booleans(), faults=st.booleans())
def test_jobs_and_accelerator_seconds_are_conserved(seed, hours, policy, physics, faults):
    scenario = Scenario.model_validate(dict(
        name="property", constellation="four-nodes.toml", ground_network="compute-hubs",
        workload="inference-mixed", policy=policy, start_utc="2026-03-20T00:00:00Z",
        hours=hours, step_s=60.0, seed=seed, physics=physics, faults=faults,
        base_dir=str(SIM_DATA)))
    run = simulate(scenario)
    s = run.summary
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    assert s["jobs_total"] == len(run.jobs)
    by_jobs = float(run.jobs.accelerator_s.sum())
    by_nodes = float(run.nodes.busy_accelerator_s.sum())
    assert by_jobs == pytest.approx(by_nodes, rel=1e-9, abs=1e-6)
