"""Battery energy balance in closed form for a constant net bus power, and cycle ageing.

Sign convention: ``net_power_w`` is the bus-side surplus (solar array output minus load). A
surplus charges the cells at ``charge_efficiency`` until they are full, after which it is
curtailed; a shortfall is drawn from the cells as ``-net / discharge_efficiency`` until the
floor (``(1 - depth_of_discharge) x capacity``), after which the load is not served (deficit).
Inside one call the net power is constant, so the stored energy is piecewise linear in time and
every quantity below is exact. Energy bookkeeping per call::

    net_in = Δstored + loss + curtailed - unserved          (surplus: net_in = net·Δt > 0)

Capacity fade is linear in equivalent full cycles (energy drawn from the cells divided by the
nominal capacity): a rainflow-free counting used for LEO sizing (Wertz & Larson, *Space Mission
Analysis and Design*, 3rd ed., sec. 11.4; cycle life versus depth of discharge).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

SECONDS_PER_HOUR = 3600.0
_SCALAR_TYPES = (float, int, np.floating, np.integer)


class BatteryStep(NamedTuple):
    """Result of :func:`battery_step`; every field has the broadcast shape of the inputs."""

    energy_wh: np.ndarray  # stored energy at the end, Wh
    curtailed_wh: np.ndarray  # surplus that could not be stored (battery full), bus side, Wh
    loss_wh: np.ndarray  # charge and discharge losses, Wh
    drawn_wh: np.ndarray  # energy taken out of the cells, Wh (for cycle counting)
    unserved_wh: np.ndarray  # shortfall the battery could not cover (at its floor), bus side, Wh


def time_to_floor_s(energy_wh, floor_wh, net_power_w, discharge_efficiency):
    """Seconds until the stored energy reaches ``floor_wh`` at constant ``net_power_w`` (< 0).

    ``inf`` where the net power is >= 0; 0 where the battery is already at or below its floor.
    A battery drained at constant bus power ``P`` empties after ``η_d (E - E_floor) / P`` hours.
    """
    energy_wh, floor_wh, net_power_w = np.broadcast_arrays(
        np.asarray(energy_wh, float), np.asarray(floor_wh, float), np.asarray(net_power_w, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (energy_wh - floor_wh) * discharge_efficiency * SECONDS_PER_HOUR / -net_power_w
    return np.where(net_power_w < 0.0, np.maximum(t, 0.0), np.inf)


def time_to_full_s(energy_wh, capacity_wh, net_power_w, charge_efficiency):
    """Seconds until the battery is full at constant ``net_power_w`` (> 0); ``inf`` otherwise."""
    energy_wh, capacity_wh, net_power_w = np.broadcast_arrays(
        np.asarray(energy_wh, float), np.asarray(capacity_wh, float),
        np.asarray(net_power_w, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (capacity_wh - energy_wh) * SECONDS_PER_HOUR / (net_power_w * charge_efficiency)
    return np.where(net_power_w > 0.0, np.maximum(t, 0.0), np.inf)


def battery_step(energy_wh, net_power_w, duration_s, capacity_wh, floor_wh,
                 charge_efficiency, discharge_efficiency) -> BatteryStep:
    """Integrate the stored energy over ``duration_s`` at constant ``net_power_w``.

    Exact, clipping at full (the rest is curtailed) and at the floor (the rest is unserved).
    Arrays broadcast. ``energy_wh`` must lie in ``[floor_wh, capacity_wh]`` (a start above
    the capacity is clipped and the excess booked as loss).
    """
    if not (0 < charge_efficiency <= 1 and 0 < discharge_efficiency <= 1):
        raise ValueError("efficiencies must be in (0, 1]")
    if all(isinstance(v, _SCALAR_TYPES)
           for v in (energy_wh, net_power_w, duration_s, capacity_wh, floor_wh)):
        return battery_step_scalar(float(energy_wh), float(net_power_w), float(duration_s),
                                    float(capacity_wh), float(floor_wh),
                                    float(charge_efficiency), float(discharge_efficiency))
    energy_wh, net_power_w, duration_s, capacity_wh, floor_wh = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (energy_wh, net_power_w, duration_s, capacity_wh,
                                                floor_wh)))
    if np.any(duration_s < 0):
        raise ValueError("duration_s must be >= 0")
    excess = np.maximum(energy_wh - capacity_wh, 0.0)
    start = energy_wh - excess
    net_wh = net_power_w * duration_s / SECONDS_PER_HOUR
    charging = net_wh > 0.0
    # Charging: room in the cells, counted bus side.
    room_bus_wh = np.maximum(capacity_wh - start, 0.0) / charge_efficiency
    charged_bus_wh = np.where(charging, np.minimum(net_wh, room_bus_wh), 0.0)
    curtailed = np.where(charging, net_wh - charged_bus_wh, 0.0)
    # Discharging: usable energy above the floor, counted bus side.
    usable_bus_wh = np.maximum(start - floor_wh, 0.0) * discharge_efficiency
    delivered_bus_wh = np.where(charging, 0.0, np.minimum(-net_wh, usable_bus_wh))
    unserved = np.where(charging, 0.0, -net_wh - delivered_bus_wh)
    drawn = delivered_bus_wh / discharge_efficiency
    end = start + charged_bus_wh * charge_efficiency - drawn
    loss = excess + charged_bus_wh * (1.0 - charge_efficiency) + (drawn - delivered_bus_wh)
    return BatteryStep(end, curtailed, loss, drawn, unserved)


def battery_step_scalar(energy_wh: float, net_power_w: float, duration_s: float,
                         capacity_wh: float, floor_wh: float, charge_efficiency: float,
                         discharge_efficiency: float) -> BatteryStep:
    """:func:`battery_step` for Python floats (the same formulas, no array overhead: the
    node integrator calls it millions of times)."""
    if duration_s < 0:
        raise ValueError("duration_s must be >= 0")
    excess = max(energy_wh - capacity_wh, 0.0)
    start = energy_wh - excess
    net_wh = net_power_w * duration_s / SECONDS_PER_HOUR
    if net_wh > 0.0:
        charged = min(net_wh, max(capacity_wh - start, 0.0) / charge_efficiency)
        end = start + charged * charge_efficiency
        return BatteryStep(end, net_wh - charged, excess + charged * (1.0 - charge_efficiency),
                           0.0, 0.0)
    delivered = min(-net_wh, max(start - floor_wh, 0.0) * discharge_efficiency)
    drawn = delivered / discharge_efficiency
    return BatteryStep(start - drawn, 0.0, excess + drawn - delivered, drawn,
                       -net_wh - delivered)


def faded_capacity_wh(nominal_capacity_wh, equivalent_full_cycles, fade_per_cycle):
    """Capacity after ``equivalent_full_cycles``, linear fade, never below zero, Wh."""
    return np.asarray(nominal_capacity_wh, float) * np.maximum(
        1.0 - np.asarray(fade_per_cycle, float) * np.asarray(equivalent_full_cycles, float), 0.0)


def equivalent_full_cycles(drawn_wh, nominal_capacity_wh):
    """Equivalent full cycles: energy drawn from the cells over the nominal capacity."""
    return np.asarray(drawn_wh, float) / np.asarray(nominal_capacity_wh, float)
