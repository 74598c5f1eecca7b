"""Checks of a scenario against what it refers to, shared by ``orbitsim validate`` and
``simulate``: whatever a run would refuse, validate refuses first, with the same message.

- injected faults name nodes and stations that exist (``fail_nodes``, ``isl_cuts``,
  ``station_outages``);
- the window lies inside the Sun ephemeris (:func:`orbitsim.model.timegrid.time_grid`);
- the workload's jobs fit in memory: their number is estimated from the arrival rates (trace
  rows counted) and a volume beyond the memory this machine has is refused with the estimate.
  A workload with no job at all is valid: it runs to a zero-job summary.
"""

from __future__ import annotations

import os

from orbitsim.errors import InputError

#: Memory one job costs a run, bytes: measured on ``starcloud-demo`` (peak RSS of 24 h against
#: 6 h, 155 MB for 79,259 more jobs: 1.96 kB a job), rounded up.
BYTES_PER_JOB = 2_000
#: Share of the available memory the jobs of a run may take.
MEMORY_SHARE = 0.5
#: Largest laser mesh a run builds (``isl = "mesh"``): links up summed over the steps, ~40
#: bytes each with their bookings; starlink-shell1 over a day at 60 s steps holds 4.6 million.
MAX_MESH_EDGES = 60_000_000


def check_injections(scenario, n_nodes: int, station_names, source) -> None:
    """``fail_nodes`` and ``isl_cuts`` name nodes ``0 .. n_nodes - 1``; ``station_outages``
    stations of the ground network. InputError naming the field (``fail_nodes[1].node``)."""
    for name in ("fail_nodes", "isl_cuts"):
        for i, item in enumerate(getattr(scenario, name)):
            if item.node >= n_nodes:
                raise InputError(f"node {item.node} does not exist (the constellation has "
                                 f"{n_nodes:,} nodes, 0..{n_nodes - 1})", source=source,
                                 field=f"{name}[{i}].node")
    names = list(station_names)
    for i, outage in enumerate(scenario.station_outages):
        if outage.station not in names:
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise InputError(f"no station named {outage.station!r} in the ground network "
                             f"{scenario.ground_network!r} (stations: {shown})", source=source,
                             field=f"station_outages[{i}].station")


def mesh_edges_estimate(n_sats: int, n_times: int) -> int:
    """Links up summed over the steps of a +Grid mesh (about two links a satellite)."""
    return 2 * n_sats * n_times


def check_mesh(scenario, n_nodes: int, step_s: float, source):
    """With ``isl = "mesh"``: the relay constellation (``None`` without one), loaded; and the
    mesh over ``n_nodes`` nodes, the relays and the run's steps of ``step_s`` must fit
    (:data:`MAX_MESH_EDGES`). InputError naming the field otherwise."""
    if scenario.isl != "mesh":
        return None
    if getattr(scenario, "sample", None) is not None:
        raise InputError('a sampled run cannot route over the laser mesh (its nodes are a '
                         'sample of the shells, not neighbours); use isl = "grid" or no '
                         "[sample]", source=source, field="sample")
    from orbitsim.model.catalogue import load_constellation

    relay = None
    if scenario.relay_constellation is not None:
        try:
            relay = load_constellation(scenario.path_of(scenario.relay_constellation))
        except InputError as error:
            raise InputError(error.message, source=error.source or source, line=error.line,
                             field=error.field or "relay_constellation") from None
    n_sats = n_nodes + (len(relay) if relay is not None else 0)
    n_times = int(round(scenario.hours * 3600.0 / step_s)) + 1
    estimate = mesh_edges_estimate(n_sats, n_times)
    if estimate > MAX_MESH_EDGES:
        raise InputError(f"the laser mesh of {n_sats:,} satellites over {n_times:,} steps "
                         f"holds about {estimate:,} link-steps, more than the "
                         f"{MAX_MESH_EDGES:,} a run builds; use isl = \"grid\", or fewer "
                         "satellites or hours", source=source, field="isl")
    return relay


def expected_jobs(workload, horizon_s: float) -> float:
    """Expected number of jobs of ``workload`` over ``horizon_s`` seconds: rate times time for
    Poisson and diurnal arrivals, the mean of the two states' rates weighted by their dwell
    times for bursty ones, the rows before the horizon for a trace."""
    from pathlib import Path

    from orbitsim.model.workload import read_trace

    total = 0.0
    hours = horizon_s / 3600.0
    for job_class in workload.job_classes:
        arrival = job_class.arrival
        if arrival.process in ("poisson", "diurnal"):
            total += arrival.rate_per_hour * hours
        elif arrival.process == "bursty":
            low, high = arrival.rates_per_hour
            dwell_low, dwell_high = arrival.mean_dwell_s
            total += (low * dwell_low + high * dwell_high) / (dwell_low + dwell_high) * hours
        else:
            path = Path(arrival.file)
            if not path.is_absolute():
                path = Path(workload.base_dir) / path
            trace = read_trace(path, arrival.file)
            total += float((trace.arrival_s < horizon_s).sum())
    return total


def available_memory_bytes() -> int:
    """Memory available to a new run: ``MemAvailable`` of /proc/meminfo, else the physical
    memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 16 * 2**30


def check_job_volume(workload, horizon_s: float, source, *,
                     memory_bytes: int | None = None) -> float:
    """The expected number of jobs; InputError with the estimate if they cannot fit in memory
    (``BYTES_PER_JOB`` each, at most ``MEMORY_SHARE`` of the available memory)."""
    jobs = expected_jobs(workload, horizon_s)
    memory = available_memory_bytes() if memory_bytes is None else memory_bytes
    need = jobs * BYTES_PER_JOB
    if need > MEMORY_SHARE * memory:
        raise InputError(
            f"workload {workload.name!r} generates about {jobs:,.3g} jobs in "
            f"{horizon_s / 3600.0:g} h, about {need / 2**30:,.1f} GiB at ~{BYTES_PER_JOB:,} "
            f"bytes a job, more than the {MEMORY_SHARE * memory / 2**30:,.1f} GiB a run may take "
            f"here (half of the {memory / 2**30:,.1f} GiB available); lower the rates or the "
            "hours", source=source, field="workload")
    return jobs


def check_fleet_and_governance(scenario, constellation, workload, network, source,
                               default_hardware=None):
    """A mixed fleet's groups name nodes and shells that exist and hardware that loads; the
    governance rules name tenants, regions, countries, nodes and monitoring countries that
    exist, and no two equally specific licences disagree. Returns the fleet
    (:class:`~orbitsim.model.fleet.Fleet`, or None for one hardware). InputError naming the
    field otherwise."""
    from orbitsim.model.governance import check_licences, check_suspension_nodes
    from orbitsim.model.scenario import node_fleet

    if getattr(scenario, "sample", None) is not None and (
            scenario.hardware_groups or any(x.nodes for x in scenario.governance.suspensions)):
        raise InputError("hardware_groups and suspensions naming nodes name nodes of the whole "
                         "constellation: they cannot be combined with a sample", source=source,
                         field="sample")
    fleet = None
    if scenario.hardware_groups:
        fleet = node_fleet(scenario, constellation, default_hardware, source=source)
    governance = scenario.governance
    if fleet is not None:
        accelerators = [h.accelerator.name for h in fleet.hardware]
    elif default_hardware is not None:
        accelerators = [default_hardware.accelerator.name]
    else:
        accelerators = []
    check_licences(governance, workload.tenants, accelerators, source=source)
    check_suspension_nodes(governance, len(constellation), source=source)
    countries = {str(s.country).upper() for s in network.stations}
    missing = [c for c in governance.monitoring_countries if c.upper() not in countries]
    if governance.monitoring_bytes_per_node_hour > 0 and governance.monitoring_countries \
            and len(missing) == len(governance.monitoring_countries):
        raise InputError(f"no station of the ground network {scenario.ground_network!r} is in "
                         f"{', '.join(governance.monitoring_countries)}: the telemetry could "
                         "never land", source=source, field="governance.monitoring_countries")
    return fleet
