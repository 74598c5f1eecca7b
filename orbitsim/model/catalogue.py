"""Constellation files: TOML shells (Walker, sun-synchronous, clusters, TLE files), TLE/3LE and
OMM files, and the built-in catalogue in ``constellations/``, all loaded by
:func:`load_constellation`.

A constellation TOML file::

    name = "starlink-shell1"
    hardware = "starlink-compute"          # node hardware, see constellations/hardware/
    epoch_utc = "2026-01-01T00:00:00Z"     # optional

    [[shells]]
    kind = "walker-delta"   # walker-delta | walker-star | sun-synchronous | cluster | tle
    altitude_km = 550
    inclination_deg = 53
    planes = 72
    per_plane = 22
    phasing = 17
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from orbitsim import resources
from orbitsim.errors import InputError
from orbitsim.model.builders import (
    DEFAULT_EPOCH_UTC,
    formation_cluster,
    sun_synchronous,
    walker_delta,
    walker_star,
)
from orbitsim.model.constellation import Constellation, combine
from orbitsim.model.timegrid import parse_utc
from orbitsim.model.validation import read_toml, validate_model

ORBIT_FILE_SUFFIXES = {".tle", ".3le", ".2le", ".txt", ".json", ".xml", ".csv"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WalkerShell(_Strict):
    kind: Literal["walker-delta", "walker-star"]
    name: str | None = None
    altitude_km: float = Field(ge=160, le=40_000)
    inclination_deg: float = Field(ge=0, le=180)
    planes: int = Field(ge=1, le=100_000)
    per_plane: int = Field(ge=1, le=1_000_000)
    phasing: int = Field(default=1, ge=0)
    raan0_deg: float = 0.0


class SunSynchronousShell(_Strict):
    kind: Literal["sun-synchronous"]
    name: str | None = None
    altitude_km: float = Field(ge=160, le=5_900)
    ltan_hours: float = Field(default=18.0, ge=0, le=24)
    planes: int = Field(default=1, ge=1, le=100_000)
    per_plane: int = Field(default=1, ge=1, le=1_000_000)
    plane_spacing_hours: float = Field(default=0.0, ge=-12, le=12)


class ClusterShell(_Strict):
    kind: Literal["cluster"]
    name: str | None = None
    n_sats: int = Field(ge=1, le=100_000)
    radius_km: float = Field(gt=0, le=1000)
    altitude_km: float = Field(ge=160, le=5_900)
    ltan_hours: float = Field(default=18.0, ge=0, le=24)


class TleShell(_Strict):
    kind: Literal["tle"]
    name: str | None = None
    file: str


ShellSpec = Annotated[
    WalkerShell | SunSynchronousShell | ClusterShell | TleShell, Field(discriminator="kind")
]


class ConstellationFile(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    hardware: str | None = None
    epoch_utc: str = DEFAULT_EPOCH_UTC
    sources: list[str] = []
    shells: list[ShellSpec] = Field(min_length=1)

    @field_validator("epoch_utc", mode="before")
    @classmethod
    def _toml_datetime(cls, value):
        # An unquoted TOML date-time arrives as a datetime; a naive one is taken as UTC.
        return value.isoformat() if isinstance(value, datetime) else value


def _build_shell(spec, index: int, epoch_utc: str, first_id: int, base: Path, name: str):
    label = spec.name or f"{name}-shell{index + 1}"
    prefix = label.upper()
    if spec.kind in ("walker-delta", "walker-star"):
        builder = walker_delta if spec.kind == "walker-delta" else walker_star
        if spec.phasing >= spec.planes:
            raise InputError(f"must be below planes ({spec.planes}), got {spec.phasing}",
                             field=f"shells[{index}].phasing")
        return builder(spec.altitude_km, spec.inclination_deg, spec.planes, spec.per_plane,
                       spec.phasing, raan0_deg=spec.raan0_deg, epoch_utc=epoch_utc, name=label,
                       prefix=prefix, first_id=first_id)
    if spec.kind == "sun-synchronous":
        return sun_synchronous(spec.altitude_km, spec.ltan_hours, spec.planes, spec.per_plane,
                               plane_spacing_hours=spec.plane_spacing_hours, epoch_utc=epoch_utc,
                               name=label, prefix=prefix, first_id=first_id)
    if spec.kind == "cluster":
        return formation_cluster(spec.n_sats, spec.radius_km, spec.altitude_km, spec.ltan_hours,
                                 epoch_utc=epoch_utc, name=label, prefix=prefix, first_id=first_id)
    path = Path(spec.file)
    if not path.is_absolute():
        path = base / path
    if not path.is_file():
        raise InputError(f"no such file {str(path)!r}", field=f"shells[{index}].file")
    return load_orbit_file(path)


def load_constellation_toml(path: str | Path) -> Constellation:
    """Build the constellation described by a TOML file (see the module docstring)."""
    path = Path(path)
    spec = validate_model(ConstellationFile, read_toml(path), path)
    try:
        parse_utc(spec.epoch_utc, field_name="epoch_utc")
    except InputError as exc:
        raise InputError(exc.message, source=path, field="epoch_utc") from None
    shells, first_id = [], 1
    for index, shell_spec in enumerate(spec.shells):
        try:
            shell = _build_shell(shell_spec, index, spec.epoch_utc, first_id, path.parent,
                                 spec.name)
        except InputError as exc:
            raise InputError(exc.message, source=exc.source or path, line=exc.line,
                             field=exc.field) from None
        except ValueError as exc:
            raise InputError(str(exc), source=path, field=f"shells[{index}]") from None
        shells.append(shell)
        first_id += len(shell)
    constellation = combine(spec.name, shells, hardware=spec.hardware,
                            description=spec.description)
    return Constellation(name=constellation.name, parts=constellation.parts,
                         names=constellation.names, ids=constellation.ids,
                         hardware=spec.hardware, shells=constellation.shells,
                         source=str(path), description=spec.description,
                         measured_parts=constellation.measured_parts)


def load_orbit_file(path: str | Path) -> Constellation:
    """A TLE/3LE or OMM (JSON, XML, CSV) file as a constellation."""
    from orbitsim.model.tle import load_orbit_file as _load

    return _load(path)


def load_constellation(name_or_path: str | Path) -> Constellation:
    """A built-in constellation by name, or a TOML, TLE/3LE or OMM file.

    >>> shell = load_constellation("starlink-shell1")
    >>> len(shell), shell.hardware
    (1584, 'starlink-compute')
    """
    path = Path(name_or_path)
    if path.is_file():
        if path.suffix.lower() == ".toml":
            return load_constellation_toml(path)
        return load_orbit_file(path)
    return load_constellation_toml(resources.resolve("constellation", name_or_path))


def describe(constellation: Constellation) -> dict:
    """A small summary: satellites, shells, mean period (minutes)."""
    periods = constellation.mean_period_min() if len(constellation) <= 200_000 else None
    return {
        "name": constellation.name,
        "satellites": len(constellation),
        "shells": len(constellation.shells),
        "hardware": constellation.hardware,
        "mean_period_min": float(np.mean(periods)) if periods is not None else None,
    }
