"""``orbitsim validate``: check a scenario, constellation, ground network, hardware, workload,
economics, TLE or OMM file without running anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from orbitsim.errors import InputError
from orbitsim.model.validation import read_toml

#: Economics files (``constellations/economics/*.toml``): the key that tells each apart.
ECONOMICS_KEYS = (("common", "accelerator_price_usd"), ("orbit", "manufacturing_usd_per_kg"),
                  ("ground", "default_region"), ("timeline", "launch_trajectories"),
                  ("value", "market_usd_per_h100_hour"), ("references", "starcloud"),
                  ("policy", "regions"))


def economics_part(data: dict) -> str | None:
    """Which economics file ``data`` is (common, orbit, ground, policy), or None."""
    for part, key in ECONOMICS_KEYS:
        if key in data:
            return part
    return None


def sniff_kind(path: Path) -> str:
    """What a file is: scenario, constellation, ground, hardware, accelerator, workload,
    economics or orbits."""
    if not path.is_file():
        raise InputError("no such file", source=path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        data = read_toml(path)
        if "shells" in data:
            return "constellation"
        if "stations" in data:
            return "ground"
        if "constellation" in data:
            return "scenario"
        if "accelerator" in data or "accelerators" in data or "node" in data:
            return "hardware"
        if "power_limit_w" in data and "bf16_dense_tflops" in data:
            return "accelerator"
        if "job_classes" in data or "jobs" in data or "tenants" in data:
            return "workload"
        if economics_part(data):
            return "economics"
        raise InputError("cannot tell what this TOML file describes: expected 'shells' "
                         "(constellation), 'stations' (ground network), 'constellation' "
                         "(scenario), 'node'/'accelerator' (hardware), 'power_limit_w' "
                         "(accelerator), 'job_classes' (workload) or an economics table "
                         "('accelerator_price_usd', 'manufacturing_usd_per_kg', "
                         "'default_region', 'launch_trajectories', 'market_usd_per_h100_hour', "
                         "'starcloud' or 'regions')",
                         source=path)
    if suffix == ".csv":
        head = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].lower()
        return "ground" if "lat_deg" in head else "orbits"
    return "orbits"


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    """``1 satellite``, ``2 satellites`` (``plural`` for irregular nouns)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {plural or noun + 's'}"


def check_policy(scenario, path: Path) -> str:
    """The scenario's policy, loaded as a run loads it (a ``file.py:Class`` relative to the
    scenario file); its name, or an InputError ``FILE: policy: ...``."""
    from orbitsim.policies.registry import resolve_policy

    resolve_policy(scenario.policy, base_dir=scenario.base_dir, source=path)
    return scenario.policy


def check_scenario_inputs(scenario, path: Path) -> float:
    """Everything else a run would refuse: the constellation, its hardware, the ground network
    and the workload load; injected faults name nodes and stations that exist; the window is
    inside the Sun ephemeris; the jobs fit in memory. Returns the expected number of jobs."""
    from orbitsim.model.catalogue import load_constellation
    from orbitsim.model.ground import load_ground_network
    from orbitsim.model.scenario import node_hardware
    from orbitsim.model.scenario_checks import (
        check_fleet_and_governance,
        check_injections,
        check_job_volume,
    )
    from orbitsim.model.workload import load_workload

    def located(error: InputError) -> InputError:
        where = error.source or path
        return InputError(error.message, source=where, line=error.line, field=error.field)

    try:
        constellation = load_constellation(scenario.path_of(scenario.constellation))
        # Its name or its [hardware] table (base and overrides), resolved as a run does.
        hardware = node_hardware(scenario, source=path, default=constellation.hardware)
        network = load_ground_network(scenario.path_of(scenario.ground_network))
        workload = load_workload(scenario.path_of(scenario.workload))
        scenario.time_grid()
    except InputError as error:
        raise located(error) from None
    from orbitsim.model.node_sample import apply_sample

    constellation, workload, _ = apply_sample(scenario, constellation, workload, path)
    check_injections(scenario, len(constellation), network.names, path)
    from orbitsim.geometry.sampling import sampling_step_s
    from orbitsim.model.scenario_checks import check_mesh

    check_mesh(scenario, len(constellation), sampling_step_s(constellation, scenario.step_s), path)
    check_fleet_and_governance(scenario, constellation, workload, network, path, hardware)
    return check_job_volume(workload, scenario.hours * 3600.0, path)


def check_economics(path: Path, data: dict) -> str:
    """Validate one economics file with its ``[ranges]`` (and, named like a built-in one, its
    folder as a whole)."""
    from orbitsim.analysis.economics import terms
    from orbitsim.analysis.economics.reproduce import check_references

    part = economics_part(data)
    if part == "references":
        return f"published references, {check_references(data, path)}"
    model, ranges = terms.read_part(part, path)
    if path.stem in terms.FILES and path.stem == part:
        economics = terms.load_economics(path.parent)  # cross-file checks (operator_region)
        if part == "timeline":
            terms.check_generations(economics)
    ranged = f"{_plural(len(ranges), 'range')}"
    if part == "common":
        detail = _plural(len(model.accelerator_price_usd), "accelerator price")
    elif part == "orbit":
        detail = (f"launch ${model.launch_price_usd_per_kg:,.0f}/kg, "
                  f"{model.lifetime_years:g}-year life")
    elif part == "ground":
        detail = f"{_plural(len(model.regions), 'region')}, default {model.default_region}"
    elif part == "timeline":
        detail = (f"{model.first_year}-{model.last_year}, "
                  f"{len(model.launch_trajectories)} launch trajectories")
    elif part == "value":
        detail = f"H100-hour at ${model.market_usd_per_h100_hour:g}"
    else:
        detail = _plural(len(model.regions), "region")
    return f"{part} terms, {detail}, {ranged}"


def check_file(path: Path) -> tuple[str, str]:
    """Load ``path`` with the loader of its kind; ``(kind, summary)`` or an InputError."""
    kind = sniff_kind(path)
    if kind == "scenario":
        from orbitsim.model.scenario import load_scenario

        scenario = load_scenario(path)
        policy = check_policy(scenario, path)
        jobs = check_scenario_inputs(scenario, path)
        return kind, (f"{scenario.constellation} / {scenario.ground_network} / "
                      f"{scenario.workload} / {policy}, {scenario.hours:g} h from "
                      f"{scenario.start_utc}, " + (f"about {jobs:,.0f} jobs" if jobs >= 0.5
                                                   else "no job: a zero-job run"))
    if kind in ("constellation", "orbits"):
        from orbitsim.model.catalogue import load_constellation

        constellation = load_constellation(path)
        summary = _plural(len(constellation), "satellite")
        repeated = len(constellation.names) - len(set(constellation.names))
        if repeated:  # kept: every CSV has a sat_index column that tells them apart
            summary += (f"; {_plural(repeated, 'name')} repeat an earlier one, told apart by "
                        "the sat_index column of every CSV")
        return "constellation", summary
    if kind == "ground":
        from orbitsim.model.ground import load_ground_network

        network = load_ground_network(path)
        return "ground network", _plural(len(network.stations), "station")
    if kind == "hardware":
        from orbitsim.model import hardware

        node = hardware.load_node(path)
        return kind, node.name
    if kind == "accelerator":
        from orbitsim.model import hardware

        return kind, hardware.load_accelerator(path).name
    if kind == "economics":
        return kind, check_economics(path, read_toml(path))
    from orbitsim.model import workload

    loaded = workload.load_workload(path)
    return kind, (f"{_plural(len(loaded.job_classes), 'job class', 'job classes')}, "
                  f"{_plural(len(loaded.tenants), 'tenant')}")


def validate(
    file: Annotated[Path, typer.Argument(help="Scenario, constellation, ground network, "
                                         "hardware, workload, economics, TLE/3LE or OMM "
                                         "file.")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print {valid, kind, file, summary} as one JSON object (an invalid "
        "file: the error on stderr, exit 2).")] = False,
) -> None:
    """Check a file: exit 0 if valid, else print what is wrong (file, line, field) and exit 2.

    A scenario's references (constellation, ground network, workload, hardware) and its policy
    are loaded too.

    Example: orbitsim validate constellations/starlink-shell1.toml
    """
    kind, summary = check_file(file)
    if as_json:
        from orbitsim.commands.options import print_json

        print_json({"valid": True, "kind": kind, "file": str(file), "summary": summary})
        return
    # One line whatever the terminal's width (soft wrap: never broken at 80 columns).
    Console(highlight=False, soft_wrap=True).print(
        f"[green]valid[/] {kind}: {escape(f'{file} ({summary})')}")
