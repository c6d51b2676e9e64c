"""What a notebook shows: networks and training results as HTML summaries, digitnet.viz figures
as pictures, progress bars through a Callback, and the widget's code bundled from the page's
own modules."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from IPython.core.formatters import DisplayFormatter

import digitnet
from digitnet import viz
from digitnet.notebook import ProgressBar, bundle
from digitnet.words import duration

from lab_server import REPO

BREAKDOWN = "784·16+16 + 16·16+16 + 16·10+10 = 13,002"


def shown(obj) -> dict:
    """What IPython would put in a notebook for ``obj``: {mime type: data}."""
    data, _ = DisplayFormatter().format(obj)
    return data


def test_a_trained_network_from_its_file_shows_its_summary(drawing_model):
    net = digitnet.load(drawing_model)
    html = shown(net)["text/html"]
    assert BREAKDOWN in html
    assert f"<b>784–16–16–10 network</b>: {net.activation.name} hidden layers" in html
    assert "epochs=4" in html and "optimizer=adam" in html  # the recipe
    accuracy = net.metadata["metrics"]["val_accuracy"]
    assert f"validation {accuracy:.2%}" in html
    assert f"by digitnet {digitnet.__version__}" in html  # the file's own metadata
    assert shown(net)["text/plain"] == repr(net)


def test_an_imported_network_says_where_it_came_from():
    net = digitnet.load(REPO / "tests" / "data" / "tf2onnx" / "keras.onnx")
    html = shown(net)["text/html"]
    assert "tanh hidden layers" in html and BREAKDOWN in html
    assert f'imported</th><td style="text-align:left">from {net.metadata["imported"]["from"]}' in html
    assert "recipe" not in html  # nothing is known of how Keras trained it


def test_a_training_result_shows_its_run_and_history(mnist_small, capsys):
    result = digitnet.train(mnist_small, epochs=2, handle_signals=False, callback=ProgressBar())
    html = shown(result)["text/html"]
    assert html.startswith('<div class="digitnet-summary"><p>Training result: ')
    assert BREAKDOWN in html
    assert f"2 epochs in {duration(result.seconds)} on {result.n_train:,} images" in html
    rows = re.findall(r"<tr><td>(\d+)</td><td>([\d.]+)</td>", html)
    assert [(int(e), float(loss)) for e, loss in rows] == [
        (r["epoch"], round(r["train_loss"], 4)) for r in result.history]
    # Outside a notebook tqdm.auto is tqdm's terminal bar: one per epoch, each run to its end.
    bars = capsys.readouterr().err
    assert "epoch 1/2: 100%" in bars and "epoch 2/2: 100%" in bars


def test_viz_figures_show_themselves_as_png(drawing_model):
    net = digitnet.load(drawing_model)
    data = shown(viz.weights_figure(net, layer=1))
    assert data["image/png"].startswith(b"\x89PNG\r\n\x1a\n")


def test_the_widget_runs_the_pages_own_modules():
    """Every module widget.js imports, directly or not, once, with its code as it is on disk but
    for its import and export keywords; a bundle node reads as one ES module."""
    code = bundle.esm()
    static = bundle.STATIC
    names = re.findall(r"^// ---- (\S+)$", code, re.M)
    assert names[-1] == "js/widget.js" and len(names) == len(set(names))
    assert {"js/explorer.js", "js/pad.js", "js/network.js", "js/neuron.js", "js/verdict.js",
            "js/paint.js", "js/dom.js", "js/summary.js", "js/microphone.js"} <= set(names)
    assert "js/api.js" not in names  # the widget asks Python, not the server
    for name in names:
        for line in (static / name).read_text().splitlines():
            if not line.startswith(("import ", "export ")):
                assert line in code
    assert not re.search(r"^\s*import\b", code, re.M)
    # (no address but SVG's namespace: the microphone's help may say "https", not fetch one)
    assert "fetch(" not in code and "://" not in code.replace("http://www.w3.org", "")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: the bundle check needs it (Debian's nodejs)")
    check = subprocess.run([node, "--check", "--input-type=module"], input=code, text=True,
                           capture_output=True)
    assert check.returncode == 0, check.stderr
    assert bundle.css() == (static / "explorer.css").read_text()
