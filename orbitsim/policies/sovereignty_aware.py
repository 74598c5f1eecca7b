"""``sovereignty-aware``: respect jurisdiction at least cost."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.estimate import awaiting_upload, compute_end_s
from orbitsim.policies.registry import register_policy


@register_policy("sovereignty-aware")
class SovereigntyAware(Policy):
    """Prefer the node whose data soonest lands in the tenant's jurisdiction, both ways: the
    input uploaded through an allowed station, the work queued ahead and the compute, then the
    next allowed downlink; ties go to the earliest compute end.

    The data must cross those stations anyway (the simulation enforces it), so waiting for
    them is the real cost of sovereignty; a tenant allowed few stations gains most.
    """

    needs_state = True  # the compute estimate reads throughput_flops at the nodes' caps

    def choose(self, job: JobRequest, view: NodeView) -> int:
        start = view.next_downlink_s() if awaiting_upload(job, view) else view.now_s
        compute_end = compute_end_s(job, view, start)
        finish = np.maximum(view.next_downlink_s(compute_end), compute_end)
        return int(np.lexsort((compute_end, finish))[0])
