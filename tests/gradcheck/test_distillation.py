"""Knowledge distillation's cost and gradient against their definitions (digitnet.distillation).

C = (1 - w)(-log softmax(z)_y) + w T² KL(softmax(z_t / T) ‖ softmax(z / T)), batch-averaged.
Central differences of C, in float64, against Teacher.delta and against the NumPy engine's
whole-network gradient with a teacher. Step 1e-6 on costs of order 1: truncation error
O(h²) ~ 1e-12 and rounding ~ 1e-16 / 1e-6 = 1e-10 per difference, so relative errors above
1e-6 would be a wrong formula, not arithmetic.
"""

import numpy as np
import pytest

from digitnet import Network, inputs
from digitnet.distillation import Teacher, smoothing, soft_targets
from digitnet.engines.numpy import Workspace


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-30)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def the_cost(z, labels, q, t, w):
    """C written out from its definition, with no shortcut shared with the module."""
    p, p_t = softmax(z), softmax(z / t)
    hard = -np.log(p[np.arange(len(labels)), labels])
    kl = np.sum(q * np.log(q / p_t), axis=1)
    return np.mean((1 - w) * hard + w * t * t * kl)


@pytest.mark.parametrize("t, w", [(1.0, 0.0), (1.0, 1.0), (2.0, 0.5), (4.0, 0.3), (8.0, 0.9)])
def test_delta_is_the_gradient_of_the_cost(t, w):
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, (6, 10))
    labels = rng.integers(0, 10, 6)
    q = softmax(rng.normal(0, 3, (6, 10)) / t)
    teacher = Teacher(q, t, w)
    assert teacher.loss(z, labels, q) == pytest.approx(the_cost(z, labels, q, t, w), rel=1e-12)
    numeric = np.zeros_like(z)
    for i in np.ndindex(z.shape):
        old = z[i]
        z[i] = old + 1e-6
        plus = the_cost(z, labels, q, t, w)
        z[i] = old - 1e-6
        minus = the_cost(z, labels, q, t, w)
        z[i] = old
        numeric[i] = (plus - minus) / 2e-6
    assert relative_error(teacher.delta(z, softmax(z), labels, q), numeric) < 1e-6


def test_with_no_weight_it_is_plain_cross_entropy():
    rng = np.random.default_rng(1)
    z, labels = rng.normal(0, 2, (5, 10)), rng.integers(0, 10, 5)
    q = softmax(rng.normal(0, 2, (5, 10)))
    net = Network((3, 10), "relu", "softmax", dtype=np.float64)
    out = net.output_function
    plain = Teacher(q, 3.0, 0.0)
    assert plain.loss(z, labels, q) == pytest.approx(out.loss(z, softmax(z), labels), rel=1e-12)
    np.testing.assert_allclose(plain.delta(z, softmax(z), labels, q),
                               out.delta(z, softmax(z), labels), rtol=1e-12, atol=1e-15)


def network_cost(net, x, labels, q, t, w):
    a = x
    for l, (wt, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ wt.T + b
        a = net.activation.forward(z.copy()) if l < len(net.weights) - 1 else z
    return the_cost(a, labels, q, t, w)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_the_engines_gradient_with_a_teacher(activation, mnist):
    rng = np.random.default_rng(2)
    images = mnist.x[:8, ::4, ::4].reshape(8, 49)  # real digits at 7x7: a quick check
    labels = mnist.labels[:8].astype(np.intp)
    net = Network((49, 9, 7, 10), activation, "softmax", seed=rng, dtype=np.float64)
    net.params += rng.normal(0, 0.1, net.params.size)
    q = softmax(rng.normal(0, 2, (8, 10)))
    teacher = Teacher(q, 3.0, 0.6)
    ws = Workspace(net, 8, teacher=teacher)
    x = ws.load_batch(images, np.arange(8)).copy()
    loss = ws.gradient(8, labels, targets=q)
    assert loss == pytest.approx(network_cost(net, x, labels, q, 3.0, 0.6), rel=1e-12)
    numeric = np.zeros_like(net.params)
    for i in range(net.params.size):
        old = net.params[i]
        net.params[i] = old + 1e-6
        plus = network_cost(net, x, labels, q, 3.0, 0.6)
        net.params[i] = old - 1e-6
        minus = network_cost(net, x, labels, q, 3.0, 0.6)
        net.params[i] = old
        numeric[i] = (plus - minus) / 2e-6
    assert relative_error(ws.grads, numeric) < 1e-6


def test_soft_targets_read_through_the_teachers_input_record(mnist):
    teacher = Network((784, 12, 10), "relu", seed=3)
    teacher.metadata["input"] = inputs.Images((28, 28), deskew=True).to_dict()
    images = mnist.x[:40]
    got = soft_targets(teacher, images, 2.5)
    by_hand = softmax(teacher.trace(inputs.deskew(images).reshape(40, 784)).zs[-1] / 2.5)
    # float32 logits divided by T, softmax in float64, stored as float32: within 1e-6.
    np.testing.assert_allclose(got, by_hand, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=1), 1, atol=1e-6)
    raw = softmax(teacher.trace(images.reshape(40, 784)).zs[-1] / 2.5)
    assert np.abs(got - raw).max() > 1e-3  # deskewing changed what the teacher saw


@pytest.mark.parametrize("share", [0.05, 0.1, 0.3])
def test_label_smoothing_is_pytorchs_cross_entropy_with_label_smoothing(share):
    """smoothing() gives PyTorch's gradient of cross-entropy with label_smoothing=ε (an
    implementation written apart from ours), and its cost less the constant ε log K."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    z, labels = rng.normal(0, 3, (7, 10)), rng.integers(0, 10, 7)
    teacher = smoothing(7, 10, share)
    targets = teacher.targets[np.arange(7)]
    logits = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    cost = torch.nn.functional.cross_entropy(logits, torch.tensor(labels), label_smoothing=share)
    cost.backward()
    # The targets are float32, 1/10 off by d = |float32(0.1) - 0.1| (1.5e-9): the cost, ε times
    # sum_k q (log q - log p_k) per example, moves by at most ε d sum_k |log q + 1 - log p_k|,
    # and each entry of the batch-mean gradient by ε d / 7; the rest is float64 rounding
    # (1e-12 of the cost and 1e-15 of the gradient's entries, of order 0.1).
    d = abs(float(np.float32(0.1)) - 0.1)
    log_p = np.log(softmax(z))
    bound = share * d * np.abs(np.log(0.1) + 1 - log_p).sum(axis=1).mean() + 1e-12 * cost.item()
    assert abs(teacher.loss(z, labels, targets) + share * np.log(10) - cost.item()) <= bound
    np.testing.assert_allclose(teacher.delta(z, softmax(z), labels, targets),
                               logits.grad.numpy(), rtol=0, atol=share * d / 7 + 1e-15)
