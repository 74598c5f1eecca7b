"""A mixed fleet's verdict: each hardware group priced with its own numbers, then summed.

A run whose nodes carry several hardwares (``[[hardware_groups]]``, :mod:`orbitsim.model.fleet`)
is priced group by group: each group's node (its accelerator's price, mass, power, dose limit
and attrition, its bus) with :func:`~orbitsim.analysis.economics.costs.orbit_cost` and
:func:`~orbitsim.analysis.economics.costs.ground_cost` at the group's own utilisation, and the
fleet's cost per delivered accelerator-hour is the sum of the groups' annual costs over the sum
of their delivered accelerator-hours (orbit), and likewise for the same accelerators on the
ground. Exact for the headline, the Monte Carlo (each group draws its parameters from the
same seeded stream per name, so shared inputs such as the launch price take the same value in
every group, and each group's own inputs the same quantile of their own ranges), the
break-even launch price (the cost is linear in it), the floor and the timeline (every year
priced group by group and summed).

What is not split by group: the ground-station minutes the run booked are shared among the
groups in proportion to their delivered accelerator-hours (the fleet total is exact); the value
side's credits and the tornado's inputs are those of the largest group (its parameters' draws
rank like every group's); the best-case ladder combines the groups' rungs weighted by their
delivered accelerator-hours at the rung's utilisation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from orbitsim.analysis.economics.costs import Facts, GroundCost, OrbitCost, ground_cost, orbit_cost
from orbitsim.analysis.economics.terms import Economics, Param, model_parameters
from orbitsim.analysis.economics.timeline import (
    TrajectoryResult,
    generation_for,
    trajectory_price_usd_per_kg,
    trajectory_result,
    year_parameters,
)
from orbitsim.analysis.economics.uncertainty import (
    DEFAULT_DRAWS,
    MonteCarlo,
    draw,
    modes,
    tornado_from_draws,
)
from orbitsim.analysis.economics.value import (
    ClassFacts,
    FleetFacts,
    WorkloadValue,
    credit_function,
    credits,
    time_to_insight_s,
)
from orbitsim.analysis.economics.verdict import (
    LadderStep,
    Verdict,
    _with_text,
    best_case_ladder,
    evaluate,
    run_facts,
)
from orbitsim.model.hardware import NodeHardware


@dataclass(frozen=True)
class HardwareGroupFacts:
    """One hardware group of a fleet: its label, node hardware and what the run says of it."""

    label: str
    hardware: NodeHardware
    facts: Facts


def combine_orbit(costs: Sequence[OrbitCost], nodes: Sequence[int]) -> OrbitCost:
    """The fleet's orbital cost: annual costs and delivered hours summed; capex and mass per
    node averaged over the nodes; service years and capacity factor weighted by delivered
    hours (floats or arrays of draws alike)."""
    total = float(sum(nodes))
    delivered = sum(c.delivered_hours_per_year for c in costs)
    weights = [c.delivered_hours_per_year for c in costs]

    def per_node(attribute: str) -> dict:
        keys = getattr(costs[0], attribute).keys()
        return {k: sum(n * getattr(c, attribute)[k] for c, n in zip(costs, nodes)) / total
                for k in keys}

    def by_delivery(attribute: str):
        fallback = sum(n * getattr(c, attribute) for c, n in zip(costs, nodes)) / total
        if np.ndim(delivered) == 0 and not delivered > 0:  # nothing delivered (a zero-job run)
            return fallback
        with np.errstate(divide="ignore", invalid="ignore"):
            value = sum(w * getattr(c, attribute) for c, w in zip(costs, weights)) / delivered
        return np.where(np.asarray(delivered) > 0, value, fallback) \
            if np.ndim(value) else (value if delivered > 0 else fallback)

    annual = {k: sum(c.annual_usd[k] for c in costs) for k in costs[0].annual_usd}
    return OrbitCost(per_node("capex_per_node_usd"), annual, per_node("mass_kg"), delivered,
                     by_delivery("service_years"), by_delivery("capacity_factor"))


def combine_ground(costs: Sequence[GroundCost], accelerators: Sequence[float]) -> GroundCost:
    """The same accelerators on the ground, per accelerator: each item the
    accelerator-weighted mean of the groups', so that the cost per delivered hour is the sum
    of the groups' annual costs over the sum of their delivered hours."""
    total = float(sum(accelerators))
    weights = [a / total for a in accelerators]

    def mean(values):
        return sum(w * v for w, v in zip(weights, values))

    keys = costs[0].annual_usd.keys()
    return GroundCost({k: mean([c.capex_per_accelerator_usd[k] for c in costs])
                       for k in costs[0].capex_per_accelerator_usd},
                      {k: mean([c.annual_usd[k] for c in costs]) for k in keys},
                      mean([c.it_energy_kwh_per_year for c in costs]),
                      mean([c.delivered_hours_per_year for c in costs]),
                      mean([c.utilisation for c in costs]))


class _Fleet:
    """The groups' parameters and facts, and the fleet's costs from any set of their values."""

    def __init__(self, groups: Sequence[HardwareGroupFacts], params: Sequence[dict[str, Param]]
                 ) -> None:
        self.groups = list(groups)
        self.params = list(params)
        self.nodes = [g.facts.n_nodes for g in groups]
        self.accelerators = [g.facts.n_nodes * g.facts.accelerators_per_node for g in groups]

    def orbit(self, values: Sequence[dict], facts: Sequence[Facts] | None = None) -> OrbitCost:
        facts = facts or [g.facts for g in self.groups]
        return combine_orbit([orbit_cost(p, f) for p, f in zip(values, facts)], self.nodes)

    def ground(self, values: Sequence[dict], utilisation: Sequence | None = None) -> GroundCost:
        utilisation = utilisation or [g.facts.utilisation for g in self.groups]
        return combine_ground([ground_cost(p, u) for p, u in zip(values, utilisation)],
                              self.accelerators)

    def ground_own(self, values: Sequence[dict]) -> GroundCost:
        return self.ground(values, [p["ground_utilisation"] for p in values])

    def at(self, utilisation: float) -> list[Facts]:
        """Every group at one utilisation (contact minutes scaled with the work)."""
        return [g.facts.at_utilisation(utilisation) for g in self.groups]


def _fleet_facts(groups: Sequence[HardwareGroupFacts]) -> Facts:
    nodes = sum(g.facts.n_nodes for g in groups)
    accelerators = sum(g.facts.n_nodes * g.facts.accelerators_per_node for g in groups)
    delivered = sum(g.facts.n_nodes * g.facts.accelerators_per_node * g.facts.utilisation
                    for g in groups)
    minutes = sum(g.facts.contact_minutes_per_year for g in groups)
    per_node = accelerators / nodes
    if float(per_node).is_integer():
        per_node = int(per_node)
    return Facts(nodes, per_node, delivered / accelerators, minutes)


def fleet_timeline(fleet: _Fleet, economics: Economics, samples: Sequence[dict] | None, *,
                   credit=None, upgrade_accelerators: bool = True
                   ) -> dict[str, TrajectoryResult]:
    """:func:`~orbitsim.analysis.economics.timeline.timeline` for a fleet: every year, every
    group's numbers moved by the trajectory, its own accelerator generation and the trends,
    and the fleet's costs summed (``samples``: each group's draws; ``credit``: a value credit
    from the first group's numbers)."""
    terms = economics.timeline
    years = terms.years
    group_modes = [{k: float(v.mode) for k, v in params.items()} for params in fleet.params]
    generations = []
    for group in fleet.groups:
        per_year = {}
        for y in years:
            g = (generation_for(y, group.hardware, economics)
                 if upgrade_accelerators and y > terms.first_year else None)
            per_year[y] = None if g is not None and \
                g.accelerator == group.hardware.accelerator.name else g
        generations.append(per_year)
    out: dict[str, TrajectoryResult] = {}
    first = fleet.groups[0].hardware
    for name, trajectory in terms.launch_trajectories.items():
        anchors = trajectory.price_usd_per_kg
        start = trajectory_price_usd_per_kg(anchors, terms.first_year)
        orbit_modes, ground_modes, shares, prices, accs, ratios, cheaper_draws = \
            [], [], [], [], [], [], []
        for y in years:
            factor = trajectory_price_usd_per_kg(anchors, y) / start

            def moved(values, y=y, factor=factor):
                return [year_parameters(v, params, y, first_year=terms.first_year,
                                        launch_factor=factor, generation=gens[y])
                        for v, params, gens in zip(values, fleet.params, generations)]

            pm = moved(group_modes)
            o_mode = float(fleet.orbit(pm).usd_per_accelerator_hour)
            g_mode = float(fleet.ground(pm).usd_per_accelerator_hour)
            if credit is not None:
                g_own = float(fleet.ground_own(pm).usd_per_accelerator_hour)
                o_mode -= float(credit(pm[0], g_mode, g_own))
            if samples is None:
                o_draw, g_draw = np.array([o_mode]), np.array([g_mode])
            else:
                ps = moved(samples)
                o_draw = np.asarray(fleet.orbit(ps).usd_per_accelerator_hour, dtype=float)
                g_draw = np.asarray(fleet.ground(ps).usd_per_accelerator_hour, dtype=float)
                if credit is not None:
                    g_own_draw = fleet.ground_own(ps).usd_per_accelerator_hour
                    o_draw = o_draw - credit(ps[0], g_draw, g_own_draw)
            orbit_modes.append(o_mode)
            ground_modes.append(g_mode)
            cheaper = np.broadcast_to(o_draw <= g_draw, np.broadcast(o_draw, g_draw).shape)
            cheaper_draws.append(np.atleast_1d(cheaper))
            shares.append(float(np.mean(cheaper)))
            prices.append(float(pm[0]["launch_price_usd_per_kg"]))
            accs.append("/".join(gens[y].accelerator if gens[y] is not None
                                 else group.hardware.accelerator.name
                                 for gens, group in zip(generations, fleet.groups)))
            gen = generations[0][y]
            ratios.append(gen.bf16_tflops / first.accelerator.bf16_dense_tflops
                          if gen is not None else 1.0)
        out[name] = trajectory_result(name, trajectory.description, years, prices, accs,
                                      orbit_modes, ground_modes, shares, ratios,
                                      cheaper_draws, sampled=samples is not None)
    return out


def _shown_parameters(groups: Sequence[HardwareGroupFacts], params: Sequence[dict[str, Param]]
                      ) -> dict[str, Param]:
    """The first group's parameters, and each other group's that differ, named
    ``name@label`` (the verdict's table of inputs)."""
    out = dict(params[0])
    for group, own in zip(groups[1:], params[1:]):
        for name, p in own.items():
            base = params[0].get(name)
            if base is None or (p.mode, p.low, p.high) != (base.mode, base.low, base.high):
                out[f"{name}@{group.label}"] = Param(
                    f"{name}@{group.label}", f"{p.label} ({group.label})", p.unit, p.side,
                    p.mode, p.low, p.high, p.source, p.note)
    return out


def evaluate_fleet(groups: Sequence[HardwareGroupFacts], economics: Economics, *,
                   region: str | None = None, launch_price_usd_per_kg: float | None = None,
                   draws: int = DEFAULT_DRAWS, seed: int = 0, year: int | None = None,
                   trajectory: str | None = None, classes: Sequence[ClassFacts] = (),
                   fleet: FleetFacts = FleetFacts(), upgrade_accelerators: bool = True
                   ) -> Verdict:
    """The verdict of a mixed fleet (module docstring): a
    :class:`~orbitsim.analysis.economics.verdict.Verdict` of the whole fleet, with each
    group's own verdict in ``groups``. Groups without nodes are left out; the largest group
    (by accelerators) comes first."""
    groups = sorted([g for g in groups if g.facts.n_nodes > 0],
                    key=lambda g: -g.facts.n_nodes * g.facts.accelerators_per_node)
    if not groups:
        raise ValueError("a fleet needs at least one group with nodes")
    per_group = {g.label: evaluate(g.hardware, economics, g.facts, region=region,
                                   launch_price_usd_per_kg=launch_price_usd_per_kg,
                                   draws=draws, seed=seed, year=year, trajectory=trajectory,
                                   fleet=fleet, upgrade_accelerators=upgrade_accelerators)
                 for g in groups}
    first = per_group[groups[0].label]
    year, trajectory, key = first.year, first.trajectory, first.region_key
    file_params = [model_parameters(g.hardware, economics, region=key) for g in groups]
    params = [per_group[g.label].params for g in groups]  # headline: year, launch price
    model = _Fleet(groups, params)
    p = [modes(own) for own in params]
    facts = _fleet_facts(groups)
    orbit = model.orbit(p)
    ground = model.ground(p)
    ground_own = model.ground_own(p)
    u_ground = float(p[0]["ground_utilisation"])
    orbit_at_ground_u = float(model.orbit(p, model.at(u_ground)).usd_per_accelerator_hour)
    ground_same = float(ground.usd_per_accelerator_hour)
    delivered = facts.utilisation > 0

    def with_price(price: float) -> list[dict]:
        return [{**q, "launch_price_usd_per_kg": price} for q in p]

    break_even_price = math.nan
    if delivered:
        at_zero = float(model.orbit(with_price(0.0)).usd_per_accelerator_hour)
        slope = float(model.orbit(with_price(1.0)).usd_per_accelerator_hour) - at_zero
        price = (ground_same - at_zero) / slope if slope > 0 else math.nan
        break_even_price = price if math.isfinite(price) and price > 0 else math.nan
    full = model.orbit(p, model.at(1.0))
    segment = float(np.sum(full.annual_usd["ground_segment"]))
    hours = float(full.delivered_hours_per_year)
    fixed = (float(full.total_annual_usd) - segment) / hours
    with np.errstate(divide="ignore", invalid="ignore"):
        u = fixed / (float(ground_own.usd_per_accelerator_hour) - segment / hours)
    break_even_u = u if math.isfinite(u) and 0 < u <= 1.0 else math.nan
    floor = (float(model.orbit(with_price(0.0), model.at(1.0)).usd_per_accelerator_hour)
             if delivered else math.nan)
    samples = [draw(own, draws, seed) for own in params]
    o_draw = np.broadcast_to(np.asarray(model.orbit(samples).usd_per_accelerator_hour,
                                        dtype=float), (draws,))
    g_draw = np.broadcast_to(np.asarray(model.ground(samples).usd_per_accelerator_hour,
                                        dtype=float), (draws,))
    g_own_draw = np.broadcast_to(np.asarray(model.ground_own(samples).usd_per_accelerator_hour,
                                            dtype=float), (draws,))
    rows = tornado_from_draws(params[0], samples[0], o_draw, g_draw) if delivered else []
    mc = MonteCarlo(draws, int(seed), o_draw, g_draw, tuple(rows))
    file_model = _Fleet(groups, file_params)
    file_samples = [draw(own, draws, seed) for own in file_params]
    trajectories = fleet_timeline(file_model, economics, file_samples,
                                  upgrade_accelerators=upgrade_accelerators) if delivered else {}
    h100 = economics.common.accelerator_price_usd.get("h100-sxm",
                                                       file_params[0]["accelerator_price_usd"].mode)
    workloads: dict[str, WorkloadValue] = {}
    if delivered:
        g_own = float(ground_own.usd_per_accelerator_hour)
        for c in classes:
            if c.accelerator_hours <= 0:
                continue
            items = {k: float(v) for k, v in
                     credits(c, fleet, p[0], ground_same, g_own, h100).items()}
            credit_draw = sum(credits(c, fleet, samples[0], g_draw, g_own_draw, h100).values())
            p_viable = float(np.mean(o_draw - credit_draw <= g_draw))
            by_trajectory = fleet_timeline(file_model, economics, None,
                                           credit=credit_function(c, fleet, h100),
                                           upgrade_accelerators=upgrade_accelerators)
            workloads[c.name] = WorkloadValue(
                c, items, float(orbit.usd_per_accelerator_hour) - sum(items.values()),
                ground_same, p_viable,
                {name: t.crossover_year for name, t in by_trajectory.items()},
                time_to_insight_s(c, fleet))
    ladder: tuple[LadderStep, ...] = ()
    if delivered:
        terms = economics.timeline
        cheapest = min(min(price for _, price in t.price_usd_per_kg)
                       for t in terms.launch_trajectories.values())
        rungs = [best_case_ladder(own, g.facts, cheapest) for own, g in zip(params, groups)]
        run_hours = [float(orbit_cost(q, g.facts).delivered_hours_per_year)
                     for q, g in zip(p, groups)]
        own_hours = [float(orbit_cost(q, f).delivered_hours_per_year)
                     for q, f in zip(p, model.at(u_ground))]
        # the ground's delivered hours: each group's accelerators at the rung's utilisation
        ground_run = [a * g.facts.utilisation for a, g in zip(model.accelerators, groups)]
        steps = []
        for i, step in enumerate(rungs[0]):
            weights = run_hours if i == 0 else own_hours
            ground_weights = ground_run if i == 0 else model.accelerators
            o = sum(w * r[i].orbit_usd for w, r in zip(weights, rungs)) / sum(weights)
            g = sum(w * r[i].ground_usd for w, r in zip(ground_weights, rungs)) \
                / sum(ground_weights)
            label = (f"this run's utilisation ({100 * facts.utilisation:.0f} %) on both sides"
                     if i == 0 else step.step)
            steps.append(LadderStep(label, o, g))
        ladder = tuple(steps)
    shown = _shown_parameters(groups, params)
    result = Verdict(first.region, key, year, trajectory, shown, facts, orbit, ground,
                     ground_own, orbit_at_ground_u, break_even_price, break_even_u, floor, mc,
                     trajectories, workloads, ladder, groups=per_group)
    return _with_text(result)


def fleet_verdict_from_summary(summary, groups: Sequence[tuple[str, NodeHardware, int]],
                               economics: Economics, *, region: str | None = None,
                               launch_price_usd_per_kg: float | None = None,
                               draws: int = DEFAULT_DRAWS, seed: int | None = None,
                               year: int | None = None, trajectory: str | None = None
                               ) -> Verdict:
    """The verdict of a mixed fleet's run from its ``summary.json``: ``groups`` are
    ``(label, hardware, nodes)``; each group's utilisation from
    ``summary["hardware_groups"][label]`` (else the run's), the booked contact minutes shared
    in proportion to the groups' delivered accelerator-hours."""
    from collections.abc import Mapping

    n_nodes = sum(n for _, _, n in groups)
    first = max(groups, key=lambda g: g[2] * g[1].accelerators)[1]
    facts, fleet, classes = run_facts(summary, first, n_nodes, economics.common.hours_per_year)
    rows = summary.get("hardware_groups") or {}
    shares = []
    for label, hardware, nodes in groups:
        row = rows.get(label) or {}
        u = row.get("utilisation")
        shares.append((label, hardware, nodes,
                       facts.utilisation if u is None else min(max(float(u), 0.0), 1.0)))
    hours = [n * h.accelerators * u for _, h, n, u in shares]
    total = sum(hours)
    hardware_facts = [
        HardwareGroupFacts(label, hardware, Facts(
            nodes, hardware.accelerators, u,
            facts.contact_minutes_per_year * (h / total if total > 0 else 1.0 / len(shares))))
        for (label, hardware, nodes, u), h in zip(shares, hours)]
    if seed is None:
        scenario = summary.get("scenario") or {}
        seed = int(scenario.get("seed", 0)) if isinstance(scenario, Mapping) else 0
    return evaluate_fleet(hardware_facts, economics, region=region,
                          launch_price_usd_per_kg=launch_price_usd_per_kg, draws=draws,
                          seed=seed, year=year, trajectory=trajectory, classes=classes,
                          fleet=fleet)


def group_summary(verdict: Verdict) -> dict:
    """The headline of one group's verdict (``summary.json["verdict"]["hardware_groups"]``)."""
    mc = verdict.monte_carlo.summary()
    return {
        "nodes": verdict.facts.n_nodes,
        "accelerators_per_node": verdict.facts.accelerators_per_node,
        "utilisation": verdict.utilisation,
        "orbit_usd_per_accelerator_hour": verdict.orbit_usd_per_accelerator_hour,
        "ground_usd_per_accelerator_hour_same_utilisation":
            verdict.ground_usd_per_accelerator_hour_same_utilisation,
        "ratio_same_utilisation": verdict.ratio_same_utilisation,
        "p_orbit_cheaper": mc["p_orbit_cheaper"],
        "orbit_usd_per_accelerator_hour_p05": mc["orbit_usd_per_accelerator_hour_p05"],
        "orbit_usd_per_accelerator_hour_p95": mc["orbit_usd_per_accelerator_hour_p95"],
        "crossover_year": verdict.crossover_year,
        "orbit_annual_usd": float(verdict.orbit.total_annual_usd),
        "delivered_accelerator_hours_per_year": float(verdict.orbit.delivered_hours_per_year),
    }


__all__ = ["HardwareGroupFacts", "combine_ground", "combine_orbit", "evaluate_fleet",
           "fleet_timeline", "fleet_verdict_from_summary", "group_summary"]
