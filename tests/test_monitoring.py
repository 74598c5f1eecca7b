"""The monitoring stream's reservation (sim/monitoring): Lindley's recursion solved in one pass
against a plain loop over the passes, the pieces at the end of their passes, and the stations
and nodes it may use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orbitsim.sim.monitoring import MonitoringStream, generated_bytes, reserve_monitoring


def _contacts(rng, n_sats=3, n_passes=40, horizon=86_400.0):
    rows = []
    for sat in range(n_sats):
        starts = np.sort(rng.uniform(0, horizon, n_passes))
        for start in starts:
            duration = rng.uniform(60, 600)
            rows.append((sat, int(rng.integers(0, 3)), start, start + duration,
                         duration * rng.uniform(1e6, 5e7)))
    frame = pd.DataFrame(rows, columns=["sat_index", "station_index", "start_s", "end_s",
                                        "bytes_capacity"])
    return frame.sort_values(["start_s", "sat_index"]).reset_index(drop=True)


def _reference(contacts, stream, horizon):
    """Pass by pass: send the telemetry generated up to the pass's start and not sent yet."""
    sent = {}
    rate = stream.bytes_per_node_hour / 3600.0
    for sat in np.flatnonzero(stream.nodes):
        mine = contacts[(contacts["sat_index"] == sat) & (contacts["start_s"] < horizon)]
        if stream.allowed_station is not None:
            mine = mine[stream.allowed_station[mine["station_index"].to_numpy()]]
        backlog, last = 0.0, 0.0
        for index, row in mine.sort_values("start_s").iterrows():
            backlog += rate * (row["start_s"] - last)
            last = row["start_s"]
            end = min(row["end_s"], horizon)
            capacity = row["bytes_capacity"] * (end - row["start_s"]) / (row["end_s"]
                                                                         - row["start_s"])
            take = min(backlog, capacity)
            backlog -= take
            if take > 0:
                sent[index] = take
    return sent


@pytest.mark.parametrize("rate", [1e9, 5e10, 5e12])
def test_reservation_matches_a_pass_by_pass_loop(rate):
    rng = np.random.default_rng(7)
    contacts = _contacts(rng)
    horizon = 80_000.0
    stream = MonitoringStream(rate, np.array([True, False, True]),
                              np.array([True, True, False]))
    reduced, pieces = reserve_monitoring(contacts, stream, horizon)
    reference = _reference(contacts, stream, horizon)
    assert len(pieces) == len(reference)
    taken = contacts["bytes_capacity"] - reduced["bytes_capacity"]
    for index, value in reference.items():
        assert taken[index] == pytest.approx(value, rel=1e-9)
    assert taken.drop(index=list(reference)).abs().max() < 1e-6
    assert pieces["bytes"].sum() == pytest.approx(sum(reference.values()), rel=1e-12)
    assert set(pieces["sat_index"]) <= {0, 2} and set(pieces["station_index"]) <= {0, 1}
    assert (pieces["direction"] == "monitoring").all() and (pieces["job_id"] == -1).all()
    # each piece fills the end of its pass (up to the horizon), the pass now ends where it starts
    merged = pieces.merge(reduced, on=["sat_index", "station_index"], suffixes=("", "_pass"))
    assert (np.isclose(merged["end_s_pass"], merged["start_s"])).sum() == len(pieces)
    assert pieces["bytes"].sum() <= generated_bytes(stream, horizon) + 1e-6


def test_nothing_to_reserve_leaves_the_plan_alone():
    contacts = _contacts(np.random.default_rng(1), n_sats=2)
    for stream in (MonitoringStream(0.0, np.array([True, True])),
                   MonitoringStream(1e9, np.array([False, False]))):
        reduced, pieces = reserve_monitoring(contacts, stream, 86_400.0)
        assert reduced is contacts and pieces.empty


def test_telemetry_that_never_lands_is_warned_about():
    """Every US station out for the whole run: the monitored H200 nodes make telemetry and
    none of it lands; the summary says so and ``orbitsim run`` warns in one line."""
    from orbitsim.commands.run import monitoring_warning
    from orbitsim.model.ground import load_ground_network
    from orbitsim.model.scenario import StationOutage, load_scenario
    from orbitsim.sim.run import simulate

    base = load_scenario("h200-export-terms")
    us = [s.name for s in load_ground_network("compute-hubs").stations if s.country == "US"]
    outages = tuple(StationOutage(station=name, start_s=0, end_s=86_400) for name in us)
    governance = base.governance.model_copy(update={"compare_without_rules": False})
    run = simulate(base.model_copy(update={"station_outages": outages, "hours": 1.0,
                                           "governance": governance}))
    g = run.summary["governance"]
    assert g["monitoring_bytes_generated"] > 0 and g["monitoring_bytes"] == 0
    assert g["monitoring_backlog_bytes"] == g["monitoring_bytes_generated"]
    line = monitoring_warning(run.summary)
    assert line is not None and "in US" in line and "\n" not in line
    assert monitoring_warning({"governance": dict(g, monitoring_bytes=1.0)}) is None
    assert monitoring_warning({}) is None
