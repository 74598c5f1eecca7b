"""Link budget kernel against textbook closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.kernels.linkbudget import (
    atmospheric_loss_db,
    bytes_transferable,
    carrier_to_noise_db,
    free_space_path_loss_db,
    laser_isl_rate_bps,
    link_rate_bps,
    shannon_rate_bps,
    table_rate_bps,
)


def test_free_space_path_loss_textbook_formula():
    """FSPL(dB) = 92.45 + 20 log10(d/km) + 20 log10(f/GHz) (Maral & Bousquet)."""
    d_km = np.array([500.0, 1000.0, 2500.0])
    f_ghz = 26.0
    expected = 92.45 + 20 * np.log10(d_km) + 20 * np.log10(f_ghz)
    np.testing.assert_allclose(free_space_path_loss_db(d_km, f_ghz * 1e9), expected, atol=0.01)


def test_atmospheric_loss_follows_the_cosecant_law_and_is_finite_at_the_horizon():
    zenith = 2.0
    assert atmospheric_loss_db(90.0, zenith) == pytest.approx(zenith, rel=1e-12)
    for elevation in (20.0, 30.0, 60.0):
        cosecant = zenith / np.sin(np.radians(elevation))
        assert atmospheric_loss_db(elevation, zenith) == pytest.approx(cosecant, rel=0.01)
    horizon = atmospheric_loss_db(0.0, zenith)
    assert np.isfinite(horizon) and horizon > 20 * zenith  # ~ sqrt(2 R / H) airmasses
    assert atmospheric_loss_db(-5.0, zenith) == horizon


def test_carrier_to_noise_budget_by_hand():
    # C/N0 = EIRP + G/T - FSPL - L + 228.6; C/N = C/N0 - 10 log10 B
    fspl = 92.45 + 20 * np.log10(1000.0) + 20 * np.log10(26.0)
    by_hand = 20.0 + 32.0 - fspl - 2.0 - 3.0 + 228.6 - 10 * np.log10(1.2e9)
    got = carrier_to_noise_db(1000.0, 90.0, frequency_hz=26e9, eirp_dbw=20.0, g_over_t_db_k=32.0,
                              bandwidth_hz=1.2e9, zenith_loss_db=2.0, implementation_loss_db=3.0)
    assert got == pytest.approx(by_hand, abs=0.02)


def test_shannon_rate_and_cap():
    assert shannon_rate_bps(0.0, 1e6) == pytest.approx(1e6)  # SNR 1 -> 1 bit/s/Hz
    assert shannon_rate_bps(10 * np.log10(3.0), 2e6, efficiency=0.5) == pytest.approx(2e6)
    assert shannon_rate_bps(60.0, 1e9, max_rate_bps=3e9) == 3e9
    assert shannon_rate_bps(np.nan, 1e9) == 0.0


def test_link_rate_falls_with_range_and_is_zero_below_the_mask():
    kwargs = dict(frequency_hz=26e9, eirp_dbw=20.0, g_over_t_db_k=32.0, bandwidth_hz=1.2e9,
                  zenith_loss_db=2.0, implementation_loss_db=3.0, efficiency=0.75,
                  max_rate_bps=10e9, min_elevation_deg=10.0)
    near, far = link_rate_bps(np.array([600.0, 2000.0]), np.array([80.0, 15.0]), **kwargs)
    assert near > far > 0.0
    assert link_rate_bps(600.0, 5.0, **kwargs) == 0.0


def test_rate_table_interpolates_and_is_zero_below_its_first_elevation():
    rates = table_rate_bps([10.0, 20.0, 25.0, 45.0, 90.0], [20.0, 30.0, 45.0], [10e9, 40e9, 100e9])
    np.testing.assert_allclose(rates, [0.0, 10e9, 25e9, 100e9, 100e9])
    with pytest.raises(ValueError):
        table_rate_bps(30.0, [30.0, 20.0], [1.0, 2.0])


def test_bytes_in_a_pass_integrate_the_rate():
    constant = bytes_transferable(np.full((1, 5), 8e9), np.array([300.0]))
    assert constant[0] == pytest.approx(300e9)  # 8 Gbit/s for 300 s = 300 GB
    ramp = bytes_transferable(np.linspace(0.0, 8e9, 101)[None, :], np.array([100.0]))
    assert ramp[0] == pytest.approx(50e9)  # the trapezoid rule is exact on a line
    with pytest.raises(ValueError):
        bytes_transferable(np.ones(3), 1.0)


def test_laser_isl_rate():
    np.testing.assert_allclose(laser_isl_rate_bps([100.0, 5000.0]), [100e9, 100e9])
    np.testing.assert_allclose(
        laser_isl_rate_bps([1000.0, 2000.0, 6000.0, np.nan], reference_range_km=1000.0,
                           max_range_km=5000.0), [100e9, 25e9, 0.0, 0.0])
