"""The SimPy model: jobs through their whole life on the constellation.

arrival on the ground -> upload during contacts (or relayed over ISLs from a satellite in
contact) -> queue in the ISL group -> compute on a node under its power and thermal caps
(checkpoints; a fault rolls back to the last one) -> download to an allowed station -> done.

Every job ends ``done``, ``failed`` (with a reason) or ``pending`` at the horizon (with the
stage it was in). Events are real events only: arrivals, transfer ends, job ends, node physics
events (battery floor, radiator limit, sunrise, sunset), faults.
"""

from __future__ import annotations

import gc
import math
from array import array
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import pandas as pd
import simpy

from orbitsim.errors import InputError
from orbitsim.model.workload import Workload
from orbitsim.physics.node import NodePhysics
from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.sim.job_inputs import JobInputs
from orbitsim.sim.links import ContactPlan, TransferLog
from orbitsim.sim.nodes import NodeAgent, RunningJob
from orbitsim.sim.prepare import SimInputs

STAGES = ("upload", "queue", "compute", "download")
#: Rows of final jobs taken out of the per-job state at a time, and written to the jobs
#: spool at a time (a row group), by :meth:`Simulation._final`.
TAKE_ROWS = 4_096
SPOOL_ROWS = 65_536
#: Largest number of candidate nodes shown to a policy at once (a seeded sample beyond it).
MAX_CANDIDATES = 256
MAX_STATEFUL_CANDIDATES = 64
#: Pools of nodes larger than this are not searched whole for every job: the search starts at a
#: seeded node and stops once it has found a window of candidates (blocks of SCAN_BLOCK nodes).
FULL_SEARCH_NODES = 2048
#: A first-fit policy on one ISL group of at most this many nodes scans a list instead.
FIRST_FIT_SCAN_NODES = 64
SCAN_BLOCK = 1024
#: Arrays of a :class:`NodeView` that come from the node agents' :meth:`NodeAgent.outlook`.
STATE_ARRAYS = ("soc", "sunlit", "temp_k", "temp_margin_k", "power_cap_w", "throughput_flops")


class _Table:
    """A table field of :class:`SimResult`: set to a DataFrame or to a spool
    (:class:`orbitsim.sim.spool.Spool`, a streamed run's table on disk), read as a DataFrame
    (a spool is read once, on first access, and kept). :meth:`SimResult.spooled` and
    :meth:`SimResult.columns` read a spool without holding the whole table."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.name)  # no default: a required field
        value = obj.__dict__[self.name]
        if isinstance(value, pd.DataFrame):
            return value
        frame = obj.__dict__.get("_loaded_" + self.name)
        if frame is None:
            frame = obj.__dict__["_loaded_" + self.name] = value.frame()
        return frame

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.name] = value
        obj.__dict__.pop("_loaded_" + self.name, None)


@dataclass
class SimResult:
    """Outcome of a run: per-job and per-node tables, transfers, and the inputs' context.

    ``jobs`` and ``transfers`` read as DataFrames; a streamed run keeps them in spool files
    (:mod:`orbitsim.sim.spool`) until then: :meth:`spooled` gives the spool (or None) and
    :meth:`columns` a few columns, for code that must not hold a whole table."""

    jobs: pd.DataFrame = _Table()
    nodes: pd.DataFrame
    transfers: pd.DataFrame = _Table()
    horizon_s: float
    accelerators_per_node: int
    node_physics: list[NodePhysics] | None
    governance_violations: int
    isl_cut_restarts: int = 0  # gangs restarted because a member was cut off
    #: Tenants bound to a jurisdiction (their data may cross only some stations).
    bound_tenants: tuple[str, ...] = ()
    #: ``isl = "mesh"``: every piece of every mesh leg (``isl_transfers``), every laser link's
    #: load and the mesh's summary figures (:mod:`orbitsim.sim.mesh_transport`).
    isl_transfers: pd.DataFrame | None = None
    isl_links: pd.DataFrame | None = None
    isl_summary: dict | None = None
    #: Accelerators of every node together (0: ``accelerators_per_node`` times the nodes).
    accelerators_total: int = 0
    #: Governance pauses (:data:`orbitsim.sim.governance.PAUSE_COLUMNS`), None without rules.
    pauses: pd.DataFrame | None = None
    #: The rules the run enforced (:class:`orbitsim.sim.governance.GovernanceRules`), or None.
    governance: object = None

    def spooled(self, table: str):
        """The spool holding table ``table`` (``"jobs"`` or ``"transfers"``), None if it is
        a DataFrame in memory."""
        value = self.__dict__[table]
        return None if isinstance(value, pd.DataFrame) else value

    def columns(self, table: str, names) -> pd.DataFrame:
        """Only the columns ``names`` of table ``table`` that it has (``"jobs"`` or
        ``"transfers"``), read from its spool if it has one (never the whole table)."""
        spool = self.spooled(table)
        if spool is None:
            frame = self.__dict__[table]
            return frame[[c for c in names if c in frame.columns]]
        loaded = self.__dict__.get("_loaded_" + table)
        if loaded is not None:
            return loaded[[c for c in names if c in loaded.columns]]
        return spool.columns(list(names))

    def rows(self, table: str) -> int:
        """Rows of table ``table``."""
        return len(self.__dict__[table])

    def column_names(self, table: str) -> list[str]:
        """The columns of table ``table``."""
        spool = self.spooled(table)
        return list(self.__dict__[table].columns) if spool is None else spool.column_names


class _LazyArrays(dict):
    """The arrays of a :class:`NodeView`, computed on first access (a policy that reads
    nothing, like ``fifo``, costs nothing)."""

    def __init__(self, simulation: Simulation, job_id: int, candidates: np.ndarray,
                 free_now: bool) -> None:
        super().__init__()
        self._simulation = simulation
        self._job_id = job_id
        self._candidates = candidates
        self._free_now = free_now

    def __missing__(self, name: str) -> np.ndarray:
        sim, candidates = self._simulation, self._candidates
        if name == "free_accelerators":
            value = sim.free_acc[candidates].copy()
        elif name == "queued_jobs":
            value = np.array([sim.waiting[g] for g in sim.group_of_node[candidates].tolist()],
                             dtype=np.int64)
        elif name == "free_at_s":
            value = (np.full(len(candidates), float(sim.env.now)) if self._free_now
                     else sim._free_at(self._job_id, candidates))
        elif name in STATE_ARRAYS:
            self.update(sim._state_arrays(self._job_id, candidates))
            return self[name]
        else:
            raise KeyError(name)
        self[name] = value
        return value


class _Outlook:
    """What the simulation knows of the coming hours, for one job and its candidates: when
    its upload, its compute and its download would end on each (see :class:`NodeView`). Each
    is an estimate: the contact plan's passes with their bookings so far, each node's physics
    copied and run forward; nothing is booked or changed."""

    def __init__(self, simulation: Simulation, job_id: int, candidates: np.ndarray) -> None:
        self._simulation = simulation
        self._job_id = job_id
        self._candidates = candidates

    def _transfer_end_s(self, n_bytes: float, after_s: np.ndarray) -> np.ndarray:
        sim, j = self._simulation, self._job_id
        allowed = sim.allowed_station[sim.job_tenant[j]]
        cache: dict[tuple[int, float], float] = {}
        out = np.empty(len(self._candidates))
        groups = sim.group_of_node[self._candidates].tolist()
        for k, (g, t) in enumerate(zip(groups, after_s.tolist())):
            if (g, t) not in cache:
                cache[g, t] = (sim.plan.estimate(g, n_bytes, t, sim.horizon_s, allowed)
                               if math.isfinite(t) else math.inf)
            out[k] = cache[g, t]
        return out

    def upload_end_s(self) -> np.ndarray:
        sim, j = self._simulation, self._job_id
        now = float(sim.env.now)
        after = np.full(len(self._candidates), now)
        if sim.stage[j] or sim.job_kind[j] == "eo-processing":
            return after  # the input is on board already (or was born there)
        return self._transfer_end_s(sim.job_in[j], after)

    def compute_end_s(self, start_s: np.ndarray) -> np.ndarray:
        sim, j = self._simulation, self._job_id
        size = sim._member_sizes(j)[0]
        work = (sim.job_work[j] - sim.done_flop[j]) * size / max(sim.job_acc[j], 1)
        return np.array([
            sim.nodes[i].forecast_end_s(t, work, size, sim.job_mfu[j], sim.horizon_s)
            if math.isfinite(t) else math.inf
            for i, t in zip(self._candidates.tolist(), start_s.tolist())])

    def download_end_s(self, after_s: np.ndarray) -> np.ndarray:
        sim, j = self._simulation, self._job_id
        return self._transfer_end_s(sim.job_out[j], after_s)


class Simulation:
    """One run of a workload on a constellation under a policy.

    ``jobs`` is the table of :func:`orbitsim.model.workload.generate_jobs` (or that table
    as :class:`orbitsim.sim.job_inputs.JobInputs`, so that the caller can drop the table
    first). ``faults_destroy_jobs`` makes a permanent node failure fail its jobs (``lost``)
    instead of requeueing them.
    """

    def __init__(self, inputs: SimInputs, workload: Workload, jobs: pd.DataFrame,
                 policy: Policy, *, seed: int, horizon_s: float | None = None,
                 faults_destroy_jobs: bool = False, isl_cuts=(), governance=None) -> None:
        self.inputs = inputs
        self.workload = workload
        self.policy = policy
        policy.reset()
        self._candidate_limit = MAX_STATEFUL_CANDIDATES if policy.needs_state else MAX_CANDIDATES
        self._first_fit = bool(getattr(policy, "first_fit", False))
        self.env = simpy.Environment(initial_time=0.0)
        self.horizon_s = float(horizon_s if horizon_s is not None else inputs.grid.duration_s)
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
        self._seed = seed
        self._attrition_rng: np.random.Generator | None = None
        self._uniforms: list[float] = []
        self._last_request: JobRequest | None = None
        self._uniform_next = 0
        self.faults_destroy_jobs = faults_destroy_jobs
        hardware = inputs.hardware
        self.n_acc = hardware.accelerators
        peak_acc = self._peak_acc = hardware.accelerator.dense_flops("bf16")
        p_acc = hardware.accelerator.power_limit_w
        n = inputs.n_nodes
        self.group_of_node = inputs.group_of_node
        fleet = inputs.fleet
        if fleet is None:
            self.nodes = [
                NodeAgent(i, inputs.nodes[i] if inputs.nodes is not None else None, self.n_acc,
                          peak_acc, p_acc, int(self.group_of_node[i]), inputs.operator,
                          self.env, self._released)
                for i in range(n)
            ]
            self.node_acc = None
        else:  # a mixed fleet: each node its own accelerators
            parts = [(h.accelerators, h.accelerator.dense_flops("bf16"),
                      h.accelerator.power_limit_w) for h in fleet.hardware]
            self.nodes = [
                NodeAgent(i, inputs.nodes[i] if inputs.nodes is not None else None,
                          *parts[k], int(self.group_of_node[i]), inputs.operator, self.env,
                          self._released)
                for i, k in enumerate(fleet.index.tolist())
            ]
            self.node_acc = fleet.accelerators()
        self.radiator_limit_k = hardware.radiator_limit_k
        # ISL cuts (items with node, start_s, end_s): a node cut off from its ISL group.
        self.isl_cuts = tuple(isl_cuts)
        for cut in self.isl_cuts:
            if not 0 <= cut.node < n:
                raise InputError(f"node {cut.node} does not exist (the constellation has {n} "
                                 f"nodes, 0..{n - 1})", field="isl_cuts")
        self.cut_depth = np.zeros(n, dtype=np.int64)
        self.cut_off = [False] * n  # a list: read once per job, as a Python bool
        self.isl_cut_restarts = 0
        # isl = "mesh": data crosses the laser mesh hop by hop (orbitsim.sim.mesh_transport);
        # accelerators held for jobs whose input is on its way, by node.
        self.mesh = None
        self._reserved: dict[int, int] = {}
        if inputs.mesh is None:
            self.plan = ContactPlan(inputs.contacts, self.group_of_node)
        else:
            from orbitsim.sim.mesh_transport import mesh_plan

            self.mesh, self.plan = mesh_plan(inputs, self.isl_cuts, self.horizon_s)
        if self.isl_cuts:
            sizes = np.bincount(self.group_of_node)
            self.plan.set_cuts([(c.node, c.start_s, c.end_s) for c in self.isl_cuts
                                if sizes[self.group_of_node[c.node]] > 1])
        self.station_country = np.array([s.country for s in inputs.network])
        self.groups = {int(g): np.flatnonzero(self.group_of_node == g)
                       for g in np.unique(self.group_of_node)}
        # The satellite a transfer to a group is addressed to (its first member).
        self.group_head = {g: int(members[0]) for g, members in self.groups.items()}
        # The node of each group that is a satellite alone (-1 for a group of several).
        self._lone_head = [-1] * (int(self.group_of_node.max()) + 1 if n else 0)
        for g, members in self.groups.items():
            if len(members) == 1:
                self._lone_head[g] = int(members[0])
        self.single_group = len(self.groups) == 1
        self._all_nodes = np.arange(n)
        # Free accelerators and liveness of every node, as arrays for fast candidate search.
        self.free_acc = (np.full(n, self.n_acc, dtype=np.int64) if self.node_acc is None
                         else self.node_acc.copy())
        self._published = self.free_acc.tolist()  # the same, for fast scalar reads
        # fifo-like policies on one small ISL group: the first node with room, found by a scan
        # of the list (the same node as candidates[0], without building the array).
        self._scan_first = (self._first_fit and self.single_group
                            and n <= FIRST_FIT_SCAN_NODES)
        self.alive = np.ones(n, dtype=bool)
        self.n_alive = n
        self.alive_in_group = np.bincount(self.group_of_node).astype(np.int64)
        n_groups = len(self.alive_in_group)
        # Free accelerators of each ISL group (a list: groups are numbered 0, 1, ...), and the
        # jobs bound to each group that have not started yet (uploading or queued): their
        # number, accelerators and work at full speed (accelerator-seconds).
        self.free_in_group = [0] * n_groups
        self._group_acc = None  # mean accelerators a node of each group (mixed fleets)
        for g, members in self.groups.items():
            self.free_in_group[g] = len(members) * self.n_acc
        if self.node_acc is not None:
            self._group_acc = {}
            for g, members in self.groups.items():
                self.free_in_group[g] = int(self.node_acc[members].sum())
                self._group_acc[g] = float(self.node_acc[members].mean())
        self.waiting = [0] * n_groups
        self.waiting_acc = [0] * n_groups
        self.waiting_acc_s = [0.0] * n_groups
        self.queues: dict[int, deque[int]] = {g: deque() for g in self.groups}
        # Tenants: allowed stations (None = any) and allowed nodes (operators).
        self.allowed_station: dict[str, np.ndarray | None] = {}
        self.operator_ok: dict[str, bool] = {}
        for tenant in workload.tenants:
            countries = tenant.allowed_countries
            self.allowed_station[tenant.name] = (
                None if not countries else np.isin(self.station_country, list(countries)))
            self.operator_ok[tenant.name] = (not tenant.operators
                                             or inputs.operator in tenant.operators)
        self.has_station = {name: mask is None or bool(mask.any())
                            for name, mask in self.allowed_station.items()}
        # Governance (orbitsim.sim.governance): the nodes each governed tenant may take now.
        self.governance = governance
        self.governor = None
        self._masks: dict[str, np.ndarray] | None = None
        self._gang_acc: dict[str, int] = {}
        if governance is not None and governance.governed:
            from orbitsim.sim.governance import Governor

            self.governor = Governor(self, governance, inputs.region_intervals)
            self._masks = self.governor.masks
        if self.node_acc is not None:  # gangs sized on the smallest node a tenant may use
            for tenant in workload.tenants:
                licensed = (governance.licensed.get(tenant.name)
                            if governance is not None else None)
                pool = self.node_acc if licensed is None or not licensed.any() \
                    else self.node_acc[licensed]
                self._gang_acc[tenant.name] = int(pool.min())
        self.plan.log_reserved(inputs.monitoring)
        self._load_jobs(jobs)

    # --- job table ---------------------------------------------------------------------------

    def _load_jobs(self, jobs: pd.DataFrame | JobInputs) -> None:
        """The job table, compact (:class:`JobInputs`), and the per-job state of the jobs in
        flight. Per-job state lives in dicts keyed by job index: an entry is made when the
        job first changes it (each dict has the default of a job that never did) and popped
        when its row is written out, so a streamed run holds only the jobs in flight."""
        n = len(jobs)
        self.n_jobs = n
        inputs = self._job_inputs = (jobs if isinstance(jobs, JobInputs)
                                     else JobInputs(jobs.reset_index(drop=True)))
        self.job_tenant = inputs.references("tenant")
        self.job_kind = inputs.references("kind")
        self.job_arrival = inputs.floats("arrival_s")
        self.job_work = inputs.floats("work_flop")
        self.job_acc = array("q", np.asarray(inputs.column("accelerators"), dtype=np.int64))
        # A job asking for more accelerators than a node has is a gang over the fewest nodes
        # of one ISL group that can hold it, the accelerators shared as evenly as possible.
        if self._gang_acc:
            self.job_nodes = array("q", [max(-(-a // self._gang_acc[t]), 1)
                                         for a, t in zip(self.job_acc, self.job_tenant)])
        else:
            self.job_nodes = array("q", [max(-(-a // self.n_acc), 1) for a in self.job_acc])
        self.job_in = inputs.floats("input_bytes")
        self.job_out = inputs.floats("output_bytes")
        self.job_deadline = array("d", np.nan_to_num(
            np.asarray(inputs.column("deadline_s"), dtype=float), nan=np.inf).tobytes())
        self.job_checkpoint = array("d", np.nan_to_num(
            np.asarray(inputs.column("checkpoint_interval_s"), dtype=float),
            nan=np.inf).tobytes())
        self.job_mfu = inputs.floats("mfu")
        nan = repeat(math.nan).__next__
        minus_one = repeat(-1).__next__
        self.status = defaultdict(repeat("pending").__next__)
        self.stage = defaultdict(str)
        self.reason = defaultdict(str)
        self.node = defaultdict(minus_one)
        self.upload_end = defaultdict(nan)
        self.start = defaultdict(nan)
        self.compute_end = defaultdict(nan)
        self.finish = defaultdict(nan)
        self.done_flop = defaultdict(float)
        self.lost_flop = defaultdict(float)
        self.faults = defaultdict(int)
        self.acc_s = defaultdict(float)
        self.bytes_up = defaultdict(float)
        self.bytes_down = defaultdict(float)
        self.group = defaultdict(minus_one)
        self.ready = defaultdict(nan)
        self._bound = defaultdict(bool)  # in its group's waiting counts
        self.lost = defaultdict(bool)
        self._running: dict[int, list[tuple[NodeAgent, RunningJob]]] = {}
        # Streaming (module docstring): rows of final jobs go to a spool file in job order.
        self._final_flags = bytearray(n)
        self._mark = 0  # every job before it is final
        self._emitted = 0  # every job before it is out of the per-job dicts
        self._taken: list[dict] = []  # their columns, until a row group is written
        self._taken_rows = 0
        self._spool_folder = None
        self._jobs_spool = None
        self._transfers_spool = None

    # --- policies ----------------------------------------------------------------------------

    def _next_contact(self, job_id: int) -> Callable[[np.ndarray, float, bool], np.ndarray]:
        allowed = self.allowed_station[self.job_tenant[job_id]]

        def next_contact(index: np.ndarray, after_s: float, only_allowed: bool) -> np.ndarray:
            mask = allowed if only_allowed else None
            cache: dict[int, float] = {}
            out = np.empty(len(index))
            for i, node in enumerate(index.tolist()):
                g = int(self.group_of_node[node])
                if g not in cache:
                    cache[g] = self.plan.next_contact_s(g, after_s, mask)
                out[i] = cache[g]
            return out

        return next_contact

    def _window(self, candidates: np.ndarray) -> np.ndarray:
        """A seeded window of the candidates (power-of-K choices) when there are more than a
        view shows: it keeps big constellations cheap and the candidates sorted by index."""
        limit = self._candidate_limit
        if len(candidates) > limit:
            offset = self._randint(len(candidates) - limit + 1)
            candidates = candidates[offset:offset + limit]
        return candidates

    def _view(self, job_id: int, candidates: np.ndarray, free_now: bool = True) -> NodeView:
        candidates = self._window(candidates)
        return NodeView(self.env.now, candidates,
                        _LazyArrays(self, job_id, candidates, free_now),
                        self._next_contact(job_id),
                        outlook=_Outlook(self, job_id, candidates))

    def _state_arrays(self, job_id: int, candidates: np.ndarray) -> dict[str, np.ndarray]:
        """The arrays of :data:`STATE_ARRAYS`, from each candidate's node agent."""
        extra = self._member_sizes(job_id)[0]
        rows = np.array([self.nodes[i].outlook(extra) for i in candidates.tolist()],
                        dtype=float).reshape(len(candidates), len(STATE_ARRAYS))
        return {name: rows[:, k].copy() for k, name in enumerate(STATE_ARRAYS)}

    def _free_at(self, job_id: int, candidates: np.ndarray) -> np.ndarray:
        """When each candidate could start job ``job_id`` (estimate): when its node has the
        job's accelerators free (:meth:`NodeAgent.free_at_s`), plus the work bound to its ISL
        group before this job, spread over the group's accelerators."""
        need = self._member_sizes(job_id)[0]
        out = np.empty(len(candidates))
        for k, i in enumerate(candidates.tolist()):
            g = self.nodes[i].group
            acc = self.n_acc if self._group_acc is None else self._group_acc[g]
            ahead_s = self.waiting_acc_s[g] / max(int(self.alive_in_group[g]) * acc, 1)
            out[k] = self.nodes[i].free_at_s(need) + ahead_s
        return out

    def _request(self, j: int) -> JobRequest:
        if self._last_request is not None and self._last_request.job_id == j:
            return self._last_request  # a job is asked about twice in a row (group, node)
        self._last_request = JobRequest(
            j, self.job_tenant[j], self.job_kind[j], self.job_acc[j], self.job_work[j],
            self.job_in[j], self.job_out[j], self.job_arrival[j], self.job_deadline[j],
            self.job_mfu[j])
        return self._last_request

    def _choose(self, j: int, candidates: np.ndarray, free_now: bool = True) -> int:
        """The node the policy picks for job ``j`` among ``candidates`` (sorted node indices).
        ``free_now``: every candidate can take the job now; else none can, and ``free_at_s``
        tells when each could."""
        if self._first_fit:  # what choose() would return from the view, without the view
            candidates = self._window(candidates)
            if free_now:
                return int(candidates[0])
            return int(candidates[int(np.argmin(self._free_at(j, candidates)))])
        view = self._view(j, candidates, free_now)
        position = self.policy.choose(self._request(j), view)
        index = view.index
        if not (isinstance(position, int | np.integer) and not isinstance(position, bool)
                and 0 <= position < len(index)):
            raise InputError(f"policy {self.policy.name!r} ({type(self.policy).__name__}."
                             f"choose) returned {position!r} for {len(index)} candidates; it "
                             f"must return an int from 0 to {len(index) - 1}", field="policy")
        return int(index[position])

    # --- placement and dispatch --------------------------------------------------------------

    def _member_sizes(self, j: int) -> list[int]:
        """Accelerators of each member node of job ``j`` (one entry unless a gang)."""
        acc, k = max(self.job_acc[j], 1), self.job_nodes[j]
        if k == 1:
            return [acc]
        return [acc // k + (1 if i < acc % k else 0) for i in range(k)]

    def _place_group(self, j: int) -> int | None:
        """The ISL group that receives job ``j``'s data (only asked when there are several
        groups): the group of the node the policy prefers among the nodes that can take the
        job now (the job's free accelerators on the node, and in its group beyond those
        promised to the jobs bound there before it); when no node can, among every alive node
        of the groups that can hold it, each with the time it could start the job."""
        k = self.job_nodes[j]
        if self.single_group:
            g = next(iter(self.groups))
            return g if self.alive_in_group[g] >= k else None
        need, acc = self._member_sizes(j)[0], max(self.job_acc[j], 1)
        spare = np.subtract(self.free_in_group, self.waiting_acc) >= acc
        group_of_node, free_acc = self.group_of_node, self.free_acc
        mask = None if self._masks is None else self._masks.get(self.job_tenant[j])
        if mask is not None:
            return self._place_group_governed(j, k, need, spare, mask)
        if k == 1 and spare.all():  # the usual case: every group has room beyond its waiting
            candidates = self._search(self._all_nodes, lambda block: free_acc[block] >= need)
        elif k == 1:
            candidates = self._search(
                self._all_nodes,
                lambda block: (free_acc[block] >= need) & spare[group_of_node[block]])
        else:
            candidates = self._search(
                self._all_nodes,
                lambda block: ((free_acc[block] >= need) & spare[group_of_node[block]]
                               & (self.alive_in_group[group_of_node[block]] >= k)))
        if len(candidates):
            return int(group_of_node[self._choose(j, candidates)])
        if k == 1:
            candidates = self._search(self._all_nodes, lambda block: self.alive[block])
        else:
            candidates = self._search(
                self._all_nodes,
                lambda block: self.alive[block] & (self.alive_in_group[self.group_of_node[block]]
                                                   >= k))
        if len(candidates) == 0:
            return None
        return int(self.group_of_node[self._choose(j, candidates, free_now=False)])

    def _place_group_governed(self, j: int, k: int, need: int, spare: np.ndarray,
                              mask: np.ndarray) -> int | None:
        """:meth:`_place_group` for a job whose tenant may take only the nodes of ``mask``
        now (governance): the same search on those nodes; when none can take it now, every
        alive node its licence allows (it may be able to later)."""
        group_of_node, free_acc = self.group_of_node, self.free_acc
        alive_in_group = self.alive_in_group
        candidates = self._search(
            self._all_nodes,
            lambda block: ((free_acc[block] >= need) & spare[group_of_node[block]]
                           & mask[block] & (alive_in_group[group_of_node[block]] >= k)))
        if len(candidates):
            return int(group_of_node[self._choose(j, candidates)])
        tenant = self.job_tenant[j]
        self.governor.note_refusal(j, tenant, None, need)
        licensed = self.governance.licensed.get(tenant)
        candidates = self._search(
            self._all_nodes,
            lambda block: (self.alive[block] & (alive_in_group[group_of_node[block]] >= k)
                           & (True if licensed is None else licensed[block])))
        if len(candidates) == 0:
            return None
        return int(group_of_node[self._choose(j, candidates, free_now=False)])

    def _bind(self, j: int, g: int) -> None:
        """Job ``j`` now waits in group ``g``: queued there, or (with several groups, where a
        job's data goes to one of them) still uploading to it. Count it there."""
        if not self._bound[j]:
            self._bound[j] = True
            self.waiting[g] += 1
            self.waiting_acc[g] += max(self.job_acc[j], 1)
            self.waiting_acc_s[g] += self._full_speed_acc_s(j)

    def _unbind(self, j: int) -> None:
        """Job ``j`` started (or failed): no longer waiting in its group."""
        if self._bound[j]:
            self._bound[j] = False
            g = self.group[j]
            self.waiting[g] -= 1
            self.waiting_acc[g] -= max(self.job_acc[j], 1)
            self.waiting_acc_s[g] = (self.waiting_acc_s[g] - self._full_speed_acc_s(j)
                                     if self.waiting[g] else 0.0)

    def _full_speed_acc_s(self, j: int) -> float:
        """Job ``j``'s work at full speed, accelerator-seconds (the backlog estimates)."""
        return self.job_work[j] / (self._peak_acc * max(self.job_mfu[j], 1e-12))

    def _no_room_reason(self, j: int) -> str:
        k = self.job_nodes[j]
        if self.governor is not None and self.governance.licensed.get(
                self.job_tenant[j]) is not None and self.governor.licensed_alive(
                self.job_tenant[j]) < k:
            from orbitsim.sim.governance import LICENCE_REASON

            return LICENCE_REASON
        if k == 1:
            return "no node alive"
        per_node = self._gang_acc.get(self.job_tenant[j], self.n_acc)
        return (f"needs {k} nodes of one ISL group ({self.job_acc[j]} accelerators, "
                f"{per_node} a node); no group has {k} nodes alive")

    def _candidates(self, g: int, need: int, at_least: int = 1,
                    mask: np.ndarray | None = None) -> np.ndarray:
        """Nodes of group ``g`` with ``need`` free accelerators (a failed or cut-off node shows
        none, and every job needs one or more), among ``mask``'s (governance) if given."""
        pool = self._all_nodes if self.single_group else self.groups[g]
        if mask is not None:
            if len(pool) <= FULL_SEARCH_NODES:
                return pool[(self.free_acc[pool] >= need) & mask[pool]]
            return self._search(pool, lambda block: (self.free_acc[block] >= need)
                                & mask[block], at_least)
        if len(pool) <= FULL_SEARCH_NODES:
            if self.single_group:
                return (self.free_acc >= need).nonzero()[0]
            return pool[self.free_acc[pool] >= need]
        return self._search(pool, lambda block: self.free_acc[block] >= need, at_least)

    def _search(self, pool: np.ndarray, test: Callable[[np.ndarray | slice], np.ndarray],
                at_least: int = 1) -> np.ndarray:
        """The members of ``pool`` (sorted node indices) that pass ``test``: all of them for a
        small pool; for a large one, the first ``max(window, at_least)`` found from a seeded
        start, wrapping around (so that a job costs the same on 88,000 nodes as on 2,000)."""
        size = len(pool)
        if size <= FULL_SEARCH_NODES:
            return pool[test(pool)]
        limit = max(self._candidate_limit, at_least)
        position = self._randint(size)
        first = int(pool[0])
        contiguous = int(pool[-1]) - first + 1 == size  # the usual case: test on views
        found, count, scanned = [], 0, 0
        while scanned < size and count < limit:
            stop = min(position + SCAN_BLOCK, size, position + size - scanned)
            if contiguous:
                hits = np.flatnonzero(test(slice(first + position, first + stop)))
                hits += first + position
            else:
                block = pool[position:stop]
                hits = block[test(block)]
            found.append(hits)
            count += len(hits)
            scanned += stop - position
            position = stop % size
        if len(found) == 1:  # one block: already sorted
            return found[0][:limit]
        out = np.concatenate(found)[:limit]
        out.sort()
        return out

    def _randint(self, n: int) -> int:
        """A seeded integer in ``[0, n)`` (uniforms drawn 4,096 at a time: a Generator call
        per draw costs more than the search it seeds)."""
        i = self._uniform_next
        if i >= len(self._uniforms):
            self._uniforms = self.rng.random(4096).tolist()
            i = 0
        self._uniform_next = i + 1
        return min(int(self._uniforms[i] * n), n - 1)

    def _try_start(self, j: int, g: int) -> bool:
        if self._masks is not None and self.job_tenant[j] in self._masks:
            return self._try_start_governed(j, g, self._masks[self.job_tenant[j]])
        if self.job_nodes[j] == 1:
            need = max(self.job_acc[j], 1)
            if self._scan_first:  # first fit on a few nodes: a scan of the published list
                published = self._published
                for i in range(len(published)):
                    if published[i] >= need:
                        self._start(j, [self.nodes[i]], [need])
                        return True
                return False
            candidates = self._candidates(g, need)
            if len(candidates) == 0:
                return False
            self._start(j, [self.nodes[self._choose(j, candidates)]], [need])
            return True
        # A gang: the policy picks each member in turn among the nodes that can take it.
        sizes = self._member_sizes(j)
        candidates = self._candidates(g, sizes[0], len(sizes))
        if len(candidates) < len(sizes):
            return False
        self._start_gang(j, candidates, sizes)
        return True

    def _start_gang(self, j: int, candidates: np.ndarray, sizes: list[int]) -> None:
        """Start gang ``j``: the policy picks each member in turn among ``candidates``."""
        chosen = []
        for _ in sizes:
            index = self._choose(j, candidates)
            chosen.append(self.nodes[index])
            candidates = candidates[candidates != index]
        self._start(j, chosen, sizes)

    def _try_start_governed(self, j: int, g: int, mask: np.ndarray) -> bool:
        """:meth:`_try_start` for a job whose tenant may take only the nodes of ``mask`` now
        (governance); a licence refusal is noted when only forbidden nodes have room."""
        sizes = self._member_sizes(j)
        candidates = self._candidates(g, sizes[0], len(sizes), mask=mask)
        if len(candidates) < len(sizes):
            self.governor.note_refusal(
                j, self.job_tenant[j], None if self.single_group else self.groups[g], sizes[0])
            return False
        if len(sizes) == 1:
            self._start(j, [self.nodes[self._choose(j, candidates)]], sizes)
            return True
        self._start_gang(j, candidates, sizes)
        return True

    def _dispatch(self, g: int) -> None:
        """Start queued jobs of group ``g`` on its free nodes, in arrival order (a job that
        does not fit lets smaller ones behind it start: backfilling, 256 deep at most)."""
        queue = self.queues[g]
        if not queue:
            return
        if self.free_in_group[g] == 0:
            return
        started = []
        for position, j in enumerate(queue):
            if position >= 256 or self.free_in_group[g] == 0:
                break
            if self.job_acc[j] > self.free_in_group[g]:
                continue
            if self._try_start(j, g):
                started.append(j)
        if started:
            if len(started) == 1 and queue[0] == started[0]:
                queue.popleft()
            else:
                done = set(started)
                remaining = [j for j in queue if j not in done]
                queue.clear()
                queue.extend(remaining)

    def _start(self, j: int, nodes: list[NodeAgent], sizes: list[int]) -> None:
        if self.mesh is not None and self.mesh.stage(self, j, nodes, sizes):
            return  # its input is crossing the mesh: the nodes wait for it
        now = self.env.now
        if self._bound[j]:
            self._unbind(j)
        if len(nodes) == 1:
            node = nodes[0]
            running = RunningJob(j, sizes[0], self.job_work[j], self.done_flop[j],
                                 self.job_mfu[j], now, self.job_checkpoint[j])
            node.start(running)
            self._set_free(node)
            self._running[j] = [(node, running)]
        else:
            acc = max(self.job_acc[j], 1)
            members = []
            for node, size in zip(nodes, sizes):
                share = size / acc
                running = RunningJob(j, size, self.job_work[j] * share,
                                     self.done_flop[j] * share, self.job_mfu[j], now,
                                     self.job_checkpoint[j], hold=True)
                members.append((node, running))
                node.start(running)
                self._set_free(node)
            self._running[j] = members
        self.node[j] = nodes[0].index
        if math.isnan(self.start[j]):
            self.start[j] = now
        self.stage[j] = "compute"

    def _released(self, node: NodeAgent, job: RunningJob) -> None:
        """A node finished ``job``'s work: its accelerators go to the queue first, then the
        job's results go down. A gang member holds its accelerators until its whole gang is
        done (members compute in lock-step: the gang ends with its slowest member)."""
        j = job.job_id
        if job.hold:
            members = self._running[j]
            if any(member.job_id not in other.held for other, member in members):
                return
            for other, member in members:
                other.release(member)
                self._set_free(other)
        else:
            self._set_free(node)
        self._dispatch(node.group)
        self._computed(j)

    def _detach_partners(self, running: RunningJob) -> None:
        """A gang member's node failed or was cut off: take the other members off their
        nodes (rolled back to their last checkpoint)."""
        for other, member in self._running[running.job_id]:
            if member is not running and other.alive:
                other.remove(member)
                self._set_free(other)

    def _set_free(self, node: NodeAgent) -> None:
        """Publish ``node``'s free accelerators to the dispatcher: none while it is failed or
        cut off from its ISL group (queued data cannot reach it)."""
        i = node.index
        free = node.free if node.alive and not self.cut_off[i] else 0
        if free and self._reserved:  # held for jobs whose input is on its way (mesh)
            free = max(free - self._reserved.get(i, 0), 0)
        published = self._published
        if free != published[i]:
            self.free_in_group[node.group] += free - published[i]
            published[i] = free
            self.free_acc[i] = free

    # --- a job's life, as callbacks on SimPy events ----------------------------------------------
    #
    # A job is not a SimPy process: each stage ends in one event (its arrival, the end of its
    # upload, the node timer that ends its work) whose callback starts the next stage. The
    # download is booked when the work ends and needs no event of its own: nothing can happen
    # to the job after that but the last byte arriving at a time known at booking.

    def _schedule_arrival(self) -> None:
        j = self._next_arrival
        if j < len(self.job_arrival) and self.job_arrival[j] < self.horizon_s:
            event = self.env.timeout(max(self.job_arrival[j] - self.env.now, 0.0), j)
            event.callbacks.append(self._on_arrival)

    def _on_arrival(self, event: simpy.Event) -> None:
        j = event.value
        self._next_arrival = j + 1
        self._arrive(j)
        self._schedule_arrival()

    def _arrive(self, j: int) -> None:
        env = self.env
        tenant = self.job_tenant[j]
        if not self.operator_ok[tenant]:
            self._fail(j, "no node of an operator the tenant allows")
            return
        if not self.has_station[tenant]:
            self._fail(j, "no ground station in the tenant's jurisdiction")
            return
        governed = self.governor is not None and self.governance.licensed.get(tenant) is not None
        if governed and self.governor.licensed_alive(tenant) < self.job_nodes[j]:
            from orbitsim.sim.governance import LICENCE_REASON

            self._fail(j, LICENCE_REASON)
            return
        if self.job_kind[j] == "eo-processing":
            # Data born on board one satellite (drawn at random); processed in its ISL group.
            born = self._randint(len(self.nodes))
            if not self.nodes[born].alive:
                self._fail(j, "the satellite that took the data has failed")
                return
            if governed and self.governor.licensed_alive(
                    tenant, self.groups[int(self.group_of_node[born])]) < self.job_nodes[j]:
                from orbitsim.sim.governance import LICENCE_REASON

                self._fail(j, LICENCE_REASON + " in the ISL group of the satellite that took "
                           "its data")
                return
            if self.mesh is not None:  # it crosses the mesh from there to its node
                self.mesh.land(j, born, self.job_in[j])
            self._ready(j, int(self.group_of_node[born]))
            return
        g = self._place_group(j)
        if g is None:
            self._fail(j, self._no_room_reason(j))
            return
        self.stage[j] = "upload"
        self.group[j] = g  # jobs.parquet tells where the data goes from the start
        self.node[j] = self._lone_head[g]  # a satellite alone: the node is chosen too
        if not self.single_group:  # its data is promised to g: later placements see it
            self._bind(j, g)
        t_done = self.plan.transfer(j, "up", g, self.group_head[g], self.job_in[j], env.now,
                                    self.horizon_s, self.allowed_station[tenant],
                                    to_group=True)
        if t_done is None:  # pending: the contacts before the horizon cannot carry the upload
            if self._jobs_spool is not None:
                self._final(j)
            return
        self.bytes_up[j] = self.job_in[j]
        if t_done > env.now:
            event = env.timeout(t_done - env.now, (j, g))
            event.callbacks.append(self._on_uploaded)
        else:
            self.upload_end[j] = env.now
            self._ready(j, g)

    def _on_uploaded(self, event: simpy.Event) -> None:
        j, g = event.value
        self.upload_end[j] = self.env.now
        self._ready(j, g)

    def _ready(self, j: int, g: int) -> None:
        self.group[j] = g
        self.ready[j] = self.env.now
        self._enqueue(j)

    def _enqueue(self, j: int) -> None:
        g = self.group[j]
        self.stage[j] = "queue"
        if self.job_nodes[j] > self.alive_in_group[g]:
            self._fail(j, self._no_room_reason(j) if self.job_nodes[j] > 1
                       else "every node of its ISL group failed")
        elif (self.governor is not None
              and self.governance.licensed.get(self.job_tenant[j]) is not None
              and self.governor.licensed_alive(self.job_tenant[j], self.groups[g])
              < self.job_nodes[j]):
            from orbitsim.sim.governance import LICENCE_REASON

            self._fail(j, LICENCE_REASON + " in its ISL group")
        elif self.queues[g] or not self._try_start(j, g):
            self.queues[g].append(j)
            self._bind(j, g)

    def _computed(self, j: int, requeue: str = "") -> None:
        """Job ``j`` left its node(s): its work is done, or (``requeue``) it was taken off:
        ``"failure"`` (a node failed), ``"decay"`` (a node's orbit failed: it re-entered or its
        propagation diverged), ``"accelerator-failure"`` (one of its accelerators failed for
        good) or ``"isl-cut"`` (a gang member was cut off)."""
        members = self._running.pop(j)
        self._collect(j, members)
        if self.governor is not None:  # pauses of a job leaving its nodes end now
            self.governor.left(j, members)
        if requeue == "isl-cut":
            self._requeue(j)
            return
        if requeue == "accelerator-failure":
            if self.faults_destroy_jobs:
                self._fail(j, "an accelerator failed permanently (faults destroy jobs)",
                           lost=True)
            else:
                self._requeue(j)
            return
        if requeue:
            if self.faults_destroy_jobs:
                self._fail(j, "node decayed out of its orbit (faults destroy jobs)"
                           if requeue == "decay" else
                           "node failed permanently (faults destroy jobs)", lost=True)
            elif self.alive_in_group[self.group[j]] == 0:
                self._fail(j, "every node of its ISL group failed (the last one decayed out "
                           "of its orbit)" if requeue == "decay" else
                           "every node of its ISL group failed")
            else:
                self._requeue(j)
            return
        node = members[0][0]
        now = self.env.now
        self.compute_end[j] = now
        self.stage[j] = "download"
        t_done = self.plan.transfer(j, "down", self.group[j], node.index, self.job_out[j], now,
                                    self.horizon_s, self.allowed_station[self.job_tenant[j]])
        if t_done is not None:  # else pending: no allowed downlink before the horizon
            self.bytes_down[j] = self.job_out[j]
            if t_done < self.horizon_s or t_done <= now:
                self.finish[j] = t_done
                self.status[j] = "done"
                self.stage[j] = ""
            # else: pending, the last byte lands after the horizon (relay latency).
        if self._jobs_spool is not None:
            self._final(j)

    def _requeue(self, j: int) -> None:
        """Job ``j`` goes back to its group's queue: no node until it starts again."""
        g = self.group[j]
        self.node[j] = self.group_head[g] if len(self.groups[g]) == 1 else -1
        self._enqueue(j)

    def _collect(self, j: int, members: list[tuple[NodeAgent, RunningJob]]) -> None:
        if len(members) == 1:
            running = members[0][1]
            self.done_flop[j] = running.done_flop
            self.lost_flop[j] += running.lost_flop
            self.faults[j] += running.faults
            self.acc_s[j] += running.accelerator_s
            return
        self.done_flop[j] = sum(running.done_flop for _, running in members)
        self.lost_flop[j] += sum(running.lost_flop for _, running in members)
        self.faults[j] += sum(running.faults for _, running in members)
        self.acc_s[j] += sum(running.accelerator_s for _, running in members)

    def _fail(self, j: int, reason: str, lost: bool = False) -> None:
        if self._bound[j]:
            self._unbind(j)
        self.status[j] = "failed"
        self.reason[j] = reason
        self.stage[j] = ""
        if lost:
            self.lost[j] = True
        if self._jobs_spool is not None:
            self._final(j)

    def _attrition_uniform(self) -> float:
        """Which accelerator of a node fails: a uniform from the run's own stream of them."""
        if self._attrition_rng is None:
            self._attrition_rng = np.random.default_rng(
                np.random.SeedSequence(self._seed, spawn_key=(4,)))
        return float(self._attrition_rng.random())

    def _fault_driver(self):
        faults = self.inputs.faults
        if faults is None:
            return
        times, kinds, nodes = [], [], []
        for i, sefi in enumerate(faults.sefi_s):
            keep = sefi[sefi < min(faults.failure_s[i], self.horizon_s)]
            times.append(keep)
            kinds.append(np.zeros(len(keep), dtype=np.int8))
            nodes.append(np.full(len(keep), i))
        fail = np.flatnonzero(faults.failure_s < self.horizon_s)
        times.append(faults.failure_s[fail])
        kinds.append(np.ones(len(fail), dtype=np.int8))
        nodes.append(fail)
        for i, losses in enumerate(faults.accelerator_loss_s or []):
            keep = losses[losses < min(faults.failure_s[i], self.horizon_s)]
            times.append(keep)
            kinds.append(np.full(len(keep), 2, dtype=np.int8))
            nodes.append(np.full(len(keep), i))
        times = np.concatenate(times)
        order = np.lexsort((np.concatenate(nodes), times))
        kinds = np.concatenate(kinds)[order]
        nodes = np.concatenate(nodes)[order]
        env = self.env
        for t, kind, i in zip(times[order].tolist(), kinds.tolist(), nodes.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            node = self.nodes[i]
            if not node.alive:
                continue
            if kind == 2:  # one accelerator lost for good: the node goes on without it
                hit = node.lose_accelerator(self._attrition_uniform())
                self._set_free(node)
                if hit is not None and hit.hold:
                    self._detach_partners(hit)
                self._dispatch(node.group)
                if hit is not None:
                    self._computed(hit.job_id, requeue="accelerator-failure")
            elif kind == 0:
                recovery = faults.recovery_s
                if not np.isscalar(recovery):  # a mixed fleet: each node's own hardware
                    recovery = float(recovery[i])
                for running in node.fault(recovery):
                    if running.hold:  # a gang computes in lock-step: every member rolls back
                        for other, member in self._running[running.job_id]:
                            if member is not running:
                                other.rollback(member)
            else:
                self.alive[i] = False
                self.n_alive -= 1
                self.alive_in_group[node.group] -= 1
                hit = node.fail()
                self._set_free(node)
                for running in hit:
                    if running.hold:
                        self._detach_partners(running)
                self._dispatch(node.group)
                decay = self.inputs.decay_s
                why = "decay" if decay is not None and decay[i] <= t else "failure"
                for running in hit:
                    self._computed(running.job_id, requeue=why)

    def _cut_driver(self):
        """ISL cuts: a node cut off from its ISL group takes no queued job (the data cannot
        reach it) and its gangs restart elsewhere from their last checkpoint; its own jobs go
        on, and the contact plan keeps its passes for its own data only."""
        events = sorted([(c.start_s, 1, c.node) for c in self.isl_cuts]
                        + [(c.end_s, -1, c.node) for c in self.isl_cuts])
        env = self.env
        for t, change, i in events:
            if t >= self.horizon_s:
                break
            if t > env.now:
                yield env.timeout(t - env.now)
            node = self.nodes[i]
            if len(self.groups[node.group]) == 1:
                continue  # a satellite alone has no ISL to cut
            self.cut_depth[i] += change
            self.cut_off[i] = bool(self.cut_depth[i] > 0)
            if not node.alive:
                continue
            self._set_free(node)
            if change < 0:
                self._dispatch(node.group)
                continue
            gangs = [job for job in list(node.jobs.values()) + list(node.held.values())
                     if job.hold]
            for running in gangs:
                node.remove(running)
                self._set_free(node)
                self._detach_partners(running)
            self._dispatch(node.group)
            for running in gangs:
                self.isl_cut_restarts += 1
                self._computed(running.job_id, requeue="isl-cut")

    # --- run -------------------------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None, steps: int = 100) -> SimResult:
        env = self.env
        if self._streams():
            from orbitsim.sim.spool import Spool, SpoolFolder

            self._spool_folder = SpoolFolder()
            self._jobs_spool = Spool(self._spool_folder, "jobs")
            self._transfers_spool = Spool(
                self._spool_folder, "transfers", empty=TransferLog.rows_frame(
                    np.zeros((0, TransferLog.WIDTH)), list(self.inputs.network.names)))
            self.plan.log.sink = self._spool_transfers
        self._next_arrival = 0
        self._schedule_arrival()
        env.process(self._fault_driver())
        if self.isl_cuts:
            env.process(self._cut_driver())
        if self.governor is not None:
            process = self.governor.start()
            if process is not None:
                env.process(process)
        # Everything alive now (prepared inputs, 88,000 nodes' physics, the job table) lives
        # as long as the run: keep it out of the cyclic collector's full passes, which
        # otherwise rescan it every few hundred thousand allocations.
        gc.freeze()
        try:
            for k in range(1, steps + 1):
                env.run(until=self.horizon_s * k / steps)
                if progress is not None:
                    progress(k / steps)
        finally:
            gc.unfreeze()
        for node in self.nodes:
            if node.alive:
                node.sync()
                node.progress_jobs()
        for j, members in list(self._running.items()):
            self._collect(j, members)
        if self.governor is not None:
            self.governor.finish()
        return self._result()

    def _streams(self) -> bool:
        """Whether this run writes the rows of final jobs out as it goes (see :meth:`_final`).
        Runs with governance rules (a governor) or the laser mesh (``isl = "mesh"``) do not:
        some of their per-job columns (pauses, licence refusals, mesh seconds) are known only
        at the end of the run, so their tables are built whole at the end."""
        return self.governor is None and self.mesh is None and self.n_jobs > 0

    def _final(self, j: int) -> None:
        """Job ``j`` is final (done, failed, or pending with nothing left it can do before the
        horizon): nothing changes its row any more. Rows go out in job order: once every job
        up to the watermark is final and :data:`TAKE_ROWS` of them wait, their state leaves
        the per-job dicts (:meth:`_emit`). The state held is then that of the jobs from the
        oldest one still in flight to the newest arrival, plus fewer than ``TAKE_ROWS``."""
        flags = self._final_flags
        flags[j] = 1
        mark = self._mark
        if j == mark:
            n = self.n_jobs
            while mark < n and flags[mark]:
                mark += 1
            self._mark = mark
            if mark - self._emitted >= TAKE_ROWS:
                self._emit(mark)

    def _emit(self, stop: int, flush: bool = False) -> None:
        """Take rows ``_emitted .. stop - 1`` out of the per-job dicts (:data:`TAKE_ROWS` at a
        time, into plain arrays: a few hundred bytes a row instead of a few KB) and write
        them to the jobs spool in row groups of :data:`SPOOL_ROWS` (all of them: ``flush``)."""
        while self._emitted < stop:
            begin = self._emitted
            end = min(begin + TAKE_ROWS, stop)
            self._taken.append(self._take(begin, end, pop=True))
            self._taken_rows += end - begin
            self._emitted = end
            if self._taken_rows >= SPOOL_ROWS:
                self._write_taken()
        if flush and self._taken_rows:
            self._write_taken()

    def _write_taken(self) -> None:
        taken, self._taken = self._taken, []
        end = self._emitted
        begin = end - self._taken_rows
        self._taken_rows = 0
        state = {name: (list(chain.from_iterable(part[name] for part in taken))
                        if isinstance(taken[0][name], list)
                        else np.concatenate([part[name] for part in taken]))
                 for name in taken[0]}
        del taken
        self._jobs_spool.write(self._frame(begin, end, state))

    def _spool_transfers(self, rows: np.ndarray) -> None:
        """The transfer log's sink: its pieces so far, written to the transfers spool."""
        self._transfers_spool.write(
            TransferLog.rows_frame(rows, list(self.inputs.network.names)))

    def _take(self, begin: int, end: int, pop: bool = False) -> dict:
        """The state of jobs ``begin .. end - 1`` as plain columns (strings as lists, numbers
        as arrays); ``pop``: taken out of the per-job dicts."""
        ids = range(begin, end)

        def take(state: dict, default):
            get = state.pop if pop else state.get
            return [get(j, default) for j in ids]

        nan = math.nan
        out = {"status": take(self.status, "pending"), "reason": take(self.reason, ""),
               "stage": take(self.stage, "")}
        for name, state, default, dtype in (
                ("node", self.node, -1, np.int64), ("group", self.group, -1, np.int64),
                ("upload_end_s", self.upload_end, nan, float), ("start_s", self.start, nan, float),
                ("compute_end_s", self.compute_end, nan, float),
                ("finish_s", self.finish, nan, float), ("ready_s", self.ready, nan, float),
                ("done_flop", self.done_flop, 0.0, float),
                ("lost_flop", self.lost_flop, 0.0, float),
                ("faults", self.faults, 0, np.int64), ("accelerator_s", self.acc_s, 0.0, float),
                ("bytes_up", self.bytes_up, 0.0, float),
                ("bytes_down", self.bytes_down, 0.0, float), ("lost", self.lost, False, bool)):
            out[name] = np.asarray(take(state, default), dtype=dtype)
        if pop:
            bound = self._bound
            for j in ids:
                bound.pop(j, None)
        return out

    def _frame(self, begin: int, end: int, state: dict | None = None,
               extra: dict | None = None) -> pd.DataFrame:
        """The rows ``begin .. end - 1`` of ``jobs.parquet``: the job table's columns, then each
        job's outcome (``state``: taken by :meth:`_take`, else read from the per-job dicts).
        ``extra``: more columns (whole-table arrays) placed before ``deadline_missed``."""
        state = self._take(begin, end) if state is None else state
        jobs = self._job_inputs.frame(begin, end)
        jobs["status"] = state["status"]
        jobs["reason"] = state["reason"]
        jobs["stage"] = state["stage"]
        jobs["node"] = state["node"]
        jobs["group"] = state["group"]
        jobs["gang_nodes"] = np.frombuffer(self.job_nodes, dtype=np.int64)[begin:end].copy()
        for name in ("upload_end_s", "start_s", "compute_end_s", "finish_s"):
            jobs[name] = state[name]
        jobs["latency_s"] = jobs["finish_s"] - jobs["arrival_s"]
        jobs["queue_s"] = jobs["start_s"] - state["ready_s"]
        for name in ("done_flop", "lost_flop", "faults", "accelerator_s", "bytes_up",
                     "bytes_down", "lost"):
            jobs[name] = state[name]
        del state
        # the accelerator type of the node each job ran on (or runs on; "" if none)
        node_index = jobs["node"].to_numpy()
        accelerator_of_node = np.array(self._accelerator_names() + [""], dtype=object)
        jobs["accelerator"] = accelerator_of_node[np.where(node_index >= 0, node_index, -1)]
        for name, values in (extra or {}).items():
            jobs[name] = values
        deadline = jobs["deadline_s"].to_numpy(dtype=float)
        jobs["deadline_missed"] = np.isfinite(deadline) & (
            (jobs["latency_s"].to_numpy() > deadline)
            | ((jobs["status"] != "done").to_numpy()
               & (self.horizon_s - jobs["arrival_s"].to_numpy() > deadline)))
        pending = jobs["status"] == "pending"
        if pending.any():  # (a zero-job run has string columns of no dtype to add to)
            jobs.loc[pending & (jobs["stage"] == ""), "stage"] = "upload"
            jobs.loc[pending, "reason"] = "horizon reached during " + jobs.loc[pending, "stage"]
        return jobs

    def _result(self) -> SimResult:
        from orbitsim.sim.metrics import governance_violations

        streamed = self._jobs_spool is not None
        if streamed:  # the jobs still in flight, and those never started, go out now
            self._emit(self.n_jobs, flush=True)
            self._jobs_spool.close()
            log = self.plan.log
            log.flush()
            if len(log.rows):
                log.sink(np.frombuffer(log.rows, dtype=float).reshape(-1, log.WIDTH))
                log.rows = array("d")
            log.sink = None
            self._transfers_spool.close()
            jobs = self._jobs_spool
            transfers = self._transfers_spool
            violations = 0
            if any(mask is not None for mask in self.allowed_station.values()):
                violations = governance_violations(
                    transfers.columns(["job_id", "station_index"]),
                    pd.DataFrame({"tenant": self._job_inputs.column("tenant")}),
                    self.allowed_station)
        else:
            extra = (self.governor.job_columns(self.n_jobs) if self.governor is not None
                     else None)
            jobs = self._frame(0, self.n_jobs, extra=extra)
            transfers = self.plan.log.frame(list(self.inputs.network.names))
            violations = governance_violations(transfers, jobs, self.allowed_station)
        names = self.inputs.constellation.names
        accelerator_names = self._accelerator_names()
        node_rows = []
        for node in self.nodes:
            built = self.n_acc if self.node_acc is None else int(self.node_acc[node.index])
            row = {"node": node.index, "satellite": names[node.index], "group": node.group,
                   "accelerator": accelerator_names[node.index], "accelerators": built,
                   "alive": node.alive, "busy_accelerator_s": node.busy_accelerator_s,
                   "utilisation": node.busy_accelerator_s / (built * self.horizon_s),
                   "faults": node.faults, "lost_flop": node.lost_flop,
                   "accelerators_lost": node.accelerators_lost}
            if node.physics is not None:
                totals = node.physics.totals()
                row.update({f"{k}": v for k, v in totals.items()})
                row["final_soc"] = node.physics.soc
                row["capacity_wh"] = node.physics.capacity_wh
            node_rows.append(row)
        isl_transfers = isl_links = isl_summary = None
        if self.mesh is not None:
            isl_transfers, isl_links = self.mesh.frame(), self.mesh.link_frame()
            isl_summary = self.mesh.summary(isl_transfers, isl_links, transfers)
            jobs["isl_s"] = self.mesh.job_seconds(len(jobs))
        return SimResult(jobs=jobs, nodes=pd.DataFrame(node_rows), transfers=transfers,
                         horizon_s=self.horizon_s, accelerators_per_node=self.n_acc,
                         node_physics=self.inputs.nodes, governance_violations=violations,
                         isl_cut_restarts=self.isl_cut_restarts,
                         bound_tenants=tuple(name for name, mask in self.allowed_station.items()
                                             if mask is not None),
                         isl_transfers=isl_transfers, isl_links=isl_links,
                         isl_summary=isl_summary,
                         accelerators_total=(self.n_acc * len(self.nodes) if self.node_acc is None
                                             else int(self.node_acc.sum())),
                         pauses=(self.governor.pauses_frame() if self.governor is not None
                                 else None),
                         governance=self.governance)

    def _accelerator_names(self) -> list[str]:
        """The accelerator name of every node."""
        fleet = self.inputs.fleet
        if fleet is None:
            return [self.inputs.hardware.accelerator.name] * len(self.nodes)
        return fleet.accelerator_names().tolist()
