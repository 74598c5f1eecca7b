"""``orbitsim economics``: the verdict of a finished run (or of a scenario at an assumed
utilisation) with its uncertainty and timeline, without rerunning the simulation; and
``orbitsim economics reproduce starcloud|suncatcher``: the published figures from their own
assumptions, then the bridge to orbitsim's."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orbitsim.errors import InputError

#: Default node hardware and constellation (for the sunlit fraction) of each reproduction.
REPRODUCE_DEFAULTS = {"starcloud": ("starcloud-node", "starcloud-demo"),
                      "suncatcher": ("suncatcher-node", None)}


def _usd(value: float | None, digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.{digits}f}"


def _json_line(data: Any) -> str:
    from orbitsim.results import _jsonable

    return json.dumps(_jsonable(data), sort_keys=True)


def _load_run(folder: Path) -> tuple[dict, Any, int, str]:
    """A finished run's summary, node hardware, node count and name."""
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.hardware import load_node
    from orbitsim.model.scenario import Scenario

    path = folder / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the run's summary: {exc.strerror}", source=path) from None
    except ValueError as exc:
        raise InputError(f"not a JSON summary: {exc}", source=path) from None
    data = summary.get("scenario")
    if not isinstance(data, dict) or summary.get("nodes") is None:
        raise InputError("summary.json has no 'scenario' or 'nodes': not a run of orbitsim "
                         "0.2 or later; rerun it", source=path)
    try:
        scenario = Scenario.model_validate(data)
    except ValueError as exc:
        raise InputError(f"the run's scenario does not validate: {exc}", source=path) from None
    if scenario.hardware_groups or isinstance(scenario.hardware, dict):
        return summary, _scenario_hardware(scenario, path), int(summary["nodes"]), scenario.name
    name = scenario.hardware or load_constellation(
        scenario.path_of(scenario.constellation)).hardware
    if not name:
        raise InputError("the run's scenario names no node hardware", source=path)
    return summary, load_node(scenario.path_of(name)), int(summary["nodes"]), scenario.name


def _scenario_hardware(scenario, source):
    """A scenario's node hardware as a run resolves it (a table of overrides included), or,
    for a mixed fleet, its groups: ``[(label, hardware, nodes), ...]``."""
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.scenario import node_fleet, node_hardware

    constellation = load_constellation(scenario.path_of(scenario.constellation))
    hardware = node_hardware(scenario, source=source, default=constellation.hardware)
    if not scenario.hardware_groups:
        return hardware
    fleet = node_fleet(scenario, constellation, hardware, source=source)
    return [(label, node, int(count)) for label, node, count in
            zip(fleet.labels, fleet.hardware, fleet.counts()) if count]


def verdict_for(target: str, *, draws: int, seed: int | None, year: int | None,
                trajectory: str | None, region: str | None, launch_price: float | None,
                utilisation: float | None):
    """The verdict of ``target``: a run folder (its summary.json), or a scenario priced at
    ``utilisation`` (default: the ground's own) without simulating. Returns ``(verdict,
    label, note)``."""
    from orbitsim.analysis.economics import Facts, evaluate, load_economics, verdict_from_summary
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.hardware import load_node
    from orbitsim.model.scenario import load_scenario

    economics = load_economics()
    path = Path(target)
    if path.is_dir():
        summary, hardware, n_nodes, name = _load_run(path)
        if utilisation is not None:
            summary = {**summary, "utilisation": utilisation}
            if isinstance(hardware, list):  # every group at the assumed utilisation
                summary["hardware_groups"] = {}
        if isinstance(hardware, list):  # a mixed fleet: each group priced, then summed
            from orbitsim.analysis.economics.fleet import fleet_verdict_from_summary

            verdict = fleet_verdict_from_summary(
                summary, hardware, economics, region=region,
                launch_price_usd_per_kg=launch_price, draws=draws, seed=seed, year=year,
                trajectory=trajectory)
            return verdict, f"run {target} ({name})", ""
        verdict = verdict_from_summary(summary, hardware, n_nodes, economics, region=region,
                                       launch_price_usd_per_kg=launch_price, draws=draws,
                                       seed=seed, year=year, trajectory=trajectory)
        return verdict, f"run {target} ({name})", ""
    scenario = load_scenario(target)
    if scenario.hardware_groups:  # a mixed fleet at an assumed utilisation
        from orbitsim.analysis.economics.fleet import HardwareGroupFacts, evaluate_fleet

        u = economics.ground.utilisation if utilisation is None else float(utilisation)
        groups = _scenario_hardware(scenario, target)
        verdict = evaluate_fleet(
            [HardwareGroupFacts(label, node, Facts(count, node.accelerators, u))
             for label, node, count in groups], economics, region=region,
            launch_price_usd_per_kg=launch_price, draws=draws,
            seed=scenario.seed if seed is None else seed, year=year, trajectory=trajectory)
        note = (f"no run: both options priced at an assumed {100 * u:.0f} % utilisation; the "
                f"ground-station service and the value side need a run (orbitsim run, then "
                f"orbitsim economics RUN_DIR)")
        return verdict, f"scenario {scenario.name} (not simulated)", note
    constellation = load_constellation(scenario.path_of(scenario.constellation))
    name = scenario.hardware or constellation.hardware
    if not name:
        raise InputError("neither the scenario nor its constellation names a node hardware",
                         source=target, field="hardware")
    hardware = load_node(scenario.path_of(name))
    u = economics.ground.utilisation if utilisation is None else float(utilisation)
    verdict = evaluate(hardware, economics, Facts(len(constellation), hardware.accelerators, u),
                       region=region, launch_price_usd_per_kg=launch_price, draws=draws,
                       seed=scenario.seed if seed is None else seed, year=year,
                       trajectory=trajectory)
    note = (f"no run: both options priced at an assumed {100 * u:.0f} % utilisation; the "
            f"ground-station service and the value side need a run (orbitsim run, then "
            f"orbitsim economics RUN_DIR)")
    return verdict, f"scenario {scenario.name} (not simulated)", note


def _print_verdict(console: Console, verdict, label: str, note: str) -> None:
    mc = verdict.monte_carlo
    table = Table(title=escape(f"economics of {label}, {verdict.year}, {verdict.region}"),
                  show_header=False)
    rows = [
        ("utilisation (both sides)", f"{100 * verdict.utilisation:.1f} %"),
        ("launch price", f"{_usd(verdict.launch_price_usd_per_kg)}/kg"),
        ("orbit $/accelerator-hour", _usd(verdict.orbit_usd_per_accelerator_hour)),
        ("ground $/accelerator-hour, same utilisation",
         _usd(verdict.ground_usd_per_accelerator_hour_same_utilisation)),
        ("ratio, same utilisation", f"{verdict.ratio_same_utilisation:,.2f}"),
        (f"ground at its own {100 * verdict.ground_utilisation:.0f} %",
         _usd(verdict.ground_usd_per_accelerator_hour_own_utilisation)),
        ("orbit 5-95 %", f"{_usd(mc.percentile('orbit', 5))} - {_usd(mc.percentile('orbit', 95))}"),
        ("P(orbit cheaper)", f"{100 * mc.p_orbit_cheaper:.2f} % of {mc.draws:,} draws"),
        ("break-even launch price",
         f"{_usd(verdict.break_even_launch_usd_per_kg)}/kg"
         if math.isfinite(verdict.break_even_launch_usd_per_kg) else "none"),
    ]
    for name, t in verdict.timeline.items():
        rows.append((f"crossover, {name} trajectory",
                     f"{t.crossover_year or 'none by ' + str(t.years[-1])} "
                     f"({100 * t.p_crossover:.0f} % of draws cross)"))
    rows.append(("viable workload classes", ", ".join(verdict.viable_workloads) or "none"))
    for key, value in rows:
        table.add_row(escape(key), escape(value))
    console.print(table)
    console.print(escape(verdict.text))
    if note:
        console.print(f"note: {escape(note)}")
    top = ", ".join(f"{r.label} ({r.rank_correlation:+.2f})" for r in mc.tornado[:5])
    console.print(f"inputs that move it most (rank correlation): {escape(top)}")


def _print_reproduction(console: Console, rep) -> None:
    money = (lambda v: f"${v / 1e6:,.2f}M") if rep.unit == "usd" else \
        (lambda v: f"${v:,.0f}/kW/yr")
    key = "orbit_usd" if rep.unit == "usd" else "usd_per_kw_year"
    table = Table(title=escape(f"{rep.name}: the paper's figure, reproduced, bridged to "
                               f"orbitsim's"), show_header=True)
    table.add_column("step")
    table.add_column("orbit" if rep.unit == "usd" else "launched power", justify="right")
    table.add_row("published", money(rep.published[key]))
    table.add_row("reproduced from the paper's assumptions", money(rep.reproduced[key]))
    for step in rep.bridge:
        table.add_row(escape(step.step), ("+" if step.delta >= 0 else "-") + money(abs(step.delta)))
    table.add_row("orbitsim", money(rep.orbitsim[key]))
    console.print(table)
    if rep.unit == "usd":
        ground = Table(title="ground side", show_header=True)
        ground.add_column("step")
        ground.add_column("ground", justify="right")
        ground.add_row("published", money(rep.published["ground_usd"]))
        ground.add_row("reproduced", money(rep.reproduced["ground_usd"]))
        for step in rep.ground_bridge:
            ground.add_row(escape(step.step),
                           ("+" if step.delta >= 0 else "-") + money(abs(step.delta)))
        ground.add_row("orbitsim", money(rep.orbitsim["ground_usd"]))
        console.print(ground)
    else:
        console.print(f"orbitsim's break-even launch price (launched power = ground energy): "
                      f"{_usd(rep.orbitsim['break_even_launch_usd_per_kg'])}/kg")
    for note in rep.notes:
        console.print(f"note: {escape(note)}")


def reproduction(paper: str, hardware_name: str | None = None,
                 constellation_name: str | None = None):
    """The :class:`~orbitsim.analysis.economics.Reproduction` of a paper with orbitsim's node
    (and, for Starcloud, the sunlit fraction of a year of its constellation)."""
    from orbitsim.analysis.economics import (
        load_economics,
        reproduce_starcloud,
        reproduce_suncatcher,
    )
    from orbitsim.model.hardware import load_node

    if paper not in REPRODUCE_DEFAULTS:
        raise InputError(f"unknown paper {paper!r}; expected one of "
                         f"{', '.join(REPRODUCE_DEFAULTS)}", field="PAPER")
    default_node, default_constellation = REPRODUCE_DEFAULTS[paper]
    hardware = load_node(hardware_name or default_node)
    economics = load_economics()
    if paper == "suncatcher":
        return reproduce_suncatcher(hardware, economics)
    from orbitsim.commands.options import DEFAULT_START
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.sim.products import year_sunlit_fraction

    constellation = load_constellation(constellation_name or default_constellation)
    sunlit = year_sunlit_fraction(constellation, DEFAULT_START)
    return reproduce_starcloud(hardware, economics, sunlit_fraction=sunlit)


def economics(
    target: Annotated[str, typer.Argument(
        help="A run folder (with summary.json), a scenario (built-in name or TOML), or "
             "'reproduce'.")],
    paper: Annotated[str | None, typer.Argument(
        help="With 'reproduce': starcloud or suncatcher.")] = None,
    draws: Annotated[int, typer.Option("--draws", min=100, max=1_000_000,
                                       help="Monte Carlo draws.")] = 10_000,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Monte Carlo seed (default: "
                                             "the scenario's).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Deployment year (2026-2040).")
                    ] = None,
    trajectory: Annotated[str | None, typer.Option(
        "--trajectory", help="Launch-price trajectory of --year: conservative, base or "
        "aggressive.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Ground region (ground.toml).")
                      ] = None,
    launch_price: Annotated[float | None, typer.Option(
        "--launch-price", help="Launch price, USD/kg (its range scales with it).")] = None,
    utilisation: Annotated[float | None, typer.Option(
        "--utilisation", min=0.0, max=1.0, help="Utilisation of both options (default: the "
        "run's; for a scenario, the ground's own).")] = None,
    hardware: Annotated[str | None, typer.Option(
        "--hardware", help="With 'reproduce': orbitsim's node (default: starcloud-node / "
        "suncatcher-node).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object, nothing "
                                          "else.")] = False,
) -> None:
    """The verdict of a finished run without rerunning it: costs at equal utilisation, the
    Monte Carlo, the timeline and the value side; or a published comparison reproduced.

    Examples: orbitsim economics out/demo --year 2035 --trajectory base;
    orbitsim economics reproduce starcloud --json
    """
    console = Console(highlight=False)
    if target == "reproduce":
        if paper is None:
            raise InputError("orbitsim economics reproduce needs a paper: starcloud or "
                             "suncatcher", field="PAPER")
        rep = reproduction(paper, hardware)
        if as_json:
            print(_json_line(rep.to_dict()))
        else:
            _print_reproduction(console, rep)
        return
    if paper is not None:
        raise InputError(f"unexpected argument {paper!r} (only 'reproduce' takes a paper)",
                         field="PAPER")
    verdict, label, note = verdict_for(target, draws=draws, seed=seed, year=year,
                                       trajectory=trajectory, region=region,
                                       launch_price=launch_price, utilisation=utilisation)
    if as_json:
        data = verdict.to_dict()
        if note:
            data["note"] = note
        print(_json_line(data))
    else:
        _print_verdict(console, verdict, label, note)
