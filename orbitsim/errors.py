"""Errors that orbitsim reports to its users.

Every problem with user input is an :class:`InputError`: the CLI prints it as one line
(``file:line: field: what was expected``) and exits with code 2. Numerical failures inside
arrays (an SGP4 decay) are never raised: they are data, NaN plus an error code.
"""

from __future__ import annotations

from pathlib import Path


class OrbitsimError(Exception):
    """Base class of every error orbitsim raises on purpose."""


class InputError(OrbitsimError, ValueError):
    """Bad user input: a file, a field or a value that is not what was expected.

    >>> str(InputError("line 2 must start with '2'", source="iss.tle", line=4))
    "iss.tle:4: line 2 must start with '2'"
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = " ".join(str(message).split())  # always one line
        self.source = str(source) if source is not None else None
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class OutputError(InputError):
    """An output that cannot be written (disk full, read-only or missing folder, no
    permission): one line naming the path, exit code 2, like bad input."""
