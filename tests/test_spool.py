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


def test_the_spool_of_a_killed_process_is_removed_by_the_next_run(tmp_path):
    import subprocess
    import sys

    from orbitsim.sim.spool import remove_stale_spools

    # a process that made a spool folder and was killed before removing it
    code = ("import os, sys; from orbitsim.sim.spool import SpoolFolder; "
            f"f = SpoolFolder({str(tmp_path)!r}); print(f.path, flush=True); os._exit(0)")
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()
    from pathlib import Path

    assert (tmp_path / Path(dead).name).is_dir()
    mine = SpoolFolder(tmp_path)  # made by a live process: kept; the dead one's: removed
    assert [p.name for p in tmp_path.iterdir()] == [mine.path.name]
    assert remove_stale_spools(tmp_path) == []
    mine.remove()
    assert list(tmp_path.iterdir()) == []
