"""A seeded sample of the nodes at full load, extrapolated: filing-scale constellations at the
load they would be built for.

A job-level run cannot hold the ~10⁹ jobs a day an 88,000-node constellation would serve at
the utilisation an operator needs. This runs a sample instead:

* **Units** (:func:`orbitsim.model.node_sample.sample_nodes`). Each shell (one ISL relay
  group) is cut into units of ``unit_size`` consecutive satellites (a plane, or an arc of
  one); a seeded draw takes ``fraction`` of the units of each shell (at least one), so every
  shell keeps its share and its own ISL group.
* **Load.** Every arrival rate of the workload is multiplied by the sampled share of the nodes
  (``factor = n / N``): each sampled node sees the load a node of the full constellation
  would, so utilisation, power and heat, pass use and queueing per node are those of the full
  run, and the job count drops by ``factor``.
* **Extrapolation.** Totals scale by ``N / n``; utilisation and latency are read off the sample.
  The delivered work is a compound Poisson sum of the jobs' accelerator-seconds ``a_i``, so its
  variance is estimated by ``sum(a_i**2)``: the 95 % confidence interval of the utilisation (and
  of the accelerator-hours) is ``± 1.96 sqrt(sum a_i**2) / capacity`` of the sample, the spread
  another draw of the same load would give. (The spread between units is no measure of it: a
  first-fit policy fills the low-index nodes of a group first.)

What this ignores, stated: a sampled shell has fewer nodes, so its ISL group has fewer
simultaneous passes to relay through and fewer nodes to queue on; at the same per-node load
that changes latency and queueing only when a group is small or nearly full.
``tests/test_sample.py`` measures both ways on a constellation small enough to run whole.
"""

from __future__ import annotations

import math

import numpy as np

from orbitsim.model.node_sample import NodeSample


def extrapolate(summary: dict, jobs, sample: NodeSample, *, accelerators_per_node: int,
                hours: float) -> dict:
    """The ``sample`` block of a sampled run's summary: what was sampled, and the full
    constellation's utilisation and accelerator-hours with their 95 % confidence intervals
    (module docstring), from the run's jobs table (``accelerator_s``)."""
    capacity_s = len(sample.index) * accelerators_per_node * hours * 3600.0
    work = jobs["accelerator_s"].to_numpy(dtype=float) if len(jobs) else np.zeros(0)
    busy = float(work.sum())
    utilisation = busy / capacity_s if capacity_s > 0 else 0.0
    half = 1.96 * math.sqrt(float(np.sum(work * work))) / capacity_s if capacity_s > 0 else 0.0
    full_capacity_h = sample.nodes_total * accelerators_per_node * hours
    scale = 1.0 / sample.factor
    return {
        "fraction": sample.factor,
        "nodes": int(len(sample.index)),
        "nodes_total": int(sample.nodes_total),
        "units": int(sample.units_kept),
        "units_total": int(sample.units_total),
        "unit_size": int(sample.unit_size),
        "utilisation": utilisation,
        "utilisation_ci95": [max(utilisation - half, 0.0), min(utilisation + half, 1.0)],
        "accelerator_hours_total": utilisation * full_capacity_h,
        "accelerator_hours_total_ci95": [max(utilisation - half, 0.0) * full_capacity_h,
                                         min(utilisation + half, 1.0) * full_capacity_h],
        "jobs_total_estimate": float(summary.get("jobs_total", 0)) * scale,
        "jobs_done_estimate": float(summary.get("jobs_done", 0)) * scale,
        "bytes_up_total": float(summary.get("bytes_up", 0.0)) * scale,
        "bytes_down_total": float(summary.get("bytes_down", 0.0)) * scale,
    }


__all__ = ["extrapolate"]
