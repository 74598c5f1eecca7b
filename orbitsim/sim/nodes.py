"""Compute nodes in the simulation: accelerator slots on a :class:`NodePhysics`.

A node runs jobs on its accelerators (one job may take several). Its power and thermal state is
integrated in closed form by :class:`~orbitsim.physics.node.NodePhysics` between events; the
node never ticks. It runs in one of two regimes:

* **unconstrained**: the battery, the array and the radiator could carry *every* accelerator
  at full power until a guard time ``t_guard`` = the node's next physics event under full load
  (sunrise, sunset, battery floor, radiator limit: with less load each comes later, never
  sooner). Until then every accelerator runs at full speed whatever the others do, so job
  progress is exact and a job start or end only updates the accumulated busy
  accelerator-seconds; at ``t_guard`` (or when the node falls idle, or starts a job after an
  idle spell) the physics is advanced once with the interval's mean accelerator power. The
  regime decided at one time holds until ``t_guard`` whatever the load, so a node going idle
  and busy again re-decides nothing and keeps one guard timer. Energy is linear in power
  inside a segment of constant illumination, so the battery is exact unless the net power
  changes sign within the interval; the radiator sees the mean heat over an interval much
  shorter than its time constant ``C/(4εσAT³)`` (tens of minutes for the built-in nodes).
* **exact**: a limit binds or is within ``EXACT_MARGIN_S`` under full load. The node then
  follows every change: at each job start or end it advances its physics, recomputes the
  accelerators' power under the caps and each job's rate from the power-performance curve, and
  sets one timer for the next job end or physics event.

Progress of a job: each of its accelerators runs at the power the node can give it (the cap
shared evenly among busy accelerators) and its throughput follows the accelerator's
power-performance curve, times the job's model-FLOPs utilisation.
"""

from __future__ import annotations

import math

from orbitsim.physics.node import NodePhysics, NodeStatus

_EPS_FLOP = 1.0
#: Work left that would take less than this is done (clock resolution at ~1e5 s is ~1e-11 s).
_EPS_TIME_S = 1e-6
#: Switch to exact tracking when a limit could be reached within this time at full load.
EXACT_MARGIN_S = 60.0


class RunningJob:
    """Book-keeping of one job while it runs on a node."""

    __slots__ = ("job_id", "accelerators", "work_flop", "done_flop", "rate_flops", "mfu",
                 "start_s", "checkpoint_interval_s", "history", "lost_flop", "faults",
                 "accelerator_s", "last_s", "version", "hold", "paused", "saved")

    def __init__(self, job_id: int, accelerators: int, work_flop: float, done_flop: float,
                 mfu: float, start_s: float, checkpoint_interval_s: float,
                 hold: bool = False) -> None:
        self.job_id = job_id
        self.accelerators = accelerators
        self.work_flop = work_flop
        self.done_flop = done_flop
        self.rate_flops = 0.0
        self.mfu = mfu
        self.start_s = start_s
        self.checkpoint_interval_s = checkpoint_interval_s
        self.history: list[tuple[float, float]] = [(start_s, done_flop)]  # (time, done)
        self.lost_flop = 0.0
        self.faults = 0
        self.accelerator_s = 0.0
        self.last_s = start_s
        self.version = 0
        # A member of a gang keeps its accelerators when its share of the work is done, until
        # the whole gang is done (:meth:`NodeAgent.release`).
        self.hold = hold
        # Paused by a governance rule (:meth:`NodeAgent.set_paused`): it keeps its
        # accelerators, which compute nothing and draw no accelerator power.
        self.paused = False
        self.saved: tuple[float, float] | None = None  # a checkpoint taken on pausing

    def progress_to(self, t_s: float) -> None:
        dt = t_s - self.last_s
        if dt > 0.0:
            if self.rate_flops > 0.0:
                self.done_flop = min(self.done_flop + self.rate_flops * dt, self.work_flop)
                self.history.append((t_s, self.done_flop))
            if not self.paused:
                self.accelerator_s += self.accelerators * dt
            self.last_s = t_s

    def remaining_s(self) -> float:
        if self.rate_flops <= 0.0:
            return math.inf
        return (self.work_flop - self.done_flop) / self.rate_flops

    def finished(self) -> bool:
        return self.work_flop - self.done_flop <= max(_EPS_FLOP, self.rate_flops * _EPS_TIME_S)

    def done_at(self, t_s: float) -> float:
        """Work done at an earlier time ``t_s`` (piecewise-linear history)."""
        history = self.history
        for (t0, d0), (t1, d1) in zip(reversed(history[:-1]), reversed(history[1:])):
            if t0 <= t_s <= t1:
                return d0 + (d1 - d0) * (t_s - t0) / (t1 - t0) if t1 > t0 else d1
        return history[0][1] if t_s <= history[0][0] else history[-1][1]

    def checkpointed_flop(self, t_s: float) -> float:
        """Work saved by the last checkpoint before ``t_s`` (none: the work at start)."""
        interval = self.checkpoint_interval_s
        if not interval or not math.isfinite(interval):
            periodic_s, flop = self.start_s, self.history[0][1]
        else:
            n = math.floor((t_s - self.start_s) / interval)
            periodic_s = self.start_s + max(n, 0) * interval
            flop = self.done_at(periodic_s) if n > 0 else self.history[0][1]
        if self.saved is not None and periodic_s <= self.saved[0] <= t_s:
            return self.saved[1]  # a checkpoint taken on pausing, later than the periodic one
        return flop


class NodeAgent:
    """One node: its physics, its accelerator slots and the jobs running on them."""

    def __init__(self, index: int, physics: NodePhysics | None, accelerators: int,
                 peak_flops_per_accelerator: float, max_power_per_accelerator_w: float,
                 group: int, operator: str, env, on_release) -> None:
        self.index = index
        self.physics = physics
        self.accelerators = accelerators
        self._built_accelerators = accelerators  # the physics' power curve is for these
        self.free = accelerators
        self.peak_acc = peak_flops_per_accelerator
        self.p_acc_max = max_power_per_accelerator_w
        self.p_full = accelerators * max_power_per_accelerator_w
        self.group = group
        self.operator = operator
        self.env = env
        self.on_release = on_release  # callback(node, job) when a job's work is done
        self.jobs: dict[int, RunningJob] = {}
        self.held: dict[int, RunningJob] = {}  # gang members done, waiting for their gang
        self.alive = True
        self.down_until = 0.0  # functional interrupt recovery
        self.busy_accelerator_s = 0.0
        self.lost_flop = 0.0
        self.faults = 0
        self.accelerators_lost = 0
        self.exact_regime_s = 0.0
        self.paused_accelerators = 0  # held by paused jobs: neither free nor computing
        # Physics book-keeping.
        self._physics_t = 0.0  # time the physics has been advanced to
        self._busy_since_sync = 0.0  # busy accelerator-seconds since then (unconstrained)
        self._change_t = 0.0  # last change of the busy count
        self._guard_s = -math.inf  # unconstrained until then
        self._exact = physics is not None
        self._power_w = 0.0  # exact regime: accelerator power requested
        self._version = 0  # exact regime timer
        self._guard_version = 0
        self._guard_armed_s = math.nan  # time of the live guard timer (nan: none)

    @property
    def busy(self) -> int:
        return self.accelerators - self.free - self.paused_accelerators

    # --- accounting ---------------------------------------------------------------------------

    def _account(self) -> None:
        """Busy accelerator-seconds and job progress up to now."""
        now = self.env.now
        dt = now - self._change_t
        if dt > 0.0:
            busy = self.busy
            self.busy_accelerator_s += busy * dt
            self._busy_since_sync += busy * dt
            if self._exact:
                self.exact_regime_s += dt
            self._change_t = now

    def progress_jobs(self) -> None:
        """Jobs' work and accelerator-seconds up to now (their rates are constant between
        calls: this runs before any rate changes, at faults and at the end)."""
        now = self.env.now
        for job in self.jobs.values():
            job.progress_to(now)
        for job in self.held.values():
            job.progress_to(now)  # rate 0: accelerator-seconds only

    def sync(self) -> None:
        """Bring the physics up to now (with the interval's mean accelerator power)."""
        self._account()
        now = self.env.now
        if self.physics is None:
            self._physics_t = now
            self._busy_since_sync = 0.0
            return
        span = now - self._physics_t
        if span > 0.0:
            if self._exact:
                power = self._power_w
            else:
                power = self._busy_since_sync / span * self.p_acc_max
            self.physics.advance(now, power)
            self._physics_t = now
        self._busy_since_sync = 0.0

    # --- regime -------------------------------------------------------------------------------

    def _decide_regime(self) -> None:
        """After a sync: unconstrained if full load is sustainable for EXACT_MARGIN_S."""
        if self.physics is None:
            self._exact = False
            self._guard_s = math.inf
            return
        now = self.env.now
        status = self.physics.status()
        guard = self.physics.next_event_s(now, self.p_full)
        if status.power_cap_w >= self.p_full * (1.0 - 1e-12) and guard - now > EXACT_MARGIN_S:
            self._exact = False
            self._guard_s = guard
        else:
            self._exact = True
            self._guard_s = -math.inf
        # The exact regime integrates with the power requested now: never a stale value.
        self._power_w = self.busy * self.p_acc_max

    def _set_rates(self) -> None:
        """Every job's rate under the current regime and caps."""
        self.progress_jobs()
        busy = self.busy
        down = self.env.now < self.down_until
        if self._exact and busy > 0:
            self._power_w = busy * self.p_acc_max
            cap = self.physics.power_cap_w()
            fraction = self.fraction_at(min(self._power_w, cap) / busy)
        else:
            self._power_w = busy * self.p_acc_max
            fraction = 1.0
        if down:
            fraction = 0.0
        for job in self.jobs.values():
            job.rate_flops = (0.0 if job.paused else
                              job.accelerators * self.peak_acc * fraction * job.mfu)

    def _arm(self) -> None:
        """Timers: in the exact regime one node timer; else one per job plus the guard."""
        now = self.env.now
        self._version += 1
        version = self._version
        if self._exact:
            if not self.jobs:
                return
            wake = min((now + job.remaining_s() for job in self.jobs.values()), default=math.inf)
            wake = min(wake, self.physics.next_event_s(now, self._power_w))
            if now < self.down_until:
                wake = min(wake, self.down_until)
            if math.isfinite(wake):
                self.env.timeout(max(wake - now, 0.0)).callbacks.append(
                    lambda _e: self._exact_wake(version))
            return
        for job in self.jobs.values():
            self._arm_job(job)
        if now < self.down_until:
            self.env.timeout(self.down_until - now).callbacks.append(
                lambda _e: self._refresh(version))
        if self.jobs and math.isfinite(self._guard_s) and self._guard_armed_s != self._guard_s:
            # One live guard timer per guard time (not one per job start: on a big
            # constellation nodes go idle and busy a million times a day).
            self._guard_version += 1
            guard_version = self._guard_version
            self._guard_armed_s = self._guard_s
            self.env.timeout(max(self._guard_s - now, 0.0)).callbacks.append(
                lambda _e: self._guard_wake(guard_version))

    def _arm_job(self, job: RunningJob) -> None:
        job.version += 1
        remaining = job.remaining_s()
        if math.isfinite(remaining):
            version, node_version = job.version, self._version
            self.env.timeout(remaining).callbacks.append(
                lambda _e: self._job_wake(job, version, node_version))

    def _refresh(self, version: int) -> None:
        if version != self._version or not self.alive:
            return
        self._account()
        self._set_rates()
        self._arm()

    def _guard_wake(self, guard_version: int) -> None:
        if guard_version != self._guard_version:
            return
        self._guard_armed_s = math.nan
        if not self.alive or self._exact:
            return
        self.sync()
        self._decide_regime()
        self._set_rates()
        self._arm()

    def _exact_wake(self, version: int) -> None:
        if version != self._version or not self.alive:
            return
        self.sync()
        self.progress_jobs()
        finished = [job for job in self.jobs.values() if job.finished()]
        self._decide_regime()
        self._set_rates()
        for job in finished:
            self._finish(job)
        self._set_rates()
        self._arm()
        for job in finished:
            self.on_release(self, job)

    def _job_wake(self, job: RunningJob, version: int, node_version: int) -> None:
        if (version != job.version or node_version != self._version or not self.alive
                or job.job_id not in self.jobs):
            return
        self._account()
        job.progress_to(self.env.now)
        if not job.finished():
            self._arm_job(job)
            return
        self._finish(job)
        if not self.jobs:
            self.sync()  # flush: the idle time that follows draws no accelerator power
            if self.env.now >= self._guard_s:
                self._decide_regime()
            else:
                self._power_w = self.busy * self.p_acc_max
        self.on_release(self, job)

    def set_paused(self, job: RunningJob, paused: bool, *, checkpoint: bool = False,
                   roll_back: bool = False) -> float:
        """Pause (or resume) a job running or held on this node, from now: a paused job keeps
        its accelerators, which compute nothing and draw no accelerator power.
        ``checkpoint``: the job saves its state on pausing (nothing to redo after);
        ``roll_back``: it goes back to its last checkpoint (the work since then lost). Returns
        the work lost, FLOP."""
        if job.paused == paused or (job.job_id not in self.jobs
                                    and job.job_id not in self.held):
            return 0.0
        self.sync()
        self.progress_jobs()
        lost = 0.0
        if paused:
            if roll_back:
                before = job.done_flop
                self._roll_back(job)
                lost = before - job.done_flop
            elif checkpoint:
                job.saved = (self.env.now, job.done_flop)
        job.paused = paused
        self.paused_accelerators += job.accelerators if paused else -job.accelerators
        self._set_rates()
        self._arm()
        return lost

    def _unpause(self, job: RunningJob) -> None:
        """A paused job leaves this node: its accelerators are no longer held paused."""
        if job.paused:
            job.paused = False
            self.paused_accelerators -= job.accelerators

    def _finish(self, job: RunningJob) -> None:
        job.done_flop = job.work_flop
        del self.jobs[job.job_id]
        job.version += 1
        if job.hold:
            job.rate_flops = 0.0
            self.held[job.job_id] = job
        else:
            self.free += job.accelerators

    # --- jobs ---------------------------------------------------------------------------------

    def start(self, job: RunningJob) -> None:
        if job.accelerators > self.free:
            raise ValueError(f"node {self.index} has {self.free} free accelerators, "
                             f"job {job.job_id} needs {job.accelerators}")
        now = self.env.now
        if self._exact or now >= self._guard_s:
            self.sync()
            self._decide_regime()
        elif not self.jobs:
            # Idle until now: flush the idle interval; the regime decided before still holds
            # until the guard (with less than full load every limit comes later).
            self.sync()
        else:
            self._account()
        self.free -= job.accelerators
        job.last_s = now
        self.jobs[job.job_id] = job
        if self._exact or len(self.jobs) == 1:
            self._set_rates()
            self._arm()
        else:
            # Unconstrained: every accelerator runs at full speed, the others are unaffected.
            fraction = 0.0 if now < self.down_until else 1.0
            job.rate_flops = job.accelerators * self.peak_acc * fraction * job.mfu
            self._arm_job(job)

    def release(self, job: RunningJob) -> None:
        """Free the accelerators of a held gang member (its gang is done)."""
        self.progress_jobs()
        self._account()
        del self.held[job.job_id]
        self._unpause(job)
        self.free += job.accelerators
        self._after_change()

    def remove(self, job: RunningJob) -> None:
        """Take a gang member off this node (a partner's node failed): it is rolled back to
        its last checkpoint and its accelerators are freed."""
        self.sync()
        self.progress_jobs()
        self._roll_back(job)
        self.jobs.pop(job.job_id, None)
        self.held.pop(job.job_id, None)
        self._unpause(job)
        job.version += 1
        self.free += job.accelerators
        self._after_change()

    def rollback(self, job: RunningJob) -> None:
        """Roll a gang member back to its last checkpoint (a partner was hit by a fault): the
        gang computes in lock-step, so every member restarts from the same checkpoint."""
        self.sync()
        self.progress_jobs()
        self._roll_back(job)
        if self.held.pop(job.job_id, None) is not None:
            self.jobs[job.job_id] = job
        self._set_rates()
        self._arm()

    def _roll_back(self, job: RunningJob) -> None:
        now = self.env.now
        saved = job.checkpointed_flop(now)
        lost = job.done_flop - saved
        job.lost_flop += lost
        self.lost_flop += lost
        job.done_flop = saved
        job.history.append((now, saved))

    def _after_change(self) -> None:
        """Rates and timers after the busy count dropped outside a job's own end."""
        if self._exact or (not self.jobs and not self.held):
            self.sync()
            self._decide_regime()
            self._set_rates()
            self._arm()

    def fraction_at(self, accelerator_power_w: float) -> float:
        """Throughput fraction (0..1) of one accelerator drawing ``accelerator_power_w``: the
        accelerator's power-performance curve (1 at or above its power limit)."""
        if accelerator_power_w >= self.p_acc_max:
            return 1.0
        return self.physics.throughput_fraction(accelerator_power_w * self._built_accelerators)

    def status(self) -> NodeStatus:
        """The physics status now (the node is brought up to date first). With physics off, a
        node without limits: sunlit, battery full, every accelerator at its power limit, no
        radiator limit (``radiator_limit_k`` infinite, ``temp_k`` 0)."""
        self.sync()
        if self.physics is None:
            return _unlimited_status(self.env.now, self.p_full, self.peak_acc * self.accelerators)
        return self.physics.status()

    def outlook(self, extra_accelerators: int) -> tuple[float, float, float, float, float, float]:
        """What a policy sees of this node for a job of ``extra_accelerators``: ``(soc, sunlit,
        temp_k, temp_margin_k, power_cap_w, throughput_flops)``, the last the dense FLOP/s
        each of the job's accelerators would give now, the node's power cap shared evenly
        among its busy accelerators and the job's (as :meth:`_set_rates` shares it; at most
        all of its accelerators: a job waiting for a full node starts when others end)."""
        status = self.status()
        busy_after = max(min(self.busy + extra_accelerators, self.accelerators), 1)
        share = min(status.power_cap_w / busy_after, self.p_acc_max)
        return (status.soc, status.illuminated, status.temp_k,
                status.radiator_limit_k - status.temp_k, status.power_cap_w,
                self.peak_acc * self.fraction_at(share))

    def free_at_s(self, need: int) -> float:
        """Estimated time this node has ``need`` accelerators free, counting only the jobs on
        it now: now if it has them; else the ends of its running jobs at their current rates
        (a job stalled by a fault: at full speed after the recovery), in order, until enough
        are free; a held gang member frees its accelerators with the last of them."""
        now = self.env.now
        if self.free >= need:
            return now
        ends = []
        for job in self.jobs.values():
            left = job.work_flop - job.done_flop
            if job.rate_flops > 0.0:
                left -= job.rate_flops * (now - job.last_s)
                end = now + max(left, 0.0) / job.rate_flops
            else:
                full = job.accelerators * self.peak_acc * job.mfu
                end = max(now, self.down_until) + max(left, 0.0) / full
            ends.append((end, job.accelerators))
        ends.sort()
        last = ends[-1][0] if ends else now
        ends.extend((last, job.accelerators) for job in self.held.values())
        free = self.free
        for end, accelerators in ends:
            free += accelerators
            if free >= need:
                return end
        return math.inf

    def forecast_end_s(self, start_s: float, work_flop: float, accelerators: int, mfu: float,
                       horizon_s: float) -> float:
        """Estimated end of ``work_flop`` on ``accelerators`` of this node started at
        ``start_s`` (not before now): the node's physics copied and run forward through its
        coming sunlight, battery and radiator limits, with its busy accelerators (and the
        job's) held at full request; ``inf`` if it would not end before ``horizon_s`` (or
        never). The node itself is not changed."""
        now = self.env.now
        t = max(start_s, now, self.down_until)
        full_rate = accelerators * self.peak_acc * mfu
        if full_rate <= 0.0:
            return math.inf
        if self.physics is None:
            end = t + work_flop / full_rate
            return end if end <= horizon_s else math.inf
        self.sync()
        physics = self.physics.clone()
        end_s = min(physics.end_s, horizon_s)
        if t >= end_s:
            return math.inf
        if t > now:
            physics.advance(t, self.busy * self.p_acc_max)
        busy = min(self.busy + accelerators, self.accelerators)
        request_w = busy * self.p_acc_max
        left = work_flop
        for _ in range(10_000):
            cap = physics.status().power_cap_w
            rate = full_rate * self.fraction_at(min(request_w, cap) / busy)
            event = min(physics.next_event_s(t, request_w), end_s)
            if rate > 0.0 and t + left / rate <= event:
                return t + left / rate
            if event >= end_s:
                return math.inf
            physics.advance(event, request_w)
            left -= rate * (event - t)
            t = event
        return math.inf


    def fault(self, recovery_s: float) -> list[RunningJob]:
        """A functional interrupt: every running job rolls back to its last checkpoint and the
        node computes nothing for ``recovery_s``. Returns the jobs hit."""
        if not self.jobs and not self.held:
            # Idle: nothing to roll back; the next start sees down_until.
            self.faults += 1
            self.down_until = max(self.down_until, self.env.now + recovery_s)
            return []
        self.sync()
        self.progress_jobs()
        self.faults += 1
        now = self.env.now
        for job in list(self.held.values()):  # a gang member done: back to work
            del self.held[job.job_id]
            self.jobs[job.job_id] = job
        hit = list(self.jobs.values())
        for job in hit:
            self._roll_back(job)
            job.faults += 1
        self.down_until = max(self.down_until, now + recovery_s)
        self._decide_regime()
        self._set_rates()
        self._arm()
        return hit

    def lose_accelerator(self, u: float) -> RunningJob | None:
        """One accelerator fails for good (attrition); the node keeps working with the others.

        ``u`` in [0, 1) picks the failed accelerator uniformly among the node's: a free one
        (the node just has one fewer), or one held by a job, which is then rolled back to its
        last checkpoint and taken off the node (its other accelerators freed) and returned for
        requeueing."""
        if self.accelerators <= 0:
            return None
        self.sync()
        self.progress_jobs()
        slot = int(u * self.accelerators)
        self.accelerators -= 1
        self.p_full = self.accelerators * self.p_acc_max
        self.accelerators_lost += 1
        if slot < self.free:
            self.free -= 1
            self._after_change()
            return None
        slot -= self.free
        hit = None
        for job in list(self.jobs.values()) + list(self.held.values()):
            if slot < job.accelerators:
                hit = job
                break
            slot -= job.accelerators
        if hit is None:  # rounding: the last accelerator
            self.free = max(self.free - 1, 0)
            self._after_change()
            return None
        self._roll_back(hit)
        self.jobs.pop(hit.job_id, None)
        self.held.pop(hit.job_id, None)
        self._unpause(hit)
        hit.version += 1
        hit.faults += 1
        self.free += hit.accelerators - 1
        self._after_change()
        return hit

    def fail(self) -> list[RunningJob]:
        """Permanent failure: the node stops; its jobs are returned for requeueing."""
        self.sync()
        self.progress_jobs()
        self.alive = False
        self._version += 1
        hit = list(self.jobs.values()) + list(self.held.values())
        for job in hit:
            self._roll_back(job)
            self._unpause(job)
            job.version += 1
        self.jobs.clear()
        self.held.clear()
        self._power_w = 0.0
        self.free = 0
        return hit


def _unlimited_status(now_s: float, accelerator_power_w: float, peak_flops: float) -> NodeStatus:
    """The status of a node whose physics is off: no power or thermal limit binds."""
    return NodeStatus(
        time_s=now_s, illuminated=1.0, array_power_w=math.inf, environment_w=0.0,
        base_load_w=0.0, energy_wh=math.inf, capacity_wh=math.inf, soc=1.0,
        battery_at_floor=False, temp_k=0.0, radiator_limit_k=math.inf,
        power_available_w=accelerator_power_w, sun_power_available_w=accelerator_power_w,
        thermal_cap_w=accelerator_power_w, steady_thermal_cap_w=math.inf,
        power_cap_w=accelerator_power_w, throughput_fraction=1.0, throughput_flops=peak_flops)
