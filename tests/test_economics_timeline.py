"""Timeline: trajectories through their anchors, generations by year, trends, crossovers."""

from __future__ import annotations

import math

import pytest

from orbitsim.analysis.economics import Facts, evaluate, load_economics, timeline
from orbitsim.analysis.economics.terms import model_parameters
from orbitsim.analysis.economics.uncertainty import draw, modes
from orbitsim.model.hardware import load_node


@pytest.fixture(scope="module")
def economics():
    return load_economics()


def test_trajectory_goes_through_its_anchors_log_linearly():
    anchors = [(2026, 3600.0), (2035, 200.0)]
    price = timeline.trajectory_price_usd_per_kg
    assert price(anchors, 2026) == pytest.approx(3600.0)
    assert price(anchors, 2035) == pytest.approx(200.0)
    assert price(anchors, 2040) == pytest.approx(200.0)  # flat after the last anchor
    assert price(anchors, 2020) == pytest.approx(3600.0)
    # half way in years, the geometric mean in price
    assert price(anchors, 2030.5) == pytest.approx(math.sqrt(3600.0 * 200.0))


def test_generations_by_year(economics):
    node = load_node("starcloud-node")  # H100 SXM
    assert timeline.generation_for(2026, node, economics).accelerator == "b200"  # 2025 part
    assert timeline.generation_for(2027, node, economics).accelerator == "b200"
    assert timeline.generation_for(2028, node, economics).accelerator == "rubin"
    rubin = timeline.generation_for(2030, node, economics)
    assert rubin.power_w == 1800.0 and rubin.power_scale > 1.0
    tpu = load_node("suncatcher-node")  # alone in its line: stays itself
    assert timeline.generation_for(2040, tpu, economics).accelerator == "tpu-v6e"


def test_first_year_prices_the_node_as_simulated(economics):
    node = load_node("starcloud-node")
    facts = Facts(32, 64, 0.5, 1e6)
    v = evaluate(node, economics, facts, draws=500)
    for result in v.timeline.values():
        assert result.years[0] == 2026 and result.accelerators[0] == "h100-sxm"
        assert result.orbit_usd[0] == pytest.approx(v.orbit_usd_per_accelerator_hour)
        assert result.ground_usd[0] == pytest.approx(
            v.ground_usd_per_accelerator_hour_same_utilisation)
        assert result.launch_usd_per_kg[0] == 3600.0


def test_cheaper_trajectories_are_never_dearer(economics):
    node = load_node("starcloud-node")
    v = evaluate(node, economics, Facts(32, 64, 0.5, 1e6), draws=500)
    con, base, agg = (v.timeline[n] for n in ("conservative", "base", "aggressive"))
    for k in range(len(base.years)):
        assert con.launch_usd_per_kg[k] >= base.launch_usd_per_kg[k] >= agg.launch_usd_per_kg[k]
        assert con.orbit_usd[k] >= base.orbit_usd[k] - 1e-9 >= agg.orbit_usd[k] - 2e-9
        assert con.ground_usd[k] == base.ground_usd[k] == agg.ground_usd[k]  # launch-free
    assert base.launch_usd_per_kg[base.years.index(2035)] == pytest.approx(200.0)
    assert agg.launch_usd_per_kg[-1] == pytest.approx(30.0)


def test_a_crossover_is_found_when_launch_is_what_separates_them(economics):
    """With ground electricity 20x dearer, orbit becomes cheaper once launch falls enough:
    the crossover year is the first year in which the orbital cost is the lower."""
    node = load_node("starcloud-node")
    params = model_parameters(node, economics)
    params["electricity_usd_per_kwh"] = params["electricity_usd_per_kwh"].scaled(20.0)
    facts = Facts(32, 64, 0.8, 0.0)
    result = timeline.timeline(params, draw(params, 400, 1), facts, node, economics)
    base = result["base"]
    assert base.crossover_year is not None
    i = base.years.index(base.crossover_year)
    assert base.orbit_usd[i] <= base.ground_usd[i]
    assert all(o > g for o, g in zip(base.orbit_usd[:i], base.ground_usd[:i]))
    assert 0.0 < base.p_crossover <= 1.0
    modes_only = timeline.timeline(params, None, facts, node, economics)["base"]
    assert modes_only.crossover_year == base.crossover_year
    assert math.isnan(modes_only.p_crossover)
    assert modes(params)["launch_price_usd_per_kg"] == 3600.0
