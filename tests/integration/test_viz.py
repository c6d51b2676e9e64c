"""digitnet.viz: every picture renders headless and shows what it says it shows."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from digitnet import (PRESETS, datasets, historyviz, inputs, mistakesviz, modelfile, poke,
                      pokeviz, probes, recipes, searchviz, viz)
from digitnet.errors import ConfigError, ModelFileError
from digitnet.heldout import recorded_data
from digitnet.network import Network
from digitnet.studies import TrialRecord
from digitnet.training import train

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
    x, rows = images[0], inputs.of(net).rows(images)  # (the figures of many read rows)
    return {
        "weights": lambda: viz.weights_figure(net),
        "weights-layer-2": lambda: viz.weights_figure(net, layer=2),
        "network": lambda: viz.network_figure(net, x),
        "confusion": lambda: viz.confusion_figure(net, rows, labels, title="small"),
        "mistakes": lambda: mistakesviz.mistakes_figure(net, rows, labels, n=12),
        "history": lambda: historyviz.history_figure(net.metadata["history"], title="small"),
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
    fig = historyviz.history_figure(history)
    loss_ax = fig.axes[0]
    assert [list(line.get_xdata()) for line in loss_ax.lines] == [[1, 2, 3]] * 2
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), [r["train_loss"] for r in history])


def test_missing_history_is_a_clear_error():
    with pytest.raises(ModelFileError, match="plain.safetensors: has no training history"):
        historyviz.history_figure([], title="plain.safetensors")


# -- what the pictures say: tick labels, text inside the figure, sounds drawn alike -----------


def _visible_labels(ax, axis: str = "y") -> list:
    """The tick labels ``ax`` shows on ``axis`` (those inside its limits), after a draw."""
    ax.figure.canvas.draw()
    low, high = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
    ticks = ax.yaxis.get_major_ticks() if axis == "y" else ax.xaxis.get_major_ticks()
    return [t.label1 for t in ticks if low <= t.get_loc() <= high and t.label1.get_visible()]


def _says_its_percentage(label) -> bool:
    """A tick label that reads its tick's value as a percentage, right to the decimals it
    shows, and is no "-0%"."""
    text = label.get_text()
    shown = float(text.rstrip("%"))
    decimals = len(text.rstrip("%").partition(".")[2])
    _, value = label.get_position()
    return (text.endswith("%") and not re.fullmatch(r"-0(\.0*)?%", text)
            and abs(shown - value * 100) < 0.5 * 10 ** -decimals)


def test_the_search_tells_close_trials_apart_on_its_axis():
    """Trials between 96.0% and 96.75%: every tick on the accuracy axis a different label, each
    the accuracy at its height."""
    values = [0.9600, 0.9625, 0.9610, 0.9675, 0.9650, 0.9640]
    records = [TrialRecord(i, "COMPLETE", v, {"lr": 0.01}, None, 1, 2.0)
               for i, v in enumerate(values)]
    fig = searchviz.search_figure(records, {"lr": 0.7, "dropout": 0.3})
    labels = _visible_labels(fig.axes[0])
    texts_shown = [label.get_text() for label in labels]
    assert len(texts_shown) >= 3 and len(set(texts_shown)) == len(texts_shown), texts_shown
    assert all(_says_its_percentage(label) for label in labels), texts_shown


@pytest.fixture(scope="module")
def wide_speech(speech_model, spoken_digits):
    """A 784-128-64-10 network (the speech preset) trained for 5 epochs on the small speech
    model's recordings, and FSDD's test split (recordings 0-4, never learned from) as its rows."""
    data = datasets.load(recorded_data(speech_model), split="train")
    net = train(data, recipes.for_data(PRESETS["speech"].replace(epochs=5), data),
                handle_signals=False).network
    return (net, *_fsdd_test_split(net, spoken_digits))


def _fsdd_test_split(net, spoken_digits):
    """FSDD's test split as ``net`` hears it: (rows, labels)."""
    test = datasets.load(str(spoken_digits), split="test", audio=inputs.audio_of(net))
    return inputs.of(net).rows(test.x), test.labels.astype(np.intp)


def test_ablation_of_wide_layers_has_distinct_percentages_and_readable_neuron_numbers(
        wide_speech):
    net, rows, labels = wide_speech
    assert net.sizes == (784, 128, 64, 10)
    drops = poke.rank_neurons(net, rows, labels)
    accuracy = poke.ablate(net, rows, labels).baseline.accuracy
    fig = pokeviz.ablation_figure(drops, accuracy, inputs.classes_of(net))
    for ax, width in zip(fig.axes[:2], (128, 64)):
        assert len(ax.patches) == width  # a bar per neuron
        shown = _visible_labels(ax)
        said = [label.get_text() for label in shown]
        assert len(set(said)) == len(said) >= 3, said
        assert all(_says_its_percentage(label) for label in shown), said
        numbers = _visible_labels(ax, "x")
        assert 2 <= len(numbers) <= 12, [n.get_text() for n in numbers]
        assert all(n.get_position()[0] == int(n.get_text()) for n in numbers)
        assert all(0 <= int(n.get_text()) < width for n in numbers)  # no neuron past the last
        boxes = [n.get_window_extent() for n in numbers]
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))  # side by side, apart


def test_ablation_of_the_videos_layers_numbers_each_neuron_and_none_past_the_last(small_model,
                                                                                 held_out):
    """16 neurons a layer: each bar has its number under it, 0 to 15, and no tick says 16."""
    net = modelfile.load(small_model)
    rows, labels = inputs.of(net).rows(held_out[0]), held_out[1].astype(np.intp)
    drops = poke.rank_neurons(net, rows, labels)
    fig = pokeviz.ablation_figure(drops, poke.ablate(net, rows, labels).baseline.accuracy,
                                  inputs.classes_of(net))
    for ax in fig.axes[:2]:
        said = [label.get_text() for label in _visible_labels(ax, "x")]
        assert said == [str(j) for j in range(16)], said


@pytest.mark.parametrize("hidden", [(64,), ()])
def test_the_network_diagram_keeps_its_words_inside_the_picture(mnist_small, held_out, hidden):
    """Narrow diagrams (784-64-10, 784-10) break the legend into lines rather than cut it."""
    net = train(mnist_small, PRESETS["default"].replace(sizes=(784, *hidden, 10), epochs=1),
                handle_signals=False).network
    fig = viz.network_figure(net, held_out[0][0])
    fig.canvas.draw()
    words = [t for t in fig.axes[0].texts if t.get_text()]
    assert any(" ".join(t.get_text().split()) == (
        "circles: activation (bright = high); lines: up to 300 strongest contributions w·a into "
        "each layer (blue w > 0, red w < 0)") for t in words)
    for t in words:
        box = t.get_window_extent()
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, t.get_text()


def test_the_mistakes_draw_a_sound_as_the_other_pictures_do(speech_model, spoken_digits):
    """A recording's picture is the same in the gallery of mistakes as in show network and
    show saliency: bright where the sound is loud."""
    net = modelfile.load(speech_model)
    rows, labels = _fsdd_test_split(net, spoken_digits)
    order = probes.confident_mistakes(net, rows, labels, 4)[0]
    gallery = mistakesviz.mistakes_figure(net, rows, labels, n=4)
    tiles = [ax.images[0] for ax in gallery.axes if ax.images]
    assert len(tiles) == len(order) > 0
    for tile, i in zip(tiles, order):
        elsewhere = [viz.network_figure(net, rows[i]).axes[0].images[0],
                     viz.saliency_figure(net, rows[i]).axes[0].images[0]]
        for other in elsewhere:
            np.testing.assert_array_equal(tile.to_rgba(tile.get_array()),
                                          other.to_rgba(other.get_array()))
