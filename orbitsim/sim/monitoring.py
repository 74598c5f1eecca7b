"""Remote monitoring: a telemetry stream reserved on the downlink of monitored nodes.

A licence with monitoring terms (:mod:`orbitsim.model.governance`) makes every node of that
accelerator send a telemetry stream of ``bytes_per_node_hour`` to the ground, over its own
passes (not relayed over inter-satellite links) above stations where the telemetry may land.
The stream is reserved on the contact plan before any transfer: at each pass the node sends
the telemetry generated up to the pass's start and not sent yet, as much as the pass can
carry, in the last part of the pass; the pass keeps the rest for the tenants. Telemetry the
passes cannot carry waits for the next pass (what is left at the horizon is the backlog).

The backlog after pass ``k`` follows Lindley's recursion ``B_k = max(0, B_{k-1} + x_k - c_k)``
(``x_k`` generated since the previous pass's start, ``c_k`` the pass's capacity), solved for
all of a node's passes at once as ``B_k = S_k - min(0, min_{j<=k} S_j)`` with
``S_k = sum_{i<=k} (x_i - c_i)`` (Lindley, Proc. Camb. Phil. Soc. 48, 1952).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Job id of the telemetry's pieces in the transfer log (no job).
MONITORING_JOB_ID = -1
#: Columns of :func:`reserve_monitoring`'s pieces (those of the transfer log).
PIECE_COLUMNS = ("job_id", "direction", "sat_index", "station_index", "start_s", "end_s",
                 "bytes")


@dataclass(frozen=True, eq=False)
class MonitoringStream:
    """``bytes_per_node_hour`` of telemetry from each node where ``nodes`` ``(n_nodes,)`` is
    true, landing at stations where ``allowed_station`` ``(n_stations,)`` is true (None:
    any)."""

    bytes_per_node_hour: float
    nodes: np.ndarray
    allowed_station: np.ndarray | None = None

    @property
    def active(self) -> bool:
        return self.bytes_per_node_hour > 0 and bool(np.any(self.nodes))


def reserve_monitoring(contacts: pd.DataFrame, stream: MonitoringStream, horizon_s: float
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contact plan with the telemetry's share of each monitored node's passes taken off
    (each such pass ends earlier by the time its telemetry takes, its ``bytes_capacity``
    lowered by the bytes sent), and the telemetry's pieces (:data:`PIECE_COLUMNS`, direction
    ``"monitoring"``, one per pass that carried some). Passes ending after ``horizon_s`` are
    used up to it."""
    empty = pd.DataFrame({c: pd.Series(dtype="int64" if c in ("job_id", "sat_index",
                                                                "station_index") else
                                       object if c == "direction" else float)
                          for c in PIECE_COLUMNS})
    if not stream.active or contacts.empty:
        return contacts, empty
    rate_b_s = stream.bytes_per_node_hour / 3600.0
    sat = contacts["sat_index"].to_numpy()
    station = contacts["station_index"].to_numpy()
    start = contacts["start_s"].to_numpy(dtype=float)
    end = np.minimum(contacts["end_s"].to_numpy(dtype=float), horizon_s)
    capacity = contacts["bytes_capacity"].to_numpy(dtype=float)
    full_s = contacts["end_s"].to_numpy(dtype=float) - start
    usable = np.where(full_s > 0, capacity * np.clip(end - start, 0, None)
                      / np.where(full_s > 0, full_s, 1.0), 0.0)
    eligible = np.asarray(stream.nodes, dtype=bool)[sat] & (usable > 0) & (start < horizon_s)
    if stream.allowed_station is not None:
        eligible &= np.asarray(stream.allowed_station, dtype=bool)[station]
    rows = np.flatnonzero(eligible)
    if rows.size == 0:
        return contacts, empty
    rows = rows[np.lexsort((start[rows], sat[rows]))]
    sent = np.zeros(rows.size)
    bounds = np.flatnonzero(np.diff(sat[rows])) + 1
    for lo, hi in zip(np.r_[0, bounds].tolist(), np.r_[bounds, rows.size].tolist()):
        mine = rows[lo:hi]
        begins = start[mine]
        generated = rate_b_s * np.diff(np.r_[0.0, begins])  # since the previous pass's start
        walk = np.cumsum(generated - usable[mine])
        backlog = walk - np.minimum(np.minimum.accumulate(walk), 0.0)
        before = np.r_[0.0, backlog[:-1]]
        sent[lo:hi] = before + generated - backlog
    carried = sent > 0
    rows, sent = rows[carried], sent[carried]
    pass_rate = capacity[rows] / full_s[rows]
    took_s = sent / pass_rate
    out = contacts.copy()
    new_end = end[rows] - took_s
    out_capacity = out["bytes_capacity"].to_numpy(dtype=float).copy()
    out_end = out["end_s"].to_numpy(dtype=float).copy()
    out_capacity[rows] = (new_end - start[rows]) * pass_rate
    out_end[rows] = new_end
    out["bytes_capacity"] = np.maximum(out_capacity, 0.0)
    out["end_s"] = out_end
    if "duration_s" in out:
        out["duration_s"] = out["end_s"] - out["start_s"]
    pieces = pd.DataFrame({
        "job_id": np.full(rows.size, MONITORING_JOB_ID, dtype=np.int64),
        "direction": ["monitoring"] * rows.size,
        "sat_index": sat[rows].astype(np.int64),
        "station_index": station[rows].astype(np.int64),
        "start_s": new_end,
        "end_s": end[rows],
        "bytes": sent,
    }).sort_values(["start_s", "sat_index"], kind="stable").reset_index(drop=True)
    return out, pieces


def generated_bytes(stream: MonitoringStream, horizon_s: float) -> float:
    """Telemetry the monitored nodes generate over ``horizon_s``, bytes."""
    return float(stream.bytes_per_node_hour * horizon_s / 3600.0 * np.count_nonzero(stream.nodes))


__all__ = ["MONITORING_JOB_ID", "MonitoringStream", "PIECE_COLUMNS", "generated_bytes",
           "reserve_monitoring"]
