"""``look-ahead``: the earliest finish by what the simulation knows of the coming hours."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("look-ahead")
class LookAhead(Policy):
    """Minimise the estimated finish from what the simulation knows of the future (all but
    demand): the upload over the coming passes with their free capacity, the compute once the
    node has the accelerators under its coming power and heat caps (sunlight, battery floor,
    radiator limit), and the download over the passes after; ties go to the earliest compute
    end, then to the lowest node index.

    Where ``greedy-earliest-finish`` takes the next contact's start for the transfer and
    today's caps for the compute, this one books nothing but runs the contact plan and each
    candidate's physics forward (tens of microseconds a candidate, ~0.1-1 ms a job).
    """

    needs_state = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        start = np.maximum(view.upload_end_s(), view.free_at_s)
        compute_end = view.compute_end_s(start)
        finish = view.download_end_s(compute_end)
        return int(np.lexsort((compute_end, finish))[0])
