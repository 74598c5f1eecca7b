"""Load CCSDS OMM element files (CelesTrak / Space-Track JSON, XML, CSV) into a Constellation.

Each record becomes one entry of an :class:`ElementSet` whose ``satrecs()`` call
``Satrec.sgp4init`` with exactly the arguments ``sgp4.omm.initialize`` computes from the same
fields (same unit conversions, same epoch float), so positions are bit-identical to sgp4's own
OMM path. Formats:

- JSON: a list of objects (CelesTrak ``FORMAT=JSON``/``JSON-PRETTY``, numbers as numbers;
  Space-Track, numbers as strings) or one object.
- XML: the CCSDS NDM/OMM XML CelesTrak serves (``<ndm><omm>...<segment><metadata>``,
  ``<data><meanElements>``, ``<tleParameters>``); parsed with expat to report line numbers,
  reading the same elements as ``sgp4.omm.parse_xml``.
- CSV: CelesTrak's header ``OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,...``, read with
  ``sgp4.omm.parse_csv`` (a ``csv.DictReader``).

Required fields: the 11 that SGP4 needs (``REQUIRED_FIELDS``). ``OBJECT_NAME`` gives the name
(else the catalogue number); ``MEAN_ELEMENT_THEORY``, when present, must be SGP4 (SGP4-XP
elements are not SGP4 elements). ``NORAD_CAT_ID`` above 339999 (CelesTrak's 9-digit numbers)
cannot be given to ``sgp4init``: sgp4 gets satnum 0 (it affects no computation) and the real
number stays in ``Constellation.ids``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.parsers import expat

import numpy as np
from sgp4.omm import parse_csv

from orbitsim.errors import InputError
from orbitsim.model.constellation import Constellation
from orbitsim.model.elements import ElementSet
from orbitsim.model.tle import decode_text, load_tle, read_bytes

#: Fields every OMM record must hold (those ``Satrec.sgp4init`` needs).
REQUIRED_FIELDS = (
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "NORAD_CAT_ID",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
#: Required fields holding real numbers.
FLOAT_FIELDS = (
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
#: Largest catalogue number sgp4 accepts (Alpha-5 'Z9999').
MAX_SGP4_SATNUM = 339999
#: Suffixes read as TLE/3LE, and as OMM with their format.
TLE_SUFFIXES = (".tle", ".txt", ".3le", ".2le")
OMM_SUFFIXES = {".json": "json", ".xml": "xml", ".csv": "csv"}

# The unit conversions of sgp4.omm.initialize, written the same way so floats are identical.
_EPOCH0 = datetime(1949, 12, 31)
_TO_RADIANS = math.pi / 180.0
_NDOT_UNITS = 1036800.0 / math.pi
_NDDOT_UNITS = 2985984000.0 / 2.0 / math.pi
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_EPOCH = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z?"
)
_XML_FIELD_PARENTS = ("metadata", "meanElements", "tleParameters")


@dataclass
class _Record:
    """The raw fields of one OMM record and where it sits in its file."""

    number: int
    fields: dict
    line: int | None = None
    field_lines: dict = field(default_factory=dict)


class _RecordError:
    """Builds InputErrors for one record: ``file:line: FIELD: record n: message``."""

    def __init__(self, record: _Record, source: str) -> None:
        self.record = record
        self.source = source

    def __call__(self, name: str | None, message: str) -> InputError:
        line = self.record.field_lines.get(name, self.record.line)
        return InputError(
            f"record {self.record.number}: {message}", source=self.source, line=line, field=name
        )


def _text_value(fail: _RecordError, fields: dict, name: str) -> str:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise fail(name, "missing value" if name in fields else "missing field")
    return value


def _float_value(fail: _RecordError, fields: dict, name: str) -> float:
    value = _text_value(fail, fields, name)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise fail(name, f"expected a number, found {value!r}")
    if isinstance(value, str) and not _NUMBER.fullmatch(value.strip()):
        raise fail(name, f"expected a number, found {value!r}")
    try:
        number = float(value.strip() if isinstance(value, str) else value)  # str.strip is wider
    except OverflowError:  # a JSON integer beyond the float range
        number = math.inf
    if not math.isfinite(number):
        raise fail(name, f"expected a finite number, found {value!r}")
    return number


_MAX_INT64 = 2**63 - 1


def _int_value(fail: _RecordError, fields: dict, name: str) -> int:
    value = _text_value(fail, fields, name)
    number = None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        digits = value.strip().lstrip("0") or "0"
        if len(digits) > 19:  # beyond int64 (and int()'s digit limit further on)
            raise fail(name, f"must be at most {_MAX_INT64}, found a {len(digits)}-digit number")
        number = int(digits)
    if number is None:
        raise fail(name, f"expected a non-negative integer, found {value!r}")
    if number > _MAX_INT64:  # stored in int64 arrays
        raise fail(name, f"must be at most {_MAX_INT64}, found {number}")
    return number


def _epoch_days(fail: _RecordError, fields: dict) -> float:
    """Days since 1949-12-31 00:00 UTC, computed exactly as ``sgp4.omm.initialize`` does."""
    value = _text_value(fail, fields, "EPOCH")
    match = _EPOCH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise fail("EPOCH", f"expected YYYY-MM-DDTHH:MM:SS.ffffff (UTC), found {value!r}")
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        epoch = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError as error:
        raise fail("EPOCH", f"not a valid date and time {value!r}: {error}") from None
    return (epoch - _EPOCH0).total_seconds() / 86400.0


def _convert(records: list[_Record], source: str) -> tuple[ElementSet, list[str], np.ndarray]:
    """Validate the records; return their elements, names and catalogue numbers."""
    if not records:
        raise InputError("no OMM records found", source=source)
    columns: dict[str, list] = {name: [] for name in ElementSet.__dataclass_fields__}
    names: list[str] = []
    numbers: list[int] = []
    for record in records:
        fail = _RecordError(record, source)
        fields = record.fields
        theory = fields.get("MEAN_ELEMENT_THEORY")
        if isinstance(theory, str) and theory.strip().upper() not in ("SGP4", "SGP/SGP4", ""):
            raise fail(
                "MEAN_ELEMENT_THEORY", f"only SGP4 mean elements can be used, found {theory!r}"
            )
        epoch = _epoch_days(fail, fields)
        values = {name: _float_value(fail, fields, name) for name in FLOAT_FIELDS}
        number = _int_value(fail, fields, "NORAD_CAT_ID")
        if not 0.0 <= values["ECCENTRICITY"] < 1.0:
            raise fail("ECCENTRICITY", f"must be in [0, 1), found {values['ECCENTRICITY']}")
        if not 0.0 <= values["INCLINATION"] <= 180.0:
            raise fail("INCLINATION", f"must be in [0, 180] deg, found {values['INCLINATION']}")
        if values["MEAN_MOTION"] <= 0.0:
            raise fail("MEAN_MOTION", f"must be above zero, found {values['MEAN_MOTION']}")
        # The expressions of sgp4.omm.initialize, term for term.
        columns["satnum"].append(number if number <= MAX_SGP4_SATNUM else 0)
        columns["epoch_days"].append(epoch)
        columns["bstar"].append(values["BSTAR"])
        columns["ndot"].append(values["MEAN_MOTION_DOT"] / _NDOT_UNITS)
        columns["nddot"].append(values["MEAN_MOTION_DDOT"] / _NDDOT_UNITS)
        columns["eccentricity"].append(values["ECCENTRICITY"])
        columns["arg_perigee_rad"].append(values["ARG_OF_PERICENTER"] * _TO_RADIANS)
        columns["inclination_rad"].append(values["INCLINATION"] * _TO_RADIANS)
        columns["mean_anomaly_rad"].append(values["MEAN_ANOMALY"] * _TO_RADIANS)
        columns["mean_motion_rad_min"].append(values["MEAN_MOTION"] / 720.0 * math.pi)
        columns["raan_rad"].append(values["RA_OF_ASC_NODE"] * _TO_RADIANS)
        object_name = fields.get("OBJECT_NAME")
        object_name = object_name.strip() if isinstance(object_name, str) else ""
        names.append(object_name or str(number))
        numbers.append(number)
    elements = ElementSet(
        **{
            name: np.array(values, dtype=np.int64 if name == "satnum" else float)
            for name, values in columns.items()
        }
    )
    return elements, names, np.array(numbers, dtype=np.int64)


def _json_records(text: str, source: str) -> list[_Record]:
    def reject_constant(name: str) -> None:
        raise ValueError(f"{name} is not a valid JSON number")

    try:
        data = json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(
            f"malformed JSON: {error.msg} (column {error.colno})", source=source, line=error.lineno
        ) from None
    except ValueError as error:
        raise InputError(f"malformed JSON: {error}", source=source) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputError("JSON must be a list of OMM objects", source=source)
    records = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InputError(
                f"record {number}: expected a JSON object, found {type(item).__name__}",
                source=source,
            )
        records.append(_Record(number, item))
    return records


def _csv_records(text: str, source: str) -> list[_Record]:
    records = []
    reader = parse_csv(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
        if not header:
            raise InputError("empty CSV file: expected a header line", source=source, line=1)
        missing = [name for name in REQUIRED_FIELDS if name not in header]
        if missing:
            raise InputError(
                f"CSV header lacks column(s) {', '.join(missing)}",
                source=source,
                line=reader.line_num,
                field=missing[0],
            )
        for row in reader:
            number = len(records) + 1
            if None in row:
                raise InputError(
                    f"record {number}: row has {len(header) + len(row[None])} values but the "
                    f"header has {len(header)} columns",
                    source=source,
                    line=reader.line_num,
                )
            records.append(_Record(number, row, line=reader.line_num))
    except csv.Error as error:
        raise InputError(f"malformed CSV: {error}", source=source, line=reader.line_num) from None
    return records


def _xml_records(data: bytes, source: str) -> list[_Record]:
    """Records of an NDM/OMM XML document: the children of ``metadata``, ``meanElements`` and
    ``tleParameters`` of each ``segment``, as ``sgp4.omm.parse_xml`` reads them."""
    parser = expat.ParserCreate()
    records: list[_Record] = []
    stack: list[str] = []
    text: list[str] = []

    def local(tag: str) -> str:
        return tag.rsplit(":", 1)[-1]

    def start(tag: str, attributes: dict) -> None:
        tag = local(tag)
        if tag == "segment":
            records.append(_Record(len(records) + 1, {}, line=parser.CurrentLineNumber))
        elif records and stack and stack[-1] in _XML_FIELD_PARENTS and "segment" in stack:
            records[-1].field_lines[tag] = parser.CurrentLineNumber
        stack.append(tag)
        text.clear()

    def end(tag: str) -> None:
        tag = local(tag)
        stack.pop()
        if records and stack and stack[-1] in _XML_FIELD_PARENTS and "segment" in stack:
            records[-1].fields[tag] = "".join(text).strip()
        text.clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise InputError(
            f"malformed XML: {expat.ErrorString(error.code)} (column {error.offset + 1})",
            source=source,
            line=error.lineno,
        ) from None
    except (LookupError, ValueError) as error:  # an unknown or unsupported encoding= name
        raise InputError(f"unsupported XML encoding: {error}", source=source, line=1) from None
    return records


def _sniff(head: bytes) -> str:
    """Format of a file from its first bytes: 'json', 'xml', 'csv' or 'tle'."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith(("[", "{")):
        return "json"
    if text.startswith("<"):
        return "xml"
    first_line = text.split("\n", 1)[0]
    if "," in first_line and "NORAD_CAT_ID" in first_line.upper():
        return "csv"
    return "tle"


def orbit_file_format(path: str | Path) -> str:
    """``'tle'``, ``'json'``, ``'xml'`` or ``'csv'``: from the suffix (``.tle .txt .3le .2le``,
    ``.json .xml .csv``), else from the first bytes of the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TLE_SUFFIXES:
        return "tle"
    if suffix in OMM_SUFFIXES:
        return OMM_SUFFIXES[suffix]
    if suffix == ".toml":
        raise InputError("is a TOML file, not a TLE or OMM file", source=str(path))
    try:
        with path.open("rb") as handle:
            return _sniff(handle.read(4096))
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", source=str(path)) from None


def load_omm(
    path: str | Path, *, name: str | None = None, format: str | None = None
) -> Constellation:
    """Load an OMM file (JSON, XML or CSV as CelesTrak serves them) as a Constellation.

    ``format`` (``'json'``, ``'xml'``, ``'csv'``) defaults to the file suffix, else the content.
    ``name`` defaults to the file stem. Satellite names are ``OBJECT_NAME`` (else the catalogue
    number); ``ids`` are ``NORAD_CAT_ID`` (any size), or a running index 1..n if two records
    share one. Errors raise :class:`InputError` with the file, the line where known (CSV row,
    XML element, JSON syntax error), the field (``field="MEAN_MOTION"``) and the record number.
    """
    path = Path(path)
    source = str(path)
    if format is None:
        format = OMM_SUFFIXES.get(path.suffix.lower())
    data = read_bytes(path, source)
    if format is None:
        format = _sniff(data[:4096])
    if format == "json":
        records = _json_records(decode_text(data, source), source)
    elif format == "xml":
        records = _xml_records(data, source)
    elif format == "csv":
        records = _csv_records(decode_text(data, source), source)
    else:
        raise InputError(
            f"unknown OMM format {format!r}: expected JSON, XML or CSV", source=source
        )
    elements, names, numbers = _convert(records, source)
    ids = numbers if len(np.unique(numbers)) == len(numbers) else np.arange(1, len(names) + 1)
    return Constellation(
        name=name or path.stem,
        parts=(elements,),
        names=names,
        ids=ids,
        source=source,
        description=f"{len(names)} satellites from OMM {format.upper()} file {source}",
        measured_parts=(True,),
    )


def load_orbit_file(path: str | Path, *, name: str | None = None) -> Constellation:
    """Load a TLE/3LE or OMM (JSON, XML, CSV) file, the format told by
    :func:`orbit_file_format` (suffix first, content otherwise)."""
    kind = orbit_file_format(path)
    if kind == "tle":
        return load_tle(Path(path), name=name)
    return load_omm(path, name=name, format=kind)
