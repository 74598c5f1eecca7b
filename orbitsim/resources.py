"""Built-in data files (constellations, ground networks, hardware, workloads, scenarios).

They live in the repository's top-level folders and are shipped inside the wheel under
``orbitsim/_builtin/`` (hatchling ``force-include``); both places are searched.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from orbitsim.errors import InputError

_PACKAGE_DIR = Path(__file__).resolve().parent

#: kind -> folder relative to the data root
KINDS = {
    "constellation": "constellations",
    "ground": "constellations/ground",
    "hardware": "constellations/hardware",
    "workload": "workloads",
    "scenario": "workloads/scenarios",
}

#: kind -> how messages name it
LABELS = {"ground": "ground network"}


def data_roots() -> list[Path]:
    """Folders that may hold the built-in data, wheel location first."""
    return [_PACKAGE_DIR / "_builtin", _PACKAGE_DIR.parent]


def builtin_dir(kind: str) -> Path:
    """The folder of built-in files of ``kind`` (one of :data:`KINDS`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(KINDS)}")
    for root in data_roots():
        path = root / KINDS[kind]
        if path.is_dir():
            return path
    return data_roots()[-1] / KINDS[kind]


def builtin_names(kind: str) -> list[str]:
    """Sorted names of the built-in ``*.toml`` files of ``kind``."""
    folder = builtin_dir(kind)
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def resolve(kind: str, name_or_path: str | Path) -> Path:
    """The file for a built-in name or a path; :class:`InputError` when neither exists."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    candidate = builtin_dir(kind) / f"{name_or_path}.toml"
    if candidate.is_file():
        return candidate
    builtin = builtin_names(kind)
    close = difflib.get_close_matches(str(name_or_path), builtin, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InputError(f"no such file and no built-in {LABELS.get(kind, kind)} of that name "
                     f"(built-in: {', '.join(builtin) or 'none'}){hint}",
                     source=str(name_or_path))
