"""Safe sweeps: one sweep at a time per folder (a lock naming its holder), point ids that cover
every setting, damaged point files recomputed, no worker outliving a killed sweep, a Dask sweep
that ends with one line when it has no worker or loses its scheduler."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from orbitsim.errors import InputError
from orbitsim.model.scenario import load_scenario
from orbitsim.sweep import (
    parse_params,
    point_id,
    point_path,
    point_settings,
    run_sweep,
    scenario_data,
    sweep_lock,
)
from tests.helpers import run

ROOT = Path(__file__).resolve().parents[1]
HOURS = 0.25
DEADLINE_S = 60.0  # generous: the check is that they end, not how fast (measured: < 1 s)


@pytest.fixture(scope="module")
def base():
    return load_scenario("starcloud-demo")


def test_a_second_sweep_into_the_same_folder_exits_at_once_naming_the_holder(capsys,
                                                                            tmp_path):
    out = tmp_path / "sw"
    out.mkdir()
    with sweep_lock(out):  # a sweep of this process holds the folder
        code, _, err = run(capsys, "sweep", "starcloud-demo", "--param", "seed=1,2", "--hours",
                           str(HOURS), "--out", str(out))
    assert code == 2 and err.count("\n") == 1, err
    assert "another sweep is writing into this folder" in err and f"pid {os.getpid()}" in err
    assert not (out / "points").exists()


def test_point_ids_cover_hours_and_the_base_scenario(base):
    values = {"seed": 1}
    data = scenario_data(base)
    ids = {point_id(values, point_settings(data, hours)) for hours in (None, 1.0, 2.0)}
    other = scenario_data(base.model_copy(update={"isl": "none"}))
    ids.add(point_id(values, point_settings(other, 1.0)))
    assert len(ids) == 4


def test_a_point_file_that_does_not_read_back_is_computed_again(base, tmp_path):
    params = parse_params(["seed=1,2"], base)
    out = tmp_path / "sw"
    first = run_sweep(base, params, out, hours=HOURS)
    damaged = point_path(out, first.ids[0])
    good = damaged.read_bytes()
    damaged.write_bytes(good[: len(good) // 2])  # truncated, as a full disk leaves it
    said = []
    again = run_sweep(base, params, out, hours=HOURS, warn=said.append)
    assert again.computed == [first.ids[0]] and again.skipped == [first.ids[1]]
    assert len(said) == 1 and str(damaged) in said[0] and "computing that point again" in said[0]
    pd.testing.assert_frame_equal(again.table, first.table)


def test_a_damaged_sweep_json_says_to_delete_that_file_only(base, tmp_path):
    params = parse_params(["seed=1"], base)
    out = tmp_path / "sw"
    run_sweep(base, params, out, hours=HOURS)
    (out / "sweep.json").write_text('{"scenario": ')
    with pytest.raises(InputError) as caught:
        run_sweep(base, params, out, hours=HOURS)
    message = str(caught.value)
    assert "sweep.json" in message and "delete that file only" in message
    assert "points already written are kept" in message


# --- no orphans --------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(_children(p))
    return seen


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig,args", [
    (signal.SIGTERM, ["sweep", "starcloud-demo", "--param", "seed=1:4:1", "--hours", "6",
                      "--workers", "2", "--out", "{tmp}/sw"]),
    (signal.SIGKILL, ["sweep", "starcloud-demo", "--param", "seed=1:4:1", "--hours", "6",
                      "--workers", "2", "--out", "{tmp}/sw"]),
    (signal.SIGTERM, ["eclipses", "starlink-shell1", "--hours", "24", "--workers", "2",
                      "--chunk-size", "50", "--out", "{tmp}/e.csv"]),
], ids=["sweep-TERM", "sweep-KILL", "eclipses-TERM"])
def test_no_worker_outlives_a_killed_parent(tmp_path, sig, args):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    process = subprocess.Popen([sys.executable, "-m", "orbitsim", *args], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + DEADLINE_S
    try:
        # Both workers started (the parent, multiprocessing's resource tracker, 2 workers).
        while len(_tree(process.pid)) < 4:
            assert process.poll() is None, "finished before it could be killed"
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        workers = _tree(process.pid)[1:]
        os.kill(process.pid, sig)
        process.wait(timeout=DEADLINE_S)
        while any(_alive(p) for p in workers) and time.monotonic() < deadline + DEADLINE_S:
            time.sleep(0.05)
        assert not [p for p in workers if _alive(p)]
    finally:
        for p in [process.pid, *_tree(process.pid)]:
            if _alive(p):
                os.kill(p, signal.SIGKILL)


# --- Dask ----------------------------------------------------------------------------------


def test_a_dask_sweep_with_no_worker_ends_with_one_line(base, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    params = parse_params(["seed=1,2"], base)
    out = tmp_path / "sw"
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        with pytest.raises(InputError) as caught:
            run_sweep(base, params, out, hours=HOURS, scheduler=cluster.scheduler_address,
                      worker_timeout_s=1.0)
    assert "no Dask worker connected" in str(caught.value) and "--worker-timeout" in str(
        caught.value)
    assert "0 points finished are kept" in str(caught.value)
    assert json.loads((out / "sweep.json").read_text())["hours"] == HOURS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_dask_sweep_that_loses_its_scheduler_ends_with_one_line(tmp_path):
    pytest.importorskip("dask.distributed")
    port = _free_port()
    scheduler = subprocess.Popen(
        [sys.executable, "-c", "import asyncio, sys\n"
         "from distributed import Scheduler\n"
         "async def main():\n"
         f"    async with Scheduler(host='127.0.0.1', port={port}, dashboard_address=None):\n"
         "        await asyncio.sleep(3600)\n"
         "asyncio.run(main())\n"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = tmp_path / "sw"
    sweep = None
    try:
        deadline = time.monotonic() + DEADLINE_S
        while True:  # the scheduler listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        sweep = subprocess.Popen(
            [sys.executable, "-m", "orbitsim", "sweep", "starcloud-demo", "--param", "seed=1,2",
             "--hours", str(HOURS), "--scheduler", f"tcp://127.0.0.1:{port}",
             "--worker-timeout", "600", "--out", str(out)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "COLUMNS": "200"})
        while not (out / "sweep.json").exists():  # connected, points submitted
            assert sweep.poll() is None, sweep.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        scheduler.kill()
        _, err = sweep.communicate(timeout=DEADLINE_S)
        assert sweep.returncode == 2, err
        assert err.count("\n") == 1 and "lost the Dask scheduler" in err, err
        assert "Traceback" not in err and "kept" in err
    finally:
        for process in (scheduler, sweep):
            if process is not None and process.poll() is None:
                process.kill()
