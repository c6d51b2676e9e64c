"""digitnet.viz: every picture renders headless and shows what it says it shows."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from digitnet import modelfile, viz
from digitnet.errors import ConfigError, ModelFileError
from digitnet.network import Network

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def net(small_model):
    """The default-recipe network trained for 3 epochs on 3,000 real digits."""
    return modelfile.load(small_model)


@pytest.fixture(scope="module")
def held_out(mnist):
    """200 real digits from the end of the prefix (the small model trained on a stratified draw)."""
    return mnist.x[-200:], mnist.labels[-200:]


def is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def is_svg(data: bytes) -> bool:
    return data.lstrip().startswith(b"<?xml") and b"<svg" in data[:1000] and len(data) > 2000


def texts(fig: Figure) -> str:
    """Every piece of text in a figure, joined (titles, labels, annotations)."""
    return "\n".join(t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text")))


# -- every figure, PNG and SVG ----------------------------------------------------------------


def all_figures(net, held_out):
    images, labels = held_out
    x = images[0]
    return {
        "weights": lambda: viz.weights_figure(net),
        "weights-layer-2": lambda: viz.weights_figure(net, layer=2),
        "network": lambda: viz.network_figure(net, x),
        "confusion": lambda: viz.confusion_figure(net, images, labels, title="small"),
        "mistakes": lambda: viz.mistakes_figure(net, images, labels, n=12),
        "history": lambda: viz.history_figure(net.metadata["history"], title="small"),
        "saliency": lambda: viz.saliency_figure(net, x),
        "dream": lambda: viz.dream_figure(net, [3, 5]),
    }


@pytest.mark.parametrize("kind", ["weights", "weights-layer-2", "network", "confusion", "mistakes",
                                  "history", "saliency", "dream"])
def test_each_figure_renders_as_png_and_svg(net, held_out, kind):
    fig = all_figures(net, held_out)[kind]()
    assert isinstance(fig, Figure)
    assert is_png(viz.figure_bytes(fig, "png"))
    assert is_svg(viz.figure_bytes(fig, "svg"))


def test_save_figure_writes_by_extension_and_refuses_others(net, tmp_path):
    fig = viz.weights_figure(net)
    assert is_png(viz.save_figure(fig, tmp_path / "w.png").read_bytes())
    assert is_svg(viz.save_figure(fig, tmp_path / "w.SVG").read_bytes())
    with pytest.raises(ConfigError, match=r"w\.jpg: unknown picture type '\.jpg'; .*\.png or \.svg"):
        viz.save_figure(fig, tmp_path / "w.jpg")
    with pytest.raises(ConfigError, match="no extension"):
        viz.save_figure(fig, tmp_path / "w")
    assert not (tmp_path / "w.jpg").exists()


def test_pictures_are_made_without_pyplot_or_a_display(tmp_path):
    """No pyplot, no GUI: even with a GUI backend requested and no display, pictures render."""
    code = ("import sys, numpy as np\n"
            "from digitnet import viz\n"
            "from digitnet.network import Network\n"
            "net = Network(seed=0)\n"
            f"viz.save_figure(viz.network_figure(net, np.zeros(784)), {str(tmp_path / 'n.png')!r})\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(MPLBACKEND="TkAgg", PYTHONPATH=str(SRC) + os.pathsep + env.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert is_png((tmp_path / "n.png").read_bytes())


def _imports_matplotlib(path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(n == "matplotlib" or n.startswith("matplotlib.") for n in names):
            return True
    return False


def test_viz_is_the_only_module_that_imports_matplotlib():
    """Sibling picture modules (searchviz, pokeviz) draw on viz's canvas, never matplotlib's."""
    users = [p.name for p in (SRC / "digitnet").rglob("*.py")
             if p.name != "viz.py" and _imports_matplotlib(p)]
    assert users == []
    assert _imports_matplotlib(SRC / "digitnet" / "viz.py")


# -- weights and templates --------------------------------------------------------------------


def test_weights_figure_has_a_tile_per_neuron_with_its_bias(net):
    fig = viz.weights_figure(net)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 16
    first = images[0].images[0]
    np.testing.assert_allclose(first.get_array(), net.weights[0][0].reshape(28, 28), rtol=1e-6)
    low, high = first.get_clim()
    assert low == pytest.approx(-high)  # centred at 0: black means "does not matter"
    assert f"bias {net.biases[0][0]:+.2f}" in texts(fig)


def test_a_tile_is_black_exactly_when_its_neuron_is_counted_blank(net):
    """The tiles' floor is the layer's largest weight, drawn or not (300 neurons, 256 drawn),
    as probes.blank_neurons counts them: a neuron counted blank is drawn black."""
    from digitnet import probes

    wide = Network((784, 300, 10), seed=0)
    real = np.tile(net.weights[0], (19, 1))[:300]  # the trained layer's 16 neurons, repeated
    real[280] *= 100  # the layer's largest weights, in a neuron not drawn
    real[5] *= 0.005 * np.abs(real[280]).max() / np.abs(real[5]).max()  # 0.5% of them
    wide.weights[0][:] = real
    assert 5 in probes.blank_neurons(wide)
    tiles = [ax.images[0] for ax in viz.weights_figure(wide).axes if ax.images]
    assert len(tiles) == 256
    floor = probes.BLANK_SHARE * np.abs(wide.weights[0]).max()
    assert tiles[5].get_clim()[1] == pytest.approx(floor, rel=1e-6)  # its 0.5% look black
    assert np.abs(tiles[5].get_array()).max() <= 0.5 * floor
    assert tiles[6].get_clim()[1] == pytest.approx(max(np.abs(real[6]).max(), floor), rel=1e-6)


def test_deeper_layers_are_labelled_as_approximate_templates(net):
    fig = viz.weights_figure(net, layer=3)
    assert len([ax for ax in fig.axes if ax.images]) == 10
    words = texts(fig)
    assert "APPROXIMATE" in words and "W3 · W2 · W1" in words and "digit 9" in words


# -- the network diagram ----------------------------------------------------------------------


def test_network_diagram_marks_the_winner_and_draws_only_the_strongest_links(net, held_out):
    x = held_out[0][0]
    fig = viz.network_figure(net, x, max_links=120)
    circles = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    assert len(circles) == 16 + 16 + 10 + 1  # every neuron, and a ring around the winner
    lines = fig.axes[0].lines
    assert 0 < len(lines) <= 120 + 16 * 16 + 16 * 10  # strongest pixel links, then all others
    winner = int(np.argmax(net.predict_proba(x)))
    assert f"reads a {winner}" in texts(fig)


def test_network_diagram_works_for_any_architecture():
    wide = Network((784, 100, 40, 10), activation="sigmoid", seed=1)
    x = np.random.default_rng(0).uniform(0, 1, 784)
    fig = viz.network_figure(wide, x, max_links=50)
    circles = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    assert len(circles) == 32 + 32 + 10 + 1  # wide layers show their 32 most active
    assert len(fig.axes[0].lines) <= 3 * 50
    assert "32 most active\nof 100 neurons" in texts(fig)
    assert is_png(viz.figure_bytes(fig))


# -- history ----------------------------------------------------------------------------------


def test_history_figure_plots_every_recorded_epoch(net):
    history = net.metadata["history"]
    fig = viz.history_figure(history)
    loss_ax = fig.axes[0]
    assert [list(line.get_xdata()) for line in loss_ax.lines] == [[1, 2, 3]] * 2
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), [r["train_loss"] for r in history])


def test_missing_history_is_a_clear_error():
    with pytest.raises(ModelFileError, match="plain.safetensors: has no training history"):
        viz.history_figure([], title="plain.safetensors")
