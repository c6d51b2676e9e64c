"""digitnet.poke's Python API on real MNIST digits, as a new user calls it: a backprop step with
neurons switched off is the step of the network without them; the ranking leaves out every
neuron already off, wherever it was switched off; the edge detector is refused for a speech
model; and arguments of the wrong type are one-line ConfigErrors, whole numbers read as
Changes reads them (3.0 too).

The networks are untrained (unit tests train nothing): the properties hold for any weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import inputs, modelfile, poke, pokeviz
from digitnet.errors import ConfigError
from digitnet.network import Network


@pytest.fixture(scope="module")
def digits(mnist):
    """1,000 real digits (uint8 rows, labels) from the end of the prefix."""
    return mnist.x[-1000:].reshape(1000, 784), mnist.labels[-1000:].astype(np.intp)


def make(seed=0) -> Network:
    net = Network((784, 16, 16, 10), activation="relu", seed=seed)
    # Untrained networks answer nearly the same class for everything; biases spread the answers.
    net.biases[-1][...] = np.random.default_rng(seed).normal(0, 0.5, 10)
    return net


def speech(seed=0) -> Network:
    """An untrained 784-16-16-10 network that hears recordings as 28x28 pictures of sounds."""
    net = make(seed)
    net.metadata = {"input": inputs.Audio().to_dict()}
    return net


# -- a backprop step with neurons switched off ------------------------------------------------


@pytest.mark.parametrize("off", [((1, 10),), ((1, 3), (2, 7))])
def test_a_step_with_neurons_off_is_the_step_of_the_network_without_them(digits, off):
    net, x = make(seed=4), digits[0][5]
    given = poke.backprop_step(net, x, 3, lr=0.5, off=off)
    without = poke.backprop_step(poke.Changes(off=off).apply(net), x, 3, lr=0.5)
    assert given.cost == without.cost and given.cost != poke.backprop_step(net, x, 3).cost
    np.testing.assert_array_equal(given.probabilities, without.probabilities)
    for mine, theirs in zip(given.deltas + given.weight_gradients,
                            without.deltas + without.weight_gradients):
        np.testing.assert_array_equal(mine, theirs)
    assert given.cost_after == without.cost_after
    np.testing.assert_array_equal(given.network_after.params, without.network_after.params)
    for layer, neuron in off:  # they stay off after the step, and say so
        assert not given.network_after.weights[layer][:, neuron].any()
    assert poke.off_neurons(given.network_after) == off
    assert not poke.off_neurons(net)  # the network given is untouched


def test_a_neuron_already_off_is_taken_as_it_is(digits):
    """What the page's API does: a network with its changes made, and the same neurons off."""
    net, x = make(seed=5), digits[0][9]
    changed = poke.Changes(off=((1, 2),)).apply(net)
    plain = poke.backprop_step(changed, x, 4, lr=0.3)
    again = poke.backprop_step(changed, x, 4, lr=0.3, off=((1, 2),))
    assert again.cost == plain.cost and again.cost_after == plain.cost_after
    np.testing.assert_array_equal(again.network_after.params, plain.network_after.params)
    assert again.network_after.metadata == plain.network_after.metadata  # not recorded twice
    more = poke.backprop_step(changed, x, 4, lr=0.3, off=((1, 2), (2, 9)))
    both = poke.backprop_step(poke.Changes(off=((1, 2), (2, 9))).apply(net), x, 4, lr=0.3)
    assert more.cost == both.cost and poke.off_neurons(more.network_after) == ((1, 2), (2, 9))


@pytest.mark.parametrize("label", [3.0, np.float64(3.0), np.int64(3)])
def test_a_label_is_a_whole_number_as_the_web_route_reads_it(digits, label):
    step = poke.backprop_step(make(), digits[0][0], label)
    assert step.label == 3 and type(step.label) is int
    assert step.cost == poke.backprop_step(make(), digits[0][0], 3).cost
    with pytest.raises(ConfigError, match=r"^label: expected a whole number, got 3\.5$"):
        poke.backprop_step(make(), digits[0][0], 3.5)


# -- the ranking leaves out every neuron already off ------------------------------------------


def test_a_saved_edited_network_ranks_as_its_edit_sent_as_changes(digits, tmp_path):
    x, y = digits
    net, changes = make(seed=6), poke.Changes(off=((1, 3), (2, 7)))
    path = tmp_path / "edited.safetensors"
    modelfile.save(changes.apply(net), path)
    from_file = poke.rank_neurons(modelfile.load(path), x, y)
    as_changes = poke.rank_neurons(net, x, y, changes)
    assert len(from_file) == len(as_changes) == 30
    assert [(d.layer, d.neuron, d.accuracy) for d in from_file] == [
        (d.layer, d.neuron, d.accuracy) for d in as_changes]
    assert not {(1, 3), (2, 7)} & {(d.layer, d.neuron) for d in from_file}
    # And sent as a dict, as the page's JSON holds it.
    as_dict = poke.rank_neurons(net, x, y, {"off": [[1, 3], [2, 7]]})
    assert [(d.layer, d.neuron) for d in as_dict] == [(d.layer, d.neuron) for d in as_changes]


def test_the_ablation_figure_marks_neurons_off_and_draws_no_bar_for_them(digits, tmp_path):
    """As ``digitnet show ablation EDITED_MODEL`` draws it (no ``off`` given: a neuron the
    ranking skips before a layer's last is marked), and with ``off`` (the last one too)."""
    x, y = digits
    path = tmp_path / "edited.safetensors"
    modelfile.save(poke.Changes(off=((1, 3), (2, 15))).apply(make(seed=7)), path)
    edited = modelfile.load(path)
    drops = poke.rank_neurons(edited, x, y)
    accuracy, classes = poke.ablate(edited, x, y).baseline.accuracy, inputs.classes_of(edited)
    as_the_cli_draws = pokeviz.ablation_figure(drops, accuracy, classes)
    assert_marked(as_the_cli_draws, [[3], []])
    with_off = pokeviz.ablation_figure(drops, accuracy, classes, off=poke.off_neurons(edited))
    assert_marked(with_off, [[3], [15]])
    assert as_the_cli_draws.axes[1].get_xlim()[1] < 15 < with_off.axes[1].get_xlim()[1]


def assert_marked(fig, marked):
    """Each layer's chart has a bar per neuron on, and "off" where each of ``marked`` is."""
    for ax, where in zip(fig.axes[:2], marked):
        assert len(ax.patches) == 15  # a bar per neuron that is on
        bars = sorted(round(p.get_x() + p.get_width() / 2) for p in ax.patches)
        assert not set(bars) & set(where)
        assert [round(t.get_position()[0]) for t in ax.texts if t.get_text() == "off"] == where
    assert "off: switched off already" in fig.axes[0].get_title()


# -- the edge detector needs pictures of handwriting ------------------------------------------


def test_the_edge_detector_is_refused_for_a_speech_model(digits):
    net = speech()
    with pytest.raises(ConfigError) as made:
        poke.edge_detector(net, 0, 12, 6, 3, 16)
    edge = {"op": "edge", "layer": 1, "neuron": 0, "top": 12, "left": 6, "height": 3,
            "width": 16, "margin": 1, "weight": 0.5}
    with pytest.raises(ConfigError) as applied:
        poke.Changes.from_json({"edits": [edge]}).apply(net)
    for refused, where in ((made, "edge"), (applied, "edits[0]")):
        message = str(refused.value)
        assert "\n" not in message and message.startswith(f"{where}: an edge detector ")
        assert "pictures of recorded sounds" in message and "paint edit" in message
    # What the message offers instead works: painting the neuron's incoming weights.
    paint = {"op": "paint", "layer": 1, "neuron": 0,
             "cells": [{"row": 12, "col": 6, "weight": 0.5}]}
    assert poke.Changes.from_json({"edits": [paint]}).apply(net).weights[0][0, 12 * 28 + 6] == 0.5
    assert poke.Changes.from_json({"edits": [edge]}).apply(make()).weights[0][0].any()


# -- arguments of the wrong type --------------------------------------------------------------


@pytest.mark.parametrize("call, words", [
    (lambda n, x, y: poke.neuron_profile(n, x, y, "1", 3), "layer: expected a whole number"),
    (lambda n, x, y: poke.neuron_profile(n, x, y, 1, True), "neuron: expected a whole number"),
    (lambda n, x, y: poke.neuron_profile(n, x, y, 1, 2.5), "neuron: expected a whole number"),
    (lambda n, x, y: poke.neuron_profile(n, x, y, 1, 2, count="3"),
     "count: expected a whole number"),
    (lambda n, x, y: poke.class_means(n, x, y, "1"), "layer: expected a whole number"),
    (lambda n, x, y: poke.embedding(n, x, "2"), "layer: expected a whole number"),
    (lambda n, x, y: poke.embedding(n, x, 1, method="tsne", seed="x"),
     "seed: expected a whole number, got 'x'"),
    (lambda n, x, y: poke.rank_neurons(n, x, y, layers=["1"]),
     "layers[0]: expected a whole number"),
    (lambda n, x, y: poke.rank_neurons(n, x, y, layers=1), "layers: expected a list"),
    (lambda n, x, y: poke.rank_neurons(n, x, y, layers=[0]), "rank hidden layers 1 to 2"),
    (lambda n, x, y: poke.ablate(n, x, y, [[1, 3]]), "pass poke.Changes("),
    (lambda n, x, y: poke.ablate(n, x, y, {"off": [[1, 99]]}), "neuron 99 does not exist"),
    (lambda n, x, y: poke.robustness_curves([], x[:20].reshape(-1, 28, 28), y[:20]),
     "nets: an empty list; pass the network, or [net, other] to compare two"),
    (lambda n, x, y: poke.robustness_curves([n, "other.safetensors"], x[:20].reshape(-1, 28, 28),
                                            y[:20]),
     "nets[1]: poke.robustness_curves takes a Network, not a str"),
    (lambda n, x, y: poke.robustness_curves(n, x[:20].reshape(-1, 28, 28), y[:20],
                                            distortions={"noise": 0.3}),
     "distortions['noise']: expected a list of levels"),
    (lambda n, x, y: poke.backprop_step(n, x[0], "3"), "label: expected a whole number"),
    (lambda n, x, y: poke.described_neuron(n, "1", 3, x[0]), "layer: expected a whole number"),
    (lambda n, x, y: poke.described_neuron(n, 1, True, x[0]), "neuron: expected a whole number"),
])
def test_wrong_types_are_one_line_config_errors(digits, call, words):
    x, y = digits
    with pytest.raises(ConfigError) as refused:
        call(make(), x, y)
    message = str(refused.value)
    assert "\n" not in message and words in message, message


def test_whole_numbers_are_read_alike_everywhere(digits):
    """3.0 names layer 3 for a profile as it does for Changes; NumPy's integers too."""
    x, y = digits
    net = make(seed=8)
    p = poke.neuron_profile(net, x, y, 3.0, 2.0, count=np.int64(5))
    q = poke.neuron_profile(net, x, y, 3, 2, count=5)
    assert (p.layer, p.neuron) == (3, 2) and type(p.layer) is int
    np.testing.assert_array_equal(p.top, q.top)
    np.testing.assert_array_equal(poke.class_means(net, x, y, np.int64(2)),
                                  poke.class_means(net, x, y, 2))
    assert [d.neuron for d in poke.rank_neurons(net, x, y, layers=[2.0])] == [
        d.neuron for d in poke.rank_neurons(net, x, y, layers=[2])]
    row = x[0] / np.float32(255)  # (brightness, as the page reads a drawing)
    said = [poke.described_neuron(net, *where, row) for where in ((2.0, np.int64(4)), (2, 4))]
    assert said[0].keys() == said[1].keys() and said[0]["current"] == said[1]["current"]
    ablated = poke.ablate(net, x, y, {"off": [[1, 3.0]]})
    assert ablated.to_dict() == poke.ablate(net, x, y, poke.Changes(off=((1, 3),))).to_dict()


@pytest.mark.parametrize("array", [np.array([[1, 3], [2, 0]]), np.array([[1, 3], [2, 0]],
                                                                        dtype=np.uint8)])
def test_an_integer_array_of_pairs_is_the_neurons_it_lists(array):
    assert poke.Changes(off=array) == poke.Changes(off=((1, 3), (2, 0)))
    assert poke.Changes(off=array).off == ((1, 3), (2, 0))
    assert all(type(v) is int for pair in poke.Changes(off=array).off for v in pair)


@pytest.mark.parametrize("array, words", [
    (np.array([[1, 3, 0]]), "off[0]: expected a [layer, neuron] pair"),
    (np.array([1, 3]), "off: expected a list of [layer, neuron] pairs"),
    (np.array([[1.5, 3]]), "off[0][0] (the layer): expected a whole number"),
    (np.array([[True, False]]), "off[0][0] (the layer): expected a whole number"),
])
def test_an_array_that_is_not_pairs_of_whole_numbers_is_refused(array, words):
    with pytest.raises(ConfigError) as refused:
        poke.Changes(off=array)
    assert words in str(refused.value)
