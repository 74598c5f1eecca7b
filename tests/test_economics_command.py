"""``orbitsim economics``: a finished run's verdict without rerunning it (same numbers as the
run's summary.json), a scenario at an assumed utilisation, one JSON object with --json, and
one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest

from orbitsim.cli import main


def call(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    with pytest.raises(SystemExit) as exit_:
        main(["run", "starcloud-demo", "--hours", "1", "--out", str(out)])
    assert exit_.value.code == 0
    return out


def test_economics_of_a_run_equals_its_summary(capsys, run_dir):
    code, out, err = call(capsys, "economics", str(run_dir), "--json")
    assert code == 0, err
    assert out.count("\n") == 1
    data = json.loads(out)
    stored = json.loads((run_dir / "summary.json").read_text())["verdict"]
    for key in ("orbit_usd_per_accelerator_hour",
                "ground_usd_per_accelerator_hour_same_utilisation", "p_orbit_cheaper",
                "orbit_usd_per_accelerator_hour_p05", "crossover_year",
                "break_even_launch_usd_per_kg", "viable", "viable_workloads"):
        assert data[key] == stored[key], key


def test_economics_options_move_the_answer(capsys, run_dir):
    _, out, _ = call(capsys, "economics", str(run_dir), "--json", "--year", "2035",
                     "--trajectory", "aggressive", "--draws", "1000")
    later = json.loads(out)
    assert later["deployment_year"] == 2035
    assert later["launch_price_usd_per_kg"] == pytest.approx(30.0)
    _, out, _ = call(capsys, "economics", str(run_dir), "--json", "--launch-price", "100",
                     "--draws", "1000")
    assert json.loads(out)["launch_price_usd_per_kg"] == 100.0
    code, out, err = call(capsys, "economics", str(run_dir), "--draws", "1000")
    assert code == 0 and "P(orbit cheaper)" in out and "crossover" in out


def test_economics_of_a_scenario_without_a_run(capsys):
    code, out, err = call(capsys, "economics", "starcloud-demo", "--json", "--draws", "1000")
    assert code == 0, err
    data = json.loads(out)
    assert data["utilisation"] == 0.8 and "no run" in data["note"]
    assert data["workloads"] == {}


@pytest.mark.parametrize("args, piece", [
    (("economics", "no-such-thing"), "no-such-thing"),
    (("economics", "starcloud-demo", "--year", "2051"), "year must be in 2026-2040"),
    (("economics", "starcloud-demo", "--trajectory", "warp"), "unknown trajectory"),
    (("economics", "reproduce"), "needs a paper"),
    (("economics", "starcloud-demo", "extra"), "unexpected argument"),
])
def test_bad_input_is_one_line_exit_2(capsys, args, piece):
    code, _, err = call(capsys, *args)
    assert code == 2 and piece in err and err.count("\n") == 1


def test_a_folder_without_a_summary(capsys, tmp_path):
    code, _, err = call(capsys, "economics", str(tmp_path))
    assert code == 2 and "summary.json" in err
