"""`digitnet show network` of a model saved by `digitnet edit` marks each neuron edited (its
circle ringed in amber, "edit" beside it) as it marks each one switched off ("off" in its dark
circle), and its subtitle says so; a model never edited has neither mark. A layer too wide to
draw whole shows its most active neurons *of those still on* and says how many are off, and
draws each neuron edited whatever its activation.

The model is the suite's small one (the default recipe, 3 epochs on 3,000 real MNIST digits),
edited by the `digitnet edit` command itself; the inputs are real digits.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.colors import to_rgba
from matplotlib.patches import Circle

from digitnet import modelfile, networkmarks, poke, probes, viz
from digitnet.cli import cli
from digitnet.network import Network

pytestmark = pytest.mark.engine_independent  # (how the diagram marks an edited model)

OFF = [[1, 14], [1, 15]]
EDIT = {"layer": 2, "neuron": 6, "op": "bias", "value": 2.0}
SAID = "changed by hand: 2 neurons off, 1 edit (digitnet info lists them)"


@pytest.fixture(scope="module")
def edited(small_model, tmp_path_factory):
    """The small model with neurons 14 and 15 of layer 1 off and neuron 6 of layer 2's bias set,
    saved by `digitnet edit` and read back."""
    folder = tmp_path_factory.mktemp("edited")
    changes, out = folder / "changes.json", folder / "edited.safetensors"
    changes.write_text(json.dumps({"off": OFF, "edits": [EDIT]}))
    result = CliRunner().invoke(cli, ["edit", str(small_model), str(changes), "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return modelfile.load(out)


@pytest.fixture(scope="module")
def digit(mnist):
    """A real digit from the end of the prefix (the small model trained on a stratified draw)."""
    return mnist.x[-1].reshape(784)


def _circles(fig) -> list[Circle]:
    """The neurons' circles, layer 1 first, each layer's in index order (no winner's ring)."""
    return [p for p in fig.axes[0].patches if isinstance(p, Circle) and p.get_fill()]


def _marks(fig, word: str) -> list:
    return [t for t in fig.axes[0].texts if t.get_text() == word]


def _said(fig) -> str:
    fig.canvas.draw()  # (fit_width has broken the subtitle into lines)
    return " | ".join(" ".join(t.get_text().split()) for t in fig.axes[0].texts)


def _amber(circle: Circle) -> bool:
    return circle.get_edgecolor() == pytest.approx(to_rgba(networkmarks.EDIT))


def test_the_edited_neuron_is_ringed_and_marked_edit_as_the_off_ones_are_marked_off(edited,
                                                                                    digit):
    fig = viz.network_figure(edited, digit)
    circles = _circles(fig)
    assert len(circles) == 16 + 16 + 10
    neuron = circles[16 + EDIT["neuron"]]  # layer 2 follows layer 1's 16
    (edit,) = _marks(fig, "edit")
    x, y = edit.get_position()
    assert y == pytest.approx(neuron.center[1]) and x < neuron.center[0] - neuron.radius  # beside
    assert edit.get_ha() == "right"
    assert _amber(neuron) and neuron.get_linewidth() > 2 * circles[0].get_linewidth()
    assert [c for c in circles if _amber(c)] == [neuron]  # the one edited, no other
    off = _marks(fig, "off")
    assert [t.get_position() for t in off] == [pytest.approx(circles[j].center)
                                              for _, j in OFF]
    assert not any(_amber(circles[j]) for _, j in OFF)
    said = _said(fig)
    assert f"{SAID}; a neuron off sends 0 (dark, marked off); a neuron edited is ringed " \
           "(amber, marked edit)" in said, said


def test_show_weights_and_show_network_mark_the_same_neuron_edited(edited, digit):
    """One source of truth (poke.by_hand): the tile titled "edited" is the circle ringed."""
    tiles = [ax.get_title().split("\n")[0] for ax in viz.weights_figure(edited, 2).axes
             if ax.images]
    assert [t for t in tiles if t.endswith(": edited")] == [f"neuron {EDIT['neuron']}: edited"]
    assert poke.by_hand(edited).edited == ((EDIT["layer"], EDIT["neuron"]),)


def test_a_model_never_edited_has_no_marks(small_model, digit):
    fig = viz.network_figure(modelfile.load(small_model), digit)
    assert not _marks(fig, "edit") and not _marks(fig, "off")
    assert not any(_amber(c) for c in _circles(fig))
    said = _said(fig)
    assert "by hand" not in said and "marked" not in said, said


# -- a layer too wide to draw whole -------------------------------------------------------------


def _layer_words(fig) -> str:
    return next(t.get_text() for t in fig.axes[0].texts if "most active" in t.get_text())


def _quiet_wide_network(digit) -> tuple[Network, np.ndarray]:
    """784-128-10, leaky ReLU, its first layer's biases lowered so that only a few of its
    neurons fire for ``digit`` (z < 0: a small negative a): fewer than the 32 the diagram
    draws. Its activations for ``digit``, too."""
    net = Network((784, 128, 10), activation="leaky_relu", seed=0)
    net.biases[0][...] -= 1.0
    a = net.astype(np.float64).trace(probes.single_input(net, digit)[None, :]).activations[1][0]
    assert 0 < (a > 0).sum() < 30
    return net, a


def test_neurons_off_are_not_drawn_among_the_most_active_and_the_words_count_them(digit):
    """A neuron off sends 0, more than a neuron of negative activation: it was drawn as one of
    "32 most active of 128 neurons", the least active of all switched off."""
    net, a = _quiet_wide_network(digit)
    least = [int(j) for j in np.argsort(a)[:2]]
    changed = poke.Changes(off=[(1, j) for j in least]).apply(net)
    fig = viz.network_figure(changed, digit)
    assert _layer_words(fig) == "32 most active\nof the 126 on; 2 off"
    assert not _marks(fig, "off")  # not drawn: not among the most active
    assert len(_circles(fig)) == 32 + 10
    assert "neurons off send 0 (not drawn: counted under their layers)" in _said(fig)


def test_a_wide_layer_draws_its_neuron_edited_even_when_it_is_not_among_the_most_active(digit):
    net, a = _quiet_wide_network(digit)
    quiet = int(np.argsort(a)[3])  # far from the 32 most active
    changed = poke.Changes(edits=({"layer": 1, "neuron": quiet, "op": "scale", "factor": 0.5},)
                           ).apply(net)
    fig = viz.network_figure(changed, digit)
    assert _layer_words(fig) == "31 most active\n+ 1 edited\nof 128 neurons"
    circles = _circles(fig)
    assert len(circles) == 32 + 10
    (edit,) = _marks(fig, "edit")
    (ringed,) = [c for c in circles if _amber(c)]
    assert edit.get_position()[1] == pytest.approx(ringed.center[1])
    fig.canvas.draw()  # the three lines of words under the layer stay inside the picture
    words = next(t for t in fig.axes[0].texts if "most active" in t.get_text())
    assert words.get_window_extent().y0 >= fig.bbox.y0


def test_a_wide_layer_of_a_network_never_changed_says_it_as_before(digit):
    net, _ = _quiet_wide_network(digit)
    assert _layer_words(viz.network_figure(net, digit)) == "32 most active\nof 128 neurons"
