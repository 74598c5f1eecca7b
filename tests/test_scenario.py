"""Scenario files: a valid one loads and is frozen; every bad one names the file and field."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from orbitsim import resources
from orbitsim.errors import InputError
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.scenario import load_scenario

DATA = Path(__file__).parent / "data"
SCENARIOS = DATA / "scenarios"
BAD = DATA / "bad"


def test_the_referenced_builtins_exist():
    assert (resources.builtin_dir("ground") / "commercial.toml").is_file()
    assert "commercial" in resources.builtin_names("ground")
    assert "starcloud-demo" in resources.builtin_names("constellation")


def test_valid_scenario_loads():
    scenario = load_scenario(SCENARIOS / "demo.toml")
    assert scenario.name == "demo"
    assert scenario.constellation == "starcloud-demo"
    assert scenario.ground_network == "commercial"
    assert scenario.start_utc == "2026-12-21T00:00:00Z"
    assert (scenario.hours, scenario.step_s, scenario.seed) == (3.0, 30.0, 7)
    assert scenario.workload == "inference-mixed" and scenario.policy == "fifo"  # defaults
    grid = scenario.time_grid()
    assert len(grid) == 361 and grid.iso(0.0) == "2026-12-21T00:00:00.000Z"
    assert len(scenario.time_grid(hours=1.0)) == 121
    assert scenario.path_of(scenario.constellation) == "starcloud-demo"  # a built-in name
    with pytest.raises(pydantic.ValidationError):
        scenario.hours = 5.0  # frozen


def test_constellation_file_beside_the_scenario_and_toml_datetime():
    scenario = load_scenario(SCENARIOS / "local-shell.toml")
    path = Path(scenario.path_of(scenario.constellation))
    assert path == SCENARIOS / "local-shell-constellation.toml"
    assert len(load_constellation(path)) == 6
    assert scenario.time_grid().iso(0.0) == "2026-06-21T00:00:00.000Z"  # unquoted date-time


def test_base_dir_is_the_scenario_folder_not_a_user_field(tmp_path):
    scenario = load_scenario(SCENARIOS / "demo.toml")
    assert Path(scenario.base_dir) == SCENARIOS
    assert "base_dir" not in scenario.model_dump()
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nconstellation = "starcloud-demo"\nbase_dir = "/etc"\n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.field == "base_dir"


@pytest.mark.parametrize(
    ("filename", "field", "pieces"),
    [
        ("scenario-unknown-field.toml", "hourz", ["unknown field"]),
        ("scenario-negative-hours.toml", "hours", ["greater than 0", "-3.0"]),
        ("scenario-bad-start.toml", "start_utc", ["2026-02-30T00:00:00Z", "ISO 8601"]),
        ("scenario-unknown-constellation.toml", "constellation",
         ["starlink-shell99", "starcloud-demo"]),
    ],
)
def test_bad_scenario_names_the_field(filename, field, pieces):
    path = BAD / filename
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    error = caught.value
    message = str(error)
    assert error.field == field and error.source == str(path)
    assert message.startswith(f"{path}: {field}: ") and "\n" not in message
    assert "Value error" not in message
    for piece in pieces:
        assert piece in message, message


@pytest.mark.parametrize(
    ("extra", "field"),
    [('ground_network = "nowhere"', "ground_network"), ("step_s = 0", "step_s"),
     ("seed = -1", "seed"), ("hours = 1e6", "hours"), ('policy = ""', "policy"),
     ('start_utc = "tomorrow"', "start_utc")],
)
def test_more_bad_fields(tmp_path, extra, field):
    path = tmp_path / "s.toml"
    path.write_text(f'name = "s"\nconstellation = "starcloud-demo"\n{extra}\n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.field == field, str(caught.value)


def test_missing_constellation_and_syntax_error(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\n')
    with pytest.raises(InputError, match=r"s\.toml: constellation: Field required"):
        load_scenario(path)
    path.write_text('name = "s"\nconstellation = \n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.line == 2


def test_unknown_scenario_name():
    with pytest.raises(InputError, match="no built-in scenario"):
        load_scenario("no-such-scenario")
