"""Tables written to disk while a run goes on: rows that are final leave memory in chunks.

A :class:`Spool` is one Arrow IPC file (uncompressed: written while the simulation runs, it
must cost next to nothing) in a per-run temporary folder, a record batch a chunk, with the
pandas schema metadata so that pandas reads back the types it wrote. It is read back whole
(:meth:`Spool.frame`), by a few columns (:meth:`Spool.columns`, memory-mapped: only those
columns are read) or :data:`READ_ROWS` rows at a time (:meth:`Spool.batches`). The folder is
removed when the last spool of the run is garbage-collected (or the process exits).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

#: Rows read back at a time by :meth:`Spool.batches` and :meth:`Spool.arrow_batches`.
READ_ROWS = 16_384


#: Spool folders are named ``orbitsim-spool-PID-RANDOM`` in the system's temporary folder
#: (RANDOM: :func:`tempfile.mkdtemp`'s unique suffix).
SPOOL_PREFIX = "orbitsim-spool-"


class SpoolFolder:
    """A temporary folder for a run's spool files, removed with the last object using it.
    Its name carries the process id: the folders of killed processes are removed when the next
    one is made (:func:`remove_stale_spools`)."""

    def __init__(self, parent: str | Path | None = None) -> None:
        parent = Path(parent if parent is not None else tempfile.gettempdir())
        remove_stale_spools(parent)
        self.path = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=parent))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        self._cleanup()


class Spool:
    """A table kept in a file: :meth:`write` appends a chunk of rows (a DataFrame; every
    chunk the same columns and types), :meth:`close` ends it. An empty spool (no chunk
    written) reads back as ``empty`` (a DataFrame of the columns, no rows)."""

    def __init__(self, folder: SpoolFolder, name: str, empty: pd.DataFrame | None = None) -> None:
        self.folder = folder  # keeps the folder alive while the spool is
        self.path = folder.path / f"{name}.arrow"
        self.rows = 0
        self._sink = None
        self._writer = None
        self._schema = None
        self._empty = empty

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        if self._schema is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            self._schema = table.schema
            self._sink = pa.OSFile(str(self.path), "wb")
            self._writer = pa.ipc.new_file(self._sink, self._schema)
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
            self._sink.close()
            self._writer = self._sink = None

    def __len__(self) -> int:
        return self.rows

    @property
    def column_names(self) -> list[str]:
        return [] if self._empty is None else list(self._empty.columns)

    def _tables(self, columns: list[str] | None):
        """The file's record batches as tables of ``columns``. A few columns are read from
        the file memory-mapped (a column not asked for is never read); every column, a batch
        at a time into memory (a mapping would keep every page read resident until the end)."""
        import pyarrow as pa

        self.close()
        opened = pa.OSFile(str(self.path)) if columns is None else pa.memory_map(str(self.path))
        with opened as source:
            reader = pa.ipc.open_file(source)
            for index in range(reader.num_record_batches):
                batch = reader.get_batch(index)
                table = pa.Table.from_batches([batch])
                del batch
                yield table if columns is None else table.select(columns)
                del table

    def frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The whole table (or its ``columns``), as pandas reads it back."""
        if self.rows == 0:
            empty = self._empty if self._empty is not None else pd.DataFrame()
            return (empty if columns is None else
                    empty[[c for c in columns if c in empty.columns]]).copy()
        import pyarrow as pa

        frame = pa.concat_tables(list(self._tables(columns))).to_pandas()
        _release()
        return frame

    def columns(self, columns: list[str]) -> pd.DataFrame:
        """Only ``columns`` (those the table has)."""
        return self.frame([c for c in columns if c in self.column_names])

    def batches(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The table in consecutive chunks of at most :data:`READ_ROWS` rows."""
        for table in self.arrow_batches(columns):
            yield table.to_pandas()

    def arrow_batches(self, columns: list[str] | None = None):
        """The table as consecutive pyarrow tables of at most :data:`READ_ROWS` rows (the
        types it was written with)."""
        if self.rows == 0:
            return
        for table in self._tables(columns):
            for start in range(0, table.num_rows, READ_ROWS):
                yield table.slice(start, READ_ROWS)
            del table
            _release()


def remove_stale_spools(parent: str | Path) -> list[Path]:
    """Remove the spool folders in ``parent`` whose process no longer runs (a run killed before
    its result was collected); returns them. Those of live processes are left alone."""
    from orbitsim.io import process_alive

    removed = []
    for folder in Path(parent).glob(f"{SPOOL_PREFIX}*"):
        pid = folder.name[len(SPOOL_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or process_alive(int(pid)) or not folder.is_dir():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


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


__all__ = ["Spool", "SpoolFolder", "release_memory", "remove_stale_spools"]
