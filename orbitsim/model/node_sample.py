"""A seeded sample of a constellation's nodes (for a run at full load on a sample, see
:mod:`orbitsim.sim.sample`): units of consecutive satellites of each shell, drawn per shell."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orbitsim.errors import InputError
from orbitsim.model.constellation import Constellation
from orbitsim.model.workload import Workload, scale_workload

#: Random stream of a scenario seed used for the sample (jobs 0, faults 1, engine 2, ...).
SAMPLE_STREAM = 5


@dataclass(frozen=True)
class NodeSample:
    """Which satellites a sampled run keeps: ``index`` into the full constellation (sorted),
    the unit of each kept satellite (``unit_of``, aligned with ``index``), and the counts."""

    index: np.ndarray
    unit_of: np.ndarray
    units_kept: int
    units_total: int
    nodes_total: int
    unit_size: int

    @property
    def factor(self) -> float:
        """Sampled share of the nodes, ``n / N`` (the workload's rates are multiplied by it)."""
        return len(self.index) / self.nodes_total


def _shell_bounds(constellation: Constellation) -> tuple[np.ndarray, list[int | None]]:
    """Start of each shell (consecutive satellites) and its satellites a plane."""
    n = len(constellation)
    if constellation.shells and sum(s.count for s in constellation.shells) == n:
        bounds = np.concatenate([[0], np.cumsum([s.count for s in constellation.shells])])
        return bounds.astype(np.int64), [s.per_plane for s in constellation.shells]
    return np.array([0, n], dtype=np.int64), [None]


def sample_nodes(constellation: Constellation, fraction: float, *, unit_size: int = 0,
                 seed: int = 0) -> NodeSample:
    """The units a sampled run keeps (module docstring): ``fraction`` of each shell's units,
    at least one, drawn without replacement with ``seed``."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SAMPLE_STREAM,)))
    bounds, per_plane = _shell_bounds(constellation)
    index, unit_of = [], []
    kept = total = 0
    size_used = unit_size
    for shell, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        size = unit_size or per_plane[shell] or 1
        size_used = size
        starts = np.arange(lo, hi, size)
        k = min(len(starts), max(1, int(round(fraction * len(starts)))))
        chosen = np.sort(rng.choice(len(starts), size=k, replace=False))
        for u in chosen.tolist():
            members = np.arange(starts[u], min(starts[u] + size, hi))
            index.append(members)
            unit_of.append(np.full(len(members), total + u))
        kept += k
        total += len(starts)
    index_array = np.concatenate(index) if index else np.zeros(0, dtype=np.int64)
    unit_array = np.concatenate(unit_of) if unit_of else np.zeros(0, dtype=np.int64)
    order = np.argsort(index_array, kind="stable")
    return NodeSample(index_array[order], unit_array[order], kept, total,
                      len(constellation), int(size_used))


def apply_sample(scenario, constellation: Constellation, workload: Workload, source=None):
    """``(constellation, workload, sample)`` of a scenario: the sampled satellites and the
    workload scaled to them when the scenario has a ``sample`` table, else the inputs as they
    are and ``None``. Injected faults name nodes of the full constellation: refused with a
    sample."""
    spec = scenario.sample
    if spec is None:
        return constellation, workload, None
    if scenario.fail_nodes or scenario.isl_cuts:
        raise InputError("fail_nodes and isl_cuts name nodes of the whole constellation: they "
                         "cannot be combined with a sample", source=source, field="sample")
    sample = sample_nodes(constellation, spec.fraction, unit_size=spec.unit_size,
                          seed=scenario.seed if spec.seed is None else spec.seed)
    return (constellation.subset(sample.index), scale_workload(workload, sample.factor),
            sample)


__all__ = ["NodeSample", "SAMPLE_STREAM", "apply_sample", "sample_nodes"]
