"""``thermal-aware``: put work where the radiators have the most headroom."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("thermal-aware")
class ThermalAware(Policy):
    """Prefer the node furthest below its radiator limit (least throttling)."""

    needs_state = True

    def choose(self, job: JobRequest, view: NodeView) -> int:
        return int(np.argmax(view.temp_margin_k))
