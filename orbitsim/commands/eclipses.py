"""``orbitsim eclipses``: umbra and penumbra intervals of every satellite, streamed to CSV."""

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
    sampling_step,
    show_progress,
)
from orbitsim.geometry.eclipses import COLUMNS, iter_eclipses
from orbitsim.geometry.propagate import default_chunk_size
from orbitsim.io import atomic_path, csv_frame
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.timegrid import time_grid


def eclipses(
    constellation: Annotated[str, typer.Argument(
        help="Built-in name (see `orbitsim list`), TOML, TLE/3LE or OMM file.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    start: Start = DEFAULT_START,
    hours: Hours = 24.0,
    step: Step = 60.0,
    workers: Workers = 1,
    chunk_size: Annotated[int, typer.Option(
        "--chunk-size", min=0, help="Satellites per chunk (memory bound); 0 = automatic.")] = 0,
    max_epoch_age_days: MaxEpochAge = DEFAULT_MAX_EPOCH_AGE_DAYS,
    as_json: AsJson = False,
) -> None:
    """Umbra and penumbra intervals of each satellite, to CSV.

    Conical shadow with a finite Sun; entry and exit are refined between grid samples to well
    under a second. The CSV is streamed chunk by chunk, so memory stays bounded.

    Example: orbitsim eclipses starcloud-demo --hours 24 --out eclipses.csv
    """
    check_suffix(out, (".csv",), "--out")
    console = Console(highlight=False)
    began = time.perf_counter()
    sats = load_constellation(constellation)
    grid = time_grid(start, hours, sampling_step(sats, step))
    chunk = chunk_size or default_chunk_size(len(grid))
    total_shadow = 0.0
    total_samples = 0
    rows = 0
    umbra_s = penumbra_s = 0.0
    failures: list = []
    with atomic_path(out) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COLUMNS[:6]) + "\n")
        with Progress(TextColumn("[bold]eclipses"), BarColumn(), TextColumn("{task.completed:,}/"
                      "{task.total:,} satellites"), TimeElapsedColumn(), TimeRemainingColumn(),
                      console=console, transient=True,
                      disable=not show_progress(console, as_json)) as bar:
            task = bar.add_task("eclipses", total=len(sats))
            for frame, shadow, samples in iter_eclipses(sats, grid, workers=workers,
                                                        chunk_size=chunk, failures=failures):
                csv_frame(frame[COLUMNS[:6]]).to_csv(handle, header=False, index=False)
                rows += len(frame)
                total_shadow += shadow
                total_samples += samples
                umbra_s += float(frame.loc[frame.kind == "umbra", "duration_s"].sum())
                penumbra_s += float(frame.loc[frame.kind == "penumbra", "duration_s"].sum())
                bar.advance(task, min(chunk, len(sats) - int(bar.tasks[0].completed)))
    elapsed = time.perf_counter() - began
    errors, _ = orbit_warnings(sats, grid, failures, max_epoch_age_days)
    period = (float(np.mean(sats.mean_period_min())) if len(sats) <= 200_000
              else float(np.mean(sats.subset(slice(0, None, max(1, len(sats) // 10_000)))
                                 .mean_period_min())))
    sat_seconds = len(sats) * grid.duration_s
    if as_json:
        print_json({
            "constellation": sats.name, "satellites": len(sats),
            "start_utc": grid.iso(0.0).item(), "hours": hours, "step_s": grid.step_s,
            "mean_period_min": period, "umbra_fraction": umbra_s / sat_seconds,
            "penumbra_fraction": penumbra_s / sat_seconds,
            "eclipse_fraction": total_shadow / max(total_samples, 1), "intervals": rows,
            "satellites_failed": len(errors),
            "wall_time_s": round(elapsed, 3), "written": [str(out)]})
        return
    noun = "satellite" if len(sats) == 1 else "satellites"
    title = (f"{sats.name}: {len(sats):,} {noun}, {grid.start_utc:%Y-%m-%d %H:%M} UTC "
             f"+ {hours:g} h")
    table = Table(title=escape(title), show_header=False, min_width=len(title))
    table.add_row("satellites", f"{len(sats):,}")
    table.add_row("mean orbital period", f"{period:.2f} min")
    table.add_row("time in umbra", f"{100 * umbra_s / sat_seconds:.2f} %")
    table.add_row("time in penumbra", f"{100 * penumbra_s / sat_seconds:.3f} %")
    table.add_row("eclipse fraction (sunlight lost)",
                  f"{100 * total_shadow / max(total_samples, 1):.2f} %")
    table.add_row("eclipse intervals", f"{rows:,}")
    table.add_row("wall time", f"{elapsed:.1f} s")
    table.add_row("CSV written to", escape(str(out)))
    console.print(table)
