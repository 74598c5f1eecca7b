"""Routing over the laser mesh against an independent computation: Skyfield positions
(``EarthSatellite``, ``frame_xyz(itrs)``), Skyfield elevations (``altaz``), a +Grid built from the
satellites' names, and networkx Dijkstra. Plus: no relay through the ground, hops and paths
consistent with delays, the cache, ground endpoints."""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from orbitsim import propagate, time_grid, walker_delta
from orbitsim.errors import InputError
from orbitsim.geometry.isl import laser_mesh
from orbitsim.geometry.routing import (
    PATH_SEPARATOR,
    Router,
    ground_links,
    ground_point,
    routes,
    straight_line_rtt_ms,
)
from orbitsim.kernels.visibility import look_angles
from orbitsim.model.ground import GroundNetwork, Station

C_KM_S = 299_792.458
GRAZING_RADIUS_KM = 6378.137 + 80.0
MASK_DEG = 10.0
PLANES, PER_PLANE, PHASING = 10, 12, 3
#: Ground points (lat, lon): London, New York, Singapore, Sydney, Nairobi, Lima, Tokyo, LA.
CITIES = {"London": (51.5, -0.13), "New York": (40.7, -74.0), "Singapore": (1.35, 103.8),
          "Sydney": (-33.9, 151.2), "Nairobi": (-1.29, 36.8), "Lima": (-12.0, -77.0),
          "Tokyo": (35.7, 139.7), "Los Angeles": (34.05, -118.25)}
PAIRS = [("London", "New York"), ("Singapore", "Sydney"), ("Nairobi", "Lima"),
         ("Tokyo", "Los Angeles"), ("London", "Singapore")]
START = (2026, 3, 20, 0, 0)
STEP_MIN, N_STEPS = 4, 8


@pytest.fixture(scope="module")
def shell():
    return walker_delta(550, 53, planes=PLANES, per_plane=PER_PLANE, phasing=PHASING,
                        prefix="T")


@pytest.fixture(scope="module")
def grid():
    return time_grid("2026-03-20T00:00:00Z", (N_STEPS - 1) * STEP_MIN / 60.0, STEP_MIN * 60.0)


@pytest.fixture(scope="module")
def reference(shell, ts):
    """Positions, +Grid links and ground visibility computed without orbitsim's code."""
    t = ts.utc(*START[:4], np.arange(N_STEPS) * STEP_MIN)
    r = np.stack([EarthSatellite.from_satrec(s, ts).at(t).frame_xyz(itrs).km.T
                  for s in shell.satrecs])  # (n_sats, n_times, 3)
    # +Grid from the names (T-Ppp-Sss): in-plane ring, same slot of the next plane, and across
    # the seam the slot shifted by the Walker phasing.
    where = {}
    for i, name in enumerate(shell.names):
        p, s = map(int, re.fullmatch(r"T-P(\d+)-S(\d+)", name).groups())
        where[(p, s)] = i
    links = set()
    for (p, s), i in where.items():
        links.add((i, where[(p, (s + 1) % PER_PLANE)]))
        if p + 1 < PLANES:
            links.add((i, where[(p + 1, s)]))
        else:
            links.add((i, where[(0, (s + PHASING) % PER_PLANE)]))
    ground = {}
    for city, (lat, lon) in CITIES.items():
        topos = wgs84.latlon(lat, lon)
        for i, satrec in enumerate(shell.satrecs):
            alt, _, distance = (EarthSatellite.from_satrec(satrec, ts) - topos).at(t).altaz()
            ground[city, i] = (alt.degrees, distance.km)
    return r, sorted(links), ground


def _clearance_km(a: np.ndarray, b: np.ndarray) -> float:
    """Distance from the Earth's centre to the segment a-b (cross-product form)."""
    d = b - a
    if np.dot(-a, d) <= 0.0:
        return float(np.linalg.norm(a))
    if np.dot(b, d) <= 0.0:
        return float(np.linalg.norm(b))
    return float(np.linalg.norm(np.cross(a, b)) / np.linalg.norm(d))


def _reference_graph(reference, t: int, cities: tuple[str, ...]) -> nx.Graph:
    r, links, ground = reference
    graph = nx.Graph()
    for i, j in links:
        clearance = _clearance_km(r[i, t], r[j, t])
        assert abs(clearance - GRAZING_RADIUS_KM) > 0.01  # no borderline link in this case
        if clearance > GRAZING_RADIUS_KM:
            graph.add_edge(i, j, weight=np.linalg.norm(r[i, t] - r[j, t]) / C_KM_S)
    for city in cities:
        graph.add_node(city)
        for i in range(len(r)):
            elevation, distance = ground[city, i][0][t], ground[city, i][1][t]
            assert abs(elevation - MASK_DEG) > 1e-3  # no borderline satellite either
            if elevation >= MASK_DEG:
                graph.add_edge(city, i, weight=distance / C_KM_S)
    return graph


def test_routes_equal_networkx_on_a_skyfield_graph(shell, grid, reference):
    names = shell.names
    found = missing = 0
    for a, b in PAIRS:
        table = routes(shell, CITIES[a], CITIES[b], grid, min_elevation_deg=MASK_DEG)
        assert len(table) == N_STEPS
        for t, row in enumerate(table.itertuples(index=False)):
            graph = _reference_graph(reference, t, (a, b))
            try:
                length, path = nx.single_source_dijkstra(graph, a, b)
            except nx.NetworkXNoPath:
                assert not row.path_exists and np.isnan(row.rtt_ms) and row.path == ""
                assert row.hops is pd.NA
                missing += 1
                continue
            found += 1
            assert row.path_exists
            assert row.rtt_ms == pytest.approx(2e3 * length, abs=1e-4)  # 0.1 us
            assert row.path == PATH_SEPARATOR.join(names[i] for i in path[1:-1])
            assert row.hops == len(path) - 1
    assert found >= 10 and missing >= 1  # both cases are exercised


def test_satellite_distances_equal_networkx(shell, grid, reference):
    geometry = propagate(shell, grid)
    router = Router(laser_mesh(geometry))
    for t in (0, N_STEPS - 1):
        graph = _reference_graph(reference, t, ())
        for source in (0, 57):
            expected = nx.single_source_dijkstra_path_length(graph, source)
            dist, _ = router.shortest(t, [source])
            reached = np.flatnonzero(np.isfinite(dist[0]))
            assert set(reached.tolist()) == set(expected)
            np.testing.assert_allclose(dist[0, reached], [expected[i] for i in reached],
                                       rtol=0, atol=5e-11)  # 0.05 ns


def test_no_rtt_below_the_straight_line_light_time(shell, grid):
    rng = np.random.default_rng(7)
    lat = np.degrees(np.arcsin(rng.uniform(-0.8, 0.8, 12)))
    lon = rng.uniform(-180.0, 180.0, 12)
    stations = tuple(Station(f"p{k}", float(lat[k]), float(lon[k]), 0.0, MASK_DEG)
                     for k in range(12))
    network = GroundNetwork("random", stations)
    geometry = propagate(shell, grid)
    router = Router(laser_mesh(geometry), ground_links(geometry, network))
    points = np.arange(12)
    checked = 0
    for t in range(len(grid)):
        rtt_ms = 2e3 * router.delay_s(t, router.source_node(points), router.sink_node(points))
        hops = router.hops(t, router.source_node(points), router.sink_node(points))
        for i in range(12):
            for j in range(12):
                if i != j and np.isfinite(rtt_ms[i, j]):
                    assert rtt_ms[i, j] >= straight_line_rtt_ms(stations[i], stations[j])
                    path = router.path(t, int(router.source_node(i)), int(router.sink_node(j)))
                    assert hops[i, j] == len(path) - 1 >= 2
                    checked += 1
                else:
                    assert hops[i, j] == -1 or i == j
    assert checked > 100


def test_no_path_relays_through_a_ground_point():
    """Satellites 0 and 1 share no link; C sees both, A only 0, B only 1: no route A -> B."""
    r_km = 6378.137 + 550.0
    lon = np.radians([0.0, 20.0])
    positions = r_km * np.stack([np.cos(lon), np.sin(lon), np.zeros(2)], axis=-1)[:, None, :]
    mesh = laser_mesh(positions, np.zeros((0, 2), dtype=np.int64))
    network = GroundNetwork("three", (Station("A", 0.0, -5.0, 0.0, 10.0),
                                      Station("B", 0.0, 25.0, 0.0, 10.0),
                                      Station("C", 0.0, 10.0, 0.0, 0.0)))
    ground = ground_links(positions, network)
    assert sorted(zip(ground.point.tolist(), ground.sat.tolist())) == [(0, 0), (1, 1), (2, 0),
                                                                        (2, 1)]
    router = Router(mesh, ground)
    a, b, c = router.source_node(0), router.sink_node(1), router.sink_node(2)
    assert np.isinf(router.delay_s(0, a, b)[0, 0]) and router.hops(0, a, b)[0, 0] == -1
    assert router.path(0, int(a), int(b)) == []
    assert router.path(0, int(a), int(c)) == [int(a), 0, int(c)]
    assert router.hops(0, a, [c, a])[0].tolist() == [2, 0]


def test_ground_links_are_the_satellites_above_the_mask(shell, grid):
    network = GroundNetwork("cities", tuple(Station(n, lat, lon, 0.0, 20.0)
                                            for n, (lat, lon) in CITIES.items()))
    geometry = propagate(shell, grid)
    links = ground_links(geometry, network)
    elevation, _, range_km = look_angles(geometry.r_ecef_km, network.ecef_km, network.enu)
    for t in range(len(grid)):
        where = links.step(t)
        seen = np.zeros((len(shell), len(network)), dtype=bool)
        seen[links.sat[where], links.point[where]] = True
        np.testing.assert_array_equal(seen, elevation[:, :, t] >= 20.0)
        np.testing.assert_allclose(links.range_km[where],
                                   range_km[links.sat[where], links.point[where], t])
    np.testing.assert_allclose(links.delay_s, links.range_km / C_KM_S)


def test_router_caches_steps_and_sources(shell, grid, monkeypatch):
    import scipy.sparse.csgraph as csgraph

    geometry = propagate(shell, grid)
    router = Router(laser_mesh(geometry), cache_steps=2)
    calls = []
    original = csgraph.dijkstra

    def counting(*args, **kwargs):
        calls.append(list(kwargs["indices"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(csgraph, "dijkstra", counting)
    first = router.shortest(0, [3, 5])
    again = router.shortest(0, [5, 3, 7])
    assert calls == [[3, 5], [7]]  # only the new source
    np.testing.assert_array_equal(first[0][0], again[0][1])
    router.shortest(1, [3])
    router.shortest(2, [3])
    router.shortest(0, [3])  # step 0 fell out of the cache: recomputed
    assert calls[-1] == [3] and len(calls) == 5


def test_hop_delay_is_added_to_every_link(shell, grid):
    geometry = propagate(shell, grid)
    mesh = laser_mesh(geometry)
    plain, slow = Router(mesh), Router(mesh, hop_delay_s=1e-3)
    targets = np.arange(len(shell))
    base = plain.delay_s(0, 0, targets)[0]
    hops = plain.hops(0, 0, targets)[0]
    delayed = slow.delay_s(0, 0, targets)[0]
    assert np.all(delayed >= base) and np.all(delayed <= base + 1e-3 * hops + 1e-12)
    neighbours = mesh.graph(0)[0].indices
    np.testing.assert_allclose(delayed[neighbours], base[neighbours] + 1e-3)


def test_ground_points_from_names_and_coordinates():
    london = ground_point("51.5,-0.13")
    assert (london.lat_deg, london.lon_deg, london.min_elevation_deg) == (51.5, -0.13, 25.0)
    assert ground_point((10, 370 - 360)).lon_deg == 10.0
    assert ground_point(" -33.9 , 151.2 ", min_elevation_deg=40).min_elevation_deg == 40.0
    assert ground_point("10,350").lon_deg == -10.0
    ohio = ground_point("AWS Ohio", "commercial")
    assert ohio.lat_deg == 40.0 and ground_point("aws ohio", "commercial") == ohio
    assert ground_point("AWS Ohio").name == "AWS Ohio"  # every built-in network is searched
    for spec, field in (("95,0", "from"), ("0,400", "from"), ("Atlantis", "to"),
                        ("1.2.3,4", "to"), ((1, 2, 3), "from"), (("a", 1), "from")):
        with pytest.raises(InputError) as error:
            ground_point(spec, field=field)
        message = str(error.value)
        assert message.startswith(f"{field}: ") and "\n" not in message
    with pytest.raises(InputError, match="min-elevation"):
        ground_point("0,0", min_elevation_deg=95.0)


def test_routes_refuses_the_same_point_twice(shell, grid):
    with pytest.raises(InputError, match="same point"):
        routes(shell, "10,20", (10, 20), grid)
