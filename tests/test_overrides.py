"""Hardware overrides in a scenario: dotted paths over the validated hardware, validated
again; errors name the field."""

from __future__ import annotations

import pytest

from orbitsim.errors import InputError
from orbitsim.model.hardware import load_node
from orbitsim.model.overrides import (
    apply_overrides,
    flatten,
    resolve_hardware,
    set_path,
    with_override,
)
from orbitsim.model.scenario import load_scenario, node_hardware

SCENARIO = """
name = "hw"
constellation = "starcloud-demo"
ground_network = "commercial"
workload = "inference-mixed"
hours = 1.0
"""


def test_flatten_and_set_path():
    assert flatten({"a": 1, "b": {"c": 2, "d": {"e": [3]}}}) == {"a": 1, "b.c": 2, "b.d.e": [3]}
    data = {"battery": {"capacity_wh": 1.0}}
    set_path(data, "battery.capacity_wh", 2.0)
    set_path(data, "thermal.emissivity", 0.9)
    assert data == {"battery": {"capacity_wh": 2.0}, "thermal": {"emissivity": 0.9}}
    with pytest.raises(ValueError):
        set_path(data, "battery.capacity_wh.x", 1)


def test_overrides_change_only_their_fields():
    base = load_node("starlink-compute")
    node = apply_overrides(base, {"battery.capacity_wh": 20_000.0, "accelerators": 4,
                                  "thermal.radiator_area_m2": 8.0})
    assert node.battery.capacity_wh == 20_000.0 and node.accelerators == 4
    assert node.thermal.radiator_area_m2 == 8.0
    assert node.solar == base.solar and node.accelerator == base.accelerator
    # Derived figures follow: the battery's mass, the radiator's, the node's peak.
    assert node.mass_breakdown_kg()["battery"] == pytest.approx(20_000.0 / 150.0)
    assert node.peak_flops() == pytest.approx(base.peak_flops() / 2)


def test_accelerator_by_name_or_one_of_its_figures():
    base = load_node("starcloud-node")
    assert apply_overrides(base, {"accelerator": "h200"}).accelerator.name == "h200"
    node = apply_overrides(base, {"accelerator.bf16_dense_tflops": 1200.0})
    assert node.accelerator.bf16_dense_tflops == 1200.0 and node.accelerator.name == "h100-sxm"
    # The part is validated as a whole: a new power limit moves the idle fraction its power
    # curve must start at.
    with pytest.raises(InputError, match="idle fraction") as caught:
        apply_overrides(base, {"accelerator.power_limit_w": 600.0})
    assert caught.value.field == "hardware.accelerator"


@pytest.mark.parametrize("overrides, field, piece", [
    ({"battery.capacity_wh": -5.0}, "hardware.battery.capacity_wh", "greater than 0"),
    ({"battery.capcity_wh": 5.0}, "hardware.battery.capcity_wh", "unknown field"),
    ({"accelerators": 0}, "hardware.accelerators", "greater than or equal to 1"),
    ({"name.x": 1}, "hardware.name.x", "not a table"),
])
def test_bad_override_names_its_field(overrides, field, piece):
    with pytest.raises(InputError) as caught:
        apply_overrides(load_node("starlink-compute"), overrides, source="s.toml")
    assert caught.value.field == field and piece in caught.value.message
    assert str(caught.value).startswith(f"s.toml: {field}: ")


def test_scenario_table_base_and_overrides(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO + '[hardware]\nbase = "starlink-compute"\n'
                    'battery.capacity_wh = 20000.0\n')
    scenario = load_scenario(path)
    assert scenario.hardware == {"base": "starlink-compute",
                                 "battery": {"capacity_wh": 20000.0}}
    assert node_hardware(scenario).battery.capacity_wh == 20000.0
    # Without a base: the constellation's own hardware (starcloud-demo: starcloud-node).
    path.write_text(SCENARIO + "[hardware]\naccelerators = 32\n")
    node = node_hardware(load_scenario(path))
    assert node.name == "starcloud-node" and node.accelerators == 32


def test_bad_scenario_table_is_refused_at_load(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO + "[hardware]\nbattery.capacity_wh = 0\n")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value) == (f"{path}: hardware.battery.capacity_wh: Input should be "
                                 "greater than 0 (got 0)")
    path.write_text(SCENARIO + '[hardware]\nbase = "no-such-node"\n')
    with pytest.raises(InputError, match="no-such-node"):
        load_scenario(path)


def test_with_override_keeps_the_base():
    assert with_override(None, "accelerators", 4) == {"accelerators": 4}
    assert with_override("starlink-compute", "battery.capacity_wh", 1.0) == {
        "base": "starlink-compute", "battery": {"capacity_wh": 1.0}}
    spec = {"base": "x", "battery": {"capacity_wh": 1.0}}
    assert with_override(spec, "battery.depth_of_discharge", 0.2) == {
        "base": "x", "battery": {"capacity_wh": 1.0, "depth_of_discharge": 0.2}}
    assert spec == {"base": "x", "battery": {"capacity_wh": 1.0}}  # not changed in place


def test_a_run_uses_the_overridden_hardware():
    from orbitsim.sim.run import simulate

    scenario = load_scenario("stress-heat")
    assert scenario.hardware["base"] == "starcloud-1"
    run = simulate(scenario, hours=0.5)
    assert run.inputs.hardware.thermal.radiator_area_m2 == 0.35
    assert run.inputs.hardware.battery == load_node("starcloud-1").battery
    assert resolve_hardware("starcloud-1", None).thermal.radiator_area_m2 == 0.6


def test_validate_resolves_a_hardware_table_as_a_run_does(tmp_path, capsys):
    from orbitsim.cli import main

    path = tmp_path / "s.toml"
    path.write_text(SCENARIO + '[hardware]\nbase = "starlink-compute"\n'
                    'thermal.radiator_area_m2 = 8.0\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    assert exit_info.value.code == 0
    assert "valid scenario" in capsys.readouterr().out
    path.write_text(SCENARIO + '[hardware]\nbase = "starlink-compute"\n'
                    'thermal.radiator_area_m2 = -1.0\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", str(path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"error: {path}: hardware.thermal.radiator_area_m2: Input should be greater "
                   "than 0 (got -1.0)")
