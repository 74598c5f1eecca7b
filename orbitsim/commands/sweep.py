"""``orbitsim sweep``: a grid of scenario variants, each a full run, into one Parquet dataset."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from orbitsim.commands.options import AsJson, positive, print_json, show_progress


def sweep(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name or a scenario TOML "
                                            "file: the base of every point.")],
    param: Annotated[list[str], typer.Option(
        "--param", help="NAME=V1,V2,... or NAME=START:STOP:STEP (numeric, STOP inclusive); "
        "NAME is a scenario field (seed, policy, hours, isl, ground_network, ...) or "
        "launch_price_usd_per_kg. Repeat for a cartesian grid.")],
    out: Annotated[Path, typer.Option("--out", help="Folder of the sweep's dataset.")],
    hours: Annotated[float | None, typer.Option("--hours", callback=positive,
                                                help="Override the duration of every point, "
                                                "hours (> 0).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Local processes running "
                                         "points (1: in this process).")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Dask distributed scheduler, tcp://HOST:PORT; replaces --workers. "
        "Needs pip install 'orbitsim\\[dask]' here, and each Dask worker needs orbitsim "
        "installed.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", min=1, help="Run only N points "
                                               "drawn at random from the grid.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of --sample's draw (sweep "
                                      "the scenario's seed with --param seed=...).")] = 0,
    metric: Annotated[str, typer.Option("--metric", help="Metric plotted against each "
                                        "parameter (a column of sweep.parquet, e.g. "
                                        "orbit_usd_per_accelerator_hour).")
                      ] = "accelerator_hours",
    worker_timeout: Annotated[float, typer.Option(
        "--worker-timeout", callback=positive, help="With --scheduler: give up (exit 2, "
        "finished points kept) when no Dask worker has been connected for this many "
        "seconds.")] = 120.0,
    as_json: AsJson = False,
) -> None:
    """Run every point of a parameter grid, each a full run, into one Parquet dataset.

    Results stream into DIR/points/<id>.parquet, then DIR/sweep.parquet (rows in grid order),
    one PNG of --metric per parameter and DIR/summary.html; DIR/sweep.json records the base
    scenario. Run the same command again to finish an interrupted sweep: points already written
    are skipped.

    Example: orbitsim sweep starcloud-demo --param policy=fifo,round-robin --param seed=1:3:1
    --hours 2 --workers 2 --out out/sweep
    """
    from orbitsim.model.scenario import load_scenario
    from orbitsim.sweep import parse_params, run_sweep, write_figures

    console = Console(highlight=False)
    base = load_scenario(scenario)
    params = parse_params(param, base)
    began = time.perf_counter()
    with Progress(TextColumn("[bold]points"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, transient=True,
                  disable=not show_progress(console, as_json)) as bar:
        task = bar.add_task("points", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_sweep(base, params, out, hours=hours, workers=workers, scheduler=scheduler,
                           sample=sample, sample_seed=seed, progress=progress,
                           worker_timeout_s=worker_timeout)
    files = result.files + write_figures(result, params, metric,
                                         title=f"Sweep of {base.name}")
    axes = ", ".join(f"{p.name} ({len(p.values)})" for p in params)
    if as_json:
        print_json({
            "scenario": base.name, "hours": hours,
            "parameters": {p.name: list(p.values) for p in params},
            "points": len(result.ids), "run": len(result.computed),
            "already_done": len(result.skipped), "metric": metric, "out": str(out),
            "written": [str(Path(out) / "points")] + [str(f) for f in files],
            "wall_time_s": round(time.perf_counter() - began, 3)})
        return
    console.print(f"{len(result.ids)} points over {escape(axes)}: {len(result.computed)} run, "
                  f"{len(result.skipped)} already done, "
                  f"{time.perf_counter() - began:.1f} s")
    console.print(f"results in [bold]{escape(str(out))}/[/]: points/, "
                  + ", ".join(escape(Path(f).name) for f in files))
