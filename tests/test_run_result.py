"""RunResult as a notebook uses it: the tables of the run's files with UTC datetimes beside the
seconds, write() giving the files of ``orbitsim run``, report() the page, a one-line repr."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import orbitsim
from orbitsim.results import summary_json
from orbitsim.sim.run import JOB_INSTANTS


@pytest.fixture(scope="module")
def run():
    return orbitsim.simulate("starcloud-demo", hours=1)


def test_jobs_and_transfers_have_datetimes_beside_the_seconds(run):
    start = pd.Timestamp(run.scenario.start_utc)
    for frame, columns in ((run.jobs, JOB_INSTANTS), (run.transfers, ("start_s", "end_s"))):
        for column in columns:
            utc = column.removesuffix("_s") + "_utc"
            assert str(frame[utc].dtype) == "datetime64[ns, UTC]"
            # right after its seconds column, the same instant to the millisecond
            assert list(frame.columns).index(utc) == list(frame.columns).index(column) + 1
            seconds = frame[column].to_numpy(dtype=float)
            offset = (frame[utc] - start).dt.total_seconds().to_numpy()
            assert np.array_equal(np.isnan(seconds), np.isnan(offset))
            np.testing.assert_allclose(offset[~np.isnan(seconds)],
                                       seconds[~np.isnan(seconds)], atol=5e-4)
    assert run.jobs["finish_utc"].isna().sum() == (run.jobs["status"] != "done").sum()
    assert run.jobs is not None and run.jobs.columns.is_unique  # asking twice adds nothing


def test_write_gives_the_run_files_and_report_the_page(run, tmp_path):
    files = run.write(tmp_path / "out")
    names = {p.name for p in files}
    assert {"summary.json", "jobs.parquet", "nodes.parquet", "transfers.parquet",
            "report.html"} <= names
    assert (tmp_path / "out" / "summary.json").read_text() == summary_json(run.summary)
    assert json.loads(summary_json(run.summary))["scenario"]["name"] == "starcloud-demo"
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "jobs.parquet"), run.jobs)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "transfers.parquet"),
                                  run.transfers)
    page = run.report()
    assert page.startswith("<!DOCTYPE html>")
    assert page == (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_repr_is_one_line(run):
    text = repr(run)
    assert text.startswith("<RunResult starcloud-demo: 1 h from 2026-06-21T00:00:00Z, seed 42, "
                           "fifo; ") and text.endswith(">") and "\n" not in text
    assert f"{run.summary['jobs_total']:,} jobs" in text
