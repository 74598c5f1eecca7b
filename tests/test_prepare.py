"""Run inputs: compact contacts equal to the full contact windows, any number of workers."""

from __future__ import annotations

import numpy as np
import pytest

import orbitsim.geometry.propagate as propagate_module
from orbitsim import contact_windows, time_grid, walker_delta
from orbitsim.geometry.contacts import COMPACT_COLUMNS
from orbitsim.model.ground import load_ground_network
from orbitsim.model.hardware import load_node
from orbitsim.sim.prepare import apply_station_outages, isl_groups, prepare_inputs

NETWORK = "commercial"
SEED = 5


@pytest.fixture(scope="module")
def setting():
    shell = walker_delta(600, 97.8, planes=3, per_plane=4, phasing=1)
    grid = time_grid("2026-06-21T00:00Z", 3, 60)
    return shell, load_ground_network(NETWORK), load_node("starcloud-node"), grid


@pytest.fixture(scope="module")
def inputs(setting):
    shell, network, hardware, grid = setting
    return prepare_inputs(shell, network, hardware, grid, seed=SEED, record_history=False)


def test_contacts_are_the_contact_windows_in_compact_form(setting, inputs):
    shell, network, _, grid = setting
    full = contact_windows(shell, network, grid, seed=SEED)
    compact = inputs.contacts
    assert tuple(compact.columns) == COMPACT_COLUMNS
    assert len(compact) == len(full) > 20
    for column in ("sat_index", "station_index", "start_s", "end_s", "bytes_capacity"):
        np.testing.assert_array_equal(compact[column].to_numpy(), full[column].to_numpy())
    for column in ("satellite", "station"):
        assert compact[column].astype(str).tolist() == full[column].astype(str).tolist()
    # ~35 bytes a pass instead of ~190.
    assert compact.memory_usage(deep=True).sum() < 40 * len(compact) + 4000


def test_workers_and_chunks_do_not_change_the_inputs(setting, inputs, monkeypatch):
    shell, network, hardware, grid = setting
    monkeypatch.setattr(propagate_module, "default_chunk_size", lambda n_times: 5)
    alone, split = (prepare_inputs(shell, network, hardware, grid, seed=SEED,
                                   record_history=False, workers=workers) for workers in (1, 2))
    # Contacts and node physics do not depend on the chunks; fault draws are seeded per
    # chunk, so they depend on the chunk size but not on the number of workers.
    assert split.contacts.equals(inputs.contacts) and alone.contacts.equals(inputs.contacts)
    assert len(split.nodes) == len(inputs.nodes) == len(shell)
    for a, b in zip(split.nodes, inputs.nodes):
        assert a.hardware is hardware
        for key, values in a.segments_table().items():
            np.testing.assert_array_equal(values, b.segments_table()[key])
        assert (a.energy_wh, a.temp_k) == (b.energy_wh, b.temp_k)
    np.testing.assert_array_equal(split.faults.failure_s, alone.faults.failure_s)
    for a, b in zip(split.faults.sefi_s, alone.faults.sefi_s):
        np.testing.assert_array_equal(a, b)


def test_station_outage_cuts_compact_passes(inputs):
    contacts = inputs.contacts
    station = str(contacts.station.iloc[0])
    first = contacts[contacts.station == station].iloc[0]
    middle = 0.5 * (first.start_s + first.end_s)
    outage = type("Outage", (), {"station": station, "start_s": middle, "end_s": middle + 1e6})
    cut = apply_station_outages(contacts, list(inputs.network.names), [outage])
    mine = cut[cut.station == station]
    assert (mine.end_s <= middle).all()
    kept = mine[(mine.sat_index == first.sat_index) & (mine.start_s == first.start_s)]
    assert kept.end_s.item() == middle
    assert kept.bytes_capacity.item() == pytest.approx(0.5 * first.bytes_capacity, rel=1e-12)
    assert len(cut[cut.station != station]) == len(contacts[contacts.station != station])


def test_the_mesh_is_prepared_once_with_the_nodes_and_relays(setting):
    from orbitsim.geometry.isl import INTER_GROUP

    shell, network, hardware, grid = setting
    assert prepare_inputs(shell, network, hardware, grid, seed=SEED,
                          record_history=False).mesh is None  # grid: no mesh
    relays = walker_delta(550, 53, planes=4, per_plane=6, phasing=1, prefix="RELAY",
                          first_id=1001)
    inputs = prepare_inputs(shell, network, hardware, grid, seed=SEED, record_history=False,
                            isl="mesh", isl_rate_bps=1e9, isl_hop_delay_s=1e-3, relay=relays,
                            relay_range_km=4000.0)
    mesh = inputs.mesh
    n = len(shell)
    assert (mesh.n_nodes, mesh.n_relays, mesh.rate_bps, mesh.hop_delay_s) == (n, 24, 1e9, 1e-3)
    assert mesh.names == list(shell.names) + list(relays.names)
    assert mesh.positions_km.shape == (n + 24, len(grid), 3)
    # The nodes' own propagation, kept once: the same positions a fresh propagation gives.
    np.testing.assert_allclose(mesh.positions_km[:n],
                               propagate_module.propagate(shell, grid).r_ecef_km, atol=1e-3)
    assert mesh.mesh.nominal_rate_bps == 1e9 and mesh.mesh.n_times == len(grid)
    inter = mesh.mesh.links[mesh.mesh.kind == INTER_GROUP]
    assert len(inter) and (inter[:, 0] < n).all() and (inter[:, 1] >= n).all()
    # The relays' passes, counted after the nodes; a station tracks one relay at a time.
    relay_passes = mesh.relay_contacts
    assert (relay_passes.sat_index >= n).all() and len(relay_passes)
    for _, rows in relay_passes.groupby("station_index"):
        rows = rows.sort_values("start_s")
        assert (rows.start_s.to_numpy()[1:] >= rows.end_s.to_numpy()[:-1] - 1e-9).all()
    np.testing.assert_array_equal(inputs.group_of_node, np.zeros(n))  # one group through them
    np.testing.assert_array_equal(isl_groups(shell, "mesh"), isl_groups(shell, "grid"))
    with pytest.raises(ValueError, match="mesh"):
        prepare_inputs(shell, network, hardware, grid, seed=SEED, relay=relays)
