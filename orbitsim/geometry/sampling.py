"""Step safety: the time step the geometry is sampled at never loses an event.

Event finders (passes, eclipses) find transitions on the grid samples and refine them between
samples on a cubic Hermite interpolation of SGP4 positions and velocities. That is exact to the
promised milliseconds only while the interpolation is: its error is bounded by
``dt⁴/384 · max|r⁗|`` (Burden & Faires, Numerical Analysis, thm. 3.9), with ``|r⁗| ≈ ω⁴ r`` for
a satellite turning at ``ω`` rad/s at radius ``r`` (fastest at perigee). A step that lets the
bound exceed :data:`INTERPOLATION_TOLERANCE_KM` can also step over a whole pass or eclipse
(a pass of a 550 km satellite above a 25° mask lasts at most ~4.5 min).

So a coarser ``step_s`` is never used as given: :func:`sampling_step_s` returns the largest of
:data:`SAFE_STEPS_S` that the constellation allows (60 s in LEO), and results at
``--step 3600`` are the same bits as at ``--step 60``. A finer step is kept as given.
"""

from __future__ import annotations

import numpy as np

from orbitsim.constants import WGS72_MU_KM3_S2
from orbitsim.model.constellation import Constellation
from orbitsim.model.timegrid import TimeGrid, time_grid

#: Largest interpolated-position error allowed between samples, km (1 m).
INTERPOLATION_TOLERANCE_KM = 1e-3
#: Steps a too-coarse step falls back to, seconds: the largest one that is safe is used.
SAFE_STEPS_S = (1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0,
                1800.0, 3600.0)


def max_safe_step_s(constellation: Constellation,
                    tolerance_km: float = INTERPOLATION_TOLERANCE_KM) -> float:
    """The largest step (s) at which the Hermite bound stays within ``tolerance_km`` for every
    satellite: ``(384 · tol / (ω_p⁴ r_p))^¼`` with ``ω_p`` the angular rate at perigee
    (``√(μ p) / r_p²``) and ``r_p`` the perigee radius, from the mean elements. Satellites whose
    elements give no bound orbit (``e ≥ 1``) are left to orbit hygiene."""
    if len(constellation) == 0:
        return float(SAFE_STEPS_S[-1])
    elements = constellation.elements()
    n_rad_s = np.asarray(elements.mean_motion_rad_min, dtype=float) / 60.0
    e = np.asarray(elements.eccentricity, dtype=float)
    ok = (n_rad_s > 0) & (e >= 0) & (e < 1)
    if not ok.any():
        return float(SAFE_STEPS_S[-1])
    a_km = np.cbrt(WGS72_MU_KM3_S2 / n_rad_s[ok] ** 2)
    r_p = a_km * (1.0 - e[ok])
    omega_p = np.sqrt(WGS72_MU_KM3_S2 * a_km * (1.0 - e[ok] ** 2)) / r_p**2
    return float(np.min((384.0 * tolerance_km / (omega_p**4 * r_p)) ** 0.25))


def sampling_step_s(constellation: Constellation, step_s: float) -> float:
    """``step_s`` if it is safe for ``constellation`` (see the module docstring), else the
    largest of :data:`SAFE_STEPS_S` that is."""
    limit = max_safe_step_s(constellation)
    if step_s <= limit:
        return float(step_s)
    safe = [s for s in SAFE_STEPS_S if s <= limit]
    return safe[-1] if safe else min(float(step_s), limit)


def safe_grid(constellation: Constellation, grid: TimeGrid) -> TimeGrid:
    """``grid`` itself if its step is safe, else a grid over the same window (start and
    duration) at :func:`sampling_step_s`."""
    step = sampling_step_s(constellation, grid.step_s)
    if step == grid.step_s:
        return grid
    return time_grid(grid.start_utc, grid.duration_s / 3600.0, step)
