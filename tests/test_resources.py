"""Built-in data files: found by name in the repository and in the wheel layout."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from orbitsim import resources
from orbitsim.errors import InputError

REPO = Path(__file__).resolve().parents[1]


def test_builtin_dirs_are_the_repository_folders():
    assert resources.builtin_dir("constellation") == REPO / "constellations"
    assert resources.builtin_dir("ground") == REPO / "constellations" / "ground"
    assert resources.builtin_dir("hardware") == REPO / "constellations" / "hardware"
    assert resources.builtin_dir("workload") == REPO / "workloads"
    assert resources.builtin_dir("scenario") == REPO / "workloads" / "scenarios"


def test_unknown_kind_is_a_programmer_error():
    with pytest.raises(ValueError, match="unknown kind"):
        resources.builtin_dir("satellite")


def test_builtin_names_are_sorted_stems():
    names = resources.builtin_names("constellation")
    assert names == sorted(names)
    assert {"starlink-shell1", "starcloud-demo", "spacex-odc-1m"} <= set(names)
    assert "commercial" in resources.builtin_names("ground")
    # Sub-folders are not listed with their parent: ground networks are not constellations.
    assert "commercial" not in names
    assert all(isinstance(name, str) and not name.endswith(".toml") for name in names)


def test_resolve_by_name_and_by_path(tmp_path):
    by_name = resources.resolve("constellation", "starcloud-demo")
    assert by_name == REPO / "constellations" / "starcloud-demo.toml"
    own = tmp_path / "mine.toml"
    own.write_text('name = "mine"\n')
    assert resources.resolve("constellation", own) == own
    assert resources.resolve("constellation", str(own)) == own


def test_resolve_unknown_lists_the_builtins():
    with pytest.raises(InputError) as caught:
        resources.resolve("ground", "nowhere")
    message = str(caught.value)
    assert message.startswith("nowhere: no such file and no built-in ground")
    assert "commercial" in message and "\n" not in message


def test_wheel_location_comes_first(tmp_path, monkeypatch):
    """An installed wheel holds the data under orbitsim/_builtin/ (hatchling force-include)."""
    wheel_root = tmp_path / "_builtin"
    (wheel_root / "constellations").mkdir(parents=True)
    (wheel_root / "constellations" / "only-in-wheel.toml").write_text('name = "x"\n')
    monkeypatch.setattr(resources, "data_roots", lambda: [wheel_root, REPO])
    assert resources.builtin_dir("constellation") == wheel_root / "constellations"
    assert resources.builtin_names("constellation") == ["only-in-wheel"]
    # A kind the wheel lacks falls back to the next root.
    assert resources.builtin_dir("ground") == REPO / "constellations" / "ground"
    assert resources.data_roots()[0] == wheel_root


def test_pyproject_ships_the_folders_where_resources_looks():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    force_include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    package_dir = Path(resources.__file__).resolve().parent
    wheel_root = resources.data_roots()[0]
    assert wheel_root == package_dir / "_builtin"
    for source, target in force_include.items():
        assert target == f"orbitsim/_builtin/{source}"
    for folder in set(resources.KINDS.values()):
        assert folder.split("/")[0] in force_include
