"""The input columns of a run's jobs, held compactly for the whole run.

The job table of :func:`orbitsim.model.workload.generate_jobs` repeats per-class values on
every row (tenant, kind, class, accelerators, deadline, checkpoint interval, MFU): a column
with few distinct values is kept as small integer codes into its distinct values (exact: floats
are compared bit for bit), the others as they are (floating-point columns as typed arrays the
engine reads directly). :meth:`JobInputs.frame` gives back any range of rows as the original
columns with their original types.
"""

from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

#: A column with at most this many distinct values is kept as codes.
MAX_CODES = 65_535


class JobInputs:
    """The columns of a job table, rows ``0 .. n - 1`` (its index is dropped)."""

    def __init__(self, jobs: pd.DataFrame) -> None:
        self.n = len(jobs)
        self.columns = list(jobs.columns)
        self._coded: dict[str, tuple[np.ndarray, object]] = {}
        self._floats: dict[str, array] = {}
        self._plain: dict[str, object] = {}
        for name in self.columns:
            series = jobs[name]
            values = series.to_numpy() if isinstance(series.dtype, np.dtype) else None
            if name == "job_id" and values is not None and values.dtype == np.int64 and \
                    np.array_equal(values, np.arange(self.n)):
                self._plain[name] = None  # 0 .. n - 1: nothing to keep
            elif values is not None and values.dtype.kind in "biuf":
                # exact distinct values: floats by their bits (NaN, -0.0 kept as they are)
                bits = values.view(np.uint64) if values.dtype == np.float64 else values
                uniques, codes = np.unique(bits, return_inverse=True)
                if len(uniques) <= MAX_CODES and self.n > 2 * len(uniques):
                    self._coded[name] = (codes.astype(_code_type(len(uniques))),
                                         uniques.view(values.dtype))
                elif values.dtype == np.float64:
                    self._floats[name] = array("d", values.tobytes())
                else:
                    self._plain[name] = values.copy()
            else:  # strings (object or str dtype) and anything else pandas holds
                codes, uniques = pd.factorize(series, use_na_sentinel=False)
                if len(uniques) <= MAX_CODES and self.n > 2 * len(uniques):
                    self._coded[name] = (codes.astype(_code_type(len(uniques))), uniques)
                else:
                    self._plain[name] = series.reset_index(drop=True).copy()

    def __len__(self) -> int:
        return self.n

    def column(self, name: str, start: int = 0, stop: int | None = None):
        """Rows ``start .. stop - 1`` of column ``name`` (a numpy array or a pandas array)."""
        stop = self.n if stop is None else stop
        if name in self._floats:
            return np.frombuffer(self._floats[name], dtype=np.float64)[start:stop].copy()
        if name in self._coded:
            codes, uniques = self._coded[name]
            return uniques.take(codes[start:stop].astype(np.intp))
        plain = self._plain[name]
        if plain is None:
            return np.arange(start, stop, dtype=np.int64)
        if isinstance(plain, pd.Series):
            return plain.iloc[start:stop].array
        return plain[start:stop]

    def frame(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """Rows ``start .. stop - 1`` with the table's columns and types (index from 0)."""
        return pd.DataFrame({name: self.column(name, start, stop) for name in self.columns})

    def floats(self, name: str) -> array:
        """Column ``name`` as a typed array of doubles for the engine (shared, not copied,
        when the column is held that way)."""
        if name in self._floats:
            return self._floats[name]
        return array("d", np.asarray(self.column(name), dtype=np.float64).tobytes())

    def references(self, name: str) -> list:
        """Column ``name`` as a list of Python objects, equal values sharing one object
        (8 bytes a row)."""
        if name in self._coded:
            codes, uniques = self._coded[name]
            objects = np.array(list(uniques.tolist()) if hasattr(uniques, "tolist")
                               else list(uniques), dtype=object)
            return objects[codes].tolist()
        return list(np.asarray(self.column(name)).tolist())


def _code_type(n_uniques: int):
    return np.uint8 if n_uniques <= 255 else np.uint16


__all__ = ["JobInputs", "MAX_CODES"]
