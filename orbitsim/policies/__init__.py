"""Scheduling policies: a registry, the interface, and the built-in policies (one a module)."""

from orbitsim.policies.base import JobRequest, NodeView, Policy
from orbitsim.policies.registry import get_policy, load_policy, policy_names, register_policy

__all__ = ["JobRequest", "NodeView", "Policy", "get_policy", "load_policy", "policy_names",
           "register_policy"]
