"""Parameter sweeps (interfaces layer): a grid of scenario variants, each a full run.

A sweep is a base scenario plus ``--param NAME=V1,V2`` / ``NAME=START:STOP:STEP`` axes; their
cartesian product (or a seeded random sample of it) gives the points. Each point has a stable id
(a hash of its parameter values, the base scenario and ``--hours``) and its result is one row
written atomically to ``DIR/points/<id>.parquet`` as soon as it finishes, so a sweep run again
with the same arguments
computes only the missing points. Points run inline (one worker), on a local spawn process pool,
or on a Dask distributed cluster; the rows are identical in every case (same seeds, same code).

The scheduling-policy benchmark (:func:`policy_benchmark`, :func:`confidence_table`) reuses the
same point runner.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from orbitsim.errors import InputError
from orbitsim.io import make_dir, write_text_atomic
from orbitsim.model.scenario import Scenario, check_references, load_scenario
from orbitsim.model.validation import describe_validation_error

#: Parameters that are not scenario fields: economics inputs of the verdict.
ECONOMICS_PARAMS = ("launch_price_usd_per_kg",)
#: Scenario fields a sweep cannot vary.
FIXED_FIELDS = ("base_dir",)
#: Parameters ``hardware.<field path>``: one field of the node hardware (``hardware.accelerators``,
#: ``hardware.battery.capacity_wh``), applied over the scenario's hardware.
HARDWARE_PREFIX = "hardware."
#: Largest number of values one range may expand to.
MAX_RANGE_VALUES = 10_000
#: Columns of a point row that are not metrics.
ID_COLUMN = "point_id"

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SweepParam:
    """One swept axis: a parameter name and its values (already parsed to the field's type)."""

    name: str
    values: tuple


# --- parsing --------------------------------------------------------------------------------


def sweepable_names() -> list[str]:
    """Every name ``--param`` accepts: the scenario's fields and the economics parameters."""
    fields = [name for name in Scenario.model_fields if name not in FIXED_FIELDS]
    return fields + list(ECONOMICS_PARAMS)


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a plain dict, ``base_dir`` included (absolute), ready to re-validate."""
    data = scenario.model_dump(mode="json")
    data["base_dir"] = str(Path(scenario.base_dir).resolve())
    return data


def _is_numeric(name: str) -> bool:
    if name in ECONOMICS_PARAMS:
        return True
    return Scenario.model_fields[name].annotation in (int, float)


def _coerce(name: str, raw: Any, base: dict[str, Any]) -> Any:
    """``raw`` parsed by the type of parameter ``name`` (pydantic's rules); InputError if bad."""
    if name in ECONOMICS_PARAMS:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"{name}: expected a number, got {raw!r}", source="--param") from None
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{name}: expected a finite number >= 0, got {raw!r}",
                             source="--param")
        return value
    try:
        scenario = Scenario.model_validate(base | {name: raw})
    except ValidationError as exc:
        problems = "; ".join(f"{path}: {msg}" for path, msg in describe_validation_error(exc))
        raise InputError(problems, source="--param") from None
    if name in ("constellation", "ground_network", "workload", "relay_constellation"):
        check_references(scenario, "--param")
    if name == "policy":
        _check_policy(scenario)
    return getattr(scenario, name)


def _check_policy(scenario: Scenario) -> None:
    """The scenario's policy must load (a registered name, module:Class or file.py:Class)."""
    from orbitsim.policies.registry import resolve_policy

    resolve_policy(scenario.policy, base_dir=scenario.base_dir, source="--param")


def _range_count(name: str, text: str, start, stop, step) -> int:
    """How many values ``START:STOP:STEP`` (``text``) gives, STOP included when on the grid;
    InputError if it never reaches STOP or gives more than :data:`MAX_RANGE_VALUES`."""
    if step == 0 or (stop - start) * step < 0:
        raise InputError(f"{name}: range {text!r} never reaches its end (step {step})",
                         source="--param")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_RANGE_VALUES:
        raise InputError(f"{name}: range {text!r} has {count} values (at most "
                         f"{MAX_RANGE_VALUES})", source="--param")
    return count


def _expand_range(name: str, text: str, base: dict[str, Any]) -> list[Any]:
    """``START:STOP:STEP`` -> the values from START to STOP inclusive (when on the grid)."""
    start, stop, step = (_coerce(name, part.strip(), base) if name in ECONOMICS_PARAMS
                         else _number(name, part.strip()) for part in text.split(":"))
    count = _range_count(name, text, start, stop, step)
    is_int = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, stop, step))
    raw = [start + i * step if is_int else round(start + i * step, 12) for i in range(count)]
    return [_coerce(name, value, base) for value in raw]


def _number(name: str, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{name}: range bound {text!r} is not a number",
                         source="--param") from None


def parse_param(text: str, base: Scenario | dict[str, Any]) -> SweepParam:
    """``NAME=V1,V2,...`` or ``NAME=START:STOP:STEP`` (numeric parameters, STOP inclusive).

    Values are parsed and checked by the field's type against the base scenario, so a bad value
    is an :class:`InputError` naming the parameter.
    """
    data = scenario_data(base) if isinstance(base, Scenario) else base
    name, sep, values_text = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError(f"expected NAME=V1,V2,... or NAME=START:STOP:STEP, got {text!r}",
                         source="--param")
    if not values_text.strip():
        raise InputError(f"{name}: no values", source="--param")
    if name.startswith(HARDWARE_PREFIX):
        return SweepParam(name, tuple(dict.fromkeys(_hardware_values(name, values_text, data))))
    if name not in sweepable_names():
        raise InputError(f"unknown parameter {name!r}; expected one of: "
                         f"{', '.join(sweepable_names())} or hardware.<field> "
                         "(hardware.battery.capacity_wh, ...)", source="--param")
    if _is_numeric(name) and values_text.count(":") == 2 and "," not in values_text:
        values = _expand_range(name, values_text, data)
    else:
        values = [_coerce(name, part.strip(), data) for part in values_text.split(",")]
    unique = list(dict.fromkeys(values))
    return SweepParam(name, tuple(unique))


def _hardware_values(name: str, text: str, base: dict[str, Any]) -> list[Any]:
    """Values of a ``hardware.<path>`` parameter, typed as the field is and each checked by
    applying it to the scenario's hardware (InputError naming the field otherwise)."""
    from orbitsim.model.overrides import coerce_value, with_override
    from orbitsim.model.scenario import node_hardware

    try:
        scenario = Scenario.model_validate(base)
    except ValidationError as exc:
        problems = "; ".join(f"{path}: {msg}" for path, msg in describe_validation_error(exc))
        raise InputError(problems, source="--param") from None
    node = node_hardware(scenario, source="--param")
    path = name.removeprefix(HARDWARE_PREFIX)
    if text.count(":") == 2 and "," not in text:
        start, stop, step = (_number(name, part.strip()) for part in text.split(":"))
        count = _range_count(name, text, start, stop, step)
        raws = [str(round(start + i * step, 12)) for i in range(count)]
    else:
        raws = [part.strip() for part in text.split(",")]
    values = [coerce_value(node, path, raw) for raw in raws]
    for value in values:
        node_hardware(scenario.model_copy(
            update={"hardware": with_override(scenario.hardware, path, value)}),
            source="--param")
    return values


def parse_params(texts: Iterable[str], base: Scenario | dict[str, Any]) -> list[SweepParam]:
    params = [parse_param(text, base) for text in texts]
    names = [p.name for p in params]
    if not params:
        raise InputError("give at least one --param NAME=V1,V2,...", source="--param")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"parameter given twice: {', '.join(duplicates)}", source="--param")
    return params


# --- points ---------------------------------------------------------------------------------


def point_id(values: dict[str, Any], settings: dict[str, Any] | None = None) -> str:
    """Stable id of a point: 16 hex digits of the SHA-256 of its parameter values as JSON,
    with ``settings``, everything else that changes its result (the base scenario and
    ``--hours`` of a sweep), so that two sweeps that differ in anything never share a point."""
    key = values if settings is None else {"settings": settings, "values": values}
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def point_settings(base: dict[str, Any], hours: float | None) -> dict[str, Any]:
    """What besides its values changes a point's result: the base scenario and ``--hours``."""
    return {"scenario": base, "hours": hours}


def grid_points(params: list[SweepParam]) -> list[dict[str, Any]]:
    """The cartesian product of the axes, first axis slowest."""
    names = [p.name for p in params]
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(p.values for p in params))]


def sample_points(points: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` points drawn without replacement from ``points`` (seeded), in grid order."""
    if n < 1:
        raise InputError(f"--sample must be >= 1, got {n}", field="sample")
    if n >= len(points):
        return list(points)
    chosen = np.random.default_rng(seed).choice(len(points), size=n, replace=False)
    return [points[i] for i in sorted(int(i) for i in chosen)]


@lru_cache(maxsize=1)
def _economics():
    from orbitsim.analysis.economics import load_economics

    return load_economics()


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str):
        return value
    return None


def point_scenario(base: dict[str, Any], values: dict[str, Any],
                   hours: float | None = None) -> Scenario:
    """The scenario of one point: the base with the point's fields, ``hours`` and hardware
    overrides (the economics' parameters are applied to the verdict, not here)."""
    from orbitsim.model.overrides import with_override

    fields = {k: v for k, v in values.items()
              if k not in ECONOMICS_PARAMS and not k.startswith(HARDWARE_PREFIX)}
    data = dict(base)
    if hours is not None:
        data["hours"] = hours
    data.update(fields)
    for key, value in values.items():
        if key.startswith(HARDWARE_PREFIX):
            data["hardware"] = with_override(data.get("hardware"),
                                             key.removeprefix(HARDWARE_PREFIX), value)
    return Scenario.model_validate(data)


def check_points(base: dict[str, Any], points: list[dict[str, Any]],
                 hours: float | None = None) -> None:
    """Refuse, before any point runs, a point its run would refuse (what ``orbitsim validate``
    checks: a mesh with a sample, a relay, injected faults, the fleet and governance rules,
    the job volume, ...), naming the point. Points that differ only in their seed, policy
    (checked as it is parsed) or economics are checked once."""
    from orbitsim.commands.validate import check_scenario_inputs

    seen: set[str] = set()
    for values in points:
        try:
            scenario = point_scenario(base, values, hours)
        except ValidationError as exc:
            problems = "; ".join(f"{path}: {msg}" for path, msg in describe_validation_error(exc))
            raise InputError(f"{problems} (point {_point_label(values)})",
                             source="--param") from None
        key = json.dumps(scenario.model_dump(mode="json", exclude={"seed", "policy"}),
                         sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        try:
            check_scenario_inputs(scenario, Path(scenario.name))
        except InputError as error:
            raise InputError(f"{error.message} (point {_point_label(values)})",
                             source=error.source, line=error.line, field=error.field) from None


def _point_label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "base"


def run_point(base: dict[str, Any], values: dict[str, Any],
              hours: float | None = None) -> dict[str, Any]:
    """Simulate one point; its row: ``point_id``, the parameters and the scalar metrics.

    Top-level and picklable: runs in spawn workers and on Dask workers alike. Metrics are the
    summary's scalars, ``latency_mean_s`` of the done jobs, and the economics verdict's costs
    (with the point's ``launch_price_usd_per_kg`` if it sets one).
    """
    from orbitsim.sim.run import simulate

    scenario = point_scenario(base, values, hours)
    run = simulate(scenario, workers=1, reuse_geometry=True)
    row: dict[str, Any] = {ID_COLUMN: point_id(values, point_settings(base, hours)), **values}
    row.update(_verdict_metrics(run, values.get("launch_price_usd_per_kg")))
    for key, value in run.summary.items():
        scalar = _scalar(value)
        if scalar is not None and key not in row:
            row[key] = scalar
    for key, value in (run.summary.get("governance") or {}).items():  # governance totals
        scalar = _scalar(value)
        if scalar is not None:
            row[f"governance_{key}"] = scalar
    jobs = run.job_columns(["status", "arrival_s", "finish_s"])
    if {"status", "arrival_s", "finish_s"} <= set(jobs.columns):
        done = jobs[jobs["status"] == "done"]
        latency = (done["finish_s"] - done["arrival_s"]).to_numpy(dtype=float)
        row["latency_mean_s"] = float(latency.mean()) if latency.size else math.nan
    return row


#: Scalars of the verdict a sweep row keeps (``verdict_`` in front where the summary has the
#: same name), and their types: booleans stay booleans, a missing crossover year is null.
VERDICT_COLUMNS = {
    "launch_price_usd_per_kg": float, "orbit_usd_per_accelerator_hour": float,
    "ground_usd_per_accelerator_hour_same_utilisation": float,
    "ground_usd_per_accelerator_hour_own_utilisation": float, "ratio_same_utilisation": float,
    "p_orbit_cheaper": float, "orbit_usd_per_accelerator_hour_p05": float,
    "orbit_usd_per_accelerator_hour_p95": float, "break_even_launch_usd_per_kg": float,
    "break_even_utilisation": float, "crossover_year": int, "viable": bool,
}


def _verdict_metrics(run, launch_price_usd_per_kg: float | None) -> dict[str, Any]:
    """The verdict's scalars for a sweep row (:data:`VERDICT_COLUMNS`): floats NaN and the
    crossover year and viability ``None`` where they do not exist."""
    from orbitsim.api import add_verdict

    add_verdict(run, launch_price_usd_per_kg=launch_price_usd_per_kg, economics=_economics())
    data = run.summary.get("verdict") or {}
    out: dict[str, Any] = {}
    for key, kind in VERDICT_COLUMNS.items():
        name = f"verdict_{key}" if key in ("launch_price_usd_per_kg", "viable") else key
        value = data.get(key)
        if kind is float:
            out[name] = math.nan if value is None else float(value)
        elif kind is int:
            out[name] = None if value is None else int(value)
        else:
            out[name] = None if value is None else bool(value)
    return out


def typed_points(frame):
    """A sweep table with the verdict's booleans as booleans and its years as nullable
    integers, whatever the points' files inferred."""
    import pandas as pd

    if "verdict_viable" in frame:
        frame["verdict_viable"] = frame["verdict_viable"].astype("boolean")
    if "crossover_year" in frame:
        frame["crossover_year"] = pd.to_numeric(frame["crossover_year"]).astype("Int64")
    return frame


# --- execution ------------------------------------------------------------------------------


#: Seconds a Dask sweep waits with no worker connected before it gives up (``--worker-timeout``).
DEFAULT_WORKER_TIMEOUT_S = 120.0


def execute(tasks: list[tuple[str, dict[str, Any], dict[str, Any]]], *, hours: float | None,
            workers: int = 1, scheduler: str | None = None,
            on_result: Callable[[str, dict[str, Any]], None],
            on_ready: Callable[[], None] | None = None,
            worker_timeout_s: float = DEFAULT_WORKER_TIMEOUT_S) -> None:
    """Run ``tasks`` (``(id, base scenario data, values)``) and call ``on_result(id, row)`` in
    this process as each finishes, in completion order.

    ``scheduler`` (``tcp://host:port``): a Dask distributed cluster; else ``workers`` local
    processes (spawn), or inline when ``workers == 1``. ``on_ready()`` is called once before
    the first task, when the executor is up (for Dask: once the scheduler answered).
    """
    if workers < 1:
        raise ValueError("workers must be >= 1")
    ready = on_ready or (lambda: None)
    if scheduler:
        _execute_dask(tasks, hours, scheduler, on_result, ready, worker_timeout_s)
        return
    ready()
    if workers == 1:
        for key, base, values in tasks:
            on_result(key, run_point(base, values, hours))
    else:
        _execute_pool(tasks, hours, workers, on_result)


def _execute_pool(tasks, hours, workers, on_result) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from orbitsim.procs import die_with_parent

    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(max_workers=min(workers, max(len(tasks), 1)),
                                   mp_context=context, initializer=die_with_parent,
                                   initargs=(os.getpid(),))
    try:
        futures = {executor.submit(run_point, base, values, hours): key
                   for key, base, values in tasks}
        for future in as_completed(futures):
            on_result(futures[future], future.result())
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _execute_dask(tasks, hours, scheduler, on_result, on_ready,
                  worker_timeout_s: float = DEFAULT_WORKER_TIMEOUT_S) -> None:
    """Run the tasks on a Dask cluster. Ends with one line (InputError) when no worker has been
    connected for ``worker_timeout_s`` seconds or the scheduler is lost; the points finished
    until then are kept (``on_result`` wrote them)."""
    try:
        from dask.distributed import Client, wait
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'orbitsim[dask]'",
                         field="scheduler") from None
    import logging

    # Dask logs its own tracebacks when a connection drops; the sweep says it in one line.
    names = [n for n in list(logging.root.manager.loggerDict)
             if n == "distributed" or n.startswith("distributed.")]
    quiet = [(logger, logger.level) for logger in map(logging.getLogger, names)]
    for logger, _ in quiet:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        _run_on_dask(Client, wait, tasks, hours, scheduler, on_result, on_ready,
                     worker_timeout_s)
    finally:
        for logger, level in quiet:
            logger.setLevel(level)


def _run_on_dask(Client, wait, tasks, hours, scheduler, on_result, on_ready,  # noqa: N803
                 worker_timeout_s: float) -> None:
    import time

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot connect to the Dask scheduler at {scheduler!r}: {exc}",
                         field="scheduler") from None
    futures = {}
    finished = 0

    def lost(why: str) -> InputError:
        return InputError(f"{why}; the {finished} points finished are kept: run the same "
                          "command again to continue", field="scheduler")

    try:
        on_ready()
        for key, base, values in tasks:
            future = client.submit(run_point, base, values, hours, pure=False,
                                   key=f"orbitsim-point-{key}")
            futures[future] = key
        pending = set(futures)
        no_worker_since = None
        while pending:
            try:
                done, pending = wait(list(pending), timeout=min(5.0, worker_timeout_s),
                                     return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            except Exception as exc:  # noqa: BLE001 (a lost connection, whatever its type)
                raise lost(f"lost the Dask scheduler at {scheduler}: "
                           f"{type(exc).__name__}") from None
            pending = set(pending)
            for future in done:
                if future.status == "error":
                    future.result()  # the point's own error, raised as it is
                if future.status != "finished":
                    raise lost(f"lost the Dask scheduler at {scheduler} (point "
                               f"{futures[future]} {future.status})")
                on_result(futures[future], future.result())
                finished += 1
            if not pending:
                break
            try:
                n_workers = len(client.scheduler_info().get("workers", {}))
            except Exception as exc:  # noqa: BLE001
                raise lost(f"lost the Dask scheduler at {scheduler}: "
                           f"{type(exc).__name__}") from None
            if client.status not in ("running", "connecting"):
                raise lost(f"lost the Dask scheduler at {scheduler}")
            now = time.monotonic()
            if n_workers:
                no_worker_since = None
            elif no_worker_since is None:
                no_worker_since = now
            elif now - no_worker_since >= worker_timeout_s:
                raise lost(f"no Dask worker connected to {scheduler} for "
                           f"{worker_timeout_s:g} s (--worker-timeout)")
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=5)


# --- the sweep ------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What a sweep did: its points' ids, which were computed now, and the combined table."""

    out: Path
    ids: list[str]
    computed: list[str]
    skipped: list[str]
    table: Any  # pandas DataFrame, one row per point in grid order
    files: list[Path]


def _manifest(base: dict[str, Any], hours: float | None) -> dict[str, Any]:
    return {"scenario": base, "hours": hours}


def _check_manifest(out: Path, manifest: dict[str, Any], *, write: bool = True) -> None:
    """``out/sweep.json`` must hold ``manifest`` if it exists; else it is written (when
    ``write``: a Dask sweep writes it only once the scheduler answered)."""
    path = out / "sweep.json"
    if path.is_file():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise InputError(f"{path} is damaged (it does not read as JSON); delete that file "
                             "only and run the same command again: the points already "
                             "written are kept") from None
        if existing != manifest:
            raise InputError("this folder holds a sweep of another scenario or --hours; use "
                             "another --out (or delete it)", source=out)
    elif write:
        write_text_atomic(path, json.dumps(manifest, indent=2, sort_keys=True))


def point_path(out: Path, key: str) -> Path:
    return Path(out) / "points" / f"{key}.parquet"


def point_readable(path: Path) -> bool:
    """A point file that reads back whole (a truncated or damaged one does not)."""
    try:
        import pyarrow.parquet as pq

        return pq.read_table(path).num_rows == 1
    except Exception:  # noqa: BLE001 (any reader error means: compute it again)
        return False


@contextlib.contextmanager
def sweep_lock(out: Path):
    """Hold ``out/.sweep.lock`` (an advisory ``flock``, released by the kernel when this
    process ends, however it ends); InputError at once, naming the holder, if another sweep
    holds it."""
    import fcntl
    import os
    import socket
    import time

    path = out / ".sweep.lock"
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole sweep)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise InputError(f"another sweep is writing into this folder ({holder}); wait "
                             "for it to finish or give another --out", source=out) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, started "
                     f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def run_sweep(scenario: Scenario | str, params: list[SweepParam], out: str | Path, *,
              hours: float | None = None, workers: int = 1, scheduler: str | None = None,
              sample: int | None = None, sample_seed: int = 0,
              progress: ProgressCallback | None = None,
              worker_timeout_s: float = DEFAULT_WORKER_TIMEOUT_S,
              warn: Callable[[str], None] | None = None) -> SweepResult:
    """Run (or resume) a sweep into ``out``; returns the combined table (not yet plotted).

    ``progress(done, total)`` is called once before the first point and after each point.
    One sweep at a time writes into ``out`` (:func:`sweep_lock`); a point file that does not
    read back is computed again, with ``warn(line)`` (default: a line on stderr).
    """
    out = Path(out)
    created = not check_out_dir_exists(out)
    make_dir(out)
    started = False
    try:
        with sweep_lock(out):
            try:
                return _run_sweep(scenario, params, out, hours=hours, workers=workers,
                                  scheduler=scheduler, sample=sample, sample_seed=sample_seed,
                                  progress=progress, worker_timeout_s=worker_timeout_s,
                                  warn=warn, created=created)
            finally:
                started = (out / "sweep.json").exists()
                if not started:  # it never started: leave nothing behind (lock still held)
                    with contextlib.suppress(OSError):
                        (out / ".sweep.lock").unlink()
    except InputError:
        if created and not started:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise


def check_out_dir_exists(out: Path) -> bool:
    from orbitsim.results import check_out_dir

    return check_out_dir(out).exists()


def _run_sweep(scenario, params, out: Path, *, hours, workers, scheduler, sample, sample_seed,
               progress, worker_timeout_s, warn, created) -> SweepResult:
    import pandas as pd

    from orbitsim.results import write_parquet

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if hours is not None and not hours > 0:
        raise InputError(f"must be positive, got {hours}", field="hours")
    base = scenario_data(scenario)
    points = grid_points(params)
    if sample is not None:
        points = sample_points(points, sample, sample_seed)
    settings = point_settings(base, hours)
    ids = [point_id(values, settings) for values in points]
    manifest = _manifest(base, hours)
    _check_manifest(out, manifest, write=False)
    from orbitsim.io import remove_stale_partials

    remove_stale_partials(out / "points")
    say = warn or (lambda line: print(f"warning: {line}", file=sys.stderr, flush=True))
    for key in dict.fromkeys(ids):
        path = point_path(out, key)
        if path.is_file() and not point_readable(path):
            say(f"point file {path} does not read back (truncated or damaged); computing "
                "that point again")
            path.unlink()
    todo = [(key, base, values) for key, values in zip(ids, points, strict=True)
            if not point_path(out, key).is_file()]
    check_points(base, [values for _, _, values in todo], hours)
    skipped = [key for key in ids if point_path(out, key).is_file()]
    report = progress or (lambda done, total: None)
    done = len(skipped)
    report(done, len(ids))
    computed: list[str] = []

    def on_result(key: str, row: dict[str, Any]) -> None:
        nonlocal done
        write_parquet(pd.DataFrame([row]), point_path(out, key))
        computed.append(key)
        done += 1
        report(done, len(ids))

    execute(todo, hours=hours, workers=workers, scheduler=scheduler, on_result=on_result,
            on_ready=lambda: _check_manifest(out, manifest), worker_timeout_s=worker_timeout_s)
    _check_manifest(out, manifest)  # no task to run: the executor never started
    table = read_points(out, ids)
    files = [write_parquet(table, out / "sweep.parquet")]
    return SweepResult(out=out, ids=ids, computed=computed, skipped=skipped, table=table,
                       files=files)


def read_points(out: str | Path, ids: Iterable[str]):
    """The rows of the given points (one Parquet file each) as one DataFrame, in the order of
    ``ids`` (the grid's order: first axis slowest), duplicates dropped."""
    import pandas as pd

    frames = [pd.read_parquet(point_path(Path(out), key)) for key in dict.fromkeys(ids)]
    if not frames:
        return pd.DataFrame(columns=[ID_COLUMN])
    return typed_points(pd.concat(frames, ignore_index=True))


# --- figures and the HTML summary -----------------------------------------------------------


def axis_label(name: str) -> str:
    """A column name with its unit, read from the name's suffix (``latency_p50_s [s]``)."""
    units = (("usd_per_accelerator_hour", "USD per accelerator-hour"), ("_usd_per_kg", "USD/kg"),
             ("accelerator_hours", "accelerator-hours"), ("hours", "h"), ("_wh", "Wh"),
             ("_km", "km"), ("_s", "s"), ("utilisation", "fraction of capacity"),
             ("bytes_", "bytes"), ("jobs_", "jobs"), ("deadline_misses", "jobs"))
    for key, unit in units:
        if name.endswith(key) or (key.endswith("_") and name.startswith(key)):
            return f"{name} [{unit}]"
    return name


#: Most series a sweep plot draws (one per value of the other axes); beyond, their mean.
MAX_SERIES = 8


def _mean_ci(values) -> tuple[float, float, int]:
    """Mean, half-width of its 95 % t-interval (NaN for one value) and count of the finite
    values."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = values.size
    if n == 0:
        return math.nan, math.nan, 0
    half = t95(n - 1) * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    return float(values.mean()), half, n


@dataclass(frozen=True)
class Series:
    """One line of a sweep plot: its label (the values of the other axes), the x values, the
    means and the half-widths of their 95 % intervals (NaN where there is nothing to average)."""

    label: str
    x: tuple
    mean: tuple[float, ...]
    ci95: tuple[float, ...]


def metric_series(table, param: str, metric: str,
                  others: Iterable[str] = ()) -> tuple[list[Series], list[str]]:
    """The series :func:`plot_metric` draws and the notes of its title: one series per
    combination of the values of the other swept axes but ``seed`` (their mean when there are
    more than :data:`MAX_SERIES`), each x value the mean over what is left (the seeds)."""
    others = [name for name in others if name != param and name in table.columns]
    series_axes = [name for name in others if name != "seed"]
    frame = table[[param, metric, *others]]
    combos = (list(dict.fromkeys(map(tuple, frame[series_axes].itertuples(index=False))))
              if series_axes else [()])
    averaged = []
    if len(combos) > MAX_SERIES:  # too many lines to read: their mean
        averaged, series_axes, combos = series_axes, [], [()]
    x_values = sorted(frame[param].dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
    out = []
    for combo in combos:
        rows = frame
        for name, value in zip(series_axes, combo):
            rows = rows[rows[name] == value]
        xs, means, halves = [], [], []
        for value in x_values:
            mean, half, n = _mean_ci(rows.loc[rows[param] == value, metric])
            if n:
                xs.append(value)
                means.append(mean)
                halves.append(half)
        label = ", ".join(f"{name} = {value}" for name, value in zip(series_axes, combo))
        out.append(Series(label, tuple(xs), tuple(means), tuple(halves)))
    notes = []
    if series_axes:
        notes.append(f"one series per {', '.join(series_axes)}")
    if "seed" in others:
        notes.append(f"mean and 95 % CI over {frame['seed'].nunique()} seeds")
    if averaged:
        notes.append(f"mean and 95 % CI over {', '.join(averaged)}")
    if not notes:
        notes.append(f"{len(frame)} points")
    return out, notes


def plot_metric(table, param: str, metric: str, path: Path,
                others: Iterable[str] = ()) -> Path:
    """PNG of ``metric`` against ``param``: the series of :func:`metric_series`, each point
    with its 95 % interval where it is a mean. A numeric axis joins its points; seeds and
    other categories are placed side by side, never joined. Titles wrap and the figure is
    cropped to what it draws, so that nothing is clipped."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from orbitsim.io import atomic_path

    series, notes = metric_series(table, param, metric, others)
    numeric = table[param].dtype.kind in "if" and param != "seed"
    x_values = sorted(table[param].dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
    position = {value: i for i, value in enumerate(x_values)}
    fig, ax = plt.subplots(figsize=(8.0, 5.0), dpi=100)
    width = 0.6 / max(len(series), 1)
    for k, line in enumerate(series):
        offset = (k - (len(series) - 1) / 2) * width
        xs = list(line.x) if numeric else [position[v] + offset for v in line.x]
        errors = np.nan_to_num(np.asarray(line.ci95, dtype=float))
        ax.errorbar(xs, line.mean, yerr=errors if np.any(errors) else None,
                    fmt="o-" if numeric else "o", capsize=3, markersize=5,
                    label=line.label or None, color=f"C{k % 10}")
    if not numeric:
        labels = [str(v) for v in x_values]
        tilt = len(labels) > 4 or max(map(len, labels), default=0) > 10
        ax.set_xticks(range(len(labels)), labels, rotation=30 if tilt else 0,
                      ha="right" if tilt else "center")
        ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_xlabel(textwrap.fill(axis_label(param), 60))
    ax.set_ylabel(textwrap.fill(axis_label(metric), 40))
    ax.set_title(f"{metric} against {param}\n" + textwrap.fill("; ".join(notes), 70),
                 fontsize=11)
    ax.grid(alpha=0.3)
    if any(line.label for line in series):
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0.0)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return path


def write_summary_html(table, params: list[SweepParam], metric: str, pngs: list[Path],
                       path: Path, *, title: str) -> Path:
    """A self-contained HTML page: the points' table and the PNGs embedded as data URIs."""
    import base64
    import html

    columns = [ID_COLUMN, *(p.name for p in params)]
    extra = [metric, "jobs_total", "jobs_done", "utilisation", "latency_mean_s",
             "deadline_misses", "orbit_usd_per_accelerator_hour"]
    columns += [c for c in dict.fromkeys(extra) if c in table.columns and c not in columns]
    body = table[columns].to_html(index=False, escape=True, float_format=lambda v: f"{v:.4g}",
                                  border=0, classes="points")
    images = "\n".join(
        f'<figure><img alt="{html.escape(png.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(png.read_bytes()).decode("ascii")}"></figure>' for png in pngs)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table.points{{border-collapse:collapse}}
table.points td,table.points th{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}}
img{{max-width:100%}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{len(table)} points; metric <code>{html.escape(metric)}</code>. All columns are in
<code>sweep.parquet</code>.</p>
{images}
{body}
</body></html>
"""
    return write_text_atomic(path, page)


def write_figures(result: SweepResult, params: list[SweepParam], metric: str,
                  title: str) -> list[Path]:
    """One PNG per swept parameter and ``summary.html``; InputError if ``metric`` is unknown."""
    table = result.table
    if metric not in table.columns or table[metric].dtype.kind not in "ifb":
        numeric = [c for c in table.columns if table[c].dtype.kind in "if"
                   and c not in {p.name for p in params}]
        raise InputError(f"unknown metric {metric!r} (the results are kept); expected one of: "
                         f"{', '.join(numeric)}", field="metric")
    names = [p.name for p in params]
    pngs = [plot_metric(table, p.name, metric, result.out / f"{metric}_vs_{p.name}.png",
                        others=names)
            for p in params]
    html_path = write_summary_html(table, params, metric, pngs, result.out / "summary.html",
                                   title=title)
    return [*pngs, html_path]


# --- the scheduling-policy benchmark --------------------------------------------------------

#: Two-sided 95 % quantiles of Student's t by degrees of freedom (1..30), then 40, 60, 120.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t95(dof: int) -> float:
    """Two-sided 95 % Student-t quantile (tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2)."""
    if dof < 1:
        return math.nan
    if dof <= 30:
        return _T95[dof - 1]
    for limit, value in ((40, 2.021), (60, 2.000), (120, 1.980)):
        if dof <= limit:
            return value
    return 1.960


def confidence_table(frame, by: list[str], metrics: list[str]):
    """Per group of ``by``: ``n`` and, for each metric, ``<metric>_mean`` and ``<metric>_ci95``
    (half-width of the 95 % t-interval of the mean, ``t * s / sqrt(n)``; NaN for n = 1)."""
    import pandas as pd

    rows = []
    for key, group in frame.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key, strict=True))
        row["n"] = len(group)
        for metric in metrics:
            values = group[metric].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            n = values.size
            row[f"{metric}_mean"] = float(values.mean()) if n else math.nan
            row[f"{metric}_ci95"] = (t95(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
                                     if n > 1 else math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def policy_benchmark(scenarios: dict[str, Scenario], policies: list[str], seeds: list[int], *,
                     workers: int = 1, progress: ProgressCallback | None = None):
    """Every policy on every scenario with every seed: one row per run (columns ``scenario``,
    ``policy``, ``seed`` and the metrics of :func:`run_point`)."""
    import pandas as pd

    tasks, labels = [], {}
    for label, scenario in scenarios.items():
        base = scenario_data(scenario)
        # Seed outermost: the runs that share a geometry (every policy of one seed) follow each
        # other, so each geometry is prepared once (``simulate(..., reuse_geometry=True)``).
        for seed in seeds:
            for policy in policies:
                values = {"policy": policy, "seed": seed}
                key = f"{label}/{point_id(values)}"
                tasks.append((key, base, values))
                labels[key] = label
    rows: dict[str, dict] = {}
    report = progress or (lambda done, total: None)
    report(0, len(tasks))

    def on_result(key: str, row: dict[str, Any]) -> None:
        rows[key] = {"scenario": labels[key], **row}
        report(len(rows), len(tasks))

    execute(tasks, hours=None, workers=workers, on_result=on_result)
    frame = pd.DataFrame([rows[key] for key, _, _ in tasks])
    return frame.drop(columns=[ID_COLUMN])
