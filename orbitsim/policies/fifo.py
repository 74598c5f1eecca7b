"""``fifo``: jobs in arrival order, each on the first node (lowest index) that can take it."""

from __future__ import annotations

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("fifo")
class Fifo(Policy):
    """First come, first served on the first free node: the baseline."""

    first_fit = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        return 0  # candidates come sorted by node index
