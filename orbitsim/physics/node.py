"""The node as the simulation sees it: what it can do now, and until when.

:class:`NodePhysics` holds one node's power and thermal state and integrates it **between
events** in closed form, never per time step. Inside a segment of constant illumination (from
:func:`orbitsim.physics.power.illumination_segments`) and constant accelerator power, the battery
energy is linear in time (:func:`orbitsim.kernels.battery.battery_step`, clipped at full and at
its floor) and the radiator temperature follows the exact solution of the lumped T⁴ equation
(:func:`orbitsim.kernels.radiator.temp_after_k`). A segment is split only where a limit is
reached: the battery floor (the load is then cut to what the array gives) or the radiator limit
(the accelerators are then capped at the power that holds it there; their throughput follows the
power-performance curve). The cost is proportional to the number of events, not to the length
of the geometry's time step.

Use from a discrete-event simulation::

    node = build_node(hardware, seconds, illuminated, alt_km)
    t, power = node.t_s, node.hardware.max_accelerator_power_w
    while t < end:
        status = node.status()                    # power available, caps, throughput now
        power = min(power, status.power_cap_w)    # the policy decides; the node enforces limits
        event = node.next_event(t, power)         # sunrise, sunset, battery_empty, thermal_limit
        t = min(event.time_s, end)
        done = node.advance(t, power)             # closed-form integration to t
        work_flop = done.full_speed_s * node.hardware.peak_flops("bf16")

``advance`` may also be called at any earlier time (a job arriving): it never needs the event
times, they only tell the simulation when the node's answers change.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from orbitsim.kernels.battery import SECONDS_PER_HOUR, battery_step_scalar
from orbitsim.kernels.radiator import (
    STEFAN_BOLTZMANN_W_M2_K4,
    temp_after_scalar_k,
    time_to_temp_s,
)
from orbitsim.model.hardware import NodeHardware
from orbitsim.physics.power import Segments, illumination_segments, segment_array_power_w
from orbitsim.physics.thermal import (
    radiator_capacity_w,
    segment_environment_heat_w,
    steady_temp_k,
    subsolar_cos_zenith_from_position,
)

#: Kinds of :class:`NodeEvent`.
EVENT_KINDS = ("sunrise", "sunset", "illumination", "battery_empty", "thermal_limit", "end")

#: Keys of :meth:`NodePhysics.history`.
_HISTORY_KEYS = ("time_s", "soc", "energy_wh", "temp_k", "accelerator_power_w", "array_power_w")
_TIME_EPS_S = 1e-9
_TEMP_EPS_K = 1e-9


@dataclass(frozen=True)
class NodeEvent:
    """The next time a node's answers change, and why (one of :data:`EVENT_KINDS`)."""

    time_s: float
    kind: str


@dataclass(frozen=True)
class NodeStatus:
    """What a node can do at ``time_s`` (see :meth:`NodePhysics.status`). Powers in W."""

    time_s: float
    illuminated: float  # sunlit fraction of the current segment, 0..1
    array_power_w: float  # solar array output now
    environment_w: float  # absorbed sun + albedo + Earth IR on the radiator
    base_load_w: float  # bus + host, always on
    energy_wh: float  # stored energy
    capacity_wh: float  # current (faded) capacity
    soc: float  # state of charge, energy / capacity
    battery_at_floor: bool  # at the depth-of-discharge floor
    temp_k: float  # radiator temperature
    radiator_limit_k: float
    power_available_w: float  # accelerator power the power system can deliver now
    sun_power_available_w: float  # accelerator power the array alone sustains
    thermal_cap_w: float  # accelerator power allowed by the thermal limit now
    steady_thermal_cap_w: float  # accelerator power that holds the radiator at its limit
    power_cap_w: float  # min of the above and the accelerators' power limit
    throughput_fraction: float  # of the node's peak, at power_cap_w
    throughput_flops: float  # dense BF16 FLOP/s at power_cap_w


@dataclass(frozen=True)
class Advanced:
    """What happened over one :meth:`NodePhysics.advance` call."""

    duration_s: float
    accelerator_energy_wh: float  # energy the accelerators actually drew
    full_speed_s: float  # ∫ throughput fraction dt: seconds of work at the node's peak
    throttled_s: float  # time the thermal cap held the accelerators below the request
    deficit_s: float  # time the battery floor held the load below the request

    def work_flop(self, hardware: NodeHardware, precision: str = "bf16") -> float:
        """Floating-point operations done, at the node's peak dense rate for ``precision``."""
        return self.full_speed_s * hardware.peak_flops(precision)


class NodePhysics:
    """Power and thermal state of one node, integrated piecewise between events.

    Build with :func:`build_node` / :func:`build_nodes`. Times are seconds on the geometry's
    grid; the node is defined on ``[start_s, end_s]``. Slotted, with the power curve shared
    and no history unless recorded: ~1.5 kB a node, so 88,000 nodes take ~130 MB.
    """

    __slots__ = (
        "hardware", "_start", "_end", "_level", "_array", "_env", "_base_w", "_p_max",
        "_nominal_wh", "_floor_fraction", "_eta_c", "_eta_d", "_fade", "_t_lim", "_q_lim",
        "_emissivity", "_area", "_conductance", "_heat_capacity", "_sink", "_curve_p", "_curve_f",
        "_peak_bf16", "t_s", "_k", "capacity_wh", "energy_wh", "temp_k", "energy_start_wh",
        "energy_in_wh", "energy_used_wh", "accelerator_wh", "curtailed_wh", "battery_loss_wh",
        "unserved_wh", "drawn_wh", "throttled_s", "deficit_s", "shutdown_s", "full_speed_s",
        "deficit_events_s", "throttle_events_s", "limit_reached_s", "_in_deficit",
        "_in_throttle", "_record", "_history",
    )

    def __init__(self, hardware: NodeHardware, segments: Segments, array_power_w,
                 environment_w, *, initial_soc: float | None = None,
                 initial_temp_k: float | None = None, record: bool = True) -> None:
        if segments.n_nodes != 1:
            raise ValueError("segments must hold exactly one node (use Segments.of)")
        self.hardware = hardware
        self._start = [float(v) for v in segments.start_s]
        self._end = [float(v) for v in segments.end_s]
        self._level = [float(v) for v in segments.illuminated]
        self._array = [float(v) for v in np.asarray(array_power_w, dtype=float)]
        self._env = [float(v) for v in np.asarray(environment_w, dtype=float)]
        if not (len(self._start) == len(self._array) == len(self._env) > 0):
            raise ValueError("one array power and one environment heat per segment")
        battery, thermal = hardware.battery, hardware.thermal
        self._base_w = hardware.base_load_w
        self._p_max = hardware.max_accelerator_power_w
        self._nominal_wh = battery.capacity_wh
        self._floor_fraction = 1.0 - battery.depth_of_discharge
        self._eta_c = battery.charge_efficiency
        self._eta_d = battery.discharge_efficiency
        self._fade = battery.fade_per_cycle
        self._t_lim = hardware.radiator_limit_k
        self._q_lim = radiator_capacity_w(hardware)
        self._emissivity = thermal.emissivity
        self._area = thermal.radiating_area_m2
        self._conductance = self._emissivity * STEFAN_BOLTZMANN_W_M2_K4 * self._area
        self._heat_capacity = thermal.heat_capacity_j_k
        self._sink = thermal.sink_temp_k
        curve = hardware.accelerator.power_curve
        self._curve_p = tuple(curve.power_fraction)  # shared by every node (a tuple already)
        self._curve_f = tuple(curve.throughput_fraction)
        self._peak_bf16 = hardware.peak_flops("bf16")
        # state
        self.t_s = self._start[0]
        self._k = 0
        self.capacity_wh = self._nominal_wh
        soc = battery.initial_soc if initial_soc is None else float(initial_soc)
        if not 0.0 <= soc <= 1.0:
            raise ValueError("initial_soc must be in [0, 1]")
        self.energy_wh = max(soc, self._floor_fraction) * self.capacity_wh
        if initial_temp_k is None:
            initial_temp_k = thermal.initial_temp_k
        if initial_temp_k is None:
            initial_temp_k = min(float(steady_temp_k(hardware, self._base_w, self._env[0])),
                                 self._t_lim)
        self.temp_k = float(initial_temp_k)
        self.energy_start_wh = self.energy_wh
        # accumulated outputs
        self.energy_in_wh = 0.0  # array output
        self.energy_used_wh = 0.0  # load actually served (bus + host + accelerators)
        self.accelerator_wh = 0.0
        self.curtailed_wh = 0.0
        self.battery_loss_wh = 0.0
        self.unserved_wh = 0.0  # load requested but not served (battery at its floor)
        self.drawn_wh = 0.0  # energy out of the cells (equivalent cycles)
        self.throttled_s = 0.0
        self.deficit_s = 0.0
        self.shutdown_s = 0.0  # time even the base load was not fully served
        self.full_speed_s = 0.0
        self.deficit_events_s: list[float] = []  # starts of energy-limited stretches
        self.throttle_events_s: list[float] = []  # starts of thermally throttled stretches
        self.limit_reached_s: list[float] = []  # times the radiator reached its limit
        self._in_deficit = False
        self._in_throttle = False
        self._record = record
        self._history: dict[str, list[float]] | None = {k: [] for k in _HISTORY_KEYS} if (
            record) else None
        self._log(0.0)

    def clone(self) -> NodePhysics:
        """A detached copy of the node now, for looking ahead: the same inputs (shared: they
        never change), its own state and totals, and no history or event lists."""
        other = NodePhysics.__new__(NodePhysics)
        for name in NodePhysics.__slots__:
            setattr(other, name, getattr(self, name))
        other._record, other._history = False, None
        other.deficit_events_s, other.throttle_events_s, other.limit_reached_s = [], [], []
        return other

    # --- geometry of the horizon ----------------------------------------------------------------

    @property
    def start_s(self) -> float:
        return self._start[0]

    @property
    def end_s(self) -> float:
        return self._end[-1]

    @property
    def n_segments(self) -> int:
        return len(self._start)

    @property
    def soc(self) -> float:
        return self.energy_wh / self.capacity_wh if self.capacity_wh > 0 else 0.0

    @property
    def floor_wh(self) -> float:
        return self._floor_fraction * self.capacity_wh

    @property
    def equivalent_full_cycles(self) -> float:
        return self.drawn_wh / self._nominal_wh

    def throughput_fraction(self, accelerator_power_w: float) -> float:
        """Fraction of the node's peak throughput at a total accelerator power, 0..1."""
        x = accelerator_power_w / self._p_max
        ps, fs = self._curve_p, self._curve_f
        if x <= ps[0]:
            return 0.0 if x < ps[0] else fs[0]
        if x >= 1.0:
            return 1.0
        i = bisect.bisect_right(ps, x)
        return fs[i - 1] + (fs[i] - fs[i - 1]) * (x - ps[i - 1]) / (ps[i] - ps[i - 1])

    def throughput_flops(self, accelerator_power_w: float, precision: str = "bf16") -> float:
        """Dense FLOP/s of the node at a total accelerator power."""
        return self.throughput_fraction(accelerator_power_w) * self.hardware.peak_flops(precision)

    # --- the regime inside the current segment --------------------------------------------------

    def _segment_at(self, t: float) -> int:
        k = self._k
        while k < len(self._end) - 1 and t >= self._end[k] - _TIME_EPS_S:
            k += 1
        return k

    def _plan(self, k: int, request_w: float):
        """Applied accelerator power, served base load, net bus power, heat, the power the
        thermal cap allows, and whether the battery is at its floor."""
        array_w, env_w = self._array[k], self._env[k]
        power = min(max(request_w, 0.0), self._p_max)
        if self.temp_k >= self._t_lim - _TEMP_EPS_K:
            cap = self._q_lim - env_w - self._base_w
            if power > cap:
                power = max(cap, 0.0)
        allowed = power
        base = self._base_w
        at_floor = self.energy_wh <= self.floor_wh * (1.0 + 1e-12) + 1e-12
        if at_floor and array_w < base + power:
            power = max(min(power, array_w - base), 0.0)
            base = min(base, array_w)
        load = base + power
        net = array_w - load
        if at_floor and net < 0.0:
            net = 0.0
        return power, base, net, load + env_w, allowed, at_floor

    def _limit_times(self, k: int, net_w: float, heat_w: float, at_floor: bool):
        """Seconds to the battery floor and to the radiator limit under the current plan."""
        to_floor = math.inf
        if net_w < 0.0 and not at_floor:
            to_floor = max(self.energy_wh - self.floor_wh, 0.0) * self._eta_d * SECONDS_PER_HOUR / (
                -net_w)
        to_limit = math.inf
        if self.temp_k < self._t_lim - _TEMP_EPS_K and heat_w > self._q_lim:
            to_limit = time_to_temp_s(self.temp_k, self._t_lim, heat_w, self._emissivity,
                                      self._area, self._heat_capacity, self._sink)
        return to_floor, to_limit

    # --- the interface for the simulation -------------------------------------------------------

    def status(self, t: float | None = None) -> NodeStatus:
        """What the node can do at its current time (``t`` must be that time if given)."""
        self._check_now(t)
        k = self._segment_at(self.t_s)
        array_w, env_w = self._array[k], self._env[k]
        at_floor = self.energy_wh <= self.floor_wh * (1.0 + 1e-12) + 1e-12
        sun_w = min(max(array_w - self._base_w, 0.0), self._p_max)
        available = sun_w if at_floor else self._p_max
        steady_cap = self._q_lim - env_w - self._base_w
        thermal_cap = (min(max(steady_cap, 0.0), self._p_max)
                       if self.temp_k >= self._t_lim - _TEMP_EPS_K else self._p_max)
        cap = min(available, thermal_cap, self._p_max)
        fraction = self.throughput_fraction(cap)
        return NodeStatus(
            time_s=self.t_s, illuminated=self._level[k], array_power_w=array_w,
            environment_w=env_w, base_load_w=self._base_w, energy_wh=self.energy_wh,
            capacity_wh=self.capacity_wh, soc=self.soc, battery_at_floor=at_floor,
            temp_k=self.temp_k, radiator_limit_k=self._t_lim, power_available_w=available,
            sun_power_available_w=sun_w, thermal_cap_w=thermal_cap,
            steady_thermal_cap_w=steady_cap, power_cap_w=cap, throughput_fraction=fraction,
            throughput_flops=fraction * self._peak_bf16)

    def power_cap_w(self, t: float | None = None) -> float:
        """Accelerator power allowed now by the battery, the array and the radiator, W."""
        return self.status(t).power_cap_w

    def next_event(self, t: float | None, accelerator_power_w: float) -> NodeEvent:
        """When the node's answers next change if the accelerators run at the given power.

        The earliest of: the battery reaching its floor, the radiator reaching its limit, the
        end of the current illumination segment (sunrise, sunset) or of the horizon. ``t`` must
        be the node's current time (call :meth:`advance` first).
        """
        self._check_now(t)
        k = self._segment_at(self.t_s)
        _, _, net, heat, _, at_floor = self._plan(k, accelerator_power_w)
        to_floor, to_limit = self._limit_times(k, net, heat, at_floor)
        to_end = self._end[k] - self.t_s
        if to_floor <= to_limit and to_floor < to_end:
            return NodeEvent(self.t_s + to_floor, "battery_empty")
        if to_limit < to_end:
            return NodeEvent(self.t_s + to_limit, "thermal_limit")
        if k == len(self._end) - 1:
            return NodeEvent(self._end[k], "end")
        after, now = self._level[k + 1], self._level[k]
        kind = "sunrise" if after > now else "sunset" if after < now else "illumination"
        return NodeEvent(self._end[k], kind)

    def next_event_s(self, t: float | None, accelerator_power_w: float) -> float:
        """Time of :meth:`next_event`, s."""
        return self.next_event(t, accelerator_power_w).time_s

    def advance(self, t_new: float, accelerator_power_w: float) -> Advanced:
        """Integrate from the current time to ``t_new`` with the accelerators asked to draw
        ``accelerator_power_w`` (total, W); the node caps it at its limits on the way."""
        if t_new < self.t_s - _TIME_EPS_S:
            raise ValueError(f"cannot go back in time ({t_new} < {self.t_s})")
        if t_new > self.end_s + _TIME_EPS_S:
            raise ValueError(f"t_new = {t_new} is past the end of the horizon ({self.end_s})")
        t_new = min(t_new, self.end_s)
        request = min(max(accelerator_power_w, 0.0), self._p_max)
        start = self.t_s
        acc_wh = full_s = throttled = deficit = 0.0
        for _ in range(100_000):
            if self.t_s >= t_new - _TIME_EPS_S:
                break
            k = self._k = self._segment_at(self.t_s)
            power, base, net, heat, allowed, at_floor = self._plan(k, request)
            throttling = allowed < request
            short = (allowed - power) + (self._base_w - base)  # load the battery cannot serve
            energy_limited = short > 0.0
            to_floor, to_limit = self._limit_times(k, net, heat, at_floor)
            duration = min(t_new, self._end[k]) - self.t_s
            first = min(to_floor, to_limit)
            hit_floor = hit_limit = False
            if first <= duration:
                duration = first
                hit_floor, hit_limit = to_floor <= first, to_limit <= first
            if duration > 0.0:
                if throttling and not self._in_throttle:
                    self.throttle_events_s.append(self.t_s)
                if energy_limited and not self._in_deficit:
                    self.deficit_events_s.append(self.t_s)
                self._in_throttle, self._in_deficit = throttling, energy_limited
            self._integrate(k, duration, power, base, net, heat, throttling, hit_floor)
            self.unserved_wh += short * duration / SECONDS_PER_HOUR
            acc_wh += power * duration / SECONDS_PER_HOUR
            full_s += self.throughput_fraction(power) * duration
            if throttling:
                throttled += duration
            if energy_limited:
                deficit += duration
                if base < self._base_w:
                    self.shutdown_s += duration
            if hit_limit:
                self.temp_k = self._t_lim
                self.limit_reached_s.append(self.t_s)
            self._log(power)
        else:  # pragma: no cover - guards against a logic error, never reached in tests
            raise RuntimeError("node integration did not converge")
        self._k = self._segment_at(self.t_s)
        self.accelerator_wh += acc_wh
        self.full_speed_s += full_s
        self.throttled_s += throttled
        self.deficit_s += deficit
        return Advanced(self.t_s - start, acc_wh, full_s, throttled, deficit)

    # --- internals ------------------------------------------------------------------------------

    def _check_now(self, t: float | None) -> None:
        if t is not None and abs(t - self.t_s) > 1e-6 * max(1.0, abs(self.t_s)):
            raise ValueError(f"the node is at t = {self.t_s}, not {t}: advance it first")

    def _integrate(self, k: int, duration: float, power: float, base: float, net: float,
                   heat: float, hold_temp: bool, to_floor: bool) -> None:
        """One piece of constant inputs. Capacity fade is applied at the end of the piece; a
        piece that ends on the floor ends on the (faded) floor, the stored energy below it
        booked as battery loss."""
        array_w = self._array[k]
        step = battery_step_scalar(self.energy_wh, net, duration, self.capacity_wh,
                                   self.floor_wh, self._eta_c, self._eta_d)
        self.energy_in_wh += array_w * duration / SECONDS_PER_HOUR
        self.energy_used_wh += (base + power) * duration / SECONDS_PER_HOUR
        self.curtailed_wh += step.curtailed_wh
        self.battery_loss_wh += step.loss_wh
        self.unserved_wh += step.unserved_wh
        self.energy_wh = step.energy_wh
        if step.drawn_wh > 0.0:
            self.drawn_wh += step.drawn_wh
            if self._fade > 0.0:
                self.capacity_wh = self._nominal_wh * max(
                    1.0 - self._fade * self.drawn_wh / self._nominal_wh, 0.0)
                if self.energy_wh > self.capacity_wh:
                    self.battery_loss_wh += self.energy_wh - self.capacity_wh
                    self.energy_wh = self.capacity_wh
        if to_floor:
            self.battery_loss_wh += self.energy_wh - self.floor_wh
            self.energy_wh = self.floor_wh
        if hold_temp and abs(heat - self._q_lim) <= 1e-9 * self._q_lim:
            self.temp_k = self._t_lim
        elif duration > 0.0:
            self.temp_k = temp_after_scalar_k(self.temp_k, duration, heat, self._conductance,
                                              self._heat_capacity, self._sink)
        self.t_s = self._end[k] if abs(self.t_s + duration - self._end[k]) <= _TIME_EPS_S else (
            self.t_s + duration)

    def _log(self, power_w: float) -> None:
        if not self._record:
            return
        h = self._history
        k = self._segment_at(self.t_s)
        h["time_s"].append(self.t_s)
        h["soc"].append(self.soc)
        h["energy_wh"].append(self.energy_wh)
        h["temp_k"].append(self.temp_k)
        h["accelerator_power_w"].append(power_w)
        h["array_power_w"].append(self._array[k])

    # --- outputs --------------------------------------------------------------------------------

    def segments_table(self) -> dict[str, np.ndarray]:
        """The node's inputs per segment: ``start_s``, ``end_s``, ``illuminated``,
        ``array_power_w``, ``environment_w`` (each ``(n_segments,)``)."""
        return {"start_s": np.asarray(self._start), "end_s": np.asarray(self._end),
                "illuminated": np.asarray(self._level), "array_power_w": np.asarray(self._array),
                "environment_w": np.asarray(self._env)}

    def history(self) -> dict[str, np.ndarray]:
        """State after every integration piece: ``time_s``, ``soc``, ``energy_wh``, ``temp_k``,
        ``accelerator_power_w`` (applied over the piece ending there), ``array_power_w``."""
        if self._history is None:
            return {k: np.zeros(0) for k in _HISTORY_KEYS}
        return {k: np.asarray(v, dtype=float) for k, v in self._history.items()}

    def replay(self, max_points: int = 2000) -> dict[str, np.ndarray]:
        """This node's state sampled finely between its recorded events.

        :meth:`history` holds the state at simulation events only, which may be hours apart
        while the temperature relaxes in minutes. A fresh node on the same illumination
        segments, array power and environment heat, from the same initial state, is advanced
        with each recorded piece's accelerator power in steps of at most ``span / max_points``.
        The integration is closed-form, so the replay passes through the recorded states (to
        rounding) and the points between are exact too. Same keys as :meth:`history`; the
        history itself when it has fewer than two points.
        """
        history = self.history()
        time_s = history["time_s"]
        if len(time_s) < 2:
            return history
        table = self.segments_table()
        n = len(table["start_s"])
        segments = Segments(np.zeros(n, dtype=np.int64), table["start_s"], table["end_s"],
                            table["illuminated"], np.array([0, n]))
        replay = NodePhysics(self.hardware, segments, table["array_power_w"],
                             table["environment_w"], initial_soc=float(history["soc"][0]),
                             initial_temp_k=float(history["temp_k"][0]), record=True)
        step_s = max((time_s[-1] - time_s[0]) / max_points, 1e-3)
        power_w = history["accelerator_power_w"]
        for k in range(1, len(time_s)):
            start, end = float(time_s[k - 1]), float(time_s[k])
            if end <= replay.t_s:
                continue
            pieces = max(1, math.ceil((end - start) / step_s - 1e-9))
            for t in np.linspace(start, end, pieces + 1)[1:].tolist():
                replay.advance(t, float(power_w[k]))
        return replay.history()

    def energy_balance(self) -> dict[str, float]:
        """Energy accounts since the start, Wh: ``energy_in = used + Δstored + battery_loss +
        curtailed`` (``residual`` is the difference, zero to rounding)."""
        delta = self.energy_wh - self.energy_start_wh
        residual = self.energy_in_wh - (self.energy_used_wh + delta + self.battery_loss_wh
                                        + self.curtailed_wh)
        return {"energy_in_wh": self.energy_in_wh, "used_wh": self.energy_used_wh,
                "delta_stored_wh": delta, "battery_loss_wh": self.battery_loss_wh,
                "curtailed_wh": self.curtailed_wh, "unserved_wh": self.unserved_wh,
                "residual_wh": residual}

    def totals(self) -> dict[str, float]:
        """Accumulated outputs since the start (energies Wh, times s). ``power_limited_s`` is
        :attr:`deficit_s` (time the power system held the load below its demand: battery at
        its floor, array short), ``power_limited_events`` the stretches of it; ``throttled_s``
        the time the radiator held the accelerators below their request."""
        out = self.energy_balance()
        out.update(accelerator_wh=self.accelerator_wh, full_speed_s=self.full_speed_s,
                   throttled_s=self.throttled_s, power_limited_s=self.deficit_s,
                   shutdown_s=self.shutdown_s,
                   power_limited_events=float(len(self.deficit_events_s)),
                   throttle_events=float(len(self.throttle_events_s)),
                   equivalent_full_cycles=self.equivalent_full_cycles,
                   capacity_wh=self.capacity_wh, soc=self.soc, temp_k=self.temp_k)
        return out


# --- builders ------------------------------------------------------------------------------------


def build_nodes(hardware: NodeHardware, seconds, illuminated, alt_km, *, lat_deg=None,
                lon_deg=None, sun_ecef_km=None, age_years: float = 0.0,
                initial_soc: float | None = None, initial_temp_k: float | None = None,
                record: bool = True, tolerance: float = 1e-6,
                segments: Segments | None = None, cos_zenith=None) -> list[NodePhysics]:
    """One :class:`NodePhysics` per row of ``illuminated`` ``(n_nodes, n_times)``.

    ``alt_km`` (scalar or ``(n_nodes, n_times)``) sets the Earth view factor; with
    ``sun_ecef_km`` ``(n_times, 3)`` and ``lat_deg``/``lon_deg`` the albedo uses the Sun's
    zenith angle at the sub-satellite point (else the β = 0 mean, see
    :mod:`orbitsim.physics.thermal`); precomputed ``cos_zenith`` samples ``(n_nodes, n_times)``
    may replace those three. Segments and environment are computed for all nodes at once.
    ``segments`` (e.g. :func:`orbitsim.physics.power.interval_segments` of refined eclipse
    intervals) replaces the segments derived from ``illuminated``.
    """
    seconds = np.asarray(seconds, dtype=float)
    illum = np.atleast_2d(np.asarray(illuminated, dtype=float))
    alt = np.broadcast_to(np.asarray(alt_km, dtype=float), illum.shape)
    if segments is None:
        segments = illumination_segments(seconds, illum, tolerance=tolerance)
    elif segments.n_nodes != illum.shape[0]:
        raise ValueError(f"segments hold {segments.n_nodes} nodes, illuminated {illum.shape[0]}")
    env = segment_environment_heat_w(hardware, seconds, segments, alt, lat_deg, lon_deg,
                                     sun_ecef_km, cos_zenith)
    array_w = segment_array_power_w(hardware, segments, age_years=age_years, t0_s=seconds[0])
    nodes = []
    for i in range(segments.n_nodes):
        lo, hi = int(segments.offsets[i]), int(segments.offsets[i + 1])
        nodes.append(NodePhysics(hardware, segments.of(i), array_w[lo:hi], env[lo:hi],
                                 initial_soc=initial_soc, initial_temp_k=initial_temp_k,
                                 record=record))
    return nodes


def build_node(hardware: NodeHardware, seconds, illuminated, alt_km, **kwargs) -> NodePhysics:
    """:func:`build_nodes` for a single node (``illuminated`` ``(n_times,)``)."""
    illuminated = np.asarray(illuminated, dtype=float)
    if illuminated.ndim != 1:
        raise ValueError("build_node takes one node's (n_times,) samples; use build_nodes")
    return build_nodes(hardware, seconds, illuminated, alt_km, **kwargs)[0]


def nodes_from_geometry(hardware: NodeHardware, geometry, seconds=None, **kwargs
                        ) -> list[NodePhysics]:
    """Nodes for every satellite of a ``Geometry`` or ``GeometryChunk``.

    Uses its ``illuminated``, ``alt_km``, ``lat_deg``, ``lon_deg`` and (when present)
    ``sun_ecef_km``; ``seconds`` defaults to ``geometry.seconds``.
    """
    if seconds is None:
        seconds = geometry.seconds
    alt = np.asarray(geometry.alt_km, dtype=float)
    if np.isnan(alt).any():  # failed propagation: the mean altitude of the valid samples
        mean = np.nanmean(alt) if np.isfinite(alt).any() else 500.0
        alt = np.where(np.isnan(alt), mean, alt)
    sun = getattr(geometry, "sun_ecef_km", None)
    cos_zenith = None
    if sun is not None:
        cos_zenith = subsolar_cos_zenith_from_position(geometry.r_ecef_km, sun)
    return build_nodes(hardware, seconds, geometry.illuminated, alt, cos_zenith=cos_zenith,
                       **kwargs)
