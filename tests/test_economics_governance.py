"""Governance in dollars (economics/governance): the levy's default from policy.toml's export
terms, the monitoring billed to the monitored tenants, and bills that add up."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.analysis.economics import load_economics
from orbitsim.analysis.economics.governance import bill, price_governance


def test_the_h200_revenue_share_is_a_cited_default():
    economics = load_economics()
    term = economics.policy.export_term("h200", "cn")
    assert term is not None and term.revenue_share_fraction == 0.25
    assert term.licensing_country == "US"
    assert "8 Dec 2025" in economics.comment("policy",
                                             "export_terms.h200_china.revenue_share_fraction")
    assert economics.policy.export_term("h100-sxm", "CN") is None
    assert economics.policy.export_term("h200", "AE") is None


def test_bill_arithmetic():
    hours = np.array([[10.0, 0.0], [0.0, 20.0]])  # two tenants, two accelerator types
    keyed = np.array([[0.0, 0.0], [0.0, 20.0]])  # the second monitored on the second type
    idle = np.array([[0.0, 0.0], [0.0, 5.0]])
    money = bill(hours, keyed, idle, np.array([30.0, 40.0]), np.array([0.0, 100.0]),
                 np.array([[0.0, 0.0], [0.0, 0.25]]))
    own = 40.0 - 100.0 / 20.0  # the second type's rate without its monitoring share
    assert money["compute_usd"].tolist() == pytest.approx([300.0, 20.0 * own])
    assert money["monitoring_usd"].tolist() == pytest.approx([0.0, 100.0])
    assert money["levy_usd"].tolist() == pytest.approx([0.0, 0.25 * (20.0 * own + 100.0)])
    assert money["idle_usd"].tolist() == pytest.approx([0.0, 5.0 * own])
    # what the tenants pay for compute and monitoring is what the fleet's hours cost
    assert (money["compute_usd"] + money["monitoring_usd"]).sum() == pytest.approx(
        10 * 30.0 + 20 * 40.0)


class _Verdict:
    groups = {}
    orbit_usd_per_accelerator_hour = 40.0


def test_price_governance_uses_the_policy_default_unless_the_licence_sets_one():
    terms = {"h200": {"access": "terms", "levy_fraction": None, "monitoring": True,
                      "geofence": [], "licence": 0}}
    summary = {"governance": {
        "monitoring_pass_s_by_accelerator": {"h200": 600.0},
        "tenants": {
            "cn": {"home_country": "CN", "terms": terms,
                   "accelerator_hours_by_accelerator": {"h200": 100.0}},
            "us": {"home_country": "US", "terms": {"h200": {"access": "allowed"}},
                   "accelerator_hours_by_accelerator": {"h200": 50.0}},
        }}}
    economics = load_economics()
    priced = price_governance(summary, _Verdict(), economics)
    cn, us = priced["tenants"]["cn"], priced["tenants"]["us"]
    per_minute = economics.orbit.ground_service_usd_per_contact_minute
    assert priced["monitoring_usd"] == pytest.approx(10.0 * per_minute)
    assert cn["monitoring_usd"] == pytest.approx(10.0 * per_minute) and us["monitoring_usd"] == 0
    assert cn["levy_fraction_by_accelerator"] == {"h200": 0.25}
    assert cn["levy_usd"] == pytest.approx(0.25 * (cn["compute_usd"] + cn["monitoring_usd"]))
    assert cn["levy_to"] == {"h200": "US"}
    assert priced["bill_by_country"]["US"]["levy_received_usd"] == pytest.approx(cn["levy_usd"])
    assert priced["bill_by_country"]["CN"]["levy_paid_usd"] == pytest.approx(cn["levy_usd"])
    total = sum(t["compute_usd"] + t["monitoring_usd"] for t in priced["tenants"].values())
    assert total == pytest.approx(150.0 * 40.0)
    terms["h200"]["levy_fraction"] = 0.1  # a licence's own levy wins
    assert price_governance(summary, _Verdict(), economics)["tenants"]["cn"][
        "levy_fraction_by_accelerator"] == {"h200": 0.1}


def test_a_type_that_delivered_nothing_bills_nothing():
    """A zero-job run (or an accelerator type no job used) has no finite rate: its tenants
    owe $0 for it, not NaN."""
    hours = np.array([[0.0, 4.0], [0.0, 0.0]])
    money = bill(hours, np.zeros_like(hours), np.zeros_like(hours),
                 np.array([np.nan, 40.0]), np.zeros(2), np.zeros_like(hours))
    assert money["compute_usd"].tolist() == [160.0, 0.0]
    assert money["bill_usd"].tolist() == [160.0, 0.0]
    assert money["idle_usd"].tolist() == [0.0, 0.0]
