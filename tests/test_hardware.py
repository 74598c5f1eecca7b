"""Hardware catalogue: built-in files load, numbers are documented, bad input is reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orbitsim.errors import InputError
from orbitsim.model.hardware import (
    accelerator_dir,
    accelerator_names,
    load_accelerator,
    load_node,
)
from orbitsim.resources import builtin_dir, builtin_names

NODES = ["starcloud-1", "starcloud-node", "starlink-compute", "suncatcher-node"]
ACCELERATORS = ["b200", "h100-pcie", "h100-sxm", "h200", "rubin", "tpu-v6e"]


def test_builtin_names_list_nodes_only():
    assert builtin_names("hardware") == NODES
    assert accelerator_names() == ACCELERATORS


@pytest.mark.parametrize("name", NODES)
def test_every_builtin_node_loads(name):
    node = load_node(name)
    assert node.name == name
    assert node.max_accelerator_power_w > 0
    parts = node.mass_breakdown_kg()
    assert parts["total"] == pytest.approx(sum(v for k, v in parts.items() if k != "total"))
    assert all(v >= 0 for v in parts.values())
    # Every built-in node carries its full load in full sunlight at beginning of life.
    assert node.solar.bol_power_w > node.base_load_w + node.max_accelerator_power_w


def test_data_sheet_figures():
    h100 = load_accelerator("h100-sxm")
    assert h100.power_limit_w == 700.0
    assert h100.dense_flops("bf16") == pytest.approx(989.4e12)
    assert h100.dense_flops("fp8") == pytest.approx(1978.9e12)
    assert load_accelerator("h100-pcie").power_limit_w == 350.0
    assert load_accelerator("h200").memory_gb == 141.0
    tpu = load_accelerator("tpu-v6e")
    assert tpu.bf16_dense_tflops == 918.0
    assert tpu.dense_flops("fp8") == tpu.dense_flops("bf16")  # no FP8: BF16 rate
    with pytest.raises(ValueError):
        tpu.dense_flops("fp4")


def test_starcloud_1_is_a_60_kg_single_h100():
    node = load_node("starcloud-1")
    assert node.accelerators == 1 and node.accelerator.name.startswith("h100")
    assert node.mass_kg == pytest.approx(60.0, abs=5.0)


@pytest.mark.parametrize("name", ACCELERATORS)
def test_power_curve_is_concave_enough(name):
    curve = load_accelerator(name).power_curve
    assert curve.throughput(1.0) == 1.0
    assert curve.throughput(0.0) == 0.0
    # published power-capping results: ~80-90 % of the throughput at 60-70 % of the power
    assert 0.80 <= curve.throughput(0.6) <= 0.90
    assert 0.85 <= curve.throughput(0.7) <= 0.95


def _numeric_lines(path: Path):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if re.match(r"^\s*[a-z_0-9]+\s*=\s*[-+0-9.\[]", line):
            yield number, line


def test_every_number_cites_a_source_or_is_an_assumption():
    files = sorted(builtin_dir("hardware").glob("*.toml"))
    files += sorted(accelerator_dir().glob("*.toml"))
    assert len(files) == len(NODES) + len(ACCELERATORS)
    for path in files:
        for number, line in _numeric_lines(path):
            comment = line.partition("#")[2].strip()
            assert len(comment) >= 6, f"{path.name}:{number}: number without a source comment"


def test_every_number_has_a_range_around_it():
    """Every scalar number of a hardware file (but its power curve, a shape) has a [ranges]
    entry [low, high] holding the value: the verdict's Monte Carlo draws from it."""
    import tomllib

    from orbitsim.model.hardware import numeric_fields

    files = sorted(builtin_dir("hardware").glob("*.toml"))
    files += sorted(accelerator_dir().glob("*.toml"))
    for path in files:
        data = tomllib.loads(path.read_text())
        ranges = data.get("ranges", {})
        numbers = numeric_fields({k: v for k, v in data.items() if k != "accelerator"
                                  or not isinstance(v, str)})
        assert numbers, path.name
        for key, value in numbers.items():
            assert key in ranges, f"{path.name}: {key} has no range"
            low, high = ranges[key]
            assert low <= value <= high, f"{path.name}: {key} = {value} outside [{low}, {high}]"


def test_ranges_name_fields_and_are_ordered(tmp_path):
    text = _node_text() + ""
    bad = text.replace('"mass.bus_kg" = [', '"mass.no_such_kg" = [')
    with pytest.raises(InputError, match="no_such_kg"):
        load_node(_write(tmp_path, "r1.toml", bad))
    low_high = re.sub(r'"mass.bus_kg" = \[([0-9.]+), ([0-9.]+)\]', r'"mass.bus_kg" = [\2, \1]',
                      text)
    with pytest.raises(InputError, match="low <= high"):
        load_node(_write(tmp_path, "r2.toml", low_high))
    node = load_node("starcloud-node")
    assert node.range_of("mass.bus_kg") == (400.0, 750.0)
    assert node.range_of("accelerator.radiation.permanent_failure_per_year") == (0.01, 0.09)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _node_text(**replace: str) -> str:
    text = (builtin_dir("hardware") / "starcloud-1.toml").read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def test_bad_field_names_file_line_and_field(tmp_path):
    path = _write(tmp_path, "bad.toml", _node_text(**{
        "emissivity = 0.88": "emissivity = 1.5"}))
    with pytest.raises(InputError) as info:
        load_node(path)
    err = info.value
    assert err.field == "thermal.emissivity"
    assert err.source == str(path)
    assert err.line == next(n for n, line in _numeric_lines(path) if "emissivity = 1.5" in line)
    assert "1.5" in str(err)


def test_unknown_and_missing_fields(tmp_path):
    path = _write(tmp_path, "extra.toml", _node_text(**{"[battery]": "[battery]\nvoltage_v = 28"}))
    with pytest.raises(InputError, match="battery.voltage_v: unknown field"):
        load_node(path)
    path = _write(tmp_path, "missing.toml", re.sub(r"capacity_wh = .*\n", "", _node_text()))
    with pytest.raises(InputError, match="battery.capacity_wh: required field is missing"):
        load_node(path)


def test_unknown_accelerator_and_bad_toml(tmp_path):
    path = _write(tmp_path, "acc.toml", _node_text(**{'"h100-pcie"': '"z9000"'}))
    with pytest.raises(InputError, match="no built-in accelerator"):
        load_node(path)
    path = _write(tmp_path, "broken.toml", "name = \n")
    with pytest.raises(InputError, match="invalid TOML"):
        load_node(path)
    with pytest.raises(InputError, match="no built-in hardware"):
        load_node("no-such-node")


def test_accelerator_inline_or_relative_path(tmp_path):
    acc_text = (accelerator_dir() / "h100-sxm.toml").read_text().replace('"h100-sxm"', '"mine"')
    _write(tmp_path, "mine.toml", acc_text)
    node = load_node(_write(tmp_path, "n1.toml", _node_text(**{'"h100-pcie"': '"mine.toml"'})))
    assert node.accelerator.name == "mine"
    inline = "\n[accelerator]\n" + acc_text.replace("[radiation]", "[accelerator.radiation]", 1) \
        .replace("[power_curve]", "[accelerator.power_curve]") \
        .replace("[ranges]", "[accelerator.ranges]")
    text = _node_text(**{'accelerator = "h100-pcie"': ""}) + inline
    node = load_node(_write(tmp_path, "n2.toml", text))
    assert node.accelerator.power_limit_w == 700.0
    bad = text.replace("power_limit_w = 700.0", "power_limit_w = -1.0")
    with pytest.raises(InputError, match="accelerator.power_limit_w"):
        load_node(_write(tmp_path, "n3.toml", bad))


def test_power_curve_validation(tmp_path):
    text = (accelerator_dir() / "h100-sxm.toml").read_text()
    bad = text.replace("[0.00, 0.42, 0.62", "[0.00, 0.62, 0.42")
    with pytest.raises(InputError, match="power_curve"):
        load_accelerator(_write(tmp_path, "a.toml", bad))
    bad = text.replace("0.96, 0.99, 1.00]  # assumption", "0.96, 0.97, 0.98]  # assumption")
    with pytest.raises(InputError, match="last point") as info:
        load_accelerator(_write(tmp_path, "b.toml", bad))
    assert info.value.field == "power_curve" and info.value.line is not None


def test_node_derived_quantities():
    node = load_node("starlink-compute")
    assert node.base_load_w == node.bus_power_w + node.host_power_w
    assert node.radiator_limit_k == pytest.approx(
        node.accelerator.max_temp_c + 273.15 - node.thermal.junction_to_radiator_k)
    assert node.peak_flops("fp8") == 8 * 4500e12
    assert node.throughput_fraction(node.max_accelerator_power_w * 0.6) == pytest.approx(0.84)
    assert node.sefi_per_day == pytest.approx(8 * 0.08 + 0.05)
    parts = node.mass_breakdown_kg()
    assert parts["battery"] == pytest.approx(30000.0 / 150.0)
    assert parts["radiator"] == pytest.approx(16.0 * 5.0)
    assert parts["solar_array"] == pytest.approx(node.solar.bol_power_w / 120.0)
