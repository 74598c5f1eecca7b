"""Economics charts: PNG files are written, and the figures carry labelled axes."""

from __future__ import annotations

import pytest

from orbitsim.analysis import economics as econ
from orbitsim.analysis import plots_economics as plots
from orbitsim.model.hardware import load_node

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def verdict():
    return econ.verdict_from_summary({"utilisation": 0.8}, load_node("starcloud-node"), 100,
                                     econ.load_economics())


def test_cost_breakdown_png(tmp_path, verdict):
    figure = plots.cost_breakdown_figure(verdict.table())
    axes = figure.axes[0]
    assert "$" in axes.get_xlabel()
    assert [t.get_text() for t in axes.get_yticklabels()] == ["orbit", "ground"]
    path = plots.save_cost_breakdown_png(verdict.table(), tmp_path / "costs.png")
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert not list(tmp_path.glob("*.partial"))


def test_tornado_png(tmp_path, verdict):
    base = verdict.orbit_usd_per_accelerator_hour - verdict.ground_usd_per_accelerator_hour
    figure = plots.tornado_figure(verdict.tornado, base_value=base, max_rows=6)
    axes = figure.axes[0]
    assert "accelerator-hour" in axes.get_xlabel()
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert len(labels) == 6 and labels[0].startswith(verdict.tornado[0].label)
    path = plots.save_tornado_png(verdict.tornado, tmp_path / "tornado.png", base_value=base)
    assert path.read_bytes()[:8] == PNG_MAGIC
