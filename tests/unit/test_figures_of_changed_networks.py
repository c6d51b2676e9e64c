"""`digitnet show` of a network changed by hand says so: ``show weights`` marks each neuron
switched off ("neuron 3: off", its tile dimmed) and each edited ("neuron 2: edited"), and both
it and ``show network`` say in their titles how the network was changed (one rule,
:func:`digitnet.poke.by_hand`); a tile's weight scale under 0.01 is printed with two
significant digits, not as "0.00"; and ``show ablation``'s picture says that its negative
bars are accuracy gained, names its classes' axis, and has a colour bar that covers the data,
its ends labelled.

The networks are untrained (unit tests train nothing): changed by
:meth:`digitnet.poke.Changes.apply`, as ``digitnet edit`` changes them. The inputs are real MNIST
digits.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import Circle
from matplotlib.text import Text

from digitnet import mistakesviz, poke, pokeviz, viz
from digitnet.network import Network
from digitnet.poke import NeuronDrop

pytestmark = pytest.mark.engine_independent  # (figures of untrained networks, changed)

OFF = ((1, 3), (2, 5))
EDITS = ({"op": "bias", "layer": 3, "neuron": 7, "value": 4.0},
         {"op": "scale", "layer": 1, "neuron": 2, "factor": 0.5})
SAID = "changed by hand: 2 neurons off, 2 edits (digitnet info lists them)"


def _net(seed: int = 0) -> Network:
    net = Network((784, 16, 16, 10), activation="relu", seed=seed)
    net.biases[-1][...] = np.random.default_rng(seed).normal(0, 0.5, 10)  # answers spread
    return net


@pytest.fixture(scope="module")
def changed() -> Network:
    return poke.Changes(off=OFF, edits=EDITS).apply(_net())


@pytest.fixture(scope="module")
def digits(mnist):
    """500 real digits (uint8 rows, labels) from the end of the prefix."""
    return mnist.x[-500:].reshape(500, 784), mnist.labels[-500:].astype(np.intp)


def _texts(fig) -> list[str]:
    fig.canvas.draw()  # (fit_width has broken the long titles into lines)
    return [" ".join(t.get_text().split()) for t in fig.findobj(Text) if t.get_text()]


def _tiles(fig) -> dict[int, object]:
    """Each tile's axes by its neuron's number (from its title)."""
    return {int(ax.get_title().split()[1].rstrip(":")): ax for ax in fig.axes if ax.images}


# -- a network changed by hand ----------------------------------------------------------------


@pytest.mark.parametrize("layer, off, edited", [(1, 3, 2), (2, 5, None)])
def test_show_weights_marks_the_neurons_switched_off_and_edited_and_says_the_network_was_changed(
        changed, layer, off, edited):
    fig = viz.weights_figure(changed, layer)
    said = " | ".join(_texts(fig))
    assert SAID in said, said
    tiles = _tiles(fig)
    assert len(tiles) == 16
    for j, ax in tiles.items():
        title, image = ax.get_title(), ax.images[0]
        if j == off:
            assert title.startswith(f"neuron {j}: off\n"), title
            assert image.get_alpha() is not None and image.get_alpha() <= 0.35  # dimmed
        else:
            mark = ": edited" * (j == edited)  # (scaled: drawn as it is now, not dimmed)
            assert title.startswith(f"neuron {j}{mark}\n") and "off" not in title, title
            assert image.get_alpha() in (None, 1)


def test_show_weights_marks_an_output_neuron_edited(changed):
    titles = [ax.get_title().split("\n")[0] for ax in viz.weights_figure(changed, 3).axes
              if ax.images]
    assert titles == [f"digit {d}" + ": edited" * (d == 7) for d in range(10)]


def test_a_neuron_edited_and_then_switched_off_is_marked_off_only():
    net = poke.Changes(edits=EDITS).apply(_net())
    net = poke.Changes(off=((1, 2),)).apply(net)  # (scaled by EDITS[1] first)
    titles = [ax.get_title().split("\n")[0] for ax in viz.weights_figure(net, 1).axes
              if ax.images]
    assert titles[2] == "neuron 2: off" and not any("edited" in t for t in titles), titles


def test_an_unchanged_network_says_nothing_of_changes(changed):
    for fig in (viz.weights_figure(_net(), 1), viz.network_figure(_net(), np.zeros(784))):
        said = " | ".join(_texts(fig))
        assert "by hand" not in said and ": off" not in said, said

    assert poke.by_hand(_net()) == ((), "", ())


def test_show_network_says_the_network_was_changed_and_marks_a_neuron_off(changed, digits):
    x = digits[0][0]
    fig = viz.network_figure(changed, x)
    said = _texts(fig)
    assert any(SAID in line for line in said), said
    ax = fig.axes[0]
    circles = [p for p in ax.patches if isinstance(p, Circle)][:16]  # layer 1, in order
    marked = [t for t in ax.texts if t.get_text() == "off"]
    assert len(marked) == 2  # neuron 3 of layer 1, neuron 5 of layer 2 (16 wide: all drawn)
    assert circles[3].get_facecolor()[0] == 0  # dark: it sends a = 0
    assert marked[0].get_position() == pytest.approx(circles[3].center)


def test_show_mistakes_names_its_examples_and_says_the_network_was_changed(changed, digits):
    rows, labels = digits
    fig = mistakesviz.mistakes_figure(changed, rows, labels, 8, where="500 mnist-prefix (val)")
    said = " ".join(fig.get_suptitle().split())
    assert said.startswith("The 8 most confident mistakes of ") and said.endswith(
        f" on 500 mnist-prefix (val); {SAID}"), said
    plain = " ".join(mistakesviz.mistakes_figure(_net(), rows, labels, 8).get_suptitle().split())
    assert plain.endswith(" on 500 images") and "by hand" not in plain, plain


def test_only_edits_or_only_off_are_counted_as_they_are():

    assert poke.by_hand(poke.Changes(edits=EDITS[:1]).apply(_net()))[1] == (
        "changed by hand: 1 edit (digitnet info lists it)")
    off, said, edited = poke.by_hand(poke.Changes(off=OFF[:1]).apply(_net()))
    assert off == ((1, 3),) and edited == ()
    assert said == "changed by hand: 1 neuron off (digitnet info lists it)"


# -- a small weight scale ---------------------------------------------------------------------


def test_a_tile_scale_under_a_hundredth_has_two_significant_digits():
    net = _net()
    w = net.weights[0]
    w[4] *= 0.0029 / np.abs(w[4]).max()  # patterned, its largest |w| 0.0029
    w[0, 0] = 0.2  # the layer's largest (its 1% floor: 0.002, under 0.0029)
    titles = {j: ax.get_title() for j, ax in _tiles(viz.weights_figure(net, 1)).items()}
    assert titles[4].endswith("|w| ≤ 0.0029"), titles[4]
    assert titles[0].endswith("|w| ≤ 0.20"), titles[0]  # as before, from 0.01 up


# -- show ablation's picture ------------------------------------------------------------------


def _drops(digits) -> tuple[list[NeuronDrop], float]:
    x, y = digits
    net = _net(seed=3)
    return poke.rank_neurons(net, x, y), poke.ablate(net, x, y).baseline.accuracy


def test_the_ablation_picture_says_negative_bars_are_gains_and_names_its_classes(digits):
    drops, accuracy = _drops(digits)
    assert min(d.drop for d in drops) < 0  # some bar is a gain
    digit_names = [str(d) for d in range(10)]
    fig = pokeviz.ablation_figure(drops, accuracy, digit_names)
    assert "accuracy lost (below 0: gained)" in fig.axes[0].get_title()
    table = next(ax for ax in fig.axes if ax.images)
    assert table.get_xlabel() == "digit"
    named = pokeviz.ablation_figure(drops, accuracy, [f"kind {k}" for k in range(10)])
    assert next(ax for ax in named.axes if ax.images).get_xlabel() == "class"


@pytest.mark.parametrize("largest", [1 / 22, None])
def test_the_colour_bar_covers_the_data_and_labels_its_ends(digits, largest):
    """1/22: the loss of one of 22 examples (the 4.5% the bar once topped out at +4% for);
    None: the real drops of an untrained network on real digits."""
    drops, accuracy = _drops(digits)
    if largest is not None:
        loss = np.zeros(10)
        loss[5] = largest
        drops = [NeuronDrop(1, 11, accuracy - 0.005, 0.005, loss)]
    fig = pokeviz.ablation_figure(drops, accuracy, [str(d) for d in range(10)],
                                  worst=len(drops))
    table = next(ax for ax in fig.axes if ax.images)
    data = float(np.abs(table.images[0].get_array()).max())
    norm = table.images[0].norm
    assert norm.vmax >= data and norm.vmin == -norm.vmax  # no cell saturates
    bar = fig.axes[-1]
    fig.canvas.draw()
    low, high = bar.get_ylim()
    ticks = np.array([t for t in bar.get_yticks() if low - 1e-12 <= t <= high + 1e-12])  # shown
    assert ticks.max() == pytest.approx(norm.vmax) and ticks.min() == pytest.approx(norm.vmin)
    assert norm.vmax <= 1.5 * data  # rounded up to a tick, not far past
    labels = [t.get_text() for t in bar.get_yticklabels()]
    assert labels[-1].startswith("+") and labels[-1].endswith("%"), labels


def test_the_labels_of_a_table_are_classes_on_the_ablation_picture(digits):
    """A table's labels 0, 1, 2 ... may number anything (wines): digits only if all ten, in
    order (:func:`digitnet.words.are_digits`)."""
    drops, accuracy = _drops(digits)
    for names, what in (([str(d) for d in range(10)][::-1], "class"),
                        ([str(d) for d in range(10)], "digit")):
        fig = pokeviz.ablation_figure(drops, accuracy, names, table=True)
        assert next(ax for ax in fig.axes if ax.images).get_xlabel() == what
