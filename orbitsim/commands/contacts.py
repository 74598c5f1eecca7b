"""``orbitsim contacts``: every pass of every satellite over a ground network, to CSV."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated

import pandas as pd
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
    sampling_step,
    show_progress,
)
from orbitsim.errors import InputError
from orbitsim.geometry.contacts import COLUMNS, iter_contact_windows
from orbitsim.geometry.propagate import default_chunk_size
from orbitsim.io import write_csv_atomic
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.ground import load_ground_network
from orbitsim.model.timegrid import time_grid

#: The CSV's first columns, as DESIGN.md promises; the other pass columns follow.
CSV_COLUMNS = ("satellite", "station", "start_utc", "end_utc", "max_elevation_deg") + tuple(
    c for c in COLUMNS
    if c not in ("satellite", "station", "start_utc", "end_utc", "max_elevation_deg")
)


def contacts(
    constellation: Annotated[str, typer.Argument(
        help="Built-in name (see `orbitsim list`), TOML, TLE/3LE or OMM file.")],
    stations: Annotated[str, typer.Option(
        "--stations", help="Ground network: built-in name (commercial, starlink-gateways, "
        "optical, compute-hubs), a TOML file or a CSV with name,lat_deg,lon_deg,alt_m.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    start: Start = DEFAULT_START,
    hours: Hours = 24.0,
    step: Step = 60.0,
    min_elevation: Annotated[float | None, typer.Option(
        "--min-elevation", help="Elevation mask for every station, degrees (default: each "
        "station's own mask).")] = None,
    workers: Workers = 1,
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of the cloud process of optical stations.")] = 0,
    max_epoch_age_days: MaxEpochAge = DEFAULT_MAX_EPOCH_AGE_DAYS,
    as_json: AsJson = False,
) -> None:
    """Contact windows of every satellite over every station, to CSV.

    Start, end and culmination of each pass are refined between grid samples to a few
    milliseconds; each row also gives the bytes the station's link budget can move in the pass.

    Example: orbitsim contacts starlink-shell1 --stations commercial --hours 24 --out passes.csv
    """
    check_suffix(out, (".csv",), "--out")
    console = Console(highlight=False)
    began = time.perf_counter()
    if min_elevation is not None and not (math.isfinite(min_elevation)
                                          and 0.0 <= min_elevation < 90.0):
        raise InputError(f"must be within [0, 90) degrees, got {min_elevation}",
                         field="--min-elevation")
    sats = load_constellation(constellation)
    network = load_ground_network(stations)
    grid = time_grid(start, hours, sampling_step(sats, step))
    chunk = default_chunk_size(len(grid))
    frames: list[pd.DataFrame] = []
    failures: list = []
    with Progress(TextColumn("[bold]contacts"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,} satellites"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not show_progress(console, as_json)) as bar:
        task = bar.add_task("contacts", total=len(sats))
        for frame in iter_contact_windows(sats, network, grid, min_elevation_deg=min_elevation,
                                          workers=workers, seed=seed, chunk_size=chunk,
                                          failures=failures):
            frames.append(frame)
            bar.advance(task, min(chunk, len(sats) - int(bar.tasks[0].completed)))
    frames = [f for f in frames if len(f)]
    passes = (pd.concat(frames, ignore_index=True) if frames
              else pd.DataFrame({c: [] for c in COLUMNS}))
    passes = passes.sort_values(["start_s", "sat_index", "station_index"], kind="stable")
    write_csv_atomic(out, passes[list(CSV_COLUMNS)])
    elapsed = time.perf_counter() - began
    errors, _ = orbit_warnings(sats, grid, failures, max_epoch_age_days)
    if as_json:
        total_bytes = float(passes["bytes_capacity"].sum())
        print_json({
            "constellation": sats.name, "ground_network": network.name,
            "satellites": len(sats), "stations": len(network),
            "start_utc": grid.iso(0.0).item(), "hours": hours, "step_s": grid.step_s,
            "min_elevation_deg": min_elevation, "passes": len(passes),
            "satellites_with_contact": int(passes["sat_index"].nunique()),
            "mean_pass_duration_s": float(passes["duration_s"].mean()) if len(passes) else None,
            "mean_max_elevation_deg": (float(passes["max_elevation_deg"].mean()) if len(passes)
                                       else None),
            "capacity_bytes": total_bytes,
            "capacity_bytes_per_satellite_day": total_bytes / len(sats)
            / (grid.duration_s / 86400.0),
            "satellites_failed": len(errors),
            "wall_time_s": round(elapsed, 3), "written": [str(out)]})
        return

    mask = (f"{min_elevation:g}° (all stations)" if min_elevation is not None
            else "each station's own")
    title = (f"{sats.name} over {network.name}: {grid.start_utc:%Y-%m-%d %H:%M} UTC "
             f"+ {hours:g} h")
    table = Table(title=escape(title), show_header=False, min_width=len(title))
    table.add_row("satellites / stations", f"{len(sats):,} / {len(network):,}")
    table.add_row("elevation mask", mask)
    table.add_row("passes", f"{len(passes):,}")
    if len(passes):
        table.add_row("satellites with a contact",
                      f"{passes['sat_index'].nunique():,} of {len(sats):,}")
        table.add_row("mean pass duration", f"{passes['duration_s'].mean() / 60.0:.2f} min")
        table.add_row("mean maximum elevation", f"{passes['max_elevation_deg'].mean():.1f}°")
        total_bytes = float(passes["bytes_capacity"].sum())
        table.add_row("total capacity", f"{total_bytes / 1e12:,.2f} TB")
        table.add_row("capacity per satellite-day",
                      f"{total_bytes / 1e9 / len(sats) / (grid.duration_s / 86400.0):,.1f} GB")
    table.add_row("wall time", f"{elapsed:.1f} s")
    table.add_row("CSV written to", str(out))
    console.print(table)
