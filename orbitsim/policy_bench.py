"""The scheduling-policy benchmark (interfaces layer): every policy on the built-in stress
scenarios over paired seeds, with confidence intervals and paired tests.

Each stress scenario (``workloads/scenarios/stress-*.toml``) makes one constraint bind and
names the policy built for it and the metric that policy should lower:

* ``stress-eclipse``: batteries (an eclipse every orbit); ``energy-aware`` should lower
  ``power_limited_s``;
* ``stress-heat``: undersized radiators; ``thermal-aware`` should lower ``throttled_s``;
* ``stress-contacts``: three stations, 10 GB jobs, no ISL; ``contact-aware`` should lower
  ``latency_p50_s``;
* ``stress-jurisdictions``: tenants bound to Kazakhstan, the EU, the US; ``sovereignty-aware``
  should lower ``latency_p95_bound_s``.

Every policy runs with the same seeds on every scenario: a seed gives each policy the same jobs,
faults and geometry, so policies are compared seed by seed (paired). Per scenario, policy and
metric: the mean and its 95 % Student-t interval over the seeds, the change against ``fifo``, and
two-sided paired t-tests (``scipy.stats.ttest_rel``) against ``fifo`` and against the best other
policy. Every run must keep its books (0 governance violations, 0 lost jobs, every job done,
failed or pending): an ``AssertionError`` otherwise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: The baseline every policy is compared with.
BASELINE = "fifo"
#: The policy that uses what the simulation knows of the future, and the one it should beat.
LOOK_AHEAD, GREEDY = "look-ahead", "greedy-earliest-finish"
JOBS_DONE, MEDIAN_LATENCY = "jobs_done", "latency_p50_s"
#: Seeds of a full run and of ``--quick`` (a smoke run, hours cut to QUICK_HOURS).
SEEDS = tuple(range(1, 9))
QUICK_SEEDS = (1, 2, 3)
QUICK_HOURS = 3.0
#: A claim holds when its paired test gives p below this.
ALPHA = 0.05


@dataclass(frozen=True)
class StressCase:
    """A built-in stress scenario, the metric that measures its constraint (lower is better)
    and the policy built for it; ``scale`` and ``unit`` display the metric."""

    scenario: str
    binds: str
    metric: str
    label: str
    scale: float
    unit: str
    policy: str


CASES = (
    StressCase("stress-eclipse", "batteries (eclipse every orbit)", "power_limited_s",
               "power-limited", 3600.0, "node-h", "energy-aware"),
    StressCase("stress-heat", "radiators (undersized)", "throttled_s", "throttled", 3600.0,
               "node-h", "thermal-aware"),
    StressCase("stress-contacts", "ground contacts (3 stations, 10 GB jobs)", MEDIAN_LATENCY,
               "median\nlatency", 60.0, "min", "contact-aware"),
    StressCase("stress-jurisdictions", "jurisdictions (KZ, EU, US tenants)",
               "latency_p95_bound_s", "bound p95\nlatency", 60.0, "min", "sovereignty-aware"),
)


def stress_scenarios(hours: float | None = None, cases=CASES) -> dict:
    """The stress scenarios by name (``hours`` overrides their duration)."""
    from orbitsim.model.scenario import load_scenario

    out = {}
    for case in cases:
        scenario = load_scenario(case.scenario)
        out[case.scenario] = (scenario if hours is None
                              else scenario.model_copy(update={"hours": hours}))
    return out


def run_benchmark(policies: list[str], seeds: list[int], *, hours: float | None = None,
                  workers: int = 1, cases=CASES,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Every policy on every stress scenario with every seed: one row per run (``scenario``,
    ``policy``, ``seed`` and the metrics of :func:`orbitsim.sweep.run_point`); the books of
    every run are checked (:func:`check_books`)."""
    from orbitsim.sweep import policy_benchmark

    runs = policy_benchmark(stress_scenarios(hours, cases), policies, seeds, workers=workers,
                            progress=progress)
    check_books(runs)
    return runs


def check_books(runs: pd.DataFrame) -> None:
    """AssertionError naming the runs with a governance violation, a lost job or a job
    unaccounted for (done + failed + pending must be the total)."""
    unbalanced = runs["jobs_total"] != (runs["jobs_done"] + runs["jobs_failed"]
                                        + runs["jobs_pending"])
    bad = runs[(runs["governance_violations"] != 0) | (runs["jobs_lost"] != 0) | unbalanced]
    if len(bad):
        first = bad.iloc[0]
        raise AssertionError(
            f"policy benchmark: {len(bad)} of {len(runs)} runs break the books (first: "
            f"{first['scenario']} / {first['policy']} / seed {first['seed']}: "
            f"{first['governance_violations']} governance violations, {first['jobs_lost']} "
            f"lost, {first['jobs_total']} jobs against {first['jobs_done']} done + "
            f"{first['jobs_failed']} failed + {first['jobs_pending']} pending)")


def paired_p(a, b) -> float:
    """Two-sided paired t-test of ``a`` against ``b`` (aligned by seed; pairs with a NaN
    dropped): p, 1.0 when every pair is equal, NaN with fewer than two pairs."""
    from scipy.stats import ttest_rel

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if a.size < 2:
        return math.nan
    if np.all(a == b):
        return 1.0
    with warnings.catch_warnings():  # nearly equal pairs: scipy warns, the p is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(ttest_rel(a, b).pvalue)


def _metrics(case: StressCase) -> list[str]:
    return list(dict.fromkeys([JOBS_DONE, case.metric, MEDIAN_LATENCY]))


def compare(runs: pd.DataFrame, cases=CASES) -> pd.DataFrame:
    """One row per scenario, metric and policy: ``n`` seeds, ``mean``, ``ci95`` (half-width
    of the 95 % t-interval), ``change_vs_fifo`` (relative), ``p_vs_fifo``, ``best_other``
    (the other policy with the best mean: most jobs done, else lowest) and
    ``p_vs_best_other``."""
    from orbitsim.sweep import t95

    rows = []
    for case in cases:
        part = runs[runs["scenario"] == case.scenario]
        if part.empty:
            continue
        policies = list(dict.fromkeys(part["policy"]))
        for metric in _metrics(case):
            table = part.pivot(index="seed", columns="policy", values=metric).astype(float)
            means = table.mean()
            higher_better = metric == JOBS_DONE
            for policy in policies:
                values = table[policy].to_numpy()
                finite = values[np.isfinite(values)]
                n = int(finite.size)
                mean = float(finite.mean()) if n else math.nan
                ci = t95(n - 1) * float(finite.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
                others = means.drop(policy).dropna()
                best = (others.idxmax() if higher_better else others.idxmin()) if len(
                    others) else None
                base = means.get(BASELINE, math.nan)
                rows.append({
                    "scenario": case.scenario, "metric": metric, "policy": policy, "n": n,
                    "mean": mean, "ci95": ci,
                    "change_vs_fifo": mean / base - 1.0 if base else math.nan,
                    "p_vs_fifo": (paired_p(values, table[BASELINE]) if policy != BASELINE
                                  and BASELINE in table else math.nan),
                    "best_other": best,
                    "p_vs_best_other": (paired_p(values, table[best]) if best is not None
                                        else math.nan),
                })
    return pd.DataFrame(rows)


def _row(comparison: pd.DataFrame, scenario: str, metric: str, policy: str) -> dict | None:
    hit = comparison[(comparison["scenario"] == scenario) & (comparison["metric"] == metric)
                     & (comparison["policy"] == policy)]
    return None if hit.empty else hit.iloc[0].to_dict()


def claims(runs: pd.DataFrame, comparison: pd.DataFrame, cases=CASES) -> pd.DataFrame:
    """What the benchmark is for, one row per claim: on each scenario its specialised policy
    against fifo (lower on the scenario's metric with p < ALPHA, no fewer jobs done), and the
    look-ahead policy against greedy-earliest-finish (no fewer jobs done; its median latency
    and the scenario's metric, with their paired tests)."""
    rows = []
    for case in cases:
        part = runs[runs["scenario"] == case.scenario]
        for policy, reference in ((case.policy, BASELINE), (LOOK_AHEAD, GREEDY)):
            if part.empty or not {policy, reference} <= set(part["policy"]):
                continue
            jobs = part.pivot(index="seed", columns="policy", values=JOBS_DONE).astype(float)
            row = {"scenario": case.scenario, "policy": policy, "against": reference,
                   "jobs_done_difference": float((jobs[policy] - jobs[reference]).mean()),
                   "p_jobs_done": paired_p(jobs[policy], jobs[reference])}
            for metric in dict.fromkeys([case.metric, MEDIAN_LATENCY]):
                table = part.pivot(index="seed", columns="policy", values=metric).astype(float)
                ours, theirs = table[policy].mean(), table[reference].mean()
                row[f"{metric}_change"] = ours / theirs - 1.0 if theirs else math.nan
                row[f"p_{metric}"] = paired_p(table[policy], table[reference])
            row["metric"] = case.metric
            row["change"] = row[f"{case.metric}_change"]
            row["p"] = row[f"p_{case.metric}"]
            row["holds"] = bool(row["change"] < 0 and row["p"] < ALPHA
                                and row["jobs_done_difference"] >= 0)
            rows.append(row)
    return pd.DataFrame(rows)


# --- text ---------------------------------------------------------------------------------


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _half_width(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.0f}"
    return f"{value:.1f}" if magnitude >= 0.1 else f"{value:.2f}"


def mean_ci(mean: float, ci: float, scale: float = 1.0) -> str:
    """``876.7 ± 4.2`` (``scale`` divides both)."""
    if not math.isfinite(mean):
        return "-"
    text = _number(mean / scale)
    return text if not math.isfinite(ci) else f"{text} ± {_half_width(ci / scale)}"


def change(value: float) -> str:
    """A relative change in percent, ``-19 %`` (``0 %`` when it rounds to nothing)."""
    if not math.isfinite(value):
        return "-"
    percent = round(value * 100)
    return "0 %" if percent == 0 else f"{percent:+d} %"


def p_value(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def scenario_rows(comparison: pd.DataFrame, case: StressCase, *,
                  best_name: bool = True) -> list[list[str]]:
    """Rows of one scenario's table: policy, jobs done, the scenario's metric, its change
    against fifo, p against fifo, (the best other policy and) p against it."""
    rows = []
    part = comparison[comparison["scenario"] == case.scenario]
    for policy in dict.fromkeys(part["policy"]):
        jobs = _row(comparison, case.scenario, JOBS_DONE, policy)
        metric = _row(comparison, case.scenario, case.metric, policy)
        best = [str(metric["best_other"])] if best_name else []
        rows.append([policy, mean_ci(jobs["mean"], jobs["ci95"]),
                     mean_ci(metric["mean"], metric["ci95"], case.scale),
                     change(metric["change_vs_fifo"]), p_value(metric["p_vs_fifo"]),
                     *best, p_value(metric["p_vs_best_other"])])
    return rows


def best_policies(comparison: pd.DataFrame, case: StressCase) -> tuple[str, str]:
    """The policies with the best and second-best mean on the scenario's metric."""
    part = comparison[(comparison["scenario"] == case.scenario)
                      & (comparison["metric"] == case.metric)].dropna(subset=["mean"])
    order = part.sort_values(["mean", "policy"])["policy"].tolist()
    return (order + ["-", "-"])[0], (order + ["-", "-"])[1]


SCENARIO_HEADERS = ("policy", "jobs done", "{label}\n({unit})", "Δ fifo", "p fifo",
                    "best other", "p best")


def headers(case: StressCase, *, best_name: bool = True) -> list[str]:
    return [h.format(label=case.label, unit=case.unit) for h in SCENARIO_HEADERS
            if best_name or h != "best other"]


def header_line(case: StressCase) -> list[str]:
    """The headers on one line each (for Markdown)."""
    return [h.replace("\n", " ") for h in headers(case)]


def claim_lines(table: pd.DataFrame) -> list[str]:
    """The claims as sentences (the console's form of :func:`claim_rows`)."""
    lines = []
    for row in table.to_dict("records"):
        latency = ("" if row["metric"] == MEDIAN_LATENCY else
                   f", median latency {change(row[f'{MEDIAN_LATENCY}_change'])} "
                   f"(p {p_value(row[f'p_{MEDIAN_LATENCY}'])})")
        lines.append(f"{row['scenario']}: {row['policy']} vs {row['against']}: "
                     f"{row['metric']} {change(row['change'])} (p {p_value(row['p'])}), "
                     f"jobs done {row['jobs_done_difference']:+.1f} "
                     f"(p {p_value(row['p_jobs_done'])}){latency}: "
                     f"{'holds' if row['holds'] else 'does not hold'}")
    return lines


def claim_rows(table: pd.DataFrame) -> list[list[str]]:
    """Rows of the claims table: scenario, policy against what, the scenario's metric change
    (p), jobs done difference (p), median latency change (p), holds."""
    rows = []
    for row in table.to_dict("records"):
        latency = (f"{change(row[f'{MEDIAN_LATENCY}_change'])} "
                   f"(p {p_value(row[f'p_{MEDIAN_LATENCY}'])})")
        rows.append([row["scenario"], f"{row['policy']} vs {row['against']}",
                     f"{change(row['change'])} (p {p_value(row['p'])})",
                     f"{row['jobs_done_difference']:+.1f} (p {p_value(row['p_jobs_done'])})",
                     latency, "yes" if row["holds"] else "no"])
    return rows


CLAIM_HEADERS = ("scenario", "policy", "its metric (p)", "jobs done (p)", "median latency (p)",
                 "holds")


def markdown(comparison: pd.DataFrame, claim_table: pd.DataFrame, *, seeds: int,
             hours: str, cases=CASES) -> str:
    """The results as Markdown tables (what the README shows)."""
    def table(head, rows) -> list[str]:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |"
                  for row in rows]
        return lines

    out = [f"Mean ± 95 % CI over {seeds} paired seeds, {hours} each; p: two-sided paired "
           "t-test.", ""]
    for case in cases:
        if case.scenario not in set(comparison["scenario"]):
            continue
        out += [f"**{case.scenario}**: binds on {case.binds}; `{case.policy}` should lower "
                f"`{case.metric}`.", ""]
        out += table(header_line(case), scenario_rows(comparison, case)) + [""]
    out += ["**Claims**: each specialised policy against fifo (its metric lower with p < "
            f"{ALPHA}, no fewer jobs done), and look-ahead against greedy-earliest-finish.", ""]
    out += table(CLAIM_HEADERS, claim_rows(claim_table))
    return "\n".join(out) + "\n"


# --- figure -------------------------------------------------------------------------------


def plot(runs: pd.DataFrame, path: str | Path, cases=CASES) -> Path:
    """PNG, one column per scenario: on top the jobs each policy finished beyond fifo's on
    the same seed (paired: 0 is fifo), below the scenario's metric; per policy its seeds
    (dots) and its mean with the 95 % interval (point-range). fifo black, the scenario's own
    policy red, look-ahead blue."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from orbitsim.io import atomic_path
    from orbitsim.sweep import t95

    cases = [c for c in cases if c.scenario in set(runs["scenario"])]
    policies = list(dict.fromkeys(runs["policy"]))
    fig, axes = plt.subplots(2, max(len(cases), 1), squeeze=False,
                             figsize=(4.2 * max(len(cases), 1), 8.2), dpi=100)
    y = np.arange(len(policies))[::-1]
    for col, case in enumerate(cases):
        part = runs[runs["scenario"] == case.scenario]
        jobs = part.pivot(index="seed", columns="policy", values=JOBS_DONE).astype(float)
        extra = jobs.sub(jobs[BASELINE], axis=0) if BASELINE in jobs else jobs
        metric = part.pivot(index="seed", columns="policy", values=case.metric).astype(float)
        panels = ((extra, 1.0, "jobs done beyond fifo's, same seed"),
                  (metric, case.scale, f"{case.label.replace(chr(10), ' ')} [{case.unit}]"))
        for row, (table, scale, label) in enumerate(panels):
            ax = axes[row, col]
            if row == 0:
                ax.axvline(0.0, color="black", lw=0.8, alpha=0.5)
            for k, policy in enumerate(policies):
                color = ("black" if policy == BASELINE else "C3" if policy == case.policy
                         else "C0" if policy == LOOK_AHEAD else "0.6")
                values = table[policy].to_numpy(dtype=float) / scale
                values = values[np.isfinite(values)]
                ax.scatter(values, np.full(len(values), y[k]), s=10, color=color, alpha=0.35,
                           linewidths=0)
                if len(values):
                    n = len(values)
                    half = t95(n - 1) * values.std(ddof=1) / math.sqrt(n) if n > 1 else 0.0
                    ax.errorbar(values.mean(), y[k], xerr=half, fmt="o", color=color,
                                capsize=3, markersize=5)
            ax.set_yticks(y, policies if col == 0 else [""] * len(policies), fontsize=9)
            ax.set_xlabel(label, fontsize=9)
            ax.tick_params(axis="x", labelsize=8)
            ax.grid(axis="x", alpha=0.3)
            if row == 0:
                ax.set_title(f"{case.scenario}\nbinds: {case.binds}", fontsize=9)
    fig.suptitle(f"Scheduling policies on the stress scenarios, {runs['seed'].nunique()} paired "
                 "seeds: each seed (dots), mean and 95 % CI (bars); fifo black, the "
                 "scenario's own policy red, look-ahead blue", fontsize=10)
    fig.tight_layout()
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return Path(path)
