"""Verdict: equal utilisation on both sides, honest JSON (null, never a negative break-even;
booleans as booleans), RunResult.summary equal to summary.json, and the must-show keys."""

from __future__ import annotations

import json
import math

import pytest

from orbitsim.analysis.economics import Facts, evaluate, load_economics, verdict_from_summary
from orbitsim.analysis.economics.costs import ground_cost, orbit_cost
from orbitsim.analysis.economics.uncertainty import modes
from orbitsim.api import simulate
from orbitsim.model.hardware import load_node
from orbitsim.results import summary_json, write_outputs

MUST_SHOW = ("orbit_usd_per_accelerator_hour", "ground_usd_per_accelerator_hour_same_utilisation",
             "ratio_same_utilisation", "p_orbit_cheaper", "orbit_usd_per_accelerator_hour_p05",
             "orbit_usd_per_accelerator_hour_p95", "crossover_year",
             "break_even_launch_usd_per_kg", "viable", "viable_workloads")


@pytest.fixture(scope="module")
def economics():
    return load_economics()


@pytest.fixture(scope="module")
def run():
    return simulate("starcloud-demo", hours=1)


def test_the_ratio_compares_both_options_at_the_same_utilisation(economics):
    node = load_node("starcloud-node")
    facts = Facts(32, 64, 0.3, 1e6)
    v = evaluate(node, economics, facts, draws=500)
    p = modes(v.params)
    assert v.ground_usd_per_accelerator_hour_same_utilisation == pytest.approx(
        ground_cost(p, 0.3).usd_per_accelerator_hour)
    assert v.orbit_usd_per_accelerator_hour == pytest.approx(
        orbit_cost(p, facts).usd_per_accelerator_hour)
    assert v.ratio_same_utilisation == pytest.approx(
        v.orbit_usd_per_accelerator_hour / v.ground_usd_per_accelerator_hour_same_utilisation)
    # the ground's own utilisation is reported beside it, not mixed in
    assert v.ground_usd_per_accelerator_hour_own_utilisation == pytest.approx(
        ground_cost(p, 0.8).usd_per_accelerator_hour)
    data = v.to_dict()
    assert data["utilisation"] == 0.3 and data["ground_utilisation_own"] == 0.8
    assert data["ratio_at_ground_utilisation"] == pytest.approx(
        data["orbit_usd_per_accelerator_hour_at_ground_utilisation"]
        / data["ground_usd_per_accelerator_hour_own_utilisation"])
    assert "at equal utilisation (30 %" in v.text


def test_no_break_even_is_null_never_negative(economics):
    v = evaluate(load_node("starcloud-node"), economics, Facts(32, 64, 0.24, 1e6), draws=500)
    data = v.to_dict()
    assert data["break_even_launch_usd_per_kg"] is None  # even free launch does not close it
    assert data["break_even_utilisation"] is None  # above 100 %
    assert isinstance(data["viable"], bool) and data["viable"] is False
    assert "No launch price closes the gap" in v.text
    cheap = evaluate(load_node("starcloud-node"), economics, Facts(32, 64, 0.24, 1e6),
                     draws=500, region="japan")
    assert cheap.to_dict()["break_even_launch_usd_per_kg"] is None


def test_a_positive_break_even_when_one_exists(economics):
    node = load_node("starcloud-node")
    dear = economics.model_copy(update={"ground": economics.ground.model_copy(update={
        "regions": {**economics.ground.regions, "usa": economics.ground.regions["usa"]
                    .model_copy(update={"electricity_usd_per_kwh": 1.0})}})})
    v = evaluate(node, dear, Facts(32, 64, 0.8, 0.0), draws=500)
    price = v.to_dict()["break_even_launch_usd_per_kg"]
    assert price is not None and price > 0
    at = evaluate(node, dear, Facts(32, 64, 0.8, 0.0), draws=200, launch_price_usd_per_kg=price)
    assert at.orbit_usd_per_accelerator_hour == pytest.approx(
        at.ground_usd_per_accelerator_hour_same_utilisation, rel=1e-9)


def test_run_summary_has_the_must_show_keys_and_equals_summary_json(run, tmp_path):
    verdict = run.summary["verdict"]
    for key in MUST_SHOW:
        assert key in verdict, key
    assert 0.0 <= verdict["p_orbit_cheaper"] <= 1.0
    assert verdict["orbit_usd_per_accelerator_hour_p05"] <= verdict[
        "orbit_usd_per_accelerator_hour_p95"]
    assert verdict["crossover_year"] is None or isinstance(verdict["crossover_year"], int)
    be = verdict["break_even_launch_usd_per_kg"]
    assert be is None or be > 0
    assert isinstance(verdict["viable"], bool) and isinstance(verdict["viable_workloads"], list)
    assert set(verdict["workloads"]) == set(run.summary["by_class"])
    assert run.summary["scenario"]["name"] == "starcloud-demo"
    write_outputs(run, tmp_path)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == json.loads(summary_json(run.summary))


def test_same_seed_same_verdict(run, economics):
    node = run.inputs.hardware
    a = verdict_from_summary(run.summary, node, run.inputs.n_nodes, economics, draws=2000)
    b = verdict_from_summary(run.summary, node, run.inputs.n_nodes, economics, draws=2000)
    assert json.dumps(a.to_dict(), sort_keys=True, default=str) == json.dumps(
        b.to_dict(), sort_keys=True, default=str)
    c = verdict_from_summary(run.summary, node, run.inputs.n_nodes, economics, draws=2000,
                             seed=99)
    assert c.monte_carlo.percentile("orbit", 5) != a.monte_carlo.percentile("orbit", 5)


def test_year_and_trajectory_move_the_headline(run, economics):
    node = run.inputs.hardware
    now = verdict_from_summary(run.summary, node, run.inputs.n_nodes, economics, draws=500)
    later = verdict_from_summary(run.summary, node, run.inputs.n_nodes, economics, draws=500,
                                 year=2035, trajectory="base")
    assert later.launch_price_usd_per_kg == pytest.approx(200.0)
    assert later.year == 2035 and now.year == 2026
    assert later.orbit_usd_per_accelerator_hour != now.orbit_usd_per_accelerator_hour
    from orbitsim.errors import InputError

    with pytest.raises(InputError, match="year"):
        verdict_from_summary(run.summary, node, run.inputs.n_nodes, economics, year=2050)
    with pytest.raises(InputError, match="trajectory"):
        verdict_from_summary(run.summary, node, run.inputs.n_nodes, economics,
                             trajectory="warp")


def test_no_delivered_hours(economics):
    v = evaluate(load_node("starcloud-node"), economics, Facts(32, 64, 0.0, 0.0), draws=200)
    data = v.to_dict()
    assert data["viable"] is False and data["orbit_usd_per_accelerator_hour"] is None
    assert "no accelerator-hours" in v.text and not math.isnan(
        data["ground_usd_per_accelerator_hour_own_utilisation"])


def test_best_case_ladder_only_helps_orbit_after_the_utilisation_rung(economics):
    """Each rung after the first two moves inputs only towards orbit: the ratio never rises;
    the last rung is the corner of the ranges most favourable to orbit."""
    v = evaluate(load_node("starcloud-node"), economics, Facts(32, 64, 0.24, 2.5e6), draws=500)
    ratios = [r.ratio for r in v.ladder]
    assert len(ratios) == 5
    assert ratios[0] == pytest.approx(v.ratio_same_utilisation)
    assert ratios[2] <= ratios[1] and ratios[3] <= ratios[2] and ratios[4] <= ratios[3]
    data = v.to_dict()["best_case_ladder"]
    assert [r["step"] for r in data] == [r.step for r in v.ladder]


def test_eo_processing_in_orbit_is_named_viable_for_the_data_it_saves():
    """eo-edge: scenes born on board and analysed there never go down; at the ground-station
    service's price per GB that credit outweighs the orbital premium, so the verdict names the
    class viable (the run as a whole is not)."""
    run = simulate("eo-edge", hours=1)
    verdict = run.summary["verdict"]
    assert verdict["viable"] is False
    assert verdict["viable_workloads"] == ["scene-analysis"]
    scene = verdict["workloads"]["scene-analysis"]
    by_class = run.summary["by_class"]["scene-analysis"]
    usd_per_gb = 10.0 / run.summary["contact_capacity_gb_per_minute"]
    assert scene["credits_usd_per_accelerator_hour"]["data_not_downlinked"] == pytest.approx(
        (by_class["bytes_born_in_orbit"] - by_class["bytes_down"]) / 1e9 * usd_per_gb
        / by_class["accelerator_hours"])
    assert scene["time_to_insight"]["orbit_p50_s"] < scene["time_to_insight"]["downlink_first_s"]
    assert all(year == 2026 for year in scene["crossover_year"].values())
