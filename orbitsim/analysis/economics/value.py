"""Value: what orbit delivers that the ground cannot, per workload class, from the run's outputs.

Three credits, each in USD per delivered accelerator-hour of the class, taken off the orbital
cost before the class is compared with the ground (at the same utilisation):

* **Data not downlinked.** Earth-observation input born on board and processed in orbit never
  goes down; only its results do. The bytes saved (inputs minus outputs of the finished jobs)
  are priced at what the ground-station service charges for a contact minute over the bytes a
  minute of pass can carry (the run's contact plan: capacity over pass duration), and spread
  over the class's accelerator-hours. Time to insight is reported beside it: the class's
  median latency in orbit, against waiting for the next pass, downlinking one raw input at the
  pass rate and computing on the ground (the same compute time).
* **Sovereignty.** A tenant bound to jurisdictions (its data may land only in some countries)
  would pay ``sovereignty_premium_fraction`` above the ground price for compute that keeps it
  there: credited on the class's hours.
* **Time to power.** Orbital capacity earns ``time_to_power_years - deployment_years`` years
  before a ground hall that waits for the grid: the margin of a rented accelerator-hour
  (market price minus the ground cost at the ground's own utilisation) over those years,
  spread over the node's service. Credited to every class.

Every number comes from the run's ``summary.json`` (``by_class``,
``contact_capacity_gb_per_minute``, ``mean_wait_to_contact_s``) and the named parameters
(which the Monte Carlo may draw).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from orbitsim.analysis.economics.costs import expected_service_years, planned_life_years

ArrayLike = float | np.ndarray

#: Credit names, in the order tables show them.
CREDITS = ("data_not_downlinked", "sovereignty", "time_to_power")
CREDIT_LABELS = {"data_not_downlinked": "data not downlinked",
                 "sovereignty": "sovereignty premium", "time_to_power": "time to power"}


@dataclass(frozen=True)
class ClassFacts:
    """One workload class as the run saw it (``summary.json["by_class"][name]``)."""

    name: str
    kind: str
    tenant: str
    jurisdiction_bound: bool
    jobs_done: int
    accelerator_hours: float
    bytes_born_in_orbit: float  # inputs of finished jobs that were never uploaded
    bytes_down: float
    latency_p50_s: float | None
    compute_p50_s: float | None

    @property
    def bytes_saved(self) -> float:
        return max(self.bytes_born_in_orbit - self.bytes_down, 0.0)

    @classmethod
    def from_summary(cls, name: str, row: Mapping) -> ClassFacts:
        def num(key: str, default: float = 0.0) -> float:
            value = row.get(key)
            return float(value) if value is not None else default

        return cls(name, str(row.get("kind", "")), str(row.get("tenant", "")),
                   bool(row.get("jurisdiction_bound", False)), int(row.get("jobs_done", 0)),
                   num("accelerator_hours"), num("bytes_born_in_orbit"), num("bytes_down"),
                   row.get("latency_p50_s"), row.get("compute_p50_s"))


@dataclass(frozen=True)
class FleetFacts:
    """The run's ground link as the value side needs it."""

    contact_capacity_gb_per_minute: float = 0.0
    mean_wait_to_contact_s: float | None = None

    @classmethod
    def from_summary(cls, summary: Mapping) -> FleetFacts:
        capacity = summary.get("contact_capacity_gb_per_minute")
        return cls(float(capacity) if capacity else 0.0, summary.get("mean_wait_to_contact_s"))


def market_usd_per_hour(p: Mapping[str, ArrayLike], h100_price_usd: float) -> ArrayLike:
    """Rental price of one accelerator-hour: the H100 market price scaled by unit price."""
    return p["market_usd_per_h100_hour"] * p["accelerator_price_usd"] / h100_price_usd


def credits(c: ClassFacts, fleet: FleetFacts, p: Mapping[str, ArrayLike],
            ground_same_usd: ArrayLike, ground_own_usd: ArrayLike,
            h100_price_usd: float) -> dict[str, ArrayLike]:
    """The three credits of class ``c``, USD per delivered accelerator-hour (module doc)."""
    out: dict[str, ArrayLike] = dict.fromkeys(CREDITS, 0.0)
    if c.bytes_saved > 0 and c.accelerator_hours > 0 and fleet.contact_capacity_gb_per_minute > 0:
        usd_per_gb = p["ground_service_usd_per_contact_minute"] / \
            fleet.contact_capacity_gb_per_minute
        out["data_not_downlinked"] = c.bytes_saved / 1e9 * usd_per_gb / c.accelerator_hours
    if c.jurisdiction_bound:
        out["sovereignty"] = p["sovereignty_premium_fraction"] * ground_same_usd
    head_start = np.maximum(np.asarray(p["time_to_power_years"]) - p["deployment_years"], 0.0)
    service = expected_service_years(planned_life_years(p), p["bus_failure_per_year"],
                                     p["bus_weibull_shape"])
    margin = np.maximum(market_usd_per_hour(p, h100_price_usd) - ground_own_usd, 0.0)
    out["time_to_power"] = margin * head_start / service
    return out


def credit_function(c: ClassFacts, fleet: FleetFacts,
                    h100_price_usd: float) -> Callable[..., ArrayLike]:
    """``credit(p, ground_same_usd, ground_own_usd)``: the class's total credit (for the
    timeline)."""
    def credit(p, ground_same_usd, ground_own_usd):
        return sum(credits(c, fleet, p, ground_same_usd, ground_own_usd,
                           h100_price_usd).values())
    return credit


def time_to_insight_s(c: ClassFacts, fleet: FleetFacts) -> dict[str, float | None]:
    """Median latency in orbit against the downlink-first estimate (module doc), seconds;
    ``None`` for a class that keeps no data on board."""
    if c.bytes_born_in_orbit <= 0 or c.jobs_done <= 0:
        return {"orbit_p50_s": None, "downlink_first_s": None}
    rate = fleet.contact_capacity_gb_per_minute * 1e9 / 60.0
    raw = c.bytes_born_in_orbit / c.jobs_done
    ground = None
    if rate > 0 and fleet.mean_wait_to_contact_s is not None:
        ground = float(fleet.mean_wait_to_contact_s) + raw / rate + float(c.compute_p50_s or 0.0)
    return {"orbit_p50_s": c.latency_p50_s, "downlink_first_s": ground}


@dataclass(frozen=True)
class WorkloadValue:
    """The verdict of one workload class: its credits, effective orbital cost and viability
    (now, and by trajectory)."""

    facts: ClassFacts
    credits_usd_per_hour: dict[str, float]
    effective_orbit_usd: float
    ground_usd: float
    p_viable: float
    crossover_year: dict[str, int | None] = field(default_factory=dict)
    time_to_insight: dict[str, float | None] = field(default_factory=dict)

    @property
    def viable(self) -> bool:
        return bool(self.effective_orbit_usd <= self.ground_usd)

    def to_dict(self) -> dict:
        c = self.facts
        return {
            "kind": c.kind, "tenant": c.tenant, "jurisdiction_bound": c.jurisdiction_bound,
            "jobs_done": c.jobs_done, "accelerator_hours": c.accelerator_hours,
            "bytes_saved": c.bytes_saved,
            "credits_usd_per_accelerator_hour": dict(self.credits_usd_per_hour),
            "effective_orbit_usd_per_accelerator_hour": self.effective_orbit_usd,
            "ground_usd_per_accelerator_hour_same_utilisation": self.ground_usd,
            "viable": self.viable, "p_viable": self.p_viable,
            "crossover_year": dict(self.crossover_year),
            "time_to_insight": dict(self.time_to_insight),
        }


__all__ = ["CREDITS", "CREDIT_LABELS", "ClassFacts", "FleetFacts", "WorkloadValue",
           "credit_function", "credits", "market_usd_per_hour", "time_to_insight_s"]
