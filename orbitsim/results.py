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


def _write_table(run, table: str, path: Path, instants) -> Path:
    """``jobs.parquet`` or ``transfers.parquet``: from the run's table in memory, or (a
    streamed run) copied from its spool a row group at a time, the ``*_utc`` columns added
    to each (:func:`orbitsim.sim.run.with_datetimes`): the same columns, types and values
    as :func:`write_parquet` of the whole table, never the whole table in memory."""
    spool = run.result.spooled(table) if hasattr(run.result, "spooled") else None
    if spool is None or len(spool) == 0:
        return write_parquet(getattr(run, table), path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    grid = run.inputs.grid
    with atomic_path(path) as tmp:
        writer = None
        try:
            for batch in spool.arrow_batches():
                table_ = batch.replace_schema_metadata(None)
                for column in instants:
                    name = column.removesuffix("_s") + "_utc"
                    if column not in table_.column_names or name in table_.column_names:
                        continue
                    seconds = table_.column(column).to_numpy().astype(float, copy=False)
                    utc = pa.array(grid.datetimes(seconds))
                    table_ = table_.add_column(table_.column_names.index(column) + 1,
                                               name, utc)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table_.schema, compression="zstd",
                                              write_statistics=False)
                writer.write_table(table_)
        finally:
            if writer is not None:
                writer.close()
    from orbitsim.sim.spool import release_memory

    release_memory()
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
    from orbitsim.sim.run import JOB_INSTANTS, TRANSFER_INSTANTS

    files = [
        _write_table(run, "jobs", out / "jobs.parquet", JOB_INSTANTS),
        write_parquet(run.nodes, out / "nodes.parquet"),
        _write_table(run, "transfers", out / "transfers.parquet", TRANSFER_INSTANTS),
    ]
    if getattr(run.result, "isl_transfers", None) is not None:  # isl = "mesh"
        files.append(write_parquet(run.result.isl_transfers, out / "isl_transfers.parquet"))
        files.append(write_parquet(run.result.isl_links, out / "isl_links.parquet"))
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
