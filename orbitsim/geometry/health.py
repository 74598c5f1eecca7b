"""Orbit hygiene: which satellites failed to propagate, and whose elements are too old.

A satellite whose propagation fails (an SGP4 error, or a position below 100 km of altitude or
beyond 100,000 km of radius: :func:`orbitsim.geometry.propagate.mark_insane`) is out of every
result from its first failing sample on: no eclipse rows, no passes, no coverage, no ISL, and in
a run its node fails then. Measured elements (TLE, OMM) age: SGP4's error grows by roughly a
kilometre a day from the epoch in LEO (Vallado et al., "Revisiting Spacetrack Report #3",
AIAA 2006-6753), so a window more than :data:`DEFAULT_MAX_EPOCH_AGE_DAYS` days from the epoch is
warned about. Designed orbits (Walker, sun-synchronous, cluster shells) do not age.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orbitsim.geometry.propagate import failures_frame, map_chunks
from orbitsim.model.constellation import Constellation
from orbitsim.model.timegrid import TimeGrid

#: Days between a satellite's element epoch and the window's start or end beyond which its
#: elements are stale (``--max-epoch-age-days``).
DEFAULT_MAX_EPOCH_AGE_DAYS = 14.0
#: Columns of the stale-elements table.
STALE_COLUMNS = ("satellite", "sat_index", "epoch_utc", "days_from_epoch_at_start",
                 "days_from_epoch_at_end")


def stale_elements(constellation: Constellation, grid: TimeGrid,
                   max_age_days: float = DEFAULT_MAX_EPOCH_AGE_DAYS) -> pd.DataFrame:
    """Satellites with measured elements whose epoch is more than ``max_age_days`` from the
    window's start or end: :data:`STALE_COLUMNS` (days signed: positive after the epoch)."""
    if not max_age_days > 0:
        raise ValueError(f"max_age_days must be > 0, got {max_age_days}")
    measured = np.flatnonzero(constellation.measured())
    if len(measured) == 0:
        return pd.DataFrame({c: [] for c in STALE_COLUMNS})
    epochs = constellation.subset(measured).epochs_jd()
    start_jd = float(grid.jd_whole[0] + grid.jd_fraction[0])
    end_jd = float(grid.jd_whole[-1] + grid.jd_fraction[-1])
    at_start, at_end = start_jd - epochs, end_jd - epochs
    stale = (np.abs(at_start) > max_age_days) | (np.abs(at_end) > max_age_days)
    index = measured[stale]
    seconds = (epochs[stale] - start_jd) * 86400.0
    return pd.DataFrame({
        "satellite": pd.Series([constellation.names[i] for i in index.tolist()], dtype=object),
        "sat_index": index.astype(np.int64),
        "epoch_utc": pd.Series(grid.iso(seconds) if len(seconds) else [], dtype=object),
        "days_from_epoch_at_start": np.round(at_start[stale], 3),
        "days_from_epoch_at_end": np.round(at_end[stale], 3),
    }, columns=list(STALE_COLUMNS))


def orbit_errors(constellation: Constellation, grid: TimeGrid, *, workers: int = 1,
                 chunk_size: int | None = None) -> pd.DataFrame:
    """Satellites whose propagation fails on ``grid``: ``satellite, sat_index,
    first_error_utc, first_error_s, code, message`` (propagated chunk by chunk; the same table
    every command reports)."""
    rows: list = []
    for _ in map_chunks(constellation, grid, _nothing, workers=workers, chunk_size=chunk_size,
                        failures=rows):
        pass
    return failures_frame(constellation, grid, rows)


def _nothing(chunk, grid) -> None:
    return None


def error_warning(errors: pd.DataFrame, n_sats: int) -> str | None:
    """The one warning line for failed satellites (None if there is none)."""
    if errors is None or len(errors) == 0:
        return None
    first = errors.sort_values(["first_error_s", "sat_index"], kind="stable").iloc[0]
    return (f"{len(errors):,} of {n_sats:,} satellites failed to propagate, first "
            f"{first.satellite} at {first.first_error_utc} (code {int(first.code)}: "
            f"{first.message}); each is left out of every result from its failure on")


def stale_warning(stale: pd.DataFrame, n_sats: int, max_age_days: float) -> str | None:
    """The one warning line for stale elements (None if there is none)."""
    if stale is None or len(stale) == 0:
        return None
    worst = np.maximum(np.abs(stale["days_from_epoch_at_start"].to_numpy(float)),
                       np.abs(stale["days_from_epoch_at_end"].to_numpy(float)))
    first = stale.iloc[int(np.argmax(worst))]
    return (f"{len(stale):,} of {n_sats:,} satellites have elements more than "
            f"{max_age_days:g} days from their epoch at the window's start or end, worst "
            f"{first.satellite} (epoch "
            f"{first.epoch_utc}, {float(worst.max()):,.1f} days): SGP4 drifts by about a "
            f"kilometre a day from the epoch (--max-epoch-age-days to change the limit)")


def records(frame: pd.DataFrame) -> list[dict]:
    """A table as JSON-ready rows (for ``summary.json``)."""
    if frame is None or len(frame) == 0:
        return []
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out
