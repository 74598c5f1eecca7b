"""Crash safety: SIGINT during ``orbitsim run`` / ``orbitsim sweep`` leaves no half-written file
and says how to resume (exit code 130); an interrupted sweep resumes with the missing points."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from orbitsim.io import atomic_path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120.0


def _default_sigint() -> None:
    """In the child: SIGINT back to its default, whatever the tests were started from (a
    shell's background job ignores SIGINT, and Python then never raises KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "orbitsim", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def _interrupt_when(process: subprocess.Popen, ready) -> tuple[int, str, str]:
    """Send SIGINT once ``ready()`` holds (polled), then wait for the process to end."""
    deadline = time.monotonic() + TIMEOUT_S
    while not ready():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"finished before it could be interrupted: {err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("no output appeared in time")
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=TIMEOUT_S)
    return process.returncode, out, err


def _assert_complete(folder: Path) -> list[Path]:
    """No temporary file is left and every file present is whole (it parses)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.endswith(".partial")], files
    for path in files:
        if path.suffix == ".parquet":
            pd.read_parquet(path)
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        elif path.suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    return files


def test_atomic_path_removes_the_temporary_file_on_interrupt(tmp_path):
    target = tmp_path / "out.bin"
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_sigint_during_run_leaves_only_whole_files(tmp_path):
    """Interrupted while its files are being written (its temporary folder already holds
    jobs.parquet): no ``.partial`` file or folder is left anywhere, and ``--out`` holds either
    nothing or one whole set. The signal may land just after the set was renamed into place
    (exit 0, under load); both outcomes are checked, neither is a race the test can lose."""
    out = tmp_path / "run"
    process = _start(["run", "starcloud-demo", "--hours", "6", "--out", str(out)])
    code, _, err = _interrupt_when(process, lambda: any(
        (p / "jobs.parquet").is_file() for p in tmp_path.glob(".run.*.partial")))
    assert code in (0, 130), err
    assert "Traceback" not in err
    if code == 130:
        assert "interrupted" in err and "no output was half-written" in err
        assert "run the same command again" in err and "rerun" in err
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".partial")]
    if out.exists():
        files = _assert_complete(out)
        assert {out / "jobs.parquet", out / "summary.json", out / "report.html"} <= set(files)


def test_sigint_during_sweep_resumes_with_the_missing_points(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", "starcloud-demo", "--param", "seed=1:4:1", "--hours", "0.5",
            "--out", str(out)]
    points = out / "points"
    process = _start(args)
    code, _, err = _interrupt_when(
        process, lambda: points.is_dir() and any(points.glob("*.parquet")))
    assert code == 130, err
    assert "interrupted" in err and "continue" in err and "only the missing ones" in err
    assert "Traceback" not in err
    _assert_complete(out)
    written = sorted(points.glob("*.parquet"))
    assert 1 <= len(written) < 4
    before = {p.name: p.read_bytes() for p in written}

    done = subprocess.run([sys.executable, "-m", "orbitsim", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=TIMEOUT_S,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    match = re.search(r"4 points over .*: (\d+) run, (\d+) already done", done.stdout)
    assert match, done.stdout
    assert (int(match.group(1)), int(match.group(2))) == (4 - len(before), len(before))
    # The points written before the interrupt were kept as they were, not recomputed.
    assert {p.name: p.read_bytes() for p in written} == before
    _assert_complete(out)
    assert len(pd.read_parquet(out / "sweep.parquet")) == 4
