"""Coverage of the Earth by a constellation on a latitude/longitude grid.

For every cell centre (on the WGS84 ellipsoid, normal "up") and every time step: how many
satellites are above the elevation mask. Each satellite-time is pruned to the grid rows its
visibility cap can reach; on each such row the elevation test is solved in closed form for the
longitude interval of cells that see the satellite (:mod:`orbitsim.kernels.coverage`), and the
interval is added to a difference array. The result is exactly the cell-by-cell elevation test,
at a cost that grows with satellite-times × rows, not satellite-times × cells. Memory is one
``(n_cells, n_times)`` int32 array, whatever the constellation's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orbitsim.geometry.propagate import iter_geometry
from orbitsim.kernels.coverage import (
    candidate_rows,
    cap_half_angle_rad,
    interval_updates,
    longest_false_run,
    visible_half_width_rad,
)
from orbitsim.kernels.geodetic import geodetic_to_ecef_km
from orbitsim.model.constellation import Constellation
from orbitsim.model.timegrid import TimeGrid

#: Satellite-times handled at once (bounds the size of the per-row arrays).
BLOCK_SAT_TIMES = 16_384
#: Upper bound on the dense difference block of one batch, elements.
MAX_DENSE_BLOCK = 4_000_000
#: Added to the spherical cap half-angle when choosing candidate rows, degrees. It covers the
#: ellipsoid (local radius and geodetic vs geocentric latitude, < 0.3°); rows so chosen are then
#: tested exactly, so the margin changes the cost only, never the result.
ROW_MARGIN_DEG = 1.0


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

    def __repr__(self) -> str:
        return (f"<CoverageResult {self.constellation}: {self.covered_fraction.size:,} cells of "
                f"{self.cell_deg:g} deg above {self.min_elevation_deg:g} deg, {self.start_utc} + "
                f"{self.hours:g} h, {100 * self.global_covered_fraction():.1f} % of the time "
                f"covered (area-weighted)>")

    def to_frame(self) -> pd.DataFrame:
        """One row per cell (south to north, then west to east): ``lat_deg, lon_deg,
        covered_fraction, mean_in_view, longest_gap_s``."""
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
    """Cell-centre latitudes ``(n_lat,)`` and longitudes ``(2·n_lat,)``, degrees, of the grid
    of ``cell_deg`` squares from (-90°, -180°); ``cell_deg`` must divide 180.

    >>> lat, lon = cell_centres(2.0)
    >>> len(lat), len(lon), float(lat[0]), float(lon[-1])
    (90, 180, -89.0, 179.0)
    """
    if not 0.05 <= cell_deg <= 30.0 or abs(180.0 / cell_deg - round(180.0 / cell_deg)) > 1e-9:
        raise ValueError(f"cell_deg must divide 180 and lie in [0.05, 30], got {cell_deg}")
    n_lat = round(180.0 / cell_deg)
    lat = -90.0 + cell_deg * (np.arange(n_lat) + 0.5)
    lon = -180.0 + cell_deg * (np.arange(2 * n_lat) + 0.5)
    return lat, lon


def visible_counts(chunks: Iterable, grid: TimeGrid, min_elevation_deg: float,
                   cell_deg: float) -> np.ndarray:
    """Satellites above the mask per cell and time step, ``(n_cells, n_times)`` int32.

    ``chunks``: objects with ``r_ecef_km (n, n_times, 3)``, ``lat_deg``, ``lon_deg``,
    ``alt_km`` and ``error`` ``(n, n_times)`` (``GeometryChunk``). Cells are numbered
    ``row·n_lon + column`` from (-90°, -180°). A position with an sgp4 error code or NaN counts
    as not visible.
    """
    if not 0.0 <= min_elevation_deg < 90.0:
        raise ValueError(f"min_elevation_deg must be in [0, 90), got {min_elevation_deg}")
    lat_c, lon_c = cell_centres(cell_deg)
    n_lat, n_lon, n_times = len(lat_c), len(lon_c), len(grid)
    row_r = geodetic_to_ecef_km(lat_c, 0.0, 0.0)
    row_rho, row_z = row_r[:, 0], row_r[:, 2]
    row_cos, row_sin = np.cos(np.radians(lat_c)), np.sin(np.radians(lat_c))
    width = n_lon + 1  # one spare column for the end of intervals that reach the last column
    diff = np.zeros((n_lat * width, n_times), dtype=np.int32)
    for chunk in chunks:
        ok = (chunk.error == 0) & np.isfinite(chunk.r_ecef_km).all(axis=-1)
        n_chunk = ok.shape[0]
        times_per_block = max(1, min(BLOCK_SAT_TIMES // max(n_chunk, 1),
                                     MAX_DENSE_BLOCK // (n_lat * width)))
        for t0 in range(0, n_times, times_per_block):
            t1 = min(t0 + times_per_block, n_times)
            n_block = t1 - t0
            time_i, sat_i = np.nonzero(ok[:, t0:t1].T)  # time-major
            if not len(sat_i):
                continue
            time_i += t0
            r_sat = chunk.r_ecef_km[sat_i, time_i]
            sat_rho = np.hypot(r_sat[:, 0], r_sat[:, 1])
            centre_col = (chunk.lon_deg[sat_i, time_i] - lon_c[0]) / cell_deg
            radius = np.degrees(cap_half_angle_rad(chunk.alt_km[sat_i, time_i],
                                                   min_elevation_deg)) + ROW_MARGIN_DEG
            item, row = candidate_rows(chunk.lat_deg[sat_i, time_i], radius, cell_deg, n_lat)
            half = visible_half_width_rad(sat_rho[item], r_sat[item, 2], row_rho[row], row_z[row],
                                          row_cos[row], row_sin[row], min_elevation_deg)
            pair, col, sign = interval_updates(centre_col[item], np.degrees(half) / cell_deg,
                                               n_lon)
            flat = (row[pair] * width + col) * n_block + (time_i[item[pair]] - t0)
            change = np.bincount(flat, weights=sign, minlength=n_lat * width * n_block)
            diff[:, t0:t1] += change.reshape(n_lat * width, n_block).astype(np.int32)
    cube = diff.reshape(n_lat, width, n_times)
    np.cumsum(cube, axis=1, out=cube)
    return cube[:, :n_lon, :].reshape(n_lat * n_lon, n_times)


def _reporting(chunks: Iterable, total: int, progress: Callable[[int, int], None]):
    """``chunks`` passed through, ``progress(satellites done, total)`` after each one."""
    progress(0, total)
    for chunk in chunks:
        yield chunk
        progress(int(chunk.stop), total)


def coverage(constellation: Constellation, grid: TimeGrid, *, min_elevation_deg: float = 25.0,
             cell_deg: float = 2.0, workers: int = 1,
             chunk_size: int | None = None, failures: list | None = None,
             progress: Callable[[int, int], None] | None = None) -> CoverageResult:
    """Coverage of ``constellation`` over ``grid`` on a ``cell_deg`` lat/lon grid.

    ``progress(done, total)`` is called with the satellites handled so far after each chunk.

    >>> from orbitsim import walker_delta, time_grid
    >>> result = coverage(walker_delta(550, 53, 6, 6), time_grid("2026-01-01T00:00Z", 2, 120))
    >>> result.covered_fraction.shape
    (90, 180)
    """
    if not 0.0 <= min_elevation_deg < 90.0:
        raise ValueError(f"min_elevation_deg must be in [0, 90), got {min_elevation_deg}")
    lat_c, lon_c = cell_centres(cell_deg)
    chunks = iter_geometry(constellation, grid, chunk_size=chunk_size, workers=workers,
                           failures=failures)
    if progress is not None:
        chunks = _reporting(chunks, len(constellation), progress)
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
