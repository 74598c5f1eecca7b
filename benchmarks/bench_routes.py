"""Benchmark: one routing step of ``starlink-shell1`` (+Grid, 1,584 satellites) between 100 ground
points, against networkx on the same graph in the same run.

A routing step is what :class:`orbitsim.geometry.routing.Router` does at one time step: build
the step's directed graph (laser links both ways, up- and downlinks of every ground point seen
above 25°), Dijkstra from the 100 ground points (``scipy.sparse.csgraph``), the 100 × 100
one-way delays and hop counts. The mesh and the ground links are computed once per run before
(reported separately). Reported, one core:

- orbitsim's routing step, median wall (and CPU) time over the steps of a 10-minute window,
  three passes (target ≤ 50 ms);
- networkx Dijkstra from the same 100 sources on the same graph
  (``dijkstra_predecessor_and_distance``: distances and predecessors, as scipy gives),
  alternated with orbitsim's step (median times and the median of the per-pair ratios), and
  the largest difference between their delays;
- Hypatia's computation, once: networkx ``floyd_warshall_numpy`` on the satellite graph (all
  pairs; Hypatia adds the ground stations afterwards), and scipy's all-pairs Dijkstra on it.

Ground points: the 75 gateways of ``starlink-gateways``, the 15 ``compute-hubs`` and the first
10 ``commercial`` stations within 56° of the equator, all with a 25° mask.

Run: ``python -m benchmarks.bench_routes [--quick] [--no-floyd-warshall]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from benchmarks.common import interleaved, machine, single_core

single_core()

import numpy as np  # noqa: E402

N_POINTS = 100
MASK_DEG = 25.0


def ground_points(n: int):
    """``n`` stations of the built-in networks within 56° of the equator, 25° masks."""
    from dataclasses import replace

    from orbitsim.model.ground import GroundNetwork, load_ground_network

    picked, names = [], set()
    for network in ("starlink-gateways", "compute-hubs", "commercial"):
        for station in load_ground_network(network):
            if abs(station.lat_deg) <= 56.0 and station.name not in names:
                picked.append(replace(station, min_elevation_deg=MASK_DEG))
                names.add(station.name)
    if len(picked) < n:
        raise SystemExit(f"only {len(picked)} ground points available, {n} asked for")
    return GroundNetwork(f"{n} ground points", tuple(picked[:n]))


def routing_step(mesh, ground, t: int):
    """One routing step from scratch (a fresh router: no cache): delays and hops between every
    pair of ground points, ``(n, n)`` each."""
    from orbitsim.geometry.routing import Router

    router = Router(mesh, ground)
    points = np.arange(ground.n_points)
    sources, sinks = router.source_node(points), router.sink_node(points)
    return router.delay_s(t, sources, sinks), router.hops(t, sources, sinks)


def networkx_graph(mesh, ground, t: int):
    """The same directed graph as the router's, as a networkx ``DiGraph``."""
    import networkx as nx

    from orbitsim.geometry.routing import Router

    coo = Router(mesh, ground).graph(t).tocoo()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(coo.shape[0]))
    graph.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
    return graph


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--constellation", default="starlink-shell1")
    parser.add_argument("--points", type=int, default=N_POINTS)
    parser.add_argument("--minutes", type=float, default=10.0, help="window of steps, minutes")
    parser.add_argument("--repeats", type=int, default=3, help="networkx / orbitsim pairs")
    parser.add_argument("--no-floyd-warshall", action="store_true",
                        help="skip networkx Floyd-Warshall (several seconds)")
    parser.add_argument("--quick", action="store_true",
                        help="20 ground points, 3 steps, 1 pair, no Floyd-Warshall")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.minutes, args.repeats, args.no_floyd_warshall = 20, 2.0, 1, True

    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    from orbitsim import load_constellation, propagate, time_grid
    from orbitsim.geometry.isl import laser_mesh
    from orbitsim.geometry.routing import Router, ground_links

    constellation = load_constellation(args.constellation)
    network = ground_points(args.points)
    grid = time_grid("2026-06-21T00:00:00Z", args.minutes / 60.0, 60.0)
    began = time.perf_counter()
    geometry = propagate(constellation, grid)
    propagated = time.perf_counter()
    mesh = laser_mesh(geometry)
    meshed = time.perf_counter()
    ground = ground_links(geometry, network)
    prepared = time.perf_counter()

    # orbitsim alone, every step of the window, three passes: median of all.
    step_ms, step_cpu_ms = [], []
    for _ in range(3):
        for t in range(len(grid)):
            start, start_cpu = time.perf_counter(), time.process_time()
            routing_step(mesh, ground, t)
            step_ms.append(1e3 * (time.perf_counter() - start))
            step_cpu_ms.append(1e3 * (time.process_time() - start_cpu))

    # Side by side with networkx on the same graph (step 0), alternating.
    graph = networkx_graph(mesh, ground, 0)
    router = Router(mesh, ground)
    points = np.arange(len(network))
    sources, sinks = router.source_node(points), router.sink_node(points)

    def with_networkx():
        return [nx.dijkstra_predecessor_and_distance(graph, int(s))[1] for s in sources]

    ref_s, ours_s, ratio = interleaved(with_networkx, lambda: routing_step(mesh, ground, 0),
                                       repeats=args.repeats)
    ours_delay, ours_hops = routing_step(mesh, ground, 0)
    theirs = with_networkx()
    theirs_delay = np.array([[d.get(int(k), np.inf) for k in sinks] for d in theirs])
    finite = np.isfinite(ours_delay)
    assert np.array_equal(finite, np.isfinite(theirs_delay)), "reachability differs"
    max_diff_ns = 1e9 * float(np.max(np.abs(ours_delay[finite] - theirs_delay[finite]),
                                     initial=0.0))
    pairs = int(finite.sum() - np.trace(finite))

    rows = [
        ("case", f"{constellation.name} ({len(constellation):,} satellites, +Grid "
                 f"{mesh.n_links:,} links), {len(network)} ground points at {MASK_DEG:g}°, "
                 f"{len(grid)} steps of 60 s"),
        ("machine", machine()),
        ("prepared once: propagation / mesh / ground links",
         f"{propagated - began:.2f} s / {meshed - propagated:.3f} s / "
         f"{prepared - meshed:.3f} s"),
        ("ground-satellite links a step (mean)", f"{len(ground.sat) / len(grid):,.0f}"),
        ("orbitsim routing step (graph + Dijkstra from every point + delays + hops)",
         f"median {statistics.median(step_ms):.1f} ms (CPU {statistics.median(step_cpu_ms):.1f}"
         f" ms), min {min(step_ms):.1f}, max {max(step_ms):.1f} ms over {len(step_ms)} steps "
         "(target ≤ 50 ms)"),
        ("networkx Dijkstra from the same sources, same graph (alternated, step 0)",
         f"{1e3 * ref_s:.0f} ms vs orbitsim {1e3 * ours_s:.1f} ms"),
        ("ratio networkx / orbitsim (median of pairs)", f"{1.0 / ratio:.1f}x"),
        ("same delays as networkx", f"{pairs:,} connected pairs, max difference "
                                    f"{max_diff_ns:.2g} ns; hops {int(ours_hops[finite].min())}"
                                    f"-{int(ours_hops[finite].max())}"),
    ]
    satellites = mesh.graph(0)
    start = time.perf_counter()
    dijkstra(satellites, directed=False)
    rows.append(("scipy all-pairs Dijkstra, satellite graph (once)",
                 f"{1e3 * (time.perf_counter() - start):.0f} ms"))
    if not args.no_floyd_warshall:
        sat_graph = nx.Graph()
        coo = satellites.tocoo()
        sat_graph.add_nodes_from(range(satellites.shape[0]))
        sat_graph.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(),
                                              coo.data.tolist()))
        start = time.perf_counter()
        nx.floyd_warshall_numpy(sat_graph)
        rows.append(("networkx floyd_warshall_numpy, satellite graph (Hypatia's, once)",
                     f"{time.perf_counter() - start:.1f} s"))
    print("| routes benchmark | value |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
