"""Estimates shared by the latency- and contact-minded policies: when this job's compute would
start and end on each candidate, from the arrays of the view (cheap, today's figures; the
``look-ahead`` policy asks the view's outlook instead).

The simulation asks a policy two different questions with the same call: with several ISL
groups (``isl = "none"``, or several shells) it first places a job's *group* at its arrival,
before the job's input is uploaded; inside a group it then picks a node with free accelerators.
A job can start on a candidate once its input is there and the candidate has the accelerators
(``free_at_s``: after the work running there and bound to its group before this job).
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


def compute_end_s(job: JobRequest, view: NodeView, start_s: float | np.ndarray) -> np.ndarray:
    """Estimated end of the job's compute on each candidate if its input is there at
    ``start_s``: it starts once the candidate can take it (``free_at_s``) and runs at the
    candidate's caps now."""
    return np.maximum(start_s, view.free_at_s) + compute_s(job, view)
