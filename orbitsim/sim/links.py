"""Ground links: the contact plan and the transfers that use it.

Each pass (a satellite over a station) is a channel of constant mean rate
``bytes_capacity / duration``. Transfers take a pass whole, first come first served: a pass
remembers until when it is busy, so its capacity is shared among the transfers that use it and
never exceeded. A transfer may use the passes of any satellite of the target's ISL group (relayed
over inter-satellite links, whose ~100 Gbps dwarf a ground link), but only over stations its
tenant allows: governance is enforced here, not left to policies. Every byte moved is logged.
(With ``isl = "mesh"`` the relay is routed over the laser mesh instead, hop by hop with shared
link capacity: :class:`orbitsim.sim.mesh_transport.MeshContactPlan`.)

Memory: a pass costs 38 bytes (typed arrays, no Python object per pass), so a day of a
88,000-node constellation (~15 million passes) fits in ~0.6 GB. Passes that nobody has used
yet are read in start order from the arrays; only the passes that transfers have used sit in
a heap, so the heaps stay small however many passes the day holds.
"""

from __future__ import annotations

import bisect
import heapq
from array import array

import numpy as np
import pandas as pd

#: Columns of the contacts frame a :class:`ContactPlan` reads.
PLAN_COLUMNS = ("sat_index", "station_index", "start_s", "end_s", "bytes_capacity")
_NEVER_S = float("-inf")  # "busy until" of a pass nobody has used


#: Directions of a transfer, in the order of their codes in :class:`TransferLog`
#: (``monitoring``: the telemetry reserved on monitored nodes' passes, job id -1:
#: :mod:`orbitsim.sim.monitoring`).
DIRECTIONS = ("up", "down", "monitoring")


class TransferLog:
    """Every transfer piece: which pass carried how many bytes when, as one flat typed array
    of 7 numbers a piece (``job_id, direction code, sat_index, station_index, start_s, end_s,
    bytes``: 56 bytes a piece); :meth:`frame` turns it into a table. New pieces are appended
    as tuples to ``pending`` (the cheapest append Python has) and moved into the array
    :data:`FLUSH_PIECES` at a time. Indices are exact as doubles (below 2⁵³)."""

    __slots__ = ("rows", "pending", "sink")
    WIDTH = 7
    FLUSH_PIECES = 4096
    #: With a ``sink``, pieces handed to it (and dropped here) once this many are held.
    SINK_PIECES = 65_536

    def __init__(self) -> None:
        self.rows = array("d")
        self.pending: list[tuple] = []
        #: None, or a callable taking the pieces so far (``(n, WIDTH)`` floats, in append
        #: order) whenever :data:`SINK_PIECES` of them are held: a streamed run writes them out.
        self.sink = None

    def flush(self) -> None:
        """Move the pending pieces into the typed array (and to the sink, if full)."""
        if self.pending:
            self.rows.frombytes(np.array(self.pending, dtype=float).tobytes())
            self.pending.clear()
            if self.sink is not None and len(self.rows) >= self.SINK_PIECES * self.WIDTH:
                self.sink(np.frombuffer(self.rows, dtype=float).reshape(-1, self.WIDTH))
                self.rows = array("d")

    def __len__(self) -> int:
        return len(self.rows) // self.WIDTH + len(self.pending)

    def frame(self, station_names: list[str]) -> pd.DataFrame:
        self.flush()
        rows = np.frombuffer(self.rows, dtype=float).reshape(-1, self.WIDTH) if self.rows \
            else np.zeros((0, self.WIDTH))
        return self.rows_frame(rows, station_names)

    @staticmethod
    def rows_frame(rows: np.ndarray, station_names: list[str]) -> pd.DataFrame:
        """The table of pieces ``rows`` (``(n, WIDTH)`` floats)."""
        direction = np.asarray(DIRECTIONS, dtype=object)[rows[:, 1].astype(np.int64)]
        frame = pd.DataFrame({
            "job_id": rows[:, 0].astype(np.int64),
            "direction": direction.tolist(),
            "sat_index": rows[:, 2].astype(np.int64),
            "station_index": rows[:, 3].astype(np.int64),
            "start_s": rows[:, 4].copy(),
            "end_s": rows[:, 5].copy(),
            "bytes": rows[:, 6].copy(),
        })
        frame["station"] = [station_names[i] for i in frame.station_index.tolist()]
        return frame


class _Group:
    """The passes of one ISL group sorted by start (ties: the contacts frame's order), as typed
    arrays: ``start``, ``end`` (s), ``rate`` (bytes/s), ``sat``, ``station`` and the mutable
    ``busy`` (until when each pass is booked, ``-inf`` if never used); ``longest`` is the
    longest pass (s)."""

    __slots__ = ("start", "end", "rate", "sat", "station", "busy", "longest")

    def __init__(self, start: np.ndarray, end: np.ndarray, rate: np.ndarray, sat: np.ndarray,
                 station: np.ndarray) -> None:
        self.start = _typed("d", start)
        self.end = _typed("d", end)
        self.rate = _typed("d", rate)
        self.sat = _typed("i", sat)
        self.station = _typed("h", station)  # the hot loop reads it: 2 bytes a pass
        self.busy = array("d", [_NEVER_S]) * len(start)
        self.longest = float(np.max(end - start))


class _Lane:
    """The passes of one group over the stations one mask allows, in the order of the time each
    is next free (ties: pass index): the passes from ``cursor`` on that nobody took from this
    lane yet (free from their start, read from the group's arrays) merged with ``heap``, the
    ``(free from, pass)`` entries of the passes taken out of that stream and put back."""

    __slots__ = ("heap", "cursor", "allowed", "mask")

    def __init__(self, allowed_station: np.ndarray | None) -> None:
        self.heap: list[tuple[float, int]] = []
        self.cursor = 0
        self.allowed = None if allowed_station is None else tuple(
            bool(a) for a in np.asarray(allowed_station).tolist())
        self.mask = allowed_station  # keeps id() unique while the lane lives


def _typed(code: str, values: np.ndarray) -> array:
    """A typed array of ``values`` in the C type of ``code`` (a wider one if they do not fit)."""
    values = np.asarray(values)
    if code in ("h", "i") and len(values) and (
            values.min() < np.iinfo(np.int16 if code == "h" else np.intc).min
            or values.max() > np.iinfo(np.int16 if code == "h" else np.intc).max):
        code = "q"
    dtype = {"d": np.float64, "h": np.int16, "i": np.intc, "q": np.int64}[code]
    out = array(code)
    out.frombytes(np.ascontiguousarray(values, dtype=dtype).tobytes())
    return out


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
        self._lanes: dict[tuple[int, int], _Lane] = {}
        self.set_cuts(())
        start = contacts["start_s"].to_numpy(dtype=float)
        end = contacts["end_s"].to_numpy(dtype=float)
        capacity = contacts["bytes_capacity"].to_numpy(dtype=float)
        usable = np.flatnonzero((end > start) & (capacity > 0))
        sat = contacts["sat_index"].to_numpy()[usable]
        group = self.group_of_sat[sat]
        by_group = np.lexsort((start[usable], group))
        order, group = usable[by_group], group[by_group]
        del usable, sat, by_group
        self._groups: dict[int, _Group] = {}
        if len(order) == 0:
            return
        station = contacts["station_index"].to_numpy()
        sat = contacts["sat_index"].to_numpy()
        bounds = np.flatnonzero(np.diff(group)) + 1
        for lo, hi in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(group)].tolist()):
            rows = order[lo:hi]
            part_start, part_end = start[rows], end[rows]
            rate = capacity[rows] / (part_end - part_start)
            self._groups[int(group[lo])] = _Group(part_start, part_end, rate, sat[rows],
                                                  station[rows])

    def n_passes(self) -> int:
        return sum(len(g.start) for g in self._groups.values())

    def log_reserved(self, pieces: pd.DataFrame | None) -> None:
        """Log pieces booked before the run (the monitoring telemetry, whose share of each
        pass the contact plan was built without): columns ``job_id, direction, sat_index,
        station_index, start_s, end_s, bytes``."""
        if pieces is None or pieces.empty:
            return
        codes = [DIRECTIONS.index(d) for d in pieces["direction"].tolist()]
        self.log.pending.extend(zip(
            pieces["job_id"].tolist(), codes, pieces["sat_index"].tolist(),
            pieces["station_index"].tolist(), pieces["start_s"].tolist(),
            pieces["end_s"].tolist(), pieces["bytes"].tolist()))
        self.log.flush()

    def next_contact_s(self, group: int, t_s: float, allowed_station: np.ndarray | None) -> float:
        """Start of the earliest pass of ``group`` still open at ``t_s`` over an allowed
        station (``t_s`` itself if one is open now); ``inf`` if none."""
        entry = self._groups.get(group)
        if entry is None:
            return np.inf
        start, end, station, busy = entry.start, entry.end, entry.station, entry.busy
        i = bisect.bisect_left(start, t_s - entry.longest)
        best = np.inf
        for k in range(i, len(start)):
            if start[k] >= best:
                break
            if end[k] <= t_s or (allowed_station is not None and not allowed_station[station[k]]):
                continue
            best = min(best, max(start[k], t_s, busy[k]))
        return best

    def _lane(self, group: int, allowed_station: np.ndarray | None) -> _Lane:
        key = (group, -1 if allowed_station is None else id(allowed_station))
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(allowed_station)
        return lane

    def transfer(self, job_id: int, direction: str, group: int, target_sat: int,
                 n_bytes: float, t_s: float, horizon_s: float,
                 allowed_station: np.ndarray | None, *, to_group: bool = False) -> float | None:
        """Move ``n_bytes`` from ``t_s`` on; the time the last byte arrives, or ``None`` when
        the passes before ``horizon_s`` cannot carry them (nothing is booked then).

        Each piece takes the pass over an allowed station that is free soonest (ties: the one
        free the longest, then the lowest index); calls come in time order, so a pass that
        ended before a call's start is dropped for good. ``to_group``: the data is for the
        group (any linked member), ``target_sat`` only sets the relay latency.
        """
        if n_bytes <= 0:
            return t_s
        entry = self._groups.get(group)
        if entry is None:
            return None
        if self._cuts and group in self._cut_groups and t_s < self._cuts_end_s:
            return self._transfer_across_cuts(entry, job_id, direction, target_sat, to_group,
                                              n_bytes, t_s, horizon_s, allowed_station)
        start, end, rate, busy = entry.start, entry.end, entry.rate, entry.busy
        lane = self._lane(group, allowed_station)
        heap, allowed, cursor = lane.heap, lane.allowed, lane.cursor
        n = len(start)
        heappop, heappush = heapq.heappop, heapq.heappush
        remaining = float(n_bytes)
        pieces = []
        parked = []  # passes set aside during this transfer (used, or ended before t)
        t = t_s
        ok = True
        while remaining > 0.0:
            k = -1
            while True:
                # The first pass of the stream (skipping stations the mask forbids) against
                # the top of the heap: whichever is free first, as one heap holding both.
                if allowed is not None:
                    while cursor < n and not allowed[entry.station[cursor]]:
                        cursor += 1
                if cursor < n:
                    avail = start[cursor]
                    if heap:
                        top = heap[0]
                        streamed = avail < top[0] or (avail == top[0] and cursor < top[1])
                    else:
                        streamed = True
                elif heap:
                    streamed = False
                else:
                    break
                if streamed:
                    candidate = cursor
                else:
                    avail, candidate = heap[0]
                e = end[candidate]
                b = busy[candidate]
                if e <= t_s or b >= e:  # over, or full: for this call and every later one
                    if streamed:
                        cursor += 1
                    else:
                        heappop(heap)
                    continue
                s = start[candidate]
                current = s if s > b else b
                if current != avail:
                    if streamed:
                        cursor += 1
                        heappush(heap, (current, candidate))
                    else:
                        heapq.heapreplace(heap, (current, candidate))
                    continue
                if e <= t:
                    if streamed:
                        cursor += 1
                        parked.append((avail, candidate))
                    else:
                        parked.append(heappop(heap))
                    continue
                k = candidate
                break
            if k < 0:
                ok = False
                break
            begin = avail if avail > t else t
            stop = end[k] if end[k] < horizon_s else horizon_s
            if begin >= stop:
                ok = False
                break
            can = rate[k] * (stop - begin)
            take = can if can < remaining else remaining
            finish = begin + take / rate[k]
            if not pieces and take == remaining:
                # The common case, one piece carries every byte (nothing is parked yet):
                # book it and put its pass back without the general book-keeping.
                if streamed:
                    cursor += 1
                else:
                    heappop(heap)
                lane.cursor = cursor
                arrival_s = self._book(entry, [(k, begin, finish, take)], job_id, direction,
                                       target_sat, finish)
                if finish < end[k]:
                    s = start[k]
                    heappush(heap, (s if s > finish else finish, k))
                return arrival_s
            pieces.append((k, begin, finish, take))
            if streamed:
                cursor += 1
                parked.append((avail, k))
            else:
                parked.append(heappop(heap))
            remaining -= take
            t = finish
        lane.cursor = cursor
        if not ok:
            for item in parked:
                heappush(heap, item)
            return None
        arrival_s = self._book(entry, pieces, job_id, direction, target_sat, t)
        for _, k in parked:
            b = busy[k]
            if b < end[k]:
                s = start[k]
                heappush(heap, (s if s > b else b, k))
        return arrival_s

    def _book(self, entry: _Group, pieces: list, job_id: int, direction: str,
              target_sat: int, t_s: float) -> float:
        """Book and log the pieces ``(k, begin, finish, bytes)`` of a transfer; the arrival
        time of its last byte (``t_s`` plus the relay latency if another satellite's pass was
        used)."""
        relay = 0.0
        log = self.log
        pending = log.pending
        code = 0 if direction == "up" else 1  # DIRECTIONS
        sat, station, busy = entry.sat, entry.station, entry.busy
        for k, begin, finish, take in pieces:
            busy[k] = finish
            pending.append((job_id, code, sat[k], station[k], begin, finish, take))
            if sat[k] != target_sat:
                relay = self.relay_latency_s
        if len(pending) >= log.FLUSH_PIECES:
            log.flush()
        return t_s + relay

    def set_cuts(self, cuts) -> None:
        """ISL cuts: items ``(sat_index, start_s, end_s)``, a satellite cut off from its ISL
        group. While cut, its passes carry only its own data and its own data only its passes.
        """
        self._cuts: dict[int, list[tuple[float, float]]] = {}
        for sat, start_s, end_s in cuts:
            self._cuts.setdefault(int(sat), []).append((float(start_s), float(end_s)))
        for windows in self._cuts.values():
            windows.sort()
        self._cut_groups = {int(self.group_of_sat[sat]) for sat in self._cuts}
        self._cuts_end_s = max((end for w in self._cuts.values() for _, end in w),
                               default=-np.inf)

    def _clear_interval(self, pass_sat: int, target_sat: int, to_group: bool, begin: float,
                        stop: float) -> tuple[float, float]:
        """The first part of ``[begin, stop)`` in which a pass of ``pass_sat`` can carry data
        for ``target_sat`` (``to_group``: for any member of the group) across the ISL cuts."""
        if pass_sat == target_sat and not to_group:
            return begin, stop
        blocked = self._cuts.get(pass_sat, [])
        if not to_group and target_sat in self._cuts:
            blocked = sorted(blocked + self._cuts[target_sat])
        for cut_start, cut_end in blocked:
            if cut_end <= begin:
                continue
            if cut_start <= begin:
                begin = cut_end
                continue
            stop = min(stop, cut_start)
            break
        return begin, stop

    def estimate(self, group: int, n_bytes: float, t_s: float, horizon_s: float,
                 allowed_station: np.ndarray | None) -> float:
        """When the last of ``n_bytes`` would arrive if moved from ``t_s`` on over the passes
        of ``group`` (their free capacity after the bookings so far, the earliest usable piece
        first); ``inf`` if the passes before ``horizon_s`` cannot carry them. Books nothing,
        ignores ISL cuts and the relay latency: a look-ahead estimate for policies."""
        if n_bytes <= 0:
            return t_s
        entry = self._groups.get(group)
        if entry is None:
            return np.inf
        pieces = self._scan(entry, n_bytes, t_s, horizon_s, allowed_station, None)
        return np.inf if pieces is None else pieces[-1][2]

    def _transfer_across_cuts(self, entry: _Group, job_id: int, direction: str, target_sat: int,
                              to_group: bool, n_bytes: float, t_s: float, horizon_s: float,
                              allowed_station: np.ndarray | None) -> float | None:
        """:meth:`transfer` while ISL cuts may bind: a scan of the passes open from ``t_s`` on
        (the earliest usable piece first). It books through the same ``busy`` times as the heap
        path, whose stale keys heal on their next use."""

        def clear(pass_sat: int, begin: float, stop: float) -> tuple[float, float]:
            return self._clear_interval(pass_sat, target_sat, to_group, begin, stop)

        pieces = self._scan(entry, n_bytes, t_s, horizon_s, allowed_station, clear)
        if pieces is None:
            return None  # nothing booked
        return self._book(entry, pieces, job_id, direction, target_sat, pieces[-1][2])

    def _scan(self, entry: _Group, n_bytes: float, t_s: float, horizon_s: float,
              allowed_station: np.ndarray | None, clear) -> list | None:
        """The pieces ``(pass, begin, finish, bytes)`` that would carry ``n_bytes`` from
        ``t_s`` on, each the earliest usable piece of a pass over an allowed station (``clear``
        trims a pass's interval, or None); ``None`` if the passes before ``horizon_s`` cannot.
        Books nothing."""
        start, end, rate, busy = entry.start, entry.end, entry.rate, entry.busy
        sat, station = entry.sat, entry.station
        first = bisect.bisect_left(start, t_s - entry.longest)
        n = len(start)
        remaining = float(n_bytes)
        pieces = []
        taken: dict[int, float] = {}  # pieces of this call, not in busy
        t = t_s
        while remaining > 0.0:
            best_begin, best = np.inf, None
            for k in range(first, n):
                s = start[k]
                if s >= best_begin or s >= horizon_s:
                    break
                e = end[k]
                if e <= t or (allowed_station is not None and not allowed_station[station[k]]):
                    continue
                begin = max(s, t, busy[k], taken.get(k, -np.inf))
                stop = min(e, horizon_s)
                if begin >= stop:
                    continue
                if clear is not None:
                    begin, stop = clear(sat[k], begin, stop)
                if begin < stop and begin < best_begin:
                    best_begin, best = begin, (k, stop)
            if best is None:
                return None
            k, stop = best
            take = min(rate[k] * (stop - best_begin), remaining)
            finish = best_begin + take / rate[k]
            pieces.append((k, best_begin, finish, take))
            taken[k] = finish
            remaining -= take
            t = finish
        return pieces
