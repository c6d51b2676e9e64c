"""Network.forward, predict and predict_proba against a straightforward float64 forward pass.

Where digitnet's C kernel is built, ``Network.forward`` runs the layers in C
(:func:`digitnet.kernels.forward`); otherwise, and for networks the kernel does not take, it
runs the NumPy loop of network.py. Both must give what the plain float64 computation below gives,
to float32 rounding, for every activation and output, uint8 pixels and float inputs, single
images and batches of every size the C pass cuts differently (fewer rows than it transposes
for, groups of 6, blocks of 48, a remainder), and both must reject bad inputs the same way.
"""

import numpy as np
import pytest

from digitnet import Network, activations, kernels, losses
from digitnet.errors import DataError

BATCHES = [1, 3, 15, 16, 47, 100]  # below and at the C pass's transposing threshold, tails


@pytest.fixture(scope="module", autouse=True)
def kernel_built():
    if not kernels.available():
        pytest.fail("digitnet's compiled kernel is not built; install with `pip install -e .` "
                    "on a machine with a C compiler")


@pytest.fixture(params=["compiled", "numpy"])
def path(request, monkeypatch):
    """Run each test through the C forward pass, and again through the NumPy loop."""
    if request.param == "numpy":
        monkeypatch.setattr(kernels, "forward", lambda net, x: None)
    return request.param


def reference(net: Network, x: np.ndarray) -> np.ndarray:
    """The output activations in float64, one formula per function, no digitnet code."""
    a = x.astype(np.float64) / (255 if x.dtype == np.uint8 else 1)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ w.astype(np.float64).T + b
        if l < len(net.weights) - 1:
            a = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
                 "relu": lambda z: np.maximum(z, 0),
                 "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}[net.activation.name](z)
        elif net.output.name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        else:
            a = 1 / (1 + np.exp(-z))
    return a


def pixels(rng, n, n_in=784):
    """uint8 images, about 60% black like MNIST's, with some all-black runs shared by all."""
    x = rng.integers(0, 256, (n, n_in), dtype=np.uint8)
    x[rng.random((n, n_in)) < 0.6] = 0
    x[:, : n_in // 5] = 0
    return x


def assert_forward_matches(net, x, path):
    ref = reference(net, np.asarray(x).reshape(len(x), -1))
    out = net.forward(x)
    assert out.dtype == net.dtype and out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=2e-5, atol=2e-6)
    proba = net.predict_proba(x)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    # predict is the brightest output; compare where the reference's top two are clearly apart
    top2 = np.sort(ref, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-4
    np.testing.assert_array_equal(net.predict(x)[clear], ref.argmax(axis=1)[clear])
    if path == "compiled" and net.dtype == np.float32 and max(net.sizes[1:]) <= kernels.WIDEST_LAYER:
        assert kernels.forward(net, np.asarray(x).reshape(len(x), -1)) is not None


@pytest.mark.parametrize("output", list(losses.OUTPUTS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_every_activation_and_output_equals_the_reference(activation, output, path):
    rng = np.random.default_rng(0)
    net = Network((784, 16, 16, 10), activation, output, seed=1)
    net.params[net.n_weights:] = rng.normal(0, 0.5, net.parameter_count - net.n_weights)  # biases
    for n in BATCHES:
        x = pixels(rng, n)
        assert_forward_matches(net, x, path)
        assert_forward_matches(net, (x / 255).astype(np.float32), path)
        assert_forward_matches(net, x / 255.0, path)  # float64 inputs, converted


@pytest.mark.parametrize("sizes", [(784, 10), (784, 37, 9, 21, 10), (20, 7, 6, 5, 3),
                                   (784, 128, 10), (784, 200, 10)])
def test_any_shape_of_network(sizes, path):
    """Widths that are not multiples of the C pass's 16-neuron tiles, one layer, many layers,
    the widest layer it takes, and one it leaves to NumPy."""
    rng = np.random.default_rng(len(sizes))
    net = Network(sizes, "tanh", seed=2)
    for n in (1, 100):
        assert_forward_matches(net, pixels(rng, n, sizes[0]), path)
        assert_forward_matches(net, rng.random((n, sizes[0]), dtype=np.float32), path)


def test_real_digits_in_uint8_and_float_give_the_same(mnist, path):
    """Real MNIST digits, whose black frames the C pass skips, as pixels and as floats."""
    net = Network(seed=3, activation="relu")
    x = mnist.images[:500]
    assert_forward_matches(net, x, path)
    np.testing.assert_allclose(net.forward(x), net.forward(x.reshape(500, 784) / np.float32(255)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.forward(x), net.trace(x).output, rtol=1e-5, atol=1e-6)


def test_single_images(path):
    rng = np.random.default_rng(4)
    net = Network(seed=4)
    img = pixels(rng, 1)[0].reshape(28, 28)
    ref = reference(net, img.reshape(1, 784))[0]
    for x in (img, img.reshape(784), img / 255, (img / 255).astype(np.float32).reshape(784)):
        out = net.forward(x)
        assert out.shape == (10,)
        np.testing.assert_allclose(out, ref, rtol=2e-5, atol=2e-6)
        assert net.predict(x) == int(ref.argmax()) and isinstance(net.predict(x), int)
        assert net.predict_proba(x).shape == (10,)
    assert net.forward(np.stack([img, img])).shape == (2, 10)


def test_any_memory_layout_and_empty_batches(path):
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
    np.testing.assert_allclose(net.forward(ones), reference(net, ones.astype(np.float64)),
                               rtol=2e-5, atol=2e-6)


def test_changed_weights_are_seen(path):
    """Nothing about the parameters is cached between calls."""
    net = Network((784, 16, 10), seed=6)
    x = pixels(np.random.default_rng(6), 30)
    before = net.forward(x)
    net.params *= 2
    after = net.forward(x)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, reference(net, x), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("n, row, column", [(1, 0, 0), (100, 70, 783), (100, 99, 400)])
def test_nan_or_infinite_input_is_a_clear_error(bad, n, row, column, path):
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
def test_wrong_inputs_are_clear_errors(bad, message, path):
    with pytest.raises(DataError, match=message):
        Network(seed=0).predict(bad)


def test_the_c_pass_checks_its_buffers():
    """The kernel trusts nothing it is handed: a wrong length is an error, not a stray read."""
    from digitnet import _kernel

    net = Network((784, 16, 10), seed=8)
    plan = kernels._forward_plan(net.sizes, type(net.activation), type(net.output), net.dtype)
    x, out = np.zeros((4, 784), np.uint8), np.empty((4, 10), np.float32)
    assert _kernel.forward(plan, 0.0, net.params, x, True, out) is True
    with pytest.raises(ValueError, match="do not match"):
        _kernel.forward(plan, 0.0, net.params, x, True, out[:3])
    with pytest.raises(ValueError, match="do not match"):
        _kernel.forward(plan, 0.0, net.params[:-1], x, True, out)
    with pytest.raises(ValueError, match="do not match"):
        _kernel.forward(plan, 0.0, net.params, np.zeros((4, 700), np.uint8), True, out)
    with pytest.raises(ValueError, match="malformed plan"):
        _kernel.forward(plan[:3], 0.0, net.params, x, True, out)
    with pytest.raises(ValueError, match="do not match"):  # keep: one float short a row
        _kernel.forward(plan, 0.0, net.params, x, True, out, np.empty((4, 51), np.float32))


@pytest.mark.parametrize("output", list(losses.OUTPUTS))
@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
def test_the_c_trace_keeps_every_layer_as_network_trace_has_it(activation, output):
    """kernels.trace (the web page's z and a of every neuron) against Network.trace."""
    rng = np.random.default_rng(3)
    for sizes in [(784, 16, 16, 10), (784, 37, 9, 21, 10), (784, 10)]:
        net = Network(sizes, activation, output, seed=4)
        net.params[net.n_weights:] = rng.normal(0, 0.5, net.parameter_count - net.n_weights)
        for n in BATCHES:
            x = pixels(rng, n)
            for inputs in (x, (x / 255).astype(np.float32)):
                kept, finite = kernels.trace(net, inputs)
                t = net.trace(inputs)
                expected = np.concatenate([v for z, a in zip(t.zs, t.activations[1:])
                                           for v in (z, a)], axis=1)
                assert finite and kept.shape == expected.shape
                np.testing.assert_allclose(kept, expected, rtol=2e-5, atol=2e-5)
