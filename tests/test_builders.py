"""Constellation builders: Walker patterns read back from the elements, the local time of the
ascending node of propagated sun-synchronous orbits, and formation clusters kept together."""

from __future__ import annotations

import numpy as np
import pytest
from skyfield.framelib import itrs

from orbitsim import combine, propagate, time_grid
from orbitsim.errors import InputError
from orbitsim.kernels.orbit import kozai_mean_motion_rad_min, sun_synchronous_inclination_deg
from orbitsim.model.builders import (
    formation_cluster,
    sun_synchronous,
    walker_delta,
    walker_star,
)
from orbitsim.model.elements import SGP4_EPOCH_ORIGIN_JD


def wrapped_deg(angle_deg: np.ndarray) -> np.ndarray:
    """Angle differences folded into [-180, 180)."""
    return (np.asarray(angle_deg) + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize(
    ("builder", "spread_deg", "planes", "per_plane", "phasing", "raan0_deg"),
    [(walker_delta, 360.0, 6, 4, 2, 0.0), (walker_delta, 360.0, 72, 22, 17, 0.0),
     (walker_delta, 360.0, 5, 3, 0, 12.5), (walker_star, 180.0, 6, 11, 1, 0.0),
     (walker_star, 180.0, 10, 52, 9, 30.0)],
)
def test_walker_pattern_from_the_elements(builder, spread_deg, planes, per_plane, phasing,
                                          raan0_deg):
    """Walker i:T/P/F: plane p at RAAN raan0 + p·spread/P, slot s at anomaly
    s·360/S + p·F·360/T (argument of latitude: e = 0, ω = 0)."""
    shell = builder(550.0, 87.9 if builder is walker_star else 53.0, planes, per_plane, phasing,
                    raan0_deg=raan0_deg, epoch_utc="2026-03-01T00:00:00Z")
    total = planes * per_plane
    assert len(shell) == total
    elements = shell.elements()
    plane = np.repeat(np.arange(planes), per_plane)
    slot = np.tile(np.arange(per_plane), planes)
    raan_deg = np.degrees(elements.raan_rad)
    np.testing.assert_allclose(wrapped_deg(raan_deg - (raan0_deg + plane * spread_deg / planes)),
                               0.0, atol=1e-9)
    anomaly = np.degrees(elements.mean_anomaly_rad + elements.arg_perigee_rad)
    expected = slot * 360.0 / per_plane + plane * phasing * 360.0 / total
    np.testing.assert_allclose(wrapped_deg(anomaly - expected), 0.0, atol=1e-9)
    # Planes evenly spaced; satellites evenly spaced within each plane.
    raan_of_plane = raan_deg[::per_plane]
    np.testing.assert_allclose(wrapped_deg(np.diff(raan_of_plane)), spread_deg / planes,
                               atol=1e-9)
    in_plane = anomaly.reshape(planes, per_plane)
    np.testing.assert_allclose(wrapped_deg(np.diff(in_plane, axis=1)), 360.0 / per_plane,
                               atol=1e-9)
    # Circular, one inclination and altitude, one epoch.
    assert np.all(elements.eccentricity == 0.0)
    np.testing.assert_allclose(elements.mean_motion_rad_min,
                               kozai_mean_motion_rad_min(550.0, np.degrees(
                                   elements.inclination_rad[0])), rtol=1e-15)
    np.testing.assert_allclose(elements.epoch_days, 2461100.5 - SGP4_EPOCH_ORIGIN_JD)


def test_walker_star_planes_span_half_a_turn_and_delta_a_full_one():
    star = walker_star(1200.0, 87.0, 6, 2, 1)
    delta = walker_delta(1200.0, 87.0, 6, 2, 1)
    star_raan = np.degrees(star.elements().raan_rad)[::2]
    delta_raan = np.degrees(delta.elements().raan_rad)[::2]
    np.testing.assert_allclose(star_raan, [0, 30, 60, 90, 120, 150], atol=1e-9)
    np.testing.assert_allclose(delta_raan, [0, 60, 120, 180, 240, 300], atol=1e-9)


def test_names_ids_and_shell_summary():
    shell = walker_delta(550, 53, planes=3, per_plane=2, phasing=1)
    assert list(shell.names) == ["WALKER-P00-S00", "WALKER-P00-S01", "WALKER-P01-S00",
                                 "WALKER-P01-S01", "WALKER-P02-S00", "WALKER-P02-S01"]
    assert shell.ids.tolist() == [1, 2, 3, 4, 5, 6]
    assert shell.shells[0].kind == "walker-delta 6/3/1"
    assert shell.shells[0].count == 6 and shell.shells[0].altitude_km == 550.0
    named = walker_star(550, 87, 2, 2, 1, prefix="POLAR", first_id=1001, name="polar",
                        hardware="starlink-compute")
    assert named.name == "polar" and named.hardware == "starlink-compute"
    assert named.names[0] == "POLAR-P00-S00" and named.ids.tolist() == [1001, 1002, 1003, 1004]
    assert named.elements().satnum.tolist() == [1001, 1002, 1003, 1004]
    for constellation in (walker_delta(550, 53, 40, 30, 7), sun_synchronous(650, 6.0, 5, 7),
                          formation_cluster(81, 1.0)):
        assert len(set(constellation.names)) == len(constellation)
        assert len(np.unique(constellation.ids)) == len(constellation)


def test_satnum_beyond_the_alpha5_range_is_zero_but_ids_stay_unique():
    shell = walker_delta(550, 53, 2, 2, 1, first_id=339_998)
    assert shell.ids.tolist() == [339_998, 339_999, 340_000, 340_001]
    assert shell.elements().satnum.tolist() == [339_998, 339_999, 0, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"planes": 0}, "planes and per_plane"), ({"per_plane": 0}, "planes and per_plane"),
     ({"phasing": 4}, "phasing"), ({"phasing": -1}, "phasing"),
     ({"altitude_km": 50.0}, "altitude_km"), ({"altitude_km": float("nan")}, "altitude_km"),
     ({"altitude_km": 50_000.0}, "altitude_km"), ({"inclination_deg": 190.0}, "inclination_deg"),
     ({"inclination_deg": -1.0}, "inclination_deg")],
)
@pytest.mark.parametrize("builder", [walker_delta, walker_star])
def test_walker_rejects_bad_arguments(builder, kwargs, message):
    arguments = {"altitude_km": 550.0, "inclination_deg": 53.0, "planes": 4, "per_plane": 4,
                 "phasing": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        builder(**arguments)


@pytest.mark.parametrize(
    ("call", "message"),
    [(lambda: sun_synchronous(7000.0), "altitude_km"),
     (lambda: sun_synchronous(50.0), "altitude_km"),
     (lambda: sun_synchronous(650.0, ltan_hours=25.0), "ltan_hours"),
     (lambda: sun_synchronous(650.0, ltan_hours=-1.0), "ltan_hours"),
     (lambda: sun_synchronous(650.0, planes=0), "planes"),
     (lambda: formation_cluster(0, 1.0), "n_sats"),
     (lambda: formation_cluster(3, -1.0), "radius_km"),
     (lambda: formation_cluster(3, 2000.0), "radius_km"),
     (lambda: formation_cluster(3, 1.0, altitude_km=7000.0), "sun-synchronous")],
)
def test_sso_and_cluster_reject_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_epoch_is_an_input_error_naming_the_field():
    with pytest.raises(InputError) as caught:
        walker_delta(550, 53, 2, 2, 1, epoch_utc="soon")
    assert caught.value.field == "epoch_utc"


def equation_of_time_min(day_of_year: float, hour_utc: float) -> float:
    """Apparent minus mean solar time, minutes (Spencer 1971, as used by NOAA; ±0.6 min)."""
    gamma = 2.0 * np.pi / 365.0 * (day_of_year - 1.0 + (hour_utc - 12.0) / 24.0)
    return 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                     - 0.014615 * np.cos(2.0 * gamma) - 0.040849 * np.sin(2.0 * gamma))


LTANS_H = [6.0, 18.0, 10.5, 22.25, 0.0]


@pytest.mark.parametrize("epoch_utc", ["2026-01-01T00:00:00Z", "2026-06-01T07:30:00Z",
                                       "2026-11-03T21:10:00Z"])
def test_sun_synchronous_ltan_of_the_propagated_node(epoch_utc, de421, ts):
    """Find the first ascending node crossing in ECEF positions; its local mean solar time is
    UT1 + longitude/15, and its local apparent solar time, from the Sun's longitude (DE421
    via Skyfield), is 12 h + (λ_node − λ_sun)/15, which minus the equation of time is mean
    time again. Both must equal ``ltan_hours`` within 2 minutes. (Early November the
    equation of time is +16 min: apparent time alone would fail.)"""
    sso = combine("ltans", [sun_synchronous(650.0, ltan_hours=ltan, epoch_utc=epoch_utc)
                            for ltan in LTANS_H])
    grid = time_grid(epoch_utc, 1.7, 10.0)
    geometry = propagate(sso, grid)
    ut1_whole, ut1_fraction = grid.jd_ut1
    for index, ltan_hours in enumerate(LTANS_H):
        r = geometry.r_ecef_km[index]
        k = np.flatnonzero((r[:-1, 2] < 0.0) & (r[1:, 2] >= 0.0))[0]
        share = -r[k, 2] / (r[k + 1, 2] - r[k, 2])
        node = r[k] + share * (r[k + 1] - r[k])
        node_lon_deg = np.degrees(np.arctan2(node[1], node[0]))
        seconds = grid.seconds[k] + share * grid.step_s
        ut1_hours = ((ut1_whole[k] % 1.0 - 0.5) + ut1_fraction[k]) * 24.0
        ut1_hours += share * grid.step_s / 3600.0
        mean_time_h = ut1_hours + node_lon_deg / 15.0
        error_min = wrapped_deg((mean_time_h - ltan_hours) * 15.0) / 15.0 * 60.0
        assert abs(error_min) < 2.0, (ltan_hours, error_min)

        s = grid.start_utc
        t = ts.utc(s.year, s.month, s.day, s.hour, s.minute, s.second + seconds)
        sun = (de421["sun"] - de421["earth"]).at(t).frame_xyz(itrs).km
        sun_lon_deg = np.degrees(np.arctan2(sun[1], sun[0]))
        apparent_h = 12.0 + wrapped_deg(node_lon_deg - sun_lon_deg) / 15.0
        instant = t.utc_datetime()
        mean_from_sun_h = apparent_h - equation_of_time_min(
            instant.timetuple().tm_yday, instant.hour + instant.minute / 60.0) / 60.0
        error_min = wrapped_deg((mean_from_sun_h - ltan_hours) * 15.0) / 15.0 * 60.0
        assert abs(error_min) < 2.0, (ltan_hours, error_min)


def test_sun_synchronous_planes_and_inclination():
    sso = sun_synchronous(650.0, ltan_hours=6.0, planes=4, per_plane=8, plane_spacing_hours=0.5)
    elements = sso.elements()
    np.testing.assert_allclose(np.degrees(elements.inclination_rad),
                               sun_synchronous_inclination_deg(650.0), rtol=1e-15)
    raan_of_plane = np.degrees(elements.raan_rad[::8])
    np.testing.assert_allclose(wrapped_deg(np.diff(raan_of_plane)), 7.5, atol=1e-9)  # 0.5 h
    in_plane = np.degrees(elements.mean_anomaly_rad).reshape(4, 8)
    np.testing.assert_allclose(wrapped_deg(np.diff(in_plane, axis=1)), 45.0, atol=1e-9)
    assert sso.shells[0].kind == "sun-synchronous LTAN 6 h"


def test_formation_cluster_stays_within_its_diameter_for_a_day():
    """81 satellites within 1 km (Suncatcher): every pair within 2 km for 24 h."""
    cluster = formation_cluster(81, 1.0, 650.0, 6.0, epoch_utc="2026-06-01T00:00:00Z")
    grid = time_grid("2026-06-01T00:00:00Z", 24.0, 60.0)
    r = propagate(cluster, grid).r_ecef_km
    worst_km = 0.0
    for i in range(len(cluster) - 1):
        distance = np.linalg.norm(r[i + 1:] - r[i], axis=-1)
        worst_km = max(worst_km, float(distance.max()))
    assert worst_km <= 2.0, f"widest pair {worst_km:.4f} km"
    assert worst_km > 1.5  # the disc is filled, not collapsed
    single = formation_cluster(1, 1.0, 650.0, 6.0, epoch_utc="2026-06-01T00:00:00Z")
    reference = propagate(single, grid).r_ecef_km[0]
    # Members start inside the disc around the reference orbit.
    assert np.max(np.linalg.norm(r[:, 0] - reference[0], axis=-1)) <= 1.0


def test_formation_cluster_with_a_given_inclination():
    cluster = formation_cluster(5, 0.5, 550.0, inclination_deg=53.0, prefix="C", first_id=7)
    elements = cluster.elements()
    np.testing.assert_allclose(np.degrees(elements.inclination_rad), 53.0, atol=0.01)
    assert cluster.names[0] == "C-000" and cluster.ids.tolist() == [7, 8, 9, 10, 11]
