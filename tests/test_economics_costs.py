"""Costs: finance formulas against closed forms, both options hand-computed, vectorised draws
equal to one-by-one evaluations, and the launch price moving the orbital cost one way only."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitsim.analysis.economics import costs

HOURS = 8766.0


def hand_params(**overrides) -> dict:
    """A small hand-checkable case (values in the comments of the tests below)."""
    p = {
        "discount_rate": 0.0, "hours_per_year": HOURS, "accelerator_price_usd": 10_000.0,
        "server_usd_per_accelerator": 2_000.0, "accelerator_kg": 1.0, "bus_kg": 100.0,
        "host_kg": 10.0, "shielding_kg": 5.0, "margin_kg": 0.0, "solar_array_power_w": 10_000.0,
        "solar_specific_power_w_kg": 100.0, "battery_capacity_wh": 1_000.0,
        "battery_specific_energy_wh_kg": 100.0, "radiator_area_m2": 2.0, "radiator_kg_m2": 5.0,
        "dose_krad_per_year": 0.0, "tid_limit_krad": 2.0, "bus_failure_per_year": 0.0,
        "bus_weibull_shape": 1.0, "accelerator_failure_per_year": 0.0,
        "accelerator_power_w": 500.0, "accelerator_idle_w": 50.0,
        "host_power_w_per_accelerator": 100.0, "launch_price_usd_per_kg": 1_000.0,
        "launch_failure_rate": 0.0, "lifetime_years": 5.0, "deployment_years": 0.0,
        "ops_usd_per_node_year": 10_000.0, "deorbit_usd_per_node": 1_000.0,
        "ground_service_usd_per_contact_minute": 10.0, "orbit_tariff_fraction": 0.0,
        "ground_utilisation": 0.8, "accelerator_life_years": 5.0, "facility_life_years": 20.0,
        "facility_opex_fraction_per_year": 0.03, "water_l_per_kwh": 1.0,
        "electricity_usd_per_kwh": 0.1, "pue": 1.2, "facility_usd_per_mw": 10e6,
        "water_usd_per_m3": 2.0, "time_to_power_years": 0.0, "ground_tariff_fraction": 0.0,
        "ground_levy_fraction": 0.0, "ground_accelerator_failure_per_year": 0.02,
        "market_usd_per_h100_hour": 2.5, "sovereignty_premium_fraction": 0.15,
    }
    for part in ("bus", "solar_array", "battery", "radiator", "margin"):
        p[f"manufacturing_{part}_usd_per_kg"] = 1_000.0
    p["manufacturing_shielding_usd_per_kg"] = 100.0
    p.update(overrides)
    return p


FACTS = costs.Facts(n_nodes=10, accelerators_per_node=4, utilisation=0.5,
                    contact_minutes_per_year=1_000.0)


def test_capital_recovery_factor_closed_forms():
    assert costs.capital_recovery_factor(0.0, 5.0) == pytest.approx(0.2)
    # r = 8 %, n = 5: 0.08 / (1 - 1.08**-5) = 0.250456 (annuity tables)
    assert costs.capital_recovery_factor(0.08, 5.0) == pytest.approx(0.2504564545, rel=1e-9)
    assert costs.capital_recovery_factor(1e-15, 4.0) == pytest.approx(0.25)
    both = costs.capital_recovery_factor(np.array([0.0, 0.08]), 5.0)
    np.testing.assert_allclose(both, [0.2, 0.2504564545], rtol=1e-9)
    assert costs.carrying_factor(0.08, 2.0) == pytest.approx(1.08**2 - 1)
    with pytest.raises(ValueError):
        costs.capital_recovery_factor(0.08, 0.0)


def test_expected_service_years_against_numerical_integration():
    assert costs.expected_service_years(5.0, 0.0) == 5.0
    assert costs.expected_service_years(5.0, 0.1) == pytest.approx(10 * (1 - math.exp(-0.5)))
    for shape in (0.7, 1.5, 3.0):
        mean = 20.0
        eta = mean / math.gamma(1 + 1 / shape)
        t = np.linspace(0.0, 5.0, 200_001)
        numeric = np.trapezoid(np.exp(-((t / eta) ** shape)), t)
        assert costs.expected_service_years(5.0, 1 / mean, shape) == pytest.approx(numeric,
                                                                                   rel=1e-8)


def test_capacity_factor():
    assert costs.capacity_factor(0.0, 5.0) == 1.0
    assert costs.capacity_factor(0.1, 5.0) == pytest.approx((1 - math.exp(-0.5)) / 0.5)
    # the mean of exp(-a t) over [0, T]
    t = np.linspace(0, 5.0, 100_001)
    assert costs.capacity_factor(0.3, 5.0) == pytest.approx(np.exp(-0.3 * t).mean(), rel=1e-4)


def test_orbital_cost_hand_computed():
    """Mass 239 kg (bus 100, array 100, battery 10, radiator 10, accelerators 4, host 10,
    shielding 5); capex a node 40,000 + 8,000 + spacecraft 220,500 + launch 239,000 + deorbit
    1,000 = 508,500, over 5 years at r = 0: 101,700 a node-year; fleet 1,017,000 + operations
    100,000 + 1,000 contact minutes at $10 = 1,127,000 a year; 10 x 4 x 8,766 x 0.5 =
    175,320 accelerator-hours: $6.428 an hour."""
    cost = costs.orbit_cost(hand_params(), FACTS)
    assert cost.mass_kg["total"] == pytest.approx(239.0)
    assert cost.capex_per_node_usd["spacecraft"] == pytest.approx(220_500.0)
    assert cost.capex_per_node_usd["launch"] == pytest.approx(239_000.0)
    assert cost.total_annual_usd == pytest.approx(1_127_000.0)
    assert cost.annual_usd["replacements"] == pytest.approx(0.0, abs=1e-6)
    assert cost.delivered_hours_per_year == pytest.approx(175_320.0)
    assert cost.usd_per_accelerator_hour == pytest.approx(1_127_000.0 / 175_320.0)


def test_bus_failures_and_accelerator_attrition_hand_computed():
    """Bus failures at 0.1/yr: mean service 10 (1 - e^-0.5) = 3.9347 years, so the slot costs
    508,500 / 3.9347 a year and the difference to / 5 is replacements; attrition at 0.1/yr
    delivers (1 - e^-0.5) / 0.5 = 78.7 % of the accelerator-hours."""
    cost = costs.orbit_cost(hand_params(bus_failure_per_year=0.1), FACTS)
    service = 10 * (1 - math.exp(-0.5))
    assert cost.service_years == pytest.approx(service)
    assert cost.annual_usd["replacements"] == pytest.approx(10 * 508_500 * (1 / service - 0.2))
    worn = costs.orbit_cost(hand_params(accelerator_failure_per_year=0.1), FACTS)
    assert worn.capacity_factor == pytest.approx((1 - math.exp(-0.5)) / 0.5)
    assert worn.total_annual_usd == pytest.approx(1_127_000.0)
    assert worn.usd_per_accelerator_hour == pytest.approx(
        1_127_000.0 / (175_320.0 * worn.capacity_factor))


def test_ground_cost_hand_computed():
    """(10,000 + 2,000) / 5 = 2,400; facility 600 W x $10/W = 6,000 over 20 years = 300 and 3 %
    operations = 180; spares 2 % of 10,000 = 200; mean IT 100 + 50 + 0.5 x 450 = 375 W, 3,287.25
    kWh: electricity 328.725, PUE overhead 65.745, water 3.287 m3 x $2 = 6.5745; 3,481.04 a year
    over 4,383 hours."""
    cost = costs.ground_cost(hand_params(), 0.5)
    assert cost.it_energy_kwh_per_year == pytest.approx(3287.25)
    assert cost.total_annual_usd == pytest.approx(3481.0445)
    assert cost.usd_per_accelerator_hour == pytest.approx(3481.0445 / 4383.0)
    assert costs.ground_cost(hand_params(), 0.0).usd_per_accelerator_hour == math.inf


def test_draws_evaluate_like_one_by_one():
    rng = np.random.default_rng(1)
    launch = rng.uniform(100, 5000, 50)
    bus = rng.uniform(50, 200, 50)
    together = costs.orbit_cost(hand_params(launch_price_usd_per_kg=launch, bus_kg=bus),
                                FACTS).usd_per_accelerator_hour
    alone = [costs.orbit_cost(hand_params(launch_price_usd_per_kg=a, bus_kg=b), FACTS)
             .usd_per_accelerator_hour for a, b in zip(launch, bus)]
    np.testing.assert_allclose(together, alone, rtol=1e-13)


def test_break_even_launch_price_is_where_the_costs_meet():
    p = hand_params()
    ground = 5.0
    price = costs.break_even_launch_price(p, FACTS, ground)
    at = costs.orbit_usd_per_hour({**p, "launch_price_usd_per_kg": price}, FACTS)
    assert at == pytest.approx(ground, rel=1e-12)
    # a ground price below the free-launch cost: no launch price closes the gap (NaN, not < 0)
    assert math.isnan(costs.break_even_launch_price(p, FACTS, 0.01))


def test_break_even_utilisation():
    """Fixed costs spread over the hours, the ground-station service growing with the work:
    at the break-even utilisation orbit costs what was asked."""
    p = hand_params()
    full = costs.orbit_usd_per_hour(p, FACTS.at_utilisation(1.0))
    for target in (1.3 * full, 2 * full, 5 * full):
        u = costs.break_even_utilisation(p, FACTS, target)
        assert costs.orbit_usd_per_hour(p, FACTS.at_utilisation(u)) == pytest.approx(target)
    assert math.isnan(costs.break_even_utilisation(p, FACTS, 0.5 * full))  # above 100 %
    assert FACTS.at_utilisation(1.0).contact_minutes_per_year == 2 * 1_000.0


@settings(max_examples=60, deadline=None)
@given(price=st.floats(0, 20_000), step=st.floats(0.01, 5_000), failure=st.floats(0, 0.3),
       rate=st.floats(0, 0.3), life=st.floats(0.5, 15), bus=st.floats(0, 0.5),
       attrition=st.floats(0, 0.5), deploy=st.floats(0, 3), util=st.floats(0.01, 1))
def test_raising_the_launch_price_never_lowers_the_orbital_cost(price, step, failure, rate, life,
                                                                bus, attrition, deploy, util):
    p = hand_params(launch_failure_rate=failure, discount_rate=rate, lifetime_years=life,
                    bus_failure_per_year=bus, accelerator_failure_per_year=attrition,
                    deployment_years=deploy)
    facts = costs.Facts(10, 4, util, 1_000.0)
    low = costs.orbit_usd_per_hour({**p, "launch_price_usd_per_kg": price}, facts)
    high = costs.orbit_usd_per_hour({**p, "launch_price_usd_per_kg": price + step}, facts)
    assert high > low
