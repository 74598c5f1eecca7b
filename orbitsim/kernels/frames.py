"""Frame rotations: TEME (SGP4's frame) to ECEF (ITRS without polar motion).

TEME and the pseudo-Earth-fixed frame differ by one rotation about z through the Greenwich mean
sidereal time of 1982 (Vallado et al., "Revisiting Spacetrack Report #3", AIAA 2006-6753,
Appendix C). Skyfield's ``TEME`` -> ``itrs`` chain reduces to the same rotation when no polar
motion table is loaded, which is Skyfield's default.
"""

from __future__ import annotations

import numpy as np

from orbitsim.constants import EARTH_ROTATION_RAD_S

_J2000_JD = 2451545.0
_SECONDS_PER_DAY = 86400.0
_TAU = 2.0 * np.pi


def gmst82_rad(jd_ut1_whole: np.ndarray, jd_ut1_fraction: np.ndarray) -> np.ndarray:
    """Greenwich mean sidereal time (IAU 1982), radians in [0, 2π).

    The UT1 Julian date comes split in two so that the fraction keeps full precision
    (AIAA 2006-6753 eq. C-5, as coded in sgp4's ``gstime`` and Skyfield's ``theta_GMST1982``).
    """
    jd_ut1_whole = np.asarray(jd_ut1_whole, dtype=float)
    jd_ut1_fraction = np.asarray(jd_ut1_fraction, dtype=float)
    t = (jd_ut1_whole - _J2000_JD + jd_ut1_fraction) / 36525.0
    g = 67310.54841 + (8640184.812866 + (0.093104 + (-6.2e-6) * t) * t) * t
    return (jd_ut1_whole % 1.0 + jd_ut1_fraction + g / _SECONDS_PER_DAY) % 1.0 * _TAU


def earth_rotation_rad_s(jd_ut1_whole: np.ndarray, jd_ut1_fraction: np.ndarray) -> np.ndarray:
    """Rate of the GMST angle, rad/s (the derivative of :func:`gmst82_rad`)."""
    t = (np.asarray(jd_ut1_whole) - _J2000_JD + np.asarray(jd_ut1_fraction)) / 36525.0
    dg = 8640184.812866 + (0.093104 * 2.0 + (-6.2e-6 * 3.0) * t) * t
    return (1.0 + dg / (_SECONDS_PER_DAY * 36525.0)) * _TAU / _SECONDS_PER_DAY


def rotate_z(vectors: np.ndarray, angle_rad: np.ndarray, out: np.ndarray | None = None):
    """Rotate the frame by ``angle_rad`` about z: coordinates in the rotated frame.

    ``vectors`` is ``(..., n_times, 3)``, ``angle_rad`` is ``(n_times,)``. Equivalent to
    ``R_z(angle) @ v`` with ``R_z = [[c, s, 0], [-s, c, 0], [0, 0, 1]]``, applied at once to
    every leading index (all satellites of a chunk).
    """
    vectors = np.asarray(vectors, dtype=float)
    c = np.cos(angle_rad)
    s = np.sin(angle_rad)
    x = vectors[..., 0]
    y = vectors[..., 1]
    if out is None:
        out = np.empty_like(vectors)
    x_new = c * x + s * y
    out[..., 1] = c * y - s * x
    out[..., 0] = x_new
    out[..., 2] = vectors[..., 2]
    return out


def rotate_z_components(x: np.ndarray, y: np.ndarray, cos_angle: np.ndarray,
                        sin_angle: np.ndarray, x_out: np.ndarray | None = None,
                        y_out: np.ndarray | None = None, work: np.ndarray | None = None):
    """:func:`rotate_z` of the x and y coordinates held in separate arrays ``(..., n_times)``
    (any strides), with the angle's cosine and sine ``(n_times,)`` given (computed once per
    grid): ``(c x + s y, c y − s x)``, the same bits as :func:`rotate_z`. Written into
    ``x_out``, ``y_out`` (not overlapping the inputs) when given; ``work``, an optional
    scratch array of the output's shape, avoids a temporary."""
    x_out = np.multiply(x, cos_angle, out=x_out)
    y_out = np.multiply(y, cos_angle, out=y_out)
    work = np.multiply(y, sin_angle, out=work)
    x_out += work
    np.multiply(x, sin_angle, out=work)
    y_out -= work
    return x_out, y_out


def teme_to_ecef(
    r_teme_km: np.ndarray,
    gmst_rad: np.ndarray,
    v_teme_km_s: np.ndarray | None = None,
    omega_rad_s: np.ndarray | float | None = None,
):
    """Positions (and velocities) from TEME to ECEF, ``(..., n_times, 3)``.

    The velocity adds the transport term ``- ω × r_ecef`` of the rotating frame.
    Returns ``r_ecef_km`` or ``(r_ecef_km, v_ecef_km_s)`` when a velocity is given.
    """
    r_ecef = rotate_z(r_teme_km, gmst_rad)
    if v_teme_km_s is None:
        return r_ecef
    if omega_rad_s is None:
        omega_rad_s = EARTH_ROTATION_RAD_S
    v_ecef = rotate_z(v_teme_km_s, gmst_rad)
    v_ecef[..., 0] += omega_rad_s * r_ecef[..., 1]
    v_ecef[..., 1] -= omega_rad_s * r_ecef[..., 0]
    return r_ecef, v_ecef
