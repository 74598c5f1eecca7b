"""Earth's shadow: the illuminated fraction of the solar disc seen from a satellite.

Conical model with a spherical Earth and a finite Sun (Montenbruck & Gill, *Satellite Orbits*,
2000, sec. 3.4.2): with ``a`` the apparent radius of the Sun, ``b`` that of the Earth and ``c``
the angle between their centres as seen from the satellite,

* ``c >= a + b``: full sunlight, fraction 1;
* ``c <= b - a``: umbra, fraction 0 (``b > a`` everywhere below ~1.4 million km);
* otherwise penumbra: 1 minus the area of the lens where the two discs overlap over ``π a²``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orbitsim.constants import EARTH_RADIUS_KM, SUN_RADIUS_KM


def shadow_angles(r_sat_km: np.ndarray, r_sun_km: np.ndarray,
                  earth_radius_km: float = EARTH_RADIUS_KM):
    """Apparent radii of Sun and Earth and their separation, radians.

    ``r_sat_km`` is ``(..., n_times, 3)`` and ``r_sun_km`` ``(n_times, 3)``, both geocentric in the
    same frame. Returns ``(a, b, c)``, each ``(..., n_times)``.
    """
    r_sat_km = np.asarray(r_sat_km, dtype=float)
    r_sun_km = np.asarray(r_sun_km, dtype=float)
    to_sun = r_sun_km - r_sat_km
    d_sun = np.sqrt(np.einsum("...i,...i->...", to_sun, to_sun))
    d_earth = np.sqrt(np.einsum("...i,...i->...", r_sat_km, r_sat_km))
    a = np.arcsin(np.minimum(SUN_RADIUS_KM / d_sun, 1.0))
    b = np.arcsin(np.minimum(earth_radius_km / d_earth, 1.0))
    cos_c = -np.einsum("...i,...i->...", r_sat_km, to_sun) / (d_earth * d_sun)
    c = np.arccos(np.clip(cos_c, -1.0, 1.0))
    return a, b, c


def disc_overlap_fraction(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Visible fraction of a disc of radius ``a`` partly covered by one of radius ``b`` whose
    centre is ``c`` away (small-angle plane geometry of two circles), in [0, 1]."""
    a, b, c = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(c, float))
    out = np.ones(a.shape)
    out[c <= b - a] = 0.0
    annular = c <= a - b
    out[annular] = 1.0 - (b[annular] / a[annular]) ** 2
    part = (c < a + b) & (c > np.abs(b - a))
    if np.any(part):
        ap, bp, cp = a[part], b[part], c[part]
        x = (cp * cp + ap * ap - bp * bp) / (2.0 * cp)
        y = np.sqrt(np.maximum(ap * ap - x * x, 0.0))
        lens = (
            ap * ap * np.arccos(np.clip(x / ap, -1.0, 1.0))
            + bp * bp * np.arccos(np.clip((cp - x) / bp, -1.0, 1.0))
            - cp * y
        )
        out[part] = np.clip(1.0 - lens / (np.pi * ap * ap), 0.0, 1.0)
    return out


@dataclass(frozen=True, eq=False)
class ShadowAxis:
    """Per-time quantities of the shadow test, computed once per time grid by
    :func:`shadow_axis`: the Sun ``r_sun_km`` ``(n_times, 3)``, its unit vector as three
    contiguous ``(n_times,)`` arrays, and conservative bounds of the two cones at a distance
    ``s`` behind the Earth's centre: the umbra's radius is at least
    ``umbra_base_km − s · umbra_slope`` and the penumbra's at most
    ``penumbra_base_km + s · penumbra_slope`` at every time of the grid."""

    r_sun_km: np.ndarray
    unit_x: np.ndarray
    unit_y: np.ndarray
    unit_z: np.ndarray
    umbra_base_km: float
    umbra_slope: float
    penumbra_base_km: float
    penumbra_slope: float
    earth_radius_km: float


def shadow_axis(r_sun_km: np.ndarray, earth_radius_km: float = EARTH_RADIUS_KM) -> ShadowAxis:
    """The :class:`ShadowAxis` of Sun positions ``(n_times, 3)``, km, geocentric.

    The cones are tangent to both spheres, half-angles ``sin g = (R☉ − R)/d☉`` (umbra, apex
    behind the Earth) and ``sin f = (R☉ + R)/d☉`` (penumbra, apex sunward); at ``s`` behind
    the centre their radii are ``R / cos g − s tan g`` and ``R / cos f + s tan f``
    (Montenbruck & Gill, sec. 3.4.2). Both angles are largest at the nearest Sun of the grid;
    the bounds add 1 km and a relative 1e-6 to the slopes, far above rounding.
    """
    r_sun_km = np.ascontiguousarray(r_sun_km, dtype=float)
    if r_sun_km.ndim != 2 or r_sun_km.shape[1] != 3:
        raise ValueError(f"Sun positions must be (n_times, 3), got {r_sun_km.shape}")
    d_sun = np.sqrt(np.einsum("ti,ti->t", r_sun_km, r_sun_km))
    unit_x, unit_y, unit_z = np.ascontiguousarray((r_sun_km / d_sun[:, None]).T)
    nearest_km = float(np.min(d_sun)) if len(d_sun) else np.inf
    umbra = float(np.arcsin(min((SUN_RADIUS_KM - earth_radius_km) / nearest_km, 1.0)))
    penumbra = float(np.arcsin(min((SUN_RADIUS_KM + earth_radius_km) / nearest_km, 1.0)))
    return ShadowAxis(
        r_sun_km, unit_x, unit_y, unit_z,
        umbra_base_km=earth_radius_km - 1.0,
        umbra_slope=float(np.tan(umbra)) * (1.0 + 1e-6),
        penumbra_base_km=earth_radius_km / max(float(np.cos(penumbra)), 1e-300) + 1.0,
        penumbra_slope=float(np.tan(penumbra)) * (1.0 + 1e-6),
        earth_radius_km=float(earth_radius_km),
    )


def illuminated_fraction(
    r_sat_km: np.ndarray, r_sun_km: np.ndarray, earth_radius_km: float = EARTH_RADIUS_KM
) -> np.ndarray:
    """Fraction of the solar disc visible from each satellite position, 0 (umbra) to 1.

    ``r_sat_km`` ``(n_sats, n_times, 3)``, ``r_sun_km`` ``(n_times, 3)``, same geocentric frame;
    returns ``(n_sats, n_times)``. NaN positions give NaN.
    :func:`illuminated_fraction_components` does the work, on one array per coordinate.

    >>> sun = np.array([[1.496e8, 0.0, 0.0]])
    >>> illuminated_fraction(np.array([[[-7000.0, 0.0, 0.0]], [[7000.0, 0.0, 0.0]]]), sun)
    array([[0.],
           [1.]])
    """
    r_sat_km = np.asarray(r_sat_km, dtype=float)
    if r_sat_km.ndim == 2:
        return illuminated_fraction(r_sat_km[None], r_sun_km, earth_radius_km)[0]
    x, y, z = (np.ascontiguousarray(r_sat_km[..., k]) for k in range(3))
    return illuminated_fraction_components(x, y, z, shadow_axis(r_sun_km, earth_radius_km))


def illuminated_fraction_components(x_km: np.ndarray, y_km: np.ndarray, z_km: np.ndarray,
                                    axis: ShadowAxis, out: np.ndarray | None = None) -> np.ndarray:
    """:func:`illuminated_fraction` of satellite coordinates held in three arrays
    ``(n_sats, n_times)``, km, with the Sun's :class:`ShadowAxis`; written into ``out``
    (that shape) when given. :func:`shadow_prefilter` decides all but the points near the
    penumbra, :func:`penumbra_fraction` those."""
    x, y, z = np.broadcast_arrays(np.asarray(x_km, dtype=float), np.asarray(y_km, dtype=float),
                                  np.asarray(z_km, dtype=float))
    if out is None:
        out = np.empty(x.shape)
    flat = shadow_prefilter(x, y, z, axis, out)
    if len(flat):
        sat, time = np.divmod(flat, x.shape[1])
        r = np.stack([x[sat, time], y[sat, time], z[sat, time]], axis=-1)
        out[sat, time] = penumbra_fraction(r, axis.r_sun_km[time], axis.earth_radius_km)
    return out


#: Scratch arrays :func:`shadow_prefilter` needs (``work`` argument).
SHADOW_WORK_ARRAYS = 4


def shadow_prefilter(x_km: np.ndarray, y_km: np.ndarray, z_km: np.ndarray, axis: ShadowAxis,
                     out: np.ndarray, work: np.ndarray | None = None) -> np.ndarray:
    """Write the illuminated fraction of the points far from the penumbra into ``out``
    ``(n_sats, n_times)`` (1 lit, 0 umbra, NaN for NaN positions) and return the flat indices
    (into ``(n_sats, n_times)``) of the others, left for :func:`penumbra_fraction`.

    With ``s`` the distance of a satellite behind the Earth's centre along the Sun direction
    and ``q`` its distance from the shadow axis, points in front of the centre (``s <= 0``)
    or with ``q`` beyond the :class:`ShadowAxis` penumbra bound are lit, points with ``q``
    within its umbra bound are in umbra: a few passes over contiguous arrays. (In front of
    the centre, the penumbra cone only reaches 73 m above the ground, as in the textbook
    model's usual terminator test.) The band between the bounds is ~1 % of a low orbit.
    ``work`` is optional scratch space, ``(SHADOW_WORK_ARRAYS, n_sats, n_times)`` float64,
    reused across calls (a fresh temporary above glibc's mmap threshold is page-faulted on
    every call).
    """
    x, y, z = x_km, y_km, z_km
    n_times = len(axis.unit_x)
    if x.ndim != 2 or x.shape[1] != n_times or out.shape != x.shape:
        raise ValueError(f"coordinates {x.shape} and out {out.shape} do not match "
                         f"(n_sats, {n_times})")
    if work is None:
        along, r2, q2, work = (np.empty(x.shape) for _ in range(SHADOW_WORK_ARRAYS))
    elif work.dtype != np.float64 or work.shape[0] < SHADOW_WORK_ARRAYS \
            or work.shape[1:] != x.shape:
        raise ValueError(f"work must be float64 ({SHADOW_WORK_ARRAYS}, *{x.shape}), got "
                         f"{work.dtype} {work.shape}")
    else:
        along, r2, q2, work = work[:SHADOW_WORK_ARRAYS]
    # along: signed distance along the Sun direction; r2, q2: squared distances from the
    # Earth's centre and from the shadow axis.
    np.multiply(x, axis.unit_x, out=along)
    np.multiply(y, axis.unit_y, out=work)
    along += work
    np.multiply(z, axis.unit_z, out=work)
    along += work
    np.multiply(x, x, out=r2)
    np.multiply(y, y, out=work)
    r2 += work
    np.multiply(z, z, out=work)
    r2 += work
    np.multiply(along, along, out=q2)
    np.subtract(r2, q2, out=q2)
    behind = np.less(along, 0.0)
    # Umbra for sure: q below the umbra bound at s = −along (kept >= 0 past its apex).
    np.multiply(along, axis.umbra_slope, out=work)
    work += axis.umbra_base_km
    np.maximum(work, 0.0, out=work)
    work *= work
    umbra = np.less(q2, work)
    umbra &= behind
    # Lit for sure: q beyond the penumbra bound.
    np.multiply(along, -axis.penumbra_slope, out=work)
    work += axis.penumbra_base_km
    work *= work
    band = np.less(q2, work)
    band &= behind
    band ^= umbra  # the umbra bound lies inside the penumbra bound
    np.subtract(1.0, umbra, out=out)
    # NaN positions: the sum of r2 is NaN if any term is (one reduction, not a mask).
    if np.isnan(np.add.reduce(r2, axis=None)):
        out[np.isnan(r2)] = np.nan
    return np.flatnonzero(band)


def penumbra_fraction(r_sat_km: np.ndarray, r_sun_km: np.ndarray,
                      earth_radius_km: float = EARTH_RADIUS_KM) -> np.ndarray:
    """The conical model at positions ``(k, 3)`` with Sun positions ``(k, 3)``, any point:
    ``c >= a + b`` and ``c <= b − a`` tested on cosines (the same expressions as
    :func:`shadow_margins`, so the two agree exactly), the lens area where neither holds.
    Returns ``(k,)``. Meant for the few points :func:`shadow_prefilter` leaves."""
    r = r_sat_km
    to_sun = r_sun_km - r
    d_s = np.sqrt(np.einsum("ki,ki->k", to_sun, to_sun))
    d_e = np.sqrt(np.einsum("ki,ki->k", r, r))
    cos_c = -np.einsum("ki,ki->k", r, to_sun) / (d_e * d_s)
    sin_a = SUN_RADIUS_KM / d_s
    sin_b = np.minimum(earth_radius_km / d_e, 1.0)
    cos_a = np.sqrt(1.0 - sin_a * sin_a)
    cos_b = np.sqrt(1.0 - sin_b * sin_b)
    lit = cos_c <= cos_a * cos_b - sin_a * sin_b  # c >= a + b
    umbra = (cos_c >= cos_a * cos_b + sin_a * sin_b) & (sin_b > sin_a)  # c <= b - a
    value = np.subtract(1.0, umbra)
    partial = np.flatnonzero(~(lit | umbra))
    if len(partial):
        a = np.arcsin(sin_a[partial])
        b = np.arcsin(sin_b[partial])
        c = np.arccos(np.minimum(np.maximum(cos_c[partial], -1.0), 1.0))
        value[partial] = (_lens_fraction(a, b, c) if (b > a).all()
                          else disc_overlap_fraction(a, b, c))
    return value


def _lens_fraction(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """:func:`disc_overlap_fraction` where ``b > a`` (the Earth looks larger than the Sun):
    the lens formula alone, which reaches 1 at ``c = a + b`` and 0 at ``c = b − a`` and is
    clipped beyond (the same expressions, so the same bits inside the penumbra)."""
    x = (c * c + a * a - b * b) / (2.0 * c)
    y = np.sqrt(np.maximum(a * a - x * x, 0.0))
    lens = (
        a * a * np.arccos(np.minimum(np.maximum(x / a, -1.0), 1.0))
        + b * b * np.arccos(np.minimum(np.maximum((c - x) / b, -1.0), 1.0))
        - c * y
    )
    return np.minimum(np.maximum(1.0 - lens / (np.pi * a * a), 0.0), 1.0)


def shadow_margins(r_sat_km: np.ndarray, r_sun_km: np.ndarray,
                   earth_radius_km: float = EARTH_RADIUS_KM):
    """Signed margins of the penumbra and umbra cones for positions ``(k, 3)`` and Sun
    positions ``(k, 3)``: ``(lit_margin, umbra_margin)``, each ``(k,)``.

    ``lit_margin >= 0`` exactly where :func:`illuminated_fraction` is 1 (``c >= a + b``), and
    ``umbra_margin >= 0`` exactly where it is 0 (``c <= b - a``). Both are smooth in time, for
    root finding: they are cosine differences, dimensionless.
    """
    to_sun = r_sun_km - r_sat_km
    d_s = np.sqrt(np.einsum("ki,ki->k", to_sun, to_sun))
    d_e = np.sqrt(np.einsum("ki,ki->k", r_sat_km, r_sat_km))
    cos_c = -np.einsum("ki,ki->k", r_sat_km, to_sun) / (d_e * d_s)
    sin_a = SUN_RADIUS_KM / d_s
    sin_b = np.minimum(earth_radius_km / d_e, 1.0)
    cos_a = np.sqrt(1.0 - sin_a * sin_a)
    cos_b = np.sqrt(1.0 - sin_b * sin_b)
    lit_margin = (cos_a * cos_b - sin_a * sin_b) - cos_c
    umbra_margin = cos_c - (cos_a * cos_b + sin_a * sin_b)
    return lit_margin, umbra_margin
