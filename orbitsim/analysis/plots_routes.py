"""Route plots: round-trip time and hop count over time between two ground points (the
Hypatia-style RTT plot), from the table of :func:`orbitsim.geometry.routing.routes`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` indices of each run of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), (edges[1::2] - 1).tolist()))


def rtt_figure(table: pd.DataFrame, *, title: str,
               straight_line_rtt_ms: float | None = None) -> Figure:
    """RTT (ms) above and hops below, against time since the start (minutes up to 3 h, else
    hours); steps without a path are shaded. ``table`` has ``time_s, rtt_ms, hops,
    path_exists``; ``straight_line_rtt_ms`` draws the light time of the straight line."""
    seconds = table["time_s"].to_numpy(dtype=float)
    in_hours = len(seconds) and seconds[-1] > 3 * 3600.0
    x = seconds / (3600.0 if in_hours else 60.0)
    unit = "h" if in_hours else "min"
    rtt = table["rtt_ms"].to_numpy(dtype=float)
    hops = table["hops"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    missing = ~table["path_exists"].to_numpy(dtype=bool)
    figure = Figure(figsize=(10.0, 5.6), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(2.2, 1.0))
    top.plot(x, rtt, color="tab:blue", linewidth=1.4, marker="." if len(x) <= 200 else None,
             label="RTT over the laser mesh")
    if straight_line_rtt_ms is not None:
        top.axhline(straight_line_rtt_ms, color="0.35", linestyle="--", linewidth=1.0,
                    label=f"straight line at c (lower bound): {straight_line_rtt_ms:.1f} ms")
    bottom.step(x, hops, where="mid", color="tab:orange", linewidth=1.4)
    step = float(np.median(np.diff(x))) if len(x) > 1 else 1.0
    for k, (first, last) in enumerate(_runs(missing)):
        for axes in (top, bottom):
            axes.axvspan(x[first] - step / 2, x[last] + step / 2, color="tab:red", alpha=0.12,
                         linewidth=0, label="no path" if k == 0 and axes is top else None)
    if np.isfinite(rtt).any():
        low = np.nanmin(rtt)
        if straight_line_rtt_ms is not None:
            low = min(low, straight_line_rtt_ms)
        top.set_ylim(0.9 * low, 1.05 * np.nanmax(rtt))
    else:
        top.text(0.5, 0.5, "no path at any step", ha="center", va="center",
                 transform=top.transAxes, fontsize=11, color="0.4")
    top.set_ylabel("round-trip time (ms)")
    top.legend(loc="upper right", fontsize=9, frameon=False)
    top.grid(alpha=0.3)
    top.set_title(title, fontsize=12)
    bottom.set_ylabel("hops")
    bottom.set_xlabel(f"time since start ({unit})")
    bottom.grid(alpha=0.3)
    bottom.yaxis.get_major_locator().set_params(integer=True)
    return figure
