"""The Constellation container: subsets, recipe slices for workers, combining shells."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from orbitsim.kernels.orbit import orbital_period_s
from orbitsim.model.builders import sun_synchronous, walker_delta
from orbitsim.model.constellation import Constellation, combine
from orbitsim.model.elements import ELEMENT_FIELDS, ElementSet, TleSet
from orbitsim.model.tle import load_tle

DATA = Path(__file__).parent / "data"


def satrec_fields(satrecs: list[Satrec]) -> list[tuple]:
    """What defines an initialised Satrec, for comparisons."""
    return [(s.satnum, s.jdsatepoch, s.jdsatepochF, s.no_kozai, s.ecco, s.inclo, s.nodeo,
             s.argpo, s.mo, s.bstar) for s in satrecs]


@pytest.fixture(scope="module")
def mixed() -> Constellation:
    """Two element shells and a TLE part: 12 + 5 + 5 satellites, ids not colliding."""
    shell_a = walker_delta(550, 53, 4, 3, 1, prefix="A", first_id=100)
    shell_b = sun_synchronous(650, 6.0, planes=1, per_plane=5, prefix="B", first_id=112)
    tles = load_tle(DATA / "stations.3le")
    return combine("mixed", [shell_a, shell_b, tles])


def test_combine_keeps_unique_ids_and_concatenates(mixed):
    assert len(mixed) == mixed.n_sats == 22
    assert [type(p) for p in mixed.parts] == [ElementSet, ElementSet, TleSet]
    assert mixed.names[0] == "A-P00-S00" and mixed.names[12] == "B-P00-S00"
    assert mixed.names[17] == "ISS (ZARYA)"
    assert mixed.ids[:17].tolist() == list(range(100, 117))
    assert mixed.ids[17:].tolist() == [25544, 5, 55123, 28129, 28057]  # catalogue numbers
    assert len(mixed.shells) == 2  # the TLE part has no shell summary


def test_combine_renumbers_ids_on_collision():
    # VANGUARD 1 is catalogue number 5: it collides with the fifth satellite of a shell.
    with_tles = combine("c", [walker_delta(550, 53, 2, 3, 1), load_tle(DATA / "stations.3le")])
    assert with_tles.ids.tolist() == list(range(1, 12))
    first = walker_delta(550, 53, 2, 2, 1, prefix="X")
    second = walker_delta(560, 53, 2, 3, 1, prefix="Y")
    assert first.ids.tolist() == [1, 2, 3, 4] and second.ids.tolist()[:2] == [1, 2]
    both = combine("both", [first, second], hardware="starlink-compute", description="two")
    assert both.ids.tolist() == list(range(1, 11))
    assert list(both.names) == list(first.names) + list(second.names)
    assert both.hardware == "starlink-compute" and both.description == "two"
    # Hardware defaults to the first part that has one.
    with_hw = walker_delta(550, 53, 1, 1, 0, hardware="hw-a", first_id=100)
    assert combine("c", [first, with_hw]).hardware == "hw-a"
    assert len(combine("empty", [])) == 0


def test_constructor_checks_names_and_ids():
    elements = walker_delta(550, 53, 2, 2, 1).parts
    with pytest.raises(ValueError, match="names"):
        Constellation("x", elements, names=["a", "b"], ids=np.arange(4))
    with pytest.raises(ValueError, match="unique"):
        Constellation("x", elements, names=list("abcd"), ids=np.array([1, 2, 2, 3]))


def test_subset_keeps_order_names_ids_and_elements(mixed):
    index = [20, 0, 13, 17, 5, 5]
    part = mixed.subset(index, name="few")
    order = [0, 5, 13, 17, 20]  # sorted and unique: a subset keeps the constellation's order
    assert part.name == "few" and len(part) == 5
    assert list(part.names) == [mixed.names[i] for i in order]
    assert part.ids.tolist() == mixed.ids[order].tolist()
    assert satrec_fields(part.satrecs) == [satrec_fields(mixed.satrecs)[i] for i in order]
    sliced = mixed.subset(slice(10, 15))
    assert list(sliced.names) == list(mixed.names[10:15]) and sliced.name == "mixed"
    assert len(mixed.subset(np.array([], dtype=int))) == 0


def test_subset_of_an_empty_list(mixed):
    assert len(mixed.subset([])) == 0


@pytest.mark.parametrize(("start", "stop"), [(0, 22), (10, 14), (11, 12), (12, 17), (15, 19),
                                             (17, 22), (20, 99)])
def test_recipe_slice_and_satrecs_slice_cross_part_boundaries(mixed, start, stop):
    recipes = mixed.recipe_slice(start, stop)
    from_recipes = [sat for recipe in recipes for sat in recipe.satrecs()]
    direct = mixed.satrecs_slice(start, stop)
    expected = satrec_fields(mixed.satrecs)[start:stop]
    assert satrec_fields(from_recipes) == expected
    assert satrec_fields(direct) == expected
    # Recipes go to worker processes: they pickle and come back identical.
    again = pickle.loads(pickle.dumps(recipes))
    assert satrec_fields([s for r in again for s in r.satrecs()]) == expected


def test_elements_read_back_tle_parts(mixed):
    elements = mixed.elements()
    assert len(elements) == 22
    tles = load_tle(DATA / "stations.3le").parts[0]
    iss = Satrec.twoline2rv(tles.line1[0], tles.line2[0], WGS72)
    assert elements.satnum[17] == 25544
    assert elements.mean_motion_rad_min[17] == iss.no_kozai
    assert elements.inclination_rad[17] == iss.inclo
    for field in ELEMENT_FIELDS:
        assert getattr(elements, field).shape == (22,)


def test_mean_period_matches_kepler():
    """The Kozai mean motion's period is within ~0.3 % of the Keplerian one at 550 km."""
    shell = walker_delta(550, 53, 2, 2, 1)
    period_min = shell.mean_period_min()
    assert period_min.shape == (4,)
    np.testing.assert_allclose(period_min, float(orbital_period_s(550.0)) / 60.0, rtol=3e-3)


# The million-satellite constellation (spacex-odc-1m: unique ids, one name each, slices beyond
# the Alpha-5 range) is checked once, in test_catalogue.py: building it takes ~5 s.


def test_repr_is_one_short_line():
    from orbitsim.model.catalogue import load_constellation

    assert repr(load_constellation("starlink-shell1")) == \
        "<Constellation starlink-shell1: 1,584 satellites, 1 shell>"
    assert repr(walker_delta(550, 53, 1, 1, 0, name="one")) == \
        "<Constellation one: 1 satellite, 1 shell>"
