"""The scheduling-policy interface: one method, arrays in, one choice out.

A policy is asked one question, many times: *this job is ready; which of these nodes should run
it?* It gets the job (:class:`JobRequest`) and a :class:`NodeView` of the candidate nodes —
every one of them alive and of an operator the tenant allows; the nodes that can take the job
now when there are any, else every node that could take it later (``free_at_s`` tells when) —
and returns the position of its choice in the view. Hard constraints (jurisdiction of the ground
stations, operators, capacity) are enforced by the simulation before and after: a policy can
make the schedule better or worse, never illegal. It never touches SimPy.

Write your own in a few lines::

    import numpy as np
    from orbitsim.policies import Policy, register_policy

    @register_policy("coolest-first")
    class CoolestFirst(Policy):
        '''Run each job on the coolest candidate node.'''
        needs_state = True            # ask for fresh temperatures and states of charge

        def choose(self, job, view):
            return int(np.argmin(view.temp_k))
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class JobRequest(NamedTuple):
    """The job a policy is placing (read-only). Sizes in FLOP and bytes, times in seconds since
    start."""

    job_id: int
    tenant: str
    kind: str
    accelerators: int
    work_flop: float
    input_bytes: float
    output_bytes: float
    arrival_s: float
    deadline_s: float  # relative to arrival; inf if none
    mfu: float


class NodeView:
    """Read-only arrays over the candidate nodes, all ``(n_candidates,)``.

    ``index`` (node indices, increasing), ``free_accelerators``, ``queued_jobs`` (jobs waiting
    for the node's ISL group: queued there, or, when there are several groups and a job's data
    goes to one of them, still uploading to it),
    ``free_at_s`` (when the node could start this job: now for every candidate when they can
    take it now; else when the node has the job's accelerators free after the jobs running
    on it and those bound to its group before this one, an estimate at current rates),
    ``throughput_flops`` (dense FLOP/s each of the job's accelerators would give now, at the
    node's caps); with ``needs_state``: ``soc`` (0..1), ``sunlit`` (illuminated fraction now),
    ``temp_k`` and ``temp_margin_k`` (to the radiator limit), ``power_cap_w``. With physics
    off a node has no limit: ``soc`` 1, ``sunlit`` 1, ``temp_margin_k`` infinite.
    ``now_s`` is the current time.

    :meth:`next_downlink_s` and :meth:`next_contact_s` give, per candidate, when its ISL group
    can next reach an allowed (or any) ground station. What the simulation knows of the future
    (all but demand) comes from :meth:`upload_end_s`, :meth:`compute_end_s` and
    :meth:`download_end_s`: estimates from the contact plan with its bookings so far and from
    each node's physics run forward (sunlight, battery, radiator); they cost far more than the
    arrays (tens of microseconds a candidate).
    """

    def __init__(self, now_s: float, index: np.ndarray, arrays: dict[str, np.ndarray],
                 next_contact: Callable[[np.ndarray, float, bool], np.ndarray], *,
                 outlook=None) -> None:
        self.now_s = now_s
        self.index = index
        self._arrays = arrays
        self._next_contact = next_contact
        self._outlook = outlook

    def __len__(self) -> int:
        return len(self.index)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self._arrays[name]
        except KeyError:
            raise AttributeError(f"NodeView has no array {name!r} (is needs_state set?)") from None

    def next_downlink_s(self, after_s: float | np.ndarray | None = None) -> np.ndarray:
        """Earliest time at or after ``after_s`` (now by default; a scalar, or one time per
        candidate) each candidate can send data to a station the job's tenant allows."""
        return self._contact(after_s, True)

    def next_contact_s(self, after_s: float | np.ndarray | None = None) -> np.ndarray:
        """Earliest time at or after ``after_s`` (now by default; a scalar, or one time per
        candidate) each candidate can reach any ground station."""
        return self._contact(after_s, False)

    def upload_end_s(self) -> np.ndarray:
        """When the job's input would be on board each candidate's ISL group, uploaded through
        the tenant's stations over the coming passes (their free capacity: bookings so far
        taken); now if it is on board already; ``inf`` if the passes before the horizon cannot
        carry it."""
        return self._require_outlook().upload_end_s()

    def compute_end_s(self, start_s: float | np.ndarray) -> np.ndarray:
        """When the job's work (what is left of it) would end on each candidate if it started
        at ``start_s`` (a scalar, or one time per candidate): the node's physics run forward
        through its coming sunlight, battery floor and radiator limit with its current load
        plus the job's; ``inf`` past the horizon."""
        return self._require_outlook().compute_end_s(self._per_candidate(start_s))

    def download_end_s(self, after_s: float | np.ndarray) -> np.ndarray:
        """When the job's results would be on the ground if their download started at
        ``after_s`` (a scalar, or one time per candidate), through the tenant's stations over
        the passes of each candidate's ISL group; ``inf`` if those before the horizon cannot
        carry them."""
        return self._require_outlook().download_end_s(self._per_candidate(after_s))

    def _require_outlook(self):
        if self._outlook is None:
            raise AttributeError("this NodeView has no outlook (upload_end_s, compute_end_s, "
                                 "download_end_s come from the simulation)")
        return self._outlook

    def _per_candidate(self, value: float | np.ndarray) -> np.ndarray:
        value = np.asarray(value, dtype=float)
        if value.ndim == 0:
            return np.full(len(self.index), float(value))
        if value.shape != self.index.shape:
            raise ValueError(f"expected a scalar or shape {self.index.shape}, got {value.shape}")
        return value

    def _contact(self, after_s: float | np.ndarray | None, only_allowed: bool) -> np.ndarray:
        after = np.asarray(self.now_s if after_s is None else after_s, dtype=float)
        if after.ndim == 0:
            return self._next_contact(self.index, float(after), only_allowed)
        if after.shape != self.index.shape:
            raise ValueError(f"after_s must be a scalar or have shape {self.index.shape}, "
                             f"got {after.shape}")
        # One query per distinct time, each over the candidates that share it: every candidate
        # is looked up once, whatever the number of distinct times.
        out = np.empty(len(self.index))
        times, inverse = np.unique(after, return_inverse=True)
        for k, t in enumerate(times.tolist()):
            rows = inverse == k
            out[rows] = self._next_contact(self.index[rows], t, only_allowed)
        return out


class Policy(abc.ABC):
    """Base class: subclasses set ``name`` (by :func:`register_policy`) and ``choose``."""

    name: str = "policy"
    #: True if :meth:`choose` reads ``soc``, ``sunlit``, ``temp_k``, ``temp_margin_k`` or
    #: ``power_cap_w`` (the simulation then brings the candidates' physics up to date).
    needs_state: bool = False
    #: True if :meth:`choose` returns the first candidate (lowest node index) among those with
    #: the earliest ``free_at_s`` (``fifo``): position 0 whenever the candidates can all take
    #: the job now. The simulation then places the job without building a view (the same
    #: choice, a few microseconds less a job); :meth:`choose` must still say so.
    first_fit: bool = False

    @abc.abstractmethod
    def choose(self, job: JobRequest, view: NodeView) -> int:
        """Position in ``view`` of the node that should run ``job``."""

    def reset(self) -> None:  # noqa: B027 (optional hook: most policies keep no state)
        """Forget any state before a new run (round-robin counters and the like)."""
