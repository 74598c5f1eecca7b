"""Cubic Hermite interpolation of positions from positions and velocities at two instants.

Between two SGP4 samples ``dt`` apart, the interpolation error is bounded by
``dt⁴/384 · max|r⁗|`` (Burden & Faires, Numerical Analysis, thm. 3.9); in LEO
``|r⁗| ≈ n⁴ r`` with n ≈ 1.1e-3 rad/s, which gives under 0.5 m at 60 s and under 0.01 m at 20 s.
That is far finer than the 1 s timing the event finders promise, without calling SGP4 again.
"""

from __future__ import annotations

import numpy as np


def hermite_position(r0: np.ndarray, v0: np.ndarray, r1: np.ndarray, v1: np.ndarray,
                     dt_s: np.ndarray | float, tau: np.ndarray) -> np.ndarray:
    """Position at fraction ``tau`` (0..1) of the way from sample 0 to sample 1.

    ``r*`` are ``(k, 3)`` in km, ``v*`` ``(k, 3)`` in km/s, ``dt_s`` the spacing in seconds
    (scalar or ``(k,)``), ``tau`` ``(k,)``. Returns ``(k, 3)`` km.
    """
    tau = np.asarray(tau, dtype=float)[..., None]
    dt_s = np.asarray(dt_s, dtype=float)
    if dt_s.ndim:
        dt_s = dt_s[..., None]
    tau2 = tau * tau
    tau3 = tau2 * tau
    h00 = 2.0 * tau3 - 3.0 * tau2 + 1.0
    h10 = tau3 - 2.0 * tau2 + tau
    h01 = -2.0 * tau3 + 3.0 * tau2
    h11 = tau3 - tau2
    return h00 * r0 + h10 * dt_s * v0 + h01 * r1 + h11 * dt_s * v1


def bisect_sign_change(func, n: int, iterations: int = 40) -> np.ndarray:
    """Vectorised bisection on ``[0, 1]`` for ``n`` independent functions at once.

    ``func(tau) -> (n,)`` must have ``func(0) < 0 <= func(1)`` elementwise (callers flip the
    sign as needed). Returns ``tau`` with ``|error| <= 2**-iterations``.
    """
    lo = np.zeros(n)
    hi = np.ones(n)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        positive = func(mid) >= 0.0
        hi = np.where(positive, mid, hi)
        lo = np.where(positive, lo, mid)
    return 0.5 * (lo + hi)


def illinois_sign_change(func, f_lo: np.ndarray, f_hi: np.ndarray, tol: np.ndarray | float,
                         secant_iterations: int = 10) -> np.ndarray:
    """Vectorised Illinois (modified regula falsi) root bracketing on ``[0, 1]``.

    ``func(tau) -> (n,)`` with ``f_lo = func(0) < 0 <= func(1) = f_hi`` elementwise (callers
    flip the sign as needed). Each step evaluates ``func`` once at the secant point of the
    bracket; the end that stays twice in a row has its value halved (Dowell & Jarratt, BIT 11,
    1971), so both ends close in superlinearly. After ``secant_iterations`` steps, brackets
    still open are bisected (a very bent function can pin the secant point to one end), so the
    worst case is ``secant_iterations`` more than bisection. Stops when every bracket is
    narrower than ``2 tol``; returns the midpoints, within ``tol`` of the sign change (elements
    whose preconditions do not hold end at 0 or 1). On smooth, nearly linear functions
    (elevation across a grid step) it needs 4 to 10 evaluations where bisection to 1e-5 needs
    17.
    """
    f_lo = np.asarray(f_lo, dtype=float)
    f_hi = np.asarray(f_hi, dtype=float)
    n = len(f_lo)
    a, b = np.zeros(n), np.ones(n)
    fa = np.where(f_lo < 0.0, f_lo, -1.0)  # a broken precondition: keep the end it points to
    fb = np.where(f_hi >= 0.0, f_hi, 1.0)
    b = np.where(f_lo >= 0.0, 0.0, b)
    a = np.where((f_hi < 0.0) & (f_lo < 0.0), 1.0, a)
    side = np.zeros(n, dtype=np.int8)
    width = 2.0 * np.asarray(tol, dtype=float)
    iteration = 0
    while True:
        open_ = (b - a) > width
        if not open_.any():
            break
        if iteration < secant_iterations:
            c = np.clip(a + (b - a) * (fa / (fa - fb)), a, b)
        else:
            c = 0.5 * (a + b)
        c = np.where(open_, c, a)
        fc = func(c)
        up = open_ & (fc >= 0.0)
        down = open_ & ~up
        a = np.where(open_ & (fc == 0.0), c, a)  # an exact root closes the bracket
        b = np.where(up, c, b)
        fb = np.where(up, fc, np.where(down & (side == -1), 0.5 * fb, fb))
        a = np.where(down, c, a)
        fa = np.where(down, fc, np.where(up & (side == 1), 0.5 * fa, fa))
        side = np.where(up, 1, np.where(down, -1, side)).astype(np.int8)
        iteration += 1
    return 0.5 * (a + b)
