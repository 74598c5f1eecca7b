"""``round-robin``: spread jobs over the nodes in turn."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import register_policy


@register_policy("round-robin")
class RoundRobin(Policy):
    """Each job on the next node after the previous choice, cycling over node indices."""

    def __init__(self) -> None:
        self._last = -1

    def reset(self) -> None:
        self._last = -1

    def choose(self, job: JobRequest, view: NodeView) -> int:
        after = np.flatnonzero(view.index > self._last)
        position = int(after[0]) if len(after) else 0
        self._last = int(view.index[position])
        return position
