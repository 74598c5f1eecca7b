"""A mixed fleet's verdict (economics/fleet): two identical groups give the one-hardware
verdict exactly, and two different groups cost the sum of their annual costs over the sum of
their delivered hours, draw by draw."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.analysis.economics import Facts, evaluate, load_economics
from orbitsim.analysis.economics.costs import ground_cost, orbit_cost
from orbitsim.analysis.economics.fleet import HardwareGroupFacts, evaluate_fleet
from orbitsim.analysis.economics.terms import model_parameters
from orbitsim.analysis.economics.uncertainty import draw, modes
from orbitsim.model.hardware import load_node
from orbitsim.model.overrides import apply_overrides

DRAWS = 2000


@pytest.fixture(scope="module")
def economics():
    return load_economics()


def test_two_identical_groups_give_the_single_verdict(economics):
    node = load_node("starlink-compute")
    single = evaluate(node, economics, Facts(48, 8, 0.6, 40_000.0), draws=DRAWS, seed=5)
    minutes = 40_000.0 / 48  # per node
    fleet = evaluate_fleet([HardwareGroupFacts("a", node, Facts(20, 8, 0.6, 20 * minutes)),
                            HardwareGroupFacts("b", node, Facts(28, 8, 0.6, 28 * minutes))],
                           economics, draws=DRAWS, seed=5)
    for name in ("orbit_usd_per_accelerator_hour",
                 "ground_usd_per_accelerator_hour_same_utilisation",
                 "ground_usd_per_accelerator_hour_own_utilisation",
                 "orbit_at_ground_utilisation_usd", "floor_usd_per_hour",
                 "break_even_utilisation"):
        assert getattr(fleet, name) == pytest.approx(getattr(single, name), rel=1e-9,
                                                     nan_ok=True), name
    np.testing.assert_allclose(fleet.monte_carlo.orbit_usd, single.monte_carlo.orbit_usd,
                               rtol=1e-9)
    np.testing.assert_allclose(fleet.monte_carlo.ground_usd, single.monte_carlo.ground_usd,
                               rtol=1e-9)
    for name, trajectory in single.timeline.items():
        np.testing.assert_allclose(fleet.timeline[name].orbit_usd, trajectory.orbit_usd,
                                   rtol=1e-9)
        assert fleet.timeline[name].crossover_year == trajectory.crossover_year
        assert fleet.timeline[name].p_crossover == pytest.approx(trajectory.p_crossover)
    assert [r.orbit_usd for r in fleet.ladder] == pytest.approx(
        [r.orbit_usd for r in single.ladder], rel=1e-9)
    assert fleet.table()["usd_per_year"].sum() == pytest.approx(
        single.table()["usd_per_year"].sum(), rel=1e-9)


def test_different_groups_sum_their_costs(economics):
    h100 = apply_overrides(load_node("starlink-compute"), {"accelerator": "h100-sxm"})
    h200 = apply_overrides(load_node("starlink-compute"), {"accelerator": "h200"})
    facts = [Facts(24, 8, 0.78, 30_000.0), Facts(24, 8, 0.51, 10_000.0)]
    fleet = evaluate_fleet([HardwareGroupFacts("h100-sxm", h100, facts[0]),
                            HardwareGroupFacts("h200", h200, facts[1])],
                           economics, draws=DRAWS, seed=5)
    params = [model_parameters(h, economics) for h in (h100, h200)]
    costs = [orbit_cost(modes(p), f) for p, f in zip(params, facts)]
    expected = sum(c.total_annual_usd for c in costs) / sum(c.delivered_hours_per_year
                                                           for c in costs)
    assert fleet.orbit_usd_per_accelerator_hour == pytest.approx(expected, rel=1e-12)
    ground = [ground_cost(modes(p), f.utilisation) for p, f in zip(params, facts)]
    expected_ground = sum(192 * g.total_annual_usd for g in ground) / sum(
        192 * g.delivered_hours_per_year for g in ground)
    assert fleet.ground_usd_per_accelerator_hour_same_utilisation == pytest.approx(
        expected_ground, rel=1e-12)
    # draw by draw: each group its own numbers at the same quantiles
    samples = [draw(p, DRAWS, 5) for p in params]
    drawn = [orbit_cost(s, f) for s, f in zip(samples, facts)]
    per_draw = sum(c.total_annual_usd for c in drawn) / sum(c.delivered_hours_per_year
                                                           for c in drawn)
    np.testing.assert_allclose(fleet.monte_carlo.orbit_usd, per_draw, rtol=1e-12)
    groups = fleet.to_dict()["hardware_groups"]
    assert set(groups) == {"h100-sxm", "h200"}
    assert groups["h200"]["orbit_usd_per_accelerator_hour"] > \
        groups["h100-sxm"]["orbit_usd_per_accelerator_hour"]  # dearer GPU, less used
    low, high = sorted(g["orbit_usd_per_accelerator_hour"] for g in groups.values())
    assert low < fleet.orbit_usd_per_accelerator_hour < high
    assert fleet.text.startswith("A mixed fleet")
    # the break-even launch price: the fleet's cost is linear in it
    if np.isfinite(fleet.break_even_launch_usd_per_kg):
        at = [{**modes(p), "launch_price_usd_per_kg": fleet.break_even_launch_usd_per_kg}
              for p in params]
        again = [orbit_cost(q, f) for q, f in zip(at, facts)]
        assert sum(c.total_annual_usd for c in again) / sum(
            c.delivered_hours_per_year for c in again) == pytest.approx(expected_ground)


def test_a_fleet_that_delivered_nothing_is_priced_not_crashed(economics):
    """A zero-job run of a mixed fleet: no delivered hours in any group, scalar facts (no
    draws); the verdict is computed (no finite cost per delivered hour), not a
    ZeroDivisionError."""
    h100 = load_node("starlink-compute")
    h200 = apply_overrides(h100, {"accelerator": "h200"})
    fleet = evaluate_fleet([HardwareGroupFacts("h100", h100, Facts(24, 8, 0.0, 0.0)),
                            HardwareGroupFacts("h200", h200, Facts(24, 8, 0.0, 0.0))],
                           economics, draws=200, seed=1)
    assert not np.isfinite(fleet.orbit_usd_per_accelerator_hour)
    assert set(fleet.groups) == {"h100", "h200"}
