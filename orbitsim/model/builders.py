"""Constellation builders: Walker delta and star shells, sun-synchronous planes, formation
clusters. Each makes SGP4 mean elements (WGS72, Kozai mean motion) at one epoch, satellites
initialised with ``Satrec.sgp4init`` chunk by chunk when propagated.

``altitude_km`` means the SGP4 (Brouwer) mean semi-major axis minus the WGS84 equatorial radius,
the usual meaning of a shell altitude in filings.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from orbitsim.kernels.frames import gmst82_rad
from orbitsim.kernels.orbit import kozai_mean_motion_rad_min, sun_synchronous_inclination_deg
from orbitsim.model.constellation import Constellation, Shell
from orbitsim.model.elements import SGP4_EPOCH_ORIGIN_JD, ElementSet
from orbitsim.model.timegrid import julian_date_utc, parse_utc, timescale

DEFAULT_EPOCH_UTC = "2026-01-01T00:00:00Z"
MAX_SGP4_SATNUM = 339_999


def _check(name: str, value: float, low: float, high: float, unit: str = "") -> None:
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} must be within [{low}, {high}]{unit}, got {value!r}")


def _epoch_days(epoch_utc: str | datetime) -> float:
    whole, fraction = julian_date_utc(parse_utc(epoch_utc, field_name="epoch_utc"))
    return (whole - SGP4_EPOCH_ORIGIN_JD) + fraction


def _elements(n: int, epoch_days: float, altitude_km: float, inclination_deg: float,
              raan_deg: np.ndarray, mean_anomaly_deg: np.ndarray, first_id: int,
              eccentricity: float = 0.0, arg_perigee_deg: float = 0.0,
              bstar: float = 0.0, inclination_offsets_deg: np.ndarray | None = None) -> ElementSet:
    inc = np.full(n, float(inclination_deg))
    if inclination_offsets_deg is not None:
        inc = inc + inclination_offsets_deg
    mean_motion = kozai_mean_motion_rad_min(altitude_km, inc, eccentricity)
    ids = first_id + np.arange(n, dtype=np.int64)
    return ElementSet(
        satnum=np.where(ids <= MAX_SGP4_SATNUM, ids, 0),
        epoch_days=np.full(n, epoch_days),
        bstar=np.full(n, float(bstar)),
        ndot=np.zeros(n),
        nddot=np.zeros(n),
        eccentricity=np.full(n, float(eccentricity)),
        arg_perigee_rad=np.full(n, np.radians(arg_perigee_deg)),
        inclination_rad=np.radians(inc),
        mean_anomaly_rad=np.radians(np.mod(mean_anomaly_deg, 360.0)),
        mean_motion_rad_min=np.broadcast_to(mean_motion, (n,)).astype(float),
        raan_rad=np.radians(np.mod(raan_deg, 360.0)),
    )


def _walker(kind: str, altitude_km: float, inclination_deg: float, planes: int, per_plane: int,
            phasing: int, *, raan_spread_deg: float, raan0_deg: float, epoch_utc, name, prefix,
            first_id, hardware, bstar) -> Constellation:
    _check("altitude_km", altitude_km, 100.0, 40_000.0, " km")
    _check("inclination_deg", inclination_deg, 0.0, 180.0, "°")
    if planes < 1 or per_plane < 1:
        raise ValueError(f"planes and per_plane must be >= 1, got {planes} and {per_plane}")
    total = planes * per_plane
    if not 0 <= phasing < max(planes, 1):
        raise ValueError(f"phasing must be within [0, {planes - 1}], got {phasing}")
    plane = np.repeat(np.arange(planes), per_plane)
    slot = np.tile(np.arange(per_plane), planes)
    raan = raan0_deg + plane * raan_spread_deg / planes
    anomaly = slot * 360.0 / per_plane + plane * phasing * 360.0 / total
    elements = _elements(total, _epoch_days(epoch_utc), altitude_km, inclination_deg, raan,
                         anomaly, first_id, bstar=bstar)
    names = [f"{prefix}-P{p:02d}-S{s:02d}" for p, s in zip(plane.tolist(), slot.tolist())]
    label = name or f"walker-{kind}-{altitude_km:g}km-{inclination_deg:g}deg"
    shell = Shell(label, total, float(altitude_km), float(inclination_deg),
                  kind=f"walker-{kind} {total}/{planes}/{phasing}", per_plane=per_plane)
    description = (f"Walker {kind} {inclination_deg:g}°: {total}/{planes}/{phasing} "
                   f"at {altitude_km:g} km")
    return Constellation(name=label, parts=(elements,), names=names,
                         ids=elements_ids(first_id, total), hardware=hardware, shells=(shell,),
                         description=description)


def elements_ids(first_id: int, n: int) -> np.ndarray:
    return first_id + np.arange(n, dtype=np.int64)


def walker_delta(altitude_km: float, inclination_deg: float, planes: int, per_plane: int,
                 phasing: int = 1, *, raan0_deg: float = 0.0,
                 epoch_utc: str | datetime = DEFAULT_EPOCH_UTC, name: str | None = None,
                 prefix: str = "WALKER", first_id: int = 1, hardware: str | None = None,
                 bstar: float = 0.0) -> Constellation:
    """Walker delta shell i:t/p/f: ``planes`` planes spread over 360° of right ascension,
    ``per_plane`` satellites each, adjacent planes offset by ``phasing·360°/t`` in anomaly.

    >>> shell = walker_delta(550, 53, planes=72, per_plane=22, phasing=17)
    >>> len(shell), shell.shells[0].kind
    (1584, 'walker-delta 1584/72/17')
    """
    return _walker("delta", altitude_km, inclination_deg, planes, per_plane, phasing,
                   raan_spread_deg=360.0, raan0_deg=raan0_deg, epoch_utc=epoch_utc, name=name,
                   prefix=prefix, first_id=first_id, hardware=hardware, bstar=bstar)


def walker_star(altitude_km: float, inclination_deg: float, planes: int, per_plane: int,
                phasing: int = 1, *, raan0_deg: float = 0.0,
                epoch_utc: str | datetime = DEFAULT_EPOCH_UTC, name: str | None = None,
                prefix: str = "STAR", first_id: int = 1, hardware: str | None = None,
                bstar: float = 0.0) -> Constellation:
    """Walker star shell (near-polar): planes spread over 180° of right ascension only."""
    return _walker("star", altitude_km, inclination_deg, planes, per_plane, phasing,
                   raan_spread_deg=180.0, raan0_deg=raan0_deg, epoch_utc=epoch_utc, name=name,
                   prefix=prefix, first_id=first_id, hardware=hardware, bstar=bstar)


def raan_for_ltan_deg(ltan_hours: float, epoch_utc: str | datetime) -> float:
    """Right ascension of the ascending node (TEME, degrees) giving a local time of the
    ascending node ``ltan_hours`` (mean solar time) at the epoch: ``Ω = GMST + 15°·(LTAN − UT)``.
    """
    epoch = parse_utc(epoch_utc, field_name="epoch_utc")
    t = timescale().from_datetime(epoch)
    gmst_deg = float(np.degrees(gmst82_rad(t.whole, t.ut1_fraction)))
    ut_hours = epoch.hour + epoch.minute / 60.0 + (epoch.second + epoch.microsecond * 1e-6) / 3600.0
    return float(np.mod(gmst_deg + 15.0 * (ltan_hours - ut_hours), 360.0))


def sun_synchronous(altitude_km: float, ltan_hours: float = 18.0, planes: int = 1,
                    per_plane: int = 1, *, plane_spacing_hours: float = 0.0,
                    epoch_utc: str | datetime = DEFAULT_EPOCH_UTC, name: str | None = None,
                    prefix: str = "SSO", first_id: int = 1, hardware: str | None = None,
                    bstar: float = 0.0) -> Constellation:
    """Sun-synchronous circular orbits: inclination from J2 at ``altitude_km``, planes at local
    times of the ascending node ``ltan_hours + k·plane_spacing_hours`` (dawn-dusk: 06:00 or
    18:00), ``per_plane`` satellites evenly spaced in each.

    >>> sso = sun_synchronous(650, ltan_hours=18.0, per_plane=4)
    >>> round(sso.shells[0].inclination_deg, 2)
    97.99
    """
    _check("altitude_km", altitude_km, 100.0, 5_900.0, " km")
    _check("ltan_hours", ltan_hours, 0.0, 24.0, " h")
    if planes < 1 or per_plane < 1:
        raise ValueError(f"planes and per_plane must be >= 1, got {planes} and {per_plane}")
    inclination = float(sun_synchronous_inclination_deg(altitude_km))
    plane = np.repeat(np.arange(planes), per_plane)
    slot = np.tile(np.arange(per_plane), planes)
    raan0 = raan_for_ltan_deg(ltan_hours, epoch_utc)
    raan = raan0 + 15.0 * plane_spacing_hours * plane
    anomaly = slot * 360.0 / per_plane + plane * 180.0 / (planes * per_plane)
    total = planes * per_plane
    elements = _elements(total, _epoch_days(epoch_utc), altitude_km, inclination, raan, anomaly,
                         first_id, bstar=bstar)
    label = name or f"sso-{altitude_km:g}km-ltan{ltan_hours:g}h"
    names = [f"{prefix}-P{p:02d}-S{s:02d}" for p, s in zip(plane.tolist(), slot.tolist())]
    shell = Shell(label, total, float(altitude_km), inclination,
                  kind=f"sun-synchronous LTAN {ltan_hours:g} h", per_plane=per_plane)
    return Constellation(name=label, parts=(elements,), names=names,
                         ids=elements_ids(first_id, total), hardware=hardware, shells=(shell,),
                         description=f"sun-synchronous {altitude_km:g} km, LTAN {ltan_hours:g} h")


def formation_cluster(n_sats: int, radius_km: float, altitude_km: float = 650.0,
                      ltan_hours: float = 18.0, *, inclination_deg: float | None = None,
                      epoch_utc: str | datetime = DEFAULT_EPOCH_UTC, name: str | None = None,
                      prefix: str = "CLUSTER", first_id: int = 1,
                      hardware: str | None = None) -> Constellation:
    """``n_sats`` satellites flying in formation within ``radius_km`` of a reference circular
    orbit (sun-synchronous at ``ltan_hours`` unless ``inclination_deg`` is given).

    Every member has the reference semi-major axis (no along-track drift, Clohessy-Wiltshire).
    Member k sits on a sunflower (Fibonacci) spiral of the disc of radius ``radius_km``: its
    along-track offset ``x_k`` becomes a mean-anomaly offset ``x_k/a``, its cross-track offset
    ``y_k`` an oscillation of amplitude ``|y_k|`` split between inclination and node offsets
    (δi = y cos φ / a, δΩ = y sin φ /(a sin i)), so ``sqrt(x² + y²) <= radius_km`` at all times
    to first order. J2 differential drift of the node (δi) is ~2 m/day per 100 m of offset
    and is not compensated.
    """
    if n_sats < 1:
        raise ValueError(f"n_sats must be >= 1, got {n_sats}")
    _check("radius_km", radius_km, 0.0, 1000.0, " km")
    if inclination_deg is None:
        inclination_deg = float(sun_synchronous_inclination_deg(altitude_km))
        raan0 = raan_for_ltan_deg(ltan_hours, epoch_utc)
    else:
        raan0 = 0.0
    a_km = 6378.137 + altitude_km
    k = np.arange(n_sats)
    golden = np.pi * (3.0 - np.sqrt(5.0))
    rho = radius_km * np.sqrt((k + 0.5) / n_sats) if n_sats > 1 else np.zeros(1)
    theta = k * golden
    along_km, cross_km = rho * np.cos(theta), rho * np.sin(theta)
    phase = theta  # spread the cross-track phases too
    sin_i = np.sin(np.radians(inclination_deg))
    d_inc_deg = np.degrees(cross_km * np.cos(phase) / a_km)
    d_raan_deg = np.degrees(cross_km * np.sin(phase) / (a_km * max(sin_i, 1e-6)))
    anomaly = np.degrees(along_km / a_km)
    elements = _elements(n_sats, _epoch_days(epoch_utc), altitude_km, inclination_deg,
                         raan0 + d_raan_deg, anomaly, first_id,
                         inclination_offsets_deg=d_inc_deg)
    label = name or f"cluster-{n_sats}-{radius_km:g}km"
    names = [f"{prefix}-{i:03d}" for i in range(n_sats)]
    shell = Shell(label, n_sats, float(altitude_km), float(inclination_deg),
                  kind=f"formation cluster r<={radius_km:g} km")
    return Constellation(name=label, parts=(elements,), names=names,
                         ids=elements_ids(first_id, n_sats), hardware=hardware, shells=(shell,),
                         description=f"{n_sats}-satellite cluster within {radius_km:g} km")
