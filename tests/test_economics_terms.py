"""Economics terms: the files load, every number has a source and a range, user folders and
bad files are reported, and the named parameters carry modes, ranges and sources."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from orbitsim.analysis.economics import terms
from orbitsim.errors import InputError
from orbitsim.model.hardware import load_node

EXEMPT = ("launch_trajectories",)  # a trajectory is itself one end of the timeline's range


def _numbers(data, prefix=""):
    for key, value in data.items():
        if prefix == "" and key in ("ranges", *EXEMPT):
            continue
        if isinstance(value, dict):
            yield from _numbers(value, f"{prefix}{key}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield f"{prefix}{key}", value


@pytest.mark.parametrize("part", terms.FILES)
def test_every_number_has_a_source_and_a_range(part):
    """Every number of the economics files: a trailing comment citing a source or saying
    'assumption', and a [ranges] entry holding it (the Monte Carlo's low and high)."""
    path = terms.economics_dir() / f"{part}.toml"
    data = tomllib.loads(path.read_text())
    comments = terms.line_comments(path)
    ranges = data.get("ranges", {})
    numbers = dict(_numbers(data))
    assert numbers
    for key, value in numbers.items():
        note = comments.get(key, "")
        assert len(note) >= 6, f"{part}.toml: {key} has no source comment"
        assert key in ranges, f"{part}.toml: {key} has no range"
        low, high = ranges[key]
        assert low <= value <= high, f"{part}.toml: {key} = {value} outside [{low}, {high}]"
        assert comments.get(f"ranges.{key}"), f"{part}.toml: the range of {key} has no source"


def test_builtin_economics_load_with_ranges():
    economics = terms.load_economics()
    assert economics.orbit.launch_price_usd_per_kg == 3600.0
    assert economics.range_of("orbit", "launch_price_usd_per_kg", 0.0) == (1500.0, 6500.0)
    assert economics.timeline.years[0] == 2026 and economics.timeline.years[-1] == 2040
    assert set(economics.timeline.launch_trajectories) == {"conservative", "base", "aggressive"}
    terms.check_generations(economics)  # every generation loads and has a price
    assert "Suncatcher" in economics.comment("orbit", "launch_price_usd_per_kg")


def test_user_folder_overrides_one_file_and_errors_name_the_file(tmp_path):
    shutil.copy(terms.economics_dir() / "orbit.toml", tmp_path / "orbit.toml")
    text = (tmp_path / "orbit.toml").read_text()
    (tmp_path / "orbit.toml").write_text(text.replace("lifetime_years = 5.0",
                                                      "lifetime_years = 7.0"))
    economics = terms.load_economics(tmp_path)
    assert economics.orbit.lifetime_years == 7.0
    assert economics.ground.utilisation == 0.8  # from the built-in folder
    (tmp_path / "orbit.toml").write_text(text.replace(
        "lifetime_years = [4.0, 7.0]", "lifetime_years = [7.0, 4.0]"))
    with pytest.raises(InputError, match="low <= high") as error:
        terms.load_economics(tmp_path)
    assert "orbit.toml" in str(error.value)
    (tmp_path / "orbit.toml").write_text(text.replace(
        "lifetime_years = [4.0, 7.0]", "no_such_years = [4.0, 7.0]"))
    with pytest.raises(InputError, match="not a number of this file"):
        terms.load_economics(tmp_path)
    with pytest.raises(InputError, match="expected a folder"):
        terms.load_economics(tmp_path / "orbit.toml")


def test_model_parameters_share_the_accelerator_and_follow_the_hardware():
    economics = terms.load_economics()
    node = load_node("starcloud-node")
    params = terms.model_parameters(node, economics)
    price = params["accelerator_price_usd"]
    assert price.side == "both" and price.mode == 27500.0 and (price.low, price.high) == (
        20000.0, 35000.0)
    bus = params["bus_kg"]
    assert bus.mode == 500.0 and (bus.low, bus.high) == node.range_of("mass.bus_kg")
    assert "structure" in bus.note  # the hardware file's own comment
    assert params["accelerator_failure_per_year"].mode == 0.03
    assert params["bus_failure_per_year"].mode == 0.01
    assert not params["solar_array_power_w"].uncertain  # a design choice
    assert params["electricity_usd_per_kwh"].mode == 0.081  # the default region, USA
    japan = terms.model_parameters(node, economics, region="japan")
    assert japan["electricity_usd_per_kwh"].mode == 0.15
    with pytest.raises(InputError, match="unknown region"):
        terms.model_parameters(node, economics, region="atlantis")


def test_scaled_and_fixed_parameters():
    p = terms.Param("x", "x", "$", "orbit", 10.0, 5.0, 20.0, "here")
    assert (p.scaled(2.0).mode, p.scaled(2.0).low, p.scaled(2.0).high) == (20.0, 10.0, 40.0)
    assert not p.fixed(3.0).uncertain and p.fixed(3.0).mode == 3.0


def test_line_comments_handles_tables_quotes_and_hashes_in_strings(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('a = 1  # first\ns = "no # comment"  # real\n[t]\n"q.k" = 2 # quoted\n')
    comments = terms.line_comments(path)
    assert comments == {"a": "first", "s": "real", "t.q.k": "quoted"}
