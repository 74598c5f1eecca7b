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
from orbitsim.geometry.sampling import safe_grid
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


def _golden_minimum(func, n: int, iterations: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised golden-section search of the minimum of ``n`` unimodal functions on
    ``[0, 1]``: ``(tau, value)``."""
    inv_phi = (np.sqrt(5.0) - 1.0) / 2.0
    lo, hi = np.zeros(n), np.ones(n)
    a = hi - inv_phi * (hi - lo)
    b = lo + inv_phi * (hi - lo)
    fa, fb = func(a), func(b)
    for _ in range(iterations):
        left = fa < fb  # the minimum lies in [lo, b]
        hi = np.where(left, b, hi)
        lo = np.where(left, lo, a)
        b_new = np.where(left, a, lo + inv_phi * (hi - lo))
        a_new = np.where(left, hi - inv_phi * (hi - lo), b)
        fb_new = np.where(left, fa, np.nan)
        fa_new = np.where(left, np.nan, fb)
        a, b = a_new, b_new
        fresh_a, fresh_b = np.isnan(fa_new), np.isnan(fb_new)
        fa_new[fresh_a] = func(a)[fresh_a]
        fb_new[fresh_b] = func(b)[fresh_b]
        fa, fb = fa_new, fb_new
    tau = 0.5 * (lo + hi)
    return tau, func(tau)


def _sub_step_dips(chunk: GeometryChunk, seconds: np.ndarray,
                   lit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Penumbra dips shorter than a step: ``(sat, start_s, end_s)`` of eclipses that fall
    between samples that are all lit (at an eclipse season's edge a grazing penumbra lasts
    under a minute, and a 60 s grid steps over it).

    Candidates are lit samples behind the Earth whose distance outside the penumbra cone
    bound (a smooth function) is a local minimum of the samples and smaller than the
    satellite can move in one step; on each, the exact lit margin of
    :func:`~orbitsim.kernels.shadow.shadow_margins` is minimised on the Hermite interpolation
    of the two neighbouring steps, and where it goes below zero the entry and exit are
    bisected. (In LEO an eclipse shorter than a minute stays in the penumbra: the umbra lies
    ~30 km further in.)
    """
    from orbitsim.kernels.shadow import shadow_axis

    n, t = lit.shape
    empty = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    if t < 3 or n == 0:
        return empty
    sun = chunk.sun_ecef_km
    axis = shadow_axis(sun)
    unit = sun / np.linalg.norm(sun, axis=1)[:, None]
    r = chunk.r_ecef_km
    along = np.einsum("ntk,tk->nt", r, unit)
    radius2 = np.einsum("ntk,ntk->nt", r, r)
    outside_km = (np.sqrt(np.maximum(radius2 - along * along, 0.0))
                  - (axis.penumbra_base_km - along * axis.penumbra_slope))
    mid = outside_km[:, 1:-1]
    step_s = float(seconds[1] - seconds[0])
    v = chunk.v_ecef_km_s
    speed = np.sqrt(np.einsum("ntk,ntk->nt", v[:, 1:-1], v[:, 1:-1]))
    candidate = (lit[:, 1:-1] & lit[:, :-2] & lit[:, 2:] & (along[:, 1:-1] < 0.0)
                 & (mid <= outside_km[:, :-2]) & (mid <= outside_km[:, 2:])
                 & (mid < 1.1 * speed * step_s + 1.0))
    sat, i = np.nonzero(candidate)
    if len(sat) == 0:
        return empty
    i = i + 1
    best_tau = np.zeros(len(sat))
    best_value = np.full(len(sat), np.inf)
    best_k = np.zeros(len(sat), np.int64)  # 0: the step before sample i, 1: the step after
    segments = []
    for k, first in enumerate((i - 1, i)):
        r0, r1 = r[sat, first], r[sat, first + 1]
        v0, v1 = v[sat, first], v[sat, first + 1]
        s0, s1 = sun[first], sun[first + 1]

        def margin(tau, r0=r0, r1=r1, v0=v0, v1=v1, s0=s0, s1=s1):
            position = hermite_position(r0, v0, r1, v1, step_s, tau)
            return shadow_margins(position, s0 + (s1 - s0) * tau[:, None])[0]

        tau, value = _golden_minimum(margin, len(sat))
        better = value < best_value
        best_tau = np.where(better, tau, best_tau)
        best_value = np.where(better, value, best_value)
        best_k = np.where(better, k, best_k)
        segments.append((first, margin))
    dip = np.flatnonzero(best_value < 0.0)
    if len(dip) == 0:
        return empty
    starts, ends = np.zeros(len(dip)), np.zeros(len(dip))
    for k, (first, margin) in enumerate(segments):
        mine = np.flatnonzero(best_k[dip] == k)
        if len(mine) == 0:
            continue
        rows = dip[mine]
        peak = best_tau[rows]

        def on(tau, rows=rows, margin=margin):
            full = np.full(len(sat), 0.5)
            full[rows] = tau
            return margin(full)[rows]

        def entering(u, peak=peak, on=on):
            return -on(u * peak)

        def leaving(u, peak=peak, on=on):
            return on(peak + u * (1.0 - peak))

        enter = bisect_sign_change(entering, len(rows), iterations=32) * peak
        leave = peak + bisect_sign_change(leaving, len(rows), iterations=32) * (1.0 - peak)
        starts[mine] = seconds[first[rows]] + enter * step_s
        ends[mine] = seconds[first[rows]] + leave * step_s
    return sat[dip].astype(np.int64), starts, ends


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
    # A satellite whose propagation failed (NaN from its first error on) is out from then on:
    # nothing after its last valid sample.
    failed = np.isnan(chunk.illuminated)
    first_bad = np.where(failed.any(axis=1), np.argmax(failed, axis=1), t)
    valid_until_s = np.where(first_bad > 0, seconds[np.maximum(first_bad - 1, 0)], -np.inf)
    end_s = np.minimum(end_s, valid_until_s[sat])
    keep = (new_state != LIT) & (end_s > time_s)
    sat, start_s, end_s, kind = sat[keep], time_s[keep], end_s[keep], new_state[keep]
    # Eclipses shorter than a step, between lit samples (see _sub_step_dips).
    dip_sat, dip_start, dip_end = _sub_step_dips(chunk, seconds,
                                                 lit & np.isfinite(chunk.illuminated))
    if len(dip_sat):
        sat = np.concatenate([sat, dip_sat])
        start_s = np.concatenate([start_s, dip_start])
        end_s = np.concatenate([end_s, dip_end])
        kind = np.concatenate([kind, np.full(len(dip_sat), PENUMBRA, np.int8)])
        order = np.lexsort((start_s, sat))
        sat, start_s, end_s, kind = sat[order], start_s[order], end_s[order], kind[order]
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
                  chunk_size: int | None = None, failures: list | None = None
                  ) -> Iterator[tuple[pd.DataFrame, float, int]]:
    """Eclipse rows chunk by chunk (bounded memory), with each chunk's summed shadow
    (``Σ(1 − illuminated)`` over samples) and its number of valid samples. ``failures``
    receives the orbit errors (see :func:`orbitsim.geometry.propagate.map_chunks`)."""
    grid = safe_grid(constellation, grid)  # a coarser step would step over eclipses
    for frame, shadow, samples in map_chunks(constellation, grid, _chunk_task, workers=workers,
                                             chunk_size=chunk_size, with_velocity=True,
                                             failures=failures):
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
