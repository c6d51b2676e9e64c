"""A neuron switched off reads a = 0 in the widget's ``w.trace`` as in everything the widget
shows (its picture of the network, the neuron panel) and in viz.network_figure: what the next
layer receives (poke.sent). Its trace showed the neuron firing (a = 3.36) while the picture
showed 0."""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet import inputs, poke

HELD_OUT = 20100  # a real digit the drawing model did not train on (it trained on 0..12,000)


@pytest.fixture(scope="module")
def trained(drawing_model):
    return digitnet.load(drawing_model)


def test_the_trace_of_a_neuron_switched_off_reads_zero_as_shown(trained, mnist):
    image = mnist.x[HELD_OUT]
    row = inputs.of(trained).rows(image)
    firing = trained.trace(row).activations[1][0]
    neuron = int(np.argmax(firing))  # the first hidden layer's neuron firing most for it
    assert firing[neuron] > 0.5
    edited = poke.Changes(off=((1, neuron),)).apply(trained)
    w = digitnet.widget(edited)
    w.sent = []
    w.send = lambda content, buffers=None: w.sent.append(content)
    w.image = image

    plain = edited.trace(row)  # the forward pass's math keeps σ(z) of the neuron switched off
    assert plain.activations[1][0, neuron] == firing[neuron]
    assert w.trace.activations[1][0, neuron] == 0
    others = np.arange(edited.sizes[1]) != neuron
    np.testing.assert_array_equal(w.trace.activations[1][0, others], firing[others])
    for got, want in zip(w.trace.zs, plain.zs):  # z as computed, for it too
        np.testing.assert_array_equal(got, want)
    for got, want in zip(w.trace.activations[2:], plain.activations[2:]):
        np.testing.assert_array_equal(got, want)  # the layers after it read 0 from it anyway
    assert w.digit == edited.predict(image)

    # what the widget shows of layer 1 (its picture and the neuron panel): the same numbers
    shown = next(layer for layer in w.sent[-1]["prediction"]["layers"] if layer["layer"] == 1)
    np.testing.assert_allclose(shown["a"], w.trace.activations[1][0], atol=1e-5)
    w._on_message(w, {"seq": 1, "kind": "neuron", "layer": 1, "index": neuron}, [])
    assert w.sent[-1]["answer"]["current"]["a"] == 0
    # and what poke's activity (the maps, the profiles) gives for the same row
    _, a = poke.activity.layer_activity(edited, row, [1])[1]
    np.testing.assert_array_equal(w.trace.activations[1], a)
