"""Regions (model/regions, geometry/regions): the Natural Earth countries shipped in the
package, and the intervals a satellite's sub-satellite point spends over a region, checked
against an independent point-in-polygon test (matplotlib's Path) on the track propagated every
second."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path

import orbitsim
from orbitsim.errors import InputError
from orbitsim.geometry.regions import region_intervals
from orbitsim.model.regions import country, country_names, make_region


def test_countries_by_code_and_name():
    assert country("CHN").name == "China"
    assert country("china").iso_a3 == "CHN"
    assert country("Kosovo").iso_a3 == "-99"  # no ISO code in Natural Earth: by name
    assert len(country_names()) == 177
    with pytest.raises(InputError, match="did you mean .*'CHN'"):
        country("CHM")


def test_region_contains_countries_and_boxes():
    region = make_region("r", ["KAZ"], [(0.0, 10.0, 170.0, -170.0)])
    lat = np.array([48.0, 48.0, 5.0, 5.0])
    lon = np.array([68.0, 10.0, 179.0, -100.0])  # Kazakhstan, France, box, Pacific
    assert region.contains(lat, lon).tolist() == [True, False, True, False]
    with pytest.raises(InputError, match="box"):
        make_region("bad", (), [(10.0, 0.0, 0.0, 5.0)])


def _matplotlib_inside(name: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Independent even-odd test: matplotlib's Path on each ring of the shipped polygons."""
    from importlib import resources

    with resources.files("orbitsim.data").joinpath("countries_110m.npz").open("rb") as f:
        data = np.load(f)
        k = [str(n) for n in data["name"]].index(name)
        points = np.column_stack([lon.ravel(), lat.ravel()])
        inside = np.zeros(len(points), dtype=bool)
        for ring in np.flatnonzero(data["ring_country"] == k):
            a, b = data["ring_offsets"][ring], data["ring_offsets"][ring + 1]
            path = Path(np.column_stack([data["lon_cdeg"][a:b], data["lat_cdeg"][a:b]]) / 100.0)
            inside ^= path.contains_points(points)
    return inside.reshape(lon.shape)


def test_intervals_over_china_match_a_one_second_track():
    shell = orbitsim.walker_delta(altitude_km=550, inclination_deg=53, planes=3, per_plane=4,
                                  phasing=1)
    grid = orbitsim.time_grid("2026-06-21T00:00:00Z", hours=4, step_s=60)
    geometry = orbitsim.propagate(shell, grid, with_velocity=True)
    region = make_region("china", ["CHN"])
    spans = region_intervals(region, geometry.r_ecef_km, geometry.v_ecef_km_s,
                             geometry.lat_deg, geometry.lon_deg, grid.seconds)
    fine = orbitsim.time_grid("2026-06-21T00:00:00Z", hours=4, step_s=1)
    track = orbitsim.propagate(shell, fine)
    inside = _matplotlib_inside("China", track.lon_deg, track.lat_deg)
    assert inside.any()
    mine = np.zeros_like(inside)
    edges = []
    for i, rows in enumerate(spans):
        for start, end in rows:
            mine[i] |= (fine.seconds >= start) & (fine.seconds < end)
            edges.append((i, start))
            edges.append((i, end))
    disagree = np.argwhere(mine != inside)
    # a sample may disagree only within a second of a border crossing
    for i, k in disagree:
        near = [abs(t - fine.seconds[k]) for j, t in edges if j == i]
        assert near and min(near) <= 1.0, (i, fine.seconds[k])
    assert len(disagree) <= 2 * len(edges)
    # total time over China within a second a crossing
    total_fine = inside.sum() * 1.0
    total = sum(float(np.sum(r[:, 1] - r[:, 0])) for r in spans)
    assert abs(total - total_fine) <= len(edges) * 1.0


def test_a_visit_shorter_than_a_step_is_found():
    """Taiwan (~150 km wide) is crossed in well under a 60 s step: found between samples."""
    shell = orbitsim.walker_delta(altitude_km=550, inclination_deg=53, planes=6, per_plane=8,
                                  phasing=1)
    grid = orbitsim.time_grid("2026-06-21T00:00:00Z", hours=24, step_s=60)
    geometry = orbitsim.propagate(shell, grid, with_velocity=True)
    region = make_region("taiwan", ["TWN"])
    spans = region_intervals(region, geometry.r_ecef_km, geometry.v_ecef_km_s,
                             geometry.lat_deg, geometry.lon_deg, grid.seconds)
    lengths = np.concatenate([r[:, 1] - r[:, 0] for r in spans if len(r)])
    assert len(lengths) and lengths.min() < 60.0
    sampled = region.contains(geometry.lat_deg, geometry.lon_deg)
    # some visits hold no grid sample at all
    hits = sum(int(np.any((grid.seconds >= a) & (grid.seconds < b))) for r in spans
               for a, b in r)
    assert hits < len(lengths) or not sampled.any()
