"""Economics charts: PNG files are written, and the figures carry labelled axes."""

from __future__ import annotations

import pytest

from orbitsim.analysis import plots_economics as plots
from orbitsim.analysis.economics import Facts, evaluate, load_economics, reproduce
from orbitsim.model.hardware import load_node

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def verdict():
    return evaluate(load_node("starcloud-node"), load_economics(), Facts(100, 64, 0.8, 1e6),
                    draws=2000)


def test_cost_breakdown_png(tmp_path, verdict):
    figure = plots.cost_breakdown_figure(verdict.table())
    axes = figure.axes[0]
    assert "$" in axes.get_xlabel()
    assert [t.get_text() for t in axes.get_yticklabels()] == ["orbit", "ground"]
    path = plots.save_cost_breakdown_png(verdict.table(), tmp_path / "costs.png")
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert not list(tmp_path.glob("*.partial"))


def test_tornado_png(tmp_path, verdict):
    rows = verdict.monte_carlo.tornado
    figure = plots.tornado_figure(rows, max_rows=6)
    axes = figure.axes[0]
    assert "accelerator-hour" in axes.get_xlabel()
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert len(labels) == 6 and labels[0].startswith(rows[0].label) and "rho" in labels[0]
    path = plots.save_tornado_png(rows, tmp_path / "tornado.png")
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_distribution_and_timeline(verdict):
    figure = plots.distribution_figure(verdict.monte_carlo)
    assert figure.axes[0].get_xscale() == "log" and "draws" in figure.axes[0].get_ylabel()
    figure = plots.timeline_figure(verdict.timeline)
    axes = figure.axes[0]
    assert axes.get_xlabel() == "deployment year" and "h100-sxm" in axes.get_ylabel()
    assert len(axes.get_legend().get_texts()) == 4  # three trajectories and the ground


def test_waterfall_labels_keep_their_dollar_signs(tmp_path):
    rep = reproduce.reproduce_suncatcher(load_node("suncatcher-node"), load_economics())
    figure = plots.waterfall_figure(rep)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert len(labels) == len(rep.bridge) + 2 and labels[-1].startswith("orbitsim")
    assert all(r"\$" in label for label in labels)  # escaped: not read as mathtext
    path = plots.save_waterfall_png(rep, tmp_path / "w.png")
    assert path.read_bytes()[:8] == PNG_MAGIC
