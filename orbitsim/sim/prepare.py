"""Everything a run needs before the first event: node physics, contact plan, ISL groups,
fault times. Computed vectorised from the geometry, chunk by chunk, once per run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orbitsim.geometry.contacts import contact_windows
from orbitsim.geometry.propagate import map_chunks
from orbitsim.model.constellation import Constellation
from orbitsim.model.ground import GroundNetwork
from orbitsim.model.hardware import NodeHardware
from orbitsim.model.timegrid import TimeGrid
from orbitsim.physics.node import NodePhysics, nodes_from_geometry
from orbitsim.physics.radiation import NodeFaults, node_faults

ISL_MODES = ("grid", "none")
#: Random streams of a scenario seed: jobs use spawn key 0, faults spawn key (1, chunk start).
FAULT_STREAM = 1


@dataclass(eq=False)
class SimInputs:
    """Precomputed inputs of a simulation (plain data; see :func:`prepare_inputs`)."""

    constellation: Constellation
    grid: TimeGrid
    hardware: NodeHardware
    network: GroundNetwork
    nodes: list[NodePhysics] | None  # None: physics off (nodes always at full power)
    contacts: pd.DataFrame
    group_of_node: np.ndarray  # (n_nodes,) ISL group
    faults: NodeFaults | None
    operator: str = "operator"

    @property
    def n_nodes(self) -> int:
        return len(self.constellation)


def isl_groups(constellation: Constellation, mode: str) -> np.ndarray:
    """ISL group of each satellite: ``grid`` connects each shell (+Grid laser mesh, or the
    nearest-neighbour mesh of a cluster) into one group; ``none`` leaves every satellite alone.
    """
    n = len(constellation)
    if mode == "none":
        return np.arange(n, dtype=np.int64)
    if mode != "grid":
        raise ValueError(f"isl must be one of {ISL_MODES}, got {mode!r}")
    groups = np.zeros(n, dtype=np.int64)
    if constellation.shells and sum(s.count for s in constellation.shells) == n:
        counts = [s.count for s in constellation.shells]
        groups = np.repeat(np.arange(len(counts)), counts)
    return groups


def prepare_inputs(constellation: Constellation, network: GroundNetwork, hardware: NodeHardware,
                   grid: TimeGrid, *, seed: int, isl: str = "grid", physics: bool = True,
                   faults: bool = True, workers: int = 1,
                   record_history: bool = True) -> SimInputs:
    """Geometry -> node physics, contacts, ISL groups and fault times.

    Fault times come from their own child of ``SeedSequence(seed)`` so that the jobs and the
    faults of a scenario are independent and reproducible.
    """
    nodes: list[NodePhysics] | None = [] if physics else None
    sefi: list[np.ndarray] = []
    failures: list[np.ndarray] = []
    if physics or faults:
        for chunk in map_chunks(constellation, grid, None, workers=workers):
            if physics:
                nodes.extend(nodes_from_geometry(hardware, chunk, grid.seconds,
                                                 record=record_history))
            if faults:
                # One generator per chunk, derived from the chunk's first satellite: the draws
                # do not depend on the number of workers.
                rng = np.random.default_rng(
                    np.random.SeedSequence(seed, spawn_key=(FAULT_STREAM, chunk.start)))
                drawn = node_faults(hardware, grid.seconds, rng,
                                    lat_deg=np.nan_to_num(chunk.lat_deg),
                                    lon_deg=np.nan_to_num(chunk.lon_deg))
                sefi.extend(drawn.sefi_s)
                failures.append(drawn.failure_s)
    fault_times = (NodeFaults(sefi, np.concatenate(failures), hardware.radiation.sefi_recovery_s)
                   if faults and failures else None)
    contacts = contact_windows(constellation, network, grid, workers=workers, seed=seed)
    return SimInputs(constellation=constellation, grid=grid, hardware=hardware, network=network,
                     nodes=nodes, contacts=contacts, group_of_node=isl_groups(constellation, isl),
                     faults=fault_times, operator=getattr(constellation, "name", "operator"))
