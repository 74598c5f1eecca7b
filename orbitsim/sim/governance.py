"""Governance rules in the simulation: export licences, remote suspensions, geofenced compute.

The rules of a scenario's ``[governance]`` table (:mod:`orbitsim.model.governance`) act where
the simulation offers nodes to a policy, as operators and jurisdictions do: a job is offered
only the nodes its tenant may compute on *now*, so a policy can never place it elsewhere.

* **Licences**: a tenant's jobs are offered only nodes of accelerator types its licence allows
  (``access`` allowed or terms). A job that finds free accelerators only on nodes its licence
  forbids waits for a licensed one (a *licence refusal*, counted once per job); a job with no
  licensed node to go to fails with :data:`LICENCE_REASON`.
* **Remote suspensions**: during a window, the jobs of the named tenants on the named nodes
  pause (``mode = "pause"``: they keep their accelerators and their state) or are stopped back
  to their last checkpoint (``"kill"``: the work since then is lost), and resume at the end;
  no job of theirs starts on those nodes meanwhile.
* **Geofenced compute**: while a node's sub-satellite point is inside a region a tenant's terms
  forbid (entry and exit times from :func:`orbitsim.geometry.regions.region_intervals`, once
  per run), the node checkpoints that tenant's work at the border and stops it, and resumes it
  on the way out; no job of that tenant starts on the node meanwhile.

What each rule cost is counted per job (``suspended_s``, ``geofenced_s``: time at least one of
its members was paused for that reason; ``governance_lost_flop``: work lost to kill-mode
suspensions) and per pause (:attr:`Governor.pauses`: job, node, reason, start, end,
accelerators), from which the summary derives the idle accelerator-hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orbitsim.model.governance import Governance, Terms, region_specs, terms_for

#: Reason of a job that no node its licence allows can take.
LICENCE_REASON = "no node of an accelerator type its licence allows"
#: Pause reasons, as the pauses table and the summary name them.
SUSPENDED, GEOFENCED = "suspended", "geofenced"
PAUSE_COLUMNS = ("job_id", "tenant", "node", "reason", "start_s", "end_s", "accelerators")


@dataclass(frozen=True, eq=False)
class GovernanceRules:
    """What a scenario's governance means for one run's nodes and tenants (computed before the
    run by :func:`build_rules`)."""

    governance: Governance
    #: (tenant, accelerator name) -> the terms that govern it
    terms: dict[tuple[str, str], Terms]
    #: tenant -> ``(n_nodes,)`` nodes its licence allows, or None (every node)
    licensed: dict[str, np.ndarray | None]
    #: tenant -> region name -> ``(n_nodes,)`` nodes on which that region is geofenced for it
    geofenced: dict[str, dict[str, np.ndarray]]
    #: ``(n_nodes,)`` nodes whose telemetry is monitored
    monitored: np.ndarray
    #: tenants whose placement the rules can restrict
    governed: frozenset[str]
    tenants: tuple[str, ...]
    #: tenant -> home country (ISO alpha-2, "" if not given)
    homes: dict[str, str] | None = None
    #: ``(n_nodes,)`` accelerator name of each node
    node_accelerator: np.ndarray | None = None

    @property
    def regions(self) -> list[str]:
        """Geofence regions some tenant's terms use, sorted."""
        return sorted({r for per in self.geofenced.values() for r in per})

    def region_specs(self) -> dict[str, tuple]:
        """``{name: (countries, boxes)}`` of :attr:`regions`."""
        return region_specs(self.governance, self.regions)


def build_rules(governance: Governance, tenants, node_accelerator: np.ndarray
                ) -> GovernanceRules:
    """The rules for ``tenants`` (workload tenants) on nodes whose accelerators are
    ``node_accelerator`` ``(n_nodes,)`` names."""
    node_accelerator = np.asarray(node_accelerator, dtype=object)
    names = sorted(set(node_accelerator.tolist()))
    terms = {(t.name, a): terms_for(governance, t, a) for t in tenants for a in names}
    licensed: dict[str, np.ndarray | None] = {}
    geofenced: dict[str, dict[str, np.ndarray]] = {}
    monitored = np.zeros(len(node_accelerator), dtype=bool)
    for tenant in tenants:
        allowed = [a for a in names if terms[tenant.name, a].allowed]
        licensed[tenant.name] = (None if len(allowed) == len(names)
                                 else np.isin(node_accelerator, allowed))
        regions: dict[str, np.ndarray] = {}
        for a in allowed:
            on = node_accelerator == a
            for region in terms[tenant.name, a].geofence:
                regions[region] = regions.get(region, np.zeros(len(on), dtype=bool)) | on
            if terms[tenant.name, a].access == "terms" and terms[tenant.name, a].monitoring:
                monitored |= on
        if regions:
            geofenced[tenant.name] = regions
    everyone = {t.name for t in tenants}
    suspended = set()
    for suspension in governance.suspensions:
        suspended |= set(suspension.tenants) if suspension.tenants else everyone
    governed = {t for t, mask in licensed.items() if mask is not None} | set(geofenced) \
        | suspended
    return GovernanceRules(governance, terms, licensed, geofenced, monitored,
                           frozenset(governed), tuple(t.name for t in tenants),
                           {t.name: (t.home_country or "").upper() for t in tenants},
                           node_accelerator)


class Governor:
    """The rules at work in one simulation: the nodes each governed tenant may take now
    (:attr:`masks`, read by the engine's candidate search), the suspension and geofence events
    as a SimPy process, and the book-keeping of what they cost."""

    def __init__(self, simulation, rules: GovernanceRules,
                 region_intervals: dict[str, list[np.ndarray]] | None) -> None:
        self.sim = simulation
        self.rules = rules
        n = len(simulation.nodes)
        self.n = n
        self.masks: dict[str, np.ndarray] = {}
        self._base: dict[str, np.ndarray] = {}
        self._suspended: dict[str, np.ndarray] = {}
        self._inside: dict[str, np.ndarray] = {}
        for tenant in sorted(rules.governed):
            base = rules.licensed.get(tenant)
            base = np.ones(n, dtype=bool) if base is None else base.copy()
            self._base[tenant] = base
            self.masks[tenant] = base.copy()
            self._suspended[tenant] = np.zeros(n, dtype=np.int64)
            self._inside[tenant] = np.zeros(n, dtype=np.int64)
        events = []
        for i, suspension in enumerate(rules.governance.suspensions):
            events.append((suspension.start_s, 1, "suspend", i))
            events.append((suspension.end_s, 0, "resume", i))
        for region in rules.regions:
            bound = np.zeros(n, dtype=bool)
            for per in rules.geofenced.values():
                if region in per:
                    bound |= per[region]
            spans = (region_intervals or {}).get(region)
            if spans is None:
                raise ValueError(f"no intervals computed for geofence region {region!r}")
            for node in np.flatnonzero(bound).tolist():
                for start_s, end_s in spans[node].tolist():
                    events.append((start_s, 1, "enter", (region, node)))
                    events.append((end_s, 0, "exit", (region, node)))
        # ends before starts at the same instant; then in the order they were listed
        self._events = sorted(events, key=lambda e: (e[0], e[1]))
        # (job, node) -> {reason: [depth, since]}; job -> {reason: [members, since]}
        self._member: dict[tuple[int, int], dict[str, list]] = {}
        self._job: dict[int, dict[str, list]] = {}
        self.paused_s: dict[str, defaultdict] = {SUSPENDED: defaultdict(float),
                                                 GEOFENCED: defaultdict(float)}
        self.lost_flop: defaultdict = defaultdict(float)
        self.refused: set[int] = set()
        self.pauses: list[tuple] = []

    # --- what the engine asks ------------------------------------------------------------

    def note_refusal(self, job_id: int, tenant: str, pool: np.ndarray | None, need: int) -> None:
        """Job ``job_id`` found no node it may take now: a licence refusal if the nodes of
        ``pool`` (None: every node) with room are all nodes its licence forbids."""
        if job_id in self.refused:
            return
        licensed = self.rules.licensed.get(tenant)
        if licensed is None:
            return
        room = self.sim.free_acc >= need
        if pool is not None:
            room, licensed = room[pool], licensed[pool]
        # refused by the licence: room only on nodes it forbids (a licensed node with room
        # but suspended or geofenced now makes the wait that rule's, not the licence's)
        if np.any(room & ~licensed) and not np.any(room & licensed):
            self.refused.add(job_id)

    def licensed_alive(self, tenant: str, nodes: np.ndarray | None = None) -> int:
        """Alive nodes (of ``nodes``; None: all) the tenant's licence allows."""
        licensed = self.rules.licensed.get(tenant)
        alive = self.sim.alive
        if nodes is None:
            return int(np.count_nonzero(alive if licensed is None else alive & licensed))
        return int(np.count_nonzero(alive[nodes] if licensed is None
                                    else alive[nodes] & licensed[nodes]))

    # --- events --------------------------------------------------------------------------

    def start(self):
        """Apply the rules in force at time 0 now (before any arrival), and return the SimPy
        process of the later events (None if there are none)."""
        later = []
        for event in self._events:
            if event[0] <= 0.0:
                self._apply(event)
            else:
                later.append(event)
        self._events = later
        return self._process() if later else None

    def _process(self):
        env = self.sim.env
        horizon = self.sim.horizon_s
        for event in self._events:
            if event[0] >= horizon:
                break
            if event[0] > env.now:
                yield env.timeout(event[0] - env.now)
            self._apply(event)

    def _apply(self, event) -> None:
        _, _, kind, payload = event
        if kind in ("suspend", "resume"):
            suspension = self.rules.governance.suspensions[payload]
            tenants = [t for t in (suspension.tenants or self.rules.tenants)
                       if t in self.masks]
            nodes = (np.asarray(suspension.nodes, dtype=np.int64) if suspension.nodes
                     else np.arange(self.n))
            on = kind == "suspend"
            for tenant in tenants:
                self._suspended[tenant][nodes] += 1 if on else -1
                self._refresh(tenant, nodes)
            self._members(set(tenants), set(nodes.tolist()) if suspension.nodes else None,
                          SUSPENDED, on, roll_back=suspension.mode == "kill")
        else:
            region, node = payload
            tenants = [t for t, per in self.rules.geofenced.items()
                       if region in per and per[region][node]]
            on = kind == "enter"
            index = np.array([node])
            for tenant in tenants:
                self._inside[tenant][node] += 1 if on else -1
                self._refresh(tenant, index)
            self._members(set(tenants), {node}, GEOFENCED, on, checkpoint=True)

    def _refresh(self, tenant: str, nodes: np.ndarray) -> None:
        self.masks[tenant][nodes] = (self._base[tenant][nodes]
                                     & (self._suspended[tenant][nodes] == 0)
                                     & (self._inside[tenant][nodes] == 0))

    def _members(self, tenants: set[str], nodes: set[int] | None, reason: str, on: bool, *,
                 checkpoint: bool = False, roll_back: bool = False) -> None:
        """Pause (``on``) or resume the running members of the tenants' jobs on ``nodes``
        (None: every node) for ``reason``; after a resume, the groups whose nodes were freed
        start their queued jobs."""
        sim = self.sim
        if nodes is not None and len(nodes) <= 64:  # a few nodes: their own jobs
            pairs = [(running.job_id, sim.nodes[i], running) for i in sorted(nodes)
                     for running in list(sim.nodes[i].jobs.values())
                     + list(sim.nodes[i].held.values())]
        else:
            pairs = [(job_id, node, running) for job_id, members in list(sim._running.items())
                     for node, running in members
                     if nodes is None or node.index in nodes]
        for job_id, node, running in pairs:
            if sim.job_tenant[job_id] not in tenants:
                continue
            if on:
                self._pause(job_id, node, running, reason, checkpoint, roll_back)
            else:
                self._resume(job_id, node, running, reason)
        if not on:
            groups = ({int(sim.group_of_node[i]) for i in nodes} if nodes is not None
                      else set(sim.groups))
            for g in sorted(groups):
                sim._dispatch(g)

    def _pause(self, job_id: int, node, running, reason: str, checkpoint: bool,
               roll_back: bool) -> None:
        now = float(self.sim.env.now)
        reasons = self._member.setdefault((job_id, node.index), {})
        if reason in reasons:
            reasons[reason][0] += 1
            return
        first = not reasons
        reasons[reason] = [1, now]
        if first:
            self.lost_flop[job_id] += node.set_paused(running, True, checkpoint=checkpoint,
                                                      roll_back=roll_back)
            if roll_back and running.hold:  # a gang computes in lock-step: all roll back
                for other, member in self.sim._running.get(job_id, []):
                    if member is not running:
                        before = member.lost_flop
                        other.rollback(member)
                        self.lost_flop[job_id] += member.lost_flop - before
        entry = self._job.setdefault(job_id, {}).get(reason)
        if entry is None:
            self._job[job_id][reason] = [1, now]
        else:
            entry[0] += 1

    def _resume(self, job_id: int, node, running, reason: str) -> None:
        key = (job_id, node.index)
        reasons = self._member.get(key)
        if not reasons or reason not in reasons:
            return
        reasons[reason][0] -= 1
        if reasons[reason][0] > 0:
            return
        self._close(job_id, node.index, reason, running.accelerators)
        if not reasons:
            del self._member[key]
            node.set_paused(running, False)

    def _close(self, job_id: int, node: int, reason: str, accelerators: int) -> None:
        """End one member's pause for ``reason`` now: its row, and the job's paused time when
        it was the job's last member paused for it."""
        now = float(self.sim.env.now)
        since = self._member[(job_id, node)].pop(reason)[1]
        self.pauses.append((job_id, self.sim.job_tenant[job_id], node, reason, since, now,
                            accelerators))
        entry = self._job[job_id][reason]
        entry[0] -= 1
        if entry[0] == 0:
            self.paused_s[reason][job_id] += now - entry[1]
            del self._job[job_id][reason]

    def left(self, job_id: int, members) -> None:
        """Job ``job_id``'s members left their nodes (failure, cut, requeue): their pauses end
        now (the nodes unpaused them)."""
        for node, running in members:
            reasons = self._member.get((job_id, node.index))
            if not reasons:
                continue
            for reason in list(reasons):
                self._close(job_id, node.index, reason, running.accelerators)
            del self._member[(job_id, node.index)]

    def finish(self) -> None:
        """Close every pause still open at the horizon."""
        for (job_id, node), reasons in list(self._member.items()):
            members = dict((n.index, r) for n, r in self.sim._running.get(job_id, []))
            running = members.get(node)
            accelerators = running.accelerators if running is not None else 0
            for reason in list(reasons):
                self._close(job_id, node, reason, accelerators)
        self._member.clear()

    # --- results -------------------------------------------------------------------------

    def job_columns(self, n_jobs: int) -> dict[str, np.ndarray]:
        """Per job: ``suspended_s``, ``geofenced_s``, ``governance_lost_flop``,
        ``licence_refused``."""
        out = {}
        for name, reason in (("suspended_s", SUSPENDED), ("geofenced_s", GEOFENCED)):
            column = np.zeros(n_jobs)
            for job_id, seconds in self.paused_s[reason].items():
                column[job_id] = seconds
            out[name] = column
        lost = np.zeros(n_jobs)
        for job_id, flop in self.lost_flop.items():
            lost[job_id] = flop
        out["governance_lost_flop"] = lost
        refused = np.zeros(n_jobs, dtype=bool)
        refused[list(self.refused)] = True
        out["licence_refused"] = refused
        return out

    def pauses_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.pauses, columns=list(PAUSE_COLUMNS))
        return frame.astype({"job_id": np.int64, "node": np.int64, "start_s": float,
                             "end_s": float, "accelerators": np.int64}).sort_values(
            ["start_s", "job_id", "node"], kind="stable").reset_index(drop=True)




def _percentile(values: pd.Series, q: float) -> float | None:
    values = values.dropna()
    return float(np.percentile(values, q)) if len(values) else None


def governance_metrics(result, rules: GovernanceRules, *, monitoring_generated_bytes: float = 0.0
                       ) -> dict:
    """``summary.json["governance"]``: what each rule did to each tenant in this run.

    Per tenant: jobs, done, failed for want of a licensed node (``licence_failed``), jobs that
    waited because only nodes their licence forbids had room (``licence_refusals``, each job
    once, those failed included), latency, delivered accelerator-hours by accelerator type and
    under terms, time paused (``suspended_s``, ``geofenced_s``: job-seconds at least one member
    of a job was paused for that reason), the accelerator-hours held idle by those pauses, work
    lost to kill-mode suspensions, and the terms on each accelerator type. Fleet-wide: the
    monitoring stream (telemetry generated, sent, left at the horizon, the pass time it took),
    the pauses and the rules' counts. Dollars are added by the economics
    (:func:`orbitsim.analysis.economics.governance.price_governance`).
    """
    jobs, transfers = result.jobs, result.transfers
    pauses = result.pauses if result.pauses is not None else pd.DataFrame(
        columns=list(PAUSE_COLUMNS))
    idle = None
    if len(pauses):
        idle = pauses.assign(
            acc_h=(pauses["end_s"] - pauses["start_s"]) * pauses["accelerators"] / 3600.0,
            accelerator=rules.node_accelerator[pauses["node"].to_numpy()]
            if rules.node_accelerator is not None else "")
    tenants = {}
    for name in rules.tenants:
        mine = jobs[jobs["tenant"] == name]
        done = mine[mine["status"] == "done"]
        failed = mine[mine["status"] == "failed"]
        by_acc = (mine.groupby("accelerator")["accelerator_s"].sum() / 3600.0) if len(mine) \
            else pd.Series(dtype=float)
        on_terms = sum(float(hours) for acc, hours in by_acc.items()
                       if acc and rules.terms.get((name, acc), Terms("allowed")).access
                       == "terms")
        row = {
            "home_country": (rules.homes or {}).get(name, ""),
            "jobs_total": int(len(mine)),
            "jobs_done": int(len(done)),
            "jobs_failed": int(len(failed)),
            "licence_failed": int(failed["reason"].str.startswith(LICENCE_REASON).sum())
            if len(failed) else 0,
            "licence_refusals": int(mine["licence_refused"].sum())
            if "licence_refused" in mine else 0,
            "latency_p50_s": _percentile(done["latency_s"], 50),
            "latency_p95_s": _percentile(done["latency_s"], 95),
            "accelerator_hours": float(mine["accelerator_s"].sum() / 3600.0),
            "accelerator_hours_by_accelerator": {str(k): float(v) for k, v in by_acc.items()
                                                 if k},
            "accelerator_hours_on_terms": float(on_terms),
            "suspended_s": float(mine["suspended_s"].sum()) if "suspended_s" in mine else 0.0,
            "geofenced_s": float(mine["geofenced_s"].sum()) if "geofenced_s" in mine else 0.0,
            "governance_lost_flop": float(mine["governance_lost_flop"].sum())
            if "governance_lost_flop" in mine else 0.0,
            "terms": {acc: {"access": t.access, "levy_fraction": t.levy_fraction,
                            "monitoring": t.monitoring, "geofence": list(t.geofence),
                            "licence": t.licence}
                      for (tenant, acc), t in sorted(rules.terms.items()) if tenant == name},
        }
        for reason in (SUSPENDED, GEOFENCED):
            hours, by_acc_idle = 0.0, {}
            if idle is not None:
                hit = (idle["tenant"] == name) & (idle["reason"] == reason)
                hours = float(idle.loc[hit, "acc_h"].sum())
                by_acc_idle = {str(k): float(v) for k, v in
                               idle[hit].groupby("accelerator")["acc_h"].sum().items()}
            row[f"{reason}_accelerator_hours"] = hours
            row[f"{reason}_accelerator_hours_by_accelerator"] = by_acc_idle
        tenants[name] = row
    monitored = transfers[transfers["direction"] == "monitoring"] if len(transfers) else \
        transfers
    sent = float(monitored["bytes"].sum()) if len(monitored) else 0.0
    return {
        "tenants": tenants,
        "monitored_nodes": int(np.count_nonzero(rules.monitored)),
        "monitoring_bytes_per_node_hour": float(
            rules.governance.monitoring_bytes_per_node_hour),
        "monitoring_countries": list(rules.governance.monitoring_countries),
        "monitoring_bytes_generated": float(monitoring_generated_bytes),
        "monitoring_bytes": sent,
        "monitoring_backlog_bytes": max(float(monitoring_generated_bytes) - sent, 0.0),
        "monitoring_pass_s": float((monitored["end_s"] - monitored["start_s"]).sum())
        if len(monitored) else 0.0,
        "monitoring_pass_s_by_accelerator": {
            str(k): float(v) for k, v in (monitored["end_s"] - monitored["start_s"]).groupby(
                rules.node_accelerator[monitored["sat_index"].to_numpy()]).sum().items()}
        if len(monitored) and rules.node_accelerator is not None else {},
        "licences": len(rules.governance.licences),
        "suspensions": len(rules.governance.suspensions),
        "geofence_regions": rules.regions,
        "pauses": int(len(pauses)),
        "licence_refusals": int(sum(t["licence_refusals"] for t in tenants.values())),
        "licence_failed": int(sum(t["licence_failed"] for t in tenants.values())),
        "suspended_s": float(sum(t["suspended_s"] for t in tenants.values())),
        "geofenced_s": float(sum(t["geofenced_s"] for t in tenants.values())),
    }


__all__ = ["GEOFENCED", "LICENCE_REASON", "PAUSE_COLUMNS", "SUSPENDED", "GovernanceRules",
           "Governor", "build_rules", "governance_metrics"]
