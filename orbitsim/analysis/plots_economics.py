"""Economics charts as PNG: the cost breakdown of both options and the tornado of the verdict.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly (no pyplot,
no global backend change) and written atomically.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from orbitsim.analysis.economics import ITEM_LABELS, TornadoRow
from orbitsim.io import atomic_path

#: Axis titles of the tornado metrics (:func:`orbitsim.analysis.economics.evaluate`).
METRIC_TITLES = {
    "premium": "orbital cost minus ground cost, $ per accelerator-hour",
    "orbit": "orbital cost, $ per accelerator-hour",
    "ground": "ground cost, $ per accelerator-hour",
    "ratio": "orbital cost / ground cost (-)",
}


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
    item; ``table`` is :func:`orbitsim.analysis.economics.economics_table`."""
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


def tornado_figure(rows: Sequence[TornadoRow], *, base_value: float | None = None,
                   metric: str = "premium", max_rows: int = 10,
                   title: str | None = None) -> Figure:
    """Tornado chart of :func:`orbitsim.analysis.economics.tornado` rows (largest swing on top):
    one bar per parameter from the metric at its low value to the metric at its high value, with
    the parameter's range in the label; a dashed line at ``base_value`` and, for the premium, a
    solid line at 0 where orbit and ground cost the same."""
    rows = list(rows)[:max_rows]
    figure = Figure(figsize=(9.0, 0.45 * max(len(rows), 3) + 1.6), layout="constrained")
    axes = figure.add_subplot()
    if base_value is None and rows:
        base_value = (rows[0].cost_low + rows[0].cost_high) / 2.0
    labels = []
    for k, row in enumerate(rows):
        low_cost, high_cost = row.cost_low, row.cost_high
        axes.barh(k, low_cost - base_value, left=base_value, color="C0", height=0.6,
                  label="parameter low" if k == 0 else None)
        axes.barh(k, high_cost - base_value, left=base_value, color="C3", height=0.6,
                  label="parameter high" if k == 0 else None)
        unit = "" if row.unit in ("-", "fraction") else f" {row.unit}"
        labels.append(f"{row.label}: {_value_label(row.low_value, row.unit)} / "
                      f"{_value_label(row.high_value, row.unit)}{unit}")
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    axes.invert_yaxis()
    if base_value is not None:
        axes.axvline(base_value, color="black", linestyle="--", linewidth=1,
                     label=f"base: {base_value:,.2f}")
    if metric == "premium":
        low = min([base_value or 0.0] + [min(r.cost_low, r.cost_high) for r in rows])
        high = max([base_value or 0.0] + [max(r.cost_low, r.cost_high) for r in rows])
        if low <= 0 <= high:
            axes.axvline(0.0, color="green", linewidth=1.5, label="break-even (orbit = ground)")
    axes.set_xlabel(METRIC_TITLES.get(metric, metric))
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    axes.set_title(title or "Sensitivity of the verdict (each parameter low / high)")
    return figure


def save_cost_breakdown_png(table: pd.DataFrame, path: str | Path, *, dpi: int = 120,
                            title: str | None = None) -> Path:
    """Write :func:`cost_breakdown_figure` to ``path`` (PNG, atomically)."""
    return _save(cost_breakdown_figure(table, title=title), path, dpi)


def save_tornado_png(rows: Sequence[TornadoRow], path: str | Path, *,
                     base_value: float | None = None, metric: str = "premium", dpi: int = 120,
                     title: str | None = None) -> Path:
    """Write :func:`tornado_figure` to ``path`` (PNG, atomically)."""
    return _save(tornado_figure(rows, base_value=base_value, metric=metric, title=title), path,
                 dpi)
