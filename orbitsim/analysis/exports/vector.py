"""Ground tracks, stations and coverage cells as GeoJSON (RFC 7946) and KML 2.2 (OGC 07-147r2,
with Google's ``gx:Track`` for the satellites' timed positions).

A ground track is the sub-satellite point over the window; it is cut where it crosses the
antimeridian (RFC 7946, 3.1.9: no part of a geometry crosses ±180°), with the crossing point
interpolated on both sides, and where the propagation failed (NaN). One feature per satellite:
a ``LineString``, or a ``MultiLineString`` when it was cut. Coverage cells are polygons with
the fraction of time covered, the mean number of satellites in view and the longest gap.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from orbitsim.analysis.activity import STATE_NAMES
from orbitsim.analysis.exports import Scene
from orbitsim.io import write_text_atomic

#: Decimal places of longitudes and latitudes (1e-5° is about a metre).
COORD_DECIMALS = 5
KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"


def split_antimeridian(lon_deg, lat_deg) -> list[np.ndarray]:
    """A lon/lat polyline ``(n,)`` cut at NaN and where it crosses ±180°: a list of
    ``(m, 2)`` arrays (lon, lat), each with at least two points, none crossing the
    antimeridian; at a crossing both pieces end on the meridian (±180°) at the latitude
    interpolated linearly in longitude.

    >>> pieces = split_antimeridian([170.0, 178.0, -178.0, -170.0], [0.0, 1.0, 2.0, 3.0])
    >>> [p.tolist() for p in pieces]
    [[[170.0, 0.0], [178.0, 1.0], [180.0, 1.5]], [[-180.0, 1.5], [-178.0, 2.0], [-170.0, 3.0]]]
    """
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    finite = np.isfinite(lon) & np.isfinite(lat)
    pieces: list[np.ndarray] = []
    # Runs of finite samples first, then the crossings inside each run.
    edges = np.flatnonzero(np.diff(np.concatenate([[False], finite, [False]]).astype(np.int8)))
    for a, b in zip(edges[::2], edges[1::2]):
        x, y = lon[a:b], lat[a:b]
        cross = np.flatnonzero(np.abs(np.diff(x)) > 180.0)
        first = 0
        head: list[list[float]] = []
        for k in cross:
            east = x[k] > 0.0  # going east over +180° (else west over -180°)
            boundary = 180.0 if east else -180.0
            x1 = x[k + 1] + (360.0 if east else -360.0)
            t = (boundary - x[k]) / (x1 - x[k]) if x1 != x[k] else 0.0
            y_cross = float(y[k] + t * (y[k + 1] - y[k]))
            piece = np.concatenate([np.asarray(head).reshape(-1, 2),
                                    np.column_stack([x[first:k + 1], y[first:k + 1]]),
                                    [[boundary, y_cross]]])
            pieces.append(piece)
            head = [[-boundary, y_cross]]
            first = k + 1
        pieces.append(np.concatenate([np.asarray(head).reshape(-1, 2),
                                      np.column_stack([x[first:], y[first:]])]))
    return [p for p in pieces if len(p) >= 2]


def _round(values) -> list:
    return np.round(np.asarray(values, dtype=float), COORD_DECIMALS).tolist()


def track_properties(scene: Scene, i: int) -> dict:
    """Properties of satellite ``i``'s track: name, index, window, mean altitude, sunlight
    (and, from a run, the share of steps in each activity state)."""
    geometry = scene.geometry
    grid = geometry.grid
    iso = scene.iso_times
    ok = geometry.error[i] == 0
    properties = {
        "kind": "ground_track", "satellite": scene.names[i], "sat_index": i,
        "start_utc": str(iso[0]), "end_utc": str(iso[-1]), "step_s": grid.step_s,
        "mean_alt_km": (round(float(np.nanmean(geometry.alt_km[i][ok])), 3) if ok.any()
                        else None),
        "sunlit_fraction": (round(float(np.nanmean(geometry.illuminated[i][ok])), 4)
                            if ok.any() else None),
        "samples_failed": int((~ok).sum()),
    }
    if scene.activity is not None and scene.activity.shape[1]:
        for code, name in STATE_NAMES.items():
            properties[f"{name.replace(' ', '_')}_fraction"] = round(
                float(np.mean(scene.activity[i] == code)), 4)
    return properties


def _cell_rings(result) -> tuple[np.ndarray, np.ndarray, float]:
    lat, lon = np.meshgrid(result.lat_deg, result.lon_deg, indexing="ij")
    return lat.ravel(), lon.ravel(), result.cell_deg / 2.0


def geojson_collection(scene: Scene) -> dict:
    """The GeoJSON FeatureCollection of ``scene``: one ground-track feature per satellite
    (``kind: ground_track``), then the stations (``ground_station``, Points), then the
    coverage cells (``coverage_cell``, Polygons) when the scene has them."""
    geometry = scene.geometry
    features = []
    for i in range(len(scene.names)):
        pieces = [_round(p) for p in split_antimeridian(geometry.lon_deg[i],
                                                        geometry.lat_deg[i])]
        shape = (None if not pieces else {"type": "LineString", "coordinates": pieces[0]}
                 if len(pieces) == 1 else {"type": "MultiLineString", "coordinates": pieces})
        features.append({"type": "Feature", "id": f"satellite/{scene.names[i]}",
                         "geometry": shape, "properties": track_properties(scene, i)})
    if scene.stations is not None:
        for station in scene.stations:
            features.append({
                "type": "Feature", "id": f"station/{station.name}",
                "geometry": {"type": "Point", "coordinates": _round([station.lon_deg,
                                                                     station.lat_deg])},
                "properties": {"kind": "ground_station", "name": station.name,
                               "network": scene.stations.name, "alt_m": station.alt_m,
                               "min_elevation_deg": station.min_elevation_deg}})
    if scene.coverage is not None:
        result = scene.coverage
        lat, lon, half = _cell_rings(result)
        fraction = result.covered_fraction.ravel()
        in_view = result.mean_in_view.ravel()
        gap = result.longest_gap_s.ravel()
        for k in range(len(lat)):
            w, e, s, n = lon[k] - half, lon[k] + half, lat[k] - half, lat[k] + half
            features.append({
                "type": "Feature", "id": f"cell/{lat[k]:g}/{lon[k]:g}",
                "geometry": {"type": "Polygon",
                             "coordinates": [_round([[w, s], [e, s], [e, n], [w, n], [w, s]])]},
                "properties": {"kind": "coverage_cell", "lat_deg": float(lat[k]),
                               "lon_deg": float(lon[k]),
                               "covered_fraction": round(float(fraction[k]), 6),
                               "mean_in_view": round(float(in_view[k]), 4),
                               "longest_gap_s": float(gap[k]),
                               "min_elevation_deg": result.min_elevation_deg}})
    return {"type": "FeatureCollection", "name": scene.title or geometry.constellation.name,
            "features": features}


def write_geojson(scene: Scene, path: str | Path) -> Path:
    """Write the GeoJSON of ``scene`` to ``path`` atomically (one feature a line)."""
    collection = geojson_collection(scene)
    head = json.dumps({k: v for k, v in collection.items() if k != "features"},
                      separators=(",", ":"))[:-1]
    body = ",\n".join(json.dumps(f, separators=(",", ":")) for f in collection["features"])
    return write_text_atomic(path, f'{head},"features":[\n{body}\n]}}\n')


# --- KML --------------------------------------------------------------------------------------


def _kml_colour(rgba) -> str:
    """KML's aabbggrr hex of an (r, g, b, a) tuple (0-255)."""
    r, g, b, a = (int(v) for v in rgba)
    return f"{a:02x}{b:02x}{g:02x}{r:02x}"


#: Colour ramp of the coverage cells (viridis at 0, 10, ..., 100 % of the time covered).
_VIRIDIS = ((68, 1, 84), (72, 36, 117), (65, 68, 135), (53, 95, 141), (42, 120, 142),
            (33, 145, 140), (34, 168, 132), (68, 191, 112), (122, 209, 81), (189, 223, 38),
            (253, 231, 37))


def _sub(parent, tag: str, text: str | None = None, ns: str = KML_NS, **attrib):
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrib)
    if text is not None:
        element.text = text
    return element


def kml_document(scene: Scene) -> ET.Element:
    """The KML of ``scene`` as an ElementTree root: folders of ground tracks (a Placemark per
    satellite, a LineString per piece, clamped to the ground), satellites (a ``gx:Track`` of
    timed positions at altitude), ground stations and coverage cells."""
    ET.register_namespace("", KML_NS)
    ET.register_namespace("gx", GX_NS)
    geometry = scene.geometry
    iso = scene.iso_times
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = _sub(root, "Document")
    _sub(document, "name", scene.title or geometry.constellation.name)
    _sub(document, "description",
         f"{scene.source}: {len(geometry.constellation):,} satellites, {iso[0]} to {iso[-1]} "
         f"every {geometry.grid.step_s:g} s (orbitsim).")
    style = _sub(document, "Style", id="track")
    line = _sub(style, "LineStyle")
    _sub(line, "color", _kml_colour((255, 215, 0, 220)))
    _sub(line, "width", "1.5")
    style = _sub(document, "Style", id="satellite")
    _sub(_sub(style, "IconStyle"), "scale", "0.6")
    _sub(_sub(style, "LineStyle"), "color", _kml_colour((255, 255, 255, 160)))
    style = _sub(document, "Style", id="station")
    icon = _sub(style, "IconStyle")
    _sub(icon, "color", _kml_colour((27, 170, 70, 255)))
    for k, (r, g, b) in enumerate(_VIRIDIS):
        style = _sub(document, "Style", id=f"coverage{k}")
        poly = _sub(style, "PolyStyle")
        _sub(poly, "color", _kml_colour((r, g, b, 140)))
        _sub(poly, "outline", "0")

    tracks = _sub(document, "Folder")
    _sub(tracks, "name", "Ground tracks")
    moving = _sub(document, "Folder")
    _sub(moving, "name", "Satellites")
    for i, name in enumerate(scene.names):
        properties = track_properties(scene, i)
        placemark = _sub(tracks, "Placemark", id=f"track-{i}")
        _sub(placemark, "name", name)
        span = _sub(placemark, "TimeSpan")
        _sub(span, "begin", str(iso[0]))
        _sub(span, "end", str(iso[-1]))
        _sub(placemark, "styleUrl", "#track")
        data = _sub(placemark, "ExtendedData")
        for key, value in properties.items():
            _sub(_sub(data, "Data", name=key), "value", "" if value is None else str(value))
        multi = _sub(placemark, "MultiGeometry")
        for piece in split_antimeridian(geometry.lon_deg[i], geometry.lat_deg[i]):
            line = _sub(multi, "LineString")
            _sub(line, "tessellate", "1")
            _sub(line, "coordinates", " ".join(
                f"{x:.{COORD_DECIMALS}f},{y:.{COORD_DECIMALS}f},0" for x, y in piece))
        ok = np.flatnonzero((geometry.error[i] == 0) & np.isfinite(geometry.lon_deg[i]))
        if not len(ok):
            continue
        placemark = _sub(moving, "Placemark", id=f"satellite-{i}")
        _sub(placemark, "name", name)
        _sub(placemark, "styleUrl", "#satellite")
        track = _sub(placemark, "Track", ns=GX_NS)
        _sub(track, "altitudeMode", "absolute")
        for k in ok.tolist():
            _sub(track, "when", str(iso[k]))
        for k in ok.tolist():
            _sub(track, "coord", f"{geometry.lon_deg[i, k]:.{COORD_DECIMALS}f} "
                 f"{geometry.lat_deg[i, k]:.{COORD_DECIMALS}f} "
                 f"{geometry.alt_km[i, k] * 1000.0:.0f}", ns=GX_NS)
    if scene.stations is not None:
        folder = _sub(document, "Folder")
        _sub(folder, "name", f"Ground stations ({scene.stations.name})")
        for station in scene.stations:
            placemark = _sub(folder, "Placemark")
            _sub(placemark, "name", station.name)
            _sub(placemark, "description", f"elevation mask {station.min_elevation_deg:g}°, "
                 f"{station.alt_m:g} m")
            _sub(placemark, "styleUrl", "#station")
            point = _sub(placemark, "Point")
            _sub(point, "coordinates", f"{station.lon_deg:.{COORD_DECIMALS}f},"
                 f"{station.lat_deg:.{COORD_DECIMALS}f},0")
    if scene.coverage is not None:
        result = scene.coverage
        folder = _sub(document, "Folder")
        _sub(folder, "name", f"Coverage above {result.min_elevation_deg:g}°")
        lat, lon, half = _cell_rings(result)
        fraction = result.covered_fraction.ravel()
        in_view = result.mean_in_view.ravel()
        gap = result.longest_gap_s.ravel()
        for k in range(len(lat)):
            placemark = _sub(folder, "Placemark")
            _sub(placemark, "name", f"{lat[k]:g}°, {lon[k]:g}°")
            _sub(placemark, "styleUrl", f"#coverage{int(round(10 * fraction[k]))}")
            data = _sub(placemark, "ExtendedData")
            for key, value in (("covered_fraction", f"{fraction[k]:.6g}"),
                               ("mean_in_view", f"{in_view[k]:.4g}"),
                               ("longest_gap_s", f"{gap[k]:g}")):
                _sub(_sub(data, "Data", name=key), "value", value)
            ring = _sub(_sub(_sub(placemark, "Polygon"), "outerBoundaryIs"), "LinearRing")
            w, e, s, n = lon[k] - half, lon[k] + half, lat[k] - half, lat[k] + half
            _sub(ring, "coordinates", " ".join(f"{x:g},{y:g},0" for x, y in
                                               ((w, s), (e, s), (e, n), (w, n), (w, s))))
    return root


def kml_text(scene: Scene) -> str:
    root = kml_document(scene)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def write_kml(scene: Scene, path: str | Path) -> Path:
    """Write the KML of ``scene`` to ``path`` atomically."""
    return write_text_atomic(path, kml_text(scene))


__all__ = ["geojson_collection", "kml_document", "kml_text", "split_antimeridian",
           "track_properties", "write_geojson", "write_kml"]
