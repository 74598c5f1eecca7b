"""The geometry as an xarray Dataset and a netCDF-4 file (CF-1.8 attributes), for analysis.

Variables over ``(satellite, time)``: ``lat_deg``, ``lon_deg`` (geodetic, WGS84), ``alt_km``,
``illuminated`` (0 in umbra .. 1 in full sunlight) and ``error`` (sgp4 codes, 0 = ok); over
``(satellite, time, xyz)``: ``r_ecef_km``. Coordinates: ``satellite`` (names), ``time`` (UTC),
``time_s`` (seconds from the start), ``sat_index``, ``norad_id``. A run adds ``activity``
(the node's state during the step that starts at each instant), coverage cells add
``covered_fraction``, ``mean_in_view`` and ``longest_gap_s`` over ``(lat, lon)``.

xarray with a netCDF engine is an optional extra: ``pip install 'orbitsim[netcdf]'``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orbitsim.analysis.activity import STATE_NAMES
from orbitsim.analysis.exports import Scene
from orbitsim.errors import InputError
from orbitsim.io import atomic_path

#: netCDF engines tried in order.
ENGINES = ("netcdf4", "h5netcdf")


def _xarray():
    try:
        import xarray
    except ImportError:
        raise InputError("netCDF export needs xarray and a netCDF engine: pip install "
                         "'orbitsim[netcdf]'", field="--format") from None
    return xarray


def geometry_dataset(scene: Scene):
    """The ``xarray.Dataset`` of ``scene`` (module docstring)."""
    from orbitsim import __version__

    xr = _xarray()
    geometry = scene.geometry
    grid = geometry.grid
    dims = ("satellite", "time")
    times = grid.datetimes(grid.seconds).tz_localize(None).to_numpy()
    data = {
        "lat_deg": (dims, geometry.lat_deg, {"standard_name": "latitude",
                                             "long_name": "geodetic latitude (WGS84)",
                                             "units": "degrees_north"}),
        "lon_deg": (dims, geometry.lon_deg, {"standard_name": "longitude",
                                             "long_name": "geodetic longitude (WGS84)",
                                             "units": "degrees_east"}),
        "alt_km": (dims, geometry.alt_km, {"long_name": "height above the WGS84 ellipsoid",
                                           "units": "km"}),
        "illuminated": (dims, geometry.illuminated, {
            "long_name": "fraction of the solar disc seen (0 umbra, 1 full sunlight; conical "
                         "shadow, finite Sun)", "units": "1"}),
        "error": (dims, geometry.error.astype(np.int8), {
            "long_name": "sgp4 error code (0 ok; 1-6 see sgp4.api.SGP4_ERRORS); coordinates "
                         "are NaN where it is not 0", "units": "1"}),
        "r_ecef_km": (("satellite", "time", "xyz"), geometry.r_ecef_km, {
            "long_name": "position in the Earth-fixed frame (ITRS, UT1)", "units": "km"}),
    }
    if scene.activity is not None:
        activity = np.zeros(geometry.lat_deg.shape, dtype=np.uint8)
        if scene.activity.shape[1]:
            activity[:, :-1] = scene.activity
            activity[:, -1] = scene.activity[:, -1]
        data["activity"] = (dims, activity, {
            "long_name": "node activity during the step starting at each instant",
            "flag_values": np.array(sorted(STATE_NAMES), dtype=np.uint8),
            "flag_meanings": " ".join(STATE_NAMES[k].replace(" ", "_")
                                      for k in sorted(STATE_NAMES))})
    coords = {
        "satellite": ("satellite", np.asarray(scene.names, dtype=object)),
        "time": ("time", times, {"standard_name": "time", "long_name": "UTC"}),
        "time_s": ("time", grid.seconds, {"long_name": "seconds from the start",
                                          "units": "s"}),
        "sat_index": ("satellite", np.arange(len(scene.names), dtype=np.int64)),
        "norad_id": ("satellite", np.asarray(geometry.constellation.ids, dtype=np.int64)),
        "xyz": ("xyz", np.array(["x", "y", "z"], dtype=object)),
    }
    if scene.coverage is not None:
        result = scene.coverage
        coords["lat"] = ("lat", result.lat_deg, {"standard_name": "latitude",
                                                 "units": "degrees_north",
                                                 "long_name": "cell centre latitude"})
        coords["lon"] = ("lon", result.lon_deg, {"standard_name": "longitude",
                                                 "units": "degrees_east",
                                                 "long_name": "cell centre longitude"})
        cells = ("lat", "lon")
        data["covered_fraction"] = (cells, result.covered_fraction, {
            "long_name": f"fraction of time with a satellite above "
                         f"{result.min_elevation_deg:g} deg", "units": "1"})
        data["mean_in_view"] = (cells, result.mean_in_view, {
            "long_name": "mean number of satellites above the mask", "units": "1"})
        data["longest_gap_s"] = (cells, result.longest_gap_s, {
            "long_name": "longest time without a satellite above the mask", "units": "s"})
    attrs = {
        "title": scene.title or geometry.constellation.name,
        "source": (f"orbitsim {__version__}: SGP4 propagation of "
                   f"{scene.source or 'a constellation'}"),
        "Conventions": "CF-1.8",
        "constellation": geometry.constellation.name,
        "start_utc": str(scene.iso_times[0]),
        "step_s": float(grid.step_s),
    }
    if scene.coverage is not None:
        attrs["coverage_min_elevation_deg"] = scene.coverage.min_elevation_deg
        attrs["coverage_cell_deg"] = scene.coverage.cell_deg
    if scene.stations is not None:
        attrs["ground_network"] = scene.stations.name
    return xr.Dataset(data, coords=coords, attrs=attrs)


def engine() -> str:
    """The first netCDF engine of :data:`ENGINES` that is installed."""
    import importlib.util

    for name, module in zip(ENGINES, ("netCDF4", "h5netcdf")):
        if importlib.util.find_spec(module) is not None:
            return name
    raise InputError("netCDF export needs netCDF4 or h5netcdf beside xarray: pip install "
                     "'orbitsim[netcdf]'", field="--format")


def write_netcdf(scene: Scene, path: str | Path) -> Path:
    """Write the dataset of ``scene`` as netCDF-4 (compressed) to ``path`` atomically."""
    dataset = geometry_dataset(scene)
    which = engine()
    encoding = {name: {"zlib": True, "complevel": 4} if which == "netcdf4" else
                {"compression": "gzip", "compression_opts": 4}
                for name, variable in dataset.data_vars.items()
                if variable.dtype.kind in "fiu"}
    encoding["time"] = {"units": f"seconds since {scene.iso_times[0][:19].replace('T', ' ')}",
                        "dtype": "float64"}
    with atomic_path(path) as tmp:
        dataset.to_netcdf(tmp, engine=which, encoding=encoding)
    return Path(path)


__all__ = ["ENGINES", "engine", "geometry_dataset", "write_netcdf"]
