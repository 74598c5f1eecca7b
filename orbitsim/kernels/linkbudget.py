"""A simple radio/optical link budget: path loss, atmosphere, Shannon rate, bytes per pass.

Formulas:
- free-space path loss ``L = 20 log10(4π d f / c)`` (Friis; ITU-R P.525-4 eq. 4);
- carrier-to-noise density ``C/N0 = EIRP + G/T − L − L_atm − L_impl − 10 log10 k`` in dB
  (Maral & Bousquet, *Satellite Communications Systems*, 5th ed., §5.6), ``k`` Boltzmann's
  constant (``10 log10 k = −228.6 dBW/K/Hz``);
- atmospheric loss scaled by the path length through a uniform spherical shell of equivalent
  height ``H`` (the cosecant law of ITU-R P.618-13 §2.2 at high elevation, finite at the
  horizon);
- rate ``η B log2(1 + C/N)`` (Shannon), capped by the modem's maximum rate;
- laser inter-satellite links: nominal rate within a reference range, falling as ``1/d²``
  (received power) beyond it.
"""

from __future__ import annotations

import numpy as np

from orbitsim.constants import EARTH_RADIUS_KM as _EARTH_RADIUS_KM

SPEED_OF_LIGHT_M_S = 299_792_458.0
BOLTZMANN_DBW_K_HZ = 10.0 * np.log10(1.380649e-23)  # −228.6 dBW/K/Hz


def free_space_path_loss_db(range_km, frequency_hz) -> np.ndarray:
    """Free-space path loss, dB, of a link of ``range_km`` at ``frequency_hz`` (broadcasts)."""
    range_m = np.asarray(range_km, dtype=float) * 1000.0
    frequency_hz = np.asarray(frequency_hz, dtype=float)
    return 20.0 * np.log10(4.0 * np.pi * range_m * frequency_hz / SPEED_OF_LIGHT_M_S)


def atmospheric_loss_db(
    elevation_deg, zenith_loss_db, *, shell_height_km: float = 6.0,
    earth_radius_km: float = _EARTH_RADIUS_KM,
) -> np.ndarray:
    """Atmospheric (gas + rain-margin) loss, dB, at ``elevation_deg``.

    ``zenith_loss_db`` is the loss looking straight up; the loss scales with the slant path
    through a spherical shell of height ``shell_height_km``:
    ``ℓ(ε) = sqrt((R+H)² − R² cos² ε) − R sin ε``, ``L = L_zenith ℓ(ε) / H`` (≈ ``L_zenith /
    sin ε`` above ~10°; finite at 0°). Negative elevations are treated as 0°.
    """
    eps = np.radians(np.maximum(np.asarray(elevation_deg, dtype=float), 0.0))
    r = earth_radius_km
    h = float(shell_height_km)
    if h <= 0.0:
        raise ValueError(f"shell_height_km must be positive, got {shell_height_km}")
    path_km = np.sqrt((r + h) ** 2 - (r * np.cos(eps)) ** 2) - r * np.sin(eps)
    return np.asarray(zenith_loss_db, dtype=float) * path_km / h


def carrier_to_noise_db(
    range_km, elevation_deg, *, frequency_hz, eirp_dbw, g_over_t_db_k, bandwidth_hz,
    zenith_loss_db=0.0, implementation_loss_db=0.0,
) -> np.ndarray:
    """Carrier-to-noise ratio C/N, dB, in ``bandwidth_hz`` (all arguments broadcast)."""
    c_over_n0 = (
        np.asarray(eirp_dbw, dtype=float) + np.asarray(g_over_t_db_k, dtype=float)
        - free_space_path_loss_db(range_km, frequency_hz)
        - atmospheric_loss_db(elevation_deg, zenith_loss_db)
        - np.asarray(implementation_loss_db, dtype=float)
        - BOLTZMANN_DBW_K_HZ
    )
    return c_over_n0 - 10.0 * np.log10(np.asarray(bandwidth_hz, dtype=float))


def shannon_rate_bps(snr_db, bandwidth_hz, *, efficiency=1.0, max_rate_bps=np.inf) -> np.ndarray:
    """``min(max_rate_bps, efficiency · B · log2(1 + SNR))``, bit/s; NaN SNR gives 0."""
    snr = 10.0 ** (np.asarray(snr_db, dtype=float) / 10.0)
    rate = np.asarray(efficiency, dtype=float) * np.asarray(bandwidth_hz, dtype=float) * np.log2(
        1.0 + snr
    )
    return np.nan_to_num(np.minimum(rate, max_rate_bps), nan=0.0)


def link_rate_bps(
    range_km, elevation_deg, *, frequency_hz, eirp_dbw, g_over_t_db_k, bandwidth_hz,
    zenith_loss_db=0.0, implementation_loss_db=0.0, efficiency=1.0, max_rate_bps=np.inf,
    min_elevation_deg=0.0,
) -> np.ndarray:
    """Achievable rate, bit/s, of a space-to-ground link at slant ``range_km`` and elevation.

    Shannon rate of the link budget's C/N (see module docstring), capped at ``max_rate_bps``;
    zero below ``min_elevation_deg``. All arguments broadcast against each other.
    """
    snr_db = carrier_to_noise_db(
        range_km, elevation_deg, frequency_hz=frequency_hz, eirp_dbw=eirp_dbw,
        g_over_t_db_k=g_over_t_db_k, bandwidth_hz=bandwidth_hz, zenith_loss_db=zenith_loss_db,
        implementation_loss_db=implementation_loss_db,
    )
    rate = shannon_rate_bps(snr_db, bandwidth_hz, efficiency=efficiency, max_rate_bps=max_rate_bps)
    return np.where(np.asarray(elevation_deg, dtype=float) >= min_elevation_deg, rate, 0.0)


def table_rate_bps(elevation_deg, table_elevation_deg, table_rate_bps) -> np.ndarray:
    """Rate, bit/s, interpolated linearly in a table of elevation (deg, increasing) → rate.

    Zero below the table's first elevation; the last rate above its last elevation.
    """
    table_elevation_deg = np.asarray(table_elevation_deg, dtype=float)
    table_rate_bps = np.asarray(table_rate_bps, dtype=float)
    if table_elevation_deg.ndim != 1 or table_elevation_deg.shape != table_rate_bps.shape:
        raise ValueError("the rate table needs two 1-d arrays of equal length")
    if np.any(np.diff(table_elevation_deg) <= 0.0):
        raise ValueError("table elevations must increase strictly")
    elevation_deg = np.asarray(elevation_deg, dtype=float)
    rate = np.interp(elevation_deg, table_elevation_deg, table_rate_bps)
    return np.where(elevation_deg >= table_elevation_deg[0], rate, 0.0)


def bytes_transferable(rate_bps: np.ndarray, duration_s) -> np.ndarray:
    """Bytes moved in passes whose rate is sampled at evenly spaced instants.

    ``rate_bps`` ``(n_passes, n_samples)`` spans each pass from start to end (``n_samples ≥ 2``);
    ``duration_s`` ``(n_passes,)``. Trapezoidal rule: ``∫ rate dt / 8``.
    """
    rate_bps = np.asarray(rate_bps, dtype=float)
    if rate_bps.ndim != 2 or rate_bps.shape[1] < 2:
        raise ValueError(f"rate_bps must be (n_passes, n_samples >= 2), got {rate_bps.shape}")
    mean_rate = (rate_bps[:, 1:] + rate_bps[:, :-1]).sum(axis=1) / (2.0 * (rate_bps.shape[1] - 1))
    return mean_rate * np.asarray(duration_s, dtype=float) / 8.0


def laser_isl_rate_bps(
    range_km, *, nominal_rate_bps=100e9, reference_range_km=None, max_range_km=None
) -> np.ndarray:
    """Laser inter-satellite link rate, bit/s.

    ``nominal_rate_bps`` (Starlink lasers: ~100 Gbps a link, SpaceX 2024) up to
    ``reference_range_km``; beyond it the rate follows the received power, ``∝ 1/d²``; zero
    beyond ``max_range_km`` and for NaN ranges. With no reference range the rate is flat.
    """
    range_km = np.asarray(range_km, dtype=float)
    rate = np.full(range_km.shape, float(nominal_rate_bps))
    if reference_range_km is not None:
        ratio = np.asarray(reference_range_km, dtype=float) / np.maximum(range_km, 1e-9)
        rate = rate * np.minimum(1.0, ratio * ratio)
    if max_range_km is not None:
        rate = np.where(range_km <= max_range_km, rate, 0.0)
    return np.where(np.isfinite(range_km), rate, 0.0)
