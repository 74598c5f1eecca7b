"""CZML for Cesium (the CZML Guide of the Cesium project, version 1.0).

A JSON array of packets: first the ``document`` packet (name, clock over the window), then one
packet per satellite: ``availability`` (the span of its valid samples), ``position`` sampled in
the Earth-fixed frame (``referenceFrame: FIXED``, metres, seconds from ``epoch``, Lagrange
interpolation of degree 5), a ``label``, a ``point`` coloured by state over time and a
``path`` trailing one orbit; then one packet per ground station (a fixed position). The
state colours are those of a run's node activity (:mod:`orbitsim.analysis.activity`) when the
scene has them, else sunlight: in the Sun, penumbra, umbra.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from orbitsim.analysis.activity import STATE_NAMES, STATE_RGBA
from orbitsim.analysis.exports import Scene
from orbitsim.io import write_text_atomic

SUNLIT, PENUMBRA, UMBRA = 0, 1, 2
SUNLIGHT_NAMES = {SUNLIT: "in sunlight", PENUMBRA: "penumbra", UMBRA: "umbra"}
SUNLIGHT_RGBA = {SUNLIT: (255, 215, 0, 255), PENUMBRA: (255, 120, 60, 255),
                 UMBRA: (90, 110, 220, 255)}
STATION_RGBA = (27, 170, 70, 255)
#: Positions are written to the decimetre.
POSITION_DECIMALS = 1


def sunlight_states(illuminated: np.ndarray) -> np.ndarray:
    """Sunlight state of each step ``(n_sats, n_times - 1)`` from the illuminated fraction at
    its first instant: in sunlight (1), penumbra (between), umbra (0); NaN counts as sunlit."""
    lit = np.asarray(illuminated, dtype=float)[:, :-1]
    state = np.full(lit.shape, PENUMBRA, dtype=np.uint8)
    state[(lit >= 1.0) | np.isnan(lit)] = SUNLIT
    state[lit <= 0.0] = UMBRA
    return state


def runs(states: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of equal values of a 1-D array: ``(first, stop, value)`` with ``stop`` exclusive."""
    states = np.asarray(states)
    if not len(states):
        return []
    edges = np.flatnonzero(states[1:] != states[:-1]) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [len(states)]])
    return [(int(a), int(b), int(states[a])) for a, b in zip(starts, stops)]


def _colour_intervals(states: np.ndarray, iso: np.ndarray, rgba: dict) -> list[dict]:
    return [{"interval": f"{iso[a]}/{iso[b]}", "rgba": list(rgba[value])}
            for a, b, value in runs(states)]


def _description(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table>{body}</table>"


def czml_packets(scene: Scene) -> list[dict]:
    """The CZML document of ``scene`` as a list of packets (module docstring)."""
    geometry = scene.geometry
    grid = geometry.grid
    iso = scene.iso_times
    seconds = grid.seconds
    start, end = iso[0], iso[-1]
    if scene.activity is not None:
        states, names, colours = scene.activity, STATE_NAMES, STATE_RGBA
        legend = "node activity"
    else:
        states, names, colours = sunlight_states(geometry.illuminated), SUNLIGHT_NAMES, \
            SUNLIGHT_RGBA
        legend = "sunlight"
    key = ", ".join(f"{names[code]}: rgb{tuple(colours[code][:3])}" for code in sorted(names))
    packets: list[dict] = [{
        "id": "document", "name": scene.title or geometry.constellation.name, "version": "1.0",
        "description": (f"{html.escape(scene.source)}: {len(geometry.constellation):,} "
                        f"satellites, {start} to {end} every {grid.step_s:g} s. Points coloured "
                        f"by {legend} ({html.escape(key)})."),
        "clock": {"interval": f"{start}/{end}", "currentTime": start, "multiplier": 60,
                  "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"},
    }]
    periods_s = geometry.constellation.mean_period_min() * 60.0
    r_m = np.round(geometry.r_ecef_km * 1000.0, POSITION_DECIMALS)
    for i, name in enumerate(scene.names):
        valid = np.flatnonzero((geometry.error[i] == 0) & np.isfinite(r_m[i]).all(axis=1))
        packet: dict = {"id": f"satellite/{name}", "name": name}
        rows = [("satellite", name), ("index", str(i)),
                ("orbital period", f"{periods_s[i] / 60.0:.2f} min")]
        if len(valid):
            rows.append(("mean altitude", f"{np.nanmean(geometry.alt_km[i]):,.1f} km"))
            rows.append(("time in sunlight",
                         f"{100 * np.nanmean(geometry.illuminated[i, valid]):.1f} %"))
            packet["availability"] = f"{iso[valid[0]]}/{iso[valid[-1]]}"
            samples = np.column_stack([seconds[valid], r_m[i, valid]])
            packet["position"] = {"epoch": start, "referenceFrame": "FIXED",
                                  "interpolationAlgorithm": "LAGRANGE",
                                  "interpolationDegree": 5,
                                  "cartesian": samples.ravel().tolist()}
        if len(valid) < len(seconds):
            rows.append(("sgp4 errors", f"{len(seconds) - len(valid):,} of {len(seconds):,} "
                         "samples (no position there)"))
        if scene.activity is not None and scene.activity.shape[1]:
            for code in sorted(STATE_NAMES):
                share = float(np.mean(scene.activity[i] == code))
                rows.append((STATE_NAMES[code], f"{100 * share:.1f} % of the steps"))
        packet["description"] = _description(rows)
        packet["label"] = {"text": name, "font": "11px sans-serif", "horizontalOrigin": "LEFT",
                           "pixelOffset": {"cartesian2": [8, 0]},
                           "fillColor": {"rgba": [255, 255, 255, 255]},
                           "showBackground": True,
                           "distanceDisplayCondition": {"distanceDisplayCondition":
                                                        [0.0, 2.0e7]}}
        packet["point"] = {"pixelSize": 7, "outlineWidth": 1,
                           "outlineColor": {"rgba": [0, 0, 0, 255]},
                           "color": _colour_intervals(states[i], iso, colours)
                           if states.shape[1] else {"rgba": list(colours[0])}}
        if np.isfinite(periods_s[i]):
            packet["path"] = {"show": True, "width": 1, "leadTime": 0,
                              "trailTime": float(round(periods_s[i], 1)),
                              "resolution": float(grid.step_s),
                              "material": {"solidColor": {"color": {"rgba": [255, 255, 255,
                                                                            128]}}}}
        packets.append(packet)
    if scene.stations is not None:
        for station in scene.stations:
            packets.append({
                "id": f"station/{station.name}", "name": station.name,
                "description": _description([
                    ("ground station", station.name),
                    ("network", scene.stations.name),
                    ("position", f"{station.lat_deg:.4f}°, {station.lon_deg:.4f}°, "
                                 f"{station.alt_m:g} m"),
                    ("elevation mask", f"{station.min_elevation_deg:g}°")]),
                "position": {"cartographicDegrees": [station.lon_deg, station.lat_deg,
                                                     station.alt_m]},
                "point": {"pixelSize": 9, "color": {"rgba": list(STATION_RGBA)},
                          "outlineColor": {"rgba": [255, 255, 255, 255]}, "outlineWidth": 1},
                "label": {"text": station.name, "font": "11px sans-serif",
                          "horizontalOrigin": "LEFT", "pixelOffset": {"cartesian2": [10, 0]},
                          "fillColor": {"rgba": list(STATION_RGBA)}},
            })
    return packets


def czml_text(scene: Scene) -> str:
    """The CZML document as text: a JSON array, one packet a line."""
    packets = czml_packets(scene)
    return "[\n" + ",\n".join(json.dumps(p, separators=(",", ":")) for p in packets) + "\n]\n"


def write_czml(scene: Scene, path: str | Path) -> Path:
    """Write the CZML of ``scene`` to ``path`` atomically."""
    return write_text_atomic(path, czml_text(scene))


__all__ = ["SUNLIGHT_NAMES", "SUNLIGHT_RGBA", "czml_packets", "czml_text", "runs",
           "sunlight_states", "write_czml"]
