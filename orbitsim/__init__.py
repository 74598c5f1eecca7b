"""orbitsim: can a constellation of GPU satellites be real-demand infrastructure?

It propagates constellations with SGP4, derives each node's sunlight, heat and ground contact,
runs AI workloads on the nodes as a discrete-event simulation, and reports what was delivered
and what it cost against a data centre on the ground.

>>> import orbitsim
>>> shell = orbitsim.load_constellation("starcloud-demo")
>>> grid = orbitsim.time_grid("2026-06-21T00:00:00Z", hours=2, step_s=60)
>>> geometry = orbitsim.propagate(shell, grid)
>>> geometry.illuminated.shape
(32, 121)
"""

from importlib import metadata as _metadata

from orbitsim.analysis.exports import export
from orbitsim.api import simulate
from orbitsim.errors import InputError, OrbitsimError
from orbitsim.geometry.contacts import contact_windows
from orbitsim.geometry.coverage import CoverageResult, coverage
from orbitsim.geometry.eclipses import eclipses
from orbitsim.geometry.health import orbit_errors, stale_elements
from orbitsim.geometry.isl import Mesh, laser_mesh
from orbitsim.geometry.propagate import Geometry, GeometryChunk, iter_geometry, propagate
from orbitsim.geometry.routing import Router, ground_links, routes
from orbitsim.model.builders import formation_cluster, sun_synchronous, walker_delta, walker_star
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.constellation import Constellation, combine
from orbitsim.model.ground import GroundNetwork, Station, load_ground_network
from orbitsim.model.hardware import NodeHardware, load_node
from orbitsim.model.scenario import Scenario, load_scenario
from orbitsim.model.timegrid import TimeGrid, time_grid
from orbitsim.model.workload import Workload, generate_jobs, load_workload
from orbitsim.policies import Policy, register_policy
from orbitsim.sim.run import RunResult

try:  # the installed distribution's version: one source, pyproject.toml
    __version__ = _metadata.version("orbitsim")
except _metadata.PackageNotFoundError:  # pragma: no cover - a source tree never installed
    __version__ = "0+unknown"

__all__ = [
    "Constellation",
    "CoverageResult",
    "Geometry",
    "GeometryChunk",
    "GroundNetwork",
    "InputError",
    "Mesh",
    "NodeHardware",
    "OrbitsimError",
    "Policy",
    "Router",
    "RunResult",
    "Scenario",
    "Station",
    "TimeGrid",
    "Workload",
    "combine",
    "contact_windows",
    "coverage",
    "eclipses",
    "export",
    "formation_cluster",
    "generate_jobs",
    "ground_links",
    "iter_geometry",
    "laser_mesh",
    "load_constellation",
    "load_ground_network",
    "load_node",
    "load_scenario",
    "load_workload",
    "orbit_errors",
    "propagate",
    "register_policy",
    "routes",
    "simulate",
    "stale_elements",
    "sun_synchronous",
    "time_grid",
    "walker_delta",
    "walker_star",
]
