"""Ground networks: the built-in files, TOML and CSV loading, validation errors, clouds."""

from __future__ import annotations

import numpy as np
import pytest

from orbitsim.errors import InputError
from orbitsim.model.ground import (
    BUILTIN_RATE_MODELS,
    GroundNetwork,
    Station,
    load_ground_network,
)
from orbitsim.resources import builtin_dir, builtin_names

BUILTINS = ("commercial", "starlink-gateways", "optical", "compute-hubs")


def test_builtin_networks_are_listed():
    assert set(BUILTINS) <= set(builtin_names("ground"))


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_network_loads_and_is_sane(name):
    network = load_ground_network(name)
    assert network.name == name and network.description
    assert len(set(network.names)) == len(network)
    for station in network:
        assert -90 <= station.lat_deg <= 90 and -180 <= station.lon_deg <= 180
        assert -500 <= station.alt_m <= 9000
        assert 0 <= station.min_elevation_deg < 90
        assert station.antenna in ("ka-rf", "optical")
        assert len(station.country) == 2 and station.country.isupper()
        assert len(station.jurisdiction) == 2
    assert network.ecef_km.shape == (len(network), 3)
    np.testing.assert_allclose(np.linalg.norm(network.up, axis=1), 1.0)


def test_builtin_network_sizes_and_contents():
    assert 30 <= len(load_ground_network("commercial")) <= 50
    assert len(load_ground_network("starlink-gateways")) >= 50
    optical = load_ground_network("optical")
    assert all(s.antenna == "optical" and s.clear_sky_fraction < 1.0 for s in optical)
    assert all(s.cloud_mean_duration_h for s in optical)
    hubs = load_ground_network("compute-hubs")
    assert {"US", "AE", "SA", "KZ", "JP"} <= {s.country for s in hubs}
    assert any("Abilene" in s.name for s in hubs) and any("NEOM" in s.name for s in hubs)


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_station_cites_a_source_or_an_assumption(name):
    text = (builtin_dir("ground") / f"{name}.toml").read_text()
    assert "Sources" in text or "Source" in text
    assert "# assumption" in text


def test_toml_file_with_defaults_rate_models_and_overrides(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'description = "test"\n'
        "[rate_models.fast]\n"
        'kind = "table"\n'
        "elevation_deg = [10.0, 90.0]\n"
        "rate_bps = [1e9, 2e9]\n"
        "[defaults]\n"
        "min_elevation_deg = 15.0\n"
        'rate_model = "fast"\n'
        "[[stations]]\n"
        'name = "A"\n'
        "lat_deg = 10.0\n"
        "lon_deg = 200.0\n"
        "alt_m = 5.0\n"
        'country = "fr"\n'
        "[[stations]]\n"
        'name = "B"\n'
        "lat_deg = -10.0\n"
        "lon_deg = 20.0\n"
        "alt_m = 0.0\n"
        "min_elevation_deg = 30.0\n"
        'rate_model = "ka-rf"\n'
        'jurisdiction = "DE"\n'
        'tags = ["EU", " nato "]\n'
    )
    network = load_ground_network(path)
    a, b = network.stations
    assert network.name == "mine"
    assert a.lon_deg == pytest.approx(-160.0) and a.country == "FR" and a.jurisdiction == "FR"
    assert a.min_elevation_deg == 15.0 and a.rate_model.name == "fast"
    assert b.min_elevation_deg == 30.0 and b.rate_model is BUILTIN_RATE_MODELS["ka-rf"]
    assert b.tags == ("eu", "nato") and b.jurisdiction == "DE"
    assert a.rate_model.rate_bps(1000.0, 50.0) == pytest.approx(1.5e9)


def test_csv_file(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("name,lat_deg,lon_deg,alt_m,min_elevation_deg,country\n"
                    "Here,1.5,2.5,10,,US\n"
                    "There,-1.5,-2.5,0,20,\n")
    network = load_ground_network(path)
    assert network.names == ["Here", "There"]
    assert network.min_elevation_deg.tolist() == [10.0, 20.0]
    assert network.stations[0].country == "US" and network.stations[1].country == ""


def _error(path) -> InputError:
    with pytest.raises(InputError) as info:
        load_ground_network(path)
    return info.value


@pytest.mark.parametrize(
    "body, line, field",
    [
        ("lat_deg = 95.0", 4, "stations[0].lat_deg"),
        ('antenna = "x-band"', 7, "stations[0].antenna"),
        ('country = "USA"', 7, "stations[0].country"),
        ("min_elevation_deg = 90.0", 7, "stations[0].min_elevation_deg"),
        ("clear_sky_fraction = 0.0", 7, "stations[0].clear_sky_fraction"),
        ('rate_model = "nope"', 7, "stations[0].rate_model"),
        ("altitude = 3.0", 7, "stations[0].altitude"),
    ],
)
def test_toml_errors_name_file_line_and_field(tmp_path, body, line, field):
    lines = ["[[stations]]", 'name = "A"', "lon_deg = 1.0", "lat_deg = 2.0", "alt_m = 0.0",
             "", ""]
    key = body.split("=")[0].strip()
    replaced = [body if text.startswith(key + " ") else text for text in lines]
    if replaced == lines:
        replaced[6] = body
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(replaced) + "\n")
    error = _error(path)
    assert error.source == str(path) and error.field == field and error.line == line
    assert str(error).startswith(f"{path}:{line}: {field}: ")


def test_toml_errors_in_defaults_rate_models_and_syntax(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[defaults]\nmin_elevation_deg = -4\n[[stations]]\nname = 'A'\n"
                    "lat_deg = 1\nlon_deg = 2\nalt_m = 0\n")
    error = _error(path)
    assert error.field == "defaults.min_elevation_deg" and error.line == 2
    path.write_text("[rate_models.x]\nkind = 'shannon'\nfrequency_hz = 1e9\n"
                    "[[stations]]\nname = 'A'\nlat_deg = 1\nlon_deg = 2\nalt_m = 0\n")
    error = _error(path)
    assert error.field == "rate_models.x" and error.line == 1 and "eirp_dbw" in str(error)
    path.write_text("[[stations]]\nname = 'A'\nlat_deg = \n")
    assert _error(path).line == 3
    path.write_text("[[stations]]\nname='A'\nlat_deg=1\nlon_deg=2\nalt_m=0\n"
                    "[[stations]]\nname='A'\nlat_deg=1\nlon_deg=2\nalt_m=0\n")
    error = _error(path)
    assert error.field == "stations[1].name" and error.line == 7 and "duplicate" in str(error)
    path.write_text("title = 'x'\n[[stations]]\nname='A'\nlat_deg=1\nlon_deg=2\nalt_m=0\n")
    assert _error(path).field == "title"


@pytest.mark.parametrize(
    "text, line, field",
    [
        ("name,lat_deg,lon_deg\nA,1,2\n", 1, "alt_m"),
        ("name,lat_deg,lon_deg,alt_m,colour\nA,1,2,0,red\n", 1, "colour"),
        ("name,lat_deg,lon_deg,alt_m\nA,1,2,0\nB,north,2,0\n", 3, "lat_deg"),
        ("name,lat_deg,lon_deg,alt_m\nA,1,2,0\n\nB,1,-200,0\n", 4, "lon_deg"),
        ("name,lat_deg,lon_deg,alt_m,min_elevation_deg\nA,1,2,0,95\n", 2, "min_elevation_deg"),
        ("name,lat_deg,lon_deg,alt_m\nA,1,2,0\nA,3,4,0\n", 3, "stations[1].name"),
        ("name,lat_deg,lon_deg,alt_m\n", 2, None),
    ],
)
def test_csv_errors_name_file_line_and_field(tmp_path, text, line, field):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    error = _error(path)
    assert error.source == str(path) and error.line == line and error.field == field


def test_unknown_network_name():
    error = _error("no-such-network")
    assert "commercial" in str(error)


def test_cloud_process_is_seeded_and_has_the_right_clear_fraction():
    station = Station("Sky", 0.0, 0.0, 0.0, antenna="optical",
                      rate_model=BUILTIN_RATE_MODELS["optical"], clear_sky_fraction=0.6,
                      cloud_mean_duration_h=6.0)
    year_s = 365 * 86400.0
    intervals = station.clear_sky_intervals(year_s, seed=3)
    assert np.all(np.diff(intervals.ravel()) >= 0.0)  # sorted, disjoint
    clear = float(np.sum(intervals[:, 1] - intervals[:, 0])) / year_s
    assert clear == pytest.approx(0.6, abs=0.05)
    np.testing.assert_array_equal(intervals, station.clear_sky_intervals(year_s, seed=3))
    assert not np.array_equal(intervals, station.clear_sky_intervals(year_s, seed=4))
    rf = Station("RF", 0.0, 0.0, 0.0)
    np.testing.assert_array_equal(rf.clear_sky_intervals(100.0), [[0.0, 100.0]])


def test_network_helpers():
    network = load_ground_network("compute-hubs")
    sub = network.subset(["NEOM Oxagon", 0])
    assert isinstance(sub, GroundNetwork) and sub.names == ["NEOM Oxagon", network.names[0]]
    assert load_ground_network(network) is network
    with pytest.raises(ValueError):
        GroundNetwork("dup", (Station("A", 0, 0, 0), Station("A", 1, 1, 0)))


def test_repr_is_one_short_line():
    from orbitsim.model.ground import load_ground_network

    network = load_ground_network("commercial")
    assert repr(network) == f"<GroundNetwork commercial: {len(network)} stations>"
