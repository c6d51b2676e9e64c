"""Backpropagation against central differences in float64, for every activation and cost pair.

And against an independent oracle: scikit-learn's MLPClassifier computes the same gradient
for the same weights (softmax + cross-entropy; its cost averages over the batch like ours).
"""

import numpy as np
import pytest

from digitnet import Network, activations, losses
from digitnet.engines.numpy import Workspace


def numeric_gradient(net, x, y, eps=1e-6):
    grad = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + eps
        plus = net.loss(x, y)
        net.params[i] = old - eps
        minus = net.loss(x, y)
        net.params[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-30)


@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
def test_backprop_matches_central_differences(activation, output, mnist):
    rng = np.random.default_rng(0)
    # Real digits, downsampled to 7x7 so the check stays quick; weights big enough to matter.
    images = mnist.x[:8, ::4, ::4].reshape(8, 49) / 255.0
    labels = mnist.labels[:8].astype(int)
    net = Network((49, 9, 7, 10), activation, output, seed=rng, dtype=np.float64)
    net.params += rng.normal(0, 0.1, net.params.size)  # non-zero biases too
    loss, grads = net.backprop(images, labels)
    assert loss == pytest.approx(net.loss(images, labels))
    assert relative_error(grads, numeric_gradient(net, images, labels)) < 1e-6


@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
def test_fast_path_equals_reference(activation, output, mnist):
    """The buffered Workspace computes what Network.backprop computes."""
    net = Network((784, 16, 16, 10), activation, output, seed=1)
    ws = Workspace(net, 32, image_shape=(28, 28))
    pixels = mnist.x.reshape(len(mnist), 784)
    for b in (32, 7):  # a full batch, then a short last batch
        index = np.arange(100, 100 + b)
        x = ws.load_batch(pixels, index)
        np.testing.assert_allclose(x, pixels[index] / 255.0, rtol=1e-6)
        labels = mnist.labels[index].astype(np.intp)
        loss = ws.gradient(b, labels)
        ref_loss, ref_grads = net.backprop(x.copy(), labels)
        assert loss == pytest.approx(ref_loss, rel=1e-6)
        np.testing.assert_allclose(ws.grads, ref_grads, rtol=1e-4, atol=1e-7)


def test_gradient_agrees_with_scikit_learn(mnist):
    """An independent implementation: scikit-learn's MLP backprop on the same weights."""
    from sklearn.neural_network import MLPClassifier

    x = mnist.x[:50].reshape(50, 784) / 255.0
    y = mnist.labels[:50].astype(int)
    net = Network((784, 16, 16, 10), "relu", "softmax", seed=3, dtype=np.float64)
    net.biases[0][:] = 0.05
    loss, grads = net.backprop(x, y)
    grad_w, grad_b = net.unflatten(grads)

    clf = MLPClassifier(hidden_layer_sizes=(16, 16), activation="relu", alpha=0.0)
    clf._label_binarizer = None
    clf.n_outputs_, clf.n_layers_, clf.out_activation_ = 10, 4, "softmax"
    clf.coefs_ = [w.T.copy() for w in net.weights]
    clf.intercepts_ = [b.copy() for b in net.biases]
    activations_ = [x] + [None] * 3
    deltas = [None] * 3
    coef_grads = [np.empty_like(c) for c in clf.coefs_]
    intercept_grads = [np.empty_like(b) for b in clf.intercepts_]
    onehot = np.eye(10)[y]
    sk_loss, coef_grads, intercept_grads = clf._backprop(
        x, onehot, None, activations_, deltas, coef_grads, intercept_grads)
    assert loss == pytest.approx(sk_loss, rel=1e-10)
    for l in range(3):
        np.testing.assert_allclose(grad_w[l], coef_grads[l].T, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(grad_b[l], intercept_grads[l], rtol=1e-9, atol=1e-12)


def test_shifted_batches_equal_the_reference_shift(mnist):
    from digitnet.augment import shift_images, shift_offsets

    net = Network(seed=0)
    ws = Workspace(net, 64, image_shape=(28, 28), max_shift=2)
    pixels = mnist.x.reshape(len(mnist), 784)
    rng = np.random.default_rng(3)
    index = rng.choice(len(mnist), 50, replace=False)
    ids = rng.integers(0, 25, 50)
    x = ws.load_batch(pixels, index, ids)
    shifts = np.array(shift_offsets(2))[ids]
    expected = shift_images(pixels[index], shifts, (28, 28)) / 255.0
    np.testing.assert_allclose(x, expected, rtol=1e-6)
    assert (shifts != 0).any(axis=1).sum() > 40  # most images really moved
