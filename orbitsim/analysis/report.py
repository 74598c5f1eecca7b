"""The report of a run: one self-contained ``report.html`` and a PNG copy of each plot.

The page loads nothing from anywhere: its style is inline, every plot is embedded as a PNG
``data:`` URI (the same bytes as the ``plot_*.png`` file beside it) and the interactive map
(:mod:`orbitsim.analysis.report_map`) embeds plotly.js, so it opens offline and never touches
the network. The same run gives the same bytes (no timestamps, PNG without
software or date metadata).

Sections: verdict and key figures, ground tracks and coverage, the interactive map, one node's
battery / temperature / utilisation, contact Gantt, job latency, throughput (per policy when
several ran, else per job kind), the economics (cost breakdown at equal utilisation, the Monte
Carlo's distribution and tornado, the timeline of launch trajectories, the value side per
workload class, the published comparisons' waterfalls, and every input with its range and
source).

The report only renders: tracks, coverage and node histories come from the run's products
(:mod:`orbitsim.sim.products`), the economics from its verdict
(:mod:`orbitsim.analysis.economics`).
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
from orbitsim.analysis.economics import ITEM_LABELS, Verdict, load_economics
from orbitsim.analysis.economics.reproduce import reproduce_starcloud, reproduce_suncatcher
from orbitsim.analysis.economics.value import CREDIT_LABELS, CREDITS
from orbitsim.analysis.plots_economics import (
    cost_breakdown_figure,
    distribution_figure,
    timeline_figure,
    tornado_figure,
    waterfall_figure,
)
from orbitsim.errors import InputError
from orbitsim.io import atomic_path, write_text_atomic
from orbitsim.sim.products import COVERAGE_CELL_DEG

#: Resolution of the economics charts (drawn 9 in wide with small fonts: a little sharper, so
#: that they fill the page at a readable size).
ECONOMICS_DPI = 130


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


# --- plots of a run ---------------------------------------------------------------------------


def node_busy_fraction(jobs: pd.DataFrame, node: int, accelerators: int, horizon_s: float
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of a node's accelerators busy over time, from its jobs' ``start_s`` to
    ``compute_end_s`` (the horizon while still computing): ``(time_s, fraction)`` step
    function (:func:`orbitsim.analysis.plots.busy_profile`)."""
    mine = jobs[(jobs["node"] == node) & jobs["start_s"].notna()]
    end = mine["compute_end_s"].fillna(horizon_s)
    time_s, busy = plots.busy_profile(mine["start_s"], end, mine["accelerators"], horizon_s)
    return time_s, busy / max(accelerators, 1)


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


def map_plot(run) -> Plot:
    products = run.products
    constellation, grid, network = run.inputs.constellation, run.inputs.grid, run.inputs.network
    shown, hours, mask_deg = products.track_nodes, products.track_hours, products.mask_deg
    result = products.coverage
    if result is not None:
        shading = (result.lat_deg, result.lon_deg, 100.0 * result.covered_fraction)
        footprint = None
        covered = (f"Shading: share of the {grid.duration_s / 3600.0:g} h run (sampled every "
                   f"{products.coverage_step_s / 60.0:.3g} min) with at least one of the "
                   f"{len(constellation):,} nodes above {mask_deg:g}° elevation, on a "
                   f"{COVERAGE_CELL_DEG:g}° grid; {100 * result.global_covered_fraction():.1f} % "
                   f"of the Earth's surface on average. ")
        title = (f"Coverage above {mask_deg:g}°, ground tracks of {len(shown)} of "
                 f"{len(constellation):,} nodes and the {network.name} stations")
    else:
        shading = None
        footprint = plots.footprint_radius_deg(products.altitude_km, network.min_elevation_deg)
        covered = (f"Green circles: where a node at {products.altitude_km:,.0f} km is above each "
                   f"station's elevation mask (spherical Earth); the constellation is too large "
                   f"for a quick coverage map (see `orbitsim coverage`). ")
        title = (f"Ground tracks of {len(shown)} of {len(constellation):,} nodes and the "
                 f"{network.name} ground stations")
    figure = plots.ground_track_figure(
        products.track_lon_deg, products.track_lat_deg, products.track_names,
        station_lon_deg=network.lon_deg, station_lat_deg=network.lat_deg,
        station_footprint_deg=footprint, coastlines=_coastlines(), coverage=shading,
        coverage_label=f"time with a node above {mask_deg:g}° (%)", title=title)
    caption = (f"{covered}Lines: sub-satellite points of {len(shown)} nodes spread over the "
               f"constellation during the first {hours:.1f} h (dot: position at the start). "
               f"Triangles: the {len(network.stations)} ground stations.")
    return Plot("map", "Coverage: ground tracks and stations", caption, plots.png_bytes(figure))


def node_plot(run, node: int) -> Plot:
    hardware = run.inputs.hardware
    horizon_s = float(run.result.horizon_s)
    history = run.products.focus_history if node == run.products.focus_node else None
    # the node's own jobs, a row group at a time (a streamed run's table is never held whole)
    columns = ["node", "start_s", "compute_end_s", "accelerators"]
    mine = [chunk[chunk["node"].to_numpy() == node] for chunk in run.job_chunks(columns)]
    mine = pd.concat(mine, ignore_index=True) if mine else run.job_columns(columns)
    time_s, fraction = node_busy_fraction(mine, node, hardware.accelerators, horizon_s)
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


def contact_plot(run) -> Plot:
    constellation = run.inputs.constellation
    shown = run.products.gantt_nodes
    names = [constellation.names[i] for i in shown]
    figure = plots.contact_gantt_figure(
        run.inputs.contacts, names, float(run.result.horizon_s),
        title=f"Ground contacts of {len(shown)} of {len(constellation):,} nodes")
    caption = (f"Each bar is a pass of a node over a ground station of the "
               f"{run.inputs.network.name} network, above the station's elevation mask; "
               f"{len(run.inputs.contacts):,} passes in the whole run.")
    return Plot("contacts", "Contact timeline", caption, plots.png_bytes(figure))


def _done_and_kinds(run) -> tuple[np.ndarray, np.ndarray, list]:
    """Whether each job is done (bool array), its kind's code and the kinds (read a column
    at a time: a streamed run's table is never held whole)."""
    done = (run.job_columns(["status"])["status"] == "done").to_numpy()
    codes, kinds = pd.factorize(run.job_columns(["kind"])["kind"])
    return done, codes, list(kinds)


def _sorted_codes(kinds: list) -> list[int]:
    return sorted(range(len(kinds)), key=lambda k: str(kinds[k]))


def latency_plot(run) -> Plot:
    done, codes, kinds = _done_and_kinds(run)
    latency = run.job_columns(["latency_s"])["latency_s"].to_numpy(dtype=float)
    by_kind = {str(kinds[k]): latency[done & (codes == k)] for k in _sorted_codes(kinds)
               if (done & (codes == k)).any()}
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
    done, codes, kinds = _done_and_kinds(run)
    hours_s = run.job_columns(["accelerator_s"])["accelerator_s"].to_numpy(dtype=float) / 3600.0
    order = _sorted_codes(kinds)
    figure = plots.throughput_by_kind_figure(
        {str(kinds[k]): float(hours_s[done & (codes == k)].sum()) for k in order},
        {str(kinds[k]): int((done & (codes == k)).sum()) for k in order},
        title=f"Delivered accelerator-hours per job kind (policy {run.scenario.policy})")
    caption = (f"Only one scheduling policy ran ({run.scenario.policy}), so this shows the "
               f"accelerator-hours delivered to finished jobs per job kind instead of a "
               f"comparison of policies (run `orbitsim sweep --param policy=...` for one).")
    return Plot("throughput", "Throughput", caption, plots.png_bytes(figure))


def cost_plots(verdict: Verdict) -> list[Plot]:
    """Cost breakdown, distribution and tornado of the Monte Carlo, timeline."""
    if math.isfinite(verdict.orbit_usd_per_accelerator_hour):
        breakdown = cost_breakdown_figure(
            verdict.table(), title=f"Cost per delivered accelerator-hour at "
                                   f"{100 * verdict.utilisation:.0f} % utilisation on both sides "
                                   f"({verdict.region})")
        caption = ("Annualised cost of each item divided by the accelerator-hours delivered, "
                   "both options at the run's utilisation (the ground serving the same work), "
                   "every input at its mode.")
        dpi = ECONOMICS_DPI
    else:
        breakdown = plots.message_figure(
            "Cost per delivered accelerator-hour",
            "The run delivered no accelerator-hours in orbit, so the orbital cost per "
            "accelerator-hour is unbounded;\nthe table below gives both options' annual costs.")
        caption = "Annual costs of both options, item by item."
        dpi = plots.DPI
    result = [Plot("costs", "Cost breakdown", caption, plots.png_bytes(breakdown, dpi))]
    mc = verdict.monte_carlo
    if verdict.facts.utilisation > 0 and mc.tornado:
        result.append(Plot(
            "uncertainty", "Uncertainty (Monte Carlo)",
            f"Both costs over {mc.draws:,} seeded draws (seed {mc.seed}) of every input from a "
            f"triangular distribution on its range (low, mode, high: the table of inputs "
            f"below); dotted lines: 5 and 95 %.",
            plots.png_bytes(distribution_figure(mc), ECONOMICS_DPI)))
        base = float(np.median(mc.orbit_usd - mc.ground_usd))
        result.append(Plot(
            "tornado", "What moves the verdict (tornado)",
            "For each input, the median orbital-minus-ground premium of the draws in which it "
            "lies in its lowest tenth (blue end) and highest tenth (red end); rho: its Spearman "
            "rank correlation with the orbit/ground ratio over all draws. Below zero, orbit is "
            "cheaper.", plots.png_bytes(tornado_figure(mc.tornado, base_value=base),
                                        ECONOMICS_DPI)))
    if verdict.timeline:
        result.append(Plot(
            "timeline", "Timeline: deployment years",
            "Cost per delivered accelerator-hour by deployment year, both options at the run's "
            "utilisation, every input at its mode: the first year prices the node as simulated, "
            "later years the newest accelerator generation and each launch-price trajectory "
            "(constellations/economics/timeline.toml).",
            plots.png_bytes(timeline_figure(verdict.timeline), ECONOMICS_DPI)))
    return result


def paper_plots(run, verdict: Verdict | None) -> list[tuple[Plot, object]]:
    """The Starcloud and Suncatcher waterfalls with this run's node (and its orbit's sunlit
    fraction over a year), each with its :class:`Reproduction`."""
    if verdict is None:
        return []
    economics = load_economics()
    out = []
    try:
        reps = [reproduce_starcloud(run.inputs.hardware, economics,
                                    sunlit_fraction=run.products.year_sunlit_fraction),
                reproduce_suncatcher(run.inputs.hardware, economics)]
    except (InputError, ValueError):
        return []
    for rep in reps:
        figure = waterfall_figure(rep)
        caption = (f"{rep.source}. Each bar switches one of the paper's assumptions to "
                   f"orbitsim's ({run.inputs.hardware.name}), in order; the steps add up "
                   f"exactly to orbitsim's figure. " + " ".join(rep.notes))
        out.append((Plot(f"waterfall_{rep.name}", f"Published comparison: {rep.name}", caption,
                         plots.png_bytes(figure, ECONOMICS_DPI)), rep))
    return out


def report_plots(run, *, verdict: Verdict | None = None,
                 policy_summaries: Mapping[str, Mapping] | None = None) -> list[Plot]:
    """Every plot of the report, in page order."""
    focus = run.products.focus_node
    result = [map_plot(run), node_plot(run, focus), contact_plot(run), latency_plot(run),
              throughput_plot(run, policy_summaries)]
    if getattr(run.result, "pauses", None) is not None:  # governance rules paused work
        from orbitsim.analysis.report_governance import governance_plot

        paused = governance_plot(run)
        if paused is not None:
            result.append(paused)
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
                                 f"{hardware.accelerator.name}"
         if getattr(run.inputs, "fleet", None) is None else ", ".join(
             f"{count:,} × {h.accelerators} {h.accelerator.name}" for h, count in
             zip(run.inputs.fleet.hardware, run.inputs.fleet.counts()) if count)),
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
        mc = verdict.monte_carlo
        crossover = {name: tr.crossover_year for name, tr in verdict.timeline.items()}
        groups["Economics"] = [
            ("ground region / deployment year", f"{verdict.region} / {verdict.year}"),
            ("utilisation on both sides", _percent(verdict.utilisation)),
            ("orbit cost per accelerator-hour", _usd(verdict.orbit_usd_per_accelerator_hour)),
            ("ground cost, same utilisation",
             _usd(verdict.ground_usd_per_accelerator_hour_same_utilisation)),
            ("orbit / ground (same utilisation)", f"{verdict.ratio_same_utilisation:,.2f}"),
            (f"ground at its own {_percent(verdict.ground_utilisation)}",
             _usd(verdict.ground_usd_per_accelerator_hour_own_utilisation)),
            ("orbit cost, 5-95 % of draws", f"{_usd(mc.percentile('orbit', 5))} - "
                                            f"{_usd(mc.percentile('orbit', 95))}"),
            ("probability orbit is cheaper", f"{100 * mc.p_orbit_cheaper:.1f} % of "
                                             f"{mc.draws:,} draws"),
            ("launch price assumed", f"{_usd(verdict.launch_price_usd_per_kg)}/kg"),
            ("break-even launch price", f"{_usd(price)}/kg" if math.isfinite(price)
             else "none (no launch price closes the gap)"),
            ("break-even utilisation (vs ground's own)",
             _percent(util) if math.isfinite(util) else "above 100 % (unreachable)"),
            ("crossover year", ", ".join(f"{name}: {year if year else 'none by 2040'}"
                                         for name, year in crossover.items()) or "–"),
            ("viable workload classes", ", ".join(verdict.viable_workloads) or "none"),
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
    totals = table.groupby("option")["usd_per_year"].sum()
    rows.append(["total", _usd(totals.get("orbit", math.nan)),
                 _usd(verdict.orbit_usd_per_accelerator_hour),
                 _usd(totals.get("ground", math.nan)),
                 _usd(verdict.ground_usd_per_accelerator_hour_same_utilisation)])
    return _table(["item", "orbit ($/year)", "orbit ($/accelerator-h)", "ground ($/year)",
                   "ground ($/accelerator-h)"], rows, css="costs")


def timeline_table_html(verdict: Verdict) -> str:
    """Per launch trajectory: crossover year, share of draws crossing, and the costs of the
    first, a middle and the last year."""
    rows = []
    for name, tr in verdict.timeline.items():
        picks = sorted({0, len(tr.years) // 2, len(tr.years) - 1})
        costs = "; ".join(f"{tr.years[i]} ({tr.accelerators[i]}, "
                          f"{_usd(tr.launch_usd_per_kg[i])}/kg): {_usd(tr.orbit_usd[i])} vs "
                          f"{_usd(tr.ground_usd[i])}" for i in picks)
        rows.append([name, str(tr.crossover_year or f"none by {tr.years[-1]}"),
                     f"{100 * tr.p_crossover:.1f} %", costs])
    return _table(["trajectory", "crossover year", "draws crossing", "orbit vs ground"], rows,
                  numeric_from=1)


def ladder_table_html(verdict: Verdict) -> str:
    """The best case for orbit, one rung at a time (:func:`best_case_ladder`)."""
    rows = [[r.step, _usd(r.orbit_usd), _usd(r.ground_usd), f"{r.ratio:,.2f}"]
            for r in verdict.ladder]
    return _table(["assumption (cumulative)", "orbit ($/accelerator-h)",
                   "ground ($/accelerator-h)", "orbit / ground"], rows)


def value_table_html(verdict: Verdict) -> str:
    """Per workload class: its accelerator-hours, the three credits, the effective orbital
    cost against the ground (same utilisation), viability now and crossover by trajectory."""
    rows = []
    for name, w in verdict.workloads.items():
        credits = ", ".join(f"{CREDIT_LABELS[k]} {_usd(w.credits_usd_per_hour.get(k, 0.0))}"
                            for k in CREDITS)
        crossings = ", ".join(f"{t}: {y or 'none'}" for t, y in w.crossover_year.items())
        rows.append([name, w.facts.kind, f"{w.facts.accelerator_hours:,.0f}", credits,
                     _usd(w.effective_orbit_usd), _usd(w.ground_usd),
                     "yes" if w.viable else "no", f"{100 * w.p_viable:.1f} %", crossings])
    return _table(["class", "kind", "accelerator-h", "credits ($/accelerator-h)",
                   "orbit after credits", "ground", "viable", "P(viable)", "crossover"],
                  rows, numeric_from=2)


def bridge_table_html(rep) -> str:
    """A published comparison: the paper's figure, the reproduction, each step, orbitsim's."""
    unit = "usd" if rep.unit == "usd" else "usd_per_kw_year"
    key = "orbit_usd" if unit == "usd" else "usd_per_kw_year"
    fmt = (lambda v: f"${v / 1e6:,.2f}M") if unit == "usd" else (lambda v: f"${v:,.0f}/kW/yr")
    rows = [["published", fmt(rep.published[key])],
            ["reproduced from the paper's assumptions", fmt(rep.reproduced[key])]]
    rows += [[step.step, ("+" if step.delta >= 0 else "-") + fmt(abs(step.delta))]
             for step in rep.bridge]
    rows.append(["orbitsim", fmt(rep.orbitsim[key])])
    return _table(["step", "orbit" if unit == "usd" else "launched power"], rows)


def inputs_table_html(verdict: Verdict) -> str:
    """Every number of the verdict with its range and its source."""
    rows = []
    for p in verdict.params.values():
        spread = "fixed" if not p.uncertain else f"{_number(p.low)} - {_number(p.high)}"
        rows.append([p.label, f"{_number(p.mode)} {p.unit}", spread, p.source, p.note])
    return _table(["input", "mode", "range", "file", "source or assumption"], rows,
                  numeric_from=1, css="inputs")


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
table.inputs td { font-size: 0.85em; white-space: normal; }
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


def _with_table(plot: Plot, table: str) -> str:
    return _figure_html(plot).replace("</figure></section>", f"</figure>{table}</section>")


def render_html(run, plot_list: Sequence[Plot], *, verdict: Verdict | None,
                verdict_error: str | None = None, papers: Sequence = ()) -> str:
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
        if name == "map":  # the interactive map, after the static one
            from orbitsim.analysis.report_map import interactive_map_section

            parts.append(interactive_map_section(run))
    if "throughput" in by_name:
        block = _figure_html(by_name["throughput"])
        parts.append(block.replace("</figure></section>",
                                   f"</figure>{kind_table_html(run.summary)}</section>"))
    if run.summary.get("governance"):  # licences, monitoring, suspensions, geofences
        from orbitsim.analysis.report_governance import governance_html

        figure = _figure_html(by_name["governance"]).removeprefix(
            '<section id="governance"><h2>Governance: paused work</h2>').removesuffix(
            "</section>") if "governance" in by_name else ""
        parts.append(governance_html(run.summary, figure))
    if verdict is not None and "costs" in by_name:
        parts.append(_with_table(by_name["costs"], cost_table_html(verdict)))
    for name in ("uncertainty", "tornado"):
        if name in by_name:
            parts.append(_figure_html(by_name[name]))
    if verdict is not None and verdict.ladder:
        parts.append('<section id="ladder"><h2>What it would take</h2><p class="sub">The '
                     "verdict's costs as its assumptions move, one rung at a time, to the end "
                     "of their ranges that favours orbit. If the last rung still leaves orbit "
                     "dearer, no combination of the ranges in the files makes it viable.</p>"
                     f"{ladder_table_html(verdict)}</section>")
    if verdict is not None and "timeline" in by_name:
        parts.append(_with_table(by_name["timeline"], timeline_table_html(verdict)))
    if verdict is not None and verdict.workloads:
        parts.append('<section id="value"><h2>Value: what orbit delivers that the ground '
                     'cannot, per workload class</h2><p class="sub">Credits per delivered '
                     'accelerator-hour, from this run: data processed in orbit instead of '
                     'downlinked (priced at the ground-station service), a sovereignty premium '
                     'for tenants bound to jurisdictions, and the margin earned during the '
                     "ground's wait for grid power. A class is viable when orbit after its "
                     "credits costs no more than the ground at the same utilisation.</p>"
                     f"{value_table_html(verdict)}</section>")
    for rep in papers:
        plot = by_name.get(f"waterfall_{rep.name}")
        if plot is not None:
            parts.append(_with_table(plot, bridge_table_html(rep)))
    if verdict is not None:
        parts.append('<section id="inputs"><h2>Every input of the verdict</h2>'
                     '<p class="sub">Mode (the files\' value), range (low - high of the '
                     'triangular distribution the Monte Carlo draws from; fixed: a design choice '
                     'or a data-sheet value) and source, from constellations/economics/ and '
                     f"the hardware files.</p>{inputs_table_html(verdict)}</section>")
    parts.append(f"<footer>orbitsim {html.escape(__version__)}: scenario {html.escape(sc.name)}, "
                 f"seed {sc.seed}. This page loads nothing from the network.</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_report(run, out: str | Path, *, verdict: Verdict | None = None,
                 policy_summaries: Mapping[str, Mapping] | None = None) -> list[Path]:
    """Write ``out/report.html`` and ``out/plot_*.png`` for a run (each atomically); returns
    their paths, the page last.

    ``verdict``: the run's economics (``run.verdict`` when not given; its text or the economics
    error is shown when there is none). ``policy_summaries``: ``{policy: summary}`` of runs of
    the same scenario under several policies, for the throughput comparison.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    verdict = verdict if verdict is not None else getattr(run, "verdict", None)
    verdict_error = None
    if verdict is None:
        verdict_error = (run.summary.get("verdict") or {}).get("text") or \
            "No economics verdict for this run."
    plot_list = report_plots(run, verdict=verdict, policy_summaries=policy_summaries)
    papers = paper_plots(run, verdict)
    plot_list += [plot for plot, _ in papers]
    written = []
    for plot in plot_list:
        with atomic_path(out / plot.filename) as tmp:
            tmp.write_bytes(plot.png)
        written.append(out / plot.filename)
    page = render_html(run, plot_list, verdict=verdict, verdict_error=verdict_error,
                       papers=[rep for _, rep in papers])
    written.append(write_text_atomic(out / "report.html", page))
    return written


__all__ = ["Plot", "bridge_table_html", "cost_table_html", "inputs_table_html",
           "ladder_table_html", "node_busy_fraction", "paper_plots", "render_html",
           "report_plots", "summary_groups", "summary_html", "timeline_table_html",
           "value_table_html", "write_report"]
