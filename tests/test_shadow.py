"""Earth's shadow: limits of the conical model, the penumbra against closed forms, the lens
area against a Monte Carlo estimate, and the margins used for root finding."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.kernels.shadow import (
    SHADOW_WORK_ARRAYS,
    SUN_RADIUS_KM,
    disc_overlap_fraction,
    illuminated_fraction,
    illuminated_fraction_components,
    penumbra_fraction,
    shadow_angles,
    shadow_axis,
    shadow_margins,
    shadow_prefilter,
)

AU_KM = 149_597_870.7
EARTH_RADIUS_KM = 6378.137
EARTH_MU_KM3_S2 = 398600.4418


def circular_pass(altitude_km: float, beta_deg: float, step_s: float,
                  t_s: np.ndarray | None = None):
    """A circular Keplerian orbit with the Sun 1 AU along +x, sampled every ``step_s`` over one
    revolution (or at ``t_s``): ``(t_s, r_km (n, 3), sun_km (n, 3), mean motion rad/s)``.
    ``beta`` is the angle of the Sun above the orbit plane; t = 0 is the sub-solar point."""
    radius_km = EARTH_RADIUS_KM + altitude_km
    n_rad_s = np.sqrt(EARTH_MU_KM3_S2 / radius_km**3)
    if t_s is None:
        t_s = np.arange(0.0, 2.0 * np.pi / n_rad_s, step_s)
    u = n_rad_s * t_s
    beta = np.radians(beta_deg)
    # Orbit plane tilted about y so that the Sun (+x) is beta above it.
    r = radius_km * np.stack(
        [np.cos(u) * np.cos(beta), np.sin(u), np.cos(u) * np.sin(beta)], axis=-1
    )
    sun = np.broadcast_to([AU_KM, 0.0, 0.0], r.shape)
    return t_s, r, sun, n_rad_s


def transitions(t_s: np.ndarray, fraction: np.ndarray) -> dict[str, float]:
    """Entry into penumbra and umbra and exit from them, sample times (first of each)."""
    lit = fraction >= 1.0
    umbra = fraction <= 0.0
    return {
        "penumbra_in": t_s[np.flatnonzero(lit[:-1] & ~lit[1:])[0] + 1],
        "umbra_in": t_s[np.flatnonzero(~umbra[:-1] & umbra[1:])[0] + 1],
        "umbra_out": t_s[np.flatnonzero(umbra[:-1] & ~umbra[1:])[0] + 1],
        "penumbra_out": t_s[np.flatnonzero(~lit[:-1] & lit[1:])[0] + 1],
    }


def fine_transitions(altitude_km: float, beta_deg: float, step_s: float) -> dict[str, float]:
    """:func:`transitions` to ``step_s``: found at 1 s, then resampled ±1 s around each."""
    t_s, r, sun, _ = circular_pass(altitude_km, beta_deg, 1.0)
    coarse = transitions(t_s, illuminated_fraction(r, sun))
    out = {}
    for key, t0 in coarse.items():
        t_fine = np.arange(t0 - 1.5, t0 + 0.5, step_s)
        _, r, sun, _ = circular_pass(altitude_km, beta_deg, step_s, t_fine)
        fraction = illuminated_fraction(r, sun)
        boundary = fraction >= 1.0 if key.startswith("penumbra") else fraction <= 0.0
        change = np.flatnonzero(boundary[:-1] != boundary[1:])
        assert len(change) == 1, key
        out[key] = float(t_fine[change[0] + 1])
    return out


def test_day_side_is_exactly_one_and_shadow_axis_exactly_zero():
    sun = np.array([[AU_KM, 0.0, 0.0]])
    rng = np.random.default_rng(1)
    direction = rng.normal(size=(2000, 3))
    direction[:, 0] = np.abs(direction[:, 0])  # sun side of the terminator plane
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    radius = rng.uniform(EARTH_RADIUS_KM + 150.0, EARTH_RADIUS_KM + 40_000.0, 2000)
    day = (direction * radius[:, None])[:, None, :]
    assert np.all(illuminated_fraction(day, sun) == 1.0)
    # Anti-sun axis, from LEO to GEO (the umbra cone is ~1.4 million km long).
    axis = np.array([[[-(EARTH_RADIUS_KM + h), 0.0, 0.0]] for h in (200.0, 550.0, 35_786.0)])
    assert np.all(illuminated_fraction(axis, sun) == 0.0)


def test_fraction_in_unit_interval_and_monotone_across_the_terminator():
    t_s, r, sun, _ = circular_pass(550.0, 0.0, 0.01)
    fraction = illuminated_fraction(r, sun)
    assert fraction.shape == t_s.shape
    assert np.all((fraction >= 0.0) & (fraction <= 1.0))
    edges = transitions(t_s, fraction)
    entering = fraction[(t_s >= edges["penumbra_in"] - 1.0) & (t_s <= edges["umbra_in"] + 1.0)]
    leaving = fraction[(t_s >= edges["umbra_out"] - 1.0) & (t_s <= edges["penumbra_out"] + 1.0)]
    assert np.all(np.diff(entering) <= 0.0) and np.all(np.diff(leaving) >= 0.0)
    assert entering[0] == 1.0 and entering[-1] == 0.0
    assert 0.0 < np.median(entering) < 1.0


@pytest.mark.parametrize("beta_deg", [0.0, 30.0])
def test_penumbra_and_umbra_durations_match_closed_forms(beta_deg):
    """550 km: penumbra ~8.5 s each side at β = 0 (Montenbruck & Gill sec. 3.4.2 cones).

    With ``k = r̂·ŝ = cos φ cos β`` (φ the angle from the sub-solar point along the orbit),
    the angle c between the Earth's and the Sun's centres seen from the satellite obeys
    ``cos c = −k + ε(1 − k²)`` to first order in the parallax ``ε = r/D``; the edges are
    ``c = b + a`` (penumbra) and ``c = b − a`` (umbra) with ``b = asin(R/r)`` and
    ``a = asin(R_sun/|S − r|)``, ``|S − r| = D − r k``. Sampled every 1 ms.
    """
    edges = fine_transitions(550.0, beta_deg, 0.001)
    n_rad_s = np.sqrt(EARTH_MU_KM3_S2 / (EARTH_RADIUS_KM + 550.0) ** 3)
    radius_km = EARTH_RADIUS_KM + 550.0
    parallax = radius_km / AU_KM
    b = np.arcsin(EARTH_RADIUS_KM / radius_km)
    beta = np.radians(beta_deg)

    def edge_angle(sign: float) -> float:  # φ of the cone c = b + sign·a
        a = np.arcsin(SUN_RADIUS_KM / AU_KM)
        for _ in range(3):
            x = b + sign * a
            k = -np.cos(x) + parallax * np.sin(x) ** 2
            a = np.arcsin(SUN_RADIUS_KM / (AU_KM - radius_km * k))
        return float(np.arccos(k / np.cos(beta)))

    penumbra_s = (edge_angle(-1.0) - edge_angle(1.0)) / n_rad_s
    umbra_s = 2.0 * (np.pi - edge_angle(-1.0)) / n_rad_s
    entry_s = edges["umbra_in"] - edges["penumbra_in"]
    exit_s = edges["penumbra_out"] - edges["umbra_out"]
    assert entry_s == pytest.approx(penumbra_s, abs=0.005)
    assert exit_s == pytest.approx(penumbra_s, abs=0.005)
    assert edges["umbra_out"] - edges["umbra_in"] == pytest.approx(umbra_s, abs=0.005)
    if beta_deg == 0.0:
        # Without parallax the penumbra spans 2a of anomaly: 2 asin(R_sun/D)/n.
        assert penumbra_s == pytest.approx(2.0 * np.arcsin(SUN_RADIUS_KM / AU_KM) / n_rad_s,
                                           abs=0.002)
        assert 8.0 < entry_s < 10.0 and 8.0 < exit_s < 10.0
        # DESIGN.md: 35.7 min of shadow (umbra plus penumbra) per orbit at 550 km, β = 0.
        total_min = (edges["penumbra_out"] - edges["penumbra_in"]) / 60.0
        assert total_min == pytest.approx(35.7, abs=0.1)


def test_no_eclipse_above_the_critical_beta():
    """DESIGN.md: no eclipse for β > 66.9° at 550 km (sin β_crit = R/r, plus the Sun's
    apparent radius for the penumbra)."""
    for beta_deg, eclipsed in ((66.5, True), (67.5, False)):
        _, r, sun, _ = circular_pass(550.0, beta_deg, 1.0)
        assert (illuminated_fraction(r, sun).min() < 1.0) == eclipsed


def monte_carlo_visible_fraction(a, b, c, rng, samples=4_000_000):
    """Fraction of uniform points of the disc of radius ``a`` (centre 0) outside the disc of
    radius ``b`` centred at (c, 0): brute force, seeded. Single precision for speed, with the
    test written as ``x² + y² − 2cx > b² − c²`` so that no large numbers cancel."""
    radius = np.float32(a) * np.sqrt(rng.random(samples, dtype=np.float32))
    angle = np.float32(2.0 * np.pi) * rng.random(samples, dtype=np.float32)
    x = radius * np.cos(angle)
    y = radius * np.sin(angle)
    outside = x * x + y * y - np.float32(2.0 * c) * x > np.float32((b - c) * (b + c))
    return float(np.mean(outside))


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        (0.00465, 1.17, 1.1700),   # Sun half covered by the Earth's limb (LEO geometry)
        (0.00465, 1.17, 1.1660),   # nearly full cover
        (0.00465, 1.17, 1.1744),   # a sliver covered
        (1.0, 0.6, 0.9),           # covering disc smaller than the covered one, partial
        (1.0, 0.6, 0.3),           # annular: 1 - (b/a)^2
        (1.0, 1.0, 1.0),           # equal discs
    ],
)
def test_disc_overlap_fraction_against_monte_carlo(a, b, c):
    """4 million samples: standard error <= 2.5e-4, tolerance 1e-3 (4 sigma)."""
    rng = np.random.default_rng(42)
    expected = monte_carlo_visible_fraction(a, b, c, rng)
    got = float(disc_overlap_fraction(a, b, c))
    assert got == pytest.approx(expected, abs=1e-3)


def test_disc_overlap_fraction_limits():
    assert disc_overlap_fraction(0.1, 1.0, 0.5) == 0.0  # inside the covering disc
    assert disc_overlap_fraction(0.1, 1.0, 1.2) == 1.0  # apart
    np.testing.assert_allclose(disc_overlap_fraction(1.0, 0.5, 0.2), 0.75)  # annular
    # Continuous at both contacts.
    np.testing.assert_allclose(disc_overlap_fraction(0.1, 1.0, 1.1 - 1e-9), 1.0, atol=1e-6)
    np.testing.assert_allclose(disc_overlap_fraction(0.1, 1.0, 0.9 + 1e-9), 0.0, atol=1e-6)
    out = disc_overlap_fraction(np.full(3, 0.1), 1.0, np.array([0.5, 1.0, 1.2]))
    assert out.shape == (3,) and 0.0 < out[1] < 1.0


@pytest.fixture(scope="module")
def points_near_the_shadow():
    """Random positions behind the Earth, from LEO to 40,000 km, dense around the cones."""
    rng = np.random.default_rng(5)
    n = 200_000
    direction = rng.normal(size=(n, 3))
    direction[:, 0] = -np.abs(direction[:, 0]) * 4.0  # mostly near the anti-sun axis
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    r = direction * rng.uniform(EARTH_RADIUS_KM + 150.0, EARTH_RADIUS_KM + 40_000.0, n)[:, None]
    sun = np.broadcast_to([AU_KM, 0.0, 0.0], r.shape)
    return r, sun


def test_illuminated_fraction_equals_the_plain_angle_formula(points_near_the_shadow):
    """The cosine prefilter and thresholds give exactly what the angles give."""
    r, sun = points_near_the_shadow
    fraction = illuminated_fraction(r, sun)
    a, b, c = shadow_angles(r, sun)
    np.testing.assert_allclose(fraction, disc_overlap_fraction(a, b, c), rtol=0, atol=1e-12)
    partial = (fraction > 0.0) & (fraction < 1.0)
    assert partial.sum() > 100 and (fraction == 0.0).sum() > 100  # the cones were sampled


def test_shadow_margins_sign_agrees_with_illuminated_fraction(points_near_the_shadow):
    r, sun = points_near_the_shadow
    fraction = illuminated_fraction(r, sun)
    lit_margin, umbra_margin = shadow_margins(r, np.ascontiguousarray(sun))
    np.testing.assert_array_equal(lit_margin >= 0.0, fraction >= 1.0)
    np.testing.assert_array_equal(umbra_margin >= 0.0, fraction <= 0.0)
    assert np.all(~((lit_margin >= 0.0) & (umbra_margin >= 0.0)))


def test_margins_are_smooth_along_an_orbit():
    """Roots of the margins are where the fraction leaves 1 and reaches 0, to a sample."""
    t_s, r, sun, _ = circular_pass(550.0, 10.0, 0.01)
    lit_margin, umbra_margin = shadow_margins(r, np.ascontiguousarray(sun))
    edges = transitions(t_s, illuminated_fraction(r, sun))
    root = t_s[np.flatnonzero((lit_margin[:-1] >= 0.0) & (lit_margin[1:] < 0.0))[0] + 1]
    assert root == pytest.approx(edges["penumbra_in"], abs=0.011)
    root = t_s[np.flatnonzero((umbra_margin[:-1] < 0.0) & (umbra_margin[1:] >= 0.0))[0] + 1]
    assert root == pytest.approx(edges["umbra_in"], abs=0.011)
    assert np.max(np.abs(np.diff(lit_margin))) < 1e-4  # no jumps at 10 ms


def test_shapes_and_nan():
    sun = np.array([[AU_KM, 0.0, 0.0], [0.0, AU_KM, 0.0]])
    r = np.full((3, 2, 3), 7000.0)
    r[1, 0] = np.nan
    out = illuminated_fraction(r, sun)
    assert out.shape == (3, 2)
    assert np.isnan(out[1, 0]) and not np.isnan(out[0]).any()
    single = illuminated_fraction(np.array([[-7000.0, 0.0, 0.0]]), sun[:1])
    assert single.shape == (1,) and single[0] == 0.0


@pytest.mark.parametrize("sun_au", [0.983, 1.0, 1.017, 0.1])
def test_prefilter_decides_only_what_the_cone_test_decides_the_same(sun_au):
    """Points within 15 km of both cones, 1,500 km to 45,000 km behind the Earth: wherever
    the cheap bounds decide (1 or 0), the exact conical test gives the same value (also for a
    Sun ten times nearer, where the penumbra cone is 7 km wider than the Earth at s = 0)."""
    rng = np.random.default_rng(int(sun_au * 1000))
    n_sats, n_times = 40, 500
    theta = rng.uniform(0.0, 2.0 * np.pi, n_times)
    sun_unit = np.stack([np.cos(theta), np.sin(theta), rng.uniform(-0.4, 0.4, n_times)], -1)
    sun_unit /= np.linalg.norm(sun_unit, axis=1, keepdims=True)
    sun = sun_unit * sun_au * AU_KM
    # An orthonormal pair across each Sun direction.
    e1 = np.cross(sun_unit, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    e2 = np.cross(sun_unit, e1)
    behind_km = rng.uniform(1500.0, 45_000.0, (n_sats, n_times))
    tan_f = (SUN_RADIUS_KM + EARTH_RADIUS_KM) / (sun_au * AU_KM)
    tan_g = (SUN_RADIUS_KM - EARTH_RADIUS_KM) / (sun_au * AU_KM)
    edge_km = np.where(rng.uniform(size=behind_km.shape) < 0.5,
                       EARTH_RADIUS_KM + tan_f * behind_km, EARTH_RADIUS_KM - tan_g * behind_km)
    radial_km = edge_km + rng.uniform(-15.0, 15.0, behind_km.shape)
    azimuth = rng.uniform(0.0, 2.0 * np.pi, behind_km.shape)
    r = (-behind_km[..., None] * sun_unit
         + radial_km[..., None] * (np.cos(azimuth)[..., None] * e1
                                   + np.sin(azimuth)[..., None] * e2))
    out = np.full(r.shape[:2], -1.0)
    x, y, z = (np.ascontiguousarray(r[..., k]) for k in range(3))
    band = shadow_prefilter(x, y, z, shadow_axis(sun), out)
    decided = np.ones(out.size, bool)
    decided[band] = False
    decided &= np.linalg.norm(r, axis=-1).reshape(-1) > EARTH_RADIUS_KM + 100.0  # in space
    exact = penumbra_fraction(r.reshape(-1, 3), np.broadcast_to(sun, r.shape).reshape(-1, 3))
    np.testing.assert_array_equal(out.reshape(-1)[decided], exact[decided])
    assert (out.reshape(-1)[decided] == 0.0).sum() > 1000  # both bounds were exercised
    assert (out.reshape(-1)[decided] == 1.0).sum() > 1000
    assert ((exact > 0.0) & (exact < 1.0))[band].any()


def test_components_path_and_work_buffers_give_the_same_bits(points_near_the_shadow):
    r, sun = points_near_the_shadow
    r = r.reshape(50, -1, 3)
    sun = np.ascontiguousarray(sun.reshape(50, -1, 3)[0])  # one Sun per time step
    expected = illuminated_fraction(r, sun)
    x, y, z = (np.ascontiguousarray(r[..., k]) for k in range(3))
    out = np.empty(r.shape[:2])
    work = np.full((SHADOW_WORK_ARRAYS, *r.shape[:2]), np.nan)
    band = shadow_prefilter(x, y, z, shadow_axis(sun), out, work)
    sat, time = np.divmod(band, r.shape[1])
    out[sat, time] = penumbra_fraction(r[sat, time], sun[time])
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(illuminated_fraction_components(x, y, z, shadow_axis(sun)),
                                  expected)
    assert len(band) < 0.5 * out.size
    with pytest.raises(ValueError, match="work"):
        shadow_prefilter(x, y, z, shadow_axis(sun), out, work[:1])
    with pytest.raises(ValueError, match="do not match"):
        shadow_prefilter(x[:, :-1], y[:, :-1], z[:, :-1], shadow_axis(sun), out[:, :-1])
    with pytest.raises(ValueError, match="n_times, 3"):
        shadow_axis(sun[:, :2])
