"""Value side: the three credits hand-computed, and a class made viable by what it saves."""

from __future__ import annotations

import math

import pytest

from orbitsim.analysis.economics import value
from tests.test_economics_costs import hand_params


def eo_class(**kw) -> value.ClassFacts:
    data = dict(name="scenes", kind="eo-processing", tenant="eo", jurisdiction_bound=False,
                jobs_done=100, accelerator_hours=10.0, bytes_born_in_orbit=100e9,
                bytes_down=1e9, latency_p50_s=600.0, compute_p50_s=5.0)
    data.update(kw)
    return value.ClassFacts(**data)


FLEET = value.FleetFacts(contact_capacity_gb_per_minute=2.0, mean_wait_to_contact_s=900.0)


def test_data_not_downlinked_is_priced_at_the_ground_service():
    """99 GB saved; a contact minute ($10) carries 2 GB: $5/GB, $495 over 10 accelerator-hours."""
    p = hand_params(time_to_power_years=0.0, deployment_years=0.0)
    credits = value.credits(eo_class(), FLEET, p, ground_same_usd=2.0, ground_own_usd=1.0,
                            h100_price_usd=10_000.0)
    assert credits["data_not_downlinked"] == pytest.approx(99.0 * 5.0 / 10.0)
    assert credits["sovereignty"] == 0.0 and credits["time_to_power"] == 0.0


def test_sovereignty_and_time_to_power():
    p = hand_params(time_to_power_years=4.0, deployment_years=1.0,
                    market_usd_per_h100_hour=2.5, sovereignty_premium_fraction=0.2)
    bound = eo_class(kind="batch-inference", bytes_born_in_orbit=0.0, jurisdiction_bound=True)
    credits = value.credits(bound, FLEET, p, ground_same_usd=3.0, ground_own_usd=1.5,
                            h100_price_usd=10_000.0)
    assert credits["data_not_downlinked"] == 0.0
    assert credits["sovereignty"] == pytest.approx(0.2 * 3.0)
    # margin 2.5 - 1.5 = $1/h earned 3 years earlier, spread over a 5-year service
    assert credits["time_to_power"] == pytest.approx(1.0 * 3.0 / 5.0)
    dear = value.credits(bound, FLEET, p, ground_same_usd=3.0, ground_own_usd=4.0,
                         h100_price_usd=10_000.0)
    assert dear["time_to_power"] == 0.0  # no margin: nothing to gain from earning earlier


def test_time_to_insight():
    c = eo_class()
    result = value.time_to_insight_s(c, FLEET)
    # wait 900 s, then 1 GB a scene at 2 GB/min (30 s), then 5 s of compute
    assert result["downlink_first_s"] == pytest.approx(900.0 + 30.0 + 5.0)
    assert result["orbit_p50_s"] == 600.0
    none = value.time_to_insight_s(eo_class(bytes_born_in_orbit=0.0), FLEET)
    assert none == {"orbit_p50_s": None, "downlink_first_s": None}


def test_class_facts_from_a_summary_row():
    row = {"kind": "eo-processing", "tenant": "eo", "jurisdiction_bound": True, "jobs_done": 3,
           "accelerator_hours": 1.5, "bytes_born_in_orbit": 3e9, "bytes_down": 1e6,
           "latency_p50_s": None, "compute_p50_s": 2.0}
    c = value.ClassFacts.from_summary("scenes", row)
    assert c.bytes_saved == pytest.approx(3e9 - 1e6) and c.jurisdiction_bound
    assert c.latency_p50_s is None and not math.isnan(c.accelerator_hours)
