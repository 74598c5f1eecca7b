"""Eclipse intervals against a 1-second Skyfield sampling, and physical sanity checks."""

from __future__ import annotations

import numpy as np
import pytest
from skyfield.api import EarthSatellite

from orbitsim import eclipses, propagate, sun_synchronous, time_grid, walker_delta
from orbitsim.kernels.orbit import sun_synchronous_inclination_deg

EARTH_RADIUS_KM = 6378.137
SUN_RADIUS_KM = 695_700.0


def _skyfield_runs(satrec, start, hours, ts, de421):
    """Umbra/penumbra runs from Skyfield positions sampled every second (GCRS)."""
    seconds = np.arange(0, int(hours * 3600) + 1, dtype=float)
    t = ts.utc(start.year, start.month, start.day, start.hour, start.minute, seconds)
    sat = EarthSatellite.from_satrec(satrec, ts).at(t)
    r = sat.position.km.T
    sun = (de421["sun"] - de421["earth"]).at(t).position.km.T
    to_sun = sun - r
    a = np.arcsin(SUN_RADIUS_KM / np.linalg.norm(to_sun, axis=1))
    b = np.arcsin(EARTH_RADIUS_KM / np.linalg.norm(r, axis=1))
    c = np.arccos(np.sum(-r * to_sun, axis=1)
                  / (np.linalg.norm(r, axis=1) * np.linalg.norm(to_sun, axis=1)))
    kind = np.where(c >= a + b, "lit", np.where(c <= b - a, "umbra", "penumbra"))
    runs = []
    begin = 0
    for i in range(1, len(kind) + 1):
        if i == len(kind) or kind[i] != kind[begin]:
            if kind[begin] != "lit":
                runs.append((str(kind[begin]), seconds[begin], seconds[i - 1]))
            begin = i
    sunlit = sat.is_sunlit(de421)
    return runs, seconds, sunlit


@pytest.mark.parametrize("step_s", [60.0, 30.0])
def test_intervals_match_one_second_skyfield_sampling(ts, de421, step_s):
    shell = walker_delta(550, 53, planes=3, per_plane=1, phasing=0, raan0_deg=10.0)
    grid = time_grid("2026-03-20T00:00:00Z", hours=6, step_s=step_s)
    ours = eclipses(shell, grid)
    assert set(ours.kind) == {"umbra", "penumbra"}
    for i, satrec in enumerate(shell.satrecs):
        runs, seconds, sunlit = _skyfield_runs(satrec, grid.start_utc, 6, ts, de421)
        mine = ours[ours.sat_index == i].sort_values("start_s")
        assert len(mine) == len(runs)
        for (kind, start_s, end_s), row in zip(runs, mine.itertuples()):
            assert row.kind == kind
            # A 1 s sampling brackets each boundary within [sample, sample + 1 s].
            assert abs(row.start_s - start_s) <= 2.0
            assert abs(row.end_s - end_s) <= 2.0
        # Skyfield's own is_sunlit (point Sun) switches inside our penumbra, within 1 s.
        switches = seconds[1:][sunlit[1:] != sunlit[:-1]]
        pen = mine[mine.kind == "penumbra"]
        for s in switches:
            inside = (pen.start_s - 1.0 <= s) & (s <= pen.end_s + 1.0)
            assert inside.any(), s


def test_dawn_dusk_sso_near_june_solstice_has_no_eclipse():
    sso = sun_synchronous(650, ltan_hours=6.0, planes=1, per_plane=6,
                          epoch_utc="2026-06-21T00:00:00Z")
    grid = time_grid("2026-06-21T00:00:00Z", hours=24, step_s=60)
    assert len(eclipses(sso, grid)) == 0
    assert np.all(propagate(sso, grid).illuminated == 1.0)


def test_550_km_53_deg_at_zero_beta_sees_35_minute_eclipses():
    # At the March equinox the Sun sits on the equator at right ascension ~0: a node line at
    # RA 0 puts the Sun in the orbit plane, so the beta angle is close to 0.
    shell = walker_delta(550, 53, planes=1, per_plane=1, phasing=0, raan0_deg=0.0,
                         epoch_utc="2026-03-20T00:00:00Z")
    grid = time_grid("2026-03-20T00:00:00Z", hours=6, step_s=30)
    rows = eclipses(shell, grid)
    umbra = rows[(rows.kind == "umbra") & (rows.start_s > 0) & (rows.end_s < grid.duration_s)]
    assert len(umbra) >= 3
    # Geometry: 2·asin(R/a) of a 95.6 min orbit is 35.7 min of shadow with penumbra included.
    penumbra_min = rows[rows.kind == "penumbra"].duration_s.mean() / 60.0
    shadow_min = umbra.duration_s.mean() / 60.0 + penumbra_min  # half of each penumbra
    assert shadow_min == pytest.approx(35.7, abs=0.5)


def test_sun_synchronous_inclination_at_650_km():
    assert sun_synchronous_inclination_deg(650.0) == pytest.approx(97.99, abs=0.01)
    sso = sun_synchronous(650, ltan_hours=18.0)
    assert sso.shells[0].inclination_deg == pytest.approx(97.99, abs=0.01)


def test_intervals_never_overlap_and_stay_inside_window():
    shell = walker_delta(600, 70, planes=4, per_plane=3, phasing=1)
    grid = time_grid("2026-01-05T00:00:00Z", hours=12, step_s=60)
    rows = eclipses(shell, grid, chunk_size=5)
    assert (rows.start_s >= 0).all() and (rows.end_s <= grid.duration_s).all()
    for _, group in rows.groupby("sat_index"):
        group = group.sort_values("start_s")
        assert (group.start_s.values[1:] >= group.end_s.values[:-1] - 1e-6).all()


def test_datetime_columns_beside_the_seconds():
    shell = walker_delta(550, 53, planes=1, per_plane=2, phasing=0)
    grid = time_grid("2026-03-20T00:00:00Z", hours=3, step_s=60)
    rows = eclipses(shell, grid)
    assert len(rows)
    for column in ("start", "end"):
        assert str(rows[f"{column}_utc"].dtype) == "datetime64[ns, UTC]"
        offset_s = (rows[f"{column}_utc"] - grid.start_utc).dt.total_seconds()
        np.testing.assert_allclose(offset_s, rows[f"{column}_s"], atol=5e-4)
    # No satellite in shadow: an empty frame with the same columns and types.
    sso = sun_synchronous(650, ltan_hours=6.0, planes=1, per_plane=1,
                          epoch_utc="2026-06-21T00:00:00Z")
    empty = eclipses(sso, time_grid("2026-06-21T00:00:00Z", hours=1, step_s=60))
    assert len(empty) == 0 and list(empty.columns) == list(rows.columns)
    assert str(empty.start_utc.dtype) == "datetime64[ns, UTC]"
