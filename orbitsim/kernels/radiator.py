"""Radiator physics: grey-body emission, the lumped-capacitance T⁴ ODE in closed form, and the
view factor from a flat plate to the Earth.

Lumped model (Gilmore, *Spacecraft Thermal Control Handbook* vol. I, 2nd ed., 2002, ch. 2)::

    C dT/dt = Q - ε σ A (T⁴ - T_sink⁴)            (1)

with ``Q`` (W) every absorbed or dissipated heat, held constant inside an integration segment.
Writing ``T_eq⁴ = Q / (εσA) + T_sink⁴`` and ``k = εσA / C``, (1) is ``dT/dt = k (T_eq⁴ - T⁴)``,
separable with the exact antiderivative (x = T / T_eq)::

    ∫ dT / (T_eq⁴ - T⁴) = [ln|(1 + x)/(1 - x)| + 2 arctan x] / (4 T_eq³)

so the time between two temperatures is explicit (:func:`time_to_temp_s`), and the temperature
after a time (:func:`temp_after_k`) is that relation inverted by Newton's method. The function
``g(x) = ln((1+x)/(1-x)) + 2 arctan x`` is increasing and convex on ``[0, 1)`` and (shifted by π)
decreasing and convex on ``(1, ∞)``, so Newton started on the side where ``g`` exceeds its target
converges monotonically, without overshoot, to ``|Δx| < 1e-14``: the result is exact for
constant ``Q`` to about 1e-12 K. The only model error is holding ``Q`` constant inside a segment.

Scalars take a pure-Python fast path (``math``), arrays a vectorised path; both give the same
numbers to rounding.
"""

from __future__ import annotations

import math

import numpy as np

#: Stefan–Boltzmann constant, W m⁻² K⁻⁴ (CODATA 2018, exact in SI).
STEFAN_BOLTZMANN_W_M2_K4 = 5.670374419e-8
#: Mean Earth radius for view factors, km (IUGG mean radius R1).
EARTH_MEAN_RADIUS_KM = 6371.0088

_TOL_X = 1e-14
_MAX_ITER = 80
#: Dimensionless distance past which the node sits at equilibrium to rounding (|1 - x| < 3e-15).
_AT_EQUILIBRIUM = 35.0


def radiated_power_w(temp_k, emissivity, area_m2, sink_temp_k=0.0):
    """Net grey-body emission ``εσA(T⁴ - T_sink⁴)``, W; arrays broadcast."""
    temp_k = np.asarray(temp_k, dtype=float)
    sink4 = np.asarray(sink_temp_k, dtype=float) ** 4
    return emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2 * (temp_k**4 - sink4)


def equilibrium_temp_k(heat_w, emissivity, area_m2, sink_temp_k=0.0):
    """Steady-state temperature ``(Q/(εσA) + T_sink⁴)^(1/4)``, K, for a constant heat load ``Q``."""
    heat_w = np.asarray(heat_w, dtype=float)
    if np.any(heat_w < 0):
        raise ValueError("heat_w must be >= 0")
    t4 = heat_w / (emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2) + np.asarray(sink_temp_k) ** 4
    return t4**0.25


# --- the closed form -----------------------------------------------------------------------------


def _g_below(x):
    """g(x) = ln((1+x)/(1-x)) + 2 arctan x for 0 <= x < 1 (scalar)."""
    return math.log1p(x) - math.log1p(-x) + 2.0 * math.atan(x)


def _h_above(x):
    """g(x) - π = ln((x+1)/(x-1)) - 2 arctan(1/x) for x > 1 (scalar; → 0 as x → ∞).

    For x > 4 the series 4 Σ x^-(4m+3)/(4m+3) avoids the cancellation of the two terms.
    """
    inv = 1.0 / x
    if x > 4.0:
        inv4 = inv**4
        total, term = 0.0, inv**3
        for m in range(10):
            total += term / (4 * m + 3)
            term *= inv4
        return 4.0 * total
    return math.log1p(inv) - math.log1p(-inv) - 2.0 * math.atan(inv)


def _x_after_scalar(x0: float, u: float) -> float:
    """Dimensionless temperature after dimensionless time ``u = 4 k T_eq³ t`` from ``x0``."""
    if u <= 0.0 or x0 == 1.0:
        return x0
    if x0 < 1.0:
        target = _g_below(max(x0, 0.0)) + u
        if target > _AT_EQUILIBRIUM:  # 1 - x < 2 e^(π/2 - 35) ~ 2e-15: equilibrium to rounding
            return 1.0
        # Upper bounds of the root: g(x) >= 4x and g(x) >= -ln(1 - x); start there (g >= target).
        x = min(target / 4.0, -math.expm1(-target))
        if x >= 1.0:
            return 1.0
        for _ in range(_MAX_ITER):
            step = (_g_below(x) - target) * (1.0 - x**4) / 4.0
            x -= step
            if abs(step) <= _TOL_X:
                break
        return x
    target = _h_above(x0) + u
    if target > _AT_EQUILIBRIUM:
        return 1.0
    # Lower bounds of the root: h(x) >= 4/(3x³) and h(x) >= ln(2/(x-1)) - π/2.
    x = max((4.0 / (3.0 * target)) ** (1.0 / 3.0), 1.0 + 2.0 * math.exp(-math.pi / 2.0 - target))
    x = min(x, x0)
    if x <= 1.0:
        return 1.0
    for _ in range(_MAX_ITER):
        step = (_h_above(x) - target) * (1.0 - x**4) / 4.0
        x -= step
        if abs(step) <= _TOL_X * x:
            break
    return x


def _g_below_arr(x):
    return np.log1p(x) - np.log1p(-x) + 2.0 * np.arctan(x)


def _h_above_arr(x):
    inv = 1.0 / x
    direct = np.log1p(inv) - np.log1p(-inv) - 2.0 * np.arctan(inv)
    series = sum(inv ** (4 * m + 3) / (4 * m + 3) for m in range(10)) * 4.0
    return np.where(x > 4.0, series, direct)


def _x_after_array(x0: np.ndarray, u: np.ndarray) -> np.ndarray:
    x0, u = np.broadcast_arrays(np.asarray(x0, float), np.asarray(u, float))
    out = x0.copy()
    moving = (u > 0.0) & (x0 != 1.0)
    below = moving & (x0 < 1.0)
    above = moving & (x0 > 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if np.any(below):
            target = np.minimum(_g_below_arr(np.maximum(x0[below], 0.0)) + u[below],
                                _AT_EQUILIBRIUM + 1.0)
            x = np.minimum(target / 4.0, -np.expm1(-target))
            for _ in range(_MAX_ITER):
                step = (_g_below_arr(x) - target) * (1.0 - x**4) / 4.0
                step = np.where(np.isfinite(step), step, 0.0)
                x = x - step
                if np.all(np.abs(step) <= _TOL_X):
                    break
            out[below] = np.where(target > _AT_EQUILIBRIUM, 1.0, x)
        if np.any(above):
            target = np.minimum(_h_above_arr(x0[above]) + u[above], _AT_EQUILIBRIUM + 1.0)
            x = np.maximum((4.0 / (3.0 * target)) ** (1.0 / 3.0),
                           1.0 + 2.0 * np.exp(-np.pi / 2.0 - target))
            x = np.minimum(x, x0[above])
            for _ in range(_MAX_ITER):
                step = (_h_above_arr(x) - target) * (1.0 - x**4) / 4.0
                step = np.where(np.isfinite(step), step, 0.0)
                x = x - step
                if np.all(np.abs(step) <= _TOL_X * x):
                    break
            out[above] = np.where(target > _AT_EQUILIBRIUM, 1.0, x)
    return out


_SCALAR_TYPES = (float, int, np.floating, np.integer)


def _is_scalar(*values) -> bool:
    return all(isinstance(v, _SCALAR_TYPES) for v in values)


def temp_after_k(temp0_k, duration_s, heat_w, emissivity, area_m2, heat_capacity_j_k,
                 sink_temp_k=0.0):
    """Temperature, K, after ``duration_s`` of constant heat ``heat_w`` from ``temp0_k``.

    Exact solution of ``C dT/dt = Q - εσA(T⁴ - T_sink⁴)`` (see the module docstring); error
    below 1e-12 K from the Newton inversion. Arrays broadcast; scalars give a float.
    """
    if _is_scalar(temp0_k, duration_s, heat_w, emissivity, area_m2, heat_capacity_j_k, sink_temp_k):
        temp0_k, duration_s, heat_w = float(temp0_k), float(duration_s), float(heat_w)
        if duration_s < 0 or heat_w < 0 or temp0_k <= 0:
            raise ValueError("duration_s and heat_w must be >= 0 and temp0_k > 0")
        conductance = emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2
        return temp_after_scalar_k(temp0_k, duration_s, heat_w, conductance, heat_capacity_j_k,
                                   float(sink_temp_k))
    temp0_k = np.asarray(temp0_k, dtype=float)
    duration_s = np.asarray(duration_s, dtype=float)
    if np.any(duration_s < 0) or np.any(temp0_k <= 0):
        raise ValueError("duration_s must be >= 0 and temp0_k > 0")
    conductance = emissivity * STEFAN_BOLTZMANN_W_M2_K4 * np.asarray(area_m2, dtype=float)
    t_eq = equilibrium_temp_k(heat_w, emissivity, area_m2, sink_temp_k)
    rate = conductance / np.asarray(heat_capacity_j_k, dtype=float)
    safe_eq = np.where(t_eq > 0.0, t_eq, 1.0)
    out = safe_eq * _x_after_array(temp0_k / safe_eq, 4.0 * rate * safe_eq**3 * duration_s)
    cold = (temp0_k**-3 + 3.0 * rate * duration_s) ** (-1 / 3)
    return np.where(t_eq > 0.0, out, cold)


def temp_after_scalar_k(temp0_k: float, duration_s: float, heat_w: float,
                        conductance_w_k4: float, heat_capacity_j_k: float,
                        sink_temp_k: float) -> float:
    """:func:`temp_after_k` for Python floats, unchecked (``duration_s, heat_w >= 0``,
    ``temp0_k > 0``), with ``conductance_w_k4 = εσA`` precomputed: the node integrator's
    path."""
    t_eq = (heat_w / conductance_w_k4 + sink_temp_k**4) ** 0.25
    if t_eq == 0.0:  # pure radiation to 0 K: 1/T³ = 1/T0³ + 3 k t
        return (temp0_k**-3 + 3.0 * conductance_w_k4 / heat_capacity_j_k * duration_s) ** (-1 / 3)
    u = 4.0 * conductance_w_k4 / heat_capacity_j_k * t_eq**3 * duration_s
    return t_eq * _x_after_scalar(temp0_k / t_eq, u)


def time_to_temp_s(temp0_k, target_k, heat_w, emissivity, area_m2, heat_capacity_j_k,
                   sink_temp_k=0.0):
    """Time, s, for the lumped node to go from ``temp0_k`` to ``target_k`` under constant heat.

    ``inf`` where ``target_k`` is not between ``temp0_k`` and the equilibrium temperature
    (never reached); 0 where ``target_k == temp0_k``. Exact closed form (module docstring).
    """
    if _is_scalar(temp0_k, target_k, heat_w, emissivity, area_m2, heat_capacity_j_k, sink_temp_k):
        temp0_k, target_k = float(temp0_k), float(target_k)
        if target_k == temp0_k:
            return 0.0
        conductance = emissivity * STEFAN_BOLTZMANN_W_M2_K4 * area_m2
        t_eq = (float(heat_w) / conductance + float(sink_temp_k) ** 4) ** 0.25
        if t_eq == 0.0:
            if 0.0 < target_k < temp0_k:
                return (target_k**-3 - temp0_k**-3) * heat_capacity_j_k / (3.0 * conductance)
            return math.inf
        x0, x1 = temp0_k / t_eq, target_k / t_eq
        if x0 < 1.0 and x0 < x1 < 1.0:
            delta = _g_below(x1) - _g_below(max(x0, 0.0))
        elif x0 > 1.0 and x0 > x1 > 1.0:
            delta = _h_above(x1) - _h_above(x0)
        else:
            return math.inf
        return delta * heat_capacity_j_k / (4.0 * conductance * t_eq**3)
    temp0_k, target_k = np.broadcast_arrays(np.asarray(temp0_k, float), np.asarray(target_k, float))
    conductance = emissivity * STEFAN_BOLTZMANN_W_M2_K4 * np.asarray(area_m2, dtype=float)
    t_eq = equilibrium_temp_k(heat_w, emissivity, area_m2, sink_temp_k)
    if np.any(t_eq <= 0.0):
        raise ValueError("arrays need an equilibrium temperature > 0 (heat_w or sink_temp_k > 0)")
    x0, x1 = temp0_k / t_eq, target_k / t_eq
    heating = (x0 < 1.0) & (x1 > x0) & (x1 < 1.0)
    cooling = (x0 > 1.0) & (x1 < x0) & (x1 > 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(heating, _g_below_arr(np.clip(x1, 0, 1 - 1e-300))
                         - _g_below_arr(np.clip(x0, 0, 1 - 1e-300)), np.inf)
        delta = np.where(cooling, _h_above_arr(np.maximum(x1, 1 + 1e-16))
                         - _h_above_arr(np.maximum(x0, 1 + 1e-16)), delta)
        out = delta * np.asarray(heat_capacity_j_k, float) / (4.0 * conductance * t_eq**3)
    return np.where(x1 == x0, 0.0, out)


# --- view factors --------------------------------------------------------------------------------


def earth_view_factor(altitude_km, normal_nadir_angle_deg, earth_radius_km=EARTH_MEAN_RADIUS_KM):
    """View factor from a flat plate to a spherical Earth, 0..1.

    ``normal_nadir_angle_deg`` is the angle between the plate's outward normal and nadir
    (0: facing the Earth, 90: edge-on, 180: facing space). With ``H = (R + h)/R``:

    * Earth disc fully in view (``λ <= arccos(1/H)``): ``F = cos λ / H²``;
    * partly in view: ``F = 1/2 - asin(√(H²-1)/(H sin λ))/π
      + [cos λ · acos(-√(H²-1) cot λ) - √(H²-1)·√(1 - H² cos² λ)]/(π H²)``;
    * Earth not in view (``λ >= π - arccos(1/H)``): 0.

    Differential planar element to a sphere, tilted (J. R. Howell, *A Catalog of Radiation Heat
    Transfer Configuration Factors*; Gilmore, *Spacecraft Thermal Control Handbook* vol. I,
    ch. 2); checked in the tests against direct numerical integration of the definition.
    """
    alt = np.asarray(altitude_km, dtype=float)
    lam = np.radians(np.asarray(normal_nadir_angle_deg, dtype=float))
    alt, lam = np.broadcast_arrays(alt, lam)
    big_h = (earth_radius_km + alt) / earth_radius_km
    if np.any(big_h <= 1.0):
        raise ValueError("altitude_km must be > 0")
    root = np.sqrt(big_h * big_h - 1.0)
    cos_l, sin_l = np.cos(lam), np.sin(lam)
    limit = np.arccos(1.0 / big_h)
    with np.errstate(divide="ignore", invalid="ignore"):
        partial = (
            0.5
            - np.arcsin(np.clip(root / (big_h * sin_l), -1.0, 1.0)) / np.pi
            + (cos_l * np.arccos(np.clip(-root * cos_l / sin_l, -1.0, 1.0))
               - root * np.sqrt(np.clip(1.0 - big_h * big_h * cos_l * cos_l, 0.0, None)))
            / (np.pi * big_h * big_h)
        )
    full = cos_l / (big_h * big_h)
    out = np.where(lam <= limit, full, np.where(lam >= np.pi - limit, 0.0, partial))
    return np.clip(out, 0.0, 1.0)
