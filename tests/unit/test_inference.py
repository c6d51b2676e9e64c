"""Network.forward, trace, predict and predict_proba against the exact (float64) forward pass.

The float32 results must lie within the running error bound of tests/helpers/float_bounds.py,
which follows from float32's rounding (see there), for every activation and output, uint8 pixels
and float inputs, single images and batches that fill the forward pass's blocks unevenly, and
bad inputs must be refused with one clear line.
"""

import numpy as np
import pytest

import float_bounds
from digitnet import Network, activations, losses
from digitnet.errors import DataError
from digitnet.network import BLOCK

BATCHES = [1, 3, 16, 100, BLOCK + 5]  # a single row, small batches, one block and a bit


def assert_within_bound(net, x, out=None):
    """``out`` (default: net.forward(x)) equals the exact output to within its error bound."""
    flat = np.asarray(x).reshape(len(x), -1)
    _, acts, errors = float_bounds.forward(net, flat)
    out = net.forward(x) if out is None else out
    assert out.dtype == net.dtype and out.shape == acts[-1].shape
    excess = np.abs(out - acts[-1]) - errors[len(acts) - 1]
    assert excess.max() <= 0, f"off by {excess.max():.3g} beyond the rounding bound"
    return acts[-1], errors[len(acts) - 1]


def pixels(rng, n, n_in=784):
    """uint8 images, about 60% black like MNIST's, with some all-black runs shared by all."""
    x = rng.integers(0, 256, (n, n_in), dtype=np.uint8)
    x[rng.random((n, n_in)) < 0.6] = 0
    x[:, : n_in // 5] = 0
    return x


def assert_forward_matches(net, x):
    exact, error = assert_within_bound(net, x)
    proba = net.predict_proba(x)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=len(exact[0]) * 4 * float_bounds.U)
    # predict is the brightest output: it must agree wherever the exact top two are further
    # apart than their error bounds
    order = np.argsort(exact, axis=1)
    rows = np.arange(len(exact))
    gap = exact[rows, order[:, -1]] - exact[rows, order[:, -2]]
    clear = gap > error[rows, order[:, -1]] + error[rows, order[:, -2]]
    np.testing.assert_array_equal(net.predict(x)[clear], exact.argmax(axis=1)[clear])
    assert clear.mean() > 0.9  # the check above is about most rows, not none
    t = net.trace(x)
    assert_within_bound(net, x, t.output)


@pytest.mark.parametrize("output", list(losses.OUTPUTS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_every_activation_and_output_is_within_rounding_of_the_exact_pass(activation, output):
    rng = np.random.default_rng(0)
    net = Network((784, 16, 16, 10), activation, output, seed=1)
    net.params[net.n_weights:] = rng.normal(0, 0.5, net.parameter_count - net.n_weights)  # biases
    for n in BATCHES:
        x = pixels(rng, n)
        assert_forward_matches(net, x)
        assert_forward_matches(net, (x / 255).astype(np.float32))
        assert_forward_matches(net, x / 255.0)  # float64 inputs, converted


@pytest.mark.parametrize("sizes", [(784, 10), (784, 37, 9, 21, 10), (20, 7, 6, 5, 3),
                                   (784, 128, 10), (784, 200, 10)])
def test_any_shape_of_network(sizes):
    """One layer, many layers, narrow and wide ones, inputs that are not 784 pixels."""
    rng = np.random.default_rng(len(sizes))
    net = Network(sizes, "tanh", seed=2)
    for n in (1, 100):
        assert_within_bound(net, pixels(rng, n, sizes[0]))
        assert_within_bound(net, rng.random((n, sizes[0]), dtype=np.float32))


def test_real_digits_as_pixels_and_as_floats(mnist):
    """Real MNIST digits, as uint8 pixels and as floats: the same bits (x / 255 either way)."""
    net = Network(seed=3, activation="relu")
    x = mnist.x[:1500]
    assert_forward_matches(net, x)
    floats = np.multiply(x.reshape(1500, 784), np.float32(1 / 255), dtype=np.float32)
    assert net.forward(x).tobytes() == net.forward(floats).tobytes()


def test_single_images():
    rng = np.random.default_rng(4)
    net = Network(seed=4)
    img = pixels(rng, 1)[0].reshape(28, 28)
    ref, error = assert_within_bound(net, img.reshape(1, 784))
    for x in (img, img.reshape(784), img / 255, (img / 255).astype(np.float32).reshape(784)):
        out = net.forward(x)
        assert out.shape == (10,)
        assert (np.abs(out - ref[0]) <= error[0]).all()
        assert net.predict(x) == int(ref.argmax()) and isinstance(net.predict(x), int)
        assert net.predict_proba(x).shape == (10,)
    assert net.forward(np.stack([img, img])).shape == (2, 10)


def test_any_memory_layout_and_empty_batches():
    rng = np.random.default_rng(5)
    net = Network((784, 16, 10), seed=5)
    x = pixels(rng, 60)
    expected = net.forward(x)
    np.testing.assert_allclose(net.forward(np.asfortranarray(x)), expected, rtol=1e-6)
    np.testing.assert_allclose(net.forward(x[::2]), expected[::2], rtol=1e-6)
    readonly = np.frombuffer(x.tobytes(), np.uint8).reshape(60, 784)
    np.testing.assert_allclose(net.forward(readonly), expected, rtol=1e-6)
    assert net.forward(np.zeros((0, 784), np.uint8)).shape == (0, 10)
    assert net.predict(np.zeros((0, 784), np.float32)).shape == (0,)
    # bools and other integers are numbers as they are (only uint8 means pixels)
    ones = np.ones((3, 784), bool)
    assert_within_bound(net, ones.astype(np.float64), net.forward(ones))


def test_changed_weights_are_seen():
    """Nothing about the parameters is cached between calls."""
    net = Network((784, 16, 10), seed=6)
    x = pixels(np.random.default_rng(6), 30)
    before = net.forward(x)
    net.params *= 2
    after = net.forward(x)
    assert not np.allclose(before, after)
    assert_within_bound(net, x, after)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("n, row, column", [(1, 0, 0), (100, 70, 783), (100, 99, 400)])
def test_nan_or_infinite_input_is_a_clear_error(bad, n, row, column):
    """Anywhere in any block; also where the first layer's weights are 0 (inf * 0 is NaN)."""
    net = Network((784, 16, 10), seed=7)
    net.weights[0][:, column] = 0
    x = np.random.default_rng(7).random((n, 784)).astype(np.float32)
    x[row, column] = bad
    with pytest.raises(DataError, match="inputs contain NaN or infinite values"):
        net.forward(x)
    with pytest.raises(DataError, match="NaN or infinite"):
        net.predict(x.astype(np.float64) if n > 1 else x[0])


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 100), np.uint8), r"expected inputs of shape \(n, 784\), got \(3, 100\)"),
    (np.zeros((2, 3, 28, 28), np.float32), r"got \(2, 3, 28, 28\)"),
    (np.zeros(783, np.float32), r"got \(783,\)"),
    (np.array(["a"] * 784), "numeric"),
    (np.zeros((1, 784), complex), "numeric"),
])
def test_wrong_inputs_are_clear_errors(bad, message):
    with pytest.raises(DataError, match=message):
        Network(seed=0).predict(bad)
