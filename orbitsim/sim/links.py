"""Ground links: the contact plan and the transfers that use it.

Each pass (a satellite over a station) is a channel of constant mean rate
``bytes_capacity / duration``. Transfers take a pass whole, first come first served: a pass
remembers until when it is busy, so its capacity is shared among the transfers that use it and
never exceeded. A transfer may use the passes of any satellite of the target's ISL group (relayed
over inter-satellite links, whose ~100 Gbps dwarf a ground link), but only over stations its
tenant allows: governance is enforced here, not left to policies. Every byte moved is logged.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class TransferLog:
    """Every transfer piece: which pass carried how many bytes when."""

    job_id: list[int] = field(default_factory=list)
    direction: list[str] = field(default_factory=list)
    sat_index: list[int] = field(default_factory=list)
    station_index: list[int] = field(default_factory=list)
    start_s: list[float] = field(default_factory=list)
    end_s: list[float] = field(default_factory=list)
    bytes: list[float] = field(default_factory=list)

    def frame(self, station_names: list[str]) -> pd.DataFrame:
        frame = pd.DataFrame({
            "job_id": np.asarray(self.job_id, dtype=np.int64),
            "direction": self.direction,
            "sat_index": np.asarray(self.sat_index, dtype=np.int64),
            "station_index": np.asarray(self.station_index, dtype=np.int64),
            "start_s": np.asarray(self.start_s, dtype=float),
            "end_s": np.asarray(self.end_s, dtype=float),
            "bytes": np.asarray(self.bytes, dtype=float),
        })
        frame["station"] = [station_names[i] for i in frame.station_index.tolist()]
        return frame


class ContactPlan:
    """Passes grouped by ISL group, sorted by start, with first-come-first-served occupancy.

    ``contacts`` needs columns ``sat_index, station_index, start_s, end_s, bytes_capacity``;
    ``group_of_sat`` ``(n_sats,)`` maps satellites to ISL groups (a satellite alone is a group
    of one). ``relay_latency_s`` is added to every transfer that uses another satellite's pass.
    """

    def __init__(self, contacts: pd.DataFrame, group_of_sat: np.ndarray,
                 relay_latency_s: float = 0.05) -> None:
        self.group_of_sat = np.asarray(group_of_sat, dtype=np.int64)
        self.relay_latency_s = float(relay_latency_s)
        self.log = TransferLog()
        self._heaps: dict[tuple[int, int], list] = {}
        self._masks: dict[tuple[int, int], np.ndarray | None] = {}
        usable = contacts[(contacts.end_s > contacts.start_s) & (contacts.bytes_capacity > 0)]
        group = self.group_of_sat[usable.sat_index.to_numpy()]
        order = np.lexsort((usable.start_s.to_numpy(), group))
        usable = usable.iloc[order]
        group = group[order]
        self._groups: dict[int, tuple] = {}
        bounds = np.flatnonzero(np.diff(group)) + 1
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(group)]):
            if hi <= lo:
                continue
            part = usable.iloc[lo:hi]
            start = part.start_s.to_numpy(dtype=float)
            end = part.end_s.to_numpy(dtype=float)
            rate = part.bytes_capacity.to_numpy(dtype=float) / (end - start)
            self._groups[int(group[lo])] = (
                start.tolist(), end.tolist(), rate.tolist(),
                part.sat_index.to_numpy().tolist(), part.station_index.to_numpy().tolist(),
                start.tolist(),  # busy_until, mutable
                float(np.max(end - start)),
            )

    def n_passes(self) -> int:
        return sum(len(g[0]) for g in self._groups.values())

    def next_contact_s(self, group: int, t_s: float, allowed_station: np.ndarray | None) -> float:
        """Start of the earliest pass of ``group`` still open at ``t_s`` over an allowed
        station (``t_s`` itself if one is open now); ``inf`` if none."""
        entry = self._groups.get(group)
        if entry is None:
            return np.inf
        start, end, _, _, station, busy, longest = entry
        i = bisect.bisect_left(start, t_s - longest)
        best = np.inf
        for k in range(i, len(start)):
            if start[k] >= best:
                break
            if end[k] <= t_s or (allowed_station is not None and not allowed_station[station[k]]):
                continue
            best = min(best, max(start[k], t_s, busy[k]))
        return best

    def _heap(self, group: int, allowed_station: np.ndarray | None, entry: tuple) -> list:
        """Passes of ``group`` over allowed stations, keyed by the time each is next free."""
        key = (group, -1 if allowed_station is None else id(allowed_station))
        heap = self._heaps.get(key)
        if heap is None:
            start, _, _, _, station, busy, _ = entry
            heap = [(max(start[k], busy[k]), k) for k in range(len(start))
                    if allowed_station is None or allowed_station[station[k]]]
            heapq.heapify(heap)
            self._heaps[key] = heap
            self._masks[key] = allowed_station  # keeps id() unique while the heap lives
        return heap

    def transfer(self, job_id: int, direction: str, group: int, target_sat: int,
                 n_bytes: float, t_s: float, horizon_s: float,
                 allowed_station: np.ndarray | None) -> float | None:
        """Move ``n_bytes`` from ``t_s`` on; the time the last byte arrives, or ``None`` when
        the passes before ``horizon_s`` cannot carry them (nothing is booked then).

        Each piece takes the pass over an allowed station that is free soonest (ties: the one
        free the longest), found in a heap keyed by that time; calls come in time order, so a
        pass that ended before a call's start is dropped for good.
        """
        if n_bytes <= 0:
            return t_s
        entry = self._groups.get(group)
        if entry is None:
            return None
        start, end, rate, sat, station, busy, _ = entry
        heap = self._heap(group, allowed_station, entry)
        remaining = float(n_bytes)
        pieces = []
        parked = []  # passes set aside during this transfer (used, or ended before t)
        t = t_s
        ok = True
        while remaining > 0.0:
            k = -1
            while heap:
                avail, candidate = heap[0]
                e = end[candidate]
                if e <= t_s or busy[candidate] >= e:
                    heapq.heappop(heap)  # over, or full: for this call and every later one
                    continue
                current = start[candidate] if start[candidate] > busy[candidate] else (
                    busy[candidate])
                if current != avail:
                    heapq.heapreplace(heap, (current, candidate))
                    continue
                if e <= t:
                    parked.append(heapq.heappop(heap))
                    continue
                k = candidate
                break
            if k < 0:
                ok = False
                break
            avail = heap[0][0]
            begin = avail if avail > t else t
            stop = end[k] if end[k] < horizon_s else horizon_s
            if begin >= stop:
                ok = False
                break
            can = rate[k] * (stop - begin)
            take = can if can < remaining else remaining
            finish = begin + take / rate[k]
            pieces.append((k, begin, finish, take))
            parked.append(heapq.heappop(heap))
            remaining -= take
            t = finish
        if not ok:
            for item in parked:
                heapq.heappush(heap, item)
            return None
        relay = 0.0
        for k, begin, finish, take in pieces:
            busy[k] = finish
            self.log.job_id.append(job_id)
            self.log.direction.append(direction)
            self.log.sat_index.append(sat[k])
            self.log.station_index.append(station[k])
            self.log.start_s.append(begin)
            self.log.end_s.append(finish)
            self.log.bytes.append(take)
            if sat[k] != target_sat:
                relay = self.relay_latency_s
        for _, k in parked:
            if busy[k] < end[k]:
                heapq.heappush(heap, (max(start[k], busy[k]), k))
        return t + relay
