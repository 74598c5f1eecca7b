"""Radiator kernel: closed-form T⁴ solution against RK4 and exact special cases; view factors
against a direct numerical integration of their definition."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.kernels.radiator import (
    STEFAN_BOLTZMANN_W_M2_K4,
    earth_view_factor,
    equilibrium_temp_k,
    radiated_power_w,
    temp_after_k,
    time_to_temp_s,
)

EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K, SINK_K = 0.9, 2.0, 5.0e4, 2.7


def rk4_temperature(temp_k, duration_s, heat_w, step_s=0.5):
    """Reference: classical RK4 of C dT/dt = Q - εσA(T⁴ - T_sink⁴)."""

    def rate(t):
        return (heat_w - EMISSIVITY * STEFAN_BOLTZMANN_W_M2_K4 * AREA_M2 * (t**4 - SINK_K**4)) \
            / HEAT_CAPACITY_J_K

    for _ in range(int(round(duration_s / step_s))):
        k1 = rate(temp_k)
        k2 = rate(temp_k + 0.5 * step_s * k1)
        k3 = rate(temp_k + 0.5 * step_s * k2)
        k4 = rate(temp_k + step_s * k3)
        temp_k += step_s / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return temp_k


def test_steady_state_is_the_closed_form():
    for heat_w in (10.0, 700.0, 5000.0):
        expected = (heat_w / (EMISSIVITY * STEFAN_BOLTZMANN_W_M2_K4 * AREA_M2) + SINK_K**4) ** 0.25
        assert equilibrium_temp_k(heat_w, EMISSIVITY, AREA_M2, SINK_K) == pytest.approx(expected)
        late = temp_after_k(150.0, 1e7, heat_w, EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K, SINK_K)
        assert late == pytest.approx(expected, abs=1e-9)
        assert radiated_power_w(expected, EMISSIVITY, AREA_M2, SINK_K) == pytest.approx(heat_w)


@pytest.mark.parametrize("temp0_k, heat_w", [(250.0, 1000.0), (350.0, 1000.0), (3.0, 1000.0),
                                              (600.0, 10.0), (290.0, 500.0)])
def test_closed_form_matches_rk4(temp0_k, heat_w):
    for duration_s in (1.0, 100.0, 1000.0, 8000.0):
        exact = temp_after_k(temp0_k, duration_s, heat_w, EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K,
                             SINK_K)
        assert exact == pytest.approx(rk4_temperature(temp0_k, duration_s, heat_w), abs=1e-8)


def test_pure_radiative_cooling_to_zero_kelvin():
    rate = EMISSIVITY * STEFAN_BOLTZMANN_W_M2_K4 * AREA_M2 / HEAT_CAPACITY_J_K
    for duration_s in (10.0, 1e4, 1e6):
        expected = (300.0**-3 + 3.0 * rate * duration_s) ** (-1.0 / 3.0)
        got = temp_after_k(300.0, duration_s, 0.0, EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K, 0.0)
        assert got == pytest.approx(expected, rel=1e-12)
        back = time_to_temp_s(300.0, got, 0.0, EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K, 0.0)
        assert back == pytest.approx(duration_s, rel=1e-9)


def test_time_to_temp_inverts_temp_after():
    for temp0_k, heat_w in ((250.0, 1000.0), (400.0, 1000.0), (100.0, 3000.0)):
        for duration_s in (5.0, 500.0, 5000.0):
            temp = temp_after_k(temp0_k, duration_s, heat_w, EMISSIVITY, AREA_M2,
                                HEAT_CAPACITY_J_K, SINK_K)
            back = time_to_temp_s(temp0_k, temp, heat_w, EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K,
                                  SINK_K)
            assert back == pytest.approx(duration_s, rel=1e-8)


def test_unreachable_temperatures_take_forever():
    t_eq = equilibrium_temp_k(1000.0, EMISSIVITY, AREA_M2, SINK_K)
    args = (1000.0, EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K, SINK_K)
    assert time_to_temp_s(250.0, t_eq + 1.0, *args) == np.inf  # beyond equilibrium
    assert time_to_temp_s(250.0, 240.0, *args) == np.inf  # wrong direction
    assert time_to_temp_s(250.0, 250.0, *args) == 0.0
    out = time_to_temp_s(np.array([250.0, 250.0]), np.array([t_eq + 1.0, 260.0]), *args)
    assert out[0] == np.inf and np.isfinite(out[1])


def test_scalar_and_array_paths_agree():
    rng = np.random.default_rng(3)
    temp0 = rng.uniform(5.0, 600.0, 200)
    heat = rng.uniform(0.0, 5000.0, 200)
    duration = rng.uniform(0.0, 20000.0, 200)
    vector = temp_after_k(temp0, duration, heat, EMISSIVITY, AREA_M2, HEAT_CAPACITY_J_K, SINK_K)
    for i in range(0, 200, 7):
        scalar = temp_after_k(float(temp0[i]), float(duration[i]), float(heat[i]), EMISSIVITY,
                              AREA_M2, HEAT_CAPACITY_J_K, SINK_K)
        assert scalar == pytest.approx(vector[i], rel=1e-12)


def numerical_view_factor(altitude_km, nadir_angle_deg, radius_km=6371.0088, n=250):
    """F = ∫ cosθ_plate cosθ_earth / (π s²) dA over the Earth's visible cap (midpoint rule)."""
    r = radius_km + altitude_km
    psi_max = np.arccos(radius_km / r)
    psi = (np.arange(n) + 0.5) * psi_max / n
    phi = (np.arange(2 * n) + 0.5) * np.pi / n
    psi, phi = np.meshgrid(psi, phi, indexing="ij")
    point = radius_km * np.stack([np.sin(psi) * np.cos(phi), np.sin(psi) * np.sin(phi),
                                  np.cos(psi)], axis=-1)
    s = point - np.array([0.0, 0.0, r])
    dist = np.linalg.norm(s, axis=-1)
    lam = np.radians(nadir_angle_deg)
    normal = np.array([np.sin(lam), 0.0, -np.cos(lam)])
    cos_plate = np.maximum(s @ normal / dist, 0.0)
    cos_earth = np.maximum(-np.einsum("...i,...i->...", point, s) / (radius_km * dist), 0.0)
    area = radius_km**2 * np.sin(psi) * (psi_max / n) * (np.pi / n)
    return float(np.sum(cos_plate * cos_earth / (np.pi * dist**2) * area))


@pytest.mark.parametrize("altitude_km", [325.0, 550.0, 2000.0])
@pytest.mark.parametrize("angle_deg", [0.0, 30.0, 60.0, 90.0, 120.0, 160.0])
def test_view_factor_matches_numerical_integration(altitude_km, angle_deg):
    expected = numerical_view_factor(altitude_km, angle_deg)
    assert earth_view_factor(altitude_km, angle_deg) == pytest.approx(expected, abs=2e-4)


def test_view_factor_limits():
    h = (6371.0088 + 550.0) / 6371.0088
    assert earth_view_factor(550.0, 0.0) == pytest.approx(1.0 / h**2)
    assert earth_view_factor(550.0, 180.0) == 0.0
    edge = np.degrees(np.arccos(1.0 / h))
    below, above = earth_view_factor(550.0, [edge - 1e-7, edge + 1e-7])
    assert below == pytest.approx(above, abs=1e-6)
    with pytest.raises(ValueError):
        earth_view_factor(-10.0, 0.0)
