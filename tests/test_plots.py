"""Run plots: geometry helpers against closed forms, step functions by hand, figures labelled
with units, PNG bytes deterministic."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orbitsim.analysis import plots
from orbitsim.constants import EARTH_RADIUS_KM

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _labels(figure) -> list[tuple[str, str]]:
    return [(axes.get_xlabel(), axes.get_ylabel()) for axes in figure.axes if axes.axison]


def _has_unit(label: str) -> bool:
    return "(" in label and ")" in label


# --- geometry helpers ---------------------------------------------------------------------------


def test_break_at_antimeridian_inserts_a_gap_at_each_wrap():
    lon = np.array([170.0, 179.0, -179.0, -170.0, 0.0])
    lat = np.arange(5.0)
    out_lon, out_lat = plots.break_at_antimeridian(lon, lat)
    assert len(out_lon) == 6
    assert np.isnan(out_lon[2]) and np.isnan(out_lat[2])
    np.testing.assert_array_equal(out_lon[~np.isnan(out_lon)], lon)
    pieces = plots.antimeridian_pieces(lon, lat)
    assert [len(p) for p in pieces] == [2, 3]


@pytest.mark.parametrize(("altitude_km", "mask_deg"), [(550.0, 0.0), (550.0, 10.0), (650.0, 25.0),
                                                       (1200.0, 40.0)])
def test_footprint_radius_matches_the_nadir_angle_form(altitude_km, mask_deg):
    # SMAD (Wertz & Larson, 3rd ed., sec. 5.2): sin(eta) = sin(rho) cos(eps) with
    # sin(rho) = R / (R + h), and lambda = 90° - eps - eta.
    rho = math.asin(EARTH_RADIUS_KM / (EARTH_RADIUS_KM + altitude_km))
    eta = math.asin(math.sin(rho) * math.cos(math.radians(mask_deg)))
    expected = 90.0 - mask_deg - math.degrees(eta)
    assert plots.footprint_radius_deg(altitude_km, mask_deg) == pytest.approx(expected, abs=1e-9)


def test_footprint_at_zero_mask_is_the_horizon_angle():
    # 550 km: arccos(6378.137 / 6928.137) = 22.98°
    assert plots.footprint_radius_deg(550.0, 0.0) == pytest.approx(
        math.degrees(math.acos(EARTH_RADIUS_KM / (EARTH_RADIUS_KM + 550.0))), abs=1e-12)


def test_small_circle_points_are_at_the_radius_from_their_centre():
    centres_lat = np.array([0.0, 45.0, -78.0, 89.0])
    centres_lon = np.array([0.0, 170.0, -60.0, 20.0])
    radius = np.array([10.0, 20.0, 25.0, 5.0])
    lat, lon = plots.small_circle_deg(centres_lat, centres_lon, radius, n_points=73)
    assert lat.shape == lon.shape == (4, 73)
    assert np.all((lon >= -180.0) & (lon < 180.0))
    # haversine distance, written independently
    p1, p2 = np.radians(centres_lat)[:, None], np.radians(lat)
    dl = np.radians(lon - centres_lon[:, None])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance = np.degrees(2 * np.arcsin(np.sqrt(h)))
    np.testing.assert_allclose(distance, np.broadcast_to(radius[:, None], distance.shape),
                               atol=1e-9)


# --- step functions -----------------------------------------------------------------------------


def test_busy_profile_by_hand():
    # two jobs of 4 and 8 accelerators: [10, 30) and [20, 50), horizon 60
    time_s, busy = plots.busy_profile([10.0, 20.0], [30.0, 50.0], [4, 8], 60.0)
    np.testing.assert_array_equal(time_s, [0.0, 10.0, 20.0, 30.0, 50.0, 60.0])
    np.testing.assert_array_equal(busy, [0.0, 4.0, 12.0, 8.0, 0.0, 0.0])


def test_busy_profile_handles_back_to_back_and_clipped_jobs():
    time_s, busy = plots.busy_profile([0.0, 5.0, 8.0], [5.0, 9.0, 100.0], [2, 2, 1], 10.0)
    np.testing.assert_array_equal(time_s, [0.0, 5.0, 8.0, 9.0, 10.0])
    np.testing.assert_array_equal(busy, [2.0, 2.0, 3.0, 1.0, 0.0])
    empty_t, empty_busy = plots.busy_profile([], [], [], 10.0)
    np.testing.assert_array_equal(empty_t, [0.0, 10.0])
    np.testing.assert_array_equal(empty_busy, [0.0, 0.0])


def test_bin_mean_integrates_the_step_function_exactly():
    time_s = np.array([0.0, 10.0, 20.0, 30.0, 50.0, 60.0])
    busy = np.array([0.0, 4.0, 12.0, 8.0, 0.0, 0.0])
    mean = plots.bin_mean(time_s, busy, [0.0, 15.0, 30.0, 60.0])
    np.testing.assert_allclose(mean, [(4 * 5) / 15, (4 * 5 + 12 * 10) / 15, (8 * 20) / 30])
    whole = plots.bin_mean(time_s, busy, [0.0, 60.0])
    assert whole[0] == pytest.approx((4 * 10 + 12 * 10 + 8 * 20) / 60)


# --- figures ------------------------------------------------------------------------------------


def make_figures() -> dict:
    """One figure of each kind from small hand-made inputs (fresh objects at every call)."""
    hours = np.linspace(0.0, 2.0, 121)
    lon = ((hours[None, :] * 360.0 / 1.6 + np.array([[0.0], [90.0]])) + 180.0) % 360.0 - 180.0
    lat = 53.0 * np.sin(2 * np.pi * hours[None, :] / 1.6 + np.array([[0.0], [1.0]]))
    coast = [(np.array([-10.0, 0.0, 10.0]), np.array([40.0, 45.0, 40.0]))]
    history = {"time_s": np.array([0.0, 1800.0, 3600.0, 7200.0]),
               "soc": np.array([1.0, 0.7, 0.55, 0.9]),
               "temp_k": np.array([250.0, 290.0, 300.0, 280.0]),
               "accelerator_power_w": np.array([0.0, 5000.0, 5000.0, 2000.0])}
    contacts = pd.DataFrame({"satellite": ["A", "A", "B", "C"],
                             "station": ["Svalbard", "Inuvik", "Svalbard", "Troll"],
                             "start_s": [100.0, 3000.0, 500.0, 6000.0],
                             "end_s": [700.0, 3500.0, 900.0, 6500.0]})
    rng = np.random.default_rng(1)
    return {
        "map": plots.ground_track_figure(lon, lat, ["A", "B"], station_lon_deg=[15.0, -133.0],
                                         station_lat_deg=[78.0, 68.0],
                                         station_footprint_deg=[20.0, 20.0], coastlines=coast),
        "node": plots.node_state_figure(history, np.array([0.0, 600.0, 5000.0]),
                                        np.array([0.5, 1.0, 0.25]), 7200.0, node_name="A",
                                        soc_floor=0.5, temp_limit_k=320.0,
                                        max_accelerator_power_w=5600.0),
        "node_without_history": plots.node_state_figure(None, np.array([0.0]), np.array([0.0]),
                                                        7200.0, node_name="A"),
        "gantt": plots.contact_gantt_figure(contacts, ["A", "B", "C"], 7200.0),
        "latency": plots.latency_cdf_figure({"fast": rng.lognormal(-1.5, 0.3, 500),
                                             "slow": rng.lognormal(4.0, 1.0, 300)}),
        "kinds": plots.throughput_by_kind_figure({"a": 10.0, "b": 2.5}, {"a": 3, "b": 40}),
        "policies": plots.throughput_by_policy_figure({"fifo": 10.0, "energy-aware": 12.0},
                                                      {"fifo": 100.0, "energy-aware": 90.0}),
    }


@pytest.fixture(scope="module")
def figures():
    return make_figures()


def test_every_axis_of_every_figure_is_labelled_with_a_unit(figures):
    for name, figure in figures.items():
        labels = _labels(figure)
        assert labels, name
        for axes in figure.axes:
            if not axes.axison:
                continue
            # shared x axes show the label on the bottom panel only
            if axes.get_xlabel() or not any(a.get_xlabel() for a in figure.axes):
                assert _has_unit(axes.get_xlabel()), (name, axes.get_xlabel())
            if axes.get_ylabel():
                assert _has_unit(axes.get_ylabel()) or name in ("gantt", "kinds", "policies"), \
                    (name, axes.get_ylabel())
        titled = [figure.get_suptitle()] + [a.get_title() for a in figure.axes]
        assert any(t for t in titled), name


def test_node_figure_has_three_panels_with_units(figures):
    axes = figures["node"].axes
    assert [a.get_ylabel().split("\n")[0] for a in axes] == [
        "state of charge (%)", "temperature (K)", "utilisation"]
    assert axes[-1].get_xlabel() == "time since start (h)"


def test_png_bytes_are_deterministic_and_carry_no_software_or_date():
    # The same inputs drawn into fresh figures give the same bytes (a report renders each
    # figure once; constrained layout may still move things on a second draw of one figure).
    # (low resolution to keep the test fast; the layout is the same at any dpi)
    first, second = make_figures(), make_figures()
    for name in ("map", "node", "gantt"):  # the layouts that move on a second draw
        figure = first[name]
        data = plots.png_bytes(figure, dpi=40)
        assert data.startswith(PNG_SIGNATURE), name
        assert plots.png_bytes(second[name], dpi=40) == data, name
        assert b"Software" not in data and b"matplotlib" not in data
        assert b"CreationDate" not in data and b"Creation Time" not in data


def test_save_png_writes_atomically(tmp_path, figures):
    path = plots.save_png(figures["kinds"], tmp_path / "sub" / "kinds.png")
    assert path.read_bytes() == plots.png_bytes(figures["kinds"])
    assert [p.name for p in path.parent.iterdir()] == ["kinds.png"]


def test_empty_inputs_give_a_figure_not_an_error():
    empty = pd.DataFrame({"satellite": [], "station": [], "start_s": [], "end_s": []})
    for figure in (plots.contact_gantt_figure(empty, ["A"], 3600.0),
                   plots.latency_cdf_figure({}),
                   plots.latency_cdf_figure({"x": np.array([np.nan])}),
                   plots.throughput_by_kind_figure({}, {}),
                   plots.message_figure("Nothing", "nothing to show")):
        assert plots.png_bytes(figure, dpi=40).startswith(PNG_SIGNATURE)


def test_gantt_gives_every_named_station_its_own_colour_and_never_the_others_grey():
    from matplotlib.colors import to_rgba

    stations = [f"S{k:02d}" for k in range(14)]
    contacts = pd.DataFrame({
        "satellite": ["A"] * 14, "station": stations,
        "start_s": np.arange(14) * 300.0, "end_s": np.arange(14) * 300.0 + 200.0 - np.arange(14),
    })
    figure = plots.contact_gantt_figure(contacts, ["A"], 14 * 300.0)
    legend = figure.axes[0].get_legend()
    colours = [tuple(to_rgba(h.get_facecolor())) for h in legend.legend_handles]
    named, other = colours[:-1], colours[-1]
    assert len(named) == plots.MAX_GANTT_STATIONS and len(set(named)) == len(named)
    assert other not in named
    assert all(max(c[:3]) - min(c[:3]) > 0.1 for c in named)  # no grey among the named
