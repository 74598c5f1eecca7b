"""Physical and geodetic constants, with units in every name.

Sources: WGS84 (NIMA TR8350.2), WGS72 as used by SGP4 (Vallado et al., AIAA 2006-6753),
IAU 2015 nominal solar values, TSIS-1 total solar irradiance.
"""

from __future__ import annotations

import math

# WGS84 ellipsoid (geodetic output, ground stations).
EARTH_RADIUS_KM = 6378.137
EARTH_FLATTENING = 1.0 / 298.257223563
EARTH_ECCENTRICITY_SQ = EARTH_FLATTENING * (2.0 - EARTH_FLATTENING)
EARTH_POLAR_RADIUS_KM = EARTH_RADIUS_KM * (1.0 - EARTH_FLATTENING)
EARTH_MU_KM3_S2 = 398600.4418
EARTH_J2 = 1.08262668e-3

# WGS72 constants used inside SGP4 (sgp4init with WGS72).
WGS72_RADIUS_KM = 6378.135
WGS72_MU_KM3_S2 = 398600.8
WGS72_J2 = 0.001082616

# Earth rotation and the year, for sun-synchronous orbits.
EARTH_ROTATION_RAD_S = 7.292115146706979e-5
TROPICAL_YEAR_DAYS = 365.2421897
SUN_SYNC_NODE_RATE_RAD_S = 2.0 * math.pi / (TROPICAL_YEAR_DAYS * 86400.0)

# The Sun.
SUN_RADIUS_KM = 695_700.0  # IAU 2015 Resolution B3 nominal solar radius
AU_KM = 149_597_870.700
SOLAR_CONSTANT_W_M2 = 1361.0  # TSIS/SORCE total solar irradiance at 1 au (AM0)

SECONDS_PER_DAY = 86400.0
MINUTES_PER_DAY = 1440.0

# Optical inter-satellite links.
LASER_ISL_RATE_BPS = 100e9  # Starlink lasers, ~100 Gbit/s a link (SpaceX statements, 2024)
