"""Atomic output: every file is written under a temporary name, then renamed into place.

An interrupted run never leaves a half-written output behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from orbitsim.errors import InputError

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once at import: the process-wide setting is left as it was


def make_dir(path: str | Path, *, what: str = "folder") -> Path:
    """Create the folder ``path`` (and its parents); InputError if a file is in the way."""
    path = Path(path)
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            raise InputError(f"{part} is a file, not a folder; give a {what} name")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    :class:`InputError` if ``path`` is an existing folder or a file stands where a parent
    folder must be.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name")
    make_dir(path.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv_atomic(path: str | Path, frame) -> Path:
    """Write a pandas DataFrame as CSV (no index) atomically; datetime columns are written as
    ISO 8601 UTC with milliseconds (:func:`csv_frame`)."""
    with atomic_path(path) as tmp:
        csv_frame(frame).to_csv(tmp, index=False)
    return Path(path)


def csv_frame(frame):
    """``frame`` with its datetime columns as ISO 8601 strings, ``2026-06-21T00:00:00.000Z``
    (NaT: empty), the form every CSV of orbitsim uses; other columns untouched."""
    import pandas as pd

    from orbitsim.model.timegrid import iso_utc

    if not isinstance(frame, pd.DataFrame):
        return frame
    dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if not dates:
        return frame
    return frame.assign(**{c: iso_utc(frame[c]) for c in dates})
