"""Atomic output: every file is written under a temporary name, then renamed into place.

An interrupted run never leaves a half-written output behind. Temporary names carry the
writer's process id (``.NAME.PID.RANDOM.partial``), so that the ``.partial`` files and folders of
a killed process are recognised and removed by the next command writing beside them
(:func:`remove_stale_partials`). A write that fails (full disk, read-only folder, no permission)
is an :class:`~orbitsim.errors.OutputError` naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from orbitsim.errors import InputError, OutputError

#: ``.NAME.PID.RANDOM.partial``: a temporary file or folder of process PID.
_PARTIAL = re.compile(r"^\..*\.(\d+)\.[^.]*\.partial$")
#: A ``.partial`` without a process id (written by an older orbitsim) is stale after this long.
LEGACY_PARTIAL_AGE_S = 3600.0
_CLEANED: set[str] = set()

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once at import: the process-wide setting is left as it was


#: errno values that mean "this output cannot be written here".
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT,
                 errno.EFBIG, errno.EIO}


def _write_error(exc: BaseException, path: Path, tmp: Path | None) -> bool:
    """An OSError while writing ``path`` (not one about some input file read meanwhile)."""
    if not isinstance(exc, OSError):
        return False
    if exc.errno in _WRITE_ERRNOS:
        return True
    named = getattr(exc, "filename", None)
    return named is None or str(named) in {str(path), str(tmp), str(path.parent)}


def write_failure(path: str | Path, exc: OSError) -> OutputError:
    """One line for a failed write: ``cannot write PATH: No space left on device``."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"cannot write {path}: {reason}")


def make_dir(path: str | Path, *, what: str = "folder") -> Path:
    """Create the folder ``path`` (and its parents); InputError if a file is in the way,
    OutputError if the folder cannot be made (read-only, no permission)."""
    path = Path(path)
    for part in (path, *path.parents):
        if part.exists() and not part.is_dir():
            raise InputError(f"{part} is a file, not a folder; give a {what} name")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(path, exc) from None
    return path


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this one, or any other, ours or not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_partials(folder: str | Path) -> list[Path]:
    """Remove the ``.partial`` files and folders in ``folder`` left by processes that are no
    longer running (killed mid-write); returns what was removed. Those of live processes are
    left alone; old ones without a process id go after :data:`LEGACY_PARTIAL_AGE_S`."""
    folder = Path(folder)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not entry.name.endswith(".partial") or not entry.name.startswith("."):
            continue
        match = _PARTIAL.match(entry.name)
        try:
            if match:
                stale = not process_alive(int(match.group(1)))
            else:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > LEGACY_PARTIAL_AGE_S
            if not stale:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _clean_once(folder: Path) -> None:
    key = str(folder.resolve())
    if key not in _CLEANED:
        _CLEANED.add(key)
        remove_stale_partials(folder)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done (in the main thread; elsewhere this does
    nothing): a temporary name is created and recorded, or a rename done, as one step."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def partial_prefix(name: str) -> str:
    """Prefix of this process's temporary names for ``name``: ``.NAME.PID.``."""
    return f".{name}.{os.getpid()}."


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
    _clean_once(path.parent)
    tmp = None
    try:
        with deferred_signals():  # no interrupt between creating the file and knowing it
            fd, tmp_name = tempfile.mkstemp(prefix=partial_prefix(path.name), suffix=".partial",
                                            dir=path.parent)
            os.close(fd)
            tmp = Path(tmp_name)
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        if _write_error(exc, path, tmp):
            raise write_failure(path, exc) from None
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


#: What a run folder may hold for it to be replaced by a new run: its own kinds of file.
RUN_FILE_SUFFIXES = (".parquet", ".png", ".html", ".json", ".csv", ".partial")
_RENAME_EXCHANGE = 2  # renameat2(2) flag: swap two paths atomically
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return False
    done = function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def check_replaceable(out: Path, what: str = "run") -> None:
    """``out`` is missing, empty, or holds only what an orbitsim ``what`` writes (so that a
    new set may replace it whole); else InputError naming it."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder name")
    entries = list(out.iterdir())
    foreign = [e.name for e in entries if e.is_dir() or e.suffix not in RUN_FILE_SUFFIXES]
    if entries and (foreign or not (out / "summary.json").exists()):
        shown = ", ".join(sorted(foreign)[:3]) or "no summary.json"
        raise InputError(f"--out {out} holds files that are not an orbitsim {what}'s ({shown}); "
                         "a run replaces its folder whole: give a new or empty folder")


@contextlib.contextmanager
def output_set(out: str | Path, what: str = "run") -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` whole, so that
    ``out`` always holds one complete set of files: the previous one or the new one, never a
    mix (a killed run leaves the previous set and a ``.partial`` folder that the next one
    removes). The swap is one atomic exchange where Linux offers it (renameat2), else two
    renames with signals deferred."""
    out = Path(out)
    check_replaceable(out, what)
    parent = make_dir(out.parent if str(out.parent) else Path("."))
    remove_stale_partials(parent)
    if out.is_dir():
        remove_stale_partials(out)
    staging = None
    try:
        with deferred_signals():
            staging = Path(tempfile.mkdtemp(prefix=partial_prefix(out.name), suffix=".partial",
                                            dir=parent))
        made = staging
        os.chmod(staging, 0o777 & ~_UMASK)
        yield staging
        with deferred_signals():
            if out.exists() and _exchange(staging, out):
                pass  # staging now holds the previous set
            elif out.exists():
                old = Path(tempfile.mkdtemp(prefix=partial_prefix(out.name), suffix=".partial",
                                            dir=parent))
                os.rename(out, old / out.name)
                os.rename(staging, out)
                staging = old
            else:
                os.rename(staging, out)
                staging = None
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OutputError) and staging is not None:  # name the final path
            raise OutputError(exc.message.replace(str(made), str(out))) from None
        if _write_error(exc, out, staging) and not isinstance(exc, InputError):
            raise write_failure(out, exc) from None
        raise
