"""Validate is complete: whatever ``run`` refuses, ``validate`` refuses first with the same
one line and exit 2; zero-job workloads are valid and run; volumes are estimated; leap seconds,
output extensions, duplicate names and a policy's bad answer are handled."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from orbitsim.errors import InputError
from orbitsim.model.scenario_checks import check_job_volume
from orbitsim.model.workload import load_workload
from tests.helpers import run

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
WORKLOAD = (REPO / "workloads" / "inference-mixed.toml").read_text()


def _scenario(folder: Path, extra: str = "", workload: str = "inference-mixed",
              start: str = "2026-06-21T00:00:00Z", hours: float = 0.5) -> Path:
    path = folder / "s.toml"
    path.write_text(f'name = "s"\nconstellation = "starcloud-demo"\nworkload = "{workload}"\n'
                    f'start_utc = "{start}"\nhours = {hours}\n{extra}\n')
    return path


BAD = {
    "fail_nodes": ("fail_nodes = [{node = 999, at_s = 60}]", {}, "fail_nodes[0].node"),
    "isl_cuts": ("isl_cuts = [{node = 32, start_s = 0, end_s = 60}]", {}, "isl_cuts[0].node"),
    "station_outages": ('station_outages = [{station = "Atlantis", start_s = 0, end_s = 60}]',
                        {}, "no station named 'Atlantis'"),
    "ephemeris": ("", {"start": "2053-10-08T12:00:00Z", "hours": 24.0}, "ephemeris DE421"),
    "leap second": ("", {"start": "2016-12-31T23:59:60Z"}, "leap second"),
    "relay without mesh": ('relay_constellation = "starlink-shell1"', {},
                           'relay_constellation: a relay constellation needs isl = "mesh"'),
    "unknown relay": ('isl = "mesh"\nrelay_constellation = "nowhere"', {}, "relay_constellation"),
    "mesh too big": ('isl = "mesh"\nrelay_constellation = "starcloud-88k"', {"hours": 24.0},
                     "link-steps, more than the 60,000,000 a run builds"),
    "link rate": ("isl_rate_bps = 0", {}, "isl_rate_bps"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_validate_refuses_what_run_refuses(capsys, tmp_path, case):
    extra, options, expected = BAD[case]
    path = _scenario(tmp_path, extra, **options)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and err.count("\n") == 1 and expected in err, err
    code, _, run_err = run(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 2 and run_err.count("\n") == 1 and expected in run_err, run_err
    assert "internal error" not in run_err and not (tmp_path / "out").exists()


def test_arrival_volume_is_estimated_and_refused_beyond_memory(capsys, tmp_path):
    (tmp_path / "huge.toml").write_text(WORKLOAD.replace("rate_per_hour = 1200,",
                                                         "rate_per_hour = 1e7,"))
    path = _scenario(tmp_path, workload="huge.toml", hours=24.0)
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        code, _, err = run(capsys, *command)
        assert code == 2 and "about 2.4e+08 jobs in 24 h" in err and "GiB" in err, err
    demo = load_workload("inference-mixed")
    assert 80_000 < check_job_volume(demo, 86_400.0, "x", memory_bytes=2**40) < 120_000
    with pytest.raises(InputError, match="lower the rates or the hours"):
        check_job_volume(demo, 86_400.0, "x", memory_bytes=2**20)


def test_zero_job_workloads_are_valid_and_run_to_a_zero_job_summary(capsys, tmp_path):
    (tmp_path / "trace.csv").write_text("arrival_s,work_flop\n")  # a header, no row
    (tmp_path / "empty.toml").write_text(
        'name = "empty"\n[[tenants]]\nname = "t"\n[[job_classes]]\nname = "replay"\n'
        'kind = "batch-inference"\ntenant = "t"\narrival = { process = "trace", file = '
        '"trace.csv" }\nwork_flop = { mean = 1e15 }\naccelerators = 1\n'
        'input_bytes = { mean = 1e6 }\noutput_bytes = { mean = 1e6 }\n')
    path = _scenario(tmp_path, workload="empty.toml")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0 and "zero-job run" in out, err
    code, _, err = run(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["jobs_total"] == summary["jobs_done"] == 0 and summary["utilisation"] == 0
    assert len(pd.read_parquet(tmp_path / "out" / "jobs.parquet")) == 0


def test_output_files_must_carry_their_format_s_extension(capsys, tmp_path):
    short = ["starcloud-demo", "--hours", "0.2"]
    for args in (["coverage", *short, "--png", str(tmp_path / "c.jpg")],
                 ["coverage", *short, "--html", str(tmp_path / "c.png")],
                 ["eclipses", *short, "--out", str(tmp_path / "e.txt")],
                 ["contacts", "starcloud-demo", "--stations", "commercial", "--hours", "0.2",
                  "--out", str(tmp_path / "c.parquet")]):
        code, _, err = run(capsys, *args)
        assert code == 2 and err.count("\n") == 1 and "give a file name ending in" in err, err
    assert list(tmp_path.iterdir()) == []


def test_duplicate_names_are_told_apart_by_sat_index(capsys, tmp_path):
    lines = (DATA / "decay.3le").read_text().splitlines()
    twins = tmp_path / "twins.3le"
    twins.write_text("\n".join(["TWIN", *lines[1:3], "TWIN", *lines[4:6]]) + "\n")
    code, out, _ = run(capsys, "validate", str(twins))
    assert code == 0 and "1 name repeat" in out and "sat_index" in out
    out_csv = tmp_path / "e.csv"
    code, _, err = run(capsys, "eclipses", str(twins), "--start", "2026-06-21T00:00:00Z",
                       "--hours", "3", "--out", str(out_csv))
    assert code == 0, err
    rows = pd.read_csv(out_csv)
    assert set(rows.satellite) == {"TWIN"} and set(rows.sat_index) == {0, 1}


def test_a_policy_returning_an_out_of_range_index_is_one_line_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "run", "starcloud-demo", "--hours", "0.5", "--policy",
                       f"{DATA / 'bad_policy.py'}:OffByOne", "--out", str(tmp_path / "o"))
    assert code == 2 and err.count("\n") == 1, err
    assert "OffByOne" in err and "must return an int from 0 to" in err
    assert "internal error" not in err and not (tmp_path / "o").exists()


def test_validate_output_is_one_line_at_any_path_length(capsys, tmp_path):
    deep = tmp_path / ("a-long-folder-name-" * 8) / ("and-another-one-" * 6)
    deep.mkdir(parents=True)
    shutil.copy(DATA / "iss.tle", deep / "iss.tle")
    code, out, _ = run(capsys, "validate", str(deep / "iss.tle"))
    assert code == 0 and out.count("\n") == 1 and "(1 satellite)" in out
