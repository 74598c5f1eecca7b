"""Uncertainty: seeded Monte Carlo over the ranges of the verdict's numbers.

Each uncertain :class:`~orbitsim.analysis.economics.terms.Param` is drawn from a triangular
distribution (low, mode, high) by inverting its CDF on uniforms from its own stream
(``numpy.random.default_rng([seed, crc32(name)])``), so that adding a parameter leaves the draws
of the others as they were, and the same seed gives the same numbers. Draws are independent
(no correlation between parameters is modelled). Fixed parameters stay plain floats.

From the draws: the probability that orbit is cheaper than the ground at the same utilisation,
the 5-95 % range of both costs, and a tornado read off the draws: Spearman rank correlation of
each input with the orbit/ground cost ratio, and the swing of the median premium (orbit minus
ground, USD per accelerator-hour) between the draws in the input's lowest and highest tenth.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from orbitsim.analysis.economics.costs import Facts, ground_cost, orbit_cost
from orbitsim.analysis.economics.terms import Param

#: Default number of draws (``--draws``).
DEFAULT_DRAWS = 10_000


def triangular_ppf(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution on ``[low, high]`` with ``mode``."""
    u = np.asarray(u, dtype=float)
    if not low <= mode <= high:
        raise ValueError(f"need low <= mode <= high, got {low}, {mode}, {high}")
    if high == low:
        return np.full(u.shape, float(mode))
    width = high - low
    split = (mode - low) / width
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.where(u < split, left, right)


def uniforms(name: str, n: int, seed: int) -> np.ndarray:
    """``n`` uniforms of parameter ``name``'s own stream (stable whatever else is drawn)."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())]).random(n)


def draw(params: Mapping[str, Param], n: int, seed: int) -> dict[str, float | np.ndarray]:
    """``n`` draws of every uncertain parameter (arrays), the others as their mode (floats)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    out: dict[str, float | np.ndarray] = {}
    for name, param in params.items():
        if param.uncertain:
            out[name] = triangular_ppf(uniforms(name, n, seed), param.low, param.mode,
                                       param.high)
        else:
            out[name] = float(param.mode)
    return out


def modes(params: Mapping[str, Param]) -> dict[str, float]:
    """Every parameter at its mode."""
    return {name: float(param.mode) for name, param in params.items()}


def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 of a sample (ties broken by position: the draws are continuous)."""
    order = np.argsort(x, kind="stable")
    out = np.empty(len(x))
    out[order] = np.arange(len(x), dtype=float)
    return out


def spearman(x: np.ndarray, y: np.ndarray, y_ranks: np.ndarray | None = None) -> float:
    """Spearman rank correlation of two samples; NaN when one of them is constant."""
    rx = ranks(x)
    ry = ranks(y) if y_ranks is None else y_ranks
    rx = rx - rx.mean()
    ry = ry - ry.mean()
    denom = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")


@dataclass(frozen=True)
class TornadoEntry:
    """How much one input moves the verdict, read off the Monte Carlo draws."""

    parameter: str
    label: str
    unit: str
    side: str
    low: float
    mode: float
    high: float
    rank_correlation: float  # Spearman, with the orbit/ground ratio
    premium_low_usd: float  # median orbit-minus-ground premium, input in its lowest tenth
    premium_high_usd: float  # ... in its highest tenth

    @property
    def swing_usd(self) -> float:
        return abs(self.premium_high_usd - self.premium_low_usd)


@dataclass(frozen=True)
class MonteCarlo:
    """The verdict's costs over ``draws`` draws: orbit and ground (same utilisation) per
    delivered accelerator-hour, arrays of shape ``(draws,)``."""

    draws: int
    seed: int
    orbit_usd: np.ndarray
    ground_usd: np.ndarray
    tornado: tuple[TornadoEntry, ...]

    @property
    def ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.orbit_usd / self.ground_usd

    @property
    def p_orbit_cheaper(self) -> float:
        """Share of the draws in which orbit costs no more than the ground."""
        return float(np.mean(self.orbit_usd <= self.ground_usd))

    def percentile(self, which: str, q: float) -> float:
        values = {"orbit": self.orbit_usd, "ground": self.ground_usd,
                  "ratio": self.ratio}[which]
        finite = values[np.isfinite(values)]
        return float(np.percentile(finite, q)) if finite.size else float("nan")

    def summary(self) -> dict[str, float]:
        """The figures of ``summary.json`` (units in the names)."""
        return {
            "draws": self.draws,
            "seed": self.seed,
            "p_orbit_cheaper": self.p_orbit_cheaper,
            "orbit_usd_per_accelerator_hour_p05": self.percentile("orbit", 5),
            "orbit_usd_per_accelerator_hour_p50": self.percentile("orbit", 50),
            "orbit_usd_per_accelerator_hour_p95": self.percentile("orbit", 95),
            "ground_usd_per_accelerator_hour_same_utilisation_p05": self.percentile("ground", 5),
            "ground_usd_per_accelerator_hour_same_utilisation_p50": self.percentile("ground", 50),
            "ground_usd_per_accelerator_hour_same_utilisation_p95": self.percentile("ground", 95),
            "ratio_same_utilisation_p05": self.percentile("ratio", 5),
            "ratio_same_utilisation_p95": self.percentile("ratio", 95),
        }


def tornado_from_draws(params: Mapping[str, Param], sample: Mapping[str, float | np.ndarray],
                       orbit: np.ndarray, ground: np.ndarray,
                       top: int | None = None) -> list[TornadoEntry]:
    """The tornado of the draws, largest rank correlation (in size) first."""
    ratio_ranks = ranks(np.log(orbit / ground))
    premium = orbit - ground
    rows = []
    for name, param in params.items():
        values = sample.get(name)
        if not isinstance(values, np.ndarray) or param.side == "timeline" \
                or param.side == "value":
            continue
        rho = spearman(values, None, ratio_ranks)
        low_cut, high_cut = np.percentile(values, [10.0, 90.0])
        low_premium = float(np.median(premium[values <= low_cut]))
        high_premium = float(np.median(premium[values >= high_cut]))
        rows.append(TornadoEntry(name, param.label, param.unit, param.side, param.low,
                                 param.mode, param.high, rho, low_premium, high_premium))
    rows.sort(key=lambda r: (-abs(r.rank_correlation) if np.isfinite(r.rank_correlation)
                             else 0.0, r.parameter))
    return rows[:top] if top else rows


def monte_carlo(params: Mapping[str, Param], facts: Facts, *, draws: int = DEFAULT_DRAWS,
                seed: int = 0) -> tuple[MonteCarlo, dict[str, float | np.ndarray]]:
    """Orbit and ground cost per delivered accelerator-hour over ``draws`` seeded draws, both at
    the run's utilisation; returns the result and the draws themselves."""
    sample = draw(params, draws, seed)
    orbit = np.broadcast_to(np.asarray(orbit_cost(sample, facts).usd_per_accelerator_hour,
                                       dtype=float), (draws,))
    ground = np.broadcast_to(np.asarray(
        ground_cost(sample, facts.utilisation).usd_per_accelerator_hour, dtype=float), (draws,))
    rows = tornado_from_draws(params, sample, orbit, ground)
    return MonteCarlo(draws, int(seed), orbit, ground, tuple(rows)), sample


__all__ = ["DEFAULT_DRAWS", "MonteCarlo", "TornadoEntry", "draw", "modes", "monte_carlo",
           "ranks", "spearman", "tornado_from_draws", "triangular_ppf", "uniforms"]
