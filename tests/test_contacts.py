"""Contact windows against an independent 1-second Skyfield sampling of each satellite's
altitude above each station, and the ``orbitsim contacts`` command.

The reference: ``(sat - wgs84.latlon(...)).at(t).altaz()`` with Skyfield's ``EarthSatellite``
built from the same TLE lines (or the same ``Satrec``), sampled every second; a pass is a run
of samples at or above the mask; its start and end are interpolated linearly between the two
samples around the crossing, its maximum is refined by a Skyfield evaluation every 0.01 s
around the highest sample. Required: the same passes (none missing; an extra pass of ours must
peak within 0.5° of the mask), start and end within 2 s, maximum elevation within 0.1°.

Real element sets: ``data/contacts_2018.tle`` holds the ISS and FLOCK 2E-1 TLEs of 2018-05-15
from Skyfield's own test suite (``skyfield/tests/test_io_parsing.py``, a CelesTrak sample);
``data/contacts_2006.tle`` holds CBERS 2 (28057), a Delta 1 debris (06251) and an SL-12 debris
(29238) from Vallado's verification set ``SGP4-VER.TLE`` shipped in the sgp4 wheel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.nutationlib import iau2000b_radians

from orbitsim import time_grid, walker_delta
from orbitsim.cli import main as cli_main
from orbitsim.geometry.contacts import COLUMNS, StationTable, _Segment, contact_windows
from orbitsim.geometry.propagate import propagate
from orbitsim.kernels.visibility import look_angles, station_frames
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.ground import GroundNetwork, Station, load_ground_network

DATA = Path(__file__).parent / "data"
START_TOL_S = 2.0
MAX_EL_TOL_DEG = 0.1
EXTRA_MARGIN_DEG = 0.5


# --------------------------------------------------------------------------------------------
# The Skyfield reference


def _times(ts, start, seconds):
    t = ts.utc(start.year, start.month, start.day, start.hour, start.minute,
               start.second + np.asarray(seconds, dtype=float))
    # Skyfield's documented fast nutation series (IAU 2000B, ~1 mas): the satellite and the
    # station are both rotated with it, so it cancels out of the altitude.
    t._nutation_angles_radians = iau2000b_radians(t)
    return t


def _altitude_deg(satellite, station: Station, t) -> np.ndarray:
    topos = wgs84.latlon(station.lat_deg, station.lon_deg, elevation_m=station.alt_m)
    return (satellite - topos).at(t).altaz()[0].degrees


def _runs(altitude, mask_deg):
    visible = altitude >= mask_deg
    edges = np.flatnonzero(np.diff(np.concatenate([[0], visible.astype(np.int8), [0]])))
    return edges.reshape(-1, 2)


def _reference_passes(ts, satellite, station, start, duration_s, masks, altitude):
    """Passes for each mask from the 1-s altitude samples ``altitude`` (t = 0, 1, ...)."""
    runs = {mask: _runs(altitude, mask) for mask in masks}
    # The maximum of every pass, from one Skyfield call every 0.01 s around the top samples.
    tops = sorted({first + int(np.argmax(altitude[first:stop]))
                   for r in runs.values() for first, stop in r})
    offsets = np.arange(-100, 101) * 0.01
    fine = np.clip(np.array(tops, dtype=float)[:, None] + offsets, 0.0, duration_s)
    fine_max = {}
    if tops:
        fine_alt = _altitude_deg(satellite, station, _times(ts, start, fine.ravel()))
        fine_max = dict(zip(tops, fine_alt.reshape(len(tops), -1).max(axis=1)))
    out = {}
    for mask, mask_runs in runs.items():
        passes = []
        for first, stop in mask_runs:
            last = stop - 1
            if first == 0:
                rise = 0.0
            else:
                a0, a1 = altitude[first - 1], altitude[first]
                rise = first - 1 + (mask - a0) / (a1 - a0)
            if last == len(altitude) - 1:
                set_ = float(duration_s)
            else:
                a0, a1 = altitude[last], altitude[last + 1]
                set_ = last + (a0 - mask) / (a0 - a1)
            top = first + int(np.argmax(altitude[first:stop]))
            passes.append({"start_s": rise, "end_s": set_, "max_elevation_deg": fine_max[top],
                           "starts_clipped": first == 0,
                           "ends_clipped": last == len(altitude) - 1})
        out[mask] = passes
    return out


def _compare(ours, ts, satellites, network, start, duration_s, masks, altitudes):
    """Assert the agreement; return (matched passes, worst Δstart, Δend, Δmax elevation)."""
    worst = [0.0, 0.0, 0.0]
    matched = 0
    used = {mask: np.zeros(len(ours[mask]), dtype=bool) for mask in masks}
    for i, satellite in enumerate(satellites):
        for j, station in enumerate(network):
            mask_deg = {mask: mask if mask is not None else station.min_elevation_deg
                        for mask in masks}
            reference = _reference_passes(ts, satellite, station, start, duration_s,
                                          sorted(set(mask_deg.values())), altitudes[i, j])
            for mask in masks:
                table = ours[mask]
                mine = np.flatnonzero((table.sat_index == i).to_numpy()
                                      & (table.station == station.name).to_numpy())
                for ref in reference[mask_deg[mask]]:
                    hits = [k for k in mine
                            if table.start_s.iat[k] <= ref["end_s"] + START_TOL_S
                            and table.end_s.iat[k] >= ref["start_s"] - START_TOL_S]
                    assert len(hits) == 1, (f"{satellite.name} over {station.name}, mask {mask}: "
                                            f"reference pass {ref} matched {len(hits)} passes")
                    k = hits[0]
                    used[mask][k] = True
                    d_start = abs(table.start_s.iat[k] - ref["start_s"])
                    d_end = abs(table.end_s.iat[k] - ref["end_s"])
                    d_max = abs(table.max_elevation_deg.iat[k] - ref["max_elevation_deg"])
                    assert d_start <= START_TOL_S and d_end <= START_TOL_S, (ref, table.iloc[k])
                    assert d_max <= MAX_EL_TOL_DEG, (ref, table.iloc[k])
                    assert bool(table.starts_clipped.iat[k]) == ref["starts_clipped"]
                    assert bool(table.ends_clipped.iat[k]) == ref["ends_clipped"]
                    worst = [max(worst[0], d_start), max(worst[1], d_end), max(worst[2], d_max)]
                    matched += 1
    for mask in masks:
        for _, row in ours[mask][~used[mask]].iterrows():
            limit = (mask if mask is not None
                     else network.stations[int(row.station_index)].min_elevation_deg)
            assert row.max_elevation_deg < limit + EXTRA_MARGIN_DEG, f"extra pass {row}"
    return matched, worst


def _station_under(ts, satellite, start, offset_s: float, name: str) -> Station:
    """A station at the sub-satellite point ``offset_s`` from the window start."""
    lat, lon = wgs84.latlon_of(satellite.at(_times(ts, start, [offset_s])))
    return Station(name, float(lat.degrees[0]), float(lon.degrees[0]), 0.0,
                   min_elevation_deg=10.0, country="XX")


def _satellites_from_tle(ts, path: Path):
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [EarthSatellite(lines[k + 1], lines[k + 2], lines[k].strip(), ts)
            for k in range(0, len(lines), 3)]


def _run_case(ts, constellation, satellites, network, start_iso, hours, step_s, masks):
    grid = time_grid(start_iso, hours, step_s)
    start = grid.start_utc
    duration_s = grid.duration_s
    t = _times(ts, start, np.arange(0.0, duration_s + 0.5, 1.0))  # one Time for every pair
    altitudes = np.array([[_altitude_deg(sat, station, t) for station in network]
                          for sat in satellites])
    ours = {mask: contact_windows(constellation, network, grid, min_elevation_deg=mask)
            for mask in masks}
    matched, worst = _compare(ours, ts, satellites, network, start, duration_s, masks, altitudes)
    print(f"{constellation.name}: {matched} passes matched; worst |Δstart| {worst[0]:.3f} s, "
          f"|Δend| {worst[1]:.3f} s, |Δmax elevation| {worst[2]:.4f}°")  # shown with -s
    return ours, (matched, worst)


# --------------------------------------------------------------------------------------------
# Must show: agreement with Skyfield


def test_real_tles_2006_with_clipped_passes_and_high_masks(ts):
    """CBERS 2 (SSO, 780 km), a 58° debris at ~380 km and an eccentric SL-12 fragment
    (perigee ~210 km), 24 h at 60 s steps, masks 10° (station default), 45° and 60°."""
    path = DATA / "contacts_2006.tle"
    constellation = load_constellation(path)
    satellites = _satellites_from_tle(ts, path)
    grid = time_grid("2006-06-26T00:00:00Z", 24.0, 60.0)
    commercial = load_ground_network("commercial").subset(["KSAT SvalSat", "AWS Ohio",
                                                           "SSC Dongara"])
    mid_start = _station_under(ts, satellites[0], grid.start_utc, -30.0, "under CBERS at start")
    mid_end = _station_under(ts, satellites[2], grid.start_utc, grid.duration_s + 10.0,
                             "under SL-12 at end")
    network = GroundNetwork("test", commercial.stations + (mid_start, mid_end))
    ours, (matched, worst) = _run_case(ts, constellation, satellites, network,
                                       "2006-06-26T00:00:00Z", 24.0, 60.0, (None, 45.0, 60.0))
    assert matched > 60
    for table in ours.values():
        assert (table.min_range_km > 0).all() and (table.bytes_capacity > 0).all()
        first = table[(table.station == mid_start.name) & (table.sat_index == 0)].iloc[0]
        assert first.starts_clipped and first.start_s == 0.0
        assert first.max_elevation_s == 0.0  # never culminates inside the window
        last = table[(table.station == mid_end.name) & (table.sat_index == 2)].iloc[-1]
        assert last.ends_clipped and last.end_s == grid.duration_s
        assert last.max_elevation_s == grid.duration_s
    assert len(ours[60.0]) > 0


def test_real_tles_2018_iss_and_flock(ts):
    """ISS and FLOCK 2E-1 (same-day TLEs), 24 h at 30 s steps, masks 10° and 45°."""
    path = DATA / "contacts_2018.tle"
    constellation = load_constellation(path)
    satellites = _satellites_from_tle(ts, path)
    assert list(constellation.names) == ["ISS (ZARYA)", "FLOCK 2E-1"]
    start = time_grid("2018-05-15T12:00:00Z", 1.0, 60.0).start_utc
    network = GroundNetwork("test", (
        Station("Punta Arenas", -53.16, -70.91, 30.0),
        Station("Singapore", 1.35, 103.82, 20.0),
        Station("Stockholm", 59.33, 18.07, 30.0),
        _station_under(ts, satellites[0], start, -20.0, "under ISS at start"),
    ))
    _, (matched, worst) = _run_case(ts, constellation, satellites, network,
                                    "2018-05-15T12:00:00Z", 24.0, 30.0, (None, 45.0))
    assert matched > 15


@pytest.mark.parametrize("step_s", [60.0, 300.0])
def test_walker_shell_over_compute_hubs(ts, step_s):
    """A 53° Walker shell (2 planes × 2) from sgp4init elements, 12 h, masks 10° and 45°; at
    300 s steps most 45° passes are shorter than a step (no grid sample inside them)."""
    shell = walker_delta(550, 53, planes=2, per_plane=2, phasing=1)
    satellites = [EarthSatellite.from_satrec(sat, ts) for sat in shell.satrecs]
    for satellite, name in zip(satellites, shell.names):
        satellite.name = name
    network = load_ground_network("compute-hubs").subset(
        ["Stargate Abilene", "NEOM Oxagon", "Astana AI cluster", "SoftBank Sakai"])
    ours, (matched, worst) = _run_case(ts, shell, satellites, network, "2026-01-01T00:00:00Z",
                                       12.0, step_s, (None, 45.0))
    assert matched > 20
    if step_s == 300.0:
        assert (ours[45.0].duration_s < step_s).sum() > 10


# --------------------------------------------------------------------------------------------
# Consistency of the implementation's own paths


@pytest.fixture(scope="module")
def shell_and_grid():
    shell = walker_delta(550, 53, planes=4, per_plane=4, phasing=1)
    return shell, time_grid("2026-01-01T00:00:00Z", 6.0, 20.0)


def test_pruned_and_unpruned_give_the_same_passes(shell_and_grid):
    shell, grid = shell_and_grid
    for mask in (None, 45.0):
        pruned = contact_windows(shell, "commercial", grid, min_elevation_deg=mask)
        full = contact_windows(shell, "commercial", grid, min_elevation_deg=mask, prune=False)
        assert len(pruned) == len(full) > 0
        pd.testing.assert_frame_equal(pruned, full)


def test_geometry_input_and_workers_match(shell_and_grid):
    shell, grid = shell_and_grid
    reference = contact_windows(shell, "compute-hubs", grid)
    geometry = propagate(shell, grid)  # no velocities: finite differences inside
    from_geometry = contact_windows(geometry, "compute-hubs")
    assert len(from_geometry) == len(reference)
    np.testing.assert_allclose(from_geometry.start_s, reference.start_s, atol=0.05)
    np.testing.assert_allclose(from_geometry.max_elevation_deg, reference.max_elevation_deg,
                               atol=0.01)
    chunked = contact_windows(shell, "compute-hubs", grid, chunk_size=3)
    pd.testing.assert_frame_equal(chunked, reference)


def test_columns_units_and_capacity(shell_and_grid):
    shell, grid = shell_and_grid
    passes = contact_windows(shell, "commercial", grid)
    assert tuple(passes.columns) == COLUMNS
    assert (passes.start_s.diff().dropna() >= 0).all()  # sorted by start
    np.testing.assert_allclose(passes.duration_s, passes.end_s - passes.start_s)
    # Datetimes (UTC) beside the seconds: the same instants, to the millisecond.
    assert str(passes.start_utc.dtype) == "datetime64[ns, UTC]"
    assert passes.start_utc.iloc[0].isoformat().startswith("2026-01-01T")
    for column in ("start", "end"):
        offset_s = (passes[f"{column}_utc"] - grid.start_utc).dt.total_seconds()
        np.testing.assert_allclose(offset_s, passes[f"{column}_s"], atol=5e-4)
    assert ((passes.max_elevation_s >= passes.start_s) & (passes.max_elevation_s <= passes.end_s)
            ).all()
    assert (passes.clear_fraction == 1.0).all()
    # Capacity of the longest unclipped pass against the rate integrated every second.
    network = load_ground_network("commercial")
    inner = passes[~passes.starts_clipped & ~passes.ends_clipped]
    row = inner.loc[inner.duration_s.idxmax()]
    fine = time_grid(grid.utc(row.start_s).item(),  # a naive datetime is taken as UTC
                     row.duration_s / 3600.0, 1.0)
    geometry = propagate(shell.subset([int(row.sat_index)]), fine)
    station = network.stations[int(row.station_index)]
    ecef, enu = station_frames([station.lat_deg], [station.lon_deg], [station.alt_m / 1000.0])
    elevation, _, range_km = look_angles(geometry.r_ecef_km, ecef, enu)
    rate = station.rate_model.rate_bps(range_km[0, 0], elevation[0, 0])
    by_seconds = np.trapezoid(rate, fine.seconds) / 8.0
    assert row.bytes_capacity == pytest.approx(by_seconds, rel=0.02)


def test_optical_network_clouds_reduce_capacity_reproducibly(shell_and_grid):
    shell, grid = shell_and_grid
    a = contact_windows(shell, "optical", grid, seed=1)
    b = contact_windows(shell, "optical", grid, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert ((a.clear_fraction >= 0) & (a.clear_fraction <= 1)).all()
    assert (a.clear_fraction < 1).any()
    assert (a.bytes_capacity[a.clear_fraction == 0] == 0).all()
    c = contact_windows(shell, "optical", grid, seed=2)
    assert not np.allclose(a.clear_fraction, c.clear_fraction)


def test_empty_result_and_bad_arguments(shell_and_grid):
    shell, grid = shell_and_grid
    polar = load_ground_network("commercial").subset(["KSAT TrollSat"])
    empty = contact_windows(shell, polar, grid)  # a 53° shell never rises 45° over 72° S
    assert len(empty) == 0 or (empty.max_elevation_deg < 45).all()
    none = contact_windows(shell, polar, grid, min_elevation_deg=89.0)
    assert len(none) == 0 and tuple(none.columns) == COLUMNS
    with pytest.raises(ValueError):
        contact_windows(shell, polar)  # no grid
    with pytest.raises(TypeError):
        contact_windows("starlink", polar, grid)


# --------------------------------------------------------------------------------------------
# The command


def test_cli_writes_the_promised_columns(tmp_path, capsys):
    out = tmp_path / "passes.csv"
    stations = tmp_path / "stations.csv"
    stations.write_text("name,lat_deg,lon_deg,alt_m,min_elevation_deg,country\n"
                        "Abilene,32.5,-99.8,530,10,US\nNEOM,27.5,35.5,20,,SA\n")
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["contacts", str(DATA / "contacts_2018.tle"), "--stations", str(stations),
                  "--start", "2018-05-15T12:00:00Z", "--hours", "12", "--step", "30",
                  "--out", str(out)])
    assert exit_info.value.code in (0, None)
    frame = pd.read_csv(out)
    assert list(frame.columns[:5]) == ["satellite", "station", "start_utc", "end_utc",
                                       "max_elevation_deg"]
    assert set(frame.satellite) <= {"ISS (ZARYA)", "FLOCK 2E-1"} and len(frame) > 0
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize("argv_tail, text", [
    (["--stations", "no-such-network"], "no-such-network"),
    (["--stations", "commercial", "--min-elevation", "95"], "--min-elevation"),
])
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, argv_tail, text):
    out = tmp_path / "passes.csv"
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["contacts", str(DATA / "contacts_2018.tle"), "--out", str(out), *argv_tail])
    assert exit_info.value.code == 2
    assert text in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.iterdir())



def test_segment_polynomials_equal_the_hermite_look_geometry():
    """Elevation and range from the height cubic and range sextic of a step equal those of
    the Hermite-interpolated position, and the culmination found is the step's maximum."""
    from orbitsim.kernels.interpolate import hermite_position

    shell = walker_delta(550, 53, planes=2, per_plane=3, phasing=1)
    grid = time_grid("2026-01-01T00:00:00Z", 2.0, 60.0)
    geometry = propagate(shell, grid, with_velocity=True)
    network = load_ground_network("commercial")
    table = StationTable.of(network, grid.duration_s, None, 1)
    rng = np.random.default_rng(0)
    n = 400
    sat = rng.integers(0, len(shell), n)
    st = rng.integers(0, len(network), n)
    step = rng.integers(0, len(grid.seconds) - 1, n)
    r, v = geometry.r_ecef_km, geometry.v_ecef_km_s
    segment = _Segment.of(r, v, sat, st, step, 60.0, table)
    for tau in (0.0, 0.3, 0.77, 1.0):
        tau_n = np.full(n, tau)
        position = hermite_position(r[sat, step], v[sat, step], r[sat, step + 1],
                                    v[sat, step + 1], 60.0, tau_n)
        d = position - table.ecef_km[st]
        range_km = np.linalg.norm(d, axis=1)
        sin_el = np.einsum("ij,ij->i", d, table.up[st]) / range_km
        got_sin, got_range = segment.look(tau_n)
        np.testing.assert_allclose(got_range, range_km, rtol=0, atol=1e-6)  # 1 mm
        np.testing.assert_allclose(got_sin, sin_el, rtol=0, atol=1e-10)
    tau, peak, _ = segment.culmination()
    fine = np.linspace(0.0, 1.0, 601)
    best = np.max([segment.sin_el(np.full(n, t)) for t in fine], axis=0)
    assert np.all(peak >= best - 1e-12)  # no sample of the step is higher
    assert np.all((tau >= 0.0) & (tau <= 1.0))
