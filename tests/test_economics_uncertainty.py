"""Uncertainty: the triangular draws, their seeding, the rank correlation, and the Monte
Carlo moving the right way when the launch price rises."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from orbitsim.analysis.economics import costs, uncertainty
from orbitsim.analysis.economics.terms import Param
from tests.test_economics_costs import hand_params


def params_from(values: dict, spread: float = 0.4) -> dict[str, Param]:
    """Every number of ``values`` as a parameter spread +/- ``spread`` around it (the
    utilisation and the shape kept inside their bounds)."""
    out = {}
    for name, value in values.items():
        low, high = value * (1 - spread), value * (1 + spread)
        if name in ("ground_utilisation", "launch_failure_rate", "discount_rate"):
            high = min(high, 0.95)
        if name == "pue":
            low = max(low, 1.0)
        out[name] = Param(name, name, "-", "orbit", value, low, high, "test")
    return out


def test_triangular_ppf_matches_the_distribution():
    u = np.random.default_rng(3).random(200_000)
    x = uncertainty.triangular_ppf(u, 1.0, 2.0, 5.0)
    # mean (a + b + c) / 3 and the CDF of numpy's own triangular distribution
    assert x.mean() == pytest.approx(8.0 / 3.0, rel=2e-3)
    assert stats.kstest(x, stats.triang(c=0.25, loc=1.0, scale=4.0).cdf).pvalue > 0.01
    assert np.all(uncertainty.triangular_ppf(u, 3.0, 3.0, 3.0) == 3.0)
    with pytest.raises(ValueError):
        uncertainty.triangular_ppf(u, 2.0, 1.0, 3.0)


def test_same_seed_same_draws_and_streams_are_independent_of_other_parameters():
    params = params_from({"a": 1.0, "b": 10.0})
    one = uncertainty.draw(params, 1000, seed=5)
    two = uncertainty.draw(params, 1000, seed=5)
    np.testing.assert_array_equal(one["a"], two["a"])
    more = uncertainty.draw({**params, **params_from({"c": 3.0})}, 1000, seed=5)
    np.testing.assert_array_equal(one["b"], more["b"])  # adding c leaves b's draws alone
    other = uncertainty.draw(params, 1000, seed=6)
    assert not np.array_equal(one["a"], other["a"])
    fixed = {"k": Param("k", "k", "-", "orbit", 2.0, 2.0, 2.0, "test")}
    assert uncertainty.draw(fixed, 10, seed=1)["k"] == 2.0


def test_spearman_agrees_with_scipy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=5000)
    y = x + rng.normal(size=5000)
    assert uncertainty.spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic,
                                                       abs=1e-12)


def _expensive_ground() -> dict:
    """The hand case with a ground so dear that orbit wins in some draws, not all."""
    return hand_params(electricity_usd_per_kwh=3.0, facility_usd_per_mw=60e6, pue=1.5)


FACTS = costs.Facts(10, 4, 0.5, 1_000.0)


def test_raising_the_launch_price_never_lowers_orbit_nor_raises_p_orbit_cheaper():
    base = params_from(_expensive_ground())
    previous_orbit, previous_p, shares = None, None, []
    for price in (100.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0):
        params = {**base, "launch_price_usd_per_kg": base["launch_price_usd_per_kg"].scaled(
            price / base["launch_price_usd_per_kg"].mode)}
        mc, _ = uncertainty.monte_carlo(params, FACTS, draws=4000, seed=11)
        if previous_orbit is not None:
            assert np.all(mc.orbit_usd >= previous_orbit)  # draw by draw
            assert mc.p_orbit_cheaper <= previous_p
        previous_orbit, previous_p = mc.orbit_usd, mc.p_orbit_cheaper
        shares.append(mc.p_orbit_cheaper)
    assert shares[0] > 0.5 and shares[-1] < 0.5  # the test crosses the interesting range


def test_monte_carlo_summary_and_tornado():
    params = params_from(_expensive_ground())
    mc, sample = uncertainty.monte_carlo(params, FACTS, draws=10_000, seed=2)
    assert mc.orbit_usd.shape == (10_000,) and mc.ground_usd.shape == (10_000,)
    summary = mc.summary()
    assert 0.0 <= summary["p_orbit_cheaper"] <= 1.0
    assert summary["orbit_usd_per_accelerator_hour_p05"] < summary[
        "orbit_usd_per_accelerator_hour_p95"]
    top = {row.parameter for row in mc.tornado[:4]}
    assert "launch_price_usd_per_kg" in top or "electricity_usd_per_kwh" in top
    launch = next(r for r in mc.tornado if r.parameter == "launch_price_usd_per_kg")
    assert launch.rank_correlation > 0 and launch.premium_high_usd > launch.premium_low_usd
    electricity = next(r for r in mc.tornado if r.parameter == "electricity_usd_per_kwh")
    assert electricity.rank_correlation < 0  # dearer ground power: orbit relatively cheaper
