"""Battery kernel: closed-form drain and charge, clipping, conservation, ageing."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.kernels.battery import (
    battery_step,
    equivalent_full_cycles,
    faded_capacity_wh,
    time_to_floor_s,
    time_to_full_s,
)


def test_constant_power_drain_empties_at_capacity_over_power():
    capacity_wh, power_w = 1234.0, 456.0
    t = time_to_floor_s(capacity_wh, 0.0, -power_w, discharge_efficiency=1.0)
    assert t == pytest.approx(capacity_wh / power_w * 3600.0, rel=1e-15)
    step = battery_step(capacity_wh, -power_w, t, capacity_wh, 0.0, 1.0, 1.0)
    assert step.energy_wh == pytest.approx(0.0, abs=1e-9)
    assert step.unserved_wh == pytest.approx(0.0, abs=1e-9)
    # With a discharge efficiency the cells hold out η_d times as long per stored Wh.
    t = time_to_floor_s(1000.0, 300.0, -100.0, discharge_efficiency=0.9)
    assert t == pytest.approx(0.9 * 700.0 / 100.0 * 3600.0)


def test_limit_times_are_infinite_in_the_wrong_direction():
    assert time_to_floor_s(500.0, 100.0, 10.0, 0.9) == np.inf
    assert time_to_full_s(500.0, 1000.0, -10.0, 0.9) == np.inf
    assert time_to_full_s(500.0, 1000.0, 100.0, 0.5) == pytest.approx(500.0 / 50.0 * 3600.0)


def test_clipping_at_full_curtails_and_at_floor_leaves_unserved():
    step = battery_step(90.0, 200.0, 3600.0, 100.0, 20.0, 0.95, 0.9)
    assert step.energy_wh == pytest.approx(100.0)
    assert step.curtailed_wh == pytest.approx(200.0 - 10.0 / 0.95)
    step = battery_step(30.0, -100.0, 3600.0, 100.0, 20.0, 0.95, 0.9)
    assert step.energy_wh == pytest.approx(20.0)
    assert step.drawn_wh == pytest.approx(10.0)
    assert step.unserved_wh == pytest.approx(100.0 - 9.0)


def test_bookkeeping_closes_for_random_inputs_and_both_paths_agree():
    rng = np.random.default_rng(7)
    n = 2000
    capacity = rng.uniform(10.0, 1e5, n)
    floor = capacity * rng.uniform(0.0, 0.9, n)
    energy = floor + (capacity - floor) * rng.uniform(0.0, 1.0, n)
    net = rng.normal(0.0, 1.0, n) * capacity
    duration = rng.uniform(0.0, 7200.0, n)
    step = battery_step(energy, net, duration, capacity, floor, 0.93, 0.96)
    net_in = net * duration / 3600.0
    balance = net_in - (step.energy_wh - energy + step.loss_wh + step.curtailed_wh
                        - step.unserved_wh)
    assert np.max(np.abs(balance) / (np.abs(net_in) + capacity)) < 1e-12
    assert np.all(step.energy_wh >= floor - 1e-9) and np.all(step.energy_wh <= capacity + 1e-9)
    for i in range(0, n, 97):
        scalar = battery_step(float(energy[i]), float(net[i]), float(duration[i]),
                              float(capacity[i]), float(floor[i]), 0.93, 0.96)
        for a, b in zip(scalar, step):
            assert a == pytest.approx(b[i], rel=1e-12, abs=1e-9)


def test_capacity_fade_is_linear_in_equivalent_cycles():
    cycles = equivalent_full_cycles(np.array([0.0, 5000.0, 2.0e6]), 1000.0)
    np.testing.assert_allclose(cycles, [0.0, 5.0, 2000.0])
    np.testing.assert_allclose(faded_capacity_wh(1000.0, cycles, 2.5e-5),
                               [1000.0, 999.875, 950.0])
    assert faded_capacity_wh(1000.0, 1e9, 1e-3) == 0.0


def test_bad_arguments():
    with pytest.raises(ValueError):
        battery_step(1.0, 1.0, -1.0, 2.0, 0.0, 0.9, 0.9)
    with pytest.raises(ValueError):
        battery_step(1.0, 1.0, 1.0, 2.0, 0.0, 1.5, 0.9)
