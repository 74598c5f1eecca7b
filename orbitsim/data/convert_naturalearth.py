"""One-off conversion of Natural Earth 1:110m countries into ``coastlines_110m.npz`` and
``countries_110m.npz``.

Not imported by orbitsim. Run once by hand (see ``README.md`` beside this file)::

    cd /tmp && pip download geopandas==0.14.4 --no-deps && unzip -o geopandas-0.14.4-*.whl
    python orbitsim/data/convert_naturalearth.py \
        /tmp/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp \
        orbitsim/data/coastlines_110m.npz
    python orbitsim/data/convert_naturalearth.py countries \
        /tmp/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp \
        orbitsim/data/countries_110m.npz

The source holds country polygons (``ne_110m_admin_0_countries``). A coastline is every polygon
edge that no other polygon shares: land borders appear twice (once in each neighbour) and are
dropped, as are the artificial cuts along the antimeridian (lon = ±180°) and along lat = -90°
that close Antarctica. The ESRI shapefile format is read by hand (ESRI Shapefile Technical
Description, July 1998): only shape type 5 (Polygon) occurs in this file.

Output (numpy ``savez_compressed``): ``lon_cdeg`` and ``lat_cdeg``, int16 centidegrees (0.01°)
of all vertices, polylines concatenated; ``offsets`` (int32, ``n_lines + 1``) where polyline
``i`` is ``[offsets[i]:offsets[i+1]]``.

``countries`` mode keeps every ring of every country polygon (outer rings and holes, closed:
last vertex = first), with the country's ``iso_a3`` and ``name`` read from the ``.dbf`` beside
the ``.shp`` (dBase III, ISO-8859-1 as its ``.cpg`` says): ``lon_cdeg``, ``lat_cdeg`` (int16
centidegrees), ``ring_offsets`` (int32, ``n_rings + 1``), ``ring_country`` (int16, the country
of each ring), ``iso_a3`` and ``name`` (unicode, one per country, in the file's record order).
"""

from __future__ import annotations

import struct
import sys
from collections import Counter
from pathlib import Path

import numpy as np

_POLYGON = 5


def read_polygon_rings(shp_path: str | Path) -> list[np.ndarray]:
    """Every ring of every polygon record of an ESRI .shp file, as ``(n, 2)`` lon/lat arrays."""
    return [ring for record in read_polygon_records(shp_path) for ring in record]


def read_polygon_records(shp_path: str | Path) -> list[list[np.ndarray]]:
    """The rings of each record of an ESRI .shp file (record order), ``(n, 2)`` lon/lat."""
    data = Path(shp_path).read_bytes()
    file_code, = struct.unpack(">i", data[0:4])
    if file_code != 9994:
        raise ValueError(f"{shp_path} is not an ESRI shapefile (file code {file_code})")
    records: list[list[np.ndarray]] = []
    pos = 100
    while pos + 8 <= len(data):
        _record, length_words = struct.unpack(">ii", data[pos : pos + 8])
        content = data[pos + 8 : pos + 8 + 2 * length_words]
        pos += 8 + 2 * length_words
        shape_type, = struct.unpack("<i", content[0:4])
        if shape_type == 0:
            records.append([])
            continue
        if shape_type != _POLYGON:
            raise ValueError(f"unexpected shape type {shape_type} (only Polygon is handled)")
        n_parts, n_points = struct.unpack("<ii", content[36:44])
        parts = np.frombuffer(content, "<i4", n_parts, 44)
        points = np.frombuffer(content, "<f8", 2 * n_points, 44 + 4 * n_parts).reshape(-1, 2)
        bounds = list(parts) + [n_points]
        records.append([points[a:b].copy() for a, b in zip(bounds[:-1], bounds[1:])])
    return records


def read_dbf(dbf_path: str | Path, encoding: str = "latin-1") -> list[dict[str, str]]:
    """The records of a dBase III table (the attributes of a shapefile), as text fields."""
    data = Path(dbf_path).read_bytes()
    n_records, = struct.unpack("<I", data[4:8])
    header_bytes, record_bytes = struct.unpack("<HH", data[8:12])
    fields, pos = [], 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0")[0].decode("ascii")
        fields.append((name, data[pos + 16]))
        pos += 32
    rows = []
    for i in range(n_records):
        record = data[header_bytes + i * record_bytes:header_bytes + (i + 1) * record_bytes]
        offset, row = 1, {}  # byte 0: the deletion flag
        for name, width in fields:
            row[name] = record[offset:offset + width].decode(encoding).strip()
            offset += width
        rows.append(row)
    return rows


def countries(shp_path: str | Path, out_path: str | Path) -> None:
    """Every country polygon with its ISO code and name (module docstring)."""
    shp_path = Path(shp_path)
    records = read_polygon_records(shp_path)
    table = read_dbf(shp_path.with_suffix(".dbf"))
    if len(table) != len(records):
        raise ValueError(f"{len(records)} shapes but {len(table)} attribute records")
    rings, ring_country = [], []
    for k, record in enumerate(records):
        for ring in record:
            centi = np.round(ring * 100.0).astype(np.int16)
            step = np.any(np.diff(centi, axis=0) != 0, axis=1)
            centi = centi[np.concatenate([[True], step])]
            if len(centi) >= 4:  # a closed ring of three distinct vertices at least
                rings.append(centi)
                ring_country.append(k)
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rings])]).astype(np.int32)
    stacked = np.vstack(rings)
    np.savez_compressed(
        out_path, lon_cdeg=stacked[:, 0], lat_cdeg=stacked[:, 1], ring_offsets=offsets,
        ring_country=np.asarray(ring_country, dtype=np.int16),
        iso_a3=np.array([row["iso_a3"] for row in table]),
        name=np.array([row["name"] for row in table]))
    print(f"{len(table)} countries, {len(rings)} rings, {len(stacked)} vertices -> {out_path}")


def _edge_key(p: np.ndarray, q: np.ndarray) -> tuple:
    a = (round(float(p[0]), 6), round(float(p[1]), 6))
    b = (round(float(q[0]), 6), round(float(q[1]), 6))
    return (a, b) if a <= b else (b, a)


def _artificial(p: np.ndarray, q: np.ndarray) -> bool:
    on_antimeridian = abs(abs(p[0]) - 180.0) < 1e-6 and abs(abs(q[0]) - 180.0) < 1e-6
    on_south_pole = p[1] < -89.99 and q[1] < -89.99
    return bool(on_antimeridian or on_south_pole)


def coastline_polylines(rings: list[np.ndarray]) -> list[np.ndarray]:
    """Runs of consecutive ring edges that belong to one polygon only (the coast)."""
    counts: Counter = Counter()
    for ring in rings:
        for p, q in zip(ring[:-1], ring[1:]):
            counts[_edge_key(p, q)] += 1
    lines: list[np.ndarray] = []
    for ring in rings:
        keep = [
            counts[_edge_key(p, q)] == 1 and not _artificial(p, q)
            for p, q in zip(ring[:-1], ring[1:])
        ]
        if all(keep):  # an island: the closed ring is one polyline
            lines.append(ring)
            continue
        if not any(keep):
            continue
        start = keep.index(False)  # rotate so that no run wraps around the ring's start
        order = [(start + k) % len(keep) for k in range(len(keep))]
        run: list[int] = []
        for edge in order + [start]:
            if keep[edge] and edge != start:
                run.append(edge)
                continue
            if run:
                lines.append(np.vstack([ring[run[0]]] + [ring[e + 1] for e in run]))
            run = []
    return lines


def main(argv: list[str]) -> None:
    if argv and argv[0] == "countries":
        countries(*argv[1:])
        return
    shp_path, out_path = argv
    lines = coastline_polylines(read_polygon_rings(shp_path))
    centi = [np.round(line * 100.0).astype(np.int16) for line in lines]
    deduped = []
    for line in centi:  # drop vertices repeated by rounding
        step = np.any(np.diff(line, axis=0) != 0, axis=1)
        line = line[np.concatenate([[True], step])]
        if len(line) >= 2:
            deduped.append(line)
    offsets = np.concatenate([[0], np.cumsum([len(x) for x in deduped])]).astype(np.int32)
    stacked = np.vstack(deduped)
    np.savez_compressed(
        out_path, lon_cdeg=stacked[:, 0], lat_cdeg=stacked[:, 1], offsets=offsets
    )
    print(f"{len(deduped)} polylines, {len(stacked)} vertices -> {out_path}")


if __name__ == "__main__":
    main(sys.argv[1:])
