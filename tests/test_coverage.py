"""Coverage against closed forms (visibility cap, equatorial orbit) and against a brute-force
cell-by-cell elevation test; a Walker 53° shell's band; the ``orbitsim coverage`` command."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from orbitsim import cli, load_constellation, propagate, time_grid, walker_delta
from orbitsim.geometry.coverage import cell_centres, coverage, visible_counts
from orbitsim.geometry.propagate import iter_geometry
from orbitsim.kernels.coverage import (
    candidate_rows,
    cap_half_angle_rad,
    interval_updates,
    longest_false_run,
    visible_half_width_rad,
)
from orbitsim.kernels.geodetic import ecef_to_geodetic, geodetic_to_ecef_km, up_unit

START = "2026-01-01T00:00:00Z"


def _static_chunk(lat_deg: float, lon_deg: float, alt_km: float, n_times: int = 2):
    """A GeometryChunk-like object: one satellite fixed over (lat, lon) at alt_km."""
    r = geodetic_to_ecef_km(lat_deg, lon_deg, alt_km)
    r = np.broadcast_to(r, (1, n_times, 3)).copy()
    lat, lon, alt = ecef_to_geodetic(r)
    return SimpleNamespace(r_ecef_km=r, lat_deg=lat, lon_deg=lon, alt_km=alt,
                           error=np.zeros((1, n_times), np.int8))


def _central_angle_deg(lat1, lon1, lat2, lon2):
    a1, o1, a2, o2 = map(np.radians, (lat1, lon1, lat2, lon2))
    cos = np.sin(a1) * np.sin(a2) + np.cos(a1) * np.cos(a2) * np.cos(o1 - o2)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _brute_force_counts(chunks, grid, mask_deg: float, cell_deg: float) -> np.ndarray:
    """Every cell against every satellite at every step: up·(r_s − r_c) ≥ sin ε·|r_s − r_c|."""
    lat_c, lon_c = cell_centres(cell_deg)
    lat, lon = np.meshgrid(lat_c, lon_c, indexing="ij")
    cells = geodetic_to_ecef_km(lat.ravel(), lon.ravel(), 0.0)
    up = up_unit(lat.ravel(), lon.ravel())
    counts = np.zeros((len(cells), len(grid)), dtype=np.int64)
    for chunk in chunks:
        for t in range(len(grid)):
            look = chunk.r_ecef_km[:, t][None, :, :] - cells[:, None, :]
            sin_el = np.einsum("csi,ci->cs", look, up) / np.linalg.norm(look, axis=-1)
            counts[:, t] += (sin_el >= np.sin(np.radians(mask_deg))).sum(axis=1)
    return counts


@pytest.mark.parametrize(("alt_km", "mask_deg"), [(550.0, 25.0), (1200.0, 0.0), (350.0, 60.0)])
def test_equator_row_half_width_is_the_visibility_cap(alt_km, mask_deg):
    """On the equator the WGS84 ellipsoid is a circle of radius a and 'up' is radial, so the
    visible half-width is exactly the spherical cap arccos(a/(a+h)·cos ε) − ε."""
    a_km = 6378.137
    half = visible_half_width_rad(np.array([a_km + alt_km]), np.array([0.0]), np.array([a_km]),
                                  np.array([0.0]), np.array([1.0]), np.array([0.0]), mask_deg)
    expected = cap_half_angle_rad(alt_km, mask_deg, earth_radius_km=a_km)
    assert abs(np.degrees(half[0] - expected)) < 1e-9


@pytest.mark.parametrize(("alt_km", "mask_deg", "lat_deg"), [(550.0, 25.0, 0.0),
                                                               (1200.0, 10.0, 40.0),
                                                               (650.0, 45.0, -70.0)])
def test_one_satellite_one_cell_gives_the_visibility_cap(alt_km, mask_deg, lat_deg):
    """A cell sees the satellite iff its central angle is within the cap half-angle λ_max:
    cells just inside (λ < λ_max − 0.3°) all see it, cells just outside (λ > λ_max + 0.3°)
    none; 0.3° bounds the ellipsoid's departure from the sphere of the closed form."""
    grid = time_grid(START, hours=60 / 3600, step_s=60)
    counts = visible_counts([_static_chunk(lat_deg, 10.0, alt_km)], grid, mask_deg, cell_deg=1.0)
    lat_c, lon_c = cell_centres(1.0)
    lat, lon = np.meshgrid(lat_c, lon_c, indexing="ij")
    angle = _central_angle_deg(lat.ravel(), lon.ravel(), lat_deg, 10.0)
    cap = np.degrees(cap_half_angle_rad(alt_km, mask_deg))
    seen = counts[:, 0] > 0
    inside = (angle < cap - 0.3) & (angle > cap - 1.5)
    outside = (angle > cap + 0.3) & (angle < cap + 1.5)
    assert inside.sum() > 10 and outside.sum() > 10
    assert seen[angle < cap - 0.3].all()
    assert not seen[angle > cap + 0.3].any()
    np.testing.assert_array_equal(counts[:, 1], counts[:, 0])


def test_equatorial_orbit_covers_each_low_latitude_row_for_its_closed_form_fraction():
    """One satellite in a circular equatorial orbit: a cell at latitude φ sees it while the
    longitude difference is within Δλ = arccos(cos λ_max / cos φ), i.e. for a fraction
    Δλ/180° of the relative revolutions. Averaged over the 180 cells of a row the fraction is
    that closed form; rows beyond λ_max never see it (gap = the whole window)."""
    sat = walker_delta(550, 0.0, planes=1, per_plane=1, phasing=0)
    grid = time_grid(START, hours=2, step_s=20)
    altitude_km = float(propagate(sat, grid).alt_km.mean())
    result = coverage(sat, grid, min_elevation_deg=25.0, cell_deg=2.0)
    cap = cap_half_angle_rad(altitude_km, 25.0)
    for row_lat_deg, rel_tol in ((1.0, 0.002), (5.0, 0.01)):
        row = int(np.argmin(abs(result.lat_deg - row_lat_deg)))
        delta = np.arccos(np.cos(cap) / np.cos(np.radians(row_lat_deg)))
        expected = np.degrees(delta) / 180.0
        assert result.covered_fraction[row].mean() == pytest.approx(expected, rel=rel_tol)
    beyond = np.abs(result.lat_deg) > np.degrees(cap) + 0.5
    assert np.all(result.covered_fraction[beyond] == 0.0)
    assert np.all(result.longest_gap_s[beyond] == grid.duration_s)


@pytest.mark.parametrize(("alt_km", "inc_deg", "mask_deg", "cell_deg"),
                         [(800.0, 70.0, 20.0, 3.0), (2000.0, 97.6, 0.0, 3.0),
                          (400.0, 30.0, 60.0, 1.0)])
def test_counts_equal_a_brute_force_elevation_test(alt_km, inc_deg, mask_deg, cell_deg):
    """Pruned rows plus the closed-form longitude interval give exactly the cell-by-cell test,
    including 0° masks with caps over the poles and across the antimeridian."""
    shell = walker_delta(alt_km, inc_deg, planes=3, per_plane=4, phasing=1)
    grid = time_grid(START, hours=1.0, step_s=600)
    counts = visible_counts(iter_geometry(shell, grid), grid, mask_deg, cell_deg)
    brute = _brute_force_counts(iter_geometry(shell, grid), grid, mask_deg, cell_deg)
    assert brute.sum() > 1000
    np.testing.assert_array_equal(counts, brute)


@pytest.mark.parametrize(("alt_km", "inc_deg", "mask_deg"),
                         [(550.0, 53.0, 25.0), (800.0, 97.6, 10.0), (1200.0, 30.0, 40.0)])
def test_global_mean_in_view_equals_the_sum_of_cap_areas(alt_km, inc_deg, mask_deg):
    """Conservation: averaged over the sphere, the number in view is Σ (1 − cos λ_i)/2 over
    satellites (each cap's share of the sphere, λ_i from its geodetic altitude at each step),
    whatever their layout. Within 1 % (cell discretisation, ellipsoid)."""
    shell = walker_delta(alt_km, inc_deg, planes=6, per_plane=5, phasing=1)
    grid = time_grid("2026-03-20T00:00:00Z", hours=2, step_s=120)
    cap = cap_half_angle_rad(propagate(shell, grid).alt_km, mask_deg)
    expected = np.sum((1.0 - np.cos(cap)) / 2.0, axis=0).mean()
    result = coverage(shell, grid, min_elevation_deg=mask_deg, cell_deg=2.0)
    measured = np.average(result.mean_in_view.mean(axis=1),
                          weights=np.cos(np.radians(result.lat_deg)))
    assert measured == pytest.approx(expected, rel=0.01)


def test_sgp4_errors_and_nan_positions_count_as_not_visible():
    good = _static_chunk(0.0, 0.0, 550.0, n_times=3)
    bad = _static_chunk(0.0, 0.0, 550.0, n_times=3)
    bad.error[0, 1] = 6  # sgp4: decayed
    bad.r_ecef_km[0, 1] = np.nan
    bad.lat_deg[0, 1] = bad.lon_deg[0, 1] = bad.alt_km[0, 1] = np.nan
    nan_only = _static_chunk(0.0, 0.0, 550.0, n_times=3)
    nan_only.r_ecef_km[0, 2] = np.nan  # NaN without an error code is still not visible
    grid = time_grid(START, hours=120 / 3600, step_s=60)
    counts = visible_counts([good, bad, nan_only], grid, 25.0, cell_deg=2.0)
    top = counts.max(axis=0)
    np.testing.assert_array_equal(top, [3, 2, 2])


def test_walker_53_shell_band():
    """starlink-shell1 (72 × 22 at 550 km, 53°) at a 25° mask. Zero: no cell beyond
    53° + λ_max (8.4°) + 1° (geodetic latitude of the orbit's apex, ellipsoid) ever sees a
    satellite. Full: within ±55° every cell always sees one (over 24 h at 60 s, every cell up
    to ±61° is covered 100 % of the time, so ±55° leaves a 6° margin)."""
    shell = load_constellation("starlink-shell1")
    grid = time_grid("2026-03-20T00:00:00Z", hours=1, step_s=60)
    result = coverage(shell, grid, min_elevation_deg=25.0, cell_deg=2.0)
    band = np.abs(result.lat_deg) <= 55.0
    assert np.all(result.covered_fraction[band] == 1.0)
    assert np.all(result.longest_gap_s[band] == 0.0)
    limit = 53.0 + np.degrees(cap_half_angle_rad(550.0, 25.0)) + 1.0
    beyond = np.abs(result.lat_deg) > limit
    assert beyond.sum() == 2 * 14  # rows from ±63° on
    assert np.all(result.covered_fraction[beyond] == 0.0)
    assert np.all(result.mean_in_view[beyond] == 0.0)
    assert np.all(result.longest_gap_s[beyond] == grid.duration_s)
    edge = np.abs(result.lat_deg) == 61.0  # just inside the geometric limit: seen at times
    assert np.all(result.covered_fraction[edge].mean(axis=1) > 0.5)
    frame = result.to_frame()
    assert list(frame.columns) == ["lat_deg", "lon_deg", "covered_fraction", "mean_in_view",
                                   "longest_gap_s"]
    assert len(frame) == 90 * 180


def test_candidate_rows_span_the_cap():
    item, row = candidate_rows(np.array([0.0, 88.0]), np.array([5.0, 5.0]), 2.0, 90)
    lat = -89.0 + 2.0 * row
    assert set(lat[item == 0].tolist()) == {-5.0, -3.0, -1.0, 1.0, 3.0, 5.0}
    assert lat[item == 1].min() == 83.0 and lat[item == 1].max() == 89.0


def test_interval_updates_wrap_the_antimeridian_and_fill_whole_rows():
    centre = np.array([0.2, 3.0, 3.0, 2.5])
    half = np.array([1.5, 10.0, np.nan, 0.2])  # wraps; whole row; empty; between two centres
    items, cols, signs = interval_updates(centre, half, 6)
    diff = np.zeros((4, 7))
    np.add.at(diff, (items, cols), signs)
    covered = np.cumsum(diff, axis=1)[:, :6]
    np.testing.assert_array_equal(covered, [[1, 1, 0, 0, 0, 1], [1] * 6, [0] * 6, [0] * 6])


def test_longest_false_run():
    flags = np.array([[True, False, False, True, False],
                      [False, False, False, False, False],
                      [True, True, True, True, True]])
    np.testing.assert_array_equal(longest_false_run(flags), [2, 5, 0])


def test_coverage_command_writes_csv_maps_and_tracks(tmp_path, capsys):
    out = {name: tmp_path / name for name in ("c.csv", "c.png", "c.html", "t.png")}
    with pytest.raises(SystemExit) as stop:
        cli.main(["coverage", "starcloud-demo", "--hours", "0.5", "--step", "120",
                  "--cell-deg", "5", "--csv", str(out["c.csv"]), "--png", str(out["c.png"]),
                  "--html", str(out["c.html"]), "--track", "SC-DEMO-P00-S00,3",
                  "--track-png", str(out["t.png"]), "--stations", "commercial"])
    assert stop.value.code in (0, None)
    printed = capsys.readouterr().out
    assert "time covered" in printed and "worst cell" in printed
    frame = pd.read_csv(out["c.csv"])
    assert len(frame) == 36 * 72 and frame["covered_fraction"].between(0, 1).all()
    assert all(path.stat().st_size > 1000 for path in out.values())
    assert not list(tmp_path.glob("*.partial"))
    # The interactive map: three layers, the stations, the --track satellites' tracks, and
    # the 32 satellites animated over the window (a frame per 2-minute step).
    from orbitsim.analysis.maps import page_figures

    figure = page_figures(out["c.html"].read_text())["orbitsim-coverage-map"]
    names = [trace.get("name") for trace in figure["data"]]
    assert names[:3] == ["time covered", "mean satellites in view", "longest gap"]
    assert "ground stations (commercial)" in names
    assert "ground tracks (SC-DEMO-P00-S00, SC-DEMO-P00-S03)" in names
    assert len(figure["frames"]) == 16 > 1


def test_track_without_a_png_needs_the_html(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["coverage", "starcloud-demo", "--hours", "0.5", "--track", "0"])
    assert stop.value.code == 2 and "--track needs" in capsys.readouterr().err


def test_coverage_command_rejects_bad_input_with_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["coverage", "starcloud-demo", "--hours", "0.5", "--cell-deg", "7"])
    assert stop.value.code == 2
    assert "cell-deg" in capsys.readouterr().err
