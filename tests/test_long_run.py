"""Long runs: 30 simulated days keep the simulation's memory flat (growth per day is the results
themselves), and battery fade and solar-array degradation show in the results.

A reduced scenario stands in for ``starcloud-demo`` (a 30-day run of the full demo takes ~10 min):
two ``starcloud-node`` satellites (the demo's hardware) in a 10:30 LTAN sun-synchronous orbit at
650 km (an eclipse every orbit, so the battery cycles), a light on-board workload, 300 s step.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from orbitsim.model.hardware import load_node
from orbitsim.sim.run import simulate

DAYS_SHORT, DAYS_LONG = 10.0, 30.0
SECONDS_PER_YEAR = 365.25 * 86400.0  # Julian year
#: Simulation memory beyond the result tables may grow, per simulated day, only by the inputs
#: that a longer run has more of: its ground passes (the contact plan keeps each as Python
#: floats, ~6 x 32 B; the node physics' eclipse segments grow alongside) ...
MAX_GROWTH_B_PER_PASS = 300
#: ... and this much per job (its working state while the result tables are built).
MAX_GROWTH_B_PER_JOB = 2_500


def _write_scenario(folder, rate_per_hour: float):
    (folder / "c.toml").write_text(
        'name = "longrun"\nhardware = "starcloud-node"\nepoch_utc = "2026-06-01T00:00:00Z"\n'
        '[[shells]]\nkind = "sun-synchronous"\nname = "LR"\naltitude_km = 650\n'
        'ltan_hours = 10.5\nplanes = 1\nper_plane = 2\n', encoding="utf-8")
    (folder / "w.toml").write_text(
        'name = "light"\n[[tenants]]\nname = "eo-operator"\n[[job_classes]]\n'
        'name = "scene"\nkind = "eo-processing"\ntenant = "eo-operator"\n'
        f'arrival = {{ process = "poisson", rate_per_hour = {rate_per_hour} }}\n'
        'work_flop = { mean = 4.0e15, sigma = 0.4 }\n'
        'input_bytes = { mean = 8.0e8, sigma = 0.2 }\n'
        'output_bytes = { mean = 5.0e6, sigma = 0.5 }\ndeadline_s = 7200\n', encoding="utf-8")
    path = folder / "s.toml"
    path.write_text('name = "longrun"\nconstellation = "c.toml"\nworkload = "w.toml"\n'
                    'ground_network = "commercial"\nhours = 720\nstep_s = 300\nseed = 1\n',
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory):
    return _write_scenario(tmp_path_factory.mktemp("longrun"), 2.0)


@pytest.fixture(scope="module")
def idle_scenario_path(tmp_path_factory):
    return _write_scenario(tmp_path_factory.mktemp("idle"), 0.01)


def _result_bytes(run) -> int:
    """Size of what a run keeps as results: its tables and the nodes' recorded history."""
    tables = (run.jobs, run.nodes, run.result.transfers, run.inputs.contacts)
    size = sum(int(frame.memory_usage(deep=True).sum()) for frame in tables)
    size += sum(a.nbytes for node in run.inputs.nodes for a in node.history().values())
    return size


def _traced_run(path, days: float):
    """Peak traced memory of the simulation proper (the geometry, node physics inputs and
    contact plan are prepared untraced first and reused), minus the results' size."""
    simulate(path, hours=24 * days, reuse_geometry=True)
    tracemalloc.start()
    try:
        run = simulate(path, hours=24 * days, reuse_geometry=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return run, peak - _result_bytes(run)


@pytest.fixture(scope="module")
def runs(scenario_path):
    return {days: _traced_run(scenario_path, days) for days in (DAYS_SHORT, DAYS_LONG)}


def _growth_b_per_day(runs) -> float:
    (_, short_b), (_, long_b) = runs[DAYS_SHORT], runs[DAYS_LONG]
    return (long_b - short_b) / (DAYS_LONG - DAYS_SHORT)


def _passes_per_day(runs) -> float:
    short, long = runs[DAYS_SHORT][0], runs[DAYS_LONG][0]
    return (len(long.inputs.contacts) - len(short.inputs.contacts)) / (DAYS_LONG - DAYS_SHORT)


def test_memory_is_flat_per_simulated_day(idle_scenario_path):
    runs = {days: _traced_run(idle_scenario_path, days) for days in (DAYS_SHORT, DAYS_LONG)}
    run = runs[DAYS_LONG][0]
    growth = _growth_b_per_day(runs)
    per_pass = growth / _passes_per_day(runs)
    print(f"idle: {growth / 1e3:.1f} kB per simulated day ({len(run.nodes)} nodes), "
          f"{per_pass:.0f} B per ground pass")
    assert per_pass < MAX_GROWTH_B_PER_PASS


def test_memory_growth_per_day_is_the_jobs_only(runs):
    short, long = runs[DAYS_SHORT][0], runs[DAYS_LONG][0]
    growth = _growth_b_per_day(runs)
    jobs_per_day = ((long.summary["jobs_total"] - short.summary["jobs_total"])
                    / (DAYS_LONG - DAYS_SHORT))
    print(f"peak beyond results: {runs[DAYS_SHORT][1] / 1e6:.2f} MB at {DAYS_SHORT:g} d, "
          f"{runs[DAYS_LONG][1] / 1e6:.2f} MB at {DAYS_LONG:g} d: {growth / 1e3:.1f} kB/day, "
          f"{jobs_per_day:.0f} jobs/day, {growth / jobs_per_day / 1e3:.2f} kB/job")
    passes_b = MAX_GROWTH_B_PER_PASS * _passes_per_day(runs)
    assert growth < passes_b + MAX_GROWTH_B_PER_JOB * jobs_per_day
    s = long.summary
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]
    assert s["jobs_total"] > 2.5 * short.summary["jobs_total"]  # the long run did 3x the work


def test_battery_capacity_fades_with_cycles(runs):
    run, _ = runs[DAYS_LONG]
    battery = load_node("starcloud-node").battery
    nodes = run.nodes
    cycles = nodes["equivalent_full_cycles"].to_numpy()
    capacity_wh = nodes["capacity_wh"].to_numpy()
    assert (cycles > 30).all()  # ~15 eclipses a day for 30 days
    assert (capacity_wh < battery.capacity_wh).all()
    # Linear fade per equivalent full cycle (the hardware file's model).
    expected_wh = battery.capacity_wh * (1.0 - battery.fade_per_cycle * cycles)
    np.testing.assert_allclose(capacity_wh, expected_wh, atol=1.0)
    short, _ = runs[DAYS_SHORT]
    assert (capacity_wh < short.nodes["capacity_wh"].to_numpy()).all()


def test_solar_array_degrades_over_the_run(runs):
    run, _ = runs[DAYS_LONG]
    solar = load_node("starcloud-node").solar
    table = run.inputs.nodes[0].segments_table()
    lit = table["illuminated"] == 1.0
    power_w = table["array_power_w"][lit]
    start_s = table["start_s"][lit]
    assert np.all(np.diff(power_w) <= 0.0)
    # (1 - d)^age with the age growing from 0 at the start of the run.
    age_years = (start_s[-1] - start_s[0]) / SECONDS_PER_YEAR
    expected = (1.0 - solar.degradation_per_year) ** age_years
    assert power_w[-1] / power_w[0] == pytest.approx(expected, rel=1e-9)
    assert power_w[-1] < power_w[0] * (1 - 5e-4)  # visible: > 0.05 % over 30 days at 1 %/yr
