"""Metrics of a run (pandas): what was delivered, how fast, at what energy cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orbitsim.sim.engine import SimResult


def _percentile(values: pd.Series, q: float) -> float | None:
    values = values.dropna()
    return float(np.percentile(values, q)) if len(values) else None


#: The columns of ``jobs`` that :func:`summarise` reads (a streamed run reads only these).
SUMMARY_COLUMNS = ("status", "lost", "done_flop", "lost_flop", "work_flop",
                   "governance_lost_flop", "latency_s", "queue_s", "deadline_missed",
                   "bytes_up", "bytes_down", "kind", "tenant", "stage", "reason")
#: The columns of ``jobs`` that :func:`class_metrics` reads.
CLASS_COLUMNS = ("job_class", "status", "kind", "tenant", "input_bytes", "start_s",
                 "compute_end_s", "accelerator_s", "bytes_up", "bytes_down", "latency_s")
#: The columns of ``transfers`` that :func:`link_metrics` reads.
LINK_COLUMNS = ("sat_index", "station_index", "start_s", "end_s")


def summarise(result: SimResult) -> dict:
    """The figures of ``summary.json``: job counts by outcome, accelerator-hours, utilisation,
    latency percentiles, bytes, energy, faults, governance violations.

    ``governance_violations`` counts transfers that touched a station outside the tenant's
    jurisdiction: the transfer planner makes it impossible, and this re-checks it from the log.
    Two node-seconds totals say what held the nodes below their demand: ``power_limited_s``
    the power system (a battery at its depth-of-discharge floor with the array short of the
    load; ``power_limited_events`` the stretches), ``throttled_s`` the heat (a radiator at its
    limit capping the accelerators).
    """
    jobs, nodes = result.columns("jobs", SUMMARY_COLUMNS), result.nodes
    status = jobs["status"]
    done = jobs[status == "done"]
    n_nodes = len(nodes)
    accelerators = result.accelerators_total or result.accelerators_per_node * n_nodes
    total_acc_s = accelerators * result.horizon_s
    busy_acc_s = float(nodes["busy_accelerator_s"].sum())
    latency = done["latency_s"]
    summary = {
        "jobs_total": int(len(jobs)),
        "jobs_done": int((status == "done").sum()),
        "jobs_failed": int((status == "failed").sum()),
        "jobs_pending": int((status == "pending").sum()),
        "jobs_lost": int(jobs["lost"].sum()),
        "governance_violations": int(result.governance_violations),
        "accelerator_hours": busy_acc_s / 3600.0,
        "utilisation": busy_acc_s / total_acc_s if total_acc_s > 0 else 0.0,
        "flop_computed": float((jobs["done_flop"] + jobs["lost_flop"]).sum()),
        "flop_delivered": float(done["work_flop"].sum()),
        "flop_lost_to_faults": float(jobs["lost_flop"].sum()
                                     - (jobs["governance_lost_flop"].sum()
                                        if "governance_lost_flop" in jobs else 0.0)),
        "latency_p50_s": _percentile(latency, 50),
        "latency_p95_s": _percentile(latency, 95),
        "latency_p99_s": _percentile(latency, 99),
        "queue_mean_s": float(done["queue_s"].mean()) if len(done) else None,
        "deadline_misses": int(jobs["deadline_missed"].sum()),
        "bytes_up": float(jobs["bytes_up"].sum()),
        "bytes_down": float(jobs["bytes_down"].sum()),
        "transfers": int(result.rows("transfers")),
        "faults": int(nodes["faults"].sum()),
        "nodes": n_nodes,
        "nodes_failed": int((~nodes["alive"]).sum()),
        "accelerators_lost": int(nodes["accelerators_lost"].sum())
        if "accelerators_lost" in nodes else 0,
        "accelerators_per_node": int(result.accelerators_per_node),
        "accelerators_total": int(accelerators),
        "hours": result.horizon_s / 3600.0,
    }
    for column, key in (("energy_in_wh", "energy_in_wh"), ("energy_used_wh", "energy_used_wh"),
                        ("curtailed_wh", "curtailed_wh"), ("throttled_s", "throttled_s"),
                        ("power_limited_s", "power_limited_s"),
                        ("power_limited_events", "power_limited_events")):
        if column in nodes:
            summary[key] = float(nodes[column].sum())
    by_kind = {}
    for kind, group in jobs.groupby("kind"):
        finished = group[group["status"] == "done"]["latency_s"]
        by_kind[kind] = {
            "total": int(len(group)), "done": int(len(finished)),
            "latency_p50_s": _percentile(finished, 50),
            "latency_p95_s": _percentile(finished, 95),
        }
    summary["by_kind"] = by_kind
    by_tenant = {}
    for tenant, group in jobs.groupby("tenant"):
        finished = group[group["status"] == "done"]["latency_s"]
        by_tenant[tenant] = {
            "total": int(len(group)), "done": int(len(finished)),
            "bound": tenant in result.bound_tenants,
            "latency_p50_s": _percentile(finished, 50),
            "latency_p95_s": _percentile(finished, 95),
        }
    summary["by_tenant"] = by_tenant
    # Tenants bound to a jurisdiction: what sovereignty costs them in latency.
    bound = done["tenant"].isin(result.bound_tenants)
    summary["latency_p95_bound_s"] = _percentile(done.loc[bound, "latency_s"], 95)
    if result.isl_summary:  # isl = "mesh": the laser mesh's figures
        summary.update(result.isl_summary)
    summary["pending_by_stage"] = {str(k): int(v) for k, v in
                                   jobs[status == "pending"]["stage"].value_counts().items()}
    summary["failed_by_reason"] = {str(k): int(v) for k, v in
                                   jobs[status == "failed"]["reason"].value_counts().items()}
    return summary


def governance_violations(transfers: pd.DataFrame, jobs: pd.DataFrame,
                          allowed: dict[str, np.ndarray | None]) -> int:
    """Transfers over a station the job's tenant does not allow (re-checked from the log)."""
    if transfers.empty:
        return 0
    transfers = transfers[transfers["job_id"].to_numpy() >= 0]  # not the monitoring stream
    codes, names = pd.factorize(jobs["tenant"])
    tenant = codes[transfers["job_id"].to_numpy()]
    stations = transfers["station_index"].to_numpy()
    bad = 0
    for code, name in enumerate(names.tolist()):
        mask = allowed.get(name)
        if mask is None:
            continue
        rows = tenant == code
        bad += int((~mask[stations[rows]]).sum())
    return bad


#: Passes processed at a time by :func:`link_metrics` (bounded memory on big constellations).
LINK_BLOCK_ROWS = 1_000_000


def link_metrics(transfers: pd.DataFrame, contacts: pd.DataFrame, n_nodes: int,
                 horizon_s: float) -> dict:
    """What the ground link cost and offered in a run, from the transfer log and the contact
    plan (``contacts``: ``sat_index, station_index, start_s, end_s, bytes_capacity``):

    * ``ground_contact_minutes``: the contact minutes a ground-station service would bill:
      per pass that carried data, the minutes the link was busy, rounded up to a whole minute
      (services such as AWS Ground Station reserve contacts by the minute, for any part of a
      pass); ``ground_contact_passes``: those passes;
    * ``contact_capacity_gb_per_minute``: bytes the passes could carry over their duration;
    * ``mean_wait_to_contact_s``: time from a random instant to the next pass of a node, averaged
      over nodes and the run (0 during a pass; a node with no pass left waits to the horizon).

    Vectorised over blocks of satellites (:data:`LINK_BLOCK_ROWS` passes a block): a few
    seconds and ~100 MB for the 15 million passes of an 88,000-node day.
    """
    out = {"ground_contact_minutes": 0.0, "ground_contact_passes": 0,
           "contact_capacity_gb_per_minute": None, "mean_wait_to_contact_s": None}
    if contacts is None or contacts.empty or horizon_s <= 0:
        return out
    sat = contacts["sat_index"].to_numpy()
    station = contacts["station_index"].to_numpy()
    start = contacts["start_s"].to_numpy(dtype=float)
    end = contacts["end_s"].to_numpy(dtype=float)
    total_min = float(np.sum(end - start)) / 60.0
    if total_min > 0:
        out["contact_capacity_gb_per_minute"] = float(
            contacts["bytes_capacity"].to_numpy(dtype=float).sum() / 1e9 / total_min)
    have = transfers is not None and not transfers.empty
    if have:
        t_sat = transfers["sat_index"].to_numpy(dtype=np.int64)
        t_station = transfers["station_index"].to_numpy(dtype=np.int64)
        t_mid = 0.5 * (transfers["start_s"].to_numpy(dtype=float)
                       + transfers["end_s"].to_numpy(dtype=float))
        t_busy = (transfers["end_s"].to_numpy(dtype=float)
                  - transfers["start_s"].to_numpy(dtype=float))
    n_st = int(station.max()) + 1
    span = horizon_s * 4.0 + 1.0  # > any time in the run: keys and times in one sortable float
    blocks = max(1, -(-len(sat) // LINK_BLOCK_ROWS))
    edges = np.linspace(0, int(sat.max()) + 1, blocks + 1).astype(np.int64)
    minutes, passes, wait, with_passes = 0.0, 0, 0.0, 0
    for low, high in zip(edges[:-1], edges[1:]):
        rows = np.flatnonzero((sat >= low) & (sat < high))
        if rows.size == 0:
            continue
        b_sat = sat[rows].astype(np.int64)
        b_start = np.clip(start[rows], 0.0, horizon_s)
        b_end = np.clip(end[rows], 0.0, horizon_s)
        # waiting time to the next pass: each node's passes in time order, their union's gaps
        order = np.lexsort((b_start, b_sat))
        s_sat, s_start, s_end = b_sat[order], b_start[order], b_end[order]
        offset = (s_sat - low) * span
        reach = np.maximum.accumulate(s_end + offset) - offset
        first = np.r_[True, s_sat[1:] != s_sat[:-1]]
        last = np.r_[s_sat[1:] != s_sat[:-1], True]
        previous = np.where(first, 0.0, np.r_[0.0, reach[:-1]])
        gaps = np.clip(s_start - previous, 0.0, None)
        tails = np.clip(horizon_s - reach[last], 0.0, None)
        wait += float((gaps * gaps).sum() / 2.0 + (tails * tails).sum() / 2.0)
        with_passes += int(first.sum())
        if not have:
            continue
        # the pass of each transfer piece: the last pass of its (satellite, station) that
        # started before the piece's middle
        mine = np.flatnonzero((t_sat >= low) & (t_sat < high))
        if mine.size == 0:
            continue
        key = (b_sat * n_st + station[rows]).astype(float) * span + b_start
        by_key = np.argsort(key, kind="stable")
        sorted_key = key[by_key]
        probe = (t_sat[mine] * n_st + t_station[mine]).astype(float) * span + t_mid[mine]
        at = np.searchsorted(sorted_key, probe, side="right") - 1
        hit = at >= 0
        hit[hit] = np.floor(sorted_key[at[hit]] / span) == np.floor(probe[hit] / span)
        used, where = np.unique(by_key[at[hit]], return_inverse=True)
        busy = np.bincount(where, weights=t_busy[mine][hit], minlength=len(used))
        minutes += float(np.ceil(busy / 60.0 - 1e-9).sum())
        passes += int(len(used))
    out["ground_contact_minutes"] = minutes
    out["ground_contact_passes"] = passes
    wait += (n_nodes - with_passes) * horizon_s ** 2 / 2.0
    out["mean_wait_to_contact_s"] = wait / (n_nodes * horizon_s)
    return out


def class_metrics(jobs: pd.DataFrame, bound_tenants: set[str] | frozenset[str] = frozenset()
                  ) -> dict:
    """Per workload class (``job_class``): kind, tenant, whether the tenant is bound to
    jurisdictions, jobs, accelerator-hours and bytes of the finished jobs (``bytes_born_in_orbit``:
    inputs never uploaded, the Earth-observation data processed where it was taken), latency
    and compute-time medians."""
    if jobs.empty or "job_class" not in jobs:
        return {}
    out = {}
    for name, group in jobs.groupby("job_class", sort=True):
        done = group[group["status"] == "done"]
        born = done[done["kind"] == "eo-processing"]["input_bytes"]
        compute = (done["compute_end_s"] - done["start_s"]) if len(done) else pd.Series(
            dtype=float)
        tenant = str(group["tenant"].iloc[0])
        out[str(name)] = {
            "kind": str(group["kind"].iloc[0]), "tenant": tenant,
            "jurisdiction_bound": tenant in bound_tenants,
            "jobs_total": int(len(group)), "jobs_done": int(len(done)),
            "accelerator_hours": float(done["accelerator_s"].sum() / 3600.0),
            "bytes_born_in_orbit": float(born.sum()),
            "bytes_up": float(done["bytes_up"].sum()),
            "bytes_down": float(done["bytes_down"].sum()),
            "latency_p50_s": _percentile(done["latency_s"], 50),
            "latency_p95_s": _percentile(done["latency_s"], 95),
            "compute_p50_s": _percentile(compute, 50),
        }
    return out
