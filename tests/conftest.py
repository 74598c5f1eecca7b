"""Shared fixtures: Skyfield objects built independently of orbitsim, small constellations."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture(scope="session")
def ts():
    from skyfield.api import load

    return load.timescale(builtin=True)


@pytest.fixture(scope="session")
def de421():
    """DE421 from skyfield-data, loaded the way a Skyfield user would, not through orbitsim."""
    from skyfield.api import Loader

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skyfield_data

        path = skyfield_data.get_skyfield_data_path()
    return Loader(path, expire=False, verbose=False)("de421.bsp")
