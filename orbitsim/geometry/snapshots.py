"""Snapshots: where a sample of the satellites is at a few instants of a window, for maps that
animate them (a plotly frame per instant). The window is thinned to at most ``max_times``
instants and the constellation to at most ``max_satellites`` satellites spread evenly over it,
so that the page stays small whatever the constellation and the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orbitsim.geometry.propagate import propagate
from orbitsim.model.constellation import Constellation
from orbitsim.model.timegrid import TimeGrid, time_grid

#: Instants and satellites of a snapshot set by default.
MAX_TIMES = 120
MAX_SATELLITES = 2000


@dataclass(frozen=True, eq=False)
class Snapshots:
    """Positions of satellites ``sat_index`` (into the constellation) at the instants of
    ``grid``: ``lon_deg``, ``lat_deg``, ``alt_km`` are ``(len(sat_index), len(grid))``
    (NaN where the propagation failed)."""

    sat_index: np.ndarray
    names: list[str]
    grid: TimeGrid
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    alt_km: np.ndarray

    def __repr__(self) -> str:
        return (f"<Snapshots {len(self.sat_index):,} satellites x {len(self.grid):,} instants "
                f"every {self.grid.step_s:g} s>")


def spread_indices(n: int, k: int) -> np.ndarray:
    """Up to ``k`` indices evenly spread over ``range(n)``, first and last included."""
    if n <= 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.round(np.linspace(0, n - 1, min(n, k))).astype(np.int64))


def thinned_grid(grid: TimeGrid, max_times: int = MAX_TIMES) -> TimeGrid:
    """``grid``'s window sampled at no more than ``max_times`` instants: every ``k``-th
    instant of ``grid`` (the same start, a whole multiple of its step)."""
    if max_times < 2:
        raise ValueError(f"max_times must be >= 2, got {max_times}")
    every = max(1, math.ceil((len(grid) - 1) / (max_times - 1)))
    if every == 1:
        return grid
    return time_grid(grid.start_utc, grid.duration_s / 3600.0, grid.step_s * every)


def snapshots(constellation: Constellation, grid: TimeGrid, *, max_times: int = MAX_TIMES,
              max_satellites: int = MAX_SATELLITES,
              indices: np.ndarray | None = None) -> Snapshots:
    """Positions of up to ``max_satellites`` satellites (or those at ``indices``) at up to
    ``max_times`` instants of ``grid``'s window (:func:`thinned_grid`).

    >>> from orbitsim import walker_delta
    >>> shots = snapshots(walker_delta(550, 53, 6, 6), time_grid("2026-01-01T00:00Z", 6, 60))
    >>> shots.lon_deg.shape
    (36, 121)
    """
    index = (spread_indices(len(constellation), max_satellites) if indices is None
             else np.unique(np.asarray(indices, dtype=np.int64)))
    frames = thinned_grid(grid, max_times)
    geometry = propagate(constellation.subset(index), frames)
    return Snapshots(index, [constellation.names[i] for i in index.tolist()], frames,
                     geometry.lon_deg, geometry.lat_deg, geometry.alt_km)


__all__ = ["MAX_SATELLITES", "MAX_TIMES", "Snapshots", "snapshots", "spread_indices",
           "thinned_grid"]
