"""Earth's shadow: the illuminated fraction of the solar disc seen from a satellite.

Conical model with a spherical Earth and a finite Sun (Montenbruck & Gill, *Satellite Orbits*,
2000, sec. 3.4.2): with ``a`` the apparent radius of the Sun, ``b`` that of the Earth and ``c``
the angle between their centres as seen from the satellite,

* ``c >= a + b``: full sunlight, fraction 1;
* ``c <= b - a``: umbra, fraction 0 (``b > a`` everywhere below ~1.4 million km);
* otherwise penumbra: 1 minus the area of the lens where the two discs overlap over ``π a²``.
"""

from __future__ import annotations

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


def illuminated_fraction(
    r_sat_km: np.ndarray, r_sun_km: np.ndarray, earth_radius_km: float = EARTH_RADIUS_KM
) -> np.ndarray:
    """Fraction of the solar disc visible from each satellite position, 0 (umbra) to 1.

    ``r_sat_km`` ``(n_sats, n_times, 3)``, ``r_sun_km`` ``(n_times, 3)``, same geocentric frame;
    returns ``(n_sats, n_times)``. NaN positions give NaN.

    The thresholds ``c = a + b`` and ``c = b - a`` are tested on cosines (square roots only);
    the trigonometric lens area is evaluated only for the few points inside the penumbra.

    >>> sun = np.array([[1.496e8, 0.0, 0.0]])
    >>> illuminated_fraction(np.array([[[-7000.0, 0.0, 0.0]], [[7000.0, 0.0, 0.0]]]), sun)
    array([[0.],
           [1.]])
    """
    r_sat_km = np.asarray(r_sat_km, dtype=float)
    r_sun_km = np.asarray(r_sun_km, dtype=float)
    if r_sat_km.ndim == 2:
        return illuminated_fraction(r_sat_km[None], r_sun_km, earth_radius_km)[0]
    d_sun = np.sqrt(np.einsum("ti,ti->t", r_sun_km, r_sun_km))
    sun_unit = r_sun_km / d_sun[:, None]
    along = np.einsum("nti,ti->nt", r_sat_km, sun_unit)
    d2 = np.einsum("nti,nti->nt", r_sat_km, r_sat_km)
    out = np.ones(along.shape)
    # Candidates: behind the terminator plane and within a cylinder a little wider than the
    # penumbra (its half-width grows by ~0.0047 rad, the Sun's diameter, per km behind Earth).
    widest_km = earth_radius_km + 0.0094 * np.sqrt(np.nanmax(d2, initial=0.0)) + 1.0
    candidate = (along < 0.0) & (d2 - along * along < widest_km * widest_km)
    flat = np.flatnonzero(candidate)
    if len(flat):
        t_index = flat % along.shape[1]
        r = r_sat_km.reshape(-1, 3)[flat]
        to_sun = r_sun_km[t_index] - r
        d_s = np.sqrt(np.einsum("ki,ki->k", to_sun, to_sun))
        d_e = np.sqrt(d2.reshape(-1)[flat])
        cos_c = -np.einsum("ki,ki->k", r, to_sun) / (d_e * d_s)
        sin_a = SUN_RADIUS_KM / d_s
        sin_b = np.minimum(earth_radius_km / d_e, 1.0)
        cos_a = np.sqrt(1.0 - sin_a * sin_a)
        cos_b = np.sqrt(1.0 - sin_b * sin_b)
        lit = cos_c <= cos_a * cos_b - sin_a * sin_b  # c >= a + b
        umbra = (cos_c >= cos_a * cos_b + sin_a * sin_b) & (sin_b > sin_a)  # c <= b - a
        value = np.where(umbra, 0.0, 1.0)
        partial = ~(lit | umbra)
        if np.any(partial):
            value[partial] = disc_overlap_fraction(
                np.arcsin(sin_a[partial]),
                np.arcsin(sin_b[partial]),
                np.arccos(np.clip(cos_c[partial], -1.0, 1.0)),
            )
        out.reshape(-1)[flat] = value
    nan = np.isnan(d2)
    if np.any(nan):
        out[nan] = np.nan
    return out


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
