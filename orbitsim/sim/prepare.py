"""Everything a run needs before the first event: node physics, contact plan, ISL groups,
fault times and, with ``isl = "mesh"``, the laser mesh over the run (with the relay
constellation's passes and links when a scenario names one). Computed vectorised from the
geometry, chunk by chunk, once per run."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orbitsim.constants import LASER_ISL_RATE_BPS
from orbitsim.geometry.contacts import StationTable, chunk_passes, combine_compact, compact_passes
from orbitsim.geometry.isl import Mesh
from orbitsim.geometry.propagate import GeometryChunk, failures_frame, map_chunks
from orbitsim.model.constellation import Constellation
from orbitsim.model.fleet import Fleet
from orbitsim.model.ground import GroundNetwork
from orbitsim.model.hardware import NodeHardware
from orbitsim.model.timegrid import TimeGrid
from orbitsim.physics.node import NodePhysics, nodes_from_geometry
from orbitsim.physics.radiation import NodeFaults, node_faults

ISL_MODES = ("grid", "none", "mesh")
#: Random streams of a scenario seed: jobs use spawn key 0, faults spawn key (1, chunk start),
#: accelerator attrition spawn key (3, chunk start) (the engine's own draws use key 2).
FAULT_STREAM = 1
ATTRITION_STREAM = 3


@dataclass(eq=False)
class SimInputs:
    """Precomputed inputs of a simulation (plain data; see :func:`prepare_inputs`)."""

    constellation: Constellation
    grid: TimeGrid
    hardware: NodeHardware
    network: GroundNetwork
    nodes: list[NodePhysics] | None  # None: physics off (nodes always at full power)
    #: One row per pass, sorted by start, satellite and station, with the compact columns
    #: ``satellite, sat_index, station, station_index, start_s, end_s, bytes_capacity``
    #: (:data:`orbitsim.geometry.contacts.COMPACT_COLUMNS`; ``orbitsim.contact_windows`` gives
    #: every column).
    contacts: pd.DataFrame
    group_of_node: np.ndarray  # (n_nodes,) ISL group
    faults: NodeFaults | None
    operator: str = "operator"
    #: Satellites whose propagation failed (:data:`~orbitsim.geometry.propagate.ERROR_COLUMNS`)
    #: and each node's decay time, s (inf: none): its node fails then.
    orbit_errors: pd.DataFrame | None = None
    decay_s: np.ndarray | None = None
    #: ``isl = "mesh"``: the laser mesh and what routing over it needs (None otherwise).
    mesh: MeshInputs | None = None
    #: A mixed fleet (:class:`~orbitsim.model.fleet.Fleet`; ``hardware`` is its group 0), or
    #: None: every node is ``hardware``.
    fleet: Fleet | None = None
    #: Geofence regions by name: per node, the ``(k, 2)`` intervals (s) during which its
    #: sub-satellite point is inside (:func:`orbitsim.geometry.regions.region_intervals`).
    region_intervals: dict[str, list[np.ndarray]] | None = None
    #: The monitoring telemetry's downlink, reserved on the monitored nodes' passes before any
    #: transfer (:func:`orbitsim.sim.monitoring.reserve_monitoring`): transfer-log pieces.
    monitoring: pd.DataFrame | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.constellation)

    def node_hardware(self, node: int) -> NodeHardware:
        """The hardware of node ``node``."""
        return self.hardware if self.fleet is None else \
            self.fleet.hardware[int(self.fleet.index[node])]


@dataclass(eq=False)
class MeshInputs:
    """The laser mesh of a run (``isl = "mesh"``), computed once before the simulation.

    Satellites ``0 .. n_nodes - 1`` are the nodes, ``n_nodes ..`` the relay constellation's
    (if any). ``mesh`` holds the links up at each step of the run's grid
    (:func:`orbitsim.geometry.isl.laser_mesh`: +Grid of every Walker or sun-synchronous shell,
    nearest neighbours for other shells, links between the node and relay constellations
    within ``relay_range_km``); ``positions_km`` ``(n_sats, n_times, 3)`` (float32, ECEF,
    NaN after an orbit failure) give the light time of ground links; ``relay_contacts`` the
    relays' passes (:data:`~orbitsim.geometry.contacts.COMPACT_COLUMNS`, ``sat_index`` counted
    from ``n_nodes``); ``names`` every satellite's name.
    """

    mesh: Mesh
    positions_km: np.ndarray
    station_ecef_km: np.ndarray
    names: list[str]
    n_nodes: int
    rate_bps: float
    hop_delay_s: float
    relay_name: str | None = None
    relay_contacts: pd.DataFrame | None = None
    relay_range_km: float | None = None

    @property
    def n_sats(self) -> int:
        return len(self.names)

    @property
    def n_relays(self) -> int:
        return self.n_sats - self.n_nodes


def isl_groups(constellation: Constellation, mode: str) -> np.ndarray:
    """ISL group of each satellite: ``grid`` puts all the satellites of a shell in one group
    (the whole constellation when its shells do not account for every satellite); ``none``
    leaves every satellite alone; ``mesh`` groups as ``grid`` (a relay constellation joins
    every shell into one group: :func:`prepare_inputs`). With ``grid`` the simulation treats a
    group as fully connected: a member relays through any other member at once, with no link
    delay or capacity limit. With ``mesh`` data crosses the group over the laser mesh of
    :func:`prepare_mesh`, hop by hop, with light time and shared link capacity
    (:mod:`orbitsim.sim.mesh_transport`).
    """
    n = len(constellation)
    if mode == "none":
        return np.arange(n, dtype=np.int64)
    if mode not in ("grid", "mesh"):
        raise ValueError(f"isl must be one of {ISL_MODES}, got {mode!r}")
    groups = np.zeros(n, dtype=np.int64)
    if constellation.shells and sum(s.count for s in constellation.shells) == n:
        counts = [s.count for s in constellation.shells]
        groups = np.repeat(np.arange(len(counts)), counts)
    return groups


def apply_station_outages(contacts: pd.DataFrame, station_names: list[str],
                          outages) -> pd.DataFrame:
    """Contact rows with each outage's window cut out of its station's passes.

    ``outages``: items with ``station`` (name), ``start_s``, ``end_s``. A pass that straddles a
    window keeps its pieces before and after it, each with the pass's mean rate
    (``bytes_capacity`` scaled by the kept fraction of its duration). Raises ``InputError``
    for an unknown station name.
    """
    from orbitsim.errors import InputError

    if not outages:
        return contacts
    frame = contacts
    for outage in outages:
        if outage.station not in station_names:
            raise InputError(f"no station named {outage.station!r} in the ground network "
                             f"(stations: {', '.join(station_names)})", field="station_outages")
        hit = ((frame["station"] == outage.station) & (frame["start_s"] < outage.end_s)
               & (frame["end_s"] > outage.start_s)).to_numpy()
        if not hit.any():
            continue
        rows = frame[hit]
        pieces = [frame[~hit]]
        for lo, hi in ((rows["start_s"], np.minimum(rows["end_s"], outage.start_s)),
                       (np.maximum(rows["start_s"], outage.end_s), rows["end_s"])):
            keep = (hi - lo).to_numpy() > 0
            if not keep.any():
                continue
            piece = rows[keep].copy()
            kept_s = (hi - lo).to_numpy()[keep]
            full_s = (piece["end_s"] - piece["start_s"]).to_numpy(dtype=float)
            fraction = np.divide(kept_s, full_s, out=np.zeros_like(kept_s), where=full_s > 0)
            piece["start_s"] = lo.to_numpy()[keep]
            piece["end_s"] = hi.to_numpy()[keep]
            if "duration_s" in piece:
                piece["duration_s"] = kept_s
            piece["bytes_capacity"] = piece["bytes_capacity"].to_numpy(dtype=float) * fraction
            pieces.append(piece)
        frame = pd.concat(pieces, ignore_index=True)
    order = np.lexsort((frame["station_index"].to_numpy(), frame["sat_index"].to_numpy(),
                        frame["start_s"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def inject_node_failures(faults: NodeFaults | None, n_nodes: int, failures,
                         recovery_s: float) -> NodeFaults | None:
    """Fault times with each injected failure (items with ``node``, ``at_s``) as a permanent
    failure at ``min(drawn, at_s)``. Raises ``InputError`` for a node index out of range."""
    from orbitsim.errors import InputError

    if not failures:
        return faults
    if faults is None:
        faults = NodeFaults([np.empty(0) for _ in range(n_nodes)], np.full(n_nodes, np.inf),
                            recovery_s)
    failure_s = faults.failure_s.astype(float).copy()
    for failure in failures:
        if failure.node >= n_nodes:
            raise InputError(f"node {failure.node} does not exist (the constellation has "
                             f"{n_nodes} nodes, 0..{n_nodes - 1})", field="fail_nodes")
        failure_s[failure.node] = min(failure_s[failure.node], failure.at_s)
    return NodeFaults(faults.sefi_s, failure_s, faults.recovery_s, faults.accelerator_loss_s)


def inject_decays(faults: NodeFaults | None, decay_s: np.ndarray,
                  recovery_s: float) -> NodeFaults | None:
    """Fault times with each node whose orbit failed (``decay_s`` finite) failing for good at
    ``min(drawn, decay_s)``: a node that left its orbit computes nothing from then on."""
    if not np.isfinite(decay_s).any():
        return faults
    n_nodes = len(decay_s)
    if faults is None:
        faults = NodeFaults([np.empty(0) for _ in range(n_nodes)], np.full(n_nodes, np.inf),
                            recovery_s)
    return NodeFaults(faults.sefi_s, np.minimum(faults.failure_s.astype(float), decay_s),
                      faults.recovery_s, faults.accelerator_loss_s)


@dataclass(eq=False)
class ChunkInputs:
    """What :func:`prepare_chunk` derives from one chunk of satellites."""

    passes: dict[str, np.ndarray]  # :func:`orbitsim.geometry.contacts.compact_passes`
    nodes: list[NodePhysics] | None
    faults: NodeFaults | None
    positions_km: np.ndarray | None = None  # (n, n_times, 3) float32 ECEF if asked for
    #: per region name, per satellite of the chunk: intervals inside (s)
    regions: dict[str, list[np.ndarray]] | None = None


def _rows(chunk: GeometryChunk, rows: np.ndarray) -> GeometryChunk:
    """The satellites ``rows`` (indices within the chunk) of a chunk, as a chunk."""
    pick = {name: getattr(chunk, name)[rows] for name in
            ("r_ecef_km", "lat_deg", "lon_deg", "alt_km", "illuminated", "error")}
    velocity = chunk.v_ecef_km_s[rows] if chunk.v_ecef_km_s is not None else None
    return GeometryChunk(chunk.start, chunk.start + len(rows), v_ecef_km_s=velocity,
                         sun_ecef_km=chunk.sun_ecef_km, **pick)


def _fleet_physics(chunk: GeometryChunk, grid: TimeGrid, fleet: Fleet, rng, attrition,
                   physics: bool, faults: bool, record_history: bool):
    """Node physics and fault draws of a chunk whose nodes carry several hardwares: each
    hardware's nodes of the chunk at once (in group order, drawing from the chunk's streams in
    turn), put back in node order."""
    n = chunk.n_sats
    local = fleet.index[chunk.start:chunk.stop]
    nodes: list | None = [None] * n if physics else None
    sefi: list = [None] * n
    failure_s = np.full(n, np.inf)
    losses: list = [None] * n
    recovery = np.zeros(n)
    for k in np.unique(local).tolist():
        rows = np.flatnonzero(local == k)
        part = _rows(chunk, rows)
        hardware = fleet.hardware[k]
        if physics:
            for row, node in zip(rows.tolist(), nodes_from_geometry(
                    hardware, part, grid.seconds, record=record_history)):
                nodes[row] = node
        if faults:
            drawn = node_faults(hardware, grid.seconds, rng,
                                lat_deg=np.nan_to_num(part.lat_deg),
                                lon_deg=np.nan_to_num(part.lon_deg), attrition_rng=attrition)
            for j, row in enumerate(rows.tolist()):
                sefi[row] = drawn.sefi_s[j]
                losses[row] = drawn.accelerator_loss_s[j]
            failure_s[rows] = drawn.failure_s
            recovery[rows] = hardware.radiation.sefi_recovery_s
    drawn = NodeFaults(sefi, failure_s, recovery, losses) if faults else None
    return nodes, drawn


def prepare_chunk(chunk: GeometryChunk, grid: TimeGrid, *, hardware: NodeHardware,
                  table: StationTable, seed: int, physics: bool = True, faults: bool = True,
                  record_history: bool = True, keep_positions: bool = False,
                  fleet: Fleet | None = None, regions=()) -> ChunkInputs:
    """Passes, node physics and fault times of one propagated chunk (with velocities), the
    intervals its satellites spend over each of ``regions``
    (:class:`~orbitsim.model.regions.Region`), and with ``keep_positions`` its positions.

    Top-level and a pure function of its arguments, so that it runs in worker processes and
    gives the same bits there: the fault generator of a chunk derives from the scenario seed and
    the chunk's first satellite only, so the draws do not depend on the number of workers.
    """
    passes = compact_passes(chunk_passes(chunk, grid, table=table))
    inside = None
    if regions:
        from orbitsim.geometry.regions import region_intervals

        inside = {region.name: region_intervals(region, chunk.r_ecef_km, chunk.v_ecef_km_s,
                                                chunk.lat_deg, chunk.lon_deg, grid.seconds)
                  for region in regions}
    if fleet is not None and fleet.mixed:
        rng = attrition = None
        if faults:
            rng = np.random.default_rng(
                np.random.SeedSequence(seed, spawn_key=(FAULT_STREAM, chunk.start)))
            attrition = np.random.default_rng(
                np.random.SeedSequence(seed, spawn_key=(ATTRITION_STREAM, chunk.start)))
        nodes, drawn = _fleet_physics(chunk, grid, fleet, rng, attrition, physics, faults,
                                      record_history)
        return ChunkInputs(passes, nodes, drawn, _positions(chunk, keep_positions), inside)
    nodes = (nodes_from_geometry(hardware, chunk, grid.seconds, record=record_history)
             if physics else None)
    drawn = None
    if faults:
        rng = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(FAULT_STREAM, chunk.start)))
        attrition = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(ATTRITION_STREAM, chunk.start)))
        drawn = node_faults(hardware, grid.seconds, rng, lat_deg=np.nan_to_num(chunk.lat_deg),
                            lon_deg=np.nan_to_num(chunk.lon_deg), attrition_rng=attrition)
    return ChunkInputs(passes, nodes, drawn, _positions(chunk, keep_positions), inside)


def _positions(chunk: GeometryChunk, keep: bool) -> np.ndarray | None:
    """A chunk's ECEF positions as float32 (the mesh's light times), or None."""
    return chunk.r_ecef_km.astype(np.float32) if keep else None


def relay_chunk(chunk: GeometryChunk, grid: TimeGrid, *, table: StationTable) -> ChunkInputs:
    """Passes and positions of one chunk of a relay constellation (no node physics or
    faults: relays carry data, they compute nothing). Top-level: runs in worker processes."""
    return ChunkInputs(compact_passes(chunk_passes(chunk, grid, table=table)), None, None,
                       chunk.r_ecef_km.astype(np.float32))


def prepare_inputs(constellation: Constellation, network: GroundNetwork, hardware: NodeHardware,
                   grid: TimeGrid, *, seed: int, isl: str = "grid", physics: bool = True,
                   faults: bool = True, workers: int = 1,
                   record_history: bool = True, fail_nodes=(),
                   station_outages=(), isl_rate_bps: float = LASER_ISL_RATE_BPS,
                   isl_hop_delay_s: float = 0.0, relay: Constellation | None = None,
                   relay_range_km: float | None = None, fleet: Fleet | None = None,
                   regions=(), monitoring=None) -> SimInputs:
    """Geometry -> node physics, contacts, ISL groups and fault times (and with
    ``isl="mesh"`` the laser mesh, :func:`prepare_mesh`, from the same propagation).

    ``fail_nodes`` and ``station_outages`` inject deterministic faults (see
    :func:`inject_node_failures` and :func:`apply_station_outages`). ``isl_rate_bps``,
    ``isl_hop_delay_s``, ``relay`` and ``relay_range_km`` describe the mesh (``isl="mesh"``
    only): every link's rate, the switching delay at each hop, a relay constellation and the
    range of the links between it and the nodes. ``fleet``: a mixed fleet (each node's physics
    and faults from its own hardware); ``regions``: geofence regions, whose intervals over
    every node are computed from the same propagation; ``monitoring``: a
    :class:`~orbitsim.sim.monitoring.MonitoringStream` reserved on the passes of its nodes.

    Fault times come from their own child of ``SeedSequence(seed)`` so that the jobs and the
    faults of a scenario are independent and reproducible.
    """
    if relay is not None and isl != "mesh":
        raise ValueError('a relay constellation needs isl="mesh"')
    isl_groups(constellation, isl)  # an unknown mode fails before any work
    mesh_mode = isl == "mesh"
    positions: list[np.ndarray] = []
    nodes: list[NodePhysics] | None = [] if physics else None
    sefi: list[np.ndarray] = []
    failures: list[np.ndarray] = []
    losses: list[np.ndarray] = []
    table = StationTable.of(network, grid.duration_s, None, seed)
    passes = []  # per chunk, the compact columns only (30 bytes a pass)
    orbit_failures: list = []
    mixed = fleet is not None and fleet.mixed
    extra = {"fleet": fleet} if mixed else {}
    if regions:
        extra["regions"] = tuple(regions)
    inside: dict[str, list[np.ndarray]] = {region.name: [] for region in regions}
    recoveries: list[np.ndarray] = []
    # One propagation feeds the node physics, the fault draws and the contact plan; with
    # workers > 1 all of it runs in the workers, which send back only what a run keeps.
    for part in map_chunks(constellation, grid, prepare_chunk, workers=workers,
                           failures=orbit_failures,
                           with_velocity=True, hardware=hardware, table=table, seed=seed,
                           physics=physics, faults=faults, record_history=record_history,
                           keep_positions=mesh_mode, **extra):
        passes.append(part.passes)
        if mesh_mode:
            positions.append(part.positions_km)
        if physics:
            for node in part.nodes:
                # one object, not one copy per worker chunk
                node.hardware = _same_hardware(node.hardware, fleet) if mixed else hardware
            nodes.extend(part.nodes)
        if faults:
            sefi.extend(part.faults.sefi_s)
            failures.append(part.faults.failure_s)
            losses.extend(part.faults.accelerator_loss_s or [])
            if mixed:
                recoveries.append(np.asarray(part.faults.recovery_s, dtype=float))
        for name, found in (part.regions or {}).items():
            inside[name].extend(found)
    recovery_s = (np.concatenate(recoveries) if mixed and recoveries
                  else hardware.radiation.sefi_recovery_s)
    fault_times = (NodeFaults(sefi, np.concatenate(failures), recovery_s, losses)
                   if faults and failures else None)
    fault_times = inject_node_failures(fault_times, len(constellation), fail_nodes,
                                       hardware.radiation.sefi_recovery_s)
    orbit_errors = failures_frame(constellation, grid, orbit_failures)
    decay_s = np.full(len(constellation), np.inf)
    decay_s[orbit_errors["sat_index"].to_numpy()] = orbit_errors["first_error_s"].to_numpy()
    fault_times = inject_decays(fault_times, decay_s, hardware.radiation.sefi_recovery_s)
    contacts = combine_compact(passes, constellation.names, table.names)
    contacts = apply_station_outages(contacts, list(network.names), station_outages)
    reserved = None
    if monitoring is not None:
        from orbitsim.sim.monitoring import reserve_monitoring

        contacts, reserved = reserve_monitoring(contacts, monitoring, grid.duration_s)
    group_of_node = isl_groups(constellation, isl)
    mesh = None
    if mesh_mode:
        mesh = prepare_mesh(constellation, np.concatenate(positions), network, grid, table=table,
                            rate_bps=isl_rate_bps, hop_delay_s=isl_hop_delay_s, relay=relay,
                            relay_range_km=relay_range_km, workers=workers,
                            station_outages=station_outages)
        if relay is not None:  # the relays join every shell of nodes into one group
            group_of_node = np.zeros(len(constellation), dtype=np.int64)
    return SimInputs(constellation=constellation, grid=grid, hardware=hardware, network=network,
                     nodes=nodes, contacts=contacts, group_of_node=group_of_node,
                     faults=fault_times, operator=getattr(constellation, "name", "operator"),
                     orbit_errors=orbit_errors, decay_s=decay_s, mesh=mesh,
                     fleet=fleet if mixed else None,
                     region_intervals=inside if regions else None, monitoring=reserved)


def _same_hardware(node_hardware: NodeHardware, fleet: Fleet) -> NodeHardware:
    """The fleet's own object equal to a worker's copy of one of its hardwares."""
    for candidate in fleet.hardware:
        if candidate is node_hardware:
            return candidate
    for candidate in fleet.hardware:
        if candidate == node_hardware:
            return candidate
    return node_hardware


def one_relay_at_a_time(contacts: pd.DataFrame) -> pd.DataFrame:
    """The relay passes a station uses with one antenna for the relays: from each instant it
    tracks the relay in view whose pass lasts longest and hands over when it sets (a pass
    kept in part keeps its mean rate: ``bytes_capacity`` scaled by the kept fraction). A
    relay constellation such as a Starlink shell puts tens of satellites over a station at
    once; without this each would be a channel of its own. Rows sorted as
    :func:`~orbitsim.geometry.contacts.combine_compact` sorts them."""
    if contacts.empty:
        return contacts
    start = contacts["start_s"].to_numpy(dtype=float)
    end = contacts["end_s"].to_numpy(dtype=float)
    station = contacts["station_index"].to_numpy()
    rows, begins, ends = [], [], []
    for s in np.unique(station).tolist():
        mine = np.flatnonzero(station == s)
        mine = mine[np.argsort(start[mine], kind="stable")]
        s_start, s_end = start[mine].tolist(), end[mine].tolist()
        t, i, n = -np.inf, 0, len(mine)
        open_ends: list[tuple[float, int]] = []  # (-end, position) of passes begun by t
        while True:
            while i < n and s_start[i] <= t:
                heapq.heappush(open_ends, (-s_end[i], i))
                i += 1
            while open_ends and -open_ends[0][0] <= t:
                heapq.heappop(open_ends)
            if not open_ends:
                if i >= n:
                    break
                t = s_start[i]
                continue
            neg_end, j = heapq.heappop(open_ends)
            rows.append(mine[j])
            begins.append(max(t, s_start[j]))
            ends.append(-neg_end)
            t = -neg_end
    rows = np.asarray(rows, dtype=np.int64)
    frame = contacts.iloc[rows].copy()
    begin, stop = np.asarray(begins), np.asarray(ends)
    span = end[rows] - start[rows]
    fraction = np.divide(stop - begin, span, out=np.ones_like(span), where=span > 0)
    frame["start_s"] = begin
    frame["end_s"] = stop
    frame["bytes_capacity"] = frame["bytes_capacity"].to_numpy(dtype=float) * fraction
    order = np.lexsort((frame["station_index"].to_numpy(), frame["sat_index"].to_numpy(),
                        frame["start_s"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


#: Laser links from each node to the nearest relays (of each relay shell) within range.
RELAY_LINKS_PER_NODE = 2
def prepare_mesh(constellation: Constellation, positions_km: np.ndarray, network: GroundNetwork,
                 grid: TimeGrid, *, table: StationTable, rate_bps: float = LASER_ISL_RATE_BPS,
                 hop_delay_s: float = 0.0, relay: Constellation | None = None,
                 relay_range_km: float | None = None, workers: int = 1,
                 station_outages=()) -> MeshInputs:
    """The laser mesh of a run, once: the nodes' topology (:func:`~orbitsim.geometry.isl.
    mesh_topology`), with a relay constellation propagated on the same grid (its passes over
    the same stations, its own topology, and links to the nodes within ``relay_range_km``),
    kept per step while Earth-clear (:func:`~orbitsim.geometry.isl.laser_mesh`).

    ``positions_km`` ``(n_nodes, n_times, 3)`` are the nodes' ECEF positions of the run's
    propagation. Raises ``InputError`` for a mesh larger than
    :data:`~orbitsim.model.scenario_checks.MAX_MESH_EDGES`.
    """
    from orbitsim.errors import InputError
    from orbitsim.geometry.isl import laser_mesh, mesh_topology
    from orbitsim.model.constellation import combine
    from orbitsim.model.scenario_checks import MAX_MESH_EDGES, mesh_edges_estimate

    n_nodes = len(constellation)
    n_sats = n_nodes + (len(relay) if relay is not None else 0)
    estimate = mesh_edges_estimate(n_sats, len(grid))
    if estimate > MAX_MESH_EDGES:
        raise InputError(f"the laser mesh of {n_sats:,} satellites over {len(grid):,} steps "
                         f"holds about {estimate:,} link-steps, more than the "
                         f"{MAX_MESH_EDGES:,} a run builds; use isl = \"grid\" or fewer "
                         "satellites or hours", field="isl")
    names = list(constellation.names)
    relay_contacts = None
    whole = constellation
    if relay is not None:
        relay_passes, relay_positions = [], []
        for part in map_chunks(relay, grid, relay_chunk, workers=workers, with_velocity=True,
                               table=table):
            relay_passes.append(part.passes)
            relay_positions.append(part.positions_km)
        relay_contacts = one_relay_at_a_time(
            combine_compact(relay_passes, relay.names, table.names))
        relay_contacts["sat_index"] = (relay_contacts["sat_index"].to_numpy(dtype=np.int64)
                                       + n_nodes).astype(np.int32)
        relay_contacts = apply_station_outages(relay_contacts, list(network.names),
                                               station_outages)
        positions_km = np.concatenate([positions_km, np.concatenate(relay_positions)])
        names += list(relay.names)
        whole = combine(f"{constellation.name}+{relay.name}", [constellation, relay])
    r = positions_km.astype(float)
    topology = mesh_topology(whole, r)
    choosers = np.arange(n_sats) < n_nodes  # each node picks its nearest relays
    mesh = laser_mesh(r, topology, seconds=grid.seconds,
                      inter_group_range_km=relay_range_km if relay is not None else None,
                      inter_group_k=RELAY_LINKS_PER_NODE, inter_group_choosers=choosers,
                      nominal_rate_bps=rate_bps)
    return MeshInputs(mesh=mesh, positions_km=positions_km, station_ecef_km=table.ecef_km,
                      names=names, n_nodes=n_nodes, rate_bps=float(rate_bps),
                      hop_delay_s=float(hop_delay_s),
                      relay_name=None if relay is None else relay.name,
                      relay_contacts=relay_contacts,
                      relay_range_km=None if relay is None else relay_range_km)
