"""Mixed fleets (model/fleet): hardware groups by shell, index and range; each node's physics,
accelerators and peak rate from its own hardware in the simulation; bad groups refused by
validate and run alike with the field path."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim import cli
from orbitsim.errors import InputError
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.fleet import HardwareGroup, group_nodes
from orbitsim.model.scenario import load_scenario, node_fleet


def test_groups_select_shells_indices_and_ranges():
    constellation = load_constellation("starlink-gen1")
    groups = [HardwareGroup(shells=("SL-550",), hardware="starlink-compute"),
              HardwareGroup(nodes=(2000, "2002-2004"), hardware="starlink-compute")]
    picked = group_nodes(groups, constellation)
    assert len(picked[0]) == 1584 and picked[0][0] == 0
    assert picked[1].tolist() == [2000, 2002, 2003, 2004]
    with pytest.raises(InputError, match="two hardware groups"):
        group_nodes([groups[1], HardwareGroup(nodes=(2003,), hardware="x")], constellation)
    with pytest.raises(InputError, match="does not exist"):
        group_nodes([HardwareGroup(nodes=(10_000,), hardware="x")], constellation)
    with pytest.raises(InputError, match="no shell named"):
        group_nodes([HardwareGroup(shells=("SL9",), hardware="x")], constellation)
    with pytest.raises(ValueError, match="first-last"):
        HardwareGroup(nodes=("5-2",), hardware="x")
    # an index written as text (as beside ranges: nodes = ["0-3", "7"]) is that node
    assert HardwareGroup(nodes=("0-1", "7", " 9 "), hardware="x").node_indices() == [0, 1, 7, 9]
    for bad in ("a-b", "-1", "3-"):
        with pytest.raises(ValueError, match="an index >= 0 or a range"):
            HardwareGroup(nodes=(bad,), hardware="x")


def test_the_export_terms_fleet():
    scenario = load_scenario("h200-export-terms")
    constellation = load_constellation("export-shell-48")
    fleet = node_fleet(scenario, constellation)
    assert fleet.mixed and fleet.labels == ("h100-sxm", "h200")
    assert fleet.counts().tolist() == [24, 24]
    assert (fleet.accelerator_names()[:24] == "h100-sxm").all()
    assert (fleet.accelerator_names()[24:] == "h200").all()
    assert fleet.accelerators().tolist() == [8] * 48


def test_each_node_computes_with_its_own_hardware(tmp_path):
    """A group of 1-GPU nodes beside 8-GPU ones: utilisation and the nodes table per node,
    gangs sized on the smallest node a tenant may use."""
    from orbitsim.sim.run import simulate

    path = tmp_path / "s.toml"
    path.write_text('name = "mixed"\nconstellation = "stress-shell-24"\n'
                    'ground_network = "stress-three"\nworkload = "stress-compute"\n'
                    'hours = 1.0\nseed = 1\n[[hardware_groups]]\nnodes = ["12-23"]\n'
                    'hardware = { base = "starlink-compute", accelerator = "h200" }\n')
    run = simulate(str(path))
    nodes = run.nodes
    assert nodes["accelerators"].tolist() == [1] * 12 + [8] * 12
    assert set(nodes["accelerator"][:12]) == {"h100-pcie"}
    assert set(nodes["accelerator"][12:]) == {"h200"}
    busy = nodes["busy_accelerator_s"] / (nodes["accelerators"] * 3600.0)
    np.testing.assert_allclose(nodes["utilisation"], busy)
    assert run.summary["accelerators_total"] == 12 + 96
    assert run.summary["utilisation"] == pytest.approx(
        nodes["busy_accelerator_s"].sum() / (108 * 3600.0))
    jobs = run.jobs
    on_h200 = jobs[(jobs["accelerator"] == "h200") & (jobs["status"] == "done")]
    assert len(on_h200) and run.summary["hardware_groups"]["h200"]["nodes"] == 12


def _validate(capsys, path) -> tuple[int, str]:
    try:
        cli.main(["validate", str(path)])
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


def test_bad_groups_are_refused_with_their_field(capsys, tmp_path):
    base = ('name = "s"\nconstellation = "export-shell-48"\nground_network = "compute-hubs"\n'
            'workload = "export-terms"\nhours = 1.0\n')
    cases = {
        '[[hardware_groups]]\nnodes = [60]\nhardware = "starlink-compute"\n':
            "hardware_groups[0].nodes: node 60 does not exist",
        '[[hardware_groups]]\nnodes = [1]\nhardware = { accelerator = "h900" }\n':
            "hardware_groups[0].hardware",
        '[[hardware_groups]]\nnodes = [1]\nhardware = { battery.capacity_wh = -1.0 }\n':
            "hardware_groups[0].hardware.battery.capacity_wh",
    }
    for extra, expected in cases.items():
        path = tmp_path / "s.toml"
        path.write_text(base + extra)
        code, err = _validate(capsys, path)
        assert code == 2 and expected in err and err.count("\n") == 1, err
