"""Inter-satellite links: neighbour topologies, Earth-clear line of sight, range and laser rate.

A link is a pair of satellite indices. Topologies:

- :func:`plus_grid` — the "+Grid" of Walker shells (Hypatia, Kassing et al. 2020; Bhattacherjee
  & Singla 2019): each satellite links to the two neighbours in its plane and to the satellites
  in the same slot of the two adjacent planes (4 links a satellite);
- :func:`nearest_k` — each satellite links to its ``k`` nearest neighbours at one instant (a
  formation cluster such as Suncatcher's 81 satellites within 1 km).

:func:`isl_links` then gives, for every link and time, whether the segment between the two
satellites clears the Earth plus a grazing altitude (the atmosphere a laser must not cross),
the range and the laser rate (~100 Gbit/s a link, SpaceX 2024).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orbitsim.constants import EARTH_RADIUS_KM
from orbitsim.geometry.propagate import Geometry
from orbitsim.kernels.linkbudget import laser_isl_rate_bps
from orbitsim.kernels.visibility import segment_min_radius_km
from orbitsim.model.constellation import Constellation

#: Default grazing altitude: the link's closest approach must stay above the mesosphere (km).
DEFAULT_GRAZING_ALTITUDE_KM = 80.0
#: Nominal laser ISL rate (Starlink, ~100 Gbit/s a link; SpaceX statements, 2024).
DEFAULT_LASER_RATE_BPS = 100e9


def plus_grid(planes: int, per_plane: int, *, phasing: int = 0, offset: int = 0,
              wrap_planes: bool = True) -> np.ndarray:
    """Links of the +Grid topology of one Walker shell, ``(n_links, 2)`` satellite indices.

    Satellites are numbered plane by plane: ``offset + plane·per_plane + slot`` (the order of
    :func:`orbitsim.model.builders.walker_delta`). In-plane links join slot ``s`` to ``s + 1``
    (cyclically); cross-plane links join plane ``p`` slot ``s`` to plane ``p + 1`` slot ``s``.
    For a Walker delta shell (``wrap_planes=True``) the last plane links back to the first
    across the seam, where the Walker phasing ``F`` shifts the matching slot to ``s + F``; a
    Walker star shell has counter-rotating planes at its seam, so pass ``wrap_planes=False``.
    Each undirected link appears once, lower index first.

    >>> plus_grid(3, 4).shape  # 12 in-plane + 12 cross-plane links
    (24, 2)
    """
    if planes < 1 or per_plane < 1:
        raise ValueError(f"planes and per_plane must be >= 1, got {planes} and {per_plane}")
    plane = np.repeat(np.arange(planes), per_plane)
    slot = np.tile(np.arange(per_plane), planes)
    index = offset + plane * per_plane + slot
    links = []
    if per_plane > 1:
        nxt = offset + plane * per_plane + (slot + 1) % per_plane
        links.append(np.stack([index, nxt], axis=1))
    if planes > 1:
        inner = plane < planes - 1
        links.append(np.stack([index[inner], index[inner] + per_plane], axis=1))
        if wrap_planes and planes > 2:
            last = plane == planes - 1
            target = offset + (slot[last] + phasing) % per_plane
            links.append(np.stack([index[last], target], axis=1))
    if not links:
        return np.zeros((0, 2), dtype=np.int64)
    return _unique_links(np.concatenate(links))


_WALKER_KIND = re.compile(r"^walker-(delta|star)\s+(\d+)/(\d+)/(\d+)$")


def plus_grid_for(constellation: Constellation) -> np.ndarray:
    """+Grid links of every Walker shell of a constellation, ``(n_links, 2)``.

    Reads each shell's layout from :attr:`Constellation.shells` (``kind`` such as
    ``"walker-delta 1584/72/17"``: total/planes/phasing, as the builders write it); shells
    follow each other in satellite order. Raises ``ValueError`` for a shell that is not a
    Walker shell (use :func:`nearest_k` for clusters).
    """
    links = []
    offset = 0
    for shell in constellation.shells:
        match = _WALKER_KIND.match(shell.kind.strip())
        if not match:
            raise ValueError(f"shell {shell.name!r} ({shell.kind!r}) is not a Walker shell")
        kind, total, planes, phasing = match.group(1), *(int(g) for g in match.groups()[1:])
        if total != shell.count or total % planes:
            raise ValueError(f"shell {shell.name!r}: {shell.kind!r} does not match its "
                             f"{shell.count} satellites")
        links.append(plus_grid(planes, total // planes, phasing=phasing, offset=offset,
                               wrap_planes=kind == "delta"))
        offset += total
    if offset != len(constellation):
        raise ValueError(f"the shells hold {offset} satellites, the constellation "
                         f"{len(constellation)}")
    return np.concatenate(links) if links else np.zeros((0, 2), dtype=np.int64)


def nearest_k(positions_km: np.ndarray, k: int, *, time_index: int = 0,
              block: int = 2048) -> np.ndarray:
    """Links from each satellite to its ``k`` nearest neighbours, ``(n_links, 2)``.

    ``positions_km`` is ``(n_sats, 3)`` or ``(n_sats, n_times, 3)`` (then ``time_index`` picks
    the instant). Links are undirected and unique (a pair chosen by both ends appears once), so
    a satellite may have more than ``k`` links. Distances are computed in blocks of rows, so
    memory stays ``block × n_sats``.
    """
    r = np.asarray(positions_km, dtype=float)
    if r.ndim == 3:
        r = r[:, time_index, :]
    if r.ndim != 2 or r.shape[1] != 3:
        raise ValueError(f"positions_km must be (n_sats, 3) or (n_sats, n_times, 3), got "
                         f"{np.shape(positions_km)}")
    n = len(r)
    if not 1 <= k < n:
        raise ValueError(f"k must be within [1, {n - 1}] for {n} satellites, got {k}")
    sq = np.einsum("ij,ij->i", r, r)
    pairs = []
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        d2 = sq[lo:hi, None] - 2.0 * r[lo:hi] @ r.T + sq[None, :]
        d2[np.arange(hi - lo), np.arange(lo, hi)] = np.inf
        nearest = np.argpartition(d2, k - 1, axis=1)[:, :k]
        pairs.append(np.stack([np.repeat(np.arange(lo, hi), k), nearest.ravel()], axis=1))
    return _unique_links(np.concatenate(pairs))


def _unique_links(links: np.ndarray) -> np.ndarray:
    links = np.sort(np.asarray(links, dtype=np.int64), axis=1)
    links = links[links[:, 0] != links[:, 1]]
    return np.unique(links, axis=0)


@dataclass(frozen=True, eq=False)
class IslLinks:
    """Links and their state at every grid time.

    ``links`` ``(n_links, 2)`` satellite indices; ``visible``, ``range_km`` and ``rate_bps``
    ``(n_links, n_times)``; ``rate_bps`` is zero where the line of sight is blocked.
    """

    links: np.ndarray
    visible: np.ndarray
    range_km: np.ndarray
    rate_bps: np.ndarray
    seconds: np.ndarray

    def to_frame(self, names=None) -> pd.DataFrame:
        """Long table: one row per link and time (``sat_a, sat_b, time_s, visible, range_km,
        rate_bps``, plus ``name_a, name_b`` when ``names`` are given)."""
        n_links, n_times = self.visible.shape
        a = np.repeat(self.links[:, 0], n_times)
        b = np.repeat(self.links[:, 1], n_times)
        frame = pd.DataFrame({
            "sat_a": a, "sat_b": b, "time_s": np.tile(self.seconds, n_links),
            "visible": self.visible.ravel(), "range_km": self.range_km.ravel(),
            "rate_bps": self.rate_bps.ravel(),
        })
        if names is not None:
            names = np.asarray(names, dtype=object)
            frame.insert(2, "name_a", names[a])
            frame.insert(3, "name_b", names[b])
        return frame


def isl_links(
    source: Geometry | np.ndarray,
    links: np.ndarray,
    *,
    seconds: np.ndarray | None = None,
    grazing_altitude_km: float = DEFAULT_GRAZING_ALTITUDE_KM,
    nominal_rate_bps: float = DEFAULT_LASER_RATE_BPS,
    reference_range_km: float | None = None,
    max_range_km: float | None = None,
    block: int = 4096,
) -> IslLinks:
    """Line of sight, range and laser rate of every link at every time.

    ``source`` is a :class:`Geometry` or positions ``(n_sats, n_times, 3)`` km (any common
    frame). A link is visible when the segment between the satellites stays above
    ``EARTH_RADIUS_KM + grazing_altitude_km`` and, if given, its range is within
    ``max_range_km``. The rate is :func:`~orbitsim.kernels.linkbudget.laser_isl_rate_bps`
    (flat ``nominal_rate_bps``, or falling as 1/d² beyond ``reference_range_km``).
    """
    if isinstance(source, Geometry):
        r = source.r_ecef_km
        seconds = source.grid.seconds if seconds is None else seconds
    else:
        r = np.asarray(source, dtype=float)
    if r.ndim != 3 or r.shape[-1] != 3:
        raise ValueError(f"positions must be (n_sats, n_times, 3), got {r.shape}")
    links = np.asarray(links, dtype=np.int64).reshape(-1, 2)
    if len(links) and (links.min() < 0 or links.max() >= r.shape[0]):
        raise ValueError(f"link indices must be within [0, {r.shape[0] - 1}]")
    if grazing_altitude_km < 0.0:
        raise ValueError(f"grazing_altitude_km must be >= 0, got {grazing_altitude_km}")
    n_times = r.shape[1]
    seconds = np.arange(n_times, dtype=float) if seconds is None else np.asarray(seconds, float)
    clear_radius_km = EARTH_RADIUS_KM + grazing_altitude_km
    visible = np.zeros((len(links), n_times), dtype=bool)
    range_km = np.full((len(links), n_times), np.nan)
    for lo in range(0, len(links), block):  # blocks of links bound the (block, n_times, 3) temps
        a = r[links[lo:lo + block, 0]]
        b = r[links[lo:lo + block, 1]]
        d = b - a
        range_km[lo:lo + block] = np.sqrt(np.einsum("ijk,ijk->ij", d, d))
        visible[lo:lo + block] = segment_min_radius_km(a, b) > clear_radius_km
    if max_range_km is not None:
        visible &= range_km <= max_range_km
    rate = np.where(visible, laser_isl_rate_bps(range_km, nominal_rate_bps=nominal_rate_bps,
                                                reference_range_km=reference_range_km), 0.0)
    return IslLinks(links=links, visible=visible, range_km=range_km, rate_bps=rate,
                    seconds=seconds)
