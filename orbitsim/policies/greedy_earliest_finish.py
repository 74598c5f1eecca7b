"""``greedy-earliest-finish``: the node where the job's results would reach the ground first."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("greedy-earliest-finish")
class GreedyEarliestFinish(Policy):
    """Minimise the estimated finish: compute at today's caps, then wait for an allowed
    downlink."""

    needs_state = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        rate = np.maximum(view.throughput_flops * job.accelerators * job.mfu, 1e-30)
        compute_end = view.now_s + job.work_flop / rate
        finish = np.maximum(view.next_downlink_s(float(np.min(compute_end))), compute_end)
        return int(np.argmin(finish))
