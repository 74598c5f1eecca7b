"""``orbitsim validate``: check a scenario, constellation, ground network, hardware, workload,
TLE or OMM file without running anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from orbitsim.errors import InputError
from orbitsim.model.validation import read_toml


def sniff_kind(path: Path) -> str:
    """What a file is: scenario, constellation, ground, hardware, accelerator, workload or
    orbits."""
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
        raise InputError("cannot tell what this TOML file describes: expected 'shells' "
                         "(constellation), 'stations' (ground network), 'constellation' "
                         "(scenario), 'node'/'accelerator' (hardware), 'power_limit_w' "
                         "(accelerator) or 'job_classes' (workload)",
                         source=path)
    if suffix == ".csv":
        head = path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].lower()
        return "ground" if "lat_deg" in head else "orbits"
    return "orbits"


def check_file(path: Path) -> tuple[str, str]:
    """Load ``path`` with the loader of its kind; ``(kind, summary)`` or an InputError."""
    kind = sniff_kind(path)
    if kind == "scenario":
        from orbitsim.model.scenario import load_scenario

        scenario = load_scenario(path)
        return kind, (f"{scenario.constellation} / {scenario.ground_network} / "
                      f"{scenario.workload}, {scenario.hours:g} h from {scenario.start_utc}")
    if kind in ("constellation", "orbits"):
        from orbitsim.model.catalogue import load_constellation

        constellation = load_constellation(path)
        return "constellation", f"{len(constellation):,} satellites"
    if kind == "ground":
        from orbitsim.model.ground import load_ground_network

        network = load_ground_network(path)
        return kind, f"{len(network.stations)} stations"
    if kind == "hardware":
        from orbitsim.model import hardware

        node = hardware.load_node(path)
        return kind, node.name
    if kind == "accelerator":
        from orbitsim.model import hardware

        return kind, hardware.load_accelerator(path).name
    from orbitsim.model import workload

    workload.load_workload(path)
    return kind, "ok"


def validate(
    file: Annotated[Path, typer.Argument(help="Scenario, constellation, ground network, "
                                         "hardware, workload, TLE/3LE or OMM file.")],
) -> None:
    """Check a file: exit 0 if valid, else print what is wrong (file, line, field) and exit 2.

    Example: orbitsim validate constellations/starlink-shell1.toml
    """
    kind, summary = check_file(file)
    Console(highlight=False).print(f"[green]valid[/] {kind}: {escape(f'{file} ({summary})')}")
