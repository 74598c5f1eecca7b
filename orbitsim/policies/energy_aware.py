"""``energy-aware``: put work where the Sun and the battery allow."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("energy-aware")
class EnergyAware(Policy):
    """Among the nodes that can start the job soonest, prefer sunlit ones, then the fullest
    battery, then the highest power cap."""

    needs_state = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        order = np.lexsort((-view.power_cap_w, -view.soc, -np.round(view.sunlit, 3),
                            view.free_at_s))
        return int(order[0])
