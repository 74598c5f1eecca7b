"""Snapshots for animated maps: the window thinned to whole multiples of its step, satellites
spread over the constellation, positions equal to the propagation at those instants."""

from __future__ import annotations

import numpy as np

from orbitsim import propagate, time_grid, walker_delta
from orbitsim.geometry.snapshots import snapshots, spread_indices, thinned_grid


def test_thinned_grid_keeps_the_start_and_whole_steps():
    grid = time_grid("2026-06-21T00:00:00Z", hours=24, step_s=60)
    thin = thinned_grid(grid, 97)
    assert len(thin) == 97 and thin.step_s == 900.0 and thin.start_utc == grid.start_utc
    assert set(thin.seconds) <= set(grid.seconds)
    assert thinned_grid(grid, 5000) is grid


def test_positions_are_the_propagation_of_the_spread_satellites():
    shell = walker_delta(550, 53, 6, 6, 1)
    grid = time_grid("2026-06-21T00:00:00Z", hours=2, step_s=60)
    shots = snapshots(shell, grid, max_times=13, max_satellites=5)
    assert shots.sat_index.tolist() == spread_indices(36, 5).tolist() == [0, 9, 18, 26, 35]
    assert shots.names == [shell.names[i] for i in shots.sat_index]
    full = propagate(shell, grid)
    every = int(shots.grid.step_s // grid.step_s)
    np.testing.assert_array_equal(shots.lon_deg, full.lon_deg[shots.sat_index, ::every])
    np.testing.assert_array_equal(shots.lat_deg, full.lat_deg[shots.sat_index, ::every])
    assert repr(shots) == "<Snapshots 5 satellites x 13 instants every 600 s>"
