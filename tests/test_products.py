"""Products of a run for its report: tracks, coverage, the focus node and its dense history,
the sunlit fraction of a year."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.model.scenario import load_scenario
from orbitsim.sim import products
from orbitsim.sim.run import simulate


@pytest.fixture(scope="module")
def run():
    # December: the dawn-dusk orbit has its eclipse season, so the battery cycles.
    scenario = load_scenario("starcloud-demo").model_copy(
        update={"start_utc": "2026-12-21T00:00:00Z", "hours": 1.25})
    return simulate(scenario)


def test_focus_node_has_the_deepest_battery_discharge(run):
    focus = products.focus_node(run)
    lowest = [float(n.history()["soc"].min()) for n in run.inputs.nodes]
    assert lowest[focus] == min(lowest)
    assert lowest[focus] < 1.0  # the December run discharges its batteries
    assert run.products.focus_node == focus
    assert focus in run.products.gantt_nodes


def test_dense_history_passes_through_every_recorded_state(run):
    node = run.inputs.nodes[products.focus_node(run)]
    recorded = node.history()
    dense = node.replay(max_points=500)
    assert len(dense["time_s"]) >= 500
    assert np.all(np.diff(dense["time_s"]) >= 0.0)
    # nearest replayed point to each recorded one: a limit (the battery floor) reached inside
    # a replayed piece is found again to rounding (micro-seconds), not bit for bit
    index = np.abs(dense["time_s"][None, :] - recorded["time_s"][:, None]).argmin(axis=1)
    np.testing.assert_allclose(dense["time_s"][index], recorded["time_s"], rtol=0, atol=1e-3)
    np.testing.assert_allclose(dense["soc"][index], recorded["soc"], rtol=0, atol=1e-7)
    # the radiator solution over one long piece or many short ones agrees to ~1e-5 K
    np.testing.assert_allclose(dense["temp_k"][index], recorded["temp_k"], rtol=0, atol=1e-3)
    assert dense["soc"].min() == pytest.approx(recorded["soc"].min(), abs=1e-9)


def test_products_are_computed_once(run):
    first = run.products
    assert run.products is first
    assert first.track_lon_deg.shape == first.track_lat_deg.shape
    assert first.track_lon_deg.shape[0] == len(first.track_nodes) == len(first.track_names)
    assert first.coverage is not None and 0.0 < first.coverage.global_covered_fraction() <= 1.0


def test_coverage_grid_stays_within_its_budget(run):
    grid, mask_deg = products.coverage_grid(run)
    assert mask_deg == float(np.median(run.inputs.network.min_elevation_deg))
    assert grid is not None and grid.step_s >= run.inputs.grid.step_s
    assert len(grid) >= products.MIN_COVERAGE_TIMES
    assert len(grid) * run.inputs.n_nodes <= products.COVERAGE_SAMPLES + run.inputs.n_nodes
    assert grid.seconds[-1] <= run.inputs.grid.duration_s


def test_spread_indices():
    assert products.spread_indices(32, 6) == [0, 6, 12, 19, 25, 31]
    assert products.spread_indices(3, 8) == [0, 1, 2]
    assert products.spread_indices(0, 4) == []


def test_year_sunlit_fraction_of_a_dawn_dusk_orbit(run):
    """A 650 km dawn-dusk SSO sees eclipses only around the December solstice: ~96 % sunlit
    over a year (README's 0.9605 from 32 satellites at 10-minute steps)."""
    assert run.products.year_sunlit_fraction == pytest.approx(0.9605, abs=0.002)
