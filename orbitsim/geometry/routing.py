"""Routing over the laser mesh: ground endpoints, delay-weighted shortest paths per time step.

- :func:`ground_links` — per step, each ground point to every satellite it sees at or above its
  elevation mask (:func:`orbitsim.kernels.visibility.above_mask`), with the slant range;
- :class:`Router` — one directed graph per step (:class:`~orbitsim.geometry.isl.Mesh` links
  both ways, uplinks, downlinks), Dijkstra (``scipy.sparse.csgraph.dijkstra``) from the sources
  asked for only, distances and predecessors cached per step; delay, hop count and path of any
  pair;
- :func:`routes` — the route between two ground points at every step of a grid, as a table
  (``orbitsim routes``).

Weights are one-way light times in vacuum (range / c), plus an optional fixed delay per link.
A ground point is two nodes, a source with links up and a sink with links down, so that no
path relays through a ground point (as Hypatia without ground-station relaying). Round-trip
times are twice the one-way delay of the shortest path (links are symmetric).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from orbitsim.errors import InputError
from orbitsim.geometry.isl import MESH_BLOCK_POINTS, Mesh, laser_mesh
from orbitsim.geometry.propagate import Geometry, propagate
from orbitsim.kernels.linkbudget import SPEED_OF_LIGHT_M_S
from orbitsim.kernels.visibility import above_mask
from orbitsim.model.constellation import Constellation
from orbitsim.model.ground import GroundNetwork, Station, load_ground_network
from orbitsim.model.timegrid import TimeGrid

#: Elevation mask of a ``lat,lon`` ground point, degrees (Hypatia's Starlink setting; a named
#: station keeps its own mask unless one is given).
DEFAULT_MIN_ELEVATION_DEG = 25.0
#: Columns of :func:`routes`.
ROUTE_COLUMNS = ("time_utc", "rtt_ms", "hops", "path", "path_exists", "time_s")
#: Between the satellite names of a path.
PATH_SEPARATOR = " > "
_C_KM_S = SPEED_OF_LIGHT_M_S / 1000.0
_NO_PREDECESSOR = -9999  # scipy.sparse.csgraph's marker
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LAT_LON = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*$")


# --- ground endpoints -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GroundLinks:
    """Links between ground points and satellites over a time grid, as per-step edge lists.

    The links of step ``t`` are the entries ``offsets[t]:offsets[t + 1]`` of ``sat``, ``point``
    (index into ``network``) and ``range_km`` (slant range), sorted by point then satellite.
    """

    network: GroundNetwork
    min_elevation_deg: np.ndarray
    seconds: np.ndarray
    offsets: np.ndarray
    sat: np.ndarray
    point: np.ndarray
    range_km: np.ndarray

    @property
    def n_points(self) -> int:
        return len(self.network)

    @property
    def n_times(self) -> int:
        return len(self.seconds)

    @property
    def delay_s(self) -> np.ndarray:
        """One-way light time of every link, s."""
        return self.range_km / _C_KM_S

    def step(self, t: int) -> slice:
        if not 0 <= t < self.n_times:
            raise IndexError(f"step {t} is outside [0, {self.n_times - 1}]")
        return slice(int(self.offsets[t]), int(self.offsets[t + 1]))


def ground_links(source: Geometry | np.ndarray, network: GroundNetwork, *,
                 min_elevation_deg=None, seconds: np.ndarray | None = None) -> GroundLinks:
    """Every satellite each ground point sees at or above its mask, at every step.

    ``source`` is a :class:`Geometry` or ECEF positions ``(n_sats, n_times, 3)`` km;
    ``min_elevation_deg`` (scalar or ``(n_points,)``) overrides the stations' own masks.
    Vectorised over (satellites, points, steps) in blocks of steps.
    """
    if isinstance(source, Geometry):
        r = source.r_ecef_km
        seconds = source.grid.seconds if seconds is None else seconds
    else:
        r = np.asarray(source, dtype=float)
    if r.ndim != 3 or r.shape[-1] != 3:
        raise ValueError(f"positions must be (n_sats, n_times, 3), got {r.shape}")
    n_sats, n_times, _ = r.shape
    n_points = len(network)
    mask = (network.min_elevation_deg if min_elevation_deg is None
            else np.broadcast_to(np.asarray(min_elevation_deg, dtype=float), (n_points,)))
    seconds = (np.arange(n_times, dtype=float) if seconds is None
               else np.asarray(seconds, dtype=float))
    steps, sats, points = [], [], []
    block = max(1, MESH_BLOCK_POINTS // max(n_sats * n_points, 1))
    for t0 in range(0, n_times, block):
        t1 = min(t0 + block, n_times)
        seen = above_mask(r[:, t0:t1], network.ecef_km, network.up, mask)  # (sats, points, t)
        t_local, point, sat = np.nonzero(seen.transpose(2, 1, 0))
        steps.append(t_local + t0)
        points.append(point)
        sats.append(sat)
    step = np.concatenate(steps)
    sat, point = np.concatenate(sats), np.concatenate(points)
    d = r[sat, step] - network.ecef_km[point]
    return GroundLinks(network=network, min_elevation_deg=np.array(mask, dtype=float),
                       seconds=seconds, offsets=np.searchsorted(step, np.arange(n_times + 1)),
                       sat=sat, point=point, range_km=np.sqrt(np.einsum("ij,ij->i", d, d)))


def ground_point(spec, network: str | GroundNetwork | None = None, *,
                 min_elevation_deg: float | None = None, field: str | None = None) -> Station:
    """A ground endpoint: a :class:`Station`, ``(lat, lon)``, ``"lat,lon"`` (degrees) or a
    station name looked up in ``network`` (every built-in network when none is given).

    ``min_elevation_deg`` sets its mask; otherwise a named station keeps its own and a
    ``lat,lon`` point gets :data:`DEFAULT_MIN_ELEVATION_DEG`. Bad input raises
    :class:`InputError` naming ``field``.
    """
    if min_elevation_deg is not None and not (math.isfinite(min_elevation_deg)
                                              and 0.0 <= min_elevation_deg < 90.0):
        raise InputError(f"must be within [0, 90) degrees, got {min_elevation_deg}",
                         field="min-elevation")
    if isinstance(spec, Station):
        station = spec
    elif isinstance(spec, Sequence) and not isinstance(spec, str):
        try:
            lat_deg, lon_deg = (float(value) for value in spec)
        except (TypeError, ValueError):
            raise InputError(f"expected (lat, lon) in degrees, got {spec!r}",
                             field=field) from None
        station = _lat_lon_point(lat_deg, lon_deg, field)
    else:
        text = str(spec).strip()
        match = _LAT_LON.match(text)
        if match:
            station = _lat_lon_point(float(match.group(1)), float(match.group(2)), field)
        else:
            station = _named_station(text, network, field)
    if min_elevation_deg is not None:
        station = replace(station, min_elevation_deg=float(min_elevation_deg))
    return station


def _lat_lon_point(lat_deg: float, lon_deg: float, field: str | None) -> Station:
    if not (math.isfinite(lat_deg) and -90.0 <= lat_deg <= 90.0):
        raise InputError(f"latitude must be within [-90, 90] degrees, got {lat_deg:g}",
                         field=field)
    if not (math.isfinite(lon_deg) and -180.0 <= lon_deg <= 360.0):
        raise InputError(f"longitude must be within [-180, 360] degrees, got {lon_deg:g}",
                         field=field)
    lon_deg = (lon_deg + 180.0) % 360.0 - 180.0 if lon_deg > 180.0 else lon_deg
    return Station(name=f"{lat_deg:g},{lon_deg:g}", lat_deg=lat_deg, lon_deg=lon_deg,
                   alt_m=0.0, min_elevation_deg=DEFAULT_MIN_ELEVATION_DEG)


def _named_station(name: str, network, field: str | None) -> Station:
    from orbitsim.resources import builtin_names

    if network is not None:
        candidates = [load_ground_network(network)]
    else:
        candidates = [load_ground_network(n) for n in builtin_names("ground")]
    for net in candidates:
        exact = [s for s in net if s.name == name]
        folded = [s for s in net if s.name.casefold() == name.casefold()]
        if exact or len(folded) == 1:
            return (exact or folded)[0]
    where = (f"ground network {candidates[0].name!r}" if network is not None
             else f"the built-in ground networks ({', '.join(n.name for n in candidates)})")
    raise InputError(f"{name!r} is neither lat,lon (degrees) nor a station of {where}",
                     field=field)


# --- shortest paths ---------------------------------------------------------------------------


class Router:
    """Delay-weighted shortest paths over a mesh (and ground links), step by step.

    Nodes: satellites ``0 .. n_sats - 1``; ground point ``g`` as a source,
    :meth:`source_node` ``= n_sats + g`` (links up to the satellites it sees), and as a sink,
    :meth:`sink_node` ``= n_sats + n_points + g`` (links down from them), so no path relays
    through a ground point. The weight of a link is its one-way light time plus
    ``hop_delay_s``. :meth:`shortest` runs ``scipy.sparse.csgraph.dijkstra`` from the sources
    not yet computed at that step only; graphs, distances and predecessors of the last
    ``cache_steps`` steps are kept.
    """

    def __init__(self, mesh: Mesh, ground: GroundLinks | None = None, *,
                 hop_delay_s: float = 0.0, cache_steps: int = 2) -> None:
        if ground is not None and ground.n_times != mesh.n_times:
            raise ValueError(f"the mesh has {mesh.n_times} steps, the ground links "
                             f"{ground.n_times}")
        if not (math.isfinite(hop_delay_s) and hop_delay_s >= 0.0):
            raise ValueError(f"hop_delay_s must be >= 0, got {hop_delay_s}")
        self.mesh = mesh
        self.ground = ground
        self.hop_delay_s = float(hop_delay_s)
        self.cache_steps = max(1, int(cache_steps))
        self.n_sats = mesh.n_sats
        self.n_points = 0 if ground is None else ground.n_points
        self.n_nodes = self.n_sats + 2 * self.n_points
        self._steps: OrderedDict[int, dict] = OrderedDict()

    def source_node(self, point):
        """Node of ground point(s) ``point`` as a source."""
        return self.n_sats + np.asarray(point)

    def sink_node(self, point):
        """Node of ground point(s) ``point`` as a sink."""
        return self.n_sats + self.n_points + np.asarray(point)

    def _cached(self, t: int) -> dict:
        entry = self._steps.get(t)
        if entry is None:
            entry = {"graph": self._build_graph(t), "rows": {}}
            self._steps[t] = entry
            while len(self._steps) > self.cache_steps:
                self._steps.popitem(last=False)
        else:
            self._steps.move_to_end(t)
        return entry

    def _build_graph(self, t: int):
        from scipy.sparse import csr_matrix

        a, b, range_km = self.mesh.edges(t)
        rows, cols, delay = [a, b], [b, a], [range_km / _C_KM_S] * 2
        if self.ground is not None:
            where = self.ground.step(t)
            sat, point = self.ground.sat[where], self.ground.point[where]
            up = self.ground.range_km[where] / _C_KM_S
            rows += [self.source_node(point), sat]
            cols += [sat, self.sink_node(point)]
            delay += [up, up]
        weight = np.concatenate(delay) + self.hop_delay_s
        return csr_matrix((weight, (np.concatenate(rows), np.concatenate(cols))),
                          shape=(self.n_nodes, self.n_nodes))

    def graph(self, t: int):
        """The directed graph of step ``t``, ``scipy.sparse.csr_matrix`` ``(n_nodes,
        n_nodes)`` of link delays, s."""
        return self._cached(t)["graph"]

    def shortest(self, t: int, sources) -> tuple[np.ndarray, np.ndarray]:
        """One-way delays, s, and predecessors from each node of ``sources`` at step ``t``:
        two ``(n_sources, n_nodes)`` arrays (``inf`` and ``-9999`` where unreachable)."""
        from scipy.sparse.csgraph import dijkstra

        sources = np.atleast_1d(np.asarray(sources, dtype=np.int64))
        if len(sources) and (sources.min() < 0 or sources.max() >= self.n_nodes):
            raise IndexError(f"source nodes must be within [0, {self.n_nodes - 1}]")
        entry = self._cached(t)
        rows = entry["rows"]
        missing = [s for s in dict.fromkeys(sources.tolist()) if s not in rows]
        if missing:
            dist, pred = dijkstra(entry["graph"], directed=True, indices=missing,
                                  return_predecessors=True)
            for k, s in enumerate(missing):
                rows[s] = (dist[k], pred[k])
        if not len(sources):
            return np.zeros((0, self.n_nodes)), np.zeros((0, self.n_nodes), dtype=np.int32)
        return (np.stack([rows[s][0] for s in sources.tolist()]),
                np.stack([rows[s][1] for s in sources.tolist()]))

    def delay_s(self, t: int, sources, targets) -> np.ndarray:
        """One-way delay of the shortest path from each source to each target node, s,
        ``(n_sources, n_targets)``; ``inf`` where there is none."""
        dist, _ = self.shortest(t, sources)
        return dist[:, np.atleast_1d(np.asarray(targets, dtype=np.int64))]

    def hops(self, t: int, sources, targets) -> np.ndarray:
        """Links on the shortest path from each source to each target node,
        ``(n_sources, n_targets)`` int; ``-1`` where there is no path (0 from a node to
        itself). Walks all predecessor chains at once."""
        sources = np.atleast_1d(np.asarray(sources, dtype=np.int64))
        targets = np.atleast_1d(np.asarray(targets, dtype=np.int64))
        dist, pred = self.shortest(t, sources)
        reached = np.isfinite(dist[:, targets])
        shape = reached.shape
        # Flat chains still being walked: their row, current node, source and cell.
        row = np.repeat(np.arange(len(sources)), len(targets))
        current = np.tile(targets, len(sources))
        origin = sources[row]
        cell = np.flatnonzero(reached.ravel() & (current != origin))
        row, current, origin = row[cell], current[cell], origin[cell]
        count = np.zeros(reached.size, dtype=np.int64)
        while len(cell):
            current = pred[row, current]
            count[cell] += 1
            going = current != origin
            row, current, origin, cell = row[going], current[going], origin[going], cell[going]
        return np.where(reached, count.reshape(shape), -1)

    def path(self, t: int, source: int, target: int) -> list[int]:
        """Nodes of the shortest path from ``source`` to ``target`` (both included) at step
        ``t``; ``[]`` when there is none."""
        dist, pred = self.shortest(t, [source])
        if not np.isfinite(dist[0, target]):
            return []
        nodes = [int(target)]
        while nodes[-1] != source:
            nodes.append(int(pred[0, nodes[-1]]))
        return nodes[::-1]


# --- routes between two ground points ---------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RouteSeries:
    """The result of :func:`route_series`: the per-step ``table`` (see :func:`routes`), the two
    endpoints as resolved, and the mesh and router the routes came from."""

    table: pd.DataFrame
    source: Station
    destination: Station
    mesh: Mesh
    router: Router

    def __repr__(self) -> str:
        exists = int(self.table["path_exists"].sum()) if "path_exists" in self.table else 0
        return (f"<RouteSeries {self.source.name} -> {self.destination.name}: "
                f"{len(self.table):,} steps, {exists:,} with a path>")


def routes(
    constellation: str | Constellation,
    source,
    destination,
    grid: TimeGrid,
    *,
    network: str | GroundNetwork | None = None,
    min_elevation_deg: float | None = None,
    seam_links: bool = True,
    cross_plane_max_lat_deg: float | None = None,
    inter_group_range_km: float | None = None,
    max_range_km: float | None = None,
    hop_delay_s: float = 0.0,
    workers: int = 1,
) -> pd.DataFrame:
    """The shortest route between two ground points over the laser mesh, at every step.

    ``source`` and ``destination`` as :func:`ground_point` takes them (a station name of
    ``network``, ``"lat,lon"``, ``(lat, lon)`` or a :class:`Station`). The mesh is
    :func:`~orbitsim.geometry.isl.laser_mesh` of the constellation's
    :func:`~orbitsim.geometry.isl.mesh_topology` (+Grid for Walker shells; options as there).
    Returns one row per step: ``time_utc`` (ISO 8601), ``rtt_ms`` (twice the one-way delay;
    NaN without a path), ``hops`` (links from ground to ground, up and down included; empty
    without a path), ``path`` (satellite names joined by ``" > "``; empty without a path),
    ``path_exists`` and ``time_s``.

    >>> import orbitsim
    >>> grid = orbitsim.time_grid("2026-06-21T00:00:00Z", hours=0.05, step_s=60)
    >>> table = orbitsim.routes("starlink-shell1", "51.5,-0.13", "40.7,-74.0", grid)
    >>> list(table.columns[:4]), bool(table.path_exists.all())
    (['time_utc', 'rtt_ms', 'hops', 'path'], True)
    """
    return route_series(constellation, source, destination, grid, network=network,
                        min_elevation_deg=min_elevation_deg, seam_links=seam_links,
                        cross_plane_max_lat_deg=cross_plane_max_lat_deg,
                        inter_group_range_km=inter_group_range_km, max_range_km=max_range_km,
                        hop_delay_s=hop_delay_s, workers=workers).table


def route_series(
    constellation: str | Constellation,
    source,
    destination,
    grid: TimeGrid,
    *,
    network: str | GroundNetwork | None = None,
    min_elevation_deg: float | None = None,
    seam_links: bool = True,
    cross_plane_max_lat_deg: float | None = None,
    inter_group_range_km: float | None = None,
    max_range_km: float | None = None,
    hop_delay_s: float = 0.0,
    workers: int = 1,
    progress: Callable[[str, float], None] | None = None,
) -> RouteSeries:
    """:func:`routes` with the resolved endpoints, the mesh and the router kept.

    ``progress(stage, fraction)`` follows the work: stage ``"mesh"`` (propagation, mesh and
    ground links), then ``"routes"`` (the shortest path of each step)."""
    from orbitsim.geometry.isl import mesh_topology
    from orbitsim.model.catalogue import load_constellation

    sats = (constellation if isinstance(constellation, Constellation)
            else load_constellation(constellation))
    a = ground_point(source, network, min_elevation_deg=min_elevation_deg, field="from")
    b = ground_point(destination, network, min_elevation_deg=min_elevation_deg, field="to")
    if (a.lat_deg, a.lon_deg, a.alt_m) == (b.lat_deg, b.lon_deg, b.alt_m):
        raise InputError(f"the source and the destination are the same point ({a.name})")
    if a.name == b.name:
        b = replace(b, name=f"{b.name} (destination)")
    endpoints = GroundNetwork("endpoints", (a, b))
    report = progress or (lambda stage, fraction: None)
    report("mesh", 0.0)
    geometry = propagate(sats, grid, workers=workers)
    try:
        topology = mesh_topology(sats, geometry.r_ecef_km, seam_links=seam_links)
        mesh = laser_mesh(geometry, topology, cross_plane_max_lat_deg=cross_plane_max_lat_deg,
                          inter_group_range_km=inter_group_range_km, max_range_km=max_range_km)
        router = Router(mesh, ground_links(geometry, endpoints), hop_delay_s=hop_delay_s,
                        cache_steps=1)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    start, end = int(router.source_node(0)), int(router.sink_node(1))
    names = np.asarray(sats.names, dtype=object)
    one_way = np.full(len(grid), np.nan)
    hops = np.zeros(len(grid), dtype=np.int64)
    paths = [""] * len(grid)
    report("mesh", 1.0)
    every = max(1, len(grid) // 200)
    for t in range(len(grid)):
        if t % every == 0:
            report("routes", t / len(grid))
        nodes = router.path(t, start, end)
        if nodes:
            one_way[t] = router.delay_s(t, start, end)[0, 0]
            hops[t] = len(nodes) - 1
            paths[t] = PATH_SEPARATOR.join(names[nodes[1:-1]])
    report("routes", 1.0)
    exists = np.isfinite(one_way)
    table = pd.DataFrame({
        "time_utc": grid.iso(grid.seconds),
        "rtt_ms": 2e3 * one_way,
        "hops": pd.Series(hops, dtype="Int64").mask(~exists),
        "path": paths,
        "path_exists": exists,
        "time_s": grid.seconds,
    }, columns=list(ROUTE_COLUMNS))
    return RouteSeries(table=table, source=a, destination=b, mesh=mesh, router=router)


def straight_line_rtt_ms(a: Station, b: Station) -> float:
    """Round-trip light time along the straight line between two ground points (through the
    Earth), ms: a lower bound of any route's RTT."""
    from orbitsim.kernels.geodetic import geodetic_to_ecef_km

    ra = geodetic_to_ecef_km(a.lat_deg, a.lon_deg, a.alt_m / 1000.0)
    rb = geodetic_to_ecef_km(b.lat_deg, b.lon_deg, b.alt_m / 1000.0)
    return 2e3 * float(np.linalg.norm(rb - ra)) / _C_KM_S
