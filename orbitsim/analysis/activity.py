"""What each node of a run was doing, step by step: computing (a job between its compute start
and end), moving data over a ground pass (a transfer up or down), both, or idle. Read from the
run's ``jobs`` and ``transfers`` tables, never re-simulated; the maps and exports colour the
nodes with it.

A step is the half-open interval between two instants ``[edges[i], edges[i + 1])``; a node is
*computing* in a step if any of its jobs computes during part of it (and likewise for
transfers), so that a transfer of a second still shows in a minute's step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

IDLE, COMPUTING, TRANSFERRING, BOTH = 0, 1, 2, 3
#: State code -> name and RGBA colour (0-255) used by every map and export.
STATE_NAMES = {IDLE: "idle", COMPUTING: "computing", TRANSFERRING: "transferring",
               BOTH: "computing and transferring"}
STATE_RGBA = {IDLE: (150, 150, 160, 255), COMPUTING: (255, 140, 0, 255),
              TRANSFERRING: (0, 170, 255, 255), BOTH: (220, 40, 200, 255)}


def busy_steps(node: np.ndarray, start_s: np.ndarray, end_s: np.ndarray, n_nodes: int,
               edges_s: np.ndarray) -> np.ndarray:
    """``(n_nodes, len(edges_s) - 1)`` bool: whether any interval ``[start_s, end_s]`` of a
    node overlaps each step (an instant, ``start == end``, marks the step that holds it).
    Intervals outside the steps or of nodes outside ``range(n_nodes)`` are ignored."""
    edges_s = np.asarray(edges_s, dtype=float)
    n_steps = len(edges_s) - 1
    out = np.zeros((n_nodes, max(n_steps, 0)), dtype=bool)
    if n_steps <= 0:
        return out
    node = np.asarray(node, dtype=np.int64)
    start = np.asarray(start_s, dtype=float)
    end = np.asarray(end_s, dtype=float)
    keep = (np.isfinite(start) & np.isfinite(end) & (end >= start) & (node >= 0)
            & (node < n_nodes) & (end >= edges_s[0]) & (start < edges_s[-1]))
    node, start, end = node[keep], start[keep], end[keep]
    first = np.clip(np.searchsorted(edges_s, start, side="right") - 1, 0, n_steps - 1)
    # The last step the interval reaches: the one holding its end, or the step before an end
    # exactly on an edge (a half-open step), but never before its first step.
    last = np.clip(np.searchsorted(edges_s, end, side="left") - 1, 0, n_steps - 1)
    last = np.maximum(last, first)
    diff = np.zeros((n_nodes, n_steps + 1), dtype=np.int64)
    np.add.at(diff, (node, first), 1)
    np.add.at(diff, (node, last + 1), -1)
    out[:] = np.cumsum(diff[:, :-1], axis=1) > 0
    return out


def node_activity(jobs, transfers, n_nodes: int,
                  edges_s: np.ndarray, horizon_s: float | None = None) -> np.ndarray:
    """State code (:data:`STATE_NAMES`) of every node in every step between ``edges_s``,
    ``(n_nodes, len(edges_s) - 1)`` uint8. A job computes from ``start_s`` to
    ``compute_end_s`` (to ``horizon_s``, else the last edge, while still computing); a
    transfer moves data on node ``sat_index`` from ``start_s`` to ``end_s``.

    ``jobs`` and ``transfers``: tables, or iterables of consecutive chunks of them (a
    streamed run's spools: the steps are the union over the chunks, the same answer)."""
    edges_s = np.asarray(edges_s, dtype=float)
    horizon = float(edges_s[-1]) if horizon_s is None else float(horizon_s)
    computing = np.zeros((n_nodes, max(len(edges_s) - 1, 0)), dtype=bool)
    moving = np.zeros_like(computing)
    for chunk in ([jobs] if isinstance(jobs, pd.DataFrame) else jobs):
        start = chunk["start_s"].to_numpy(dtype=float)
        compute_end = np.where(np.isnan(chunk["compute_end_s"].to_numpy(dtype=float)),
                               horizon, chunk["compute_end_s"].to_numpy(dtype=float))
        computing |= busy_steps(chunk["node"].to_numpy(), start, compute_end, n_nodes,
                                edges_s)
    for chunk in ([transfers] if isinstance(transfers, pd.DataFrame) else transfers):
        moving |= busy_steps(chunk["sat_index"].to_numpy(), chunk["start_s"].to_numpy(),
                             chunk["end_s"].to_numpy(), n_nodes, edges_s)
    return (computing * COMPUTING + moving * TRANSFERRING).astype(np.uint8)


__all__ = ["BOTH", "COMPUTING", "IDLE", "STATE_NAMES", "STATE_RGBA", "TRANSFERRING",
           "busy_steps", "node_activity"]
