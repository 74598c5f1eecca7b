"""WGS84 geodetic <-> ECEF: exact round trips, and agreement with Skyfield's ``wgs84``."""

from __future__ import annotations

import numpy as np
import pytest
from skyfield.api import wgs84
from skyfield.framelib import itrs
from skyfield.positionlib import Geocentric
from skyfield.units import Distance, Velocity

from orbitsim.kernels.geodetic import (
    GEODETIC_WORK_ARRAYS,
    ecef_to_geodetic,
    ecef_to_geodetic_components,
    geodetic_to_ecef_km,
    up_unit,
)

MM_KM = 1e-6
UM_KM = 1e-9


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random points uniform over the sphere, 0-40,000 km up, plus poles and the equator."""
    rng = np.random.default_rng(84)
    n = 20_000
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lon = rng.uniform(-180.0, 180.0, n)
    alt = rng.uniform(0.0, 40_000.0, n)
    special_lat = [90.0, -90.0, 90.0, -90.0, 89.9999, -89.9999, 0.0, 0.0, 0.0, 45.0]
    special_lon = [0.0, 0.0, 123.0, -45.0, 10.0, 10.0, 0.0, 180.0, -90.0, 10.0]
    special_alt = [0.0, 0.0, 550.0, 2000.0, 40_000.0, 40_000.0, 0.0, 40_000.0, 1e-9, -0.4]
    return (np.concatenate([lat, special_lat]), np.concatenate([lon, special_lon]),
            np.concatenate([alt, special_alt]))


def test_round_trip_to_a_micrometre(points):
    lat, lon, alt = points
    r = geodetic_to_ecef_km(lat, lon, alt)
    lat2, lon2, alt2 = ecef_to_geodetic(r)
    assert not np.isnan(lat2).any() and not np.isnan(alt2).any()
    worst_alt = np.max(np.abs(alt2 - alt))
    worst_position = np.max(np.linalg.norm(geodetic_to_ecef_km(lat2, lon2, alt2) - r, axis=-1))
    assert worst_alt < UM_KM, f"worst altitude difference {worst_alt * 1e3:.3e} m"
    assert worst_position < UM_KM, f"worst position difference {worst_position * 1e3:.3e} m"
    # Latitude is exact away from rounding; longitude wherever it is defined.
    np.testing.assert_allclose(lat2, lat, rtol=0, atol=1e-11)
    off_axis = np.abs(lat) < 89.0
    np.testing.assert_allclose(
        np.cos(np.radians(lon2[off_axis] - lon[off_axis])), 1.0, rtol=0, atol=1e-15
    )


def test_round_trip_within_a_microdegree_of_the_poles_at_high_altitude():
    """Where closed forms lose the square root to rounding (p -> 0, large z)."""
    lat = np.array([90.0 - 10.0**-k for k in range(6, 12)] + [90.0])
    lat = np.concatenate([lat, -lat])
    lat, alt = np.meshgrid(lat, [10_000.0, 20_200.0, 35_786.0, 40_000.0])
    r = geodetic_to_ecef_km(lat, 37.0, alt)
    lat2, lon2, alt2 = ecef_to_geodetic(r)
    assert not np.isnan(alt2).any()
    np.testing.assert_allclose(alt2, alt, rtol=0, atol=UM_KM)
    np.testing.assert_allclose(geodetic_to_ecef_km(lat2, lon2, alt2), r, rtol=0, atol=UM_KM)


def test_forward_matches_skyfield_latlon(points):
    lat, lon, alt = (a[:5000] for a in points)
    ours = geodetic_to_ecef_km(lat, lon, alt)
    theirs = wgs84.latlon(lat, lon, elevation_m=alt * 1e3).itrs_xyz.km.T
    worst = np.max(np.linalg.norm(ours - theirs, axis=-1))
    assert worst < MM_KM, f"worst difference to Skyfield {worst * 1e6:.3e} mm"


def test_inverse_matches_skyfield_geographic_position_of(points, ts):
    """Skyfield iterates its latitude three times, which leaves it ~3 mm off near the ground
    at mid latitudes (its own latlon -> geographic_position_of round trip shows it). Elevation
    agrees to 1 mm; horizontal position to within Skyfield's own round-trip residual."""
    lat, lon, alt = (a[:5000] for a in points)
    r = geodetic_to_ecef_km(lat, lon, alt)
    t = ts.utc(2026, 6, 21)
    position = Geocentric.from_time_and_frame_vectors(
        t, itrs, Distance(km=r.T), Velocity(km_per_s=np.zeros(r.T.shape))
    )
    theirs = wgs84.geographic_position_of(position)
    lat2, lon2, alt2 = ecef_to_geodetic(r)
    worst_elevation = np.max(np.abs(alt2 - theirs.elevation.km))
    assert worst_elevation < MM_KM, f"elevation differs by {worst_elevation * 1e6:.3e} mm"
    ours_at = geodetic_to_ecef_km(lat2, lon2, alt2)
    theirs_at = geodetic_to_ecef_km(theirs.latitude.degrees, theirs.longitude.degrees,
                                    theirs.elevation.km)
    difference = np.max(np.linalg.norm(ours_at - theirs_at, axis=-1))
    skyfield_residual = np.max(np.linalg.norm(theirs_at - r, axis=-1))
    assert difference < 5 * MM_KM, f"position differs by {difference * 1e6:.3f} mm"
    assert np.max(np.linalg.norm(ours_at - r, axis=-1)) <= skyfield_residual


def test_up_unit_is_the_ellipsoid_normal():
    """``up`` is the derivative of the position with respect to the height."""
    rng = np.random.default_rng(3)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, 500)))
    lon = rng.uniform(-180.0, 180.0, 500)
    up = up_unit(lat, lon)
    np.testing.assert_allclose(np.linalg.norm(up, axis=-1), 1.0, rtol=1e-15)
    step = geodetic_to_ecef_km(lat, lon, 1.0) - geodetic_to_ecef_km(lat, lon, 0.0)
    np.testing.assert_allclose(step, up, rtol=0, atol=1e-11)  # rounding of 7000-km numbers
    # Geodetic, not geocentric: at 45° the normal is not the radius direction.
    r = geodetic_to_ecef_km(45.0, 0.0, 0.0)
    angle_deg = np.degrees(np.arccos(np.dot(r, up_unit(45.0, 0.0)) / np.linalg.norm(r)))
    assert 0.19 < angle_deg < 0.2  # 0.192° between geodetic and geocentric latitude at 45°


def test_shapes_broadcasting_and_nan():
    r = geodetic_to_ecef_km(np.zeros((2, 3)), 0.0, 550.0)
    assert r.shape == (2, 3, 3)
    np.testing.assert_allclose(r[..., 0], 6378.137 + 550.0)
    lat, lon, alt = ecef_to_geodetic(np.full((4, 5, 3), np.nan))
    assert lat.shape == lon.shape == alt.shape == (4, 5)
    assert np.isnan(lat).all() and np.isnan(alt).all()
    lat, lon, alt = ecef_to_geodetic(np.array([0.0, 0.0, 6356.752314245 + 100.0]))
    assert lat == pytest.approx(90.0) and alt == pytest.approx(100.0, abs=1e-9)


def test_leo_to_2000_km_within_a_micrometre_of_the_round_trip():
    """The band the propagation pipeline lives in, densely: 0-2000 km, every latitude."""
    lat, alt = np.meshgrid(np.linspace(-90.0, 90.0, 3601), np.linspace(0.0, 2000.0, 41))
    lon = np.linspace(-180.0, 180.0, lat.size).reshape(lat.shape)
    r = geodetic_to_ecef_km(lat, lon, alt)
    lat2, lon2, alt2 = ecef_to_geodetic(r)
    assert np.max(np.abs(alt2 - alt)) < UM_KM
    assert np.max(np.linalg.norm(geodetic_to_ecef_km(lat2, lon2, alt2) - r, axis=-1)) < UM_KM


def _atan2_reference(x, y, z):
    """The same two Bowring steps with both angles from ``arctan2`` (the textbook form)."""
    a, f = 6378.137, 1.0 / 298.257223563
    b, e2 = a * (1.0 - f), f * (2.0 - f)
    ep2 = e2 / (1.0 - e2)
    p = np.hypot(x, y)
    u = np.arctan2(z * a, p * b)
    for _ in range(2):
        phi = np.arctan2(z + ep2 * b * np.sin(u) ** 3, p - e2 * a * np.cos(u) ** 3)
        u = np.arctan2(b * np.sin(phi), a * np.cos(phi))
    return np.degrees(phi), np.degrees(np.arctan2(y, x))


def test_arctan_shortcuts_match_arctan2_everywhere_including_signed_zeros_and_nan():
    rng = np.random.default_rng(11)
    r = rng.normal(size=(20_000, 3))
    r *= rng.uniform(6300.0, 45_000.0, (len(r), 1)) / np.linalg.norm(r, axis=1, keepdims=True)
    special = np.array([
        [0.0, 0.0, 7000.0], [0.0, 0.0, -7000.0], [-0.0, 5.0, 7000.0], [-0.0, -5.0, 7000.0],
        [-7000.0, 0.0, 10.0], [-7000.0, -0.0, 10.0], [7000.0, -0.0, 10.0], [0.0, 7000.0, 0.0],
        [-1e-300, 7000.0, 0.0], [10.0, -0.0, 3.0], [-10.0, 5.0, -3.0],  # inside 43 km
    ])
    r = np.concatenate([r, special])
    lat, lon, alt = ecef_to_geodetic(r)
    ref_lat, ref_lon = _atan2_reference(r[:, 0], r[:, 1], r[:, 2])
    np.testing.assert_allclose(lat, ref_lat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(lon, ref_lon, rtol=0, atol=1e-12)
    # atan2's conventions on the axes and signed zeros: ±180° for y = ±0 behind, ±90° on x = -0.
    assert list(lon[-11:-4]) == [0.0, 0.0, 90.0, -90.0, 180.0, -180.0, -0.0]
    assert np.signbit(lon[-5]) and not np.signbit(lon[-11])
    lat, lon, alt = ecef_to_geodetic(np.array([[np.nan, 1.0, 1.0], [1.0, np.nan, 7000.0],
                                               [7000.0, 0.0, np.nan], [7000.0, 0.0, 0.0]]))
    assert np.isnan(lat[:3]).all() and np.isnan(alt[:3]).all() and np.isnan(lon[:2]).all()
    assert lat[3] == 0.0 and lon[3] == 0.0


def test_components_with_out_and_work_give_the_same_bits(points):
    lat, lon, alt = points
    r = geodetic_to_ecef_km(lat, lon, alt)[:20_000].reshape(4, -1, 3)  # (n_sats, n_times, 3)
    expected = ecef_to_geodetic(r)
    out = tuple(np.full(r.shape[:2], -1.0) for _ in range(3))
    work = np.full((GEODETIC_WORK_ARRAYS + 1, *r.shape[:2]), np.nan)
    result = ecef_to_geodetic_components(r[..., 0], r[..., 1], r[..., 2], out=out, work=work)
    for ours, theirs, given in zip(result, expected, out):
        assert ours is given
        np.testing.assert_array_equal(ours, theirs)
    # Strided views give the same bits as contiguous copies.
    for ours, theirs in zip(ecef_to_geodetic_components(*np.moveaxis(r, -1, 0)), expected):
        np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(ValueError, match="work"):
        ecef_to_geodetic_components(r[..., 0], r[..., 1], r[..., 2], work=work[:2])
