"""Ground contact windows: every pass of every satellite over every station, refined to < 1 s.

Method, per chunk of satellites (propagated once on the time grid, with ECEF velocities):

1. **Pruning** (default): at coarse instants every ``k`` grid steps, the angle between each
   satellite's and each station's geocentric directions is compared with the station's
   visibility cap (:func:`~orbitsim.kernels.visibility.cap_half_angle_rad`, mask lowered by the
   0.2° geodetic/geocentric deflection) widened by the angle the sub-satellite point can move
   in ``k/2 + 1`` steps. One matrix product per chunk. Only the grid samples nearest a coarse
   hit are then tested exactly, so the work follows the passes, not satellites × stations ×
   steps. Without pruning (``prune=False``) the exact test runs everywhere (the reference).
2. **Exact test**: ``sin el = (r − s)·up / |r − s|`` (geodetic up, WGS84) on grid samples.
   A pass is a run of samples above the mask; a sample that is a local maximum of elevation
   below the mask, close enough to it, is checked for a pass shorter than one step.
3. **Refinement** without calling SGP4 again: positions between samples come from cubic Hermite
   interpolation of ECEF position and velocity (error < 1 m at 60 s steps in LEO). Along a
   step, height above the station's horizon plane is a cubic and squared range a sextic in
   time, so elevation is two Horner sums; rise and set (to < 1 ms) and culmination (to
   < 10 ms, the root of the octic numerator of the elevation's derivative) are bracketed by
   the Illinois method (4 to 10 evaluations where bisection needs 17). Passes in progress at the
   window's edges are clipped there (``starts_clipped``/``ends_clipped``), and one that never
   culminates inside the window gets its maximum elevation at the edge.
4. **Capacity**: the station's rate model (link budget or table) integrated over the pass by
   the trapezoid rule on rise, the grid samples inside the pass and set (rise, culmination and
   set for a pass shorter than a step), times clear sky for optical stations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from orbitsim.geometry.propagate import Geometry, GeometryChunk, map_chunks
from orbitsim.geometry.sampling import safe_grid
from orbitsim.kernels.interpolate import illinois_sign_change
from orbitsim.kernels.visibility import (
    MAX_GEODETIC_GEOCENTRIC_DEG,
    cap_half_angle_rad,
    sin_elevation,
)
from orbitsim.model.constellation import Constellation
from orbitsim.model.ground import GroundNetwork, RateModel, load_ground_network
from orbitsim.model.timegrid import TimeGrid

#: Output columns, in order.
COLUMNS = (
    "satellite", "sat_index", "station", "station_index", "start_utc", "end_utc", "start_s",
    "end_s", "max_elevation_deg", "max_elevation_s", "duration_s", "min_range_km",
    "bytes_capacity", "clear_fraction", "starts_clipped", "ends_clipped",
)

#: Target spacing of the coarse (pruning) instants, seconds.
DEFAULT_COARSE_STEP_S = 60.0
#: Safety factor on the angular speed of the sub-satellite point used for the pruning margin.
_RATE_SAFETY = 1.25
#: Elements per temporary array in the vectorised tests (bounds memory, ~16 MB of float64).
_BLOCK_ELEMENTS = 2_000_000
_TIME_TOL_S = 1e-3  # rise and set
_PEAK_TOL_S = 1e-2  # culmination (elevation is flat there)


@dataclass(frozen=True, eq=False)
class StationTable:
    """Station arrays a worker needs (plain, picklable)."""

    names: tuple[str, ...]
    ecef_km: np.ndarray  # (S, 3)
    up: np.ndarray  # (S, 3)
    mask_deg: np.ndarray  # (S,)
    rate_models: tuple[RateModel, ...]
    rate_model_index: np.ndarray  # (S,) int
    clear_sky_fraction: np.ndarray  # (S,) expected fraction (stations without a cloud process)
    clear_intervals: tuple[np.ndarray | None, ...]  # per station (n, 2) seconds, or None

    @property
    def sin_mask(self) -> np.ndarray:
        return np.sin(np.radians(self.mask_deg))

    @staticmethod
    def of(network: GroundNetwork, duration_s: float, min_elevation_deg: float | None,
           seed: int) -> StationTable:
        mask = network.min_elevation_deg
        if min_elevation_deg is not None:
            if not -5.0 <= float(min_elevation_deg) < 90.0:
                raise ValueError(f"min_elevation_deg must be within [-5, 90), got "
                                 f"{min_elevation_deg}")
            mask = np.full(len(network), float(min_elevation_deg))
        models: list[RateModel] = []
        index = []
        for station in network:
            if station.rate_model not in models:
                models.append(station.rate_model)
            index.append(models.index(station.rate_model))
        intervals = tuple(
            s.clear_sky_intervals(duration_s, seed)
            if s.cloud_mean_duration_h is not None and s.clear_sky_fraction < 1.0 else None
            for s in network
        )
        fraction = np.array([1.0 if iv is not None else s.clear_sky_fraction
                             for s, iv in zip(network, intervals)])
        return StationTable(
            names=tuple(network.names), ecef_km=network.ecef_km, up=network.up,
            mask_deg=np.asarray(mask, dtype=float), rate_models=tuple(models),
            rate_model_index=np.array(index, dtype=np.int64), clear_sky_fraction=fraction,
            clear_intervals=intervals,
        )


# --------------------------------------------------------------------------------------------
# Public API


def contact_windows(
    source: Constellation | Geometry,
    stations: GroundNetwork | str | Path,
    grid: TimeGrid | None = None,
    *,
    min_elevation_deg: float | None = None,
    workers: int = 1,
    seed: int = 0,
    prune: bool = True,
    chunk_size: int | None = None,
    coarse_step_s: float | None = None,
) -> pd.DataFrame:
    """Every pass of every satellite over every station within the grid's window.

    ``source`` is a :class:`Constellation` (propagated here, chunk by chunk, on ``grid``) or a
    :class:`Geometry` (its own grid; velocities by finite differences if it has none).
    ``stations`` is a :class:`GroundNetwork`, a built-in network name or a file.
    ``min_elevation_deg`` overrides every station's mask. ``seed`` drives the cloud process of
    optical stations. ``prune=False`` runs the exact test on every sample (same result, slower).

    Returns one row per pass, sorted by start time, with :data:`COLUMNS`: times as UTC
    datetimes (``start_utc``, ``end_utc``: ``datetime64[ns, UTC]``, to the millisecond) and as
    seconds since the grid start (``start_s``, ``end_s``, ``max_elevation_s``),
    ``duration_s``, ``max_elevation_deg``, ``min_range_km`` (range at culmination),
    ``bytes_capacity`` (bytes the station's rate model can move in the pass, times clear sky),
    ``clear_fraction`` and the clipping flags.

    >>> from orbitsim import walker_delta, time_grid
    >>> shell = walker_delta(550, 53, planes=2, per_plane=2)
    >>> passes = contact_windows(shell, "compute-hubs", time_grid("2026-01-01T00:00Z", 6, 60))
    >>> list(passes.columns[:5])
    ['satellite', 'sat_index', 'station', 'station_index', 'start_utc']
    """
    return combine_windows(iter_contact_windows(
        source, stations, grid, min_elevation_deg=min_elevation_deg, workers=workers, seed=seed,
        prune=prune, chunk_size=chunk_size, coarse_step_s=coarse_step_s))


def combine_windows(frames) -> pd.DataFrame:
    """Per-chunk pass frames as one, sorted by start time, satellite and station."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_frame()
    frame = pd.concat(frames, ignore_index=True)
    order = np.lexsort((frame["station_index"].to_numpy(), frame["sat_index"].to_numpy(),
                        frame["start_s"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


#: Columns of the compact pass table a simulation keeps (:func:`combine_compact`).
COMPACT_COLUMNS = ("satellite", "sat_index", "station", "station_index", "start_s", "end_s",
                   "bytes_capacity")
_COMPACT_DTYPES = {"sat_index": np.int32, "station_index": np.int16, "start_s": np.float64,
                   "end_s": np.float64, "bytes_capacity": np.float64}


def compact_passes(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The columns of :func:`chunk_passes` a simulation needs, in compact dtypes (30 bytes a
    pass instead of ~190 for a :func:`chunk_windows` row), sorted like :func:`combine_windows`.
    """
    order = np.lexsort((data["station_index"], data["sat_index"], data["start_s"]))
    return {name: np.asarray(data[name])[order].astype(dtype, copy=False)
            for name, dtype in _COMPACT_DTYPES.items()}


def _labels(codes: np.ndarray, names) -> pd.Categorical | np.ndarray:
    """``names[codes]`` as a categorical (4 bytes a row), or as strings if names repeat."""
    categories = pd.Index(list(names), dtype=object)
    if categories.is_unique:
        return pd.Categorical.from_codes(codes, categories=categories)
    return np.asarray(names, dtype=object)[codes]


def combine_compact(parts: list[dict[str, np.ndarray]], satellite_names,
                    station_names) -> pd.DataFrame:
    """Per-chunk :func:`compact_passes` as one frame with :data:`COMPACT_COLUMNS`, in the order
    of :func:`combine_windows` (start time, satellite, station); ``satellite`` and ``station``
    are categoricals. Empties ``parts`` as it goes, so that each column is held about once."""
    columns = {}
    for name, dtype in _COMPACT_DTYPES.items():
        pieces = [part.pop(name) for part in parts]
        columns[name] = np.concatenate(pieces) if pieces else np.zeros(0, dtype=dtype)
        del pieces
    parts.clear()
    order = np.lexsort((columns["station_index"], columns["sat_index"], columns["start_s"]))
    for name in columns:
        columns[name] = columns[name][order]
    del order
    sat, station = columns["sat_index"], columns["station_index"]
    return pd.DataFrame({
        "satellite": _labels(sat, satellite_names),
        "sat_index": sat,
        "station": _labels(station, station_names),
        "station_index": station,
        "start_s": columns["start_s"],
        "end_s": columns["end_s"],
        "bytes_capacity": columns["bytes_capacity"],
    }, copy=False)


def chunk_windows(chunk: GeometryChunk, grid: TimeGrid, constellation: Constellation,
                  table: StationTable) -> pd.DataFrame:
    """The passes of one propagated chunk (which must carry velocities) as a frame, for
    callers that already iterate over the geometry for other purposes."""
    return _frame(chunk_passes(chunk, grid, table=table), constellation, table, grid)


def iter_contact_windows(
    source: Constellation | Geometry,
    stations: GroundNetwork | str | Path,
    grid: TimeGrid | None = None,
    *,
    min_elevation_deg: float | None = None,
    workers: int = 1,
    seed: int = 0,
    prune: bool = True,
    chunk_size: int | None = None,
    coarse_step_s: float | None = None,
    failures: list | None = None,
) -> Iterator[pd.DataFrame]:
    """The passes of :func:`contact_windows` chunk of satellites by chunk, in satellite order
    (each frame sorted by start time), for constellations whose passes are streamed.
    ``failures`` receives the orbit errors (see :func:`~orbitsim.geometry.propagate.map_chunks`).
    """
    network = load_ground_network(stations)
    if isinstance(source, Geometry):
        if grid is not None and len(grid) != source.r_ecef_km.shape[1]:
            raise ValueError(f"the grid has {len(grid)} instants, the geometry "
                             f"{source.r_ecef_km.shape[1]}: pass the geometry's own grid")
        grid = source.grid if grid is None else grid
        constellation = source.constellation
    elif isinstance(source, Constellation):
        if grid is None:
            raise ValueError("a time grid is needed to propagate a constellation")
        constellation = source
        grid = safe_grid(constellation, grid)  # a coarser step would step over passes
    else:
        raise TypeError(f"expected a Constellation or a Geometry, got {type(source).__name__}")
    if len(grid) < 2:
        raise ValueError("the time grid needs at least two instants")
    table = StationTable.of(network, grid.duration_s, min_elevation_deg, seed)
    options = dict(table=table, prune=prune,
                   coarse_step_s=coarse_step_s or DEFAULT_COARSE_STEP_S)
    if isinstance(source, Geometry):
        size = chunk_size or max(1, _BLOCK_ELEMENTS // (4 * len(grid)))
        for lo in range(0, len(constellation), size):
            hi = min(lo + size, len(constellation))
            velocity = None if source.v_ecef_km_s is None else source.v_ecef_km_s[lo:hi]
            part = _passes_of_positions(source.r_ecef_km[lo:hi], velocity, lo, grid, **options)
            yield _frame(part, constellation, table, grid)
        return
    for part in map_chunks(constellation, grid, chunk_passes, workers=workers,
                           chunk_size=chunk_size, with_velocity=True, failures=failures,
                           **options):
        yield _frame(part, constellation, table, grid)


def chunk_passes(chunk: GeometryChunk, grid: TimeGrid, *, table: StationTable, prune: bool = True,
                 coarse_step_s: float = DEFAULT_COARSE_STEP_S) -> dict[str, np.ndarray]:
    """Passes of one propagated chunk (top-level, picklable: runs in worker processes)."""
    return _passes_of_positions(chunk.r_ecef_km, chunk.v_ecef_km_s, chunk.start, grid,
                                table=table, prune=prune, coarse_step_s=coarse_step_s)


# --------------------------------------------------------------------------------------------
# Detection


@dataclass
class _Samples:
    """Grid samples the exact test evaluated, flattened.

    ``key = (sat·S + station)·(T + 1) + time_index`` (the +1 keeps runs of neighbouring pairs
    apart); for visible samples: ``sin el`` and range (km); ``peak_key``: local maxima of
    elevation below the mask (possible passes shorter than a step).
    """

    visible_key: np.ndarray
    visible_sin: np.ndarray
    visible_range: np.ndarray
    peak_key: np.ndarray


def _dense_samples(r, table: StationTable) -> _Samples:
    """The exact elevation test at every sample of every pair (no pruning)."""
    n_sats, n_times, _ = r.shape
    n_st = len(table.names)
    sin_mask = table.sin_mask[None, :, None]
    block = max(1, _BLOCK_ELEMENTS // max(1, n_st * n_times))
    keys, sines, ranges, peaks = [], [], [], []
    edge = None
    for lo in range(0, n_sats, block):
        hi = min(lo + block, n_sats)
        e = sin_elevation(r[lo:hi], table.ecef_km, table.up)  # (b, S, T)
        visible = e >= sin_mask
        sat, st, f = np.nonzero(visible)
        keys.append(((sat + lo) * n_st + st) * (n_times + 1) + f)
        sines.append(e[sat, st, f])
        d = r[sat + lo, f] - table.ecef_km[st]
        ranges.append(np.sqrt(np.einsum("ij,ij->i", d, d)))
        if edge is None or edge.shape[0] != e.shape[0]:
            edge = np.full(e.shape[:2] + (1,), -np.inf)
        e_prev = np.concatenate([edge, e[..., :-1]], axis=-1)
        e_next = np.concatenate([e[..., 1:], edge], axis=-1)
        sat, st, f = np.nonzero((e >= e_prev) & (e > e_next) & ~visible)
        peaks.append(((sat + lo) * n_st + st) * (n_times + 1) + f)
    return _Samples(*(np.concatenate(a) for a in (keys, sines, ranges, peaks)))


def _coarse_indices(n_times: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Coarse sample indices and the bounds of the fine blocks nearest to each."""
    coarse = np.arange(0, n_times, k)
    if coarse[-1] != n_times - 1:
        coarse = np.append(coarse, n_times - 1)
    bounds = np.concatenate([[0], (coarse[:-1] + coarse[1:] + 1) // 2, [n_times]])
    return coarse, bounds


def _angular_rate_bound_rad_s(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Upper bound of the angular speed of each satellite's geocentric direction in ECEF,
    ``max |v| / |r|`` over the samples (``|r × v| ≤ |r| |v|``), rad/s, ``(n,)``."""
    ratio = np.einsum("ijk,ijk->ij", v, v) / np.einsum("ijk,ijk->ij", r, r)
    return np.sqrt(np.nan_to_num(np.nanmax(np.where(np.isfinite(ratio), ratio, -np.inf),
                                           axis=1), nan=0.0, neginf=0.0, posinf=0.0))


def _coarse_hits(r, v, step_s: float, table: StationTable, coarse_step_s: float):
    """(satellite, station, coarse index) triples whose fine block may hold a visible sample,
    sorted, and the fine block bounds."""
    n_sats, n_times, _ = r.shape
    n_st = len(table.names)
    k = max(1, int(round(coarse_step_s / step_s)))
    coarse, bounds = _coarse_indices(n_times, k)
    half_steps = int(max((coarse - bounds[:-1]).max(), (bounds[1:] - 1 - coarse).max()))

    every = k == 1  # no copy when every sample is a coarse one
    r_coarse = r if every else r[:, coarse, :]
    radius = np.sqrt(np.einsum("ijk,ijk->ij", r_coarse, r_coarse))
    max_radius = np.nan_to_num(np.nanmax(np.where(np.isfinite(radius), radius, -np.inf), axis=1),
                               neginf=1.0)
    rate = (_angular_rate_bound_rad_s(r_coarse, v if every else v[:, coarse, :]) * _RATE_SAFETY
            + 1e-6)
    margin = rate * (half_steps + 1) * step_s  # (n,) rad
    station_radius = np.sqrt(np.einsum("ij,ij->i", table.ecef_km, table.ecef_km))
    station_unit = table.ecef_km / station_radius[:, None]
    cap = cap_half_angle_rad(max_radius[:, None], table.mask_deg - MAX_GEODETIC_GEOCENTRIC_DEG,
                             station_radius[None, :])
    limit = np.cos(np.minimum(cap + margin[:, None], np.pi))  # (n, S)

    # float32 is ample here: the margin is degrees, float32 resolves cos to ~0.02° near 1.
    # (n, 3, C) so that the products come out (satellite, station, coarse instant): the hits
    # are then already sorted by pair and time, with no sort of millions of keys.
    unit32 = np.empty((n_sats, 3, len(coarse)), dtype=np.float32)
    np.divide(r_coarse.transpose(0, 2, 1), radius[:, None, :], out=unit32, casting="same_kind")
    station_unit32 = station_unit.astype(np.float32)  # (S, 3)
    limit32 = (limit - 1e-5).astype(np.float32)
    n_coarse = len(coarse)
    block = max(1, _BLOCK_ELEMENTS // max(1, n_st * n_coarse))
    hits = []
    for lo in range(0, n_sats, block):
        hi = min(lo + block, n_sats)
        cosine = station_unit32 @ unit32[lo:hi]  # (b, S, C): one matrix product
        flat = np.flatnonzero(cosine >= limit32[lo:hi, :, None])
        hits.append(flat + lo * n_st * n_coarse)
    pair, c = np.divmod(np.concatenate(hits), n_coarse)
    sat, st = np.divmod(pair, n_st)
    return sat, st, c, bounds


def _pruned_samples(r, v, step_s: float, table: StationTable, coarse_step_s: float) -> _Samples:
    """The exact test only in the fine blocks of coarse cap hits (see the module docstring).

    Consecutive hit blocks of a pair merge into one span of grid samples; the spans are
    evaluated together as one flat (ragged) array of samples.
    """
    n_times = r.shape[1]
    n_st = len(table.names)
    sat, st, c, bounds = _coarse_hits(r, v, step_s, table, coarse_step_s)
    if len(c) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Samples(empty, np.zeros(0), np.zeros(0), empty)
    pair = sat * n_st + st
    new_span = np.concatenate([[True], (np.diff(pair) != 0) | (np.diff(c) != 1)])
    first = np.flatnonzero(new_span)
    last = np.concatenate([first[1:], [len(c)]]) - 1
    span_pair, span_sat, span_st = pair[first], sat[first], st[first]
    span_lo, span_hi = bounds[c[first]], bounds[c[last] + 1]
    length = span_hi - span_lo

    r_rows = np.ascontiguousarray(r.reshape(-1, 3).T)  # (3, n·T): x, y, z rows
    s = table.ecef_km
    station_rows = np.stack([table.up[:, 0], table.up[:, 1], table.up[:, 2],
                             -2.0 * s[:, 0], -2.0 * s[:, 1], -2.0 * s[:, 2],
                             np.einsum("ij,ij->i", s, table.up), np.einsum("ij,ij->i", s, s),
                             table.sin_mask])  # (9, S)
    keys, sines, ranges, peak_keys = [], [], [], []
    total = np.cumsum(length)
    start = 0
    while start < len(first):  # groups of spans of about _BLOCK_ELEMENTS / 4 samples
        base = total[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(total, base + _BLOCK_ELEMENTS // 4)))
        spans = slice(start, stop)
        n_of = length[spans]
        offset = np.cumsum(n_of) - n_of
        points = int(n_of.sum())
        f = np.arange(points) - np.repeat(offset - span_lo[spans], n_of)
        x, y, z = np.take(r_rows, np.repeat(span_sat[spans] * n_times, n_of) + f, axis=1)
        ux, uy, uz, sx, sy, sz, s_up, s_s, sin_mask = np.take(
            station_rows, np.repeat(span_st[spans], n_of), axis=1)
        height = x * ux + y * uy + z * uz - s_up
        range_km = np.sqrt(x * (x + sx) + y * (y + sy) + z * (z + sz) + s_s)
        e = height / range_km
        visible = e >= sin_mask
        # Local maxima below the mask; outside a span (not evaluated) counts as -inf.
        e_prev = np.empty_like(e)
        e_prev[1:] = e[:-1]
        e_prev[offset] = -np.inf
        e_next = np.empty_like(e)
        e_next[:-1] = e[1:]
        e_next[offset + n_of - 1] = -np.inf
        peak = (e >= e_prev) & (e > e_next) & ~visible
        p_pair = np.repeat(span_pair[spans], n_of)
        keys.append(p_pair[visible] * (n_times + 1) + f[visible])
        sines.append(e[visible])
        ranges.append(range_km[visible])
        peak_keys.append(p_pair[peak] * (n_times + 1) + f[peak])
        start = stop
    return _Samples(*(np.concatenate(a) for a in (keys, sines, ranges, peak_keys)))


# --------------------------------------------------------------------------------------------
# Refinement between samples (cubic Hermite on position and velocity, no new SGP4 calls)


def _hermite_coefficients(r0, v0, r1, v1, step_s: float) -> np.ndarray:
    """Cubic ``p(τ) = c0 + c1 τ + c2 τ² + c3 τ³`` through two samples with their velocities
    (the cubic Hermite interpolant of :mod:`orbitsim.kernels.interpolate`), ``(4, n, 3)``."""
    h_v0, h_v1 = step_s * v0, step_s * v1
    return np.stack([r0, h_v0, 3.0 * (r1 - r0) - 2.0 * h_v0 - h_v1,
                     2.0 * (r0 - r1) + h_v0 + h_v1])


def _poly_product(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Coefficients (lowest degree first, ``(deg + 1, n)``) of the product of two columns of
    polynomials ``p`` ``(a, n)`` and ``q`` ``(b, n)``."""
    out = np.zeros((len(p) + len(q) - 1, p.shape[1]))
    for i in range(len(p)):
        out[i:i + len(q)] += p[i] * q
    return out


def _poly_value(coef: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Horner's rule: ``Σ coef[i] τ^i`` for columns of coefficients ``(deg + 1, n)``."""
    value = coef[-1] * tau
    for c in coef[-2:0:-1]:
        value += c
        value *= tau
    value += coef[0]
    return value


@dataclass
class _Segment:
    """Look geometry of (satellite, station) pairs along one grid step each.

    With the station-relative Hermite cubic ``d(τ)`` (km) and the station's up vector ``u``,
    the height ``h(τ) = d·u`` is a cubic and the squared range ``q(τ) = d·d`` a sextic, so
    ``sin el = h / √q`` costs two Horner sums, and the culmination is a root of the octic
    ``2 h′ q − h q′`` (the numerator of ``d(sin el)/dτ``). Coefficients are ``(deg + 1, n)``.
    """

    height: np.ndarray  # (4, n) km
    range2: np.ndarray  # (7, n) km²
    start_s: np.ndarray  # (n,) time of τ = 0
    step_s: float

    @staticmethod
    def of(r, v, sat, st, segment, step_s: float, table: StationTable) -> _Segment:
        n_times = r.shape[1]
        rows, cols = r.reshape(-1, 3), v.reshape(-1, 3)
        at = sat * n_times + segment
        r0, v0 = rows.take(at, axis=0), cols.take(at, axis=0)
        r1, v1 = rows.take(at + 1, axis=0), cols.take(at + 1, axis=0)
        c = _hermite_coefficients(r0, v0, r1, v1, step_s)  # (4, n, 3)
        c[0] -= table.ecef_km[st]
        c = np.ascontiguousarray(c.transpose(2, 0, 1))  # (3, 4, n): x, y, z rows
        up = np.ascontiguousarray(table.up[st].T)  # (3, n)
        x, y, z = c
        height = x * up[0] + y * up[1] + z * up[2]  # (4, n)

        def dot(a, b):
            return x[a] * x[b] + y[a] * y[b] + z[a] * z[b]

        range2 = np.stack([dot(0, 0), 2.0 * dot(0, 1), 2.0 * dot(0, 2) + dot(1, 1),
                           2.0 * (dot(0, 3) + dot(1, 2)), 2.0 * dot(1, 3) + dot(2, 2),
                           2.0 * dot(2, 3), dot(3, 3)])
        return _Segment(height, range2, segment * step_s, step_s)

    def subset(self, rows: np.ndarray) -> _Segment:
        return _Segment(self.height[:, rows], self.range2[:, rows], self.start_s[rows],
                        self.step_s)

    def look(self, tau):
        """``(sin elevation, range km)`` at ``tau`` ``(n,)``."""
        range_km = np.sqrt(_poly_value(self.range2, tau))
        return _poly_value(self.height, tau) / range_km, range_km

    def sin_el(self, tau):
        return _poly_value(self.height, tau) / np.sqrt(_poly_value(self.range2, tau))

    def crossing(self, sin_mask, tau_lo, tau_hi, rising: bool) -> np.ndarray:
        """``τ`` in ``[tau_lo, tau_hi]`` where elevation crosses the mask (to
        :data:`_TIME_TOL_S`)."""
        if len(tau_lo) == 0:
            return np.zeros(0)
        sign = 1.0 if rising else -1.0
        span = tau_hi - tau_lo

        def func(u):
            return sign * (self.sin_el(tau_lo + u * span) - sin_mask)

        tol = _TIME_TOL_S / self.step_s / np.maximum(span, 1e-12)
        return tau_lo + illinois_sign_change(func, func(np.zeros(len(span))),
                                             func(np.ones(len(span))), tol) * span

    def culmination(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Highest elevation on the step, end points included: ``(τ, sin el, range km)``.
        Inside the step, the sign change of ``h q′ − 2 h′ q`` (to :data:`_PEAK_TOL_S`)."""
        h, q = self.height, self.range2
        h_dot = h[1:] * np.arange(1, 4)[:, None]
        q_dot = q[1:] * np.arange(1, 7)[:, None]
        slope = _poly_product(h, q_dot) - 2.0 * _poly_product(h_dot, q)  # ∝ −d(sin el)/dτ
        n = h.shape[1]
        zeros, ones = np.zeros(n), np.ones(n)
        tau = illinois_sign_change(lambda t: _poly_value(slope, t), _poly_value(slope, zeros),
                                   _poly_value(slope, ones), _PEAK_TOL_S / self.step_s)
        value, range_km = self.look(tau)
        for edge in (zeros, ones):  # a clipped pass culminates at the window's edge
            edge_value, edge_range = self.look(edge)
            better = edge_value > value
            tau = np.where(better, edge, tau)
            value = np.where(better, edge_value, value)
            range_km = np.where(better, edge_range, range_km)
        return tau, value, range_km


def _peak_segment(r, v, sat, st, i, n_times: int, table: StationTable) -> np.ndarray:
    """The grid step holding the elevation maximum next to sample ``i``, a local maximum of
    the samples: after ``i`` if the elevation still rises at ``i``, else before it."""
    d = r[sat, i] - table.ecef_km[st]
    vel = v[sat, i]
    up = table.up[st]
    range2 = np.einsum("ij,ij->i", d, d)
    rate = (np.einsum("ij,ij->i", vel, up) * range2
            - np.einsum("ij,ij->i", d, up) * np.einsum("ij,ij->i", d, vel))  # ∝ d(sin el)/dt
    return np.clip(np.where(rate > 0.0, i, i - 1), 0, n_times - 2)


def _runs(samples: _Samples):
    """Runs of consecutive visible samples: ``(order, starts, ends, at_max)``; ``order`` sorts
    the visible samples by key, the others index the sorted samples (first, last and highest
    sample of each run)."""
    key = samples.visible_key
    order = np.argsort(key, kind="stable")
    key = key[order]
    if len(key) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return order, empty, empty, empty
    value = samples.visible_sin[order]
    starts = np.flatnonzero(np.concatenate([[True], np.diff(key) != 1]))
    ends = np.concatenate([starts[1:], [len(key)]]) - 1
    run_id = np.repeat(np.arange(len(starts)), ends - starts + 1)
    run_max = np.maximum.reduceat(value, starts)
    at_max = np.flatnonzero(value == run_max[run_id])
    _, first = np.unique(run_id[at_max], return_index=True)
    return order, starts, ends, at_max[first]


def _rate_bps(table: StationTable, st, range_km, sin_el) -> np.ndarray:
    """Each station's rate model at the given geometry (a loop over a handful of models)."""
    elevation_deg = np.degrees(np.arcsin(np.clip(sin_el, -1.0, 1.0)))
    rate = np.zeros(np.shape(range_km))
    model_of = table.rate_model_index[st]
    for m, model in enumerate(table.rate_models):
        rows = model_of == m
        if rows.any():
            rate[rows] = model.rate_bps(range_km[rows], elevation_deg[rows])
    return rate


def _clear_sky(table: StationTable, st, t_s) -> np.ndarray:
    """1 under clear sky, 0 under cloud (stations with a cloud process), else the expected
    clear fraction."""
    clear = table.clear_sky_fraction[st].astype(float)
    for station, intervals in enumerate(table.clear_intervals):
        if intervals is None:
            continue
        rows = st == station
        if rows.any() and len(intervals) == 0:  # cloudy all along
            clear[rows] = 0.0
        elif rows.any():
            where = np.searchsorted(intervals[:, 0], t_s[rows], side="right") - 1
            inside = (where >= 0) & (t_s[rows] < intervals[np.maximum(where, 0), 1])
            clear[rows] = inside.astype(float)
    return clear


def _passes_of_positions(r, v, sat_offset: int, grid: TimeGrid, *, table: StationTable,
                         prune: bool, coarse_step_s: float) -> dict[str, np.ndarray]:
    """Every pass of satellites ``r`` ``(n, T, 3)`` (velocities ``v``, finite differences if
    None) as arrays of :data:`COLUMNS` (satellite indices offset by ``sat_offset``)."""
    r = np.asarray(r, dtype=float)
    step_s = float(grid.step_s)
    if v is None:
        v = np.gradient(r, step_s, axis=1)
    samples = (_pruned_samples(r, v, step_s, table, coarse_step_s) if prune
               else _dense_samples(r, table))
    runs = _refine_runs(r, v, samples, step_s, float(grid.seconds[-1]), table)
    short = _short_passes(r, v, samples.peak_key, step_s, table)
    out = {k: np.concatenate([runs[k], short[k]]) for k in runs}
    out["sat_index"] = (out["sat_index"] + sat_offset).astype(np.int64)
    return out


def _refine_runs(r, v, samples: _Samples, step_s: float, end_s: float,
                 table: StationTable) -> dict[str, np.ndarray]:
    """Passes from runs of visible samples: rise, set, culmination and capacity."""
    n_times = r.shape[1]
    stride = n_times + 1
    order, starts, ends, at_max = _runs(samples)
    key = samples.visible_key[order]
    sample_sin = samples.visible_sin[order]
    sample_range = samples.visible_range[order]
    sat, st = np.divmod(key[starts] // stride, len(table.names))
    f = key % stride
    i_first, i_last, i_max = f[starts], f[ends], f[at_max]
    sin_mask = table.sin_mask[st]
    starts_clipped = i_first == 0
    ends_clipped = i_last == n_times - 1

    rise, rise_range = np.zeros(len(sat)), sample_range[starts].copy()
    inner = np.flatnonzero(~starts_clipped)
    seg = _Segment.of(r, v, sat[inner], st[inner], i_first[inner] - 1, step_s, table)
    tau = seg.crossing(sin_mask[inner], np.zeros(len(inner)), np.ones(len(inner)), True)
    rise[inner] = seg.start_s + tau * step_s
    rise_range[inner] = seg.look(tau)[1]

    set_, set_range = np.full(len(sat), end_s), sample_range[ends].copy()
    inner = np.flatnonzero(~ends_clipped)
    seg = _Segment.of(r, v, sat[inner], st[inner], i_last[inner], step_s, table)
    tau = seg.crossing(sin_mask[inner], np.zeros(len(inner)), np.ones(len(inner)), False)
    set_[inner] = seg.start_s + tau * step_s
    set_range[inner] = seg.look(tau)[1]

    seg = _Segment.of(r, v, sat, st, _peak_segment(r, v, sat, st, i_max, n_times, table),
                      step_s, table)
    tau, peak_sin, peak_range = seg.culmination()
    peak_t = np.clip(seg.start_s + tau * step_s, rise, set_)

    # Capacity: trapezoid rule over rise, the visible samples and set.
    sample_t = f.astype(float) * step_s
    sample_st = np.repeat(st, ends - starts + 1)
    sample_clear = _clear_sky(table, sample_st, sample_t)
    rise_clear, set_clear = _clear_sky(table, st, rise), _clear_sky(table, st, set_)

    def integral(at_samples, at_rise, at_set):
        total = np.add.reduceat(at_samples, starts) if len(starts) else np.zeros(0)
        first, last = at_samples[starts], at_samples[ends]
        return (step_s * (total - 0.5 * (first + last))
                + 0.5 * (sample_t[starts] - rise) * (at_rise + first)
                + 0.5 * (set_ - sample_t[ends]) * (last + at_set))

    bits = integral(_rate_bps(table, sample_st, sample_range, sample_sin) * sample_clear,
                    _rate_bps(table, st, rise_range, sin_mask) * rise_clear,
                    _rate_bps(table, st, set_range, sin_mask) * set_clear)
    duration = set_ - rise
    clear = np.where(duration > 0.0, integral(sample_clear, rise_clear, set_clear)
                     / np.where(duration > 0.0, duration, 1.0), _clear_sky(table, st, peak_t))
    return {
        "sat_index": sat, "station_index": st, "start_s": rise, "end_s": set_,
        "max_elevation_deg": np.degrees(np.arcsin(np.clip(peak_sin, -1.0, 1.0))),
        "max_elevation_s": peak_t, "min_range_km": peak_range, "bytes_capacity": bits / 8.0,
        "clear_fraction": clear, "starts_clipped": starts_clipped, "ends_clipped": ends_clipped,
    }


def _short_passes(r, v, peak_key, step_s: float, table: StationTable) -> dict[str, np.ndarray]:
    """Passes shorter than a step: local maxima of the samples below the mask whose true
    maximum, between the neighbouring samples, is above it."""
    n_times = r.shape[1]
    pair, f = np.divmod(peak_key, n_times + 1)
    sat, st = np.divmod(pair, len(table.names))
    if len(sat):  # keep the maxima that could reach the mask within one step
        d = r[sat, f] - table.ecef_km[st]
        range_km = np.sqrt(np.einsum("ij,ij->i", d, d))
        speed = np.sqrt(np.einsum("ij,ij->i", v[sat, f], v[sat, f]))
        reach = step_s * speed  # the line of sight turns by at most atan(reach / (range - reach))
        bound = np.where(range_km > reach, np.arctan2(reach, range_km - reach), np.pi)
        elevation = np.arcsin(np.clip(np.einsum("ij,ij->i", d, table.up[st]) / range_km,
                                      -1.0, 1.0))
        keep = np.isfinite(elevation) & (elevation + bound >= np.radians(table.mask_deg[st]))
        sat, st, f = sat[keep], st[keep], f[keep]
    seg = _Segment.of(r, v, sat, st, _peak_segment(r, v, sat, st, f, n_times, table),
                      step_s, table)
    tau, peak_sin, peak_range = seg.culmination()
    above = np.flatnonzero(peak_sin >= table.sin_mask[st])
    seg = seg.subset(above)
    sat, st, tau = sat[above], st[above], tau[above]
    peak_sin, peak_range = peak_sin[above], peak_range[above]
    sin_mask = table.sin_mask[st]
    rise_tau = seg.crossing(sin_mask, np.zeros(len(above)), tau, True)
    set_tau = seg.crossing(sin_mask, tau, np.ones(len(above)), False)
    rise, set_ = seg.start_s + rise_tau * step_s, seg.start_s + set_tau * step_s
    peak_t = seg.start_s + tau * step_s
    rise_rate = _rate_bps(table, st, seg.look(rise_tau)[1], sin_mask)
    set_rate = _rate_bps(table, st, seg.look(set_tau)[1], sin_mask)
    peak_rate = _rate_bps(table, st, peak_range, peak_sin)
    clear = _clear_sky(table, st, peak_t)
    bits = 0.5 * clear * ((peak_t - rise) * (rise_rate + peak_rate)
                          + (set_ - peak_t) * (peak_rate + set_rate))
    no = np.zeros(len(above), dtype=bool)
    return {
        "sat_index": sat, "station_index": st, "start_s": rise, "end_s": set_,
        "max_elevation_deg": np.degrees(np.arcsin(np.clip(peak_sin, -1.0, 1.0))),
        "max_elevation_s": peak_t, "min_range_km": peak_range, "bytes_capacity": bits / 8.0,
        "clear_fraction": clear, "starts_clipped": no, "ends_clipped": no,
    }


# --------------------------------------------------------------------------------------------
# Assembly


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in COLUMNS})


def _frame(data: dict[str, np.ndarray], constellation: Constellation, table: StationTable,
           grid: TimeGrid) -> pd.DataFrame:
    """The passes of one chunk as a frame with :data:`COLUMNS`, sorted by start time."""
    if len(data["sat_index"]) == 0:
        return _empty_frame()
    order = np.lexsort((data["station_index"], data["sat_index"], data["start_s"]))
    data = {k: a[order] for k, a in data.items()}
    names = np.asarray(constellation.names, dtype=object)
    station_names = np.asarray(table.names, dtype=object)
    return pd.DataFrame({
        "satellite": names[data["sat_index"]],
        "sat_index": data["sat_index"],
        "station": station_names[data["station_index"]],
        "station_index": data["station_index"],
        "start_utc": grid.datetimes(data["start_s"]),
        "end_utc": grid.datetimes(data["end_s"]),
        "start_s": data["start_s"],
        "end_s": data["end_s"],
        "max_elevation_deg": data["max_elevation_deg"],
        "max_elevation_s": data["max_elevation_s"],
        "duration_s": data["end_s"] - data["start_s"],
        "min_range_km": data["min_range_km"],
        "bytes_capacity": data["bytes_capacity"],
        "clear_fraction": data["clear_fraction"],
        "starts_clipped": data["starts_clipped"],
        "ends_clipped": data["ends_clipped"],
    })


def _dtype(column: str):
    if column in ("start_utc", "end_utc"):
        return "datetime64[ns, UTC]"
    if column in ("satellite", "station"):
        return object
    if column in ("sat_index", "station_index"):
        return np.int64
    if column in ("starts_clipped", "ends_clipped"):
        return bool
    return float
