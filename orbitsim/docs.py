"""Generated blocks of README.md (interfaces layer): the economics figures come from the
code, so that they cannot drift: ``tests/test_docs.py`` regenerates each block and compares
it with the README.

A block sits between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated: NAME -->``.
``python -m orbitsim.docs README.md`` rewrites them in place (the demo's
24-hour run takes about half a minute).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BLOCKS = ("verdict-starcloud-demo", "verdict-eo-edge", "reproduce-starcloud",
          "reproduce-suncatcher", "governance-h200-export-terms")


def block(name: str) -> str:
    """The Markdown of one generated block."""
    if name.startswith("governance-"):
        from orbitsim.analysis.report_governance import governance_markdown
        from orbitsim.api import simulate

        return governance_markdown(simulate(name.removeprefix("governance-")).summary)
    if name.startswith("verdict-"):
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


if __name__ == "__main__":
    rewrite(sys.argv[1] if len(sys.argv) > 1 else "README.md")
