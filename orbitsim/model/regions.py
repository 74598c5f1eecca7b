"""Regions on the ground: countries (Natural Earth 1:110m, shipped in
``orbitsim/data/countries_110m.npz``) and latitude/longitude boxes, and whether points are
inside them (:mod:`orbitsim.kernels.polygon`). Where satellites are over them over time is
:mod:`orbitsim.geometry.regions`."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from orbitsim.errors import InputError
from orbitsim.kernels.polygon import points_in_box, points_in_polygon, ring_edges


@dataclass(frozen=True)
class Country:
    """One Natural Earth country: ISO alpha-3 code, name and polygon edges
    (:func:`orbitsim.kernels.polygon.ring_edges`)."""

    iso_a3: str
    name: str
    edges: np.ndarray = field(repr=False)


@functools.lru_cache(maxsize=1)
def _countries() -> dict[str, Country]:
    path = resources.files("orbitsim.data").joinpath("countries_110m.npz")
    with path.open("rb") as handle, np.load(handle) as data:
        lon = data["lon_cdeg"].astype(float) / 100.0
        lat = data["lat_cdeg"].astype(float) / 100.0
        offsets = data["ring_offsets"]
        ring_country = data["ring_country"]
        codes = [str(c) for c in data["iso_a3"]]
        names = [str(n) for n in data["name"]]
    out: dict[str, Country] = {}
    for k, (code, name) in enumerate(zip(codes, names)):
        rings = np.flatnonzero(ring_country == k)
        parts = [ring_edges(lon, lat, offsets[[r, r + 1]]) for r in rings.tolist()]
        edges = np.hstack(parts) if parts else np.zeros((4, 0))
        out[name] = Country(code, name, edges)
    return out


def country_names() -> list[tuple[str, str]]:
    """``(iso_a3, name)`` of every country in the shipped data, sorted by name."""
    return sorted(((c.iso_a3, c.name) for c in _countries().values()), key=lambda x: x[1])


def country(code_or_name: str) -> Country:
    """A country by ISO 3166-1 alpha-3 code (``CHN``) or Natural Earth name (``China``), case
    insensitive; :class:`InputError` naming close matches otherwise."""
    key = str(code_or_name).strip().lower()
    for item in _countries().values():
        if key == item.name.lower() or (item.iso_a3 != "-99" and key == item.iso_a3.lower()):
            return item
    import difflib

    choices = [c.iso_a3 for c in _countries().values() if c.iso_a3 != "-99"] + [
        c.name for c in _countries().values()]
    close = difflib.get_close_matches(str(code_or_name), choices, n=3)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(f"no country {code_or_name!r} in Natural Earth 1:110m (ISO 3166-1 alpha-3 "
                     f"code such as 'CHN', or a name such as 'China'){hint}")


@dataclass(frozen=True)
class Region:
    """A union of countries and latitude/longitude boxes
    (``(lat_min_deg, lat_max_deg, lon_min_deg, lon_max_deg)``, wrapping the antimeridian when
    ``lon_min_deg > lon_max_deg``)."""

    name: str
    countries: tuple[Country, ...] = ()
    boxes: tuple[tuple[float, float, float, float], ...] = ()

    def contains(self, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
        """Whether each point is inside the region (any of its countries or boxes)."""
        lat = np.asarray(lat_deg, dtype=float)
        lon = np.asarray(lon_deg, dtype=float)
        out = np.zeros(np.broadcast(lat, lon).shape, dtype=bool)
        for item in self.countries:
            out |= points_in_polygon(lon, lat, item.edges)
        for lat_min, lat_max, lon_min, lon_max in self.boxes:
            out |= points_in_box(lon, lat, lat_min, lat_max, lon_min, lon_max)
        return out

    def bounds_deg(self) -> tuple[float, float, float, float]:
        """``(lat_min, lat_max, lon_min, lon_max)`` of the region; a box across the
        antimeridian gives the whole longitude range."""
        lats, lons = [], []
        for item in self.countries:
            x1, y1, x2, y2 = item.edges
            if x1.size:
                lats += [min(y1.min(), y2.min()), max(y1.max(), y2.max())]
                lons += [min(x1.min(), x2.min()), max(x1.max(), x2.max())]
        for lat_min, lat_max, lon_min, lon_max in self.boxes:
            lats += [lat_min, lat_max]
            lons += [lon_min, lon_max] if lon_min <= lon_max else [-180.0, 180.0]
        if not lats:
            return (0.0, -1.0, 0.0, -1.0)  # empty
        return (min(lats), max(lats), min(lons), max(lons))


def make_region(name: str, countries=(), boxes=()) -> Region:
    """A region from country codes or names and ``(lat_min, lat_max, lon_min, lon_max)``
    boxes (:class:`InputError` for an unknown country or a bad box)."""
    items = tuple(country(c) for c in countries)
    checked = []
    for box in boxes:
        lat_min, lat_max, lon_min, lon_max = (float(v) for v in box)
        if not (-90.0 <= lat_min < lat_max <= 90.0 and -180.0 <= lon_min <= 180.0
                and -180.0 <= lon_max <= 180.0 and lon_min != lon_max):
            raise InputError(f"box {list(box)} must be [lat_min, lat_max, lon_min, lon_max] "
                             "in degrees, lat_min < lat_max")
        checked.append((lat_min, lat_max, lon_min, lon_max))
    return Region(name, items, tuple(checked))


__all__ = ["Country", "Region", "country", "country_names", "make_region"]
