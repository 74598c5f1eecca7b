"""``orbitsim export``: a constellation or a run as CZML, GeoJSON, KML or netCDF."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from orbitsim.commands.options import (
    DEFAULT_MAX_EPOCH_AGE_DAYS,
    AsJson,
    MaxEpochAge,
    Workers,
    orbit_warnings,
    positive,
    print_json,
    sampling_step,
    show_progress,
)
from orbitsim.errors import InputError


def export(
    source: Annotated[str, typer.Argument(
        help="Built-in constellation name, a TOML, TLE/3LE or OMM file, or the folder of a "
        "finished run (holding summary.json).")],
    out: Annotated[Path, typer.Option("--out", help="File to write: .czml, .geojson, .kml or "
                                      ".nc.")],
    fmt: Annotated[str | None, typer.Option(
        "--format", help="czml (Cesium), geojson (GIS), kml (Google Earth) or netcdf "
        "(xarray); default: from the --out suffix.")] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="Start of the window, ISO 8601 UTC (default: the run's, else "
        "2026-06-21T00:00:00Z).")] = None,
    hours: Annotated[float | None, typer.Option(
        "--hours", callback=positive, help="Length of the window in hours (default: the "
        "run's, else 24).")] = None,
    step: Annotated[float | None, typer.Option(
        "--step", callback=positive, help="Time step of the samples, seconds (default: the "
        "run's, else 60).")] = None,
    stations: Annotated[str | None, typer.Option(
        "--stations", help="Ground network to include: built-in name, TOML or CSV (default: "
        "the run's, else none).")] = None,
    with_coverage: Annotated[bool, typer.Option(
        "--coverage", help="Add the coverage cells (geojson, kml, netcdf): time covered, mean "
        "satellites in view, longest gap.")] = False,
    min_elevation: Annotated[float, typer.Option(
        "--min-elevation", min=0.0, max=89.0, help="Elevation mask of --coverage, "
        "degrees.")] = 25.0,
    cell_deg: Annotated[float, typer.Option("--cell-deg", help="Cell size of --coverage, "
                                            "degrees (must divide 180).")] = 2.0,
    workers: Workers = 1,
    max_epoch_age_days: MaxEpochAge = DEFAULT_MAX_EPOCH_AGE_DAYS,
    as_json: AsJson = False,
) -> None:
    """Export satellites, ground tracks, stations and coverage to the tools of the field.

    CZML: sampled positions (Earth-fixed, Lagrange), availability, labels, points coloured
    by sunlight or, from a run folder, by what each node was doing; GeoJSON and KML: ground
    tracks cut at the antimeridian, stations, coverage cells (KML also timed gx:Tracks);
    netCDF: lat_deg, lon_deg, alt_km, illuminated, error, r_ecef_km over (satellite, time),
    through xarray (pip install 'orbitsim[netcdf]').

    Example: orbitsim export starcloud-demo --format czml --hours 2 --out demo.czml
    """
    from orbitsim.analysis.exports import format_of, write
    from orbitsim.analysis.exports.scene import build_scene
    from orbitsim.geometry.coverage import cell_centres

    began = time.perf_counter()
    fmt = format_of(out, fmt)
    if with_coverage:
        if fmt == "czml":
            raise InputError("CZML holds no coverage cells: use --format geojson, kml or "
                             "netcdf with --coverage", field="--coverage")
        try:
            cell_centres(cell_deg)
        except ValueError as exc:
            raise InputError(str(exc), field="--cell-deg") from None
    if fmt == "netcdf":
        from orbitsim.analysis.exports.netcdf import _xarray, engine

        _xarray()
        engine()  # refuse before the work when the optional extra is missing
    console = Console(highlight=False)
    with Progress(TextColumn("[bold]{task.description:<8}"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,} satellites"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not show_progress(console, as_json)) as bar:
        tasks: dict = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        failures: list = []
        scene = build_scene(source, start=start, hours=hours, step_s=step, stations=stations,
                            with_coverage=with_coverage, min_elevation_deg=min_elevation,
                            cell_deg=cell_deg, workers=workers, progress=progress,
                            failures=failures, step_for=sampling_step)
        task = bar.add_task("writing", total=None)
        path = write(scene, fmt, out)
        bar.update(task, total=1, completed=1)
    geometry = scene.geometry
    grid = geometry.grid
    errors, _ = orbit_warnings(geometry.constellation, grid, failures, max_epoch_age_days)
    size = path.stat().st_size
    summary = {
        "source": str(source), "constellation": geometry.constellation.name, "format": fmt,
        "satellites": len(geometry.constellation),
        "stations": len(scene.stations) if scene.stations is not None else 0,
        "start_utc": str(scene.iso_times[0]), "hours": grid.duration_s / 3600.0,
        "step_s": grid.step_s, "samples": int(geometry.lat_deg.size),
        "coverage_cells": int(scene.coverage.covered_fraction.size) if scene.coverage else 0,
        "node_activity": scene.activity is not None, "satellites_failed": len(errors),
        "bytes": size,
        "wall_time_s": round(time.perf_counter() - began, 3), "written": [str(path)],
    }
    if as_json:
        print_json(summary)
        return
    title = (f"{scene.title}: {fmt}, {grid.start_utc:%Y-%m-%d %H:%M} UTC + "
             f"{grid.duration_s / 3600.0:g} h every {grid.step_s:g} s")
    table = Table(title=escape(title), show_header=False, min_width=len(title))
    table.add_row("satellites", f"{summary['satellites']:,}")
    table.add_row("samples", f"{summary['samples']:,}")
    if scene.stations is not None:
        table.add_row("ground stations", f"{len(scene.stations):,} ({scene.stations.name})")
    if scene.coverage is not None:
        table.add_row("coverage cells", f"{summary['coverage_cells']:,} of {cell_deg:g}° above "
                      f"{min_elevation:g}°")
    if fmt == "czml":
        table.add_row("points coloured by", "node activity (idle, computing, transferring)"
                      if scene.activity is not None else "sunlight (sunlit, penumbra, umbra)")
    elif scene.activity is not None:
        table.add_row("node activity", "share of steps per state in each track's properties"
                      if fmt != "netcdf" else "variable activity")
    table.add_row("size", f"{size / 1e6:,.2f} MB")
    table.add_row("wall time", f"{summary['wall_time_s']:.1f} s")
    table.add_row("written", escape(str(path)))
    console.print(table)
