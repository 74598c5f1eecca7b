"""README's generated economics blocks equal what the code computes today (they cannot drift:
``python -m orbitsim.docs README.md`` rewrites them), and a changed figure is caught."""

from __future__ import annotations

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
