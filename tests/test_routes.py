"""``orbitsim routes``: the CSV and PNG of the issue's example (RTT bounds checked with Skyfield's
own WGS84 positions), the JSON summary, warnings, and one-line errors with exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from skyfield.api import wgs84

from orbitsim import cli, load_constellation

C_KM_S = 299_792.458
LONDON, NEW_YORK = (51.5, -0.13), (40.7, -74.0)


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def test_routes_london_new_york_over_starlink_shell1(capsys, tmp_path):
    out, png = tmp_path / "r.csv", tmp_path / "r.png"
    code, stdout, err = run(capsys, "routes", "starlink-shell1", "--from", "51.5,-0.13", "--to",
                            "40.7,-74.0", "--hours", "1", "--step", "60", "--out", str(out),
                            "--png", str(png))
    assert code == 0, err
    # The README quotes this run: its figures are the ones the command prints.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"RTT min / median / max +│ ([0-9./ ]+ ms)", readme).group(1).strip()
    assert re.search(r"RTT min / median / max +│ ([0-9./ ]+ ms)", stdout).group(1) == quoted
    table = pd.read_csv(out, keep_default_na=False, na_values={"rtt_ms": [""], "hops": [""]})
    assert list(table.columns[:4]) == ["time_utc", "rtt_ms", "hops", "path"]
    assert len(table) == 61 and table["time_utc"].iloc[-1] == "2026-06-21T01:00:00.000Z"
    assert table["path_exists"].all()  # the +Grid joins London and New York at every minute
    # Bounds from Skyfield's WGS84 points: straight line through the Earth, and the great
    # circle at 550 km altitude over the angle between the two geocentric directions.
    a = wgs84.latlon(*LONDON).itrs_xyz.km
    b = wgs84.latlon(*NEW_YORK).itrs_xyz.km
    chord_km = np.linalg.norm(a - b)
    angle = np.arccos(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b))
    arc_550_km = (6378.137 + 550.0) * angle
    lower_ms, upper_ms = 2e3 * chord_km / C_KM_S, 1.5 * 2e3 * arc_550_km / C_KM_S
    assert (table["rtt_ms"] >= lower_ms).all() and (table["rtt_ms"] <= upper_ms).all()
    names = set(load_constellation("starlink-shell1").names)
    for row in table.itertuples(index=False):
        satellites = row.path.split(" > ")
        assert set(satellites) <= names and row.hops == len(satellites) + 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_routes_json_summary_and_station_names(capsys, tmp_path):
    out = tmp_path / "r.csv"
    code, stdout, err = run(capsys, "routes", "starlink-shell1", "--from", "aws ohio",
                            "--stations", "commercial", "--to=-33.9,18.4", "--hours", "0.1",
                            "--out", str(out), "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["from"]["name"] == "AWS Ohio" and summary["from"]["min_elevation_deg"] == 10.0
    assert summary["to"]["min_elevation_deg"] == 25.0 and summary["steps"] == 7
    assert summary["laser_links"] == 3168 and summary["steps_with_path"] == 7
    assert summary["rtt_ms_min"] >= summary["straight_line_rtt_ms"]
    assert len(pd.read_csv(out)) == 7


def test_routes_without_a_path_warns_and_writes_empty_rows(capsys, tmp_path):
    out = tmp_path / "r.csv"
    code, _, err = run(capsys, "routes", "starlink-shell1", "--from", "80,0", "--to", "0,0",
                       "--hours", "0.1", "--out", str(out))
    assert code == 0
    assert err.startswith("warning: no path at any step") and len(err.strip().splitlines()) == 1
    table = pd.read_csv(out, keep_default_na=False)
    assert (table["path"] == "").all() and (table["rtt_ms"] == "").all()
    assert (table["hops"] == "").all() and not table["path_exists"].astype(bool).any()


@pytest.mark.parametrize("args, message", [
    (["--from", "95,0", "--to", "0,0"], "--from: latitude must be within [-90, 90]"),
    (["--from", "Atlantis", "--to", "0,0", "--stations", "commercial"],
     "--from: 'Atlantis' is neither lat,lon"),
    (["--from", "0,0", "--to", "0,0"], "the same point"),
    (["--from", "0,0", "--to", "1,1", "--cross-plane-max-lat", "100"], "--cross-plane-max-lat"),
    (["--from", "0,0", "--to", "1,1", "--min-elevation", "90"], "--min-elevation"),
    (["--from", "0,0", "--to", "1,1", "--inter-shell-range", "-5"], "--inter-shell-range"),
])
def test_routes_bad_input_is_one_line_and_exit_2(capsys, tmp_path, args, message):
    out = tmp_path / "r.csv"
    code, _, err = run(capsys, "routes", "starlink-shell1", *args, "--hours", "0.1",
                       "--out", str(out))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_routes_help_has_an_example(capsys):
    code, out, _ = run(capsys, "routes", "--help")
    assert code == 0 and "Example" in out and "--from" in out
