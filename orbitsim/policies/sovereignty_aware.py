"""``sovereignty-aware``: respect jurisdiction at least cost."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.estimate import compute_end_s, ready_s
from orbitsim.policies.registry import register_policy


@register_policy("sovereignty-aware")
class SovereigntyAware(Policy):
    """Prefer the node where the job's data waits least for the tenant's own stations: for the
    upload (while the input is still on the ground) and for the downlink after the estimated
    compute (work queued ahead included); then the earliest estimated finish.

    The data must cross those stations anyway (the simulation enforces it), so waiting for them
    is the real cost of sovereignty; a tenant allowed few stations gains most.
    """

    needs_state = True  # the compute estimate reads throughput_flops at the nodes' caps

    def choose(self, job: JobRequest, view: NodeView) -> int:
        ready = ready_s(job, view)
        compute_end = compute_end_s(job, view, ready)
        finish = np.maximum(view.next_downlink_s(compute_end), compute_end)
        reachable = np.isfinite(finish)  # no allowed contact left: never chosen
        wait = np.full(len(view), np.inf)
        wait[reachable] = ((ready[reachable] - view.now_s)
                           + (finish[reachable] - compute_end[reachable]))
        return int(np.lexsort((finish, wait))[0])
