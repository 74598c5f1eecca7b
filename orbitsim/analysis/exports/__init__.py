"""Exports to the tools the field already uses: CZML for Cesium (:mod:`.czml`), GeoJSON for GIS
and KML for Google Earth (:mod:`.vector`), netCDF through xarray for analysis (:mod:`.netcdf`).

Every format renders one :class:`Scene`: the propagated geometry of a constellation over a time
grid (:func:`orbitsim.propagate`), and optionally the ground stations, the coverage cells
(:func:`orbitsim.coverage`) and, for a run, what each node was doing at each step
(:mod:`orbitsim.analysis.activity`). Nothing here propagates or simulates: the exporters only
render what the geometry and the run computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orbitsim.geometry.coverage import CoverageResult
from orbitsim.geometry.propagate import Geometry
from orbitsim.model.ground import GroundNetwork

#: Export formats and the file suffixes each accepts.
FORMATS = {"czml": (".czml", ".json"), "geojson": (".geojson", ".json"), "kml": (".kml",),
           "netcdf": (".nc", ".nc4", ".netcdf")}


@dataclass(frozen=True, eq=False)
class Scene:
    """What an export shows.

    ``geometry``: positions of every satellite at every instant of its grid. ``stations``:
    ground stations (or None). ``coverage``: coverage cells (or None). ``activity``: state
    codes ``(n_sats, n_times - 1)`` of each node during each step of the grid (codes of
    :data:`orbitsim.analysis.activity.STATE_NAMES`), from a run; None for a bare
    constellation, whose satellites are then coloured by sunlight. ``title`` names the export;
    ``source`` says where it came from (a constellation, a run folder).
    """

    geometry: Geometry
    stations: GroundNetwork | None = None
    coverage: CoverageResult | None = None
    activity: np.ndarray | None = None
    title: str = ""
    source: str = ""

    @property
    def names(self) -> list[str]:
        return list(self.geometry.constellation.names)

    @property
    def iso_times(self) -> np.ndarray:
        """ISO 8601 UTC strings of the grid's instants."""
        return self.geometry.grid.iso(self.geometry.grid.seconds)


def writer(fmt: str) -> Callable[[Scene, str | Path], Path]:
    """The function writing ``fmt`` (a key of :data:`FORMATS`) atomically."""
    if fmt == "czml":
        from orbitsim.analysis.exports.czml import write_czml

        return write_czml
    if fmt == "geojson":
        from orbitsim.analysis.exports.vector import write_geojson

        return write_geojson
    if fmt == "kml":
        from orbitsim.analysis.exports.vector import write_kml

        return write_kml
    if fmt == "netcdf":
        from orbitsim.analysis.exports.netcdf import write_netcdf

        return write_netcdf
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")


def format_of(path: str | Path, fmt: str | None = None) -> str:
    """The export format: ``fmt`` if given (it must be a key of :data:`FORMATS` and ``path``
    must end in one of its suffixes), else the one ``path``'s suffix names; InputError
    otherwise (a ``.json`` file needs the format said)."""
    from orbitsim.errors import InputError

    suffix = Path(path).suffix.lower()
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}",
                             field="--format")
        if suffix not in FORMATS[fmt]:
            raise InputError(f"{path}: {fmt} is written to a file ending in "
                             f"{' or '.join(FORMATS[fmt])}", field="--out")
        return fmt
    matches = [name for name, suffixes in FORMATS.items() if suffix in suffixes]
    if len(matches) != 1:
        raise InputError(f"{path}: say the format with --format ({', '.join(FORMATS)})",
                         field="--format")
    return matches[0]


def write(scene: Scene, fmt: str, path: str | Path) -> Path:
    """Write ``scene`` as ``fmt`` to ``path`` (atomically); returns the path."""
    return writer(fmt)(scene, path)


def export(source, out: str | Path, fmt: str | None = None, **options) -> Path:
    """Export a constellation (an object, a built-in name or a file) or a run folder to
    ``out`` as CZML, GeoJSON, KML or netCDF (``fmt``, else from ``out``'s suffix); options as
    :func:`orbitsim.analysis.exports.scene.build_scene` (``start``, ``hours``, ``step_s``,
    ``stations``, ``with_coverage``, ...). Returns the path written.

    >>> import orbitsim, json, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "demo.czml"
    >>> _ = orbitsim.export("starcloud-demo", out, hours=1)
    >>> packets = json.loads(out.read_text())
    >>> packets[0]["id"], len(packets)
    ('document', 33)
    """
    from orbitsim.analysis.exports.scene import build_scene

    fmt = format_of(out, fmt)
    return write(build_scene(source, **options), fmt, out)


__all__ = ["FORMATS", "Scene", "export", "format_of", "write", "writer"]
