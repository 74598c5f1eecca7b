"""Solar array output: irradiance x area x efficiency x incidence x degradation x sunlit fraction.

``P = S · A · η · f_pack · cos θ · (1 - d)^age · illuminated`` (Wertz & Larson, *Space Mission
Analysis and Design*, 3rd ed., sec. 11.4: beginning-of-life power density from the cell
efficiency, end of life from a constant yearly degradation rate). A
sun-tracking array has ``cos θ = 1``; a body-mounted one takes the mean incidence cosine of its
attitude. The solar constant is an argument (``orbitsim.constants.SOLAR_CONSTANT_W_M2``).
"""

from __future__ import annotations

import numpy as np


def degradation_factor(age_years, degradation_per_year):
    """Remaining fraction ``(1 - d)^age`` of the beginning-of-life output, 0..1."""
    age_years = np.asarray(age_years, dtype=float)
    if np.any(age_years < 0):
        raise ValueError("age_years must be >= 0")
    return (1.0 - np.asarray(degradation_per_year, dtype=float)) ** age_years


def array_power_w(illuminated, area_m2, cell_efficiency, solar_constant_w_m2, *,
                  packing_factor=1.0, incidence_cos=1.0, degradation_per_year=0.0, age_years=0.0):
    """Electrical output of a solar array, W; ``illuminated`` (0..1) of any shape.

    NaN in ``illuminated`` (a failed propagation) gives NaN.
    """
    illuminated = np.asarray(illuminated, dtype=float)
    bol_w = solar_constant_w_m2 * area_m2 * cell_efficiency * packing_factor * incidence_cos
    return bol_w * degradation_factor(age_years, degradation_per_year) * illuminated
