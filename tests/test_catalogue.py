"""The built-in catalogue and constellation TOML files: documented counts, and one-line
errors naming the file and the field path for every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orbitsim import resources
from orbitsim.errors import InputError
from orbitsim.model.catalogue import describe, load_constellation, load_constellation_toml
from orbitsim.model.elements import ElementSet, TleSet

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"

#: name -> (satellites, shells, hardware), as documented in DESIGN.md and the files' comments.
BUILTINS = {
    "starlink-shell1": (1584, 1, "starlink-compute"),
    "starlink-gen1": (4408, 4, "starlink-compute"),
    "starcloud-demo": (32, 1, "starcloud-node"),
    "starcloud-88k": (88_000, 8, "starcloud-node"),
    "suncatcher-81": (81, 1, "suncatcher-node"),
    "spacex-odc-1m": (1_000_000, 10, "starlink-compute"),
    "stress-shell-24": (24, 1, "starcloud-1"),  # the policy benchmark's stress scenarios
    "stress-dawn-dusk-24": (24, 1, "starcloud-1"),
    "export-shell-48": (48, 1, "starlink-compute"),  # the h200-export-terms scenario's
}


def test_every_builtin_is_documented_here():
    assert set(resources.builtin_names("constellation")) == set(BUILTINS)


@pytest.mark.parametrize("name", sorted(set(BUILTINS) - {"spacex-odc-1m"}))
def test_builtin_loads_with_documented_count(name):
    count, n_shells, hardware = BUILTINS[name]
    constellation = load_constellation(name)
    assert len(constellation) == count
    assert constellation.name == name
    assert len(constellation.shells) == n_shells
    assert sum(shell.count for shell in constellation.shells) == count
    assert constellation.hardware == hardware
    assert constellation.source.endswith(f"{name}.toml")
    ids = np.sort(constellation.ids)
    assert not np.any(ids[1:] == ids[:-1])
    assert len(set(constellation.names)) == count


def test_million_satellite_builtin_loads_with_unique_ids_and_names():
    """spacex-odc-1m, built once for the whole suite (~5 s): 1,000,000 satellites in ten shells
    of 400 x 250, ids unique, one name each; nothing is propagated."""
    count, n_shells, hardware = BUILTINS["spacex-odc-1m"]
    odc = load_constellation("spacex-odc-1m")
    assert len(odc) == count == 1_000_000
    assert odc.ids.shape == (count,) and len(odc.names) == count
    ids = np.sort(odc.ids)
    assert not np.any(ids[1:] == ids[:-1])
    assert len(set(odc.names)) == count
    assert len(odc.shells) == n_shells and odc.hardware == hardware
    assert [shell.count for shell in odc.shells] == [100_000] * 10
    # Beyond the Alpha-5 range sgp4 gets satnum 0, but slices still build and keep their ids.
    tail = odc.recipe_slice(count - 2, count)
    assert [s.satnum for recipe in tail for s in recipe.satrecs()] == [0, 0]
    assert odc.subset([count - 1]).ids.tolist() == [odc.ids[-1]]
    assert odc.names[-1] == "ODC2000-53-P399-S249"


def test_gen1_shell_geometry_matches_the_fcc_filing():
    gen1 = load_constellation("starlink-gen1")
    summary = [(s.count, s.altitude_km, s.inclination_deg) for s in gen1.shells]
    assert summary == [(1584, 550.0, 53.0), (1584, 540.0, 53.2), (720, 570.0, 70.0),
                       (520, 560.0, 97.6)]


def test_load_by_path_and_describe():
    path = resources.builtin_dir("constellation") / "starcloud-demo.toml"
    by_path = load_constellation(path)
    by_name = load_constellation("starcloud-demo")
    assert list(by_path.names) == list(by_name.names)
    summary = describe(by_name)
    assert summary["satellites"] == 32 and summary["shells"] == 1
    assert summary["mean_period_min"] == pytest.approx(97.7, abs=0.3)  # 650 km


def test_orbit_files_load_through_the_same_entry_point():
    assert isinstance(load_constellation(DATA / "stations.3le").parts[0], TleSet)
    assert isinstance(load_constellation(DATA / "omm.json").parts[0], ElementSet)
    assert len(load_constellation(str(DATA / "iss.tle"))) == 1


def test_unknown_name_lists_the_builtins():
    with pytest.raises(InputError) as caught:
        load_constellation("starlink-shell99")
    message = str(caught.value)
    assert message.startswith("starlink-shell99: ")
    for name in BUILTINS:
        assert name in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("filename", "line", "field", "pieces"),
    [
        ("syntax-error.toml", 8, None, ["invalid TOML"]),
        ("unknown-field.toml", None, "shells[0].raan_deg", ["unknown field"]),
        ("altitude-out-of-range.toml", None, "shells[1].altitude_km", ["160", "got 90"]),
        ("missing-shells.toml", None, "shells", ["at least 1"]),
        ("wrong-kind.toml", None, "shells[0]", ["walker-deltoid", "walker-delta"]),
        ("phasing-too-large.toml", None, "shells[0].phasing", ["below planes (4)"]),
        ("bad-epoch.toml", None, "epoch_utc", ["next tuesday", "ISO 8601"]),
        ("missing-tle-file.toml", None, "shells[0].file", ["no-such-file.tle"]),
    ],
)
def test_bad_constellation_file_gives_one_line_error(filename, line, field, pieces):
    path = BAD / filename
    with pytest.raises(InputError) as caught:
        load_constellation(path)
    error = caught.value
    message = str(error)
    assert "\n" not in message
    assert error.source == str(path)
    assert error.line == line and error.field == field
    where = f"{path}:{line}: " if line else f"{path}: "
    assert message.startswith(where + (f"{field}: " if field else "")), message
    for piece in pieces:
        assert piece in message, message


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


WALKER = """
[[shells]]
kind = "walker-delta"
altitude_km = 550
inclination_deg = 53
planes = 2
per_plane = 2
"""


def test_missing_shells_table(tmp_path):
    path = write(tmp_path, 'name = "x"\n')
    with pytest.raises(InputError, match=r"c\.toml: shells: Field required$"):
        load_constellation(path)


def test_several_problems_are_listed_on_one_line(tmp_path):
    path = write(tmp_path, 'name = ""\n' + WALKER.replace("550", "50").replace("53", "253"))
    with pytest.raises(InputError) as caught:
        load_constellation(path)
    message = str(caught.value)
    assert "\n" not in message and caught.value.field is None
    for field in ("name", "shells[0].altitude_km", "shells[0].inclination_deg"):
        assert f"{field}: " in message


@pytest.mark.parametrize(
    ("replace", "field"),
    [(("planes = 2", "planes = 2.5"), "shells[0].planes"),
     (("altitude_km = 550", 'altitude_km = "high"'), "shells[0].altitude_km"),
     (("per_plane = 2", "per_plane = 0"), "shells[0].per_plane"),
     (('kind = "walker-delta"', 'kind = "sun-synchronous"\nltan_hours = 25'),
      "shells[0].ltan_hours")],
)
def test_field_paths_of_bad_values(tmp_path, replace, field):
    text = 'name = "x"\n' + WALKER.replace(*replace)
    if "sun-synchronous" in text:
        text = text.replace("inclination_deg = 53\n", "")
    with pytest.raises(InputError) as caught:
        load_constellation(write(tmp_path, text))
    assert caught.value.field == field, str(caught.value)


def test_unreadable_toml_names_the_file(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(InputError, match=r"binary\.toml: cannot read file"):
        load_constellation(path)


def test_epoch_as_toml_datetime_and_tle_shell_relative_to_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "iss.tle").write_text((DATA / "iss.tle").read_text())
    text = ('name = "x"\nepoch_utc = 2026-06-01T00:00:00Z\n' + WALKER
            + '\n[[shells]]\nkind = "tle"\nfile = "sub/iss.tle"\n')
    constellation = load_constellation_toml(write(tmp_path, text))
    assert len(constellation) == 5
    assert constellation.names[-1] == "25544"
    epoch = constellation.elements().epoch_days[0]
    assert epoch == pytest.approx(2461192.5 - 2433281.5)  # 2026-06-01 since 1949-12-31
