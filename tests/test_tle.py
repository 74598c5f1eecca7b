"""Tests of the TLE/3LE loader against sgp4 used directly (Vallado's C++ through ``sgp4``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sgp4
from sgp4.api import WGS72, Satrec

from orbitsim.errors import InputError
from orbitsim.model import tle as tle_module
from orbitsim.model.elements import TleSet
from orbitsim.model.tle import decode_catalogue_number, load_tle, tle_checksum

DATA = Path(__file__).parent / "data"
SGP4_VER = Path(sgp4.__file__).parent / "SGP4-VER.TLE"

ISS_1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
ISS_2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"


def file_pairs(path: Path) -> list[tuple[str, str]]:
    """TLE line pairs of a file read naively (reference for the loader)."""
    lines = [line.rstrip() for line in path.read_text().splitlines()]
    ones = [line for line in lines if line.startswith("1 ")]
    twos = [line for line in lines if line.startswith("2 ")]
    return list(zip(ones, twos, strict=True))


def positions_km(satrecs: list[Satrec], minutes: np.ndarray) -> np.ndarray:
    """TEME positions ``(n_sats, n_times, 3)`` at ``minutes`` after each satellite's epoch."""
    out = []
    for sat in satrecs:
        fr = sat.jdsatepochF + minutes / 1440.0
        _, r, _ = sat.sgp4_array(np.full_like(fr, sat.jdsatepoch), fr)
        out.append(r)
    return np.array(out)


def with_checksum(line: str) -> str:
    return line[:68] + str(tle_checksum(line))


MINUTES = np.linspace(-1440.0, 1440.0, 49)


def test_two_line_file_keeps_lines_and_uses_catalogue_number():
    constellation = load_tle(DATA / "iss.tle")
    assert constellation.name == "iss"
    assert len(constellation) == 1
    assert list(constellation.names) == ["25544"]
    assert constellation.ids.tolist() == [25544]
    part = constellation.parts[0]
    assert isinstance(part, TleSet)
    assert part.line1 == (ISS_1,) and part.line2 == (ISS_2,)
    assert constellation.source == str(DATA / "iss.tle")


def test_3le_names_titles_and_ids():
    constellation = load_tle(DATA / "stations.3le", name="stations")
    assert constellation.name == "stations"
    assert list(constellation.names) == ["ISS (ZARYA)", "VANGUARD 1", "MARIO", "28129", "CBERS 2"]
    assert constellation.ids.tolist() == [25544, 5, 55123, 28129, 28057]


@pytest.mark.parametrize("filename", ["iss.tle", "stations.3le", "alpha5.tle"])
def test_positions_bit_identical_to_sgp4(filename):
    constellation = load_tle(DATA / filename)
    reference = [Satrec.twoline2rv(a, b, WGS72) for a, b in file_pairs(DATA / filename)]
    ours = positions_km(constellation.satrecs, MINUTES)
    expected = positions_km(reference, MINUTES)
    assert ours.shape == (len(reference), len(MINUTES), 3)
    np.testing.assert_array_equal(ours, expected)  # 0 mm


def test_alpha5_ids_decoded():
    constellation = load_tle(DATA / "alpha5.tle")
    assert constellation.ids.tolist() == [100005, 181234, 339999]
    assert list(constellation.names) == ["ALPHA5 A0005", "ALPHA5 J1234", "ALPHA5 Z9999"]
    assert [s.satnum for s in constellation.satrecs] == [100005, 181234, 339999]


@pytest.mark.parametrize(
    ("text", "number"),
    [("00005", 5), ("    5", 5), ("99999", 99999), ("A0000", 100000), ("H9999", 179999),
     ("J0000", 180000), ("P0000", 230000), ("Z9999", 339999)],
)
def test_decode_catalogue_number(text, number):
    assert decode_catalogue_number(text) == number


@pytest.mark.parametrize("text", ["I0000", "O1234", "a0001", "0000A", "5    ", "", "AB123"])
def test_decode_catalogue_number_rejects(text):
    with pytest.raises(ValueError):
        decode_catalogue_number(text)


def test_text_input_with_crlf_tabs_and_trailing_blanks():
    text = f"ISS\r\n{ISS_1}  \t\r\n\r\n{ISS_2} \r\n"
    constellation = load_tle(text, name="x")
    assert list(constellation.names) == ["ISS"]
    assert constellation.parts[0].line1 == (ISS_1,)
    assert constellation.source == "<text>"


def test_duplicate_catalogue_numbers_use_running_index():
    text = f"{ISS_1}\n{ISS_2}\nISS AGAIN\n{ISS_1}\n{ISS_2}\n"
    constellation = load_tle(text)
    assert constellation.ids.tolist() == [1, 2]
    assert list(constellation.names) == ["25544", "ISS AGAIN"]


def test_checksum_can_be_ignored_and_68_columns_accepted():
    bad = ISS_1[:68] + "0"
    assert load_tle(f"{bad}\n{ISS_2}\n", verify_checksum=False).ids.tolist() == [25544]
    short = load_tle(f"{ISS_1[:68]}\n{ISS_2[:68]}\n", verify_checksum=False)
    reference = [Satrec.twoline2rv(ISS_1, ISS_2, WGS72)]
    np.testing.assert_array_equal(
        positions_km(short.satrecs, MINUTES), positions_km(reference, MINUTES)
    )


def test_sgp4_ver_file_with_extra_columns():
    """sgp4's verification file: comments, CRLF, start/stop/step columns after column 69,
    hand-edited test cases with stale checksums and one satellite listed twice."""
    with pytest.raises(InputError, match=r"SGP4-VER.TLE:4: TLE line 2: has 104 columns"):
        load_tle(SGP4_VER)
    constellation = load_tle(SGP4_VER, strict_length=False, verify_checksum=False)
    pairs = file_pairs(SGP4_VER)
    assert len(constellation) == len(pairs) == 33
    assert constellation.ids.tolist() == list(range(1, 34))  # 20413 appears twice
    assert constellation.names[0] == "5"
    reference = [Satrec.twoline2rv(a, b, WGS72) for a, b in pairs]  # full lines
    minutes = np.linspace(0.0, 720.0, 13)
    np.testing.assert_array_equal(
        positions_km(constellation.satrecs, minutes), positions_km(reference, minutes)
    )


def fix(line: str) -> str:
    """A TLE line with its checksum recomputed after an edit."""
    return with_checksum(line)


MALFORMED = {
    # name: (file text, 1-based line of the error, piece of the message)
    "empty file": ("", 1, "no TLE found"),
    "only comments": ("# nothing\n\n", 2, "no TLE found"),
    "line 1 prefix": (f"ISS\n3{ISS_1[1:]}\n{ISS_2}\n", 2, "expected TLE line 1"),
    "line 2 prefix": (f"ISS\n{ISS_1}\n3{ISS_2[1:]}\n", 3, "expected TLE line 2"),
    "line 1 without line 2": (f"ISS\n{ISS_1}\n", 2, "without its line 2"),
    "line 2 without line 1": (f"{ISS_2}\n", 1, "line 2 without a line 1"),
    "title without lines": (f"{ISS_1}\n{ISS_2}\nLONELY\n", 3, "title line without TLE"),
    "short line": (f"{ISS_1}\n{ISS_2[:60]}\n", 2, "has 60 columns, expected 69"),
    "long line": (f"{ISS_1} 12.0\n{ISS_2}\n", 1, "has 74 columns"),
    "checksum": (f"{ISS_1[:68]}8\n{ISS_2}\n", 1, "checksum mismatch: column 69 says 8"),
    "catalogue mismatch": (
        f"{ISS_1}\n{fix(ISS_2.replace('25544', '25545'))}\n", 2, "differs from '25544'"
    ),
    "non-numeric inclination": (
        f"{ISS_1}\n{fix(ISS_2.replace('51.6416', '5x.6416'))}\n", 2, "(inclination)"
    ),
    "non-numeric ndot": (
        f"{ISS_1}\n{ISS_2}\n{fix(ISS_1.replace('-.00002182', '-.0000218x'))}\n{ISS_2}\n",
        3,
        "(first derivative of mean motion)",
    ),
    "epoch day zero": (
        f"{fix(ISS_1.replace('08264.51782528', '08000.51782528'))}\n{ISS_2}\n", 1, "(epoch day)"
    ),
    "missing blank": (f"{fix(ISS_1[:17] + 'B' + ISS_1[18:])}\n{ISS_2}\n", 1, "column 18 must be"),
    "non-ascii": (f"ISS\n{ISS_1.replace('98067A ', '98067Ä ')}\n{ISS_2}\n", 2, "non-ASCII"),
    "letter I in Alpha-5": (
        f"{fix(ISS_1.replace('25544', 'I5544'))}\n{fix(ISS_2.replace('25544', 'I5544'))}\n",
        1,
        "Alpha-5",
    ),
    "blank eccentricity digit": (
        f"{ISS_1}\n{fix(ISS_2.replace('0006703', '000670 '))}\n", 2, "(eccentricity)"
    ),
    "inclination above 180": (
        f"{ISS_1}\n{fix(ISS_2.replace(' 51.6416', '181.6416'))}\n", 2, "above 180 deg"
    ),
    "zero mean motion": (
        f"{ISS_1}\n{fix(ISS_2.replace('15.72125391', '00.00000000'))}\n", 2, "above zero"
    ),
    "68 columns with checksum check": (f"{ISS_1[:68]}\n{ISS_2}\n", 1, "68 columns"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_tle_raises_one_line_input_error(tmp_path, case):
    text, line, piece = MALFORMED[case]
    path = tmp_path / "bad.tle"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_tle(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: "), message
    assert piece in message
    assert caught.value.line == line and caught.value.source == str(path)


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.tle"
    path.write_bytes(f"{ISS_1}\n{ISS_2}\nSAT\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.tle:3: not a UTF-8 text file"):
        load_tle(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match=r"nope.tle: file not found"):
        load_tle(tmp_path / "nope.tle")
    with pytest.raises(InputError, match="is a directory"):
        load_tle(tmp_path)


def test_sgp4_failure_becomes_input_error(monkeypatch):
    class Refusing:
        @staticmethod
        def twoline2rv(line1, line2, gravity):
            raise ValueError("some\nmulti-line complaint")

    monkeypatch.setattr(tle_module, "Satrec", Refusing)
    with pytest.raises(InputError) as caught:
        load_tle(f"\nISS\n{ISS_1}\n{ISS_2}\n", source="iss.tle")
    assert str(caught.value) == "iss.tle:3: sgp4 rejects this TLE: some multi-line complaint"


def test_load_orbit_file_reachable_from_tle_module():
    assert list(tle_module.load_orbit_file(DATA / "stations.3le").names)[0] == "ISS (ZARYA)"
    assert tle_module.load_orbit_file(DATA / "omm.csv", name="x").name == "x"
