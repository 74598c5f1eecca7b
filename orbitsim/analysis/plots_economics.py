"""Economics charts as PNG: the cost breakdown of both options, the tornado and the
distribution of the Monte Carlo, the timeline of the launch trajectories and the waterfalls of
the published comparisons.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly (no pyplot,
no global backend change) and written atomically.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from orbitsim.analysis.economics.costs import ITEM_LABELS
from orbitsim.analysis.economics.reproduce import Reproduction
from orbitsim.analysis.economics.timeline import TrajectoryResult
from orbitsim.analysis.economics.uncertainty import MonteCarlo, TornadoEntry
from orbitsim.io import atomic_path


def _save(figure: Figure, path: str | Path, dpi: int) -> Path:
    FigureCanvasAgg(figure)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi)
    return Path(path)


def _value_label(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{100 * value:.0f} %"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.3g}M"
    if unit in ("$", "$/node-year") or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def cost_breakdown_figure(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Stacked horizontal bars, one per option, of the cost per delivered accelerator-hour by
    item; ``table`` is :meth:`orbitsim.analysis.economics.Verdict.table`."""
    figure = Figure(figsize=(9.0, 4.2), layout="constrained")
    axes = figure.add_subplot()
    options = [o for o in ("orbit", "ground") if o in set(table["option"])]
    items = [i for i in ITEM_LABELS if i in set(table["item"])]
    items += [i for i in dict.fromkeys(table["item"]) if i not in items]
    palette = colormaps["tab20"]
    colours = {item: palette(k % 20) for k, item in enumerate(items)}
    left = dict.fromkeys(options, 0.0)
    totals = {}
    for item in items:
        rows = table[table["item"] == item].set_index("option")["usd_per_accelerator_hour"]
        values = [float(rows.get(option, 0.0)) for option in options]
        if not any(v > 0 and math.isfinite(v) for v in values):
            continue
        axes.barh(options, values, left=[left[o] for o in options], color=colours[item],
                  edgecolor="white", linewidth=0.5,
                  label=ITEM_LABELS.get(item, item))
        for option, value in zip(options, values):
            left[option] += value if math.isfinite(value) else 0.0
    for option in options:
        totals[option] = left[option]
        axes.text(left[option], option, f"  ${left[option]:,.2f}", va="center", fontsize=9)
    axes.set_xlabel("cost per delivered accelerator-hour ($)")
    axes.set_xlim(0, max(totals.values(), default=1.0) * 1.18 or 1.0)
    axes.invert_yaxis()
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    axes.set_title(title or "Cost breakdown: orbit against the ground")
    return figure


def tornado_figure(rows: Sequence[TornadoEntry], *, base_value: float | None = None,
                   max_rows: int = 10, title: str | None = None) -> Figure:
    """Tornado of the Monte Carlo (largest rank correlation on top): per input, the median
    premium (orbit minus ground, $ per accelerator-hour) of the draws with the input in its
    lowest tenth (blue end) and highest tenth (red end), the input's range and its Spearman
    rank correlation with the orbit/ground ratio in the label; a dashed line at
    ``base_value`` (the median premium of all draws) and a green line at 0 (break-even)."""
    rows = list(rows)[:max_rows]
    figure = Figure(figsize=(9.0, 0.45 * max(len(rows), 3) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    if base_value is None and rows:
        base_value = (rows[0].premium_low_usd + rows[0].premium_high_usd) / 2.0
    labels = []
    for k, row in enumerate(rows):
        axes.barh(k, row.premium_low_usd - base_value, left=base_value, color="C0", height=0.6,
                  label="input in its lowest tenth" if k == 0 else None)
        axes.barh(k, row.premium_high_usd - base_value, left=base_value, color="C3",
                  height=0.6, label="input in its highest tenth" if k == 0 else None)
        unit = "" if row.unit in ("-", "fraction") else f" {row.unit}"
        labels.append(f"{row.label} ({_value_label(row.low, row.unit)}-"
                      f"{_value_label(row.high, row.unit)}{unit}), rho {row.rank_correlation:+.2f}")
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    axes.invert_yaxis()
    if base_value is not None:
        axes.axvline(base_value, color="black", linestyle="--", linewidth=1,
                     label=f"median of all draws: {base_value:,.2f}")
    ends = [base_value or 0.0] + [v for r in rows for v in (r.premium_low_usd,
                                                             r.premium_high_usd)]
    if min(ends) <= 0 <= max(ends):
        axes.axvline(0.0, color="green", linewidth=1.5, label="break-even (orbit = ground)")
    axes.set_xlabel("orbital cost minus ground cost, $ per accelerator-hour (median of draws)")
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    axes.set_title(title or "What moves the verdict (Monte Carlo draws)")
    return figure


def distribution_figure(mc: MonteCarlo, *, title: str | None = None) -> Figure:
    """Histograms of both costs per delivered accelerator-hour over the draws (log scale), with
    their 5 and 95 % points and the share of draws in which orbit is cheaper."""
    figure = Figure(figsize=(9.0, 3.8), layout="constrained")
    axes = figure.add_subplot()
    finite = [v[np.isfinite(v) & (v > 0)] for v in (mc.orbit_usd, mc.ground_usd)]
    values = np.concatenate(finite) if any(len(v) for v in finite) else np.array([1.0])
    bins = np.geomspace(values.min() * 0.95, values.max() * 1.05, 80)
    for (name, data), colour in zip((("orbit", finite[0]), ("ground", finite[1])), ("C3", "C0")):
        if not len(data):
            continue
        axes.hist(data, bins=bins, color=colour, alpha=0.6,
                  label=f"{name}: 5-95 % ${np.percentile(data, 5):,.2f}-"
                        f"${np.percentile(data, 95):,.2f}")
        for q in (5, 95):
            axes.axvline(np.percentile(data, q), color=colour, linestyle=":", linewidth=1)
    axes.set_xscale("log")
    axes.set_xlabel("cost per delivered accelerator-hour, $ (same utilisation, log scale)")
    axes.set_ylabel("draws")
    axes.legend(loc="upper right", fontsize=8,
                title=f"orbit cheaper in {100 * mc.p_orbit_cheaper:.1f} % of {mc.draws:,} draws",
                title_fontsize=8)
    axes.grid(alpha=0.3)
    axes.set_title(title or "Uncertainty: both costs over the inputs' ranges")
    return figure


def timeline_figure(trajectories: Mapping[str, TrajectoryResult], *,
                    title: str | None = None) -> Figure:
    """Orbital and ground cost by deployment year (log scale), one orbital line per launch
    trajectory, the crossover years marked. Costs are per hour of the first year's accelerator
    at equal BF16 throughput (a newer generation's hour counts as its throughput ratio of
    them), so that years with different accelerators compare."""
    figure = Figure(figsize=(9.0, 4.4), layout="constrained")
    axes = figure.add_subplot()
    ground_drawn = False
    for k, (name, t) in enumerate(trajectories.items()):
        colour = f"C{k + 1}"
        scale = np.asarray(t.throughput_ratio, dtype=float)
        axes.plot(t.years, np.asarray(t.orbit_usd) / scale, marker="o", markersize=3,
                  color=colour, label=f"orbit, {name} launch trajectory")
        if not ground_drawn:
            axes.plot(t.years, np.asarray(t.ground_usd) / scale, color="black", linewidth=2,
                      label="ground (same utilisation)")
            ground_drawn = True
        if t.crossover_year is not None:
            i = t.years.index(t.crossover_year)
            axes.plot([t.crossover_year], [t.orbit_usd[i] / scale[i]], marker="*",
                      markersize=14, color=colour)
    axes.set_yscale("log")
    axes.set_xlabel("deployment year")
    first = next(iter(trajectories.values()), None)
    unit = first.accelerators[0] if first is not None and first.accelerators else "accelerator"
    axes.set_ylabel(f"$ per delivered {unit}-equivalent hour (log)")
    axes.grid(alpha=0.3, which="both")
    axes.legend(fontsize=8)
    axes.set_title(title or "Timeline: cost by deployment year (star: crossover)")
    return figure


def _plain(text: str) -> str:
    """Text with its dollar signs escaped (matplotlib reads ``$...$`` as mathtext)."""
    return text.replace("$", r"\$")


def _money(value: float, unit: str) -> str:
    if unit == "usd":
        return f"${value / 1e6:,.1f}M" if abs(value) < 1e9 else f"${value / 1e9:,.2f}B"
    return f"${value:,.0f}/kW/yr"


def waterfall_figure(rep: Reproduction, *, title: str | None = None) -> Figure:
    """The bridge from a paper's figure (reproduced from its own assumptions) to orbitsim's:
    one floating bar per switched assumption from the total before to the total after (log
    scale: the steps span orders of magnitude), green when it lowers the total."""
    key = "orbit_usd" if rep.unit == "usd" else "usd_per_kw_year"
    start = rep.reproduced[key]
    steps = rep.bridge
    figure = Figure(figsize=(9.0, 0.42 * (len(steps) + 2) + 1.4), layout="constrained")
    axes = figure.add_subplot()
    labels = [f"reproduced from the paper's assumptions: {_money(start, rep.unit)}"]
    axes.barh(0, start, color="grey", height=0.6)
    before = start
    for k, step in enumerate(steps, start=1):
        after = step.total_after
        low, high = min(before, after), max(before, after)
        axes.barh(k, high - low, left=low, height=0.6, color="C2" if after < before else "C3")
        text = step.step if len(step.step) <= 95 else step.step[:92] + "..."
        labels.append(f"{text}: {'+' if step.delta >= 0 else '-'}"
                      f"{_money(abs(step.delta), rep.unit)}")
        before = after
    labels.append(f"orbitsim: {_money(before, rep.unit)}")
    axes.barh(len(steps) + 1, before, color="black", height=0.6)
    axes.set_yticks(range(len(labels)), [_plain(label) for label in labels], fontsize=7)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("$ (log scale)" if rep.unit == "usd" else "$ per kW-year (log scale)")
    axes.grid(axis="x", alpha=0.3, which="both")
    axes.set_title(title or f"{rep.name.capitalize()}: from the paper's figure to orbitsim's")
    return figure


def save_cost_breakdown_png(table: pd.DataFrame, path: str | Path, *, dpi: int = 120,
                            title: str | None = None) -> Path:
    """Write :func:`cost_breakdown_figure` to ``path`` (PNG, atomically)."""
    return _save(cost_breakdown_figure(table, title=title), path, dpi)


def save_tornado_png(rows: Sequence[TornadoEntry], path: str | Path, *,
                     base_value: float | None = None, dpi: int = 120,
                     title: str | None = None) -> Path:
    """Write :func:`tornado_figure` to ``path`` (PNG, atomically)."""
    return _save(tornado_figure(rows, base_value=base_value, title=title), path, dpi)


def save_waterfall_png(rep: Reproduction, path: str | Path, *, dpi: int = 120) -> Path:
    """Write :func:`waterfall_figure` to ``path`` (PNG, atomically)."""
    return _save(waterfall_figure(rep), path, dpi)
