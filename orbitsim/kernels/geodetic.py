"""Geodetic coordinates on the WGS84 ellipsoid (NIMA TR8350.2)."""

from __future__ import annotations

import numpy as np

from orbitsim.constants import EARTH_FLATTENING, EARTH_RADIUS_KM

_E2 = EARTH_FLATTENING * (2.0 - EARTH_FLATTENING)
_B_KM = EARTH_RADIUS_KM * (1.0 - EARTH_FLATTENING)
_EP2 = _E2 / (1.0 - _E2)
_A_OVER_B = EARTH_RADIUS_KM / _B_KM
_B_OVER_A = _B_KM / EARTH_RADIUS_KM
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
    :func:`ecef_to_geodetic_components` does the work, on one array per coordinate.

    >>> lat, lon, alt = ecef_to_geodetic(np.array([6378.137 + 550.0, 0.0, 0.0]))
    >>> float(lat), float(lon), round(float(alt), 9)
    (0.0, 0.0, 550.0)
    """
    r = np.asarray(r_ecef_km, dtype=float)
    if r.ndim == 1:
        lat_deg, lon_deg, alt_km = ecef_to_geodetic(r[None])
        return lat_deg[0], lon_deg[0], alt_km[0]
    # Contiguous copies: each coordinate is read several times, strided reads cost 2-4x more.
    x, y, z = (np.ascontiguousarray(r[..., k]) for k in range(3))
    return ecef_to_geodetic_components(x, y, z)


#: Scratch arrays :func:`ecef_to_geodetic_components` needs (``work`` argument).
GEODETIC_WORK_ARRAYS = 6


def _scratch_arrays(work: np.ndarray | None, count: int, shape: tuple[int, ...]) -> list:
    """``count`` float arrays of ``shape``: views of ``work`` (``(>= count, *shape)``) when
    given, else new arrays."""
    if work is None:
        return [np.empty(shape) for _ in range(count)]
    if work.dtype != np.float64 or work.ndim < 1 or work.shape[0] < count \
            or work.shape[1:] != tuple(shape):
        raise ValueError(f"work must be float64 ({count}, *{tuple(shape)}), got "
                         f"{work.dtype} {work.shape}")
    return list(work[:count])


def _bowring_step(sin_base, cos_base, sin_sq, cos_sq, sin_scale: float, z, p, num, den,
                  work, inv_cube) -> None:
    """One Bowring step, in place: from a reduced latitude ``u`` given by unnormalised
    ``sin u = sin_scale · sin_base``, ``cos u = cos_base`` (and their squares without the
    scale), ``tan φ = num / den = (z + e'² b sin³u) / (p − e² a cos³u)``."""
    np.multiply(sin_sq, sin_scale * sin_scale, out=work)
    work += cos_sq
    np.sqrt(work, out=inv_cube)
    inv_cube *= work
    np.divide(1.0, inv_cube, out=inv_cube)
    np.multiply(sin_sq, sin_base, out=work)
    work *= inv_cube
    np.multiply(work, _EP2 * _B_KM * sin_scale**3, out=num)
    num += z
    np.multiply(cos_sq, cos_base, out=work)
    work *= inv_cube
    np.multiply(work, -_E2 * EARTH_RADIUS_KM, out=den)
    den += p


def ecef_to_geodetic_components(x_km, y_km, z_km,
                                out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                                work: np.ndarray | None = None):
    """:func:`ecef_to_geodetic` of ECEF coordinates held in three arrays of one shape, km
    (contiguous arrays are fastest). Returns ``(lat_deg, lon_deg, alt_km)``, written into
    ``out`` when given (arrays of that shape not overlapping the inputs). ``work`` is optional
    scratch space, ``(GEODETIC_WORK_ARRAYS, *shape)`` float64, reused across calls in loops:
    a fresh temporary above glibc's mmap threshold (128 kB) is page-faulted on every call,
    which costs about as much as the arithmetic.

    The same two Bowring steps, as in-place passes (the inner loop of the propagation
    pipeline). Both angles are ``arctan`` of a ratio rather than ``arctan2``, which is about
    2.5 times dearer in numpy: the latitude's denominator ``p − e² a cos³u`` is positive
    except within ~43 km of the Earth's centre, and the longitude adds ``±180°`` where
    ``x`` is negative. Points where that does not hold (on the polar axis, near the centre,
    NaN) are redone with ``arctan2``; a single reduction finds them.
    """
    x, y, z = np.broadcast_arrays(np.asarray(x_km, dtype=float), np.asarray(y_km, dtype=float),
                                  np.asarray(z_km, dtype=float))
    if out is None:
        lat_deg, lon_deg, alt_km = (np.empty(x.shape) for _ in range(3))
    else:
        lat_deg, lon_deg, alt_km = out
    p2, p, z2, num, den, work = _scratch_arrays(work, GEODETIC_WORK_ARRAYS, x.shape)
    np.multiply(x, x, out=p2)
    np.multiply(y, y, out=work)
    p2 += work
    np.sqrt(p2, out=p)
    np.multiply(z, z, out=z2)
    num2 = lat_deg  # scratch until the angles are written
    den2 = lon_deg
    # First guess tan u = (a/b) z/p (exact on the ellipsoid), then u from the first step's φ:
    # tan u = (b/a) tan φ.
    _bowring_step(z, p, z2, p2, _A_OVER_B, z, p, num2, den2, work, alt_km)
    np.multiply(num2, num2, out=z2)
    np.multiply(den2, den2, out=p2)
    _bowring_step(num2, den2, z2, p2, _B_OVER_A, z, p, num, den, work, alt_km)
    # Height: (p den + z num − a √(den² + (1 − e²) num²)) / √(num² + den²).
    np.multiply(num, num, out=z2)
    np.multiply(den, den, out=p2)
    np.multiply(z2, 1.0 - _E2, out=work)
    work += p2
    np.sqrt(work, out=work)
    work *= -EARTH_RADIUS_KM
    np.multiply(p, den, out=alt_km)
    alt_km += work
    np.multiply(z, num, out=work)
    alt_km += work
    z2 += p2
    np.sqrt(z2, out=z2)
    alt_km /= z2
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(num, den, out=lat_deg)
        np.arctan(lat_deg, out=lat_deg)
        lat_deg *= _DEG_PER_RAD
        np.divide(y, x, out=lon_deg)
        np.arctan(lon_deg, out=lon_deg)
        lon_deg *= _DEG_PER_RAD
    # atan2(y, x) = atan(y/x) ± 180° (the sign of y, also for y = ±0) where x is negative,
    # -0 included (y/-0 is -inf·sign y).
    np.copysign(180.0, y, out=work)
    work *= np.signbit(x)
    lon_deg += work
    # Rare points: on the polar axis (p = 0), near the centre (den <= 0), NaN (min is NaN).
    if not den.min(initial=np.inf) > 0.0:
        redo = ~(den > 0.0)
        lat_deg[redo] = np.degrees(np.arctan2(num[redo], den[redo]))
        lon_deg[redo] = np.degrees(np.arctan2(y[redo], x[redo]))
    return lat_deg, lon_deg, alt_km
