"""Files of a run (interfaces layer), each written atomically: summary.json,
jobs/nodes/transfers Parquet, plots and the report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from orbitsim.errors import InputError
from orbitsim.io import atomic_path, output_set, write_text_atomic


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def write_parquet(frame, path: Path) -> Path:
    """Deterministic Parquet: no pandas index, no creation timestamps, fixed compression."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=False)
    return path


def check_out_dir(out: str | Path) -> Path:
    """``out`` must be a folder or not exist yet: InputError if it is a file (or a file stands
    where one of its parents must be). Called before a long run, and again before writing."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder name")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise InputError(f"--out {out}: {parent} is a file, not a folder")
    return out


def write_outputs(run, out: str | Path) -> list[Path]:
    """Write every file of a run into ``out`` as one set: into a temporary folder beside it,
    renamed into place at the end (:func:`orbitsim.io.output_set`), so that ``out`` never mixes
    files of two runs; returns their paths (inside ``out``)."""
    out = check_out_dir(out)
    with output_set(out) as staging:
        files = _write_files(run, staging)
    return [out / Path(f).name for f in files]


def _write_files(run, out: Path) -> list[Path]:
    """Every file of a run, written into the folder ``out``."""
    files = [
        write_parquet(run.jobs, out / "jobs.parquet"),
        write_parquet(run.nodes, out / "nodes.parquet"),
        write_parquet(run.transfers, out / "transfers.parquet"),
    ]
    if "verdict" not in run.summary:  # a run of orbitsim.sim.run.simulate: price it
        from orbitsim.api import add_verdict

        add_verdict(run)
    from orbitsim.analysis.report import write_report

    files.extend(write_report(run, out, verdict=run.verdict))
    files.append(write_text_atomic(out / "summary.json", summary_json(run.summary)))
    return files


def summary_json(summary: dict) -> str:
    """The text of ``summary.json``: non-finite numbers as ``null``, keys sorted."""
    return json.dumps(_jsonable(summary), indent=2, sort_keys=True)
