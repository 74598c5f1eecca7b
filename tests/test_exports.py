"""Exports read back by what their users use: CZML as the JSON list Cesium loads (a document
packet, a packet per satellite with position samples equal to the propagation), GeoJSON through
shapely (valid lines, none crossing the antimeridian), KML through an XML parser, netCDF through
xarray; a run folder's nodes coloured by what they did."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from orbitsim import cli, load_constellation, propagate, time_grid
from orbitsim.analysis.activity import COMPUTING, STATE_RGBA, TRANSFERRING
from orbitsim.analysis.exports import FORMATS, Scene, format_of
from orbitsim.analysis.exports.czml import czml_packets, runs
from orbitsim.analysis.exports.vector import split_antimeridian
from orbitsim.errors import InputError

HOURS = 2
N_SATS = 32  # starcloud-demo
N_TIMES = HOURS * 60 + 1


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The four formats of starcloud-demo over 2 h, written by the command."""
    folder = tmp_path_factory.mktemp("exports")
    paths = {}
    for fmt, name in (("czml", "d.czml"), ("geojson", "d.geojson"), ("kml", "d.kml"),
                      ("netcdf", "d.nc")):
        paths[fmt] = folder / name
        try:
            cli.main(["export", "starcloud-demo", "--format", fmt, "--hours", str(HOURS),
                      "--out", str(paths[fmt])])
        except SystemExit as exc:
            assert exc.code in (0, None)
    return paths


@pytest.fixture(scope="module")
def geometry():
    return propagate(load_constellation("starcloud-demo"),
                     time_grid("2026-06-21T00:00:00Z", HOURS, 60))


def test_czml_is_a_document_and_one_sampled_packet_per_satellite(exported, geometry):
    packets = json.loads(exported["czml"].read_text())
    assert isinstance(packets, list) and packets[0]["id"] == "document"
    assert packets[0]["clock"]["interval"] == "2026-06-21T00:00:00.000Z/2026-06-21T02:00:00.000Z"
    satellites = packets[1:]
    assert len(satellites) == N_SATS
    for i, packet in enumerate(satellites):
        position = packet["position"]
        assert position["referenceFrame"] == "FIXED"
        samples = np.asarray(position["cartesian"]).reshape(-1, 4)
        assert len(samples) == N_TIMES
        np.testing.assert_allclose(samples[:, 0], geometry.grid.seconds)
        # the propagation itself, in metres, to the decimetre written
        np.testing.assert_allclose(samples[:, 1:], geometry.r_ecef_km[i] * 1000.0, atol=0.051)
        assert packet["availability"] == packets[0]["clock"]["interval"]
        assert packet["label"]["text"] == packet["name"] == geometry.constellation.names[i]
        assert packet["point"]["color"]  # colour intervals over the window (sunlight)


def test_geojson_tracks_are_valid_and_never_cross_the_antimeridian(exported, geometry):
    from shapely.geometry import shape

    collection = json.loads(exported["geojson"].read_text())
    assert collection["type"] == "FeatureCollection"
    tracks = [f for f in collection["features"] if f["properties"]["kind"] == "ground_track"]
    assert len(tracks) == N_SATS == len(collection["features"])
    assert [f["properties"]["satellite"] for f in tracks] == list(geometry.constellation.names)
    for feature in tracks:
        kind = feature["geometry"]["type"]
        assert kind in ("LineString", "MultiLineString")
        lines = ([feature["geometry"]["coordinates"]] if kind == "LineString"
                 else feature["geometry"]["coordinates"])
        points = 0
        for line in lines:
            xy = np.asarray(line)
            assert xy.shape[1] == 2 and len(xy) >= 2
            assert np.all(np.abs(xy[:, 0]) <= 180.0) and np.all(np.abs(xy[:, 1]) <= 90.0)
            assert np.all(np.abs(np.diff(xy[:, 0])) < 180.0)
            points += len(xy)
        # every sample, plus both ends of each cut on the meridian
        assert points == N_TIMES + 2 * (len(lines) - 1)
        assert shape(feature["geometry"]).is_valid
    # 2 h is more than one orbit: every track crosses the antimeridian at least once
    assert Counter(f["geometry"]["type"] for f in tracks) == {"MultiLineString": N_SATS}


def test_kml_parses_as_xml_with_a_track_per_satellite(exported):
    root = ET.parse(exported["kml"]).getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    folders = {f.findtext("k:name", namespaces=ns): f for f in root.iter(f"{{{ns['k']}}}Folder")}
    tracks = folders["Ground tracks"].findall("k:Placemark", ns)
    assert len(tracks) == N_SATS
    for placemark in tracks:
        for line in placemark.iter(f"{{{ns['k']}}}LineString"):
            coords = np.array([c.split(",") for c in
                               line.findtext("k:coordinates", namespaces=ns).split()], float)
            assert np.all(np.abs(np.diff(coords[:, 0])) < 180.0)
    timed = folders["Satellites"].findall("k:Placemark/gx:Track", ns)
    assert len(timed) == N_SATS
    assert len(timed[0].findall("k:when", ns)) == len(timed[0].findall("gx:coord", ns)) == N_TIMES


def test_netcdf_opens_with_xarray_and_holds_the_geometry(exported, geometry):
    import xarray as xr

    with xr.open_dataset(exported["netcdf"]) as dataset:
        for name in ("lat_deg", "lon_deg", "alt_km", "illuminated"):
            assert dataset[name].dims == ("satellite", "time")
            np.testing.assert_array_equal(dataset[name].values, getattr(geometry, name))
        assert dataset.sizes == {"satellite": N_SATS, "time": N_TIMES, "xyz": 3}
        assert list(dataset["satellite"].values) == list(geometry.constellation.names)
        assert str(dataset["time"].values[0]).startswith("2026-06-21T00:00:00")
        assert dataset["lat_deg"].attrs["units"] == "degrees_north"


def test_a_run_folder_colours_its_nodes_by_activity(tmp_path, capsys):
    import pandas as pd

    import orbitsim
    from orbitsim.results import summary_json, write_parquet

    run = orbitsim.simulate("starcloud-demo", hours=0.5)
    folder = tmp_path / "run"  # the files of a run folder an export reads (run.write skipped:
    folder.mkdir()             # the report is not needed here)
    (folder / "summary.json").write_text(summary_json(run.summary))
    write_parquet(run.jobs, folder / "jobs.parquet")
    write_parquet(run.transfers, folder / "transfers.parquet")
    code, out, err = run_cli(capsys, "export", str(folder), "--out", str(tmp_path / "run.czml"),
                             "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["node_activity"] is True and summary["stations"] == len(run.inputs.network)
    packets = json.loads((tmp_path / "run.czml").read_text())
    stations = [p for p in packets if p["id"].startswith("station/")]
    satellites = [p for p in packets if p["id"].startswith("satellite/")]
    assert len(stations) == len(run.inputs.network) and len(satellites) == N_SATS
    # A node that computed has the computing colour over the steps its first job computed.
    jobs = run.jobs[run.jobs["start_s"].notna()]
    first = jobs.iloc[0]
    colours = satellites[int(first["node"])]["point"]["color"]
    when = pd.Timestamp(first["start_utc"])
    held = [c["rgba"] for c in colours
            if pd.Timestamp(c["interval"].split("/")[0]) <= when
            < pd.Timestamp(c["interval"].split("/")[1])]
    assert held and tuple(held[0]) in (STATE_RGBA[COMPUTING], STATE_RGBA[COMPUTING
                                                                          | TRANSFERRING])


def test_split_antimeridian_interpolates_and_breaks_at_nan():
    pieces = split_antimeridian([170.0, 178.0, -178.0, -170.0, np.nan, 10.0, 20.0],
                                [0.0, 1.0, 2.0, 3.0, np.nan, 5.0, 6.0])
    assert [p.tolist() for p in pieces] == [[[170.0, 0.0], [178.0, 1.0], [180.0, 1.5]],
                                            [[-180.0, 1.5], [-178.0, 2.0], [-170.0, 3.0]],
                                            [[10.0, 5.0], [20.0, 6.0]]]
    west = split_antimeridian([-175.0, 175.0], [10.0, 20.0])
    assert [p.tolist() for p in west] == [[[-175.0, 10.0], [-180.0, 15.0]],
                                          [[180.0, 15.0], [175.0, 20.0]]]
    assert split_antimeridian([np.nan, 1.0, np.nan], [0.0, 1.0, 2.0]) == []


def test_runs_and_formats():
    assert runs(np.array([0, 0, 1, 1, 1, 0])) == [(0, 2, 0), (2, 5, 1), (5, 6, 0)]
    assert runs(np.array([], dtype=int)) == []
    assert format_of("a.czml") == "czml" and format_of("b.nc") == "netcdf"
    assert format_of("c.json", "geojson") == "geojson"
    for path, fmt in (("c.json", None), ("d.kml", "czml"), ("e.czml", "shp")):
        with pytest.raises(InputError):
            format_of(path, fmt)
    assert set(FORMATS) == {"czml", "geojson", "kml", "netcdf"}


def test_failed_samples_are_left_out_of_a_czml_packet(geometry):
    broken = propagate(geometry.constellation.subset([0, 1]), geometry.grid)
    broken.error[1, 60:] = 6
    broken.r_ecef_km[1, 60:] = np.nan
    packets = czml_packets(Scene(broken, title="decayed"))
    samples = np.asarray(packets[2]["position"]["cartesian"]).reshape(-1, 4)
    assert len(samples) == 60 and packets[2]["availability"].endswith("00:59:00.000Z")
    assert "sgp4 errors" in packets[2]["description"]


def test_bad_requests_are_one_line_errors(tmp_path, capsys):
    cases = [("starcloud-demo", "--out", str(tmp_path / "x.json")),
             ("starcloud-demo", "--format", "czml", "--out", str(tmp_path / "x.kml")),
             ("starcloud-demo", "--format", "czml", "--coverage", "--out",
              str(tmp_path / "x.czml")),
             (str(tmp_path), "--out", str(tmp_path / "x.czml")),
             ("starlink-shell1", "--hours", "240", "--out", str(tmp_path / "x.czml"))]
    for args in cases:
        code, out, err = run_cli(capsys, "export", *args)
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error:")
    assert list(tmp_path.iterdir()) == []


def test_a_decaying_satellite_is_warned_about_and_exported_until_it_fails(tmp_path, capsys):
    """DECAY-1 re-enters about 4.5 h after the start: its packet stops there, the command
    warns in one line on stderr, and the JSON says so."""
    decay = Path(__file__).resolve().parent / "data" / "decay.3le"
    code, out, err = run_cli(capsys, "export", str(decay), "--start", "2026-06-21T00:00:00Z",
                             "--hours", "6", "--out", str(tmp_path / "d.czml"), "--json")
    assert code == 0 and json.loads(out)["satellites_failed"] == 1
    assert "warning:" in err and "DECAY-1" in err
    packets = {p["id"]: p for p in json.loads((tmp_path / "d.czml").read_text())}
    healthy = np.asarray(packets["satellite/HEALTHY-1"]["position"]["cartesian"])
    decayed = np.asarray(packets["satellite/DECAY-1"]["position"]["cartesian"])
    assert len(healthy) == 4 * 361 and 0 < len(decayed) < len(healthy)
    assert packets["satellite/DECAY-1"]["availability"] < \
        packets["satellite/HEALTHY-1"]["availability"]


def _write_run_folder(run, folder: Path) -> Path:
    from orbitsim.results import summary_json, write_parquet

    folder.mkdir()
    (folder / "summary.json").write_text(summary_json(run.summary))
    write_parquet(run.jobs, folder / "jobs.parquet")
    write_parquet(run.transfers, folder / "transfers.parquet")
    return folder


def test_a_sampled_run_exports_its_sampled_nodes_and_only_its_window(tmp_path, capsys,
                                                                      monkeypatch):
    """A sampled run's node i is the i-th satellite of its sample: the export shows those
    satellites (not the constellation's first ones) with their activity; a window beyond the
    run's is refused (its nodes did nothing known there)."""
    import orbitsim
    from orbitsim.model.scenario import SampleSpec, load_scenario

    data = Path(__file__).parent / "data" / "partition"
    base = load_scenario(data / "three-shells-run.toml")
    scenario = base.model_copy(update={"sample": SampleSpec(fraction=0.5, unit_size=6),
                                       "hours": 0.25})
    run = orbitsim.simulate(scenario)
    folder = _write_run_folder(run, tmp_path / "run")
    monkeypatch.chdir(data)  # the run's constellation file is named relative to it
    code, out, err = run_cli(capsys, "export", str(folder), "--out",
                             str(tmp_path / "run.geojson"), "--json")
    assert code == 0, err
    assert json.loads(out)["satellites"] == len(run.nodes) == 36
    tracks = [f for f in json.loads((tmp_path / "run.geojson").read_text())["features"]
              if f["properties"].get("kind") == "track" or "satellite" in f["properties"]]
    assert {f["properties"]["satellite"] for f in tracks} == set(run.nodes["satellite"])
    busy = run.nodes.set_index("satellite")["busy_accelerator_s"] > 0
    for feature in tracks:
        name = feature["properties"]["satellite"]
        computing = (feature["properties"]["computing_fraction"]
                     + feature["properties"]["computing_and_transferring_fraction"])
        assert (computing > 0) == bool(busy[name]), name
    code, out, err = run_cli(capsys, "export", str(folder), "--hours", "1", "--out",
                             str(tmp_path / "late.czml"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "beyond the run" in err
    assert not (tmp_path / "late.czml").exists()
