"""``sovereignty-aware``: respect jurisdiction at least cost."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("sovereignty-aware")
class SovereigntyAware(Policy):
    """Prefer the node that soonest reaches a station of the tenant's jurisdiction, then the
    fastest node: the data must land there anyway, so waiting for it is the real cost."""

    def choose(self, job: JobRequest, view: NodeView) -> int:
        return int(np.lexsort((-view.throughput_flops, view.next_downlink_s()))[0])
