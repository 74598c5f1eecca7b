"""When each satellite's sub-satellite point is inside a region on the ground.

A :class:`~orbitsim.model.regions.Region` is a union of countries (the Natural Earth 1:110m
polygons shipped in ``orbitsim/data/countries_110m.npz``, by ISO 3166-1 alpha-3 code as
Natural Earth gives it, or by name) and latitude/longitude boxes. :func:`region_intervals`
gives, for every satellite of a propagated chunk, the intervals during which its
sub-satellite point (geodetic latitude and longitude) is inside a region, computed vectorised
from the geometry once per run, as eclipses are:

1. the samples' inside flags (:func:`orbitsim.kernels.polygon.points_in_polygon`);
2. every grid step whose ends lie within one step's ground travel of the region's bounding
   box is sampled again at sub-steps of at most :data:`SUB_STEP_S` on the cubic Hermite
   interpolation of the positions (:mod:`orbitsim.kernels.interpolate`), so a visit shorter
   than a grid step (a corner of a country, a small island) is found too; visits shorter
   than a sub-step (~17 km of ground track at 2.5 s) may be missed, below the detail of a
   1:110m map;
3. each change of the flag between two (sub-)samples is bisected on the same interpolation to
   :data:`BISECTION_ITERATIONS` halvings (well under a millisecond).

Satellites whose propagation failed are outside from their first failing sample on.
"""

from __future__ import annotations

import numpy as np

from orbitsim.kernels.geodetic import ecef_to_geodetic
from orbitsim.kernels.interpolate import hermite_position
from orbitsim.model.regions import Region, country, country_names, make_region

#: Longest sub-step of the search between grid samples near a region, s.
SUB_STEP_S = 2.5
#: Halvings of the bracket around a border crossing (60 s / 2**24 ≈ 4 µs).
BISECTION_ITERATIONS = 24
#: Ground speed of a sub-satellite point bounds the margin around a region's box, km/s (LEO
#: ground tracks move at ~7 km/s; this also covers the Earth's rotation).
MAX_GROUND_SPEED_KM_S = 8.5
_KM_PER_DEG = 111.32


def _near_box(lat: np.ndarray, lon: np.ndarray, bounds, margin_km: float) -> np.ndarray:
    """Points within ``margin_km`` (generously) of a region's bounding box."""
    lat_min, lat_max, lon_min, lon_max = bounds
    margin_lat = margin_km / _KM_PER_DEG
    reach = min(max(abs(lat_min), abs(lat_max)) + margin_lat, 89.0)
    margin_lon = margin_lat / max(np.cos(np.radians(reach)), 1e-3)
    near = (lat >= lat_min - margin_lat) & (lat <= lat_max + margin_lat)
    if reach >= 89.0 or lon_max - lon_min + 2 * margin_lon >= 360.0:
        return near
    low, high = lon_min - margin_lon, lon_max + margin_lon
    in_lon = (lon >= low) & (lon <= high)
    if low < -180.0:
        in_lon |= lon >= low + 360.0
    if high > 180.0:
        in_lon |= lon <= high - 360.0
    return near & in_lon


def region_intervals(region: Region, r_ecef_km: np.ndarray, v_ecef_km_s: np.ndarray,
                     lat_deg: np.ndarray, lon_deg: np.ndarray, seconds: np.ndarray
                     ) -> list[np.ndarray]:
    """Per satellite, the intervals ``(k, 2)`` (start, end, s on the grid's clock) during which
    its sub-satellite point is inside ``region``, within ``[seconds[0], seconds[-1]]``.

    ``r_ecef_km`` and ``v_ecef_km_s`` are ``(n_sats, n_times, 3)``, ``lat_deg`` and ``lon_deg``
    ``(n_sats, n_times)`` (NaN from a satellite's first failing sample: outside from then on).
    """
    seconds = np.asarray(seconds, dtype=float)
    n_sats, n_times = lat_deg.shape
    lat = np.asarray(lat_deg, dtype=float)
    lon = np.asarray(lon_deg, dtype=float)
    flag = region.contains(lat, lon)
    if n_times < 2:
        return [np.array([[seconds[0], seconds[0]]]) if f[0] else np.zeros((0, 2))
                for f in flag]
    bounds = region.bounds_deg()
    steps = np.diff(seconds)
    margin_km = MAX_GROUND_SPEED_KM_S * float(steps.max())
    near = _near_box(lat, lon, bounds, margin_km)
    near_pair = near[:, :-1] | near[:, 1:]
    valid = np.isfinite(lat[:, :-1]) & np.isfinite(lat[:, 1:])
    sat, k = np.nonzero(near_pair & valid)
    # crossings: (satellite, time, +1 entry / -1 exit)
    cross_sat: list[np.ndarray] = []
    cross_t: list[np.ndarray] = []
    cross_dir: list[np.ndarray] = []
    if sat.size:
        dt = steps[k]
        subs = int(np.ceil(float(steps.max()) / SUB_STEP_S))
        tau = np.linspace(0.0, 1.0, subs + 1)
        r0, r1 = r_ecef_km[sat, k], r_ecef_km[sat, k + 1]
        v0, v1 = v_ecef_km_s[sat, k], v_ecef_km_s[sat, k + 1]

        def inside(t: np.ndarray, rows=slice(None)) -> np.ndarray:
            position = hermite_position(r0[rows], v0[rows], r1[rows], v1[rows], dt[rows], t)
            la, lo, _ = ecef_to_geodetic(position)
            return region.contains(la, lo)

        grid_flags = np.empty((sat.size, subs + 1), dtype=bool)
        grid_flags[:, 0] = flag[sat, k]
        grid_flags[:, -1] = flag[sat, k + 1]
        for j in range(1, subs):
            grid_flags[:, j] = inside(np.full(sat.size, tau[j]))
        pair, j = np.nonzero(grid_flags[:, 1:] != grid_flags[:, :-1])
        if pair.size:
            lo = tau[j].copy()
            hi = tau[j + 1].copy()
            start_in = grid_flags[pair, j]
            for _ in range(BISECTION_ITERATIONS):
                mid = 0.5 * (lo + hi)
                changed = inside(mid, pair) != start_in
                hi = np.where(changed, mid, hi)
                lo = np.where(changed, lo, mid)
            when = seconds[k[pair]] + 0.5 * (lo + hi) * dt[pair]
            cross_sat.append(sat[pair])
            cross_t.append(when)
            cross_dir.append(np.where(start_in, -1, 1))
    # Far from the region both ends are outside and nothing lies between: no crossing. Flag
    # changes of pairs not searched (a NaN end: the satellite failed) end the visit there.
    far_change = ~(near_pair & valid) & (flag[:, :-1] != flag[:, 1:])
    fs, fk = np.nonzero(far_change)
    if fs.size:
        cross_sat.append(fs)
        cross_t.append(seconds[fk + 1])
        cross_dir.append(np.where(flag[fs, fk], -1, 1))
    all_sat = np.concatenate(cross_sat) if cross_sat else np.zeros(0, dtype=np.int64)
    all_t = np.concatenate(cross_t) if cross_t else np.zeros(0)
    all_dir = np.concatenate(cross_dir) if cross_dir else np.zeros(0, dtype=np.int64)
    order = np.lexsort((all_t, all_sat))
    all_sat, all_t, all_dir = all_sat[order], all_t[order], all_dir[order]
    bounds_at = np.searchsorted(all_sat, np.arange(n_sats + 1))
    out = []
    for i in range(n_sats):
        times = all_t[bounds_at[i]:bounds_at[i + 1]]
        dirs = all_dir[bounds_at[i]:bounds_at[i + 1]]
        starts, ends = [], []
        state = bool(flag[i, 0])
        opened = seconds[0] if state else None
        for t, d in zip(times.tolist(), dirs.tolist()):
            if d > 0 and not state:
                state, opened = True, t
            elif d < 0 and state:
                state = False
                if t > opened:
                    starts.append(opened)
                    ends.append(t)
        if state and seconds[-1] > opened:
            starts.append(opened)
            ends.append(seconds[-1])
        out.append(np.column_stack([starts, ends]) if starts else np.zeros((0, 2)))
    return out


__all__ = ["BISECTION_ITERATIONS", "Region", "SUB_STEP_S", "country", "country_names",
           "make_region", "region_intervals"]
