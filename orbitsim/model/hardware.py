"""Node hardware: accelerators, solar array, battery, radiator, mass budget, radiation.

Built-in files live in ``constellations/hardware/`` (nodes, one TOML file each, found by
:func:`orbitsim.resources.resolve`) and ``constellations/hardware/accelerators/``
(accelerators). A node names its accelerator (``accelerator = "h100-sxm"``: a built-in name or a
path relative to the node file) or gives it inline as an ``[accelerator]`` table.

>>> node = load_node("starcloud-1")
>>> node.accelerator.name, node.accelerators, round(node.mass_kg)
('h100-pcie', 1, 60)
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from orbitsim.constants import SOLAR_CONSTANT_W_M2
from orbitsim.errors import InputError
from orbitsim.resources import builtin_dir, resolve

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
PositiveFraction = Annotated[float, Field(gt=0, le=1)]

#: Precisions the accelerators quote dense throughput for.
PRECISIONS = ("bf16", "fp8")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


#: ``[ranges]`` of a hardware file: dotted field path -> (low, high), the spread of that number
#: in the verdict's Monte Carlo (the field's value is the mode; equal ends: fixed).
Ranges = dict[str, tuple[float, float]]


def numeric_fields(data: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every scalar number of a parsed hardware table by dotted path (``power_curve`` and
    ``ranges`` are left out: a curve's shape is not one number)."""
    out: dict[str, float] = {}
    for key, value in data.items():
        if key in ("power_curve", "ranges"):
            continue
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if isinstance(value, dict):
            out.update(numeric_fields(value, f"{prefix}{key}."))
        elif isinstance(value, int | float) and not isinstance(value, bool) and value is not None:
            out[f"{prefix}{key}"] = float(value)
    return out


def _check_ranges(model: BaseModel, ranges: Ranges) -> None:
    fields = numeric_fields(model.model_dump(exclude={"accelerator"}))
    for key, (low, high) in ranges.items():
        if key not in fields:
            raise ValueError(f"ranges: {key!r} is not a number of this file")
        if not low <= high:
            raise ValueError(f"ranges: {key!r} needs low <= high, got [{low}, {high}]")


class PowerCurve(_Model):
    """Throughput fraction at a power-cap fraction, piecewise linear between the points.

    Below the first point the accelerator does no work (0); the last point must be (1, 1).
    """

    power_fraction: tuple[Fraction, ...]
    throughput_fraction: tuple[Fraction, ...]

    @model_validator(mode="after")
    def _check(self) -> PowerCurve:
        p, f = np.asarray(self.power_fraction), np.asarray(self.throughput_fraction)
        if len(p) < 2 or len(p) != len(f):
            raise ValueError("power_fraction and throughput_fraction need the same length >= 2")
        if np.any(np.diff(p) <= 0):
            raise ValueError("power_fraction must be strictly increasing")
        if np.any(np.diff(f) < 0):
            raise ValueError("throughput_fraction must not decrease")
        if p[-1] != 1.0 or f[-1] != 1.0:
            raise ValueError("the last point must be power_fraction = 1, throughput_fraction = 1")
        return self

    def throughput(self, power_fraction):
        """Throughput fraction (0..1) at ``power_fraction`` of the power limit; arrays work."""
        out = np.interp(power_fraction, self.power_fraction, self.throughput_fraction, left=0.0,
                        right=1.0)
        return float(out) if np.ndim(out) == 0 else out


class AcceleratorRadiation(_Model):
    sefi_per_day: NonNegativeFloat  # single-event functional interrupts per device-day in LEO
    tid_limit_krad: PositiveFloat  # total ionising dose at which the device stops being usable
    #: in-orbit permanent loss of one device a year (the node keeps working with the others)
    permanent_failure_per_year: NonNegativeFloat = 0.0


class Accelerator(_Model):
    """One accelerator (GPU or TPU chip) from its data sheet."""

    name: str
    description: str = ""
    power_limit_w: PositiveFloat
    idle_power_w: NonNegativeFloat
    bf16_dense_tflops: PositiveFloat
    fp8_dense_tflops: PositiveFloat | None = None
    memory_gb: PositiveFloat
    memory_bandwidth_tb_s: PositiveFloat
    max_temp_c: float
    mass_kg: PositiveFloat
    radiation: AcceleratorRadiation
    power_curve: PowerCurve
    ranges: Ranges = {}

    @model_validator(mode="after")
    def _check(self) -> Accelerator:
        _check_ranges(self, self.ranges)
        if self.idle_power_w >= self.power_limit_w:
            raise ValueError("idle_power_w must be below power_limit_w")
        idle_fraction = self.idle_power_w / self.power_limit_w
        if abs(self.power_curve.power_fraction[0] - idle_fraction) > 0.01:
            raise ValueError(f"power_curve must start at the idle fraction {idle_fraction:.3f}")
        return self

    def dense_flops(self, precision: str = "bf16") -> float:
        """Peak dense throughput, FLOP/s; FP8 falls back to BF16 where the part has no FP8."""
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        tflops = self.fp8_dense_tflops if precision == "fp8" else None
        return (tflops or self.bf16_dense_tflops) * 1e12


class SolarArray(_Model):
    area_m2: PositiveFloat
    cell_efficiency: PositiveFraction
    packing_factor: PositiveFraction = 1.0
    degradation_per_year: Annotated[float, Field(ge=0, lt=1)] = 0.0
    tracking: bool = True
    incidence_cos: PositiveFraction = 1.0  # mean incidence cosine of a body-mounted array
    specific_power_w_kg: PositiveFloat

    @property
    def effective_incidence_cos(self) -> float:
        return 1.0 if self.tracking else self.incidence_cos

    @property
    def bol_power_w(self) -> float:
        """Beginning-of-life output in full sunlight at 1 au, W."""
        return (SOLAR_CONSTANT_W_M2 * self.area_m2 * self.cell_efficiency * self.packing_factor
                * self.effective_incidence_cos)


class Battery(_Model):
    capacity_wh: PositiveFloat
    charge_efficiency: PositiveFraction
    discharge_efficiency: PositiveFraction
    depth_of_discharge: PositiveFraction
    fade_per_cycle: Annotated[float, Field(ge=0, lt=1)] = 0.0
    specific_energy_wh_kg: PositiveFloat
    initial_soc: Fraction = 1.0

    @model_validator(mode="after")
    def _check(self) -> Battery:
        if self.initial_soc < 1.0 - self.depth_of_discharge - 1e-12:
            raise ValueError("initial_soc is below the depth-of-discharge floor")
        return self


class Thermal(_Model):
    radiator_area_m2: PositiveFloat  # per radiating side
    radiator_sides: Literal[1, 2] = 2
    emissivity: PositiveFraction
    solar_absorptivity: Fraction
    sun_view_cos: Fraction = 0.0  # mean cosine between the Sun and the sunward side's normal
    nadir_angle_deg: Annotated[float, Field(ge=0, le=180)] = 90.0
    heat_capacity_j_k: PositiveFloat
    junction_to_radiator_k: NonNegativeFloat
    radiator_kg_m2: PositiveFloat
    sink_temp_k: NonNegativeFloat = 2.7
    earth_ir_w_m2: NonNegativeFloat = 237.0  # Gilmore vol. I, ch. 2: mean outgoing long-wave
    albedo: Fraction = 0.30  # Gilmore vol. I, ch. 2: mean Earth albedo
    initial_temp_k: PositiveFloat | None = None

    @property
    def radiating_area_m2(self) -> float:
        return self.radiator_area_m2 * self.radiator_sides


class Mass(_Model):
    bus_kg: NonNegativeFloat
    shielding_kg: NonNegativeFloat = 0.0
    host_kg: NonNegativeFloat = 0.0
    margin_kg: NonNegativeFloat = 0.0


class NodeRadiation(_Model):
    bus_sefi_per_day: NonNegativeFloat = 0.0
    saa_multiplier: Annotated[float, Field(ge=1)] = 1.0
    sefi_recovery_s: NonNegativeFloat = 0.0
    dose_krad_per_year: NonNegativeFloat = 0.0
    #: permanent failures of the spacecraft bus a year (the whole node is lost): the hazard of
    #: an exponential lifetime, or of a Weibull one of mean ``1 / rate`` and ``weibull_shape``
    bus_failure_per_year: NonNegativeFloat = 0.0
    weibull_shape: PositiveFloat = 1.0

    @model_validator(mode="before")
    @classmethod
    def _mttf(cls, data: Any) -> Any:
        """``mttf_years`` (before orbitsim 0.2: the whole node's mean life) is read as
        ``bus_failure_per_year = 1 / mttf_years``."""
        if isinstance(data, dict) and "mttf_years" in data:
            data = dict(data)
            mttf = data.pop("mttf_years")
            if "bus_failure_per_year" in data:
                raise ValueError("give bus_failure_per_year or mttf_years, not both")
            try:
                data["bus_failure_per_year"] = 1.0 / float(mttf) if float(mttf) > 0 else mttf
            except (TypeError, ValueError):
                data["bus_failure_per_year"] = mttf
        return data

    @property
    def mttf_years(self) -> float:
        """Mean life of the bus, years (``inf`` without failures)."""
        return 1.0 / self.bus_failure_per_year if self.bus_failure_per_year > 0 else math.inf


class NodeHardware(_Model):
    """A compute node: accelerators on a bus with its solar array, battery and radiator."""

    name: str
    description: str = ""
    accelerator: Accelerator
    accelerators: Annotated[int, Field(ge=1)]
    bus_power_w: NonNegativeFloat
    host_power_w: NonNegativeFloat = 0.0
    solar: SolarArray
    battery: Battery
    thermal: Thermal
    mass: Mass
    radiation: NodeRadiation = NodeRadiation()
    ranges: Ranges = {}
    source: str = ""

    @model_validator(mode="after")
    def _check_node(self) -> NodeHardware:
        _check_ranges(self, self.ranges)
        return self

    def range_of(self, path: str) -> tuple[float, float]:
        """``(low, high)`` of a numeric field (``"mass.bus_kg"``, ``"accelerator.mass_kg"``);
        its value twice when the file gives no range."""
        source, key = (self.accelerator, path.removeprefix("accelerator.")) \
            if path.startswith("accelerator.") else (self, path)
        value = numeric_fields(source.model_dump(exclude={"accelerator"}))[key]
        return source.ranges.get(key, (value, value))

    @property
    def max_accelerator_power_w(self) -> float:
        """All accelerators at their power limit, W."""
        return self.accelerators * self.accelerator.power_limit_w

    @property
    def base_load_w(self) -> float:
        """Always-on load: bus plus host, W (the accelerators come on top)."""
        return self.bus_power_w + self.host_power_w

    @property
    def radiator_limit_k(self) -> float:
        """Radiator temperature that keeps the accelerators at their limit at full power, K."""
        return self.accelerator.max_temp_c + 273.15 - self.thermal.junction_to_radiator_k

    def peak_flops(self, precision: str = "bf16") -> float:
        """Dense throughput of the whole node at full power, FLOP/s."""
        return self.accelerators * self.accelerator.dense_flops(precision)

    def throughput_fraction(self, accelerator_power_w):
        """Fraction of :meth:`peak_flops` at a total accelerator power (shared evenly), 0..1."""
        return self.accelerator.power_curve.throughput(
            np.asarray(accelerator_power_w, float) / self.max_accelerator_power_w)

    @property
    def sefi_per_day(self) -> float:
        """Functional interrupts per node-day outside the SAA: accelerators plus bus."""
        return (self.accelerators * self.accelerator.radiation.sefi_per_day
                + self.radiation.bus_sefi_per_day)

    def mass_breakdown_kg(self) -> dict[str, float]:
        """Mass budget by subsystem, kg; ``total`` is their sum.

        Solar array from its BOL power and W/kg, battery from Wh and Wh/kg, radiator from its
        panel area (both sides share one panel) and kg/m², accelerators from the data sheet.
        """
        parts = {
            "bus": self.mass.bus_kg,
            "solar_array": self.solar.bol_power_w / self.solar.specific_power_w_kg,
            "battery": self.battery.capacity_wh / self.battery.specific_energy_wh_kg,
            "radiator": self.thermal.radiator_area_m2 * self.thermal.radiator_kg_m2,
            "accelerators": self.accelerators * self.accelerator.mass_kg,
            "host": self.mass.host_kg,
            "shielding": self.mass.shielding_kg,
            "margin": self.mass.margin_kg,
        }
        parts["total"] = sum(parts.values())
        return parts

    @property
    def mass_kg(self) -> float:
        return self.mass_breakdown_kg()["total"]


# --- loading -------------------------------------------------------------------------------------


def accelerator_dir() -> Path:
    """Folder of the built-in accelerator files."""
    return builtin_dir("hardware") / "accelerators"


def accelerator_names() -> list[str]:
    """Sorted names of the built-in accelerators."""
    folder = accelerator_dir()
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def _read_toml(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=path) from None
    try:
        return tomllib.loads(text), text
    except ValueError as exc:  # TOMLDecodeError, or an integer beyond the digit limit
        line = getattr(exc, "lineno", None)
        raise InputError(f"invalid TOML: {exc}", source=path, line=line) from None


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line number of a field path in a TOML text (table header, then key)."""
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    lines = text.splitlines()
    start = 0
    if len(keys) > 1:
        header = re.compile(r"^\s*\[\s*" + re.escape(".".join(keys[:-1])) + r"\s*\]")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i
                break
    key = re.compile(r"^\s*" + re.escape(keys[-1]) + r"\s*=")
    for i in range(start, len(lines)):
        if key.match(lines[i]):
            return i + 1
    table = re.compile(r"^\s*\[\s*" + re.escape(".".join(keys)) + r"\s*\]")
    for i, line in enumerate(lines):
        if table.match(line):
            return i + 1
    return None


def _validate(model: type[_Model], data: dict[str, Any], path: Path, text: str,
              prefix: tuple = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = prefix + tuple(error["loc"])
        field = ".".join(str(k) for k in loc) or None
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] == "missing":
            message = "required field is missing"
        elif "input" in error and error["type"] != "value_error":
            message += f" (got {error['input']!r})"
        raise InputError(message, source=path, line=_line_of(text, loc), field=field) from None


def load_accelerator(name_or_path: str | Path, *, relative_to: Path | None = None) -> Accelerator:
    """An :class:`Accelerator` from a built-in name (``h100-sxm``, ...) or a TOML path.

    Raises :class:`InputError` naming the file and field for bad content.
    """
    path = Path(name_or_path)
    candidates = [path]
    if relative_to is not None and not path.is_absolute():
        candidates.insert(0, relative_to / path)
    candidates.append(accelerator_dir() / f"{name_or_path}.toml")
    for candidate in candidates:
        if candidate.is_file():
            data, text = _read_toml(candidate)
            return _validate(Accelerator, data, candidate, text)
    names = ", ".join(accelerator_names()) or "none"
    raise InputError(f"no such file and no built-in accelerator of that name (built-in: {names})",
                     source=str(name_or_path))


def node_from_dict(data: dict[str, Any], *, source: str | Path = "<dict>",
                   text: str = "") -> NodeHardware:
    """A :class:`NodeHardware` from a parsed TOML table (``accelerator`` a name or a table)."""
    path = Path(source)
    data = dict(data)
    accelerator = data.get("accelerator")
    if isinstance(accelerator, str):
        data["accelerator"] = load_accelerator(accelerator, relative_to=path.parent)
    elif isinstance(accelerator, dict):
        data["accelerator"] = _validate(Accelerator, accelerator, path, text, ("accelerator",))
    elif accelerator is not None:
        raise InputError("expected an accelerator name or an [accelerator] table", source=path,
                         line=_line_of(text, ("accelerator",)), field="accelerator")
    data.setdefault("source", str(source))
    return _validate(NodeHardware, data, path, text)


def load_node(name_or_path: str | Path) -> NodeHardware:
    """A :class:`NodeHardware` from a built-in name (``orbitsim.resources.builtin_names
    ("hardware")``) or a TOML path; :class:`InputError` with file, line and field otherwise."""
    path = resolve("hardware", name_or_path)
    data, text = _read_toml(path)
    return node_from_dict(data, source=path, text=text)
