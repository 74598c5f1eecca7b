"""Closed-form circular-orbit relations against sgp4's own initialisation and propagation."""

from __future__ import annotations

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from orbitsim.kernels.orbit import (
    kozai_mean_motion_rad_min,
    nodal_regression_rad_s,
    orbital_period_s,
    sun_synchronous_inclination_deg,
)

WGS72_RADIUS_KM = 6378.135
WGS84_RADIUS_KM = 6378.137
MEAN_SUN_DEG_PER_DAY = 360.0 / 365.2421897  # 0.98565 °/day


def satrec(altitude_km: float, inclination_deg: float, eccentricity: float = 0.0,
           raan_deg: float = 0.0) -> Satrec:
    sat = Satrec()
    mean_motion = float(kozai_mean_motion_rad_min(altitude_km, inclination_deg, eccentricity))
    sat.sgp4init(WGS72, "i", 1, 27941.0, 0.0, 0.0, 0.0, eccentricity, 0.0,
                 np.radians(inclination_deg), 0.0, mean_motion, np.radians(raan_deg))
    assert sat.error == 0
    return sat


def test_sun_synchronous_inclination_at_650_km():
    assert float(sun_synchronous_inclination_deg(650.0)) == pytest.approx(97.99, abs=0.01)
    # Tabulated values (Wertz & Larson, SMAD): 97.4° at 500 km, 98.6° at 800 km.
    np.testing.assert_allclose(sun_synchronous_inclination_deg([500.0, 800.0]), [97.40, 98.60],
                               atol=0.01)
    assert sun_synchronous_inclination_deg(np.array([[650.0]])).shape == (1, 1)


def test_no_sun_synchronous_orbit_above_about_5975_km():
    assert float(sun_synchronous_inclination_deg(5970.0)) > 175.0
    with pytest.raises(ValueError, match="no sun-synchronous inclination"):
        sun_synchronous_inclination_deg(7000.0)


@pytest.mark.parametrize("altitude_km", [160.0, 300.0, 550.0, 650.0, 1200.0, 20_200.0, 35_786.0])
@pytest.mark.parametrize("inclination_deg", [0.0, 53.0, 97.99, 140.0])
def test_kozai_mean_motion_gives_the_requested_sgp4_semi_major_axis(altitude_km, inclination_deg):
    """sgp4init recovers the Brouwer mean motion and keeps ``a`` in WGS72 Earth radii."""
    sat = satrec(altitude_km, inclination_deg)
    assert sat.a * WGS72_RADIUS_KM - WGS84_RADIUS_KM == pytest.approx(altitude_km, abs=1e-3)
    # The Kozai mean motion is what sgp4init was given.
    assert sat.no_kozai == pytest.approx(
        float(kozai_mean_motion_rad_min(altitude_km, inclination_deg)), rel=1e-15
    )


@pytest.mark.parametrize(("altitude_km", "eccentricity"),
                         [(1000.0, 0.001), (1000.0, 0.05), (20_200.0, 0.5), (20_200.0, 0.74)])
def test_kozai_mean_motion_with_eccentricity(altitude_km, eccentricity):
    sat = satrec(altitude_km, 63.4, eccentricity)
    assert sat.a * WGS72_RADIUS_KM - WGS84_RADIUS_KM == pytest.approx(altitude_km, abs=1e-3)


def test_kozai_mean_motion_is_vectorised():
    out = kozai_mean_motion_rad_min(np.array([550.0, 650.0]), np.array([53.0, 98.0]))
    assert out.shape == (2,)
    for value, (altitude, inclination) in zip(out, [(550.0, 53.0), (650.0, 98.0)]):
        assert value == pytest.approx(float(kozai_mean_motion_rad_min(altitude, inclination)))


@pytest.mark.parametrize("altitude_km", [500.0, 650.0, 850.0])
def test_propagated_sun_synchronous_node_follows_the_mean_sun(altitude_km):
    """Fit the right ascension of the node (from r × v in TEME) of 10 days of SGP4: it must
    advance at 360° per tropical year, 0.9856 °/day, within 2 %."""
    inclination = float(sun_synchronous_inclination_deg(altitude_km))
    sat = satrec(altitude_km, inclination, raan_deg=100.0)
    minutes = np.arange(0.0, 10.0 * 1440.0 + 1.0, 7.0)
    error, r, v = sat.sgp4_array(np.full(minutes.shape, sat.jdsatepoch),
                                 sat.jdsatepochF + minutes / 1440.0)
    assert not error.any()
    h = np.cross(r, v)
    raan_deg = np.degrees(np.unwrap(np.arctan2(h[:, 0], -h[:, 1])))
    rate_deg_per_day = np.polyfit(minutes / 1440.0, raan_deg, 1)[0]
    assert rate_deg_per_day == pytest.approx(MEAN_SUN_DEG_PER_DAY, rel=0.02)
    # The closed form the inclination was derived from gives the rate exactly.
    closed_form = np.degrees(nodal_regression_rad_s(altitude_km, inclination)) * 86400.0
    assert closed_form == pytest.approx(MEAN_SUN_DEG_PER_DAY, rel=1e-9)


def test_nodal_regression_sign_and_scale():
    """Prograde orbits regress westward, retrograde advance; none at 90°. ISS-like 400 km,
    51.6°: about −5.0 °/day (the widely quoted ISS nodal regression)."""
    per_day = np.degrees(nodal_regression_rad_s(np.array([400.0] * 3), [51.6, 90.0, 120.0]))
    per_day *= 86400.0
    assert per_day[0] == pytest.approx(-5.0, abs=0.1)
    assert per_day[1] == pytest.approx(0.0, abs=1e-12)
    assert per_day[2] > 0.0


def test_orbital_period():
    """DESIGN.md: 95.6 min at 550 km; GEO one sidereal day."""
    assert float(orbital_period_s(550.0)) / 60.0 == pytest.approx(95.6, abs=0.05)
    assert float(orbital_period_s(35_786.0)) == pytest.approx(86164.1, abs=2.0)
