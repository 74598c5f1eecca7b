"""Workloads: tenants, job classes and their arrival processes, and the seeded job table.

A workload TOML file::

    name = "inference-mixed"

    [[tenants]]
    name = "us-enterprise"
    home_country = "US"                 # where it is from (export licences look at it)
    alliances = ["pax-silica"]          # ground stations where its data may land
    countries = []
    operators = []                      # node operators allowed to run its jobs ([] = any)

    [[job_classes]]
    name = "batch-inference"
    kind = "batch-inference"   # llm-training | batch-inference | latency-inference | eo-processing
    tenant = "us-enterprise"
    arrival = { process = "poisson", rate_per_hour = 60 }
    work_flop = { mean = 2.0e17, sigma = 0.5 }   # lognormal: mean and log-sigma
    input_bytes = { mean = 2.0e8 }
    output_bytes = { mean = 5.0e7 }
    deadline_s = 21600

Arrival processes: ``poisson`` (``rate_per_hour``), ``diurnal`` (``rate_per_hour`` mean,
``amplitude`` 0..1, ``peak_local_hour`` at longitude ``lon_deg``), ``bursty`` (two-state
Markov-modulated Poisson: ``rates_per_hour = [low, high]``, ``mean_dwell_s = [low, high]``) and
``trace`` (a CSV or Parquet file; columns ``arrival_s`` (seconds from the scenario start) and
optionally ``work_flop``, ``input_bytes``, ``output_bytes``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orbitsim import resources
from orbitsim.errors import InputError
from orbitsim.model.jurisdiction import ALLIANCES, allowed_countries
from orbitsim.model.validation import read_toml, validate_model

JOB_KINDS = ("llm-training", "batch-inference", "latency-inference", "eo-processing")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Arrival(_Strict):
    process: Literal["poisson", "diurnal", "bursty", "trace"]
    rate_per_hour: float = Field(default=0.0, ge=0, le=1e7)
    amplitude: float = Field(default=0.5, ge=0, le=1)
    peak_local_hour: float = Field(default=14.0, ge=0, lt=24)
    lon_deg: float = Field(default=0.0, ge=-180, le=180)
    rates_per_hour: tuple[float, float] = (0.0, 0.0)
    mean_dwell_s: tuple[float, float] = (3600.0, 600.0)
    file: str | None = None
    thin: float = Field(default=1.0, gt=0, le=1)  # trace: each row kept with this probability

    @model_validator(mode="after")
    def _check(self):
        if self.process in ("poisson", "diurnal") and self.rate_per_hour <= 0:
            raise ValueError(f"{self.process} arrivals need rate_per_hour > 0")
        if self.process == "bursty":
            if min(self.rates_per_hour) < 0 or max(self.rates_per_hour) <= 0:
                raise ValueError("bursty arrivals need rates_per_hour = [low, high] >= 0")
            if min(self.mean_dwell_s) <= 0:
                raise ValueError("bursty arrivals need mean_dwell_s = [low, high] > 0")
        if self.process == "trace" and not self.file:
            raise ValueError("trace arrivals need file = 'path.csv' or 'path.parquet'")
        return self


class Size(_Strict):
    """A positive random size with this mean: ``lognormal`` (log-space ``sigma``; 0 = fixed)
    or ``exponential``."""

    mean: float = Field(ge=0)
    sigma: float = Field(default=0.0, ge=0, le=5)
    distribution: Literal["lognormal", "exponential"] = "lognormal"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.distribution == "exponential":
            return rng.exponential(self.mean, n)
        if self.sigma == 0.0 or self.mean == 0.0:
            return np.full(n, float(self.mean))
        mu = np.log(self.mean) - 0.5 * self.sigma**2  # so that E[X] = mean
        return rng.lognormal(mu, self.sigma, n)


class JobClass(_Strict):
    name: str = Field(min_length=1)
    kind: Literal["llm-training", "batch-inference", "latency-inference", "eo-processing"]
    tenant: str
    arrival: Arrival
    work_flop: Size
    accelerators: int = Field(default=1, ge=1, le=100_000)
    input_bytes: Size = Size(mean=0.0)
    output_bytes: Size = Size(mean=0.0)
    deadline_s: float | None = Field(default=None, gt=0)
    checkpoint_interval_s: float | None = Field(default=None, gt=0)
    mfu: float = Field(default=0.4, gt=0, le=1)  # model FLOPs utilisation of the accelerator


class Tenant(_Strict):
    name: str = Field(min_length=1)
    #: where the tenant is from (ISO 3166-1 alpha-2): what export licences look at
    home_country: str = ""
    countries: list[str] = []
    alliances: list[str] = []
    operators: list[str] = []
    description: str = ""

    @model_validator(mode="after")
    def _check(self):
        unknown = [a for a in self.alliances if a not in ALLIANCES]
        if unknown:
            known = ", ".join(sorted(ALLIANCES))
            raise ValueError(f"unknown alliance {unknown[0]!r}; known: {known}")
        return self

    @property
    def allowed_countries(self) -> frozenset[str]:
        """Countries where this tenant's data may land; empty means anywhere."""
        return allowed_countries(self.countries, self.alliances)


class Workload(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    sources: list[str] = []
    tenants: list[Tenant] = Field(min_length=1)
    job_classes: list[JobClass] = Field(min_length=1)
    base_dir: str = Field(default=".", exclude=True)

    @model_validator(mode="after")
    def _check(self):
        tenants = {t.name for t in self.tenants}
        for i, job_class in enumerate(self.job_classes):
            if job_class.tenant not in tenants:
                raise ValueError(f"job_classes[{i}].tenant {job_class.tenant!r} is not a tenant "
                                 f"(tenants: {', '.join(sorted(tenants))})")
        return self

    def tenant(self, name: str) -> Tenant:
        return next(t for t in self.tenants if t.name == name)


def load_workload(name_or_path: str | Path) -> Workload:
    """A built-in workload by name or a workload TOML file, validated."""
    path = resources.resolve("workload", name_or_path)
    data = read_toml(path)
    data.setdefault("base_dir", str(path.parent))
    return validate_model(Workload, data, path)


# -- arrival processes (vectorised, seeded) -------------------------------------------------


def poisson_arrivals(rate_per_s: float, horizon_s: float, rng: np.random.Generator) -> np.ndarray:
    """Homogeneous Poisson arrival times in ``[0, horizon_s)``, sorted, seconds."""
    n = rng.poisson(rate_per_s * horizon_s)
    return np.sort(rng.uniform(0.0, horizon_s, n))


def diurnal_arrivals(arrival: Arrival, horizon_s: float, start_hour_utc: float,
                     rng: np.random.Generator) -> np.ndarray:
    """Sinusoidal daily profile by thinning (Lewis & Shedler, 1979):
    ``λ(t) = λ̄ (1 + A cos(2π (h_local(t) − h_peak)/24))``."""
    mean_rate = arrival.rate_per_hour / 3600.0
    peak_rate = mean_rate * (1.0 + arrival.amplitude)
    candidates = poisson_arrivals(peak_rate, horizon_s, rng)
    local_hour = (start_hour_utc + candidates / 3600.0 + arrival.lon_deg / 15.0) % 24.0
    rate = mean_rate * (1.0 + arrival.amplitude
                        * np.cos(2.0 * np.pi * (local_hour - arrival.peak_local_hour) / 24.0))
    keep = rng.uniform(0.0, peak_rate, len(candidates)) < rate
    return candidates[keep]


def bursty_arrivals(arrival: Arrival, horizon_s: float, rng: np.random.Generator) -> np.ndarray:
    """Two-state Markov-modulated Poisson process, starting in the low state."""
    low, high = (r / 3600.0 for r in arrival.rates_per_hour)
    dwell_low, dwell_high = arrival.mean_dwell_s
    mean_cycle = dwell_low + dwell_high
    n_cycles = int(horizon_s / mean_cycle * 2) + 10
    dwell = np.empty(2 * n_cycles)
    dwell[0::2] = rng.exponential(dwell_low, n_cycles)
    dwell[1::2] = rng.exponential(dwell_high, n_cycles)
    edges = np.concatenate([[0.0], np.cumsum(dwell)])
    while edges[-1] < horizon_s:  # pragma: no cover (very long horizons only)
        more = rng.exponential(mean_cycle / 2, 2 * n_cycles)
        edges = np.concatenate([edges, edges[-1] + np.cumsum(more)])
    edges = np.minimum(edges, horizon_s)
    durations = np.diff(edges)
    rates = np.where(np.arange(len(durations)) % 2 == 0, low, high)
    counts = rng.poisson(rates * durations)
    starts = np.repeat(edges[:-1], counts)
    spans = np.repeat(durations, counts)
    return np.sort(starts + rng.uniform(0.0, 1.0, len(starts)) * spans)


def _numeric(values: pd.Series) -> pd.Series:
    """Numbers of a trace column, NaN where a cell is not one (pandas overflows on huge
    integers: those cells are converted one by one)."""
    try:
        return pd.to_numeric(values, errors="coerce").astype(float)
    except (OverflowError, TypeError, ValueError):
        def one(cell) -> float:
            try:
                return float(cell)
            except (OverflowError, TypeError, ValueError):
                return math.nan
        return values.map(one).astype(float)


def read_trace(path: Path, source: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except FileNotFoundError:
        raise InputError("trace file not found", source=path) from None
    except Exception as exc:  # noqa: BLE001 (any parser error is bad input here)
        raise InputError(f"cannot read trace: {type(exc).__name__}: {exc}", source=path) from None
    if "arrival_s" not in frame.columns:
        raise InputError("trace needs a column 'arrival_s' (seconds from the scenario start)",
                         source=path)
    arrival = _numeric(frame["arrival_s"])
    bad = ~np.isfinite(arrival) | (arrival < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # header is line 1
        raise InputError("arrival_s must be a number >= 0", source=path, line=row,
                         field="arrival_s")
    frame = frame.assign(arrival_s=arrival.astype(float))
    for column in ("work_flop", "input_bytes", "output_bytes"):
        if column in frame.columns:
            values = _numeric(frame[column])
            bad = ~np.isfinite(values) | (values < 0)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise InputError(f"{column} must be a number >= 0", source=path, line=row,
                                 field=column)
            frame[column] = values.astype(float)
    return frame.sort_values("arrival_s", kind="stable").reset_index(drop=True)


def scale_workload(workload: Workload, factor: float) -> Workload:
    """The same workload with every arrival rate multiplied by ``factor`` (0 < factor <= 1):
    Poisson and diurnal rates, both rates of a bursty process, and a trace thinned to that
    share of its rows. The work, bytes and deadlines of a job are unchanged."""
    if not 0.0 < factor <= 1.0:
        raise ValueError(f"factor must be in (0, 1], got {factor}")
    classes = []
    for job_class in workload.job_classes:
        a = job_class.arrival
        arrival = a.model_copy(update={
            "rate_per_hour": a.rate_per_hour * factor,
            "rates_per_hour": (a.rates_per_hour[0] * factor, a.rates_per_hour[1] * factor),
            "thin": a.thin * factor})
        classes.append(job_class.model_copy(update={"arrival": arrival}))
    return workload.model_copy(update={"job_classes": classes})


JOB_COLUMNS = ["job_id", "tenant", "kind", "job_class", "arrival_s", "work_flop", "accelerators",
               "input_bytes", "output_bytes", "deadline_s", "checkpoint_interval_s", "mfu"]


def generate_jobs(workload: Workload, horizon_s: float, seed: int,
                  start_hour_utc: float = 0.0) -> pd.DataFrame:
    """The job table of a run: every arrival in ``[0, horizon_s)``, sorted by arrival time.

    Each job class draws from its own child generator (``SeedSequence.spawn``), so adding a
    class never changes the jobs of the others; the same seed gives the same table.
    """
    children = np.random.SeedSequence(seed, spawn_key=(0,)).spawn(len(workload.job_classes))
    parts = []
    for job_class, child in zip(workload.job_classes, children):
        rng = np.random.default_rng(child)
        arrival = job_class.arrival
        trace = None
        if arrival.process == "poisson":
            times = poisson_arrivals(arrival.rate_per_hour / 3600.0, horizon_s, rng)
        elif arrival.process == "diurnal":
            times = diurnal_arrivals(arrival, horizon_s, start_hour_utc, rng)
        elif arrival.process == "bursty":
            times = bursty_arrivals(arrival, horizon_s, rng)
        else:
            path = Path(arrival.file)
            if not path.is_absolute():
                path = Path(workload.base_dir) / path
            trace = read_trace(path, arrival.file)
            trace = trace[trace.arrival_s < horizon_s]
            if arrival.thin < 1.0:
                trace = trace[rng.uniform(0.0, 1.0, len(trace)) < arrival.thin]
            times = trace.arrival_s.to_numpy()
        n = len(times)
        work = job_class.work_flop.sample(rng, n)
        in_bytes = job_class.input_bytes.sample(rng, n)
        out_bytes = job_class.output_bytes.sample(rng, n)
        if trace is not None:
            for column, values in (("work_flop", work), ("input_bytes", in_bytes),
                                   ("output_bytes", out_bytes)):
                if column in trace.columns:
                    values[:] = trace[column].to_numpy()
        parts.append((times, work, np.round(in_bytes), np.round(out_bytes)))
    if not parts:
        return pd.DataFrame().sort_values(["arrival_s", "job_class"])  # (as it always failed)
    classes = workload.job_classes
    # One column at a time, sorted by arrival then class name (stable: equal keys keep the
    # classes' order), never a second copy of the whole table.
    which = np.concatenate([np.full(len(part[0]), k, dtype=np.int64)
                            for k, part in enumerate(parts)])
    name_rank = np.argsort(np.argsort(np.array([c.name for c in classes], dtype=object),
                                      kind="stable"), kind="stable")
    arrival = np.concatenate([part[0] for part in parts])
    order = np.lexsort((name_rank[which], arrival))
    which = which[order]
    columns = {"job_id": np.arange(len(order), dtype=np.int64)}
    for name, attribute in (("tenant", "tenant"), ("kind", "kind"), ("job_class", "name")):
        columns[name] = np.array([getattr(c, attribute) for c in classes], dtype=object)[which]
    columns["arrival_s"] = arrival[order]
    del arrival
    columns["work_flop"] = _gather(parts, 1, order)
    columns["accelerators"] = np.array([c.accelerators for c in classes])[which]
    columns["input_bytes"] = _gather(parts, 2, order)
    columns["output_bytes"] = _gather(parts, 3, order)
    del parts
    columns["deadline_s"] = np.array([c.deadline_s if c.deadline_s else np.nan
                                      for c in classes], dtype=float)[which]
    columns["checkpoint_interval_s"] = np.array(
        [c.checkpoint_interval_s if c.checkpoint_interval_s else np.nan for c in classes],
        dtype=float)[which]
    columns["mfu"] = np.array([c.mfu for c in classes], dtype=float)[which]
    return pd.DataFrame(columns, copy=False)[JOB_COLUMNS]


def _gather(parts: list[tuple], k: int, order: np.ndarray) -> np.ndarray:
    """Column ``k`` of every class's part, concatenated and taken in ``order``."""
    return np.concatenate([part[k] for part in parts])[order]

