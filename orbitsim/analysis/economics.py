"""Economics: cost per delivered accelerator-hour in orbit and on the ground, and the verdict.

Everything here is a pure function of explicit numbers (:class:`OrbitInputs`,
:class:`GroundInputs`); :func:`orbit_inputs` and :func:`ground_inputs` fill them from a node's
hardware and the economics files, and :func:`verdict_from_summary` does the whole chain for a
simulation run. The data files live in ``constellations/economics/`` (``common.toml``,
``orbit.toml``, ``ground.toml``, ``policy.toml``; every number with its source or marked as an
assumption), found as ``builtin_dir("hardware").parent / "economics"``.

Method (all money in USD, all time in years unless the name says otherwise):

* **Annualisation.** A capital sum ``C`` spent once costs ``C * CRF(r, n)`` a year over ``n`` years
  with the capital recovery factor ``CRF = r / (1 - (1 + r)**-n)`` (``1/n`` when ``r = 0``), the
  level payment of an annuity (any engineering-economics text, e.g. Newnan, *Engineering Economic
  Analysis*, ch. 4). Money spent ``T`` years before the asset earns carries interest
  ``C * ((1 + r)**T - 1)`` (interest during construction).
* **Orbit, per node.** Hardware = accelerators and servers per unit (plus tariffs and levies) and
  every other subsystem by mass times a manufacturing price per kg; launch = mass times the launch
  price. A launch fails with probability ``p`` and loses its payload, so one working node costs
  ``(hardware + launch) / (1 - p)``; deorbit is paid once per node. A node slot is renewed at
  failure or at its planned age ``L`` (the lifetime, cut at the total-dose life), whichever comes
  first (age replacement, Barlow & Proschan, *Mathematical Theory of Reliability*, 1965): the mean
  service of one node is ``S = E[min(T, L)] = integral_0^L R(t) dt`` for a Weibull lifetime ``T``
  of mean ``mttf_years`` and shape ``k``, and the slot costs ``CRF(r, S)`` of its capital a year.
  ``CRF(r, S) - CRF(r, L)`` of it is the cost of fault replacements. Operations per node-year and
  ground stations per station-year come on top.
* **Ground, per accelerator.** Accelerator and server capex over ``accelerator_life_years``;
  facility capex per MW of IT load (accelerator at its power limit plus its share of the host) over
  ``facility_life_years``, with interest during the wait for grid power; facility operations as a
  fraction of facility capex; electricity at the mean IT power (host, idle, and the busy fraction
  ``utilisation`` at the power limit) times PUE; water at ``water_l_per_kwh`` of IT energy.
* **Cost per delivered accelerator-hour** = annual cost / (accelerators * hours_per_year *
  utilisation). Solar energy in orbit costs nothing beyond the array; degradation of the array
  enters through the run's utilisation (the power envelope uses the array's age).
* The orbital cost is affine in the launch price with a positive slope, so the **break-even launch
  price** is closed form; the orbital cost is inversely proportional to its utilisation, so is the
  **break-even utilisation**.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orbitsim.errors import InputError
from orbitsim.model.hardware import NodeHardware
from orbitsim.model.validation import read_toml, validate_model
from orbitsim.resources import builtin_dir

HOURS_PER_YEAR = 8766.0  # Julian year
FILES = ("common", "orbit", "ground", "policy")

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
PositiveFraction = Annotated[float, Field(gt=0, le=1)]
OpenFraction = Annotated[float, Field(ge=0, lt=1)]

#: Subsystems priced by mass in orbit (accelerators and host servers are priced per unit).
MASS_PRICED = ("bus", "solar_array", "battery", "radiator", "shielding", "margin")

#: Human labels of the cost items of both options, in the order tables and charts show them.
ITEM_LABELS = {
    "accelerators": "accelerators",
    "servers": "servers",
    "tariffs_levies": "tariffs and levies",
    "spacecraft": "spacecraft",
    "launch": "launch",
    "launch_failures": "launch failures",
    "replacements": "fault replacements",
    "deployment_carrying": "capital carrying (deployment)",
    "deorbit": "deorbit",
    "operations": "operations",
    "ground_segment": "ground segment",
    "facility": "facility",
    "power_wait_carrying": "capital carrying (time to power)",
    "facility_operations": "facility operations",
    "electricity_it": "electricity (IT)",
    "electricity_overhead": "electricity (cooling and losses)",
    "water": "cooling water",
}


# --- data files ---------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CommonTerms(_Model):
    discount_rate: OpenFraction
    hours_per_year: PositiveFloat = HOURS_PER_YEAR
    server_usd_per_accelerator: NonNegativeFloat
    accelerator_price_usd: dict[str, PositiveFloat]


class ManufacturingPrices(_Model):
    bus: NonNegativeFloat
    solar_array: NonNegativeFloat
    battery: NonNegativeFloat
    radiator: NonNegativeFloat
    shielding: NonNegativeFloat
    margin: NonNegativeFloat


class OrbitTerms(_Model):
    launch_price_usd_per_kg: NonNegativeFloat
    launch_failure_rate: OpenFraction
    lifetime_years: PositiveFloat
    deployment_years: NonNegativeFloat
    ops_usd_per_node_year: NonNegativeFloat
    deorbit_usd_per_node: NonNegativeFloat
    ground_stations: Annotated[int, Field(ge=0)]
    ground_station_usd_per_year: NonNegativeFloat
    operator_region: str
    manufacturing_usd_per_kg: ManufacturingPrices
    launch_price_references_usd_per_kg: dict[str, PositiveFloat] = {}


class Region(_Model):
    name: str
    electricity_usd_per_kwh: NonNegativeFloat
    pue: Annotated[float, Field(ge=1)]
    facility_usd_per_mw: NonNegativeFloat
    water_usd_per_m3: NonNegativeFloat
    time_to_power_years: NonNegativeFloat


class GroundTerms(_Model):
    default_region: str
    utilisation: PositiveFraction
    accelerator_life_years: PositiveFloat
    facility_life_years: PositiveFloat
    facility_opex_fraction_per_year: NonNegativeFloat
    water_l_per_kwh: NonNegativeFloat
    regions: dict[str, Region]

    @model_validator(mode="after")
    def _check(self) -> GroundTerms:
        if self.default_region not in self.regions:
            raise ValueError(f"default_region {self.default_region!r} is not one of the "
                             f"[regions.*] tables ({', '.join(self.regions)})")
        return self


class RegionPolicy(_Model):
    accelerator_tariff_fraction: NonNegativeFloat = 0.0
    export_levy_fraction: NonNegativeFloat = 0.0


class PolicyTerms(_Model):
    regions: dict[str, RegionPolicy] = {}
    references: dict[str, float] = {}


class Economics(_Model):
    """All economics terms, validated and frozen; ``source`` is the folder they came from."""

    common: CommonTerms
    orbit: OrbitTerms
    ground: GroundTerms
    policy: PolicyTerms
    source: str = ""

    def region_key(self, region: str | None = None) -> str:
        """The key of a ground region (``None``: the default region); InputError if unknown."""
        key = self.ground.default_region if region is None else str(region)
        if key not in self.ground.regions:
            raise InputError(f"unknown region {key!r}; expected one of "
                             f"{', '.join(sorted(self.ground.regions))}",
                             source=Path(self.source) / "ground.toml" if self.source else None,
                             field="regions")
        return key

    def region(self, region: str | None = None) -> Region:
        return self.ground.regions[self.region_key(region)]

    def region_policy(self, region: str | None = None) -> RegionPolicy:
        """Tariff and levy of a region (none where policy.toml does not list it)."""
        key = self.ground.default_region if region is None else str(region)
        return self.policy.regions.get(key, RegionPolicy())

    def accelerator_price_usd(self, accelerator: str) -> float:
        prices = self.common.accelerator_price_usd
        if accelerator not in prices:
            raise InputError(f"no price for accelerator {accelerator!r}; add it to "
                             f"[accelerator_price_usd] (priced: {', '.join(sorted(prices))})",
                             source=Path(self.source) / "common.toml" if self.source else None,
                             field=f"accelerator_price_usd.{accelerator}")
        return prices[accelerator]


def economics_dir() -> Path:
    """Folder of the built-in economics files (``constellations/economics``)."""
    return builtin_dir("hardware").parent / "economics"


def load_economics(folder: str | Path | None = None) -> Economics:
    """The economics terms from ``folder`` (default: the built-in files).

    A user folder may hold only some of ``common.toml``, ``orbit.toml``, ``ground.toml`` and
    ``policy.toml``; the others come from the built-in folder. Bad content raises
    :class:`InputError` naming the file and the field.
    """
    builtin = economics_dir()
    user = Path(folder) if folder is not None else None
    if user is not None and not user.is_dir():
        raise InputError("expected a folder of economics TOML files", source=user)
    models = {"common": CommonTerms, "orbit": OrbitTerms, "ground": GroundTerms,
              "policy": PolicyTerms}
    parts: dict[str, Any] = {}
    for name in FILES:
        path = builtin / f"{name}.toml"
        if user is not None and (user / f"{name}.toml").is_file():
            path = user / f"{name}.toml"
        parts[name] = validate_model(models[name], read_toml(path), path)
    economics = Economics(**parts, source=str(user or builtin))
    orbit_region = economics.orbit.operator_region
    if orbit_region not in economics.ground.regions:
        raise InputError(f"operator_region {orbit_region!r} is not a region of ground.toml",
                         source=Path(economics.source) / "orbit.toml", field="operator_region")
    return economics


# --- finance ------------------------------------------------------------------------------------


def capital_recovery_factor(discount_rate: float, years: float) -> float:
    """Level annual payment per dollar of capital repaid over ``years`` at ``discount_rate``:
    ``r / (1 - (1 + r)**-n)``, and ``1 / n`` at ``r = 0`` (straight line)."""
    if years <= 0 or not math.isfinite(years):
        raise ValueError(f"years must be finite and > 0, got {years}")
    if not 0 <= discount_rate < 1:
        raise ValueError(f"discount_rate must be in [0, 1), got {discount_rate}")
    if discount_rate < 1e-12:
        return 1.0 / years + 0.5 * discount_rate  # series limit; avoids underflow at tiny r
    # 1 - (1 + r)^-n written with expm1/log1p: exact to rounding even for a tiny r.
    return discount_rate / -math.expm1(-years * math.log1p(discount_rate))


def carrying_factor(discount_rate: float, years: float) -> float:
    """Interest on capital spent ``years`` before it earns, per dollar: ``(1 + r)**T - 1``."""
    if years < 0:
        raise ValueError(f"years must be >= 0, got {years}")
    return math.expm1(years * math.log1p(discount_rate))


def expected_service_years(lifetime_years: float, mttf_years: float = math.inf,
                           weibull_shape: float = 1.0) -> float:
    """Mean service of a node retired at ``lifetime_years`` or at failure, whichever is first.

    ``E[min(T, L)] = integral_0^L exp(-(t / eta)**k) dt`` for a Weibull lifetime ``T`` with mean
    ``mttf_years`` (``eta = mttf / Gamma(1 + 1/k)``); closed form ``mttf * (1 - exp(-L / mttf))``
    for ``k = 1``, composite Simpson (4,000 intervals) otherwise; ``L`` for an infinite MTTF.
    """
    if lifetime_years <= 0 or not math.isfinite(lifetime_years):
        raise ValueError(f"lifetime_years must be finite and > 0, got {lifetime_years}")
    if mttf_years <= 0 or weibull_shape <= 0:
        raise ValueError("mttf_years and weibull_shape must be > 0")
    if math.isinf(mttf_years):
        return float(lifetime_years)
    if weibull_shape == 1.0:
        return mttf_years * -math.expm1(-lifetime_years / mttf_years)
    scale = mttf_years / math.gamma(1.0 + 1.0 / weibull_shape)
    t = np.linspace(0.0, lifetime_years, 4001)
    survival = np.exp(-((t / scale) ** weibull_shape))
    h = t[1] - t[0]
    return float(h / 3.0 * (survival[0] + survival[-1] + 4.0 * survival[1:-1:2].sum()
                            + 2.0 * survival[2:-1:2].sum()))


def cost_per_accelerator_hour(annual_usd: float, accelerators: float, utilisation: float,
                              hours_per_year: float = HOURS_PER_YEAR) -> float:
    """``annual_usd / (accelerators * hours_per_year * utilisation)``, USD per delivered
    accelerator-hour; ``inf`` when nothing is delivered."""
    if accelerators <= 0 or hours_per_year <= 0:
        raise ValueError("accelerators and hours_per_year must be > 0")
    if not 0 <= utilisation <= 1:
        raise ValueError(f"utilisation must be in [0, 1], got {utilisation}")
    delivered = accelerators * hours_per_year * utilisation
    return annual_usd / delivered if delivered > 0 else math.inf


# --- orbit --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrbitInputs:
    """Explicit numbers for the orbital option (no simulation needed).

    ``subsystem_mass_kg`` holds every subsystem of one node but the solar array (keys as in
    :meth:`NodeHardware.mass_breakdown_kg`: bus, battery, radiator, accelerators, host,
    shielding, margin); the array's mass is ``solar_array_power_w / solar_specific_power_w_kg``.
    ``dose_life_years`` is the total-dose life (``tid_limit_krad / dose_krad_per_year``).
    """

    n_nodes: int
    accelerators_per_node: int
    accelerator_price_usd: float
    server_usd_per_accelerator: float
    subsystem_mass_kg: Mapping[str, float]
    solar_array_power_w: float
    solar_specific_power_w_kg: float
    manufacturing_usd_per_kg: Mapping[str, float]
    launch_price_usd_per_kg: float
    launch_failure_rate: float
    lifetime_years: float
    utilisation: float
    discount_rate: float = 0.0
    mttf_years: float = math.inf
    weibull_shape: float = 1.0
    dose_life_years: float = math.inf
    deployment_years: float = 0.0
    ops_usd_per_node_year: float = 0.0
    deorbit_usd_per_node: float = 0.0
    ground_stations: int = 0
    ground_station_usd_per_year: float = 0.0
    tariff_fraction: float = 0.0
    levy_fraction: float = 0.0
    hours_per_year: float = HOURS_PER_YEAR

    def __post_init__(self) -> None:
        if self.n_nodes < 1 or self.accelerators_per_node < 1:
            raise ValueError("n_nodes and accelerators_per_node must be >= 1")
        if not 0 <= self.launch_failure_rate < 1:
            raise ValueError("launch_failure_rate must be in [0, 1)")
        if self.solar_specific_power_w_kg <= 0 or self.solar_array_power_w < 0:
            raise ValueError("solar_specific_power_w_kg must be > 0, solar_array_power_w >= 0")
        if self.launch_price_usd_per_kg < 0:
            raise ValueError("launch_price_usd_per_kg must be >= 0")
        if self.dose_life_years <= 0:
            raise ValueError("dose_life_years must be > 0")
        if not 0 <= self.utilisation <= 1:
            raise ValueError(f"utilisation must be in [0, 1], got {self.utilisation}")
        if {"solar_array", "total"} & set(self.subsystem_mass_kg):
            raise ValueError("subsystem_mass_kg must not hold solar_array or total (the array's "
                             "mass comes from its power and W/kg)")

    def mass_breakdown_kg(self) -> dict[str, float]:
        """Mass of one node by subsystem, kg, with ``total``."""
        parts = {"solar_array": self.solar_array_power_w / self.solar_specific_power_w_kg}
        parts.update({key: float(value) for key, value in self.subsystem_mass_kg.items()
                      if key != "total"})
        parts["total"] = sum(parts.values())
        return parts

    @property
    def planned_life_years(self) -> float:
        """Planned retirement age, cut at the total-dose life."""
        return min(self.lifetime_years, self.dose_life_years)

    @property
    def service_years(self) -> float:
        """Mean service of one node under age replacement (:func:`expected_service_years`)."""
        return expected_service_years(self.planned_life_years, self.mttf_years,
                                      self.weibull_shape)


class _AnnualCost:
    """Shared arithmetic of the two options' costs (fields ``annual_usd``, ``accelerators``,
    ``utilisation``, ``hours_per_year``)."""

    @property
    def total_annual_usd(self) -> float:
        return sum(self.annual_usd.values())

    @property
    def usd_per_accelerator_hour(self) -> float:
        return cost_per_accelerator_hour(self.total_annual_usd, self.accelerators,
                                         self.utilisation, self.hours_per_year)


@dataclass(frozen=True)
class OrbitalCost(_AnnualCost):
    """Cost of the orbital option: one-off capex per node and the fleet's annual cost by item."""

    capex_per_node_usd: dict[str, float]
    annual_usd: dict[str, float]
    mass_kg: dict[str, float]
    accelerators: int
    utilisation: float
    hours_per_year: float


def orbital_cost(inputs: OrbitInputs) -> OrbitalCost:
    """Capex per node and annual fleet cost of the orbital option (module docstring, *Orbit*)."""
    o = inputs
    mass = o.mass_breakdown_kg()
    n_acc = o.accelerators_per_node
    spacecraft = 0.0
    for key in MASS_PRICED:
        if mass.get(key, 0.0) > 0 and key not in o.manufacturing_usd_per_kg:
            raise ValueError(f"no manufacturing price per kg for subsystem {key!r}")
        spacecraft += mass.get(key, 0.0) * o.manufacturing_usd_per_kg.get(key, 0.0)
    capex = {
        "accelerators": n_acc * o.accelerator_price_usd,
        "servers": n_acc * o.server_usd_per_accelerator,
        "tariffs_levies": n_acc * (o.accelerator_price_usd * (o.tariff_fraction + o.levy_fraction)
                                   + o.server_usd_per_accelerator * o.tariff_fraction),
        "spacecraft": spacecraft,
        "launch": mass["total"] * o.launch_price_usd_per_kg,
    }
    placed = sum(capex.values())  # hardware + launch of one attempt
    p = o.launch_failure_rate
    capex["launch_failures"] = placed * p / (1.0 - p)
    delivered = placed / (1.0 - p)
    capex["deployment_carrying"] = delivered * carrying_factor(o.discount_rate,
                                                               o.deployment_years)
    capex["deorbit"] = o.deorbit_usd_per_node
    slot = sum(capex.values())

    crf_planned = capital_recovery_factor(o.discount_rate, o.planned_life_years)
    crf_service = capital_recovery_factor(o.discount_rate, o.service_years)
    annual = {key: o.n_nodes * value * crf_planned for key, value in capex.items()}
    annual["replacements"] = o.n_nodes * slot * (crf_service - crf_planned)
    annual["operations"] = o.n_nodes * o.ops_usd_per_node_year
    annual["ground_segment"] = o.ground_stations * o.ground_station_usd_per_year
    return OrbitalCost(capex_per_node_usd=capex, annual_usd=annual, mass_kg=mass,
                       accelerators=o.n_nodes * n_acc, utilisation=o.utilisation,
                       hours_per_year=o.hours_per_year)


# --- ground -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroundInputs:
    """Explicit numbers for the ground option: ``accelerators`` in a data centre of one region."""

    accelerators: int
    accelerator_price_usd: float
    server_usd_per_accelerator: float
    accelerator_power_w: float
    accelerator_idle_w: float
    host_power_w_per_accelerator: float
    utilisation: float
    accelerator_life_years: float
    facility_life_years: float
    facility_usd_per_mw: float
    pue: float
    electricity_usd_per_kwh: float
    discount_rate: float = 0.0
    facility_opex_fraction_per_year: float = 0.0
    water_l_per_kwh: float = 0.0
    water_usd_per_m3: float = 0.0
    time_to_power_years: float = 0.0
    tariff_fraction: float = 0.0
    levy_fraction: float = 0.0
    hours_per_year: float = HOURS_PER_YEAR

    def __post_init__(self) -> None:
        if self.accelerators < 1:
            raise ValueError("accelerators must be >= 1")
        if self.pue < 1:
            raise ValueError("pue must be >= 1")
        if not 0 <= self.accelerator_idle_w <= self.accelerator_power_w:
            raise ValueError("accelerator_idle_w must be in [0, accelerator_power_w]")
        if not 0 <= self.utilisation <= 1:
            raise ValueError(f"utilisation must be in [0, 1], got {self.utilisation}")

    @property
    def it_power_w_per_accelerator(self) -> float:
        """Design IT load per accelerator (accelerator at its limit plus host share), W."""
        return self.accelerator_power_w + self.host_power_w_per_accelerator

    @property
    def mean_it_power_w_per_accelerator(self) -> float:
        """Mean IT load per accelerator at ``utilisation``, W: host + idle + busy share."""
        return (self.host_power_w_per_accelerator + self.accelerator_idle_w
                + self.utilisation * (self.accelerator_power_w - self.accelerator_idle_w))


@dataclass(frozen=True)
class GroundCost(_AnnualCost):
    """Cost of the ground option: capex per accelerator and annual cost of all accelerators."""

    capex_per_accelerator_usd: dict[str, float]
    annual_usd: dict[str, float]
    it_energy_kwh_per_year: float
    accelerators: int
    utilisation: float
    hours_per_year: float


def ground_cost(inputs: GroundInputs) -> GroundCost:
    """Capex per accelerator and annual cost of the ground option (module docstring, *Ground*)."""
    g = inputs
    n = g.accelerators
    facility = g.facility_usd_per_mw * g.it_power_w_per_accelerator / 1e6
    capex = {
        "accelerators": g.accelerator_price_usd,
        "servers": g.server_usd_per_accelerator,
        "tariffs_levies": (g.accelerator_price_usd * (g.tariff_fraction + g.levy_fraction)
                           + g.server_usd_per_accelerator * g.tariff_fraction),
        "facility": facility,
        "power_wait_carrying": facility * carrying_factor(g.discount_rate,
                                                          g.time_to_power_years),
    }
    crf_it = capital_recovery_factor(g.discount_rate, g.accelerator_life_years)
    crf_facility = capital_recovery_factor(g.discount_rate, g.facility_life_years)
    it_kwh = g.mean_it_power_w_per_accelerator * g.hours_per_year / 1000.0
    annual = {
        "accelerators": n * capex["accelerators"] * crf_it,
        "servers": n * capex["servers"] * crf_it,
        "tariffs_levies": n * capex["tariffs_levies"] * crf_it,
        "facility": n * capex["facility"] * crf_facility,
        "power_wait_carrying": n * capex["power_wait_carrying"] * crf_facility,
        "facility_operations": n * facility * g.facility_opex_fraction_per_year,
        "electricity_it": n * it_kwh * g.electricity_usd_per_kwh,
        "electricity_overhead": n * it_kwh * (g.pue - 1.0) * g.electricity_usd_per_kwh,
        "water": n * it_kwh * g.water_l_per_kwh / 1000.0 * g.water_usd_per_m3,
    }
    return GroundCost(capex_per_accelerator_usd=capex, annual_usd=annual,
                      it_energy_kwh_per_year=n * it_kwh, accelerators=n,
                      utilisation=g.utilisation, hours_per_year=g.hours_per_year)


# --- inputs from hardware and files -------------------------------------------------------------


def dose_life_years(hardware: NodeHardware) -> float:
    """Total-dose life of a node's accelerators, years (``inf`` without dose)."""
    rate = hardware.radiation.dose_krad_per_year
    return hardware.accelerator.radiation.tid_limit_krad / rate if rate > 0 else math.inf


def orbit_inputs(hardware: NodeHardware, n_nodes: int, economics: Economics, *,
                 utilisation: float, launch_price_usd_per_kg: float | None = None,
                 n_stations: int | None = None) -> OrbitInputs:
    """:class:`OrbitInputs` for ``n_nodes`` nodes of ``hardware`` under ``economics``."""
    terms = economics.orbit
    mass = hardware.mass_breakdown_kg()
    policy = economics.region_policy(terms.operator_region)
    return OrbitInputs(
        n_nodes=int(n_nodes),
        accelerators_per_node=hardware.accelerators,
        accelerator_price_usd=economics.accelerator_price_usd(hardware.accelerator.name),
        server_usd_per_accelerator=economics.common.server_usd_per_accelerator,
        subsystem_mass_kg={k: v for k, v in mass.items() if k not in ("solar_array", "total")},
        solar_array_power_w=hardware.solar.bol_power_w,
        solar_specific_power_w_kg=hardware.solar.specific_power_w_kg,
        manufacturing_usd_per_kg=terms.manufacturing_usd_per_kg.model_dump(),
        launch_price_usd_per_kg=(terms.launch_price_usd_per_kg if launch_price_usd_per_kg is None
                                 else float(launch_price_usd_per_kg)),
        launch_failure_rate=terms.launch_failure_rate,
        lifetime_years=terms.lifetime_years,
        utilisation=float(utilisation),
        discount_rate=economics.common.discount_rate,
        mttf_years=hardware.radiation.mttf_years,
        weibull_shape=hardware.radiation.weibull_shape,
        dose_life_years=dose_life_years(hardware),
        deployment_years=terms.deployment_years,
        ops_usd_per_node_year=terms.ops_usd_per_node_year,
        deorbit_usd_per_node=terms.deorbit_usd_per_node,
        ground_stations=terms.ground_stations if n_stations is None else int(n_stations),
        ground_station_usd_per_year=terms.ground_station_usd_per_year,
        tariff_fraction=policy.accelerator_tariff_fraction,
        levy_fraction=0.0,  # the operator buys at home: no export levy
        hours_per_year=economics.common.hours_per_year,
    )


def ground_inputs(hardware: NodeHardware, accelerators: int, economics: Economics, *,
                  region: str | None = None, utilisation: float | None = None) -> GroundInputs:
    """:class:`GroundInputs` for ``accelerators`` of the node's kind in a ground ``region``."""
    key = economics.region_key(region)
    where = economics.ground.regions[key]
    policy = economics.region_policy(key)
    terms = economics.ground
    return GroundInputs(
        accelerators=int(accelerators),
        accelerator_price_usd=economics.accelerator_price_usd(hardware.accelerator.name),
        server_usd_per_accelerator=economics.common.server_usd_per_accelerator,
        accelerator_power_w=hardware.accelerator.power_limit_w,
        accelerator_idle_w=hardware.accelerator.idle_power_w,
        host_power_w_per_accelerator=hardware.host_power_w / hardware.accelerators,
        utilisation=terms.utilisation if utilisation is None else float(utilisation),
        accelerator_life_years=terms.accelerator_life_years,
        facility_life_years=terms.facility_life_years,
        facility_usd_per_mw=where.facility_usd_per_mw,
        pue=where.pue,
        electricity_usd_per_kwh=where.electricity_usd_per_kwh,
        discount_rate=economics.common.discount_rate,
        facility_opex_fraction_per_year=terms.facility_opex_fraction_per_year,
        water_l_per_kwh=terms.water_l_per_kwh,
        water_usd_per_m3=where.water_usd_per_m3,
        time_to_power_years=where.time_to_power_years,
        tariff_fraction=policy.accelerator_tariff_fraction,
        levy_fraction=policy.export_levy_fraction,
        hours_per_year=economics.common.hours_per_year,
    )


def ground_costs_by_region(hardware: NodeHardware, accelerators: int, economics: Economics, *,
                           utilisation: float | None = None) -> pd.DataFrame:
    """Ground cost per accelerator-hour in every region: columns ``region, name,
    usd_per_accelerator_hour, electricity_usd_per_kwh, pue, time_to_power_years``."""
    rows = []
    for key, where in economics.ground.regions.items():
        cost = ground_cost(ground_inputs(hardware, accelerators, economics, region=key,
                                         utilisation=utilisation))
        rows.append({"region": key, "name": where.name,
                     "usd_per_accelerator_hour": cost.usd_per_accelerator_hour,
                     "electricity_usd_per_kwh": where.electricity_usd_per_kwh, "pue": where.pue,
                     "time_to_power_years": where.time_to_power_years})
    return pd.DataFrame(rows)


# --- break-even and sensitivity -----------------------------------------------------------------


def orbit_usd_per_accelerator_hour(inputs: OrbitInputs) -> float:
    return orbital_cost(inputs).usd_per_accelerator_hour


def ground_usd_per_accelerator_hour(inputs: GroundInputs) -> float:
    return ground_cost(inputs).usd_per_accelerator_hour


def break_even_launch_price(orbit: OrbitInputs, ground_usd_per_hour: float) -> float:
    """Launch price, USD/kg, at which the orbital cost per accelerator-hour equals
    ``ground_usd_per_hour``; negative when even a free launch does not close the gap.

    Closed form: the orbital cost is ``a + b * price`` with ``b > 0`` (launch, launch failures,
    carrying, replacements all scale with it), so ``price = (ground - a) / b``. NaN when nothing
    is delivered in orbit.
    """
    a = orbit_usd_per_accelerator_hour(dataclasses.replace(orbit, launch_price_usd_per_kg=0.0))
    b = orbit_usd_per_accelerator_hour(
        dataclasses.replace(orbit, launch_price_usd_per_kg=1.0)) - a
    if not (math.isfinite(a) and math.isfinite(b)) or b <= 0:
        return math.nan
    return (ground_usd_per_hour - a) / b


def break_even_utilisation(orbit: OrbitInputs, ground_usd_per_hour: float) -> float:
    """Orbital utilisation (may exceed 1: unreachable) at which orbit costs the ground's price.

    The orbital annual cost does not depend on utilisation, so its cost per hour is
    ``annual / (accelerators * hours * u)`` and the break-even is ``u * orbit / ground``.
    """
    total = orbital_cost(orbit).total_annual_usd
    if ground_usd_per_hour <= 0:
        return math.inf
    return total / (orbit.n_nodes * orbit.accelerators_per_node * orbit.hours_per_year
                    * ground_usd_per_hour)


@dataclass(frozen=True)
class Parameter:
    """One parameter the tornado varies: where it lives and how to read and set it."""

    name: str
    label: str
    unit: str
    side: str  # "orbit", "ground" or "both"
    get: Callable[[OrbitInputs, GroundInputs], float]
    set: Callable[[OrbitInputs, GroundInputs, float], tuple[OrbitInputs, GroundInputs]]
    low_limit: float = 0.0
    high_limit: float = math.inf


def _orbit_field(field_name: str, label: str, unit: str, key: str | None = None,
                 **limits) -> Parameter:
    return Parameter(key or field_name, label, unit, "orbit",
                     lambda o, g: getattr(o, field_name),
                     lambda o, g, v: (dataclasses.replace(o, **{field_name: v}), g), **limits)


def _ground_field(field_name: str, label: str, unit: str, key: str | None = None,
                  **limits) -> Parameter:
    return Parameter(key or field_name, label, unit, "ground",
                     lambda o, g: getattr(g, field_name),
                     lambda o, g, v: (o, dataclasses.replace(g, **{field_name: v})), **limits)


def _both_fields(field_name: str, label: str, unit: str, **limits) -> Parameter:
    """A parameter the two options share (the orbital value is read as the base)."""
    return Parameter(field_name, label, unit, "both", lambda o, g: getattr(o, field_name),
                     lambda o, g, v: (dataclasses.replace(o, **{field_name: v}),
                                      dataclasses.replace(g, **{field_name: v})), **limits)


def _scale_manufacturing(o: OrbitInputs, g: GroundInputs, value: float):
    base = o.manufacturing_usd_per_kg["bus"]
    factor = value / base if base > 0 else 0.0
    prices = {k: v * factor for k, v in o.manufacturing_usd_per_kg.items()}
    return dataclasses.replace(o, manufacturing_usd_per_kg=prices), g


#: The parameters of the tornado, by name.
PARAMETERS: dict[str, Parameter] = {p.name: p for p in (
    _orbit_field("launch_price_usd_per_kg", "launch price", "$/kg"),
    _both_fields("accelerator_price_usd", "accelerator price", "$"),
    _orbit_field("lifetime_years", "node lifetime", "years", low_limit=1e-3),
    _orbit_field("utilisation", "orbital utilisation", "fraction", key="orbit_utilisation",
                 low_limit=1e-3, high_limit=1.0),
    _ground_field("utilisation", "ground utilisation", "fraction", key="ground_utilisation",
                  low_limit=1e-3, high_limit=1.0),
    _ground_field("electricity_usd_per_kwh", "electricity price", "$/kWh"),
    _ground_field("pue", "PUE", "-", low_limit=1.0),
    _orbit_field("launch_failure_rate", "launch failure rate", "fraction", high_limit=0.99),
    _orbit_field("solar_specific_power_w_kg", "solar array specific power", "W/kg",
                 low_limit=1e-3),
    _orbit_field("mttf_years", "node MTTF", "years", low_limit=1e-3),
    Parameter("manufacturing_usd_per_kg", "spacecraft manufacturing", "$/kg", "orbit",
              lambda o, g: o.manufacturing_usd_per_kg["bus"], _scale_manufacturing),
    _both_fields("discount_rate", "discount rate", "fraction", high_limit=0.99),
    _ground_field("facility_usd_per_mw", "facility capex", "$/MW"),
    _ground_field("time_to_power_years", "time to grid power", "years"),
    _orbit_field("ops_usd_per_node_year", "orbital operations", "$/node-year"),
)}
METRICS = ("premium", "orbit", "ground", "ratio")


def evaluate(orbit: OrbitInputs, ground: GroundInputs, metric: str = "premium") -> float:
    """``premium``: orbit minus ground, USD per accelerator-hour (verdict flips at 0);
    ``orbit``, ``ground``: each cost; ``ratio``: orbit over ground."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    o = orbit_usd_per_accelerator_hour(orbit)
    g = ground_usd_per_accelerator_hour(ground)
    return {"premium": o - g, "orbit": o, "ground": g, "ratio": o / g}[metric]


@dataclass(frozen=True)
class TornadoRow:
    parameter: str
    label: str
    unit: str
    side: str
    base_value: float
    low_value: float
    high_value: float
    cost_low: float
    cost_high: float

    @property
    def swing(self) -> float:
        return abs(self.cost_high - self.cost_low)


def _pue_range(base: float, swing: float) -> tuple[float, float]:
    return 1.0 + (base - 1.0) * (1.0 - swing), 1.0 + (base - 1.0) * (1.0 + swing)


def tornado(orbit: OrbitInputs, ground: GroundInputs, *, relative_swing: float = 0.5,
            ranges: Mapping[str, tuple[float, float]] | None = None,
            parameters: tuple[str, ...] | None = None,
            metric: str = "premium") -> list[TornadoRow]:
    """One-at-a-time sensitivity of ``metric`` (:func:`evaluate`), sorted by swing, largest first.

    Each parameter of :data:`PARAMETERS` (or ``parameters``) goes to ``base * (1 - s)`` and
    ``base * (1 + s)`` with ``s = relative_swing`` (PUE: its overhead above 1 does), clipped to its
    valid range, or to the ``(low, high)`` given in ``ranges``. Parameters whose base value is not
    finite (an infinite MTTF) are left out.
    """
    if not 0 < relative_swing < 1:
        raise ValueError("relative_swing must be in (0, 1)")
    ranges = dict(ranges or {})
    names = parameters or tuple(PARAMETERS)
    unknown = [n for n in (*names, *ranges) if n not in PARAMETERS]
    if unknown:
        raise ValueError(f"unknown tornado parameters {unknown}; known: {sorted(PARAMETERS)}")
    rows = []
    for name in names:
        param = PARAMETERS[name]
        base = float(param.get(orbit, ground))
        if not math.isfinite(base):
            continue
        if name in ranges:
            low, high = (float(v) for v in ranges[name])
        elif name == "pue":
            low, high = _pue_range(base, relative_swing)
        else:
            low, high = base * (1.0 - relative_swing), base * (1.0 + relative_swing)
        low = min(max(low, param.low_limit), param.high_limit)
        high = min(max(high, param.low_limit), param.high_limit)
        costs = [evaluate(*param.set(orbit, ground, value), metric=metric) for value in (low, high)]
        rows.append(TornadoRow(name, param.label, param.unit, param.side, base, low, high,
                               costs[0], costs[1]))
    rows.sort(key=lambda row: (-row.swing if math.isfinite(row.swing) else -math.inf,
                               row.parameter))
    return rows


def tornado_table(rows: list[TornadoRow]) -> pd.DataFrame:
    """The tornado rows as a DataFrame (one row per parameter, largest swing first)."""
    columns = ["parameter", "label", "unit", "side", "base_value", "low_value", "high_value",
               "cost_low", "cost_high", "swing"]
    return pd.DataFrame([{**dataclasses.asdict(r), "swing": r.swing} for r in rows],
                        columns=columns)


# --- verdict ------------------------------------------------------------------------------------


def _usd(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %"


def verdict_text(*, region: str, launch_price_usd_per_kg: float, utilisation: float,
                 orbit_usd_per_hour: float, ground_usd_per_hour: float,
                 break_even_launch_usd_per_kg: float, break_even_util: float,
                 floor_usd_per_hour: float | None = None) -> str:
    """One or two plain sentences saying under which conditions orbit is viable.

    ``floor_usd_per_hour``: the orbital cost with a free launch at full utilisation, quoted when
    no launch price and no utilisation closes the gap.
    """
    if utilisation <= 0 or not math.isfinite(orbit_usd_per_hour):
        return (f"The run delivered no accelerator-hours in orbit, so there is no orbital cost "
                f"per accelerator-hour to set against {_usd(ground_usd_per_hour)} on the ground "
                f"in {region}.")
    head = (f"At {_usd(launch_price_usd_per_kg)}/kg launch and {_percent(utilisation)} "
            f"utilisation, an orbital accelerator-hour costs {_usd(orbit_usd_per_hour)} against "
            f"{_usd(ground_usd_per_hour)} on the ground in {region}")
    reachable_util = math.isfinite(break_even_util) and break_even_util <= 1.0
    if orbit_usd_per_hour <= ground_usd_per_hour:
        return (f"{head}: orbit is viable, and stays so up to "
                f"{_usd(break_even_launch_usd_per_kg)}/kg launch.")
    if break_even_launch_usd_per_kg > 0:
        tail = f"only below {_usd(break_even_launch_usd_per_kg)}/kg launch"
        if reachable_util:
            tail += f", or above {_percent(break_even_util)} utilisation"
        return f"{head}: orbit is viable {tail}."
    if reachable_util:
        return (f"{head}: orbit is viable only above {_percent(break_even_util)} utilisation; "
                f"no launch price closes the gap at {_percent(utilisation)}.")
    text = f"{head}: orbit is not viable at any launch price or utilisation"
    if floor_usd_per_hour is not None and math.isfinite(floor_usd_per_hour):
        text += (f"; even with free launch at 100 % utilisation it costs "
                 f"{_usd(floor_usd_per_hour)} per accelerator-hour")
    return text + "."


@dataclass(frozen=True)
class Verdict:
    """The economics of one run: both costs, the break-evens, the sensitivity and the text."""

    region: str
    orbit_inputs: OrbitInputs
    ground_inputs: GroundInputs
    orbit: OrbitalCost
    ground: GroundCost
    break_even_launch_usd_per_kg: float
    break_even_utilisation: float
    tornado: tuple[TornadoRow, ...]
    text: str

    @property
    def orbit_usd_per_accelerator_hour(self) -> float:
        return self.orbit.usd_per_accelerator_hour

    @property
    def ground_usd_per_accelerator_hour(self) -> float:
        return self.ground.usd_per_accelerator_hour

    @property
    def viable(self) -> bool:
        return self.orbit_usd_per_accelerator_hour <= self.ground_usd_per_accelerator_hour

    def table(self) -> pd.DataFrame:
        return economics_table(self.orbit, self.ground)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (non-finite numbers become ``None``)."""

        def num(value: float) -> float | None:
            return float(value) if math.isfinite(value) else None

        return {
            "region": self.region,
            "viable": self.viable,
            "text": self.text,
            "launch_price_usd_per_kg": num(self.orbit_inputs.launch_price_usd_per_kg),
            "orbit_utilisation": num(self.orbit_inputs.utilisation),
            "ground_utilisation": num(self.ground_inputs.utilisation),
            "orbit_usd_per_accelerator_hour": num(self.orbit_usd_per_accelerator_hour),
            "ground_usd_per_accelerator_hour": num(self.ground_usd_per_accelerator_hour),
            "break_even_launch_usd_per_kg": num(self.break_even_launch_usd_per_kg),
            "break_even_utilisation": num(self.break_even_utilisation),
            "orbit_annual_usd": {k: num(v) for k, v in self.orbit.annual_usd.items()},
            "ground_annual_usd": {k: num(v) for k, v in self.ground.annual_usd.items()},
            "orbit_capex_per_node_usd": {k: num(v)
                                         for k, v in self.orbit.capex_per_node_usd.items()},
            "node_mass_kg": {k: num(v) for k, v in self.orbit.mass_kg.items()},
            "tornado": [{"parameter": r.parameter, "label": r.label, "unit": r.unit,
                         "low_value": num(r.low_value), "high_value": num(r.high_value),
                         "cost_low": num(r.cost_low), "cost_high": num(r.cost_high)}
                        for r in self.tornado],
        }


def verdict(orbit: OrbitInputs, ground: GroundInputs, *, region: str = "the region",
            with_tornado: bool = True) -> Verdict:
    """Compare the two options, find the break-evens and word the verdict."""
    orbit_result, ground_result = orbital_cost(orbit), ground_cost(ground)
    o_hour = orbit_result.usd_per_accelerator_hour
    g_hour = ground_result.usd_per_accelerator_hour
    delivered = orbit.utilisation > 0
    price = break_even_launch_price(orbit, g_hour) if delivered else math.nan
    util = break_even_utilisation(orbit, g_hour)
    floor = orbit_usd_per_accelerator_hour(
        dataclasses.replace(orbit, launch_price_usd_per_kg=0.0, utilisation=1.0))
    text = verdict_text(region=region, launch_price_usd_per_kg=orbit.launch_price_usd_per_kg,
                        utilisation=orbit.utilisation, orbit_usd_per_hour=o_hour,
                        ground_usd_per_hour=g_hour, break_even_launch_usd_per_kg=price,
                        break_even_util=util, floor_usd_per_hour=floor)
    rows = tuple(tornado(orbit, ground)) if with_tornado and delivered else ()
    return Verdict(region, orbit, ground, orbit_result, ground_result, price, util, rows, text)


def summary_utilisation(summary: Mapping[str, Any], hardware: NodeHardware, n_nodes: int) -> float:
    """Delivered fraction of accelerator-hours from a run's ``summary.json``: its
    ``utilisation``, else ``accelerator_hours / (n_nodes * accelerators * hours)``."""
    if summary.get("utilisation") is not None:
        value = float(summary["utilisation"])
    elif summary.get("accelerator_hours") is not None and summary.get("hours"):
        value = float(summary["accelerator_hours"]) / (
            n_nodes * hardware.accelerators * float(summary["hours"]))
    else:
        raise ValueError("summary needs 'utilisation', or 'accelerator_hours' and 'hours'")
    if not -1e-9 <= value <= 1.0 + 1e-9:
        raise ValueError(f"utilisation must be in [0, 1], got {value}")
    return min(max(value, 0.0), 1.0)


def verdict_from_summary(summary: Mapping[str, Any], hardware: NodeHardware, n_nodes: int,
                         economics: Economics, *, region: str | None = None,
                         launch_price_usd_per_kg: float | None = None,
                         n_stations: int | None = None,
                         ground_utilisation: float | None = None) -> Verdict:
    """The verdict of a simulation run.

    ``summary`` is the run's ``summary.json`` (``utilisation`` or ``accelerator_hours`` and
    ``hours``; ``n_stations`` if present sets the ground segment size unless ``n_stations`` is
    given). The orbital utilisation is the run's; the ground's comes from ``ground.toml``.
    """
    if n_nodes < 1:
        raise ValueError("n_nodes must be >= 1")
    utilisation = summary_utilisation(summary, hardware, n_nodes)
    if n_stations is None and summary.get("n_stations") is not None:
        n_stations = int(summary["n_stations"])
    key = economics.region_key(region)
    orbit = orbit_inputs(hardware, n_nodes, economics, utilisation=utilisation,
                         launch_price_usd_per_kg=launch_price_usd_per_kg, n_stations=n_stations)
    ground = ground_inputs(hardware, n_nodes * hardware.accelerators, economics, region=key,
                           utilisation=ground_utilisation)
    return verdict(orbit, ground, region=economics.ground.regions[key].name)


def economics_table(orbit: OrbitalCost, ground: GroundCost) -> pd.DataFrame:
    """Cost breakdown of both options: columns ``option, item, label, usd_per_year,
    usd_per_accelerator_hour, share`` (share of the option's annual total)."""
    rows = []
    for option, cost in (("orbit", orbit), ("ground", ground)):
        total = cost.total_annual_usd
        delivered = cost.accelerators * cost.hours_per_year * cost.utilisation
        for item, value in cost.annual_usd.items():
            rows.append({"option": option, "item": item, "label": ITEM_LABELS.get(item, item),
                         "usd_per_year": value,
                         "usd_per_accelerator_hour": value / delivered if delivered else math.inf,
                         "share": value / total if total else math.nan})
    return pd.DataFrame(rows, columns=["option", "item", "label", "usd_per_year",
                                       "usd_per_accelerator_hour", "share"])


# --- reproductions of published headline comparisons --------------------------------------------

#: Starcloud white paper ("Why we should train AI in space", Starcloud, formerly Lumen Orbit),
#: cost table of one 40 MW cluster over 10 years, USD, as we read it: orbit $8.2M (launch $5M,
#: solar array $2M, radiation shielding $1.2M); ground $167M (electricity $140M at $0.04/kWh,
#: cooling $7M, backup power $20M). The totals are confirmed by secondary summaries; the line
#: items are from our reading of the paper.
STARCLOUD = {
    "power_mw": 40.0,
    "years": 10.0,
    "electricity_usd_per_kwh": 0.04,
    "launch_price_usd_per_kg": 30.0,
    "orbit_usd": {"launch": 5.0e6, "solar_array": 2.0e6, "shielding": 1.2e6},
    "ground_usd": {"electricity": 140.0e6, "cooling": 7.0e6, "backup_power": 20.0e6},
}

#: Google Suncatcher (arXiv 2511.19468): launch at <= $200/kg (mid-2030s) puts the launched cost
#: of power at ~$810 per kW per year, comparable to the energy cost of US data centres (the paper
#: quotes a range of roughly $570-3,000/kW/yr). The $810 and the range are as we recall them.
SUNCATCHER = {
    "launch_price_usd_per_kg": 200.0,
    "usd_per_kw_year": 810.0,
    "ground_usd_per_kw_year_range": (570.0, 3000.0),
}


def ground_energy_usd(power_w: float, years: float, electricity_usd_per_kwh: float,
                      pue: float = 1.0, hours_per_year: float = HOURS_PER_YEAR) -> float:
    """Electricity bill of a constant IT load: ``P * years * hours * price * PUE``, USD."""
    return power_w / 1000.0 * years * hours_per_year * electricity_usd_per_kwh * pue


@dataclass(frozen=True)
class EnergyComparison:
    """Energy cost of a cluster in orbit against the ground, theirs and orbitsim's."""

    name: str
    rows: pd.DataFrame  # option, item, published_usd, orbitsim_usd
    mass_kg: dict[str, float]
    array_bol_w: float
    assumptions: dict[str, float]

    def totals(self) -> pd.DataFrame:
        return self.rows.groupby("option", sort=False)[["published_usd", "orbitsim_usd"]].sum(
            min_count=1)


def energy_system_mass_kg(hardware: NodeHardware, it_power_w: float, *, years: float,
                          sunlit_fraction: float = 1.0) -> tuple[dict[str, float], float]:
    """Mass of the orbital energy system for a constant IT load, kg by subsystem, and the
    array's BOL power, W.

    Scaled from the node: the array carries the IT load plus the node's bus share in sunlight
    (``sunlit_fraction`` of the time) after ``years`` of its degradation, at the node's W/kg;
    radiator and battery scale with the node's total load, shielding with its IT load.
    """
    if not 0 < sunlit_fraction <= 1:
        raise ValueError("sunlit_fraction must be in (0, 1]")
    node_it_w = hardware.max_accelerator_power_w + hardware.host_power_w
    node_load_w = node_it_w + hardware.bus_power_w
    load_w = it_power_w * node_load_w / node_it_w
    decay = (1.0 - hardware.solar.degradation_per_year) ** years
    array_bol_w = load_w / (sunlit_fraction * decay)
    node_mass = hardware.mass_breakdown_kg()
    mass = {
        "solar_array": array_bol_w / hardware.solar.specific_power_w_kg,
        "radiator": node_mass["radiator"] * load_w / node_load_w,
        "battery": node_mass["battery"] * load_w / node_load_w,
        "shielding": node_mass["shielding"] * it_power_w / node_it_w,
    }
    return mass, array_bol_w


def starcloud_comparison(hardware: NodeHardware, economics: Economics, *,
                         power_mw: float = STARCLOUD["power_mw"],
                         years: float = STARCLOUD["years"],
                         launch_price_usd_per_kg: float | None = None,
                         region: str | None = None,
                         electricity_usd_per_kwh: float | None = None,
                         pue: float | None = None,
                         sunlit_fraction: float = 1.0) -> EnergyComparison:
    """Starcloud's 40 MW / 10 year energy comparison, recomputed with orbitsim's model.

    Orbit: the energy system of :func:`energy_system_mass_kg` (array sized for end of life,
    radiators, battery, shielding scaled from ``hardware``), built at ``orbit.toml``'s
    manufacturing prices per kg and launched at ``launch_price_usd_per_kg`` (default:
    ``orbit.toml``) with its failure rate. Ground: electricity for the IT load (at the region's
    price unless ``electricity_usd_per_kwh``), the PUE overhead (cooling and losses) and water;
    backup power is part of the facility capex in orbitsim and is not in this energy-only view.
    No discounting, as in the paper.
    """
    it_w = power_mw * 1e6
    where = economics.region(region)
    price = where.electricity_usd_per_kwh if electricity_usd_per_kwh is None else \
        float(electricity_usd_per_kwh)
    pue = where.pue if pue is None else float(pue)
    launch = economics.orbit.launch_price_usd_per_kg if launch_price_usd_per_kg is None else \
        float(launch_price_usd_per_kg)
    failure = economics.orbit.launch_failure_rate
    hours = economics.common.hours_per_year
    mass, array_bol_w = energy_system_mass_kg(hardware, it_w, years=years,
                                              sunlit_fraction=sunlit_fraction)
    make = economics.orbit.manufacturing_usd_per_kg
    total_kg = sum(mass.values())
    published_orbit, published_ground = STARCLOUD["orbit_usd"], STARCLOUD["ground_usd"]
    nan = math.nan
    rows = [
        ("orbit", "launch", published_orbit["launch"], total_kg * launch / (1.0 - failure)),
        ("orbit", "solar_array", published_orbit["solar_array"],
         mass["solar_array"] * make.solar_array),
        ("orbit", "radiator", nan, mass["radiator"] * make.radiator),
        ("orbit", "battery", nan, mass["battery"] * make.battery),
        ("orbit", "shielding", published_orbit["shielding"], mass["shielding"] * make.shielding),
        ("ground", "electricity", published_ground["electricity"],
         ground_energy_usd(it_w, years, price, 1.0, hours)),
        ("ground", "cooling", published_ground["cooling"],
         ground_energy_usd(it_w, years, price, pue, hours)
         - ground_energy_usd(it_w, years, price, 1.0, hours)
         + it_w / 1000.0 * years * hours * economics.ground.water_l_per_kwh / 1000.0
         * where.water_usd_per_m3),
        ("ground", "backup_power", published_ground["backup_power"], nan),
    ]
    frame = pd.DataFrame(rows, columns=["option", "item", "published_usd", "orbitsim_usd"])
    assumptions = {"power_mw": power_mw, "years": years, "launch_price_usd_per_kg": launch,
                   "launch_failure_rate": failure, "electricity_usd_per_kwh": price, "pue": pue,
                   "sunlit_fraction": sunlit_fraction,
                   "solar_specific_power_w_kg": hardware.solar.specific_power_w_kg,
                   "degradation_per_year": hardware.solar.degradation_per_year}
    return EnergyComparison("starcloud", frame, {**mass, "total": total_kg}, array_bol_w,
                            assumptions)


def launched_power_usd_per_kw_year(launch_price_usd_per_kg: float, kg_per_kw: float,
                                   lifetime_years: float,
                                   launch_failure_rate: float = 0.0) -> float:
    """Launch cost of one kW of orbital power spread evenly over its life, USD per kW-year:
    ``price * kg_per_kw / lifetime / (1 - failure)`` (Suncatcher's straight-line metric)."""
    if lifetime_years <= 0 or not 0 <= launch_failure_rate < 1:
        raise ValueError("lifetime_years must be > 0 and launch_failure_rate in [0, 1)")
    return launch_price_usd_per_kg * kg_per_kw / lifetime_years / (1.0 - launch_failure_rate)


@dataclass(frozen=True)
class SuncatcherComparison:
    """Suncatcher's launched-power price against ground energy, with orbitsim's node."""

    launch_price_usd_per_kg: float
    kg_per_kw: float
    lifetime_years: float
    launch_failure_rate: float
    orbit_usd_per_kw_year: float
    ground_usd_per_kw_year: float
    break_even_launch_usd_per_kg: float
    published_usd_per_kw_year: float
    published_kg_per_kw_per_life_year: float

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


def suncatcher_comparison(hardware: NodeHardware, economics: Economics, *,
                          launch_price_usd_per_kg: float = SUNCATCHER["launch_price_usd_per_kg"],
                          region: str | None = None, lifetime_years: float | None = None,
                          launch_failure_rate: float = 0.0) -> SuncatcherComparison:
    """Suncatcher's comparison with orbitsim's node: launch cost per kW-year of IT load (whole
    node mass over its IT power: accelerators plus host) against the region's electricity per
    kW-year of IT load (``price * PUE * hours``), and the launch price where they meet:
    ``ground * lifetime * (1 - failure) / kg_per_kw``."""
    it_kw = (hardware.max_accelerator_power_w + hardware.host_power_w) / 1000.0
    kg_per_kw = hardware.mass_kg / it_kw
    life = economics.orbit.lifetime_years if lifetime_years is None else float(lifetime_years)
    where = economics.region(region)
    ground = ground_energy_usd(1000.0, 1.0, where.electricity_usd_per_kwh, where.pue,
                               economics.common.hours_per_year)
    orbit = launched_power_usd_per_kw_year(launch_price_usd_per_kg, kg_per_kw, life,
                                           launch_failure_rate)
    break_even = ground * life * (1.0 - launch_failure_rate) / kg_per_kw
    return SuncatcherComparison(
        launch_price_usd_per_kg=float(launch_price_usd_per_kg), kg_per_kw=kg_per_kw,
        lifetime_years=life, launch_failure_rate=launch_failure_rate,
        orbit_usd_per_kw_year=orbit, ground_usd_per_kw_year=ground,
        break_even_launch_usd_per_kg=break_even,
        published_usd_per_kw_year=SUNCATCHER["usd_per_kw_year"],
        published_kg_per_kw_per_life_year=(SUNCATCHER["usd_per_kw_year"]
                                           / SUNCATCHER["launch_price_usd_per_kg"]))


__all__ = [
    "Economics", "EnergyComparison", "GroundCost", "GroundInputs", "HOURS_PER_YEAR",
    "OrbitInputs", "OrbitalCost", "PARAMETERS", "SuncatcherComparison", "TornadoRow", "Verdict",
    "break_even_launch_price", "break_even_utilisation", "capital_recovery_factor",
    "carrying_factor", "cost_per_accelerator_hour", "economics_dir", "economics_table",
    "energy_system_mass_kg", "evaluate", "expected_service_years", "ground_cost",
    "ground_costs_by_region", "ground_energy_usd", "ground_inputs",
    "launched_power_usd_per_kw_year", "load_economics", "orbit_inputs", "orbital_cost",
    "starcloud_comparison",
    "suncatcher_comparison", "summary_utilisation", "tornado", "tornado_table", "verdict",
    "verdict_from_summary", "verdict_text",
]
