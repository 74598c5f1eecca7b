"""Look angles, the elevation test, visibility caps and lines of sight against Skyfield and
closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from skyfield.api import wgs84
from skyfield.toposlib import ITRSPosition
from skyfield.units import Distance

from orbitsim.kernels.visibility import (
    above_mask,
    cap_half_angle_rad,
    line_of_sight,
    look_angles,
    segment_clear_components,
    segment_min_radius_km,
    sin_elevation,
    station_frames,
)

R_KM = 6378.137


@pytest.fixture(scope="module")
def stations():
    lat = np.array([78.2298, -33.87, 0.0, 45.0, -72.0117])
    lon = np.array([15.4078, 151.21, 0.0, -120.0, 2.535])
    alt_km = np.array([0.5, 0.05, 0.0, 1.2, 1.27])
    return lat, lon, alt_km


@pytest.fixture(scope="module")
def satellites():
    """ECEF points 300-2,000 km up, scattered over the globe, ``(4, 6, 3)``."""
    rng = np.random.default_rng(7)
    direction = rng.normal(size=(4, 6, 3))
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    return direction * (R_KM + rng.uniform(300.0, 2000.0, size=(4, 6, 1)))


def test_station_frames_are_orthonormal_and_on_the_ellipsoid(stations):
    lat, lon, alt_km = stations
    ecef, enu = station_frames(lat, lon, alt_km)
    np.testing.assert_allclose(enu @ enu.transpose(0, 2, 1), np.broadcast_to(np.eye(3), enu.shape),
                               atol=1e-15)
    for i in range(len(lat)):
        expected = wgs84.latlon(lat[i], lon[i], elevation_m=alt_km[i] * 1000.0).itrs_xyz.km
        np.testing.assert_allclose(ecef[i], expected, atol=1e-9)


def test_look_angles_match_skyfield_altaz(ts, stations, satellites):
    lat, lon, alt_km = stations
    ecef, enu = station_frames(lat, lon, alt_km)
    elevation, azimuth, range_km = look_angles(satellites, ecef, enu)
    assert elevation.shape == (4, len(lat), 6)
    t = ts.utc(2026, 6, 21)
    for i in range(len(lat)):
        topos = wgs84.latlon(lat[i], lon[i], elevation_m=alt_km[i] * 1000.0)
        for s in range(4):
            for k in range(6):
                target = ITRSPosition(Distance(km=satellites[s, k]))
                alt, az, dist = (target - topos).at(t).altaz()
                assert elevation[s, i, k] == pytest.approx(alt.degrees, abs=1e-9)
                assert range_km[s, i, k] == pytest.approx(dist.km, abs=1e-8)
                if abs(alt.degrees) < 89.9:
                    assert azimuth[s, i, k] == pytest.approx(az.degrees, abs=1e-8)


def test_sin_elevation_and_mask_test_agree_with_look_angles(stations, satellites):
    lat, lon, alt_km = stations
    ecef, enu = station_frames(lat, lon, alt_km)
    elevation, _, _ = look_angles(satellites, ecef, enu)
    sin_el = sin_elevation(satellites, ecef, enu[:, 2, :])
    np.testing.assert_allclose(np.degrees(np.arcsin(sin_el)), elevation, atol=1e-9)
    for mask in (-3.0, 0.0, 10.0, 45.0):
        np.testing.assert_array_equal(above_mask(satellites, ecef, enu[:, 2, :], mask),
                                      elevation >= mask)
    per_station = np.array([5.0, 10.0, 25.0, 45.0, 60.0])
    np.testing.assert_array_equal(above_mask(satellites, ecef, enu[:, 2, :], per_station),
                                  elevation >= per_station[None, :, None])


def test_zenith_and_horizon_closed_forms():
    ecef, enu = station_frames([30.0], [40.0], [0.0])
    up, north, east = enu[0, 2], enu[0, 1], enu[0, 0]
    points = np.stack([ecef[0] + 500.0 * up, ecef[0] + 500.0 * north, ecef[0] + 500.0 * east,
                       ecef[0] + 500.0 * (np.sqrt(0.5) * up + np.sqrt(0.5) * north)])[None]
    elevation, azimuth, range_km = look_angles(points, ecef, enu)
    np.testing.assert_allclose(elevation[0, 0], [90.0, 0.0, 0.0, 45.0], atol=1e-9)
    wrapped = (azimuth[0, 0, 1:] + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(wrapped, [0.0, 90.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(range_km[0, 0], 500.0, atol=1e-9)


@pytest.mark.parametrize("altitude_km, mask_deg", [(550.0, 10.0), (550.0, 25.0), (550.0, 45.0),
                                                   (1200.0, 0.0), (35786.0, 5.0)])
def test_cap_half_angle_is_where_elevation_equals_the_mask(altitude_km, mask_deg):
    """On a sphere, a satellite at the cap's edge is seen exactly at the mask elevation."""
    lam = float(cap_half_angle_rad(R_KM + altitude_km, mask_deg, R_KM))
    station = np.array([R_KM, 0.0, 0.0])
    sat = (R_KM + altitude_km) * np.array([np.cos(lam), np.sin(lam), 0.0])
    d = sat - station
    elevation = np.degrees(np.arcsin(d @ np.array([1.0, 0.0, 0.0]) / np.linalg.norm(d)))
    assert elevation == pytest.approx(mask_deg, abs=1e-9)


def test_segment_clearance_closed_form():
    """Two satellites at radius r separated by a central angle θ: the chord's closest approach
    to the centre is r cos(θ/2)."""
    r = R_KM + 550.0
    theta = np.radians(np.array([10.0, 40.0, 60.0, 120.0, 179.0]))
    a = np.stack([np.full_like(theta, r), np.zeros_like(theta), np.zeros_like(theta)], axis=-1)
    b = r * np.stack([np.cos(theta), np.sin(theta), np.zeros_like(theta)], axis=-1)
    np.testing.assert_allclose(segment_min_radius_km(a, b), r * np.cos(theta / 2), rtol=1e-12)
    np.testing.assert_array_equal(line_of_sight(a, b, R_KM + 80.0),
                                  r * np.cos(theta / 2) > R_KM + 80.0)
    # The nearest point may be an end point: a segment pointing away from the Earth.
    assert segment_min_radius_km(np.array([r, 0, 0]), np.array([2 * r, 0, 0])) == pytest.approx(r)


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        sin_elevation(np.zeros((3, 3)), np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError):
        line_of_sight(np.zeros(3), np.ones(3), -1.0)


def test_segment_clear_components_is_the_min_radius_test():
    rng = np.random.default_rng(11)
    a = rng.normal(size=(2000, 3)) * 7000.0
    b = rng.normal(size=(2000, 3)) * 7000.0
    b[:5] = a[:5]  # zero-length segments
    a[5, 1] = np.nan
    clear, length_sq = segment_clear_components(*a.T, *b.T, R_KM + 80.0)
    expected = segment_min_radius_km(a, b) > R_KM + 80.0
    np.testing.assert_array_equal(clear, expected)
    np.testing.assert_allclose(length_sq, np.sum((b - a) ** 2, axis=1), rtol=1e-12)
    assert 200 < clear.sum() < 1800 and not clear[5]
