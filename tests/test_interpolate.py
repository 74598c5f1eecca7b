"""Cubic Hermite interpolation against SGP4 itself, and the vectorised bisection."""

from __future__ import annotations

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from orbitsim.kernels.interpolate import (
    bisect_sign_change,
    hermite_position,
    illinois_sign_change,
)
from orbitsim.kernels.orbit import kozai_mean_motion_rad_min

ISS_1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
ISS_2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"


def leo_satellites() -> list[Satrec]:
    """The ISS TLE and circular / slightly eccentric orbits from 300 to 1200 km."""
    sats = [Satrec.twoline2rv(ISS_1, ISS_2, WGS72)]
    for altitude_km, eccentricity in ((300.0, 0.0), (550.0, 0.0), (550.0, 0.01), (1200.0, 0.0)):
        sat = Satrec()
        sat.sgp4init(WGS72, "i", 1, 27941.0, 0.0, 0.0, 0.0, eccentricity, 0.3, np.radians(53.0),
                     0.0, float(kozai_mean_motion_rad_min(altitude_km, 53.0, eccentricity)), 0.3)
        sats.append(sat)
    return sats


@pytest.mark.parametrize("sat_index", range(5))
def test_hermite_midpoints_within_half_a_metre_of_sgp4_at_60_s(sat_index):
    """Burden & Faires thm 3.9: error <= dt⁴/384 max|r⁗| ≈ 0.4 m at 60 s in LEO."""
    sat = leo_satellites()[sat_index]
    minutes = np.arange(0.0, 1440.0 + 0.25, 0.5)  # samples every 60 s and their midpoints
    error, r, v = sat.sgp4_array(np.full(minutes.shape, sat.jdsatepoch),
                                 sat.jdsatepochF + minutes / 1440.0)
    assert not error.any()
    r0, v0, r1, v1, midpoint = r[:-2:2], v[:-2:2], r[2::2], v[2::2], r[1:-1:2]
    estimate = hermite_position(r0, v0, r1, v1, 60.0, np.full(len(r0), 0.5))
    worst_m = np.max(np.linalg.norm(estimate - midpoint, axis=-1)) * 1e3
    assert worst_m < 0.5, f"worst Hermite error {worst_m:.3f} m"


def test_hermite_error_shrinks_as_dt_to_the_fourth():
    sat = leo_satellites()[2]
    worst = []
    for step_s in (60.0, 30.0):
        minutes = np.arange(0.0, 720.0, step_s / 120.0)
        _, r, v = sat.sgp4_array(np.full(minutes.shape, sat.jdsatepoch),
                                 sat.jdsatepochF + minutes / 1440.0)
        estimate = hermite_position(r[:-2:2], v[:-2:2], r[2::2], v[2::2], step_s,
                                    np.full(len(r[:-2:2]), 0.5))
        worst.append(np.max(np.linalg.norm(estimate - r[1:-1:2], axis=-1)))
    assert worst[0] / worst[1] == pytest.approx(16.0, rel=0.25)


def test_hermite_is_exact_for_cubics_and_hits_both_ends():
    rng = np.random.default_rng(9)
    coefficients = rng.normal(size=(4, 6, 3))  # r(t) = c0 + c1 t + c2 t² + c3 t³, six curves
    dt = rng.uniform(1.0, 100.0, 6)

    def position(t):
        return sum(coefficients[k] * t[:, None] ** k for k in range(4))

    def velocity(t):
        return sum(k * coefficients[k] * t[:, None] ** (k - 1) for k in range(1, 4))

    zero = np.zeros(6)
    r0, v0, r1, v1 = position(zero), velocity(zero), position(dt), velocity(dt)
    tau = rng.uniform(0.0, 1.0, 6)
    np.testing.assert_allclose(hermite_position(r0, v0, r1, v1, dt, tau), position(tau * dt),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(hermite_position(r0, v0, r1, v1, dt, zero), r0)
    np.testing.assert_allclose(hermite_position(r0, v0, r1, v1, dt, np.ones(6)), r1,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("iterations", [1, 5, 10, 20, 32, 40, 52])
def test_bisect_finds_roots_to_two_to_the_minus_iterations(iterations):
    roots = np.array([1e-9, 0.1, 1.0 / 3.0, 0.5, 0.77777, 0.999, 1.0 - 1e-12])
    for func in (lambda t: t - roots, lambda t: t**3 - roots**3,
                 lambda t: np.tanh(50.0 * (t - roots))):
        tau = bisect_sign_change(func, len(roots), iterations=iterations)
        assert np.all(np.abs(tau - roots) <= 2.0**-iterations)


def test_bisect_evaluates_all_functions_together():
    calls = []
    roots = np.linspace(0.05, 0.95, 1000)

    def func(t):
        calls.append(t.shape)
        return t - roots

    tau = bisect_sign_change(func, len(roots), iterations=30)
    assert len(calls) == 30 and set(calls) == {(1000,)}
    assert np.max(np.abs(tau - roots)) <= 2.0**-30


@pytest.mark.parametrize("tol", [1e-3, 1e-6, 1e-10])
def test_illinois_brackets_roots_within_tol(tol):
    roots = np.array([1e-9, 0.1, 1.0 / 3.0, 0.5, 0.77777, 0.999, 1.0 - 1e-12])
    for func in (lambda t: t - roots, lambda t: t**3 - roots**3,
                 lambda t: np.tanh(50.0 * (t - roots)), lambda t: np.sin(3.0 * (t - roots))):
        tau = illinois_sign_change(func, func(np.zeros(7)), func(np.ones(7)), tol)
        assert np.all(np.abs(tau - roots) <= tol)


def test_illinois_beats_bisection_on_smooth_functions_and_handles_exact_roots():
    rng = np.random.default_rng(3)
    roots = rng.uniform(0.0, 1.0, 10_000)
    curve = rng.uniform(-0.4, 0.4, 10_000)
    calls = []

    def func(t):
        calls.append(1)
        return (t - roots) * (1.0 + curve * (t + roots))  # exactly linear where curve = 0

    tau = illinois_sign_change(func, func(np.zeros(10_000)), func(np.ones(10_000)), 1e-6)
    assert np.max(np.abs(tau - roots)) <= 1e-6
    assert len(calls) - 2 < 20  # bisection to 1e-6 takes 20
    linear = illinois_sign_change(lambda t: t - 0.25, np.array([-0.25]), np.array([0.75]), 1e-9)
    assert abs(linear[0] - 0.25) <= 1e-9


def test_illinois_without_a_sign_change_ends_at_the_edge_it_points_to():
    tau = illinois_sign_change(lambda t: t + 1.0, np.array([1.0]), np.array([2.0]), 1e-6)
    assert tau[0] == 0.0  # positive everywhere: the root lies at or before 0
    tau = illinois_sign_change(lambda t: t - 2.0, np.array([-2.0]), np.array([-1.0]), 1e-6)
    assert tau[0] == 1.0  # negative everywhere: at or after 1
