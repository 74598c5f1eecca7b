"""Inter-satellite links: topologies, Earth-clear line of sight, ranges and laser rates."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim import formation_cluster, propagate, time_grid, walker_delta
from orbitsim.geometry.isl import (
    DEFAULT_GRAZING_ALTITUDE_KM,
    EARTH_RADIUS_KM,
    isl_links,
    nearest_k,
    plus_grid,
    plus_grid_for,
)


def test_plus_grid_has_four_links_a_satellite():
    links = plus_grid(72, 22, phasing=17)
    assert links.shape == (2 * 72 * 22, 2)
    np.testing.assert_array_equal(np.bincount(links.ravel()), np.full(72 * 22, 4))
    assert np.all(links[:, 0] < links[:, 1]) and len(np.unique(links, axis=0)) == len(links)


def test_plus_grid_neighbours_and_seam():
    links = {tuple(link) for link in plus_grid(4, 5, phasing=1).tolist()}
    assert (0, 1) in links and (0, 4) in links  # in-plane, cyclic
    assert (0, 5) in links  # plane 0 slot 0 -> plane 1 slot 0
    assert (1, 15) in links  # seam: plane 3 slot 0 -> plane 0 slot 0 + F = 1
    star = plus_grid(4, 5, wrap_planes=False, offset=100)
    assert len(star) == 4 * 5 + 3 * 5 and star.min() == 100  # no links across the seam
    assert plus_grid(1, 1).shape == (0, 2)


def test_plus_grid_cross_links_join_nearby_satellites():
    """Across every +Grid link of a Walker delta shell (including the seam) the satellites are
    close: no link is a long chord."""
    shell = walker_delta(550, 53, planes=12, per_plane=10, phasing=5)
    geometry = propagate(shell, time_grid("2026-01-01T00:00Z", 0.5, 600))
    links = plus_grid(12, 10, phasing=5)
    state = isl_links(geometry, links)
    chord_in_plane = 2 * (EARTH_RADIUS_KM + 550) * np.sin(np.pi / 10)
    assert np.nanmax(state.range_km) < 1.2 * chord_in_plane
    assert state.visible.all()


def test_plus_grid_for_a_multi_shell_constellation():
    from orbitsim.model.catalogue import load_constellation

    gen1 = load_constellation("starlink-gen1")
    links = plus_grid_for(gen1)
    assert len(links) == 2 * len(gen1) - 52  # the polar star shell has no links across its seam
    degree = np.bincount(links.ravel(), minlength=len(gen1))
    assert degree.max() == 4 and degree.min() == 3
    with pytest.raises(ValueError):
        plus_grid_for(formation_cluster(9, 1.0))


def test_nearest_k_in_a_line():
    positions = np.array([[0.0, 0, 0], [1.0, 0, 0], [3.0, 0, 0], [7.0, 0, 0]]) + 7000.0
    links = nearest_k(positions, 1)
    assert {tuple(x) for x in links.tolist()} == {(0, 1), (1, 2), (2, 3)}
    assert nearest_k(positions[:, None, :].repeat(3, axis=1), 2, time_index=1).shape[1] == 2
    with pytest.raises(ValueError):
        nearest_k(positions, 4)


def test_nearest_k_blocks_give_the_same_links():
    rng = np.random.default_rng(3)
    positions = rng.normal(size=(81, 3))
    np.testing.assert_array_equal(nearest_k(positions, 4), nearest_k(positions, 4, block=7))


def test_line_of_sight_against_the_chord_closed_form():
    """Two satellites at radius r, central angle θ: visible iff r cos(θ/2) > R + h_graze."""
    r = EARTH_RADIUS_KM + 550.0
    theta = np.radians(np.linspace(1.0, 179.0, 60))
    a = np.broadcast_to([r, 0.0, 0.0], (60, 3))
    b = r * np.stack([np.cos(theta), np.sin(theta), np.zeros(60)], axis=-1)
    positions = np.stack([a, b])  # (2 satellites, 60 "times", 3)
    state = isl_links(positions, np.array([[0, 1]]), reference_range_km=1000.0)
    expected = r * np.cos(theta / 2) > EARTH_RADIUS_KM + DEFAULT_GRAZING_ALTITUDE_KM
    np.testing.assert_array_equal(state.visible[0], expected)
    np.testing.assert_allclose(state.range_km[0], 2 * r * np.sin(theta / 2), rtol=1e-12)
    rate = np.where(expected, 100e9 * np.minimum(1.0, (1000.0 / state.range_km[0]) ** 2), 0.0)
    np.testing.assert_allclose(state.rate_bps[0], rate)
    # Longest clear link: twice the tangent length to the grazing sphere (~5,016 km at 550 km).
    limit = 2 * np.sqrt(r**2 - (EARTH_RADIUS_KM + DEFAULT_GRAZING_ALTITUDE_KM) ** 2)
    assert limit - 300.0 < state.range_km[0][expected].max() <= limit


def test_max_range_and_table():
    r = EARTH_RADIUS_KM + 550.0
    positions = np.array([[[r, 0, 0]], [[r, 1500.0, 0]], [[r, 4000.0, 0]]])
    state = isl_links(positions, np.array([[0, 1], [0, 2]]), max_range_km=2000.0)
    np.testing.assert_array_equal(state.visible[:, 0], [True, False])
    frame = state.to_frame(names=["a", "b", "c"])
    assert list(frame.columns) == ["sat_a", "sat_b", "name_a", "name_b", "time_s", "visible",
                                   "range_km", "rate_bps"]
    assert frame.rate_bps.tolist() == [100e9, 0.0]
    with pytest.raises(ValueError):
        isl_links(positions, np.array([[0, 3]]))
