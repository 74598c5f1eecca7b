"""Illumination segments and solar array output."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.constants import SOLAR_CONSTANT_W_M2
from orbitsim.model.hardware import load_node
from orbitsim.physics.power import (
    illumination_segments,
    interval_segments,
    orbit_average_power_w,
    segment_array_power_w,
    segment_means,
)

PERIOD_S = 95.6 * 60.0
DARK_S = 35.7 * 60.0


def synthetic_illumination(seconds, penumbra_s=10.0):
    """Eclipse of DARK_S centred in each PERIOD_S, linear penumbra ramps of ``penumbra_s``."""
    phase = np.mod(seconds, PERIOD_S)
    return np.clip((np.abs(phase - PERIOD_S / 2) - DARK_S / 2) / penumbra_s + 0.5, 0.0, 1.0)


def test_segment_count_and_energy_do_not_depend_on_the_step():
    counts = []
    for step_s in (60.0, 10.0, 1.0):
        seconds = np.arange(0.0, 86400.0 + 0.5 * step_s, step_s)
        illum = synthetic_illumination(seconds)
        seg = illumination_segments(seconds, illum)
        counts.append(len(seg))
        # contiguous, covering the grid
        assert seg.start_s[0] == seconds[0] and seg.end_s[-1] == seconds[-1]
        np.testing.assert_array_equal(seg.start_s[1:], seg.end_s[:-1])
        # energy of the piecewise-linear samples preserved exactly
        energy = np.sum((seg.end_s - seg.start_s) * seg.illuminated)
        assert energy == pytest.approx(np.trapezoid(illum, seconds), rel=1e-12)
        # sunsets within half a step (plus the penumbra) of the truth
        sunsets = seg.start_s[1:][np.diff(seg.illuminated) < 0]
        true = np.arange(len(sunsets)) * PERIOD_S + PERIOD_S / 2 - DARK_S / 2
        assert np.max(np.abs(sunsets - true)) <= step_s / 2 + 5.0
    assert counts[0] == counts[1] == counts[2] == 2 * int(86400 // PERIOD_S) + 1


def test_constant_nan_dip_and_edges():
    seconds = np.arange(0.0, 101.0, 10.0)
    ones = np.ones_like(seconds)
    assert len(illumination_segments(seconds, ones)) == 1
    with_nan = ones.copy()
    with_nan[3:6] = np.nan  # failed propagation counts as dark
    seg = illumination_segments(seconds, with_nan)
    assert seg.illuminated.min() == 0.0
    dip = ones.copy()
    dip[5] = 0.6  # grazing penumbra that returns to full sunlight: its own segment
    seg = illumination_segments(seconds, dip)
    assert len(seg) == 3 and seg.illuminated[1] == pytest.approx(0.8)
    edge = ones.copy()
    edge[0] = 0.5  # partial at the very start
    seg = illumination_segments(seconds, edge)
    assert seg.illuminated[0] == pytest.approx(0.75) and seg.end_s[0] == 10.0


def test_many_nodes_at_once_equal_one_at_a_time():
    seconds = np.arange(0.0, 20000.0, 30.0)
    rows = np.stack([synthetic_illumination(seconds + shift) for shift in (0.0, 700.0, 2900.0)]
                    + [np.ones_like(seconds), np.zeros_like(seconds)])
    together = illumination_segments(seconds, rows)
    assert together.n_nodes == 5
    for i, row in enumerate(rows):
        alone = illumination_segments(seconds, row)
        mine = together.of(i)
        np.testing.assert_array_equal(mine.start_s, alone.start_s)
        np.testing.assert_array_equal(mine.illuminated, alone.illuminated)


def test_interval_segments_fill_sunlight_around_shadows():
    seg = interval_segments(3, 0.0, 100.0, [0, 0, 2], [10.0, 30.0, 50.0], [12.0, 40.0, 60.0],
                            [0.5, 0.0, 0.0])
    np.testing.assert_array_equal(seg.offsets, [0, 5, 6, 9])
    np.testing.assert_array_equal(seg.of(0).start_s, [0.0, 10.0, 12.0, 30.0, 40.0])
    np.testing.assert_array_equal(seg.of(0).illuminated, [1.0, 0.5, 1.0, 0.0, 1.0])
    assert len(seg.of(1)) == 1 and seg.of(1).illuminated[0] == 1.0
    with pytest.raises(ValueError, match="overlap"):
        interval_segments(1, 0.0, 100.0, [0, 0], [10.0, 15.0], [20.0, 30.0], [0.0, 0.0])


def test_segment_means_of_a_ramp_are_exact():
    seconds = np.arange(0.0, 1001.0, 10.0)
    seg = illumination_segments(seconds, synthetic_illumination(seconds * 5.0))
    ramp = 3.0 * seconds + 7.0
    means = segment_means(seconds, ramp, seg)
    expected = 3.0 * 0.5 * (seg.start_s + seg.end_s) + 7.0
    np.testing.assert_allclose(means, expected, rtol=1e-12)


def test_array_power_and_degradation():
    node = load_node("starlink-compute")
    seconds = np.array([0.0, 2 * 365.25 * 86400.0])
    seg = illumination_segments(seconds, [1.0, 1.0])
    solar = node.solar
    bol = SOLAR_CONSTANT_W_M2 * solar.area_m2 * solar.cell_efficiency * solar.packing_factor
    assert segment_array_power_w(node, seg)[0] == pytest.approx(bol)
    assert segment_array_power_w(node, seg, age_years=3.0)[0] == pytest.approx(
        bol * (1 - solar.degradation_per_year) ** 3)
    body = node.model_copy(update={"solar": solar.model_copy(update={"tracking": False,
                                                                        "incidence_cos": 0.5})})
    assert segment_array_power_w(body, seg)[0] == pytest.approx(0.5 * bol)


def test_orbit_average_power():
    node = load_node("starlink-compute")
    seconds = np.arange(0.0, 10 * PERIOD_S, 6.0)
    seg = illumination_segments(seconds, synthetic_illumination(seconds, penumbra_s=6.0))
    eta = node.battery.charge_efficiency * node.battery.discharge_efficiency
    sun = PERIOD_S - DARK_S
    expected = node.solar.bol_power_w * sun / (sun + DARK_S / eta)
    assert orbit_average_power_w(node, seg) == pytest.approx(expected, rel=2e-3)


def _sunsets(seg, node):
    one = seg.of(node)
    falls = np.flatnonzero(np.diff(one.illuminated) < 0) + 1
    return one.start_s[falls], one.illuminated[falls]


def test_refined_eclipse_intervals_give_step_independent_segments():
    """Segments from the refined eclipse intervals (umbra 0, penumbra 0.5) do not depend on the
    grid step, and agree with the segments sampled at 10 s."""
    from orbitsim.geometry.eclipses import eclipses
    from orbitsim.geometry.propagate import propagate
    from orbitsim.model.builders import walker_delta
    from orbitsim.model.timegrid import time_grid

    shell = walker_delta(550.0, 53.0, 1, 2, 0, epoch_utc="2026-03-20T00:00:00Z")
    refined = {}
    for step_s in (60.0, 10.0):
        grid = time_grid("2026-03-20T00:00:00Z", 6.0, step_s)
        rows = eclipses(shell, grid)
        refined[step_s] = interval_segments(2, 0.0, float(grid.seconds[-1]), rows.sat_index,
                                            rows.start_s, rows.end_s,
                                            np.where(rows.kind == "umbra", 0.0, 0.5))
    sampled = illumination_segments(grid.seconds, propagate(shell, grid).illuminated)
    for node in (0, 1):
        coarse, _ = _sunsets(refined[60.0], node)
        fine, level = _sunsets(refined[10.0], node)
        np.testing.assert_allclose(coarse, fine, atol=0.5)
        penumbra_starts = fine[level == 0.5]
        steps, _ = _sunsets(sampled, node)
        assert len(steps) == len(penumbra_starts) >= 3
        # the energy-preserving step sits inside the penumbra (which lasts ~10 s)
        assert np.all((steps - penumbra_starts >= 0.0) & (steps - penumbra_starts <= 15.0))
