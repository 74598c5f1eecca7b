"""Options shared by several commands, so that they read the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

Start = Annotated[str, typer.Option("--start", help="Start of the window, ISO 8601 UTC.")]
Hours = Annotated[float, typer.Option("--hours", help="Length of the window in hours.", min=0.0)]
Step = Annotated[float, typer.Option("--step", help="Time step of the geometry grid, seconds.",
                                     min=0.001)]
Workers = Annotated[int, typer.Option("--workers", help="Processes for the chunked propagation.",
                                      min=1)]
DEFAULT_START = "2026-06-21T00:00:00Z"
