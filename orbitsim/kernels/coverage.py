"""Coverage kernels (pure numpy): visibility caps, exact visible longitude spans on grid rows,
circular interval accumulation and runs of uncovered steps.

The elevation test of a satellite at ECEF ``r_s`` seen from a point ``r_c`` on the WGS84
ellipsoid with unit normal ``up`` is ``up·(r_s − r_c) ≥ sin ε · |r_s − r_c|``. Along one grid row
(fixed geodetic latitude ψ) both sides depend on the cell's longitude λ only through
``u = cos(λ − λ_s)``::

    up·(r_s − r_c) = A·u + B,      A = ρ_s cos ψ,   B = z_s sin ψ − (ρ_c cos ψ + z_c sin ψ)
    |r_s − r_c|²   = C − D·u,      C = |r_s|² + ρ_c² + z_c² − 2 z_c z_s,   D = 2 ρ_c ρ_s

(ρ, z: distance from the polar axis and height above the equator plane). With A, D ≥ 0 and
sin ε ≥ 0 the left side grows and the right side shrinks with u, so the cells of a row that see
the satellite are exactly those with ``|λ − λ_s| ≤ Δ*``: one longitude interval per row, whose
half-width follows from the larger root of ``(A u + B)² = sin²ε (C − D u)``. This is the same
test as the cell-by-cell dot products, solved in closed form along the row.
"""

from __future__ import annotations

import numpy as np

from orbitsim.constants import EARTH_RADIUS_KM


def cap_half_angle_rad(altitude_km, min_elevation_deg, earth_radius_km: float = EARTH_RADIUS_KM):
    """Earth-central half-angle of the region that sees a satellite above the mask (sphere):
    ``λ = arccos(R cos ε / (R + h)) − ε`` (Wertz, *Space Mission Engineering*, eq. 8-26)."""
    eps = np.radians(np.asarray(min_elevation_deg, dtype=float))
    ratio = earth_radius_km / (earth_radius_km + np.asarray(altitude_km, dtype=float))
    return np.arccos(np.clip(ratio * np.cos(eps), -1.0, 1.0)) - eps


def candidate_rows(sat_lat_deg: np.ndarray, radius_deg: np.ndarray, cell_deg: float,
                   n_lat: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid rows whose centre latitude lies within ``radius_deg`` of each sub-point latitude.

    ``sat_lat_deg``, ``radius_deg`` ``(k,)``; rows are numbered from the south, centres at
    ``-90 + cell_deg·(row + ½)``. Returns ``(item, row)`` index arrays, one entry a pair.
    """
    lat0 = -90.0 + 0.5 * cell_deg
    row_lo = np.clip(np.ceil((sat_lat_deg - radius_deg - lat0) / cell_deg), 0, n_lat - 1)
    row_hi = np.clip(np.floor((sat_lat_deg + radius_deg - lat0) / cell_deg), 0, n_lat - 1)
    row_lo = row_lo.astype(np.int64)
    n_rows = np.maximum(row_hi.astype(np.int64) - row_lo + 1, 0)
    item = np.repeat(np.arange(len(sat_lat_deg)), n_rows)
    offset = np.arange(len(item)) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
    return item, row_lo[item] + offset


def visible_half_width_rad(sat_rho_km: np.ndarray, sat_z_km: np.ndarray, cell_rho_km: np.ndarray,
                           cell_z_km: np.ndarray, cos_lat: np.ndarray, sin_lat: np.ndarray,
                           min_elevation_deg: float) -> np.ndarray:
    """Half-width Δ* (radians) of the longitude interval of a grid row that sees a satellite.

    All inputs ``(k,)``: the satellite's distance from the polar axis and z (km, ECEF); the
    row's cell-centre distance from the axis and z on the ellipsoid, and the cosine and sine of
    its geodetic latitude. Returns ``(k,)``: ``NaN`` where no cell of the row sees the
    satellite, ``π`` where every cell does, else Δ* such that a cell at longitude λ sees it iff
    ``|λ − λ_s| ≤ Δ*`` (the module docstring gives the derivation). ``0 ≤ mask < 90°``.

    >>> one = lambda value: np.array([value])  # satellite 550 km over the equator row
    >>> half = visible_half_width_rad(one(6378.137 + 550.0), one(0.0), one(6378.137), one(0.0),
    ...                               one(1.0), one(0.0), 25.0)
    >>> round(float(np.degrees(half[0])), 3)  # = the visibility cap, arccos(R/(R+h)·cos ε) − ε
    8.451
    """
    if not 0.0 <= min_elevation_deg < 90.0:
        raise ValueError(f"min_elevation_deg must be in [0, 90), got {min_elevation_deg}")
    sin2_mask = np.sin(np.radians(min_elevation_deg)) ** 2
    a = sat_rho_km * cos_lat
    b = sat_z_km * sin_lat - (cell_rho_km * cos_lat + cell_z_km * sin_lat)
    c = sat_rho_km**2 + sat_z_km**2 + cell_rho_km**2 + cell_z_km**2 - 2.0 * cell_z_km * sat_z_km
    d = 2.0 * cell_rho_km * sat_rho_km
    # margin(u) = A·u + B − sin ε·√(C − D·u) grows with u; compare signs without square roots.
    top, bottom = a + b, a * -1.0 + b
    none = (top < 0.0) | (top * top < sin2_mask * (c - d))
    every = (bottom >= 0.0) & (bottom * bottom >= sin2_mask * (c + d))
    # Larger root of A²·u² + p·u + q = 0, p = 2AB + sin²ε·D, q = B² − sin²ε·C.
    quad_a = a * a
    quad_p = 2.0 * a * b + sin2_mask * d
    quad_q = b * b - sin2_mask * c
    root_disc = np.sqrt(np.maximum(quad_p * quad_p - 4.0 * quad_a * quad_q, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        # Cancellation-free form of (−p + √disc) / 2A².
        u_star = np.where(quad_p > 0.0, 2.0 * quad_q / (-quad_p - root_disc),
                          (-quad_p + root_disc) / (2.0 * quad_a))
        # One Newton step on margin(u) restores the digits the discriminant loses when the
        # two roots are close (exactly −B/A at a 0° mask, where they coincide).
        root = np.sqrt(np.maximum(c - d * u_star, 0.0))
        sin_mask = np.sqrt(sin2_mask)
        u_star -= (a * u_star + b - sin_mask * root) / (a + sin_mask * d / (2.0 * root))
    half = np.arccos(np.clip(u_star, -1.0, 1.0))
    half[every] = np.pi
    half[none] = np.nan
    return half


def interval_updates(centre_col: np.ndarray, half_cols: np.ndarray, n_cols: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference-array updates that add 1 to every column of circular intervals.

    Interval ``i`` covers the integer columns ``j`` with ``|j − centre_col[i]| ≤ half_cols[i]``
    modulo ``n_cols`` (fractional centre and half-width, ``(k,)``; NaN half-width: empty).
    Returns ``(item, col, sign)`` arrays: adding ``sign`` (±1.0) at ``[item, col]`` of a
    ``(k, n_cols + 1)`` array and taking the cumulative sum along columns gives, in columns
    ``0 … n_cols − 1``, 1 inside each interval and 0 outside (column ``n_cols`` is spare).

    >>> items, cols, signs = interval_updates(np.array([0.2]), np.array([1.5]), 6)
    >>> sorted(zip(cols.tolist(), signs.tolist()))  # columns 5, 0, 1: wraps around
    [(0, 1.0), (2, -1.0), (5, 1.0)]
    """
    with np.errstate(invalid="ignore"):
        lo = np.ceil(centre_col - half_cols)
        count = np.floor(centre_col + half_cols) - lo + 1.0
        keep = count > 0.0  # False for NaN
    item = np.flatnonzero(keep)
    start = lo[keep].astype(np.int64) % n_cols
    end = start + np.minimum(count[keep].astype(np.int64), n_cols)  # exclusive
    wraps = end > n_cols
    n, n_wrap = len(item), int(wraps.sum())
    items = np.concatenate([item, item, item[wraps]])
    cols = np.concatenate([start, np.where(wraps, end - n_cols, end), np.zeros(n_wrap, np.int64)])
    signs = np.concatenate([np.ones(n), -np.ones(n), np.ones(n_wrap)])
    return items, cols, signs


def longest_false_run(flags: np.ndarray) -> np.ndarray:
    """Length of the longest run of ``False`` along the last axis of a boolean array.

    ``flags`` ``(..., n)`` → ``(...)`` int64. Scans the last axis once with a running counter
    (memory: a few arrays of the leading shape, whatever ``n``).

    >>> longest_false_run(np.array([[True, False, False, True, False]]))
    array([2])
    """
    flags = np.asarray(flags, dtype=bool)
    run = np.zeros(flags.shape[:-1], dtype=np.int64)
    best = np.zeros_like(run)
    for step in range(flags.shape[-1]):
        run += 1
        run[flags[..., step]] = 0
        np.maximum(best, run, out=best)
    return best
