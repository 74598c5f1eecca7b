"""Worker processes that never outlive the orbitsim process that started them.

A process pool's workers are children of the command; if the command is killed (``kill -TERM``,
``kill -KILL``, the OOM killer) Python's own clean-up never runs and the workers would go on
computing for nobody, each holding hundreds of MB. :func:`die_with_parent`, a pool
initializer, asks Linux to send the worker SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, see prctl(2)), through ctypes: no extra package.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys

#: prctl(2) option: the signal a process receives when its parent thread dies.
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> None:
    """Pool initializer: the calling (worker) process gets SIGKILL when its parent dies.

    ``parent_pid``: the parent's pid when the pool was made; if the parent is already gone
    when this runs (it died while the worker was starting), the worker exits at once. On systems
    without prctl (not Linux) this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
