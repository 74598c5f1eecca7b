"""Sweeps: same table with 1 worker, 2 processes and a Dask LocalCluster; resume after a kill;
bad --param input; the policy-benchmark statistics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orbitsim.cli import main
from orbitsim.errors import InputError
from orbitsim.model.scenario import load_scenario
from orbitsim.sweep import (
    confidence_table,
    grid_points,
    parse_param,
    parse_params,
    point_id,
    point_path,
    run_sweep,
    sample_points,
    t95,
    typed_points,
)

HOURS = 0.5
PARAMS = ("policy=fifo,round-robin", "seed=1:2:1")


@pytest.fixture(scope="module")
def base():
    return load_scenario("starcloud-demo")


@pytest.fixture(scope="module")
def params(base):
    return parse_params(PARAMS, base)


@pytest.fixture(scope="module")
def clean(base, params, tmp_path_factory):
    """A clean 4-point sweep with one worker (in process)."""
    return run_sweep(base, params, tmp_path_factory.mktemp("clean"), hours=HOURS, workers=1)


def test_grid_ids_and_clean_run(clean):
    assert len(clean.ids) == 4 and len(set(clean.ids)) == 4
    assert sorted(clean.computed) == sorted(clean.ids) and clean.skipped == []
    table = clean.table
    assert list(table["point_id"]) == clean.ids  # grid order, first axis slowest
    assert list(table["policy"]) == ["fifo", "fifo", "round-robin", "round-robin"]
    assert list(table["seed"]) == [1, 2, 1, 2]
    assert set(table["policy"]) == {"fifo", "round-robin"} and set(table["seed"]) == {1, 2}
    assert (table["hours"] == HOURS).all()
    assert (table["jobs_total"] == table["jobs_done"] + table["jobs_failed"]
            + table["jobs_pending"]).all()
    assert table["accelerator_hours"].gt(0).all()
    on_disk = pd.read_parquet(clean.out / "sweep.parquet")
    # Parquet keeps the verdict's types (an int64 crossover year with nulls, a boolean
    # viability); pandas reads nullable integers back as floats unless told
    pd.testing.assert_frame_equal(typed_points(on_disk), table)
    assert table["verdict_viable"].dtype == "boolean"
    assert set(table["verdict_viable"].dropna()) <= {True, False}
    assert table["p_orbit_cheaper"].between(0, 1).all()


def test_two_processes_give_the_same_table(clean, base, params, tmp_path):
    result = run_sweep(base, params, tmp_path, hours=HOURS, workers=2)
    pd.testing.assert_frame_equal(result.table, clean.table)


def test_dask_local_cluster_gives_the_same_table(clean, base, params, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        result = run_sweep(base, params, tmp_path, hours=HOURS,
                           scheduler=cluster.scheduler_address)
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    pd.testing.assert_frame_equal(result.table, clean.table)


def test_resume_recomputes_only_the_missing_points(clean, base, params, tmp_path):
    import shutil

    shutil.copytree(clean.out, tmp_path, dirs_exist_ok=True)
    (tmp_path / "sweep.parquet").unlink()
    killed = sorted(clean.ids)[:2]  # as if the run had been killed before these two finished
    for key in killed:
        point_path(tmp_path, key).unlink()
    kept = {key: point_path(tmp_path, key).stat().st_mtime_ns
            for key in clean.ids if key not in killed}
    result = run_sweep(base, params, tmp_path, hours=HOURS, workers=1)
    assert sorted(result.computed) == killed
    assert sorted(result.skipped) == sorted(kept)
    assert {k: point_path(tmp_path, k).stat().st_mtime_ns for k in kept} == kept
    assert sorted(p.stem for p in (tmp_path / "points").glob("*.parquet")) == sorted(clean.ids)
    assert not list((tmp_path / "points").glob(".*partial"))
    pd.testing.assert_frame_equal(result.table, clean.table)
    again = run_sweep(base, params, tmp_path, hours=HOURS, workers=1)
    assert again.computed == [] and len(again.table) == 4


def test_resume_refuses_another_scenario(clean, base, params):
    with pytest.raises(InputError, match="another scenario"):
        run_sweep(base, params, clean.out, hours=2 * HOURS)


def test_cli_sweep_writes_dataset_figures_and_html(tmp_path, capsys):
    out = tmp_path / "cli"
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "starcloud-demo", "--param", "launch_price_usd_per_kg=100,1000",
              "--hours", "0.25", "--out", str(out)])
    assert exit_info.value.code == 0
    table = pd.read_parquet(out / "sweep.parquet")
    assert list(table["launch_price_usd_per_kg"]) == [100.0, 1000.0]  # grid order
    assert (table["verdict_launch_price_usd_per_kg"] == table["launch_price_usd_per_kg"]).all()
    cheap, dear = (table.set_index("launch_price_usd_per_kg")
                   .loc[[100.0, 1000.0], "orbit_usd_per_accelerator_hour"])
    assert dear > cheap  # a dearer launch costs more per accelerator-hour
    png = out / "accelerator_hours_vs_launch_price_usd_per_kg.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (out / "summary.html").read_text()
    assert "data:image/png;base64," in html and "http://" not in html and "https://" not in html
    assert "2 run, 0 already done" in capsys.readouterr().out
    # Resumed with --json: one JSON object on stdout, nothing else.
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "starcloud-demo", "--param", "launch_price_usd_per_kg=100,1000",
              "--hours", "0.25", "--out", str(out), "--json"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    summary = json.loads(printed)
    assert (summary["points"], summary["run"], summary["already_done"]) == (2, 0, 2)
    assert summary["parameters"] == {"launch_price_usd_per_kg": [100.0, 1000.0]}
    assert str(out / "sweep.parquet") in summary["written"]


@pytest.mark.parametrize("param, message", [
    ("altitude=1,2", "unknown parameter 'altitude'"),
    ("seed=one,two", "seed"),
    ("isl=laser", "isl"),
    ("hours=1:0:1", "never reaches"),
    ("policy", "expected NAME="),
    ("workload=no-such-workload", "workload"),
    ("policy=fifo,no-such-policy", "unknown policy"),
    ("hardware.battery.capacity_wh=100,-5", "hardware.battery.capacity_wh"),
    ("hardware.battery.capcity_wh=100", "no such hardware field"),
    ("hardware.accelerators=many", "expected a number"),
])
def test_bad_param_exits_2_with_one_line(param, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "starcloud-demo", "--param", param, "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_parse_values_by_field_type(base):
    assert parse_param("seed=3,1,3", base).values == (3, 1)
    assert parse_param("hours=0.5:1.5:0.5", base).values == (0.5, 1.0, 1.5)
    assert parse_param("seed=0:10:5", base).values == (0, 5, 10)
    assert parse_param("physics=true,false", base).values == (True, False)
    assert parse_param("isl=none,grid", base).values == ("none", "grid")
    assert parse_param("launch_price_usd_per_kg=10:30:10", base).values == (10.0, 20.0, 30.0)


def test_grid_and_sample(base):
    params = parse_params(["seed=1:5:1", "policy=fifo,round-robin"], base)
    points = grid_points(params)
    assert len(points) == 10 and points[0] == {"seed": 1, "policy": "fifo"}
    sample = sample_points(points, 4, seed=7)
    assert sample == sample_points(points, 4, seed=7) and len(sample) == 4
    assert all(p in points for p in sample) and len({point_id(p) for p in sample}) == 4
    assert point_id({"a": 1, "b": "x"}) == point_id({"b": "x", "a": 1})


def test_confidence_interval_against_closed_form():
    frame = pd.DataFrame({"policy": ["a"] * 4 + ["b"], "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    table = confidence_table(frame, ["policy"], ["x"]).set_index("policy")
    # mean 2.5, s = sqrt(5/3), t(0.975, 3) = 3.182 (Student's table)
    assert table.loc["a", "x_mean"] == pytest.approx(2.5)
    assert table.loc["a", "x_ci95"] == pytest.approx(3.182 * math.sqrt(5 / 3) / 2, rel=1e-9)
    assert np.isnan(table.loc["b", "x_ci95"]) and table.loc["b", "n"] == 1
    assert t95(1) == pytest.approx(12.706) and t95(10_000) == pytest.approx(1.96)


def test_a_sweep_killed_midway_and_resumed_loses_and_duplicates_nothing(clean, tmp_path):
    """The real thing: SIGKILL the CLI once the first point is on disk, run it again."""
    import signal
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "orbitsim", "sweep", "starcloud-demo", "--hours", str(HOURS),
               "--out", str(tmp_path)] + [arg for p in PARAMS for arg in ("--param", p)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    points = tmp_path / "points"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(points.glob("*.parquet")):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = sorted(p.stem for p in points.glob("*.parquet"))
    assert 1 <= len(finished) < 4  # killed midway, after at least one point
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{4 - len(finished)} run, {len(finished)} already done" in " ".join(
        resumed.stdout.split())
    assert sorted(p.stem for p in points.glob("*.parquet")) == sorted(clean.ids)
    table = typed_points(pd.read_parquet(tmp_path / "sweep.parquet"))
    pd.testing.assert_frame_equal(table, clean.table)


def test_out_that_is_a_file_is_one_line_exit_2(tmp_path, capsys):
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "starcloud-demo", "--param", "seed=1,2", "--out", str(a_file)])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"error: --out {a_file} is a file; give a folder name\n"
    assert a_file.read_text() == "keep me"


def test_unreachable_scheduler_leaves_nothing_behind(base, params, tmp_path, monkeypatch):
    import orbitsim.sweep as sweep_module

    def unreachable(tasks, hours, scheduler, on_result, on_ready, worker_timeout_s):
        raise InputError(f"cannot connect to the Dask scheduler at {scheduler!r}",
                         field="scheduler")

    monkeypatch.setattr(sweep_module, "_execute_dask", unreachable)
    out = tmp_path / "swd"
    with pytest.raises(InputError, match="cannot connect"):
        run_sweep(base, params, out, hours=HOURS, scheduler="tcp://127.0.0.1:8799")
    assert not out.exists()
    out.mkdir()  # an existing folder is kept, but gets no sweep.json
    with pytest.raises(InputError, match="cannot connect"):
        run_sweep(base, params, out, hours=HOURS, scheduler="tcp://127.0.0.1:8799")
    assert list(out.iterdir()) == []


def test_hardware_sweep_runs_and_its_points_differ(tmp_path):
    """`--param hardware.battery.capacity_wh=...` over the eclipse-bound stress scenario: a
    bigger battery holds the load through more of each eclipse."""
    out = tmp_path / "battery"
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", "stress-eclipse", "--param", "hardware.battery.capacity_wh=150,400",
              "--hours", "3", "--metric", "power_limited_s", "--out", str(out)])
    assert exit_info.value.code == 0
    table = pd.read_parquet(out / "sweep.parquet").set_index("hardware.battery.capacity_wh")
    assert list(table.index) == [150.0, 400.0]
    small, large = table.loc[150.0], table.loc[400.0]
    assert small["power_limited_s"] > large["power_limited_s"] > 0
    assert small["jobs_total"] == large["jobs_total"]  # the same jobs: only the battery moved
    png = out / "power_limited_s_vs_hardware.battery.capacity_wh.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hardware_param_values_take_the_field_type(base):
    assert parse_param("hardware.accelerators=32,64", base).values == (32, 64)
    assert parse_param("hardware.battery.capacity_wh=1e5:3e5:1e5", base).values == (
        100000.0, 200000.0, 300000.0)
    assert parse_param("hardware.solar.tracking=false", base).values == (False,)
    assert parse_param("hardware.accelerator=h200", base).values == ("h200",)


def test_sweep_plot_draws_one_series_per_other_axis_and_a_ci_over_seeds():
    from orbitsim.sweep import metric_series

    rows = [dict(policy=policy, price=price, seed=seed,
                 cost=price * (1.0 if policy == "fifo" else 0.9) + seed)
            for policy in ("fifo", "round-robin") for price in (100.0, 1000.0)
            for seed in (1, 2, 3)]
    table = pd.DataFrame(rows)
    series, notes = metric_series(table, "price", "cost", ["policy", "price", "seed"])
    assert [line.label for line in series] == ["policy = fifo", "policy = round-robin"]
    fifo = series[0]
    assert fifo.x == (100.0, 1000.0) and fifo.mean == pytest.approx((102.0, 1002.0))
    assert fifo.ci95[0] == pytest.approx(t95(2) * 1.0 / math.sqrt(3))  # seeds 1, 2, 3: sd 1
    assert notes == ["one series per policy", "mean and 95 % CI over 3 seeds"]
    # Seeds on the x axis: one point per seed and series, nothing averaged.
    by_seed, _ = metric_series(table, "seed", "cost", ["policy", "price", "seed"])
    assert len(by_seed) == 4 and all(math.isnan(h) for line in by_seed for h in line.ci95)


def test_sweep_plot_keeps_its_title_and_labels_inside_the_figure(tmp_path):
    """The PNG is cropped to what it draws: a long title and labels are never clipped."""
    import matplotlib.image

    from orbitsim.sweep import plot_metric

    table = pd.DataFrame([dict(policy=p, seed=s, orbit_usd_per_accelerator_hour=10.0 + s)
                          for p in ("greedy-earliest-finish", "sovereignty-aware", "fifo")
                          for s in (1, 2)])
    path = plot_metric(table, "policy", "orbit_usd_per_accelerator_hour", tmp_path / "p.png",
                       others=["policy", "seed"])
    image = matplotlib.image.imread(path)
    # A white frame all around: the drawing ends inside the image on every side.
    for edge in (image[0], image[-1], image[:, 0], image[:, -1]):
        assert np.allclose(edge[..., :3], 1.0)


def test_a_point_its_run_would_refuse_is_refused_before_any_point_runs(tmp_path, capsys):
    """A sampled scenario swept over isl = grid, mesh: the mesh point's run would refuse the
    sample. The sweep exits 2 with one line naming that point, before running the grid point,
    and leaves no folder behind."""
    data = tmp_path / "data"
    data.mkdir()
    source = Path(__file__).parent / "data" / "partition"
    for name in ("three-shells.toml", "load.toml"):
        (data / name).write_text((source / name).read_text())
    scenario = data / "sampled.toml"
    scenario.write_text((source / "three-shells-run.toml").read_text()
                        + "[sample]\nfraction = 0.5\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", str(scenario), "--param", "isl=grid,mesh", "--hours", "0.1",
              "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "(point isl=mesh)" in err, err
    assert "cannot route over the laser mesh" in err
    assert not (tmp_path / "x").exists()
