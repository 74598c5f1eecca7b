"""Look angles from ground stations, visibility caps and Earth-clear lines of sight.

Shapes: satellites ``(n_sats, n_times, 3)`` ECEF km; stations ``(n_stations, 3)``; results
``(n_sats, n_stations, n_times)``. The elevation test is one matrix product per block of
samples, ``r · [up, −2s]`` for all satellite positions ``r`` against all stations ``s``
(``sin el = (r − s)·up / |r − s|`` with ``|r − s|² = |r|² − 2 r·s + |s|²``), in blocks small
enough for the CPU cache.

Formulas: topocentric east-north-up frame and look angles, Vallado, *Fundamentals of
Astrodynamics and Applications*, 4th ed., §4.4 (algorithm 27, RAZEL); visibility-cap half-angle
from the triangle Earth centre–station–satellite, Wertz & Larson, *Space Mission Analysis and
Design*, 3rd ed., §5.2 (eqs. 5-26 to 5-28).
"""

from __future__ import annotations

import numpy as np

from orbitsim.kernels.geodetic import geodetic_to_ecef_km

#: Largest angle between the WGS84 geodetic normal and the geocentric radius (deflection of the
#: vertical of the ellipsoid, 0.1924° at 45° latitude), rounded up; degrees.
MAX_GEODETIC_GEOCENTRIC_DEG = 0.2


def station_frames(lat_deg, lon_deg, alt_km) -> tuple[np.ndarray, np.ndarray]:
    """ECEF positions ``(n, 3)`` km and ENU bases ``(n, 3, 3)`` of geodetic stations.

    ``enu[i]`` holds the unit vectors east, north and up (rows) of station ``i`` in ECEF, so
    ``enu[i] @ d`` gives the topocentric (e, n, u) components of an ECEF vector ``d``.
    """
    lat = np.radians(np.atleast_1d(np.asarray(lat_deg, dtype=float)))
    lon = np.radians(np.atleast_1d(np.asarray(lon_deg, dtype=float)))
    alt_km = np.broadcast_to(np.asarray(alt_km, dtype=float), lat.shape)
    if lat.shape != lon.shape or lat.ndim != 1:
        raise ValueError(f"lat_deg {lat.shape} and lon_deg {lon.shape} must be equal 1-d shapes")
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    east = np.stack([-sin_lon, cos_lon, np.zeros_like(lon)], axis=-1)
    north = np.stack([-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat], axis=-1)
    up = np.stack([cos_lat * cos_lon, cos_lat * sin_lon, sin_lat], axis=-1)
    ecef = geodetic_to_ecef_km(np.degrees(lat), np.degrees(lon), alt_km)
    return ecef.reshape(-1, 3), np.stack([east, north, up], axis=1)


#: Rows (satellite-time samples) per block of the elevation test: the block's temporaries stay
#: in the CPU cache (a block is ``rows × n_stations`` values).
_ROWS_PER_BLOCK = 1024


def _check_positions(r_ecef_km) -> np.ndarray:
    r = np.asarray(r_ecef_km, dtype=float)
    if r.ndim != 3 or r.shape[-1] != 3:
        raise ValueError(f"r_ecef_km must be (n_sats, n_times, 3), got {r.shape}")
    return r


def _features(r: np.ndarray) -> np.ndarray:
    """Rows ``[x, y, z, |r|², 1]`` of every sample, ``(n_sats·n_times, 5)``."""
    flat = r.reshape(-1, 3)
    features = np.empty((len(flat), 5))
    features[:, :3] = flat
    features[:, 3] = np.einsum("ij,ij->i", flat, flat)
    features[:, 4] = 1.0
    return features


def _elevation_matrix(station_ecef_km, station_up, range2_scale) -> np.ndarray:
    """``(5, 2S)`` matrix whose product with :func:`_features` rows gives, per station,
    ``h = (r − s)·up`` (first S columns) and ``scale·|r − s|²`` (last S columns)."""
    s = np.asarray(station_ecef_km, dtype=float).reshape(-1, 3)
    up = np.asarray(station_up, dtype=float).reshape(-1, 3)
    if s.shape != up.shape:
        raise ValueError(f"station positions {s.shape} and up vectors {up.shape} differ")
    n_st = len(s)
    scale = np.broadcast_to(np.asarray(range2_scale, dtype=float), (n_st,))
    matrix = np.zeros((5, 2 * n_st))
    matrix[:3, :n_st] = up.T
    matrix[4, :n_st] = -np.einsum("ij,ij->i", s, up)
    matrix[:3, n_st:] = (-2.0 * s * scale[:, None]).T
    matrix[3, n_st:] = scale
    matrix[4, n_st:] = scale * np.einsum("ij,ij->i", s, s)
    return matrix


def sin_elevation(
    r_ecef_km: np.ndarray, station_ecef_km: np.ndarray, station_up: np.ndarray
) -> np.ndarray:
    """Sine of the elevation of every satellite position above every station.

    ``r_ecef_km`` is ``(n_sats, n_times, 3)``, ``station_ecef_km`` and ``station_up`` are
    ``(n_stations, 3)``; returns ``(n_sats, n_stations, n_times)`` (a transposed view of a
    ``(n_sats, n_times, n_stations)`` array). One matrix product per block of samples gives
    ``h = r·up − s·up`` and ``|d|² = |r|² − 2 r·s + |s|²``; NaN positions give NaN.
    """
    r = _check_positions(r_ecef_km)
    n_sats, n_times, _ = r.shape
    matrix = _elevation_matrix(station_ecef_km, station_up, 1.0)
    n_st = matrix.shape[1] // 2
    features = _features(r)
    out = np.empty((len(features), n_st))
    buffer = np.empty((_ROWS_PER_BLOCK, 2 * n_st))
    for lo in range(0, len(features), _ROWS_PER_BLOCK):
        hi = min(lo + _ROWS_PER_BLOCK, len(features))
        products = np.matmul(features[lo:hi], matrix, out=buffer[: hi - lo])
        range_km = np.sqrt(products[:, n_st:], out=products[:, n_st:])
        np.divide(products[:, :n_st], range_km, out=out[lo:hi])
    return out.reshape(n_sats, n_times, n_st).transpose(0, 2, 1)


def above_mask(
    r_ecef_km: np.ndarray, station_ecef_km: np.ndarray, station_up: np.ndarray,
    min_elevation_deg,
) -> np.ndarray:
    """True where a satellite is at or above each station's elevation mask.

    Shapes as :func:`sin_elevation` (``min_elevation_deg`` scalar or ``(n_stations,)``); result
    ``(n_sats, n_stations, n_times)`` bool (a transposed view). No square root or division:
    ``sin el ≥ sin m`` ⟺ ``h·|h| ≥ sign(m)·sin² m·|d|²`` with ``h = (r − s)·up``, ``d = r − s``,
    both sides from one matrix product per block of samples.
    """
    r = _check_positions(r_ecef_km)
    n_sats, n_times, _ = r.shape
    sin_mask = np.sin(np.radians(np.asarray(min_elevation_deg, dtype=float)))
    matrix = _elevation_matrix(station_ecef_km, station_up, np.sign(sin_mask) * sin_mask**2)
    n_st = matrix.shape[1] // 2
    features = _features(r)
    out = np.empty((len(features), n_st), dtype=bool)
    buffer = np.empty((_ROWS_PER_BLOCK, 2 * n_st))
    square = np.empty((_ROWS_PER_BLOCK, n_st))
    for lo in range(0, len(features), _ROWS_PER_BLOCK):
        hi = min(lo + _ROWS_PER_BLOCK, len(features))
        m = hi - lo
        products = np.matmul(features[lo:hi], matrix, out=buffer[:m])
        height = products[:, :n_st]
        np.abs(height, out=square[:m])
        square[:m] *= height
        np.greater_equal(square[:m], products[:, n_st:], out=out[lo:hi])
    return out.reshape(n_sats, n_times, n_st).transpose(0, 2, 1)


def look_angles(
    r_ecef_km: np.ndarray, station_ecef_km: np.ndarray, station_enu: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elevation (deg), azimuth (deg, from north through east, [0, 360)) and range (km).

    ``r_ecef_km`` ``(n_sats, n_times, 3)``, ``station_ecef_km`` ``(n_stations, 3)``,
    ``station_enu`` ``(n_stations, 3, 3)``; each result is ``(n_sats, n_stations, n_times)``.
    """
    r = np.asarray(r_ecef_km, dtype=float)
    if r.ndim != 3 or r.shape[-1] != 3:
        raise ValueError(f"r_ecef_km must be (n_sats, n_times, 3), got {r.shape}")
    s = np.asarray(station_ecef_km, dtype=float).reshape(-1, 3)
    enu = np.asarray(station_enu, dtype=float).reshape(-1, 3, 3)
    n_sats, n_times, _ = r.shape
    basis = enu.reshape(-1, 3)  # (3*n_stations, 3): rows e0, n0, u0, e1, ...
    local = (r.reshape(-1, 3) @ basis.T).reshape(n_sats, n_times, len(s), 3)
    local = local - np.einsum("ikj,ij->ik", enu, s)  # subtract the station's own components
    east, north, up = local[..., 0], local[..., 1], local[..., 2]
    range_km = np.sqrt(east * east + north * north + up * up)
    elevation = np.degrees(np.arcsin(np.clip(up / range_km, -1.0, 1.0)))
    azimuth = np.degrees(np.arctan2(east, north)) % 360.0
    return tuple(a.transpose(0, 2, 1) for a in (elevation, azimuth, range_km))


def cap_half_angle_rad(radius_km, min_elevation_deg, station_radius_km=6378.137) -> np.ndarray:
    """Earth central angle of the visibility cap, radians (spherical Earth).

    A satellite at geocentric distance ``radius_km`` is seen at elevation ≥ ``min_elevation_deg``
    from a station at geocentric distance ``station_radius_km`` exactly when the angle between
    their geocentric directions is at most ``λ = arccos(R_s cos ε / r) − ε`` (SMAD eq. 5-26..28).
    Returns 0 where the satellite is below the station. Broadcasts its arguments.
    """
    eps = np.radians(np.asarray(min_elevation_deg, dtype=float))
    ratio = np.asarray(station_radius_km, dtype=float) * np.cos(eps) / np.asarray(radius_km, float)
    return np.maximum(np.arccos(np.clip(ratio, -1.0, 1.0)) - eps, 0.0)


def segment_min_radius_km(r_a_km: np.ndarray, r_b_km: np.ndarray) -> np.ndarray:
    """Closest approach to the Earth's centre of the segments ``r_a → r_b``, km.

    Inputs ``(..., 3)`` (broadcast); output ``(...)``. The point ``r_a + t (r_b − r_a)`` with
    ``t = clip(−r_a·d / |d|², 0, 1)`` is the segment's nearest point to the origin.
    """
    a = np.asarray(r_a_km, dtype=float)
    d = np.asarray(r_b_km, dtype=float) - a
    d2 = np.einsum("...i,...i->...", d, d)
    t = np.clip(-np.einsum("...i,...i->...", a, d) / np.where(d2 > 0.0, d2, 1.0), 0.0, 1.0)
    nearest = a + t[..., None] * d
    return np.sqrt(np.einsum("...i,...i->...", nearest, nearest))


def segment_clear_components(ax, ay, az, bx, by, bz, clear_radius_km: float
                             ) -> tuple[np.ndarray, np.ndarray]:
    """Earth-clear test and squared length of segments ``a → b`` given one array per coordinate.

    Inputs: six float arrays of one shape, km (e.g. gathered from contiguous per-coordinate
    position arrays); returns ``(clear, length_sq_km2)`` of that shape. ``clear`` is
    :func:`segment_min_radius_km` ``> clear_radius_km`` in squared form, without a square root:
    ``|a + t d|² = |a|² + t (2 a·d + t |d|²) > R²`` with ``t = clip(−a·d / |d|², 0, 1)``. NaN
    coordinates give False.
    """
    dx = np.subtract(bx, ax)
    dy = np.subtract(by, ay)
    dz = np.subtract(bz, az)
    length_sq = dx * dx
    length_sq += dy * dy
    length_sq += dz * dz
    ad = np.multiply(ax, dx, out=dx)
    ad += np.multiply(ay, dy, out=dy)
    ad += np.multiply(az, dz, out=dz)
    t = np.divide(-ad, np.where(length_sq > 0.0, length_sq, 1.0))
    np.clip(t, 0.0, 1.0, out=t)
    closest_sq = np.multiply(t, length_sq)
    closest_sq += 2.0 * ad
    closest_sq *= t
    closest_sq += np.multiply(ax, ax)
    closest_sq += np.multiply(ay, ay)
    closest_sq += np.multiply(az, az)
    return closest_sq > float(clear_radius_km) ** 2, length_sq


def line_of_sight(r_a_km: np.ndarray, r_b_km: np.ndarray, clear_radius_km: float) -> np.ndarray:
    """True where the segment between two positions stays above ``clear_radius_km``.

    ``clear_radius_km`` is typically the Earth's radius plus a grazing altitude (the atmosphere a
    laser link must not cross). Inputs ``(..., 3)``; NaN positions give False.
    """
    if not clear_radius_km > 0.0:
        raise ValueError(f"clear_radius_km must be positive, got {clear_radius_km}")
    return segment_min_radius_km(r_a_km, r_b_km) > clear_radius_km
