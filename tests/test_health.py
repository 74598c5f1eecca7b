"""Orbit hygiene: a satellite whose propagation fails (SGP4 error, re-entry below 100 km,
divergence beyond 100,000 km) is out of every result from then on; stale elements warn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sgp4.api import WGS72, Satrec

from orbitsim import load_constellation, time_grid
from orbitsim.geometry.contacts import contact_windows
from orbitsim.geometry.eclipses import eclipses
from orbitsim.geometry.health import orbit_errors, stale_elements
from orbitsim.geometry.propagate import (
    ALTITUDE_ERROR,
    RADIUS_ERROR,
    GridContext,
    compute_chunk,
    mark_insane,
    propagate,
)
from orbitsim.model.constellation import Constellation
from orbitsim.model.elements import ElementSet
from tests.helpers import run

DATA = Path(__file__).resolve().parent / "data"
DECAY = DATA / "decay.3le"  # HEALTHY-1, HEALTHY-2, DECAY-1 (re-enters ~4.5 h after 06-21 00:00)
START = "2026-06-21T00:00:00Z"


def _runaway() -> Constellation:
    """A huge B* (50): SGP4 returns positions ~1e11 km away long before any error code."""
    satrec = Satrec()
    satrec.sgp4init(WGS72, "i", 90009, 27_565.0, 50.0, 0.0, 0.0, 0.0005, 0.5, 0.9, 0.0,
                    15.5 * 2 * np.pi / 1440, 0.3)
    return Constellation("runaway", (ElementSet.from_satrecs([satrec]),), names=["RUNAWAY"],
                         ids=[1], measured_parts=(True,))


def test_decayed_satellite_is_out_from_its_first_failure_on():
    sats = load_constellation(DECAY)
    grid = time_grid(START, 8, 60)
    geo = propagate(sats, grid)
    errors = geo.errors()
    assert list(errors.satellite) == ["DECAY-1"]
    first = int(errors.first_error_s.iloc[0] // 60)
    assert errors.code.iloc[0] == ALTITUDE_ERROR  # below 100 km before SGP4's own error
    assert (geo.error[2, first:] != 0).all() and (geo.error[2, :first] == 0).all()
    assert np.isnan(geo.r_ecef_km[2, first:]).all() and np.isnan(geo.illuminated[2, first:]).all()
    assert (geo.error[:2] == 0).all()
    assert orbit_errors(sats, grid).equals(errors)


def test_no_eclipse_or_pass_after_the_decay():
    sats = load_constellation(DECAY)
    grid = time_grid(START, 24, 60)
    decay_s = float(orbit_errors(sats, grid).first_error_s.iloc[0])
    rows = eclipses(sats, grid)
    mine = rows[rows.satellite == "DECAY-1"]
    assert len(mine) and mine.end_s.max() < decay_s  # eclipses stop, no NaN "penumbra" row
    assert rows[rows.satellite != "DECAY-1"].end_s.max() > 20 * 3600
    passes = contact_windows(sats, "commercial", grid)
    assert passes[passes.satellite == "DECAY-1"].end_s.max() < decay_s


def test_diverged_positions_count_as_an_error_with_no_pass():
    # A huge B*: SGP4 flags some samples and returns others ~1e6 km away with no error code.
    sats = _runaway()
    grid = time_grid("2025-06-20T00:00:00Z", 24, 60)
    geo = propagate(sats, grid)
    errors = geo.errors()
    assert len(errors) == 1
    first = int(errors.first_error_s.iloc[0] // 60)
    assert (geo.error[0, first:] != 0).all()
    assert (np.linalg.norm(geo.r_ecef_km[0, :first], axis=-1) < 100_000).all()
    assert len(contact_windows(sats, "commercial", grid)) == 0


def test_a_position_beyond_100000_km_with_no_sgp4_error_is_an_error():
    sats = load_constellation(DECAY).subset([0])
    grid = time_grid(START, 1, 60)
    chunk = compute_chunk(sats.recipe_slice(0, 1), GridContext.of(grid), 0, True)
    assert (chunk.error == 0).all()
    chunk.r_ecef_km[0, 30:] *= 5e7  # ~3e11 km, as a huge B* gives
    chunk.alt_km[0, 30:] = np.linalg.norm(chunk.r_ecef_km[0, 30:], axis=-1) - 6378.0
    mark_insane(chunk)
    assert (chunk.error[0, 30:] == RADIUS_ERROR).all() and (chunk.error[0, :30] == 0).all()
    assert np.isnan(chunk.lat_deg[0, 30:]).all() and np.isnan(chunk.v_ecef_km_s[0, 30:]).all()


def test_eclipses_warns_in_one_line_naming_the_satellite(capsys, tmp_path):
    out = tmp_path / "e.csv"
    code, _, err = run(capsys, "eclipses", str(DECAY), "--start", START, "--hours", "24",
                       "--out", str(out))
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1 and "1 of 3 satellites" in lines[0] and "DECAY-1" in lines[0]
    rows = pd.read_csv(out)
    assert pd.to_datetime(rows[rows.satellite == "DECAY-1"].end_utc).max() < pd.Timestamp(
        "2026-06-21T05:00:00Z")


@pytest.mark.parametrize("command", ["contacts", "coverage"])
def test_other_commands_warn_too(capsys, tmp_path, command):
    extra = (["--stations", "commercial", "--out", str(tmp_path / "c.csv")]
             if command == "contacts" else ["--csv", str(tmp_path / "c.csv")])
    code, _, err = run(capsys, command, str(DECAY), "--start", START, "--hours", "6", *extra)
    assert code == 0, err
    assert [line for line in err.splitlines() if "DECAY-1" in line][0].startswith("warning: 1 of 3")


def test_run_counts_the_decayed_node_with_no_utilisation_after(capsys, tmp_path):
    out = tmp_path / "run"
    code, _, err = run(capsys, "run", str(DATA / "scenarios" / "decay.toml"), "--hours", "6",
                       "--out", str(out))
    assert code == 0, err
    assert "DECAY-1" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["nodes_decayed"] == 1
    assert [e["satellite"] for e in summary["orbit_errors"]] == ["DECAY-1"]
    decay_s = summary["orbit_errors"][0]["first_error_s"]
    nodes = pd.read_parquet(out / "nodes.parquet").set_index("satellite")
    assert not nodes.loc["DECAY-1", "alive"] and nodes.loc["DECAY-1", "orbit_failed_s"] == decay_s
    busy_s = nodes.loc["DECAY-1", "busy_accelerator_s"]
    assert 0 < busy_s <= decay_s * summary["accelerators_per_node"]  # used before, not after
    jobs = pd.read_parquet(out / "jobs.parquet")
    started = jobs[(jobs.node == nodes.loc["DECAY-1", "node"]) & (jobs.status == "done")]
    assert (started.start_s < decay_s).all()


def test_stale_elements_warn_and_designed_orbits_never_do(capsys, tmp_path):
    iss = load_constellation(DATA / "iss.tle")  # epoch 2008
    grid = time_grid("2026-01-01T00:00:00Z", 1, 60)
    stale = stale_elements(iss, grid)
    assert len(stale) == 1 and stale.days_from_epoch_at_start.iloc[0] > 6000
    assert len(stale_elements(iss, grid, max_age_days=1e5)) == 0
    assert len(stale_elements(load_constellation("starcloud-demo"), grid)) == 0
    fresh = load_constellation(DECAY)
    assert len(stale_elements(fresh, time_grid(START, 24, 60))) == 0
    assert len(stale_elements(fresh, time_grid("2026-07-10T00:00:00Z", 1, 60))) == 3
    code, _, err = run(capsys, "eclipses", str(DATA / "iss.tle"), "--hours", "1",
                       "--out", str(tmp_path / "e.csv"))
    assert code == 0 and err.count("warning:") == 1 and "14 days" in err
    code, _, err = run(capsys, "eclipses", str(DATA / "iss.tle"), "--hours", "1",
                       "--max-epoch-age-days", "100000", "--out", str(tmp_path / "e.csv"))
    assert code == 0 and "warning" not in err


def test_jobs_on_the_decayed_node_fail_with_the_reason():
    from orbitsim import load_scenario, simulate

    scenario = load_scenario(DATA / "scenarios" / "decay.toml")
    run = simulate(scenario.model_copy(update={"faults_destroy_jobs": True}), hours=6)
    decayed = run.jobs[run.jobs.reason.str.contains("decayed out of its orbit")]
    assert len(decayed) >= 1 and set(decayed.node) == {2} and set(decayed.status) == {"failed"}
    assert run.summary["nodes_decayed"] == 1 and list(run.orbit_errors.satellite) == ["DECAY-1"]
