"""Load TLE (two-line) and 3LE (title + two lines) element files into a :class:`Constellation`.

The lines are checked column by column against the fixed NORAD layout (Space-Track's "Basic
Description of the Two Line Element Set Format", and the structural checks of sgp4's ``io.py``)
because sgp4's C++ ``twoline2rv`` accepts almost anything and returns garbage for a mangled
line. Lines that pass are kept verbatim in a :class:`TleSet`, so that propagation runs through
sgp4's own ``Satrec.twoline2rv(line1, line2, WGS72)`` and is bit-identical to using sgp4 directly.

Rules (every violation is an :class:`InputError` naming the file and the 1-based line number):

- A file is a sequence of entries; blank lines and lines starting with ``#`` (comments, as in
  sgp4's ``SGP4-VER.TLE``) are skipped anywhere.
- An entry is ``line 1`` (starts with ``"1 "``) directly followed by ``line 2`` (``"2 "``),
  optionally preceded by one title line (anything else; a leading ``"0 "`` is removed).
- After trailing whitespace is removed a TLE line has exactly 69 columns; column 69 is the
  modulo-10 checksum of columns 1-68 (digits count their value, ``-`` counts 1, all else 0).
  With ``verify_checksum=False`` the checksum is not compared, and 68-column lines (checksum
  missing) are accepted too. With ``strict_length=False`` only the first 69 columns are read
  and anything after them is ignored (``SGP4-VER.TLE`` carries start/stop/step columns there).
- Catalogue numbers are 5 digits (leading blanks allowed) or Alpha-5 (``A0000`` = 100000 up to
  ``Z9999`` = 339999, letters I and O unused) and must be equal on both lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sgp4.alpha5 import from_alpha5
from sgp4.api import WGS72, Satrec

from orbitsim.errors import InputError
from orbitsim.model.constellation import Constellation
from orbitsim.model.elements import TleSet

#: Columns of a TLE line, the last one being the checksum.
TLE_LINE_LENGTH = 69

_SATNUM = r" *[0-9]+|[A-HJ-NP-Z][0-9]{4}"
_ANGLE = r" *[0-9]{1,3}\.[0-9]{4}"
_EXPONENTIAL = r"[ +-][0-9]{5}[ +-][0-9]"


@dataclass(frozen=True)
class _Field:
    """One fixed-column field: ``line[start:stop]`` must match ``pattern`` entirely."""

    name: str
    start: int
    stop: int
    pattern: re.Pattern
    expected: str


def _field(name: str, start: int, stop: int, pattern: str, expected: str) -> _Field:
    return _Field(name, start, stop, re.compile(pattern), expected)


_LINE1_FIELDS = (
    _field("catalogue number", 2, 7, _SATNUM, "5 digits or an Alpha-5 number such as A0001"),
    _field("classification", 7, 8, r"[UCS ]", "U, C or S"),
    _field("international designator", 9, 17, r"[ -~]{8}", "printable characters"),
    _field("epoch year", 18, 20, r"[0-9]{2}", "two digits"),
    _field("epoch day", 20, 32, r" *[0-9]{1,3}\.[0-9]{8}", "a day of year DDD.DDDDDDDD"),
    _field("first derivative of mean motion", 33, 43, r"[ +-]\.[0-9]{8}", "a number ±.NNNNNNNN"),
    _field("second derivative of mean motion", 44, 52, _EXPONENTIAL, "a number ±NNNNN±N"),
    _field("BSTAR drag term", 53, 61, _EXPONENTIAL, "a number ±NNNNN±N"),
    _field("ephemeris type", 62, 63, r"[0-9 ]", "a digit"),
    _field("element set number", 64, 68, r" *[0-9]*", "up to 4 digits"),
)
_LINE2_FIELDS = (
    _field("catalogue number", 2, 7, _SATNUM, "5 digits or an Alpha-5 number such as A0001"),
    _field("inclination", 8, 16, _ANGLE, "degrees as NNN.NNNN"),
    _field("right ascension of the ascending node", 17, 25, _ANGLE, "degrees as NNN.NNNN"),
    _field("eccentricity", 26, 33, r"[0-9]{7}", "7 digits (implied leading decimal point)"),
    _field("argument of perigee", 34, 42, _ANGLE, "degrees as NNN.NNNN"),
    _field("mean anomaly", 43, 51, _ANGLE, "degrees as NNN.NNNN"),
    _field("mean motion", 52, 63, r" *[0-9]{1,2}\.[0-9]{8}", "revolutions a day as NN.NNNNNNNN"),
    _field("revolution number", 63, 68, r" *[0-9]*", "up to 5 digits"),
)
#: 0-based columns that must hold a blank.
_LINE1_BLANKS = (1, 8, 17, 32, 43, 52, 61, 63)
_LINE2_BLANKS = (1, 7, 16, 25, 33, 42, 51)
#: (field index in _LINE2_FIELDS, upper limit in degrees) for the angle range checks.
_LINE2_ANGLE_LIMITS = ((1, 180.0), (2, 360.0), (4, 360.0), (5, 360.0))


#: Byte table for the checksum: '0'..'9' count their value, '-' counts 1, all else 0.
_CHECKSUM_VALUES = bytes(
    int(chr(code)) if chr(code).isdigit() and code < 128 else int(code == ord("-"))
    for code in range(256)
)


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of columns 1-68: digits add their value, ``-`` adds 1."""
    head = line[: TLE_LINE_LENGTH - 1].encode("ascii", errors="replace")
    return sum(head.translate(_CHECKSUM_VALUES)) % 10


def decode_catalogue_number(text: str) -> int:
    """Catalogue number of a 5-column TLE field: digits (leading blanks allowed), or Alpha-5
    (``'A0000'`` = 100000 ... ``'Z9999'`` = 339999). ``ValueError`` on anything else."""
    if len(text) <= 5 and re.fullmatch(r" *[0-9]+", text):
        return int(text)
    if re.fullmatch(r"[A-HJ-NP-Z][0-9]{4}", text):
        return from_alpha5(text)
    raise ValueError(f"not a catalogue number: {text!r}")


def read_bytes(path: Path, source: str) -> bytes:
    """The bytes of a file, or an InputError naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", source=source) from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", source=source) from None


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (optional BOM), line endings kept, or an InputError giving the bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError("not a UTF-8 text file", source=source, line=line) from None


@dataclass(frozen=True)
class _Entry:
    title: str | None
    line1: str
    line2: str
    lineno1: int
    lineno2: int


def _check_line(
    line: str,
    number: int,
    lineno: int,
    source: str,
    *,
    verify_checksum: bool,
    strict_length: bool,
) -> str:
    """Validate one TLE line (``number`` 1 or 2) and return it as it will be given to sgp4."""

    def fail(message: str) -> InputError:
        return InputError(f"TLE line {number}: {message}", source=source, line=lineno)

    line = line.rstrip()
    if not line.isascii():
        raise fail("contains a non-ASCII character")
    if not strict_length:
        line = line[:TLE_LINE_LENGTH]
    shortest = TLE_LINE_LENGTH - 1 if not verify_checksum else TLE_LINE_LENGTH
    if not shortest <= len(line) <= TLE_LINE_LENGTH:
        expected = f"{TLE_LINE_LENGTH}" if verify_checksum else "68 or 69"
        hint = " (pass strict_length=False to ignore extra columns)" if strict_length else ""
        raise fail(f"has {len(line)} columns, expected {expected}{hint}")
    fields = _LINE1_FIELDS if number == 1 else _LINE2_FIELDS
    blanks = _LINE1_BLANKS if number == 1 else _LINE2_BLANKS
    for column in blanks:
        if line[column] != " ":
            raise fail(f"column {column + 1} must be blank, found {line[column]!r}")
    for spec in fields:
        text = line[spec.start : spec.stop]
        if not spec.pattern.fullmatch(text):
            raise fail(
                f"columns {spec.start + 1}-{spec.stop} ({spec.name}): expected "
                f"{spec.expected}, found {text!r}"
            )
    if len(line) == TLE_LINE_LENGTH:
        if not line[-1].isdigit():
            raise fail(f"column 69 (checksum) must be a digit, found {line[-1]!r}")
        if verify_checksum and int(line[-1]) != tle_checksum(line):
            raise fail(
                f"checksum mismatch: column 69 says {line[-1]} but the modulo-10 sum of "
                f"columns 1-68 is {tle_checksum(line)}"
            )
    if number == 1:
        day = float(line[20:32])
        if not 1.0 <= day < 367.0:
            raise fail(f"columns 21-32 (epoch day): {day} is not a day of year (1 to 366.999)")
    else:
        for index, limit in _LINE2_ANGLE_LIMITS:
            spec = fields[index]
            value = float(line[spec.start : spec.stop])
            if value > limit:
                raise fail(
                    f"columns {spec.start + 1}-{spec.stop} ({spec.name}): {value} deg is "
                    f"above {limit:g} deg"
                )
        if float(line[52:63]) <= 0.0:
            raise fail("columns 53-63 (mean motion): must be above zero")
    return line


def _split_entries(text: str, source: str) -> list[_Entry]:
    """Group the lines of a TLE/3LE file into entries, checking only the line prefixes."""
    entries: list[_Entry] = []
    title: tuple[str, int] | None = None
    line1: tuple[str, int] | None = None
    lines = text.split("\n")
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line1 is not None:
            if not line.startswith("2 "):
                raise InputError(
                    f"expected TLE line 2 (starting with '2 ') after the line 1 at line "
                    f"{line1[1]}, found {line[:30]!r}",
                    source=source,
                    line=lineno,
                )
            entries.append(
                _Entry(title[0] if title else None, line1[0], raw, line1[1], lineno)
            )
            title, line1 = None, None
        elif line.startswith("1 "):
            line1 = (raw, lineno)
        elif line.startswith("2 "):
            if title is not None:
                raise InputError(
                    f"expected TLE line 1 (starting with '1 ') before the line 2 at line "
                    f"{lineno}, found {title[0][:30]!r}",
                    source=source,
                    line=title[1],
                )
            raise InputError(
                "TLE line 2 without a line 1 before it", source=source, line=lineno
            )
        else:
            if title is not None:
                raise InputError(
                    f"expected TLE line 1 (starting with '1 ') after the title line at line "
                    f"{title[1]}, found {line[:30]!r}",
                    source=source,
                    line=lineno,
                )
            name = line.strip()
            if name.startswith("0 "):
                name = name[2:].strip()
            title = (name, lineno)
    if line1 is not None:
        raise InputError(
            "TLE line 1 without its line 2 (end of file)", source=source, line=line1[1]
        )
    if title is not None:
        raise InputError(
            "title line without TLE lines after it (end of file)", source=source, line=title[1]
        )
    if not entries:
        raise InputError(
            "no TLE found (the file is empty or holds only blank lines and comments)",
            source=source,
            line=max(1, len(lines) - (lines[-1] == "")),
        )
    return entries


def parse_tle_text(
    text: str,
    *,
    source: str = "<text>",
    verify_checksum: bool = True,
    strict_length: bool = True,
) -> tuple[list[str], list[int], list[str], list[str]]:
    """Validate TLE/3LE text and return ``(names, catalogue_numbers, lines1, lines2)``.

    ``names`` are the title lines, or the catalogue number as a string where there is no
    title. See the module docstring for the rules; every violation raises
    :class:`InputError` with ``source`` and the line number.
    """
    names: list[str] = []
    numbers: list[int] = []
    lines1: list[str] = []
    lines2: list[str] = []
    options = {"verify_checksum": verify_checksum, "strict_length": strict_length}
    for entry in _split_entries(text, source):
        line1 = _check_line(entry.line1, 1, entry.lineno1, source, **options)
        line2 = _check_line(entry.line2, 2, entry.lineno2, source, **options)
        number1 = decode_catalogue_number(line1[2:7])
        number2 = decode_catalogue_number(line2[2:7])
        if number1 != number2:
            raise InputError(
                f"catalogue number {line2[2:7].strip()!r} in TLE line 2 differs from "
                f"{line1[2:7].strip()!r} in its line 1 (line {entry.lineno1})",
                source=source,
                line=entry.lineno2,
            )
        try:
            Satrec.twoline2rv(line1, line2, WGS72)
        except Exception as error:  # sgp4 raises ValueError; any failure is bad input here
            raise InputError(
                f"sgp4 rejects this TLE: {error}", source=source, line=entry.lineno1
            ) from None
        names.append(entry.title if entry.title else str(number1))
        numbers.append(number1)
        lines1.append(line1)
        lines2.append(line2)
    return names, numbers, lines1, lines2


def load_tle(
    path_or_text: str | Path,
    *,
    name: str | None = None,
    source: str | None = None,
    verify_checksum: bool = True,
    strict_length: bool = True,
) -> Constellation:
    """Load a TLE or 3LE file (or its text) as a :class:`Constellation` of one :class:`TleSet`.

    ``path_or_text`` is a path, or the text itself when it is a ``str`` holding a newline.
    ``name`` defaults to the file stem; ``source`` (the label in error messages and
    ``Constellation.source``) to the path, or ``"<text>"``.

    Satellite names are the title lines (a leading ``"0 "`` removed), else the catalogue
    number as a string. ``ids`` are the catalogue numbers (Alpha-5 decoded, so ``A0001`` is
    100001); if any two entries share a catalogue number (the same satellite listed twice, as
    in ``SGP4-VER.TLE``) the ids are a running index 1..n instead.

    ``verify_checksum=False`` skips the column-69 checksum comparison and accepts 68-column
    lines; ``strict_length=False`` reads only the first 69 columns of each TLE line (use
    ``strict_length=False, verify_checksum=False`` for sgp4's ``SGP4-VER.TLE``). Errors raise
    :class:`InputError` naming the file and line; see the module docstring.
    """
    if isinstance(path_or_text, str) and "\n" in path_or_text:
        text = path_or_text
        label = source or "<text>"
        default_name = "tle"
    else:
        path = Path(path_or_text)
        label = source or str(path)
        text = decode_text(read_bytes(path, label), label)
        default_name = path.stem
    names, numbers, lines1, lines2 = parse_tle_text(
        text, source=label, verify_checksum=verify_checksum, strict_length=strict_length
    )
    ids = np.array(numbers, dtype=np.int64)
    if len(np.unique(ids)) != len(ids):
        ids = np.arange(1, len(ids) + 1, dtype=np.int64)
    return Constellation(
        name=name or default_name,
        parts=(TleSet(tuple(lines1), tuple(lines2)),),
        names=names,
        ids=ids,
        source=label,
        description=f"{len(names)} satellites from TLE file {label}",
    )


def load_orbit_file(path: str | Path, *, name: str | None = None) -> Constellation:
    """A TLE/3LE or OMM file, format sniffed: :func:`orbitsim.model.omm.load_orbit_file`
    (reachable from here too, where ``orbitsim.model.catalogue`` imports it)."""
    from orbitsim.model.omm import load_orbit_file as load_any  # omm imports this module

    return load_any(path, name=name)
