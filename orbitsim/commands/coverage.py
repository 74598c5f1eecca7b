"""``orbitsim coverage``: how much of the Earth a constellation covers, as CSV and maps."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orbitsim.commands.options import (
    DEFAULT_MAX_EPOCH_AGE_DAYS,
    DEFAULT_START,
    Hours,
    MaxEpochAge,
    Start,
    Step,
    Workers,
    check_suffix,
    orbit_warnings,
)
from orbitsim.errors import InputError


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
                                              "comma-separated) for a ground-track plot.")] = None,
    track_png: Annotated[Path | None, typer.Option("--track-png", help="Ground-track PNG "
                                                   "(with --track).")] = None,
    max_epoch_age_days: MaxEpochAge = DEFAULT_MAX_EPOCH_AGE_DAYS,
) -> None:
    """Per lat/lon cell: fraction of time covered, mean satellites in view, longest gap.

    Example: orbitsim coverage starlink-shell1 --hours 24 --png cov.png --html cov.html
    """
    from orbitsim.analysis import maps
    from orbitsim.geometry.coverage import cell_centres
    from orbitsim.geometry.coverage import coverage as compute
    from orbitsim.geometry.propagate import propagate
    from orbitsim.io import write_csv_atomic
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.timegrid import time_grid

    for path, suffixes, option in ((png, (".png",), "--png"),
                                   (html, (".html", ".htm"), "--html"), (csv, (".csv",), "--csv"),
                                   (track_png, (".png",), "--track-png")):
        check_suffix(path, suffixes, option)
    if track and not track_png:
        raise InputError("--track needs --track-png FILE", field="track")
    try:
        cell_centres(cell_deg)
    except ValueError as exc:
        raise InputError(str(exc), field="cell-deg") from None
    console = Console(highlight=False)
    began = time.perf_counter()
    sats = load_constellation(constellation)
    grid = time_grid(start, hours, step)
    failures: list = []
    result = compute(sats, grid, min_elevation_deg=min_elevation, cell_deg=cell_deg,
                     workers=workers, failures=failures)
    orbit_warnings(sats, grid, failures, max_epoch_age_days)
    written = []
    if csv:
        written.append(write_csv_atomic(csv, result.to_frame()))
    if png:
        written.append(maps.save_coverage_png(result, png))
    if html:
        written.append(maps.save_coverage_html(result, html))
    if track:
        wanted = [t.strip() for t in track.split(",") if t.strip()]
        index = []
        names = list(sats.names)
        for item in wanted:
            if item in names:
                index.append(names.index(item))
            elif item.isdigit() and int(item) < len(sats):
                index.append(int(item))
            else:
                raise InputError(f"no satellite named or numbered {item!r}", field="track")
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
