"""Closed-form relations of circular orbits (pure numpy).

Sources: Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., eq. 9-41 (nodal
regression by J2) and sec. 11.4 (sun-synchronous orbits); Hoots & Roehrich, Spacetrack Report #3
(SGP4's recovery of the Brouwer mean motion from the Kozai mean motion).
"""

from __future__ import annotations

import numpy as np

from orbitsim.constants import (
    EARTH_J2,
    EARTH_MU_KM3_S2,
    EARTH_RADIUS_KM,
    SUN_SYNC_NODE_RATE_RAD_S,
)
from orbitsim.constants import WGS72_J2 as _WGS72_J2
from orbitsim.constants import WGS72_MU_KM3_S2 as _WGS72_MU
from orbitsim.constants import WGS72_RADIUS_KM as _WGS72_RADIUS_KM

_XKE_PER_MIN = 60.0 / np.sqrt(_WGS72_RADIUS_KM**3 / _WGS72_MU)


def sun_synchronous_inclination_deg(altitude_km, eccentricity=0.0) -> np.ndarray:
    """Inclination that makes the J2 nodal regression follow the mean Sun, degrees.

    ``cos i = -(2/3) Ω̇_sun a^(7/2) (1 - e²)² / (J2 R² √μ)``, with Ω̇_sun = 360° per tropical
    year. About 97.99° at 650 km.
    """
    a_km = EARTH_RADIUS_KM + np.asarray(altitude_km, dtype=float)
    cos_i = (
        -2.0 * SUN_SYNC_NODE_RATE_RAD_S * a_km**3.5 * (1.0 - np.asarray(eccentricity) ** 2) ** 2
        / (3.0 * EARTH_J2 * EARTH_RADIUS_KM**2 * np.sqrt(EARTH_MU_KM3_S2))
    )
    if np.any(np.abs(cos_i) > 1.0):
        raise ValueError(f"no sun-synchronous inclination exists at {altitude_km} km")
    return np.degrees(np.arccos(cos_i))


def kozai_mean_motion_rad_min(altitude_km, inclination_deg, eccentricity=0.0) -> np.ndarray:
    """SGP4 (Kozai) mean motion, rad/min, whose Brouwer mean semi-major axis inside SGP4 is
    ``EARTH_RADIUS_KM + altitude_km``.

    Inverts sgp4init's recovery ``n_brouwer = n_kozai / (1 + δ0)`` by fixed-point iteration
    (converges to machine precision in a few steps since δ0 ~ 1e-3).
    """
    a_er = (EARTH_RADIUS_KM + np.asarray(altitude_km, dtype=float)) / _WGS72_RADIUS_KM
    cos_i = np.cos(np.radians(inclination_deg))
    ecc = np.asarray(eccentricity, dtype=float)
    beta3 = (1.0 - ecc * ecc) ** 1.5
    k2 = 0.5 * _WGS72_J2
    con41 = 3.0 * cos_i * cos_i - 1.0
    n_brouwer = _XKE_PER_MIN / a_er**1.5
    n_kozai = n_brouwer
    for _ in range(8):
        a1 = (_XKE_PER_MIN / n_kozai) ** (2.0 / 3.0)
        del1 = 1.5 * k2 * con41 / (a1 * a1 * beta3)
        ao = a1 * (1.0 - del1 * (1.0 / 3.0 + del1 * (1.0 + 134.0 / 81.0 * del1)))
        delo = 1.5 * k2 * con41 / (ao * ao * beta3)
        n_kozai = n_brouwer * (1.0 + delo)
    return n_kozai


def orbital_period_s(altitude_km) -> np.ndarray:
    """Keplerian period of a circular orbit, seconds."""
    a_km = EARTH_RADIUS_KM + np.asarray(altitude_km, dtype=float)
    return 2.0 * np.pi * np.sqrt(a_km**3 / EARTH_MU_KM3_S2)


def nodal_regression_rad_s(altitude_km, inclination_deg, eccentricity=0.0) -> np.ndarray:
    """Secular J2 rate of the right ascension of the ascending node, rad/s (Vallado 9-41)."""
    a_km = EARTH_RADIUS_KM + np.asarray(altitude_km, dtype=float)
    n = np.sqrt(EARTH_MU_KM3_S2 / a_km**3)
    p = a_km * (1.0 - np.asarray(eccentricity) ** 2)
    return -1.5 * n * EARTH_J2 * (EARTH_RADIUS_KM / p) ** 2 * np.cos(np.radians(inclination_deg))
