"""Point in polygon on longitude/latitude, vectorised (numpy only).

A polygon is a set of rings (outer boundaries and holes alike), each a closed sequence of
vertices in degrees; edges are straight lines in longitude/latitude, as in Natural Earth's
files. A point is inside when a ray from it towards +longitude crosses the rings' edges an odd
number of times (the even-odd rule: holes and islands need no orientation), the crossing test
of W. R. Franklin's PNPOLY. A point exactly on an edge may fall either side; polygons cut at
the antimeridian (Russia, Fiji) need no special case, since each piece is closed on its own.
"""

from __future__ import annotations

import numpy as np


def ring_edges(lon_deg: np.ndarray, lat_deg: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Edges of every ring, ``(4, n_edges)``: start longitude, start latitude, end longitude,
    end latitude (degrees). Ring ``i`` is vertices ``offsets[i]:offsets[i + 1]``; a ring that
    does not repeat its first vertex at the end is closed here."""
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    parts = []
    for a, b in zip(np.asarray(offsets[:-1]).tolist(), np.asarray(offsets[1:]).tolist()):
        if b - a < 3:
            continue
        x, y = lon[a:b], lat[a:b]
        if x[0] != x[-1] or y[0] != y[-1]:
            x, y = np.r_[x, x[0]], np.r_[y, y[0]]
        parts.append(np.vstack([x[:-1], y[:-1], x[1:], y[1:]]))
    return np.hstack(parts) if parts else np.zeros((4, 0))


def points_in_polygon(lon_deg: np.ndarray, lat_deg: np.ndarray, edges: np.ndarray
                      ) -> np.ndarray:
    """Whether each point is inside the polygon of ``edges`` (:func:`ring_edges`), by the
    even-odd rule. ``lon_deg`` and ``lat_deg`` of any shape (longitudes in [-180, 180]);
    returns a bool array of that shape (NaN points are outside). Only points inside the
    polygon's bounding box are tested, one edge at a time."""
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    out = np.zeros(lon.shape, dtype=bool)
    if edges.shape[1] == 0 or lon.size == 0:
        return out
    x1, y1, x2, y2 = edges
    box = ((lon >= min(x1.min(), x2.min())) & (lon <= max(x1.max(), x2.max()))
           & (lat >= min(y1.min(), y2.min())) & (lat <= max(y1.max(), y2.max())))
    index = np.flatnonzero(box)
    if index.size == 0:
        return out
    px, py = lon.reshape(-1)[index], lat.reshape(-1)[index]
    inside = np.zeros(index.size, dtype=bool)
    for ax, ay, bx, by in zip(x1.tolist(), y1.tolist(), x2.tolist(), y2.tolist()):
        if ay == by:
            continue  # horizontal: the ray never crosses it (its ends count on their edges)
        straddles = (ay > py) != (by > py)
        if not straddles.any():
            continue
        crossing_x = ax + (py - ay) * ((bx - ax) / (by - ay))
        inside ^= straddles & (px < crossing_x)
    out.reshape(-1)[index] = inside
    return out


def points_in_box(lon_deg: np.ndarray, lat_deg: np.ndarray, lat_min_deg: float,
                  lat_max_deg: float, lon_min_deg: float, lon_max_deg: float) -> np.ndarray:
    """Whether each point is inside a latitude/longitude box (edges included). A box with
    ``lon_min_deg > lon_max_deg`` wraps across the antimeridian (170 to -170: 20° wide)."""
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    in_lat = (lat >= lat_min_deg) & (lat <= lat_max_deg)
    if lon_min_deg <= lon_max_deg:
        in_lon = (lon >= lon_min_deg) & (lon <= lon_max_deg)
    else:
        in_lon = (lon >= lon_min_deg) | (lon <= lon_max_deg)
    return in_lat & in_lon


__all__ = ["points_in_box", "points_in_polygon", "ring_edges"]
