"""Coverage against closed forms and against a brute-force elevation test."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from orbitsim import load_constellation, time_grid, walker_delta
from orbitsim.geometry.coverage import cell_centres, coverage, visible_counts
from orbitsim.geometry.propagate import iter_geometry
from orbitsim.kernels.coverage import candidate_pairs, cap_half_angle_rad, longest_false_run
from orbitsim.kernels.geodetic import ecef_to_geodetic, geodetic_to_ecef_km, up_unit


def _static_chunk(lat_deg: float, lon_deg: float, alt_km: float, n_times: int = 2):
    r = geodetic_to_ecef_km(lat_deg, lon_deg, alt_km)
    r = np.broadcast_to(r, (1, n_times, 3)).copy()
    lat, lon, alt = ecef_to_geodetic(r)
    return SimpleNamespace(r_ecef_km=r, lat_deg=lat, lon_deg=lon, alt_km=alt,
                           error=np.zeros((1, n_times), np.int8))


def _central_angle_deg(lat1, lon1, lat2, lon2):
    a1, o1, a2, o2 = map(np.radians, (lat1, lon1, lat2, lon2))
    cos = np.sin(a1) * np.sin(a2) + np.cos(a1) * np.cos(a2) * np.cos(o1 - o2)
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


@pytest.mark.parametrize(("alt_km", "mask_deg", "lat_deg"), [(550.0, 25.0, 0.0),
                                                               (1200.0, 10.0, 40.0),
                                                               (650.0, 45.0, -70.0)])
def test_one_satellite_one_cell_gives_the_visibility_cap(alt_km, mask_deg, lat_deg):
    grid = time_grid("2026-01-01T00:00:00Z", hours=60 / 3600, step_s=60)
    chunk = _static_chunk(lat_deg, 10.0, alt_km)
    counts = visible_counts([chunk], grid, mask_deg, cell_deg=1.0)
    lat_c, lon_c = cell_centres(1.0)
    lat, lon = np.meshgrid(lat_c, lon_c, indexing="ij")
    angle = _central_angle_deg(lat.ravel(), lon.ravel(), lat_deg, 10.0)
    cap = np.degrees(cap_half_angle_rad(alt_km, mask_deg))
    seen = counts[:, 0] > 0
    # Spherical closed form, with 0.3 degree of slack for the ellipsoid's flattening.
    assert seen[angle < cap - 0.3].all()
    assert not seen[angle > cap + 0.3].any()
    assert seen.sum() > 10


def test_pruned_counts_equal_a_brute_force_elevation_test():
    shell = walker_delta(800, 70, planes=3, per_plane=4, phasing=1)
    grid = time_grid("2026-01-01T00:00:00Z", hours=0.5, step_s=300)
    counts = visible_counts(iter_geometry(shell, grid), grid, 20.0, cell_deg=3.0)
    lat_c, lon_c = cell_centres(3.0)
    lat, lon = np.meshgrid(lat_c, lon_c, indexing="ij")
    cells = geodetic_to_ecef_km(lat.ravel(), lon.ravel(), 0.0)
    up = up_unit(lat.ravel(), lon.ravel())
    brute = np.zeros_like(counts, dtype=np.int64)
    for chunk in iter_geometry(shell, grid):
        for t in range(len(grid)):
            look = chunk.r_ecef_km[:, t][None, :, :] - cells[:, None, :]
            sin_el = np.einsum("csi,ci->cs", look, up) / np.linalg.norm(look, axis=-1)
            brute[:, t] += (sin_el >= np.sin(np.radians(20.0))).sum(axis=1)
    np.testing.assert_array_equal(counts, brute)


def test_walker_53_shell_band():
    """starlink-shell1 at a 25 degree mask: every cell within +-45 deg always covered, none
    beyond 53 deg + the cap half-angle (8.4 deg at 550 km) + 2 deg of cell and margin."""
    shell = load_constellation("starlink-shell1")
    grid = time_grid("2026-03-20T00:00:00Z", hours=1, step_s=60)
    result = coverage(shell, grid, min_elevation_deg=25.0, cell_deg=2.0)
    band = np.abs(result.lat_deg) <= 45.0
    assert np.all(result.covered_fraction[band] == 1.0)
    limit = 53.0 + np.degrees(cap_half_angle_rad(550.0, 25.0)) + 2.0
    assert np.all(result.covered_fraction[np.abs(result.lat_deg) > limit] == 0.0)
    assert np.all(result.longest_gap_s[np.abs(result.lat_deg) > limit] == grid.duration_s)
    frame = result.to_frame()
    assert list(frame.columns) == ["lat_deg", "lon_deg", "covered_fraction", "mean_in_view",
                                   "longest_gap_s"]
    assert len(frame) == 90 * 180


def test_candidate_box_wraps_the_antimeridian_and_poles():
    sat, cell = candidate_pairs(np.array([0.0, 88.0]), np.array([179.5, 0.0]),
                                np.array([5.0, 5.0]), 2.0, 90, 180)
    cols = cell % 180
    assert {0, 179} <= set(cols[sat == 0].tolist())  # both sides of +-180
    assert len(set(cols[sat == 1].tolist())) == 180  # all longitudes near the pole


def test_longest_false_run():
    flags = np.array([[True, False, False, True, False],
                      [False, False, False, False, False],
                      [True, True, True, True, True]])
    np.testing.assert_array_equal(longest_false_run(flags), [2, 5, 0])
