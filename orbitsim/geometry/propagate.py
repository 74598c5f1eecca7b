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
    ``illuminated`` (0 in umbra .. 1 in full sunlight) and ``error`` (sgp4 error codes, 0 = ok)
    are ``(n_sats, n_times)``. Where ``error != 0`` the coordinates are NaN.
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


def errors_frame(constellation: Constellation, grid: TimeGrid, error: np.ndarray,
                 start: int = 0) -> pd.DataFrame:
    """Satellites whose propagation failed: ``satellite, sat_index, first_error_utc, code,
    message`` (sgp4's own wording, e.g. decay)."""
    bad = np.flatnonzero(np.any(error != 0, axis=1))
    first = np.argmax(error[bad] != 0, axis=1)
    codes = error[bad, first].astype(int)
    return pd.DataFrame(
        {
            "satellite": [constellation.names[start + i] for i in bad.tolist()],
            "sat_index": (start + bad).astype(np.int64),
            "first_error_utc": grid.iso(grid.seconds[first]),
            "code": codes,
            "message": [SGP4_ERRORS.get(c, "unknown") for c in codes.tolist()],
        }
    )


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
    return chunk


def _run_task(recipes, context, start, with_velocity, func, grid, kwargs):
    chunk = compute_chunk(recipes, context, start, with_velocity)
    return chunk if func is None else func(chunk, grid, **kwargs)


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
    **kwargs: Any,
) -> Iterator[Any]:
    """Yield ``func(chunk, grid, **kwargs)`` for every chunk, in satellite order.

    With ``workers > 1`` chunks run in a pool of processes (``func`` must be a picklable
    top-level function); at most ``2 * workers`` chunks are in flight, so memory stays bounded.
    ``func=None`` yields the :class:`GeometryChunk` objects themselves.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    chunk_size = chunk_size or default_chunk_size(len(grid))
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    context = context or GridContext.of(grid)
    bounds = _chunk_bounds(len(constellation), chunk_size)
    if workers == 1 or len(bounds) == 1:
        for lo, hi in bounds:
            yield _run_task(constellation.recipe_slice(lo, hi), context, lo, with_velocity,
                            func, grid, kwargs)
        return
    mp = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=mp) as pool:
        pending: deque[concurrent.futures.Future] = deque()
        todo = iter(bounds)
        try:
            for lo, hi in todo:
                pending.append(pool.submit(_run_task, constellation.recipe_slice(lo, hi),
                                           context, lo, with_velocity, func, grid, kwargs))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def iter_geometry(constellation: Constellation, grid: TimeGrid, *, chunk_size: int | None = None,
                  workers: int = 1, with_velocity: bool = False) -> Iterator[GeometryChunk]:
    """Geometry chunk by chunk, for constellations too large to hold at once."""
    yield from map_chunks(constellation, grid, None, workers=workers, chunk_size=chunk_size,
                          with_velocity=with_velocity)


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
