"""The Sun's geocentric position, once per time step, from JPL DE421 shipped by skyfield-data."""

from __future__ import annotations

import functools
import warnings

import numpy as np

from orbitsim.model.timegrid import TimeGrid


@functools.lru_cache(maxsize=1)
def ephemeris():
    """JPL DE421 (1900-2050) from the ``skyfield-data`` package; never downloads."""
    from skyfield.api import Loader

    with warnings.catch_warnings():
        # skyfield-data warns that its finals2000A.all is old; the built-in timescale
        # does not use that file, so the warning is silenced here and only here.
        warnings.simplefilter("ignore")
        import skyfield_data

        path = skyfield_data.get_skyfield_data_path()
    loader = Loader(path, expire=False, verbose=False)
    return loader("de421.bsp")


def sun_ecef_km(grid: TimeGrid) -> np.ndarray:
    """Geometric geocentric Sun position in ITRS (no polar motion), km, ``(n_times, 3)``.

    Same quantity as Skyfield's ``is_sunlit`` uses: ``(sun - earth).at(t)`` without light time.
    """
    from skyfield.framelib import itrs

    eph = ephemeris()
    t = grid.skyfield_time
    position = (eph["sun"] - eph["earth"]).at(t)
    return np.ascontiguousarray(position.frame_xyz(itrs).km.T)
