"""README.md from the code (interfaces layer), so that it cannot drift.

Generated blocks: the economics figures sit between ``<!-- BEGIN generated: NAME -->`` and
``<!-- END generated: NAME -->``; ``tests/test_docs.py`` regenerates each block and compares
it with the README.

Sessions: every fenced block whose lines start with ``$ `` is a shell session, each command
followed by its output. The tests run every command (in a scratch folder where
``constellations/`` and ``workloads/`` are the repository's) and compare the output with the
README's after :func:`normalise` (runs of spaces and rules collapsed, wall times masked, long
floats rounded); a line ``...`` in the README stands for any lines, a ``...`` inside a line for
any text. Python blocks (fenced ``python``) are run in order in the same folder; a block whose
first line is ``# NAME.py: ...`` is written to that file instead (a module the next blocks
import).

A comment on the line before a session's fence changes how the tests run it (it does not show
on GitHub): ``<!-- docs: reduced: A => B; C => D -->`` runs its commands with the text ``A``
replaced by ``B`` and ``C`` by ``D`` (a long command at a reduced size: it must succeed; its
output is not compared), and
``<!-- docs: not run: REASON -->`` leaves it out, with the reason (what checks it instead).

``python -m orbitsim.docs README.md`` rewrites the generated blocks and the output of every
session without an ellipsis in place (the demo's 24-hour runs and the sessions take a few
minutes).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BLOCKS = ("verdict-starcloud-demo", "verdict-eo-edge", "reproduce-starcloud",
          "reproduce-suncatcher", "mesh-starcloud-demo", "governance-h200-export-terms")


def block(name: str, run_dir: str | Path | None = None) -> str:
    """The Markdown of one generated block; a ``verdict-SCENARIO`` block is priced from the
    finished run in ``run_dir`` when given (its summary.json: the same numbers as simulating
    the scenario again, which is done otherwise)."""
    if name.startswith("mesh-"):  # grid against the laser mesh (orbitsim.analysis.mesh_report)
        from orbitsim.analysis.mesh_report import mesh_comparison

        return mesh_comparison(name.removeprefix("mesh-")).to_markdown()
    if name.startswith("governance-"):
        from orbitsim.analysis.report_governance import governance_markdown
        from orbitsim.api import simulate

        return governance_markdown(simulate(name.removeprefix("governance-")).summary)
    if name.startswith("verdict-"):
        if run_dir is not None:
            from orbitsim.commands.economics import verdict_for

            verdict, _, _ = verdict_for(str(run_dir), draws=10_000, seed=None, year=None,
                                        trajectory=None, region=None, launch_price=None,
                                        utilisation=None)
            return verdict.to_markdown()
        from orbitsim.api import simulate

        return simulate(name.removeprefix("verdict-")).verdict.to_markdown()
    from orbitsim.commands.economics import reproduction

    return reproduction(name.removeprefix("reproduce-")).to_markdown()


def pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- BEGIN generated: {re.escape(name)} -->\n)(.*?)"
                      rf"(<!-- END generated: {re.escape(name)} -->)", re.S)


def read_block(text: str, name: str) -> str | None:
    """The block ``name`` as the README holds it (``None`` if absent)."""
    match = pattern(name).search(text)
    return match.group(2).removesuffix("\n") if match else None


def rewrite(path: str | Path, names=BLOCKS) -> None:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    for name in names:
        new = block(name)
        text, count = pattern(name).subn(lambda m, new=new: m.group(1) + new + "\n" + m.group(3),
                                         text)
        if count != 1:
            raise SystemExit(f"{path}: block {name!r} found {count} times")
    path.write_text(text, encoding="utf-8")


# --- sessions and Python blocks ----------------------------------------------------------------

#: Folders of the repository a session sees in its scratch folder (paths in the README's
#: commands are relative to the repository's root).
SHARED_FOLDERS = ("constellations", "workloads")
#: Parts of outputs that depend on the machine or the moment, masked before comparing.
MASKS = (
    (re.compile(r"(wall time\s*│\s*)\d[\d,.]*\s*(s|min)\b"), r"\1<time> \2"),
    (re.compile(r"(already done,\s*)\d[\d,.]*\s*s\b"), r"\1<time> s"),
    (re.compile(r'("wall_time_s":\s*)\d[\d.]*'), r"\1<time>"),
    (re.compile(r"(size\s*│\s*)\d[\d,.]*\s*MB"), r"\1<size> MB"),
)
#: Decimal numbers with more significant digits than this are compared rounded to it (the
#: last digits of a float may differ between numpy builds).
SIGNIFICANT_DIGITS = 9
_LONG_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?(?![\w.])")
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Command:
    """One ``$`` command of a README session: its text (continuation lines joined), the
    output the README shows, and where that output sits (``first``, ``stop``: line numbers
    of the README, 0-based, ``stop`` exclusive)."""

    command: str
    expected: str
    first: int
    stop: int
    session: int
    directive: str = ""

    @property
    def not_run(self) -> str | None:
        """The reason the tests do not run this command, if the README gives one."""
        match = re.match(r"not run:\s*(.*)", self.directive)
        return match.group(1).strip() if match else None

    @property
    def reduced(self) -> str | None:
        """The command as the tests run it at a reduced size, if the README says so."""
        match = re.match(r"reduced:\s*(.*)", self.directive)
        if not match:
            return None
        command = self.command
        for pair in match.group(1).split(";"):
            old, _, new = pair.partition("=>")
            command = command.replace(old.strip(), new.strip())
        return command

    @property
    def elided(self) -> bool:
        return any(line.strip() == "..." or "..." in line for line in
                   self.expected.splitlines())


@dataclass(frozen=True)
class PythonBlock:
    """A fenced ``python`` block: its code and, for a module, the file it is written to."""

    code: str
    filename: str | None
    line: int


_DIRECTIVE = re.compile(r"^<!--\s*docs:\s*(.*?)\s*-->\s*$")


def _fenced(text: str) -> list[tuple[str, int, list[str], str]]:
    """``(language, first line, lines, directive)`` of every fenced block (the directive: the
    ``<!-- docs: ... -->`` comment on the line before its fence, else "")."""
    blocks, lines = [], text.splitlines()
    k = 0
    while k < len(lines):
        match = _FENCE.match(lines[k])
        if match:
            end = k + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            directive = _DIRECTIVE.match(lines[k - 1]) if k else None
            blocks.append((match.group(1), k + 1, lines[k + 1:end],
                           directive.group(1) if directive else ""))
            k = end + 1
        else:
            k += 1
    return blocks


def sessions(text: str) -> list[Command]:
    """Every ``$`` command of the README's shell sessions, in order."""
    commands: list[Command] = []
    for number, (_, first, lines, directive) in enumerate(b for b in _fenced(text)
                                                           if not b[0]):
        if not lines or not lines[0].startswith("$ "):
            continue
        k = 0
        while k < len(lines):
            if not lines[k].startswith("$ "):
                k += 1
                continue
            parts = [lines[k][2:]]
            while parts[-1].rstrip().endswith("\\") and k + 1 < len(lines):
                k += 1
                parts.append(lines[k])
            command = "\n".join(parts)
            out_first = k + 1
            k += 1
            while k < len(lines) and not lines[k].startswith("$ "):
                k += 1
            commands.append(Command(command, "\n".join(lines[out_first:k]), first + out_first,
                                    first + k, number, directive))
    return commands


def python_blocks(text: str) -> list[PythonBlock]:
    """Every fenced ``python`` block, in order."""
    blocks = []
    for language, first, lines, _ in _fenced(text):
        if language != "python":
            continue
        match = re.match(r"#\s*([\w.-]+\.py):", lines[0]) if lines else None
        blocks.append(PythonBlock("\n".join(lines) + "\n", match.group(1) if match else None,
                                  first))
    return blocks


def workspace(folder: str | Path, root: str | Path | None = None) -> Path:
    """A scratch folder for the sessions: ``constellations/`` and ``workloads/`` linked to
    the repository's (``root``: the folder of README.md)."""
    folder = Path(folder)
    root = Path(root) if root is not None else Path(__file__).resolve().parents[1]
    folder.mkdir(parents=True, exist_ok=True)
    for name in SHARED_FOLDERS:
        link = folder / name
        if not link.exists():
            link.symlink_to(root / name, target_is_directory=True)
    return folder


def session_env() -> dict[str, str]:
    """The environment of the sessions: ``orbitsim`` of this interpreter first on the PATH,
    80 columns, no colour (as the README was written)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update({"COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb",
                "PYTHONWARNINGS": "ignore"})
    env.pop("FORCE_COLOR", None)
    return env


def run_command(command: Command | str, folder: str | Path, *, timeout_s: float = 900.0) -> str:
    """Run a session's command with bash in ``folder``; its stdout and stderr, interleaved."""
    return run_shell(command, folder, timeout_s=timeout_s).stdout


def run_shell(command: Command | str, folder: str | Path, *, timeout_s: float = 900.0
              ) -> subprocess.CompletedProcess:
    """:func:`run_command` with the exit status (``returncode``; output in ``stdout``)."""
    text = command.command if isinstance(command, Command) else command
    return subprocess.run(["bash", "-c", text], cwd=folder, env=session_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout_s)


def run_python(block: PythonBlock, folder: str | Path, *, timeout_s: float = 900.0
               ) -> subprocess.CompletedProcess:
    """Write a module block to its file, or run a code block with this interpreter in
    ``folder`` (the folder on ``sys.path``, as for a script there)."""
    folder = Path(folder)
    if block.filename:
        (folder / block.filename).write_text(block.code, encoding="utf-8")
        return subprocess.CompletedProcess([block.filename], 0, "", "")
    return subprocess.run([sys.executable, "-c", block.code], cwd=folder, env=session_env(),
                          capture_output=True, text=True, timeout=timeout_s)


def _written(command: str) -> set[str]:
    """Paths a command writes: the values of ``--out`` and of a ``>`` redirection."""
    import shlex

    try:
        tokens = shlex.split(command.replace("\\\n", " "))
    except ValueError:
        return set()
    return {tokens[k + 1] for k, token in enumerate(tokens[:-1]) if token in ("--out", ">")}


def session_groups(commands: list[Command]) -> list[list[int]]:
    """Commands in groups that can run side by side: the commands of one session in order, and
    a session that reads what an earlier one wrote (``out/demo``) with it."""
    import shlex

    by_session: dict[int, list[int]] = {}
    for index, command in enumerate(commands):
        by_session.setdefault(command.session, []).append(index)
    order = list(by_session)
    parent = {s: s for s in order}

    def root(s: int) -> int:
        while parent[s] != s:
            s = parent[s]
        return s

    written: dict[str, int] = {}
    for session in order:
        for index in by_session[session]:
            try:
                tokens = shlex.split(commands[index].command.replace("\\\n", " "))
            except ValueError:
                tokens = []
            for token in tokens:
                for path, origin in written.items():
                    if origin != session and (token == path or token.startswith(path + "/")):
                        parent[root(session)] = root(origin)
        for index in by_session[session]:
            for path in _written(commands[index].command):
                written.setdefault(path, session)
    groups: dict[int, list[int]] = {}
    for session in order:
        groups.setdefault(root(session), []).extend(by_session[session])
    return [sorted(group) for group in groups.values()]


def run_readme(text: str, folder: str | Path, *, lanes: int = 2
               ) -> tuple[dict[int, str], list[subprocess.CompletedProcess],
                          dict[int, subprocess.CompletedProcess]]:
    """Run every session command of a README (its groups on ``lanes`` processes side by
    side), then its Python blocks in order, in ``folder``: ``({command index: output}, [the
    Python blocks' results], {command index: result of its reduced run})``; commands the
    README says not to run are in neither."""
    from concurrent.futures import ThreadPoolExecutor

    folder = workspace(folder)
    commands = sessions(text)
    outputs: dict[int, str] = {}
    reduced: dict[int, subprocess.CompletedProcess] = {}

    def run_group(group: list[int]) -> None:
        for index in group:
            command = commands[index]
            if command.not_run is not None:
                continue
            if command.reduced is not None:
                done = run_shell(command.reduced, folder)
                reduced[index] = done
                continue
            outputs[index] = run_command(command, folder)

    # The groups of most commands first (the demo's run and what reads it), the rest beside.
    groups = sorted(session_groups(commands), key=len, reverse=True)
    with ThreadPoolExecutor(max_workers=max(1, lanes)) as pool:
        for future in [pool.submit(run_group, group) for group in groups]:
            future.result()
    return outputs, [run_python(block, folder) for block in python_blocks(text)], reduced


def _round_long(match: re.Match) -> str:
    text = match.group(0)
    digits = len(re.sub(r"[^0-9]", "", text.split("e")[0]).lstrip("0"))
    if digits <= SIGNIFICANT_DIGITS:
        return text
    return f"{float(text):.{SIGNIFICANT_DIGITS}g}"


def normalise(text: str) -> str:
    """An output as compared: masks applied, long floats rounded, each line's runs of spaces
    and of rule characters collapsed, blank lines and trailing spaces dropped."""
    for pattern_, replacement in MASKS:
        text = pattern_.sub(replacement, text)
    text = _LONG_FLOAT.sub(_round_long, text)
    lines = []
    for line in text.splitlines():
        line = re.sub(r"─+", "─", line)
        line = re.sub(r"[ \t]+", " ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` output is what the README shows (``...`` elides)."""
    want, got = normalise(expected), normalise(actual)
    if "..." not in want:
        return want == got
    pieces = [re.escape(piece) for piece in want.split("...")]
    return re.fullmatch(r"(?s:.*?)".join(pieces), got) is not None


def mismatch(command: Command, actual: str) -> str | None:
    """None if ``actual`` is what the README shows for ``command``, else what differs."""
    if matches(command.expected, actual):
        return None
    import difflib

    diff = "\n".join(difflib.unified_diff(normalise(command.expected).splitlines(),
                                          normalise(actual).splitlines(), "README", "actual",
                                          lineterm="", n=1))
    return (f"README line {command.first + 1}: the output of `{command.command}` is stale "
            f"(run `python -m orbitsim.docs README.md`):\n{diff}")


def rewrite_sessions(path: str | Path, folder: str | Path,
                     outputs: dict[int, str] | None = None) -> list[str]:
    """Run every session of the README at ``path`` in ``folder`` (or take ``outputs``, by
    command index) and write the output of each command whose output changed in place (one
    that still matches keeps its text, wall times included), except where the README elides
    (``...``): those are only checked. Returns the problems (elided outputs that no longer
    match)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    problems = []
    commands = sessions(text)
    new: dict[int, str] = {}
    for index, command in enumerate(commands):
        if command.not_run is not None or command.reduced is not None:
            continue  # not compared: their output stays as the README has it
        actual = (outputs or {}).get(index)
        if actual is None:
            actual = run_command(command, workspace(folder))
        if matches(command.expected, actual):
            continue
        if command.elided:
            problems.append(mismatch(command, actual))
            continue
        new[index] = "\n".join(line.rstrip() for line in actual.rstrip("\n").splitlines())
    for index in sorted(new, reverse=True):  # from the end: line numbers stay valid
        command = commands[index]
        lines[command.first:command.stop] = new[index].splitlines() if new[index] else []
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> None:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="Rewrite README.md's generated blocks and "
                                     "session outputs from the code.")
    parser.add_argument("readme", nargs="?", default="README.md")
    parser.add_argument("--blocks-only", action="store_true", help="only the generated blocks")
    parser.add_argument("--sessions-only", action="store_true", help="only the sessions")
    args = parser.parse_args(argv)
    if not args.sessions_only:
        rewrite(args.readme)
    if not args.blocks_only:
        with tempfile.TemporaryDirectory(prefix="orbitsim-readme-") as folder:
            problems = rewrite_sessions(args.readme, folder)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
