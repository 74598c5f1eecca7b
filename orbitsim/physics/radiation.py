"""Radiation faults: single-event functional interrupts (SEFI) and permanent failures.

* SEFIs (upsets that ECC does not absorb and that crash the job or the device) form a Poisson
  process per node with the rate of the hardware spec (accelerators plus bus,
  :attr:`NodeHardware.sefi_per_day`), multiplied by ``saa_multiplier`` while the node is inside
  the South Atlantic Anomaly. The rate is piecewise constant between geometry samples (the value
  at the sample holds until the next one), and the times are drawn exactly for that rate by
  inverting the cumulative hazard: ``N ~ Poisson(Λ)``, then ``N`` uniform points on ``[0, Λ]``
  mapped back through ``Λ(t)``.
* The SAA is an ellipse in latitude and longitude centred at (-25°, -50°) with semi-axes of 20°
  in latitude and 40° in longitude: a simple stand-in for the region where the AP-8/AP-9 trapped
  proton flux above ~10 MeV dominates at 400-800 km (the anomaly sits over South America and the
  South Atlantic and drifts west by ~0.3°/yr; the ellipse is fixed).
* Permanent failure of the spacecraft bus (the whole node is lost): a Weibull lifetime of mean
  ``1 / bus_failure_per_year`` and shape ``weibull_shape`` (1 = exponential), cut at the
  total-dose life ``tid_limit_krad / dose_krad_per_year``.
* Accelerator attrition: each accelerator fails for good at its own exponential time of rate
  ``permanent_failure_per_year`` (:func:`accelerator_loss_times_s`); the node keeps working
  with the others. The economics uses the same two rates (``orbitsim.analysis.economics``), so
  the run and the bill agree.
* A fault loses the work since the last checkpoint: :func:`lost_work_s` computes it from the
  fault and checkpoint times; the simulation owns checkpoints.

Randomness comes only from the ``numpy.random.Generator`` passed in; with the same generator
state, the same times come out. Draw order: SEFI counts, SEFI positions, then lifetimes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orbitsim.model.hardware import NodeHardware

SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = 365.25 * SECONDS_PER_DAY

SAA_CENTER_LAT_DEG = -25.0
SAA_CENTER_LON_DEG = -50.0
SAA_SEMI_AXIS_LAT_DEG = 20.0
SAA_SEMI_AXIS_LON_DEG = 40.0


def in_saa(lat_deg, lon_deg) -> np.ndarray:
    """True inside the South Atlantic Anomaly ellipse (module docstring); NaN gives False."""
    lat = np.asarray(lat_deg, dtype=float)
    dlon = (np.asarray(lon_deg, dtype=float) - SAA_CENTER_LON_DEG + 180.0) % 360.0 - 180.0
    with np.errstate(invalid="ignore"):
        return ((lat - SAA_CENTER_LAT_DEG) / SAA_SEMI_AXIS_LAT_DEG) ** 2 + (
            dlon / SAA_SEMI_AXIS_LON_DEG) ** 2 <= 1.0


def poisson_times_s(seconds, rate_per_s, rng: np.random.Generator) -> list[np.ndarray]:
    """Event times of inhomogeneous Poisson processes with piecewise-constant rates.

    ``seconds`` ``(n_times,)``; ``rate_per_s`` ``(n_nodes, n_times)`` (or ``(n_nodes,)`` for a
    constant rate): the value at sample ``k`` holds on ``[seconds[k], seconds[k+1])``. Returns one
    sorted array of times per node, within ``[seconds[0], seconds[-1])``.
    """
    seconds = np.asarray(seconds, dtype=float)
    rate = np.asarray(rate_per_s, dtype=float)
    if rate.ndim == 1:
        rate = np.broadcast_to(rate[:, None], (rate.shape[0], seconds.size))
    if rate.shape[1] != seconds.size or seconds.size < 2:
        raise ValueError("rate_per_s must be (n_nodes, n_times) on >= 2 times")
    if np.any(rate < 0):
        raise ValueError("rates must be >= 0")
    n_nodes = rate.shape[0]
    hazard = rate[:, :-1] * np.diff(seconds)  # (n_nodes, n_int)
    totals = hazard.sum(axis=1)
    counts = rng.poisson(totals)
    # One global cumulative hazard: node i occupies [base[i], base[i] + totals[i]).
    flat_cum = np.concatenate([[0.0], np.cumsum(hazard.ravel())])
    base = flat_cum[np.arange(n_nodes) * hazard.shape[1]]
    owner = np.repeat(np.arange(n_nodes), counts)
    positions = base[owner] + rng.uniform(0.0, 1.0, owner.size) * totals[owner]
    k = np.clip(np.searchsorted(flat_cum, positions, side="right") - 1, 0, hazard.size - 1)
    interval = k - owner * hazard.shape[1]
    interval = np.clip(interval, 0, hazard.shape[1] - 1)
    r = rate[owner, interval]
    times = seconds[interval] + (positions - flat_cum[k]) / np.where(r > 0, r, np.inf)
    order = np.lexsort((times, owner))
    times, owner = times[order], owner[order]
    splits = np.cumsum(counts)[:-1]
    return np.split(times, splits)


def sefi_rate_per_s(node: NodeHardware, lat_deg=None, lon_deg=None, *, n_nodes: int = 1,
                    n_times: int | None = None) -> np.ndarray:
    """SEFI rate per node at each sample, 1/s, ``(n_nodes, n_times)``.

    With ``lat_deg``/``lon_deg`` ``(n_nodes, n_times)`` the rate is multiplied inside the SAA;
    without them it is constant (``n_nodes`` and ``n_times`` give the shape).
    """
    base = node.sefi_per_day / SECONDS_PER_DAY
    if lat_deg is None:
        if n_times is None:
            raise ValueError("n_times is needed without lat_deg/lon_deg")
        return np.full((n_nodes, n_times), base)
    inside = in_saa(lat_deg, lon_deg)
    return np.where(inside, base * node.radiation.saa_multiplier, base).reshape(
        np.atleast_2d(inside).shape)


def failure_times_s(node: NodeHardware, n_nodes: int, rng: np.random.Generator, *,
                    age_years: float = 0.0) -> np.ndarray:
    """Permanent-failure time of each node from the run start, s, ``(n_nodes,)`` (may be inf).

    The bus: Weibull with mean ``mttf_years = 1 / bus_failure_per_year`` and shape ``k`` (scale
    ``mttf / Γ(1 + 1/k)``), cut at the total-dose life; a node already ``age_years`` old has
    that much less dose margin (the random lifetime is drawn fresh: memoryless for ``k = 1``).
    """
    rad = node.radiation
    if math.isinf(rad.mttf_years):
        life_years = np.full(n_nodes, np.inf)
    else:
        scale = rad.mttf_years / math.gamma(1.0 + 1.0 / rad.weibull_shape)
        life_years = scale * rng.weibull(rad.weibull_shape, n_nodes)
    if rad.dose_krad_per_year > 0:
        dose_life = node.accelerator.radiation.tid_limit_krad / rad.dose_krad_per_year - age_years
        life_years = np.minimum(life_years, max(dose_life, 0.0))
    return life_years * SECONDS_PER_YEAR


def accelerator_loss_times_s(node: NodeHardware, n_nodes: int, duration_s: float,
                             rng: np.random.Generator) -> list[np.ndarray]:
    """Times (s from the start, sorted) at which accelerators of each node fail for good within
    ``duration_s``: each of the node's accelerators has an exponential lifetime of rate
    ``permanent_failure_per_year``. Exact and vectorised: the count per node is binomial with
    ``p = 1 - exp(-a T)``, and a lifetime known to end before ``T`` is drawn from the truncated
    exponential ``-ln(1 - v p) / a``."""
    rate = node.accelerator.radiation.permanent_failure_per_year / SECONDS_PER_YEAR
    if rate <= 0.0 or duration_s <= 0.0 or n_nodes == 0:
        return [np.empty(0) for _ in range(n_nodes)]
    p = -math.expm1(-rate * duration_s)
    counts = rng.binomial(node.accelerators, p, n_nodes)
    times = -np.log1p(-rng.uniform(0.0, 1.0, int(counts.sum())) * p) / rate
    owner = np.repeat(np.arange(n_nodes), counts)
    order = np.lexsort((times, owner))
    return np.split(times[order], np.cumsum(counts)[:-1])


@dataclass(frozen=True, eq=False)
class NodeFaults:
    """Fault times of a set of nodes: ``sefi_s[i]`` sorted SEFI times of node ``i`` (s since the
    grid start), ``failure_s`` ``(n_nodes,)`` permanent failure times (inf: none),
    ``recovery_s`` the outage after each SEFI, and ``accelerator_loss_s[i]`` the sorted times at
    which node ``i`` loses one accelerator for good (``None``: no attrition drawn)."""

    sefi_s: list[np.ndarray]
    failure_s: np.ndarray
    recovery_s: float
    accelerator_loss_s: list[np.ndarray] | None = None

    def sefi_before_failure(self, index: int) -> np.ndarray:
        """SEFI times of node ``index`` that happen before its permanent failure."""
        times = self.sefi_s[index]
        return times[times < self.failure_s[index]]


def node_faults(node: NodeHardware, seconds, rng: np.random.Generator, *, lat_deg=None,
                lon_deg=None, n_nodes: int | None = None, age_years: float = 0.0,
                attrition_rng: np.random.Generator | None = None) -> NodeFaults:
    """Draw SEFI and permanent-failure times for ``n_nodes`` nodes of one hardware type, and
    accelerator losses from ``attrition_rng`` (none without it).

    With ``lat_deg``/``lon_deg`` ``(n_nodes, n_times)`` the SEFI rate rises inside the SAA.
    """
    seconds = np.asarray(seconds, dtype=float)
    if lat_deg is not None:
        lat = np.atleast_2d(np.asarray(lat_deg, dtype=float))
        lon = np.atleast_2d(np.asarray(lon_deg, dtype=float))
        n_nodes = lat.shape[0]
        rate = sefi_rate_per_s(node, lat, lon)
    else:
        n_nodes = 1 if n_nodes is None else n_nodes
        rate = sefi_rate_per_s(node, n_nodes=n_nodes, n_times=seconds.size)
    sefi = poisson_times_s(seconds, rate, rng)
    failures = failure_times_s(node, n_nodes, rng, age_years=age_years) + seconds[0]
    losses = None
    if attrition_rng is not None:
        losses = [t + seconds[0] for t in accelerator_loss_times_s(
            node, n_nodes, float(seconds[-1] - seconds[0]), attrition_rng)]
    return NodeFaults(sefi, failures, node.radiation.sefi_recovery_s, losses)


def lost_work_s(fault_times_s, checkpoint_times_s, start_s: float = 0.0) -> np.ndarray:
    """Work lost at each fault: time since the last checkpoint (or ``start_s``) before it, s."""
    faults = np.asarray(fault_times_s, dtype=float)
    checkpoints = np.sort(np.asarray(checkpoint_times_s, dtype=float))
    if checkpoints.size == 0:
        return faults - start_s
    k = np.searchsorted(checkpoints, faults, side="right") - 1
    last = np.where(k >= 0, checkpoints[np.clip(k, 0, None)], start_s)
    return faults - np.maximum(last, start_s)
