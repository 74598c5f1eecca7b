"""Geodetic coordinates on the WGS84 ellipsoid.

:func:`ecef_to_geodetic` is Heikkinen's exact closed form (M. Heikkinen, "Geschlossene Formeln
zur Berechnung räumlicher geodätischer Koordinaten aus rechtwinkligen Koordinaten",
Z. Vermess. 107, 1982; as given in J. Zhu, IEEE TAES 30(3), 1994): no iteration, exact to
rounding for any point outside the Earth's core.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6378.137
EARTH_FLATTENING = 1.0 / 298.257223563
_E2 = EARTH_FLATTENING * (2.0 - EARTH_FLATTENING)
_B_KM = EARTH_RADIUS_KM * (1.0 - EARTH_FLATTENING)
_EP2 = _E2 / (1.0 - _E2)


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

    Each output has the leading shape of the input. NaN positions give NaN coordinates.

    >>> lat, lon, alt = ecef_to_geodetic(np.array([6378.137 + 550.0, 0.0, 0.0]))
    >>> float(lat), float(lon), round(float(alt), 9)
    (0.0, 0.0, 550.0)
    """
    r = np.asarray(r_ecef_km, dtype=float)
    x = r[..., 0]
    y = r[..., 1]
    z = r[..., 2]
    a = EARTH_RADIUS_KM
    b = _B_KM
    e2 = _E2
    rho2 = x * x + y * y
    rho = np.sqrt(rho2)
    z2 = z * z
    f = 54.0 * (b * b) * z2
    g = rho2 + (1.0 - e2) * z2 - e2 * (a * a - b * b)
    c = (e2 * e2) * f * rho2 / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 / s + 1.0
    p = f / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * (e2 * e2) * p)
    r0 = -(p * e2 * rho) / (1.0 + q) + np.sqrt(
        0.5 * a * a * (1.0 + 1.0 / q) - p * (1.0 - e2) * z2 / (q * (1.0 + q)) - 0.5 * p * rho2
    )
    d = rho - e2 * r0
    d2 = d * d
    u = np.sqrt(d2 + z2)
    v = np.sqrt(d2 + (1.0 - e2) * z2)
    z0 = (b * b) * z / (a * v)
    alt_km = u * (1.0 - (b * b) / (a * v))
    lat_deg = np.degrees(np.arctan2(z + _EP2 * z0, rho))
    lon_deg = np.degrees(np.arctan2(y, x))
    return lat_deg, lon_deg, alt_km
