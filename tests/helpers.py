"""Helpers shared by the test modules."""

from __future__ import annotations

from orbitsim import cli


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``orbitsim ARGS`` in this process: its exit code, standard output and standard error."""
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err
