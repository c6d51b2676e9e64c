"""docs/tutorial.ipynb, run from scratch on the real MNIST prefix in a real kernel (nbclient):
any error fails the test. The committed copy keeps its outputs, so that it reads on a
repository's page."""

from __future__ import annotations

import json

import nbformat
from nbclient import NotebookClient

from lab_server import REPO

TUTORIAL = REPO / "docs" / "tutorial.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def outputs(cell) -> list[dict]:
    return cell.get("outputs", [])


def test_the_tutorial_runs_from_scratch(mnist_dir, tmp_path):
    nb = nbformat.read(TUTORIAL, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        cell.outputs, cell.execution_count = [], None
    # run where it lives (it finds the MNIST prefix beside the repository, as the tests do);
    # CellExecutionError on the first cell that fails
    NotebookClient(nb, kernel_name="python3", timeout=300, store_widget_state=False,
                   resources={"metadata": {"path": str(TUTORIAL.parent)}}).execute()
    assert all(c.execution_count for c in code)
    texts = "".join(o.get("text", "") + json.dumps(o.get("data", {})) for c in code
                    for o in outputs(c))
    assert "\x1b[" not in texts and "\\u001b[" not in texts  # no terminal escape codes
    assert not any("\r" in o.get("text", "") for c in code for o in outputs(c))
    by_source = {c.source.splitlines()[-1]: c for c in code}
    training = by_source["result"]
    (bar,) = [o for o in outputs(training) if WIDGET_VIEW in o.get("data", {})]  # one bar,
    assert bar["data"]["text/plain"].startswith("epoch 10/10: 100%")  # the last epoch's line
    assert "Training result: " in outputs(training)[-1]["data"]["text/html"]
    assert "784·16+16 + 16·16+16 + 16·10+10 = 13,002" in texts
    for figure in ("viz.network_figure(trained, sloppy)", "viz.weights_figure(trained, layer=1)"):
        assert "image/png" in outputs(by_source[figure])[0]["data"]  # drawn inline
    assert WIDGET_VIEW in outputs(by_source["pad"])[0]["data"]
    assert "it reads: 3" in "".join(o.get("text", "") for o in outputs(code[-1]))


def test_the_committed_tutorial_has_its_outputs():
    nb = nbformat.read(TUTORIAL, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))  # run in order
    assert all(outputs(c) for c in code if not c.source.startswith(("import", "here =")))
    assert "widgets" not in nb.metadata  # no widget state: the widgets need a kernel anyway
