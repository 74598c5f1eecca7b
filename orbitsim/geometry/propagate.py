"""Propagation: sgp4's ``SatrecArray`` over chunks of satellites, then ECEF, geodetic
coordinates and the illuminated fraction for the whole chunk at once.

Memory is bounded by the chunk size (``chunk_size`` satellites × ``n_times``), not by the
constellation: :func:`iter_geometry` and :func:`map_chunks` never hold more than a few chunks.
Per-time quantities (Earth rotation angle with UT1, the Sun from DE421) are computed once per
grid, never per satellite. Chunk boundaries do not depend on ``workers``, so results are
identical with one worker or many.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sgp4.api import SGP4_ERRORS, SatrecArray

from orbitsim.kernels.frames import earth_rotation_rad_s, gmst82_rad, rotate_z_components
from orbitsim.kernels.geodetic import GEODETIC_WORK_ARRAYS, ecef_to_geodetic_components
from orbitsim.kernels.shadow import (
    SHADOW_WORK_ARRAYS,
    penumbra_fraction,
    shadow_axis,
    shadow_prefilter,
)
from orbitsim.model.constellation import Constellation, Recipe
from orbitsim.model.timegrid import TimeGrid

#: Default number of satellite-time points per chunk (about 24 MB per 3-vector array).
DEFAULT_CHUNK_POINTS = 1_000_000
#: Points per block inside a chunk for the numpy kernels (cache-sized temporaries).
KERNEL_BLOCK_POINTS = 32_768
#: Physical sanity of a propagated position: below this geodetic altitude the satellite has
#: re-entered (SGP4 itself only stops below one Earth radius) ...
MIN_SANE_ALTITUDE_KM = 100.0
#: ... and beyond this geocentric radius the propagation has diverged (a huge B* gives
#: positions ~3e11 km away with no SGP4 error).
MAX_SANE_RADIUS_KM = 100_000.0
#: Error codes orbitsim adds to sgp4's own (1-6) for those two cases.
ALTITUDE_ERROR, RADIUS_ERROR = 7, 8
#: Every error code's meaning: sgp4's wording, then orbitsim's sanity checks.
ORBIT_ERRORS = {**SGP4_ERRORS,
                ALTITUDE_ERROR: f"altitude below {MIN_SANE_ALTITUDE_KM:g} km (re-entered)",
                RADIUS_ERROR: f"radius beyond {MAX_SANE_RADIUS_KM:,.0f} km (propagation "
                              "diverged)"}


@dataclass(frozen=True, eq=False)
class GridContext:
    """Everything per time step that a worker needs: plain arrays, cheap to pickle."""

    jd_whole: np.ndarray
    jd_fraction: np.ndarray
    gmst_rad: np.ndarray
    omega_rad_s: np.ndarray
    sun_ecef_km: np.ndarray

    @staticmethod
    def of(grid: TimeGrid) -> GridContext:
        """The context of ``grid``, computed once per grid object (grids are immutable)."""
        context = _CONTEXTS.get(grid)
        if context is None:
            context = GridContext._compute(grid)
            _CONTEXTS[grid] = context
        return context

    @staticmethod
    def _compute(grid: TimeGrid) -> GridContext:
        from orbitsim.geometry.sun import sun_ecef_fast_km

        ut1_whole, ut1_fraction = grid.jd_ut1
        return GridContext(
            jd_whole=np.ascontiguousarray(grid.jd_whole),
            jd_fraction=np.ascontiguousarray(grid.jd_fraction),
            gmst_rad=gmst82_rad(ut1_whole, ut1_fraction),
            omega_rad_s=earth_rotation_rad_s(ut1_whole, ut1_fraction),
            sun_ecef_km=sun_ecef_fast_km(grid),
        )


_CONTEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(eq=False)
class GeometryChunk:
    """Geometry of satellites ``start:stop``; arrays ``(n, n_times)`` or ``(n, n_times, 3)``."""

    start: int
    stop: int
    r_ecef_km: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    illuminated: np.ndarray
    error: np.ndarray
    v_ecef_km_s: np.ndarray | None = None
    sun_ecef_km: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_sats(self) -> int:
        return self.stop - self.start

    def __repr__(self) -> str:
        return (f"<GeometryChunk satellites {self.start:,}:{self.stop:,} x "
                f"{self.lat_deg.shape[1]:,} times>")


@dataclass(eq=False)
class Geometry:
    """Geometry of a whole constellation over a time grid.

    ``r_ecef_km`` is ``(n_sats, n_times, 3)``; ``lat_deg``, ``lon_deg``, ``alt_km``,
    ``illuminated`` (0 in umbra .. 1 in full sunlight) and ``error`` (sgp4 error codes, 0 = ok,
    plus :data:`ALTITUDE_ERROR` and :data:`RADIUS_ERROR`) are ``(n_sats, n_times)``. From a
    satellite's first error on, every sample is an error and its coordinates are NaN: a
    satellite that failed once is out of every result from then on.
    """

    constellation: Constellation
    grid: TimeGrid
    sun_ecef_km: np.ndarray
    r_ecef_km: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    illuminated: np.ndarray
    error: np.ndarray
    v_ecef_km_s: np.ndarray | None = None

    @property
    def seconds(self) -> np.ndarray:
        return self.grid.seconds

    def __repr__(self) -> str:
        """``<Geometry starcloud-demo: 32 satellites x 121 times, 2026-06-21 00:00 UTC + 2 h
        every 60 s>`` (and the satellites with sgp4 errors, if any)."""
        n, grid = len(self.constellation), self.grid
        failed = int(np.count_nonzero(np.any(self.error != 0, axis=1)))
        return (f"<Geometry {self.constellation.name}: {n:,} satellite{'' if n == 1 else 's'} "
                f"x {len(grid):,} times, {grid.start_utc:%Y-%m-%d %H:%M} UTC + "
                f"{grid.duration_s / 3600.0:g} h every {grid.step_s:g} s"
                + (f", {failed:,} with sgp4 errors>" if failed else ">"))

    def errors(self) -> pd.DataFrame:
        """One row per satellite with an sgp4 error: its first failing time and the reason."""
        return errors_frame(self.constellation, self.grid, self.error)


#: Columns of the orbit-error table (:func:`errors_frame`, :func:`failures_frame`).
ERROR_COLUMNS = ("satellite", "sat_index", "first_error_utc", "first_error_s", "code",
                 "message")


def first_failures(error: np.ndarray, start: int = 0) -> np.ndarray:
    """``(k, 3)`` int64 rows ``(satellite index + start, first failing time index, code)`` of
    the satellites with any nonzero code in ``error`` ``(n, n_times)``."""
    bad = np.flatnonzero(np.any(error != 0, axis=1))
    first = np.argmax(error[bad] != 0, axis=1)
    return np.stack([start + bad, first, error[bad, first].astype(np.int64)],
                    axis=1).astype(np.int64).reshape(-1, 3)


def failures_frame(constellation: Constellation, grid: TimeGrid, rows) -> pd.DataFrame:
    """The orbit-error table from :func:`first_failures` rows (one array or a list of them):
    one row per failed satellite, :data:`ERROR_COLUMNS`, in satellite order."""
    rows = (np.concatenate([np.asarray(r, dtype=np.int64).reshape(-1, 3) for r in rows])
            if isinstance(rows, list) and rows else np.asarray(rows, np.int64).reshape(-1, 3))
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    sat, first, codes = rows[:, 0], rows[:, 1], rows[:, 2]
    return pd.DataFrame(
        {
            "satellite": pd.Series([constellation.names[i] for i in sat.tolist()], dtype=object),
            "sat_index": sat.astype(np.int64),
            "first_error_utc": pd.Series(grid.iso(grid.seconds[first]) if len(first) else [],
                                         dtype=object),
            "first_error_s": grid.seconds[first].astype(float),
            "code": codes.astype(np.int64),
            "message": pd.Series([ORBIT_ERRORS.get(c, "unknown") for c in codes.tolist()],
                                 dtype=object),
        },
        columns=list(ERROR_COLUMNS),
    )


def errors_frame(constellation: Constellation, grid: TimeGrid, error: np.ndarray,
                 start: int = 0) -> pd.DataFrame:
    """Satellites whose propagation failed: :data:`ERROR_COLUMNS` (``satellite, sat_index,
    first_error_utc, first_error_s, code, message``: sgp4's own wording, e.g. decay, or
    orbitsim's sanity checks)."""
    return failures_frame(constellation, grid, first_failures(error, start))


def mark_insane(chunk: GeometryChunk) -> None:
    """Orbit hygiene, in place: samples below :data:`MIN_SANE_ALTITUDE_KM` or beyond
    :data:`MAX_SANE_RADIUS_KM` become errors, and from each satellite's first error on every
    sample is an error (the first code repeated where sgp4 gave none) with NaN coordinates.

    Cheap when nothing fails: two comparisons of the altitudes (a radius beyond 100,000 km
    means an altitude beyond 100,000 km − the polar radius)."""
    alt = chunk.alt_km
    low = alt < MIN_SANE_ALTITUDE_KM
    high = alt > MAX_SANE_RADIUS_KM - 6_400.0
    if high.any():  # the exact test where it may hold
        radius = np.sqrt(np.einsum("ijk,ijk->ij", chunk.r_ecef_km, chunk.r_ecef_km))
        high &= radius > MAX_SANE_RADIUS_KM
    error = chunk.error
    if not (low.any() or high.any() or error.any()):
        return
    error[(error == 0) & low] = ALTITUDE_ERROR
    error[(error == 0) & high] = RADIUS_ERROR
    failed = np.logical_or.accumulate(error != 0, axis=1)
    rows = np.flatnonzero(failed.any(axis=1))
    sub = error[rows]
    first_code = sub[np.arange(len(rows)), np.argmax(sub != 0, axis=1)]
    fill = (sub == 0) & failed[rows]
    sub[fill] = np.repeat(first_code, fill.sum(axis=1))  # row-major: each row's own code
    error[rows] = sub
    for name in ("r_ecef_km", "v_ecef_km_s"):
        array = getattr(chunk, name)
        if array is not None:
            array[failed] = np.nan
    for name in ("lat_deg", "lon_deg", "alt_km", "illuminated"):
        getattr(chunk, name)[failed] = np.nan


def default_chunk_size(n_times: int, points: int = DEFAULT_CHUNK_POINTS) -> int:
    return max(1, points // max(n_times, 1))


class _Scratch:
    """Process-local SGP4 output buffers, reused from chunk to chunk.

    Fresh arrays of a few hundred MB cost as much in page faults as the kernels cost in
    arithmetic; reusing them keeps the pipeline within a few tens of percent of raw SGP4.
    """

    def __init__(self) -> None:
        self.arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def get(self, n_sats: int, n_times: int):
        arrays = self.arrays
        if arrays is None or arrays[0].shape[1] != n_times or arrays[0].shape[0] < n_sats:
            arrays = (np.empty((n_sats, n_times), np.uint8), np.empty((n_sats, n_times, 3)),
                      np.empty((n_sats, n_times, 3)))
            self.arrays = arrays
        return tuple(a[:n_sats] for a in arrays)


_SCRATCH = _Scratch()


def propagate_teme(satrecs: list, jd_whole: np.ndarray, jd_fraction: np.ndarray,
                   buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
    """Raw SGP4 for ``satrecs`` at UTC Julian dates ``jd_whole + jd_fraction`` ``(n_times,)``.

    Returns ``(error (n_sats, n_times) int8, r_teme_km (n_sats, n_times, 3),
    v_teme_km_s (n_sats, n_times, 3))``; failed samples are NaN with a nonzero error code
    (sgp4's codes: 1 eccentricity, 2 mean motion, 3 perturbed eccentricity, 4 semi-latus
    rectum, 6 decayed). ``buffers`` (uint8, float64, float64 arrays of those shapes) are filled
    in place when given, through the same C routine that ``SatrecArray.sgp4`` calls.
    """
    array = SatrecArray(satrecs)
    jd_whole = np.ascontiguousarray(jd_whole, dtype=float)
    jd_fraction = np.ascontiguousarray(jd_fraction, dtype=float)
    if buffers is not None and hasattr(array, "_sgp4"):
        error_u8, r_teme, v_teme = buffers
        array._sgp4(jd_whole, jd_fraction, error_u8, r_teme, v_teme)
    else:
        error_u8, r_teme, v_teme = array.sgp4(jd_whole, jd_fraction)
    error = error_u8.astype(np.int8)
    failed = error != 0
    if failed.any():
        r_teme[failed] = np.nan
        v_teme[failed] = np.nan
    return error, r_teme, v_teme


def _empty_chunk(start: int, n: int, n_times: int, with_velocity: bool) -> GeometryChunk:
    return GeometryChunk(
        start=start, stop=start + n, r_ecef_km=np.empty((n, n_times, 3)),
        lat_deg=np.empty((n, n_times)), lon_deg=np.empty((n, n_times)),
        alt_km=np.empty((n, n_times)), illuminated=np.empty((n, n_times)),
        error=np.empty((n, n_times), np.int8),
        v_ecef_km_s=np.empty((n, n_times, 3)) if with_velocity else None,
    )


def compute_chunk(recipes: tuple[Recipe, ...], context: GridContext, start: int,
                  with_velocity: bool = False, out: GeometryChunk | None = None) -> GeometryChunk:
    """Propagate and derive the geometry of one chunk of satellites (a pure function of its
    arguments: the same inputs give the same bits in any process). Results are written into
    ``out`` (views of larger arrays) when given."""
    satrecs = [sat for recipe in recipes for sat in recipe.satrecs()]
    n = len(satrecs)
    n_times = len(context.jd_whole)
    error, r_teme, v_teme = propagate_teme(satrecs, context.jd_whole, context.jd_fraction,
                                           buffers=_SCRATCH.get(n, n_times))
    chunk = out if out is not None else _empty_chunk(start, n, n_times, with_velocity)
    chunk.error[...] = error
    chunk.sun_ecef_km = context.sun_ecef_km
    cos_gmst = np.cos(context.gmst_rad)
    sin_gmst = np.sin(context.gmst_rad)
    sun = shadow_axis(context.sun_ecef_km)
    # The kernels run on blocks of ~32k points so that their temporaries stay in cache, on
    # contiguous x, y, z arrays (strided views of the (n, n_times, 3) arrays cost 2-4 times
    # more per pass: they are read once and written once), with scratch arrays allocated
    # once per chunk (a fresh 256 kB temporary is page-faulted on every use).
    block = max(1, KERNEL_BLOCK_POINTS // max(n_times, 1))
    n_work = max(GEODETIC_WORK_ARRAYS, SHADOW_WORK_ARRAYS)
    scratch = np.empty((3 + n_work, min(block, n), n_times))
    band = [np.empty(0, np.intp)]
    for lo in range(0, n, block):
        s = slice(lo, min(lo + block, n))
        k = s.stop - s.start
        bx, by, bz = scratch[0, :k], scratch[1, :k], scratch[2, :k]
        work = scratch[3:, :k]
        teme = r_teme[s]
        rotate_z_components(teme[..., 0], teme[..., 1], cos_gmst, sin_gmst, bx, by, work[0])
        np.copyto(bz, teme[..., 2])
        r_ecef = chunk.r_ecef_km[s]
        r_ecef[..., 0] = bx
        r_ecef[..., 1] = by
        r_ecef[..., 2] = bz
        if with_velocity:  # rotated, plus the transport term − ω × r_ecef
            v_in, v_out = v_teme[s], chunk.v_ecef_km_s[s]
            vx, vy = rotate_z_components(v_in[..., 0], v_in[..., 1], cos_gmst, sin_gmst,
                                         work[1], work[2], work[0])
            np.multiply(by, context.omega_rad_s, out=work[0])
            vx += work[0]
            np.multiply(bx, context.omega_rad_s, out=work[0])
            vy -= work[0]
            v_out[..., 0] = vx
            v_out[..., 1] = vy
            v_out[..., 2] = v_in[..., 2]
        ecef_to_geodetic_components(bx, by, bz, out=(chunk.lat_deg[s], chunk.lon_deg[s],
                                                     chunk.alt_km[s]), work=work)
        band.append(shadow_prefilter(bx, by, bz, sun, chunk.illuminated[s], work) + lo * n_times)
    # The points near the penumbra, all blocks at once (a fixed cost per call, ~1 % of points).
    sat, time = np.divmod(np.concatenate(band), n_times)
    if len(sat):
        chunk.illuminated[sat, time] = penumbra_fraction(chunk.r_ecef_km[sat, time],
                                                         context.sun_ecef_km[time])
    mark_insane(chunk)
    return chunk


def _run_task(recipes, context, start, with_velocity, func, grid, kwargs, failures=False):
    chunk = compute_chunk(recipes, context, start, with_velocity)
    result = chunk if func is None else func(chunk, grid, **kwargs)
    return (result, first_failures(chunk.error, start)) if failures else result


def _chunk_bounds(n_sats: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + chunk_size, n_sats)) for lo in range(0, n_sats, chunk_size)]


def map_chunks(
    constellation: Constellation,
    grid: TimeGrid,
    func: Callable[..., Any] | None,
    *,
    workers: int = 1,
    chunk_size: int | None = None,
    with_velocity: bool = False,
    context: GridContext | None = None,
    failures: list | None = None,
    **kwargs: Any,
) -> Iterator[Any]:
    """Yield ``func(chunk, grid, **kwargs)`` for every chunk, in satellite order.

    With ``workers > 1`` chunks run in a pool of processes (``func`` must be a picklable
    top-level function); at most ``2 * workers`` chunks are in flight, so memory stays bounded.
    ``func=None`` yields the :class:`GeometryChunk` objects themselves. ``failures``: a list
    that receives each chunk's :func:`first_failures` rows (for :func:`failures_frame`).
    Worker processes die with this one (:func:`orbitsim.procs.die_with_parent`).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    chunk_size = chunk_size or default_chunk_size(len(grid))
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    context = context or GridContext.of(grid)
    bounds = _chunk_bounds(len(constellation), chunk_size)
    want = failures is not None

    def unpack(result):
        if not want:
            return result
        failures.append(result[1])
        return result[0]

    if workers == 1 or len(bounds) == 1:
        for lo, hi in bounds:
            yield unpack(_run_task(constellation.recipe_slice(lo, hi), context, lo,
                                   with_velocity, func, grid, kwargs, want))
        return
    from orbitsim.procs import die_with_parent

    mp = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=mp,
                                                initializer=die_with_parent,
                                                initargs=(os.getpid(),)) as pool:
        pending: deque[concurrent.futures.Future] = deque()
        todo = iter(bounds)
        try:
            for lo, hi in todo:
                pending.append(pool.submit(_run_task, constellation.recipe_slice(lo, hi),
                                           context, lo, with_velocity, func, grid, kwargs,
                                           want))
                if len(pending) >= 2 * workers:
                    yield unpack(pending.popleft().result())
            while pending:
                yield unpack(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()


def iter_geometry(constellation: Constellation, grid: TimeGrid, *, chunk_size: int | None = None,
                  workers: int = 1, with_velocity: bool = False,
                  failures: list | None = None) -> Iterator[GeometryChunk]:
    """Geometry chunk by chunk, for constellations too large to hold at once."""
    yield from map_chunks(constellation, grid, None, workers=workers, chunk_size=chunk_size,
                          with_velocity=with_velocity, failures=failures)


def propagate(constellation: Constellation, grid: TimeGrid, *, workers: int = 1,
              chunk_size: int | None = None, with_velocity: bool = False) -> Geometry:
    """Geometry of every satellite at every grid time, held in memory.

    >>> from orbitsim import walker_delta, time_grid
    >>> geo = propagate(walker_delta(550, 53, 2, 2, 1), time_grid("2026-03-20T00:00Z", 1, 60))
    >>> geo.r_ecef_km.shape, geo.illuminated.shape
    ((4, 61, 3), (4, 61))
    """
    context = GridContext.of(grid)
    n, t = len(constellation), len(grid)
    whole = _empty_chunk(0, n, t, with_velocity)
    chunk_size = chunk_size or default_chunk_size(t)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if workers == 1:
        for lo, hi in _chunk_bounds(n, chunk_size):
            s = slice(lo, hi)
            view = GeometryChunk(lo, hi, whole.r_ecef_km[s], whole.lat_deg[s], whole.lon_deg[s],
                                 whole.alt_km[s], whole.illuminated[s], whole.error[s],
                                 whole.v_ecef_km_s[s] if with_velocity else None)
            compute_chunk(constellation.recipe_slice(lo, hi), context, lo, with_velocity, view)
    else:
        for chunk in map_chunks(constellation, grid, None, workers=workers,
                                chunk_size=chunk_size, with_velocity=with_velocity,
                                context=context):
            s = slice(chunk.start, chunk.stop)
            for name in ("r_ecef_km", "lat_deg", "lon_deg", "alt_km", "illuminated", "error"):
                getattr(whole, name)[s] = getattr(chunk, name)
            if with_velocity:
                whole.v_ecef_km_s[s] = chunk.v_ecef_km_s
    r, lat, lon, alt = whole.r_ecef_km, whole.lat_deg, whole.lon_deg, whole.alt_km
    illum, error, v = whole.illuminated, whole.error, whole.v_ecef_km_s
    return Geometry(constellation=constellation, grid=grid, sun_ecef_km=context.sun_ecef_km,
                    r_ecef_km=r, lat_deg=lat, lon_deg=lon, alt_km=alt, illuminated=illum,
                    error=error, v_ecef_km_s=v)
