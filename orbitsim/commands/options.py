"""Options shared by several commands, so that they read the same everywhere."""

from __future__ import annotations

import math
from typing import Annotated

import typer


def positive(value: float | None) -> float | None:
    """Typer callback: a finite number > 0 (``None``, an option left out, passes)."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"must be a finite number > 0, got {value:g}")
    return value


Start = Annotated[str, typer.Option("--start", help="Start of the window, ISO 8601 UTC.")]
Hours = Annotated[float, typer.Option("--hours", help="Length of the window in hours (> 0).",
                                      callback=positive)]
Step = Annotated[float, typer.Option("--step", help="Time step of the geometry grid, seconds "
                                     "(> 0).", callback=positive)]
Workers = Annotated[int, typer.Option("--workers", help="Processes for the chunked propagation.",
                                      min=1)]
#: ``--workers`` of ``run``: unset means every core for constellations of 10,000+ satellites.
AutoWorkers = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Processes preparing the geometry (default: every core for "
    "constellations of 10,000 satellites or more, else 1).")]
DEFAULT_START = "2026-06-21T00:00:00Z"
#: ``--json`` of every command that prints a summary.
AsJson = Annotated[bool, typer.Option(
    "--json", help="Print the summary as one JSON object on stdout instead of the table "
    "(nothing else on stdout; warnings go to stderr).")]


def print_json(summary: dict) -> None:
    """``summary`` as one line of JSON on stdout (NaN and infinities as null)."""
    import json

    from orbitsim.results import _jsonable

    typer.echo(json.dumps(_jsonable(summary)))


def show_progress(console, as_json: bool) -> bool:
    """Whether a command draws its progress bars: on a terminal, never with ``--json``."""
    return console.is_terminal and not as_json
