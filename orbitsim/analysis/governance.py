"""What each governance rule cost each tenant: the run against the same run without it.

A scenario with ``compare_without_rules = true`` in its ``[governance]`` table is run again
(same seed, same jobs, same geometry) once without each kind of rule, and once without any:

* ``licences``: every forbidden accelerator allowed (terms kept: their monitoring, levy and
  geofences still apply);
* ``monitoring``: no telemetry reserved on the downlinks;
* ``suspensions``: no remote-suspend window;
* ``geofences``: no geofence in any licence's terms;
* ``all``: no governance rule at all.

Per rule and tenant, ``summary["governance"]["rule_costs"]``: jobs done with and without the
rule and what it cost (``jobs_done_lost``), the median and 95th-percentile latency added,
the delivered accelerator-hours lost, and its direct dollars (the levy for licences, the
telemetry's ground-station minutes for monitoring, the accelerator-hours held idle by pauses
for suspensions and geofences: :mod:`orbitsim.analysis.economics.governance`).
"""

from __future__ import annotations

from typing import Any

from orbitsim.model.governance import Governance

#: The kinds of rule a comparison switches off, in the order the report shows them.
RULES = ("licences", "monitoring", "suspensions", "geofences", "all")
RULE_LABELS = {"licences": "licences (access)", "monitoring": "monitoring telemetry",
               "suspensions": "remote suspension", "geofences": "geofenced compute",
               "all": "all rules together"}


def without(governance: Governance, rule: str) -> Governance:
    """``governance`` without one kind of rule (module docstring)."""
    if rule == "all":
        return Governance()
    if rule == "licences":
        kept = tuple(lic for lic in governance.licences if lic.access != "forbidden")
        return governance.model_copy(update={"licences": kept, "default_access": "allowed"})
    if rule == "monitoring":
        licences = tuple(lic.model_copy(update={"monitoring": False})
                         for lic in governance.licences)
        return governance.model_copy(update={"licences": licences,
                                             "monitoring_bytes_per_node_hour": 0.0})
    if rule == "suspensions":
        return governance.model_copy(update={"suspensions": ()})
    if rule == "geofences":
        licences = tuple(lic.model_copy(update={"geofence": ()}) for lic in governance.licences)
        return governance.model_copy(update={"licences": licences})
    raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")


def _tenant_figures(jobs) -> dict[str, dict[str, float | int | None]]:
    import numpy as np

    out = {}
    for tenant, group in jobs.groupby("tenant"):
        done = group[group["status"] == "done"]["latency_s"].dropna()
        out[str(tenant)] = {
            "jobs_done": int(len(done)),
            "latency_p50_s": float(np.percentile(done, 50)) if len(done) else None,
            "latency_p95_s": float(np.percentile(done, 95)) if len(done) else None,
            "accelerator_hours": float(group["accelerator_s"].sum() / 3600.0),
        }
    return out


def _difference(a, b):
    return None if a is None or b is None else float(a - b)


def rule_costs(run, *, rules=RULES) -> dict[str, Any]:
    """What each kind of rule cost each tenant of ``run`` (a
    :class:`~orbitsim.sim.run.RunResult` whose summary has been priced): ``{rule: {tenant:
    {...}}}`` (module docstring)."""
    from orbitsim.sim import run as sim_run

    scenario = run.scenario
    governance = scenario.governance
    with_rules = _tenant_figures(run.jobs)
    priced = (run.summary.get("governance") or {}).get("tenants", {})
    out: dict[str, Any] = {}
    for rule in rules:
        other = scenario.model_copy(update={"governance": without(governance, rule)})
        alone = sim_run.simulate(other, hours=scenario.hours, workers=1)
        without_rule = _tenant_figures(alone.jobs)
        per_tenant = {}
        for tenant, now in with_rules.items():
            then = without_rule.get(tenant, {"jobs_done": 0, "latency_p50_s": None,
                                             "latency_p95_s": None, "accelerator_hours": 0.0})
            money = priced.get(tenant, {})
            direct = {"licences": money.get("levy_usd", 0.0),
                      "monitoring": money.get("monitoring_usd", 0.0),
                      "suspensions": money.get("idle_suspended_usd", 0.0),
                      "geofences": money.get("idle_geofenced_usd", 0.0)}
            direct["all"] = sum(direct.values())
            per_tenant[tenant] = {
                "jobs_done": now["jobs_done"], "jobs_done_without": then["jobs_done"],
                "jobs_done_lost": then["jobs_done"] - now["jobs_done"],
                "latency_p50_added_s": _difference(now["latency_p50_s"],
                                                   then["latency_p50_s"]),
                "latency_p95_added_s": _difference(now["latency_p95_s"],
                                                   then["latency_p95_s"]),
                "accelerator_hours_lost": then["accelerator_hours"] - now["accelerator_hours"],
                "direct_usd": float(direct[rule]),
            }
        out[rule] = per_tenant
    return out


__all__ = ["RULES", "RULE_LABELS", "rule_costs", "without"]
