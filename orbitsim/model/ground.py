"""Ground segment: stations, their link-rate models and sky availability, loaded and validated.

A network comes from a built-in name (``constellations/ground/NAME.toml``), a TOML file or a CSV
with columns ``name,lat_deg,lon_deg,alt_m`` (optional ``min_elevation_deg``, ``country`` and
the other station fields). Every bad value raises :class:`~orbitsim.errors.InputError` naming
the file, the line and the field.

TOML layout::

    name = "optical"                       # optional, defaults to the file stem
    description = "..."
    [rate_models.optical-100g]             # optional; "ka-rf" and "optical" are built in
    kind = "table"                          # "table" or "shannon" (link budget)
    elevation_deg = [20.0, 40.0, 90.0]
    rate_bps = [10e9, 100e9, 100e9]
    [defaults]                             # optional: any station field except name/lat/lon
    min_elevation_deg = 20.0
    antenna = "optical"
    [[stations]]
    name = "Izana"
    lat_deg = 28.2995
    lon_deg = -16.5119
    alt_m = 2393.0
    country = "ES"
"""

from __future__ import annotations

import csv
import functools
import math
import re
import tomllib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orbitsim.errors import InputError
from orbitsim.kernels.linkbudget import link_rate_bps, table_rate_bps
from orbitsim.kernels.visibility import station_frames
from orbitsim.resources import resolve

ANTENNA_KINDS = ("ka-rf", "optical")


# --------------------------------------------------------------------------------------------
# Domain objects (frozen)


@dataclass(frozen=True)
class RateModel:
    """How fast a station can receive from a satellite, given slant range and elevation.

    ``kind == "shannon"``: link budget of :func:`orbitsim.kernels.linkbudget.link_rate_bps`
    with the satellite's EIRP and the station's G/T. ``kind == "table"``: rate interpolated in
    ``table_elevation_deg`` → ``table_rate_bps``.
    """

    name: str
    kind: Literal["shannon", "table"]
    frequency_hz: float = 0.0
    eirp_dbw: float = 0.0
    g_over_t_db_k: float = 0.0
    bandwidth_hz: float = 0.0
    zenith_loss_db: float = 0.0
    implementation_loss_db: float = 0.0
    efficiency: float = 1.0
    max_rate_bps: float = math.inf
    table_elevation_deg: tuple[float, ...] = ()
    table_rate_bps: tuple[float, ...] = ()

    def rate_bps(self, range_km, elevation_deg) -> np.ndarray:
        """Rate, bit/s, at slant ``range_km`` and ``elevation_deg`` (arrays broadcast)."""
        if self.kind == "table":
            rate = table_rate_bps(elevation_deg, self.table_elevation_deg, self.table_rate_bps)
            return np.broadcast_to(rate, np.broadcast_shapes(np.shape(range_km), rate.shape))
        return link_rate_bps(
            range_km, elevation_deg, frequency_hz=self.frequency_hz, eirp_dbw=self.eirp_dbw,
            g_over_t_db_k=self.g_over_t_db_k, bandwidth_hz=self.bandwidth_hz,
            zenith_loss_db=self.zenith_loss_db,
            implementation_loss_db=self.implementation_loss_db, efficiency=self.efficiency,
            max_rate_bps=self.max_rate_bps,
        )


#: Rate models every network may name without defining them.
BUILTIN_RATE_MODELS: dict[str, RateModel] = {
    # Earth-observation style Ka-band downlink (25.5-27 GHz EESS band) into a ~7 m dish.
    # assumption: satellite EIRP 20 dBW, station G/T 32 dB/K, 1.2 GHz channel, 2 dB zenith
    # loss (gases + rain margin), 3 dB implementation loss, 75 % of Shannon (DVB-S2X gap),
    # modem cap 3.5 Gbit/s (KSAT / AWS Ground Station advertise Ka downlinks of a few Gbit/s).
    "ka-rf": RateModel(
        name="ka-rf", kind="shannon", frequency_hz=26.0e9, eirp_dbw=20.0, g_over_t_db_k=32.0,
        bandwidth_hz=1.2e9, zenith_loss_db=2.0, implementation_loss_db=3.0, efficiency=0.75,
        max_rate_bps=3.5e9,
    ),
    # Optical downlink. assumption: 10 Gbit/s at 20° rising to 100 Gbit/s from 45° (TBIRD
    # demonstrated 200 Gbit/s bursts, MIT Lincoln Laboratory 2023).
    "optical": RateModel(
        name="optical", kind="table", table_elevation_deg=(20.0, 30.0, 45.0, 90.0),
        table_rate_bps=(10e9, 40e9, 100e9, 100e9),
    ),
}


@dataclass(frozen=True)
class Station:
    """One ground station.

    ``clear_sky_fraction`` is the long-run fraction of time the station can work (1 for RF;
    below 1 for optical stations under clouds). With ``cloud_mean_duration_h`` set, clouds
    follow a seeded two-state process (see :meth:`clear_sky_intervals`); without it, the
    fraction is applied as an expected value.
    """

    name: str
    lat_deg: float
    lon_deg: float
    alt_m: float
    min_elevation_deg: float = 10.0
    antenna: str = "ka-rf"
    rate_model: RateModel = BUILTIN_RATE_MODELS["ka-rf"]
    country: str = ""
    jurisdiction: str = ""
    tags: tuple[str, ...] = ()
    operator: str = ""
    clear_sky_fraction: float = 1.0
    cloud_mean_duration_h: float | None = None

    def clear_sky_intervals(self, duration_s: float, seed: int = 0) -> np.ndarray:
        """Clear-sky intervals ``(n, 2)`` (seconds from the window start) over ``duration_s``.

        Clouds alternate with clear sky; spell lengths are exponential with means
        ``cloud_mean_duration_h`` (cloudy) and ``cloud_mean_duration_h · f / (1 − f)`` (clear,
        ``f`` the clear-sky fraction), so the long-run clear fraction is ``f``; the first state
        is drawn with probability ``f``. The generator is seeded by ``seed`` and the station's
        name, so a station's sky does not depend on the other stations of the network. Without
        a cloud process (or with ``f = 1``) the whole window is one interval.
        """
        f = self.clear_sky_fraction
        if self.cloud_mean_duration_h is None or f >= 1.0:
            return np.array([[0.0, float(duration_s)]])
        rng = np.random.default_rng([int(seed), zlib.crc32(self.name.encode())])
        cloudy_s = self.cloud_mean_duration_h * 3600.0
        clear_s = cloudy_s * f / (1.0 - f)
        clear = bool(rng.random() < f)
        t = 0.0
        out: list[tuple[float, float]] = []
        while t < duration_s:  # a few spells a day: a Python loop is fine here
            length = rng.exponential(clear_s if clear else cloudy_s)
            if clear:
                out.append((t, min(t + length, float(duration_s))))
            t += length
            clear = not clear
        return np.array(out, dtype=float).reshape(-1, 2)


@dataclass(frozen=True, eq=False)
class GroundNetwork:
    """A named, ordered set of stations with array views for vectorised geometry."""

    name: str
    stations: tuple[Station, ...]
    description: str = ""
    source: str = ""
    _frames: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [s.name for s in self.stations]
        if len(set(names)) != len(names):
            raise ValueError("station names must be unique")
        object.__setattr__(self, "stations", tuple(self.stations))
        object.__setattr__(
            self, "_frames", station_frames(self.lat_deg, self.lon_deg, self.alt_m / 1000.0)
        )

    def __len__(self) -> int:
        return len(self.stations)

    def __repr__(self) -> str:
        """``<GroundNetwork commercial: 36 stations>``."""
        n = len(self.stations)
        return f"<GroundNetwork {self.name}: {n:,} station{'' if n == 1 else 's'}>"

    def __iter__(self):
        return iter(self.stations)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stations]

    def _column(self, attribute: str) -> np.ndarray:
        return np.array([getattr(s, attribute) for s in self.stations], dtype=float)

    @property
    def lat_deg(self) -> np.ndarray:
        return self._column("lat_deg")

    @property
    def lon_deg(self) -> np.ndarray:
        return self._column("lon_deg")

    @property
    def alt_m(self) -> np.ndarray:
        return self._column("alt_m")

    @property
    def min_elevation_deg(self) -> np.ndarray:
        return self._column("min_elevation_deg")

    @property
    def clear_sky_fraction(self) -> np.ndarray:
        return self._column("clear_sky_fraction")

    @property
    def ecef_km(self) -> np.ndarray:
        """Station positions, ECEF km, ``(n_stations, 3)`` (WGS84)."""
        return self._frames[0]

    @property
    def enu(self) -> np.ndarray:
        """East-north-up unit vectors (rows) of each station, ``(n_stations, 3, 3)``."""
        return self._frames[1]

    @property
    def up(self) -> np.ndarray:
        """Local up (ellipsoid normal) of each station, ``(n_stations, 3)``."""
        return self._frames[1][:, 2, :]

    def index(self, name: str) -> int:
        return self.names.index(name)

    def subset(self, selection: Sequence[int | str], name: str | None = None) -> GroundNetwork:
        """The stations at the given indices or names, in that order."""
        picked = [self.stations[self.index(s) if isinstance(s, str) else int(s)] for s in selection]
        return GroundNetwork(name or self.name, tuple(picked), self.description, self.source)


# --------------------------------------------------------------------------------------------
# Validation (pydantic v2)

_COUNTRY = re.compile(r"^[A-Z]{2}$")


class _RateModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    kind: Literal["shannon", "table"]
    frequency_hz: float | None = Field(default=None, gt=0.0)
    eirp_dbw: float | None = Field(default=None, ge=-50.0, le=100.0)
    g_over_t_db_k: float | None = Field(default=None, ge=-60.0, le=80.0)
    bandwidth_hz: float | None = Field(default=None, gt=0.0)
    zenith_loss_db: float = Field(default=0.0, ge=0.0, le=100.0)
    implementation_loss_db: float = Field(default=0.0, ge=0.0, le=100.0)
    efficiency: float = Field(default=1.0, gt=0.0, le=1.0)
    max_rate_bps: float | None = Field(default=None, gt=0.0)
    elevation_deg: list[float] | None = None
    rate_bps: list[float] | None = None

    @model_validator(mode="after")
    def _complete(self) -> _RateModelSpec:
        if self.kind == "shannon":
            missing = [
                k for k in ("frequency_hz", "eirp_dbw", "g_over_t_db_k", "bandwidth_hz")
                if getattr(self, k) is None
            ]
            if missing:
                raise ValueError(f"a shannon rate model needs {', '.join(missing)}")
        else:
            el, rate = self.elevation_deg, self.rate_bps
            if not el or not rate or len(el) != len(rate):
                raise ValueError("a table rate model needs elevation_deg and rate_bps lists "
                                 "of equal, non-zero length")
            if any(b <= a for a, b in zip(el, el[1:])) or el[0] < 0.0 or el[-1] > 90.0:
                raise ValueError("elevation_deg must increase strictly within 0..90")
            if any(r < 0.0 for r in rate):
                raise ValueError("rate_bps must be >= 0")
        return self

    def build(self, name: str) -> RateModel:
        if self.kind == "table":
            return RateModel(name=name, kind="table",
                             table_elevation_deg=tuple(self.elevation_deg),
                             table_rate_bps=tuple(self.rate_bps))
        return RateModel(
            name=name, kind="shannon", frequency_hz=self.frequency_hz, eirp_dbw=self.eirp_dbw,
            g_over_t_db_k=self.g_over_t_db_k, bandwidth_hz=self.bandwidth_hz,
            zenith_loss_db=self.zenith_loss_db,
            implementation_loss_db=self.implementation_loss_db, efficiency=self.efficiency,
            max_rate_bps=self.max_rate_bps if self.max_rate_bps is not None else math.inf,
        )


class _StationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)

    name: str = Field(min_length=1)
    lat_deg: float = Field(ge=-90.0, le=90.0)
    lon_deg: float = Field(ge=-180.0, le=360.0)
    alt_m: float = Field(ge=-500.0, le=9000.0)
    min_elevation_deg: float = Field(default=10.0, ge=0.0, lt=90.0)
    antenna: Literal["ka-rf", "optical"] = "ka-rf"
    rate_model: str | None = None
    country: str = ""
    jurisdiction: str | None = None
    tags: list[str] = Field(default_factory=list)
    operator: str = ""
    clear_sky_fraction: float = Field(default=1.0, gt=0.0, le=1.0)
    cloud_mean_duration_h: float | None = Field(default=None, gt=0.0, le=24.0 * 365.0)

    @field_validator("country", "jurisdiction")
    @classmethod
    def _iso_code(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return value
        value = value.upper()
        if not _COUNTRY.match(value):
            raise ValueError(f"expected a two-letter ISO 3166-1 code, got {value!r}")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [t.strip().lower() for t in value if t.strip()]


class _NetworkSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1)
    description: str = ""
    rate_models: dict[str, dict[str, Any]] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)
    stations: list[dict[str, Any]] = Field(min_length=1)


_STATION_FIELDS = tuple(_StationSpec.model_fields)
_DEFAULTABLE = tuple(f for f in _STATION_FIELDS if f not in ("name", "lat_deg", "lon_deg"))


def _first_error(error: ValidationError) -> tuple[str, str]:
    """``(dotted field path, one-line message)`` of a pydantic error."""
    first = error.errors()[0]
    path = ".".join(str(p) for p in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if "input" in first and first["type"] not in ("missing", "extra_forbidden"):
        message += f" (got {first['input']!r})"
    more = len(error.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return path, message


# --------------------------------------------------------------------------------------------
# TOML line finding: tomllib keeps no positions, so the text is scanned for the table and key.


def _key_line(lines: list[str], table: str, index: int | None, key: str | None) -> int | None:
    """1-based line of ``key`` in table ``[table]`` (or in the ``index``-th ``[[table]]``);
    the table's header line when the key is not written there; None when neither is found."""
    count = -1
    inside = False
    header_line = None
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if text.startswith("["):
            is_array = text.startswith("[[")
            name = text[2 if is_array else 1:].split("]")[0]
            name = name.replace('"', "").replace("'", "").replace(" ", "")
            if index is None:
                inside = not is_array and name == table
            else:
                inside = False
                if is_array and name == table:
                    count += 1
                    inside = count == index
            if inside:
                header_line = number
                if key is None:
                    return number
            continue
        if inside and key and re.match(rf"^[\"']?{re.escape(key)}[\"']?\s*=", text):
            return number
    return header_line


def _top_key_line(lines: list[str], key: str) -> int | None:
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if text.startswith("["):
            return None
        if re.match(rf"^{re.escape(key)}\s*=", text):
            return number
    return None


# --------------------------------------------------------------------------------------------
# Loading


def _build_station(
    raw: dict[str, Any], rate_models: dict[str, RateModel]
) -> tuple[Station | None, str, str]:
    """A validated station, or ``(None, field, message)``."""
    try:
        spec = _StationSpec.model_validate(raw)
    except ValidationError as error:
        path, message = _first_error(error)
        return None, path, message
    model_name = spec.rate_model or spec.antenna
    if model_name not in rate_models:
        known = ", ".join(sorted(rate_models))
        return None, "rate_model", f"unknown rate model {model_name!r} (known: {known})"
    lon = spec.lon_deg - 360.0 if spec.lon_deg > 180.0 else spec.lon_deg
    station = Station(
        name=spec.name, lat_deg=spec.lat_deg, lon_deg=lon, alt_m=spec.alt_m,
        min_elevation_deg=spec.min_elevation_deg, antenna=spec.antenna,
        rate_model=rate_models[model_name], country=spec.country,
        jurisdiction=spec.jurisdiction or spec.country, tags=tuple(spec.tags),
        operator=spec.operator, clear_sky_fraction=spec.clear_sky_fraction,
        cloud_mean_duration_h=spec.cloud_mean_duration_h,
    )
    return station, "", ""


def _duplicate_check(stations: list[Station], where) -> None:
    seen: dict[str, int] = {}
    for i, station in enumerate(stations):
        if station.name in seen:
            source, line = where(i)
            raise InputError(f"duplicate station name {station.name!r} (first at station "
                             f"{seen[station.name] + 1})", source=source, line=line,
                             field=f"stations[{i}].name")
        seen[station.name] = i


def _load_toml(path: Path) -> GroundNetwork:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    try:
        data = tomllib.loads(text)
    except ValueError as error:  # TOMLDecodeError, or an integer beyond the digit limit
        match = re.search(r"line (\d+)", str(error))
        raise InputError(f"not valid TOML: {error}", source=path,
                         line=int(match.group(1)) if match else None) from None
    try:
        spec = _NetworkSpec.model_validate(data)
    except ValidationError as error:
        field_path, message = _first_error(error)
        top = field_path.split(".")[0]
        raise InputError(message, source=path, line=_top_key_line(lines, top)
                         or _key_line(lines, top, None, None), field=field_path) from None

    rate_models = dict(BUILTIN_RATE_MODELS)
    for model_name, raw in spec.rate_models.items():
        try:
            rate_models[model_name] = _RateModelSpec.model_validate(raw).build(model_name)
        except ValidationError as error:
            field_path, message = _first_error(error)
            key = field_path.split(".")[0] if field_path in raw or "." in field_path else None
            line = _key_line(lines, f"rate_models.{model_name}", None, key)
            raise InputError(message, source=path, line=line,
                             field=f"rate_models.{model_name}" + (f".{field_path}"
                                                                  if field_path else "")) from None

    unknown = sorted(set(spec.defaults) - set(_DEFAULTABLE))
    if unknown:
        raise InputError(f"unknown default {unknown[0]!r} (allowed: {', '.join(_DEFAULTABLE)})",
                         source=path, line=_key_line(lines, "defaults", None, unknown[0]),
                         field=f"defaults.{unknown[0]}")

    stations: list[Station] = []
    for i, raw in enumerate(spec.stations):
        merged = {**spec.defaults, **raw}
        station, field_path, message = _build_station(merged, rate_models)
        if station is None:
            key = field_path.split(".")[0]
            if key and key not in raw and key in spec.defaults:
                line = _key_line(lines, "defaults", None, key)
                field_name = f"defaults.{field_path}"
            else:
                line = _key_line(lines, "stations", i, key or None)
                field_name = f"stations[{i}]" + (f".{field_path}" if field_path else "")
            label = raw.get("name")
            prefix = f"station {label!r}: " if isinstance(label, str) and label else ""
            raise InputError(prefix + message, source=path, line=line, field=field_name)
        stations.append(station)
    _duplicate_check(stations, lambda i: (path, _key_line(lines, "stations", i, "name")))
    return GroundNetwork(name=spec.name or path.stem, stations=tuple(stations),
                         description=spec.description, source=str(path))


_CSV_REQUIRED = ("name", "lat_deg", "lon_deg", "alt_m")
_CSV_FLOATS = ("lat_deg", "lon_deg", "alt_m", "min_elevation_deg", "clear_sky_fraction",
               "cloud_mean_duration_h")


def _load_csv(path: Path) -> GroundNetwork:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InputError("empty CSV file (expected a header name,lat_deg,lon_deg,alt_m)",
                             source=path, line=1)
        header = [h.strip() for h in header]
        missing = [c for c in _CSV_REQUIRED if c not in header]
        if missing:
            raise InputError(f"missing column {missing[0]!r} (required: "
                             f"{', '.join(_CSV_REQUIRED)})", source=path, line=1, field=missing[0])
        unknown = [c for c in header if c not in _STATION_FIELDS]
        if unknown:
            raise InputError(f"unknown column {unknown[0]!r} (allowed: "
                             f"{', '.join(_STATION_FIELDS)})", source=path, line=1,
                             field=unknown[0])
        stations: list[Station] = []
        lines: list[int] = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"expected {len(header)} values, found {len(row)}",
                                 source=path, line=line)
            raw: dict[str, Any] = {}
            for column, cell in zip(header, row):
                cell = cell.strip()
                if cell == "" and column not in _CSV_REQUIRED:
                    continue
                if column == "tags":
                    raw[column] = [t for t in re.split(r"[;|]", cell) if t.strip()]
                elif column in _CSV_FLOATS:
                    try:
                        raw[column] = float(cell)
                    except ValueError:
                        raise InputError(f"expected a number, got {cell!r}", source=path,
                                         line=line, field=column) from None
                else:
                    raw[column] = cell
            station, field_path, message = _build_station(raw, dict(BUILTIN_RATE_MODELS))
            if station is None:
                label = raw.get("name")
                prefix = f"station {label!r}: " if label else ""
                raise InputError(prefix + message, source=path, line=line,
                                 field=field_path or None)
            stations.append(station)
            lines.append(line)
    if not stations:
        raise InputError("no stations (expected at least one row after the header)",
                         source=path, line=2)
    _duplicate_check(stations, lambda i: (path, lines[i]))
    return GroundNetwork(name=path.stem, stations=tuple(stations), source=str(path))


@functools.lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int) -> GroundNetwork:
    if path.suffix.lower() == ".csv":
        return _load_csv(path)
    return _load_toml(path)


def load_ground_network(name_or_path: str | Path | GroundNetwork) -> GroundNetwork:
    """A ground network from a built-in name, a TOML file or a CSV file.

    >>> network = load_ground_network("compute-hubs")
    >>> {s.country for s in network} >= {"US", "AE", "SA", "KZ", "JP"}
    True
    """
    if isinstance(name_or_path, GroundNetwork):
        return name_or_path
    path = resolve("ground", name_or_path).resolve()
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", source=path) from None
    try:
        return _load_cached(path, mtime_ns)
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", source=path) from None
