"""``thermal-aware``: put work where the radiators have the most headroom."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("thermal-aware")
class ThermalAware(Policy):
    """Among the nodes that can start the job soonest, prefer the one furthest below its
    radiator limit (least throttling)."""

    needs_state = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        return int(np.lexsort((-view.temp_margin_k, view.free_at_s))[0])
