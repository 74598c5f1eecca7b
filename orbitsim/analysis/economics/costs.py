"""Costs: the annual cost of each option and its cost per delivered accelerator-hour.

Pure numpy on named numbers (:func:`orbitsim.analysis.economics.terms.model_parameters` gives
them): every input may be a float or an array of Monte Carlo draws, and every output then has
the draws' shape, so one call prices 10,000 draws. All money in USD, time in years unless the
name says otherwise.

Method:

* **Annualisation.** A capital sum ``C`` spent once costs ``C * CRF(r, n)`` a year over ``n``
  years with the capital recovery factor ``CRF = r / (1 - (1 + r)**-n)`` (``1/n`` at ``r = 0``),
  the level payment of an annuity (Newnan, *Engineering Economic Analysis*, ch. 4). Money spent
  ``T`` years before the asset earns carries interest ``C * ((1 + r)**T - 1)``.
* **Orbit, per node.** Accelerators and servers priced per unit (plus the operator region's
  tariff), every other subsystem by mass at a manufacturing price per kg, launch by the whole
  mass. A launch fails with probability ``p`` and loses its payload: one working node costs
  ``(hardware + launch) / (1 - p)``; deorbit is paid once. The node slot is renewed when its bus
  fails or at its planned age ``L`` (lifetime, cut at the total-dose life), whichever comes first
  (age replacement, Barlow & Proschan 1965): mean service ``S = integral_0^L R(t) dt`` for a
  Weibull bus lifetime of mean ``1 / bus_failure_per_year``; the slot costs ``CRF(r, S)`` of its
  capital a year, ``CRF(r, S) - CRF(r, L)`` of it being bus-failure replacements. Accelerators
  fail one by one (``accelerator_failure_per_year``) and are not replaced: the node keeps
  working with the others, so it delivers ``(1 - exp(-a L)) / (a L)`` of its accelerator-hours
  on average over its life. Operations per node-year; the ground segment is a service paid per
  contact minute the run booked.
* **Ground, per accelerator.** Accelerator and server capex (plus region tariff and export
  levy) over the accelerator life; failed accelerators replaced from spares each year; facility
  capex per MW of IT load (accelerator at its power limit plus its host share) over the facility
  life, with interest during the wait for grid power; facility operations a fraction of its
  capex; electricity for the mean IT power at the utilisation, times PUE; water per kWh of IT
  energy.
* **Cost per delivered accelerator-hour** = annual cost / delivered accelerator-hours a year.
  The verdict compares both options at the *same* utilisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from orbitsim.analysis.economics.terms import MASS_PRICED

ArrayLike = float | np.ndarray

#: Human labels of the cost items of both options, in the order tables and charts show them.
ITEM_LABELS = {
    "accelerators": "accelerators",
    "servers": "servers",
    "tariffs_levies": "tariffs and levies",
    "spacecraft": "spacecraft",
    "launch": "launch",
    "launch_failures": "launch failures",
    "replacements": "bus-failure replacements",
    "deployment_carrying": "capital carrying (deployment)",
    "deorbit": "deorbit",
    "operations": "operations",
    "ground_segment": "ground-station service",
    "accelerator_spares": "failed accelerators replaced",
    "facility": "facility",
    "power_wait_carrying": "capital carrying (time to power)",
    "facility_operations": "facility operations",
    "electricity_it": "electricity (IT)",
    "electricity_overhead": "electricity (cooling and losses)",
    "water": "cooling water",
}


@dataclass(frozen=True)
class Facts:
    """What the run says, as the economics needs it.

    ``n_nodes`` nodes of ``accelerators_per_node``; ``utilisation``: delivered fraction of their
    accelerator-hours; ``contact_minutes_per_year``: ground-station minutes the fleet books a
    year (the run's booked pass-minutes scaled to a year).
    """

    n_nodes: int
    accelerators_per_node: int
    utilisation: float
    contact_minutes_per_year: float = 0.0

    def __post_init__(self) -> None:
        if self.n_nodes < 1 or self.accelerators_per_node < 1:
            raise ValueError("n_nodes and accelerators_per_node must be >= 1")
        if not 0.0 <= self.utilisation <= 1.0:
            raise ValueError(f"utilisation must be in [0, 1], got {self.utilisation}")
        if self.contact_minutes_per_year < 0:
            raise ValueError("contact_minutes_per_year must be >= 0")

    def at_utilisation(self, utilisation: float) -> Facts:
        """The same fleet at another utilisation; the contact minutes it books scale with the
        work (the data to move grows with the jobs run)."""
        scale = utilisation / self.utilisation if self.utilisation > 0 else 1.0
        return Facts(self.n_nodes, self.accelerators_per_node, float(utilisation),
                     self.contact_minutes_per_year * scale)


# --- finance ------------------------------------------------------------------------------------


def capital_recovery_factor(discount_rate: ArrayLike, years: ArrayLike) -> ArrayLike:
    """Level annual payment per dollar of capital repaid over ``years`` at ``discount_rate``:
    ``r / (1 - (1 + r)**-n)``, and ``1 / n`` as ``r -> 0``. Arrays broadcast."""
    r = np.asarray(discount_rate, dtype=float)
    n = np.asarray(years, dtype=float)
    if np.any(n <= 0) or not np.all(np.isfinite(n)):
        raise ValueError("years must be finite and > 0")
    if np.any((r < 0) | (r >= 1)):
        raise ValueError("discount_rate must be in [0, 1)")
    small = r < 1e-12
    safe_r = np.where(small, 1.0, r)
    # 1 - (1 + r)^-n written with expm1/log1p: exact to rounding even for a tiny r.
    out = np.where(small, 1.0 / n + 0.5 * r, safe_r / -np.expm1(-n * np.log1p(safe_r)))
    return float(out) if out.ndim == 0 else out


def carrying_factor(discount_rate: ArrayLike, years: ArrayLike) -> ArrayLike:
    """Interest on capital spent ``years`` before it earns, per dollar: ``(1 + r)**T - 1``."""
    r = np.asarray(discount_rate, dtype=float)
    t = np.asarray(years, dtype=float)
    if np.any(t < 0):
        raise ValueError("years must be >= 0")
    out = np.expm1(t * np.log1p(r))
    return float(out) if out.ndim == 0 else out


def expected_service_years(planned_life_years: ArrayLike, failure_per_year: ArrayLike = 0.0,
                           weibull_shape: ArrayLike = 1.0) -> ArrayLike:
    """Mean service of a node retired at ``planned_life_years`` or when its bus fails.

    ``E[min(T, L)] = integral_0^L exp(-(t / eta)**k) dt`` for a Weibull bus lifetime of mean
    ``m = 1 / failure_per_year`` (``eta = m / Gamma(1 + 1/k)``), in closed form
    ``m * P(1/k, (L / eta)**k)`` with ``P`` the regularised lower incomplete gamma function
    (``m (1 - exp(-L / m))`` for ``k = 1``); ``L`` without failures.
    """
    life = np.asarray(planned_life_years, dtype=float)
    rate = np.asarray(failure_per_year, dtype=float)
    shape = np.asarray(weibull_shape, dtype=float)
    if np.any(life <= 0) or not np.all(np.isfinite(life)):
        raise ValueError("planned_life_years must be finite and > 0")
    if np.any(rate < 0) or np.any(shape <= 0):
        raise ValueError("failure_per_year must be >= 0 and weibull_shape > 0")
    none = rate * life < 1e-12  # (the service differs from L by L * rate * L / 2)
    mean = np.where(none, 1.0, 1.0 / np.where(none, 1.0, rate))
    if np.all(shape == 1.0):
        served = mean * -np.expm1(-life / mean)
    else:
        from scipy.special import gamma, gammainc

        scale = mean / gamma(1.0 + 1.0 / shape)
        served = mean * gammainc(1.0 / shape, (life / scale) ** shape)
    out = np.where(none, life, served)
    return float(out) if out.ndim == 0 else out


def capacity_factor(attrition_per_year: ArrayLike, years: ArrayLike) -> ArrayLike:
    """Mean fraction of a node's accelerators still working over ``years`` when each fails at
    ``attrition_per_year`` and none is replaced: ``(1 - exp(-a T)) / (a T)`` (1 at ``a = 0``)."""
    a = np.asarray(attrition_per_year, dtype=float)
    t = np.asarray(years, dtype=float)
    x = a * t
    safe = np.where(x > 1e-12, x, 1.0)
    out = np.where(x > 1e-12, -np.expm1(-safe) / safe, 1.0 - 0.5 * x)
    return float(out) if out.ndim == 0 else out


# --- orbit --------------------------------------------------------------------------------------


def node_mass_kg(p: Mapping[str, ArrayLike], accelerators: int) -> dict[str, ArrayLike]:
    """Mass of one node by subsystem, kg, with ``total`` (:meth:`NodeHardware.mass_breakdown_kg`
    from the named numbers, so that each may be drawn)."""
    mass = {
        "bus": p["bus_kg"],
        "solar_array": p["solar_array_power_w"] / p["solar_specific_power_w_kg"],
        "battery": p["battery_capacity_wh"] / p["battery_specific_energy_wh_kg"],
        "radiator": p["radiator_area_m2"] * p["radiator_kg_m2"],
        "accelerators": accelerators * p["accelerator_kg"],
        "host": p["host_kg"],
        "shielding": p["shielding_kg"],
        "margin": p["margin_kg"],
    }
    mass["total"] = sum(mass.values())
    return mass


def planned_life_years(p: Mapping[str, ArrayLike]) -> ArrayLike:
    """Planned retirement age of a node, years: its lifetime, cut at the total-dose life."""
    dose = np.asarray(p["dose_krad_per_year"], dtype=float)
    dose_life = np.where(dose > 0, p["tid_limit_krad"] / np.where(dose > 0, dose, 1.0), np.inf)
    return np.minimum(p["lifetime_years"], dose_life)


@dataclass(frozen=True)
class OrbitCost:
    """The orbital option: capex per node, the fleet's annual cost by item, the node's mass and
    the accelerator-hours it delivers a year (each a float or an array of draws)."""

    capex_per_node_usd: dict[str, ArrayLike]
    annual_usd: dict[str, ArrayLike]
    mass_kg: dict[str, ArrayLike]
    delivered_hours_per_year: ArrayLike
    service_years: ArrayLike
    capacity_factor: ArrayLike

    @property
    def total_annual_usd(self) -> ArrayLike:
        return sum(self.annual_usd.values())

    @property
    def usd_per_accelerator_hour(self) -> ArrayLike:
        return _per_hour(self.total_annual_usd, self.delivered_hours_per_year)


def _per_hour(total: ArrayLike, hours: ArrayLike) -> ArrayLike:
    total = np.asarray(total, dtype=float)
    hours = np.asarray(hours, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(hours > 0, total / np.where(hours > 0, hours, 1.0), np.inf)
    return float(out) if out.ndim == 0 else out


def orbit_cost(p: Mapping[str, ArrayLike], facts: Facts) -> OrbitCost:
    """Capex per node, annual fleet cost and delivered hours of the orbital option."""
    n_acc = facts.accelerators_per_node
    mass = node_mass_kg(p, n_acc)
    spacecraft = sum(mass[key] * p[f"manufacturing_{key}_usd_per_kg"] for key in MASS_PRICED)
    capex = {
        "accelerators": n_acc * p["accelerator_price_usd"],
        "servers": n_acc * p["server_usd_per_accelerator"],
        "tariffs_levies": n_acc * (p["accelerator_price_usd"] + p["server_usd_per_accelerator"])
        * p["orbit_tariff_fraction"],
        "spacecraft": spacecraft,
        "launch": mass["total"] * p["launch_price_usd_per_kg"],
    }
    placed = sum(capex.values())  # hardware + launch of one attempt
    failure = p["launch_failure_rate"]
    capex["launch_failures"] = placed * failure / (1.0 - failure)
    capex["deployment_carrying"] = placed / (1.0 - failure) * carrying_factor(
        p["discount_rate"], p["deployment_years"])
    capex["deorbit"] = np.asarray(p["deorbit_usd_per_node"], dtype=float) + 0.0 * placed
    slot = sum(capex.values())
    life = planned_life_years(p)
    service = expected_service_years(life, p["bus_failure_per_year"], p["bus_weibull_shape"])
    crf_planned = capital_recovery_factor(p["discount_rate"], life)
    crf_service = capital_recovery_factor(p["discount_rate"], service)
    nodes = facts.n_nodes
    annual = {key: nodes * value * crf_planned for key, value in capex.items()}
    annual["replacements"] = nodes * slot * (crf_service - crf_planned)
    annual["operations"] = nodes * p["ops_usd_per_node_year"] + 0.0 * slot
    annual["ground_segment"] = (facts.contact_minutes_per_year
                                * p["ground_service_usd_per_contact_minute"] + 0.0 * slot)
    capacity = capacity_factor(p["accelerator_failure_per_year"], life)
    delivered = nodes * n_acc * p["hours_per_year"] * facts.utilisation * capacity
    return OrbitCost(capex, annual, mass, delivered, service, capacity)


# --- ground -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroundCost:
    """The ground option for one accelerator: capex and annual cost by item, IT energy a year
    and the accelerator-hours it delivers a year at ``utilisation``."""

    capex_per_accelerator_usd: dict[str, ArrayLike]
    annual_usd: dict[str, ArrayLike]
    it_energy_kwh_per_year: ArrayLike
    delivered_hours_per_year: ArrayLike
    utilisation: ArrayLike

    @property
    def total_annual_usd(self) -> ArrayLike:
        return sum(self.annual_usd.values())

    @property
    def usd_per_accelerator_hour(self) -> ArrayLike:
        return _per_hour(self.total_annual_usd, self.delivered_hours_per_year)


def ground_cost(p: Mapping[str, ArrayLike], utilisation: ArrayLike) -> GroundCost:
    """Capex and annual cost of one accelerator in a ground data centre at ``utilisation``."""
    u = np.asarray(utilisation, dtype=float)
    if np.any((u < 0) | (u > 1)):
        raise ValueError("utilisation must be in [0, 1]")
    price, server = p["accelerator_price_usd"], p["server_usd_per_accelerator"]
    it_power_w = p["accelerator_power_w"] + p["host_power_w_per_accelerator"]
    facility = p["facility_usd_per_mw"] * it_power_w / 1e6
    capex = {
        "accelerators": price + 0.0 * u,
        "servers": server + 0.0 * u,
        "tariffs_levies": price * (p["ground_tariff_fraction"] + p["ground_levy_fraction"])
        + server * p["ground_tariff_fraction"] + 0.0 * u,
        "facility": facility + 0.0 * u,
        "power_wait_carrying": facility * carrying_factor(p["discount_rate"],
                                                          p["time_to_power_years"]) + 0.0 * u,
    }
    crf_it = capital_recovery_factor(p["discount_rate"], p["accelerator_life_years"])
    crf_facility = capital_recovery_factor(p["discount_rate"], p["facility_life_years"])
    mean_it_w = (p["host_power_w_per_accelerator"] + p["accelerator_idle_w"]
                 + u * (p["accelerator_power_w"] - p["accelerator_idle_w"]))
    it_kwh = mean_it_w * p["hours_per_year"] / 1000.0
    annual = {
        "accelerators": capex["accelerators"] * crf_it,
        "servers": capex["servers"] * crf_it,
        "tariffs_levies": capex["tariffs_levies"] * crf_it,
        "accelerator_spares": p["ground_accelerator_failure_per_year"] * price + 0.0 * u,
        "facility": capex["facility"] * crf_facility,
        "power_wait_carrying": capex["power_wait_carrying"] * crf_facility,
        "facility_operations": facility * p["facility_opex_fraction_per_year"] + 0.0 * u,
        "electricity_it": it_kwh * p["electricity_usd_per_kwh"],
        "electricity_overhead": it_kwh * (p["pue"] - 1.0) * p["electricity_usd_per_kwh"],
        "water": it_kwh * p["water_l_per_kwh"] / 1000.0 * p["water_usd_per_m3"],
    }
    delivered = p["hours_per_year"] * u
    return GroundCost(capex, annual, it_kwh, delivered, u)


# --- comparisons --------------------------------------------------------------------------------


def orbit_usd_per_hour(p: Mapping[str, ArrayLike], facts: Facts) -> ArrayLike:
    return orbit_cost(p, facts).usd_per_accelerator_hour


def ground_usd_per_hour(p: Mapping[str, ArrayLike], utilisation: ArrayLike) -> ArrayLike:
    return ground_cost(p, utilisation).usd_per_accelerator_hour


def break_even_launch_price(p: Mapping[str, ArrayLike], facts: Facts,
                            ground_usd_per_hour_value: ArrayLike) -> ArrayLike:
    """Launch price, USD/kg, at which orbit costs ``ground_usd_per_hour_value`` an
    accelerator-hour: ``(ground - a) / b`` for the orbital cost ``a + b * price`` (every launch
    term scales with the price). NaN where no price does it (negative), or nothing is
    delivered."""
    at_zero = orbit_usd_per_hour({**p, "launch_price_usd_per_kg": 0.0}, facts)
    slope = orbit_usd_per_hour({**p, "launch_price_usd_per_kg": 1.0}, facts) - at_zero
    a, b = np.asarray(at_zero, dtype=float), np.asarray(slope, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        price = (np.asarray(ground_usd_per_hour_value, dtype=float) - a) / b
    ok = np.isfinite(a) & np.isfinite(b) & (b > 0) & (price > 0)
    out = np.where(ok, price, np.nan)
    return float(out) if out.ndim == 0 else out


def break_even_utilisation(p: Mapping[str, ArrayLike], facts: Facts,
                           ground_usd_per_hour_value: ArrayLike) -> ArrayLike:
    """Orbital utilisation at which orbit costs ``ground_usd_per_hour_value`` an
    accelerator-hour; NaN above 1 (unreachable). The fleet's fixed annual cost is spread over
    more hours as the utilisation rises; the ground-station service grows with the work
    (:meth:`Facts.at_utilisation`), a constant cost per hour."""
    full = facts.at_utilisation(1.0)
    cost = orbit_cost(p, full)
    delivered = np.asarray(cost.delivered_hours_per_year, dtype=float)
    service = np.asarray(cost.annual_usd["ground_segment"], dtype=float) / delivered
    fixed = (np.asarray(cost.total_annual_usd, dtype=float)
             - np.asarray(cost.annual_usd["ground_segment"], dtype=float)) / delivered
    with np.errstate(invalid="ignore", divide="ignore"):
        u = fixed / (np.asarray(ground_usd_per_hour_value, dtype=float) - service)
    out = np.where(np.isfinite(u) & (u > 0) & (u <= 1.0), u, np.nan)
    return float(out) if out.ndim == 0 else out


__all__ = [
    "Facts", "GroundCost", "ITEM_LABELS", "OrbitCost", "break_even_launch_price",
    "break_even_utilisation", "capacity_factor", "capital_recovery_factor", "carrying_factor",
    "expected_service_years", "ground_cost", "ground_usd_per_hour", "node_mass_kg", "orbit_cost",
    "orbit_usd_per_hour", "planned_life_years",
]
