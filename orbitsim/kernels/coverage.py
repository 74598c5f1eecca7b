"""Coverage kernels (pure numpy): visibility caps, cell stencils, runs of uncovered steps."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6378.137


def cap_half_angle_rad(altitude_km, min_elevation_deg, earth_radius_km: float = EARTH_RADIUS_KM):
    """Earth-central half-angle of the region that sees a satellite above the mask (sphere):
    ``λ = arccos(R cos ε / (R + h)) − ε`` (Wertz, *Space Mission Engineering*, eq. 8-26)."""
    eps = np.radians(np.asarray(min_elevation_deg, dtype=float))
    ratio = earth_radius_km / (earth_radius_km + np.asarray(altitude_km, dtype=float))
    return np.arccos(np.clip(ratio * np.cos(eps), -1.0, 1.0)) - eps


def candidate_pairs(sat_lat_deg: np.ndarray, sat_lon_deg: np.ndarray, radius_deg: np.ndarray,
                    cell_deg: float, n_lat: int, n_lon: int):
    """Cells that may see each satellite: every cell whose centre lies in the lat/lon box
    around the satellite's sub-point that bounds its cap of ``radius_deg``.

    Returns ``(sat, cell)`` index arrays (cell = row·n_lon + column). The box widens in
    longitude by 1/cos(latitude) of its most poleward row and covers every longitude when the
    cap reaches a pole, so no visible cell is ever missed.
    """
    lat0 = -90.0 + 0.5 * cell_deg
    lon0 = -180.0 + 0.5 * cell_deg
    row_lo = np.clip(np.ceil((sat_lat_deg - radius_deg - lat0) / cell_deg), 0, n_lat - 1)
    row_hi = np.clip(np.floor((sat_lat_deg + radius_deg - lat0) / cell_deg), 0, n_lat - 1)
    row_lo = row_lo.astype(np.int64)
    row_hi = row_hi.astype(np.int64)
    poleward = np.minimum(np.abs(sat_lat_deg) + radius_deg, 90.0)
    cos_pole = np.cos(np.radians(poleward))
    with np.errstate(divide="ignore"):
        half_lon = np.where(cos_pole > 1e-9, radius_deg / cos_pole, 180.0)
    half_cols = np.minimum(np.ceil(half_lon / cell_deg), (n_lon - 1) // 2 + 1).astype(np.int64)
    full = (poleward >= 89.999) | (2 * half_cols + 1 >= n_lon)
    col_centre = np.floor((sat_lon_deg - lon0) / cell_deg + 0.5).astype(np.int64)
    n_rows = row_hi - row_lo + 1
    n_cols = np.where(full, n_lon, 2 * half_cols + 1)
    per_sat = np.maximum(n_rows, 0) * n_cols
    sat = np.repeat(np.arange(len(sat_lat_deg)), per_sat)
    offset = np.arange(per_sat.sum()) - np.repeat(np.cumsum(per_sat) - per_sat, per_sat)
    cols_of = n_cols[sat]
    row = row_lo[sat] + offset // cols_of
    col = np.where(full[sat], offset % cols_of,
                   col_centre[sat] - half_cols[sat] + offset % cols_of) % n_lon
    return sat, row * n_lon + col


def longest_false_run(flags: np.ndarray) -> np.ndarray:
    """Length of the longest run of ``False`` along the last axis of a 2-D boolean array."""
    flags = np.asarray(flags, dtype=bool)
    n_rows, n_cols = flags.shape
    padded = np.ones((n_rows, n_cols + 2), dtype=bool)
    padded[:, 1:-1] = flags
    rows, cols = np.nonzero(padded)
    gaps = np.diff(cols) - 1
    same_row = rows[1:] == rows[:-1]
    gaps = np.where(same_row, gaps, 0)
    out = np.zeros(n_rows, dtype=np.int64)
    np.maximum.at(out, rows[1:], gaps)
    return out
