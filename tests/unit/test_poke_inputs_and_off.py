"""digitnet.poke on real MNIST digits: what rows the poking functions take (pixels of a picture
model in [0, 1], a table's any finite numbers), what backprop_step checks of its learning rate
and its neurons switched off, and that a neuron switched off shows as 0, its output, in the
profiles, maps and the network diagram, while Network.trace keeps the plain math.

The networks are untrained (unit tests train nothing): the properties hold for any weights.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import Circle

from digitnet import inputs, modelfile, poke, viz
from digitnet.errors import ConfigError, DataError
from digitnet.network import Network


@pytest.fixture(scope="module")
def digits(mnist):
    """1,000 real digits (uint8 rows, labels) from the end of the prefix."""
    return mnist.x[-1000:].reshape(1000, 784), mnist.labels[-1000:].astype(np.intp)


def make(seed=0) -> Network:
    net = Network((784, 16, 12, 10), activation="relu", seed=seed)
    net.biases[-1][...] = np.random.default_rng(seed).normal(0, 0.5, 10)
    return net


# -- rows: pixels of a picture model lie in [0, 1] --------------------------------------------

POKES = {
    "ablate": lambda net, x, y: poke.ablate(net, x, y, poke.Changes(off=((1, 2),))),
    "rank_neurons": lambda net, x, y: poke.rank_neurons(net, x, y),
    "neuron_profile": lambda net, x, y: poke.neuron_profile(net, x, y, 1, 4).top,
    "class_means": lambda net, x, y: poke.class_means(net, x, y, 1),
    "embedding": lambda net, x, y: poke.embedding(net, x, layer=1).points,
    "backprop_step": lambda net, x, y: poke.backprop_step(net, x[0], int(y[0]), lr=0.1).cost,
}


@pytest.mark.parametrize("name", list(POKES))
def test_pixels_0_to_255_as_floats_are_refused_and_brightness_is_read(digits, name):
    x, y = digits[0][:300], digits[1][:300]
    net = make()
    with pytest.raises(DataError) as refused:
        POKES[name](net, x.astype(np.float32), y)  # pixels 0..255, not scaled
    message = str(refused.value)
    assert "\n" not in message and "inputs.of(net).rows(images)" in message
    assert "must lie in [0, 1], got values from 0 to 255" in message
    # The same pixels as brightness in [0, 1] are read as the uint8 rows are.
    as_uint8, as_brightness = POKES[name](net, x, y), POKES[name](net, x * np.float32(1 / 255), y)
    if isinstance(as_uint8, list):  # the ranking
        assert [(d.layer, d.neuron, d.accuracy) for d in as_uint8] == [
            (d.layer, d.neuron, d.accuracy) for d in as_brightness]
    elif isinstance(as_uint8, poke.Ablation):
        assert as_uint8.to_dict() == as_brightness.to_dict()
    else:
        np.testing.assert_allclose(as_uint8, as_brightness, rtol=1e-5, atol=1e-5)


def wine_model():
    from sklearn.datasets import load_wine

    wine = load_wine()
    table = inputs.Table(tuple(wine.feature_names)).fit(wine.data)
    net = Network((13, 8, 6, 3), activation="tanh", seed=2)
    net.metadata = {"input": table.to_dict(), "classes": list(wine.target_names)}
    return net, inputs.of(net).rows(wine.data), wine.target


def test_a_table_models_rows_may_be_any_finite_numbers_but_not_nan():
    net, rows, labels = wine_model()
    far = rows * 40  # standardised columns may lie anywhere: none of this is refused
    assert poke.ablate(net, far, labels).n == 178
    assert poke.neuron_profile(net, far, labels, 1, 0).top_activation.max() > 0.9
    assert poke.backprop_step(net, far[0], 1, lr=0.01).cost > 0
    holed = rows.copy()
    holed[5, 3] = np.nan
    for call in (lambda: poke.ablate(net, holed, labels),
                 lambda: poke.embedding(net, holed, layer=1),
                 lambda: poke.backprop_step(net, holed[5], 1)):
        with pytest.raises(DataError, match=r"(rows|x): 1 values are NaN or infinite; a table "
                                            r"model's rows are finite numbers"):
            call()


# -- backprop_step's neurons switched off and learning rate -----------------------------------


@pytest.mark.parametrize("off, words", [
    (((-1, 0),), ("off[0]: layer -1 does not exist; this 784-16-12-10 network's neurons are "
                  "in hidden layers 1 to 2")),
    (((0, 0),), "off[0]: layer 0 is the input layer and cannot be changed"),
    (((1, 3), (1, 99)), "off[1]: neuron 99 does not exist; layer 1 has 16 neurons, 0 to 15"),
    (((3, 0),), "off[0]: layer 3 is the output layer, which has nothing after it to switch off"),
    ((("1", 0),), "off[0][0] (the layer): expected a whole number"),
])
def test_a_step_checks_its_neurons_switched_off_as_changes_do(digits, off, words):
    with pytest.raises(ConfigError) as refused:
        poke.backprop_step(make(), digits[0][0], 3, lr=0.1, off=off)
    assert str(refused.value) == words or str(refused.value).startswith(words)


def test_the_learning_rate_is_bounded_and_numpy_numbers_are_numbers(digits):
    net, x = make().astype(np.float64), digits[0][7]
    for lr in (1e30, poke.MAX_LR * 1.01, float("inf")):
        with pytest.raises(ConfigError, match=r"the learning rate must be a positive number up "
                                              r"to 10, got (1e\+30|10\.1|inf)$"):
            poke.backprop_step(net, x, 3, lr=lr)
    assert poke.MAX_LR == 10
    top = poke.backprop_step(net, x, 3, lr=poke.MAX_LR)
    assert np.isfinite(top.cost_after)
    plain = poke.backprop_step(net, x, 3, lr=0.25)
    for lr in (np.float32(0.25), np.float64(0.25)):
        step = poke.backprop_step(net, x, 3, lr=lr)
        assert step.lr == 0.25 and step.cost_after == plain.cost_after


def test_the_page_has_the_same_learning_rate_bound_as_the_step():
    from digitnet.web.poke_schemas import BackpropRequest

    bounds = [m.le for m in BackpropRequest.model_fields["lr"].metadata if hasattr(m, "le")]
    assert bounds == [poke.MAX_LR]


# -- a neuron switched off outputs 0 ----------------------------------------------------------


@pytest.fixture(scope="module")
def switched_off(digits, tmp_path_factory):
    """An untrained network with neuron 5 of layer 1 and 2 of layer 2 switched off, saved and
    loaded again (the changes travel in the file's metadata)."""
    net = make(seed=3)
    path = tmp_path_factory.mktemp("off") / "off.safetensors"
    modelfile.save(poke.Changes(off=((1, 5), (2, 2))).apply(net), path)
    return net, modelfile.load(path)


def test_the_neurons_a_saved_model_has_switched_off_are_known(switched_off):
    intact, loaded = switched_off
    assert poke.off_neurons(intact) == ()
    assert poke.off_neurons(loaded) == ((1, 5), (2, 2))
    # Painting a weight out of neuron 5 (into neuron 0 of layer 2) turns it back on.
    paint = {"op": "paint", "layer": 2, "neuron": 0, "cells": [{"row": 0, "col": 5, "weight": 1}]}
    assert poke.off_neurons(poke.Changes(edits=(paint,)).apply(loaded)) == ((2, 2),)


def test_a_switched_off_neurons_profile_is_zero_and_says_it_is_off(switched_off, digits):
    intact, loaded = switched_off
    x, y = digits
    alive = poke.neuron_profile(intact, x, y, 1, 5, count=10)
    assert alive.firing > 0.2 and alive.top_activation.min() > 0 and not alive.off
    off = poke.neuron_profile(loaded, x, y, 1, 5, count=10)
    assert off.off and off.firing == 0 and not off.class_firing.any()
    assert not off.top_activation.any() and not off.class_mean.any()
    np.testing.assert_array_equal(off.top, alive.top)  # ordered by z, its weighted input
    assert not poke.class_means(loaded, x, y, 2)[2].any()
    np.testing.assert_array_equal(poke.class_means(loaded, x, y, 1)[:5],
                                  poke.class_means(intact, x, y, 1)[:5])
    # The plain math of the forward pass still computes its σ(z).
    assert loaded.trace(x[:50]).activations[1][:, 5].max() > 0


def test_a_map_of_a_layer_reads_a_switched_off_neuron_as_zero(switched_off, digits):
    intact, loaded = switched_off
    a = intact.trace(digits[0]).activations[1].copy()
    a[:, 5] = 0
    points, _ = poke.pca(a)
    np.testing.assert_allclose(poke.embedding(loaded, digits[0], layer=1).points, points,
                               rtol=1e-4, atol=1e-4)


def test_the_network_diagram_draws_a_switched_off_neuron_dark(switched_off, digits):
    intact, loaded = switched_off
    # A digit it lights, but not most of its layer (circles are as bright as a / the largest).
    x = next(r for r in digits[0] if 0 < (a := intact.trace(r).activations[1][0])[5] < a.max())

    def first_layer_levels(net):
        circles = [p for p in viz.network_figure(net, x).axes[0].patches if isinstance(p, Circle)]
        return np.array([c.get_facecolor()[0] for c in circles[:16]])  # layer 1, in order

    lit, dark = first_layer_levels(intact), first_layer_levels(loaded)
    assert lit[5] > 0 and dark[5] == 0
    np.testing.assert_allclose(np.delete(dark, 5), np.delete(lit, 5))
