"""Scenario files: what to simulate, validated with pydantic and frozen.

A scenario TOML file::

    name = "starcloud-demo"
    constellation = "starcloud-demo"      # built-in name or a path relative to this file
    hardware = "starcloud-node"           # optional: the constellation's own by default
    isl = "grid"                          # "grid": relay over ISLs within a shell; "none";
                                          # "mesh": route over the laser mesh (below)
    ground_network = "commercial"
    workload = "inference-mixed"
    policy = "fifo"
    start_utc = "2026-06-21T00:00:00Z"
    hours = 24.0
    step_s = 60.0
    seed = 42

The node hardware may instead be a table, a base and overrides of any of its fields by their
dotted path (:mod:`orbitsim.model.overrides`)::

    [hardware]
    base = "starlink-compute"             # optional: the constellation's own by default
    battery.capacity_wh = 20000.0
    thermal.radiator_area_m2 = 8.0

Optional injected faults, deterministic, for tests and what-if studies (times in s since
``start_utc``)::

    fail_nodes = [{node = 3, at_s = 3600}]     # permanent failure of node 3 at t = 1 h
    station_outages = [{station = "Svalbard", start_s = 0, end_s = 7200}]  # no passes then
    isl_cuts = [{node = 5, start_s = 600, end_s = 4200}]  # node 5's laser links down

The laser mesh (``isl = "mesh"``): transfers travel ground station -> satellite in view ->
laser links -> node and back, each link's capacity shared by the transfers that cross it
(:mod:`orbitsim.sim.mesh_transport`)::

    isl = "mesh"
    isl_rate_bps = 100e9                      # every laser link (default: ~100 Gbit/s)
    isl_hop_delay_s = 1e-4                    # switching delay at each hop (assumption)
    relay_constellation = "starlink-shell1"   # optional: a second constellation relays
    relay_range_km = 2000.0                   # links between the two within this range
A mixed fleet lists ``[[hardware_groups]]`` (:mod:`orbitsim.model.fleet`: nodes by shell or
index with their own hardware), and a ``[governance]`` table sets export licences, monitoring
telemetry, geofences and remote suspensions (:mod:`orbitsim.model.governance`).

A failed node takes the engine's permanent-failure path (its jobs are requeued, or failed with
``faults_destroy_jobs``); a station outage trims that station's passes to outside the window;
an ISL cut isolates a node from its ISL group for the window: it takes no queued job, its gangs
restart elsewhere from their last checkpoint, its passes carry only its own data, and its own
jobs' results go down only through its own passes (a satellite alone in its group has no ISL
to cut).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from orbitsim import resources
from orbitsim.constants import LASER_ISL_RATE_BPS
from orbitsim.errors import InputError
from orbitsim.model.fleet import HardwareGroup
from orbitsim.model.governance import Governance
from orbitsim.model.timegrid import TimeGrid, parse_utc, time_grid
from orbitsim.model.validation import read_toml, validate_model

#: Scenario fields of the laser mesh (``isl = "mesh"``).
MESH_FIELDS = ("isl_rate_bps", "isl_hop_delay_s", "relay_constellation", "relay_range_km")


class NodeFailure(BaseModel):
    """A permanent failure of node ``node`` (index in the constellation) at ``at_s``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    node: int = Field(ge=0)
    at_s: float = Field(ge=0)


class _Window(BaseModel):
    """A time window ``start_s`` .. ``end_s`` (s since the scenario start), end after start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.end_s <= self.start_s:
            raise ValueError("end_s must be after start_s")
        return self


class StationOutage(_Window):
    """Station ``station`` (name) unavailable from ``start_s`` to ``end_s`` (s since start)."""

    station: str = Field(min_length=1)


class IslCut(_Window):
    """Node ``node``'s inter-satellite links down from ``start_s`` to ``end_s``."""

    node: int = Field(ge=0)


class SampleSpec(BaseModel):
    """Run a seeded sample of the constellation at its full load (see
    :mod:`orbitsim.sim.sample`): ``fraction`` of the nodes, in units of ``unit_size``
    consecutive satellites of a shell (0: a plane where the shell says how many satellites a
    plane holds, else 1), drawn with ``seed`` (default: the scenario's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fraction: float = Field(gt=0, le=1)
    unit_size: int = Field(default=0, ge=0)
    seed: int | None = Field(default=None, ge=0, lt=2**63)


class Scenario(BaseModel):
    """A validated, frozen scenario. Paths inside are resolved relative to the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    constellation: str = Field(min_length=1)
    ground_network: str = Field(default="commercial", min_length=1)
    workload: str = Field(default="inference-mixed", min_length=1)
    policy: str = Field(default="fifo", min_length=1)
    start_utc: str = "2026-06-21T00:00:00Z"
    hours: float = Field(default=24.0, gt=0, le=24 * 366)
    step_s: float = Field(default=60.0, gt=0, le=3600)
    seed: int = Field(default=0, ge=0, lt=2**63)
    # node hardware: a name, or a [hardware] table (base + overrides); default: the
    # constellation's
    hardware: str | dict[str, Any] | None = None
    # relays over inter-satellite links: a shell as one fully connected group ("grid"), none,
    # or routed over the laser mesh with delays and shared link capacity ("mesh")
    isl: Literal["grid", "none", "mesh"] = "grid"
    isl_rate_bps: float = Field(default=LASER_ISL_RATE_BPS, gt=0, le=1e15)  # mesh: each link
    isl_hop_delay_s: float = Field(default=1e-4, ge=0, le=1.0)  # mesh: switching at each hop
    relay_constellation: str | None = Field(default=None, min_length=1)  # mesh: relays, backhaul
    relay_range_km: float = Field(default=2000.0, gt=0, le=20000)  # mesh: links to the relays
    physics: bool = True  # power and thermal limits (off: nodes always at full power)
    faults: bool = True  # single-event interrupts and permanent failures
    faults_destroy_jobs: bool = False  # a permanent failure fails its jobs instead of requeueing
    fail_nodes: tuple[NodeFailure, ...] = ()  # injected permanent node failures
    station_outages: tuple[StationOutage, ...] = ()  # injected station outages
    isl_cuts: tuple[IslCut, ...] = ()  # injected inter-satellite link cuts
    sample: SampleSpec | None = None  # run a seeded sample of the nodes at full load
    # a mixed fleet: sets of nodes with their own hardware (orbitsim.model.fleet)
    hardware_groups: tuple[HardwareGroup, ...] = ()
    # export licences, monitoring, geofences, suspensions (orbitsim.model.governance)
    governance: Governance = Governance()
    base_dir: str = Field(default=".", exclude=True)

    @model_serializer(mode="wrap")
    def _mesh_fields_with_the_mesh(self, handler):
        # The mesh's settings change nothing unless isl = "mesh": echoed only then, so that
        # the summaries and sweep point ids of other runs are what they were before them.
        data = handler(self)
        if self.isl != "mesh" and isinstance(data, dict):
            for name in MESH_FIELDS:
                data.pop(name, None)
        return data

    @field_validator("relay_constellation")
    @classmethod
    def _relay_needs_mesh(cls, value, info: ValidationInfo):
        # a field check (isl is validated before it), so that the message names the field
        isl = info.data.get("isl", "grid")
        if value is not None and isl != "mesh":
            raise ValueError(f'a relay constellation needs isl = "mesh" (isl is "{isl}")')
        return value

    @field_validator("start_utc", mode="before")
    @classmethod
    def _toml_datetime(cls, value):
        # An unquoted TOML date-time arrives as a datetime; a naive one is taken as UTC.
        return value.isoformat() if isinstance(value, datetime) else value

    @field_validator("start_utc")
    @classmethod
    def _check_start(cls, value: str) -> str:
        try:
            parse_utc(value)
        except InputError as exc:
            raise ValueError(exc.message) from None
        return value

    def time_grid(self, hours: float | None = None) -> TimeGrid:
        return time_grid(self.start_utc, self.hours if hours is None else hours, self.step_s)

    def path_of(self, value: str) -> str:
        """A reference resolved against the scenario's folder when it names a file there."""
        candidate = Path(self.base_dir) / value
        return str(candidate) if candidate.is_file() else value


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario TOML file; every reference is checked.

    Raises :class:`InputError` naming the file and the field of the first problem.
    """
    path = resources.resolve("scenario", name_or_path)
    data = read_toml(path)
    if "base_dir" in data:  # set by the loader, not by users
        raise InputError("unknown field", source=path, field="base_dir")
    data["base_dir"] = str(path.parent)
    scenario = validate_model(Scenario, data, path)
    check_references(scenario, path)
    if isinstance(scenario.hardware, dict):
        node_hardware(scenario, source=path)  # a base and overrides: validated now
    for i, group in enumerate(scenario.hardware_groups):
        group_hardware(scenario, group.hardware, f"hardware_groups[{i}].hardware",
                       source=path)
    return scenario


def constellation_hardware(scenario: Scenario) -> str | None:
    """The hardware the scenario's constellation file names (None for TLE/OMM files), read
    without building the constellation."""
    path = resources.resolve("constellation", scenario.path_of(scenario.constellation))
    if path.suffix.lower() != ".toml":
        return None
    value = read_toml(path).get("hardware")
    return value if isinstance(value, str) else None


def node_hardware(scenario: Scenario, *, source: str | Path | None = None,
                  default: str | None = None):
    """The scenario's node hardware (:class:`~orbitsim.model.hardware.NodeHardware`): its
    ``hardware`` name or table, on the constellation's hardware (``default`` if given) when
    it names no base; names are resolved against the scenario's folder first."""
    from orbitsim.model.overrides import resolve_hardware, split_spec

    base, _ = split_spec(scenario.hardware)
    if base is None and default is None:
        default = constellation_hardware(scenario)
    return resolve_hardware(scenario.hardware, default, resolve=scenario.path_of,
                            source=source, relative_to=scenario.base_dir)


def group_hardware(scenario: Scenario, spec, field: str, *, source=None):
    """The hardware of one ``[[hardware_groups]]`` entry (a name, or a base and overrides),
    resolved like the scenario's own (a table without ``base`` starts from the hardware the
    scenario names, else the constellation's); InputError naming ``field`` otherwise."""
    from orbitsim.model.overrides import resolve_hardware, split_spec

    try:
        default = split_spec(scenario.hardware)[0] or constellation_hardware(scenario)
        return resolve_hardware(spec, default, resolve=scenario.path_of, source=source,
                                relative_to=scenario.base_dir)
    except InputError as error:
        where = error.field or ""
        where = field + where.removeprefix("hardware") if where.startswith("hardware") else field
        raise InputError(error.message, source=error.source or source, line=error.line,
                         field=where) from None


def node_fleet(scenario: Scenario, constellation, default=None, *, source=None):
    """The scenario's :class:`~orbitsim.model.fleet.Fleet`: its node hardware (``default``,
    else resolved with :func:`node_hardware`) on the nodes of no ``[[hardware_groups]]``
    entry, each group's hardware on its nodes."""
    from orbitsim.model.fleet import resolve_fleet

    if default is None:
        default = node_hardware(scenario, source=source, default=constellation.hardware)
    return resolve_fleet(scenario.hardware_groups, constellation, default,
                         lambda spec, field: group_hardware(scenario, spec, field,
                                                            source=source), source=source)


def check_references(scenario: Scenario, path: str | Path) -> None:
    """The constellation, ground network and workload must exist (built-in name or file), and
    the relay constellation if one is named."""
    for field, kind in (("constellation", "constellation"), ("ground_network", "ground"),
                        ("workload", "workload"), ("relay_constellation", "constellation")):
        if getattr(scenario, field) is None:
            continue
        value = scenario.path_of(getattr(scenario, field))
        if Path(value).is_file():
            continue
        if value not in resources.builtin_names(kind):
            names = ", ".join(resources.builtin_names(kind)) or "none"
            raise InputError(f"no file or built-in {kind} named {value!r} (built-in: {names})",
                             source=path, field=field)
