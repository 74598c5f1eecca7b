"""Tables written to disk while a run goes on: rows that are final leave memory in chunks.

A :class:`Spool` is one Parquet file in a per-run temporary folder, written chunk by chunk
(pyarrow ``ParquetWriter``, zstd, no statistics, as :func:`orbitsim.results.write_parquet`
does; the pandas schema metadata is kept so that pandas reads back the types it wrote), a
row group a chunk, and read back whole (:meth:`Spool.frame`), by a few columns
(:meth:`Spool.columns`) or a row group at a time (:meth:`Spool.batches`). The folder is
removed when the last spool of the run is garbage-collected (or the process exits).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

#: Rows read back at a time (of one row group) by :meth:`Spool.batches`.
READ_ROWS = 16_384


class SpoolFolder:
    """A temporary folder for a run's spool files, removed with the last object using it."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="orbitsim-spool-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        self._cleanup()


class Spool:
    """A table kept in a Parquet file: :meth:`write` appends a chunk of rows (a DataFrame;
    every chunk the same columns and types), :meth:`close` ends it. An empty spool (no chunk
    written) reads back as ``empty`` (a DataFrame of the columns, no rows)."""

    def __init__(self, folder: SpoolFolder, name: str, empty: pd.DataFrame | None = None) -> None:
        self.folder = folder  # keeps the folder alive while the spool is
        self.path = folder.path / f"{name}.parquet"
        self.rows = 0
        self._writer = None
        self._schema = None
        self._empty = empty

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._schema is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self.path, self._schema, compression="zstd",
                                            write_statistics=False)
        else:
            table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        self._writer.write_table(table)
        del table
        _release()
        self.rows += len(frame)
        if self._empty is None:
            self._empty = frame.iloc[:0].copy()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __len__(self) -> int:
        return self.rows

    @property
    def column_names(self) -> list[str]:
        return [] if self._empty is None else list(self._empty.columns)

    def _file(self):
        import pyarrow.parquet as pq

        self.close()
        return pq.ParquetFile(self.path, pre_buffer=False)

    def frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The whole table (or its ``columns``), as pandas reads it back."""
        if self.rows == 0:
            empty = self._empty if self._empty is not None else pd.DataFrame()
            return (empty if columns is None else
                    empty[[c for c in columns if c in empty.columns]]).copy()
        with self._file() as handle:
            frame = handle.read(columns=columns).to_pandas()
        _release()
        return frame

    def columns(self, columns: list[str]) -> pd.DataFrame:
        """Only ``columns`` (those the table has), strings as Python strings shared between
        equal values (one reference a row, not one string)."""
        return self.frame([c for c in columns if c in self.column_names])

    def batches(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The table in consecutive chunks of at most :data:`READ_ROWS` rows."""
        for table in self._row_groups(columns):
            yield table.to_pandas()

    def arrow_batches(self, columns: list[str] | None = None):
        """The table as consecutive pyarrow tables (the types it was written with)."""
        yield from self._row_groups(columns)

    def _row_groups(self, columns):
        # one row group at a time, on this thread: pyarrow's batch iterator reads ahead
        # (several row groups of every column held at once)
        if self.rows == 0:
            return
        import pyarrow as pa

        with self._file() as handle:
            for index in range(handle.num_row_groups):
                for batch in handle.iter_batches(batch_size=READ_ROWS, row_groups=[index],
                                                 columns=columns, use_threads=False):
                    table = pa.Table.from_batches([batch])
                    del batch
                    yield table
                    del table
                _release()


def _release() -> None:
    """Hand the memory pyarrow's pool keeps after a read or a write back to the system
    (its allocator otherwise holds tens of MB a table for reuse)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def release_memory() -> None:
    """Give memory freed by a run's big steps back to the system: pyarrow's pool, and the C
    heap (glibc keeps freed pages between live blocks mapped until ``malloc_trim``)."""
    _release()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


__all__ = ["Spool", "SpoolFolder", "release_memory"]
