"""Coverage of the Earth by a constellation on a latitude/longitude grid.

For every cell centre (on the WGS84 ellipsoid) and every time step: how many satellites are
above the elevation mask. Candidate cell-satellite pairs come from the visibility cap of each
satellite (a cheap box test), then the exact elevation test runs on the pairs only, so the cost
grows with the pairs that can see each other, not with cells × satellites. Memory is one
``(n_cells, n_times)`` array of small counts, whatever the constellation's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orbitsim.geometry.propagate import iter_geometry
from orbitsim.kernels.coverage import candidate_pairs, cap_half_angle_rad, longest_false_run
from orbitsim.kernels.geodetic import geodetic_to_ecef_km, up_unit
from orbitsim.model.constellation import Constellation
from orbitsim.model.timegrid import TimeGrid

#: Satellite-times handled at once (bounds the size of the candidate-pair arrays).
PAIR_BLOCK = 4096


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Per-cell coverage; arrays are ``(n_lat, n_lon)``, cell centres in ``lat_deg``/``lon_deg``.

    ``covered_fraction``: fraction of time steps with at least one satellite above the mask;
    ``mean_in_view``: mean number of satellites above the mask; ``longest_gap_s``: the longest
    run of uncovered steps times the step (the whole window for a cell never covered).
    """

    constellation: str
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    covered_fraction: np.ndarray
    mean_in_view: np.ndarray
    longest_gap_s: np.ndarray
    min_elevation_deg: float
    cell_deg: float
    start_utc: str
    hours: float

    def to_frame(self) -> pd.DataFrame:
        lat, lon = np.meshgrid(self.lat_deg, self.lon_deg, indexing="ij")
        return pd.DataFrame({
            "lat_deg": lat.ravel(), "lon_deg": lon.ravel(),
            "covered_fraction": self.covered_fraction.ravel(),
            "mean_in_view": self.mean_in_view.ravel(),
            "longest_gap_s": self.longest_gap_s.ravel(),
        })

    def global_covered_fraction(self) -> float:
        """Area-weighted mean of ``covered_fraction`` (cells weighted by cos latitude)."""
        weights = np.cos(np.radians(self.lat_deg))[:, None] * np.ones_like(self.covered_fraction)
        return float(np.sum(weights * self.covered_fraction) / np.sum(weights))


def cell_centres(cell_deg: float) -> tuple[np.ndarray, np.ndarray]:
    if not 0.05 <= cell_deg <= 30.0 or abs(180.0 / cell_deg - round(180.0 / cell_deg)) > 1e-9:
        raise ValueError(f"cell_deg must divide 180 and lie in [0.05, 30], got {cell_deg}")
    n_lat = round(180.0 / cell_deg)
    lat = -90.0 + cell_deg * (np.arange(n_lat) + 0.5)
    lon = -180.0 + cell_deg * (np.arange(2 * n_lat) + 0.5)
    return lat, lon


def visible_counts(chunks, grid: TimeGrid, min_elevation_deg: float, cell_deg: float
                   ) -> np.ndarray:
    """Satellites above the mask per cell and time step, ``(n_cells, n_times)`` uint16."""
    lat_c, lon_c = cell_centres(cell_deg)
    n_lat, n_lon = len(lat_c), len(lon_c)
    lat_grid, lon_grid = np.meshgrid(lat_c, lon_c, indexing="ij")
    cell_r = geodetic_to_ecef_km(lat_grid.ravel(), lon_grid.ravel(), 0.0)
    cell_up = up_unit(lat_grid.ravel(), lon_grid.ravel())
    n_cells, n_times = n_lat * n_lon, len(grid)
    counts = np.zeros((n_cells, n_times), dtype=np.uint16)
    sin_mask = np.sin(np.radians(min_elevation_deg))
    cell_up_dot_r = np.einsum("ki,ki->k", cell_up, cell_r)
    for chunk in chunks:
        # Time-major order, so that a block of satellite-times spans few time steps and the
        # counts of a block are one small bincount.
        time_i, sat_i = np.nonzero((chunk.error == 0).T)
        # Box radius: the spherical cap plus a margin for the ellipsoid (0.5 degree).
        radius = np.degrees(cap_half_angle_rad(chunk.alt_km[sat_i, time_i],
                                               min_elevation_deg)) + 0.5
        for lo in range(0, len(sat_i), PAIR_BLOCK):
            s = slice(lo, lo + PAIR_BLOCK)
            si, ti = sat_i[s], time_i[s]
            which, cell = candidate_pairs(chunk.lat_deg[si, ti], chunk.lon_deg[si, ti],
                                          radius[s], cell_deg, n_lat, n_lon)
            r_sat = chunk.r_ecef_km[si, ti][which]
            look = r_sat - cell_r[cell]
            up_dot = np.einsum("ki,ki->k", r_sat, cell_up[cell]) - cell_up_dot_r[cell]
            visible = up_dot >= sin_mask * np.sqrt(np.einsum("ki,ki->k", look, look))
            t0, t1 = int(ti[0]), int(ti[-1]) + 1
            local = cell[visible] * (t1 - t0) + (ti[which][visible] - t0)
            block = np.bincount(local, minlength=n_cells * (t1 - t0))
            counts[:, t0:t1] += block.reshape(n_cells, t1 - t0).astype(np.uint16)
    return counts


def coverage(constellation: Constellation, grid: TimeGrid, *, min_elevation_deg: float = 25.0,
             cell_deg: float = 2.0, workers: int = 1,
             chunk_size: int | None = None) -> CoverageResult:
    """Coverage of ``constellation`` over ``grid`` on a ``cell_deg`` lat/lon grid.

    >>> from orbitsim import walker_delta, time_grid
    >>> result = coverage(walker_delta(550, 53, 6, 6), time_grid("2026-01-01T00:00Z", 2, 120))
    >>> result.covered_fraction.shape
    (90, 180)
    """
    if not 0.0 <= min_elevation_deg < 90.0:
        raise ValueError(f"min_elevation_deg must be in [0, 90), got {min_elevation_deg}")
    lat_c, lon_c = cell_centres(cell_deg)
    chunks = iter_geometry(constellation, grid, chunk_size=chunk_size, workers=workers)
    counts = visible_counts(chunks, grid, min_elevation_deg, cell_deg)
    shape = (len(lat_c), len(lon_c))
    covered = counts > 0
    fraction = covered.mean(axis=1).reshape(shape)
    mean_in_view = counts.mean(axis=1).reshape(shape)
    gap = (longest_false_run(covered) * grid.step_s).astype(float)
    gap = np.minimum(gap, grid.duration_s).reshape(shape)
    return CoverageResult(
        constellation=constellation.name, lat_deg=lat_c, lon_deg=lon_c,
        covered_fraction=fraction, mean_in_view=mean_in_view, longest_gap_s=gap,
        min_elevation_deg=float(min_elevation_deg), cell_deg=float(cell_deg),
        start_utc=grid.start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"), hours=grid.duration_s / 3600.0,
    )
