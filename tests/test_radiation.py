"""Radiation faults: SAA region, seeded Poisson SEFIs, lifetimes, lost work."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orbitsim.model.hardware import load_node
from orbitsim.physics.radiation import (
    SECONDS_PER_YEAR,
    failure_times_s,
    in_saa,
    lost_work_s,
    node_faults,
    poisson_times_s,
    sefi_rate_per_s,
)


@pytest.fixture(scope="module")
def node():
    return load_node("starlink-compute")


def test_saa_region():
    lat = np.array([-25.0, 0.0, -25.0, 40.0, np.nan, -44.0, -25.0])
    lon = np.array([-50.0, 0.0, 310.0, -50.0, 0.0, -50.0, -89.0])
    np.testing.assert_array_equal(in_saa(lat, lon), [True, False, True, False, False, True, True])
    assert not in_saa(-25.0, -91.0)


def test_constant_rate_counts_and_uniform_times():
    rng = np.random.default_rng(1)
    seconds = np.arange(0.0, 86400.0 + 1.0, 600.0)
    n_nodes, per_day = 4000, 2.0
    times = poisson_times_s(seconds, np.full(n_nodes, per_day / 86400.0), rng)
    counts = np.array([len(t) for t in times])
    assert counts.mean() == pytest.approx(per_day, abs=4 * math.sqrt(per_day / n_nodes))
    assert counts.var() == pytest.approx(per_day, rel=0.15)  # Poisson: variance = mean
    flat = np.concatenate(times)
    assert flat.min() >= 0.0 and flat.max() < 86400.0
    assert flat.mean() == pytest.approx(43200.0, abs=4 * 86400.0 / math.sqrt(12 * flat.size))
    assert all(np.all(np.diff(t) >= 0) for t in times)


def test_piecewise_rate_is_respected():
    rng = np.random.default_rng(2)
    seconds = np.linspace(0.0, 1000.0, 11)
    rate = np.zeros((500, 11))
    rate[:, 5:] = 0.01  # nothing before t = 500 s
    rate[:, 8:] = 0.05  # five times more from t = 800 s
    times = np.concatenate(poisson_times_s(seconds, rate, rng))
    assert times.min() >= 500.0
    late, mid = np.sum(times >= 800.0), np.sum(times < 800.0)
    expected_late, expected_mid = 500 * 0.05 * 200.0, 500 * 0.01 * 300.0
    assert late == pytest.approx(expected_late, abs=4 * math.sqrt(expected_late))
    assert mid == pytest.approx(expected_mid, abs=4 * math.sqrt(expected_mid))


def test_saa_multiplies_the_rate(node):
    seconds = np.arange(0.0, 10.0 * 86400.0, 60.0)
    lat = np.where((seconds // 3600.0) % 4 == 0, -25.0, 30.0)[None].repeat(300, axis=0)
    lon = np.full_like(lat, -50.0)
    rate = sefi_rate_per_s(node, lat, lon)
    base = node.sefi_per_day / 86400.0
    assert rate.max() == pytest.approx(base * node.radiation.saa_multiplier)
    assert rate.min() == pytest.approx(base)
    faults = node_faults(node, seconds, np.random.default_rng(3), lat_deg=lat, lon_deg=lon)
    flat = np.concatenate(faults.sefi_s)
    inside = np.sum((flat // 3600.0) % 4 == 0)
    m = node.radiation.saa_multiplier
    expected_fraction = (0.25 * m) / (0.25 * m + 0.75)
    assert inside / flat.size == pytest.approx(expected_fraction, abs=0.03)


def test_same_seed_same_faults(node):
    seconds = np.arange(0.0, 30.0 * 86400.0, 300.0)
    a = node_faults(node, seconds, np.random.default_rng(42), n_nodes=50)
    b = node_faults(node, seconds, np.random.default_rng(42), n_nodes=50)
    c = node_faults(node, seconds, np.random.default_rng(43), n_nodes=50)
    assert all(np.array_equal(x, y) for x, y in zip(a.sefi_s, b.sefi_s))
    np.testing.assert_array_equal(a.failure_s, b.failure_s)
    assert not np.array_equal(a.failure_s, c.failure_s)
    assert a.recovery_s == node.radiation.sefi_recovery_s


def test_lifetimes(node):
    rng = np.random.default_rng(5)
    exponential = node.model_copy(update={"radiation": node.radiation.model_copy(
        update={"dose_krad_per_year": 0.0})})
    life = failure_times_s(exponential, 20000, rng) / SECONDS_PER_YEAR
    mttf = node.radiation.mttf_years
    assert life.mean() == pytest.approx(mttf, rel=4 / math.sqrt(20000))
    weibull = exponential.model_copy(update={"radiation": exponential.radiation.model_copy(
        update={"weibull_shape": 3.0})})
    life = failure_times_s(weibull, 20000, rng) / SECONDS_PER_YEAR
    assert life.mean() == pytest.approx(mttf, rel=0.02)
    assert life.std() < 0.5 * mttf  # wear-out: much tighter than exponential
    dose_capped = node.model_copy(update={"radiation": node.radiation.model_copy(
        update={"dose_krad_per_year": 1.0})})
    life = failure_times_s(dose_capped, 1000, rng) / SECONDS_PER_YEAR
    assert life.max() == pytest.approx(node.accelerator.radiation.tid_limit_krad / 1.0)
    immortal = exponential.model_copy(update={"radiation": exponential.radiation.model_copy(
        update={"bus_failure_per_year": 0.0})})
    assert np.all(np.isinf(failure_times_s(immortal, 3, rng)))


def test_faults_before_failure_and_lost_work(node):
    seconds = np.arange(0.0, 86400.0, 60.0)
    faults = node_faults(node, seconds, np.random.default_rng(9), n_nodes=3)
    for i in range(3):
        assert np.all(faults.sefi_before_failure(i) < faults.failure_s[i])
    lost = lost_work_s([50.0, 150.0, 420.0, 10.0], [300.0, 100.0, 400.0], start_s=5.0)
    np.testing.assert_allclose(lost, [45.0, 50.0, 20.0, 5.0])
    np.testing.assert_allclose(lost_work_s([30.0], [], start_s=10.0), [20.0])
