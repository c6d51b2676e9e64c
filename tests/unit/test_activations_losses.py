import warnings

import numpy as np
import pytest

from digitnet import activations, losses


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_huge_inputs(dtype):
    z = np.array([-1000, -100, 0, 100, 1000], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = activations.get("sigmoid")(z)
    assert a.dtype == dtype and np.all(np.isfinite(a))
    np.testing.assert_allclose(a, [0, 0, 0.5, 1, 1], atol=1e-30)


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_derivative_matches_central_difference(name):
    act = activations.get(name)
    z = np.linspace(-4, 4, 81) + 0.013  # avoid the ReLU kink at exactly 0
    h = 1e-6
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z, act(z)), numeric, rtol=1e-6, atol=1e-8)
    delta = np.ones_like(z) * 3
    np.testing.assert_allclose(act.backward(delta, z, act(z)), 3 * numeric, rtol=1e-6, atol=1e-8)


def test_activation_values():
    z = np.array([-2.0, 0.5])
    np.testing.assert_allclose(activations.get("relu")(z), [0, 0.5])
    np.testing.assert_allclose(activations.get("leaky_relu")(z), [-0.02, 0.5])
    np.testing.assert_allclose(activations.get("tanh")(z), np.tanh(z))
    np.testing.assert_allclose(activations.get("sigmoid")(z), 1 / (1 + np.exp(-z)))


def test_softmax_cross_entropy_by_hand():
    out = losses.get("softmax")
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    a = out.forward(z)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(a[0], e / e.sum())
    np.testing.assert_allclose(a[1], [1 / 3] * 3)
    labels = np.array([2, 0])
    expected = (-np.log(e[2] / e.sum()) + np.log(3)) / 2
    assert out.loss(z, a, labels) == pytest.approx(expected)
    delta = out.delta(z, a, labels)
    np.testing.assert_allclose(delta, (a - np.eye(3)[labels]) / 2)


def test_cross_entropy_is_finite_when_probability_underflows():
    out = losses.get("softmax")
    z = np.array([[0.0, 2000.0]], dtype=np.float32)
    a = out.forward(z)
    assert a[0, 0] == 0
    assert out.loss(z, a, np.array([0])) == pytest.approx(2000)


def test_squared_error_is_the_videos_cost():
    out = losses.get("sigmoid")
    assert out.cost == "squared_error"
    z = np.array([[0.0, 1.0]])
    a = out.forward(z)
    y = np.array([1])
    expected = (a[0, 0] - 0) ** 2 + (a[0, 1] - 1) ** 2  # Σ_j (a_j - y_j)²
    assert out.loss(z, a, y) == pytest.approx(expected)
