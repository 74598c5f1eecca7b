"""Node physics benchmark (issue: node physics): cost per node-day, 60 s versus 10 s geometry.

The same satellites and day are propagated at a 60 s and a 10 s step (propagation is not timed:
it belongs to the geometry benchmark). For each step the physics is timed in two parts:

- **build**: illumination segments, environment heat and array power for all nodes at once
  (:func:`orbitsim.physics.node.build_nodes`): vectorised numpy over the samples, so it grows
  with the number of samples, at a few nanoseconds per sample;
- **events**: each node driven as the simulation drives it, one scheduled event at a time
  (``next_event`` then ``advance``), accelerators asking for full power: closed-form
  integration between events, so its cost follows the number of events, not of samples.

For contrast, **ticked** advances every node to every geometry sample (what a time-stepped
model would do), which grows with the sample count. Medians of ``--repeats`` runs; the ratio
column is the 10 s cost over the 60 s cost.

Run: ``.venv/bin/python benchmarks/bench_physics.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import machine, median_time, single_core, table  # noqa: E402

single_core()

import numpy as np  # noqa: E402

from orbitsim.geometry.propagate import propagate  # noqa: E402
from orbitsim.model.builders import walker_delta  # noqa: E402
from orbitsim.model.hardware import load_node  # noqa: E402
from orbitsim.model.timegrid import time_grid  # noqa: E402
from orbitsim.physics.node import nodes_from_geometry  # noqa: E402

START = "2026-03-21T00:00:00Z"
HARDWARE = "starlink-compute"


def _drive_events(nodes, request_w: float) -> int:
    events = 0
    for node in nodes:
        t = node.t_s
        while t < node.end_s:
            t = node.next_event_s(t, request_w)
            node.advance(t, request_w)
            events += 1
    return events


def _drive_ticked(nodes, seconds: np.ndarray, request_w: float) -> None:
    for node in nodes:
        for t in seconds[1:]:
            node.advance(float(t), request_w)


def case(step_s: float, geometry, hardware, repeats: int, ticked: bool) -> dict:
    n_sats = geometry.illuminated.shape[0]
    seconds = geometry.seconds
    node_days = n_sats * (seconds[-1] - seconds[0]) / 86400.0
    request = hardware.max_accelerator_power_w

    def build():
        return nodes_from_geometry(hardware, geometry, record=False)

    def events():
        return _drive_events(build_cache.pop(), request)

    build_time = median_time(build, repeats=repeats)
    n_events = _drive_events(build(), request)
    build_cache = [build() for _ in range(repeats + 1)]
    event_time = median_time(events, repeats=repeats)
    row = {
        "step_s": f"{step_s:g}",
        "samples/node-day": f"{seconds.size * n_sats / node_days:,.0f}",
        "events/node-day": f"{n_events / node_days:.1f}",
        "build µs/node-day": f"{build_time / node_days * 1e6:,.0f}",
        "events µs/node-day": f"{event_time / node_days * 1e6:,.0f}",
        "total µs/node-day": f"{(build_time + event_time) / node_days * 1e6:,.0f}",
        "_build": build_time / node_days,
        "_events": event_time / node_days,
    }
    if ticked:
        nodes = build()

        def ticks():
            _drive_ticked(nodes_cache.pop(), seconds, request)

        nodes_cache = [build() for _ in range(max(repeats // 2, 1) + 1)]
        tick_time = median_time(ticks, repeats=max(repeats // 2, 1))
        del nodes
        row["ticked µs/node-day"] = f"{tick_time / node_days * 1e6:,.0f}"
        row["_ticked"] = tick_time / node_days
    return row


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small case, for smoke runs")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sats", type=int, default=24, help="satellites (4 planes)")
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args(argv)
    if args.quick:
        args.sats, args.hours, args.repeats = 4, 6.0, 3
    hardware = load_node(HARDWARE)
    per_plane = max(args.sats // 4, 1)
    constellation = walker_delta(550.0, 53.0, 4, per_plane, 1, epoch_utc=START)
    rows = []
    for step_s in (60.0, 10.0):
        geometry = propagate(constellation, time_grid(START, args.hours, step_s))
        rows.append(case(step_s, geometry, hardware, args.repeats, ticked=True))
    coarse, fine = rows
    total_ratio = (fine["_build"] + fine["_events"]) / (coarse["_build"] + coarse["_events"])
    ratio = {
        "step_s": "ratio 10 s / 60 s",
        "samples/node-day": _ratio(fine, coarse, "samples/node-day"),
        "events/node-day": _ratio(fine, coarse, "events/node-day"),
        "build µs/node-day": f"{fine['_build'] / coarse['_build']:.2f}",
        "events µs/node-day": f"{fine['_events'] / coarse['_events']:.2f}",
        "total µs/node-day": f"{total_ratio:.2f}",
        "ticked µs/node-day": f"{fine['_ticked'] / coarse['_ticked']:.2f}",
    }
    columns = ["step_s", "samples/node-day", "events/node-day", "build µs/node-day",
               "events µs/node-day", "total µs/node-day", "ticked µs/node-day"]
    text = "\n".join([
        f"machine: {machine()}, numpy {np.__version__}",
        f"node `{HARDWARE}`, {constellation.n_sats} satellites of a 550 km 53° Walker shell, "
        f"{args.hours:g} h from {START}, full accelerator load; medians of {args.repeats} runs",
        "",
        table(rows + [ratio], columns),
    ])
    print(text)
    return text


def _ratio(fine: dict, coarse: dict, key: str) -> str:
    return f"{float(fine[key].replace(',', '')) / float(coarse[key].replace(',', '')):.2f}"


if __name__ == "__main__":
    main()
