"""The report of a run: one self-contained ``report.html`` and a PNG copy of each plot.

The page loads nothing from anywhere: its style is inline and every plot is embedded as a PNG
``data:`` URI (the same bytes as the ``plot_*.png`` file beside it), so it opens offline and
never touches the network. The same run gives the same bytes (no timestamps, PNG without
software or date metadata).

Sections: summary (key figures), verdict (:func:`orbitsim.analysis.economics.verdict_from_summary`),
ground tracks and stations, one node's battery / temperature / utilisation, contact Gantt,
job latency, throughput (per policy when several ran, else per job kind), cost breakdown,
tornado.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from orbitsim.analysis import plots
from orbitsim.analysis.economics import ITEM_LABELS, Verdict, load_economics, verdict_from_summary
from orbitsim.analysis.plots_economics import cost_breakdown_figure, tornado_figure
from orbitsim.errors import InputError
from orbitsim.io import atomic_path, write_text_atomic
from orbitsim.model.timegrid import TimeGrid
from orbitsim.physics.node import NodePhysics
from orbitsim.physics.power import Segments

#: Nodes drawn on the map and in the contact Gantt (evenly spread over the constellation).
MAP_NODES = 6
GANTT_NODES = 8
#: Resolution of the economics charts (drawn 9 in wide with small fonts: a little sharper, so
#: that they fill the page at a readable size).
ECONOMICS_DPI = 130
#: Orbits of ground track drawn per node (the whole run would hide the map under lines).
TRACK_ORBITS = 2.0
TRACK_STEP_S = 30.0
#: Coverage map budget: satellites x time samples (about a second of work), at least this many
#: time samples (else no coverage shading), on cells of this size (degrees).
COVERAGE_SAMPLES = 3000
MIN_COVERAGE_TIMES = 12
COVERAGE_CELL_DEG = 2.0


@dataclass(frozen=True)
class Plot:
    """One plot of the report: file stem, section title, caption and PNG bytes."""

    name: str
    title: str
    caption: str
    png: bytes

    @property
    def filename(self) -> str:
        return f"plot_{self.name}.png"


# --- selections ---------------------------------------------------------------------------------


def spread_indices(n: int, k: int) -> list[int]:
    """Up to ``k`` indices evenly spread over ``range(n)``, first and last included."""
    if n <= 0 or k <= 0:
        return []
    return sorted({int(round(x)) for x in np.linspace(0, n - 1, min(n, k))})


def focus_node(run) -> int:
    """The node shown over time: the deepest battery discharge, then the busiest, then the
    lowest index."""
    nodes = run.result.nodes
    utilisation = nodes["utilisation"].to_numpy(dtype=float) if "utilisation" in nodes else \
        np.zeros(run.inputs.n_nodes)
    min_soc = np.ones(len(utilisation))
    if run.inputs.nodes:
        for k, node in enumerate(run.inputs.nodes[:len(min_soc)]):
            soc = node.history().get("soc")
            if soc is not None and len(soc):
                min_soc[k] = float(np.min(soc))
    order = np.lexsort((np.arange(len(min_soc)), -np.nan_to_num(utilisation), min_soc))
    return int(order[0]) if len(order) else 0


def node_busy_fraction(jobs: pd.DataFrame, node: int, accelerators: int, horizon_s: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of a node's accelerators busy over time, from its jobs' ``start_s`` to
    ``compute_end_s`` (the horizon while still computing): ``(time_s, fraction)`` step
    function (:func:`orbitsim.analysis.plots.busy_profile`)."""
    mine = jobs[(jobs["node"] == node) & jobs["start_s"].notna()]
    end = mine["compute_end_s"].fillna(horizon_s)
    time_s, busy = plots.busy_profile(mine["start_s"], end, mine["accelerators"], horizon_s)
    return time_s, busy / max(accelerators, 1)


def dense_history(node: NodePhysics, max_points: int = 2000) -> dict[str, np.ndarray]:
    """A node's state sampled finely between its recorded events.

    :meth:`NodePhysics.history` holds the state at simulation events only, which may be hours
    apart while the temperature relaxes in minutes. This replays the node: a fresh
    :class:`NodePhysics` on the same illumination segments, array power and environment heat,
    from the same initial state, advanced with each recorded piece's accelerator power in steps
    of at most ``span / max_points``. The integration is closed-form, so the replay passes
    through the recorded states (to rounding) and the points between are exact too. Returns
    the same keys as ``history()``; the recorded history itself when it has fewer than two
    points.
    """
    history = node.history()
    time_s = history["time_s"]
    if len(time_s) < 2:
        return history
    table = node.segments_table()
    n = len(table["start_s"])
    segments = Segments(np.zeros(n, dtype=np.int64), table["start_s"], table["end_s"],
                        table["illuminated"], np.array([0, n]))
    replay = NodePhysics(node.hardware, segments, table["array_power_w"],
                         table["environment_w"], initial_soc=float(history["soc"][0]),
                         initial_temp_k=float(history["temp_k"][0]), record=True)
    step_s = max((time_s[-1] - time_s[0]) / max_points, 1e-3)
    power_w = history["accelerator_power_w"]
    for k in range(1, len(time_s)):
        start, end = float(time_s[k - 1]), float(time_s[k])
        if end <= replay.t_s:
            continue
        pieces = max(1, math.ceil((end - start) / step_s - 1e-9))
        for t in np.linspace(start, end, pieces + 1)[1:].tolist():
            replay.advance(t, float(power_w[k]))
    return replay.history()


def run_verdict(run, economics=None) -> Verdict:
    """The economics verdict of a run with the built-in (or given) economics terms."""
    return verdict_from_summary(run.summary, run.inputs.hardware, run.inputs.n_nodes,
                                economics if economics is not None else load_economics(),
                                n_stations=len(run.inputs.network.stations))


# --- plots of a run -----------------------------------------------------------------------------


def _coastlines() -> list[tuple[np.ndarray, np.ndarray]]:
    """Natural Earth 1:110m coastlines shipped in ``orbitsim/data``, as ``(lon_deg, lat_deg)``
    polylines: from :func:`orbitsim.analysis.maps.coastlines`, or read from the file directly
    when the maps module is not installed."""
    try:
        from orbitsim.analysis.maps import coastlines
    except ImportError:
        path = resources.files("orbitsim") / "data" / "coastlines_110m.npz"
        if not path.is_file():
            return []
        with path.open("rb") as handle, np.load(handle) as data:
            lon = data["lon_cdeg"].astype(float) / 100.0
            lat = data["lat_cdeg"].astype(float) / 100.0
            offsets = data["offsets"]
        return [(lon[a:b], lat[a:b]) for a, b in zip(offsets[:-1], offsets[1:])]
    return [(line[:, 0], line[:, 1]) for line in coastlines()]


def coverage_grid(run) -> tuple[TimeGrid | None, float]:
    """The time grid of the report's coverage map and its elevation mask (the stations'
    median, °): the run's grid thinned so that satellites x samples stay within
    :data:`COVERAGE_SAMPLES`; ``None`` when that leaves fewer than :data:`MIN_COVERAGE_TIMES`
    samples (a constellation too large for a quick map)."""
    from orbitsim.model.timegrid import time_grid

    grid = run.inputs.grid
    mask_deg = float(np.median(run.inputs.network.min_elevation_deg))
    n_times = min(len(grid), COVERAGE_SAMPLES // max(run.inputs.n_nodes, 1))
    if n_times < MIN_COVERAGE_TIMES or grid.duration_s <= 0:
        return None, mask_deg
    step_s = max(grid.step_s, math.ceil(grid.duration_s / (n_times - 1)))
    return time_grid(grid.start_utc, grid.duration_s / 3600.0, step_s), mask_deg


def map_plot(run) -> Plot:
    from orbitsim.geometry.coverage import coverage
    from orbitsim.geometry.propagate import propagate
    from orbitsim.model.timegrid import time_grid

    constellation, grid, network = run.inputs.constellation, run.inputs.grid, run.inputs.network
    shown = spread_indices(len(constellation), MAP_NODES)
    subset = constellation.subset(shown)
    period_min = float(np.nanmedian(subset.mean_period_min()))
    hours = min(grid.duration_s / 3600.0, TRACK_ORBITS * period_min / 60.0)
    track_grid = time_grid(grid.start_utc, hours, min(TRACK_STEP_S, grid.step_s))
    geometry = propagate(subset, track_grid)
    altitude_km = float(np.nanmedian(geometry.alt_km))
    names = [constellation.names[i] for i in shown]
    cover_grid, mask_deg = coverage_grid(run)
    if cover_grid is not None:
        result = coverage(constellation, cover_grid, min_elevation_deg=mask_deg,
                          cell_deg=COVERAGE_CELL_DEG)
        shading = (result.lat_deg, result.lon_deg, 100.0 * result.covered_fraction)
        footprint = None
        covered = (f"Shading: share of the {grid.duration_s / 3600.0:g} h run (sampled every "
                   f"{cover_grid.step_s / 60.0:.3g} min) with at least one of the "
                   f"{len(constellation):,} nodes above {mask_deg:g}° elevation, on a "
                   f"{COVERAGE_CELL_DEG:g}° grid; {100 * result.global_covered_fraction():.1f} % "
                   f"of the Earth's surface on average. ")
        title = (f"Coverage above {mask_deg:g}°, ground tracks of {len(shown)} of "
                 f"{len(constellation):,} nodes and the {network.name} stations")
    else:
        shading = None
        footprint = plots.footprint_radius_deg(altitude_km, network.min_elevation_deg)
        covered = (f"Green circles: where a node at {altitude_km:,.0f} km is above each "
                   f"station's elevation mask (spherical Earth); the constellation is too large "
                   f"for a quick coverage map (see `orbitsim coverage`). ")
        title = (f"Ground tracks of {len(shown)} of {len(constellation):,} nodes and the "
                 f"{network.name} ground stations")
    figure = plots.ground_track_figure(
        geometry.lon_deg, geometry.lat_deg, names, station_lon_deg=network.lon_deg,
        station_lat_deg=network.lat_deg, station_footprint_deg=footprint,
        coastlines=_coastlines(), coverage=shading,
        coverage_label=f"time with a node above {mask_deg:g}° (%)", title=title)
    caption = (f"{covered}Lines: sub-satellite points of {len(shown)} nodes spread over the "
               f"constellation during the first {hours:.1f} h (dot: position at the start). "
               f"Triangles: the {len(network.stations)} ground stations.")
    return Plot("map", "Coverage: ground tracks and stations", caption, plots.png_bytes(figure))


def node_plot(run, node: int) -> Plot:
    hardware = run.inputs.hardware
    horizon_s = float(run.result.horizon_s)
    history = dense_history(run.inputs.nodes[node]) if run.inputs.nodes else None
    time_s, fraction = node_busy_fraction(run.jobs, node, hardware.accelerators, horizon_s)
    name = run.inputs.constellation.names[node]
    floor = 1.0 - hardware.battery.depth_of_discharge
    if run.inputs.nodes is None:
        missing = "physics is off in this scenario: the node always runs at full power"
    else:
        missing = ("this run kept no per-node physics history (large constellations skip it "
                   "to save memory)")
    figure = plots.node_state_figure(history, time_s, fraction, horizon_s, node_name=name,
                                     no_history=missing,
                                     soc_floor=floor, temp_limit_k=hardware.radiator_limit_k,
                                     max_accelerator_power_w=hardware.max_accelerator_power_w)
    caption = (f"Node {name} (the deepest battery discharge of the run, then the busiest). "
               f"State of charge and radiator temperature: the node's power and thermal "
               f"model replayed between simulation events with the power it ran at; "
               f"utilisation: the share of its "
               f"{hardware.accelerators} accelerators held by jobs from compute start to "
               f"compute end, and the power they drew against their maximum (lower when the "
               f"node is short of energy or heat rejection).")
    return Plot("node", "One node over time", caption, plots.png_bytes(figure))


def contact_plot(run, focus: int) -> Plot:
    constellation = run.inputs.constellation
    shown = sorted(set(spread_indices(len(constellation), GANTT_NODES)) | {focus})
    names = [constellation.names[i] for i in shown]
    figure = plots.contact_gantt_figure(
        run.inputs.contacts, names, float(run.result.horizon_s),
        title=f"Ground contacts of {len(shown)} of {len(constellation):,} nodes")
    caption = (f"Each bar is a pass of a node over a ground station of the "
               f"{run.inputs.network.name} network, above the station's elevation mask; "
               f"{len(run.inputs.contacts):,} passes in the whole run.")
    return Plot("contacts", "Contact timeline", caption, plots.png_bytes(figure))


def latency_plot(run) -> Plot:
    jobs = run.jobs
    done = jobs[jobs["status"] == "done"]
    by_kind = {str(kind): group["latency_s"].to_numpy(dtype=float)
               for kind, group in done.groupby("kind", sort=True)}
    figure = plots.latency_cdf_figure(by_kind)
    caption = ("Cumulative distribution of latency per job kind, from arrival on the ground to "
               "results back on the ground, over finished jobs (pending and failed jobs are "
               "counted in the summary).")
    return Plot("latency", "Job latency", caption, plots.png_bytes(figure))


def throughput_plot(run, policy_summaries: Mapping[str, Mapping] | None) -> Plot:
    if policy_summaries and len(policy_summaries) >= 2:
        per_hour = {str(p): float(s["accelerator_hours"]) / float(s["hours"])
                    for p, s in policy_summaries.items()}
        jobs_per_hour = {str(p): float(s["jobs_done"]) / float(s["hours"])
                         for p, s in policy_summaries.items()}
        figure = plots.throughput_by_policy_figure(per_hour, jobs_per_hour)
        caption = (f"{len(per_hour)} scheduling policies on the same scenario and seed: "
                   f"accelerator-hours delivered and jobs finished per hour of simulated time.")
        return Plot("throughput", "Throughput per policy", caption, plots.png_bytes(figure))
    jobs = run.jobs
    done = jobs[jobs["status"] == "done"]
    hours = (done["accelerator_s"] / 3600.0).groupby(done["kind"]).sum()
    counts = done.groupby("kind").size()
    kinds = sorted(str(k) for k in jobs["kind"].unique())
    figure = plots.throughput_by_kind_figure(
        {k: float(hours.get(k, 0.0)) for k in kinds},
        {k: int(counts.get(k, 0)) for k in kinds},
        title=f"Delivered accelerator-hours per job kind (policy {run.scenario.policy})")
    caption = (f"Only one scheduling policy ran ({run.scenario.policy}), so this shows the "
               f"accelerator-hours delivered to finished jobs per job kind instead of a "
               f"comparison of policies (run `orbitsim sweep --param policy=...` for one).")
    return Plot("throughput", "Throughput", caption, plots.png_bytes(figure))


def cost_plots(verdict: Verdict) -> list[Plot]:
    if math.isfinite(verdict.orbit_usd_per_accelerator_hour):
        breakdown = cost_breakdown_figure(
            verdict.table(), title=f"Cost per delivered accelerator-hour: orbit against the "
                                   f"ground in {verdict.region}")
        caption = ("Annualised cost of each item divided by the accelerator-hours delivered "
                   "(orbit at the run's utilisation, ground at its own).")
        dpi = ECONOMICS_DPI
    else:
        breakdown = plots.message_figure(
            "Cost per delivered accelerator-hour",
            "The run delivered no accelerator-hours in orbit, so the orbital cost per "
            "accelerator-hour is unbounded;\nthe table below gives both options' annual costs.")
        caption = "Annual costs of both options, item by item."
        dpi = plots.DPI
    result = [Plot("costs", "Cost breakdown", caption, plots.png_bytes(breakdown, dpi))]
    if verdict.tornado:
        base = verdict.orbit_usd_per_accelerator_hour - verdict.ground_usd_per_accelerator_hour
        figure = tornado_figure(verdict.tornado, base_value=base, metric="premium")
        caption = ("Orbital cost minus ground cost per accelerator-hour when one parameter at a "
                   "time goes to its low (blue) or high (red) value; below zero, orbit is "
                   "cheaper.")
    else:
        figure = plots.message_figure("Sensitivity of the verdict",
                                      "No sensitivity: the run delivered no accelerator-hours.")
        caption = "The tornado needs a run that delivered accelerator-hours in orbit."
    result.append(Plot("tornado", "Sensitivity (tornado)", caption,
                       plots.png_bytes(figure, ECONOMICS_DPI)))
    return result


def report_plots(run, *, verdict: Verdict | None = None,
                 policy_summaries: Mapping[str, Mapping] | None = None) -> list[Plot]:
    """Every plot of the report, in page order."""
    focus = focus_node(run)
    result = [map_plot(run), node_plot(run, focus), contact_plot(run, focus), latency_plot(run),
              throughput_plot(run, policy_summaries)]
    if verdict is not None:
        result.extend(cost_plots(verdict))
    return result


# --- HTML ---------------------------------------------------------------------------------------


def _number(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _scaled(value, units: Sequence[tuple[float, str]]) -> str:
    if value is None or not math.isfinite(float(value)):
        return "–"
    value = float(value)
    for factor, unit in units:
        if abs(value) >= factor:
            return f"{value / factor:,.3g} {unit}"
    return f"{value / units[-1][0]:,.3g} {units[-1][1]}"


def _bytes(value) -> str:
    return _scaled(value, [(1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB"),
                           (1.0, "B")])


def _energy(value_wh) -> str:
    return _scaled(value_wh, [(1e9, "GWh"), (1e6, "MWh"), (1e3, "kWh"), (1.0, "Wh")])


def _seconds(value) -> str:
    return "–" if value is None else plots._format_s(float(value))


def _usd(value) -> str:
    if value is None or not math.isfinite(float(value)):
        return "–"
    value = float(value)
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


def _percent(value) -> str:
    return "–" if value is None or not math.isfinite(float(value)) else f"{100 * value:.1f} %"


def summary_groups(run, verdict: Verdict | None) -> dict[str, list[tuple[str, str]]]:
    """The key figures of the run, by group (run, jobs and data, energy and faults, economics),
    as (label, formatted value with unit) pairs."""
    s, sc = run.summary, run.scenario
    hardware = run.inputs.hardware
    nodes = run.result.nodes
    groups: dict[str, list[tuple[str, str]]] = {}
    groups["Run"] = [
        ("scenario", sc.name),
        ("constellation", sc.constellation),
        ("ground network", f"{sc.ground_network} ({len(run.inputs.network.stations)} stations)"),
        ("workload", sc.workload),
        ("policy", sc.policy),
        ("start (UTC)", str(sc.start_utc)),
        ("duration / step", f"{sc.hours:g} h / {sc.step_s:g} s"),
        ("seed", str(sc.seed)),
        ("nodes × accelerators", f"{run.inputs.n_nodes:,} × {hardware.accelerators} "
                                 f"{hardware.accelerator.name}"),
    ]
    jobs = [
        ("jobs total / done", f"{_number(s.get('jobs_total'))} / {_number(s.get('jobs_done'))}"),
        ("jobs failed / pending", f"{_number(s.get('jobs_failed'))} / "
                                  f"{_number(s.get('jobs_pending'))}"),
        ("jobs lost to faults", _number(s.get("jobs_lost"))),
        ("deadline misses", _number(s.get("deadline_misses"))),
        ("governance violations", _number(s.get("governance_violations"))),
        ("delivered accelerator-hours", f"{_number(s.get('accelerator_hours'))} h"),
        ("utilisation (all nodes)", _percent(s.get("utilisation"))),
        ("latency p50 / p95 / p99", " / ".join(_seconds(s.get(k)) for k in
                                               ("latency_p50_s", "latency_p95_s",
                                                "latency_p99_s"))),
        ("data up / down", f"{_bytes(s.get('bytes_up'))} / {_bytes(s.get('bytes_down'))}"),
        ("ground contacts (passes)", _number(len(run.inputs.contacts))),
    ]
    if s.get("failed_by_reason"):
        jobs.append(("failed by reason", ", ".join(f"{k}: {v:,}" for k, v in
                                                   sorted(s["failed_by_reason"].items()))))
    if s.get("pending_by_stage"):
        jobs.append(("pending by stage", ", ".join(f"{k}: {v:,}" for k, v in
                                                   sorted(s["pending_by_stage"].items()))))
    groups["Jobs and data"] = jobs
    energy = [("faults / nodes failed", f"{_number(s.get('faults'))} / "
                                        f"{_number(s.get('nodes_failed'))}")]
    if "energy_in_wh" in s:
        used = s.get("energy_used_wh")
        if used is None and "used_wh" in nodes:
            used = float(nodes["used_wh"].sum())
        energy += [("solar energy in", _energy(s.get("energy_in_wh"))),
                   ("energy used", _energy(used)),
                   ("energy curtailed (battery full)", _energy(s.get("curtailed_wh")))]
    if "throttled_s" in s:
        energy.append(("thermal throttling (node-time)", _seconds(s.get("throttled_s"))))
    if "power_limited_s" in s:
        energy.append(("power-limited: battery floor, array short (node-time)",
                       _seconds(s.get("power_limited_s"))))
    groups["Energy and faults"] = energy
    if verdict is not None:
        price = verdict.break_even_launch_usd_per_kg
        util = verdict.break_even_utilisation
        groups["Economics"] = [
            ("ground region", verdict.region),
            ("orbit cost per accelerator-hour", _usd(verdict.orbit_usd_per_accelerator_hour)),
            ("ground cost per accelerator-hour", _usd(verdict.ground_usd_per_accelerator_hour)),
            ("launch price assumed", f"{_usd(verdict.orbit_inputs.launch_price_usd_per_kg)}/kg"),
            ("break-even launch price", f"{_usd(price)}/kg" if math.isfinite(price) and price > 0
             else "none (no launch price closes the gap)"),
            ("break-even utilisation", _percent(util) if math.isfinite(util) and util <= 1
             else "above 100 % (unreachable)"),
        ]
    return groups


def summary_html(run, verdict: Verdict | None) -> str:
    """The summary section: one two-column table per group of :func:`summary_groups`."""
    blocks = []
    for title, rows in summary_groups(run, verdict).items():
        body = "".join(f"<tr><td>{html.escape(label)}</td><td>{html.escape(value)}</td></tr>"
                       for label, value in rows)
        blocks.append(f'<div><h3>{html.escape(title)}</h3><table class="summary">'
                      f"<tbody>{body}</tbody></table></div>")
    return f'<section id="summary"><h2>Summary</h2><div class="grid">{"".join(blocks)}</div>' \
           f"</section>"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int = 1,
           css: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{html.escape(c)}</td>' if k >= numeric_from else
            f"<td>{html.escape(c)}</td>" for k, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return (f'<table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def cost_table_html(verdict: Verdict) -> str:
    """The cost breakdown of both options as an HTML table (USD per year and per delivered
    accelerator-hour, item by item, totals last)."""
    table = verdict.table()
    items = [i for i in ITEM_LABELS if i in set(table["item"])]
    items += [i for i in dict.fromkeys(table["item"]) if i not in items]
    indexed = table.set_index(["option", "item"])
    rows = []
    for item in items:
        cells = [ITEM_LABELS.get(item, item)]
        for option in ("orbit", "ground"):
            if (option, item) in indexed.index:
                record = indexed.loc[(option, item)]
                cells += [_usd(record["usd_per_year"]), _usd(record["usd_per_accelerator_hour"])]
            else:
                cells += ["", ""]
        rows.append(cells)
    rows.append(["total", _usd(verdict.orbit.total_annual_usd),
                 _usd(verdict.orbit_usd_per_accelerator_hour),
                 _usd(verdict.ground.total_annual_usd),
                 _usd(verdict.ground_usd_per_accelerator_hour)])
    return _table(["item", "orbit ($/year)", "orbit ($/accelerator-h)", "ground ($/year)",
                   "ground ($/accelerator-h)"], rows, css="costs")


def kind_table_html(summary: Mapping) -> str:
    rows = [[str(kind), _number(v.get("total")), _number(v.get("done")),
             _seconds(v.get("latency_p50_s")), _seconds(v.get("latency_p95_s"))]
            for kind, v in sorted(summary.get("by_kind", {}).items())]
    return _table(["job kind", "jobs", "finished", "latency p50", "latency p95"], rows)


_STYLE = """
:root { color-scheme: light; }
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
  margin: 0; background: #f4f5f7; color: #1d2330; font-size: 16px; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.3em; margin: 0 0 0.5em; }
.sub { color: #4b5567; margin: 0 0 1.2em; }
section { background: #fff; border-radius: 8px; padding: 18px 22px; margin: 0 0 20px;
  box-shadow: 0 1px 3px rgba(0,0,0,0.08); }
.verdict { border-left: 8px solid #b3261e; background: #fdf0ef; font-size: 1.12em; }
.verdict.viable { border-left-color: #1b7f3b; background: #eef8f1; }
.verdict .tag { font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
  font-size: 0.85em; }
.verdict p { margin: 0.4em 0 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e3e6ec; text-align: left;
  vertical-align: top; }
th { background: #eef0f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
h3 { font-size: 1.02em; margin: 0.2em 0 0.3em; color: #2f3a4f; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
  gap: 8px 28px; }
table.summary td { padding: 3px 8px; }
table.summary td:first-child { color: #4b5567; width: 48%; }
table.costs tr:last-child td { font-weight: 700; border-top: 2px solid #9aa3b2; }
figure { margin: 0; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: #4b5567; font-size: 0.92em; margin-top: 0.5em; }
footer { color: #6b7385; font-size: 0.85em; text-align: center; }
"""


def _figure_html(plot: Plot) -> str:
    data = base64.b64encode(plot.png).decode("ascii")
    return (f"<section id=\"{plot.name}\"><h2>{html.escape(plot.title)}</h2><figure>"
            f"<img alt=\"{html.escape(plot.title)}\" src=\"data:image/png;base64,{data}\">"
            f"<figcaption>{html.escape(plot.caption)} (File: "
            f"<a href=\"{plot.filename}\">{plot.filename}</a>.)</figcaption>"
            f"</figure></section>")


def render_html(run, plot_list: Sequence[Plot], *, verdict: Verdict | None,
                verdict_error: str | None = None) -> str:
    """The report page as a string (no external reference of any kind)."""
    from orbitsim import __version__

    sc = run.scenario
    by_name = {p.name: p for p in plot_list}
    description = (sc.description or "").strip().rstrip(".")
    description = f"Scenario: {description}. " if description else ""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>orbitsim report: {html.escape(sc.name)}</title>",
             f"<style>{_STYLE}</style></head><body><main>",
             f"<h1>orbitsim report: {html.escape(sc.name)}</h1>",
             f'<p class="sub">{html.escape(description)}This run: {sc.hours:g} h from '
             f"{html.escape(str(sc.start_utc))}, policy {html.escape(sc.policy)}, "
             f"seed {sc.seed}.</p>"]
    if verdict is not None:
        status = "viable" if verdict.viable else "not viable"
        parts.append(f'<section class="verdict{" viable" if verdict.viable else ""}">'
                     f'<span class="tag">Verdict: orbit {status} in this run</span>'
                     f"<p>{html.escape(verdict.text)}</p></section>")
    else:
        parts.append('<section class="verdict"><span class="tag">No verdict</span>'
                     f"<p>{html.escape(verdict_error or 'economics unavailable')}</p></section>")
    parts.append(summary_html(run, verdict))
    for name in ("map", "node", "contacts", "latency"):
        if name in by_name:
            parts.append(_figure_html(by_name[name]))
    if "throughput" in by_name:
        block = _figure_html(by_name["throughput"])
        parts.append(block.replace("</figure></section>",
                                   f"</figure>{kind_table_html(run.summary)}</section>"))
    if verdict is not None and "costs" in by_name:
        block = _figure_html(by_name["costs"])
        parts.append(block.replace("</figure></section>",
                                   f"</figure>{cost_table_html(verdict)}</section>"))
    if "tornado" in by_name:
        parts.append(_figure_html(by_name["tornado"]))
    parts.append(f"<footer>orbitsim {html.escape(__version__)}: scenario {html.escape(sc.name)}, "
                 f"seed {sc.seed}. This page loads nothing from the network.</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_report(run, out: str | Path, *, verdict: Verdict | None = None,
                 policy_summaries: Mapping[str, Mapping] | None = None) -> list[Path]:
    """Write ``out/report.html`` and ``out/plot_*.png`` for a run (each atomically); returns
    their paths, the page last.

    ``verdict``: the run's economics (computed with the built-in terms when not given; an
    economics :class:`InputError`, such as an accelerator without a price, is shown on the page
    instead). ``policy_summaries``: ``{policy: summary}`` of runs of the same scenario under
    several policies, for the throughput comparison.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    verdict_error = None
    if verdict is None:
        try:
            verdict = run_verdict(run)
        except InputError as error:
            verdict_error = f"No economics verdict: {error}"
    plot_list = report_plots(run, verdict=verdict, policy_summaries=policy_summaries)
    written = []
    for plot in plot_list:
        with atomic_path(out / plot.filename) as tmp:
            tmp.write_bytes(plot.png)
        written.append(out / plot.filename)
    page = render_html(run, plot_list, verdict=verdict, verdict_error=verdict_error)
    written.append(write_text_atomic(out / "report.html", page))
    return written


__all__ = ["GANTT_NODES", "MAP_NODES", "Plot", "cost_table_html", "dense_history", "focus_node",
           "node_busy_fraction", "render_html", "report_plots", "run_verdict", "spread_indices",
           "summary_groups", "summary_html", "write_report"]
