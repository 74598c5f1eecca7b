"""Maps render offline: PNG and self-contained HTML, with every socket connection refused."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest

from orbitsim import time_grid, walker_delta
from orbitsim.analysis import maps
from orbitsim.geometry.coverage import coverage


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def result():
    shell = walker_delta(700, 60, planes=4, per_plane=4, phasing=1)
    return coverage(shell, time_grid("2026-01-01T00:00:00Z", hours=1, step_s=300), cell_deg=5.0)


def test_the_network_is_really_blocked(no_network):
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(OSError):
        socket.socket().connect(("127.0.0.1", 9))


def test_coastlines_are_shipped_and_on_earth():
    lines = maps.coastlines()
    assert len(lines) > 100
    points = np.concatenate(lines)
    assert np.all(np.abs(points[:, 0]) <= 180) and np.all(np.abs(points[:, 1]) <= 90)


def test_png_map_renders_offline(result, tmp_path, no_network):
    for field in maps.FIELDS:
        path = maps.save_coverage_png(result, tmp_path / f"{field}.png", field)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_map_is_self_contained(result, tmp_path, no_network):
    path = maps.save_coverage_html(result, tmp_path / "map.html")
    text = path.read_text()
    assert "<script src=" not in text  # plotly.js is inline
    # plotly.js carries URL strings in its source (tile servers for map traces, its logo link)
    # that are never fetched unless such traces are used; the page's own markup and figure
    # must hold no URL at all, and no geo or tile trace.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S)
    library = max(scripts, key=len)
    assert "plotly" in library.lower() and len(library) > 1_000_000
    own = text.replace(library, "")
    assert not re.search(r"https?://", own)
    assert "topojson" not in own.lower() and "cdn" not in own.lower()
    assert "coastlines" in own
    figure = maps.coverage_plotly_figure(result)
    assert [trace.type for trace in figure.data] == ["heatmap", "scatter"]


def test_ground_track_png_breaks_at_the_antimeridian(tmp_path, no_network):
    """Two revolutions that cross ±180° several times: no drawn segment jumps across the map."""
    lon = (np.linspace(0.0, 720.0, 400) + 150.0)[None, :] % 360.0 - 180.0
    lat = 50.0 * np.sin(np.radians(np.linspace(0.0, 720.0, 400)))[None, :]
    figure = maps.ground_track_figure(lon, lat, ["A"], "tracks")
    track = [line for line in figure.axes[0].lines if line.get_label() == "A"][0]
    x = np.asarray(track.get_xdata(), dtype=float)
    steps = np.abs(np.diff(x))
    assert np.nanmax(steps) < 180.0
    assert np.isnan(x).sum() >= 2  # broken at each crossing
    path = maps.save_ground_track_png(lon, lat, ["A"], tmp_path / "t.png", "tracks")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def interactive(tmp_path_factory):
    """The coverage page with every layer: coverage, stations, tracks and the animation."""
    from orbitsim import propagate
    from orbitsim.geometry.snapshots import snapshots
    from orbitsim.model.ground import load_ground_network

    shell = walker_delta(700, 60, planes=4, per_plane=4, phasing=1)
    grid = time_grid("2026-01-01T00:00:00Z", hours=1, step_s=300)
    result = coverage(shell, grid, cell_deg=5.0)
    tracks = propagate(shell.subset([0, 9]), grid)
    extras = dict(stations=load_ground_network("compute-hubs"), track_lon_deg=tracks.lon_deg,
                  track_lat_deg=tracks.lat_deg, track_names=list(tracks.constellation.names),
                  snapshots=snapshots(shell, grid))
    path = maps.save_coverage_html(result, tmp_path_factory.mktemp("map") / "cov.html",
                                   **extras)
    return result, extras, path


def test_interactive_map_has_layers_stations_tracks_and_frames(interactive, no_network):
    result, extras, path = interactive
    text = path.read_text()
    figures = maps.page_figures(text)
    assert list(figures) == ["orbitsim-coverage-map"]
    figure = figures["orbitsim-coverage-map"]
    names = [trace.get("name") for trace in figure["data"]]
    layers = [label for label, _, _ in maps.FIELDS.values()]
    assert names[:3] == layers  # one heatmap per coverage field, the first one shown
    assert [trace.get("visible") for trace in figure["data"][:3]] == [True, False, False]
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == layers
    assert "ground stations (compute-hubs)" in names
    assert any(str(name).startswith("ground tracks") for name in names)
    # The animation: one frame per snapshot instant (> 1), each moving every satellite, with a
    # slider step per frame.
    frames = figure["frames"]
    n_times = len(extras["snapshots"].grid)
    assert len(frames) == n_times > 1
    assert len(figure["layout"]["sliders"][0]["steps"]) == len(frames)
    assert frames[0]["name"] == "2026-01-01T00:00:00.000Z"
    moving = names.index("satellites")
    assert all(frame["traces"] == [moving] for frame in frames)
    x0 = maps_array(frames[0]["data"][0]["x"])
    x1 = maps_array(frames[1]["data"][0]["x"])
    assert len(x0) == len(x1) == 16 and not np.allclose(x0, x1)
    np.testing.assert_allclose(x0, extras["snapshots"].lon_deg[:, 0], atol=0.006)
    # Offline: no URL in the page's own markup, plotly.js inline, no fetched layer.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S)
    own = text.replace(max(scripts, key=len), "")
    assert not re.search(r"https?://", own) and "<script src" not in text
    assert "topojson" not in own.lower() and "mapbox" not in own.lower()
    # The same inputs give the same bytes.
    again = maps.coverage_html(result, **extras)
    assert again == text


def maps_array(value) -> np.ndarray:
    """A plotly array as written in a page: a list, or ``{"dtype", "bdata"}`` (base64)."""
    import base64

    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=float)


def test_interactive_map_renders_in_headless_chromium_offline(interactive):
    """Must show: the coverage page renders in headless Chromium with the network off, its
    animation drawn (a slider tick per frame). Skipped where Chromium is not installed (see
    benchmarks/render_offline.py)."""
    from benchmarks.render_offline import chromium, render

    if chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    _, extras, path = interactive
    drawn = render(path)
    assert drawn["plotly_graphs"] == 1
    assert drawn["slider_ticks"] == len(extras["snapshots"].grid) > 1
    assert drawn["layer_buttons"] >= 3
    assert drawn["console"] == []
