"""``orbitsim bench``: the benchmark suite (source checkout) and the scheduling-policy benchmark."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from orbitsim.errors import InputError

#: Metrics of the policy benchmark's table and figure.
POLICY_METRICS = ("jobs_done", "latency_mean_s", "utilisation", "deadline_misses")
#: Short column headers of those metrics in the console table.
POLICY_HEADERS = {"jobs_done": "jobs done", "latency_mean_s": "latency (s)",
                  "utilisation": "utilisation", "deadline_misses": "misses"}
#: Hours of each policy-benchmark scenario, full and --quick.
POLICY_HOURS = (2.0, 1.0)
#: Seeds of the policy benchmark, full and --quick.
POLICY_SEEDS = ((1, 2, 3, 4, 5), (1, 2, 3))


def import_benchmarks():
    """The ``benchmarks`` package of the source checkout (it is not shipped in the wheel)."""
    try:
        return importlib.import_module("benchmarks")
    except ImportError:
        pass
    root = Path(__file__).resolve().parents[2]
    if (root / "benchmarks" / "__init__.py").is_file():
        sys.path.insert(0, str(root))
        try:
            return importlib.import_module("benchmarks")
        except ImportError:
            pass
    raise InputError("the benchmarks live in the source checkout (benchmarks/ beside orbitsim/): "
                     "run `orbitsim bench` from a clone of the repository")


def benchmark_modules(package) -> dict[str, str]:
    """Short name -> module of every ``benchmarks/bench_*.py``, the suite's order first."""
    order = []
    try:
        order = list(importlib.import_module("benchmarks.__main__").MODULES)
    except (ImportError, AttributeError):
        pass
    found = sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                   if info.name.startswith("bench_"))
    names = [*[m for m in order if m in found], *[m for m in found if m not in order]]
    return {name.removeprefix("bench_"): name for name in names}


def policy_scenarios(hours: float) -> dict:
    """The policy benchmark's fixed scenarios: starcloud-demo (32 nodes, ISLs) and, from the
    source checkout's test data, 12 one-GPU nodes without ISLs under the commercial ground
    network (starcloud-demo without ISLs when that data is absent)."""
    from orbitsim.model.scenario import Scenario, load_scenario

    demo = load_scenario("starcloud-demo")
    scenarios = {f"starcloud-demo {hours:g} h": demo.model_copy(update={"hours": hours})}
    data = Path(__file__).resolve().parents[2] / "tests" / "data" / "policies"
    if (data / "shell-12.toml").is_file():
        scenarios[f"shell-12 no-ISL {hours:g} h"] = Scenario.model_validate(dict(
            name="policy-bench-shell-12", constellation="shell-12.toml",
            ground_network="commercial", workload="with-data.toml", isl="none",
            start_utc="2026-03-20T00:00:00Z", hours=hours, step_s=60.0, seed=1,
            base_dir=str(data)))
    else:
        scenarios[f"starcloud-demo no-ISL {hours:g} h"] = demo.model_copy(
            update={"hours": hours, "isl": "none"})
    return scenarios


def _fmt(mean: float, half: float) -> str:
    if mean != mean:  # NaN
        return "-"
    text = f"{mean:,.4g}"
    if half != half:
        return text
    return f"{text} ± {half:,.0f}" if abs(half) >= 100 else f"{text} ± {half:,.2g}"


def run_policy_benchmark(console: Console, quick: bool, policy_files: list[str],
                         workers: int, png: Path | None) -> None:
    from orbitsim.policies.registry import load_policy, policy_names
    from orbitsim.sweep import confidence_table, plot_policy_benchmark, policy_benchmark

    policies = list(policy_names())
    labels = {name: name for name in policies}
    for spec in policy_files:
        target, sep, attribute = spec.partition(":")
        if not sep or not target.endswith(".py"):
            raise InputError(f"expected FILE.py:Class, got {spec!r}", field="policy-file")
        spec = f"{Path(target).resolve()}:{attribute}"
        cls = load_policy(spec)
        policies.append(spec)
        labels[spec] = cls.name if cls.name != spec else f"{Path(target).name}:{attribute}"
    hours = POLICY_HOURS[1] if quick else POLICY_HOURS[0]
    seeds = list(POLICY_SEEDS[1] if quick else POLICY_SEEDS[0])
    scenarios = policy_scenarios(hours)
    with Progress(TextColumn("[bold]runs"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("runs", total=None)
        runs = policy_benchmark(scenarios, policies, seeds, workers=workers,
                                progress=lambda d, t: bar.update(task, completed=d, total=t))
    runs["policy"] = runs["policy"].map(labels)
    table = confidence_table(runs, ["scenario", "policy"], list(POLICY_METRICS))
    # One table per scenario with short headers, so that it fits 80 columns (rich folds the
    # rest rather than cutting it).
    for scenario in dict.fromkeys(table["scenario"]):
        out = Table(title=escape(f"{scenario}: mean ± 95 % CI (t) over {len(seeds)} seeds"))
        out.add_column("policy", no_wrap=True)
        for metric in POLICY_METRICS:
            out.add_column(POLICY_HEADERS[metric], justify="right")
        for row in table[table["scenario"] == scenario].itertuples(index=False):
            values = row._asdict()
            out.add_row(escape(values["policy"]),
                        *(_fmt(values[f"{m}_mean"], values[f"{m}_ci95"]) for m in POLICY_METRICS))
        console.print(out)
    if png is not None:
        plot_policy_benchmark(table, list(POLICY_METRICS), png)
        console.print(f"figure: [bold]{escape(str(png))}[/]")


def bench(
    names: Annotated[list[str] | None, typer.Argument(
        help="Benchmarks to run (geometry, contacts, coverage, physics, simulation, policies); "
        "all but policies by default.")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Small cases: a smoke run.")] = False,
    policy_file: Annotated[list[str] | None, typer.Option(
        "--policy-file", help="policies: also benchmark a user policy, FILE.py:Class "
        "(repeatable).")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="policies: PNG of the metrics "
                                             "with error bars.")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="policies: local processes "
                                         "running the simulations.")] = 1,
) -> None:
    """Run benchmarks and print their tables.

    Full-run figures are recorded in benchmarks/RESULTS.md with the machine and date.

    Example: orbitsim bench policies --quick --png out/policies.png
    """
    console = Console(highlight=False)
    names = list(names or [])
    suite = [n for n in names if n != "policies"]
    if suite or not names:
        package = import_benchmarks()
        modules = benchmark_modules(package)
        unknown = [n for n in suite if n not in modules]
        if unknown:
            raise InputError(f"unknown benchmark {', '.join(map(repr, unknown))}; expected: "
                             f"{', '.join([*modules, 'policies'])}")
        for name in suite or list(modules):
            console.rule(f"[bold]{escape(name)}")
            module = importlib.import_module(f"benchmarks.{modules[name]}")
            module.main(["--quick"] if quick else [])  # each prints its own table
    if "policies" in names:
        console.rule("[bold]policies")
        run_policy_benchmark(console, quick, list(policy_file or []), workers, png)
