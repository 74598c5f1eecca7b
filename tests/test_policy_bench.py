"""The policy benchmark's statistics, claims, books and figure (on made-up runs: the real
runs are in test_bench.py and, in full, in `orbitsim bench policies`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orbitsim import policy_bench
from orbitsim.policy_bench import CASES, check_books, claims, compare, paired_p
from orbitsim.sweep import t95

ECLIPSE = CASES[0]


def runs_frame(effects: dict[str, tuple[float, float]], seeds: int = 6) -> pd.DataFrame:
    """Runs of the eclipse case: per policy (jobs done offset, power-limited factor) applied
    to the same per-seed baseline, plus a little noise of its own."""
    rng = np.random.default_rng(1)
    base_jobs = 800 + 30 * rng.standard_normal(seeds)
    base_power = 2e5 + 2e4 * rng.standard_normal(seeds)
    rows = []
    for policy, (extra_jobs, factor) in effects.items():
        for k in range(seeds):
            rows.append(dict(scenario=ECLIPSE.scenario, policy=policy, seed=k + 1,
                             jobs_total=900, jobs_done=round(base_jobs[k] + extra_jobs),
                             jobs_failed=0, jobs_lost=0, governance_violations=0,
                             power_limited_s=base_power[k] * factor + rng.normal(0, 500),
                             latency_p50_s=600.0 + rng.normal(0, 5)))
    frame = pd.DataFrame(rows)
    frame["jobs_pending"] = frame["jobs_total"] - frame["jobs_done"]
    return frame


def test_paired_p_is_the_two_sided_t_test():
    # Differences with mean 2.776 x their standard error: t = 2.776, 4 degrees of freedom,
    # the 95 % two-sided quantile of Student's t (tables): p = 0.05.
    spread = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    se = spread.std(ddof=1) / math.sqrt(5)
    b = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    a = b + t95(4) * se + spread
    assert paired_p(a, b) == pytest.approx(0.05, abs=2e-4)
    assert paired_p(b, b) == 1.0
    assert math.isnan(paired_p([1.0], [2.0]))
    # A NaN drops its pair, not the test.
    assert paired_p(np.r_[a, np.nan], np.r_[b, 1.0]) == pytest.approx(paired_p(a, b))


def test_compare_gives_mean_ci_change_and_tests():
    runs = runs_frame({"fifo": (0, 1.0), "energy-aware": (2, 0.8), "look-ahead": (3, 0.7)})
    table = compare(runs, [ECLIPSE])
    row = table[(table.metric == "power_limited_s") & (table.policy == "energy-aware")].iloc[0]
    values = runs[runs.policy == "energy-aware"]["power_limited_s"].to_numpy()
    assert row["n"] == 6 and row["mean"] == pytest.approx(values.mean())
    assert row["ci95"] == pytest.approx(t95(5) * values.std(ddof=1) / math.sqrt(6))
    assert row["change_vs_fifo"] == pytest.approx(-0.2, abs=0.02)
    assert row["p_vs_fifo"] < 0.001
    assert row["best_other"] == "look-ahead"  # lowest power-limited time of the others
    best = table[(table.metric == "jobs_done") & (table.policy == "look-ahead")].iloc[0]
    assert best["best_other"] == "energy-aware"  # most jobs done of the others
    assert math.isnan(table[(table.policy == "fifo")].iloc[0]["p_vs_fifo"])


def test_claims_hold_only_with_a_significant_gain_and_no_fewer_jobs():
    runs = runs_frame({"fifo": (0, 1.0), "energy-aware": (1, 0.8),
                       "greedy-earliest-finish": (0, 1.0), "look-ahead": (-2, 0.7)})
    table = claims(runs, compare(runs, [ECLIPSE]), [ECLIPSE]).set_index("policy")
    assert table.loc["energy-aware", "holds"]
    assert table.loc["energy-aware", "p"] < 0.05
    assert not table.loc["look-ahead", "holds"]  # fewer jobs done than greedy
    assert table.loc["look-ahead", "jobs_done_difference"] == pytest.approx(-2.0)


def test_books_that_do_not_balance_are_an_assertion_error():
    runs = runs_frame({"fifo": (0, 1.0), "energy-aware": (0, 0.9)})
    check_books(runs)  # balanced
    bad = runs.copy()
    bad.loc[3, "governance_violations"] = 1
    with pytest.raises(AssertionError, match="governance violations"):
        check_books(bad)
    lost = runs.copy()
    lost.loc[0, "jobs_pending"] -= 1  # a job unaccounted for
    with pytest.raises(AssertionError, match="break the books"):
        check_books(lost)


def test_markdown_and_figure(tmp_path):
    runs = runs_frame({"fifo": (0, 1.0), "energy-aware": (1, 0.8), "look-ahead": (2, 0.7),
                       "greedy-earliest-finish": (0, 1.0)})
    comparison = compare(runs, [ECLIPSE])
    text = policy_bench.markdown(comparison, claims(runs, comparison, [ECLIPSE]), seeds=6,
                                 hours="12 h", cases=[ECLIPSE])
    assert "| policy | jobs done | power-limited (node-h) | Δ fifo |" in text
    assert "| energy-aware |" in text and "-20 %" in text and "<0.001" in text
    assert "energy-aware vs fifo" in text and "| yes |" in text
    png = policy_bench.plot(runs, tmp_path / "p.png", [ECLIPSE])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_case_names_a_builtin_scenario_policy_and_metric():
    from orbitsim.model.scenario import load_scenario
    from orbitsim.policies import policy_names
    from orbitsim.sim.metrics import summarise  # noqa: F401 (the metrics live there)

    for case in CASES:
        assert load_scenario(case.scenario).name == case.scenario
        assert case.policy in policy_names()
    assert {c.metric for c in CASES} == {"power_limited_s", "throttled_s", "latency_p50_s",
                                         "latency_p95_bound_s"}
