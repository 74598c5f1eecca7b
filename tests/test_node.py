"""The node interface: event-driven closed-form integration, limits, and the must-show checks."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.kernels.radiator import STEFAN_BOLTZMANN_W_M2_K4
from orbitsim.model.hardware import NodeHardware, load_node
from orbitsim.physics.node import build_node, build_nodes, nodes_from_geometry

PERIOD_S = 95.6 * 60.0  # 550 km circular orbit
DARK_S = 35.7 * 60.0  # longest eclipse at 550 km, beta = 0
DAY_S = 86400.0


def beta0_illumination(seconds, penumbra_s=6.0):
    """Eclipse of DARK_S centred in every orbit, linear penumbra ramps of ``penumbra_s``.

    With a 6 s grid the ramps' corners fall on samples, so the interpolant is exact and the
    energy-preserving sunset and sunrise fall exactly DARK_S apart.
    """
    phase = np.mod(seconds, PERIOD_S)
    return np.clip((np.abs(phase - PERIOD_S / 2) - DARK_S / 2) / penumbra_s + 0.5, 0.0, 1.0)


def updated(node: NodeHardware, **parts) -> NodeHardware:
    """A copy of ``node`` with sub-models updated: ``battery={"capacity_wh": 1.0}``."""
    changes = {}
    for name, values in parts.items():
        current = getattr(node, name)
        changes[name] = current.model_copy(update=values) if isinstance(values, dict) else values
    return node.model_copy(update=changes)


def run_events(node, request_w, end_s=None):
    """Drive a node as the simulation would: one scheduled event at a time."""
    end_s = node.end_s if end_s is None else end_s
    t, kinds = node.t_s, []
    while t < end_s:
        event = node.next_event(t, request_w)
        t = min(event.time_s, end_s)
        node.advance(t, request_w)
        kinds.append(event.kind)
    return kinds


@pytest.fixture(scope="module")
def starlink():
    return load_node("starlink-compute")


@pytest.fixture(scope="module")
def grid_6s():
    seconds = np.arange(0.0, DAY_S + 1.0, 6.0)
    return seconds, beta0_illumination(seconds)


def stressed(hw: NodeHardware) -> NodeHardware:
    """Small radiator (throttles in sunlight) and small battery (hits its floor in eclipse)."""
    return updated(hw, thermal={"radiator_area_m2": 9.0, "heat_capacity_j_k": 1.5e5},
                   battery={"capacity_wh": 10000.0, "depth_of_discharge": 0.5})


# --- must show: energy conservation -------------------------------------------------------------


@pytest.mark.parametrize("stress", [False, True])
def test_energy_is_conserved_over_any_run(starlink, grid_6s, stress):
    hw = stressed(starlink) if stress else starlink
    seconds, illum = grid_6s
    rng = np.random.default_rng(11)
    node = build_node(hw, seconds, illum, 550.0)
    t = 0.0
    while t < node.end_s:
        t = min(t + rng.exponential(900.0), node.end_s)
        node.advance(t, rng.uniform(0.0, 1.2) * hw.max_accelerator_power_w)
    balance = node.energy_balance()
    assert abs(balance["residual_wh"]) <= 1e-9 * balance["energy_in_wh"]
    assert balance["curtailed_wh"] > 0 and balance["battery_loss_wh"] > 0
    if stress:
        assert node.deficit_s > 0 and node.throttled_s > 0 and node.deficit_events_s


# --- must show: closed forms --------------------------------------------------------------------


def test_steady_state_radiator_temperature(starlink):
    """Constant load, no environment: T -> (P/(εσA) + T_sink⁴)^(1/4)."""
    hw = updated(starlink, thermal={"earth_ir_w_m2": 0.0, "albedo": 0.0, "sun_view_cos": 0.0,
                                    "radiator_area_m2": 30.0})
    seconds = np.array([0.0, 3.0 * DAY_S])
    node = build_node(hw, seconds, np.ones(2), 550.0, initial_temp_k=200.0)
    request = 5000.0
    node.advance(node.end_s, request)
    t = hw.thermal
    power_w = hw.base_load_w + request
    expected = (power_w / (t.emissivity * STEFAN_BOLTZMANN_W_M2_K4 * t.radiating_area_m2)
                + t.sink_temp_k**4) ** 0.25
    assert node.temp_k == pytest.approx(expected, abs=1e-9)
    assert node.temp_k < hw.radiator_limit_k


def test_constant_power_drain_empties_at_capacity_over_power(starlink):
    hw = updated(starlink, battery={"depth_of_discharge": 1.0, "discharge_efficiency": 1.0,
                                    "fade_per_cycle": 0.0},
                 host_power_w=0.0)
    seconds = np.array([0.0, DAY_S])
    node = build_node(hw, seconds, np.zeros(2), 550.0)  # dark: the battery carries the load
    load_w = hw.bus_power_w + 3000.0
    event = node.next_event(0.0, 3000.0)
    assert event.kind == "battery_empty"
    assert event.time_s == pytest.approx(hw.battery.capacity_wh / load_w * 3600.0, rel=1e-12)
    node.advance(event.time_s, 3000.0)
    assert node.energy_wh == pytest.approx(0.0, abs=1e-9)
    assert node.status().battery_at_floor and node.status().power_available_w == 0.0


def test_dawn_dusk_sso_node_never_discharges():
    """A 650 km 18:00 sun-synchronous orbit at the March equinox is in sunlight all day; a
    node whose load is within its array output never draws on its battery."""
    from orbitsim.geometry.propagate import propagate
    from orbitsim.model.builders import sun_synchronous
    from orbitsim.model.timegrid import time_grid

    start = "2026-03-21T00:00:00Z"
    constellation = sun_synchronous(650.0, ltan_hours=18.0, epoch_utc=start)
    geometry = propagate(constellation, time_grid(start, 24.0, 60.0))
    assert geometry.illuminated.min() == 1.0
    hw = load_node("suncatcher-node")
    assert hw.base_load_w + hw.max_accelerator_power_w < hw.solar.bol_power_w
    (node,) = nodes_from_geometry(hw, geometry)
    kinds = run_events(node, hw.max_accelerator_power_w)
    assert kinds == ["end"]
    assert node.drawn_wh == 0.0
    assert np.all(node.history()["soc"] == 1.0)
    assert node.curtailed_wh > 0.0 and node.throttled_s == 0.0


def test_beta0_node_cycles_once_per_orbit_with_the_eclipse_depth(starlink, grid_6s):
    seconds, illum = grid_6s
    node = build_node(starlink, seconds, illum, 550.0)
    request = starlink.max_accelerator_power_w
    load_w = starlink.base_load_w + request
    kinds = run_events(node, request)
    n_eclipses = int(np.sum(np.diff((illum < 0.5).astype(int)) == 1))
    assert kinds.count("sunset") == n_eclipses
    assert kinds.count("battery_empty") == 0 and node.deficit_s == 0.0
    # depth of each cycle by hand: the load over the eclipse, out of the cells at eta_d
    drawn_wh = load_w * DARK_S / 3600.0 / starlink.battery.discharge_efficiency
    assert node.drawn_wh == pytest.approx(n_eclipses * drawn_wh, rel=1e-9)
    history = node.history()
    energy, time_s = history["energy_wh"], history["time_s"]
    sunrises = np.isin(time_s, node.segments_table()["start_s"][
        np.flatnonzero(np.diff(node.segments_table()["illuminated"]) > 0) + 1])
    sunsets = np.isin(time_s, node.segments_table()["start_s"][
        np.flatnonzero(np.diff(node.segments_table()["illuminated"]) < 0) + 1])
    assert sunrises.sum() == n_eclipses
    depth = energy[sunsets] - energy[sunrises][: sunsets.sum()]
    np.testing.assert_allclose(depth, drawn_wh, rtol=1e-9)
    # the battery refills before every sunset: one full cycle per orbit
    np.testing.assert_allclose(history["soc"][sunsets], 1.0, atol=1e-12)
    assert node.equivalent_full_cycles == pytest.approx(
        n_eclipses * drawn_wh / starlink.battery.capacity_wh)
    assert node.capacity_wh < starlink.battery.capacity_wh  # cycle ageing


# --- must show: piecewise closed form vs a fine explicit integration ----------------------------


def reference_1s(node, hw: NodeHardware, request_w: float, sample_s: np.ndarray):
    """Explicit 1 s integration of the same model (same segments, loads and limits)."""
    table = node.segments_table()
    battery, thermal = hw.battery, hw.thermal
    eps_a = thermal.emissivity * STEFAN_BOLTZMANN_W_M2_K4 * thermal.radiating_area_m2
    sink4 = thermal.sink_temp_k**4
    q_lim = eps_a * (hw.radiator_limit_k**4 - sink4)
    base = hw.base_load_w
    capacity = battery.capacity_wh
    energy = battery.initial_soc * capacity
    temp = node.history()["temp_k"][0]
    drawn = 0.0
    out_soc, out_temp = [], []
    targets = iter(sample_s)
    target = next(targets)
    step = 1.0
    t = 0.0
    while True:
        while target is not None and t >= target - 1e-9:
            out_soc.append(energy / capacity)
            out_temp.append(temp)
            target = next(targets, None)
        if target is None:
            break
        k = min(np.searchsorted(table["start_s"], t + 0.5 * step, side="right") - 1,
                len(table["start_s"]) - 1)
        array_w, env_w = table["array_power_w"][k], table["environment_w"][k]
        power = request_w
        if temp >= hw.radiator_limit_k:
            power = min(power, max(q_lim - env_w - base, 0.0))
        floor = (1.0 - battery.depth_of_discharge) * capacity
        served_base = base
        if energy <= floor + 1e-9 and array_w < base + power:
            power = max(min(power, array_w - base), 0.0)
            served_base = min(base, array_w)
        net = array_w - served_base - power
        if net >= 0:
            energy = min(energy + battery.charge_efficiency * net * step / 3600.0, capacity)
        else:
            take = -net / battery.discharge_efficiency * step / 3600.0
            take = min(take, energy - floor)
            energy -= take
            drawn += take
            capacity = battery.capacity_wh * (1.0 - battery.fade_per_cycle * drawn
                                              / battery.capacity_wh)
        heat = served_base + power + env_w

        def rate(x, heat=heat):
            return (heat - eps_a * (x**4 - sink4)) / thermal.heat_capacity_j_k

        k1 = rate(temp)
        k2 = rate(temp + 0.5 * step * k1)
        k3 = rate(temp + 0.5 * step * k2)
        k4 = rate(temp + step * k3)
        temp += step / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        t += step
    return np.array(out_soc), np.array(out_temp)


@pytest.mark.parametrize("stress", [False, True])
def test_piecewise_matches_fine_explicit_integration(starlink, stress):
    hw = stressed(starlink) if stress else starlink
    seconds = np.arange(0.0, 6 * 3600.0 + 1.0, 6.0)
    node = build_node(hw, seconds, beta0_illumination(seconds), 550.0)
    request = hw.max_accelerator_power_w
    samples = np.arange(0.0, node.end_s + 1.0, 300.0)
    soc, temp = [node.soc], [node.temp_k]
    for t in samples[1:]:
        node.advance(t, request)
        soc.append(node.soc)
        temp.append(node.temp_k)
    ref_soc, ref_temp = reference_1s(node, hw, request, samples)
    np.testing.assert_allclose(temp, ref_temp, rtol=5e-3)
    np.testing.assert_allclose(soc, ref_soc, rtol=5e-3)
    if stress:
        assert node.throttled_s > 0 and node.deficit_s > 0


# --- the interface ------------------------------------------------------------------------------


def test_thermal_throttling_holds_the_limit_and_follows_the_curve(starlink):
    hw = updated(starlink, thermal={"radiator_area_m2": 7.0, "heat_capacity_j_k": 5e4})
    seconds = np.array([0.0, 6 * 3600.0])
    node = build_node(hw, seconds, np.ones(2), 550.0)
    request = hw.max_accelerator_power_w
    event = node.next_event(node.t_s, request)
    assert event.kind == "thermal_limit"
    node.advance(event.time_s, request)
    assert node.temp_k == hw.radiator_limit_k
    status = node.status()
    cap = status.steady_thermal_cap_w
    assert 0 < cap < request and status.power_cap_w == pytest.approx(cap)
    assert status.throughput_fraction == pytest.approx(hw.throughput_fraction(cap))
    assert status.throughput_flops == pytest.approx(
        hw.throughput_fraction(cap) * hw.peak_flops("bf16"))
    assert node.next_event(node.t_s, request).kind == "end"
    done = node.advance(node.end_s, request)
    assert node.temp_k == pytest.approx(hw.radiator_limit_k, abs=1e-9)
    assert done.throttled_s == pytest.approx(done.duration_s)
    assert done.full_speed_s == pytest.approx(done.duration_s * hw.throughput_fraction(cap))
    assert done.accelerator_energy_wh == pytest.approx(cap * done.duration_s / 3600.0)
    assert done.work_flop(hw) == pytest.approx(done.full_speed_s * hw.peak_flops())
    assert node.throttle_events_s == [event.time_s] and node.limit_reached_s == [event.time_s]


def test_advance_in_pieces_equals_one_call(starlink, grid_6s):
    seconds, illum = grid_6s
    hw = updated(stressed(starlink), battery={"fade_per_cycle": 0.0})  # fade is applied per piece
    whole = build_node(hw, seconds, illum, 550.0)
    whole.advance(40000.0, 7000.0)
    pieces = build_node(hw, seconds, illum, 550.0)
    for t in np.linspace(0.0, 40000.0, 137)[1:]:
        pieces.advance(t, 7000.0)
    assert pieces.temp_k == pytest.approx(whole.temp_k, rel=1e-9)
    assert pieces.energy_wh == pytest.approx(whole.energy_wh, rel=1e-9)
    assert pieces.full_speed_s == pytest.approx(whole.full_speed_s, rel=1e-9)


def test_event_kinds_and_errors(starlink, grid_6s):
    seconds, illum = grid_6s
    node = build_node(starlink, seconds, illum, 550.0)
    kinds = run_events(node, 0.0)
    assert set(kinds) == {"sunset", "sunrise", "end"}
    assert node.n_segments == len(kinds)
    with pytest.raises(ValueError, match="back in time"):
        node.advance(10.0, 0.0)
    with pytest.raises(ValueError, match="past the end"):
        node.advance(node.end_s + 100.0, 0.0)
    fresh = build_node(starlink, seconds, illum, 550.0)
    with pytest.raises(ValueError, match="advance it first"):
        fresh.next_event(500.0, 0.0)
    with pytest.raises(ValueError):
        build_node(starlink, seconds, np.stack([illum, illum]), 550.0)


def test_same_orbit_at_60_s_and_10_s_gives_the_same_events_and_answers(starlink):
    """An orbit whose penumbra corners fall on both grids (96 min period, 36 min eclipse, 120 s
    ramps) is sampled exactly at 60 s and at 10 s: same segments, same events, same answers.
    (With real geometry a coarse step places each transition within half a step, see
    test_power.py.)"""
    results = []
    for step_s in (60.0, 10.0):
        seconds = np.arange(0.0, DAY_S + 1.0, step_s)
        phase = np.mod(seconds, 5760.0)
        illum = np.clip((np.abs(phase - 2880.0) - 1080.0) / 120.0 + 0.5, 0.0, 1.0)
        node = build_node(starlink, seconds, illum, 550.0)
        kinds = run_events(node, starlink.max_accelerator_power_w)
        results.append((kinds, node.n_segments, node.soc, node.temp_k, node.full_speed_s))
    (k60, seg60, soc60, temp60, work60), (k10, seg10, soc10, temp10, work10) = results
    assert k60 == k10 and seg60 == seg10 == 31
    assert soc60 == pytest.approx(soc10, rel=1e-9) and temp60 == pytest.approx(temp10, rel=1e-9)
    assert work60 == pytest.approx(work10, rel=1e-12)


def test_build_nodes_vectorised_and_history(starlink, grid_6s):
    seconds, illum = grid_6s
    rows = np.stack([illum, np.ones_like(illum), np.roll(illum, 500)])
    nodes = build_nodes(starlink, seconds, rows, np.full(rows.shape, 550.0), record=False)
    assert len(nodes) == 3 and nodes[1].n_segments == 1
    single = build_node(starlink, seconds, rows[2], 550.0)
    np.testing.assert_array_equal(nodes[2].segments_table()["environment_w"],
                                  single.segments_table()["environment_w"])
    nodes[0].advance(3600.0, 1000.0)
    assert len(nodes[0].history()["time_s"]) == 0  # record=False keeps no history
    totals = single.totals()
    assert totals["soc"] == 1.0 and totals["equivalent_full_cycles"] == 0.0


def test_copies_and_pickles_continue_identically_and_history_is_optional(starlink, grid_6s):
    import copy
    import pickle

    seconds, illuminated = grid_6s
    node = build_node(starlink, seconds, illuminated, 550.0, record=False)
    node.advance(3000.0, 2000.0)
    assert not hasattr(node, "__dict__")  # slotted: ~1.5 kB a node
    assert all(len(v) == 0 for v in node.history().values())
    twins = [copy.deepcopy(node), pickle.loads(pickle.dumps(node))]
    for other in [node, *twins]:
        other.advance(9000.0, 5000.0)
    for twin in twins:
        assert twin.totals() == node.totals()
        assert twin.energy_wh == node.energy_wh and twin.temp_k == node.temp_k
