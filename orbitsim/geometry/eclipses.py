"""Eclipse intervals: when each satellite is in the Earth's umbra or penumbra.

Transitions are found on the time grid, then refined between samples to well under a second
by bisection on the smooth cone margins of :mod:`orbitsim.kernels.shadow`, evaluated on a cubic
Hermite interpolation of the SGP4 positions and velocities (no further SGP4 calls).

Rows never overlap for one satellite: a typical eclipse is three rows, penumbra, umbra,
penumbra; ``penumbra`` rows are the partial-shadow parts only.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from orbitsim.geometry.propagate import GeometryChunk, map_chunks
from orbitsim.kernels.interpolate import bisect_sign_change, hermite_position
from orbitsim.kernels.shadow import shadow_margins
from orbitsim.model.constellation import Constellation
from orbitsim.model.timegrid import TimeGrid

LIT, PENUMBRA, UMBRA = 2, 1, 0
KIND_NAMES = {PENUMBRA: "penumbra", UMBRA: "umbra"}
COLUMNS = ["satellite", "start_utc", "end_utc", "kind", "duration_s", "sat_index", "start_s",
           "end_s"]


def _state(illuminated: np.ndarray) -> np.ndarray:
    state = np.full(illuminated.shape, PENUMBRA, dtype=np.int8)
    state[illuminated >= 1.0] = LIT
    state[illuminated <= 0.0] = UMBRA
    state[np.isnan(illuminated)] = LIT  # failed propagation: no shadow claimed
    return state


def _refine(chunk: GeometryChunk, seconds: np.ndarray, sat: np.ndarray, step: np.ndarray,
            umbra_boundary: bool) -> np.ndarray:
    """Refined crossing times (s) of the penumbra (or umbra) cone between samples
    ``step`` and ``step + 1`` of satellites ``sat`` (chunk-local indices)."""
    if len(sat) == 0:
        return np.zeros(0)
    r0, r1 = chunk.r_ecef_km[sat, step], chunk.r_ecef_km[sat, step + 1]
    v0, v1 = chunk.v_ecef_km_s[sat, step], chunk.v_ecef_km_s[sat, step + 1]
    s0, s1 = chunk.sun_ecef_km[step], chunk.sun_ecef_km[step + 1]
    dt = seconds[step + 1] - seconds[step]
    which = 1 if umbra_boundary else 0

    def margin(tau):
        r = hermite_position(r0, v0, r1, v1, dt, tau)
        sun = s0 + (s1 - s0) * tau[:, None]
        return shadow_margins(r, sun)[which]

    # Orient each function so that it rises through zero: negative at tau=0.
    sign = np.where(margin(np.zeros(len(sat))) >= 0.0, -1.0, 1.0)
    tau = bisect_sign_change(lambda t: sign * margin(t), len(sat), iterations=32)
    finite = np.isfinite(r0).all(axis=1) & np.isfinite(r1).all(axis=1)
    tau = np.where(finite, tau, 1.0)
    return seconds[step] + tau * dt


def eclipse_intervals_of_chunk(chunk: GeometryChunk, grid: TimeGrid,
                               names: list[str] | None = None) -> pd.DataFrame:
    """Eclipse rows of one geometry chunk (which must carry velocities)."""
    if chunk.v_ecef_km_s is None:
        raise ValueError("eclipse refinement needs velocities: propagate with_velocity=True")
    seconds = grid.seconds
    state = _state(chunk.illuminated)
    n, t = state.shape
    lit = state == LIT
    umbra = state == UMBRA
    sats, times, new_states = [], [], []
    # Initial state of every satellite at the window start.
    sats.append(np.arange(n))
    times.append(np.zeros(n))
    new_states.append(state[:, 0])
    for boundary_is_umbra, flag in ((False, lit), (True, umbra)):
        sat, step = np.nonzero(flag[:, 1:] != flag[:, :-1])
        crossing = _refine(chunk, seconds, sat, step, boundary_is_umbra)
        if boundary_is_umbra:
            entering = umbra[sat, step + 1]
            target = np.where(entering, UMBRA, PENUMBRA)
        else:
            entering = ~lit[sat, step + 1]
            target = np.where(entering, PENUMBRA, LIT)
        sats.append(sat)
        times.append(crossing)
        new_states.append(target.astype(np.int8))
    sat = np.concatenate(sats)
    time_s = np.concatenate(times)
    new_state = np.concatenate(new_states)
    # Within a sample interval the umbra boundary is crossed after the penumbra boundary on the
    # way in and before it on the way out; refined times already order them.
    order = np.lexsort((time_s, sat))
    sat, time_s, new_state = sat[order], time_s[order], new_state[order]
    end_s = np.append(time_s[1:], seconds[-1])
    last = np.append(sat[1:] != sat[:-1], True)
    end_s[last] = seconds[-1]
    keep = (new_state != LIT) & (end_s > time_s)
    sat, start_s, end_s, kind = sat[keep], time_s[keep], end_s[keep], new_state[keep]
    index = chunk.start + sat
    frame = pd.DataFrame(
        {
            # Names are filled in by the caller that holds them (workers get indices only).
            "satellite": ([names[i] for i in index.tolist()] if names is not None
                          else index.astype(str)),
            "start_utc": grid.datetimes(start_s),
            "end_utc": grid.datetimes(end_s),
            "kind": np.where(kind == UMBRA, "umbra", "penumbra"),
            "duration_s": np.round(end_s - start_s, 3),
            "sat_index": index.astype(np.int64),
            "start_s": np.round(start_s, 3),
            "end_s": np.round(end_s, 3),
        },
        columns=COLUMNS,
    )
    return frame


def _chunk_task(chunk: GeometryChunk, grid: TimeGrid):
    return eclipse_intervals_of_chunk(chunk, grid), float(
        np.nansum(1.0 - chunk.illuminated)), int(np.isfinite(chunk.illuminated).sum())


def iter_eclipses(constellation: Constellation, grid: TimeGrid, *, workers: int = 1,
                  chunk_size: int | None = None) -> Iterator[tuple[pd.DataFrame, float, int]]:
    """Eclipse rows chunk by chunk (bounded memory), with each chunk's summed shadow
    (``Σ(1 − illuminated)`` over samples) and its number of valid samples."""
    for frame, shadow, samples in map_chunks(constellation, grid, _chunk_task, workers=workers,
                                             chunk_size=chunk_size, with_velocity=True):
        names = constellation.names
        frame["satellite"] = [names[i] for i in frame["sat_index"].tolist()]
        yield frame, shadow, samples


def eclipses(constellation: Constellation, grid: TimeGrid, *, workers: int = 1,
             chunk_size: int | None = None) -> pd.DataFrame:
    """Every umbra and penumbra interval of every satellite inside the grid's window.

    Columns ``satellite, start_utc, end_utc, kind, duration_s, sat_index, start_s, end_s``:
    ``start_utc``/``end_utc`` are UTC datetimes (``datetime64[ns, UTC]``, to the millisecond),
    ``start_s``/``end_s`` the same instants in seconds from the grid's start; intervals in
    progress at the window's edges are clipped to it.

    >>> from orbitsim import walker_delta, time_grid
    >>> rows = eclipses(walker_delta(550, 53, 1, 1, 0), time_grid("2026-03-20T00:00Z", 3, 60))
    >>> sorted(set(rows.kind))
    ['penumbra', 'umbra']
    """
    frames = [frame for frame, _, _ in iter_eclipses(constellation, grid, workers=workers,
                                                     chunk_size=chunk_size)]
    if not frames:
        return eclipse_intervals_of_chunk(_no_chunk(grid), grid)
    return pd.concat(frames, ignore_index=True)


def _no_chunk(grid: TimeGrid) -> GeometryChunk:
    """A chunk of no satellite (for the empty frame with the right column types)."""
    n_times = len(grid)
    return GeometryChunk(0, 0, np.zeros((0, n_times, 3)), np.zeros((0, n_times)),
                         np.zeros((0, n_times)), np.zeros((0, n_times)),
                         np.zeros((0, n_times)), np.zeros((0, n_times), np.int8),
                         v_ecef_km_s=np.zeros((0, n_times, 3)))
