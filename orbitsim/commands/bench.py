"""``orbitsim bench``: the benchmark suite (source checkout) and the scheduling-policy benchmark."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
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


def _table(title: str, head: list[str], rows: list[list[str]], caption: str = "") -> Table:
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, caption=escape(caption) or None, caption_justify="left")
    for k, name in enumerate(head):
        table.add_column(escape(name), justify="left" if k == 0 else "right", no_wrap=True)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


def run_policy_benchmark(console: Console, quick: bool, policy_files: list[str],
                         workers: int, png: Path | None, markdown_path: Path | None = None,
                         seeds: int | None = None) -> None:
    """Every policy (and the user's) on the stress scenarios (:mod:`orbitsim.policy_bench`):
    one table per scenario, the claims table, the books, and the PNG / Markdown if asked."""
    from orbitsim import policy_bench
    from orbitsim.io import write_text_atomic
    from orbitsim.policies.registry import load_policy, policy_names

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
    seed_list = list(policy_bench.QUICK_SEEDS if quick else policy_bench.SEEDS)
    if seeds is not None:
        seed_list = list(range(1, seeds + 1))
    hours = policy_bench.QUICK_HOURS if quick else None
    cases = policy_bench.CASES
    with Progress(TextColumn("[bold]runs"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("runs", total=None)
        runs = policy_bench.run_benchmark(
            policies, seed_list, hours=hours, workers=workers, cases=cases,
            progress=lambda d, t: bar.update(task, completed=d, total=t))
    runs["policy"] = runs["policy"].map(labels)
    comparison = policy_bench.compare(runs, cases)
    claims = policy_bench.claims(runs, comparison, cases)
    duration = (f"{hours:g} h" if hours is not None else
                " / ".join(sorted({f"{h:g} h" for h in runs["hours"]})))
    for case in cases:
        if case.scenario not in set(runs["scenario"]):
            continue
        best, second = policy_bench.best_policies(comparison, case)
        console.print(_table(
            f"{case.scenario}, {duration}: binds on {case.binds}; {case.policy} should lower "
            f"{case.metric}. Mean ± 95 % CI over {len(seed_list)} paired seeds",
            policy_bench.headers(case, best_name=False),
            policy_bench.scenario_rows(comparison, case, best_name=False),
            caption=f"p: two-sided paired t-test; p best: against the best other policy, "
                    f"{best} ({second} for {best})"))
    console.print(f"[bold]claims[/] (paired t-test, p < {policy_bench.ALPHA}; no fewer jobs "
                  "done):")
    for line in policy_bench.claim_lines(claims):
        console.print(f"  {escape(line)}")
    console.print(f"books: {len(runs)} runs, {int(runs['governance_violations'].sum())} "
                  f"governance violations, {int(runs['jobs_lost'].sum())} lost jobs, every "
                  "job done, failed or pending")
    if png is not None:
        policy_bench.plot(runs, png, cases)
        console.print(f"figure: [bold]{escape(str(png))}[/]")
    if markdown_path is not None:
        write_text_atomic(markdown_path, policy_bench.markdown(
            comparison, claims, seeds=len(seed_list), hours=duration, cases=cases))
        console.print(f"tables: [bold]{escape(str(markdown_path))}[/]")


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
    markdown: Annotated[Path | None, typer.Option("--markdown", help="policies: the result "
                                                  "tables as Markdown.")] = None,
    seeds: Annotated[int | None, typer.Option("--seeds", min=2, help="policies: paired seeds "
                                              "(1..N; default 8, --quick 3).")] = None,
) -> None:
    """Run benchmarks and print their tables.

    Full-run figures are recorded in benchmarks/RESULTS.md with the machine and date.

    `bench policies` runs every policy on the built-in stress scenarios (stress-eclipse,
    stress-heat, stress-contacts, stress-jurisdictions) over paired seeds: mean ± 95 % CI,
    paired t-tests against fifo and the best other policy, the claims and the books.

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
        run_policy_benchmark(console, quick, list(policy_file or []), workers, png, markdown,
                             seeds)
