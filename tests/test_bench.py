"""``orbitsim bench``: the whole quick suite through the CLI (a smoke run: tables printed, no
timed assertion), and the policy benchmark on a tiny case."""

from __future__ import annotations

import pytest

from orbitsim.cli import main
from orbitsim.commands.bench import benchmark_modules, import_benchmarks
from orbitsim.model.scenario import load_scenario
from orbitsim.sweep import confidence_table, plot_policy_benchmark, policy_benchmark

USER_POLICY = '''
from orbitsim.policies.base import Policy


class LastNode(Policy):
    """Every job on the last candidate node."""

    def choose(self, job, view):
        return len(view) - 1
'''


def run_cli(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code


def test_suite_modules_are_found():
    names = list(benchmark_modules(import_benchmarks()))
    assert names[:4] == ["geometry", "contacts", "physics", "simulation"]
    assert "coverage" in names


def test_bench_quick_runs_every_benchmark_and_prints_its_tables(capsys):
    assert run_cli(["bench", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "ratio orbitsim / raw sgp4" in out and "speed-up over Skyfield" in out
    assert "sat-station-step" in out  # contacts
    assert "events/node-day" in out  # physics
    assert "bare SimPy loop (jobs/s)" in out  # simulation
    assert "time covered" in out  # coverage
    assert "ratio networkx / orbitsim" in out  # routes


def test_unknown_benchmark_exits_2(capsys):
    assert run_cli(["bench", "no-such-bench"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown benchmark" in err


def test_policy_benchmark_with_a_user_policy(tmp_path):
    path = tmp_path / "my_policy.py"
    path.write_text(USER_POLICY)
    demo = load_scenario("starcloud-demo").model_copy(update={"hours": 0.25})
    runs = policy_benchmark({"demo": demo}, ["fifo", f"{path}:LastNode"], [1, 2], workers=1)
    assert len(runs) == 4 and set(runs["seed"]) == {1, 2}
    metrics = ["jobs_done", "latency_mean_s", "utilisation", "deadline_misses"]
    table = confidence_table(runs, ["scenario", "policy"], metrics)
    assert list(table["n"]) == [2, 2]
    assert (table["jobs_done_ci95"] >= 0).all()
    png = plot_policy_benchmark(table, metrics, tmp_path / "policies.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_policy_table_fits_80_columns(monkeypatch):
    """Short headers and one table per scenario: nothing cut at 80 columns."""
    import pandas as pd
    from rich.console import Console

    from orbitsim import sweep
    from orbitsim.commands import bench

    rows = [dict(scenario=scenario, policy=policy, seed=seed, jobs_done=3605 + 50 * seed,
                 latency_mean_s=444.2 + 300 * seed, utilisation=0.2641 + 0.01 * seed,
                 deadline_misses=0)
            for scenario in ("shell-12 no-ISL 1 h", "starcloud-demo 1 h")
            for policy in ("greedy-earliest-finish", "sovereignty-aware", "fifo")
            for seed in (1, 2, 3)]
    monkeypatch.setattr(sweep, "policy_benchmark", lambda *args, **kwargs: pd.DataFrame(rows))
    monkeypatch.setattr(bench, "policy_scenarios", lambda hours: {})
    console = Console(width=80, record=True)
    bench.run_policy_benchmark(console, True, [], 1, None)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for piece in ("greedy-earliest-finish", "sovereignty-aware", "jobs done", "latency (s)",
                  "utilisation", "misses", "3,705 ± 124", "shell-12 no-ISL 1 h"):
        assert piece in text
