"""Inter-satellite links: topologies, Earth-clear line of sight, ranges and laser rates."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim import formation_cluster, propagate, time_grid, walker_delta, walker_star
from orbitsim.geometry.isl import (
    CROSS_PLANE,
    DEFAULT_GRAZING_ALTITUDE_KM,
    EARTH_RADIUS_KM,
    IN_PLANE,
    INTER_GROUP,
    LINK_KINDS,
    NEIGHBOUR,
    SEAM,
    isl_links,
    laser_mesh,
    mesh_topology,
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


# --- the mesh over time -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_shell_geometry():
    shell = walker_delta(550, 53, planes=12, per_plane=10, phasing=5)
    return propagate(shell, time_grid("2026-01-01T00:00Z", 1.0, 300))


def test_mesh_topology_labels_the_links_of_a_walker_shell():
    shell = walker_delta(550, 53, planes=12, per_plane=10, phasing=5)
    topology = mesh_topology(shell)
    counts = np.bincount(topology.kind, minlength=len(LINK_KINDS))
    assert counts[IN_PLANE] == 120 and counts[CROSS_PLANE] == 110 and counts[SEAM] == 10
    np.testing.assert_array_equal(topology.links, plus_grid(12, 10, phasing=5))
    plane = topology.links // 10
    assert np.all((plane[:, 0] == plane[:, 1]) == (topology.kind == IN_PLANE))
    assert np.all(np.isin(plane[topology.kind == SEAM], [0, 11]))
    no_seam = mesh_topology(shell, seam_links=False)
    assert len(no_seam.links) == 230 and SEAM not in no_seam.kind
    star = mesh_topology(walker_star(780, 86.4, planes=6, per_plane=11, phasing=2))
    assert SEAM not in star.kind and len(star.links) == 66 + 55


def test_mesh_topology_of_other_shells_uses_nearest_neighbours():
    from orbitsim import combine

    cluster = formation_cluster(9, 1.0)
    with pytest.raises(ValueError, match="nearest-neighbour"):
        mesh_topology(cluster)
    both = combine("both", [walker_delta(550, 53, planes=4, per_plane=10, phasing=1), cluster])
    geometry = propagate(both, time_grid("2026-01-01T00:00Z", 0.1, 60))
    topology = mesh_topology(both, geometry.r_ecef_km, nearest=3)
    np.testing.assert_array_equal(topology.group, [0] * 40 + [1] * 9)
    neighbour = topology.links[topology.kind == NEIGHBOUR]
    assert len(neighbour) >= 9 * 3 / 2 and neighbour.min() >= 40
    np.testing.assert_array_equal(neighbour, nearest_k(geometry.r_ecef_km[40:], 3) + 40)
    assert len(topology.links[topology.kind != NEIGHBOUR]) == len(plus_grid(4, 10, phasing=1))


def test_laser_mesh_is_isl_links_per_step(small_shell_geometry):
    geometry = small_shell_geometry
    mesh = laser_mesh(geometry, max_range_km=3000.0)
    state = isl_links(geometry, mesh.links, max_range_km=3000.0)
    np.testing.assert_array_equal(mesh.up(), state.visible)
    assert mesh.offsets[-1] == len(mesh.link) == state.visible.sum()
    for t in (0, 5, mesh.n_times - 1):
        a, b, range_km = mesh.edges(t)
        links = mesh.links[mesh.link[mesh.step(t)]]
        index = np.flatnonzero(state.visible[:, t])
        np.testing.assert_array_equal(links, mesh.links[index])
        np.testing.assert_allclose(range_km, state.range_km[index, t], rtol=1e-12)
        graph = mesh.graph(t).toarray()
        np.testing.assert_allclose(graph, graph.T)
        np.testing.assert_allclose(graph[a, b], range_km * 1e3 / 299_792_458.0, rtol=1e-12)
        assert np.count_nonzero(graph) == 2 * len(a)
    frame = mesh.to_frame(names=geometry.constellation.names)
    assert list(frame.columns) == ["time_s", "sat_a", "sat_b", "name_a", "name_b", "kind",
                                   "range_km", "delay_ms", "rate_bps"]
    assert len(frame) == len(mesh.link) and set(frame.kind) <= set(LINK_KINDS)
    np.testing.assert_allclose(frame.delay_ms, frame.range_km / 299.792458, rtol=1e-12)
    with pytest.raises(IndexError):
        mesh.step(mesh.n_times)


def test_cross_plane_links_switch_off_above_a_latitude(small_shell_geometry):
    geometry = small_shell_geometry
    full = laser_mesh(geometry)
    cut = laser_mesh(geometry, cross_plane_max_lat_deg=30.0)
    np.testing.assert_array_equal(full.links, cut.links)
    polar = np.abs(geometry.lat_deg) > 30.0
    cross = np.isin(full.kind, [CROSS_PLANE, SEAM])
    off = polar[full.links[:, 0]] | polar[full.links[:, 1]]  # (n_links, n_times)
    expected = full.up() & ~(cross[:, None] & off)
    np.testing.assert_array_equal(cut.up(), expected)
    assert (full.up() & cross[:, None] & off).any()  # the cut removed something
    np.testing.assert_array_equal(cut.up()[~cross], full.up()[~cross])  # in-plane untouched
    # From raw positions the latitudes come from orbitsim's geodetic kernel: same links.
    raw = laser_mesh(geometry.r_ecef_km, mesh_topology(geometry.constellation),
                     cross_plane_max_lat_deg=30.0)
    np.testing.assert_array_equal(raw.up(), cut.up())


def test_inter_group_links_join_the_nearest_satellite_of_the_other_shell():
    from orbitsim import combine

    low = walker_delta(550, 53, planes=8, per_plane=10, phasing=1, prefix="LOW")
    high = walker_delta(1100, 70, planes=6, per_plane=10, phasing=1, prefix="HIGH",
                        first_id=1001)
    both = combine("two-shells", [low, high])
    geometry = propagate(both, time_grid("2026-01-01T00:00Z", 0.5, 600))
    mesh = laser_mesh(geometry, inter_group_range_km=1500.0)
    topology = mesh_topology(both)
    np.testing.assert_array_equal(mesh.links[:len(topology.links)], topology.links)
    inter = mesh.kind == INTER_GROUP
    assert inter.any() and np.all(mesh.links[inter, 0] < 80) and np.all(mesh.links[inter, 1] >= 80)
    r = geometry.r_ecef_km
    for t in range(mesh.n_times):
        a, b, range_km = mesh.edges(t)
        is_inter = mesh.kind[mesh.link[mesh.step(t)]] == INTER_GROUP
        pairs = {tuple(p) for p in np.stack([a, b], axis=1)[is_inter].tolist()}
        assert np.all(range_km[is_inter] <= 1500.0)
        # Brute force: every satellite's nearest satellite of the other shell, if within range
        # and Earth-clear, is linked.
        distance = np.linalg.norm(r[:80, t, None, :] - r[None, 80:, t, :], axis=-1)
        for i in range(80):
            j = int(np.argmin(distance[i]))
            clear = isl_links(r[:, t:t + 1], np.array([[i, 80 + j]])).visible[0, 0]
            assert ((i, 80 + j) in pairs) == (distance[i, j] <= 1500.0 and clear)
        for j in range(20):
            i = int(np.argmin(distance[:, j]))
            clear = isl_links(r[:, t:t + 1], np.array([[i, 80 + j]])).visible[0, 0]
            assert ((i, 80 + j) in pairs) == (distance[i, j] <= 1500.0 and clear)


def test_inter_group_choosers_pick_their_nearest_in_the_other_groups_only():
    from orbitsim import combine

    nodes = walker_delta(650, 53, planes=2, per_plane=4, phasing=1, prefix="NODE")
    relays = walker_delta(550, 53, planes=8, per_plane=10, phasing=1, prefix="RELAY",
                          first_id=1001)
    both = combine("nodes+relays", [nodes, relays])
    geometry = propagate(both, time_grid("2026-01-01T00:00Z", 0.5, 600))
    choosers = np.arange(len(both)) < 8
    mesh = laser_mesh(geometry, inter_group_range_km=3000.0, inter_group_k=2,
                      inter_group_choosers=choosers)
    r = geometry.r_ecef_km
    for t in range(mesh.n_times):
        a, b, range_km = mesh.edges(t)
        is_inter = mesh.kind[mesh.link[mesh.step(t)]] == INTER_GROUP
        pairs = np.stack([a, b], axis=1)[is_inter]
        assert np.all(pairs[:, 0] < 8) and np.all(pairs[:, 1] >= 8)  # node to relay only
        per_node = np.bincount(pairs[:, 0], minlength=8)
        assert per_node.max() <= 2
        for i in range(8):  # each node: its two nearest relays, when in range and clear
            distance = np.linalg.norm(r[8:, t] - r[i, t], axis=-1)
            for j in np.argsort(distance)[:2]:
                clear = isl_links(r[:, t:t + 1], np.array([[i, 8 + j]])).visible[0, 0]
                linked = bool(np.any((pairs[:, 0] == i) & (pairs[:, 1] == 8 + j)))
                assert linked == (distance[j] <= 3000.0 and clear)


def test_sun_synchronous_plane_sets_get_a_plus_grid_without_seam():
    from scipy.sparse.csgraph import connected_components

    from orbitsim import sun_synchronous

    sso = sun_synchronous(650, ltan_hours=6.0, planes=4, per_plane=8, plane_spacing_hours=0.1)
    assert sso.shells[0].per_plane == 8
    topology = mesh_topology(sso)  # no positions needed: a +Grid, not nearest neighbours
    assert len(topology.links) == 4 * 8 + 3 * 8 and SEAM not in topology.kind
    np.testing.assert_array_equal(np.bincount(topology.kind), [32, 24])
    # Each satellite links to its plane's neighbours (5,400 km away, 45 degrees along the
    # orbit) and to the same slot of the next plane; all stay Earth-clear and connected.
    geometry = propagate(sso, time_grid("2026-06-21T00:00Z", 2, 300))
    mesh = laser_mesh(geometry)
    assert np.all(np.diff(mesh.offsets) == 56)
    assert max(connected_components(mesh.graph(t))[0] for t in range(mesh.n_times)) == 1
    in_plane = mesh.range_km[mesh.kind[mesh.link] == IN_PLANE]
    assert 5300 < in_plane.min() and in_plane.max() < 5500


def test_laser_mesh_of_positions_needs_a_topology():
    r = EARTH_RADIUS_KM + 550.0
    positions = np.array([[[r, 0, 0]], [[r, 1500.0, 0]], [[-r, 0, 0]]])
    with pytest.raises(ValueError, match="topology"):
        laser_mesh(positions)
    mesh = laser_mesh(positions, np.array([[0, 1], [0, 2]]))
    np.testing.assert_array_equal(mesh.up(), [[True], [False]])
    assert mesh.kind.tolist() == [NEIGHBOUR, NEIGHBOUR]
    with pytest.raises(ValueError):
        laser_mesh(positions, np.array([[0, 1]]), cross_plane_max_lat_deg=95.0)
