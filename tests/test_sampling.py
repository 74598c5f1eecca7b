"""Step safety: a step coarser than the orbits allow is never used as given, so passes,
eclipses and a run's jobs are the same at --step 3600 as at --step 60."""

from __future__ import annotations

import pandas as pd
import pytest

from orbitsim import eclipses, load_constellation, load_scenario, simulate, time_grid
from orbitsim.geometry.sampling import max_safe_step_s, sampling_step_s
from orbitsim.model.builders import walker_delta
from tests.helpers import run


def test_safe_step_follows_the_orbit():
    leo = load_constellation("starcloud-demo")
    assert 60.0 <= max_safe_step_s(leo) < 120.0  # cubic Hermite within 1 m at 650 km
    assert sampling_step_s(leo, 3600.0) == 60.0 and sampling_step_s(leo, 30.0) == 30.0
    geo = walker_delta(35_786.0, 0.0, 1, 3, 0)
    assert max_safe_step_s(geo) > 600.0 and sampling_step_s(geo, 600.0) == 600.0


def test_contacts_at_step_3600_are_the_passes_of_step_60(capsys, tmp_path):
    counts = {}
    for step in ("60", "3600"):
        out = tmp_path / f"c{step}.csv"
        code, _, err = run(capsys, "contacts", "starcloud-demo", "--stations", "commercial",
                           "--hours", "2", "--step", step, "--out", str(out))
        assert code == 0, err
        counts[step] = out.read_bytes()
        if step == "3600":
            assert err.count("\n") == 1 and "sampled every 60 s" in err
    assert counts["60"] == counts["3600"]
    assert len(pd.read_csv(tmp_path / "c60.csv")) == 361


def test_eclipses_at_a_coarse_step_are_those_of_the_safe_step():
    sats = load_constellation("starlink-shell1").subset(range(0, 1584, 40))
    fine = eclipses(sats, time_grid("2026-03-20T00:00:00Z", 6, 60))
    coarse = eclipses(sats, time_grid("2026-03-20T00:00:00Z", 6, 3600))
    assert len(fine) > 100
    pd.testing.assert_frame_equal(fine, coarse)


@pytest.mark.parametrize("step_s", [600.0, 3600.0])
def test_jobs_done_does_not_change_with_the_step(step_s):
    base = load_scenario("starcloud-demo").model_copy(update={"start_utc":
                                                              "2026-12-21T00:00:00Z"})
    fine = simulate(base, hours=2)
    coarse = simulate(base.model_copy(update={"step_s": step_s}), hours=2)
    assert coarse.summary["step_s_used"] == 60.0
    assert coarse.summary["jobs_done"] == fine.summary["jobs_done"] > 0
    assert coarse.summary["accelerator_hours"] == fine.summary["accelerator_hours"]


def test_eclipses_shorter_than_the_step_are_found():
    # At the start of the eclipse season of the dawn-dusk demo orbits, grazing penumbras last
    # 11 to 38 s: a 60 s grid has every sample lit around them. Found between the samples, as a
    # 10 s grid finds them, and at --step 3600 (sampled at 60 s) the same.
    sats = load_constellation("starcloud-demo").subset(range(16, 24))
    rows = {step: eclipses(sats, time_grid("2026-11-04T00:00:00Z", 24, step))
            for step in (10, 60, 3600)}
    short = {step: frame[frame.duration_s < 60] for step, frame in rows.items()}
    assert len(short[10]) == 3 and len(rows[60]) == len(rows[10])
    for step in (60, 3600):
        assert list(short[step].satellite) == list(short[10].satellite)
        for column in ("start_s", "end_s"):
            assert (abs(short[step][column].to_numpy() - short[10][column].to_numpy())
                    < 0.5).all()
