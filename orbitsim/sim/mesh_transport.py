"""Transfers over the laser mesh (``isl = "mesh"``): ground station -> satellite in view ->
laser links -> node, and back, with light time, a switching delay at each hop, and every
link's capacity shared by the transfers that cross it.

The model:

- **Links per step.** The mesh of the run (:func:`orbitsim.sim.prepare.prepare_mesh`) holds the
  links up at each step ``[T_k, T_k + step)``. A link carries at most ``rate × step`` bytes in
  a step; the bytes booked on it are served in booking order, as if sent from the step's start
  (a fluid queue: with ``b`` bytes booked in step ``k`` it is busy until ``T_k + b / rate``).
- **A mesh leg** moves ``n`` bytes from satellite ``a`` to ``b`` from time ``t``: in the step
  of ``t``, over the delay-shortest path (light time plus ``hop_delay_s`` a hop; Dijkstra from
  ``a`` with ``scipy.sparse.csgraph`` through :class:`~orbitsim.geometry.routing.Router`, cached
  per step and source) among the links that have capacity left and whose two ends are alive
  and not cut off; the bytes flow along it from when its busiest link is free, at its slowest
  link's rate (cut-through), until the step ends. When a link of the path fills, the rest goes
  over the next shortest path with capacity (a split); what no path can carry in a step waits
  for the next (deferred). The leg ends when its last byte arrives (the end of its last piece
  plus that path's delay). A link-step whose end is cut off or failed at any time of the step
  is not used: no byte crosses a cut link.
- **Uploads** take the passes the contact plan gives (as ``isl = "grid"``) and land on each
  pass's satellite (plus the light time up). The data waits there until the job starts on a
  node; then it crosses the mesh to the node, whose accelerators are held for the job (shown
  as not free to other jobs, not counted as busy) until its last byte arrives and the work
  begins. A job requeued after a node failure is sent again from where its data landed; if a
  satellite holding its input fails before the input has left it, the job fails then (its
  input is lost).
- **Downloads** cross the mesh from the node to the satellite of the first pass the contact
  plan would give; that pass carries them from when the data is there if it still can (else
  that satellite's next passes do), plus the light time down.
- **Failures**: a failed or decayed satellite has no link and no pass from its failure on.
- **Relays**: satellites of a relay constellation (``relay_constellation``) are part of the
  mesh and their passes part of the contact plan; they compute nothing.

Every piece of a mesh leg is logged (:meth:`MeshTransport.frame`: the ``isl_transfers``
table, one row per leg, step and path) and every link-step's bytes are kept
(:meth:`MeshTransport.summary`).
"""

from __future__ import annotations

import heapq
import math
from array import array

import numpy as np
import pandas as pd

from orbitsim.geometry.routing import PATH_SEPARATOR, Router
from orbitsim.kernels.linkbudget import SPEED_OF_LIGHT_M_S
from orbitsim.sim.links import DIRECTIONS, ContactPlan
from orbitsim.sim.prepare import MeshInputs

_C_KM_S = SPEED_OF_LIGHT_M_S / 1000.0
UP, DOWN = 0, 1  # codes of DIRECTIONS
#: Meshes of at most this many satellites are routed from every satellite at once per step.
ALL_SOURCES_SATS = 128
_MISSING = object()
#: Columns of :meth:`MeshTransport.frame` (``isl_transfers.parquet``).
ISL_TRANSFER_COLUMNS = ("job_id", "direction", "source", "destination", "start_s", "end_s",
                        "arrival_s", "bytes", "hops", "path")


class _UsableRouter(Router):
    """A :class:`Router` over the links of each step that the transport can still use: links
    with capacity left whose two ends are alive and not cut off during the step. A step's
    graph and trees are dropped (:meth:`invalidate`) when one of its links fills."""

    def __init__(self, transport: MeshTransport) -> None:
        # Steps kept: legs deferred over many steps come back to them; a small mesh's steps
        # cost little to keep, a large one's trees more.
        small = transport.mesh.n_sats <= ALL_SOURCES_SATS
        super().__init__(transport.mesh, None, hop_delay_s=transport.hop_delay_s,
                         cache_steps=256 if small else 8)
        self.transport = transport

    def _build_graph(self, t: int):
        from scipy.sparse import csr_matrix

        transport, mesh = self.transport, self.mesh
        where = mesh.step(t)
        pairs = mesh.links[mesh.link[where]]
        usable = transport.usable_edges(t)
        a, b = pairs[usable, 0], pairs[usable, 1]
        weight = mesh.range_km[where][usable] / _C_KM_S + self.hop_delay_s
        # Both directions, in CSR order (rows, then columns) without a COO detour.
        rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
        order = np.lexsort((cols, rows))
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=self.n_nodes), out=indptr[1:])
        return csr_matrix((np.concatenate([weight, weight])[order],
                           cols[order].astype(np.int32), indptr),
                          shape=(self.n_nodes, self.n_nodes))

    def entry(self, t: int) -> dict:
        """The cache of step ``t``: its graph, its trees (``rows``), its paths (``paths``)."""
        entry = self._steps.get(t)
        if entry is None:
            entry = self._cached(t)
            entry["paths"] = {}
        return entry

    def tree(self, entry: dict, source: int) -> tuple[np.ndarray, np.ndarray]:
        """Delays and predecessors from ``source`` in a step's graph: Dijkstra once per step
        and source while the step's graph holds (from every satellite in one call for a mesh
        of at most :data:`ALL_SOURCES_SATS`, cheaper than one call per source there)."""
        rows = entry["rows"]
        row = rows.get(source)
        if row is None:
            from scipy.sparse.csgraph import dijkstra

            if self.n_nodes <= ALL_SOURCES_SATS:  # as lists: read one entry at a time
                dist, pred = dijkstra(entry["graph"], directed=True, return_predecessors=True)
                for s, row in enumerate(zip(dist.tolist(), pred.tolist())):
                    rows[s] = row
                return rows[source]
            dist, pred = dijkstra(entry["graph"], directed=True, indices=source,
                                  return_predecessors=True)
            row = rows[source] = (dist, pred)
        return row

    def invalidate(self, t: int) -> None:
        self._steps.pop(t, None)


class MeshTransport:
    """Mesh legs with per-link, per-step capacity (see the module's docstring).

    ``failure_s`` ``(n_nodes,)``: when each node fails for good (``inf``: never; its links go
    then); ``cuts``: items ``(node, start_s, end_s)``, a node's laser links down.
    """

    def __init__(self, inputs: MeshInputs, *, horizon_s: float, failure_s=None,
                 cuts=()) -> None:
        mesh = inputs.mesh
        self.inputs = inputs
        self.mesh = mesh
        self.hop_delay_s = float(inputs.hop_delay_s)
        self.horizon_s = float(horizon_s)
        self.n_sats = mesh.n_sats
        self.seconds = np.asarray(mesh.seconds, dtype=float)
        self.t0_s = float(self.seconds[0]) if len(self.seconds) else 0.0
        self.step_s = (float(self.seconds[1] - self.seconds[0]) if len(self.seconds) > 1
                       else max(self.horizon_s, 1.0))
        self.n_steps = len(self.seconds)
        self.offsets = mesh.offsets.tolist()
        rate = mesh.rate_bps / 8.0  # bytes/s of every link-step
        self.flat_rate = (float(rate[0]) if len(rate) and np.all(rate == rate[0])
                          else None)
        self.rate = array("d", rate.tobytes())
        self.capacity = array("d", (rate * self.step_s).tobytes())
        self.booked = array("d", bytes(8 * len(rate)))
        self._full_bytes = 1e-9 * (float(rate.max()) * self.step_s if len(rate) else 1.0) + 1e-6
        # Satellite pair (lower index first) -> link.
        self._link_of = {pair: i for i, pair in enumerate(map(tuple, mesh.links.tolist()))}
        self.fail_s = np.full(self.n_sats, np.inf)
        if failure_s is not None:
            self.fail_s[:len(failure_s)] = np.asarray(failure_s, dtype=float)
        self._fail = self.fail_s.tolist()  # the same, for scalar reads
        self.cuts: dict[int, list[tuple[float, float]]] = {}
        for sat, start_s, end_s in cuts:
            self.cuts.setdefault(int(sat), []).append((float(start_s), float(end_s)))
        self.router = _UsableRouter(self)
        self.station_ecef_km = np.asarray(inputs.station_ecef_km, dtype=float)
        self._stations = self.station_ecef_km.tolist()
        # Positions as one flat float64 array, for scalar reads (sat, step, axis).
        self._positions = array("d", np.ascontiguousarray(inputs.positions_km,
                                                          dtype=np.float64).tobytes())
        # Where each job's input landed: [(satellite, bytes)].
        self.landed: dict[int, list[tuple[int, float]]] = {}
        # Pieces of mesh legs: (job, direction, source, destination, start, end, arrival,
        # bytes, path id), the path's satellites in ``path_nodes[path id]``.
        self.pieces: list[tuple] = []
        self.path_nodes: list[tuple[int, ...]] = []
        self._path_ids: dict[tuple[int, ...], int] = {}
        self.legs = 0
        self.deferred_legs = 0
        self.split_legs = 0
        # Seconds each job's data spent crossing the mesh (up to its node, down to its pass).
        self.job_mesh_s: dict[int, float] = {}
        self._delivered: set[int] = set()  # staged jobs whose input has reached their nodes
        # Staged jobs whose input no path can bring to their nodes before the horizon: they
        # hold those nodes' accelerators to the end of the run (``isl_jobs_stranded``).
        self.stranded: set[int] = set()

    # --- links ----------------------------------------------------------------------------

    def step_of(self, t_s: float) -> int:
        return int(math.floor((t_s - self.t0_s) / self.step_s + 1e-12))

    def down_at_step(self, k: int) -> np.ndarray:
        """``(n_sats,)`` bool: satellites failed or cut off at some time of step ``k``."""
        begin = self.t0_s + k * self.step_s
        end = begin + self.step_s
        down = self.fail_s < end
        for sat, windows in self.cuts.items():
            if any(start < end and stop > begin for start, stop in windows):
                down[sat] = True
        return down

    def usable_edges(self, k: int) -> np.ndarray:
        """``(n_edges of step k,)`` bool: the step's links with capacity left and both ends
        up."""
        where = self.mesh.step(k)
        booked = np.frombuffer(self.booked, dtype=float)[where]
        capacity = np.frombuffer(self.capacity, dtype=float)[where]
        pairs = self.mesh.links[self.mesh.link[where]]
        down = self.down_at_step(k)
        return ((capacity - booked > self._full_bytes) & ~down[pairs[:, 0]]
                & ~down[pairs[:, 1]])

    def _edges_of(self, k: int, entry: dict, nodes: list[int]) -> tuple[int, ...]:
        """The link-steps (indices into the mesh's edges) of a path of satellites at step
        ``k``."""
        edge_of = entry.get("edge_of")
        if edge_of is None:
            lo, hi = self.offsets[k], self.offsets[k + 1]
            edge_of = entry["edge_of"] = dict(zip(self.mesh.link[lo:hi].tolist(),
                                                  range(lo, hi)))
        link_of = self._link_of
        return tuple(edge_of[link_of[(a, b) if a < b else (b, a)]]
                     for a, b in zip(nodes[:-1], nodes[1:]))

    def _path(self, k: int, source: int, target: int):
        """``(edges, delay_s, path id)`` of the shortest usable path at step ``k`` (the path's
        satellites are ``self.path_nodes[path id]``), or ``None``."""
        entry = self.router.entry(k)
        paths = entry["paths"]
        key = source * self.n_sats + target
        found = paths.get(key, _MISSING)
        if found is not _MISSING:
            return found
        dist, pred = self.router.tree(entry, source)
        delay = float(dist[target])
        if not math.isfinite(delay):
            paths[key] = None
            return None
        nodes = [target]
        while nodes[-1] != source:
            nodes.append(int(pred[nodes[-1]]))
        nodes.reverse()
        nodes = tuple(nodes)
        path_id = self._path_ids.get(nodes)
        if path_id is None:
            path_id = self._path_ids[nodes] = len(self.path_nodes)
            self.path_nodes.append(nodes)
        found = paths[key] = (self._edges_of(k, entry, nodes), delay, path_id)
        return found

    # --- legs -----------------------------------------------------------------------------

    def send(self, job_id: int, direction: int, source: int, target: int, n_bytes: float,
             t_s: float) -> float:
        """Move ``n_bytes`` from satellite ``source`` to ``target`` over the mesh from ``t_s``
        on; the time its last byte arrives (``inf`` when it cannot before the horizon).
        Books the bytes on every link-step it crosses and logs each piece."""
        if source == target or n_bytes <= 0.0:
            return t_s
        self.legs += 1
        remaining = float(n_bytes)
        t = t_s
        arrival = t_s
        booked, capacity, rate_of = self.booked, self.capacity, self.rate
        flat = self.flat_rate
        full = self._full_bytes
        deferred = split = False
        step_s, t0_s = self.step_s, self.t0_s
        k = int((t - t0_s) / step_s + 1e-12)
        k = k if k > 0 else 0
        gone = min(self._fail[source], self._fail[target], self.horizon_s)  # no link then
        n_steps = self.n_steps
        path_of = self._path
        while remaining > 0.0:
            step_begin = t0_s + k * step_s
            if k >= n_steps or step_begin >= gone:
                arrival = math.inf
                break
            step_end = step_begin + step_s
            found = path_of(k, source, target)
            if found is None:  # no path with capacity now: wait for the next step
                deferred = True
                k += 1
                t = step_end
                continue
            edges, delay, path_id = found
            if flat is not None:
                load = max([booked[e] for e in edges])
                rate = flat
                busy = step_begin + load / rate
                room = capacity[edges[0]] - load
            else:
                rate = min(rate_of[e] for e in edges)
                busy = step_begin + max(booked[e] / rate_of[e] for e in edges)
                room = min(capacity[e] - booked[e] for e in edges)
            begin = t if t > busy else busy
            can = min(room, rate * (step_end - begin))
            take = remaining if remaining < can else can
            if take <= 0.0:  # the path's links are busy to the end of the step
                k += 1
                t = step_end
                continue
            filled = False
            for e in edges:
                booked[e] += take
                if capacity[e] - booked[e] <= full:
                    filled = True
            finish = begin + take / rate
            if finish + delay > arrival:
                arrival = finish + delay
            self.pieces.append((job_id, direction, source, target, begin, finish,
                                finish + delay, take, path_id))
            remaining -= take
            if filled:
                self.router.invalidate(k)  # the next path avoids the full links
                if remaining > 0.0:
                    split = True
            elif remaining > 0.0:
                k += 1
                t = step_end
        self.deferred_legs += deferred
        self.split_legs += split
        return arrival

    def land(self, job_id: int, satellite: int, n_bytes: float) -> None:
        """A job's input is on ``satellite`` (a pass put it there, or it was born there)."""
        self.landed.setdefault(job_id, []).append((int(satellite), float(n_bytes)))

    def deliver(self, job_id: int, nodes: list[int], sizes: list[int],
                t_s: float) -> tuple[float, float] | None:
        """Send job ``job_id``'s input from where it landed to its node(s) (a gang member gets
        the share of its accelerators). ``(ready, lost_s)``: when the last byte arrives
        (``inf``: not before the horizon) and when a satellite holding part of it fails
        before that part has left (``inf``: never); ``None`` if one has failed already."""
        pieces = self.landed.get(job_id)
        if not pieces:
            return t_s, math.inf
        if self.lost_on(job_id, t_s) >= 0:
            return None
        total = float(sum(sizes))
        ready, lost_s = t_s, math.inf
        for satellite, n_bytes in pieces:
            for node, size in zip(nodes, sizes):
                if node != satellite:
                    arrival = self.send(job_id, UP, satellite, node, n_bytes * size / total, t_s)
                    ready = max(ready, arrival)
                    if self._fail[satellite] < arrival:
                        lost_s = min(lost_s, self._fail[satellite])
        return ready, lost_s

    def lost_on(self, job_id: int, t_s: float) -> int:
        """A satellite holding job ``job_id``'s input that has failed by ``t_s`` (-1: none)."""
        for satellite, _ in self.landed.get(job_id, ()):
            if self._fail[satellite] <= t_s:
                return satellite
        return -1

    # --- the engine's side: a job's input crossing the mesh to its node(s) -----------------

    def stage(self, sim, j: int, nodes: list, sizes: list[int]) -> bool:
        """Called as job ``j`` starts on ``nodes`` (:class:`~orbitsim.sim.nodes.NodeAgent`):
        send its input over the mesh. ``False``: the input is there, the job starts now.
        ``True``: the job is held (its accelerators reserved, shown as not free) until the
        last byte arrives, then started; or requeued if a node fails first; or failed if its
        input is lost with the satellite holding it."""
        if j in self._delivered:
            self._delivered.discard(j)
            return False
        now = sim.env.now
        delivered = self.deliver(j, [node.index for node in nodes], sizes, now)
        if delivered is None:
            self._lose(sim, j, now)
            return True
        ready, lost_s = delivered
        if ready <= now:
            return False
        if math.isfinite(ready):
            self.job_mesh_s[j] = self.job_mesh_s.get(j, 0.0) + (ready - now)
        else:
            self.stranded.add(j)
        if sim._bound[j]:
            sim._unbind(j)
        for node, size in zip(nodes, sizes):
            sim._reserved[node.index] = sim._reserved.get(node.index, 0) + size
            sim._set_free(node)
        sim.node[j] = nodes[0].index
        sim.stage[j] = "upload"  # its data is still on its way
        wake = min([ready, lost_s] + [self._fail[node.index] for node in nodes])
        if wake < self.horizon_s:
            event = sim.env.timeout(max(wake - now, 0.0))
            event.callbacks.append(lambda _e: self._arrived(sim, j, nodes, sizes, ready, lost_s))
        return True

    def _lose(self, sim, j: int, t_s: float) -> None:
        lost = self.lost_on(j, t_s)
        sim._fail(j, f"its input was lost with satellite {self.inputs.names[lost]}, which "
                     "failed")

    def _arrived(self, sim, j: int, nodes: list, sizes: list[int], ready: float,
                 lost_s: float) -> None:
        now = sim.env.now
        self.stranded.discard(j)  # woken before the horizon: requeued, failed or started
        failing = [node for node in nodes if self._fail[node.index] <= now]
        if any(node.alive for node in failing):  # the fault driver has not marked it yet
            sim.env.timeout(0.0).callbacks.append(
                lambda _e: self._arrived(sim, j, nodes, sizes, ready, lost_s))
            return
        for node, size in zip(nodes, sizes):
            sim._reserved[node.index] -= size
            sim._set_free(node)
        usable = all(node.alive and node.free >= size and not sim.cut_off[node.index]
                     for node, size in zip(nodes, sizes))
        if now >= ready and usable:
            self._delivered.add(j)
            sim._start(j, nodes, sizes)
            return
        if now < ready and now >= lost_s:
            self._lose(sim, j, now)
        else:
            sim.stage[j] = "queue"
            sim._requeue(j)
        sim._dispatch(nodes[0].group)

    def forget(self, job_id: int) -> None:
        """Job ``job_id`` is done with its input."""
        self.landed.pop(job_id, None)

    # --- ground links ---------------------------------------------------------------------

    def light_s(self, satellite: int, station: int, t_s: float) -> float:
        """One-way light time between a satellite and a station at ``t_s``, s (positions
        interpolated linearly between steps; 0 where the satellite's orbit failed)."""
        x = (t_s - self.t0_s) / self.step_s
        last = self.n_steps - 2
        if x <= 0.0 or last < 0:
            i, f = 0, 0.0
        elif x >= last + 1:
            i, f = last, 1.0
        else:
            i = int(x)
            f = x - i
        p = self._positions
        a = 3 * (satellite * self.n_steps + i)
        b = a + 3 if last >= 0 else a
        g = self._stations[station]
        dx = p[a] + f * (p[b] - p[a]) - g[0]
        dy = p[a + 1] + f * (p[b + 1] - p[a + 1]) - g[1]
        dz = p[a + 2] + f * (p[b + 2] - p[a + 2]) - g[2]
        d = math.sqrt(dx * dx + dy * dy + dz * dz)
        return d / _C_KM_S if math.isfinite(d) else 0.0

    # --- results --------------------------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        """``isl_transfers``: one row per piece of a mesh leg (a leg, a step and a path):
        :data:`ISL_TRANSFER_COLUMNS`; ``source``, ``destination`` and ``path`` by satellite
        name, ``hops`` the links crossed, times in s since the start."""
        names = list(self.inputs.names)
        rows = (np.array(self.pieces, dtype=float) if self.pieces
                else np.zeros((0, 9)))
        path_id = rows[:, 8].astype(np.int64)
        texts = [PATH_SEPARATOR.join(names[s] for s in nodes) for nodes in self.path_nodes]
        hops = np.array([len(nodes) - 1 for nodes in self.path_nodes], dtype=np.int64)
        satellites = pd.Index(names).unique()

        def by_name(column: int) -> pd.Categorical:
            return pd.Categorical(np.asarray(names, dtype=object)[
                rows[:, column].astype(np.int64)], categories=satellites)

        return pd.DataFrame({
            "job_id": rows[:, 0].astype(np.int64),
            "direction": pd.Categorical.from_codes(rows[:, 1].astype(np.int64),
                                                   categories=list(DIRECTIONS)),
            "source": by_name(2),
            "destination": by_name(3),
            "start_s": rows[:, 4].copy(),
            "end_s": rows[:, 5].copy(),
            "arrival_s": rows[:, 6].copy(),
            "bytes": rows[:, 7].copy(),
            "hops": hops[path_id] if len(hops) else np.zeros(0, dtype=np.int64),
            "path": pd.Categorical.from_codes(path_id, categories=pd.Index(texts).unique())
            if len(set(texts)) == len(texts) else pd.Categorical(
                np.asarray(texts, dtype=object)[path_id]),
        }, columns=list(ISL_TRANSFER_COLUMNS))

    def link_frame(self) -> pd.DataFrame:
        """Per laser link over the run: ``sat_a, sat_b, name_a, name_b, kind, bytes, up_s``
        (time up), ``utilisation`` (bytes over what it could carry while up) and
        ``peak_step_utilisation`` (its fullest step)."""
        from orbitsim.geometry.isl import LINK_KINDS

        mesh = self.mesh
        booked = np.frombuffer(self.booked, dtype=float)
        capacity = np.frombuffer(self.capacity, dtype=float)
        n = mesh.n_links
        carried = np.bincount(mesh.link, weights=booked, minlength=n)
        could = np.bincount(mesh.link, weights=capacity, minlength=n)
        up_s = np.bincount(mesh.link, minlength=n) * self.step_s
        step_use = np.divide(booked, capacity, out=np.zeros_like(booked), where=capacity > 0)
        peak = np.zeros(n)
        np.maximum.at(peak, mesh.link, step_use)
        names = np.asarray(self.inputs.names, dtype=object)
        return pd.DataFrame({
            "sat_a": mesh.links[:, 0], "sat_b": mesh.links[:, 1],
            "name_a": names[mesh.links[:, 0]], "name_b": names[mesh.links[:, 1]],
            "kind": pd.Categorical.from_codes(mesh.kind, LINK_KINDS),
            "bytes": carried, "up_s": up_s,
            "utilisation": np.divide(carried, could, out=np.zeros(n), where=could > 0),
            "peak_step_utilisation": peak,
        })

    def job_seconds(self, n_jobs: int) -> np.ndarray:
        """``(n_jobs,)`` seconds each job's data spent crossing the mesh (up to its node and
        down to its pass, waiting for capacity included)."""
        out = np.zeros(n_jobs)
        if self.job_mesh_s:
            index = np.fromiter(self.job_mesh_s.keys(), dtype=np.int64)
            out[index] = np.fromiter(self.job_mesh_s.values(), dtype=float)
        return out

    def summary(self, isl_transfers: pd.DataFrame | None = None,
                links: pd.DataFrame | None = None,
                transfers: pd.DataFrame | None = None) -> dict:
        """The mesh's figures for ``summary.json``: bytes that crossed the mesh (``isl_bytes``,
        each leg once; ``isl_link_bytes`` summed over the links crossed), legs deferred for
        want of a path with capacity or split over several paths, the busiest link (most
        bytes) and its utilisation over its time up, the fullest link-step; with relays, the
        bytes their passes carried (``transfers``: the ground transfer log)."""
        frame = self.frame() if isl_transfers is None else isl_transfers
        links = self.link_frame() if links is None else links
        out = {
            "isl_mode": "mesh",
            "isl_rate_bps": float(self.inputs.rate_bps),
            "isl_hop_delay_s": self.hop_delay_s,
            "isl_links": int(self.mesh.n_links),
            "isl_legs": int(self.legs),
            "isl_legs_deferred": int(self.deferred_legs),
            "isl_legs_split": int(self.split_legs),
            "isl_jobs_stranded": len(self.stranded),
            "isl_links_never_up": int((links["up_s"] <= 0).sum()) if len(links) else 0,
            "isl_bytes": float(frame["bytes"].sum()),
            "isl_link_bytes": float((frame["bytes"] * frame["hops"]).sum()),
            "isl_hops_mean": (float(np.average(frame["hops"], weights=frame["bytes"]))
                              if len(frame) and frame["bytes"].sum() > 0 else None),
            "isl_busiest_link": None,
            "isl_busiest_link_utilisation": 0.0,
            "isl_peak_step_utilisation": float(links["peak_step_utilisation"].max())
            if len(links) else 0.0,
        }
        if len(links) and links["bytes"].max() > 0:
            top = links.loc[links["bytes"].idxmax()]
            out["isl_busiest_link"] = {
                "link": f"{top['name_a']}{PATH_SEPARATOR}{top['name_b']}",
                "kind": str(top["kind"]), "bytes": float(top["bytes"]),
                "utilisation": float(top["utilisation"]),
                "peak_step_utilisation": float(top["peak_step_utilisation"]),
            }
            out["isl_busiest_link_utilisation"] = float(top["utilisation"])
        if self.inputs.n_relays:
            out["relay_constellation"] = self.inputs.relay_name
            out["relay_satellites"] = int(self.inputs.n_relays)
            out["relay_range_km"] = self.inputs.relay_range_km
            relayed = (transfers["sat_index"].to_numpy() >= self.inputs.n_nodes
                       if transfers is not None and len(transfers) else np.zeros(0, dtype=bool))
            out["relay_ground_bytes"] = (float(transfers["bytes"].to_numpy()[relayed].sum())
                                         if relayed.any() else 0.0)
        return out


class MeshContactPlan(ContactPlan):
    """The contact plan of a mesh run: passes as :class:`ContactPlan` books them (of the nodes
    and the relays), with the mesh legs of :class:`MeshTransport` before downloads and the
    light time of the ground link added; no fixed relay latency."""

    def __init__(self, contacts: pd.DataFrame, group_of_sat: np.ndarray,
                 transport: MeshTransport) -> None:
        super().__init__(contacts, group_of_sat, relay_latency_s=0.0)
        self.transport = transport
        self._call: tuple = (0.0, math.inf, None, 0.0)
        self._proposed: tuple[int, float] | None = None

    def transfer(self, job_id: int, direction: str, group: int, target_sat: int,
                 n_bytes: float, t_s: float, horizon_s: float,
                 allowed_station: np.ndarray | None, *, to_group: bool = False) -> float | None:
        self._call = (t_s, horizon_s, allowed_station, n_bytes)
        self._proposed = None
        arrival = super().transfer(job_id, direction, group, target_sat, n_bytes, t_s,
                                   horizon_s, allowed_station, to_group=to_group)
        if self._proposed is not None and not (self._cuts and group in self._cut_groups
                                               and t_s < self._cuts_end_s):
            # The one pass the plan proposed was not booked as proposed, and the plan keeps
            # a pass it filled to its end out of its heap: put it back while it has room.
            k, finish = self._proposed
            entry = self._groups[group]
            if finish >= entry.end[k] and entry.busy[k] < entry.end[k]:
                heapq.heappush(self._lane(group, allowed_station).heap,
                               (max(entry.start[k], entry.busy[k]), k))
        return arrival

    def _book(self, entry, pieces: list, job_id: int, direction: str, target_sat: int,
              t_s: float) -> float:
        transport = self.transport
        if direction == "up":
            arrival = -math.inf
            for k, _begin, finish, take in pieces:
                transport.land(job_id, entry.sat[k], take)
                arrival = max(arrival, finish + transport.light_s(entry.sat[k],
                                                                  entry.station[k], finish))
            super()._book(entry, pieces, job_id, direction, target_sat, t_s)
            return arrival
        call_s, horizon_s, allowed, n_bytes = self._call
        transport.forget(job_id)
        exit_sat = entry.sat[pieces[0][0]]
        if exit_sat != target_sat:
            ready = transport.send(job_id, DOWN, target_sat, exit_sat, n_bytes, call_s)
            k, begin, finish, take = pieces[0]
            if len(pieces) == 1:
                self._proposed = (k, finish)
            if not math.isfinite(ready):
                return math.inf  # nothing goes down before the horizon
            transport.job_mesh_s[job_id] = transport.job_mesh_s.get(job_id, 0.0) + max(
                ready - call_s, 0.0)
            if len(pieces) > 1 or ready > begin:
                late = ready - begin
                if len(pieces) == 1 and finish + late <= min(entry.end[k], horizon_s):
                    pieces = [(k, begin + late, finish + late, take)]
                    self._proposed = None
                else:  # down through the exit satellite's passes from when the data is there
                    pieces = self._scan(entry, n_bytes, ready, horizon_s, allowed,
                                        lambda sat, b, s: (b, s) if sat == exit_sat else (s, s))
                    if pieces is None:
                        return math.inf
        last = max(pieces, key=lambda piece: piece[2])
        super()._book(entry, pieces, job_id, direction, target_sat, t_s)
        return last[2] + transport.light_s(entry.sat[last[0]], entry.station[last[0]], last[2])


def passes_until_failure(contacts: pd.DataFrame, failure_s: np.ndarray) -> pd.DataFrame:
    """Contact rows without what follows each satellite's failure (``failure_s`` per
    ``sat_index``; ``inf``: none): a pass that straddles it keeps its part before, with the
    pass's mean rate. In a mesh run a failed satellite carries nothing for anyone."""
    fail = np.asarray(failure_s, dtype=float)[contacts["sat_index"].to_numpy()]
    start = contacts["start_s"].to_numpy(dtype=float)
    end = contacts["end_s"].to_numpy(dtype=float)
    if not np.any(fail < end):
        return contacts
    keep = fail > start
    frame = contacts[keep].copy()
    cut_end = np.minimum(end[keep], fail[keep])
    span = end[keep] - start[keep]
    fraction = np.divide(cut_end - start[keep], span, out=np.ones_like(span), where=span > 0)
    frame["end_s"] = cut_end
    if "duration_s" in frame:
        frame["duration_s"] = cut_end - start[keep]
    frame["bytes_capacity"] = frame["bytes_capacity"].to_numpy(dtype=float) * fraction
    return frame.reset_index(drop=True)


def mesh_plan(inputs, isl_cuts=(), horizon_s: float | None = None
              ) -> tuple[MeshTransport, MeshContactPlan]:
    """The transport and contact plan of a mesh run (``inputs``: a
    :class:`~orbitsim.sim.prepare.SimInputs` with ``mesh``): the nodes' and relays' passes
    (relays in the group of the nodes they serve, a failed satellite's passes cut at its
    failure), ``isl_cuts`` (items with ``node, start_s, end_s``) and the nodes' permanent
    failures removing their links."""
    mesh = inputs.mesh
    horizon_s = inputs.grid.duration_s if horizon_s is None else horizon_s
    failure_s = (inputs.faults.failure_s if inputs.faults is not None
                 else np.full(inputs.n_nodes, np.inf))
    transport = MeshTransport(mesh, horizon_s=horizon_s, failure_s=failure_s,
                              cuts=[(c.node, c.start_s, c.end_s) for c in isl_cuts])
    contacts = inputs.contacts
    group_of_sat = np.asarray(inputs.group_of_node, dtype=np.int64)
    if mesh.relay_contacts is not None and mesh.n_relays:
        relay = mesh.relay_contacts
        columns = ["sat_index", "station_index", "start_s", "end_s", "bytes_capacity"]
        contacts = pd.concat([contacts[columns], relay[columns]], ignore_index=True)
        order = np.lexsort((contacts["station_index"].to_numpy(),
                            contacts["sat_index"].to_numpy(), contacts["start_s"].to_numpy()))
        contacts = contacts.iloc[order].reset_index(drop=True)
        group_of_sat = np.concatenate([group_of_sat, np.zeros(mesh.n_relays, dtype=np.int64)])
    contacts = passes_until_failure(contacts, transport.fail_s)
    return transport, MeshContactPlan(contacts, group_of_sat, transport)
