"""The scheduling-policy interface: one method, arrays in, one choice out.

A policy is asked one question, many times: *this job is ready; which of these nodes should run
it?* It gets the job (:class:`JobRequest`) and a :class:`NodeView` of the candidate nodes —
every one of them alive, of an operator the tenant allows, with enough free accelerators — and
returns the position of its choice in the view. Hard constraints (jurisdiction of the ground
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

    ``index`` (node indices), ``free_accelerators``, ``queued_jobs`` (waiting in the node's ISL
    group), ``throughput_flops`` (dense FLOP/s each accelerator gives now, at the node's caps);
    with ``needs_state``: ``soc`` (0..1), ``sunlit`` (illuminated fraction now), ``temp_k`` and
    ``temp_margin_k`` (to the radiator limit), ``power_cap_w``. ``now_s`` is the current time.
    :meth:`next_downlink_s` and :meth:`next_contact_s` give, per candidate, when its ISL group
    can next reach an allowed (or any) ground station.
    """

    def __init__(self, now_s: float, index: np.ndarray, arrays: dict[str, np.ndarray],
                 next_contact: Callable[[np.ndarray, float, bool], np.ndarray]) -> None:
        self.now_s = now_s
        self.index = index
        self._arrays = arrays
        self._next_contact = next_contact

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
    #: True if :meth:`choose` always returns 0 (the first candidate: they come sorted by node
    #: index). The simulation then places the job without building a view (the same choice,
    #: a few microseconds less a job); :meth:`choose` must still say so.
    first_fit: bool = False

    @abc.abstractmethod
    def choose(self, job: JobRequest, view: NodeView) -> int:
        """Position in ``view`` of the node that should run ``job``."""

    def reset(self) -> None:  # noqa: B027 (optional hook: most policies keep no state)
        """Forget any state before a new run (round-robin counters and the like)."""
