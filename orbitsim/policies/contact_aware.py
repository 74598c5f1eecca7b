"""``contact-aware``: shortest wait for a ground contact once the job's compute is done."""

from __future__ import annotations

import numpy as np

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.estimate import compute_end_s, ready_s
from orbitsim.policies.registry import register_policy


@register_policy("contact-aware")
class ContactAware(Policy):
    """Prefer the node whose next ground contact (any station) comes soonest after the job's
    estimated compute end (upload and work queued ahead included), then the earliest end.

    The contact that matters is the one after the compute, not the one open now: a node in
    contact now whose pass ends mid-compute holds its results for an orbit or more.
    """

    needs_state = True  # the compute estimate reads throughput_flops at the nodes' caps

    def choose(self, job: JobRequest, view: NodeView) -> int:
        compute_end = compute_end_s(job, view, ready_s(job, view))
        reachable = np.isfinite(compute_end)  # no contact left for the upload: never chosen
        wait = np.full(len(view), np.inf)
        wait[reachable] = (view.next_contact_s(compute_end)[reachable]
                           - compute_end[reachable])
        return int(np.lexsort((compute_end, wait))[0])
