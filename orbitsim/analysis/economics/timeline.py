"""Timeline: the verdict by deployment year, 2026-2040, under each launch-price trajectory.

What changes with the year (``constellations/economics/timeline.toml``):

* the launch price follows a trajectory: log-linear between its anchors, flat outside them; a
  draw of today's launch price is scaled by the trajectory's factor for the year;
* the first year prices the node as the run simulated it; a later year carries the newest
  generation of the node's line available a year before (a node deployed in ``Y`` is built in
  ``Y - 1``), never an older one than the node's: its price, power, idle power, mass, dose
  limit and attrition come from its own files, and the node's power-proportional subsystems
  (array, battery, radiator) scale with the node's power;
* the other prices move by yearly trends: ground electricity, facility capex, spacecraft
  manufacturing per kg, array W/kg, operations.

Both options are priced at the same utilisation every year (the run's). The crossover year is
the first year in which orbit costs no more than the ground; ``None``: none by the last year.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from orbitsim.analysis.economics.costs import Facts, ground_cost, orbit_cost
from orbitsim.analysis.economics.terms import MASS_PRICED, Economics, Param, accelerator_line
from orbitsim.model.hardware import NodeHardware, load_accelerator


def trajectory_price_usd_per_kg(anchors, year: float) -> float:
    """Launch price of a trajectory in ``year``: log-linear between the ``(year, price)``
    anchors, the first anchor's price before it, the last's after it."""
    years = np.array([a[0] for a in anchors], dtype=float)
    prices = np.array([a[1] for a in anchors], dtype=float)
    return float(np.exp(np.interp(year, years, np.log(prices))))


@dataclass(frozen=True)
class Generation:
    """The accelerator a node deployed in some year carries, and how it scales the node."""

    accelerator: str
    available_year: int
    price_usd: float
    power_w: float
    idle_w: float
    mass_kg: float
    tid_limit_krad: float
    failure_per_year: float
    bf16_tflops: float
    power_scale: float  # node IT + bus power over the run's node's


#: Years between an accelerator's availability and a node built with it flying.
BUILD_LAG_YEARS = 1


def generation_for(year: int, hardware: NodeHardware, economics: Economics) -> Generation:
    """The newest accelerator of the node's line available ``BUILD_LAG_YEARS`` before
    ``year`` (the node's own if none newer), with the factor its power scales the node's power
    subsystems by."""
    line = accelerator_line(economics, hardware.accelerator.name)
    name, available = line[0]
    for candidate, since in line:
        if since <= year - BUILD_LAG_YEARS:
            name, available = candidate, since
    acc = hardware.accelerator if name == hardware.accelerator.name else load_accelerator(name)
    base_w = hardware.max_accelerator_power_w + hardware.host_power_w + hardware.bus_power_w
    new_w = hardware.accelerators * acc.power_limit_w + hardware.host_power_w + \
        hardware.bus_power_w
    return Generation(name, int(available), economics.accelerator_price_usd(name),
                      acc.power_limit_w, acc.idle_power_w, acc.mass_kg,
                      acc.radiation.tid_limit_krad, acc.radiation.permanent_failure_per_year,
                      acc.bf16_dense_tflops, new_w / base_w)


def _ratio(value, old: float, new: float):
    """``value`` (a draw or a mode of the old quantity) moved to the new one, keeping its
    relative spread."""
    return value * (new / old) if old > 0 else new


def year_parameters(sample: Mapping[str, float | np.ndarray], params: Mapping[str, Param],
                    year: int, *, first_year: int, launch_factor: float,
                    generation: Generation | None = None) -> dict[str, float | np.ndarray]:
    """The named numbers of a node deployed in ``year``: ``sample`` (draws or modes) moved by
    the launch trajectory's ``launch_factor``, the generation and the yearly trends."""
    p = dict(sample)
    dt = year - first_year

    def grow(key: str, rate_key: str) -> None:
        p[key] = p[key] * (1.0 + p[rate_key]) ** dt

    p["launch_price_usd_per_kg"] = p["launch_price_usd_per_kg"] * launch_factor
    grow("electricity_usd_per_kwh", "electricity_change_per_year")
    grow("facility_usd_per_mw", "facility_capex_change_per_year")
    for part in MASS_PRICED:
        grow(f"manufacturing_{part}_usd_per_kg", "manufacturing_change_per_year")
    grow("solar_specific_power_w_kg", "solar_specific_power_change_per_year")
    grow("ops_usd_per_node_year", "ops_change_per_year")
    if generation is not None:
        old = {k: params[k].mode for k in ("accelerator_price_usd", "accelerator_power_w",
                                            "accelerator_idle_w", "accelerator_kg",
                                            "tid_limit_krad", "accelerator_failure_per_year")}
        p["accelerator_price_usd"] = _ratio(p["accelerator_price_usd"],
                                            old["accelerator_price_usd"], generation.price_usd)
        p["accelerator_power_w"] = _ratio(p["accelerator_power_w"], old["accelerator_power_w"],
                                          generation.power_w)
        p["accelerator_idle_w"] = _ratio(p["accelerator_idle_w"], old["accelerator_idle_w"],
                                         generation.idle_w)
        p["accelerator_kg"] = _ratio(p["accelerator_kg"], old["accelerator_kg"],
                                     generation.mass_kg)
        p["tid_limit_krad"] = _ratio(p["tid_limit_krad"], old["tid_limit_krad"],
                                     generation.tid_limit_krad)
        p["accelerator_failure_per_year"] = _ratio(
            p["accelerator_failure_per_year"], old["accelerator_failure_per_year"],
            generation.failure_per_year)
        for key in ("solar_array_power_w", "battery_capacity_wh", "radiator_area_m2"):
            p[key] = p[key] * generation.power_scale
    return p


@dataclass(frozen=True)
class TrajectoryResult:
    """One trajectory: per year the launch price, the accelerator, both costs (modes) and the
    share of draws in which orbit is cheaper; the crossover year of the modes and of the
    draws."""

    name: str
    description: str
    years: tuple[int, ...]
    launch_usd_per_kg: tuple[float, ...]
    accelerators: tuple[str, ...]
    orbit_usd: tuple[float, ...]
    ground_usd: tuple[float, ...]
    p_orbit_cheaper: tuple[float, ...]
    throughput_ratio: tuple[float, ...]  # the year's accelerator's BF16 rate over the node's
    crossover_year: int | None
    p_crossover: float  # share of draws with a crossover by the last year
    crossover_year_p50: int | None  # median crossover year of the draws that cross

    def to_dict(self) -> dict:
        return {
            "description": self.description,
            "crossover_year": self.crossover_year,
            "p_crossover_by_last_year": (self.p_crossover if math.isfinite(self.p_crossover)
                                         else None),
            "crossover_year_p50": self.crossover_year_p50,
            "years": list(self.years),
            "launch_usd_per_kg": list(self.launch_usd_per_kg),
            "accelerator": list(self.accelerators),
            "orbit_usd_per_accelerator_hour": list(self.orbit_usd),
            "ground_usd_per_accelerator_hour_same_utilisation": list(self.ground_usd),
            "p_orbit_cheaper": list(self.p_orbit_cheaper),
            "throughput_ratio": list(self.throughput_ratio),
        }


def _first_year(cheaper: np.ndarray, years: list[int]) -> np.ndarray:
    """First year (per column) in which ``cheaper`` holds, else -1; ``cheaper`` is
    ``(n_years, n)``."""
    any_year = cheaper.any(axis=0)
    first = np.argmax(cheaper, axis=0)
    return np.where(any_year, np.asarray(years)[first], -1)


def trajectory_result(name: str, description: str, years: list[int], prices, accelerators,
                      orbit_modes, ground_modes, shares, ratios, cheaper_draws,
                      sampled: bool) -> TrajectoryResult:
    """One trajectory's :class:`TrajectoryResult` from its per-year lists: the crossover year of
    the modes, and over the draws (``cheaper_draws``: per year, whether each draw's orbit is
    cheaper) the share that cross and their median year (``sampled`` False: no draws)."""
    modes_cheaper = np.array([[o <= g] for o, g in zip(orbit_modes, ground_modes)])
    first_mode = int(_first_year(modes_cheaper, years)[0])
    first_draws = _first_year(np.vstack(cheaper_draws), years)
    crossed = first_draws[first_draws >= 0]
    return TrajectoryResult(
        name, description, tuple(years), tuple(prices), tuple(accelerators),
        tuple(orbit_modes), tuple(ground_modes), tuple(shares), tuple(ratios),
        first_mode if first_mode >= 0 else None,
        float(crossed.size / first_draws.size) if sampled else math.nan,
        int(np.median(crossed)) if crossed.size else None)


def timeline(params: Mapping[str, Param], sample: Mapping[str, float | np.ndarray] | None,
             facts: Facts, hardware: NodeHardware, economics: Economics, *,
             credit: Callable[..., float | np.ndarray] | None = None,
             upgrade_accelerators: bool = True) -> dict[str, TrajectoryResult]:
    """Every trajectory over the timeline's years (modes and ``sample``'s draws; ``None``:
    the modes only, and no share of draws).

    ``credit(p, ground_same_usd, ground_own_usd)``: a value credit per accelerator-hour taken
    off the orbital cost (the value side, :mod:`orbitsim.analysis.economics.value`), from the
    year's numbers and its ground costs at the run's and at the ground's own utilisation.
    """
    terms = economics.timeline
    years = terms.years
    mode_values = {k: float(v.mode) for k, v in params.items()}
    generations = {y: (generation_for(y, hardware, economics)
                       if upgrade_accelerators and y > terms.first_year else None)
                   for y in years}
    for y, g in generations.items():
        if g is not None and g.accelerator == hardware.accelerator.name:
            generations[y] = None
    out: dict[str, TrajectoryResult] = {}
    for name, trajectory in terms.launch_trajectories.items():
        anchors = trajectory.price_usd_per_kg
        start = trajectory_price_usd_per_kg(anchors, terms.first_year)
        orbit_modes, ground_modes, shares, prices, accs, ratios = [], [], [], [], [], []
        cheaper_draws = []
        for y in years:
            factor = trajectory_price_usd_per_kg(anchors, y) / start
            gen = generations[y]
            pm = year_parameters(mode_values, params, y, first_year=terms.first_year,
                                 launch_factor=factor, generation=gen)
            o_mode = float(orbit_cost(pm, facts).usd_per_accelerator_hour)
            g_mode = float(ground_cost(pm, facts.utilisation).usd_per_accelerator_hour)
            if credit is not None:
                g_own_mode = float(ground_cost(pm, pm["ground_utilisation"])
                                   .usd_per_accelerator_hour)
                o_mode -= float(credit(pm, g_mode, g_own_mode))
            if sample is None:
                o_draw, g_draw = np.array([o_mode]), np.array([g_mode])
            else:
                ps = year_parameters(sample, params, y, first_year=terms.first_year,
                                     launch_factor=factor, generation=gen)
                o_draw = np.asarray(orbit_cost(ps, facts).usd_per_accelerator_hour, dtype=float)
                g_draw = np.asarray(ground_cost(ps, facts.utilisation).usd_per_accelerator_hour,
                                    dtype=float)
                if credit is not None:
                    g_own_draw = ground_cost(ps, ps["ground_utilisation"]) \
                        .usd_per_accelerator_hour
                    o_draw = o_draw - credit(ps, g_draw, g_own_draw)
            orbit_modes.append(o_mode)
            ground_modes.append(g_mode)
            cheaper = np.broadcast_to(o_draw <= g_draw, np.broadcast(o_draw, g_draw).shape)
            cheaper_draws.append(np.atleast_1d(cheaper))
            shares.append(float(np.mean(cheaper)))
            prices.append(float(pm["launch_price_usd_per_kg"]))
            accs.append(gen.accelerator if gen is not None else hardware.accelerator.name)
            ratios.append(gen.bf16_tflops / hardware.accelerator.bf16_dense_tflops
                          if gen is not None else 1.0)
        out[name] = trajectory_result(name, trajectory.description, years, prices, accs,
                                      orbit_modes, ground_modes, shares, ratios,
                                      cheaper_draws, sampled=sample is not None)
    return out


__all__ = ["BUILD_LAG_YEARS", "Generation", "TrajectoryResult", "generation_for", "timeline",
           "trajectory_price_usd_per_kg", "year_parameters"]
