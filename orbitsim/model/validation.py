"""Turning pydantic validation errors and TOML syntax errors into one-line InputErrors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from orbitsim.errors import InputError

#: Tags of discriminated unions: pydantic puts them in error locations; users never wrote them.
UNION_TAGS = {"walker-delta", "walker-star", "sun-synchronous", "cluster", "tle"}


def field_path(loc: tuple) -> str:
    """``('shells', 0, 'altitude_km')`` -> ``'shells[0].altitude_km'``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def describe_validation_error(exc: ValidationError) -> list[tuple[str, str]]:
    """``(field path, message)`` for every error pydantic found."""
    items = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in UNION_TAGS)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "value_error":  # our own validators already quote the value
            message = message.removeprefix("Value error, ")
        elif "input" in err and err["type"] not in ("missing",):
            message = f"{message} (got {err['input']!r})"
        items.append((field_path(loc) or "(file)", message))
    return items


def validation_input_error(exc: ValidationError, source: str | Path) -> InputError:
    """One InputError listing every problem, each with its field path, on one line."""
    problems = describe_validation_error(exc)
    text = "; ".join(f"{path}: {msg}" for path, msg in problems)
    first_field = problems[0][0] if len(problems) == 1 else None
    if first_field:
        text = problems[0][1]
    return InputError(text, source=source, field=first_field)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; syntax errors become an InputError with the line number."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc.__class__.__name__}", source=path) from None
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer beyond the digit limit
        message = str(exc)
        line = None
        if "(at line " in message:
            head, _, tail = message.partition("(at line ")
            message = head.strip()
            try:
                line = int(tail.split(",")[0])
            except ValueError:
                line = None
        raise InputError(f"invalid TOML: {message}", source=path, line=line) from None


def validate_model(model: type[BaseModel], data: dict[str, Any], source: str | Path):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_input_error(exc, source) from None
