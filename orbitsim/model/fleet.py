"""A fleet of several node hardwares: which node carries which.

A scenario runs one node hardware (its ``hardware``, or the constellation's) unless it lists
hardware groups, each a set of nodes (by shell name, by index or by index range) with its own
hardware, given like the scenario's own (a name, or a base and overrides)::

    hardware = "starcloud-node"            # every node not in a group below (64 H100)

    [[hardware_groups]]
    name = "h200"                          # a label (default: the hardware's name)
    shells = ["SC-H200"]                   # the nodes of these shells, and/or
    nodes = [0, "16-31"]                   # these nodes (indices, "first-last" ranges)
    hardware = { base = "starcloud-node", accelerator = "h200" }

Groups may not overlap. Nodes in no group keep the scenario's hardware: group 0 of the
:class:`Fleet`, labelled by its accelerator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orbitsim.errors import InputError

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")  # "first-last", or "index"


class HardwareGroup(BaseModel):
    """A set of nodes with their own hardware (module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    shells: tuple[str, ...] = ()
    nodes: tuple[int | str, ...] = ()
    hardware: str | dict[str, Any] = Field(min_length=1)

    @field_validator("nodes")
    @classmethod
    def _check_nodes(cls, value):
        for item in value:
            if isinstance(item, bool) or (isinstance(item, int) and item < 0):
                raise ValueError(f"a node is an index >= 0 or a range 'first-last', got {item!r}")
            if isinstance(item, str):
                match = _RANGE.match(item)
                if not match or int(match.group(1)) > int(match.group(2) or match.group(1)):
                    raise ValueError(f"a node is an index >= 0 or a range 'first-last' with "
                                     f"first <= last, got {item!r}")
        return value

    @model_validator(mode="after")
    def _check(self):
        if not self.shells and not self.nodes:
            raise ValueError("a hardware group names its nodes: shells = [...] and/or "
                             "nodes = [...]")
        return self

    def node_indices(self) -> list[int]:
        """The indices its ``nodes`` name (ranges expanded), in order."""
        out: list[int] = []
        for item in self.nodes:
            if isinstance(item, int):
                out.append(item)
            else:
                match = _RANGE.match(item)
                first = int(match.group(1))
                out.extend(range(first, int(match.group(2) or first) + 1))
        return out


@dataclass(frozen=True, eq=False)
class Fleet:
    """Node hardwares and which node carries which: ``hardware[index[i]]`` is node ``i``'s;
    group 0 is the scenario's own hardware (the nodes of no group)."""

    hardware: tuple  # NodeHardware, ...
    labels: tuple[str, ...]
    index: np.ndarray  # (n_nodes,) int

    @property
    def mixed(self) -> bool:
        return len(self.hardware) > 1

    def counts(self) -> np.ndarray:
        """Nodes of each group."""
        return np.bincount(self.index, minlength=len(self.hardware))

    def accelerators(self) -> np.ndarray:
        """``(n_nodes,)`` accelerators of each node."""
        return np.array([h.accelerators for h in self.hardware], dtype=np.int64)[self.index]

    def accelerator_names(self) -> np.ndarray:
        """``(n_nodes,)`` accelerator name of each node."""
        return np.array([h.accelerator.name for h in self.hardware], dtype=object)[self.index]


def group_nodes(groups, constellation, *, source=None) -> list[np.ndarray]:
    """The node indices of each group, checked: nodes exist, shells exist (and the
    constellation's shells account for every satellite), no node in two groups. InputError
    naming ``hardware_groups[i].nodes`` or ``.shells`` otherwise."""
    n = len(constellation)
    shells = list(constellation.shells)
    counts = [s.count for s in shells]
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64) if shells else None
    owner = np.full(n, -1, dtype=np.int64)
    out = []
    for i, group in enumerate(groups):
        picked: list[np.ndarray] = []
        for name in group.shells:
            names = [s.name for s in shells]
            if name not in names:
                raise InputError(f"no shell named {name!r} in the constellation (shells: "
                                 f"{', '.join(names) or 'none'})", source=source,
                                 field=f"hardware_groups[{i}].shells")
            if sum(counts) != n:
                raise InputError("the constellation's shells do not account for every "
                                 "satellite: select nodes by index", source=source,
                                 field=f"hardware_groups[{i}].shells")
            k = names.index(name)
            picked.append(np.arange(starts[k], starts[k + 1]))
        nodes = np.asarray(group.node_indices(), dtype=np.int64)
        if len(nodes) and nodes.max() >= n:
            raise InputError(f"node {int(nodes.max())} does not exist (the constellation has "
                             f"{n:,} nodes, 0..{n - 1})", source=source,
                             field=f"hardware_groups[{i}].nodes")
        picked.append(nodes)
        index = np.unique(np.concatenate(picked))
        clash = index[owner[index] >= 0]
        if len(clash):
            raise InputError(f"node {int(clash[0])} is in two hardware groups "
                             f"({int(owner[clash[0]])} and {i})", source=source,
                             field=f"hardware_groups[{i}]")
        owner[index] = i
        out.append(index)
    return out


def resolve_fleet(groups, constellation, default, resolve_one, *, source=None) -> Fleet:
    """The fleet of a scenario: ``default`` (the scenario's own hardware) for the nodes of no
    group, ``resolve_one(spec, field)`` for each group's hardware."""
    n = len(constellation)
    index = np.zeros(n, dtype=np.int64)
    hardware = [default]
    labels = [default.accelerator.name]
    for i, (group, nodes) in enumerate(zip(groups, group_nodes(groups, constellation,
                                                               source=source))):
        node = resolve_one(group.hardware, f"hardware_groups[{i}].hardware")
        hardware.append(node)
        labels.append(group.name or node.accelerator.name)
        index[nodes] = i + 1
    if len(set(labels)) != len(labels):
        labels = [f"{label}-{k}" if labels.count(label) > 1 else label
                  for k, label in enumerate(labels)]
    return Fleet(tuple(hardware), tuple(labels), index)


__all__ = ["Fleet", "HardwareGroup", "group_nodes", "resolve_fleet"]
