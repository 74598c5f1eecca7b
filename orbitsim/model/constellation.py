"""The :class:`Constellation`: named satellites, their SGP4 recipes and their node hardware."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sgp4.api import Satrec

from orbitsim.model.elements import SGP4_EPOCH_ORIGIN_JD, ElementSet, TleSet

Recipe = ElementSet | TleSet


def _has_duplicates(ids: np.ndarray) -> bool:
    ordered = np.sort(ids)
    return bool(np.any(ordered[1:] == ordered[:-1]))


@dataclass(frozen=True)
class Shell:
    """Summary of one group of satellites (a Walker shell, an SSO plane set, a cluster)."""

    name: str
    count: int
    altitude_km: float | None = None
    inclination_deg: float | None = None
    kind: str = ""
    per_plane: int | None = None  # satellites a plane, consecutive in the satellite order


@dataclass(frozen=True, eq=False)
class Constellation:
    """A set of satellites that can be propagated in chunks.

    ``names`` are the satellites' names (TLE title lines where the input had them, else the
    catalogue number); ``ids`` are unique integer identifiers (catalogue numbers where they are
    unique, else a running index), never colliding even beyond 99,999 satellites.

    >>> from orbitsim import walker_delta
    >>> shell = walker_delta(altitude_km=550, inclination_deg=53, planes=4, per_plane=3, phasing=1)
    >>> len(shell), shell.names[0]
    (12, 'WALKER-P00-S00')
    """

    name: str
    parts: tuple[Recipe, ...]
    names: Sequence[str]
    ids: np.ndarray
    hardware: str | None = None
    shells: tuple[Shell, ...] = ()
    source: str = ""
    description: str = ""
    #: Per part: its elements were measured (TLE, OMM) rather than designed (a Walker shell);
    #: empty means TLE parts measured, element sets designed. Only measured elements age.
    measured_parts: tuple[bool, ...] = ()
    _offsets: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        counts = [len(p) for p in self.parts]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        object.__setattr__(self, "_offsets", offsets)
        n = int(offsets[-1])
        ids = np.asarray(self.ids, dtype=np.int64)
        object.__setattr__(self, "ids", ids)
        if len(self.names) != n or ids.shape != (n,):
            raise ValueError(f"{n} satellites but {len(self.names)} names and {ids.shape} ids")
        if n and _has_duplicates(ids):
            raise ValueError("satellite ids must be unique")

    def __len__(self) -> int:
        return int(self._offsets[-1])

    def __repr__(self) -> str:
        """``<Constellation starlink-shell1: 1,584 satellites, 1 shell>`` (no arrays)."""
        n = len(self)
        text = f"<Constellation {self.name}: {n:,} satellite{'' if n == 1 else 's'}"
        if self.shells:
            text += f", {len(self.shells):,} shell{'' if len(self.shells) == 1 else 's'}"
        return text + ">"
    def _part_measured(self) -> list[bool]:
        if len(self.measured_parts) == len(self.parts):
            return [bool(m) for m in self.measured_parts]
        return [isinstance(p, TleSet) for p in self.parts]

    def measured(self) -> np.ndarray:
        """``(n_sats,)`` bool: the satellite's elements were measured (TLE, OMM), so they age;
        designed orbits (Walker, sun-synchronous, cluster shells) do not."""
        counts = np.diff(self._offsets)
        return np.repeat(np.array(self._part_measured(), dtype=bool), counts)

    def epochs_jd(self) -> np.ndarray:
        """``(n_sats,)`` UTC Julian date of each satellite's element epoch."""
        parts = []
        for part in self.parts:
            if isinstance(part, ElementSet):
                parts.append(np.asarray(part.epoch_days, dtype=float) + SGP4_EPOCH_ORIGIN_JD)
            else:
                parts.append(np.array([s.jdsatepoch + s.jdsatepochF for s in part.satrecs()]))
        return np.concatenate(parts) if parts else np.zeros(0)

    @property
    def n_sats(self) -> int:
        return len(self)

    def satrecs_slice(self, start: int, stop: int) -> list[Satrec]:
        """sgp4 ``Satrec`` objects for satellites ``start:stop``, built on demand."""
        stop = min(stop, len(self))
        out: list[Satrec] = []
        for part, lo, hi in zip(self.parts, self._offsets[:-1], self._offsets[1:]):
            a, b = max(start, int(lo)), min(stop, int(hi))
            if a < b:
                out.extend(part.satrecs(a - int(lo), b - int(lo)))
        return out

    def recipe_slice(self, start: int, stop: int) -> tuple[Recipe, ...]:
        """The recipes of satellites ``start:stop`` only: small, picklable, for a worker."""
        out = []
        for part, lo, hi in zip(self.parts, self._offsets[:-1], self._offsets[1:]):
            a, b = max(start, int(lo)), min(stop, int(hi))
            if a < b:
                out.append(part.take(np.arange(a - int(lo), b - int(lo))))
        return tuple(out)

    @property
    def satrecs(self) -> list[Satrec]:
        """All satellites as sgp4 ``Satrec`` objects (built anew on every call: for large
        constellations prefer :meth:`satrecs_slice`)."""
        return self.satrecs_slice(0, len(self))

    def elements(self) -> ElementSet:
        """Mean elements of every satellite (TLE parts are parsed to read them)."""
        sets = [
            p if isinstance(p, ElementSet) else ElementSet.from_satrecs(p.satrecs())
            for p in self.parts
        ]
        return ElementSet.concatenate(sets)

    def mean_period_min(self) -> np.ndarray:
        """Orbital period of each satellite from its Kozai mean motion, minutes, ``(n_sats,)``."""
        return 2.0 * np.pi / self.elements().mean_motion_rad_min

    def subset(self, index: Sequence[int] | np.ndarray | slice, name: str | None = None):
        """A new constellation holding only the satellites at ``index``."""
        index = np.arange(len(self))[index] if isinstance(index, slice) else np.asarray(index)
        index = np.unique(np.asarray(index, dtype=np.int64))  # sorted: keeps the order
        parts = []
        for part, lo, hi in zip(self.parts, self._offsets[:-1], self._offsets[1:]):
            local = index[(index >= lo) & (index < hi)] - lo
            if len(local):
                parts.append(part.take(local))
        measured = [m for part, m, lo, hi in zip(self.parts, self._part_measured(),
                                                 self._offsets[:-1], self._offsets[1:])
                    if ((index >= lo) & (index < hi)).any()]
        shells: tuple[Shell, ...] = ()
        if self.shells and sum(s.count for s in self.shells) == len(self):
            # shells hold consecutive satellites: count the kept ones of each
            bounds = np.concatenate([[0], np.cumsum([s.count for s in self.shells])])
            kept = np.diff(np.searchsorted(index, bounds))
            shells = tuple(dataclasses.replace(s, count=int(k))
                           for s, k in zip(self.shells, kept) if k > 0)
        return Constellation(
            name=name or self.name,
            measured_parts=tuple(measured),
            parts=tuple(parts),
            names=[self.names[i] for i in index.tolist()],
            ids=self.ids[index],
            hardware=self.hardware,
            shells=shells,
            source=self.source,
            description=self.description,
        )


def combine(name: str, constellations: Sequence[Constellation], *, hardware: str | None = None,
            description: str = "") -> Constellation:
    """Several constellations (shells) as one; ids are renumbered if they would collide."""
    parts = tuple(p for c in constellations for p in c.parts)
    names = [n for c in constellations for n in c.names]
    ids = np.concatenate([c.ids for c in constellations]) if constellations else np.zeros(0)
    if _has_duplicates(ids):
        ids = np.arange(1, len(ids) + 1, dtype=np.int64)
    shells = tuple(s for c in constellations for s in c.shells)
    hw = hardware or next((c.hardware for c in constellations if c.hardware), None)
    measured = tuple(m for c in constellations for m in c._part_measured())
    return Constellation(name=name, parts=parts, names=names, ids=ids, hardware=hw,
                         shells=shells, description=description, measured_parts=measured)
