"""Dropout in the NumPy engine against its definition.

Inverted dropout (Srivastava et al. 2014, as PyTorch's nn.Dropout): in training, each hidden
neuron of each example is set to 0 with probability p and the others are multiplied by
1 / (1 - p); the gradient is the gradient of the cost of that thinned network. Prediction uses
the whole network, unscaled.
"""

import math

import numpy as np
import pytest

from digitnet import Network, activations, losses
from digitnet.engines.numpy import Workspace


def thinned_cost(net, x, labels, keep):
    """The batch-mean cost of ``net`` with hidden layer l's activations multiplied by keep[l-1],
    written out from the definition (float64)."""
    a = x
    last = len(net.weights) - 1
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ w.T + b
        if l == last:
            return net.output_function.loss(z, net.output_function.forward(z.copy()), labels)
        a = net.activation.forward(z.copy()) * keep[l]


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-30)


@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
@pytest.mark.parametrize("output", list(losses.OUTPUTS))
def test_dropout_gradient_is_the_thinned_networks_gradient(activation, output, mnist):
    rng = np.random.default_rng(0)
    images = mnist.x[:8, ::4, ::4].reshape(8, 49)  # real digits at 7x7: a quick check
    labels = mnist.labels[:8].astype(np.intp)
    net = Network((49, 9, 7, 10), activation, output, seed=rng, dtype=np.float64)
    net.params += rng.normal(0, 0.1, net.params.size)
    ws = Workspace(net, 8, dropout=0.3)
    x = ws.load_batch(images, np.arange(8)).copy()
    loss = ws.gradient(8, labels, np.random.default_rng(5))
    keep = [k.copy() for k in ws.keep]
    for k in keep:  # each value is 0 (dropped) or 1 / (1 - p) (kept, scaled)
        assert set(np.unique(k)) <= {0.0, 1 / 0.7} and 0 < (k == 0).mean() < 1
    assert loss == pytest.approx(thinned_cost(net, x, labels, keep), rel=1e-12)
    numeric = np.zeros_like(net.params)
    for i in range(net.params.size):  # central differences, as tests/gradcheck's others
        old = net.params[i]
        net.params[i] = old + 1e-6
        plus = thinned_cost(net, x, labels, keep)
        net.params[i] = old - 1e-6
        minus = thinned_cost(net, x, labels, keep)
        net.params[i] = old
        numeric[i] = (plus - minus) / 2e-6
    assert relative_error(ws.grads, numeric) < 1e-6


def test_each_neuron_is_dropped_with_probability_p(mnist):
    net = Network((784, 64, 32, 10), "relu", seed=1)
    p, b = 0.25, 64
    ws = Workspace(net, b, dropout=p)
    pixels = mnist.x[:b].reshape(b, 784)
    ws.load_batch(pixels, np.arange(b))
    dropped = n = 0
    for step in range(20):
        ws.gradient(b, mnist.labels[:b].astype(np.intp), np.random.default_rng((0, step)))
        dropped += sum(int((k == 0).sum()) for k in ws.keep)
        n += sum(k.size for k in ws.keep)
    # n independent draws: the fraction dropped is within 5 standard deviations of p.
    assert abs(dropped / n - p) < 5 * math.sqrt(p * (1 - p) / n)
