"""The contact plan: first come first served on passes, governance, against a brute force."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from orbitsim.sim.links import ContactPlan

N_STATIONS = 4


def _passes(rng: np.random.Generator, n: int, n_sats: int, horizon_s: float) -> pd.DataFrame:
    """Random passes; those of one satellite over one station never overlap (slots of 700 s),
    and many start at the same second."""
    slot = rng.integers(0, int(horizon_s // 700.0), n)
    start = slot * 700.0 + rng.integers(0, 20, n)
    duration = rng.choice([0.0, 60.0, 300.0, 600.0], n, p=[0.05, 0.25, 0.4, 0.3])
    frame = pd.DataFrame({
        "sat_index": rng.integers(0, n_sats, n),
        "station_index": rng.integers(0, N_STATIONS, n),
        "slot": slot,
        "start_s": start,
        "end_s": start + duration,
        "bytes_capacity": rng.choice([0.0, 1e9, 5e9], n, p=[0.05, 0.5, 0.45]),
    }).drop_duplicates(["sat_index", "station_index", "slot"]).drop(columns="slot")
    order = np.lexsort((frame.station_index, frame.sat_index, frame.start_s))
    return frame.iloc[order].reset_index(drop=True)


class BruteForcePlan:
    """The rule of :meth:`ContactPlan.transfer` read literally, by scanning every pass: each
    piece takes, among the group's passes over allowed stations that are not over at the
    piece's start and not full, the one free soonest (ties: the earliest in start order)."""

    def __init__(self, contacts: pd.DataFrame, group_of_sat: np.ndarray) -> None:
        usable = contacts[(contacts.end_s > contacts.start_s) & (contacts.bytes_capacity > 0)]
        usable = usable.assign(group=group_of_sat[usable.sat_index.to_numpy()])
        self.groups = {}
        for g, part in usable.groupby("group", sort=True):
            part = part.sort_values("start_s", kind="stable")
            self.groups[int(g)] = [
                {"start": float(r.start_s), "end": float(r.end_s), "sat": int(r.sat_index),
                 "station": int(r.station_index),
                 "rate": float(r.bytes_capacity / (r.end_s - r.start_s)), "busy": -np.inf}
                for r in part.itertuples()]
        self.log = []

    def transfer(self, job_id, direction, group, target_sat, n_bytes, t_s, horizon_s, allowed):
        if n_bytes <= 0:
            return t_s
        passes = self.groups.get(group)
        if passes is None:
            return None
        busy = {k: p["busy"] for k, p in enumerate(passes)}
        remaining, t, pieces = float(n_bytes), t_s, []
        while remaining > 0.0:
            best = None
            for k, p in enumerate(passes):
                if allowed is not None and not allowed[p["station"]]:
                    continue
                if p["end"] <= t or busy[k] >= p["end"] or k in [q[0] for q in pieces]:
                    continue
                key = (max(p["start"], busy[k]), k)
                if best is None or key < best:
                    best = key
            if best is None:
                return None
            avail, k = best
            p = passes[k]
            begin, stop = max(avail, t), min(p["end"], horizon_s)
            if begin >= stop:
                return None
            take = min(p["rate"] * (stop - begin), remaining)
            finish = begin + take / p["rate"]
            pieces.append((k, begin, finish, take))
            remaining -= take
            t = finish
        relay = 0.0
        for k, begin, finish, take in pieces:
            passes[k]["busy"] = finish
            self.log.append((job_id, direction, passes[k]["sat"], passes[k]["station"], begin,
                             finish, take))
            if passes[k]["sat"] != target_sat:
                relay = 0.05
        return t + relay


@pytest.fixture(scope="module")
def plan_inputs():
    rng = np.random.default_rng(7)
    contacts = _passes(rng, 400, 6, 20_000.0)
    group_of_sat = np.array([0, 0, 0, 1, 1, 2])
    return contacts, group_of_sat


def test_transfers_match_the_brute_force(plan_inputs):
    contacts, group_of_sat = plan_inputs
    plan = ContactPlan(contacts, group_of_sat)
    reference = BruteForcePlan(contacts, group_of_sat)
    rng = np.random.default_rng(11)
    masks = [None, np.array([True, False, True, True]), np.array([False, True, False, False])]
    t = 0.0
    results = []
    for job in range(600):
        t += float(rng.exponential(30.0))
        group = int(rng.integers(0, 4))  # group 3 has no passes
        mask = masks[int(rng.integers(0, len(masks)))]
        n_bytes = float(rng.choice([0.0, 1e8, 2e9, 3e10]))
        args = (job, "up" if job % 2 else "down", group, int(rng.integers(0, 6)), n_bytes, t,
                21_000.0, mask)
        got, want = plan.transfer(*args), reference.transfer(*args)
        assert got == want, (job, got, want)
        results.append(got)
    assert sum(r is None for r in results) > 10 and sum(r is not None for r in results) > 100
    log = plan.log.frame([f"s{i}" for i in range(N_STATIONS)])
    expected = pd.DataFrame(reference.log, columns=["job_id", "direction", "sat_index",
                                                    "station_index", "start_s", "end_s", "bytes"])
    pd.testing.assert_frame_equal(log.drop(columns="station"), expected, check_dtype=False)
    assert (log.station == [f"s{i}" for i in log.station_index]).all()


def test_capacity_and_governance_hold(plan_inputs):
    contacts, group_of_sat = plan_inputs
    plan = ContactPlan(contacts, group_of_sat)
    allowed = np.array([True, False, True, False])
    t = 0.0
    for job in range(300):
        t += 40.0
        plan.transfer(job, "up", job % 3, 0, 4e9, t, 21_000.0, allowed)
    log = plan.log.frame(["a", "b", "c", "d"])
    assert len(log) > 100
    assert allowed[log.station_index].all()
    # No pass carries more than its capacity, nor two pieces at once.
    capacity = contacts.set_index(["sat_index", "station_index", "start_s"]).bytes_capacity
    for (sat, station), pieces in log.groupby(["sat_index", "station_index"]):
        pieces = pieces.sort_values("start_s")
        assert (pieces.start_s.to_numpy()[1:] >= pieces.end_s.to_numpy()[:-1] - 1e-9).all()
        windows = contacts[(contacts.sat_index == sat) & (contacts.station_index == station)]
        for row in windows.itertuples():
            inside = pieces[(pieces.start_s >= row.start_s) & (pieces.end_s <= row.end_s)]
            assert inside.bytes.sum() <= capacity[(sat, station, row.start_s)] * (1 + 1e-9)


def test_a_failed_transfer_books_nothing(plan_inputs):
    contacts, group_of_sat = plan_inputs
    plan = ContactPlan(contacts, group_of_sat)
    before = copy.deepcopy(plan)
    assert plan.transfer(1, "up", 0, 0, 1e18, 100.0, 21_000.0, None) is None
    assert len(plan.log) == 0
    # The same later calls give the same answers as on a plan that never saw the failure.
    for job, t in enumerate((200.0, 900.0, 5000.0)):
        assert (plan.transfer(job, "up", 0, 0, 3e9, t, 21_000.0, None)
                == before.transfer(job, "up", 0, 0, 3e9, t, 21_000.0, None))


def test_next_contact_is_the_first_allowed_open_pass(plan_inputs):
    contacts, group_of_sat = plan_inputs
    plan = ContactPlan(contacts, group_of_sat)
    usable = contacts[(contacts.end_s > contacts.start_s) & (contacts.bytes_capacity > 0)]
    mask = np.array([False, True, True, False])
    for t in (0.0, 777.0, 5_000.0, 19_990.0, 30_000.0):
        for group in range(3):
            mine = usable[(group_of_sat[usable.sat_index] == group) & (usable.end_s > t)]
            allowed = mine[mask[mine.station_index]]
            assert plan.next_contact_s(group, t, None) == (
                max(t, mine.start_s.min()) if len(mine) else np.inf)
            assert plan.next_contact_s(group, t, mask) == (
                max(t, allowed.start_s.min()) if len(allowed) else np.inf)
    assert plan.next_contact_s(9, 0.0, None) == np.inf
    assert plan.n_passes() == len(usable)


def test_relay_latency_only_through_another_satellite():
    contacts = pd.DataFrame({"sat_index": [0, 1], "station_index": [0, 0],
                             "start_s": [100.0, 1000.0], "end_s": [200.0, 1100.0],
                             "bytes_capacity": [1e9, 1e9]})
    plan = ContactPlan(contacts, np.array([0, 0]), relay_latency_s=0.5)
    assert plan.transfer(0, "up", 0, 0, 1e8, 0.0, 5000.0, None) == pytest.approx(110.0)
    assert plan.transfer(1, "up", 0, 0, 1e9, 150.0, 5000.0, None) == pytest.approx(1050.5)
    assert plan.transfer(2, "up", 0, 0, 0.0, 3000.0, 5000.0, None) == 3000.0
    assert plan.transfer(3, "up", 0, 0, 1e9, 3000.0, 5000.0, None) is None


def test_transfer_log_keeps_every_piece_across_flushes():
    from orbitsim.sim.links import TransferLog

    log = TransferLog()
    n = TransferLog.FLUSH_PIECES * 2 + 5
    for i in range(n):
        log.pending.append((i, i % 2, i % 7, i % 3, float(i), i + 0.5, 10.0 * i))
        if len(log.pending) >= log.FLUSH_PIECES:
            log.flush()
    assert len(log) == n
    frame = log.frame(["a", "b", "c"])
    assert len(log) == n and len(frame) == n
    assert frame.job_id.tolist() == list(range(n))
    assert frame.direction.iloc[:2].tolist() == ["up", "down"]
    assert frame.station.iloc[:4].tolist() == ["a", "b", "c", "a"]
    assert frame.bytes.iloc[-1] == 10.0 * (n - 1) and frame.end_s.iloc[3] == 3.5


def test_estimate_is_the_transfer_without_booking():
    """One satellite over one station (passes never overlap, so the earliest usable piece is
    the only rule): the estimate is when the transfer then ends, and it books nothing."""
    rng = np.random.default_rng(7)
    contacts = _passes(rng, 60, 1, 86_400.0)
    contacts = contacts[contacts.station_index == 0].reset_index(drop=True)
    plan = ContactPlan(contacts, np.zeros(1, dtype=np.int64))
    t, checked = 0.0, 0
    for job in range(40):
        n_bytes = float(rng.choice([1e8, 2e9, 7e9]))
        busy = list(plan._groups[0].busy)
        estimate = plan.estimate(0, n_bytes, t, 86_400.0, None)
        assert list(plan._groups[0].busy) == busy  # nothing booked
        arrival = plan.transfer(job, "up", 0, 0, n_bytes, t, 86_400.0, None)
        if arrival is None:
            assert estimate == np.inf
        else:
            assert estimate == pytest.approx(arrival, abs=1e-9)
            checked += 1
        t += float(rng.uniform(0, 3000))
    assert checked > 20
    assert plan.estimate(0, 0.0, 5.0, 86_400.0, None) == 5.0
    assert plan.estimate(9, 1e9, 5.0, 86_400.0, None) == np.inf  # a group without passes
