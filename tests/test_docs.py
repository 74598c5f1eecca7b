"""README cannot drift from the code: its generated economics blocks equal what the code
computes today, every command of its shell sessions prints what the README shows (wall times
masked), every Python block runs, and a changed figure or command is caught
(``python -m orbitsim.docs README.md`` rewrites what is stale)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orbitsim import docs

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", docs.BLOCKS)
def test_readme_block_is_current(name):
    text = README.read_text(encoding="utf-8")
    held = docs.read_block(text, name)
    assert held is not None, f"README has no generated block {name!r}"
    assert held == docs.block(name), (f"README block {name!r} is stale: run "
                                      f"`python -m orbitsim.docs README.md`")


def test_a_stale_figure_is_caught(tmp_path):
    text = README.read_text(encoding="utf-8")
    held = docs.read_block(text, "reproduce-suncatcher")
    stale = text.replace(held, held.replace("$821/kW/yr", "$822/kW/yr"))
    assert docs.read_block(stale, "reproduce-suncatcher") != docs.block("reproduce-suncatcher")
    copy = tmp_path / "README.md"
    copy.write_text(stale, encoding="utf-8")
    docs.rewrite(copy, names=("reproduce-suncatcher",))
    assert docs.read_block(copy.read_text(), "reproduce-suncatcher") == held


# --- sessions and Python blocks: every command of the README runs and prints what it shows ---

README_TEXT = README.read_text(encoding="utf-8")
COMMANDS = docs.sessions(README_TEXT)
PYTHON = docs.python_blocks(README_TEXT)


def _short(command: docs.Command) -> str:
    return " ".join(command.command.replace("\\\n", " ").split())[:60]


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    """Every session of the README run once (two lanes side by side), then its Python
    blocks, in a scratch folder with the repository's constellations/ and workloads/."""
    folder = tmp_path_factory.mktemp("readme")
    outputs, python, reduced = docs.run_readme(README_TEXT, folder)
    return folder, outputs, python, reduced


def test_readme_has_sessions_and_python_blocks():
    assert len(COMMANDS) >= 20 and len(PYTHON) >= 4
    shown = " ".join(c.command for c in COMMANDS)
    for command in ("list", "validate", "eclipses", "contacts", "coverage", "routes", "run",
                    "economics", "sweep", "export", "--version"):
        assert f"orbitsim {command}" in shown, command


@pytest.mark.parametrize("index", range(len(COMMANDS)),
                         ids=[f"{k}-{_short(c)}" for k, c in enumerate(COMMANDS)])
def test_readme_command_prints_what_the_readme_shows(readme_run, index):
    _, outputs, _, reduced = readme_run
    command = COMMANDS[index]
    if command.not_run is not None:
        assert len(command.not_run) > 20  # the README says why, and what checks it instead
        pytest.skip(f"README: not run: {command.not_run}")
    if command.reduced is not None:  # a long command, run at a reduced size: it must work
        done = reduced[index]
        assert command.reduced != command.command
        assert done.returncode == 0, f"`{command.reduced}`:\n{done.stdout[-2000:]}"
        return
    problem = docs.mismatch(command, outputs[index])
    assert problem is None, problem


@pytest.mark.parametrize("index", range(len(PYTHON)),
                         ids=[f"line-{b.line}" for b in PYTHON])
def test_readme_python_block_runs(readme_run, index):
    _, _, results, _ = readme_run
    done = results[index]
    assert done.returncode == 0, f"README line {PYTHON[index].line}:\n{done.stderr[-2000:]}"


def test_a_stale_session_figure_or_command_is_caught(readme_run, tmp_path):
    """Must show: edit a figure of a session's output in a copy of the README and the check
    fails; edit a command and its output no longer matches; the rewrite restores the copy."""
    folder, outputs, _, _ = readme_run
    eclipses = next(k for k, c in enumerate(COMMANDS) if c.command.startswith("orbitsim eclipses"))
    figure = re.search(r"eclipse intervals\s*│\s*([\d,]+)", COMMANDS[eclipses].expected).group(1)
    assert docs.mismatch(COMMANDS[eclipses], outputs[eclipses]) is None
    stale = README_TEXT.replace(f"│ {figure} ", f"│ {int(figure.replace(',', '')) + 1:,} ", 1)
    assert stale != README_TEXT
    edited = docs.sessions(stale)[eclipses]
    problem = docs.mismatch(edited, outputs[eclipses])
    assert problem is not None and "stale" in problem and figure in problem
    # The rewrite puts the computed output back (nothing else is rerun: outputs given).
    copy = tmp_path / "README.md"
    copy.write_text(stale, encoding="utf-8")
    assert docs.rewrite_sessions(copy, folder, outputs=outputs) == []
    assert docs.mismatch(docs.sessions(copy.read_text())[eclipses], outputs[eclipses]) is None
    # A command that no longer does what the README shows (a misspelt file): caught.
    validate = next(k for k, c in enumerate(COMMANDS)
                    if c.command == "orbitsim validate constellations/economics/orbit.toml")
    changed = README_TEXT.replace("$ orbitsim validate constellations/economics/orbit.toml",
                                  "$ orbitsim validate constellations/economics/orbits.toml")
    command = docs.sessions(changed)[validate]
    assert docs.mismatch(command, docs.run_command(command, folder)) is not None


def test_normalise_masks_times_and_last_digits_only():
    table = "│ wall time     │ 4.7 s   │\n│ intervals   │ 72,051 │"
    assert docs.matches(table, table.replace("4.7 s  ", "12.3 s "))
    assert not docs.matches(table, table.replace("72,051", "72,052"))
    assert docs.matches("x,61.20822650781118", "x,61.20822650781121")
    assert not docs.matches("x,61.2082265", "x,61.2082266")
    assert docs.matches("a\n...\nz", "a\nb\nc\nz") and not docs.matches("a\n...\nz", "a\nb")
    assert docs.matches("none of 10,000 draws. ...", "none of 10,000 draws. More text.")


def test_make_demo_runs_the_readme_command():
    makefile = (README.parent / "Makefile").read_text()
    assert "$(BIN)/orbitsim run starcloud-demo --out $(OUT)" in makefile
    assert "OUT ?= out/demo" in makefile
    assert "`make demo` runs `orbitsim run starcloud-demo --out out/demo`" in README_TEXT


def test_directives_reduce_or_skip_a_session_with_its_reason():
    text = ("<!-- docs: reduced: --hours 3 => --hours 0.25; =a => =b -->\n```\n"
            "$ orbitsim sweep x --param p=a --hours 3"
            "\n```\n\n<!-- docs: not run: three minutes; tests/test_bench.py runs it -->\n```\n"
            "$ orbitsim bench policies\nrow\n```\n```\n$ orbitsim --version\norbitsim 0\n```\n")
    reduced, skipped, plain = docs.sessions(text)
    assert reduced.reduced == "orbitsim sweep x --param p=b --hours 0.25"
    assert reduced.not_run is None
    assert skipped.not_run == "three minutes; tests/test_bench.py runs it"
    assert skipped.reduced is None and skipped.expected == "row"
    assert plain.directive == "" and plain.not_run is None and plain.reduced is None
