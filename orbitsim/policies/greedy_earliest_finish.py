"""``greedy-earliest-finish``: the node where the job's results would reach the ground first."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.estimate import compute_end_s, ready_s
from orbitsim.policies.registry import register_policy


@register_policy("greedy-earliest-finish")
class GreedyEarliestFinish(Policy):
    """Minimise the estimated finish: the upload (while the input is still on the ground), the
    work queued ahead and the compute at today's caps, then the next allowed downlink; ties go
    to the earliest compute end."""

    needs_state = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        compute_end = compute_end_s(job, view, ready_s(job, view))
        finish = np.maximum(view.next_downlink_s(compute_end), compute_end)
        return int(np.lexsort((compute_end, finish))[0])
