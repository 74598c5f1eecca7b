"""Node hardware as a scenario gives it: a built-in or file name, or a base plus overrides.

A scenario names its node hardware (``hardware = "starlink-compute"``) or gives a table, a base
and any of the hardware model's fields by their dotted path, validated as a whole::

    [hardware]
    base = "starlink-compute"          # optional: the constellation's own hardware by default
    accelerators = 4
    battery.capacity_wh = 20000.0      # TOML dotted keys: the [battery] table's capacity_wh
    thermal.radiator_area_m2 = 8.0
    accelerator = "h200"               # a built-in accelerator (or a file) replaces the part

Overrides are dotted-path updates on the base hardware's validated data (its
``model_dump``), validated again as a whole, so that they follow the hardware model whatever
fields it gains. A sweep varies one the same way:
``--param hardware.battery.capacity_wh=10000,20000``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orbitsim.errors import InputError
from orbitsim.model.hardware import NodeHardware, load_accelerator, load_node
from orbitsim.model.validation import describe_validation_error

#: Key of a scenario's ``[hardware]`` table naming the hardware the overrides apply to.
BASE_KEY = "base"
#: Prefix of a hardware field in a scenario's field paths and in ``--param``.
PREFIX = "hardware."


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables to dotted paths of their leaves: ``{"battery": {"capacity_wh": 1}}`` ->
    ``{"battery.capacity_wh": 1}`` (lists and scalars are leaves)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def get_path(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of nested dicts; KeyError if any part is missing."""
    value: Any = data
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise KeyError(path)
        value = value[key]
    return value


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of nested dicts, creating missing tables; ValueError
    if a part of the path holds a value that is not a table."""
    keys = path.split(".")
    node = data
    for i, key in enumerate(keys[:-1]):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ValueError(".".join(keys[:i + 1]))
        node = child
    node[keys[-1]] = value


def split_spec(spec: str | dict[str, Any] | None) -> tuple[str | None, dict[str, Any]]:
    """``(base name or None, overrides as dotted paths)`` of a scenario's ``hardware``."""
    if spec is None or isinstance(spec, str):
        return spec, {}
    table = dict(spec)
    base = table.pop(BASE_KEY, None)
    return base, flatten(table)


def with_override(spec: str | dict[str, Any] | None, path: str,
                  value: Any) -> dict[str, Any]:
    """A scenario's ``hardware`` with one more override (``path`` without the ``hardware.``
    prefix), as a table: a name becomes the table's ``base``."""
    if spec is None:
        table: dict[str, Any] = {}
    elif isinstance(spec, str):
        table = {BASE_KEY: spec}
    else:
        table = copy.deepcopy(dict(spec))
    set_path(table, path, value)
    return table


def apply_overrides(node: NodeHardware, overrides: dict[str, Any], *,
                    source: str | Path | None = None,
                    relative_to: str | Path | None = None) -> NodeHardware:
    """``node`` with each dotted-path override applied to its validated data, validated again.

    An ``accelerator`` given as a name (or a file, found beside ``relative_to``) replaces the
    part; ``accelerator.<field>`` changes one figure of it. InputError naming
    ``hardware.<path>`` and what was expected otherwise.
    """
    data = node.model_dump()
    for path in sorted(overrides, key=lambda p: p.count(".")):
        value = overrides[path]
        if path == "accelerator" and isinstance(value, str):
            folder = Path(relative_to) if relative_to is not None else None
            value = load_accelerator(value, relative_to=folder).model_dump()
        if path == BASE_KEY or path.startswith(BASE_KEY + "."):
            raise InputError("the base hardware is named once, as hardware.base",
                             source=source, field=f"{PREFIX}{path}")
        try:
            set_path(data, path, value)
        except ValueError as exc:
            raise InputError(f"{PREFIX}{exc} is a value, not a table", source=source,
                             field=f"{PREFIX}{path}") from None
    try:
        return NodeHardware.model_validate(data)
    except ValidationError as exc:
        where, message = describe_validation_error(exc)[0]
        raise InputError(message, source=source, field=f"{PREFIX}{where}") from None


def resolve_hardware(spec: str | dict[str, Any] | None, default: str | None, *,
                     resolve=lambda name: name, source: str | Path | None = None,
                     relative_to: str | Path | None = None) -> NodeHardware:
    """The node hardware of a scenario: its ``hardware`` name or table (``spec``), else
    ``default`` (the constellation's hardware) as the base; ``resolve`` maps a name to a
    built-in name or a path (the scenario's folder first)."""
    base, overrides = split_spec(spec)
    name = base or default
    if not name:
        raise InputError("neither the scenario nor the constellation names a node hardware",
                         source=source, field="hardware")
    if not isinstance(name, str):
        raise InputError(f"expected a hardware name, got {name!r}", source=source,
                         field=f"{PREFIX}{BASE_KEY}")
    node = load_node(resolve(name))
    if not overrides:
        return node
    return apply_overrides(node, overrides, source=source, relative_to=relative_to)


def coerce_value(node: NodeHardware, path: str, raw: str) -> Any:
    """``raw`` (text from the command line) as the type of the hardware field at ``path``
    (without the prefix): bool, int, float or text; InputError if the path is unknown."""
    data = node.model_dump()
    try:
        current = get_path(data, path)
    except KeyError:
        if path == "accelerator":
            return raw
        raise InputError(f"{PREFIX}{path}: no such hardware field (fields of "
                         f"{node.name}: {', '.join(sorted(flatten(data)))})",
                         source="--param") from None
    if isinstance(current, bool):
        if raw.lower() in ("true", "1", "yes"):
            return True
        if raw.lower() in ("false", "0", "no"):
            return False
        raise InputError(f"{PREFIX}{path}: expected true or false, got {raw!r}",
                         source="--param")
    if isinstance(current, int | float):
        try:
            number = float(raw)
        except ValueError:
            raise InputError(f"{PREFIX}{path}: expected a number, got {raw!r}",
                             source="--param") from None
        return int(number) if isinstance(current, int) and number.is_integer() else number
    return raw
