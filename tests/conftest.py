"""Shared fixtures: Skyfield objects built independently of orbitsim, small constellations."""

from __future__ import annotations

import os
import warnings

import pytest

# Tests never depend on the caller's terminal: rich lays out every console (in this process and
# in the commands the tests start) at a fixed width, whatever COLUMNS the shell exported.
# Checks read structured output (JSON, files) or one-line messages, which never wrap.
os.environ["COLUMNS"] = "80"
os.environ["LINES"] = "25"


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
