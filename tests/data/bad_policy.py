"""A user policy with a bug: it returns a position past the last candidate
(tests/test_validate_complete.py)."""

from orbitsim.policies import JobRequest, NodeView, Policy


class OffByOne(Policy):
    """Returns one past the last candidate."""

    def choose(self, job: JobRequest, view: NodeView) -> int:
        return len(view)
