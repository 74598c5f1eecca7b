"""Thermal envelope of a node: environmental heat per segment, and the power cap that keeps the
radiator within its limit.

The node is one lumped capacitance at the radiator temperature ``T`` (Gilmore, *Spacecraft
Thermal Control Handbook* vol. I, 2002, ch. 2, and :mod:`orbitsim.kernels.radiator`)::

    C dT/dt = P_dissipated + Q_sun + Q_albedo + Q_earth_ir - εσA (T⁴ - T_sink⁴)

summed over the radiating sides. The radiator is a flat panel of ``radiator_area_m2`` per side
whose normal makes ``nadir_angle_deg`` with nadir (90: edge-on to the Earth) and whose sunward
side sees the Sun at a mean cosine ``sun_view_cos`` (0: edge-on). Simplifications, stated:

* ``Q_sun = α S A_side sun_view_cos · illuminated`` (the attitude holds the panel at that angle);
* ``Q_earth_ir = ε q_IR A_side Σ_sides F(h, λ_side)`` with ``F`` the plate-to-sphere view factor
  (:func:`orbitsim.kernels.radiator.earth_view_factor`) at the segment's mean altitude and
  ``q_IR`` = 237 W/m² (Earth's mean outgoing long-wave radiation);
* ``Q_albedo = α a S A_side Σ_sides F(h, λ_side) · max(cos ζ, 0)`` with ``a`` = 0.30 and ``ζ``
  the solar zenith angle at the sub-satellite point, averaged over the segment: the usual
  small-angle approximation (Gilmore vol. I, ch. 2), which overestimates albedo near the
  terminator a little. Without the Sun's direction the mean ``cos ζ`` over a sunlit arc of an
  orbit at β = 0 (2/π) is used, times the illuminated fraction (a hot-case bound);
* the solar array sheds its own heat and is not part of the lumped node; the battery's losses
  are neglected as heat (a few percent of the load).

Every quantity is constant inside a segment, where the temperature follows the exact closed
form of the kernel; the only error is holding albedo and altitude at their segment means.
"""

from __future__ import annotations

import numpy as np

from orbitsim.constants import SOLAR_CONSTANT_W_M2
from orbitsim.kernels.geodetic import up_unit
from orbitsim.kernels.radiator import (
    STEFAN_BOLTZMANN_W_M2_K4,
    earth_view_factor,
    equilibrium_temp_k,
    radiated_power_w,
)
from orbitsim.model.hardware import NodeHardware, Thermal
from orbitsim.physics.power import Segments, segment_means

#: Mean cos ζ of the sub-satellite point over the sunlit half of an orbit at β = 0.
MEAN_SUNLIT_COS_ZENITH = 2.0 / np.pi


def subsolar_cos_zenith(lat_deg, lon_deg, sun_ecef_km) -> np.ndarray:
    """``max(cos ζ, 0)`` of the Sun at the sub-satellite point, ``(n_sats, n_times)``.

    ``lat_deg``, ``lon_deg`` ``(n_sats, n_times)`` (geodetic), ``sun_ecef_km`` ``(n_times, 3)``.
    """
    up = up_unit(lat_deg, lon_deg)
    sun = np.asarray(sun_ecef_km, dtype=float)
    sun_hat = sun / np.linalg.norm(sun, axis=-1, keepdims=True)
    return np.maximum(np.einsum("...ti,ti->...t", up, sun_hat), 0.0)


def subsolar_cos_zenith_from_position(r_ecef_km, sun_ecef_km) -> np.ndarray:
    """As :func:`subsolar_cos_zenith` from ECEF positions ``(n_sats, n_times, 3)``, with the
    geocentric vertical (within 0.2° of the geodetic one; cheaper: no trigonometry)."""
    r = np.asarray(r_ecef_km, dtype=float)
    sun = np.asarray(sun_ecef_km, dtype=float)
    sun_hat = sun / np.linalg.norm(sun, axis=-1, keepdims=True)
    dot = np.einsum("...ti,ti->...t", r, sun_hat)
    norm = np.sqrt(np.einsum("...i,...i->...", r, r))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.maximum(dot / norm, 0.0))


def earth_view_factor_sum(thermal: Thermal, altitude_km) -> np.ndarray:
    """``Σ_sides F`` from the radiator to the Earth at ``altitude_km`` (any shape)."""
    factor = earth_view_factor(altitude_km, thermal.nadir_angle_deg)
    if thermal.radiator_sides == 2:
        factor = factor + earth_view_factor(altitude_km, 180.0 - thermal.nadir_angle_deg)
    return factor


def environment_heat_w(thermal: Thermal, illuminated, altitude_km, cos_zenith=None) -> np.ndarray:
    """Absorbed sunlight + albedo + Earth infrared on the radiator, W (arrays broadcast).

    ``cos_zenith`` is the mean ``max(cos ζ, 0)`` at the sub-satellite point; ``None`` uses
    ``2/π × illuminated``.
    """
    illuminated = np.asarray(illuminated, dtype=float)
    if cos_zenith is None:
        cos_zenith = MEAN_SUNLIT_COS_ZENITH * illuminated
    view = earth_view_factor_sum(thermal, altitude_km)
    side = thermal.radiator_area_m2
    sun = thermal.solar_absorptivity * SOLAR_CONSTANT_W_M2 * side * thermal.sun_view_cos
    albedo = thermal.solar_absorptivity * thermal.albedo * SOLAR_CONSTANT_W_M2 * side * view
    infrared = thermal.emissivity * thermal.earth_ir_w_m2 * side * view
    return sun * illuminated + albedo * np.asarray(cos_zenith, dtype=float) + infrared


def segment_environment_heat_w(node: NodeHardware, seconds, segments: Segments, alt_km,
                               lat_deg=None, lon_deg=None, sun_ecef_km=None,
                               cos_zenith=None) -> np.ndarray:
    """Environmental heat of each segment, W, ``(n_segments,)``, from the sampled orbit.

    ``alt_km`` (and ``lat_deg``, ``lon_deg`` when ``sun_ecef_km`` is given) are
    ``(n_nodes, n_times)`` or ``(n_times,)`` on the ``seconds`` grid; ``cos_zenith`` samples
    ``(n_nodes, n_times)`` (:func:`subsolar_cos_zenith`) may be given instead of the three.
    """
    mean_alt = segment_means(seconds, alt_km, segments)
    if cos_zenith is not None:
        cos_zenith = segment_means(seconds, cos_zenith, segments)
    elif sun_ecef_km is not None:
        if lat_deg is None or lon_deg is None:
            raise ValueError("lat_deg and lon_deg are needed with sun_ecef_km")
        lat = np.atleast_2d(np.asarray(lat_deg, dtype=float))
        lon = np.atleast_2d(np.asarray(lon_deg, dtype=float))
        cos_zenith = segment_means(seconds, subsolar_cos_zenith(lat, lon, sun_ecef_km), segments)
    return environment_heat_w(node.thermal, segments.illuminated, mean_alt, cos_zenith)


def radiator_capacity_w(node: NodeHardware, temp_k: float | None = None) -> float:
    """Heat the radiator rejects at ``temp_k`` (default: its limit), W."""
    temp = node.radiator_limit_k if temp_k is None else temp_k
    t = node.thermal
    return float(radiated_power_w(temp, t.emissivity, t.radiating_area_m2, t.sink_temp_k))


def steady_thermal_cap_w(node: NodeHardware, environment_w, base_load_w=None):
    """Accelerator power that holds the radiator exactly at its limit, W (may be < 0).

    ``εσA(T_lim⁴ - T_sink⁴) - Q_env - P_base``: above it the node heats past its limit.
    """
    base = node.base_load_w if base_load_w is None else base_load_w
    return radiator_capacity_w(node) - np.asarray(environment_w, dtype=float) - base


def steady_temp_k(node: NodeHardware, dissipated_w, environment_w):
    """Equilibrium radiator temperature for constant dissipated and environmental heat, K."""
    t = node.thermal
    return equilibrium_temp_k(np.asarray(dissipated_w, float) + np.asarray(environment_w, float),
                              t.emissivity, t.radiating_area_m2, t.sink_temp_k)


def conductance_w_k4(node: NodeHardware) -> float:
    """``εσA`` of the radiator, W/K⁴."""
    return node.thermal.emissivity * STEFAN_BOLTZMANN_W_M2_K4 * node.thermal.radiating_area_m2
