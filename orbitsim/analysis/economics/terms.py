"""Terms: the numbers of the economics, where they come from, and how far they may be off.

The data files live in ``constellations/economics/`` (``common``, ``orbit``, ``ground``,
``policy``, ``value`` and ``timeline``; found by :func:`economics_dir`). Every number carries
its source (a trailing comment) or is marked as an assumption, and has a ``[ranges]`` entry:
``"dotted.key" = [low, high]``, the value itself being the mode of a triangular distribution
(equal ends: fixed). Hardware files carry their own ``[ranges]`` the same way
(:attr:`orbitsim.model.hardware.NodeHardware.ranges`).

:func:`model_parameters` gathers, for one node hardware and one ground region, every number the
verdict uses as a named :class:`Param` (mode, low, high, unit, side, source): the costs, the
Monte Carlo, the timeline and the value side all read them by name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from orbitsim.errors import InputError
from orbitsim.model.hardware import NodeHardware, load_accelerator
from orbitsim.model.validation import read_toml, validate_model
from orbitsim.resources import builtin_dir

HOURS_PER_YEAR = 8766.0  # Julian year
#: The economics files, in the order they are read.
FILES = ("common", "orbit", "ground", "policy", "value", "timeline")

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
PositiveFraction = Annotated[float, Field(gt=0, le=1)]
OpenFraction = Annotated[float, Field(ge=0, lt=1)]
Year = Annotated[int, Field(ge=1957, le=2200)]

#: Subsystems priced by mass in orbit (accelerators and host servers are priced per unit).
MASS_PRICED = ("bus", "solar_array", "battery", "radiator", "shielding", "margin")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CommonTerms(_Model):
    discount_rate: OpenFraction
    hours_per_year: PositiveFloat = HOURS_PER_YEAR
    server_usd_per_accelerator: NonNegativeFloat
    ground_accelerator_failure_per_year: NonNegativeFloat = 0.0
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
    ground_service_usd_per_contact_minute: NonNegativeFloat
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


class ExportTerm(_Model):
    """A revenue share a licensing state takes on ``accelerator`` compute sold to buyers from
    ``buyer_countries`` (ISO 3166-1 alpha-2) under an export licence."""

    accelerator: str
    buyer_countries: list[str] = Field(min_length=1)
    licensing_country: str = ""
    revenue_share_fraction: Fraction


class PolicyTerms(_Model):
    regions: dict[str, RegionPolicy] = {}
    references: dict[str, float] = {}
    export_terms: dict[str, ExportTerm] = {}

    def export_term(self, accelerator: str, buyer_country: str) -> ExportTerm | None:
        """The export term on ``accelerator`` sold to a buyer from ``buyer_country``."""
        country = (buyer_country or "").upper()
        for term in self.export_terms.values():
            if term.accelerator == accelerator and country in {
                    c.upper() for c in term.buyer_countries}:
                return term
        return None


class ValueTerms(_Model):
    market_usd_per_h100_hour: NonNegativeFloat
    sovereignty_premium_fraction: NonNegativeFloat


class Trajectory(_Model):
    description: str = ""
    price_usd_per_kg: list[tuple[Year, PositiveFloat]] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Trajectory:
        years = [y for y, _ in self.price_usd_per_kg]
        if years != sorted(set(years)):
            raise ValueError("price_usd_per_kg anchors need strictly increasing years")
        return self


class Trends(_Model):
    electricity_change_per_year: float = 0.0
    facility_capex_change_per_year: float = 0.0
    manufacturing_change_per_year: float = 0.0
    solar_specific_power_change_per_year: float = 0.0
    ops_change_per_year: float = 0.0

    @model_validator(mode="after")
    def _check(self) -> Trends:
        for name, value in self:
            if not -0.5 < value < 1.0:
                raise ValueError(f"{name} must be a yearly change in (-0.5, 1), got {value}")
        return self


class TimelineTerms(_Model):
    first_year: Year
    last_year: Year
    base_trajectory: str
    launch_trajectories: dict[str, Trajectory] = Field(min_length=1)
    generations: dict[str, list[tuple[str, Year]]] = {}
    trends: Trends = Trends()

    @model_validator(mode="after")
    def _check(self) -> TimelineTerms:
        if self.last_year < self.first_year:
            raise ValueError("last_year must not be before first_year")
        if self.base_trajectory not in self.launch_trajectories:
            raise ValueError(f"base_trajectory {self.base_trajectory!r} is not one of "
                             f"{', '.join(self.launch_trajectories)}")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


class Economics(_Model):
    """All economics terms, validated and frozen; ``ranges[file][dotted key] = (low, high)``;
    ``source`` is the folder the user's files came from (the built-in one otherwise)."""

    common: CommonTerms
    orbit: OrbitTerms
    ground: GroundTerms
    policy: PolicyTerms
    value: ValueTerms
    timeline: TimelineTerms
    ranges: dict[str, dict[str, tuple[float, float]]] = {}
    paths: dict[str, str] = {}
    source: str = ""

    def region_key(self, region: str | None = None) -> str:
        """The key of a ground region (``None``: the default region); InputError if unknown."""
        key = self.ground.default_region if region is None else str(region)
        if key not in self.ground.regions:
            raise InputError(f"unknown region {key!r}; expected one of "
                             f"{', '.join(sorted(self.ground.regions))}",
                             source=self.paths.get("ground"), field="regions")
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
                             source=self.paths.get("common"),
                             field=f"accelerator_price_usd.{accelerator}")
        return prices[accelerator]

    def range_of(self, part: str, key: str, value: float) -> tuple[float, float]:
        """``(low, high)`` of ``key`` in file ``part``; ``(value, value)`` without a range."""
        return self.ranges.get(part, {}).get(key, (value, value))

    def comment(self, part: str, key: str) -> str:
        """The source comment of ``key`` in file ``part`` (empty if none)."""
        path = self.paths.get(part)
        return line_comments(Path(path)).get(key, "") if path else ""


def economics_dir() -> Path:
    """Folder of the built-in economics files (``constellations/economics``)."""
    return builtin_dir("hardware").parent / "economics"


# --- [ranges] and comments ----------------------------------------------------------------------


def numeric_leaves(data: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Every scalar number of a parsed TOML table by dotted key (``ranges`` left out)."""
    out: dict[str, float] = {}
    for key, value in data.items():
        if key == "ranges" and not prefix:
            continue
        if isinstance(value, Mapping):
            out.update(numeric_leaves(value, f"{prefix}{key}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = float(value)
    return out


def split_ranges(data: dict[str, Any], path: Path) -> tuple[dict[str, Any],
                                                              dict[str, tuple[float, float]]]:
    """``data`` without its ``[ranges]`` table, and that table checked: every key names a
    number of the file, ``[low, high]`` with ``low <= high``. InputError otherwise."""
    data = dict(data)
    raw = data.pop("ranges", {})
    if not isinstance(raw, dict):
        raise InputError("[ranges] must be a table of key = [low, high]", source=path,
                         field="ranges")
    numbers = numeric_leaves(data)
    ranges: dict[str, tuple[float, float]] = {}
    for key, value in raw.items():
        if key not in numbers:
            raise InputError(f"ranges: {key!r} is not a number of this file", source=path,
                             field=f"ranges.{key}")
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) for v in value)):
            raise InputError(f"ranges: {key!r} must be [low, high], two finite numbers",
                             source=path, field=f"ranges.{key}")
        low, high = float(value[0]), float(value[1])
        if low > high:
            raise InputError(f"ranges: {key!r} needs low <= high, got [{low:g}, {high:g}]",
                             source=path, field=f"ranges.{key}")
        ranges[key] = (low, high)
    return data, ranges


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r'^\s*("[^"]+"|[A-Za-z0-9_\-]+)\s*=\s*(.*)$')


def line_comments(path: Path) -> dict[str, str]:
    """Trailing comment of every ``key = value`` line of a TOML file (:func:`_line_comments`,
    read once per file and modification time)."""
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    return dict(_line_comments(str(path), stamp))


@lru_cache(maxsize=64)
def _line_comments(path: str, stamp: int) -> tuple[tuple[str, str], ...]:
    """Trailing comment of every ``key = value`` line of a TOML file, by dotted key (the
    current ``[table]`` prefixed; quoted keys unquoted). A line without one maps to ``""``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return ()
    table = ""
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = _TABLE.match(line)
        if match and not line.lstrip().startswith("[["):
            table = match.group(1).replace('"', "")
            continue
        match = _KEY.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        key = match.group(1).strip('"')
        rest = match.group(2)
        comment = ""
        in_string = False
        for i, char in enumerate(rest):
            if char == '"':
                in_string = not in_string
            elif char == "#" and not in_string:
                comment = rest[i + 1:].strip()
                break
        out[f"{table}.{key}" if table else key] = comment
    return tuple(out.items())


# --- loading ------------------------------------------------------------------------------------


_MODELS: dict[str, type[_Model]] = {
    "common": CommonTerms, "orbit": OrbitTerms, "ground": GroundTerms, "policy": PolicyTerms,
    "value": ValueTerms, "timeline": TimelineTerms,
}


def read_part(part: str, path: Path) -> tuple[_Model, dict[str, tuple[float, float]]]:
    """One economics file, validated: its model and its ranges (InputError on bad content)."""
    data, ranges = split_ranges(read_toml(path), path)
    return validate_model(_MODELS[part], data, path), ranges


def load_economics(folder: str | Path | None = None) -> Economics:
    """The economics terms from ``folder`` (default: the built-in files).

    A user folder may hold only some of the files; the others come from the built-in folder.
    Bad content raises :class:`InputError` naming the file and the field.
    """
    builtin = economics_dir()
    user = Path(folder) if folder is not None else None
    if user is not None and not user.is_dir():
        raise InputError("expected a folder of economics TOML files", source=user)
    parts: dict[str, Any] = {}
    ranges: dict[str, dict[str, tuple[float, float]]] = {}
    paths: dict[str, str] = {}
    for name in FILES:
        path = builtin / f"{name}.toml"
        if user is not None and (user / f"{name}.toml").is_file():
            path = user / f"{name}.toml"
        parts[name], ranges[name] = read_part(name, path)
        paths[name] = str(path)
    economics = Economics(**parts, ranges=ranges, paths=paths, source=str(user or builtin))
    orbit_region = economics.orbit.operator_region
    if orbit_region not in economics.ground.regions:
        raise InputError(f"operator_region {orbit_region!r} is not a region of ground.toml",
                         source=paths["orbit"], field="operator_region")
    return economics


# --- named parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One number of the verdict: its mode (the files' value), range, unit and source."""

    name: str
    label: str
    unit: str
    side: str  # "orbit", "ground", "both", "value" or "timeline"
    mode: float
    low: float
    high: float
    source: str  # where it is set: "orbit.toml: launch_price_usd_per_kg", "hardware ..."
    note: str = ""  # the file's comment: its citation or "assumption: ..."

    @property
    def uncertain(self) -> bool:
        return self.high > self.low

    def scaled(self, factor: float) -> Param:
        """The same parameter with mode, low and high multiplied by ``factor`` (> 0)."""
        return Param(self.name, self.label, self.unit, self.side, self.mode * factor,
                     self.low * factor, self.high * factor, self.source, self.note)

    def fixed(self, value: float) -> Param:
        """The same parameter pinned to ``value`` (no spread)."""
        return Param(self.name, self.label, self.unit, self.side, value, value, value,
                     self.source, self.note)


def _param(economics: Economics, part: str, key: str, value: float, name: str, label: str,
           unit: str, side: str) -> Param:
    low, high = economics.range_of(part, key, value)
    low, high = min(low, value), max(high, value)  # an override outside the range widens it
    return Param(name, label, unit, side, float(value), float(low), float(high),
                 f"{part}.toml: {key}", economics.comment(part, key))


def _hardware_note(hardware: NodeHardware, path: str) -> str:
    """The source comment of a hardware number (the node file's, or the built-in accelerator
    file's for ``accelerator.*``)."""
    if path.startswith("accelerator."):
        from orbitsim.model.hardware import accelerator_dir

        file = accelerator_dir() / f"{hardware.accelerator.name}.toml"
        key = path.removeprefix("accelerator.")
    else:
        file, key = Path(hardware.source), path
    return line_comments(file).get(key, "") if file.is_file() else ""


def _hardware_param(hardware: NodeHardware, path: str, value: float, name: str, label: str,
                    unit: str, side: str = "orbit") -> Param:
    low, high = hardware.range_of(path)
    low, high = min(low, value), max(high, value)
    where = (f"accelerator {hardware.accelerator.name}" if path.startswith("accelerator.")
             else f"hardware {hardware.name}")
    return Param(name, label, unit, side, float(value), float(low), float(high),
                 f"{where}: {path.removeprefix('accelerator.')}", _hardware_note(hardware, path))


def model_parameters(hardware: NodeHardware, economics: Economics, *,
                     region: str | None = None) -> dict[str, Param]:
    """Every number the verdict uses for ``hardware`` against a ground ``region``, by name.

    Orbit and ground share the accelerator, its price, its server and the discount rate; the
    orbital option pays the tariffs of ``orbit.toml``'s operator region, the ground those (and
    any export levy) of its own region.
    """
    e, h = economics, hardware
    key = e.region_key(region)
    where = e.ground.regions[key]
    acc = h.accelerator
    out: list[Param] = []

    def add(param: Param) -> None:
        out.append(param)

    # shared
    add(_param(e, "common", "discount_rate", e.common.discount_rate, "discount_rate",
               "discount rate", "fraction", "both"))
    add(_param(e, "common", "hours_per_year", e.common.hours_per_year, "hours_per_year",
               "hours per year", "h", "both"))
    add(_param(e, "common", f"accelerator_price_usd.{acc.name}",
               e.accelerator_price_usd(acc.name), "accelerator_price_usd", "accelerator price",
               "$", "both"))
    add(_param(e, "common", "server_usd_per_accelerator", e.common.server_usd_per_accelerator,
               "server_usd_per_accelerator", "server per accelerator", "$", "both"))
    # orbit: the node
    add(_hardware_param(h, "accelerator.mass_kg", acc.mass_kg, "accelerator_kg",
                        "accelerator mass", "kg"))
    add(_hardware_param(h, "mass.bus_kg", h.mass.bus_kg, "bus_kg", "bus mass", "kg"))
    add(_hardware_param(h, "mass.host_kg", h.mass.host_kg, "host_kg", "host mass", "kg"))
    add(_hardware_param(h, "mass.shielding_kg", h.mass.shielding_kg, "shielding_kg",
                        "shielding mass", "kg"))
    add(_hardware_param(h, "mass.margin_kg", h.mass.margin_kg, "margin_kg", "mass margin", "kg"))
    bol = h.solar.bol_power_w
    add(Param("solar_array_power_w", "array power (BOL)", "W", "orbit", bol, bol, bol,
              f"hardware {h.name}: solar (area x efficiency x packing x 1,361 W/m2)",
              "design: sized for the node's load (fixed)"))
    add(_hardware_param(h, "solar.specific_power_w_kg", h.solar.specific_power_w_kg,
                        "solar_specific_power_w_kg", "array specific power", "W/kg"))
    add(_hardware_param(h, "battery.capacity_wh", h.battery.capacity_wh, "battery_capacity_wh",
                        "battery capacity", "Wh"))
    add(_hardware_param(h, "battery.specific_energy_wh_kg", h.battery.specific_energy_wh_kg,
                        "battery_specific_energy_wh_kg", "battery specific energy", "Wh/kg"))
    add(_hardware_param(h, "thermal.radiator_area_m2", h.thermal.radiator_area_m2,
                        "radiator_area_m2", "radiator area", "m2"))
    add(_hardware_param(h, "thermal.radiator_kg_m2", h.thermal.radiator_kg_m2, "radiator_kg_m2",
                        "radiator areal mass", "kg/m2"))
    add(_hardware_param(h, "radiation.dose_krad_per_year", h.radiation.dose_krad_per_year,
                        "dose_krad_per_year", "radiation dose rate", "krad/yr"))
    add(_hardware_param(h, "accelerator.radiation.tid_limit_krad", acc.radiation.tid_limit_krad,
                        "tid_limit_krad", "accelerator dose limit", "krad"))
    add(_hardware_param(h, "radiation.bus_failure_per_year", h.radiation.bus_failure_per_year,
                        "bus_failure_per_year", "bus failures", "1/yr"))
    add(_hardware_param(h, "radiation.weibull_shape", h.radiation.weibull_shape,
                        "bus_weibull_shape", "bus failure Weibull shape", "-"))
    add(_hardware_param(h, "accelerator.radiation.permanent_failure_per_year",
                        acc.radiation.permanent_failure_per_year, "accelerator_failure_per_year",
                        "accelerator attrition in orbit", "1/yr"))
    add(_hardware_param(h, "accelerator.power_limit_w", acc.power_limit_w, "accelerator_power_w",
                        "accelerator power", "W", "both"))
    add(_hardware_param(h, "accelerator.idle_power_w", acc.idle_power_w, "accelerator_idle_w",
                        "accelerator idle power", "W", "ground"))
    host_low, host_high = h.range_of("host_power_w")
    n = h.accelerators
    add(Param("host_power_w_per_accelerator", "host power per accelerator", "W", "ground",
              h.host_power_w / n, min(host_low, h.host_power_w) / n,
              max(host_high, h.host_power_w) / n,
              f"hardware {h.name}: host_power_w / accelerators"))
    # orbit: economics
    o = e.orbit
    for name, label, unit in (
            ("launch_price_usd_per_kg", "launch price", "$/kg"),
            ("launch_failure_rate", "launch failure rate", "fraction"),
            ("lifetime_years", "node lifetime", "years"),
            ("deployment_years", "deployment time", "years"),
            ("ops_usd_per_node_year", "orbital operations", "$/node-yr"),
            ("deorbit_usd_per_node", "deorbit", "$/node"),
            ("ground_service_usd_per_contact_minute", "ground-station service", "$/min")):
        add(_param(e, "orbit", name, getattr(o, name), name, label, unit, "orbit"))
    for part in MASS_PRICED:
        add(_param(e, "orbit", f"manufacturing_usd_per_kg.{part}",
                   getattr(o.manufacturing_usd_per_kg, part), f"manufacturing_{part}_usd_per_kg",
                   f"{part.replace('_', ' ')} manufacturing", "$/kg", "orbit"))
    home = e.region_policy(o.operator_region)
    add(_param(e, "policy", f"regions.{o.operator_region}.accelerator_tariff_fraction",
               home.accelerator_tariff_fraction, "orbit_tariff_fraction",
               "tariff (operator region)", "fraction", "orbit"))
    # ground
    g = e.ground
    for name, label, unit, value in (
            ("utilisation", "ground utilisation (own)", "fraction", g.utilisation),
            ("accelerator_life_years", "ground accelerator life", "years",
             g.accelerator_life_years),
            ("facility_life_years", "facility life", "years", g.facility_life_years),
            ("facility_opex_fraction_per_year", "facility operations", "fraction/yr",
             g.facility_opex_fraction_per_year),
            ("water_l_per_kwh", "water use", "L/kWh", g.water_l_per_kwh)):
        add(_param(e, "ground", name, value,
                   "ground_utilisation" if name == "utilisation" else name, label, unit,
                   "ground"))
    for name, label, unit in (
            ("electricity_usd_per_kwh", "electricity price", "$/kWh"),
            ("pue", "PUE", "-"),
            ("facility_usd_per_mw", "facility capex", "$/MW"),
            ("water_usd_per_m3", "water price", "$/m3"),
            ("time_to_power_years", "time to grid power", "years")):
        add(_param(e, "ground", f"regions.{key}.{name}", getattr(where, name), name, label, unit,
                   "ground"))
    policy = e.region_policy(key)
    add(_param(e, "policy", f"regions.{key}.accelerator_tariff_fraction",
               policy.accelerator_tariff_fraction, "ground_tariff_fraction",
               "tariff (ground region)", "fraction", "ground"))
    add(_param(e, "policy", f"regions.{key}.export_levy_fraction", policy.export_levy_fraction,
               "ground_levy_fraction", "export levy (ground region)", "fraction", "ground"))
    add(_param(e, "common", "ground_accelerator_failure_per_year",
               e.common.ground_accelerator_failure_per_year,
               "ground_accelerator_failure_per_year", "accelerator failures on the ground",
               "1/yr", "ground"))
    # value
    add(_param(e, "value", "market_usd_per_h100_hour", e.value.market_usd_per_h100_hour,
               "market_usd_per_h100_hour", "H100-hour market price", "$/h", "value"))
    add(_param(e, "value", "sovereignty_premium_fraction", e.value.sovereignty_premium_fraction,
               "sovereignty_premium_fraction", "sovereignty premium", "fraction", "value"))
    # timeline
    for name, field in e.timeline.trends:
        label = name.removesuffix("_change_per_year").replace("_", " ") + " change"
        add(_param(e, "timeline", f"trends.{name}", field, name, label, "1/yr", "timeline"))
    return {p.name: p for p in out}


def accelerator_line(economics: Economics, accelerator: str) -> list[tuple[str, int]]:
    """The generations line of ``timeline.toml`` holding ``accelerator`` from it on
    (``[(name, year), ...]``), or just ``[(accelerator, 0)]`` when no line holds it."""
    for line in economics.timeline.generations.values():
        names = [name for name, _ in line]
        if accelerator in names:
            return [tuple(item) for item in line[names.index(accelerator):]]
    return [(accelerator, 0)]


def check_generations(economics: Economics) -> None:
    """Every accelerator of the generation lines loads and has a price (InputError if not)."""
    for line in economics.timeline.generations.values():
        for name, _ in line:
            load_accelerator(name)
            economics.accelerator_price_usd(name)


__all__ = [
    "CommonTerms", "Economics", "ExportTerm", "FILES", "GroundTerms", "HOURS_PER_YEAR",
    "MASS_PRICED", "ManufacturingPrices", "OrbitTerms", "Param", "PolicyTerms", "Region",
    "RegionPolicy", "TimelineTerms", "Trajectory", "Trends", "ValueTerms", "accelerator_line",
    "check_generations", "economics_dir", "line_comments", "load_economics", "model_parameters",
    "numeric_leaves", "read_part", "split_ranges",
]
