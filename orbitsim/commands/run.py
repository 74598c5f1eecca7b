"""``orbitsim run``: simulate a scenario and write its results."""

from __future__ import annotations

import json
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
    AutoWorkers,
    MaxEpochAge,
    positive,
    show_progress,
    warn,
)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def stranded_warning(summary: dict) -> str | None:
    """One line when jobs held their nodes to the horizon for input the laser mesh could not
    bring in time (``isl = "mesh"``): the run then measures the mesh more than the nodes."""
    stranded = summary.get("isl_jobs_stranded") or 0
    if not stranded:
        return None
    return (f"{stranded:,} of {summary.get('jobs_total', 0):,} jobs held their nodes to the "
            "horizon waiting for input the laser mesh had no path or capacity to bring in "
            f"time ({summary.get('isl_links_never_up', 0):,} of "
            f"{summary.get('isl_links', 0):,} links never up): those nodes computed nothing "
            "after; see isl_links.parquet")


def monitoring_warning(summary: dict) -> str | None:
    """One line when monitored nodes made telemetry and none of it landed (every station of
    the monitoring countries out, or never passed over): the terms were never met."""
    governance = summary.get("governance") or {}
    made = governance.get("monitoring_bytes_generated") or 0.0
    if made <= 0 or (governance.get("monitoring_bytes") or 0.0) > 0:
        return None
    where = ", ".join(governance.get("monitoring_countries") or []) or "any country"
    return (f"none of the {made / 1e9:,.3g} GB of telemetry that "
            f"{governance.get('monitored_nodes', 0):,} monitored nodes made landed at a "
            f"station in {where} (outages, or no pass): the monitored terms were never met; "
            "see summary.json governance.monitoring_backlog_bytes")


def run(
    scenario: Annotated[str, typer.Argument(help="Built-in scenario name (see `orbitsim list "
                                            "scenarios`) or a scenario TOML file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the results.")] = Path("out/run"),
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Override the seed.")] = None,
    hours: Annotated[float | None, typer.Option("--hours", callback=positive,
                                                help="Override the duration, hours (> 0).")] = None,
    policy: Annotated[str | None, typer.Option(
        "--policy", help="Override the scheduling policy (a name, module:Class or "
        "file.py:Class).")] = None,
    workers: AutoWorkers = None,
    max_epoch_age_days: MaxEpochAge = DEFAULT_MAX_EPOCH_AGE_DAYS,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the summary (the object of summary.json) as one line of JSON on "
        "stdout instead of the table; nothing else on stdout.")] = False,
    partitions: Annotated[int | None, typer.Option(
        "--partitions", min=1, help="Run one ISL group (shell) at a time, on this many "
        "processes of a local Dask cluster (1: in this process); the files are the same "
        "whatever the number.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run the ISL groups on an existing Dask cluster "
        "(tcp://HOST:PORT; each worker needs orbitsim installed).")] = None,
) -> None:
    """Simulate a scenario and write its results into --out.

    Writes summary.json, jobs.parquet, nodes.parquet, transfers.parquet, report.html and PNG
    plots.

    Example: orbitsim run starcloud-demo --out out/demo
    """
    from orbitsim.api import simulate
    from orbitsim.io import check_replaceable
    from orbitsim.results import check_out_dir, write_outputs

    check_out_dir(out)  # before the simulation, not after it
    check_replaceable(Path(out))  # a run replaces its folder whole: not a folder of other files
    console = Console(highlight=False)
    began = time.perf_counter()
    with Progress(TextColumn("[bold]{task.description:<10}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=not show_progress(console, as_json)) as bar:
        tasks = {"geometry": bar.add_task("geometry", total=1.0),
                 "simulation": bar.add_task("simulation", total=1.0)}

        def progress(stage: str, fraction: float) -> None:
            bar.update(tasks[stage], completed=fraction)

        result = simulate(scenario, hours=hours, seed=seed, policy=policy, workers=workers,
                          progress=progress, max_epoch_age_days=max_epoch_age_days,
                          partitions=partitions, scheduler=scheduler)
    from orbitsim.geometry.health import error_warning, stale_warning

    n_sats = result.inputs.n_nodes
    warn(error_warning(result.orbit_errors, n_sats))
    warn(stale_warning(result.stale_elements, n_sats, max_epoch_age_days))
    warn(stranded_warning(result.summary))
    warn(monitoring_warning(result.summary))
    files = write_outputs(result, out)
    summary = result.summary
    if as_json:  # the object of summary.json, on one line
        from orbitsim.results import summary_json

        typer.echo(json.dumps(json.loads(summary_json(summary))))
        return
    s = result.scenario
    table = Table(title=escape(f"{s.name}: {s.constellation} / {s.ground_network} / {s.workload}"
                               f" / {s.policy}, {s.hours:g} h, seed {s.seed}"), show_header=False)
    for key in ("jobs_total", "jobs_done", "jobs_failed", "jobs_pending", "jobs_lost",
                "governance_violations", "accelerator_hours", "utilisation", "latency_p50_s",
                "latency_p95_s", "latency_p99_s", "deadline_misses", "bytes_up", "bytes_down",
                "faults", "curtailed_wh", "throttled_s", "power_limited_s"):
        if key in summary:
            table.add_row(key, _fmt(summary[key]))
    if summary.get("nodes_decayed"):
        table.add_row("nodes_decayed", _fmt(summary["nodes_decayed"]))
    if summary.get("isl_mode") == "mesh":  # isl = "mesh": what crossed the laser links
        table.add_row("isl_bytes", _fmt(summary["isl_bytes"]))
        busiest = summary.get("isl_busiest_link")
        if busiest:
            table.add_row("busiest laser link", escape(
                f"{busiest['link']}: {100 * busiest['utilisation']:.2g} % used "
                f"(fullest step {100 * busiest['peak_step_utilisation']:.2g} %)"))
    governance = summary.get("governance") or {}
    for key in ("licence_refusals", "licence_failed", "suspended_s", "geofenced_s",
                "monitoring_bytes", "levy_usd"):  # governance rules (summary["governance"])
        if key in governance:
            table.add_row(f"governance: {key}", _fmt(governance[key]))
    verdict = summary.get("verdict") or {}
    for key, label in (("orbit_usd_per_accelerator_hour", "orbit $/accelerator-h"),
                       ("ground_usd_per_accelerator_hour_same_utilisation",
                        "ground $/accelerator-h, same util."),
                       ("p_orbit_cheaper", "P(orbit cheaper)"),
                       ("crossover_year", "crossover year (base)")):
        if key in verdict:
            value = verdict[key]
            if key == "crossover_year" and value is None:
                value = "none by 2040"
            elif key == "p_orbit_cheaper" and value is not None:
                value = f"{100 * value:.1f} % of {verdict.get('draws', 0):,} draws"
            elif isinstance(value, float):
                value = f"${value:,.2f}"
            table.add_row(label, escape(str(value)))
    table.add_row("wall time", f"{time.perf_counter() - began:.1f} s")
    console.print(table)
    if verdict.get("text"):
        console.print(f"verdict: {escape(verdict['text'])}")
    console.print(f"results in [bold]{escape(str(out))}/[/]: "
                  + ", ".join(escape(Path(f).name) for f in files))
    _ = json  # summary.json is written by write_outputs
