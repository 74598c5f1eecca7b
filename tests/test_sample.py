"""A sampled run against the whole constellation it samples: the same per-node load gives the
same utilisation and latency, and totals extrapolate within their confidence interval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orbitsim.errors import InputError
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.node_sample import sample_nodes
from orbitsim.model.scenario import load_scenario
from orbitsim.model.workload import load_workload, scale_workload
from orbitsim.sim.run import simulate

DATA = Path(__file__).parent / "data" / "sample"


@pytest.fixture(scope="module")
def both():
    """400 nodes (20 planes x 20) at about half load for 3 h, whole and half sampled."""
    return simulate(str(DATA / "full.toml")), simulate(str(DATA / "half.toml"))


def test_sample_keeps_whole_units_of_every_shell():
    shell = load_constellation("starcloud-88k")
    sample = sample_nodes(shell, 0.01, unit_size=22, seed=4)
    assert sample.units_total == 4000 and sample.units_kept == 40  # 5 arcs of each shell
    assert len(sample.index) == 880 and sample.factor == pytest.approx(0.01)
    assert np.all(np.diff(sample.index) > 0)
    # every unit is 22 consecutive satellites, each shell keeps 5 of its 500
    starts = sample.index[::22]
    assert np.all(sample.index.reshape(-1, 22) - starts[:, None] == np.arange(22))
    assert np.bincount(starts // 11000, minlength=8).tolist() == [5] * 8
    subset = shell.subset(sample.index)
    assert [s.count for s in subset.shells] == [110] * 8  # one ISL group a shell
    again = sample_nodes(shell, 0.01, unit_size=22, seed=4)
    np.testing.assert_array_equal(again.index, sample.index)
    plane = sample_nodes(load_constellation("starlink-shell1"), 0.1)  # unit: a plane of 22
    assert plane.unit_size == 22 and plane.units_kept == 7


def test_scaled_workload_scales_every_rate():
    workload = load_workload("inference-mixed")
    half = scale_workload(workload, 0.5)
    for a, b in zip(workload.job_classes, half.job_classes):
        assert b.arrival.rate_per_hour == a.arrival.rate_per_hour * 0.5
        assert b.arrival.rates_per_hour == (a.arrival.rates_per_hour[0] * 0.5,
                                            a.arrival.rates_per_hour[1] * 0.5)
        assert b.work_flop == a.work_flop and b.accelerators == a.accelerators


def test_sampled_run_matches_the_whole(both):
    """Utilisation and accelerator-hours within 2 %, latency p50 and p95 of each class within
    10 %, the whole run's utilisation inside the sample's 95 % interval."""
    full, half = both
    sample = half.summary["sample"]
    assert sample["nodes"] == 200 and sample["nodes_total"] == 400
    assert sample["utilisation"] == pytest.approx(full.summary["utilisation"], rel=0.02)
    assert sample["accelerator_hours_total"] == pytest.approx(
        full.summary["accelerator_hours"], rel=0.02)
    low, high = sample["utilisation_ci95"]
    assert low <= full.summary["utilisation"] <= high
    assert 0.40 < full.summary["utilisation"] < 0.60  # a loaded run, not a toy one
    for name in ("batch", "chat"):
        whole, part = full.summary["by_class"][name], half.summary["by_class"][name]
        for key in ("latency_p50_s", "latency_p95_s"):
            assert part[key] == pytest.approx(whole[key], rel=0.10), (name, key)
    assert sample["jobs_total_estimate"] == pytest.approx(full.summary["jobs_total"], rel=0.02)
    s = half.summary
    assert s["jobs_total"] == s["jobs_done"] + s["jobs_failed"] + s["jobs_pending"]


def test_sample_refuses_injected_faults(tmp_path):
    text = (DATA / "half.toml").read_text() + "\nfail_nodes = [{node = 3, at_s = 60}]\n"
    text = text.replace("[sample]\nfraction = 0.5\n", "") + "\n[sample]\nfraction = 0.5\n"
    (tmp_path / "f.toml").write_text(text.replace('"shell.toml"', f'"{DATA / "shell.toml"}"')
                                     .replace('"load.toml"', f'"{DATA / "load.toml"}"'))
    with pytest.raises(InputError, match="cannot be combined with a sample"):
        simulate(load_scenario(tmp_path / "f.toml"))
