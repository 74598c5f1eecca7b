"""Thermal environment and caps of a node."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.constants import SOLAR_CONSTANT_W_M2
from orbitsim.kernels.radiator import STEFAN_BOLTZMANN_W_M2_K4, earth_view_factor
from orbitsim.model.hardware import load_node
from orbitsim.physics.power import illumination_segments
from orbitsim.physics.thermal import (
    MEAN_SUNLIT_COS_ZENITH,
    conductance_w_k4,
    earth_view_factor_sum,
    environment_heat_w,
    radiator_capacity_w,
    segment_environment_heat_w,
    steady_temp_k,
    steady_thermal_cap_w,
    subsolar_cos_zenith,
)


@pytest.fixture(scope="module")
def node():
    return load_node("starlink-compute")


def test_subsolar_cos_zenith():
    sun = np.array([[1.5e8, 0.0, 0.0]] * 4)
    lat = np.array([[0.0, 0.0, 45.0, 0.0]])
    lon = np.array([[0.0, 180.0, 0.0, 90.0]])
    np.testing.assert_allclose(subsolar_cos_zenith(lat, lon, sun),
                               [[1.0, 0.0, np.cos(np.radians(45.0)), 0.0]], atol=1e-12)


def test_environment_components(node):
    thermal = node.thermal
    side = thermal.radiator_area_m2
    view = 2.0 * earth_view_factor(550.0, 90.0)
    assert earth_view_factor_sum(thermal, 550.0) == pytest.approx(view)
    # in eclipse, with the Sun's direction known and the sub-satellite point dark: Earth IR only
    ir = environment_heat_w(thermal, 0.0, 550.0, cos_zenith=0.0)
    assert ir == pytest.approx(thermal.emissivity * thermal.earth_ir_w_m2 * side * view)
    # in the sun with the sub-satellite point at the subsolar point: IR + full albedo
    full = environment_heat_w(thermal, 1.0, 550.0, cos_zenith=1.0)
    albedo = thermal.solar_absorptivity * thermal.albedo * SOLAR_CONSTANT_W_M2 * side * view
    assert full == pytest.approx(ir + albedo)
    # without the Sun's direction: the beta = 0 sunlit mean 2/pi
    assert environment_heat_w(thermal, 1.0, 550.0) == pytest.approx(
        ir + albedo * MEAN_SUNLIT_COS_ZENITH)
    # a radiator facing the Sun absorbs alpha S A
    sunny = thermal.model_copy(update={"sun_view_cos": 1.0})
    assert environment_heat_w(sunny, 1.0, 550.0, cos_zenith=0.0) - ir == pytest.approx(
        thermal.solar_absorptivity * SOLAR_CONSTANT_W_M2 * side)


def test_segment_environment_uses_the_sun_direction(node):
    seconds = np.array([0.0, 60.0, 120.0])
    illum = np.ones((1, 3))
    seg = illumination_segments(seconds, illum)
    sun = np.array([[1.5e8, 0.0, 0.0]] * 3)
    lat, lon = np.zeros((1, 3)), np.zeros((1, 3))  # at the subsolar point
    with_sun = segment_environment_heat_w(node, seconds, seg, np.full((1, 3), 550.0), lat, lon,
                                          sun)
    assert with_sun[0] == pytest.approx(environment_heat_w(node.thermal, 1.0, 550.0, 1.0))
    terminator = segment_environment_heat_w(node, seconds, seg, np.full((1, 3), 550.0), lat,
                                            lon + 90.0, sun)
    assert terminator[0] == pytest.approx(environment_heat_w(node.thermal, 1.0, 550.0, 0.0))
    with pytest.raises(ValueError):
        segment_environment_heat_w(node, seconds, seg, np.full((1, 3), 550.0), sun_ecef_km=sun)


def test_steady_cap_holds_the_radiator_at_its_limit(node):
    environment = 1500.0
    cap = steady_thermal_cap_w(node, environment)
    assert steady_temp_k(node, node.base_load_w + cap, environment) == pytest.approx(
        node.radiator_limit_k)
    expected = (node.thermal.emissivity * STEFAN_BOLTZMANN_W_M2_K4
                * node.thermal.radiating_area_m2
                * (node.radiator_limit_k**4 - node.thermal.sink_temp_k**4))
    assert radiator_capacity_w(node) == pytest.approx(expected)
    assert conductance_w_k4(node) * (node.radiator_limit_k**4 - 2.7**4) == pytest.approx(
        expected, rel=1e-12)
