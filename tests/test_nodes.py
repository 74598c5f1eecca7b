"""Node agents: what a policy sees of a node, and the look-ahead forecast of a job's compute
against the simulation itself."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import simpy

from orbitsim.model.catalogue import load_constellation
from orbitsim.model.ground import load_ground_network
from orbitsim.model.scenario import load_scenario, node_hardware
from orbitsim.model.workload import JOB_COLUMNS, load_workload
from orbitsim.policies import get_policy
from orbitsim.sim.engine import Simulation
from orbitsim.sim.nodes import NodeAgent
from orbitsim.sim.prepare import prepare_inputs


@pytest.fixture(scope="module")
def eclipse_inputs():
    """stress-eclipse (24 one-GPU nodes, 53 deg shell, 250 Wh batteries) for 6 h, no faults."""
    scenario = load_scenario("stress-eclipse").model_copy(update={"hours": 6.0})
    constellation = load_constellation(scenario.constellation)
    inputs = prepare_inputs(constellation, load_ground_network(scenario.ground_network),
                            node_hardware(scenario), scenario.time_grid(), seed=1,
                            faults=False, record_history=False)
    return scenario, inputs


def one_job(work_flop: float, mfu: float = 0.4) -> pd.DataFrame:
    row = dict(job_id=0, tenant="anyone", kind="batch-inference", job_class="one",
               arrival_s=0.0, work_flop=work_flop, accelerators=1, input_bytes=0.0,
               output_bytes=0.0, deadline_s=np.nan, checkpoint_interval_s=np.nan, mfu=mfu)
    return pd.DataFrame([row])[JOB_COLUMNS]


def test_forecast_is_where_the_simulation_ends_the_job(eclipse_inputs):
    """A 3-hour job on an idle node through eclipses, its battery at the floor in each: the
    forecast made before it starts (a copy of the node's physics run forward) is when the
    simulation ends it."""
    scenario, inputs = eclipse_inputs
    hardware = inputs.hardware
    peak = hardware.accelerator.dense_flops("bf16")
    work = 3 * 3600.0 * peak * 0.4
    fresh = copy.deepcopy(inputs.nodes[0])
    agent = NodeAgent(0, fresh, 1, peak, hardware.accelerator.power_limit_w, 0, "op",
                      simpy.Environment(), lambda node, job: None)
    forecast = agent.forecast_end_s(0.0, work, 1, 0.4, 6 * 3600.0)
    assert fresh.t_s == 0.0 and fresh.energy_wh == inputs.nodes[0].energy_wh  # untouched
    workload = load_workload(scenario.workload)
    run_inputs = copy.copy(inputs)
    run_inputs.nodes = copy.deepcopy(inputs.nodes)
    result = Simulation(run_inputs, workload, one_job(work), get_policy("fifo"), seed=1).run()
    job = result.jobs.iloc[0]
    assert job.node == 0 and job.status == "done"
    assert job.compute_end_s > 3 * 3600.0 + 600.0  # slowed by power: it does bind
    assert result.nodes.loc[0, "power_limited_s"] > 600.0
    assert forecast == pytest.approx(job.compute_end_s, abs=1e-3)


def test_forecast_past_the_horizon_is_infinite(eclipse_inputs):
    _, inputs = eclipse_inputs
    hardware = inputs.hardware
    peak = hardware.accelerator.dense_flops("bf16")
    agent = NodeAgent(0, copy.deepcopy(inputs.nodes[0]), 1, peak,
                      hardware.accelerator.power_limit_w, 0, "op", simpy.Environment(),
                      lambda node, job: None)
    assert agent.forecast_end_s(0.0, 10 * 3600.0 * peak, 1, 0.4, 6 * 3600.0) == math.inf


def test_without_physics_a_node_has_no_limit():
    agent = NodeAgent(3, None, 8, 1e15, 700.0, 0, "op", simpy.Environment(),
                      lambda node, job: None)
    soc, sunlit, temp_k, margin_k, cap_w, throughput = agent.outlook(2)
    assert (soc, sunlit, margin_k, cap_w, throughput) == (1.0, 1.0, math.inf, 5600.0, 1e15)
    assert temp_k == 0.0
    assert agent.free_at_s(8) == 0.0
    assert agent.forecast_end_s(10.0, 4e15, 2, 0.5, 100.0) == pytest.approx(14.0)
