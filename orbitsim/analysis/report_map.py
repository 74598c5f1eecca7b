"""The report's interactive map: the coverage layers, the ground stations, the tracks and the
nodes moving over the run, each coloured by what it was doing (computing, moving data over a
ground pass, both, idle: :mod:`orbitsim.analysis.activity`), one frame per snapshot of the
run's products. plotly.js is embedded in the page: it opens offline, and the same run gives
the same bytes (a fixed ``div`` id).
"""

from __future__ import annotations

import html

import numpy as np

from orbitsim.analysis.activity import STATE_NAMES, STATE_RGBA, node_activity
from orbitsim.analysis.maps import figure_html, interactive_map_figure

DIV_ID = "orbitsim-report-map"


def snapshot_states(run) -> np.ndarray | None:
    """Activity of the snapshot nodes ``(n_shown, n_instants)`` during the interval from each
    snapshot to the next (the last: one snapshot step, within the run)."""
    shots = run.products.snapshots
    if shots is None or not len(shots.grid):
        return None
    seconds = shots.grid.seconds
    step = shots.grid.step_s
    edges = np.append(seconds, seconds[-1] + step)
    states = node_activity(run.job_chunks(["node", "start_s", "compute_end_s"]),
                           run.transfer_chunks(["sat_index", "start_s", "end_s"]),
                           run.inputs.n_nodes, edges,
                           horizon_s=float(run.result.horizon_s))
    return states[shots.sat_index]


def interactive_map_section(run) -> str:
    """The ``<section id="interactive-map">`` of the report (empty without snapshots)."""
    products = run.products
    shots = products.snapshots
    if shots is None:
        return ""
    network = run.inputs.network
    states = snapshot_states(run)
    n = len(run.inputs.constellation)
    figure = interactive_map_figure(
        products.coverage, stations=network, track_lon_deg=products.track_lon_deg,
        track_lat_deg=products.track_lat_deg, track_names=products.track_names,
        snapshots=shots, states=states, state_names=STATE_NAMES, state_rgba=STATE_RGBA,
        height=600)
    shown = (f"all {n:,} nodes" if len(shots.sat_index) == n
             else f"{len(shots.sat_index):,} of the {n:,} nodes, spread over the constellation")
    layers = ("Buttons switch the coverage layer (time covered, mean nodes in view, longest "
              "gap, above the stations' median mask). " if products.coverage is not None
              else "")
    caption = (f"{layers}Markers: {shown} every {shots.grid.step_s / 60.0:.3g} min of the run "
               "(press play or drag the slider), coloured by what each was doing until the "
               "next frame: computing a job, moving data over a ground pass, both, or idle. "
               f"Triangles: the {len(network.stations)} ground stations; white lines: the "
               "ground tracks of the map above. Zoom and hover for names. The page embeds "
               "plotly.js: nothing is fetched.")
    div = figure_html(figure, div_id=DIV_ID, full_html=False)
    return (f'<section id="interactive-map"><h2>Interactive map</h2>'
            f'<p class="sub">{html.escape(caption)}</p>{div}</section>')


__all__ = ["DIV_ID", "interactive_map_section", "snapshot_states"]
