"""Whole output sets: a run's folder holds one complete set of files, the previous run's or
the new one's, never a mix; stale ``.partial`` files are removed; a write that fails (full disk,
read-only folder) is one line naming the path, exit 2."""

from __future__ import annotations

import errno
import json
import os

import pyarrow.parquet as pq
import pytest

from orbitsim import simulate
from orbitsim.io import atomic_path, remove_stale_partials
from orbitsim.results import write_outputs
from tests.helpers import run

DEAD_PID = 4_194_304 + 17  # above Linux's largest pid: never a live process


@pytest.fixture(scope="module")
def runs():
    return simulate("starcloud-demo", hours=0.5, seed=1), simulate("starcloud-demo", hours=0.5,
                                                                   seed=2)


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_interrupted_rerun_keeps_the_previous_set_whole(runs, tmp_path, monkeypatch):
    first, second = runs
    out = tmp_path / "out"
    write_outputs(first, out)
    before = _snapshot(out)
    calls = {"n": 0}
    real = pq.write_table

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        # jobs.parquet of the new run written (streamed from the run's spool, not by
        # write_table), then Ctrl-C while writing nodes.parquet
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pq, "write_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(second, out)
    assert _snapshot(out) == before  # the old summary.json with the old jobs.parquet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    monkeypatch.setattr(pq, "write_table", real)
    write_outputs(second, out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"]["seed"] == 2 and set(_snapshot(out)) == set(before)


def test_a_full_disk_is_one_line_exit_2_naming_the_path(capsys, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full)
    out = tmp_path / "out"
    code, _, err = run(capsys, "run", "starcloud-demo", "--hours", "0.2", "--out", str(out))
    assert code == 2 and err.count("\n") == 1, err
    assert "No space left on device" in err and str(out) in err and "internal" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_folder_is_one_line_exit_2_naming_the_path(capsys, tmp_path):
    target = "/sys/orbitsim-test-out/e.csv"  # sysfs: no new entries, even for root
    code, _, err = run(capsys, "eclipses", "starcloud-demo", "--hours", "0.1", "--out", target)
    assert code == 2 and err.count("\n") == 1 and "/sys/orbitsim-test-out" in err, err
    assert "internal" not in err


def test_stale_partials_of_dead_processes_are_removed(tmp_path):
    dead_file = tmp_path / f".e.csv.{DEAD_PID}.abc123.partial"
    dead_file.write_text("half")
    dead_dir = tmp_path / f".run.{DEAD_PID}.xyz.partial"
    dead_dir.mkdir()
    (dead_dir / "jobs.parquet").write_text("half")
    live = tmp_path / f".e.csv.{os.getpid()}.live.partial"
    live.write_text("being written")
    with atomic_path(tmp_path / "e.csv") as tmp:
        tmp.write_text("whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["e.csv", live.name])
    assert remove_stale_partials(tmp_path) == []


def test_a_run_never_replaces_a_folder_of_other_files(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "run", "starcloud-demo", "--hours", "0.2", "--out", str(tmp_path))
    assert code == 2 and "notes.txt" in err and err.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text() == "mine"
