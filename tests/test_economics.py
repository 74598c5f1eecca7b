"""Economics: hand-computed cases, break-even, monotonicity, tornado, verdict, data files and the
reproductions of the Starcloud and Suncatcher headline comparisons."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitsim.analysis import economics as econ
from orbitsim.errors import InputError
from orbitsim.model.hardware import load_node


@pytest.fixture(scope="module")
def economics():
    return econ.load_economics()


@pytest.fixture(scope="module")
def node():
    return load_node("starcloud-node")


def hand_orbit(**changes) -> econ.OrbitInputs:
    """10 nodes of 2 accelerators, 300 kg each (bus 100, radiator 50, array 15 kW at 100 W/kg)."""
    inputs = econ.OrbitInputs(
        n_nodes=10, accelerators_per_node=2, accelerator_price_usd=10_000.0,
        server_usd_per_accelerator=5_000.0,
        subsystem_mass_kg={"bus": 100.0, "radiator": 50.0},
        solar_array_power_w=15_000.0, solar_specific_power_w_kg=100.0,
        manufacturing_usd_per_kg={"bus": 1000.0, "solar_array": 1000.0, "radiator": 1000.0},
        launch_price_usd_per_kg=1000.0, launch_failure_rate=0.2, lifetime_years=5.0,
        utilisation=0.5, discount_rate=0.0, ops_usd_per_node_year=10_000.0,
        deorbit_usd_per_node=5_000.0, ground_stations=2, ground_station_usd_per_year=100_000.0,
        hours_per_year=8000.0)
    return dataclasses.replace(inputs, **changes)


def hand_ground(**changes) -> econ.GroundInputs:
    """10 accelerators of 500 W (100 W idle) with 100 W of host each, half busy."""
    inputs = econ.GroundInputs(
        accelerators=10, accelerator_price_usd=10_000.0, server_usd_per_accelerator=5_000.0,
        accelerator_power_w=500.0, accelerator_idle_w=100.0, host_power_w_per_accelerator=100.0,
        utilisation=0.5, accelerator_life_years=5.0, facility_life_years=10.0,
        facility_usd_per_mw=10e6, pue=1.5, electricity_usd_per_kwh=0.1, discount_rate=0.0,
        facility_opex_fraction_per_year=0.02, water_l_per_kwh=2.0, water_usd_per_m3=1.0,
        time_to_power_years=3.0, hours_per_year=8000.0)
    return dataclasses.replace(inputs, **changes)


# --- finance ------------------------------------------------------------------------------------


def test_capital_recovery_factor_closed_forms():
    assert econ.capital_recovery_factor(0.0, 4.0) == 0.25
    assert econ.capital_recovery_factor(0.1, 2.0) == pytest.approx(0.121 / 0.21, rel=1e-14)
    # An annuity of CRF a year for n years is worth exactly 1 today.
    r, n = 0.08, 7
    crf = econ.capital_recovery_factor(r, n)
    assert sum(crf / (1 + r) ** t for t in range(1, n + 1)) == pytest.approx(1.0, rel=1e-12)
    with pytest.raises(ValueError):
        econ.capital_recovery_factor(0.1, 0.0)


def test_expected_service_years():
    assert econ.expected_service_years(5.0) == 5.0
    # Exponential: MTTF (1 - exp(-L/MTTF)).
    assert econ.expected_service_years(5.0, 5.0) == pytest.approx(5 * (1 - math.exp(-1)),
                                                                  rel=1e-14)
    # Weibull k = 2 (Rayleigh): eta sqrt(pi)/2 erf(L/eta), eta = MTTF / Gamma(1.5).
    eta = 4.0 / math.gamma(1.5)
    expected = eta * math.sqrt(math.pi) / 2 * math.erf(3.0 / eta)
    assert econ.expected_service_years(3.0, 4.0, 2.0) == pytest.approx(expected, rel=1e-9)
    assert econ.expected_service_years(3.0, 4.0, 0.7) < 3.0


# --- Must show: the cost model reproduces a hand-computed case exactly --------------------------


def test_orbital_cost_hand_computed():
    # Per node: hardware 2 x 10,000 + 2 x 5,000 + 300 kg x $1,000/kg = 330,000;
    # launch 300 kg x $1,000/kg = 300,000; failures 630,000 x 0.2 / 0.8 = 157,500;
    # deorbit 5,000; slot = 792,500. Straight line over 5 years (r = 0): 158,500 a node-year.
    # Fleet: 10 x 158,500 + 10 x 10,000 ops + 2 x 100,000 stations = 1,885,000 a year.
    # Delivered: 10 nodes x 2 x 8,000 h x 0.5 = 80,000 accelerator-hours -> $23.5625.
    cost = econ.orbital_cost(hand_orbit())
    assert cost.mass_kg["total"] == 300.0
    assert cost.capex_per_node_usd["launch"] == 300_000.0
    assert cost.capex_per_node_usd["spacecraft"] == 300_000.0
    assert cost.capex_per_node_usd["launch_failures"] == pytest.approx(157_500.0, rel=1e-14)
    assert sum(cost.capex_per_node_usd.values()) == pytest.approx(792_500.0, rel=1e-14)
    assert cost.annual_usd["replacements"] == 0.0
    assert cost.total_annual_usd == pytest.approx(1_885_000.0, rel=1e-14)
    assert cost.usd_per_accelerator_hour == pytest.approx(23.5625, rel=1e-14)


def test_orbital_cost_hand_computed_with_discounting_and_failures():
    # r = 10 %, L = 2 yr: CRF = 0.121 / 0.21. One year of deployment carries 10 %.
    # Exponential MTTF 2 yr: service S = 2 (1 - e^-1); replacements = slot (CRF(S) - CRF(2)).
    inputs = hand_orbit(discount_rate=0.1, lifetime_years=2.0, deployment_years=1.0,
                        mttf_years=2.0, launch_failure_rate=0.0, ops_usd_per_node_year=0.0,
                        ground_stations=0, deorbit_usd_per_node=0.0)
    slot = 630_000.0 * 1.1
    crf_planned = 0.121 / 0.21
    service = 2.0 * (1 - math.exp(-1.0))
    crf_service = 0.1 / (1 - 1.1 ** -service)
    cost = econ.orbital_cost(inputs)
    assert cost.capex_per_node_usd["deployment_carrying"] == pytest.approx(63_000.0, rel=1e-12)
    assert cost.annual_usd["replacements"] == pytest.approx(
        10 * slot * (crf_service - crf_planned), rel=1e-12)
    assert cost.total_annual_usd == pytest.approx(10 * slot * crf_service, rel=1e-12)
    # The total-dose life cuts the planned life: dose life 1 yr -> CRF(0.1, 1) = 1.1.
    short = econ.orbital_cost(dataclasses.replace(inputs, mttf_years=math.inf,
                                                  dose_life_years=1.0))
    assert short.total_annual_usd == pytest.approx(10 * slot * 1.1, rel=1e-12)


def test_ground_cost_hand_computed():
    # Per accelerator: capex 15,000 / 5 yr = 3,000; facility 0.6 kW x $10M/MW = 6,000 / 10 yr
    # = 600; r = 0 so no carrying; facility opex 2 % x 6,000 = 120; mean IT power
    # 100 host + 100 idle + 0.5 x 400 = 400 W -> 3,200 kWh; electricity 3,200 x 1.5 x 0.1 = 480;
    # water 3,200 kWh x 2 L = 6.4 m3 x $1 = 6.4. Total 4,206.4 a year / (8,000 h x 0.5)
    # = $1.0516 per accelerator-hour.
    cost = econ.ground_cost(hand_ground())
    per_accelerator = {k: v / 10 for k, v in cost.annual_usd.items()}
    assert per_accelerator["accelerators"] + per_accelerator["servers"] == pytest.approx(3000.0)
    assert per_accelerator["facility"] == pytest.approx(600.0, rel=1e-14)
    assert per_accelerator["power_wait_carrying"] == 0.0
    assert per_accelerator["facility_operations"] == pytest.approx(120.0, rel=1e-14)
    assert per_accelerator["electricity_it"] == pytest.approx(320.0, rel=1e-14)
    assert per_accelerator["electricity_overhead"] == pytest.approx(160.0, rel=1e-14)
    assert per_accelerator["water"] == pytest.approx(6.4, rel=1e-14)
    assert cost.total_annual_usd == pytest.approx(42_064.0, rel=1e-14)
    assert cost.usd_per_accelerator_hour == pytest.approx(1.0516, rel=1e-14)


def test_ground_time_to_power_and_policy_terms():
    base = econ.ground_cost(hand_ground(discount_rate=0.1))
    # Interest during a 3-year wait for power on the 6,000 facility: 6,000 x (1.1^3 - 1) = 1,986.
    assert base.capex_per_accelerator_usd["power_wait_carrying"] == pytest.approx(1986.0)
    levied = econ.ground_cost(hand_ground(discount_rate=0.1, levy_fraction=0.25,
                                          tariff_fraction=0.1))
    # Levy on the accelerator (25 % of 10,000), tariff on accelerator and server (10 % of 15,000).
    assert levied.capex_per_accelerator_usd["tariffs_levies"] == pytest.approx(4000.0)
    delta = levied.total_annual_usd - base.total_annual_usd
    assert delta == pytest.approx(10 * 4000.0 * econ.capital_recovery_factor(0.1, 5.0))


def test_cost_per_accelerator_hour():
    assert econ.cost_per_accelerator_hour(8766.0, 1, 1.0) == 1.0
    assert econ.cost_per_accelerator_hour(100.0, 2, 0.0) == math.inf
    with pytest.raises(ValueError):
        econ.cost_per_accelerator_hour(1.0, 1, 1.5)


# --- Must show: break-even and monotonicity -----------------------------------------------------


def dear_ground(**changes) -> econ.GroundInputs:
    """A ground so dear ($10/kWh, PUE 2: $16.93 an accelerator-hour) that orbit can compete."""
    return hand_ground(electricity_usd_per_kwh=10.0, pue=2.0, **changes)


def test_break_even_launch_price_is_where_the_curves_cross():
    orbit, ground = hand_orbit(), dear_ground()
    ground_hour = econ.ground_cost(ground).usd_per_accelerator_hour
    price = econ.break_even_launch_price(orbit, ground_hour)
    assert 0 < price < orbit.launch_price_usd_per_kg
    at_price = econ.orbital_cost(dataclasses.replace(orbit, launch_price_usd_per_kg=price))
    assert at_price.usd_per_accelerator_hour == pytest.approx(ground_hour, rel=1e-9)
    # Either side of it, the order of the two options flips.
    below = dataclasses.replace(orbit, launch_price_usd_per_kg=0.99 * price)
    above = dataclasses.replace(orbit, launch_price_usd_per_kg=1.01 * price)
    assert econ.orbital_cost(below).usd_per_accelerator_hour < ground_hour
    assert econ.orbital_cost(above).usd_per_accelerator_hour > ground_hour


def test_break_even_with_built_in_files(economics, node):
    orbit = econ.orbit_inputs(node, 100, economics, utilisation=0.9)
    ground = econ.ground_inputs(node, 6400, economics, region="japan")
    # Make the ground dear enough that a positive break-even exists.
    ground = dataclasses.replace(ground, electricity_usd_per_kwh=3.0)
    ground_hour = econ.ground_cost(ground).usd_per_accelerator_hour
    price = econ.break_even_launch_price(orbit, ground_hour)
    assert price > 0
    at_price = dataclasses.replace(orbit, launch_price_usd_per_kg=price)
    assert econ.orbital_cost(at_price).usd_per_accelerator_hour == pytest.approx(ground_hour,
                                                                                 rel=1e-9)
    util = econ.break_even_utilisation(orbit, ground_hour)
    at_util = dataclasses.replace(orbit, utilisation=min(util, 1.0))
    if util <= 1:
        assert econ.orbital_cost(at_util).usd_per_accelerator_hour == pytest.approx(ground_hour,
                                                                                    rel=1e-12)


def test_break_even_negative_when_free_launch_is_not_enough():
    orbit = hand_orbit()
    ground_hour = 1.0  # below the orbital cost at a free launch
    free = econ.orbital_cost(dataclasses.replace(orbit, launch_price_usd_per_kg=0.0))
    assert free.usd_per_accelerator_hour > ground_hour
    assert econ.break_even_launch_price(orbit, ground_hour) < 0


def test_higher_launch_price_never_lowers_orbital_cost(economics):
    prices = np.linspace(0.0, 20_000.0, 201)
    for name in ("starcloud-1", "starcloud-node", "starlink-compute", "suncatcher-node"):
        base = econ.orbit_inputs(load_node(name), 50, economics, utilisation=0.7)
        costs = [econ.orbital_cost(dataclasses.replace(base, launch_price_usd_per_kg=p))
                 .usd_per_accelerator_hour for p in prices]
        assert np.all(np.diff(costs) > 0), name


@settings(max_examples=60, deadline=None)
@given(price=st.floats(0, 1e5), step=st.floats(1e-3, 1e4), failure=st.floats(0, 0.5),
       rate=st.floats(0, 0.3), life=st.floats(0.5, 15), mttf=st.floats(0.5, 50),
       deploy=st.floats(0, 5), util=st.floats(0.01, 1))
def test_orbital_cost_monotonic_in_launch_price_property(price, step, failure, rate, life, mttf,
                                                         deploy, util):
    orbit = hand_orbit(launch_failure_rate=failure, discount_rate=rate, lifetime_years=life,
                       mttf_years=mttf, deployment_years=deploy, utilisation=util)
    low = econ.orbital_cost(dataclasses.replace(orbit, launch_price_usd_per_kg=price))
    high = econ.orbital_cost(dataclasses.replace(orbit, launch_price_usd_per_kg=price + step))
    assert high.usd_per_accelerator_hour >= low.usd_per_accelerator_hour


# --- tornado and verdict ------------------------------------------------------------------------


def test_tornado_is_sorted_by_swing_and_signs_make_sense():
    orbit, ground = hand_orbit(mttf_years=8.0), hand_ground()
    rows = econ.tornado(orbit, ground)
    swings = [row.swing for row in rows]
    assert swings == sorted(swings, reverse=True)
    by_name = {row.parameter: row for row in rows}
    launch, electricity = by_name["launch_price_usd_per_kg"], by_name["electricity_usd_per_kwh"]
    assert launch.cost_high > launch.cost_low
    # A dearer ground (electricity) narrows the orbital premium.
    assert electricity.cost_high < electricity.cost_low
    assert by_name["orbit_utilisation"].cost_high < by_name["orbit_utilisation"].cost_low
    assert by_name["orbit_utilisation"].high_value == 0.75
    assert by_name["pue"].low_value == pytest.approx(1.25)  # overhead 0.5 halved
    # Each row re-evaluates exactly: launch price at half its base.
    half = dataclasses.replace(orbit, launch_price_usd_per_kg=500.0)
    assert by_name["launch_price_usd_per_kg"].cost_low == pytest.approx(
        econ.evaluate(half, ground), rel=1e-12)
    # An infinite MTTF has no range: left out.
    assert "mttf_years" not in {r.parameter for r in econ.tornado(hand_orbit(), ground)}


def test_tornado_explicit_ranges_and_table():
    orbit, ground = hand_orbit(), hand_ground()
    rows = econ.tornado(orbit, ground, parameters=("launch_price_usd_per_kg", "pue"),
                        ranges={"launch_price_usd_per_kg": (200.0, 6000.0)})
    assert [r.parameter for r in rows] == ["launch_price_usd_per_kg", "pue"]
    assert (rows[0].low_value, rows[0].high_value) == (200.0, 6000.0)
    table = econ.tornado_table(rows)
    assert list(table["swing"]) == [r.swing for r in rows]
    with pytest.raises(ValueError):
        econ.tornado(orbit, ground, parameters=("nope",))


def _verdict_for(orbit, ground):
    return econ.verdict(orbit, ground, region="Testland")


def test_verdict_text_below_launch_price_or_above_utilisation():
    v = _verdict_for(hand_orbit(), dear_ground())
    assert not v.viable
    assert 0 < v.break_even_launch_usd_per_kg < 1000 and v.break_even_utilisation < 1
    expected = (f"At $1,000/kg launch and 50 % utilisation, an orbital accelerator-hour costs "
                f"${v.orbit_usd_per_accelerator_hour:,.2f} against "
                f"${v.ground_usd_per_accelerator_hour:,.2f} on the ground in Testland: orbit is "
                f"viable only below ${v.break_even_launch_usd_per_kg:,.0f}/kg launch, or above "
                f"{100 * v.break_even_utilisation:.0f} % utilisation.")
    assert v.text == expected


def test_verdict_text_only_above_utilisation():
    v = _verdict_for(hand_orbit(utilisation=0.3), dear_ground())
    assert v.break_even_launch_usd_per_kg < 0 < v.break_even_utilisation < 1
    assert v.text.endswith(f"orbit is viable only above {100 * v.break_even_utilisation:.0f} % "
                           "utilisation; no launch price closes the gap at 30 %.")


def test_verdict_text_viable_and_not_viable():
    cheap = _verdict_for(hand_orbit(launch_price_usd_per_kg=10.0),
                         dear_ground())
    assert cheap.viable
    assert "orbit is viable, and stays so up to $" in cheap.text
    hopeless = _verdict_for(hand_orbit(), hand_ground())
    assert not hopeless.viable and hopeless.break_even_launch_usd_per_kg < 0
    assert hopeless.break_even_utilisation > 1
    assert "not viable at any launch price or utilisation" in hopeless.text
    assert re.search(r"free launch at 100 % utilisation it costs \$[\d.,]+", hopeless.text)
    idle = _verdict_for(hand_orbit(utilisation=0.0), hand_ground())
    assert "delivered no accelerator-hours" in idle.text
    assert idle.tornado == () and math.isnan(idle.break_even_launch_usd_per_kg)
    # At most two sentences.
    for v in (cheap, hopeless, idle):
        assert v.text.count(". ") <= 1 and v.text.endswith(".")


def test_verdict_from_summary(economics, node):
    summary = {"accelerator_hours": 64 * 20 * 24 * 0.6, "hours": 24.0, "n_nodes": 20,
               "utilisation": 0.6, "n_stations": 4}
    v = econ.verdict_from_summary(summary, node, 20, economics, region="uae")
    assert v.region == "UAE"
    assert v.orbit_inputs.utilisation == 0.6 and v.orbit_inputs.ground_stations == 4
    assert v.ground_inputs.utilisation == economics.ground.utilisation
    assert v.ground_inputs.accelerators == 20 * 64
    direct = econ.orbital_cost(econ.orbit_inputs(node, 20, economics, utilisation=0.6,
                                                 n_stations=4))
    assert v.orbit_usd_per_accelerator_hour == direct.usd_per_accelerator_hour
    assert v.tornado and v.text.startswith("At $2,700/kg launch and 60 % utilisation")
    json.dumps(v.to_dict(), allow_nan=False)
    # utilisation from accelerator_hours when the summary has none
    del summary["utilisation"]
    assert econ.summary_utilisation(summary, node, 20) == pytest.approx(0.6)
    cheaper = econ.verdict_from_summary(summary, node, 20, economics, launch_price_usd_per_kg=100)
    assert cheaper.orbit_usd_per_accelerator_hour < v.orbit_usd_per_accelerator_hour


def test_economics_table_adds_up():
    orbit, ground = econ.orbital_cost(hand_orbit()), econ.ground_cost(hand_ground())
    table = econ.economics_table(orbit, ground)
    per_option = table.groupby("option")["usd_per_accelerator_hour"].sum()
    assert per_option["orbit"] == pytest.approx(23.5625, rel=1e-12)
    assert per_option["ground"] == pytest.approx(1.0516, rel=1e-12)
    assert table.groupby("option")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert set(table["label"]) <= set(econ.ITEM_LABELS.values())


# --- data files ---------------------------------------------------------------------------------


def test_built_in_files_load(economics, node):
    assert economics.region().name == "USA"
    assert set(economics.ground.regions) >= {"usa", "uae", "saudi_arabia", "kazakhstan", "japan",
                                             "custom"}
    assert set(economics.policy.regions) == set(economics.ground.regions)
    assert economics.policy.references["h200_export_levy_dec_2025"] == 0.25
    for name in ("starcloud-1", "starcloud-node", "starlink-compute", "suncatcher-node"):
        economics.accelerator_price_usd(load_node(name).accelerator.name)
    table = econ.ground_costs_by_region(node, 64, economics)
    assert len(table) == len(economics.ground.regions)
    assert (table["usd_per_accelerator_hour"] > 0).all()


def test_every_number_in_the_files_has_a_source_or_is_an_assumption():
    for path in sorted(econ.economics_dir().glob("*.toml")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.match(r"^\s*[\w\"\-]+\s*=\s*[-+\d.]", code):
                comment = line.split("#", 1)[1].strip() if "#" in line else ""
                assert len(comment) > 3, f"{path.name}:{number}: number without a source"


def test_user_folder_overrides_and_errors(tmp_path):
    (tmp_path / "ground.toml").write_text(
        (econ.economics_dir() / "ground.toml").read_text().replace("pue = 1.2 ", "pue = 0.9 "))
    with pytest.raises(InputError) as info:
        econ.load_economics(tmp_path)
    assert "ground.toml" in str(info.value) and "regions.usa.pue" in str(info.value)
    (tmp_path / "ground.toml").unlink()
    (tmp_path / "orbit.toml").write_text(
        (econ.economics_dir() / "orbit.toml").read_text()
        .replace("launch_price_usd_per_kg = 2700.0", "launch_price_usd_per_kg = 500.0"))
    mine = econ.load_economics(tmp_path)
    assert mine.orbit.launch_price_usd_per_kg == 500.0
    assert mine.ground.default_region == "usa"  # the rest from the built-in files
    with pytest.raises(InputError, match="unknown region"):
        mine.region("atlantis")
    with pytest.raises(InputError, match="no price for accelerator"):
        mine.accelerator_price_usd("h900")
    with pytest.raises(InputError):
        econ.load_economics(tmp_path / "missing")


# --- reproductions ------------------------------------------------------------------------------


def test_starcloud_published_numbers_add_up():
    published = econ.STARCLOUD
    assert sum(published["orbit_usd"].values()) == pytest.approx(8.2e6)
    assert sum(published["ground_usd"].values()) == pytest.approx(167e6)
    # Their electricity line: 40 MW for 10 years (8,760 h) at $0.04/kWh, no PUE.
    energy = econ.ground_energy_usd(40e6, 10, 0.04, 1.0, hours_per_year=8760.0)
    assert energy == pytest.approx(140.16e6, rel=1e-12)
    assert energy == pytest.approx(published["ground_usd"]["electricity"], rel=0.002)


def test_starcloud_comparison_with_orbitsim_model(economics, node):
    theirs = econ.starcloud_comparison(node, economics, launch_price_usd_per_kg=30.0,
                                       electricity_usd_per_kwh=0.04, pue=1.0)
    rows = theirs.rows.set_index("item")
    # Ground electricity with their price and no PUE: 40 MW x 10 yr x 8,766 h x $0.04.
    assert rows.loc["electricity", "orbitsim_usd"] == pytest.approx(40e3 * 87_660 * 0.04)
    # Array sized for end of life after 10 years at 1 %/yr, plus the bus share of the load.
    load_w = 40e6 * (64 * 700 + 20000 + 1500) / (64 * 700 + 20000)
    assert theirs.array_bol_w == pytest.approx(load_w / 0.99 ** 10, rel=1e-12)
    assert theirs.mass_kg["solar_array"] == pytest.approx(theirs.array_bol_w / 150.0)
    # Launch line is mass x price / (1 - failure).
    assert rows.loc["launch", "orbitsim_usd"] == pytest.approx(
        theirs.mass_kg["total"] * 30.0 / (1 - economics.orbit.launch_failure_rate))
    totals = theirs.totals()
    assert totals.loc["orbit", "published_usd"] == pytest.approx(8.2e6)
    # orbitsim's energy system is far heavier and dearer than the paper's (see README).
    assert totals.loc["orbit", "orbitsim_usd"] > 10 * totals.loc["orbit", "published_usd"]
    # Scaling: at the node's own IT load and no ageing, the masses are the node's.
    mass, bol = econ.energy_system_mass_kg(node, 64 * 700 + 20000, years=0.0)
    breakdown = node.mass_breakdown_kg()
    assert mass["radiator"] == pytest.approx(breakdown["radiator"])
    assert mass["battery"] == pytest.approx(breakdown["battery"])
    assert mass["shielding"] == pytest.approx(breakdown["shielding"])


def test_suncatcher_launched_power_price():
    # Their headline: $810/kW/yr at $200/kg <=> 4.05 kg per kW per year of life (20.25 kg/kW
    # over 5 years, ~49 W/kg).
    assert econ.launched_power_usd_per_kw_year(200.0, 20.25, 5.0) == pytest.approx(810.0)
    assert econ.launched_power_usd_per_kw_year(200.0, 20.25, 5.0, 0.1) == pytest.approx(900.0)


def test_suncatcher_comparison_break_even(economics):
    hardware = load_node("suncatcher-node")
    result = econ.suncatcher_comparison(hardware, economics)
    it_kw = (4 * 300 + 300) / 1000
    assert result.kg_per_kw == pytest.approx(hardware.mass_kg / it_kw)
    assert result.ground_usd_per_kw_year == pytest.approx(0.081 * 1.2 * 8766)
    at_break_even = econ.launched_power_usd_per_kw_year(
        result.break_even_launch_usd_per_kg, result.kg_per_kw, result.lifetime_years)
    assert at_break_even == pytest.approx(result.ground_usd_per_kw_year, rel=1e-12)
    assert result.published_kg_per_kw_per_life_year == pytest.approx(4.05)
