"""World maps: coverage as a PNG (matplotlib) and as interactive HTML (plotly), with the
Natural Earth 1:110m coastlines shipped in the package. Nothing is fetched from the network:
plotly's own geo base layers (which download topojson) are never used; the coastlines are a
line trace and plotly.js is embedded in the page."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import numpy as np

from orbitsim.geometry.coverage import CoverageResult
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


def coverage_html(result: CoverageResult, field: str = "covered_fraction") -> str:
    """A self-contained interactive page: plotly.js embedded, no base layers, no network."""
    figure = coverage_plotly_figure(result, field)
    return figure.to_html(include_plotlyjs=True, full_html=True,
                          config={"displaylogo": False})


def save_coverage_html(result: CoverageResult, path: str | Path,
                       field: str = "covered_fraction") -> Path:
    return write_text_atomic(path, coverage_html(result, field))


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
