"""Governance rules of a scenario: export licences, remote monitoring and control, geofences.

A scenario's ``[governance]`` table (all optional)::

    [governance]
    default_access = "allowed"                # tenant/accelerator pairs no licence covers
    monitoring_bytes_per_node_hour = 2.0e9    # telemetry each monitored node sends down
    monitoring_countries = ["US"]             # stations it may land at ([]: any)
    compare_without_rules = true              # rerun without each kind of rule: its cost

    [[governance.licences]]                   # who may use which accelerator, on what terms
    accelerators = ["h200"]                   # accelerator names ([]: every accelerator)
    countries = ["CN"]                        # tenants whose home_country is one of these,
    # tenants = ["cn-approved"]               # or these tenants by name,
    # alliances = ["pax-silica"]              # or tenants whose home country is in these
    access = "terms"                          # "allowed" | "forbidden" | "terms"
    levy_fraction = 0.25                      # terms: revenue share (default: policy.toml)
    monitoring = true                         # terms: the node's telemetry stream is reserved
    geofence = ["CHN"]                        # terms: no compute while over these regions

    [[governance.regions]]                    # named regions for geofences
    name = "south-china-sea"
    countries = []                            # Natural Earth ISO alpha-3 codes or names
    boxes = [[5.0, 23.0, 105.0, 121.0]]       # [lat_min, lat_max, lon_min, lon_max]

    [[governance.suspensions]]                # remote suspension (times: s since the start)
    start_s = 21600
    end_s = 25200
    tenants = ["cn-approved"]                 # and/or nodes = [3, 4]
    mode = "pause"                            # "pause": state kept; "kill": back to the
                                              # last checkpoint, the work since then lost

Which licence governs a (tenant, accelerator) pair: the most specific that covers it, tenants
by name before home countries before alliances before everyone, and a licence naming
accelerators before one naming none; two licences equally specific that disagree are refused
(:func:`check_licences`). A geofence names a region of ``[[governance.regions]]`` or a country
(ISO 3166-1 alpha-3 as Natural Earth gives it, or its name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from orbitsim.errors import InputError
from orbitsim.model.jurisdiction import ALLIANCES

ACCESS = ("allowed", "forbidden", "terms")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Licence(_Strict):
    """Who may use which accelerators, and on what terms (module docstring)."""

    accelerators: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    alliances: tuple[str, ...] = ()
    access: Literal["allowed", "forbidden", "terms"] = "allowed"
    levy_fraction: float | None = Field(default=None, ge=0, le=1)
    monitoring: bool = False
    geofence: tuple[str, ...] = ()
    note: str = ""

    @model_validator(mode="after")
    def _check(self):
        unknown = [a for a in self.alliances if a not in ALLIANCES]
        if unknown:
            raise ValueError(f"unknown alliance {unknown[0]!r}; known: "
                             f"{', '.join(sorted(ALLIANCES))}")
        if self.access != "terms" and (self.levy_fraction is not None or self.monitoring
                                       or self.geofence):
            raise ValueError(f"levy_fraction, monitoring and geofence are terms: they need "
                             f"access = \"terms\" (got {self.access!r})")
        if sum(bool(x) for x in (self.tenants, self.countries, self.alliances)) > 1:
            raise ValueError("a licence names tenants, countries or alliances: one of them")
        return self

    @property
    def specificity(self) -> tuple[int, int]:
        """How specific it is: (tenants 3, countries 2, alliances 1, everyone 0; names
        accelerators 1 or not 0). The most specific covering licence governs."""
        who = 3 if self.tenants else 2 if self.countries else 1 if self.alliances else 0
        return who, int(bool(self.accelerators))

    def covers(self, tenant, accelerator: str) -> bool:
        """Whether it speaks of ``tenant`` (a :class:`~orbitsim.model.workload.Tenant`) on
        ``accelerator`` (a name)."""
        if self.accelerators and accelerator not in self.accelerators:
            return False
        home = (getattr(tenant, "home_country", "") or "").upper()
        if self.tenants:
            return tenant.name in self.tenants
        if self.countries:
            return home in {c.upper() for c in self.countries}
        if self.alliances:
            return any(home in ALLIANCES[a] for a in self.alliances)
        return True


class GeoRegion(_Strict):
    """A named region: countries (Natural Earth) and/or latitude/longitude boxes."""

    name: str = Field(min_length=1)
    countries: tuple[str, ...] = ()
    boxes: tuple[tuple[float, float, float, float], ...] = ()

    @model_validator(mode="after")
    def _check(self):
        if not self.countries and not self.boxes:
            raise ValueError("a region needs countries = [...] and/or boxes = [[lat_min, "
                             "lat_max, lon_min, lon_max], ...]")
        for box in self.boxes:
            lat_min, lat_max, lon_min, lon_max = box
            if not (-90 <= lat_min < lat_max <= 90 and -180 <= lon_min <= 180
                    and -180 <= lon_max <= 180 and lon_min != lon_max):
                raise ValueError(f"box {list(box)} must be [lat_min, lat_max, lon_min, "
                                 "lon_max] in degrees with lat_min < lat_max (lon_min > "
                                 "lon_max wraps across the antimeridian)")
        return self


class Suspension(_Strict):
    """A remote suspension: the jobs of ``tenants`` (every tenant if none), on ``nodes``
    (every node if none), compute nothing from ``start_s`` to ``end_s``."""

    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    tenants: tuple[str, ...] = ()
    nodes: tuple[int, ...] = ()
    mode: Literal["pause", "kill"] = "pause"
    note: str = ""

    @model_validator(mode="after")
    def _check(self):
        if self.end_s <= self.start_s:
            raise ValueError("end_s must be after start_s")
        if not self.tenants and not self.nodes:
            raise ValueError("a suspension names tenants = [...] and/or nodes = [...]")
        if any(n < 0 for n in self.nodes):
            raise ValueError("nodes are indices >= 0")
        return self


class Governance(_Strict):
    """The ``[governance]`` table of a scenario (module docstring)."""

    default_access: Literal["allowed", "forbidden"] = "allowed"
    monitoring_bytes_per_node_hour: float = Field(default=0.0, ge=0, le=1e13)
    monitoring_countries: tuple[str, ...] = ()
    licences: tuple[Licence, ...] = ()
    regions: tuple[GeoRegion, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    #: also run the scenario without each kind of rule, to show what each cost each tenant
    #: (:mod:`orbitsim.analysis.governance`; one more run per kind)
    compare_without_rules: bool = False

    @model_validator(mode="after")
    def _check(self):
        names = [r.name for r in self.regions]
        if len(set(names)) != len(names):
            raise ValueError("region names must be unique")
        return self

    @property
    def active(self) -> bool:
        """Whether any rule can change a run."""
        return bool(self.licences or self.suspensions or self.default_access != "allowed")


@dataclass(frozen=True)
class Terms:
    """What governs one tenant on one accelerator: its access, and the terms' levy (``None``:
    the policy file's default), monitoring and geofence regions; ``licence`` is the index of
    the licence in ``[[governance.licences]]`` (-1: the default access)."""

    access: str
    levy_fraction: float | None = None
    monitoring: bool = False
    geofence: tuple[str, ...] = ()
    licence: int = -1

    @property
    def allowed(self) -> bool:
        return self.access != "forbidden"


def _covering(governance: Governance, tenant, accelerator: str) -> list[tuple[int, Licence]]:
    found = [(i, lic) for i, lic in enumerate(governance.licences)
             if lic.covers(tenant, accelerator)]
    if not found:
        return []
    best = max(lic.specificity for _, lic in found)
    return [(i, lic) for i, lic in found if lic.specificity == best]


def terms_for(governance: Governance, tenant, accelerator: str) -> Terms:
    """The :class:`Terms` of ``tenant`` on ``accelerator`` (the most specific licence)."""
    found = _covering(governance, tenant, accelerator)
    if not found:
        return Terms(governance.default_access)
    i, lic = found[0]
    return Terms(lic.access, lic.levy_fraction, lic.monitoring, tuple(lic.geofence), i)


def builtin_accelerators() -> list[str]:
    """Names of the built-in accelerators (``constellations/hardware/accelerators``)."""
    from orbitsim import resources

    folder = resources.builtin_dir("hardware") / "accelerators"
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def check_licences(governance: Governance, tenants, accelerators, *, source=None) -> None:
    """Licences, regions and suspensions against the workload's tenants and the fleet's
    accelerators: names exist (an accelerator of the fleet or a built-in one), geofences
    name a region or a country, and no two equally specific licences disagree on a pair.
    InputError naming the field otherwise."""
    from orbitsim.model.regions import country

    tenant_names = {t.name for t in tenants}
    regions = {r.name for r in governance.regions}
    fleet = sorted(set(accelerators))
    known = set(fleet) | set(builtin_accelerators())
    for i, lic in enumerate(governance.licences):
        for name in lic.accelerators:
            # A misspelt accelerator would make the licence cover nothing, silently handing
            # the pair to another licence or the default access.
            if fleet and name not in known:
                raise InputError(f"no accelerator named {name!r} (the fleet's: "
                                 f"{', '.join(fleet)}; built-in: "
                                 f"{', '.join(builtin_accelerators())})", source=source,
                                 field=f"governance.licences[{i}].accelerators")
        for name in lic.tenants:
            if name not in tenant_names:
                raise InputError(f"no tenant named {name!r} in the workload (tenants: "
                                 f"{', '.join(sorted(tenant_names))})", source=source,
                                 field=f"governance.licences[{i}].tenants")
        for place in lic.geofence:
            if place not in regions:
                try:
                    country(place)
                except InputError as error:
                    known = ", ".join(sorted(regions)) or "none"
                    raise InputError(f"{error.message}; nor is it a region of "
                                     f"[[governance.regions]] ({known})", source=source,
                                     field=f"governance.licences[{i}].geofence") from None
    for i, region in enumerate(governance.regions):
        for place in region.countries:
            try:
                country(place)
            except InputError as error:
                raise InputError(error.message, source=source,
                                 field=f"governance.regions[{i}].countries") from None
    for i, suspension in enumerate(governance.suspensions):
        for name in suspension.tenants:
            if name not in tenant_names:
                raise InputError(f"no tenant named {name!r} in the workload (tenants: "
                                 f"{', '.join(sorted(tenant_names))})", source=source,
                                 field=f"governance.suspensions[{i}].tenants")
    for tenant in tenants:
        for accelerator in sorted(set(accelerators)):
            found = _covering(governance, tenant, accelerator)
            if len({(lic.access, lic.levy_fraction, lic.monitoring, lic.geofence)
                    for _, lic in found}) > 1:
                first, second = found[0][0], found[1][0]
                raise InputError(f"licences[{first}] and licences[{second}] both govern tenant "
                                 f"{tenant.name!r} on {accelerator!r} with different terms; "
                                 "make one more specific", source=source,
                                 field="governance.licences")


def check_suspension_nodes(governance: Governance, n_nodes: int, *, source=None) -> None:
    """Suspensions name nodes ``0 .. n_nodes - 1``."""
    for i, suspension in enumerate(governance.suspensions):
        for node in suspension.nodes:
            if node >= n_nodes:
                raise InputError(f"node {node} does not exist (the constellation has "
                                 f"{n_nodes:,} nodes, 0..{n_nodes - 1})", source=source,
                                 field=f"governance.suspensions[{i}].nodes")


def region_specs(governance: Governance, names) -> dict[str, tuple[tuple[str, ...], tuple]]:
    """``{name: (countries, boxes)}`` of each geofence name used: a region of
    ``[[governance.regions]]``, else one country."""
    defined = {r.name: (tuple(r.countries), tuple(r.boxes)) for r in governance.regions}
    return {name: defined.get(name, ((name,), ())) for name in names}


__all__ = ["ACCESS", "GeoRegion", "Governance", "Licence", "Suspension", "Terms",
           "builtin_accelerators", "check_licences", "check_suspension_nodes", "region_specs",
           "terms_for"]
