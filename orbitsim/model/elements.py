"""Recipes that rebuild sgp4 ``Satrec`` objects for any slice of a constellation.

A constellation of a million satellites cannot hold a million ``Satrec`` objects (about 1 kB
each) nor send them to worker processes (``Satrec`` does not pickle). It holds a *recipe*
instead: mean elements as numpy arrays (:class:`ElementSet`) or the TLE lines themselves
(:class:`TleSet`, so that a TLE is parsed by sgp4's own ``twoline2rv`` and reproduces Vallado's
vectors bit for bit). Both are plain picklable data and build ``Satrec`` objects chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sgp4.api import WGS72, Satrec

#: Julian date of the SGP4 epoch origin, 1949 December 31 00:00 UT.
SGP4_EPOCH_ORIGIN_JD = 2433281.5

ELEMENT_FIELDS = (
    "satnum",
    "epoch_days",
    "bstar",
    "ndot",
    "nddot",
    "eccentricity",
    "arg_perigee_rad",
    "inclination_rad",
    "mean_anomaly_rad",
    "mean_motion_rad_min",
    "raan_rad",
)


@dataclass(frozen=True, eq=False)
class ElementSet:
    """SGP4 mean elements (Kozai mean motion, WGS72, 'i' mode), one array entry a satellite.

    ``epoch_days`` counts days since 1949-12-31 00:00 UTC as ``Satrec.sgp4init`` expects;
    ``satnum`` is the catalogue number given to sgp4 (0..339999, Alpha-5 range).
    """

    satnum: np.ndarray
    epoch_days: np.ndarray
    bstar: np.ndarray
    ndot: np.ndarray
    nddot: np.ndarray
    eccentricity: np.ndarray
    arg_perigee_rad: np.ndarray
    inclination_rad: np.ndarray
    mean_anomaly_rad: np.ndarray
    mean_motion_rad_min: np.ndarray
    raan_rad: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.epoch_days)
        for name in ELEMENT_FIELDS:
            value = np.asarray(getattr(self, name), dtype=np.int64 if name == "satnum" else float)
            if value.shape != (n,):
                raise ValueError(f"element {name!r} has shape {value.shape}, expected ({n},)")
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return len(self.epoch_days)

    def satrecs(self, start: int = 0, stop: int | None = None) -> list[Satrec]:
        """Build ``Satrec`` objects for satellites ``start:stop`` with ``sgp4init``."""
        stop = len(self) if stop is None else min(stop, len(self))
        columns = [getattr(self, name)[start:stop].tolist() for name in ELEMENT_FIELDS]
        out = []
        for satnum, epoch, bstar, ndot, nddot, ecc, argp, inc, mo, no, node in zip(*columns):
            sat = Satrec()
            sat.sgp4init(WGS72, "i", satnum, epoch, bstar, ndot, nddot, ecc, argp, inc, mo, no,
                         node)
            out.append(sat)
        return out

    def take(self, index: np.ndarray) -> ElementSet:
        return ElementSet(**{name: getattr(self, name)[index] for name in ELEMENT_FIELDS})

    @staticmethod
    def concatenate(sets: list[ElementSet]) -> ElementSet:
        return ElementSet(
            **{name: np.concatenate([getattr(s, name) for s in sets]) for name in ELEMENT_FIELDS}
        )

    @staticmethod
    def from_satrecs(satrecs: list[Satrec]) -> ElementSet:
        """Element arrays read back from initialised ``Satrec`` objects."""
        return ElementSet(
            satnum=np.array([s.satnum for s in satrecs], dtype=np.int64),
            epoch_days=np.array(
                [(s.jdsatepoch - SGP4_EPOCH_ORIGIN_JD) + s.jdsatepochF for s in satrecs]
            ),
            bstar=np.array([s.bstar for s in satrecs]),
            ndot=np.array([s.ndot for s in satrecs]),
            nddot=np.array([s.nddot for s in satrecs]),
            eccentricity=np.array([s.ecco for s in satrecs]),
            arg_perigee_rad=np.array([s.argpo for s in satrecs]),
            inclination_rad=np.array([s.inclo for s in satrecs]),
            mean_anomaly_rad=np.array([s.mo for s in satrecs]),
            mean_motion_rad_min=np.array([s.no_kozai for s in satrecs]),
            raan_rad=np.array([s.nodeo for s in satrecs]),
        )


@dataclass(frozen=True, eq=False)
class TleSet:
    """TLE line pairs, parsed by sgp4's own ``Satrec.twoline2rv`` whenever needed."""

    line1: tuple[str, ...]
    line2: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.line1)

    def satrecs(self, start: int = 0, stop: int | None = None) -> list[Satrec]:
        stop = len(self) if stop is None else min(stop, len(self))
        return [
            Satrec.twoline2rv(a, b, WGS72)
            for a, b in zip(self.line1[start:stop], self.line2[start:stop])
        ]

    def take(self, index: np.ndarray) -> TleSet:
        index = np.asarray(index)
        return TleSet(
            tuple(self.line1[i] for i in index.tolist()),
            tuple(self.line2[i] for i in index.tolist()),
        )
