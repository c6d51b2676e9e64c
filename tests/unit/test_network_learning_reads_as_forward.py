"""Network.trace, loss and backprop read and refuse their rows as Network.forward does (one
check: digitnet.brightness.check_given); Network.unflatten of an array that is not the
network's flat parameters, and poke.Step.weight_changes of a layer that has no weights, say so
in one line.

Before, the README's "build and train by hand" loop with the /255 forgotten gave no error and
trained on pixels 255 times too bright: backprop, loss and trace read floats 0..255 and int64
0..255 as they were, where forward refused them. unflatten(np.zeros(10)) met NumPy's "cannot
reshape array of size 10 into shape (16,784)", and weight_changes(0) returned layer 3's changes
by Python's negative indexing (4: an IndexError).
"""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import Network, inputs, poke
from digitnet.errors import ConfigError, DataError

pytestmark = pytest.mark.engine_independent  # (nothing is trained)


def _net(deskew: bool | None) -> Network:
    """The video's network, built by hand (None) or recording its input as a trained one does."""
    net = Network((784, 16, 16, 10), activation="sigmoid", output="sigmoid", seed=0)
    if deskew is not None:
        net.metadata["input"] = inputs.Images((28, 28), deskew=deskew).to_dict()
    return net


@pytest.fixture(scope="module")
def batch(mnist):
    """32 real digits as uint8 rows (32, 784), and their labels."""
    return mnist.x[:32].reshape(32, 784), mnist.labels[:32].astype(np.intp)


LEARNING = {"trace": lambda net, x, y: net.trace(x), "loss": lambda net, x, y: net.loss(x, y),
            "backprop": lambda net, x, y: net.backprop(x, y)}


@pytest.mark.parametrize("deskew", [None, False, True])
@pytest.mark.parametrize("method", LEARNING)
def test_pixels_0_to_255_not_divided_are_refused_as_forward_refuses_them(batch, deskew, method):
    x, y = batch
    net = _net(deskew)
    for forgot in (x.astype(np.float64), x.astype(np.float32), x.astype(np.int64)):
        with pytest.raises(DataError) as forward_said:
            net.forward(forgot)
        with pytest.raises(DataError) as refused:
            LEARNING[method](net, forgot, y)
        assert str(refused.value) == str(forward_said.value)
        assert "\n" not in str(refused.value)


@pytest.mark.parametrize("method", LEARNING)
def test_pixels_read_as_forward_reads_them_give_the_same_numbers(batch, method):
    """uint8 pixels and the same / 255 as floats: the same pass, as before."""
    x, y = batch
    net = _net(None)
    as_pixels, divided = LEARNING[method](net, x, y), LEARNING[method](net, x / 255, y)
    if method == "trace":
        np.testing.assert_allclose(as_pixels.output, net.forward(x), rtol=1e-6)
        np.testing.assert_allclose(divided.output, as_pixels.output, rtol=1e-5, atol=1e-7)
    elif method == "loss":
        assert divided == pytest.approx(as_pixels, rel=1e-5)
    else:
        assert divided[0] == pytest.approx(as_pixels[0], rel=1e-5)
        np.testing.assert_allclose(divided[1], as_pixels[1], rtol=1e-3, atol=1e-6)


def test_a_table_models_rows_are_read_as_they_are():
    """A network of 4 inputs (iris's columns) reads any finite numbers, as forward does."""
    net = Network((4, 3, 3), seed=0)
    x = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    loss, grads = net.backprop(x, [0, 2])
    assert np.isfinite(loss) and grads.shape == (net.parameter_count,)
    assert net.loss(x, [0, 2]) == pytest.approx(loss)


@pytest.mark.parametrize("flat, got", [(np.zeros(10), "shape (10,)"),
                                       (np.zeros((16, 784)), "shape (16, 784)"),
                                       (np.zeros(13003), "shape (13003,)"),
                                       ([0.0] * 13002, "list")])
def test_unflatten_of_anything_but_the_flat_parameters_is_refused_in_one_line(flat, got):
    net = Network(seed=0)
    with pytest.raises(DataError) as refused:
        net.unflatten(flat)
    assert str(refused.value) == (
        "unflatten takes a flat array of this network's 13,002 parameters (shape (13002,), as "
        f"params and backprop's gradient are); got {got}")


def test_unflatten_of_a_gradient_gives_views_shaped_as_the_layers(batch):
    net = _net(None)
    _, grads = net.backprop(*batch)
    w, b = net.unflatten(grads)
    assert [g.shape for g in w] == [m.shape for m in net.weights]
    assert [g.shape for g in b] == [v.shape for v in net.biases]
    w[0][0, 0] = 7.0
    assert grads[0] == 7.0  # (a view: the same numbers)


@pytest.mark.parametrize("layer, said", [
    (0, "layer 0 is the input layer: it has no weights"), (-1, "layer -1 does not exist"),
    (4, "layer 4 does not exist")])
def test_a_steps_weight_changes_of_a_layer_without_weights_are_refused(batch, layer, said):
    x, y = batch
    step = poke.backprop_step(_net(False), x[0], label=int(y[0]), lr=0.5)
    with pytest.raises(ConfigError) as refused:
        step.weight_changes(layer)
    assert str(refused.value) == (
        f"{said}; this 784-16-16-10 network's layers with weights are 1 (the first hidden "
        "layer) to 3 (the output layer)")


def test_a_steps_weight_changes_are_those_of_each_layer(batch):
    x, y = batch
    net = _net(False)
    step = poke.backprop_step(net, x[0], label=int(y[0]), lr=0.5)
    for layer in (1, 2, 3, 2.0):
        changes = step.weight_changes(layer)
        moved = step.network_after.weights[int(layer) - 1] - net.weights[int(layer) - 1]
        assert changes.shape == net.weights[int(layer) - 1].shape
        np.testing.assert_allclose(changes, moved, atol=1e-6)
