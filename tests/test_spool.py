"""Spool files: tables written a chunk at a time, read back whole, by column or by chunk."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd

from orbitsim.sim.spool import Spool, SpoolFolder


def _chunk(start: int, n: int) -> pd.DataFrame:
    ids = np.arange(start, start + n)
    return pd.DataFrame({"job_id": ids, "status": ["done" if i % 3 else "failed" for i in ids],
                         "latency_s": np.where(ids % 5 == 0, np.nan, ids * 0.5),
                         "lost": ids % 7 == 0})


def test_chunks_read_back_as_one_table():
    folder = SpoolFolder()
    spool = Spool(folder, "jobs")
    for start in range(0, 50_000, 12_500):
        spool.write(_chunk(start, 12_500))
    whole = pd.concat([_chunk(s, 12_500) for s in range(0, 50_000, 12_500)],
                      ignore_index=True)
    assert len(spool) == 50_000
    pd.testing.assert_frame_equal(spool.frame(), whole)
    pd.testing.assert_frame_equal(spool.columns(["latency_s", "absent"]), whole[["latency_s"]])
    parts = list(spool.batches(["job_id", "status"]))
    assert len(parts) >= 4 and all(len(p) <= 16_384 for p in parts)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True),
                                  whole[["job_id", "status"]])


def test_an_empty_spool_reads_as_its_template_and_the_folder_goes_with_it():
    folder = SpoolFolder()
    path = folder.path
    spool = Spool(folder, "transfers", empty=_chunk(0, 0))
    assert list(spool.frame().columns) == ["job_id", "status", "latency_s", "lost"]
    assert spool.frame().empty and list(spool.batches()) == []
    assert list(spool.columns(["status"]).columns) == ["status"]
    assert path.is_dir()
    del spool, folder
    gc.collect()
    assert not path.exists()
