"""``orbitsim coverage``: how much of the Earth a constellation covers, as CSV and maps."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from orbitsim.commands.options import (
    DEFAULT_MAX_EPOCH_AGE_DAYS,
    DEFAULT_START,
    AsJson,
    Hours,
    MaxEpochAge,
    Start,
    Step,
    Workers,
    check_suffix,
    orbit_warnings,
    print_json,
    show_progress,
)
from orbitsim.errors import InputError

#: Satellites whose ground tracks the HTML map draws when --track is not given, over at most
#: this many orbits.
HTML_TRACKS = 2
HTML_TRACK_ORBITS = 2.0


def coverage(
    constellation: Annotated[str, typer.Argument(
        help="Built-in name (see `orbitsim list`), TOML, TLE/3LE or OMM file.")],
    start: Start = DEFAULT_START,
    hours: Hours = 24.0,
    step: Step = 60.0,
    min_elevation: Annotated[float, typer.Option("--min-elevation", min=0.0, max=89.0,
                                                 help="Elevation mask, degrees.")] = 25.0,
    cell_deg: Annotated[float, typer.Option("--cell-deg", help="Grid cell size, degrees "
                                            "(must divide 180).")] = 2.0,
    workers: Workers = 1,
    png: Annotated[Path | None, typer.Option("--png", help="World map PNG.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Interactive map (offline).")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Per-cell CSV.")] = None,
    track: Annotated[str | None, typer.Option("--track", help="Satellites (names or indices, "
                                              "comma-separated) whose ground tracks "
                                              "--track-png and --html draw.")] = None,
    track_png: Annotated[Path | None, typer.Option("--track-png", help="Ground-track PNG "
                                                   "(with --track).")] = None,
    max_epoch_age_days: MaxEpochAge = DEFAULT_MAX_EPOCH_AGE_DAYS,
    stations: Annotated[str | None, typer.Option(
        "--stations", help="Ground network drawn on the HTML map: built-in name, TOML or "
        "CSV.")] = None,
    as_json: AsJson = False,
) -> None:
    """Per lat/lon cell: fraction of time covered, mean satellites in view, longest gap.

    The HTML map has a layer per field, the --stations, ground tracks (the --track
    satellites, else two) and the satellites moving over the window (time slider, play).

    Example: orbitsim coverage starlink-shell1 --hours 24 --png cov.png --html cov.html
    """
    from orbitsim.analysis import maps
    from orbitsim.geometry.coverage import cell_centres
    from orbitsim.geometry.coverage import coverage as compute
    from orbitsim.geometry.propagate import propagate
    from orbitsim.geometry.snapshots import snapshots, spread_indices
    from orbitsim.io import write_csv_atomic
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.ground import load_ground_network
    from orbitsim.model.timegrid import time_grid

    for path, suffixes, option in ((png, (".png",), "--png"),
                                   (html, (".html", ".htm"), "--html"), (csv, (".csv",), "--csv"),
                                   (track_png, (".png",), "--track-png")):
        check_suffix(path, suffixes, option)
    if track and not (track_png or html):
        raise InputError("--track needs --track-png FILE (or --html FILE, which draws the "
                         "tracks too)", field="track")
    try:
        cell_centres(cell_deg)
    except ValueError as exc:
        raise InputError(str(exc), field="cell-deg") from None
    console = Console(highlight=False)
    began = time.perf_counter()
    sats = load_constellation(constellation)
    network = load_ground_network(stations) if stations else None
    grid = time_grid(start, hours, step)
    failures: list = []
    with Progress(TextColumn("[bold]coverage"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,} satellites"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not show_progress(console, as_json)) as bar:
        task = bar.add_task("coverage", total=len(sats))
        result = compute(sats, grid, min_elevation_deg=min_elevation, cell_deg=cell_deg,
                         workers=workers, failures=failures,
                         progress=lambda done, total: bar.update(task, completed=done))
    errors, _ = orbit_warnings(sats, grid, failures, max_epoch_age_days)
    written = []
    if csv:
        written.append(write_csv_atomic(csv, result.to_frame()))
    if png:
        written.append(maps.save_coverage_png(result, png))
    index = []
    names = list(sats.names)
    if track:
        wanted = [t.strip() for t in track.split(",") if t.strip()]
        for item in wanted:
            if item in names:
                index.append(names.index(item))
            elif item.isdigit() and int(item) < len(sats):
                index.append(int(item))
            else:
                raise InputError(f"no satellite named or numbered {item!r}", field="track")
    if html:
        shown = sorted(set(index)) or spread_indices(len(sats), HTML_TRACKS).tolist()
        orbit_h = float(np.nanmedian(sats.subset(shown).mean_period_min())) / 60.0
        track_grid = time_grid(grid.start_utc, min(grid.duration_s / 3600.0,
                                                   HTML_TRACK_ORBITS * orbit_h),
                               min(grid.step_s, 60.0))
        tracks = propagate(sats.subset(shown), track_grid)
        written.append(maps.save_coverage_html(
            result, html, stations=network, track_lon_deg=tracks.lon_deg,
            track_lat_deg=tracks.lat_deg, track_names=[names[i] for i in shown],
            snapshots=snapshots(sats, grid)))
    if track and track_png:
        geo = propagate(sats.subset(index), grid)
        written.append(maps.save_ground_track_png(
            geo.lon_deg, geo.lat_deg, [names[i] for i in sorted(set(index))], track_png,
            f"{sats.name}: ground tracks, {grid.start_utc:%Y-%m-%d %H:%M} UTC + {hours:g} h"))
    frac = result.covered_fraction
    weights = np.cos(np.radians(result.lat_deg))[:, None] * np.ones_like(frac)

    def area(values) -> float:
        return float(np.sum(weights * values) / weights.sum())

    worst = np.unravel_index(np.argmin(frac), frac.shape)
    n_worst = int(np.sum(frac == frac[worst]))
    if as_json:
        print_json({
            "constellation": sats.name, "satellites": len(sats),
            "start_utc": grid.iso(0.0).item(), "hours": hours, "step_s": grid.step_s,
            "min_elevation_deg": min_elevation, "cell_deg": cell_deg, "cells": int(frac.size),
            "covered_fraction": result.global_covered_fraction(),
            "area_always_covered": area(frac >= 1), "area_never_covered": area(frac <= 0),
            "worst_cell": {"covered_fraction": float(frac[worst]),
                           "lat_deg": float(result.lat_deg[worst[0]]),
                           "lon_deg": float(result.lon_deg[worst[1]]), "cells": n_worst},
            "mean_in_view": area(result.mean_in_view), "satellites_failed": len(errors),
            "wall_time_s": round(time.perf_counter() - began, 3),
            "written": [str(p) for p in written]})
        return
    table = Table(title=escape(f"{sats.name}: coverage above {min_elevation:g}°, "
                               f"{grid.start_utc:%Y-%m-%d %H:%M} UTC + {hours:g} h"),
                  show_header=False)
    table.add_row("satellites", f"{len(sats):,}")
    table.add_row("cells", f"{frac.size:,} of {cell_deg:g}°")
    table.add_row("time covered (area-weighted)", f"{100 * result.global_covered_fraction():.1f} %")
    table.add_row("area always covered", f"{100 * area(frac >= 1):.1f} %")
    table.add_row("area never covered", f"{100 * area(frac <= 0):.1f} %")
    table.add_row("worst cell", f"{100 * frac[worst]:.1f} % at {result.lat_deg[worst[0]]:+.1f}°, "
                  f"{result.lon_deg[worst[1]]:+.1f}° ({n_worst:,} cells)")
    table.add_row("mean satellites in view", f"{area(result.mean_in_view):.2f}")
    table.add_row("wall time", f"{time.perf_counter() - began:.1f} s")
    for path in written:
        table.add_row("written", escape(str(path)))
    console.print(table)
