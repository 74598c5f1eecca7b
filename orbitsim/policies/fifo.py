"""``fifo``: jobs in arrival order, each on the first node (lowest index) that can start it
soonest."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("fifo")
class Fifo(Policy):
    """First come, first served on the first node that can start the job soonest: the
    baseline."""

    first_fit = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        # Candidates come sorted by node index; argmin takes the first of the earliest.
        return int(np.argmin(view.free_at_s))
