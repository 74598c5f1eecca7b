"""The SimPy model: jobs through their whole life on the constellation.

arrival on the ground -> upload during contacts (or relayed over ISLs from a satellite in
contact) -> queue in the ISL group -> compute on a node under its power and thermal caps
(checkpoints; a fault rolls back to the last one) -> download to an allowed station -> done.

Every job ends ``done``, ``failed`` (with a reason) or ``pending`` at the horizon (with the
stage it was in). Events are real events only: arrivals, transfer ends, job ends, node physics
events (battery floor, radiator limit, sunrise, sunset), faults.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from orbitsim.model.workload import Workload
from orbitsim.physics.node import NodePhysics
from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.sim.links import ContactPlan
from orbitsim.sim.nodes import NodeAgent, RunningJob
from orbitsim.sim.prepare import SimInputs

STAGES = ("upload", "queue", "compute", "download")
#: Largest number of candidate nodes shown to a policy at once (a seeded sample beyond it).
MAX_CANDIDATES = 256
MAX_STATEFUL_CANDIDATES = 64


@dataclass
class SimResult:
    """Outcome of a run: per-job and per-node tables, transfers, and the inputs' context."""

    jobs: pd.DataFrame
    nodes: pd.DataFrame
    transfers: pd.DataFrame
    horizon_s: float
    accelerators_per_node: int
    node_physics: list[NodePhysics] | None
    governance_violations: int


class _LazyArrays(dict):
    """The arrays of a :class:`NodeView`, computed on first access (a policy that reads
    nothing, like ``fifo``, costs nothing)."""

    def __init__(self, simulation: Simulation, job_id: int, candidates: np.ndarray) -> None:
        super().__init__()
        self._simulation = simulation
        self._job_id = job_id
        self._candidates = candidates

    def __missing__(self, name: str) -> np.ndarray:
        sim, candidates = self._simulation, self._candidates
        if name == "free_accelerators":
            value = sim.free_acc[candidates].copy()
        elif name == "queued_jobs":
            value = np.array([len(sim.queues[int(sim.group_of_node[i])])
                              for i in candidates.tolist()], dtype=np.int64)
        elif name in ("soc", "sunlit", "temp_k", "temp_margin_k", "power_cap_w",
                      "throughput_flops"):
            self.update(sim._state_arrays(self._job_id, candidates))
            return self[name]
        else:
            raise KeyError(name)
        self[name] = value
        return value


class _Requeue:
    """Sentinel result of a running job's event when its node failed permanently."""


REQUEUE = _Requeue()


class Simulation:
    """One run of a workload on a constellation under a policy.

    ``jobs`` is the table of :func:`orbitsim.model.workload.generate_jobs`. ``faults_destroy_jobs``
    makes a permanent node failure fail its jobs (``lost``) instead of requeueing them.
    """

    def __init__(self, inputs: SimInputs, workload: Workload, jobs: pd.DataFrame,
                 policy: Policy, *, seed: int, horizon_s: float | None = None,
                 faults_destroy_jobs: bool = False) -> None:
        self.inputs = inputs
        self.workload = workload
        self.policy = policy
        policy.reset()
        self.env = simpy.Environment(initial_time=0.0)
        self.horizon_s = float(horizon_s if horizon_s is not None else inputs.grid.duration_s)
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
        self.faults_destroy_jobs = faults_destroy_jobs
        hardware = inputs.hardware
        self.n_acc = hardware.accelerators
        peak_acc = hardware.accelerator.dense_flops("bf16")
        p_acc = hardware.accelerator.power_limit_w
        n = inputs.n_nodes
        self.group_of_node = inputs.group_of_node
        self.nodes = [
            NodeAgent(i, inputs.nodes[i] if inputs.nodes is not None else None, self.n_acc,
                      peak_acc, p_acc, int(self.group_of_node[i]), inputs.operator, self.env,
                      self._released)
            for i in range(n)
        ]
        self.radiator_limit_k = hardware.radiator_limit_k
        self.plan = ContactPlan(inputs.contacts, self.group_of_node)
        self.station_country = np.array([s.country for s in inputs.network])
        self.groups = {int(g): np.flatnonzero(self.group_of_node == g)
                       for g in np.unique(self.group_of_node)}
        self.single_group = len(self.groups) == 1
        # Free accelerators and liveness of every node, as arrays for fast candidate search.
        self.free_acc = np.full(n, self.n_acc, dtype=np.int64)
        self.alive = np.ones(n, dtype=bool)
        self.free_in_group = {g: len(members) * self.n_acc for g, members in self.groups.items()}
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
        self._load_jobs(jobs)

    # --- job table ---------------------------------------------------------------------------

    def _load_jobs(self, jobs: pd.DataFrame) -> None:
        self.jobs_in = jobs.reset_index(drop=True)
        n = len(jobs)
        self.job_tenant = jobs["tenant"].tolist()
        self.job_kind = jobs["kind"].tolist()
        self.job_arrival = jobs["arrival_s"].to_numpy(dtype=float).tolist()
        self.job_work = jobs["work_flop"].to_numpy(dtype=float).tolist()
        self.job_acc = jobs["accelerators"].to_numpy(dtype=np.int64).tolist()
        self.job_in = jobs["input_bytes"].to_numpy(dtype=float).tolist()
        self.job_out = jobs["output_bytes"].to_numpy(dtype=float).tolist()
        self.job_deadline = np.nan_to_num(jobs["deadline_s"].to_numpy(dtype=float),
                                          nan=np.inf).tolist()
        self.job_checkpoint = np.nan_to_num(jobs["checkpoint_interval_s"].to_numpy(dtype=float),
                                            nan=np.inf).tolist()
        self.job_mfu = jobs["mfu"].to_numpy(dtype=float).tolist()
        nan = [math.nan] * n
        self.status = ["pending"] * n
        self.stage = [""] * n
        self.reason = [""] * n
        self.node = [-1] * n
        self.upload_end = list(nan)
        self.start = list(nan)
        self.compute_end = list(nan)
        self.finish = list(nan)
        self.done_flop = [0.0] * n
        self.lost_flop = [0.0] * n
        self.faults = [0] * n
        self.acc_s = [0.0] * n
        self.bytes_up = [0.0] * n
        self.bytes_down = [0.0] * n
        self.group = [-1] * n
        self.ready = list(nan)
        self._running: dict[int, tuple[NodeAgent, RunningJob]] = {}

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

    def _view(self, job_id: int, candidates: np.ndarray) -> NodeView:
        policy = self.policy
        limit = MAX_STATEFUL_CANDIDATES if policy.needs_state else MAX_CANDIDATES
        if len(candidates) > limit:
            # A seeded window of the candidates (power-of-K choices) keeps big constellations
            # cheap; the window keeps the candidates sorted by node index.
            offset = int(self.rng.integers(len(candidates) - limit + 1))
            candidates = candidates[offset:offset + limit]
        return NodeView(self.env.now, candidates, _LazyArrays(self, job_id, candidates),
                        self._next_contact(job_id))

    def _state_arrays(self, job_id: int, candidates: np.ndarray) -> dict[str, np.ndarray]:
        nodes = [self.nodes[i] for i in candidates.tolist()]
        peak = np.array([n.peak_acc for n in nodes])
        if self.inputs.nodes is None:
            return dict(soc=np.ones(len(nodes)), sunlit=np.ones(len(nodes)),
                        temp_k=np.zeros(len(nodes)), temp_margin_k=np.full(len(nodes), np.inf),
                        power_cap_w=np.full(len(nodes), self.n_acc * nodes[0].p_acc_max),
                        throughput_flops=peak)
        statuses = [node.status() for node in nodes]
        arrays = {
            "soc": np.array([s.soc for s in statuses]),
            "sunlit": np.array([s.illuminated for s in statuses]),
            "temp_k": np.array([s.temp_k for s in statuses]),
            "power_cap_w": np.array([s.power_cap_w for s in statuses]),
        }
        arrays["temp_margin_k"] = self.radiator_limit_k - arrays["temp_k"]
        # Per-accelerator throughput if the job's accelerators ran under today's cap.
        busy_after = np.array([n.busy for n in nodes]) + self.job_acc[job_id]
        share = np.minimum(arrays["power_cap_w"] / busy_after, nodes[0].p_acc_max)
        arrays["throughput_flops"] = peak * np.array(
            [n.physics.throughput_fraction(x * self.n_acc) for n, x in zip(nodes, share)])
        return arrays

    def _request(self, j: int) -> JobRequest:
        return JobRequest(j, self.job_tenant[j], self.job_kind[j], self.job_acc[j],
                          self.job_work[j], self.job_in[j], self.job_out[j],
                          self.job_arrival[j], self.job_deadline[j], self.job_mfu[j])

    def _choose(self, j: int, candidates: np.ndarray) -> int:
        view = self._view(j, candidates)
        position = self.policy.choose(self._request(j), view)
        if not 0 <= position < len(view):
            raise ValueError(f"policy {self.policy.name!r} chose position {position} of "
                             f"{len(view)} candidates")
        return int(view.index[position])

    # --- placement and dispatch --------------------------------------------------------------

    def _place_group(self, j: int) -> int | None:
        """The ISL group that receives job ``j``'s data: the group of the node the policy
        prefers among all alive nodes (only asked when there are several groups)."""
        if self.single_group:
            g = next(iter(self.groups))
            return g if self.alive.any() else None
        alive = np.flatnonzero(self.alive)
        if len(alive) == 0:
            return None
        return int(self.group_of_node[self._choose(j, alive)])

    def _candidates(self, g: int, need: int) -> np.ndarray:
        if self.single_group:
            return np.flatnonzero((self.free_acc >= need) & self.alive)
        members = self.groups[g]
        return members[(self.free_acc[members] >= need) & self.alive[members]]

    def _try_start(self, j: int, g: int) -> bool:
        need = min(self.job_acc[j], self.n_acc)
        candidates = self._candidates(g, need)
        if len(candidates) == 0:
            return False
        self._start(j, self.nodes[self._choose(j, candidates)], need)
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
            if min(self.job_acc[j], self.n_acc) > self.free_in_group[g]:
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

    def _start(self, j: int, node: NodeAgent, accelerators: int) -> None:
        # The job's process waits on one event: it succeeds when the job's work is done (or
        # with REQUEUE when its node fails).
        running = RunningJob(j, accelerators, self.job_work[j], self.done_flop[j],
                             self.job_mfu[j], self.env.now, self.job_checkpoint[j],
                             self._waiting[j])
        self._running[j] = (node, running)
        self.node[j] = node.index
        if math.isnan(self.start[j]):
            self.start[j] = self.env.now
        self.stage[j] = "compute"
        node.start(running)
        self.free_acc[node.index] = node.free
        self.free_in_group[node.group] -= accelerators

    def _released(self, node: NodeAgent, job: RunningJob) -> None:
        self.free_acc[node.index] = node.free
        self.free_in_group[node.group] += job.accelerators
        self._dispatch(node.group)

    # --- processes -----------------------------------------------------------------------------

    def _job(self, j: int):
        env = self.env
        tenant = self.job_tenant[j]
        allowed = self.allowed_station[tenant]
        if not self.operator_ok[tenant]:
            self._fail(j, "no node of an operator the tenant allows")
            return
        if not self.has_station[tenant]:
            self._fail(j, "no ground station in the tenant's jurisdiction")
            return
        if self.job_kind[j] == "eo-processing":
            # Data born on board one satellite (drawn at random); processed in its ISL group.
            born = int(self.rng.integers(len(self.nodes)))
            g = int(self.group_of_node[born])
            if not self.nodes[born].alive:
                self._fail(j, "the satellite that took the data has failed")
                return
        else:
            g = self._place_group(j)
            if g is None:
                self._fail(j, "no node alive")
                return
            self.stage[j] = "upload"
            members = self.groups[g]
            t_done = self.plan.transfer(j, "up", g, int(members[0]), self.job_in[j], env.now,
                                        self.horizon_s, allowed)
            if t_done is None:
                return  # pending: the contacts before the horizon cannot carry the upload
            self.bytes_up[j] = self.job_in[j]
            if t_done > env.now:
                yield env.timeout(t_done - env.now)
            self.upload_end[j] = env.now
        self.group[j] = g
        self.ready[j] = env.now
        while True:
            self.stage[j] = "queue"
            self._waiting[j] = env.event()
            if self.queues[g] or not self._try_start(j, g):
                self.queues[g].append(j)
            result = yield self._waiting[j]
            node, running = self._running.pop(j)
            del self._waiting[j]
            self._collect(j, running)
            if result is not REQUEUE:
                break
            if self.faults_destroy_jobs:
                self._fail(j, "node failed permanently (faults destroy jobs)", lost=True)
                return
            if not any(self.nodes[i].alive for i in self.groups[g]):
                self._fail(j, "every node of its ISL group failed")
                return
        self.compute_end[j] = env.now
        self.stage[j] = "download"
        t_done = self.plan.transfer(j, "down", g, node.index, self.job_out[j], env.now,
                                    self.horizon_s, allowed)
        if t_done is None:
            return  # pending: no allowed downlink before the horizon
        self.bytes_down[j] = self.job_out[j]
        if t_done > env.now:
            yield env.timeout(t_done - env.now)
        self.finish[j] = env.now
        self.status[j] = "done"
        self.stage[j] = ""

    def _collect(self, j: int, running: RunningJob) -> None:
        self.done_flop[j] = running.done_flop
        self.lost_flop[j] += running.lost_flop
        self.faults[j] += running.faults
        self.acc_s[j] += running.accelerator_s

    def _fail(self, j: int, reason: str, lost: bool = False) -> None:
        self.status[j] = "failed"
        self.reason[j] = reason
        self.stage[j] = ""
        if lost:
            self.lost[j] = True

    def _arrivals(self):
        env = self.env
        for j, t in enumerate(self.job_arrival):
            if t >= self.horizon_s:
                break
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self._job(j))

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
            if kind == 0:
                node.fault(faults.recovery_s)
            else:
                self.alive[i] = False
                self.free_in_group[node.group] -= int(self.free_acc[i])
                self.free_acc[i] = 0
                for running in node.fail():
                    running.event.succeed(REQUEUE)
                self._dispatch(node.group)

    # --- run -------------------------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None, steps: int = 100) -> SimResult:
        env = self.env
        n = len(self.job_arrival)
        self._waiting: dict[int, simpy.Event] = {}
        self.lost = [False] * n
        env.process(self._arrivals())
        env.process(self._fault_driver())
        for k in range(1, steps + 1):
            env.run(until=self.horizon_s * k / steps)
            if progress is not None:
                progress(k / steps)
        for node in self.nodes:
            if node.alive:
                node.sync()
                node.progress_jobs()
        for j, (_node, running) in list(self._running.items()):
            self._collect(j, running)
        return self._result()

    def _result(self) -> SimResult:
        jobs = self.jobs_in.copy()
        jobs["status"] = self.status
        jobs["reason"] = self.reason
        jobs["stage"] = self.stage
        jobs["node"] = np.asarray(self.node, dtype=np.int64)
        jobs["group"] = np.asarray(self.group, dtype=np.int64)
        for name, values in (("upload_end_s", self.upload_end), ("start_s", self.start),
                             ("compute_end_s", self.compute_end), ("finish_s", self.finish)):
            jobs[name] = np.asarray(values, dtype=float)
        jobs["latency_s"] = jobs["finish_s"] - jobs["arrival_s"]
        jobs["queue_s"] = jobs["start_s"] - np.asarray(self.ready, dtype=float)
        jobs["done_flop"] = np.asarray(self.done_flop)
        jobs["lost_flop"] = np.asarray(self.lost_flop)
        jobs["faults"] = np.asarray(self.faults, dtype=np.int64)
        jobs["accelerator_s"] = np.asarray(self.acc_s)
        jobs["bytes_up"] = np.asarray(self.bytes_up)
        jobs["bytes_down"] = np.asarray(self.bytes_down)
        jobs["lost"] = np.asarray(self.lost, dtype=bool)
        deadline = jobs["deadline_s"].to_numpy(dtype=float)
        jobs["deadline_missed"] = np.isfinite(deadline) & (
            (jobs["latency_s"].to_numpy() > deadline)
            | ((jobs["status"] != "done").to_numpy()
               & (self.horizon_s - jobs["arrival_s"].to_numpy() > deadline)))
        pending = jobs["status"] == "pending"
        jobs.loc[pending & (jobs["stage"] == ""), "stage"] = "upload"
        jobs.loc[pending, "reason"] = "horizon reached during " + jobs.loc[pending, "stage"]
        names = self.inputs.constellation.names
        node_rows = []
        for node in self.nodes:
            row = {"node": node.index, "satellite": names[node.index], "group": node.group,
                   "alive": node.alive, "busy_accelerator_s": node.busy_accelerator_s,
                   "utilisation": node.busy_accelerator_s / (self.n_acc * self.horizon_s),
                   "faults": node.faults, "lost_flop": node.lost_flop}
            if node.physics is not None:
                totals = node.physics.totals()
                row.update({f"{k}": v for k, v in totals.items()})
                row["final_soc"] = node.physics.soc
                row["capacity_wh"] = node.physics.capacity_wh
            node_rows.append(row)
        transfers = self.plan.log.frame(list(self.inputs.network.names))
        from orbitsim.sim.metrics import governance_violations

        violations = governance_violations(transfers, jobs, self.allowed_station)
        return SimResult(jobs=jobs, nodes=pd.DataFrame(node_rows), transfers=transfers,
                         horizon_s=self.horizon_s, accelerators_per_node=self.n_acc,
                         node_physics=self.inputs.nodes, governance_violations=violations)
