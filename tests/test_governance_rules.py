"""Governance rules as a scenario gives them (model/governance): which licence governs a
tenant on an accelerator, and every bad rule refused by validate and run alike, with its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitsim import cli
from orbitsim.model.governance import Governance, Licence, terms_for
from orbitsim.model.workload import Tenant


def test_the_most_specific_licence_governs():
    governance = Governance(licences=(
        Licence(countries=("CN",), access="forbidden"),
        Licence(countries=("CN",), accelerators=("h200",), access="terms", monitoring=True,
                geofence=("CHN",)),
        Licence(tenants=("special",), access="allowed"),
        Licence(alliances=("pax-silica",), accelerators=("h200",), access="forbidden"),
    ), default_access="allowed")
    cn = Tenant(name="cn-buyer", home_country="CN")
    special = Tenant(name="special", home_country="CN")
    japan = Tenant(name="jp", home_country="JP")
    nowhere = Tenant(name="free")
    assert terms_for(governance, cn, "h100-sxm").access == "forbidden"
    terms = terms_for(governance, cn, "h200")
    assert (terms.access, terms.monitoring, terms.geofence, terms.licence) == (
        "terms", True, ("CHN",), 1)
    assert terms_for(governance, special, "h100-sxm").access == "allowed"
    assert terms_for(governance, japan, "h200").access == "forbidden"
    assert terms_for(governance, japan, "h100-sxm").access == "allowed"
    assert terms_for(governance, nowhere, "h200").licence == -1
    closed = governance.model_copy(update={"default_access": "forbidden"})
    assert terms_for(closed, nowhere, "h200").access == "forbidden"


def test_terms_need_access_terms():
    with pytest.raises(ValueError, match="terms"):
        Licence(access="allowed", levy_fraction=0.25)
    with pytest.raises(ValueError, match="one of them"):
        Licence(tenants=("a",), countries=("CN",))


BASE = """name = "s"
constellation = "export-shell-48"
ground_network = "compute-hubs"
workload = "export-terms"
hours = 0.5
[hardware]
base = "starlink-compute"
accelerator = "h100-sxm"
[[hardware_groups]]
nodes = ["24-47"]
hardware = { base = "starlink-compute", accelerator = "h200" }
"""

BAD = {
    "unknown tenant": ('[[governance.licences]]\ntenants = ["nobody"]\naccess = "forbidden"\n',
                       "governance.licences[0].tenants: no tenant named 'nobody'"),
    "unknown country": ('[[governance.licences]]\ncountries = ["CN"]\naccess = "terms"\n'
                        'geofence = ["Atlantis"]\n', "governance.licences[0].geofence"),
    "conflict": ('[[governance.licences]]\ncountries = ["CN"]\naccess = "forbidden"\n'
                 '[[governance.licences]]\ncountries = ["CN"]\naccess = "allowed"\n',
                 "licences[0] and licences[1] both govern tenant 'cn-approved'"),
    "suspension node": ('[[governance.suspensions]]\nstart_s = 0\nend_s = 60\nnodes = [48]\n',
                        "governance.suspensions[0].nodes: node 48 does not exist"),
    "suspension window": ('[[governance.suspensions]]\nstart_s = 60\nend_s = 0\n'
                          'tenants = ["kz-hub"]\n', "end_s must be after start_s"),
    "bad box": ('[[governance.regions]]\nname = "r"\nboxes = [[10.0, 0.0, 0.0, 5.0]]\n',
                "lat_min < lat_max"),
    "misspelt accelerator": ('[[governance.licences]]\ncountries = ["CN"]\naccelerators = '
                             '["h20"]\naccess = "allowed"\n',
                             "governance.licences[0].accelerators: no accelerator named 'h20'"),
    "telemetry nowhere": ('[governance]\nmonitoring_bytes_per_node_hour = 1e9\n'
                          'monitoring_countries = ["FR"]\n',
                          "governance.monitoring_countries"),
}


def _cli(capsys, *args) -> tuple[int, str]:
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_rules_are_refused_by_validate_and_run(capsys, tmp_path, case):
    extra, expected = BAD[case]
    path = tmp_path / "s.toml"
    path.write_text(BASE + extra)
    code, err = _cli(capsys, "validate", str(path))
    assert code == 2 and expected in err and err.count("\n") == 1, err
    code, err = _cli(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert code == 2 and expected in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_the_builtin_scenario_validates(capsys):
    code = 0
    try:
        cli.main(["validate", str(Path(__file__).resolve().parents[1] / "workloads"
                                  / "scenarios" / "h200-export-terms.toml")])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr().out
    assert code == 0 and "valid scenario" in out and "export-shell-48" in out
