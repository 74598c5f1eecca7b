"""``orbitsim list``: the built-in constellations, ground networks, hardware, workloads,
scenarios and policies."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orbitsim import resources
from orbitsim.model.validation import read_toml

_KINDS = {
    "constellations": "constellation",
    "ground": "ground",
    "hardware": "hardware",
    "workloads": "workload",
    "scenarios": "scenario",
}


def _description(kind: str, name: str) -> str:
    try:
        data = read_toml(resources.builtin_dir(kind) / f"{name}.toml")
    except Exception:  # a listing never fails on one bad file
        return ""
    return str(data.get("description", "")) if isinstance(data, dict) else ""


def _policies() -> list[tuple[str, str]]:
    try:
        from orbitsim.policies import registry
    except ImportError:
        return []
    return [(name, doc) for name, doc in registry.describe().items()]


def list_builtins(
    what: Annotated[str | None, typer.Argument(
        help="Only one group: constellations, ground, hardware, workloads, scenarios, policies."
    )] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print {group: {name: description}} as one JSON object.")] = False,
) -> None:
    """List what is built in, with a one-line description of each.

    Example: orbitsim list constellations
    """
    from orbitsim.errors import InputError

    groups = list(_KINDS) + ["policies"]
    if what is not None and what not in groups:
        raise InputError(f"unknown group {what!r}; expected one of {', '.join(groups)}")
    console = Console(highlight=False)
    listing: dict[str, dict[str, str]] = {}
    for group in groups:
        if what is not None and group != what:
            continue
        table = Table(title=group, title_justify="left", show_header=False, box=None)
        if group == "policies":
            rows = _policies()
        else:
            kind = _KINDS[group]
            rows = [(name, _description(kind, name)) for name in resources.builtin_names(kind)]
        if as_json:
            listing[group] = dict(rows)
            continue
        if not rows:
            continue
        for name, description in rows:
            table.add_row(f"[bold]{escape(name)}[/]", escape(description))
        console.print(table)
        console.print()
    if as_json:
        from orbitsim.commands.options import print_json

        print_json(listing)
