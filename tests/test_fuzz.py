"""Fuzzed input: every loader fed thousands of broken files, never a traceback.

Valid files (scenario, constellation, workload, ground network, TLE, OMM JSON/CSV/XML, trace)
are mutated deterministically (seeded ``random.Random``): byte flips, truncations, deleted,
duplicated and swapped lines, swapped fields, random unicode, huge numbers, NaN/inf, negative
values and wrong types. Each mutant goes through the loader API in process: it either loads, or
raises :class:`InputError` whose message is one line naming the file. Any other exception is a
bug; the test collects each distinct one with its shortest reproducing input.
A smaller sample goes through ``orbitsim validate``: exit code 0 or 2, one line on stderr.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from orbitsim.cli import main
from orbitsim.errors import InputError
from orbitsim.model.catalogue import load_constellation
from orbitsim.model.ground import load_ground_network
from orbitsim.model.scenario import load_scenario
from orbitsim.model.workload import load_workload, read_trace

REPO = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data"

TRACE_CSV = (
    "arrival_s,work_flop,input_bytes,output_bytes\n"
    "0.0,1e15,1000000,2000\n"
    "12.5,3.2e14,0,0\n"
    "60,7e15,5e9,1e6\n"
    "3600.25,1e12,100,100\n"
)
GROUND_CSV = (
    "name,lat_deg,lon_deg,alt_m,min_elevation_deg\n"
    "Svalbard,78.23,15.39,450,5\n"
    "Punta Arenas,-53.15,-70.92,20,10\n"
    "Hartebeesthoek,-25.89,27.69,1540,7.5\n"
)


def _loader_trace(path: Path):
    return read_trace(path, str(path))


#: name -> (loader, suffix, valid seed texts, cases in process).
LOADERS: dict[str, tuple[Callable, str, list[str], int]] = {
    "scenario": (load_scenario, ".toml", [
        (DATA / "sim" / "mmc.toml").read_text(),
        (REPO / "workloads" / "scenarios" / "starcloud-demo.toml").read_text(),
    ], 1500),
    "constellation-toml": (load_constellation, ".toml", [
        (DATA / "sim" / "four-nodes.toml").read_text(),
        (REPO / "constellations" / "starcloud-demo.toml").read_text(),
    ], 1500),
    "workload": (load_workload, ".toml", [
        (DATA / "sim" / "mmc-workload.toml").read_text(),
        (REPO / "workloads" / "inference-mixed.toml").read_text(),
    ], 1500),
    "ground-toml": (load_ground_network, ".toml", [
        (REPO / "constellations" / "ground" / "compute-hubs.toml").read_text(),
    ], 1000),
    "ground-csv": (load_ground_network, ".csv", [GROUND_CSV], 800),
    "tle": (load_constellation, ".tle", [
        (DATA / "iss.tle").read_text(),
        (DATA / "stations.3le").read_text(),
        (DATA / "alpha5.tle").read_text(),
    ], 1500),
    "omm-json": (load_constellation, ".json", [(DATA / "omm.json").read_text()], 800),
    "omm-csv": (load_constellation, ".csv", [(DATA / "omm.csv").read_text()], 800),
    "omm-xml": (load_constellation, ".xml", [(DATA / "omm.xml").read_text()], 800),
    "trace": (_loader_trace, ".csv", [TRACE_CSV], 800),
}

#: Files the scenarios and workloads refer to, copied beside every mutant.
SIDE_FILES = [DATA / "sim" / "four-nodes.toml", DATA / "sim" / "mmc-workload.toml"]

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
BAD_NUMBERS = ["1e308", "1e999", "-1e999", "nan", "inf", "-inf", "NaN", "Infinity", "-1", "-0",
               "0", "0.0", "99999999999999999999999999", "1" * 300, "9" * 400, "7" * 5000,
               "-123456789012", "1e-320",
               "0x1F", "1_000", "+5", ".5", "5.", "1e", "--1"]
WRONG_TYPES = ['"text"', "true", "false", "[]", "[1, 2]", "{}", "{ a = 1 }", '""', "''", "null",
               "1979-05-27T07:32:00Z", '"2026-13-45T99:99:99Z"', "é", "\u202e", "\x00"]
UNICODE = ["é", "ß", "中文", "\u202e", "\ufeff", "\u0000", "\x07", "😀", "\ud7ff", "\u2028",
           "\r", "\t", "\\", '"', "'", "[", "]", "{", "}", "=", ",", "<", ">", "&", "#"]


def _mutate_once(text: str, rng: random.Random) -> str | bytes:
    kind = rng.randrange(11)
    lines = text.split("\n")
    if kind == 0:  # byte flips
        data = bytearray(text.encode("utf-8"))
        for _ in range(rng.randint(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 1:  # truncation
        return text[: rng.randrange(len(text) + 1)]
    if kind == 2 and len(lines) > 1:  # delete lines
        for _ in range(rng.randint(1, 3)):
            if lines:
                del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    if kind == 3:  # duplicate a line
        i = rng.randrange(len(lines))
        lines.insert(rng.randrange(len(lines) + 1), lines[i])
        return "\n".join(lines)
    if kind == 4 and len(lines) > 1:  # swap two lines
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    if kind == 5:  # swap two fields within a line
        i = rng.randrange(len(lines))
        parts = re.split(r"([,=\s]+)", lines[i])
        values = list(range(0, len(parts), 2))
        if len(values) >= 2:
            a, b = rng.sample(values, 2)
            parts[a], parts[b] = parts[b], parts[a]
            lines[i] = "".join(parts)
        return "\n".join(lines)
    if kind == 6:  # random unicode
        pos = rng.randrange(len(text) + 1)
        junk = "".join(rng.choice(UNICODE) for _ in range(rng.randint(1, 5)))
        return text[:pos] + junk + text[pos:]
    numbers = list(NUMBER.finditer(text))
    if kind in (7, 8, 9) and numbers:  # huge numbers, NaN/inf, negatives, wrong types
        match = rng.choice(numbers)
        if kind == 7:
            new = rng.choice(BAD_NUMBERS)
        elif kind == 8:
            new = "-" + match.group() if not match.group().startswith("-") else match.group()[1:]
        else:
            new = rng.choice(WRONG_TYPES)
        return text[: match.start()] + new + text[match.end():]
    if kind == 10:  # a value after '=' or a CSV cell replaced by a wrong type
        i = rng.randrange(len(lines))
        line = lines[i]
        if "=" in line:
            key = line.split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(WRONG_TYPES + BAD_NUMBERS)}"
        elif "," in line:
            cells = line.split(",")
            cells[rng.randrange(len(cells))] = rng.choice(WRONG_TYPES + BAD_NUMBERS).strip('"')
            lines[i] = ",".join(cells)
        return "\n".join(lines)
    # Fallback: a random character replaced.
    if text:
        pos = rng.randrange(len(text))
        return text[:pos] + rng.choice(UNICODE) + text[pos + 1:]
    return text


def mutate(text: str, rng: random.Random) -> bytes:
    """One to three mutations of ``text``, as the bytes of a file."""
    out: str | bytes = text
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if isinstance(out, bytes):
            out = out.decode("utf-8", errors="replace")
        out = _mutate_once(out, rng)
    return out if isinstance(out, bytes) else out.encode("utf-8", errors="surrogatepass")


def check_one(loader: Callable, path: Path) -> str | None:
    """None when ``loader(path)`` loads or raises a proper InputError; else what went wrong."""
    try:
        loader(path)
    except InputError as exc:
        message = str(exc)
        if "\n" in message or "\r" in message:
            return f"InputError on several lines: {message!r}"
        if path.name not in message:
            return f"InputError does not name the file: {message!r}"
        return None
    except Exception as exc:  # noqa: BLE001 (any other exception is the bug we hunt)
        return f"{type(exc).__name__}: {exc}"
    return None


def _signature(problem: str) -> str:
    """Group problems by exception type and message shape (numbers and quotes removed)."""
    head = problem.split(":", 1)[0]
    shape = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?", "_", problem)[:80]
    return f"{head} | {shape}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    for side in SIDE_FILES:
        (folder / side.name).write_text(side.read_text())
    return folder


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_loader_survives_fuzzed_input(workdir, name):
    loader, suffix, seeds, cases = LOADERS[name]
    rng = random.Random(f"orbitsim-fuzz-{name}")
    # The unmutated seeds load.
    for k, seed in enumerate(seeds):
        path = workdir / f"{name}-seed{k}{suffix}"
        path.write_text(seed)
        loader(path)
    problems: dict[str, tuple[str, bytes]] = {}
    for i in range(cases):
        data = mutate(rng.choice(seeds), rng)
        path = workdir / f"{name}-{i}{suffix}"
        path.write_bytes(data)
        problem = check_one(loader, path)
        if problem is not None:
            key = _signature(problem)
            if key not in problems or len(data) < len(problems[key][1]):
                problems[key] = (problem[:300], data)
        path.unlink()
    assert not problems, f"{len(problems)} distinct problems:\n\n" + "\n\n".join(
        f"{problem}\n--- input ---\n{data!r}" for problem, data in problems.values())


def test_fuzz_budget_is_at_least_ten_thousand():
    assert sum(cases for *_, cases in LOADERS.values()) >= 10_000


# --- through the command line -------------------------------------------------------------------


CLI_CASES = 50


def test_validate_command_on_fuzzed_files(workdir, capsys):
    rng = random.Random("orbitsim-fuzz-cli")
    names = sorted(LOADERS)
    for i in range(CLI_CASES):
        name = names[i % len(names)]
        _, suffix, seeds, _ = LOADERS[name]
        path = workdir / f"cli-{i}{suffix}"
        path.write_bytes(mutate(rng.choice(seeds), rng))
        try:
            main(["validate", str(path)])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        assert code in (0, 2), (name, path.read_bytes(), captured.err)
        assert "Traceback" not in captured.err + captured.out
        assert captured.err.strip().count("\n") == 0, captured.err
        if code == 2:
            assert path.name in captured.err
