"""Power envelope: illumination segments from the sampled sunlit fraction, and the solar array
output of a node in each segment.

The geometry gives each node's illuminated fraction (0..1) at the time-grid samples. Read as a
piecewise-linear signal between samples, it is cut into **segments** of constant illumination:

* runs of samples with the same value (to ``tolerance``) become one segment at that value;
* each transition between two different constant levels (a sunrise or a sunset, sampled through
  the penumbra or across one coarse step) becomes a single step, placed so that the energy of the
  linear interpolant is preserved exactly: for levels ``La -> Lb`` over ``[a, b]`` with
  integral ``I``, the step is at ``a + (I - Lb (b - a)) / (La - Lb)``;
* anything else (a dip that returns to the same level, a transition at the grid's edge, a step
  that would fall outside its interval) becomes its own segment at its mean level.

So the number of segments is set by the number of sunrises and sunsets, not by the time step,
and the energy over any whole segment equals the trapezoidal integral of the samples. NaN samples
(a failed propagation) count as dark. Vectorised over nodes; no Python loop over satellites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orbitsim.constants import SOLAR_CONSTANT_W_M2
from orbitsim.kernels.solar import array_power_w
from orbitsim.model.hardware import NodeHardware

SECONDS_PER_YEAR = 365.25 * 86400.0


@dataclass(frozen=True, eq=False)
class Segments:
    """Illumination segments of one or more nodes, flattened node after node.

    ``node`` (int), ``start_s``, ``end_s`` and ``illuminated`` (0..1, constant inside) are
    ``(n_segments,)``; the segments of node ``i`` are ``offsets[i]:offsets[i + 1]``, contiguous
    and covering ``seconds[0]..seconds[-1]``.
    """

    node: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray
    illuminated: np.ndarray
    offsets: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.offsets) - 1

    def of(self, index: int) -> Segments:
        """The segments of one node (as a one-node :class:`Segments`)."""
        lo, hi = int(self.offsets[index]), int(self.offsets[index + 1])
        return Segments(np.zeros(hi - lo, dtype=np.int64), self.start_s[lo:hi], self.end_s[lo:hi],
                        self.illuminated[lo:hi], np.array([0, hi - lo]))

    def __len__(self) -> int:
        return len(self.start_s)


def _cumulative(seconds: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Trapezoidal running integral along the last axis, starting at 0."""
    dt = np.diff(seconds)
    steps = 0.5 * (values[..., 1:] + values[..., :-1]) * dt
    out = np.zeros(values.shape)
    np.cumsum(steps, axis=-1, out=out[..., 1:])
    return out


def illumination_segments(seconds, illuminated, *, tolerance: float = 1e-6) -> Segments:
    """Segments of constant illumination from samples (see the module docstring).

    ``seconds`` ``(n_times,)`` increasing; ``illuminated`` ``(n_times,)`` or
    ``(n_nodes, n_times)`` in 0..1.
    """
    seconds = np.asarray(seconds, dtype=float)
    values = np.asarray(illuminated, dtype=float)
    if values.ndim == 1:
        values = values[None]
    if values.ndim != 2 or values.shape[1] != seconds.shape[0]:
        raise ValueError(f"illuminated must be (n_nodes, {seconds.shape[0]}), not {values.shape}")
    if seconds.shape[0] < 2 or np.any(np.diff(seconds) <= 0):
        raise ValueError("seconds needs >= 2 strictly increasing values")
    values = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)
    n_nodes, n_times = values.shape
    n_int = n_times - 1
    cum = _cumulative(seconds, values)

    # Runs of intervals: constant (|Δv| <= tol) or changing, never crossing nodes.
    constant = np.abs(np.diff(values, axis=1)) <= tolerance  # (n_nodes, n_int)
    flat = constant.ravel()
    new_run = np.ones(flat.shape, dtype=bool)
    new_run[1:] = flat[1:] != flat[:-1]
    new_run[::n_int] = True
    run_start = np.flatnonzero(new_run)
    run_stop = np.append(run_start[1:], flat.size)  # exclusive, in intervals
    run_node = run_start // n_int
    first_sample = run_start - run_node * n_int  # sample index where the run begins
    last_sample = run_stop - run_node * n_int  # sample index where it ends
    run_const = flat[run_start]
    a_s = seconds[first_sample]
    b_s = seconds[last_sample]
    integral = cum[run_node, last_sample] - cum[run_node, first_sample]
    level = integral / (b_s - a_s)
    level_const = np.where(run_const, values[run_node, first_sample], level)

    # For each changing run, can it be a single step between its two constant neighbours?
    n_runs = run_start.size
    idx = np.arange(n_runs)
    has_prev = (idx > 0) & (run_node == np.roll(run_node, 1))
    has_next = (idx < n_runs - 1) & (run_node == np.roll(run_node, -1))
    prev_level = np.where(has_prev, np.roll(level_const, 1), np.nan)
    next_level = np.where(has_next, np.roll(level_const, -1), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        step_at = a_s + (integral - next_level * (b_s - a_s)) / (prev_level - next_level)
    stepped = (~run_const & has_prev & has_next & (np.abs(prev_level - next_level) > tolerance)
               & (step_at >= a_s) & (step_at <= b_s))

    # Constant runs widen to the step times of stepped neighbours; stepped runs vanish.
    start = np.where(has_prev & np.roll(stepped, 1), np.roll(step_at, 1), a_s)
    end = np.where(has_next & np.roll(stepped, -1), np.roll(step_at, -1), b_s)
    keep = ~stepped & (end > start)
    node = run_node[keep]
    start, end, level = start[keep], end[keep], np.clip(level_const[keep], 0.0, 1.0)
    # The first segment of each node begins at seconds[0] and segments are contiguous.
    counts = np.bincount(node, minlength=n_nodes)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Segments(node.astype(np.int64), start, end, level, offsets)


def interval_segments(n_nodes: int, start_s: float, end_s: float, node_index, interval_start_s,
                      interval_end_s, level) -> Segments:
    """Segments from shadow intervals (e.g. the rows of :func:`orbitsim.geometry.eclipses
    .eclipses`: umbra at level 0, penumbra at its mean, 0.5), full sunlight elsewhere.

    ``node_index``, ``interval_start_s``, ``interval_end_s``, ``level`` are ``(n_intervals,)``;
    intervals of one node must not overlap. They are clipped to ``[start_s, end_s]``. Refined
    interval times make the segments independent of the geometry's time step.
    """
    node = np.asarray(node_index, dtype=np.int64)
    lo = np.clip(np.asarray(interval_start_s, dtype=float), start_s, end_s)
    hi = np.clip(np.asarray(interval_end_s, dtype=float), start_s, end_s)
    lev = np.asarray(level, dtype=float)
    keep = hi > lo
    node, lo, hi, lev = node[keep], lo[keep], hi[keep], lev[keep]
    if np.any((node < 0) | (node >= n_nodes)):
        raise ValueError("node_index out of range")
    order = np.lexsort((lo, node))
    node, lo, hi, lev = node[order], lo[order], hi[order], lev[order]
    first = np.ones(node.size, dtype=bool)
    first[1:] = node[1:] != node[:-1]
    prev_end = np.where(first, start_s, np.roll(hi, 1))
    if np.any(lo < prev_end - 1e-9):
        raise ValueError("intervals of one node overlap")
    gap = lo > prev_end
    last = np.ones(node.size, dtype=bool)
    last[:-1] = node[1:] != node[:-1]
    tail_node = np.concatenate([node[last], np.setdiff1d(np.arange(n_nodes), node)])
    tail_start = np.concatenate([hi[last], np.full(n_nodes - np.unique(node).size, start_s)])
    tail = tail_start < end_s
    seg_node = np.concatenate([node[gap], node, tail_node[tail]])
    seg_lo = np.concatenate([prev_end[gap], lo, tail_start[tail]])
    seg_hi = np.concatenate([lo[gap], hi, np.full(int(tail.sum()), end_s)])
    seg_level = np.concatenate([np.ones(int(gap.sum())), lev, np.ones(int(tail.sum()))])
    order = np.lexsort((seg_lo, seg_node))
    seg_node, seg_lo, seg_hi, seg_level = (seg_node[order], seg_lo[order], seg_hi[order],
                                           np.clip(seg_level[order], 0.0, 1.0))
    counts = np.bincount(seg_node, minlength=n_nodes)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Segments(seg_node, seg_lo, seg_hi, seg_level, offsets)


def segment_means(seconds, values, segments: Segments) -> np.ndarray:
    """Mean of a sampled quantity ``(n_nodes, n_times)`` over each segment, ``(n_segments,)``.

    Exact for the piecewise-linear interpolant of the samples. NaN samples are replaced by the
    node's mean of its valid samples.
    """
    seconds = np.asarray(seconds, dtype=float)
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[None]
    if np.isnan(values).any():
        fill = np.nanmean(np.where(np.isnan(values), np.nan, values), axis=1, keepdims=True)
        values = np.where(np.isnan(values), np.nan_to_num(fill), values)
    cum = _cumulative(seconds, values)
    node = segments.node

    def at(t: np.ndarray) -> np.ndarray:  # exact running integral of the linear interpolant
        k = np.clip(np.searchsorted(seconds, t, side="right") - 1, 0, seconds.size - 2)
        tau = t - seconds[k]
        v0, v1 = values[node, k], values[node, k + 1]
        return cum[node, k] + v0 * tau + (v1 - v0) * tau * tau / (2.0 * (seconds[k + 1]
                                                                            - seconds[k]))

    return (at(segments.end_s) - at(segments.start_s)) / (segments.end_s - segments.start_s)


def segment_array_power_w(node: NodeHardware, segments: Segments, *, age_years: float = 0.0,
                          t0_s: float | None = None) -> np.ndarray:
    """Solar array output of ``node`` in each segment, W, ``(n_segments,)``.

    Degradation is taken at each segment's start (``age_years`` at ``t0_s``, default the first
    segment start); within one segment the output is constant.
    """
    t0 = float(segments.start_s[0]) if t0_s is None else t0_s
    age = age_years + np.maximum(segments.start_s - t0, 0.0) / SECONDS_PER_YEAR
    solar = node.solar
    return array_power_w(segments.illuminated, solar.area_m2, solar.cell_efficiency,
                         SOLAR_CONSTANT_W_M2, packing_factor=solar.packing_factor,
                         incidence_cos=solar.effective_incidence_cos,
                         degradation_per_year=solar.degradation_per_year, age_years=age)


def orbit_average_power_w(node: NodeHardware, segments: Segments, *, age_years: float = 0.0,
                          round_trip_efficiency: bool = True) -> float:
    """Mean load the array can sustain over the segments, W (a sizing check).

    Sunlit energy supplies the load directly, eclipse energy through the battery at its
    round-trip efficiency when ``round_trip_efficiency``.
    """
    power = segment_array_power_w(node, segments, age_years=age_years)
    duration = segments.end_s - segments.start_s
    energy = float(np.sum(power * duration))
    total = float(np.sum(duration))
    if not round_trip_efficiency:
        return energy / total
    sunlit = float(np.sum(duration * segments.illuminated))
    eta = node.battery.charge_efficiency * node.battery.discharge_efficiency
    # load L: sunlit time serves L directly, dark time needs L/eta from surplus
    return energy / (sunlit + (total - sunlit) / eta)
