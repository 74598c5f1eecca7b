"""Tests of the OMM loader against sgp4's own OMM path (``sgp4.omm.parse_* + initialize``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sgp4 import omm as sgp4_omm
from sgp4.api import Satrec

from orbitsim.errors import InputError
from orbitsim.model.elements import ElementSet, TleSet
from orbitsim.model.omm import load_omm, load_orbit_file, orbit_file_format
from orbitsim.model.tle import load_tle

DATA = Path(__file__).parent / "data"
NAMES = ["ISS (ZARYA)", "VANGUARD 1", "MARIO", "NAVSTAR 53 (USA 175)", "CBERS 2"]
IDS = [25544, 5, 55123, 28129, 28057]
MINUTES = np.linspace(-1440.0, 1440.0, 49)


def sgp4_fields(path: Path) -> list[dict]:
    """Records of a fixture as sgp4's own parsers read them."""
    with path.open(newline="") as handle:
        if path.suffix == ".xml":
            return list(sgp4_omm.parse_xml(handle))
        if path.suffix == ".csv":
            return list(sgp4_omm.parse_csv(handle))
        return json.load(handle)


def sgp4_satrecs(records: list[dict]) -> list[Satrec]:
    satrecs = []
    for fields in records:
        sat = Satrec()
        sgp4_omm.initialize(sat, fields)
        satrecs.append(sat)
    return satrecs


def positions_km(satrecs: list[Satrec], epochs: list[Satrec]) -> np.ndarray:
    """TEME positions ``(n_sats, n_times, 3)`` at ``MINUTES`` after the epochs of ``epochs``."""
    out = []
    for sat, at in zip(satrecs, epochs, strict=True):
        fr = at.jdsatepochF + MINUTES / 1440.0
        _, r, _ = sat.sgp4_array(np.full_like(fr, at.jdsatepoch), fr)
        out.append(r)
    return np.array(out)


@pytest.mark.parametrize("suffix", ["json", "xml", "csv"])
def test_fixture_loads_names_and_ids(suffix):
    constellation = load_omm(DATA / f"omm.{suffix}")
    assert constellation.name == "omm"
    assert list(constellation.names) == NAMES
    assert constellation.ids.tolist() == IDS
    assert isinstance(constellation.parts[0], ElementSet)


@pytest.mark.parametrize("suffix", ["json", "xml", "csv"])
def test_bit_identical_to_sgp4_omm_initialize(suffix):
    path = DATA / f"omm.{suffix}"
    ours = load_omm(path).satrecs
    reference = sgp4_satrecs(sgp4_fields(path))
    for a, b in zip(ours, reference, strict=True):
        for attribute in ("jdsatepoch", "jdsatepochF", "no_kozai", "ecco", "inclo", "nodeo",
                          "argpo", "mo", "bstar", "ndot", "nddot", "satnum"):
            assert getattr(a, attribute) == getattr(b, attribute), attribute
    np.testing.assert_array_equal(positions_km(ours, reference),
                                  positions_km(reference, reference))  # 0 mm


@pytest.mark.parametrize("suffix", ["json", "xml", "csv"])
def test_agrees_with_the_same_elements_as_tle(suffix):
    """The OMM epoch is the TLE epoch rounded to 1 us: <= 0.5 us * 7.8 km/s = 4 mm apart."""
    tle = load_tle(DATA / "stations.3le").satrecs
    ours = load_omm(DATA / f"omm.{suffix}").satrecs
    gap_km = np.linalg.norm(positions_km(ours, tle) - positions_km(tle, tle), axis=-1)
    assert gap_km.max() < 4e-6


def test_space_track_strings_and_single_object(tmp_path):
    records = json.loads((DATA / "omm.json").read_text())
    as_strings = [{k: str(v) for k, v in record.items()} for record in records]
    path = tmp_path / "spacetrack.json"
    path.write_text(json.dumps(as_strings, indent=2))
    reference = sgp4_satrecs(records)
    np.testing.assert_array_equal(positions_km(load_omm(path).satrecs, reference),
                                  positions_km(reference, reference))
    single = tmp_path / "one.json"
    single.write_text(json.dumps(records[2]))
    assert list(load_omm(single).names) == ["MARIO"]


def test_catalogue_number_beyond_alpha5_range(tmp_path):
    records = json.loads((DATA / "omm.json").read_text())[:2]
    records[1]["NORAD_CAT_ID"] = 270000001  # CelesTrak 9-digit numbers
    del records[1]["OBJECT_NAME"]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(records))
    constellation = load_omm(path)
    assert constellation.ids.tolist() == [25544, 270000001]
    assert list(constellation.names) == ["ISS (ZARYA)", "270000001"]
    ours = constellation.satrecs
    assert ours[1].satnum == 0
    records[1]["NORAD_CAT_ID"] = 5
    reference = sgp4_satrecs(records)
    np.testing.assert_array_equal(positions_km(ours, reference),
                                  positions_km(reference, reference))


def test_duplicate_ids_use_running_index(tmp_path):
    records = json.loads((DATA / "omm.json").read_text())
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(records + records[:1]))
    assert load_omm(path).ids.tolist() == [1, 2, 3, 4, 5, 6]


def test_epoch_variants_without_fraction_and_with_z(tmp_path):
    records = json.loads((DATA / "omm.json").read_text())[:1]
    records[0]["EPOCH"] = "2020-01-01T19:42:47.000000"
    reference = sgp4_satrecs(records)
    records[0]["EPOCH"] = "2020-01-01T19:42:47Z"
    path = tmp_path / "z.json"
    path.write_text(json.dumps(records))
    assert load_omm(path).satrecs[0].jdsatepochF == reference[0].jdsatepochF


# ---- malformed input: (file name, text, expected pieces of the one-line message)
JSON_RECORDS = json.loads((DATA / "omm.json").read_text())
CSV_LINES = (DATA / "omm.csv").read_text().splitlines()
XML_TEXT = (DATA / "omm.xml").read_text()


def json_with(index: int, **changes) -> str:
    records = [dict(record) for record in JSON_RECORDS]
    for key, value in changes.items():
        if value is KeyError:
            del records[index][key]
        else:
            records[index][key] = value
    return json.dumps(records)


def csv_with(row: int, column: str, value: str) -> str:
    header = CSV_LINES[0].split(",")
    cells = CSV_LINES[row].split(",")
    cells[header.index(column)] = value
    lines = list(CSV_LINES)
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


MALFORMED = {
    "missing field": (
        "a.json", json_with(1, MEAN_MOTION=KeyError), ["MEAN_MOTION: record 2: missing field"]
    ),
    "null value": ("a.json", json_with(0, BSTAR=None), ["BSTAR: record 1: missing value"]),
    "bool value": ("a.json", json_with(0, INCLINATION=True), ["INCLINATION: record 1:"]),
    "non-numeric CSV": (
        "a.csv", csv_with(3, "ECCENTRICITY", "abc"), [":4: ECCENTRICITY: record 3:", "'abc'"]
    ),
    "empty CSV cell": ("a.csv", csv_with(2, "BSTAR", ""), [":3: BSTAR: record 2: missing value"]),
    "bad epoch": (
        "a.xml",
        XML_TEXT.replace("2020-10-13T04:52:48.472320", "2020-13-13T04:52:48.472320"),
        [":6: EPOCH: record 2: not a valid date"],
    ),
    "epoch format": ("a.json", json_with(4, EPOCH="2006/06/26 18:52"), ["EPOCH: record 5:"]),
    "epoch 7 digits": (
        "a.json", json_with(0, EPOCH="2020-01-01T19:42:47.1343681"), ["EPOCH: record 1:"]
    ),
    "malformed JSON": ("a.json", '[{"EPOCH": "x",\n "BSTAR": }]', ["a.json:2: malformed JSON"]),
    "NaN in JSON": ("a.json", json_with(0, BSTAR=float("nan")), ["malformed JSON", "NaN"]),
    "JSON not a list of objects": ("a.json", "[1, 2]", ["record 1: expected a JSON object"]),
    "empty JSON list": ("a.json", "[]", ["no OMM records found"]),
    "malformed XML": (
        "a.xml", XML_TEXT.replace("</meanElements>", "", 1), [":4: malformed XML: mismatched tag"]
    ),
    "XML without segments": ("a.xml", "<ndm></ndm>", ["no OMM records found"]),
    "CSV header lacks a column": (
        "a.csv", CSV_LINES[0].replace("BSTAR", "B_STAR") + "\n", [":1: BSTAR: CSV header lacks"]
    ),
    "CSV row too long": (
        "a.csv", "\n".join(CSV_LINES[:2]) + ",1\n", [":2: record 1: row has 18 values"]
    ),
    "empty CSV": ("a.csv", "", ["empty CSV file"]),
    "eccentricity 1": ("a.json", json_with(2, ECCENTRICITY=1.0), ["ECCENTRICITY: record 3:"]),
    "inclination 200": ("a.json", json_with(2, INCLINATION=200), ["INCLINATION: record 3:"]),
    "negative mean motion": ("a.json", json_with(2, MEAN_MOTION=-1), ["MEAN_MOTION: record 3"]),
    "float catalogue number": ("a.json", json_with(0, NORAD_CAT_ID=25544.0), ["NORAD_CAT_ID:"]),
    "negative catalogue number": ("a.json", json_with(0, NORAD_CAT_ID=-1), ["NORAD_CAT_ID:"]),
    "SGP4-XP elements": (
        "a.json", json_with(0, MEAN_ELEMENT_THEORY="SGP4-XP"), ["MEAN_ELEMENT_THEORY: record 1"]
    ),
    "number with underscore": ("a.json", json_with(0, BSTAR="1_0"), ["BSTAR: record 1"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_omm_raises_one_line_input_error(tmp_path, case):
    filename, text, pieces = MALFORMED[case]
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_omm(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    for piece in pieces:
        assert piece in message, message


def test_missing_omm_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_omm(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("fixture", "kind", "part"),
    [("iss.tle", "tle", TleSet), ("stations.3le", "tle", TleSet), ("omm.json", "json", ElementSet),
     ("omm.xml", "xml", ElementSet), ("omm.csv", "csv", ElementSet)],
)
def test_load_orbit_file_by_suffix_and_by_content(tmp_path, fixture, kind, part):
    assert orbit_file_format(DATA / fixture) == kind
    assert isinstance(load_orbit_file(DATA / fixture).parts[0], part)
    unknown = tmp_path / "elements.dat"
    shutil.copy(DATA / fixture, unknown)
    assert orbit_file_format(unknown) == kind
    constellation = load_orbit_file(unknown, name="x")
    assert constellation.name == "x"
    assert isinstance(constellation.parts[0], part)


def test_load_orbit_file_errors(tmp_path):
    with pytest.raises(InputError, match="is a TOML file"):
        load_orbit_file(tmp_path / "shell.toml")
    with pytest.raises(InputError, match="file not found"):
        load_orbit_file(tmp_path / "absent.dat")
    bad = tmp_path / "bad.txt"
    bad.write_text("hello\n")
    with pytest.raises(InputError, match=r"bad.txt:1: title line without TLE lines"):
        load_orbit_file(bad)
