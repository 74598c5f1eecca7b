"""The example notebook is committed without outputs and runs from top to bottom in a Jupyter
kernel (nbclient), as a user would run it."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "walkthrough.ipynb"


def test_notebook_is_committed_without_outputs():
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) >= 8
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_notebook_runs_from_top_to_bottom(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except Exception as exc:  # the failing cell's traceback, in one message
        pytest.fail(f"the notebook failed: {exc}")
    outputs = [out for cell in notebook.cells if cell.cell_type == "code"
               for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    text = "\n".join(str(out.get("data", {}).get("text/plain", out.get("text", "")))
                     for out in outputs)
    assert "<Constellation starcloud-demo: 32 satellites, 1 shell>" in text
    assert "<RunResult starcloud-demo: 1 h" in text
    assert "coolest-first" in text and "demo.czml" in text
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= 2  # the plots were drawn
