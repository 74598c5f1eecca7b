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


def _sun_ecef_exact_km(start_utc, seconds: np.ndarray) -> np.ndarray:
    from skyfield.framelib import itrs

    from orbitsim.model.timegrid import timescale

    eph = ephemeris()
    s = start_utc
    t = timescale().utc(s.year, s.month, s.day, s.hour, s.minute,
                        s.second + s.microsecond * 1e-6 + np.asarray(seconds, dtype=float))
    return np.ascontiguousarray((eph["sun"] - eph["earth"]).at(t).frame_xyz(itrs).km.T)


def sun_ecef_fast_km(grid: TimeGrid, knot_spacing_s: float = 10800.0) -> np.ndarray:
    """:func:`sun_ecef_km` from exact values every ``knot_spacing_s``, interpolated between.

    Skyfield evaluates its full precession-nutation model at every instant (~140 us each), which
    costs more than propagating a small constellation. Here the exact ECEF Sun at the knots is
    turned into the quasi-inertial frame ``R_z(−GMST) r`` (where the Sun moves ~1° a day),
    interpolated linearly, and turned back with each instant's GMST. Against the exact Sun at
    every minute over 72 h the direction differs by at most 1.7e-7 rad with knots every 10 min,
    1 h, 3 h or 6 h alike (the floor is GMST's slowly varying difference from the full
    rotation, not the chord), 27,000 times smaller than the Sun's 4.65e-3 rad radius: eclipse
    times move by well under a millisecond. Grids with no more samples than knots are computed
    exactly.
    """
    from orbitsim.kernels.frames import gmst82_rad, rotate_z

    seconds = grid.seconds
    knots = np.arange(0.0, seconds[-1] + knot_spacing_s, knot_spacing_s) if len(seconds) else \
        np.zeros(0)
    if len(seconds) <= 3 or len(knots) + 1 >= len(seconds):
        return sun_ecef_km(grid)
    knots[-1] = max(knots[-1], seconds[-1])
    sun_knots = _sun_ecef_exact_km(grid.start_utc, knots)
    t = grid.skyfield_time
    gmst_fine = gmst82_rad(*grid.jd_ut1)
    ut1_knots = t.whole[0] + grid.jd_ut1[1][0] + knots / 86400.0
    gmst_knots = gmst82_rad(np.floor(ut1_knots), ut1_knots - np.floor(ut1_knots))
    inertial = rotate_z(sun_knots, -gmst_knots)
    fine = np.column_stack([np.interp(seconds, knots, inertial[:, k]) for k in range(3)])
    return np.ascontiguousarray(rotate_z(fine, gmst_fine))
