"""Governance in dollars: the bill of each tenant, and of each tenant's home country.

From a run's ``summary["governance"]`` (:func:`orbitsim.sim.governance.governance_metrics`) and
its verdict, over the run's hours, in USD:

* **compute**: the tenant's delivered accelerator-hours on each accelerator type at the
  orbital cost per delivered accelerator-hour of that hardware group (the verdict's; the
  operator sells at cost), less the group's monitoring share, which is billed apart;
* **monitoring**: the ground-station minutes the telemetry took (its pass time, at the
  service's price per contact minute, ``orbit.toml``), billed to the tenants whose terms
  require it, in proportion to their accelerator-hours under those terms;
* **levy**: the licence's revenue share on what the tenant pays for compute under terms
  (compute and monitoring): the scenario licence's ``levy_fraction``, else the export term of
  ``policy.toml`` for that accelerator and the tenant's home country (the December 2025 H200
  revenue share: 25 %), paid to the term's licensing country;
* **idle**: the accelerator-hours the tenant's paused jobs held idle (suspensions, geofences)
  at the same cost: capacity paid for and not delivered (a cost of the rule, not billed).

Each quantity is a product of hours and rates: vectorised over tenants and accelerators as
arrays, summed by tenant (:func:`bill`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from orbitsim.analysis.economics.terms import Economics


def rates_by_accelerator(summary: Mapping[str, Any], verdict) -> dict[str, float]:
    """Orbital USD per delivered accelerator-hour of each accelerator type of the run: each
    hardware group's own verdict for a mixed fleet, the run's verdict otherwise."""
    groups = summary.get("hardware_groups") or {}
    if verdict.groups and groups:
        return {str(row["accelerator"]): float(verdict.groups[label]
                                               .orbit_usd_per_accelerator_hour)
                for label, row in groups.items() if label in verdict.groups}
    rate = float(verdict.orbit_usd_per_accelerator_hour)
    names = {acc for row in (summary.get("governance") or {}).get("tenants", {}).values()
             for acc in row.get("accelerator_hours_by_accelerator", {})}
    return dict.fromkeys(sorted(names), rate)


def bill(hours: np.ndarray, terms_hours: np.ndarray, idle_hours: np.ndarray,
         rate_usd_per_h: np.ndarray, monitoring_usd_by_acc: np.ndarray,
         levy_fraction: np.ndarray) -> dict[str, np.ndarray]:
    """Per tenant (rows) and accelerator type (columns) arrays in, per tenant USD out (and
    ``levy_cells``, the levy of each tenant on each type).

    ``hours``: delivered accelerator-hours; ``terms_hours``: those under terms that require
    monitoring (the monitoring's key); ``idle_hours``: held idle by pauses;
    ``rate_usd_per_h`` ``(n_acc,)``; ``monitoring_usd_by_acc`` ``(n_acc,)``: the telemetry's
    cost on each type's nodes; ``levy_fraction``: ``(n_tenants, n_acc)``, 0 without terms."""
    hours = np.asarray(hours, dtype=float)
    delivered = hours.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # the rate without the monitoring share, which is billed to the monitored tenants
        own = np.where(delivered > 0, rate_usd_per_h - monitoring_usd_by_acc / delivered,
                       rate_usd_per_h)
        keyed = terms_hours.sum(axis=0)
        share = np.where(keyed > 0, terms_hours / keyed, 0.0)
        # no hours, no dollars: a type that delivered nothing has no finite rate (NaN)
        compute = np.where(hours > 0, hours * own, 0.0)
        idle = np.where(idle_hours > 0, idle_hours * own, 0.0)
    monitoring = share * monitoring_usd_by_acc
    levy = levy_fraction * (compute + monitoring) * (levy_fraction > 0)
    return {"compute_usd": compute.sum(axis=1), "monitoring_usd": monitoring.sum(axis=1),
            "levy_usd": levy.sum(axis=1), "idle_usd": idle.sum(axis=1),
            "bill_usd": (compute + monitoring + levy).sum(axis=1), "levy_cells": levy}


def price_governance(summary: Mapping[str, Any], verdict, economics: Economics) -> dict:
    """The dollars of ``summary["governance"]`` (module docstring): a copy of it with, per
    tenant, ``compute_usd``, ``monitoring_usd``, ``levy_fraction`` (by accelerator),
    ``levy_usd``, ``levy_to``, ``idle_usd`` (and by reason: ``idle_suspended_usd``,
    ``idle_geofenced_usd``), ``bill_usd``; fleet-wide ``monitoring_usd`` and
    ``levy_usd``; ``bill_by_country`` (home countries: what their tenants pay, and the levies
    each licensing country receives); and the rates used."""
    governance = dict(summary.get("governance") or {})
    tenants = governance.get("tenants") or {}
    if not tenants:
        return governance
    rates = rates_by_accelerator(summary, verdict)
    names = sorted(rates)
    rate = np.array([rates[a] for a in names])
    usd_per_minute = float(economics.orbit.ground_service_usd_per_contact_minute)
    pass_s = governance.get("monitoring_pass_s_by_accelerator") or {}
    monitoring_usd = np.array([pass_s.get(a, 0.0) / 60.0 * usd_per_minute for a in names])
    rows = list(tenants)
    hours = np.zeros((len(rows), len(names)))
    keyed = np.zeros_like(hours)
    idle = np.zeros_like(hours)
    levy = np.zeros_like(hours)
    levy_to: dict[str, dict[str, str]] = {}
    for i, name in enumerate(rows):
        row = tenants[name]
        for j, acc in enumerate(names):
            hours[i, j] = row.get("accelerator_hours_by_accelerator", {}).get(acc, 0.0)
            idle[i, j] = sum(row.get(f"{r}_accelerator_hours_by_accelerator", {}).get(acc, 0.0)
                             for r in ("suspended", "geofenced"))
            terms = (row.get("terms") or {}).get(acc) or {}
            if terms.get("access") != "terms":
                continue
            if terms.get("monitoring"):
                keyed[i, j] = hours[i, j]
            fraction = terms.get("levy_fraction")
            export = economics.policy.export_term(acc, row.get("home_country", ""))
            if fraction is None and export is not None:
                fraction = export.revenue_share_fraction
            levy[i, j] = float(fraction or 0.0)
            if levy[i, j] > 0:
                levy_to.setdefault(name, {})[acc] = (export.licensing_country
                                                     if export is not None else "")
    money = bill(hours, keyed, idle, rate, monitoring_usd, levy)
    idle_by_reason = {}
    for reason in ("suspended", "geofenced"):
        part = np.array([[tenants[name].get(f"{reason}_accelerator_hours_by_accelerator",
                                            {}).get(acc, 0.0) for acc in names]
                         for name in rows])
        idle_by_reason[f"idle_{reason}_usd"] = bill(
            hours, keyed, part, rate, monitoring_usd, levy)["idle_usd"]
    out_tenants = {}
    cells = money.pop("levy_cells")
    for i, name in enumerate(rows):
        row = dict(tenants[name])
        for key, values in money.items():
            row[key] = float(values[i])
        for key, values in idle_by_reason.items():
            row[key] = float(values[i])
        row["levy_fraction_by_accelerator"] = {a: float(levy[i, j])
                                               for j, a in enumerate(names) if levy[i, j] > 0}
        row["levy_to"] = levy_to.get(name, {})
        out_tenants[name] = row
    by_country: dict[str, dict[str, float]] = {}
    for row in out_tenants.values():
        home = row.get("home_country") or "unknown"
        entry = by_country.setdefault(home, {"tenants": 0, "compute_usd": 0.0,
                                             "monitoring_usd": 0.0, "levy_paid_usd": 0.0,
                                             "levy_received_usd": 0.0, "bill_usd": 0.0})
        entry["tenants"] += 1
        entry["compute_usd"] += row["compute_usd"]
        entry["monitoring_usd"] += row["monitoring_usd"]
        entry["levy_paid_usd"] += row["levy_usd"]
        entry["bill_usd"] += row["bill_usd"]
    for i, name in enumerate(rows):
        for j, acc in enumerate(names):
            receiver = levy_to.get(name, {}).get(acc)
            if receiver is None:
                continue
            entry = by_country.setdefault(receiver or "licensing state", {
                "tenants": 0, "compute_usd": 0.0, "monitoring_usd": 0.0, "levy_paid_usd": 0.0,
                "levy_received_usd": 0.0, "bill_usd": 0.0})
            entry["levy_received_usd"] += float(cells[i, j])
    governance["tenants"] = out_tenants
    governance["bill_by_country"] = by_country
    governance["monitoring_usd"] = float(monitoring_usd.sum())
    governance["levy_usd"] = float(money["levy_usd"].sum())
    governance["rates_usd_per_accelerator_hour"] = dict(zip(names, rate.tolist()))
    governance["ground_service_usd_per_contact_minute"] = usd_per_minute
    return governance


__all__ = ["bill", "price_governance", "rates_by_accelerator"]
