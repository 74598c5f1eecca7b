"""A user policy loaded by module path (``tests/data/my_policy.py:LastCandidate``) in
tests/test_policies.py: it subclasses the public interface only, and registers nothing itself."""

from orbitsim.policies import JobRequest, NodeView, Policy


class LastCandidate(Policy):
    """Run each job on the candidate with the highest node index."""

    def choose(self, job: JobRequest, view: NodeView) -> int:
        return len(view) - 1
