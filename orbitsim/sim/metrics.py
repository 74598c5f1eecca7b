"""Metrics of a run (pandas): what was delivered, how fast, at what energy cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orbitsim.sim.engine import SimResult


def _percentile(values: pd.Series, q: float) -> float | None:
    values = values.dropna()
    return float(np.percentile(values, q)) if len(values) else None


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
    jobs, nodes, transfers = result.jobs, result.nodes, result.transfers
    status = jobs["status"]
    done = jobs[status == "done"]
    n_nodes = len(nodes)
    total_acc_s = result.accelerators_per_node * n_nodes * result.horizon_s
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
        "flop_lost_to_faults": float(jobs["lost_flop"].sum()),
        "latency_p50_s": _percentile(latency, 50),
        "latency_p95_s": _percentile(latency, 95),
        "latency_p99_s": _percentile(latency, 99),
        "queue_mean_s": float(done["queue_s"].mean()) if len(done) else None,
        "deadline_misses": int(jobs["deadline_missed"].sum()),
        "bytes_up": float(jobs["bytes_up"].sum()),
        "bytes_down": float(jobs["bytes_down"].sum()),
        "transfers": int(len(transfers)),
        "faults": int(nodes["faults"].sum()),
        "nodes": n_nodes,
        "nodes_failed": int((~nodes["alive"]).sum()),
        "accelerators_per_node": int(result.accelerators_per_node),
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
