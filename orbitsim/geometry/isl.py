"""Inter-satellite links: neighbour topologies, Earth-clear line of sight, range, laser rate, and
the laser mesh over a time grid.

A link is a pair of satellite indices. Topologies:

- :func:`plus_grid` — the "+Grid" of Walker shells (Hypatia, Kassing et al. 2020; Bhattacherjee
  & Singla 2019): each satellite links to the two neighbours in its plane and to one satellite
  in each adjacent plane (the same slot; across the seam of a Walker delta shell, the slot
  shifted by the phasing). 4 links a satellite in a Walker delta shell of 3 planes or more and
  3 satellites a plane or more; the edge planes of a Walker star shell have 3 (no links across
  its counter-rotating seam);
- :func:`nearest_k` — each satellite links to its ``k`` nearest neighbours at one instant (a
  formation cluster such as Suncatcher's 81 satellites within 1 km); the links stay fixed;
- :func:`mesh_topology` — a whole constellation: +Grid for its Walker shells (optionally
  without the links across the seam), nearest-k for its other shells, each link labelled with
  its kind (:data:`LINK_KINDS`).

:func:`isl_links` gives, for every link and time, whether the segment between the two
satellites clears the Earth plus a grazing altitude (the atmosphere a laser must not cross), the
range and the laser rate (a flat ~100 Gbit/s a link, SpaceX 2024, optionally falling as 1/d²
beyond a reference range). :func:`laser_mesh` turns a topology and the propagated positions into
a :class:`Mesh`: per time step, the links that are up (Earth-clear, within range, cross-plane
links optionally switched off above a latitude, optional nearest links between shells), with
their range, one-way light delay and rate, stored as per-step edge lists and given per step as a
scipy sparse graph. Links are pure geometry: no pointing, acquisition time or capacity sharing
is modelled here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orbitsim.constants import EARTH_RADIUS_KM
from orbitsim.geometry.propagate import Geometry
from orbitsim.kernels.geodetic import ecef_to_geodetic
from orbitsim.kernels.linkbudget import SPEED_OF_LIGHT_M_S, laser_isl_rate_bps
from orbitsim.kernels.visibility import segment_clear_components
from orbitsim.model.constellation import Constellation

#: Default grazing altitude: the link's closest approach must stay above the mesosphere (km).
DEFAULT_GRAZING_ALTITUDE_KM = 80.0
#: Nominal laser ISL rate (Starlink, ~100 Gbit/s a link; SpaceX statements, 2024).
DEFAULT_LASER_RATE_BPS = 100e9
#: Link-step (or satellite-point-step) samples per block of :func:`isl_links`,
#: :func:`laser_mesh` and the ground links: bounds the temporaries (2 MB per float array).
MESH_BLOCK_POINTS = 262_144


def plus_grid(planes: int, per_plane: int, *, phasing: int = 0, offset: int = 0,
              wrap_planes: bool = True) -> np.ndarray:
    """Links of the +Grid topology of one Walker shell, ``(n_links, 2)`` satellite indices.

    Satellites are numbered plane by plane: ``offset + plane·per_plane + slot`` (the order of
    :func:`orbitsim.model.builders.walker_delta`). In-plane links join slot ``s`` to ``s + 1``
    (cyclically); cross-plane links join plane ``p`` slot ``s`` to plane ``p + 1`` slot ``s``.
    For a Walker delta shell (``wrap_planes=True``) of 3 planes or more the last plane links
    back to the first across the seam, where the Walker phasing ``F`` shifts the matching slot
    to ``s + F``; a Walker star shell has counter-rotating planes at its seam, so pass
    ``wrap_planes=False``.
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
        layout = _walker_layout(shell)
        if layout is None:
            raise ValueError(f"shell {shell.name!r} ({shell.kind!r}) is not a Walker shell")
        kind, planes, per_plane, phasing = layout
        links.append(plus_grid(planes, per_plane, phasing=phasing, offset=offset,
                               wrap_planes=kind == "delta"))
        offset += shell.count
    if offset != len(constellation):
        raise ValueError(f"the shells hold {offset} satellites, the constellation "
                         f"{len(constellation)}")
    return np.concatenate(links) if links else np.zeros((0, 2), dtype=np.int64)


def _walker_layout(shell) -> tuple[str, int, int, int] | None:
    """``(kind, planes, per_plane, phasing)`` of a Walker shell (``kind`` ``"delta"`` or
    ``"star"``), ``None`` for any other shell; ``ValueError`` if its ``kind`` string does not
    match its satellite count."""
    match = _WALKER_KIND.match(shell.kind.strip())
    if not match:
        return None
    kind, total, planes, phasing = match.group(1), *(int(g) for g in match.groups()[1:])
    if total != shell.count or planes < 1 or total % planes:
        raise ValueError(f"shell {shell.name!r}: {shell.kind!r} does not match its "
                         f"{shell.count} satellites")
    return kind, planes, total // planes, phasing


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
    ``(n_links, n_times)``; ``rate_bps`` is zero where the link is not visible.
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

    ``source`` is a :class:`Geometry` or positions ``(n_sats, n_times, 3)`` km in an
    Earth-centred frame. A link is visible when the segment between the satellites stays
    outside the sphere of radius ``EARTH_RADIUS_KM + grazing_altitude_km`` (the equatorial
    radius: a spherical Earth, up to 21 km conservative near the poles) and, if given, its range
    is within ``max_range_km``; NaN positions are never visible. The rate is
    :func:`~orbitsim.kernels.linkbudget.laser_isl_rate_bps` (flat ``nominal_rate_bps``, or
    falling as 1/d² beyond ``reference_range_km``).
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
    x, y, z = (np.ascontiguousarray(r[..., k]) for k in range(3))  # (n_sats, n_times) each
    block = max(1, min(block, MESH_BLOCK_POINTS // max(n_times, 1)))
    for lo in range(0, len(links), block):  # blocks of links bound the (block, n_times) temps
        a, b = links[lo:lo + block, 0], links[lo:lo + block, 1]
        clear, length_sq = segment_clear_components(x[a], y[a], z[a], x[b], y[b], z[b],
                                                    clear_radius_km)
        visible[lo:lo + block] = clear
        range_km[lo:lo + block] = np.sqrt(length_sq)
    if max_range_km is not None:
        visible &= range_km <= max_range_km
    rate = np.where(visible, laser_isl_rate_bps(range_km, nominal_rate_bps=nominal_rate_bps,
                                                reference_range_km=reference_range_km), 0.0)
    return IslLinks(links=links, visible=visible, range_km=range_km, rate_bps=rate,
                    seconds=seconds)


# --- the mesh over time -----------------------------------------------------------------------

#: Kinds of link, the codes of ``Topology.kind`` and ``Mesh.kind``: the same plane of a Walker
#: shell, adjacent planes, adjacent planes across the seam (last plane to first), a nearest-k or
#: caller-given link, a link between two groups (shells) found per time step.
LINK_KINDS = ("in-plane", "cross-plane", "seam", "neighbour", "inter-group")
IN_PLANE, CROSS_PLANE, SEAM, NEIGHBOUR, INTER_GROUP = range(len(LINK_KINDS))
#: Links of each satellite of a shell that is not a Walker shell (nearest neighbours).
DEFAULT_NEAREST_K = 4
_C_KM_S = SPEED_OF_LIGHT_M_S / 1000.0


@dataclass(frozen=True, eq=False)
class Topology:
    """The fixed links of a constellation and the group (shell) of each satellite.

    ``links`` ``(n_links, 2)`` satellite indices, lower first, unique; ``kind`` ``(n_links,)``
    int8 codes of :data:`LINK_KINDS`; ``group`` ``(n_sats,)`` int. :func:`laser_mesh` decides
    per time step which of these links are up, and may add links between groups.
    """

    links: np.ndarray
    kind: np.ndarray
    group: np.ndarray

    @property
    def n_sats(self) -> int:
        return len(self.group)

    @staticmethod
    def of_links(links: np.ndarray, n_sats: int) -> Topology:
        """Caller-given links (kind ``neighbour``), every satellite in one group."""
        links = _unique_links(np.asarray(links, dtype=np.int64).reshape(-1, 2))
        if len(links) and (links.min() < 0 or links.max() >= n_sats):
            raise ValueError(f"link indices must be within [0, {n_sats - 1}]")
        return Topology(links, np.full(len(links), NEIGHBOUR, dtype=np.int8),
                        np.zeros(n_sats, dtype=np.int64))


def plus_grid_kinds(links: np.ndarray, planes: int, per_plane: int, *,
                    offset: int = 0) -> np.ndarray:
    """Kind (``in-plane``, ``cross-plane`` or ``seam``) of each link of :func:`plus_grid` with
    the same ``planes``, ``per_plane`` and ``offset``, ``(n_links,)`` int8."""
    plane = (np.asarray(links, dtype=np.int64) - offset) // per_plane
    kind = np.full(len(plane), CROSS_PLANE, dtype=np.int8)
    kind[plane[:, 0] == plane[:, 1]] = IN_PLANE
    if planes > 2:
        kind[(plane.min(axis=1) == 0) & (plane.max(axis=1) == planes - 1)] = SEAM
    return kind


def mesh_topology(constellation: Constellation, positions_km: np.ndarray | None = None, *,
                  seam_links: bool = True, nearest: int = DEFAULT_NEAREST_K,
                  time_index: int = 0) -> Topology:
    """Fixed links of a whole constellation, shell by shell.

    Walker shells get :func:`plus_grid` (``seam_links=False`` drops the cross-plane links
    across the seam of Walker delta shells; Walker star shells never have them). Any other shell
    (sun-synchronous planes, a formation cluster, satellites from a TLE file) gets
    :func:`nearest_k` with ``k = nearest`` at ``time_index`` of ``positions_km``
    ``(n_sats, n_times, 3)`` (required then; satellites with NaN positions there get no link).
    A constellation whose shells do not account for every satellite is one group linked by
    nearest-k. Groups are the shells, in satellite order.
    """
    n = len(constellation)
    shells = list(constellation.shells)
    if not shells or sum(s.count for s in shells) != n:
        shells = [None]
    links, kinds = [], []
    group = np.empty(n, dtype=np.int64)
    offset = 0
    for index, shell in enumerate(shells):
        count = n if shell is None else shell.count
        group[offset:offset + count] = index
        layout = None if shell is None else _walker_layout(shell)
        if layout is not None:
            kind, planes, per_plane, phasing = layout
            shell_links = plus_grid(planes, per_plane, phasing=phasing, offset=offset,
                                    wrap_planes=kind == "delta")
            shell_kind = plus_grid_kinds(shell_links, planes, per_plane, offset=offset)
            if not seam_links:
                shell_links, shell_kind = shell_links[shell_kind != SEAM], shell_kind[
                    shell_kind != SEAM]
            links.append(shell_links)
            kinds.append(shell_kind)
        elif count > 1 and nearest > 0:
            if positions_km is None:
                label = "the constellation" if shell is None else f"shell {shell.name!r}"
                raise ValueError(f"{label} is not a Walker shell: its nearest-neighbour links "
                                 "need positions_km")
            r = np.asarray(positions_km, dtype=float)
            r = r[offset:offset + count, time_index] if r.ndim == 3 else r[offset:offset + count]
            finite = np.flatnonzero(np.isfinite(r).all(axis=1))
            if len(finite) > 1:
                pairs = finite[nearest_k(r[finite], min(nearest, len(finite) - 1))] + offset
                links.append(_unique_links(pairs))
                kinds.append(np.full(len(links[-1]), NEIGHBOUR, dtype=np.int8))
        offset += count
    if not links:
        return Topology(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int8), group)
    return Topology(np.concatenate(links), np.concatenate(kinds), group)


@dataclass(frozen=True, eq=False)
class Mesh:
    """The laser mesh over a time grid: per step, the links that are up.

    ``links`` ``(n_links, 2)`` holds every satellite pair that is a link at some step (lower
    index first; the topology's links first, then the inter-group pairs), ``kind``
    ``(n_links,)`` their :data:`LINK_KINDS` codes. The edges of step ``t`` are the entries
    ``offsets[t]:offsets[t + 1]`` of ``link`` (indices into ``links``, ascending within a step)
    and ``range_km``; :attr:`delay_s` and :attr:`rate_bps` follow from the range. Built by
    :func:`laser_mesh`.
    """

    n_sats: int
    seconds: np.ndarray
    links: np.ndarray
    kind: np.ndarray
    offsets: np.ndarray
    link: np.ndarray
    range_km: np.ndarray
    nominal_rate_bps: float = DEFAULT_LASER_RATE_BPS
    reference_range_km: float | None = None

    @property
    def n_times(self) -> int:
        return len(self.seconds)

    def __repr__(self) -> str:
        return (f"<Mesh {self.n_sats:,} satellites x {self.n_times:,} steps: "
                f"{len(self.links):,} links, {len(self.link):,} link-steps up>")

    @property
    def n_links(self) -> int:
        return len(self.links)

    @property
    def delay_s(self) -> np.ndarray:
        """One-way light time of every edge, s, ``(n_edges,)``."""
        return self.range_km / _C_KM_S

    @property
    def rate_bps(self) -> np.ndarray:
        """Laser rate of every edge, bit/s, ``(n_edges,)``."""
        return laser_isl_rate_bps(self.range_km, nominal_rate_bps=self.nominal_rate_bps,
                                  reference_range_km=self.reference_range_km)

    def step(self, t: int) -> slice:
        """The entries of ``link`` and ``range_km`` that are the edges of step ``t``."""
        if not 0 <= t < self.n_times:
            raise IndexError(f"step {t} is outside [0, {self.n_times - 1}]")
        return slice(int(self.offsets[t]), int(self.offsets[t + 1]))

    def edges(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(sat_a, sat_b, range_km)`` of the links up at step ``t``, each ``(n_up,)``."""
        where = self.step(t)
        pairs = self.links[self.link[where]]
        return pairs[:, 0], pairs[:, 1], self.range_km[where]

    def up(self) -> np.ndarray:
        """``(n_links, n_times)`` bool: link ``i`` is up at step ``t``."""
        state = np.zeros((self.n_links, self.n_times), dtype=bool)
        steps = np.repeat(np.arange(self.n_times), np.diff(self.offsets))
        state[self.link, steps] = True
        return state

    def graph(self, t: int):
        """The satellites' graph at step ``t``: a symmetric ``scipy.sparse.csr_matrix``
        ``(n_sats, n_sats)`` of one-way light times, s (no entry: no link)."""
        from scipy.sparse import csr_matrix

        a, b, range_km = self.edges(t)
        delay = range_km / _C_KM_S
        return csr_matrix((np.concatenate([delay, delay]),
                           (np.concatenate([a, b]), np.concatenate([b, a]))),
                          shape=(self.n_sats, self.n_sats))

    def to_frame(self, names=None) -> pd.DataFrame:
        """Long table, one row per link up at each step: ``time_s, sat_a, sat_b, kind,
        range_km, delay_ms, rate_bps`` (plus ``name_a, name_b`` when ``names`` are given)."""
        steps = np.repeat(np.arange(self.n_times), np.diff(self.offsets))
        pairs = self.links[self.link]
        frame = pd.DataFrame({
            "time_s": self.seconds[steps], "sat_a": pairs[:, 0], "sat_b": pairs[:, 1],
            "kind": pd.Categorical.from_codes(self.kind[self.link], LINK_KINDS),
            "range_km": self.range_km, "delay_ms": 1e3 * self.delay_s,
            "rate_bps": self.rate_bps,
        })
        if names is not None:
            names = np.asarray(names, dtype=object)
            frame.insert(3, "name_a", names[pairs[:, 0]])
            frame.insert(4, "name_b", names[pairs[:, 1]])
        return frame


def laser_mesh(
    source: Geometry | np.ndarray,
    topology: Topology | np.ndarray | None = None,
    *,
    seconds: np.ndarray | None = None,
    lat_deg: np.ndarray | None = None,
    grazing_altitude_km: float = DEFAULT_GRAZING_ALTITUDE_KM,
    max_range_km: float | None = None,
    cross_plane_max_lat_deg: float | None = None,
    inter_group_range_km: float | None = None,
    inter_group_k: int = 1,
    nominal_rate_bps: float = DEFAULT_LASER_RATE_BPS,
    reference_range_km: float | None = None,
) -> Mesh:
    """The laser mesh at every step of the grid, computed once from the propagated positions.

    ``source`` is a :class:`Geometry` (its topology defaults to :func:`mesh_topology` of its
    constellation, its latitudes are used) or positions ``(n_sats, n_times, 3)`` km in an
    Earth-centred frame (then ``topology`` is required: a :class:`Topology` or an
    ``(n_links, 2)`` array). At each step a link is up when its segment clears the Earth by
    ``grazing_altitude_km`` and, if given, its range is within ``max_range_km`` (the test of
    :func:`isl_links`); cross-plane and seam links are also down while either end's geodetic
    latitude exceeds ``cross_plane_max_lat_deg`` in absolute value (as Iridium's are, where
    adjacent planes converge). With ``inter_group_range_km`` each satellite also links, at each
    step, to its ``inter_group_k`` nearest satellites of every other group (shell) within that
    range and Earth-clear (scipy's k-d tree; a satellite may end up with more such links, chosen
    by the others). Vectorised over (steps, links) in blocks of :data:`MESH_BLOCK_POINTS`; the
    inter-group search loops over steps and groups.
    """
    if isinstance(source, Geometry):
        r = source.r_ecef_km
        seconds = source.grid.seconds if seconds is None else seconds
        lat_deg = source.lat_deg if lat_deg is None else lat_deg
        if topology is None:
            topology = mesh_topology(source.constellation, r)
    else:
        r = np.asarray(source, dtype=float)
        if topology is None:
            raise ValueError("positions without a constellation need a topology")
    if r.ndim != 3 or r.shape[-1] != 3:
        raise ValueError(f"positions must be (n_sats, n_times, 3), got {r.shape}")
    n_sats, n_times, _ = r.shape
    if not isinstance(topology, Topology):
        topology = Topology.of_links(topology, n_sats)
    if topology.n_sats != n_sats:
        raise ValueError(f"the topology has {topology.n_sats} satellites, the positions {n_sats}")
    if cross_plane_max_lat_deg is not None and not 0.0 <= cross_plane_max_lat_deg <= 90.0:
        raise ValueError(f"cross_plane_max_lat_deg must be within [0, 90], got "
                         f"{cross_plane_max_lat_deg}")
    if inter_group_range_km is not None and not inter_group_range_km > 0.0:
        raise ValueError(f"inter_group_range_km must be > 0, got {inter_group_range_km}")
    if inter_group_k < 1:
        raise ValueError(f"inter_group_k must be >= 1, got {inter_group_k}")
    seconds = (np.arange(n_times, dtype=float) if seconds is None
               else np.asarray(seconds, dtype=float))
    links, kind = topology.links, topology.kind
    cross = np.flatnonzero((kind == CROSS_PLANE) | (kind == SEAM))
    if cross_plane_max_lat_deg is not None and len(cross) and lat_deg is None:
        lat_deg = ecef_to_geodetic(r)[0]
    # Time-major coordinates, (n_times, n_sats) each: a block of steps gathers the links' ends
    # as (steps, links) arrays, whose nonzero entries come out sorted by step, then link.
    x, y, z = (np.ascontiguousarray(r[..., k].T) for k in range(3))
    a, b = links[:, 0], links[:, 1]
    if cross_plane_max_lat_deg is not None and len(cross):
        polar_t = np.abs(np.asarray(lat_deg, dtype=float).T) > cross_plane_max_lat_deg
    steps, link_ids, ranges = [], [], []
    block = max(1, MESH_BLOCK_POINTS // max(len(links), 1))
    for t0 in range(0, n_times, block):
        t1 = min(t0 + block, n_times)
        xs, ys, zs = x[t0:t1], y[t0:t1], z[t0:t1]
        up, length_sq = segment_clear_components(
            xs[:, a], ys[:, a], zs[:, a], xs[:, b], ys[:, b], zs[:, b],
            EARTH_RADIUS_KM + grazing_altitude_km)
        if max_range_km is not None:
            up &= length_sq <= float(max_range_km) ** 2
        if cross_plane_max_lat_deg is not None and len(cross):
            polar = polar_t[t0:t1]
            up[:, cross] &= ~(polar[:, a[cross]] | polar[:, b[cross]])
        t_local, link = np.nonzero(up)
        steps.append(t_local + t0)
        link_ids.append(link)
        ranges.append(np.sqrt(length_sq[t_local, link]))
    n_groups = len(np.unique(topology.group))
    if inter_group_range_km is not None and n_groups > 1:
        extra_t, extra_pairs, extra_range = _inter_group_edges(
            r, topology.group, inter_group_range_km, inter_group_k,
            EARTH_RADIUS_KM + grazing_altitude_km, max_range_km)
        keys = extra_pairs[:, 0] * n_sats + extra_pairs[:, 1]
        known = np.isin(keys, links[:, 0] * n_sats + links[:, 1])  # caller-given links first
        keys, extra_t, extra_range = keys[~known], extra_t[~known], extra_range[~known]
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        steps.append(extra_t)
        link_ids.append(len(links) + inverse)
        ranges.append(extra_range)
        links = np.concatenate([links, np.stack([unique_keys // n_sats,
                                                 unique_keys % n_sats], axis=1)])
        kind = np.concatenate([kind, np.full(len(unique_keys), INTER_GROUP, dtype=np.int8)])
    step = np.concatenate(steps).astype(np.int64)
    link = np.concatenate(link_ids).astype(np.int64)
    range_km = np.concatenate(ranges)
    if len(kind) > len(topology.kind):  # inter-group edges were appended after every step
        order = np.lexsort((link, step))
        step, link, range_km = step[order], link[order], range_km[order]
    offsets = np.searchsorted(step, np.arange(n_times + 1))
    return Mesh(n_sats=n_sats, seconds=seconds, links=links, kind=kind, offsets=offsets,
                link=link, range_km=range_km, nominal_rate_bps=nominal_rate_bps,
                reference_range_km=reference_range_km)


def _inter_group_edges(r: np.ndarray, group: np.ndarray, range_km: float, k: int,
                       clear_radius_km: float, max_range_km: float | None):
    """Per step, each satellite to its ``k`` nearest satellites of every other group within
    ``range_km``, kept when Earth-clear (and within ``max_range_km``): ``(steps (m,), pairs
    (m, 2), range_km (m,))``, pairs unique within a step, lower index first."""
    from scipy.spatial import cKDTree

    limit = range_km if max_range_km is None else min(range_km, max_range_km)
    groups = np.unique(group)
    steps, pairs = [], []
    for t in range(r.shape[1]):
        positions = r[:, t]
        finite = np.isfinite(positions).all(axis=1)
        found = []
        for g in groups:
            members = np.flatnonzero((group == g) & finite)
            others = np.flatnonzero((group != g) & finite)
            if not len(members) or not len(others):
                continue
            kk = min(k, len(members))
            dist, nearest = cKDTree(positions[members]).query(
                positions[others], k=kk, distance_upper_bound=limit)
            dist, nearest = dist.reshape(len(others), kk), nearest.reshape(len(others), kk)
            ok = np.isfinite(dist)
            found.append(np.stack([np.repeat(others, kk)[ok.ravel()], members[nearest[ok]]],
                                  axis=1))
        if found:
            step_pairs = _unique_links(np.concatenate(found))
            pairs.append(step_pairs)
            steps.append(np.full(len(step_pairs), t, dtype=np.int64))
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    steps, pairs = np.concatenate(steps), np.concatenate(pairs)
    a, b = r[pairs[:, 0], steps], r[pairs[:, 1], steps]
    keep, length_sq = segment_clear_components(*a.T, *b.T, clear_radius_km)
    return steps[keep], pairs[keep], np.sqrt(length_sq[keep])
