"""``contact-aware``: shortest time to the next downlink, whatever the station."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("contact-aware")
class ContactAware(Policy):
    """Prefer the node whose next ground contact (any station) comes soonest."""

    def choose(self, job: JobRequest, view: NodeView) -> int:
        return int(np.argmin(view.next_contact_s()))
