"""Verdict: orbit against the ground for one run, like with like, with its uncertainty, its
timeline and its value side, in numbers and in words.

The comparison is made at **equal utilisation**: the ground option serves the same delivered
work, so both costs are priced at the run's utilisation (``ratio_same_utilisation``). The
ground's cost at its own achievable utilisation (``ground.toml``) is shown beside it, and so is
the orbit's at that utilisation, for a reader who wants to know what a well-used constellation
would cost. The headline year is the timeline's first year, pricing the node the run simulated
(``year`` moves it along a trajectory, with the generations and trends of
:mod:`~orbitsim.analysis.economics.timeline`).

``Verdict.to_dict()`` is ``summary.json["verdict"]``: ``null`` where a number does not exist (no
launch price closes the gap), booleans as booleans, units in the key names.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from orbitsim.analysis.economics.costs import (
    ITEM_LABELS,
    Facts,
    GroundCost,
    OrbitCost,
    break_even_launch_price,
    break_even_utilisation,
    ground_cost,
    orbit_cost,
)
from orbitsim.analysis.economics.terms import Economics, Param, model_parameters
from orbitsim.analysis.economics.timeline import (
    TrajectoryResult,
    generation_for,
    timeline,
    trajectory_price_usd_per_kg,
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
from orbitsim.model.hardware import NodeHardware


def _num(value: Any) -> float | None:
    """A finite float, else ``None`` (JSON ``null``)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _usd(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}${value:,.0f}" if value >= 100 else f"{sign}${value:,.2f}"


def _plain(value: float) -> str:
    """A number for a table: thousands separated, small numbers to 3 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %"


def summary_utilisation(summary: Mapping[str, Any], hardware: NodeHardware, n_nodes: int) -> float:
    """Delivered fraction of accelerator-hours from a run's ``summary.json``: its
    ``utilisation``, else ``accelerator_hours / (n_nodes * accelerators * hours)``."""
    if summary.get("utilisation") is not None:
        value = float(summary["utilisation"])
    elif summary.get("accelerator_hours") is not None and summary.get("hours"):
        value = float(summary["accelerator_hours"]) / (
            n_nodes * hardware.accelerators * float(summary["hours"]))
    else:
        raise ValueError("summary needs 'utilisation', or 'accelerator_hours' and 'hours'")
    if not -1e-9 <= value <= 1.0 + 1e-9:
        raise ValueError(f"utilisation must be in [0, 1], got {value}")
    return min(max(value, 0.0), 1.0)


def run_facts(summary: Mapping[str, Any], hardware: NodeHardware, n_nodes: int,
              hours_per_year: float) -> tuple[Facts, FleetFacts, list[ClassFacts]]:
    """What the economics needs of a run's ``summary.json``: utilisation and booked contact
    minutes a year, the ground link, and each workload class."""
    utilisation = summary_utilisation(summary, hardware, n_nodes)
    hours = float(summary.get("hours") or 0.0)
    minutes = float(summary.get("ground_contact_minutes") or 0.0)
    per_year = minutes * hours_per_year / hours if hours > 0 else 0.0
    facts = Facts(int(n_nodes), hardware.accelerators, utilisation, per_year)
    classes = [ClassFacts.from_summary(name, row)
               for name, row in sorted((summary.get("by_class") or {}).items())]
    return facts, FleetFacts.from_summary(summary), classes


@dataclass(frozen=True)
class Verdict:
    """The economics of one run (module docstring)."""

    region: str
    region_key: str
    year: int
    trajectory: str
    params: dict[str, Param]
    facts: Facts
    orbit: OrbitCost
    ground: GroundCost  # at the run's utilisation
    ground_own: GroundCost  # at the ground's own achievable utilisation
    orbit_at_ground_utilisation_usd: float
    break_even_launch_usd_per_kg: float
    break_even_utilisation: float
    floor_usd_per_hour: float  # free launch, full utilisation
    monte_carlo: MonteCarlo
    timeline: dict[str, TrajectoryResult]
    workloads: dict[str, WorkloadValue] = field(default_factory=dict)
    ladder: tuple[LadderStep, ...] = ()
    text: str = ""
    #: A mixed fleet's own verdict of each hardware group, by label (empty for one hardware;
    #: :mod:`orbitsim.analysis.economics.fleet`)
    groups: dict[str, Verdict] = field(default_factory=dict)

    @property
    def launch_price_usd_per_kg(self) -> float:
        return float(self.params["launch_price_usd_per_kg"].mode)

    @property
    def utilisation(self) -> float:
        return self.facts.utilisation

    @property
    def ground_utilisation(self) -> float:
        return float(self.params["ground_utilisation"].mode)

    @property
    def orbit_usd_per_accelerator_hour(self) -> float:
        return float(self.orbit.usd_per_accelerator_hour)

    @property
    def ground_usd_per_accelerator_hour_same_utilisation(self) -> float:
        return float(self.ground.usd_per_accelerator_hour)

    @property
    def ground_usd_per_accelerator_hour_own_utilisation(self) -> float:
        return float(self.ground_own.usd_per_accelerator_hour)

    @property
    def ratio_same_utilisation(self) -> float:
        g = self.ground_usd_per_accelerator_hour_same_utilisation
        return self.orbit_usd_per_accelerator_hour / g if g > 0 else math.inf

    @property
    def viable(self) -> bool:
        return bool(self.facts.utilisation > 0 and self.orbit_usd_per_accelerator_hour
                    <= self.ground_usd_per_accelerator_hour_same_utilisation)

    @property
    def viable_workloads(self) -> list[str]:
        return [name for name, w in self.workloads.items() if w.viable]

    @property
    def base(self) -> TrajectoryResult | None:
        return self.timeline.get(self.trajectory)

    @property
    def crossover_year(self) -> int | None:
        return self.base.crossover_year if self.base is not None else None

    def table(self) -> pd.DataFrame:
        """Cost breakdown of both options (ground at the run's utilisation): columns
        ``option, item, label, usd_per_year, usd_per_accelerator_hour, share``."""
        rows = []
        accelerators = float(self.facts.n_nodes * self.facts.accelerators_per_node)
        for option, cost, scale in (("orbit", self.orbit, 1.0),
                                    ("ground", self.ground, accelerators)):
            total = float(cost.total_annual_usd) * scale
            delivered = float(cost.delivered_hours_per_year) * scale
            for item, value in cost.annual_usd.items():
                value = float(value) * scale
                rows.append({"option": option, "item": item,
                             "label": ITEM_LABELS.get(item, item), "usd_per_year": value,
                             "usd_per_accelerator_hour": value / delivered if delivered
                             else math.inf,
                             "share": value / total if total else math.nan})
        return pd.DataFrame(rows, columns=["option", "item", "label", "usd_per_year",
                                           "usd_per_accelerator_hour", "share"])

    def inputs_table(self) -> pd.DataFrame:
        """Every number of the verdict: name, label, unit, side, mode, low, high, source,
        note (the file's citation or assumption)."""
        return pd.DataFrame([{"name": p.name, "label": p.label, "unit": p.unit, "side": p.side,
                              "mode": p.mode, "low": p.low, "high": p.high, "source": p.source,
                              "note": p.note} for p in self.params.values()])

    def to_markdown(self) -> str:
        """The headline figures and the best-case ladder as Markdown (README)."""
        mc = self.monte_carlo
        crossings = "; ".join(
            f"{name}: {t.crossover_year or 'none by ' + str(t.years[-1])} "
            f"({100 * t.p_crossover:.0f} % of draws cross)" for name, t in self.timeline.items())
        lines = [
            "| | orbit | ground |", "|---|---:|---:|",
            f"| $ per delivered accelerator-hour, both at {100 * self.utilisation:.1f} % "
            f"(this run) | {_usd(self.orbit_usd_per_accelerator_hour)} | "
            f"{_usd(self.ground_usd_per_accelerator_hour_same_utilisation)} |",
            f"| 5-95 % over {mc.draws:,} draws | {_usd(mc.percentile('orbit', 5))}-"
            f"{_usd(mc.percentile('orbit', 95))} | {_usd(mc.percentile('ground', 5))}-"
            f"{_usd(mc.percentile('ground', 95))} |",
            f"| both at the ground's own {100 * self.ground_utilisation:.0f} % | "
            f"{_usd(self.orbit_at_ground_utilisation_usd)} | "
            f"{_usd(self.ground_usd_per_accelerator_hour_own_utilisation)} |",
            "",
            f"Ratio at equal utilisation {self.ratio_same_utilisation:.2f}; probability that "
            f"orbit is cheaper {100 * mc.p_orbit_cheaper:.1f} %; break-even launch price "
            + (f"{_usd(self.break_even_launch_usd_per_kg)}/kg"
               if math.isfinite(self.break_even_launch_usd_per_kg) else "none")
            + f"; crossover year: {crossings}.",
            "", "| what it would take (cumulative) | orbit | ground | orbit / ground |",
            "|---|---:|---:|---:|"]
        lines += [f"| {r.step} | {_usd(r.orbit_usd)} | {_usd(r.ground_usd)} | {r.ratio:.2f} |"
                  for r in self.ladder]
        if self.workloads:
            lines += ["", "| workload class | accelerator-h | credits, $/accelerator-h "
                      "(data not downlinked + sovereignty + time to power) | orbit after credits "
                      "| ground | viable (P) | time to insight: in orbit (p50) / downlink first |",
                      "|---|---:|---|---:|---:|---|---|"]
            for name, w in self.workloads.items():
                c = w.credits_usd_per_hour
                credits = " + ".join(_usd(c.get(k, 0.0)) for k in
                                     ("data_not_downlinked", "sovereignty", "time_to_power"))
                insight = w.time_to_insight
                seconds = (f"{insight['orbit_p50_s']:,.0f} s / {insight['downlink_first_s']:,.0f} s"
                           if insight.get("orbit_p50_s") is not None
                           and insight.get("downlink_first_s") is not None else "-")
                lines.append(f"| {name} | {w.facts.accelerator_hours:,.1f} | {credits} | "
                             f"{_usd(w.effective_orbit_usd)} | {_usd(w.ground_usd)} | "
                             f"{'yes' if w.viable else 'no'} ({100 * w.p_viable:.1f} %) | "
                             f"{seconds} |")
        lines += ["", "| input (rank correlation with orbit / ground) | range | rho |",
                  "|---|---|---:|"]
        lines += [f"| {r.label} | {_plain(r.low)}-{_plain(r.high)} {r.unit} | "
                  f"{r.rank_correlation:+.2f} |" for r in mc.tornado[:6]]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """``summary.json["verdict"]`` (module docstring)."""
        mc = self.monte_carlo.summary()
        return {
            "viable": self.viable,
            "viable_workloads": self.viable_workloads,
            "text": self.text,
            "region": self.region,
            "deployment_year": self.year,
            "trajectory": self.trajectory,
            "launch_price_usd_per_kg": _num(self.launch_price_usd_per_kg),
            "utilisation": _num(self.utilisation),
            "ground_utilisation_own": _num(self.ground_utilisation),
            "orbit_usd_per_accelerator_hour": _num(self.orbit_usd_per_accelerator_hour),
            "ground_usd_per_accelerator_hour_same_utilisation":
                _num(self.ground_usd_per_accelerator_hour_same_utilisation),
            "ratio_same_utilisation": _num(self.ratio_same_utilisation),
            "ground_usd_per_accelerator_hour_own_utilisation":
                _num(self.ground_usd_per_accelerator_hour_own_utilisation),
            "orbit_usd_per_accelerator_hour_at_ground_utilisation":
                _num(self.orbit_at_ground_utilisation_usd),
            "ratio_at_ground_utilisation": _num(
                self.orbit_at_ground_utilisation_usd
                / self.ground_usd_per_accelerator_hour_own_utilisation),
            "p_orbit_cheaper": _num(mc["p_orbit_cheaper"]),
            **{k: _num(v) for k, v in mc.items() if k not in ("p_orbit_cheaper", "draws",
                                                               "seed")},
            "draws": int(mc["draws"]),
            "seed": int(mc["seed"]),
            "crossover_year": self.crossover_year,
            "break_even_launch_usd_per_kg": _num(self.break_even_launch_usd_per_kg),
            "break_even_utilisation": _num(self.break_even_utilisation),
            "orbit_floor_usd_per_accelerator_hour": _num(self.floor_usd_per_hour),
            "timeline": {name: t.to_dict() for name, t in self.timeline.items()},
            "best_case_ladder": [{"step": r.step, "orbit_usd_per_accelerator_hour":
                                  _num(r.orbit_usd), "ground_usd_per_accelerator_hour":
                                  _num(r.ground_usd), "ratio": _num(r.ratio)}
                                 for r in self.ladder],
            "workloads": {name: w.to_dict() for name, w in self.workloads.items()},
            "tornado": [{"parameter": r.parameter, "label": r.label, "unit": r.unit,
                         "side": r.side, "low": _num(r.low), "mode": _num(r.mode),
                         "high": _num(r.high), "rank_correlation": _num(r.rank_correlation),
                         "premium_low_usd_per_accelerator_hour": _num(r.premium_low_usd),
                         "premium_high_usd_per_accelerator_hour": _num(r.premium_high_usd)}
                        for r in self.monte_carlo.tornado[:12]],
            "orbit_annual_usd": {k: _num(v) for k, v in self.orbit.annual_usd.items()},
            "ground_annual_usd_per_accelerator": {k: _num(v)
                                                  for k, v in self.ground.annual_usd.items()},
            "orbit_capex_per_node_usd": {k: _num(v)
                                         for k, v in self.orbit.capex_per_node_usd.items()},
            "node_mass_kg": {k: _num(v) for k, v in self.orbit.mass_kg.items()},
            "contact_minutes_per_year": _num(self.facts.contact_minutes_per_year),
            **({"hardware_groups": {label: {k: (_num(v) if isinstance(v, float) else v)
                                            for k, v in _group_headline(g).items()}
                                    for label, g in self.groups.items()}}
               if self.groups else {}),
        }


def _group_headline(v: Verdict) -> dict[str, Any]:
    """The headline figures of one hardware group's verdict (a mixed fleet's)."""
    from orbitsim.analysis.economics.fleet import group_summary

    return group_summary(v)


def verdict_text(v: Verdict) -> str:
    """Plain sentences: the comparison at equal utilisation with its odds, what would close
    the gap, the timeline and the workloads for which orbit is viable."""
    if v.groups:  # a mixed fleet: say so, and what each group costs
        parts = [f"{label} {_usd(g.orbit_usd_per_accelerator_hour)} against "
                 f"{_usd(g.ground_usd_per_accelerator_hour_same_utilisation)}"
                 for label, g in v.groups.items()]
        fleet = (f"A mixed fleet, priced group by group and summed ({'; '.join(parts)} per "
                 f"accelerator-hour). ")
        return fleet + verdict_text(dataclasses.replace(v, groups={}))
    if v.facts.utilisation <= 0 or not math.isfinite(v.orbit_usd_per_accelerator_hour):
        ground = _usd(v.ground_usd_per_accelerator_hour_own_utilisation)
        return (f"The run delivered no accelerator-hours in orbit, so there is no orbital cost "
                f"per accelerator-hour to set against {ground} on the ground in {v.region} "
                f"(at its own {_percent(v.ground_utilisation)}).")
    mc = v.monte_carlo
    orbit, ground = v.orbit_usd_per_accelerator_hour, \
        v.ground_usd_per_accelerator_hour_same_utilisation
    ratio = v.ratio_same_utilisation
    p = mc.p_orbit_cheaper
    odds = (f"orbit is cheaper in {100 * p:.1f} % of {mc.draws:,} draws of the inputs' "
            f"ranges" if p > 0 else f"orbit is cheaper in none of {mc.draws:,} draws of the "
                                      f"inputs' ranges")
    head = (f"In {v.year}, at equal utilisation ({_percent(v.utilisation)}, this run's) and "
            f"{_usd(v.launch_price_usd_per_kg)}/kg launch, an orbital accelerator-hour costs "
            f"{_usd(orbit)} against {_usd(ground)} on the ground in {v.region}: "
            + (f"{ratio:.1f} times as much" if ratio >= 1 else f"{1 / ratio:.1f} times less")
            + f" (5-95 %: {_usd(mc.percentile('orbit', 5))}-{_usd(mc.percentile('orbit', 95))} "
              f"against {_usd(mc.percentile('ground', 5))}-{_usd(mc.percentile('ground', 95))}); "
            + odds + ".")
    if v.viable:
        gap = (f" Orbit stays cheaper up to {_usd(v.break_even_launch_usd_per_kg)}/kg launch."
               if math.isfinite(v.break_even_launch_usd_per_kg) else "")
    elif math.isfinite(v.break_even_launch_usd_per_kg):
        gap = (f" Only a launch price below {_usd(v.break_even_launch_usd_per_kg)}/kg closes "
               f"the gap.")
    else:
        gap = (f" No launch price closes the gap: with free launch and every accelerator busy "
               f"an orbital accelerator-hour still costs {_usd(v.floor_usd_per_hour)}.")
    crossings = [(name, t) for name, t in v.timeline.items()]
    parts = []
    for name, t in crossings:
        if t.crossover_year is not None:
            parts.append(f"{t.crossover_year} under the {name} launch trajectory "
                         f"(probability of a crossover by {t.years[-1]}: "
                         f"{100 * t.p_crossover:.0f} %)")
        else:
            parts.append(f"none by {t.years[-1]} under the {name} trajectory "
                         f"({100 * t.p_crossover:.0f} % of draws cross)")
    timeline_text = (" Crossover year: " + "; ".join(parts) + ".") if parts else ""
    viable = v.viable_workloads
    if v.workloads:
        work = (" Counting what orbit delivers that the ground cannot (data not downlinked, "
                "sovereignty, time to power), " + (
                    f"orbit is viable for {', '.join(viable)}." if viable else
                    "no workload class of this run is viable in orbit."))
    else:
        work = ""
    best = ""
    if v.ladder:
        last = v.ladder[-1]
        best = (f" Even with every input at the end of its range that favours orbit, both at "
                f"{_percent(v.ground_utilisation)} and launch at the cheapest trajectory's floor, "
                f"orbit costs {_usd(last.orbit_usd)} against {_usd(last.ground_usd)}."
                if last.ratio > 1 else
                f" Only with every input at the end of its range that favours orbit (both at "
                f"{_percent(v.ground_utilisation)}, launch at the cheapest trajectory's floor) "
                f"does orbit win: {_usd(last.orbit_usd)} against {_usd(last.ground_usd)}.")
    return head + gap + timeline_text + work + best


@dataclass(frozen=True)
class LadderStep:
    """One rung of the best case for orbit: the costs once ``step`` (and every rung above)
    holds."""

    step: str
    orbit_usd: float
    ground_usd: float

    @property
    def ratio(self) -> float:
        return self.orbit_usd / self.ground_usd if self.ground_usd > 0 else math.inf


def best_case_ladder(params: dict[str, Param], facts: Facts,
                     launch_usd_per_kg: float) -> list[LadderStep]:
    """What it would take: the verdict's costs as the assumptions move, one rung at a time, to
    the end of their ranges that favours orbit: both options at the ground's own utilisation;
    launch at ``launch_usd_per_kg`` (the cheapest trajectory's floor); every input the orbit
    alone pays at the end of its range that makes orbit cheapest; then every input the ground
    pays (and the shared ones) at the end that makes orbit relatively cheapest. If even the
    last rung leaves orbit dearer, no combination of the files' ranges makes it viable."""
    p = modes(params)
    u = p["ground_utilisation"]
    f = facts.at_utilisation(u)

    def costs_of(q):
        return (float(orbit_cost(q, f).usd_per_accelerator_hour),
                float(ground_cost(q, u).usd_per_accelerator_hour))

    rungs = [LadderStep(f"this run's utilisation ({100 * facts.utilisation:.0f} %) on both "
                        f"sides", *(float(orbit_cost(p, facts).usd_per_accelerator_hour),
                                    float(ground_cost(p, facts.utilisation)
                                          .usd_per_accelerator_hour)))]
    rungs.append(LadderStep(f"both at the ground's own utilisation ({100 * u:.0f} %)",
                            *costs_of(p)))
    p = {**p, "launch_price_usd_per_kg": float(launch_usd_per_kg)}
    rungs.append(LadderStep(f"launch at ${launch_usd_per_kg:,.0f}/kg (the cheapest "
                            f"trajectory's floor)", *costs_of(p)))
    skip = {"launch_price_usd_per_kg", "ground_utilisation", "hours_per_year"}

    def favour(side_test):
        q = dict(p)
        for name, param in params.items():
            if name in skip or not param.uncertain or not side_test(param.side):
                continue
            best = None
            for value in (param.low, param.high):
                o, g = costs_of({**q, name: value})
                score = o / g
                if best is None or score < best[0]:
                    best = (score, value)
            q[name] = best[1]
        return q

    p = favour(lambda side: side == "orbit")
    rungs.append(LadderStep("every orbit-only input at the end of its range that favours orbit",
                            *costs_of(p)))
    p = favour(lambda side: side in ("ground", "both"))
    rungs.append(LadderStep("every ground and shared input at the end that favours orbit",
                            *costs_of(p)))
    return rungs


def _headline_parameters(params: dict[str, Param], economics: Economics, hardware: NodeHardware,
                         year: int, trajectory: str) -> dict[str, Param]:
    """The parameters of a node deployed in ``year`` on ``trajectory`` (modes and ranges moved
    alike): the files' own for the first year."""
    terms = economics.timeline
    if year == terms.first_year:
        return params
    anchors = terms.launch_trajectories[trajectory].price_usd_per_kg
    factor = trajectory_price_usd_per_kg(anchors, year) / trajectory_price_usd_per_kg(
        anchors, terms.first_year)
    generation = generation_for(year, hardware, economics)
    if generation.accelerator == hardware.accelerator.name:
        generation = None
    out = {}
    for which in ("mode", "low", "high"):
        values = year_parameters({k: getattr(p, which) for k, p in params.items()}, params,
                                 year, first_year=terms.first_year, launch_factor=factor,
                                 generation=generation)
        for key, value in values.items():
            out.setdefault(key, {})[which] = float(value)
    return {k: Param(p.name, p.label, p.unit, p.side, out[k]["mode"],
                     min(out[k]["low"], out[k]["high"], out[k]["mode"]),
                     max(out[k]["low"], out[k]["high"], out[k]["mode"]), p.source, p.note)
            for k, p in params.items()}


def evaluate(hardware: NodeHardware, economics: Economics, facts: Facts, *,
             region: str | None = None, launch_price_usd_per_kg: float | None = None,
             draws: int = DEFAULT_DRAWS, seed: int = 0, year: int | None = None,
             trajectory: str | None = None, classes: list[ClassFacts] | tuple = (),
             fleet: FleetFacts = FleetFacts(), upgrade_accelerators: bool = True) -> Verdict:
    """The verdict for ``facts`` (a run's, or assumed) with ``hardware`` under ``economics``.

    ``launch_price_usd_per_kg`` scales the launch price's mode and range (the timeline keeps
    its trajectories); ``year`` and ``trajectory`` move the headline along the timeline.
    """
    from orbitsim.errors import InputError

    terms = economics.timeline
    trajectory = terms.base_trajectory if trajectory is None else str(trajectory)
    if trajectory not in terms.launch_trajectories:
        raise InputError(f"unknown trajectory {trajectory!r}; expected one of "
                         f"{', '.join(terms.launch_trajectories)}", field="trajectory")
    year = terms.first_year if year is None else int(year)
    if not terms.first_year <= year <= terms.last_year:
        raise InputError(f"year must be in {terms.first_year}-{terms.last_year}, got {year}",
                         field="year")
    key = economics.region_key(region)
    file_params = model_parameters(hardware, economics, region=key)
    params = _headline_parameters(file_params, economics, hardware, year, trajectory)
    if launch_price_usd_per_kg is not None:
        price = float(launch_price_usd_per_kg)
        if not price >= 0 or not math.isfinite(price):
            raise InputError(f"launch price must be >= 0, got {price}",
                             field="launch_price_usd_per_kg")
        base = params["launch_price_usd_per_kg"]
        params = {**params, "launch_price_usd_per_kg":
                  base.scaled(price / base.mode) if base.mode > 0 else base.fixed(price)}
    p = modes(params)
    orbit = orbit_cost(p, facts)
    ground = ground_cost(p, facts.utilisation)
    ground_own = ground_cost(p, p["ground_utilisation"])
    at_ground_u = facts.at_utilisation(p["ground_utilisation"])
    orbit_at_ground_u = float(orbit_cost(p, at_ground_u).usd_per_accelerator_hour)
    ground_same = float(ground.usd_per_accelerator_hour)
    delivered = facts.utilisation > 0
    break_even_price = break_even_launch_price(p, facts, ground_same) if delivered else math.nan
    break_even_u = break_even_utilisation(p, facts,
                                          float(ground_own.usd_per_accelerator_hour))
    floor = float(orbit_cost({**p, "launch_price_usd_per_kg": 0.0}, facts.at_utilisation(1.0))
                  .usd_per_accelerator_hour) if delivered else math.nan
    sample = draw(params, draws, seed)
    o_draw = np.broadcast_to(np.asarray(orbit_cost(sample, facts).usd_per_accelerator_hour,
                                        dtype=float), (draws,))
    g_draw = np.broadcast_to(np.asarray(ground_cost(sample, facts.utilisation)
                                        .usd_per_accelerator_hour, dtype=float), (draws,))
    g_own_draw = np.broadcast_to(np.asarray(ground_cost(sample, sample["ground_utilisation"])
                                            .usd_per_accelerator_hour, dtype=float), (draws,))
    rows = tornado_from_draws(params, sample, o_draw, g_draw) if delivered else []
    mc = MonteCarlo(draws, int(seed), o_draw, g_draw, tuple(rows))
    file_sample = draw(file_params, draws, seed)
    trajectories = timeline(file_params, file_sample, facts, hardware, economics,
                            upgrade_accelerators=upgrade_accelerators) if delivered else {}
    h100 = economics.common.accelerator_price_usd.get("h100-sxm",
                                                       file_params["accelerator_price_usd"].mode)
    workloads: dict[str, WorkloadValue] = {}
    if delivered:
        g_own = float(ground_own.usd_per_accelerator_hour)
        for c in classes:
            if c.accelerator_hours <= 0:
                continue
            items = {k: float(v) for k, v in
                     credits(c, fleet, p, ground_same, g_own, h100).items()}
            credit_draw = sum(credits(c, fleet, sample, g_draw, g_own_draw, h100).values())
            p_viable = float(np.mean(o_draw - credit_draw <= g_draw))
            by_trajectory = timeline(file_params, None, facts, hardware, economics,
                                     credit=credit_function(c, fleet, h100),
                                     upgrade_accelerators=upgrade_accelerators)
            workloads[c.name] = WorkloadValue(
                c, items, float(orbit.usd_per_accelerator_hour) - sum(items.values()),
                ground_same, p_viable,
                {name: t.crossover_year for name, t in by_trajectory.items()},
                time_to_insight_s(c, fleet))
    cheapest = min(min(price for _, price in t.price_usd_per_kg)
                   for t in terms.launch_trajectories.values())
    ladder = tuple(best_case_ladder(params, facts, cheapest)) if delivered else ()
    result = Verdict(economics.ground.regions[key].name, key, year, trajectory, params, facts,
                     orbit, ground, ground_own, orbit_at_ground_u, break_even_price,
                     break_even_u, floor, mc, trajectories, workloads, ladder)
    return _with_text(result)


def _with_text(v: Verdict) -> Verdict:
    return dataclasses.replace(v, text=verdict_text(v))



def verdict_from_summary(summary: Mapping[str, Any], hardware: NodeHardware, n_nodes: int,
                         economics: Economics, *, region: str | None = None,
                         launch_price_usd_per_kg: float | None = None,
                         draws: int = DEFAULT_DRAWS, seed: int | None = None,
                         year: int | None = None, trajectory: str | None = None) -> Verdict:
    """The verdict of a run from its ``summary.json`` (utilisation, booked contact minutes,
    ``by_class``, the ground link); ``seed``: the Monte Carlo's (default: the scenario's)."""
    if n_nodes < 1:
        raise ValueError("n_nodes must be >= 1")
    facts, fleet, classes = run_facts(summary, hardware, n_nodes,
                                      economics.common.hours_per_year)
    if seed is None:
        scenario = summary.get("scenario") or {}
        seed = int(scenario.get("seed", 0)) if isinstance(scenario, Mapping) else 0
    return evaluate(hardware, economics, facts, region=region,
                    launch_price_usd_per_kg=launch_price_usd_per_kg, draws=draws, seed=seed,
                    year=year, trajectory=trajectory, classes=classes, fleet=fleet)


__all__ = ["LadderStep", "Verdict", "best_case_ladder", "evaluate", "run_facts",
           "summary_utilisation", "verdict_from_summary", "verdict_text"]
