"""The ``orbitsim`` command line: help, list, validate (exit 0 / exit 2 with one line, never a
traceback), eclipses writing its CSV atomically, and ``python -m orbitsim``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from orbitsim import cli

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
BAD = DATA / "bad"
BAD_FILES = sorted(p for p in BAD.iterdir() if p.suffix in {".tle", ".json", ".csv", ".xml",
                                                             ".toml"})


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``orbitsim ARGS`` in this process, with the entry point's error handling."""
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


def command_names() -> list[str]:
    cli._register()
    return [command.name for command in cli.app.registered_commands]


def test_top_level_help_lists_every_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    names = command_names()
    assert {"list", "validate", "eclipses"} <= set(names)
    for name in names:
        assert name in out


@pytest.mark.parametrize("command", ["list", "validate", "eclipses", "contacts", "coverage"])
def test_every_command_has_help(capsys, command):
    if command not in command_names():
        pytest.skip(f"{command} is not registered yet")
    code, out, err = run(capsys, command, "--help")
    assert code == 0, err
    assert "Usage" in out and "Example" in out


def test_list_shows_the_builtins(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for name in ("starlink-shell1", "starcloud-demo", "spacex-odc-1m", "suncatcher-81",
                 "commercial"):
        assert name in out
    code, out, _ = run(capsys, "list", "ground")
    assert code == 0 and "commercial" in out and "starlink-shell1" not in out


def test_list_unknown_group_is_one_line_exit_2(capsys):
    code, out, err = run(capsys, "list", "satellites")
    assert code == 2
    assert err.strip().count("\n") == 0 and "unknown group 'satellites'" in err


GOOD_FILES = [
    REPO / "constellations" / "starlink-shell1.toml",
    REPO / "constellations" / "ground" / "commercial.toml",
    REPO / "constellations" / "hardware" / "starcloud-node.toml",
    REPO / "constellations" / "hardware" / "accelerators" / "h100-sxm.toml",
    DATA / "iss.tle",
    DATA / "stations.3le",
    DATA / "alpha5.tle",
    DATA / "omm.json",
    DATA / "omm.xml",
    DATA / "omm.csv",
    DATA / "scenarios" / "demo.toml",
    DATA / "scenarios" / "local-shell.toml",
]


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda p: p.name)
def test_validate_good_files_exit_0(capsys, path):
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, err
    assert "valid" in out and err == ""


BUILTIN_FILES = sorted(
    path
    for folder in ("constellations", "constellations/ground", "constellations/hardware",
                   "constellations/hardware/accelerators", "constellations/economics",
                   "workloads", "workloads/scenarios")
    for path in (REPO / folder).glob("*.toml")
    if path.stem != "spacex-odc-1m"  # built once, in test_catalogue.py
)


@pytest.mark.parametrize("path", BUILTIN_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_validate_every_builtin_file(capsys, path):
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, err
    assert out.startswith("valid ")


def test_there_are_enough_bad_fixtures():
    suffixes = {p.suffix for p in BAD_FILES}
    assert len(BAD_FILES) >= 10 and {".tle", ".json", ".csv", ".xml", ".toml"} <= suffixes


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.name)
def test_validate_bad_files_exit_2_with_one_line(capsys, path):
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {path}")
    assert "Traceback" not in err and "internal error" not in err


def test_validate_missing_file_and_unknown_toml(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path / "absent.toml"))
    assert code == 2 and "no such file" in err and err.strip().count("\n") == 0
    odd = tmp_path / "odd.toml"
    odd.write_text('colour = "blue"\n')
    code, _, err = run(capsys, "validate", str(odd))
    assert code == 2 and "cannot tell what this TOML file describes" in err


def test_eclipses_writes_the_design_columns(capsys, tmp_path):
    out_path = tmp_path / "eclipses.csv"
    code, out, err = run(capsys, "eclipses", "starcloud-demo", "--start", "2026-12-21T00:00:00Z",
                         "--hours", "3", "--out", str(out_path))
    assert code == 0, err
    header = out_path.read_text().splitlines()[0]
    assert header.split(",")[:4] == ["satellite", "start_utc", "end_utc", "kind"]
    assert header == "satellite,start_utc,end_utc,kind,duration_s,sat_index"
    frame = pd.read_csv(out_path)
    assert len(frame) > 0  # LTAN 06:00 near the December solstice: eclipse season
    assert set(frame.kind) <= {"umbra", "penumbra"} and "umbra" in set(frame.kind)
    assert frame.satellite.str.match(r"^SC-DEMO-P0\d-S0\d$").all()
    start = pd.to_datetime(frame.start_utc)
    end = pd.to_datetime(frame.end_utc)
    assert (start >= pd.Timestamp("2026-12-21T00:00:00Z")).all()
    assert (end <= pd.Timestamp("2026-12-21T03:00:00Z")).all()
    assert ((end - start).dt.total_seconds() - frame.duration_s).abs().max() < 0.002
    assert frame.start_utc.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$").all()
    assert list(tmp_path.iterdir()) == [out_path]  # no temporary file left beside it
    assert "starcloud-demo" in out


@pytest.mark.parametrize(
    ("args", "piece"),
    [(["no-such-constellation"], "no such file and no built-in constellation"),
     (["starcloud-demo", "--start", "yesterday"], "start: "),
     (["starcloud-demo", "--hours", "0"], "hours: ")],
)
def test_failing_eclipses_run_leaves_no_output(capsys, tmp_path, args, piece):
    out_path = tmp_path / "sub" / "eclipses.csv"
    code, _, err = run(capsys, "eclipses", *args, "--out", str(out_path))
    assert code == 2
    assert piece in err and err.strip().count("\n") == 0 and "Traceback" not in err
    assert not out_path.exists()
    assert not out_path.parent.exists() or list(out_path.parent.iterdir()) == []


def test_python_dash_m_orbitsim_help():
    result = subprocess.run([sys.executable, "-m", "orbitsim", "--help"], capture_output=True,
                            text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout and "validate" in result.stdout


def test_python_dash_m_orbitsim_bad_file_is_one_line_exit_2(tmp_path):
    """A real process: nothing but the message on stderr, whatever the terminal width."""
    long_dir = tmp_path / ("a-rather-long-folder-name-" * 4)
    long_dir.mkdir()
    path = long_dir / "bad-checksum.tle"
    path.write_text((BAD / "bad-checksum.tle").read_text())
    result = subprocess.run([sys.executable, "-m", "orbitsim", "validate", str(path)],
                            capture_output=True, text=True, cwd=REPO, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "COLUMNS": "40", "TERM": "dumb"})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {path}:2: ") and "checksum mismatch" in result.stderr


@pytest.mark.parametrize("folder", ["w[b]", "q[/x]", "[bold red]"])
def test_paths_with_brackets_are_printed_verbatim(capsys, tmp_path, folder):
    """Messages quote user text: rich must not read it as markup (nor crash on '[/x]')."""
    (tmp_path / folder).mkdir(parents=True)
    path = tmp_path / folder / "bad.tle"
    path.write_text((BAD / "bad-checksum.tle").read_text())
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and err.startswith(f"error: {path}:2: ") and err.count("\n") == 1
    good = tmp_path / folder / "iss.tle"
    good.write_text((DATA / "iss.tle").read_text())
    code, out, _ = run(capsys, "validate", str(good))
    assert code == 0 and "".join(str(good).split()) in "".join(out.split())  # may wrap


# --- usage errors, scenario policies, economics files, --out mistakes ---------------------------


@pytest.mark.parametrize(("args", "piece"), [
    (["run", "starcloud-demo", "--hours", "-3"], "error: --hours: must be a finite number > 0"),
    (["eclipses", "starcloud-demo", "--out", "x.csv", "--hours", "0"], "error: --hours: "),
    (["sweep", "starcloud-demo", "--param", "seed=1", "--out", "x", "--workers", "0"],
     "error: --workers: "),
    (["eclipses", "starcloud-demo", "--out", "x.csv", "--no-such-option"], "No such option"),
    (["run"], "Missing argument"),
    (["no-such-command"], "No such command"),
])
def test_usage_errors_are_one_line_exit_2(capsys, args, piece):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and piece in err and err.count("\n") == 1, err
    assert "Usage:" not in err and "╭" not in err and "--help" in err


def test_help_states_the_open_bound(capsys):
    code, out, _ = run(capsys, "eclipses", "--help")
    text = " ".join(out.replace("│", " ").split())
    assert code == 0 and "hours (> 0)" in text and "x>=0.0" not in text


def scenario_with_policy(folder: Path, policy: str) -> Path:
    text = (REPO / "workloads" / "scenarios" / "starcloud-demo.toml").read_text()
    lines = [f'policy = "{policy}"' if line.startswith("policy =") else line
             for line in text.splitlines()]
    path = folder / "scenario.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


POLICY_FILE = """
import numpy as np
from orbitsim import Policy


class CoolestFirst(Policy):
    needs_state = True

    def choose(self, job, view):
        return int(np.argmin(view.temp_k))
"""


@pytest.mark.parametrize(("policy", "piece"), [
    ("fifoo", "policy: unknown policy 'fifoo'"),
    ("my_policies.py:CoolestFirs", "policy: cannot load policy"),
    ("absent.py:CoolestFirst", "policy: absent.py: no such policy file"),
])
def test_validate_loads_the_scenario_policy(capsys, tmp_path, policy, piece):
    (tmp_path / "my_policies.py").write_text(POLICY_FILE)
    path = scenario_with_policy(tmp_path, policy)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2 and err.startswith(f"error: {path}: {piece}") and err.count("\n") == 1
    if policy == "fifoo":
        assert "did you mean 'fifo'?" in err


def test_validate_names_a_policy_file_relative_to_the_scenario(capsys, tmp_path, monkeypatch):
    (tmp_path / "my_policies.py").write_text(POLICY_FILE)
    path = scenario_with_policy(tmp_path, "my_policies.py:CoolestFirst")
    monkeypatch.chdir(REPO)  # not the scenario's folder: the file is found beside the scenario
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, err
    assert "my_policies.py:CoolestFirst" in " ".join(out.split())


def test_validate_summaries_count_right(capsys):
    _, out, _ = run(capsys, "validate", str(DATA / "iss.tle"))
    assert "(1 satellite)" in out
    _, out, _ = run(capsys, "validate", str(REPO / "workloads" / "inference-mixed.toml"))
    assert "job classes" in out and "tenants" in out and "(ok)" not in out
    _, out, _ = run(capsys, "validate", str(REPO / "constellations" / "ground" / "commercial.toml"))
    assert out.startswith("valid ground network:")


def test_validate_bad_economics_file(capsys, tmp_path):
    text = (REPO / "constellations" / "economics" / "orbit.toml").read_text()
    bad = tmp_path / "orbit.toml"
    bad.write_text(text.replace("launch_price_usd_per_kg = 3600.0", "launch_price_usd_per_kg = -1"))
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: {bad}") and "launch_price_usd_per_kg" in err


def test_misspelt_builtin_name_suggests_the_right_one(capsys, tmp_path):
    code, _, err = run(capsys, "contacts", "starcloud-demo", "--stations", "comercial",
                       "--out", str(tmp_path / "c.csv"))
    assert code == 2 and "no built-in ground network" in err
    assert "did you mean 'commercial'?" in err


def test_out_that_is_a_folder_or_a_file_is_one_line_exit_2(capsys, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    code, _, err = run(capsys, "eclipses", "starcloud-demo", "--hours", "0.1", "--out", str(folder))
    assert code == 2 and err == f"error: {folder} is a directory; give a file name\n"
    assert list(folder.iterdir()) == []
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    code, _, err = run(capsys, "run", "starcloud-demo", "--hours", "0.1", "--out", str(a_file))
    assert code == 2 and err == f"error: --out {a_file} is a file; give a folder name\n"
    assert a_file.read_text() == "keep me"


def test_version_prints_the_package_version(capsys):
    from importlib import metadata

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"orbitsim {metadata.version('orbitsim')}"


def test_a_policy_file_without_its_class_gets_the_form(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text("from orbitsim import Policy\n\n\n"
                                      "class Coolest(Policy):\n    pass\n")
    code, _, err = run(capsys, "run", "starcloud-demo", "--hours", "1", "--policy", "mine.py",
                       "--out", str(tmp_path / "out"))
    assert code == 2
    assert "'mine.py:Coolest'" in err and "unknown policy" not in err
    assert not (tmp_path / "out").exists()


def test_json_summaries_are_one_object_on_stdout(capsys, tmp_path):
    """--json: the summary as one JSON object on stdout and nothing else (no table, no bar)."""
    cases = {
        "eclipses": ["eclipses", "starcloud-demo", "--start", "2026-03-20T00:00:00Z", "--hours",
                     "1", "--out", str(tmp_path / "e.csv")],
        "contacts": ["contacts", "starcloud-demo", "--stations", "compute-hubs", "--hours", "1",
                     "--out", str(tmp_path / "c.csv")],
        "coverage": ["coverage", "starcloud-demo", "--hours", "1", "--cell-deg", "10",
                     "--csv", str(tmp_path / "cov.csv")],
    }
    for name, args in cases.items():
        code, out, _ = run(capsys, *args, "--json")
        assert code == 0, name
        assert out.count("\n") == 1, name
        summary = json.loads(out)
        assert isinstance(summary, dict) and summary["satellites"] == 32, name
        assert summary["written"], name
    code, out, _ = run(capsys, *cases["contacts"], "--json")
    assert json.loads(out)["passes"] == len(pd.read_csv(tmp_path / "c.csv"))
    code, out, _ = run(capsys, "list", "--json")
    listing = json.loads(out)
    assert code == 0 and "starcloud-demo" in listing["constellations"]
    assert "fifo" in listing["policies"] and out.count("\n") == 1
    code, out, _ = run(capsys, "validate", str(DATA / "scenarios" / "local-shell.toml"),
                       "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    assert json.loads(out)["kind"] == "scenario"


def test_run_json_prints_exactly_the_summary(tmp_path):
    """Must show: `orbitsim run starcloud-demo --json --hours 1` prints exactly one JSON object
    (that of summary.json), in a process of its own."""
    done = subprocess.run([sys.executable, "-m", "orbitsim", "run", "starcloud-demo", "--json",
                           "--hours", "1", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary == json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["hours"] == 1.0 and "verdict" in summary and "scenario" in summary


def test_progress_is_never_drawn_with_json():
    from rich.console import Console

    from orbitsim.commands.options import show_progress

    terminal = Console(force_terminal=True)
    assert show_progress(terminal, False) and not show_progress(terminal, True)
    assert not show_progress(Console(force_terminal=False), False)
