"""Metrics of a run (pandas): what was delivered, how fast, at what energy cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orbitsim.sim.engine import SimResult


def _percentile(values: pd.Series, q: float) -> float | None:
    values = values.dropna()
    return float(np.percentile(values, q)) if len(values) else None


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
    nodes = result.nodes

    def column(name: str) -> pd.Series | None:
        """One column of ``jobs`` (a streamed run reads one at a time from its spool)."""
        frame = result.columns("jobs", [name])
        return frame[name] if name in frame.columns else None

    status = column("status")
    n_jobs = len(status)
    is_done = (status == "done").to_numpy()
    is_pending = (status == "pending").to_numpy()
    is_failed = (status == "failed").to_numpy()
    del status
    n_nodes = len(nodes)
    accelerators = result.accelerators_total or result.accelerators_per_node * n_nodes
    total_acc_s = accelerators * result.horizon_s
    busy_acc_s = float(nodes["busy_accelerator_s"].sum())
    latency = column("latency_s")[is_done]
    lost_flop = column("lost_flop")
    governance_lost = column("governance_lost_flop")
    summary = {
        "jobs_total": int(n_jobs),
        "jobs_done": int(is_done.sum()),
        "jobs_failed": int(is_failed.sum()),
        "jobs_pending": int(is_pending.sum()),
        "jobs_lost": int(column("lost").sum()),
        "governance_violations": int(result.governance_violations),
        "accelerator_hours": busy_acc_s / 3600.0,
        "utilisation": busy_acc_s / total_acc_s if total_acc_s > 0 else 0.0,
        "flop_computed": float((column("done_flop") + lost_flop).sum()),
        "flop_delivered": float(column("work_flop")[is_done].sum()),
        "flop_lost_to_faults": float(lost_flop.sum()
                                     - (governance_lost.sum()
                                        if governance_lost is not None else 0.0)),
        "latency_p50_s": _percentile(latency, 50),
        "latency_p95_s": _percentile(latency, 95),
        "latency_p99_s": _percentile(latency, 99),
        "queue_mean_s": float(column("queue_s")[is_done].mean()) if is_done.any() else None,
        "deadline_misses": int(column("deadline_missed").sum()),
        "bytes_up": float(column("bytes_up").sum()),
        "bytes_down": float(column("bytes_down").sum()),
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
    del lost_flop, governance_lost
    for column_name, key in (("energy_in_wh", "energy_in_wh"),
                             ("energy_used_wh", "energy_used_wh"),
                             ("curtailed_wh", "curtailed_wh"), ("throttled_s", "throttled_s"),
                             ("power_limited_s", "power_limited_s"),
                             ("power_limited_events", "power_limited_events")):
        if column_name in nodes:
            summary[key] = float(nodes[column_name].sum())
    # per kind and per tenant: the latencies of the finished jobs, in job order (as a groupby)
    all_latency = column("latency_s").to_numpy(dtype=float)
    for name, key in (("kind", "by_kind"), ("tenant", "by_tenant")):
        values = column(name)
        codes, uniques = pd.factorize(values)
        del values
        figures = {}
        for code in sorted(range(len(uniques)), key=lambda k: uniques[k]):
            mine = codes == code
            finished = pd.Series(all_latency[mine & is_done])
            figures[uniques[code]] = {"total": int(mine.sum()), "done": int(len(finished))}
            if name == "tenant":
                figures[uniques[code]]["bound"] = uniques[code] in result.bound_tenants
            figures[uniques[code]].update({
                "latency_p50_s": _percentile(finished, 50),
                "latency_p95_s": _percentile(finished, 95)})
        summary[key] = figures
        if name == "tenant":
            # Tenants bound to a jurisdiction: what sovereignty costs them in latency.
            bound = np.isin(codes, [k for k, t in enumerate(uniques)
                                    if t in result.bound_tenants])
            summary["latency_p95_bound_s"] = _percentile(
                pd.Series(all_latency[is_done & bound]), 95)
    del all_latency
    if result.isl_summary:  # isl = "mesh": the laser mesh's figures
        summary.update(result.isl_summary)
    summary["pending_by_stage"] = {str(k): int(v) for k, v in
                                   column("stage")[is_pending].value_counts().items()}
    summary["failed_by_reason"] = {str(k): int(v) for k, v in
                                   column("reason")[is_failed].value_counts().items()}
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


def link_metrics(transfers, contacts: pd.DataFrame, n_nodes: int,
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

    ``transfers``: the transfer table (its ``sat_index, station_index, start_s, end_s``), or
    a callable giving it as an iterable of consecutive chunks (a streamed run's spool, read
    once per block; each pass's busy time is summed in log order either way, so the figures
    are the same). Vectorised over blocks of satellites (:data:`LINK_BLOCK_ROWS` passes a
    block): a few seconds and ~100 MB for the 15 million passes of an 88,000-node day.
    """
    out = {"ground_contact_minutes": 0.0, "ground_contact_passes": 0,
           "contact_capacity_gb_per_minute": None, "mean_wait_to_contact_s": None}
    if contacts is None or contacts.empty or horizon_s <= 0:
        return out
    if transfers is None or isinstance(transfers, pd.DataFrame):
        table = transfers

        def chunks() -> list:
            return [] if table is None or table.empty else [table]
    else:
        chunks = transfers
    sat = contacts["sat_index"].to_numpy()
    station = contacts["station_index"].to_numpy()
    start = contacts["start_s"].to_numpy(dtype=float)
    end = contacts["end_s"].to_numpy(dtype=float)
    total_min = float(np.sum(end - start)) / 60.0
    if total_min > 0:
        out["contact_capacity_gb_per_minute"] = float(
            contacts["bytes_capacity"].to_numpy(dtype=float).sum() / 1e9 / total_min)
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
        # the pass of each transfer piece: the last pass of its (satellite, station) that
        # started before the piece's middle
        key = (b_sat * n_st + station[rows]).astype(float) * span + b_start
        by_key = np.argsort(key, kind="stable")
        sorted_key = key[by_key]
        busy = np.zeros(len(rows))  # busy seconds of each pass of the block (by_key values)
        touched = np.zeros(len(rows), dtype=bool)
        for chunk in chunks():
            t_sat = chunk["sat_index"].to_numpy(dtype=np.int64)
            mine = np.flatnonzero((t_sat >= low) & (t_sat < high))
            if mine.size == 0:
                continue
            t_station = chunk["station_index"].to_numpy(dtype=np.int64)[mine]
            t_begin = chunk["start_s"].to_numpy(dtype=float)[mine]
            t_finish = chunk["end_s"].to_numpy(dtype=float)[mine]
            t_mid = 0.5 * (t_begin + t_finish)
            probe = (t_sat[mine] * n_st + t_station).astype(float) * span + t_mid
            at = np.searchsorted(sorted_key, probe, side="right") - 1
            hit = at >= 0
            hit[hit] = np.floor(sorted_key[at[hit]] / span) == np.floor(probe[hit] / span)
            pass_of = by_key[at[hit]]
            np.add.at(busy, pass_of, (t_finish - t_begin)[hit])  # in log order, as bincount
            touched[pass_of] = True
        used = np.flatnonzero(touched)
        minutes += float(np.ceil(busy[used] / 60.0 - 1e-9).sum())
        passes += int(len(used))
    out["ground_contact_minutes"] = minutes
    out["ground_contact_passes"] = passes
    wait += (n_nodes - with_passes) * horizon_s ** 2 / 2.0
    out["mean_wait_to_contact_s"] = wait / (n_nodes * horizon_s)
    return out


def class_metrics(jobs, bound_tenants: set[str] | frozenset[str] = frozenset()
                  ) -> dict:
    """Per workload class (``job_class``): kind, tenant, whether the tenant is bound to
    jurisdictions, jobs, accelerator-hours and bytes of the finished jobs (``bytes_born_in_orbit``:
    inputs never uploaded, the Earth-observation data processed where it was taken), latency
    and compute-time medians.

    ``jobs``: the jobs table, or a callable giving one of its columns by name (a pandas Series,
    None if absent): a streamed run's figures are computed a column at a time."""
    if isinstance(jobs, pd.DataFrame):
        table = jobs

        def jobs(name: str) -> pd.Series | None:
            return table[name] if name in table.columns else None

    job_class = jobs("job_class")
    if job_class is None or len(job_class) == 0:
        return {}
    codes, names = pd.factorize(job_class)
    del job_class
    order = sorted(range(len(names)), key=lambda k: names[k])
    first = {code: int(np.argmax(codes == code)) for code in order}
    is_done = (jobs("status") == "done").to_numpy()
    kinds, tenants = jobs("kind"), jobs("tenant")
    kind_of = {code: str(kinds.iloc[first[code]]) for code in order}
    tenant_of = {code: str(tenants.iloc[first[code]]) for code in order}
    is_eo = (kinds == "eo-processing").to_numpy()
    del kinds, tenants
    done_of = {code: (codes == code) & is_done for code in order}
    out = {str(names[code]): {
        "kind": kind_of[code], "tenant": tenant_of[code],
        "jurisdiction_bound": tenant_of[code] in bound_tenants,
        "jobs_total": int((codes == code).sum()), "jobs_done": int(done_of[code].sum())}
        for code in order}

    def per_class(values: np.ndarray, figure) -> None:
        for code in order:
            out[str(names[code])].update(figure(values, done_of[code], code))

    per_class(jobs("accelerator_s").to_numpy(dtype=float), lambda v, done, code: {
        "accelerator_hours": float(pd.Series(v[done]).sum() / 3600.0)})
    per_class(jobs("input_bytes").to_numpy(dtype=float), lambda v, done, code: {
        "bytes_born_in_orbit": float(pd.Series(v[done & is_eo]).sum())})
    per_class(jobs("bytes_up").to_numpy(dtype=float), lambda v, done, code: {
        "bytes_up": float(pd.Series(v[done]).sum())})
    per_class(jobs("bytes_down").to_numpy(dtype=float), lambda v, done, code: {
        "bytes_down": float(pd.Series(v[done]).sum())})
    per_class(jobs("latency_s").to_numpy(dtype=float), lambda v, done, code: {
        "latency_p50_s": _percentile(pd.Series(v[done]), 50),
        "latency_p95_s": _percentile(pd.Series(v[done]), 95)})
    start = jobs("start_s").to_numpy(dtype=float)
    compute_end = jobs("compute_end_s").to_numpy(dtype=float)
    for code in order:
        done = done_of[code]
        out[str(names[code])]["compute_p50_s"] = _percentile(
            pd.Series(compute_end[done] - start[done]), 50)
    # the keys in the order the table has always had them
    keys = ("kind", "tenant", "jurisdiction_bound", "jobs_total", "jobs_done",
            "accelerator_hours", "bytes_born_in_orbit", "bytes_up", "bytes_down",
            "latency_p50_s", "latency_p95_s", "compute_p50_s")
    return {name: {k: figures[k] for k in keys} for name, figures in out.items()}
