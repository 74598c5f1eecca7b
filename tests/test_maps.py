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
