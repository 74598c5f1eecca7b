"""Estimates shared by the latency- and contact-minded policies: when this job's compute would
start and end on each candidate, counting the work already waiting there.

The simulation asks a policy two different questions with the same call: with several ISL
groups (``isl = "none"``, or several shells) it first places a job's *group* at its arrival,
among every alive node, busy or not, before the job's input is uploaded; inside a group it then
picks a node with free accelerators. A policy that ignores the work already queued on a
candidate piles every job of a burst onto the one node that looks best, so the estimates below
add that backlog: each job waiting in the candidate's group (``queued_jobs``) and, when the
candidate lacks the free accelerators, the job running there, each counted as long as this one
(the view does not tell how long the others are).
"""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView


def awaiting_upload(job: JobRequest, view: NodeView) -> bool:
    """True when the job's input is still on the ground: the simulation places a job's group at
    its arrival, before the upload; Earth-observation data is born on board, never uploaded."""
    return job.kind != "eo-processing" and job.input_bytes > 0 and view.now_s <= job.arrival_s


def ready_s(job: JobRequest, view: NodeView) -> np.ndarray:
    """When the job's compute could begin on each candidate, ignoring the backlog: now, or, while
    its input is still on the ground, the candidate's next contact with a station the tenant
    allows (the simulation uploads through those only; the upload itself is taken as short).
    ``inf`` where no such contact is left."""
    if awaiting_upload(job, view):
        return view.next_downlink_s()
    return np.full(len(view), float(view.now_s))


def compute_s(job: JobRequest, view: NodeView) -> np.ndarray:
    """Seconds the job's work takes on each candidate at its caps now, ``(n_candidates,)``.

    Rate = accelerators x ``throughput_flops`` (per accelerator) x the job's MFU, as the
    simulation computes it (:class:`orbitsim.sim.nodes.RunningJob`). A job wider than a node
    runs on that node's accelerators only; the view does not give node sizes, so its estimate
    is then short by the same factor on every candidate of one hardware.
    """
    rate = view.throughput_flops * job.accelerators * job.mfu
    return job.work_flop / np.maximum(rate, 1e-30)


def backlog_jobs(job: JobRequest, view: NodeView) -> np.ndarray:
    """Jobs ahead of this one on each candidate: those waiting in its group, plus one running
    when it lacks the free accelerators the job needs (a job asking for more accelerators than
    any candidate has free runs on what one node has, so no candidate is penalised for that)."""
    free = np.asarray(view.free_accelerators)
    need = min(job.accelerators, int(free.max(initial=0)))
    return np.asarray(view.queued_jobs, dtype=float) + (free < max(need, 1))


def compute_end_s(job: JobRequest, view: NodeView, start_s: float | np.ndarray) -> np.ndarray:
    """Estimated end of the job's compute on each candidate if it may start at ``start_s``:
    after the backlog, each backlog job as long as this one."""
    return start_s + compute_s(job, view) * (1.0 + backlog_jobs(job, view))
