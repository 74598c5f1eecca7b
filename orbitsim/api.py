"""``simulate`` as the public API gives it (interfaces layer): the simulation of
:func:`orbitsim.sim.run.simulate`, then its economics verdict, so that ``RunResult.summary`` is
exactly what ``summary.json`` holds (``scenario`` and ``verdict`` included)."""

from __future__ import annotations

from collections.abc import Callable

from orbitsim.errors import InputError
from orbitsim.model.scenario import Scenario
from orbitsim.sim import run as sim_run
from orbitsim.sim.run import RunResult


def add_verdict(run: RunResult, *, launch_price_usd_per_kg: float | None = None,
                economics=None, draws: int | None = None):
    """Put ``scenario`` and ``verdict`` into ``run.summary`` (the verdict of the built-in, or
    given, economics; an economics input error, such as an accelerator without a price,
    becomes the verdict's text). Returns the :class:`~orbitsim.analysis.economics.Verdict` or
    ``None``."""
    from orbitsim.analysis.economics import DEFAULT_DRAWS, load_economics, verdict_from_summary

    run.summary["scenario"] = run.scenario.model_dump(mode="json")
    try:
        economics = economics if economics is not None else load_economics()
        fleet = getattr(run.inputs, "fleet", None)
        if fleet is not None:  # a mixed fleet: each hardware group priced, then summed
            from orbitsim.analysis.economics.fleet import fleet_verdict_from_summary

            groups = [(label, hardware, int(count)) for label, hardware, count in
                      zip(fleet.labels, fleet.hardware, fleet.counts())]
            verdict = fleet_verdict_from_summary(
                run.summary, groups, economics,
                launch_price_usd_per_kg=launch_price_usd_per_kg,
                draws=draws or DEFAULT_DRAWS, seed=run.scenario.seed)
        else:
            verdict = verdict_from_summary(
                run.summary, run.inputs.hardware, run.inputs.n_nodes, economics,
                launch_price_usd_per_kg=launch_price_usd_per_kg,
                draws=draws or DEFAULT_DRAWS, seed=run.scenario.seed)
    except InputError as error:
        run.summary["verdict"] = {"viable": None, "viable_workloads": [],
                                  "text": f"No economics verdict: {error}"}
        run.verdict = None
        return None
    run.summary["verdict"] = verdict.to_dict()
    run.verdict = verdict
    if run.summary.get("governance"):  # the rules in dollars: levies, monitoring, idle time
        from orbitsim.analysis.economics.governance import price_governance

        run.summary["governance"] = price_governance(run.summary, verdict, economics)
    return verdict


def simulate(scenario: Scenario | str, *, hours: float | None = None, seed: int | None = None,
             policy: str | None = None, workers: int | None = 1,
             progress: Callable[[str, float], None] | None = None,
             reuse_geometry: bool = False,
             launch_price_usd_per_kg: float | None = None,
             max_epoch_age_days: float | None = None, partitions: int | None = None,
             scheduler: str | None = None) -> RunResult:
    """Run a scenario (a :class:`Scenario`, a built-in name or a file) and price it.

    Arguments as :func:`orbitsim.sim.run.simulate` (``max_epoch_age_days``: the stale-elements
    warning's limit, 14 days by default); ``launch_price_usd_per_kg`` sets the
    verdict's launch price. ``partitions`` (or a Dask ``scheduler`` address) runs the scenario
    one ISL group at a time on that many processes (:mod:`orbitsim.sim.partition`: identical
    files whatever the number). ``run.summary`` equals the run's ``summary.json``;
    ``run.verdict`` is the :class:`~orbitsim.analysis.economics.Verdict`.

    >>> run = simulate("starcloud-demo", hours=1)
    >>> sorted(k for k in run.summary if k in ("scenario", "verdict"))
    ['scenario', 'verdict']
    """
    age = {} if max_epoch_age_days is None else {"max_epoch_age_days": max_epoch_age_days}
    if partitions is not None or scheduler is not None:
        from orbitsim import resources
        from orbitsim.model.scenario import load_scenario
        from orbitsim.sim.partition import simulate_partitioned

        source = None
        if not isinstance(scenario, Scenario):
            source = str(resources.resolve("scenario", scenario))
            scenario = load_scenario(scenario)
        updates = {k: v for k, v in (("hours", hours), ("seed", seed), ("policy", policy))
                   if v is not None}
        if updates:
            scenario = scenario.model_copy(update=updates)
        run = simulate_partitioned(scenario, partitions=partitions or 1, scheduler=scheduler,
                                   source=source, **age)
    else:
        run = sim_run.simulate(scenario, hours=hours, seed=seed, policy=policy,
                               workers=workers, progress=progress,
                               reuse_geometry=reuse_geometry, **age)
    add_verdict(run, launch_price_usd_per_kg=launch_price_usd_per_kg)
    if run.scenario.governance.compare_without_rules and run.summary.get("governance"):
        from orbitsim.analysis.governance import rule_costs

        run.summary["governance"]["rule_costs"] = rule_costs(run)
    return run


__all__ = ["add_verdict", "simulate"]
