"""TEME -> ECEF: GMST 1982 against Skyfield and sgp4, rotation and velocity transport term."""

from __future__ import annotations

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec
from sgp4.propagation import gstime
from skyfield.sgp4lib import TEME_to_ITRF, theta_GMST1982

from orbitsim.kernels.frames import (
    earth_rotation_rad_s,
    gmst82_rad,
    rotate_z,
    rotate_z_components,
    teme_to_ecef,
)

ISS_1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
ISS_2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"


def wrapped(angle_rad: np.ndarray) -> np.ndarray:
    """An angle difference folded into [-π, π)."""
    return (np.asarray(angle_rad) + np.pi) % (2.0 * np.pi) - np.pi


@pytest.fixture(scope="module")
def ut1_dates() -> tuple[np.ndarray, np.ndarray]:
    """UT1 Julian dates 1950-2100, split at midnight as Skyfield splits them, plus edge cases."""
    rng = np.random.default_rng(20261221)
    jd = rng.uniform(2433282.5, 2488069.5, 3000)
    whole = np.floor(jd - 0.5) + 0.5
    fraction = jd - whole
    # Exact midnights and noons, J2000, and fractions outside [0, 1) as callers may pass them.
    whole = np.concatenate([whole, [2451545.0, 2451544.5, 2461212.5, 2461212.5, 2461212.5]])
    fraction = np.concatenate([fraction, [0.0, 0.0, 0.999999999, 1.25, -0.25]])
    return whole, fraction


def test_gmst_matches_skyfield_theta_gmst1982(ut1_dates):
    whole, fraction = ut1_dates
    ours = gmst82_rad(whole, fraction)
    theirs = np.array([theta_GMST1982(w, f)[0] for w, f in zip(whole, fraction)])
    worst = np.max(np.abs(wrapped(ours - theirs)))
    assert worst <= 1e-12, f"worst GMST difference to Skyfield {worst:.3e} rad"
    assert np.all((ours >= 0.0) & (ours < 2.0 * np.pi))


def test_gmst_matches_sgp4_gstime(ut1_dates):
    """sgp4's ``gstime`` takes the JD as one float; both get exactly that float's instant here.

    ``gstime``'s own rounding (its ~3e9 s polynomial) is ~1e-10 rad (0.7 mm at 7000 km): it
    bounds the agreement, and orbitsim must be as close to it as Skyfield is.
    """
    whole, fraction = ut1_dates
    jd = whole + fraction
    exact_fraction = jd - whole  # the instant the single float jd holds
    ours = gmst82_rad(whole, exact_fraction)
    reference = np.array([gstime(value) for value in jd])
    skyfield = np.array([theta_GMST1982(w, f)[0] for w, f in zip(whole, exact_fraction)])
    ours_worst = np.max(np.abs(wrapped(ours - reference)))
    skyfield_worst = np.max(np.abs(wrapped(skyfield - reference)))
    assert ours_worst <= 1e-10, f"worst GMST difference to gstime {ours_worst:.3e} rad"
    assert ours_worst <= skyfield_worst + 1e-12


def test_earth_rotation_rate_matches_skyfield(ut1_dates):
    whole, fraction = ut1_dates
    ours = earth_rotation_rad_s(whole, fraction)
    theirs_per_day = np.array([theta_GMST1982(w, f)[1] for w, f in zip(whole, fraction)])
    np.testing.assert_allclose(ours, theirs_per_day / 86400.0, rtol=1e-13)
    np.testing.assert_allclose(ours, 7.292115e-5, rtol=1e-6)  # IERS nominal, 1e-6 relative


def test_rotate_z_is_a_rotation_of_the_frame():
    angle = np.array([0.0, np.pi / 2.0, np.pi])
    x_axis = np.broadcast_to([1.0, 0.0, 0.0], (3, 3))
    out = rotate_z(x_axis, angle)
    # The frame turns by +angle, so a fixed vector turns by -angle in its coordinates.
    np.testing.assert_allclose(out, [[1, 0, 0], [0, -1, 0], [-1, 0, 0]], atol=1e-15)


def test_rotate_z_components_gives_rotate_z_bits():
    rng = np.random.default_rng(8)
    vectors = rng.normal(size=(4, 50, 3)) * 7000.0
    angle = rng.uniform(0.0, 2.0 * np.pi, 50)
    expected = rotate_z(vectors, angle)
    x_out, y_out, work = np.empty((3, 4, 50))
    x_new, y_new = rotate_z_components(vectors[..., 0], vectors[..., 1], np.cos(angle),
                                       np.sin(angle), x_out, y_out, work)
    assert x_new is x_out and y_new is y_out
    np.testing.assert_array_equal(x_new, expected[..., 0])
    np.testing.assert_array_equal(y_new, expected[..., 1])


def test_teme_to_ecef_preserves_norms_and_z():
    rng = np.random.default_rng(7)
    r_teme = rng.normal(size=(5, 40, 3)) * 7000.0
    gmst = rng.uniform(0.0, 2.0 * np.pi, 40)
    r_ecef = teme_to_ecef(r_teme, gmst)
    assert r_ecef.shape == r_teme.shape
    np.testing.assert_allclose(
        np.linalg.norm(r_ecef, axis=-1), np.linalg.norm(r_teme, axis=-1), rtol=1e-14
    )
    np.testing.assert_array_equal(r_ecef[..., 2], r_teme[..., 2])
    # Angles between vectors at the same time are kept too.
    dot_teme = np.einsum("ti,ti->t", r_teme[0], r_teme[1])
    dot_ecef = np.einsum("ti,ti->t", r_ecef[0], r_ecef[1])
    np.testing.assert_allclose(dot_ecef, dot_teme, rtol=1e-12)


def test_teme_to_ecef_matches_skyfield_teme_to_itrf(ut1_dates):
    """Position and velocity (with the transport term) against Skyfield's TEME_to_ITRF."""
    whole, fraction = (a[:50] for a in ut1_dates)
    rng = np.random.default_rng(11)
    r_teme = rng.normal(size=(50, 3)) * 7000.0
    v_teme = rng.normal(size=(50, 3)) * 7.5
    gmst = gmst82_rad(whole, fraction)
    omega = earth_rotation_rad_s(whole, fraction)
    r_ecef, v_ecef = teme_to_ecef(r_teme[None], gmst, v_teme[None], omega)
    for k in range(50):
        # Skyfield's velocities are per day of UT1.
        r_ref, v_ref = TEME_to_ITRF(whole[k], r_teme[k], v_teme[k] * 86400.0,
                                    fraction_ut1=fraction[k])
        np.testing.assert_allclose(r_ecef[0, k], r_ref, rtol=0, atol=1e-9)  # 1 µm
        np.testing.assert_allclose(v_ecef[0, k], v_ref / 86400.0, rtol=0, atol=1e-12)


def test_velocity_transport_term_against_finite_difference():
    """ECEF velocity = d/dt of ECEF positions, for an exact circular orbit in TEME.

    A ±0.1 s central difference has a truncation error ~n³r h²/6 ≈ 2e-8 km/s in LEO; the
    transport term itself is ~0.5 km/s, so a missing or wrongly signed term fails by 1e4.
    """
    radius_km, inclination = 6928.137, np.radians(53.0)
    n_rad_s = np.sqrt(398600.4418 / radius_km**3)
    step_s = 0.1
    t_s = np.linspace(0.0, 86400.0, 145)[:, None] + np.array([-step_s, 0.0, step_s])[None, :]
    u = n_rad_s * t_s.ravel()
    r_teme = radius_km * np.stack(
        [np.cos(u), np.sin(u) * np.cos(inclination), np.sin(u) * np.sin(inclination)], axis=-1
    )
    v_teme = radius_km * n_rad_s * np.stack(
        [-np.sin(u), np.cos(u) * np.cos(inclination), np.cos(u) * np.sin(inclination)], axis=-1
    )
    whole = np.full(u.shape, 2461212.5)
    fraction = t_s.ravel() / 86400.0
    gmst = gmst82_rad(whole, fraction)
    omega = earth_rotation_rad_s(whole, fraction)
    r_ecef, v_ecef = teme_to_ecef(r_teme[None], gmst, v_teme[None], omega)
    r_ecef = r_ecef[0].reshape(-1, 3, 3)
    v_ecef = v_ecef[0].reshape(-1, 3, 3)
    finite_difference = (r_ecef[:, 2] - r_ecef[:, 0]) / (2.0 * step_s)
    worst = np.max(np.linalg.norm(finite_difference - v_ecef[:, 1], axis=-1))
    assert worst < 1e-6, f"worst velocity difference {worst * 1e6:.4f} mm/s"
    # Without the transport term the difference would be ω·ρ, 0.3-0.5 km/s here.
    v_rotated_only = teme_to_ecef(v_teme[None], gmst)[0].reshape(-1, 3, 3)[:, 1]
    assert np.min(np.linalg.norm(finite_difference - v_rotated_only, axis=-1)) > 0.1


def test_sgp4_velocity_to_ecef_adds_no_error_to_sgp4s_own():
    """SGP4's velocity is not exactly the derivative of its positions (~2 cm/s for the ISS
    TLE); in ECEF that mismatch must be the same vector, only rotated."""
    sat = Satrec.twoline2rv(ISS_1, ISS_2, WGS72)
    minutes = np.linspace(0.0, 1440.0, 49)
    step_s = 0.5
    offsets = np.array([-step_s, 0.0, step_s]) / 86400.0
    fraction = (sat.jdsatepochF + minutes[:, None] / 1440.0 + offsets[None, :]).ravel()
    whole = np.full(fraction.shape, sat.jdsatepoch)
    error, r_teme, v_teme = sat.sgp4_array(whole, fraction)
    assert not error.any()
    gmst = gmst82_rad(whole, fraction)  # UTC taken as UT1: harmless for a consistency check
    omega = earth_rotation_rad_s(whole, fraction)
    r_ecef, v_ecef = teme_to_ecef(r_teme[None], gmst, v_teme[None], omega)

    def mismatch(r, v):
        r, v = r.reshape(-1, 3, 3), v.reshape(-1, 3, 3)
        return (r[:, 2] - r[:, 0]) / (2.0 * step_s) - v[:, 1]

    teme_mismatch = mismatch(r_teme, v_teme)
    ecef_mismatch = mismatch(r_ecef[0], v_ecef[0])
    rotated = rotate_z(teme_mismatch, gmst.reshape(-1, 3)[:, 1])
    assert np.max(np.linalg.norm(ecef_mismatch - rotated, axis=-1)) < 1e-6  # 1 mm/s


def test_default_rotation_rate_is_close_to_the_computed_one():
    r_teme = np.array([[[7000.0, 0.0, 0.0]]])
    v_teme = np.zeros((1, 1, 3))
    _, v_default = teme_to_ecef(r_teme, np.zeros(1), v_teme)
    _, v_given = teme_to_ecef(r_teme, np.zeros(1), v_teme,
                              earth_rotation_rad_s(np.array([2461212.5]), np.array([0.0])))
    # A point fixed in TEME moves westward in ECEF at ω r.
    np.testing.assert_allclose(v_default[0, 0], [0.0, -7000.0 * 7.292115146706979e-5, 0.0])
    # The default is WGS84's ω; GMST 1982's rate adds precession: 1e-7 relative.
    np.testing.assert_allclose(v_default, v_given, rtol=2e-7)
