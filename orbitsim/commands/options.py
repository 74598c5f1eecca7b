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
MaxEpochAge = Annotated[float, typer.Option(
    "--max-epoch-age-days", callback=positive, help="Warn when the window's start or end is "
    "more than this many days from a satellite's element epoch (TLE, OMM).")]
DEFAULT_MAX_EPOCH_AGE_DAYS = 14.0


def check_suffix(path, suffixes: tuple[str, ...], option: str) -> None:
    """InputError unless ``path`` ends with one of ``suffixes`` (the format written is the
    one its name says: ``--png c.jpg`` is refused, not filled with PNG bytes)."""
    from pathlib import Path

    from orbitsim.errors import InputError

    if path is None or Path(path).is_dir():  # a folder: the writer names that problem
        return
    if Path(path).suffix.lower() not in suffixes:
        raise InputError(f"{path}: writes {'/'.join(s.lstrip('.').upper() for s in suffixes)}; "
                         f"give a file name ending in {' or '.join(suffixes)}", field=option)


def warn(line: str | None) -> None:
    """One warning line on stderr (never wrapped, whatever the terminal's width)."""
    if line:
        import sys

        print(f"warning: {line}", file=sys.stderr, flush=True)


def orbit_warnings(constellation, grid, failure_rows: list, max_age_days: float):
    """Print the orbit-hygiene warnings of a command (one line each: failed satellites, stale
    elements) and return ``(errors, stale)`` tables."""
    from orbitsim.geometry.health import error_warning, stale_elements, stale_warning
    from orbitsim.geometry.propagate import failures_frame

    errors = failures_frame(constellation, grid, failure_rows)
    stale = stale_elements(constellation, grid, max_age_days)
    warn(error_warning(errors, len(constellation)))
    warn(stale_warning(stale, len(constellation), max_age_days))
    return errors, stale


def sampling_step(constellation, step_s: float) -> float:
    """The step the geometry is sampled at: ``--step`` if it is safe for the orbits, else the
    largest safe one (:mod:`orbitsim.geometry.sampling`), said in one note on stderr."""
    import sys

    from orbitsim.geometry.sampling import sampling_step_s

    used = sampling_step_s(constellation, step_s)
    if used != step_s:
        print(f"note: --step {step_s:g} s would step over passes and eclipses of these orbits; "
              f"sampled every {used:g} s (the same results as --step {used:g})",
              file=sys.stderr, flush=True)
    return used
