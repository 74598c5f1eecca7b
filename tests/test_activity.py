"""Node activity per step, from a run's jobs and transfers: half-open steps, instants, intervals
beyond the window, and the states of a real run against its own tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orbitsim.analysis.activity import (
    BOTH,
    COMPUTING,
    IDLE,
    TRANSFERRING,
    busy_steps,
    node_activity,
)


def test_busy_steps_are_half_open_and_count_instants():
    edges = np.array([0.0, 60.0, 120.0, 180.0])
    busy = busy_steps([0, 0, 1, 1, 1, 2], [10, 60, 120, 119.5, 200, -50],
                      [20, 60, 180, 119.5, 300, 10], 3, edges)
    assert busy.astype(int).tolist() == [[1, 1, 0], [0, 1, 1], [1, 0, 0]]


def test_states_combine_computing_and_transferring():
    jobs = pd.DataFrame({"node": [0, 1, 1], "start_s": [0.0, 70.0, np.nan],
                         "compute_end_s": [50.0, np.nan, np.nan]})
    transfers = pd.DataFrame({"sat_index": [0, 2], "start_s": [55.0, 130.0],
                              "end_s": [65.0, 131.0]})
    states = node_activity(jobs, transfers, 3, np.array([0.0, 60.0, 120.0, 180.0]))
    # node 1 still computes at the horizon: busy to the last edge
    assert states.tolist() == [[BOTH, TRANSFERRING, IDLE], [IDLE, COMPUTING, COMPUTING],
                               [IDLE, IDLE, TRANSFERRING]]
