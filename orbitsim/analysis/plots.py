"""Run plots as matplotlib figures: ground tracks, one node's state, contact Gantt, job latency,
throughput; and deterministic PNG bytes.

Every figure is a :class:`matplotlib.figure.Figure` on the Agg canvas (no pyplot, no global
backend or rcParams change). Inputs are plain arrays and DataFrames, times in seconds since the
run's start (plotted in hours). :func:`png_bytes` gives the same bytes for the same figure (no
software or date metadata), :func:`save_png` writes them atomically.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from orbitsim.constants import EARTH_RADIUS_KM
from orbitsim.io import atomic_path

#: PNG resolution of the report's plots, dots per inch.
DPI = 110
#: Metadata that would make two renderings of one figure differ (or name the software version).
_PNG_METADATA = {"Software": None, "CreationDate": None}
#: Points kept per latency curve (quantiles beyond it: the picture is the same, the PNG smaller).
MAX_CDF_POINTS = 4000
#: Bins of the utilisation panel (each at least one minute).
UTILISATION_BINS = 360
#: Stations coloured in the contact Gantt (the others are grey).
MAX_GANTT_STATIONS = 10
#: Station colours of the contact Gantt chart: tab10 without its grey (grey means "other
#: stations"), and one of tab20b for the tenth.
_GANTT_COLOURS = tuple([colormaps["tab10"](k) for k in range(10) if k != 7]
                       + [colormaps["tab20b"](0)])


# --- output -------------------------------------------------------------------------------------


def png_bytes(figure: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, identical for identical figures (no timestamp, no version)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata=_PNG_METADATA)
    return buffer.getvalue()


def save_png(figure: Figure, path: str | Path, dpi: int = DPI) -> Path:
    """Write :func:`png_bytes` of ``figure`` to ``path`` atomically."""
    data = png_bytes(figure, dpi)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _hours(seconds) -> np.ndarray:
    return np.asarray(seconds, dtype=float) / 3600.0


def message_figure(title: str, message: str, *, size: tuple[float, float] = (10.0, 2.2)) -> Figure:
    """A figure holding only a title and a sentence (a plot with nothing to show)."""
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.set_title(title, fontsize=12)
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, wrap=True,
              transform=axes.transAxes)
    return figure


# --- ground tracks ------------------------------------------------------------------------------


def break_at_antimeridian(lon_deg, lat_deg) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where a track jumps by more than 180° of longitude, so that a line plot does
    not cross the whole map; inputs ``(n,)`` degrees, outputs ``(n + jumps,)``."""
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    if lon.shape != lat.shape or lon.ndim != 1:
        raise ValueError("lon_deg and lat_deg must be 1-D arrays of the same length")
    jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
    return np.insert(lon, jumps, np.nan), np.insert(lat, jumps, np.nan)


def antimeridian_pieces(lon_deg, lat_deg) -> list[np.ndarray]:
    """A lon/lat polyline cut where it jumps by more than 180° of longitude: a list of
    ``(m, 2)`` arrays of (lon_deg, lat_deg) for a :class:`LineCollection`."""
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    cuts = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
    return [piece for piece in np.split(np.column_stack([lon, lat]), cuts) if len(piece) > 1]


def footprint_radius_deg(altitude_km: float, min_elevation_deg) -> np.ndarray:
    """Earth central angle from a station to the edge of its visibility at ``altitude_km`` and
    elevation mask ``min_elevation_deg``, degrees (spherical Earth):
    ``lambda = arccos(R cos(eps) / (R + h)) - eps`` (Wertz, SMAD, eq. 5-26)."""
    eps = np.radians(np.asarray(min_elevation_deg, dtype=float))
    ratio = EARTH_RADIUS_KM / (EARTH_RADIUS_KM + float(altitude_km))
    return np.degrees(np.arccos(ratio * np.cos(eps)) - eps)


def small_circle_deg(lat_deg, lon_deg, radius_deg, n_points: int = 181
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Points at angular distance ``radius_deg`` around each centre (spherical Earth, the
    great-circle destination formula); centres ``(n,)``, outputs ``(n, n_points)`` degrees with
    longitudes in [-180, 180)."""
    lat1 = np.radians(np.atleast_1d(np.asarray(lat_deg, dtype=float)))[:, None]
    lon1 = np.radians(np.atleast_1d(np.asarray(lon_deg, dtype=float)))[:, None]
    delta = np.radians(np.broadcast_to(np.asarray(radius_deg, dtype=float),
                                       lat1.shape[:1]))[:, None]
    bearing = np.linspace(0.0, 2.0 * np.pi, n_points)[None, :]
    lat2 = np.arcsin(np.sin(lat1) * np.cos(delta) + np.cos(lat1) * np.sin(delta) * np.cos(bearing))
    lon2 = lon1 + np.arctan2(np.sin(bearing) * np.sin(delta) * np.cos(lat1),
                             np.cos(delta) - np.sin(lat1) * np.sin(lat2))
    lon2 = (np.degrees(lon2) + 180.0) % 360.0 - 180.0
    return np.degrees(lat2), lon2


def _edges(centres: np.ndarray, low: float, high: float) -> np.ndarray:
    """Cell edges of a regular grid of ``centres``, clipped to ``[low, high]``."""
    half = (centres[1] - centres[0]) / 2.0 if len(centres) > 1 else (high - low) / 2.0
    return np.clip(np.append(centres - half, centres[-1] + half), low, high)


def ground_track_figure(lon_deg: np.ndarray, lat_deg: np.ndarray, names: Sequence[str], *,
                        station_lon_deg=(), station_lat_deg=(), station_footprint_deg=None,
                        coastlines: Sequence[tuple[np.ndarray, np.ndarray]] = (),
                        coverage: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                        coverage_label: str = "time covered (%)",
                        title: str = "Ground tracks and ground stations") -> Figure:
    """World map (equirectangular, degrees) of satellite ground tracks ``(n_shown, n_times)``
    with ground stations and, when ``station_footprint_deg`` (``(n_stations,)`` central angles)
    is given, each station's visibility footprint. ``coastlines`` are ``(lon_deg, lat_deg)``
    polylines drawn underneath; ``coverage`` = ``(lat_centres_deg (n_lat,), lon_centres_deg
    (n_lon,), value (n_lat, n_lon))`` on a regular grid is shaded beneath everything, with a
    colour bar titled ``coverage_label`` (0 to 100)."""
    lon_deg = np.atleast_2d(np.asarray(lon_deg, dtype=float))
    lat_deg = np.atleast_2d(np.asarray(lat_deg, dtype=float))
    if lon_deg.shape != lat_deg.shape or len(names) != lon_deg.shape[0]:
        raise ValueError("lon_deg and lat_deg must be (n_shown, n_times) with one name a row")
    # a colour bar narrows the map (fixed 2:1), so the figure needs less height
    figure = Figure(figsize=(11.0, 7.0 if coverage is None else 6.4), layout="constrained")
    axes = figure.add_subplot()
    if coverage is not None:
        cell_lat, cell_lon, value = (np.asarray(v, dtype=float) for v in coverage)
        lat_edges = _edges(cell_lat, -90.0, 90.0)
        lon_edges = _edges(cell_lon, -180.0, 180.0)
        mesh = axes.pcolormesh(lon_edges, lat_edges, value, cmap="Blues", vmin=0.0, vmax=100.0,
                               shading="flat", zorder=0, rasterized=True)
        bar = figure.colorbar(mesh, ax=axes, shrink=0.75, pad=0.01, aspect=25)
        bar.set_label(coverage_label)
    if len(coastlines):
        axes.add_collection(LineCollection(
            [np.column_stack([lon, lat]) for lon, lat in coastlines], colors="0.55",
            linewidths=0.6, zorder=1))
    station_lon = np.asarray(station_lon_deg, dtype=float)
    station_lat = np.asarray(station_lat_deg, dtype=float)
    handles = []
    if station_footprint_deg is not None and len(station_lon):
        circle_lat, circle_lon = small_circle_deg(station_lat, station_lon,
                                                  station_footprint_deg)
        axes.add_collection(LineCollection(
            [piece for lon, lat in zip(circle_lon, circle_lat)
             for piece in antimeridian_pieces(lon, lat)],
            colors="tab:green", linewidths=0.7, alpha=0.6, zorder=2))
        handles.append(Line2D([], [], color="tab:green", linewidth=0.9,
                              label="station visibility footprint"))
    palette = colormaps["tab10"]
    for k, name in enumerate(names):
        lon, lat = break_at_antimeridian(lon_deg[k], lat_deg[k])
        (line,) = axes.plot(lon, lat, color=palette(k % 10), linewidth=1.3, zorder=3,
                            label=str(name))
        handles.append(line)
        finite = np.flatnonzero(np.isfinite(lon_deg[k]) & np.isfinite(lat_deg[k]))
        if len(finite):
            axes.plot(lon_deg[k, finite[0]], lat_deg[k, finite[0]], marker="o", markersize=5,
                      color=palette(k % 10), zorder=4)
    if len(station_lon):
        (marks,) = axes.plot(station_lon, station_lat, linestyle="none", marker="^",
                             markersize=6, color="black", zorder=5,
                             label=f"ground station ({len(station_lon)})")
        handles.append(marks)
    axes.set_xlim(-180, 180)
    axes.set_ylim(-90, 90)
    axes.set_box_aspect(0.5)  # equal degrees on both axes, with room for the title
    axes.set_xticks(np.arange(-180, 181, 60))
    axes.set_yticks(np.arange(-90, 91, 30))
    axes.set_xlabel("longitude (°)")
    axes.set_ylabel("latitude (°)")
    axes.grid(alpha=0.25)
    axes.set_title(title, fontsize=12)
    figure.legend(handles=handles, loc="outside lower center",
                  ncol=min(4, max(1, len(handles))), fontsize=9, frameon=False)
    return figure


# --- one node over time -------------------------------------------------------------------------


def busy_profile(start_s, end_s, accelerators, horizon_s: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Busy accelerators over time from job intervals ``[start_s, end_s)`` each holding
    ``accelerators``: a step function as ``(time_s (m,), busy (m,))`` where ``busy[i]`` holds
    from ``time_s[i]`` to ``time_s[i + 1]`` (the last value up to ``horizon_s``)."""
    start = np.clip(np.asarray(start_s, dtype=float), 0.0, horizon_s)
    end = np.clip(np.asarray(end_s, dtype=float), 0.0, horizon_s)
    count = np.asarray(accelerators, dtype=float)
    if not (start.shape == end.shape == count.shape):
        raise ValueError("start_s, end_s and accelerators must have the same shape")
    times = np.concatenate([[0.0], start, end, [horizon_s]])
    steps = np.concatenate([[0.0], count, -count, [0.0]])
    order = np.argsort(times, kind="stable")
    times, steps = times[order], steps[order]
    unique, first = np.unique(times, return_index=True)
    busy = np.cumsum(steps)
    # value after every change at a time: the cumulative sum at the last entry of that time
    last = np.append(first[1:] - 1, len(times) - 1)
    return unique, np.maximum(busy[last], 0.0)


def bin_mean(time_s, values, edges_s) -> np.ndarray:
    """Exact mean of a step function over bins: ``values[i]`` holds from ``time_s[i]`` to
    ``time_s[i + 1]`` (the last one onwards); ``edges_s`` ``(n_bins + 1,)`` increasing, not
    before ``time_s[0]``. Returns ``(n_bins,)``."""
    time_s = np.asarray(time_s, dtype=float)
    values = np.asarray(values, dtype=float)
    edges_s = np.asarray(edges_s, dtype=float)
    area = np.concatenate([[0.0], np.cumsum(values[:-1] * np.diff(time_s))])
    index = np.clip(np.searchsorted(time_s, edges_s, side="right") - 1, 0, len(time_s) - 1)
    cumulative = area[index] + values[index] * (edges_s - time_s[index])
    return np.diff(cumulative) / np.diff(edges_s)


def node_state_figure(history: Mapping[str, np.ndarray] | None, busy_time_s: np.ndarray,
                      busy_fraction: np.ndarray, horizon_s: float, *, node_name: str,
                      soc_floor: float | None = None, temp_limit_k: float | None = None,
                      max_accelerator_power_w: float | None = None,
                      no_history: str = "no physics history recorded in this run") -> Figure:
    """Three stacked panels against hours since the start: battery state of charge (%),
    radiator temperature (K) and accelerator utilisation (%). ``history`` is
    :meth:`orbitsim.physics.node.NodePhysics.history` (``time_s``, ``soc``, ``temp_k``), or
    ``None`` / empty when the run kept no physics history (those panels then show
    ``no_history``);
    ``busy_time_s, busy_fraction`` is a step function (:func:`busy_profile` over the node's
    accelerators), drawn as its mean over up to :data:`UTILISATION_BINS` bins. With
    ``max_accelerator_power_w`` the history's ``accelerator_power_w`` (applied over the piece
    ending at each time) is drawn on the same panel as a percentage of it."""
    figure = Figure(figsize=(11.0, 7.6), layout="constrained")
    soc_axes, temp_axes, util_axes = figure.subplots(3, 1, sharex=True)
    horizon_h = horizon_s / 3600.0
    has_history = history is not None and len(history.get("time_s", ())) > 0
    if has_history:
        t_h = _hours(history["time_s"])
        soc_axes.plot(t_h, 100.0 * np.asarray(history["soc"]), color="tab:blue",
                      linewidth=1.4, label="state of charge")
        if soc_floor is not None:
            soc_axes.axhline(100.0 * soc_floor, color="tab:red", linestyle="--", linewidth=1,
                             label=f"floor ({100 * soc_floor:.0f} %)")
        soc_axes.legend(loc="lower right", fontsize=9)
        temp_axes.plot(t_h, np.asarray(history["temp_k"]), color="tab:orange", linewidth=1.4,
                       label="radiator temperature")
        if temp_limit_k is not None:
            temp_axes.axhline(temp_limit_k, color="tab:red", linestyle="--", linewidth=1,
                              label=f"limit ({temp_limit_k:.0f} K)")
        temp_axes.legend(loc="lower right", fontsize=9)
    else:
        for axes in (soc_axes, temp_axes):
            axes.text(0.5, 0.5, no_history, ha="center", va="center", transform=axes.transAxes,
                      fontsize=10, color="0.4")
        temp_axes.set_yticks([])
    soc_axes.set_ylim(-2, 102)
    soc_axes.set_ylabel("state of charge (%)")
    temp_axes.set_ylabel("temperature (K)")
    n_bins = int(min(UTILISATION_BINS, max(1, math.ceil(horizon_s / 60.0))))
    edges_s = np.linspace(0.0, horizon_s, n_bins + 1)
    mean = bin_mean(busy_time_s, busy_fraction, edges_s) if horizon_s > 0 else np.zeros(n_bins)
    bin_min = horizon_s / n_bins / 60.0
    util_axes.stairs(100.0 * mean, _hours(edges_s), color="tab:purple", linewidth=1.2,
                     fill=True, alpha=0.35)
    util_axes.stairs(100.0 * mean, _hours(edges_s), color="tab:purple", linewidth=1.2,
                     label="accelerators held by jobs")
    if has_history and max_accelerator_power_w and "accelerator_power_w" in history:
        util_axes.step(_hours(history["time_s"]),
                       100.0 * np.asarray(history["accelerator_power_w"]) / max_accelerator_power_w,
                       where="pre", color="black", linewidth=1.0,
                       label="accelerator power (% of maximum)")
        util_axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=2, fontsize=9,
                         frameon=False)
    util_axes.set_ylim(-2, 102)
    util_axes.set_ylabel(f"utilisation\n(%, {bin_min:.3g}-min mean)")
    util_axes.set_xlabel("time since start (h)")
    util_axes.set_xlim(0.0, horizon_h)
    for axes in (soc_axes, temp_axes, util_axes):
        axes.grid(alpha=0.3)
    figure.suptitle(f"Node {node_name}: battery, temperature and utilisation", fontsize=12)
    return figure


# --- contacts -----------------------------------------------------------------------------------


def contact_gantt_figure(contacts: pd.DataFrame, node_names: Sequence[str], horizon_s: float, *,
                         title: str = "Ground contacts") -> Figure:
    """Gantt chart of contact windows: one row per node of ``node_names`` (top to bottom), one
    bar per pass from ``start_s`` to ``end_s``, coloured by station (the stations with the most
    contact time get a colour, the others are grey; shorter passes are drawn over longer ones).
    ``contacts`` has columns ``satellite, station, start_s, end_s``."""
    rows = {str(name): k for k, name in enumerate(node_names)}
    shown = contacts[contacts["satellite"].isin(rows)]  # categorical: no string per row
    if isinstance(shown["satellite"].dtype, pd.CategoricalDtype):
        shown = shown.assign(satellite=shown["satellite"].astype(str),
                             station=shown["station"].astype(str))
    figure = Figure(figsize=(11.0, 0.42 * max(len(rows), 3) + 2.0), layout="constrained")
    axes = figure.add_subplot()
    duration = (shown["end_s"] - shown["start_s"]).groupby(shown["station"]).sum()
    ranked = sorted(duration.items(), key=lambda item: (-item[1], str(item[0])))
    colours = {station: _GANTT_COLOURS[k] for k, (station, _) in
               enumerate(ranked[:MAX_GANTT_STATIONS])}
    if len(shown):
        # long passes first, so that a short pass over another station stays visible on top
        shown = shown.assign(_length=shown["end_s"] - shown["start_s"]).sort_values(
            ["_length", "start_s"], ascending=[False, True], kind="stable")
        row = shown["satellite"].astype(str).map(rows).to_numpy(dtype=float)
        x0, x1 = _hours(shown["start_s"]), _hours(shown["end_s"])
        boxes = np.stack([np.column_stack([x0, row - 0.35]), np.column_stack([x1, row - 0.35]),
                          np.column_stack([x1, row + 0.35]), np.column_stack([x0, row + 0.35])],
                         axis=1)
        axes.add_collection(PolyCollection(
            boxes, facecolors=[colours.get(s, "0.6") for s in shown["station"]],
            edgecolors="none"))
    handles = [Patch(color=colours[station], label=str(station))
               for station, _ in ranked[:MAX_GANTT_STATIONS]]
    if len(ranked) > MAX_GANTT_STATIONS:
        handles.append(Patch(color="0.6", label=f"{len(ranked) - MAX_GANTT_STATIONS} "
                                                  "other stations"))
    axes.set_yticks(range(len(rows)), list(rows), fontsize=9)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_xlim(0.0, horizon_s / 3600.0)
    axes.set_xlabel("time since start (h)")
    axes.set_ylabel("node")
    axes.grid(axis="x", alpha=0.3)
    if handles:
        axes.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8,
                    frameon=False, title="station", title_fontsize=9)
    else:
        axes.text(0.5, 0.5, "no contact in this run", ha="center", va="center",
                  transform=axes.transAxes, fontsize=10, color="0.4")
    axes.set_title(title, fontsize=12)
    return figure


# --- jobs ---------------------------------------------------------------------------------------


def _format_s(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    if seconds == 0:
        return "0 s"
    if seconds < 1.0:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120.0:
        return f"{seconds:.3g} s"
    if seconds < 7200.0:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def latency_cdf_figure(latency_by_kind: Mapping[str, np.ndarray], *,
                       title: str = "Job latency (arrival on the ground to results delivered)"
                       ) -> Figure:
    """Empirical CDF of job latency per job kind, log-scaled seconds; ``latency_by_kind`` maps a
    kind to the latencies of its finished jobs, s. Curves of more than
    :data:`MAX_CDF_POINTS` jobs are drawn through as many evenly spaced quantiles."""
    figure = Figure(figsize=(11.0, 5.0), layout="constrained")
    axes = figure.add_subplot()
    drawn = 0
    for k, (kind, values) in enumerate(sorted(latency_by_kind.items())):
        values = np.asarray(values, dtype=float)
        values = np.sort(values[np.isfinite(values)])
        if not len(values):
            continue
        p50, p95 = np.percentile(values, [50, 95])
        if len(values) > MAX_CDF_POINTS:
            fraction = np.linspace(0.0, 1.0, MAX_CDF_POINTS)
            x = np.quantile(values, fraction)
        else:
            x = values
            fraction = np.arange(1, len(values) + 1) / len(values)
        axes.step(np.maximum(x, 1e-4), fraction, where="post", linewidth=1.6,
                  color=colormaps["tab10"](k % 10),
                  label=f"{kind}: {len(values):,} jobs, p50 {_format_s(p50)}, "
                        f"p95 {_format_s(p95)}")
        drawn += 1
    if drawn:
        axes.set_xscale("log")
        figure.legend(loc="outside lower center", ncol=min(drawn, 2), fontsize=9,
                      frameon=False)
    else:
        axes.text(0.5, 0.5, "no job finished in this run", ha="center", va="center",
                  transform=axes.transAxes, fontsize=10, color="0.4")
    axes.set_ylim(0.0, 1.02)
    axes.set_xlabel("latency (s, log scale)")
    axes.set_ylabel("fraction of finished jobs (-)")
    axes.grid(alpha=0.3, which="both")
    axes.set_title(title, fontsize=12)
    return figure


def throughput_by_kind_figure(accelerator_hours: Mapping[str, float],
                              jobs_done: Mapping[str, int], *,
                              title: str = "Delivered accelerator-hours per job kind") -> Figure:
    """Horizontal bars of delivered accelerator-hours per job kind, labelled with the number of
    finished jobs."""
    kinds = sorted(accelerator_hours)
    figure = Figure(figsize=(11.0, 0.55 * max(len(kinds), 2) + 1.8), layout="constrained")
    axes = figure.add_subplot()
    values = [float(accelerator_hours[kind]) for kind in kinds]
    axes.barh(kinds, values, color="tab:blue", height=0.6)
    top = max(values, default=0.0)
    for kind, value in zip(kinds, values):
        axes.text(value, kind, f"  {value:,.0f} h ({jobs_done.get(kind, 0):,} jobs)",
                  va="center", fontsize=9)
    axes.set_xlim(0.0, top * 1.3 if top > 0 else 1.0)
    axes.invert_yaxis()
    axes.set_xlabel("delivered accelerator-hours (h)")
    axes.set_ylabel("job kind")
    axes.grid(axis="x", alpha=0.3)
    axes.set_title(title, fontsize=12)
    return figure


def throughput_by_policy_figure(accelerator_hours_per_hour: Mapping[str, float],
                                jobs_done_per_hour: Mapping[str, float], *,
                                title: str = "Throughput per scheduling policy") -> Figure:
    """Two bar panels per policy: delivered accelerator-hours per hour of simulated time and
    finished jobs per hour."""
    policies = list(accelerator_hours_per_hour)
    figure = Figure(figsize=(11.0, 0.5 * max(len(policies), 2) + 2.0), layout="constrained")
    left, right = figure.subplots(1, 2, sharey=True)
    for axes, data, label, colour in (
            (left, accelerator_hours_per_hour, "delivered accelerator-hours per hour (h/h)",
             "tab:blue"),
            (right, jobs_done_per_hour, "finished jobs per hour (1/h)", "tab:green")):
        values = [float(data.get(policy, 0.0)) for policy in policies]
        axes.barh(policies, values, color=colour, height=0.6)
        top = max(values, default=0.0)
        for policy, value in zip(policies, values):
            axes.text(value, policy, f" {value:,.1f}", va="center", fontsize=9)
        axes.set_xlim(0.0, top * 1.25 if top > 0 else 1.0)
        axes.set_xlabel(label)
        axes.grid(axis="x", alpha=0.3)
    left.invert_yaxis()
    left.set_ylabel("policy")
    figure.suptitle(title, fontsize=12)
    return figure


__all__ = [
    "DPI", "antimeridian_pieces", "bin_mean", "break_at_antimeridian", "busy_profile",
    "contact_gantt_figure",
    "footprint_radius_deg", "ground_track_figure", "latency_cdf_figure", "message_figure",
    "node_state_figure", "png_bytes", "save_png", "small_circle_deg",
    "throughput_by_kind_figure", "throughput_by_policy_figure",
]
