"""World maps: coverage as a PNG (matplotlib) and as interactive HTML (plotly), with the
Natural Earth 1:110m coastlines shipped in the package. Nothing is fetched from the network:
plotly's own geo base layers (which download topojson) are never used; the coastlines are a
line trace and plotly.js is embedded in the page.

The interactive map (:func:`interactive_map_figure`) has one layer per coverage field (time
covered, mean satellites in view, longest gap; a menu switches between them), the ground
stations, ground tracks, and the satellites moving over the window: one plotly frame per
snapshot (:mod:`orbitsim.geometry.snapshots`), with a time slider and play/pause buttons.
Pages are deterministic: a fixed ``div`` id, no timestamp."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np

from orbitsim.geometry.coverage import CoverageResult
from orbitsim.geometry.snapshots import Snapshots
from orbitsim.io import atomic_path, write_text_atomic

FIELDS = {
    "covered_fraction": ("time covered", "%", 100.0),
    "mean_in_view": ("mean satellites in view", "satellites", 1.0),
    "longest_gap_s": ("longest gap", "min", 1.0 / 60.0),
}


@functools.lru_cache(maxsize=1)
def coastlines() -> list[np.ndarray]:
    """Natural Earth 1:110m coastlines (public domain) as ``(n, 2)`` lon/lat arrays, degrees."""
    with resources.files("orbitsim.data").joinpath("coastlines_110m.npz").open("rb") as handle:
        data = np.load(handle)
        lon = data["lon_cdeg"].astype(float) / 100.0
        lat = data["lat_cdeg"].astype(float) / 100.0
        offsets = data["offsets"]
    return [np.column_stack([lon[a:b], lat[a:b]]) for a, b in zip(offsets[:-1], offsets[1:])]


def _title(result: CoverageResult, label: str) -> str:
    return (f"{result.constellation}: {label} above {result.min_elevation_deg:g}° elevation, "
            f"{result.start_utc} + {result.hours:g} h")


def coverage_figure(result: CoverageResult, field: str = "covered_fraction"):
    """A matplotlib Figure of one coverage field on an equirectangular world map."""
    from matplotlib.figure import Figure

    label, unit, scale = FIELDS[field]
    values = getattr(result, field) * scale
    figure = Figure(figsize=(11, 5.6), layout="constrained")
    axes = figure.add_subplot()
    half = result.cell_deg / 2.0
    lon_edges = np.append(result.lon_deg - half, result.lon_deg[-1] + half)
    lat_edges = np.append(result.lat_deg - half, result.lat_deg[-1] + half)
    cmap = "viridis" if field != "longest_gap_s" else "magma_r"
    mesh = axes.pcolormesh(lon_edges, lat_edges, values, cmap=cmap, shading="flat",
                           vmin=0.0, vmax=100.0 if field == "covered_fraction" else None)
    for line in coastlines():
        axes.plot(line[:, 0], line[:, 1], color="white", linewidth=0.6)
        axes.plot(line[:, 0], line[:, 1], color="black", linewidth=0.3)
    axes.set_xlim(-180, 180)
    axes.set_ylim(-90, 90)
    axes.set_aspect("equal")
    axes.set_xticks(range(-180, 181, 60))
    axes.set_yticks(range(-90, 91, 30))
    axes.set_xlabel("longitude [°]")
    axes.set_ylabel("latitude [°]")
    axes.set_title(_title(result, label), fontsize=11)
    bar = figure.colorbar(mesh, ax=axes, shrink=0.85, pad=0.01)
    bar.set_label(f"{label} [{unit}]")
    return figure


def save_coverage_png(result: CoverageResult, path: str | Path,
                      field: str = "covered_fraction") -> Path:
    figure = coverage_figure(result, field)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    return Path(path)


def coverage_plotly_figure(result: CoverageResult, field: str = "covered_fraction"):
    """A plotly Figure: a heatmap on plain lon/lat axes and the coastlines as a line trace
    (no geo, map or tile trace, so nothing is ever fetched)."""
    import plotly.graph_objects as go

    label, unit, scale = FIELDS[field]
    figure = go.Figure()
    figure.add_trace(go.Heatmap(
        x=result.lon_deg, y=result.lat_deg, z=getattr(result, field) * scale,
        colorscale="Viridis", zmin=0, zmax=100 if field == "covered_fraction" else None,
        colorbar={"title": {"text": f"{label} [{unit}]"}},
        hovertemplate="lat %{y:.1f}°, lon %{x:.1f}°<br>" + label + " %{z:.3g} " + unit
        + "<extra></extra>"))
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in coastlines():
        xs.extend(line[:, 0].tolist() + [None])
        ys.extend(line[:, 1].tolist() + [None])
    figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "black", "width": 1},
                                hoverinfo="skip", showlegend=False, name="coastlines"))
    figure.update_layout(
        title=_title(result, label), width=1100, height=620,
        xaxis={"title": "longitude [°]", "range": [-180, 180], "dtick": 60},
        yaxis={"title": "latitude [°]", "range": [-90, 90], "dtick": 30, "scaleanchor": "x"},
        plot_bgcolor="white", margin={"l": 60, "r": 20, "t": 60, "b": 50})
    return figure


#: Colour scales of the coverage layers.
COLOURSCALES = {"covered_fraction": "Viridis", "mean_in_view": "Cividis",
                "longest_gap_s": "Magma_r"}
#: Decimal places of animated positions in a page (0.01° is about a kilometre).
FRAME_DECIMALS = 2


def _coastline_xy() -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in coastlines():
        xs.extend(line[:, 0].tolist() + [None])
        ys.extend(line[:, 1].tolist() + [None])
    return xs, ys


def _broken(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[list, list]:
    """Tracks ``(n, m)`` as one line list for plotly: None between tracks, at NaN and where a
    track jumps across ±180°."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for lon, lat in zip(np.atleast_2d(lon_deg), np.atleast_2d(lat_deg)):
        jump = np.abs(np.diff(lon)) > 180.0
        for k in range(len(lon)):
            if k and jump[k - 1]:
                xs.append(None)
                ys.append(None)
            finite = np.isfinite(lon[k]) and np.isfinite(lat[k])
            xs.append(round(float(lon[k]), 3) if finite else None)
            ys.append(round(float(lat[k]), 3) if finite else None)
        xs.append(None)
        ys.append(None)
    return xs, ys


def interactive_map_figure(result: CoverageResult | None = None, *, stations=None,
                           track_lon_deg: np.ndarray | None = None,
                           track_lat_deg: np.ndarray | None = None,
                           track_names: list[str] | None = None,
                           snapshots: Snapshots | None = None,
                           states: np.ndarray | None = None,
                           state_names: dict[int, str] | None = None,
                           state_rgba: dict[int, tuple] | None = None,
                           title: str | None = None, height: int = 640):
    """The interactive world map (module docstring) as a plotly Figure, on plain lon/lat axes.

    ``result``: coverage layers (a menu picks one). ``stations``: a
    :class:`~orbitsim.model.ground.GroundNetwork`. ``track_*``: ground tracks ``(n, m)``.
    ``snapshots``: the satellites at successive instants, one animation frame each;
    ``states`` ``(n_satellites, n_instants)`` codes colour them (``state_names`` and
    ``state_rgba`` give each code's legend and colour), else they are drawn in one colour.
    """
    import plotly.graph_objects as go

    figure = go.Figure()
    layers = []
    if result is not None:
        for k, (field, (label, unit, scale)) in enumerate(FIELDS.items()):
            values = getattr(result, field) * scale
            figure.add_trace(go.Heatmap(
                x=result.lon_deg, y=result.lat_deg, z=values.astype(np.float32),
                colorscale=COLOURSCALES[field], visible=k == 0, name=label,
                zmin=0 if field != "mean_in_view" else None,
                zmax=100 if field == "covered_fraction" else None,
                colorbar={"title": {"text": f"{label} [{unit}]"}, "len": 0.6, "y": 1.0,
                          "yanchor": "top"},
                hovertemplate="lat %{y:.1f}°, lon %{x:.1f}°<br>" + label + " %{z:.3g} " + unit
                + "<extra></extra>"))
            layers.append(label)
    xs, ys = _coastline_xy()
    figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "black", "width": 1},
                                hoverinfo="skip", showlegend=False, name="coastlines"))
    if track_lon_deg is not None and track_lat_deg is not None and len(track_lon_deg):
        tx, ty = _broken(np.asarray(track_lon_deg), np.asarray(track_lat_deg))
        shown = ", ".join(track_names or [])
        name = f"ground tracks ({shown})" if 0 < len(shown) <= 40 else "ground tracks"
        figure.add_trace(go.Scatter(x=tx, y=ty, mode="lines", name=name,
                                    line={"color": "rgba(255,255,255,0.9)", "width": 1.5},
                                    hoverinfo="skip"))
    if stations is not None and len(stations):
        figure.add_trace(go.Scatter(
            x=np.asarray(stations.lon_deg), y=np.asarray(stations.lat_deg), mode="markers",
            name=f"ground stations ({stations.name})", text=list(stations.names),
            marker={"symbol": "triangle-up", "size": 10, "color": "#1b7f3b",
                    "line": {"color": "white", "width": 1}},
            hovertemplate="%{text}<br>lat %{y:.2f}°, lon %{x:.2f}°<extra></extra>"))
    frames = []
    if snapshots is not None and len(snapshots.grid):
        start = len(figure.data)
        codes = sorted(state_names) if states is not None and state_names else [None]
        labels = snapshots.grid.iso(snapshots.grid.seconds)

        def points(k: int, code, names: bool = True) -> dict:
            """Frame ``k`` of the satellites in state ``code``; a failed position is NaN (not
            drawn), so that without states every frame lists the same satellites and the
            names need not be repeated."""
            lon = snapshots.lon_deg[:, k]
            lat = snapshots.lat_deg[:, k]
            mask = np.ones(len(lon), dtype=bool) if code is None else states[:, k] == code
            out = {"x": np.round(lon[mask], FRAME_DECIMALS).astype(np.float32),
                   "y": np.round(lat[mask], FRAME_DECIMALS).astype(np.float32)}
            if names:
                out["text"] = [snapshots.names[i] for i in np.flatnonzero(mask).tolist()]
            return out

        n_shown = len(snapshots.sat_index)
        size = 8 if n_shown <= 100 else 6 if n_shown <= 500 else 4
        for code in codes:
            name = "satellites" if code is None else state_names[code]
            rgba = (255, 215, 0, 255) if code is None else state_rgba[code]
            colour = f"rgba({rgba[0]},{rgba[1]},{rgba[2]},{rgba[3] / 255:.2f})"
            figure.add_trace(go.Scatter(
                **points(0, code), mode="markers", name=name,
                marker={"size": size, "color": colour,
                        "line": {"color": "black", "width": 0.5}},
                hovertemplate="%{text}<br>lat %{y:.2f}°, lon %{x:.2f}°<extra></extra>"))
        traces = list(range(start, start + len(codes)))
        for k, label in enumerate(labels.tolist()):
            frames.append(go.Frame(name=label, traces=traces, data=[
                go.Scatter(**points(k, code, names=code is not None)) for code in codes]))
        figure.frames = frames
    n_layers = len(layers)
    menus = []
    if n_layers:
        buttons = []
        for k, label in enumerate(layers):
            visible = [j == k for j in range(n_layers)] + [True] * (len(figure.data) - n_layers)
            buttons.append({"label": label, "method": "restyle", "args": [{"visible": visible}]})
        menus.append({"type": "buttons", "direction": "right", "buttons": buttons,
                      "x": 0.0, "xanchor": "left", "y": 1.01, "yanchor": "bottom",
                      "showactive": True, "pad": {"r": 4, "t": 0}})
    sliders = []
    if frames:
        every = max(1, len(frames) // 12)  # about a dozen time labels under the slider
        play = {"frame": {"duration": 150, "redraw": False}, "fromcurrent": True,
                "transition": {"duration": 0}, "mode": "immediate"}
        pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                 "transition": {"duration": 0}}
        menus.append({"type": "buttons", "direction": "left", "showactive": False,
                      "x": 0.0, "xanchor": "right", "y": -0.08, "yanchor": "top",
                      "pad": {"r": 10, "t": 30},
                      "buttons": [{"label": "▶ play", "method": "animate", "args": [None, play]},
                                  {"label": "❚❚ pause", "method": "animate",
                                   "args": [[None], pause]}]})
        sliders.append({"active": 0, "x": 0.0, "len": 1.0, "y": -0.08, "yanchor": "top",
                        "pad": {"t": 30}, "currentvalue": {"prefix": "UTC "},
                        "steps": [{"label": f.name[11:16] if k % every == 0 else "",
                                   "method": "animate", "args": [[f.name], pause]}
                                  for k, f in enumerate(frames)]})
    figure.update_layout(
        title={"text": title or "", "y": 0.98}, height=height,
        xaxis={"title": "longitude [°]", "range": [-180, 180], "dtick": 60,
               "constrain": "domain"},
        yaxis={"title": "latitude [°]", "range": [-90, 90], "dtick": 30, "scaleanchor": "x"},
        plot_bgcolor="#dfe6ee", margin={"l": 60, "r": 20, "t": 90, "b": 130},
        legend={"x": 1.02, "xanchor": "left", "y": 0.38, "yanchor": "top"},
        updatemenus=menus, sliders=sliders)
    return figure


def figure_html(figure, *, div_id: str, full_html: bool = True) -> str:
    """A figure as HTML with plotly.js embedded (no ``<script src>``, nothing fetched), the
    same bytes for the same figure (a fixed ``div_id``), not playing until asked."""
    return figure.to_html(include_plotlyjs=True, full_html=full_html, div_id=div_id,
                          auto_play=False, config={"displaylogo": False, "responsive": True})


def page_figures(text: str) -> dict[str, dict]:
    """The plotly figures of a page written by :func:`figure_html`, read back from its
    scripts: ``{div_id: {"data": [...], "layout": {...}, "frames": [...]}}`` (numeric arrays
    as plotly's ``{"dtype", "bdata"}`` objects)."""
    import json
    import re

    decoder = json.JSONDecoder()
    figures: dict[str, dict] = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', text):
        data, end = decoder.raw_decode(text, match.end())
        layout, _ = decoder.raw_decode(text, re.compile(r",\s*").match(text, end).end())
        figures[match.group(1)] = {"data": data, "layout": layout, "frames": []}
    for match in re.finditer(r"Plotly\.addFrames\('([^']+)',\s*", text):
        frames, _ = decoder.raw_decode(text, match.end())
        figures.setdefault(match.group(1), {"data": [], "layout": {}, "frames": []})
        figures[match.group(1)]["frames"] = frames
    return figures


def coverage_html(result: CoverageResult, field: str = "covered_fraction", *, stations=None,
                  track_lon_deg: np.ndarray | None = None,
                  track_lat_deg: np.ndarray | None = None, track_names: list[str] | None = None,
                  snapshots: Snapshots | None = None) -> str:
    """A self-contained interactive page of :func:`interactive_map_figure`: plotly.js
    embedded, no base layers, no network. ``field`` is the layer shown first."""
    figure = interactive_map_figure(
        result, stations=stations, track_lon_deg=track_lon_deg, track_lat_deg=track_lat_deg,
        track_names=track_names, snapshots=snapshots,
        title=_title(result, "coverage") + (
            f"; {len(snapshots.sat_index):,} satellites animated" if snapshots is not None
            else ""))
    first = list(FIELDS).index(field)
    for k in range(len(FIELDS)):
        figure.data[k].visible = k == first
    return figure_html(figure, div_id="orbitsim-coverage-map")


def save_coverage_html(result: CoverageResult, path: str | Path,
                       field: str = "covered_fraction", **extras) -> Path:
    """Write :func:`coverage_html` atomically (``extras``: its keyword arguments)."""
    return write_text_atomic(path, coverage_html(result, field, **extras))


def ground_track_figure(lon_deg: np.ndarray, lat_deg: np.ndarray, names: list[str], title: str):
    """A matplotlib Figure of ground tracks ``(n_sats, n_times)`` over the shipped coastlines;
    each track is broken where it crosses ±180° (no streak across the map)."""
    from orbitsim.analysis import plots

    lines = [(line[:, 0], line[:, 1]) for line in coastlines()]
    return plots.ground_track_figure(np.asarray(lon_deg), np.asarray(lat_deg), list(names),
                                     coastlines=lines, title=title)


def save_ground_track_png(lon_deg: np.ndarray, lat_deg: np.ndarray, names: list[str],
                          path: str | Path, title: str) -> Path:
    """Write :func:`ground_track_figure` as a PNG, atomically."""
    figure = ground_track_figure(lon_deg, lat_deg, names, title)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    return Path(path)
