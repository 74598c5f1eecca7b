"""Point in polygon (kernels/polygon): the even-odd rule against matplotlib's Path on shapes
with holes and several rings, boxes across the antimeridian, NaN points."""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path

from orbitsim.kernels.polygon import points_in_box, points_in_polygon, ring_edges


def _rings(*rings):
    lon = np.concatenate([r[:, 0] for r in rings])
    lat = np.concatenate([r[:, 1] for r in rings])
    offsets = np.cumsum([0] + [len(r) for r in rings])
    return lon, lat, offsets


def test_square_with_a_hole_and_an_island_against_matplotlib():
    outer = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], dtype=float)
    hole = np.array([[3, 3], [7, 3], [7, 7], [3, 7], [3, 3]], dtype=float)
    island = np.array([[20, 20], [25, 21], [22, 26]], dtype=float)  # not closed: closed here
    edges = ring_edges(*_rings(outer, hole, island))
    rng = np.random.default_rng(1)
    lon = rng.uniform(-5, 30, 20_000)
    lat = rng.uniform(-5, 30, 20_000)
    mine = points_in_polygon(lon, lat, edges)
    points = np.column_stack([lon, lat])
    reference = (Path(outer).contains_points(points) & ~Path(hole).contains_points(points)) | \
        Path(np.vstack([island, island[:1]])).contains_points(points)
    assert np.array_equal(mine, reference)
    assert mine.any() and not mine.all()


def test_shapes_and_nan():
    edges = ring_edges(*_rings(np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)))
    lon = np.array([[0.5, 2.0], [np.nan, 0.25]])
    lat = np.array([[0.5, 0.5], [0.5, np.nan]])
    assert points_in_polygon(lon, lat, edges).tolist() == [[True, False], [False, False]]


def test_box_across_the_antimeridian():
    lon = np.array([175.0, -175.0, 0.0, 179.0])
    lat = np.array([0.0, 0.0, 0.0, 20.0])
    assert points_in_box(lon, lat, -10, 10, 170, -170).tolist() == [True, True, False, False]
    assert points_in_box(lon, lat, -10, 30, -180, 180).all()
