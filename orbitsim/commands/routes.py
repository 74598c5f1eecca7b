"""``orbitsim routes``: the route between two ground points over the laser mesh, step by step."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from orbitsim.commands.options import DEFAULT_START, Hours, Start, Step, Workers, positive
from orbitsim.errors import InputError

#: Columns of the CSV (the Python table also has ``time_s``).
CSV_COLUMNS = ("time_utc", "rtt_ms", "hops", "path", "path_exists")


def _endpoint(station) -> str:
    return (f"{station.name} ({station.lat_deg:.4g}°, {station.lon_deg:.4g}°, "
            f"mask {station.min_elevation_deg:g}°)")


def routes(
    constellation: Annotated[str, typer.Argument(
        help="Built-in name (see `orbitsim list`), TOML, TLE/3LE or OMM file.")],
    source: Annotated[str, typer.Option(
        "--from", help="Start point: a station name (see --stations) or lat,lon in degrees "
        "(--from=-33.9,18.4 for a negative latitude).")],
    destination: Annotated[str, typer.Option(
        "--to", help="End point: a station name or lat,lon in degrees.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    stations: Annotated[str | None, typer.Option(
        "--stations", help="Ground network the station names come from: built-in name, TOML "
        "or CSV (default: every built-in network is searched).")] = None,
    start: Start = DEFAULT_START,
    hours: Hours = 24.0,
    step: Step = 60.0,
    min_elevation: Annotated[float | None, typer.Option(
        "--min-elevation", help="Elevation mask of both ends, degrees (default: a station's "
        "own mask, 25° for a lat,lon point).")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="PNG of RTT and hops over "
                                             "time.")] = None,
    seam_links: Annotated[bool, typer.Option(
        "--seam-links/--no-seam-links", help="Keep the cross-plane links across the seam of "
        "Walker delta shells.")] = True,
    cross_plane_max_lat: Annotated[float | None, typer.Option(
        "--cross-plane-max-lat", help="Switch cross-plane links off while either end is "
        "above this latitude, degrees.")] = None,
    inter_shell_range: Annotated[float | None, typer.Option(
        "--inter-shell-range", callback=positive, help="Also link each satellite to the "
        "nearest satellite of every other shell within this range, km.")] = None,
    isl_max_range: Annotated[float | None, typer.Option(
        "--isl-max-range", callback=positive, help="Longest laser link, km (default: any "
        "Earth-clear link).")] = None,
    workers: Workers = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON "
                                          "object instead of the table.")] = False,
) -> None:
    """Per time step: round-trip time, hops and path between two ground points over the
    laser mesh (+Grid for Walker shells), to CSV; optionally a PNG of RTT over time.

    Example: orbitsim routes starlink-shell1 --from 51.5,-0.13 --to 40.7,-74.0 --hours 1 --out r.csv
    """
    from orbitsim.analysis.plots import save_png
    from orbitsim.analysis.plots_routes import rtt_figure
    from orbitsim.geometry.routing import ground_point, route_series, straight_line_rtt_ms
    from orbitsim.io import write_csv_atomic
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.timegrid import time_grid

    began = time.perf_counter()
    if cross_plane_max_lat is not None and not (math.isfinite(cross_plane_max_lat)
                                                and 0.0 <= cross_plane_max_lat <= 90.0):
        raise InputError(f"must be within [0, 90] degrees, got {cross_plane_max_lat}",
                         field="--cross-plane-max-lat")
    if min_elevation is not None and not (math.isfinite(min_elevation)
                                          and 0.0 <= min_elevation < 90.0):
        raise InputError(f"must be within [0, 90) degrees, got {min_elevation}",
                         field="--min-elevation")
    sats = load_constellation(constellation)
    grid = time_grid(start, hours, step)
    ends = [ground_point(spec, stations, min_elevation_deg=min_elevation, field=field)
            for spec, field in ((source, "--from"), (destination, "--to"))]
    console = Console(highlight=False)
    with Progress(TextColumn("[bold]{task.description:<7}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=as_json or not console.is_terminal) as bar:
        tasks = {"mesh": bar.add_task("mesh", total=1.0),
                 "routes": bar.add_task("routes", total=1.0)}
        series = route_series(sats, ends[0], ends[1], grid, seam_links=seam_links,
                              cross_plane_max_lat_deg=cross_plane_max_lat,
                              inter_group_range_km=inter_shell_range,
                              max_range_km=isl_max_range, workers=workers,
                              progress=lambda stage, f: bar.update(tasks[stage], completed=f))
    table = series.table
    bound_ms = straight_line_rtt_ms(series.source, series.destination)
    title = (f"{sats.name}: {series.source.name} → {series.destination.name}, "
             f"{grid.start_utc:%Y-%m-%d %H:%M} UTC + {hours:g} h")
    written = [write_csv_atomic(out, table[list(CSV_COLUMNS)])]
    if png is not None:
        written.append(save_png(rtt_figure(table, title=title, straight_line_rtt_ms=bound_ms),
                                png))
    elapsed = time.perf_counter() - began

    exists = table["path_exists"].to_numpy(dtype=bool)
    rtt = table["rtt_ms"].to_numpy(dtype=float)[exists]
    hops = table["hops"].to_numpy(dtype=float, na_value=np.nan)[exists]
    paths = table["path"].to_numpy(dtype=object)
    changes = int(np.sum(exists[1:] & exists[:-1] & (paths[1:] != paths[:-1])))
    mesh = series.mesh
    up_per_step = np.diff(mesh.offsets)
    summary = {
        "constellation": sats.name,
        "satellites": len(sats),
        "laser_links": int(mesh.n_links),
        "laser_links_up_mean": float(up_per_step.mean()) if len(up_per_step) else 0.0,
        "from": {"name": series.source.name, "lat_deg": series.source.lat_deg,
                 "lon_deg": series.source.lon_deg,
                 "min_elevation_deg": series.source.min_elevation_deg},
        "to": {"name": series.destination.name, "lat_deg": series.destination.lat_deg,
               "lon_deg": series.destination.lon_deg,
               "min_elevation_deg": series.destination.min_elevation_deg},
        "start_utc": grid.iso(0.0).item(),
        "hours": hours,
        "step_s": step,
        "steps": len(table),
        "steps_with_path": int(exists.sum()),
        "rtt_ms_min": float(rtt.min()) if len(rtt) else None,
        "rtt_ms_median": float(np.median(rtt)) if len(rtt) else None,
        "rtt_ms_max": float(rtt.max()) if len(rtt) else None,
        "straight_line_rtt_ms": bound_ms,
        "hops_min": int(hops.min()) if len(hops) else None,
        "hops_max": int(hops.max()) if len(hops) else None,
        "path_changes": changes,
        "wall_time_s": round(elapsed, 3),
        "written": [str(p) for p in written],
    }
    if not exists.all():
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        what = "at any step" if not exists.any() else f"at {int((~exists).sum()):,} steps"
        err.print(f"[yellow]warning:[/] no path {what}: an end sees no satellite above its "
                  "mask, or the mesh does not join the satellites they see (rows with an "
                  "empty path and no RTT)", markup=True)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    out_table = Table(title=escape(title), show_header=False)
    out_table.add_row("satellites / laser links",
                      f"{len(sats):,} / {mesh.n_links:,} ({summary['laser_links_up_mean']:,.0f} "
                      "up on average)")
    out_table.add_row("from", escape(_endpoint(series.source)))
    out_table.add_row("to", escape(_endpoint(series.destination)))
    out_table.add_row("steps with a path", f"{int(exists.sum()):,} of {len(table):,}")
    if len(rtt):
        out_table.add_row("RTT min / median / max", f"{rtt.min():.2f} / {np.median(rtt):.2f} / "
                          f"{rtt.max():.2f} ms")
    out_table.add_row("straight line at c (RTT)", f"{bound_ms:.2f} ms")
    if len(hops):
        out_table.add_row("hops min / max", f"{int(hops.min())} / {int(hops.max())}")
        out_table.add_row("path changes", f"{changes:,}")
    out_table.add_row("wall time", f"{elapsed:.1f} s")
    for path in written:
        out_table.add_row("written", escape(str(path)))
    console.print(out_table)
