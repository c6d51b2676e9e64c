"""Every poking function given what is not a Network (the TrainResult digitnet.train returns, a
model file's path, None) says so in one line, naming what to pass, as digitnet.evaluate and
digitnet.save do (modelfile.as_network): they once failed deep inside with "'TrainResult' object
has no attribute 'metadata'"."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import Network, TrainConfig, poke
from digitnet.errors import ConfigError
from digitnet.training import TrainResult

pytestmark = pytest.mark.engine_independent  # (nothing is trained: a result is built by hand)

CALLS = {
    "poke.ablate": lambda n, x, y: poke.ablate(n, x, y),
    "poke.rank_neurons": lambda n, x, y: poke.rank_neurons(n, x, y),
    "poke.neuron_profile": lambda n, x, y: poke.neuron_profile(n, x, y, 1, 0),
    "poke.class_means": lambda n, x, y: poke.class_means(n, x, y, 1),
    "poke.embedding": lambda n, x, y: poke.embedding(n, x, 1),
    "poke.backprop_step": lambda n, x, y: poke.backprop_step(n, x[0], 3),
    "poke.edge_detector": lambda n, x, y: poke.edge_detector(n, 0, 10, 6, 3, 16),
    "Changes.apply": lambda n, x, y: poke.Changes(off=((1, 0),)).apply(n),
    "Changes.check_effect": lambda n, x, y: poke.Changes(off=((1, 0),)).check_effect(n),
    "poke.robustness_curves": lambda n, x, y: poke.robustness_curves(
        n, (x[:20] * 255).astype(np.uint8).reshape(-1, 28, 28), y[:20]),
}


@pytest.fixture(scope="module")
def digits(mnist):
    """50 real MNIST digits as the default network's rows (brightness 0..1), and their labels."""
    return mnist.x[:50].reshape(50, -1).astype(np.float32) / 255, mnist.labels[:50]


@pytest.mark.parametrize("name", CALLS)
def test_a_train_result_is_refused_naming_its_network(digits, name):
    result = TrainResult(network=Network((784, 16, 16, 10), seed=0), history=[],
                         config=TrainConfig())
    with pytest.raises(ConfigError) as e:
        CALLS[name](result, *digits)
    assert str(e.value) == (f"{name} takes a Network; digitnet.train returns a TrainResult: "
                            "pass result.network")


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("given, got", [("model.safetensors", "a str"), (None, "None")])
def test_a_path_or_none_is_refused_saying_how_to_get_a_network(digits, name, given, got):
    with pytest.raises(ConfigError) as e:
        CALLS[name](given, *digits)
    assert str(e.value) == (f"{name} takes a Network, not {got}; make one with "
                            "digitnet.train(...).network, digitnet.load(path) or "
                            "digitnet.Network(sizes)")
