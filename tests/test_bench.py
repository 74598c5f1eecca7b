"""``orbitsim bench``: the whole quick suite through the CLI (a smoke run: tables printed, no
timed assertion), and the policy benchmark on a tiny case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orbitsim import policy_bench
from orbitsim.cli import main
from orbitsim.commands.bench import benchmark_modules, import_benchmarks
from orbitsim.policies import policy_names

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


def test_bench_policies_with_a_user_policy(tmp_path, capsys, monkeypatch):
    """`bench policies` on one stress scenario (2 seeds, 1 h): every built-in policy and the
    user's, the claims, the books, the figure and the Markdown tables."""
    from orbitsim.policies import registry

    registry.policy_names()  # the built-ins registered before the registry is copied
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    n_runs = 2 * (len(policy_names()) + 1)
    monkeypatch.setattr(policy_bench, "CASES", policy_bench.CASES[2:3])  # stress-contacts
    monkeypatch.setattr(policy_bench, "QUICK_SEEDS", (1, 2))
    monkeypatch.setattr(policy_bench, "QUICK_HOURS", 1.0)
    path = tmp_path / "my_policy.py"
    path.write_text(USER_POLICY)
    png, markdown = tmp_path / "policies.png", tmp_path / "policies.md"
    assert run_cli(["bench", "policies", "--quick", "--policy-file", f"{path}:LastNode",
                    "--png", str(png), "--markdown", str(markdown)]) == 0
    out = capsys.readouterr().out
    assert f"books: {n_runs} runs, 0 governance violations" in out
    assert "0 lost jobs" in out and "my_policy.py:LastNode" in out
    assert "stress-contacts: contact-aware vs fifo: latency_p50_s" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = markdown.read_text()
    assert "**stress-contacts**" in text and "| look-ahead |" in text
    assert "| my_policy.py:LastNode |" in text


BUILT_IN = ("contact-aware", "energy-aware", "fifo", "greedy-earliest-finish", "look-ahead",
            "round-robin", "sovereignty-aware", "thermal-aware")


def _fake_runs() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for case in policy_bench.CASES:
        for policy in BUILT_IN:
            for seed in range(1, 9):
                rows.append(dict(
                    scenario=case.scenario, policy=policy, seed=seed, hours=12.0,
                    jobs_done=860 + rng.normal(0, 20), jobs_total=900, jobs_failed=0,
                    jobs_pending=40, jobs_lost=0, governance_violations=0,
                    power_limited_s=2e5 + rng.normal(0, 1e4),
                    throttled_s=1e5 + rng.normal(0, 1e4),
                    latency_p50_s=60000 + rng.normal(0, 500),
                    latency_p95_bound_s=25000 + rng.normal(0, 3000)))
    return pd.DataFrame(rows)


def test_policy_tables_fit_80_columns(monkeypatch):
    """Short headers, one table per scenario, claims as sentences: nothing cut at 80 columns."""
    from rich.console import Console

    from orbitsim.commands import bench

    monkeypatch.setattr(policy_bench, "run_benchmark", lambda *args, **kwargs: _fake_runs())
    console = Console(width=80, record=True)
    bench.run_policy_benchmark(console, False, [], 1, None)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text  # no cell cut short
    for piece in ("greedy-earliest-finish", "sovereignty-aware", "jobs done", "power-limited",
                  "(node-h)", "p fifo", "p best", "stress-jurisdictions", "books: 256 runs"):
        assert piece in text
