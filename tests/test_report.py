"""The report of a run: self-contained (no external URL, renders with the network blocked),
every plot a PNG beside it and embedded in it, same run -> same bytes, and the data behind the
node panel checked against the simulation's own accounts."""

from __future__ import annotations

import base64
import json
import re
import socket
import sys

import numpy as np
import pytest

from orbitsim.analysis import report
from orbitsim.api import simulate
from orbitsim.model.scenario import load_scenario
from orbitsim.results import write_outputs

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOTS = ("map", "node", "contacts", "latency", "throughput", "costs", "uncertainty", "tornado",
         "timeline", "waterfall_starcloud", "waterfall_suncatcher")


class NetworkBlocked(RuntimeError):
    pass


def _refuse(*args, **kwargs):
    raise NetworkBlocked("network access attempted while writing the report")


@pytest.fixture(scope="module")
def run():
    # December: the dawn-dusk orbit has its eclipse season, so the battery cycles.
    scenario = load_scenario("starcloud-demo").model_copy(
        update={"start_utc": "2026-12-21T00:00:00Z", "hours": 1.25})
    return simulate(scenario)


@pytest.fixture(scope="module")
def written(run, tmp_path_factory):
    """All outputs of the run (``write_outputs``, which writes the report) with every socket
    connection and name lookup refused."""
    out = tmp_path_factory.mktemp("blocked")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket.socket, "connect_ex", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        files = write_outputs(run, out)
    return out, files


@pytest.fixture(scope="module")
def page(written) -> str:
    out, _ = written
    return (out / "report.html").read_text(encoding="utf-8")


def test_report_and_every_plot_are_written(written):
    out, files = written
    names = {f.name for f in files}
    assert "report.html" in names and "summary.json" in names
    for name in PLOTS:
        path = out / f"plot_{name}.png"
        assert path in files
        assert path.read_bytes().startswith(PNG_SIGNATURE), name
    assert not [p for p in out.iterdir() if p.name.endswith(".partial")]


def without_scripts(page: str) -> str:
    """The page less the interactive map's scripts (plotly.js, its configuration and the
    figure), which must all be inline: no ``src``, and no URL outside plotly.js's source."""
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 3 and all("src" not in attributes for attributes, _ in scripts)
    library, *others = sorted((body for _, body in scripts), key=len, reverse=True)
    assert "plotly" in library.lower() and len(library) > 1_000_000
    assert sum("Plotly.newPlot" in body for body in others) == 1
    assert not any(re.search(r"https?://", body) for body in others)
    return re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)


def test_page_has_no_external_reference(page):
    page = without_scripts(page)
    lowered = page.lower()
    for needle in ("http://", "https://", "@import", "fetch(", "xmlhttprequest", "<script",
                   "<link", "<iframe", "url(", "ftp://"):
        assert needle not in lowered, needle
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", lowered)
    sources = re.findall(r"""\ssrc\s*=\s*["']([^"']*)""", page)
    assert len(sources) == len(PLOTS)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    links = re.findall(r"""\shref\s*=\s*["']([^"']*)""", page)
    assert sorted(links) == sorted(f"plot_{name}.png" for name in PLOTS)


def test_embedded_images_are_the_png_files(written, page):
    out, _ = written
    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"',
                          without_scripts(page))
    files = {(out / f"plot_{name}.png").read_bytes() for name in PLOTS}
    assert {base64.b64decode(data) for data in embedded} == files


def test_page_holds_every_section_and_the_verdict(written, page):
    out, _ = written
    summary = json.loads((out / "summary.json").read_text())
    verdict = summary["verdict"]
    assert verdict["text"] and isinstance(verdict["viable"], bool)
    assert verdict["tornado"]
    from html import escape

    assert escape(verdict["text"]) in page
    for section in ("summary", *PLOTS, "value", "ladder", "inputs"):
        assert f'id="{section}"' in page, section
    for figure in ("delivered accelerator-hours", "latency p50 / p95 / p99",
                   "break-even launch price", "orbit cost per accelerator-hour",
                   "ground cost, same utilisation", "probability orbit is cheaper",
                   "crossover year"):
        assert figure in page
    # every input of the verdict is listed with its source
    for name in ("launch price", "bus failures", "accelerator attrition in orbit"):
        assert name in page


def test_same_run_gives_the_same_bytes(run, written, tmp_path):
    out, _ = written
    files = report.write_report(run, tmp_path)
    assert [f.name for f in files] == [f"plot_{name}.png" for name in PLOTS] + ["report.html"]
    for path in files:
        assert path.read_bytes() == (out / path.name).read_bytes(), path.name


def test_no_timestamp_in_the_page(page):
    # (the interactive map's frames are named by the run's own instants)
    assert not re.search(r"\b20\d\d-\d\d-\d\d[ T]\d\d:\d\d", without_scripts(page).replace(
        "2026-12-21T00:00:00Z", ""))


def test_interactive_map_animates_the_nodes_by_activity(run, page):
    from orbitsim.analysis.activity import STATE_NAMES
    from orbitsim.analysis.maps import page_figures
    from orbitsim.analysis.report_map import DIV_ID, snapshot_states

    assert 'id="interactive-map"' in page
    figure = page_figures(page)[DIV_ID]
    shots = run.products.snapshots
    assert len(figure["frames"]) == len(shots.grid) > 1
    names = [trace.get("name") for trace in figure["data"]]
    assert [n for n in names if n in STATE_NAMES.values()] == list(STATE_NAMES.values())
    assert {"time covered", "mean satellites in view", "longest gap"} <= set(names)
    # Each frame lists every node once, in the trace of its state over the next interval.
    states = snapshot_states(run)
    for k in (0, len(figure["frames"]) // 2):
        listed = {code: set(trace["text"]) for code, trace in
                  zip(sorted(STATE_NAMES), figure["frames"][k]["data"])}
        for code, members in listed.items():
            expected = {shots.names[i] for i in np.flatnonzero(states[:, k] == code)}
            assert members == expected, (k, code)
    assert states.max() > 0  # the nodes of this run do work


def test_report_renders_in_headless_chromium_offline(written):
    """Must show: the report renders in headless Chromium with the network off (skipped where
    Chromium is not installed; see benchmarks/render_offline.py)."""
    from benchmarks.render_offline import chromium, render

    if chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    out, _ = written
    drawn = render(out / "report.html")
    assert drawn["plotly_graphs"] == 1 and drawn["slider_ticks"] > 1
    assert drawn["images"] == len(PLOTS) and drawn["console"] == []


def test_node_busy_fraction_matches_the_simulation_accounts(run):
    horizon_s = float(run.result.horizon_s)
    accelerators = run.inputs.hardware.accelerators
    nodes = run.result.nodes
    for node in range(run.inputs.n_nodes):
        time_s, fraction = report.node_busy_fraction(run.jobs, node, accelerators, horizon_s)
        mean = float(np.sum(fraction[:-1] * np.diff(time_s)) / horizon_s)
        assert mean == pytest.approx(float(nodes["utilisation"].iloc[node]), abs=1e-9), node
        assert np.all((fraction >= 0.0) & (fraction <= 1.0 + 1e-12))


def test_throughput_compares_policies_when_several_ran(run):
    summaries = {"fifo": {"accelerator_hours": 100.0, "hours": 2.0, "jobs_done": 50},
                 "energy-aware": {"accelerator_hours": 120.0, "hours": 2.0, "jobs_done": 40}}
    plot = report.throughput_plot(run, summaries)
    assert plot.title == "Throughput per policy" and plot.png.startswith(PNG_SIGNATURE)
    single = report.throughput_plot(run, None)
    assert "Only one scheduling policy ran" in single.caption


def test_economics_error_is_shown_instead_of_a_verdict(run):
    html_text = report.render_html(run, [], verdict=None,
                                   verdict_error="No economics verdict: no price for 'x'")
    assert "No verdict" in html_text and "no price for &#x27;x&#x27;" in html_text


def test_coastlines_fall_back_to_the_shipped_file_without_the_maps_module(monkeypatch):
    shipped = report._coastlines()
    monkeypatch.setitem(sys.modules, "orbitsim.analysis.maps", None)  # import fails
    fallback = report._coastlines()
    assert len(fallback) == len(shipped) > 100
    for (lon_a, lat_a), (lon_b, lat_b) in zip(fallback, shipped):
        np.testing.assert_array_equal(lon_a, lon_b)
        np.testing.assert_array_equal(lat_a, lat_b)
    lon = np.concatenate([lon for lon, _ in fallback])
    lat = np.concatenate([lat for _, lat in fallback])
    assert lon.min() >= -180.0 and lon.max() <= 180.0 and lat.min() >= -90.0 and lat.max() <= 90.0
