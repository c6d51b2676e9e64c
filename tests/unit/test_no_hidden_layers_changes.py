"""A network with no hidden layers, in the library: switching off one of its neurons says it has
none (the words ``digitnet edit`` and the API's /api/ablate show, not "hidden layers 1 to 0"),
and the ablation figure of no hidden neurons is a ConfigError, not matplotlib's ValueError."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import pokeviz
from digitnet.errors import ConfigError
from digitnet.network import Network
from digitnet.poke import Changes


@pytest.mark.parametrize("off", [(1, 0), (0, 3), (2, 0)])
def test_switching_off_a_neuron_of_a_network_with_no_hidden_layers_says_it_has_none(off):
    net = Network((784, 10), seed=0)
    with pytest.raises(ConfigError) as caught:
        Changes(off=(off,)).apply(net)
    assert str(caught.value) == (
        "off[0]: this 784-10 network has no hidden layers (layer 0 is its input, layer 1 its "
        "output), so no neuron can be switched off; edit an output neuron instead, or use a "
        "network with hidden layers")


def test_its_output_neurons_can_still_be_edited():
    net = Network((784, 10), seed=0)
    edited = Changes(edits=({"op": "bias", "layer": 1, "neuron": 2, "value": 0.5},)).apply(net)
    assert edited.biases[0][2] == 0.5


def test_an_ablation_figure_of_no_hidden_neurons_is_refused_in_words():
    with pytest.raises(ConfigError, match="no hidden neuron to draw"):
        pokeviz.ablation_figure([], 0.9, [str(d) for d in range(10)])


def test_ranking_the_layers_of_a_network_with_no_hidden_layers_says_it_has_none():
    from digitnet import poke

    net = Network((784, 10), seed=0)
    rows = np.zeros((3, 784), dtype=np.uint8)
    with pytest.raises(ConfigError, match=r"^layers\[0\]: layer 1 is the output layer, which has "
                                          r"nothing after it to switch off; this network has no "
                                          r"hidden layers to rank: use one with hidden layers$"):
        poke.rank_neurons(net, rows, np.zeros(3, dtype=int), layers=[1])
