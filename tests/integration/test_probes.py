"""digitnet.probes: the numbers behind the pictures, checked against their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import inputs, modelfile, probes
from digitnet.errors import ConfigError, DataError
from digitnet.network import Network

pytestmark = pytest.mark.engine_independent  # (trains nothing itself: probes of given nets)


@pytest.fixture(scope="module")
def net(small_model):
    """The default-recipe network trained for 3 epochs on 3,000 real digits."""
    return modelfile.load(small_model)


@pytest.fixture(scope="module")
def held_out(mnist):
    """200 real digits from the end of the prefix (the small model trained on a stratified draw)."""
    return mnist.x[-200:], mnist.labels[-200:]


def test_single_input_takes_one_image_in_any_shape(held_out):
    net = Network(seed=0)
    digit = held_out[0][0]
    row = probes.single_input(net, digit)
    assert row.shape == (784,) and row.dtype == np.float64
    np.testing.assert_array_equal(row, digit.reshape(-1) * (1 / 255))  # as network.as_inputs scales
    np.testing.assert_array_equal(probes.single_input(net, row.reshape(28, 28)), row)
    with pytest.raises(DataError, match="expected one image, got 2"):
        probes.single_input(net, held_out[0][:2])


# -- what neurons look for --------------------------------------------------------------------


def test_effective_templates_are_the_product_of_the_weight_matrices():
    net = Network((784, 12, 7, 5, 10), activation="tanh", seed=3)
    w1, w2, w3, w4 = (w.astype(np.float64) for w in net.weights)
    np.testing.assert_array_equal(probes.effective_templates(net, 1), w1)
    np.testing.assert_allclose(probes.effective_templates(net, 2), w2 @ w1, rtol=1e-12)
    np.testing.assert_allclose(probes.effective_templates(net, 4),
                               np.linalg.multi_dot([w4, w3, w2, w1]), rtol=1e-10)
    # Row by row, as the sum over paths it is: template[j, i] = Σ_k w2[j, k] w1[k, i].
    t = probes.effective_templates(net, 2)
    assert t[4, 300] == pytest.approx(sum(w2[4, k] * w1[k, 300] for k in range(12)))
    for bad, said in ((0, "is the input layer: it has no weights"), (5, "does not exist")):
        with pytest.raises(ConfigError) as e:
            probes.effective_templates(net, bad)
        assert str(e.value) == (f"layer {bad} {said}; this 784-12-7-5-10 network's layers with "
                                "weights are 1 (the first hidden layer) to 4 (the output layer)")


# -- how one input flows through the network --------------------------------------------------


def test_most_active_keeps_the_largest_in_index_order():
    a = np.array([0.3, -2.0, 5.0, 0.0, 1.5, 4.0])
    assert probes.most_active(a, 3).tolist() == [2, 4, 5]
    assert probes.most_active(a, 6).tolist() == [0, 1, 2, 3, 4, 5]
    assert probes.most_active(a, 10).tolist() == [0, 1, 2, 3, 4, 5]


def test_strongest_contributions_are_the_largest_terms_weakest_first():
    rng = np.random.default_rng(4)
    w = rng.normal(size=(6, 9))
    a_prev = rng.uniform(0, 1, 9)
    a_prev[[2, 7]] = 0.0  # unlit inputs contribute nothing, and are never drawn
    rows, cols = np.array([0, 2, 3, 5]), np.array([1, 2, 4, 6, 7, 8])
    i, j, strength = probes.strongest_contributions(w, a_prev, rows, cols, 5)
    # Every term, by brute force: (|w a|, position in rows, position in cols).
    terms = sorted((abs(w[r, c] * a_prev[c]), p, q) for p, r in enumerate(rows)
                   for q, c in enumerate(cols) if a_prev[c] != 0)
    assert list(zip(strength, i, j)) == terms[-5:]
    assert np.all(np.diff(strength) >= 0)
    i, j, strength = probes.strongest_contributions(w, a_prev, rows, cols, 100)
    assert len(strength) == 4 * 4  # the terms of the 4 lit inputs, no more
    i, j, strength = probes.strongest_contributions(w, np.zeros(9), rows, cols, 5)
    assert len(i) == len(j) == len(strength) == 0


def test_confident_mistakes_are_the_surest_wrong_answers(net, held_out):
    images, labels = held_out
    rows = inputs.of(net).rows(images)  # deskewed, as the network reads them
    proba = net.predict_proba(images)
    np.testing.assert_array_equal(proba, net.probabilities(rows))
    wrong = np.flatnonzero(proba.argmax(axis=1) != labels)
    assert len(wrong) > 5  # a 3-epoch network on 200 held-out digits makes some
    index, answer, confidence, n_wrong = probes.confident_mistakes(net, rows, labels, 5)
    assert n_wrong == len(wrong) and len(index) == 5
    assert set(index) <= set(wrong.tolist())
    np.testing.assert_array_equal(answer, proba[index].argmax(axis=1))
    np.testing.assert_array_equal(confidence, proba[index, answer])
    assert np.all(np.diff(confidence) <= 0)  # surest first
    others = np.setdiff1d(wrong, index)
    assert proba[others, proba[others].argmax(axis=1)].max() <= confidence.min()
    right = probes.confident_mistakes(net, rows, proba.argmax(axis=1), 5)
    assert len(right[0]) == 0 and right[3] == 0


# -- gradients with respect to the input ------------------------------------------------------


def finite_difference_gradient(net: Network, x: np.ndarray, digit: int, eps: float = 1e-6):
    """∂z_digit/∂x by central differences, all 784 pixels in one batch (through the pass
    itself, Network._trace: x ± eps leaves [0, 1] at pixels 0 and 1, which trace refuses)."""
    steps = np.eye(784) * eps
    z_plus = net._trace(x + steps).zs[-1][:, digit]
    z_minus = net._trace(x - steps).zs[-1][:, digit]
    return (z_plus - z_minus) / (2 * eps)


@pytest.mark.parametrize("activation, output", [("relu", "softmax"), ("sigmoid", "softmax"),
                                                ("tanh", "sigmoid"), ("leaky_relu", "softmax")])
def test_saliency_is_the_gradient_of_the_output_z(held_out, activation, output):
    net = Network((784, 20, 12, 10), activation=activation, output=output, seed=5, dtype=np.float64)
    x = held_out[0][7].reshape(-1) / 255.0
    gradient, digit = probes.saliency(net, x)
    assert digit == net.predict(x)
    expected = finite_difference_gradient(net, x, digit)
    np.testing.assert_allclose(gradient, expected, rtol=1e-5, atol=1e-7)
    other, _ = probes.saliency(net, x, digit=(digit + 1) % 10)
    np.testing.assert_allclose(other, finite_difference_gradient(net, x, (digit + 1) % 10),
                               rtol=1e-5, atol=1e-7)


def test_saliency_of_the_trained_model_matches_finite_differences(net, held_out):
    x = held_out[0][3].reshape(-1) / 255.0
    gradient, digit = probes.saliency(net, x)
    row = probes.example_row(net, x)  # the gradient is at the row the model reads: deskewed
    expected = finite_difference_gradient(net.astype(np.float64), row, digit)
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("digit", [0, 5, 8])
def test_dream_excites_its_digit_within_the_limits(net, digit):
    x = probes.dream(net, digit, seed=1, max_norm=9.0)
    start = np.random.default_rng(1).uniform(0, 0.1, 784)  # where the ascent began
    p_start, p_dream = net.predict_proba(start)[digit], net.predict_proba(x)[digit]
    assert p_dream > p_start and p_dream > 0.9
    assert net.forward(x)[digit] > net.forward(start)[digit]
    assert x.min() >= 0 and x.max() <= 1 and np.linalg.norm(x) <= 9.0 + 1e-9
    np.testing.assert_array_equal(x, probes.dream(net, digit, seed=1, max_norm=9.0))


def test_dream_with_sigmoid_outputs_and_bad_arguments():
    net = Network((784, 16, 10), activation="sigmoid", output="sigmoid", seed=2)
    x = probes.dream(net, 4, steps=100)
    assert net.predict_proba(x)[4] > net.predict_proba(np.full(784, 0.05))[4]
    with pytest.raises(ConfigError, match="digit must be between 0 and 9"):
        probes.dream(net, 10)
    with pytest.raises(ConfigError, match="steps"):
        probes.dream(net, 1, steps=0)


def test_a_layer_is_a_whole_number_as_poking_reads_one():
    # probes.check_layer, the one check of a layer: 2.0 names layer 2 (as poke.class_means and
    # Changes read it), and 1.5, "1" and True are refused in one line (they met Python's own
    # "slice indices must be integers" and "'<=' not supported" errors)
    net = Network((784, 12, 7, 5, 10), activation="tanh", seed=3)
    np.testing.assert_array_equal(probes.effective_templates(net, 2.0),
                                  probes.effective_templates(net, 2))
    for bad in (1.5, "1", True, None):
        with pytest.raises(ConfigError) as e:
            probes.effective_templates(net, bad)
        assert str(e.value) == f"layer: expected a whole number, got {bad!r}"


def test_a_dreamed_digit_is_a_whole_number():
    # 3.5 met NumPy's "only integers ... are valid indices"; True dreamed of a 1
    net = Network((784, 12, 10), seed=3)
    for bad in (3.5, True, "3"):
        with pytest.raises(ConfigError) as e:
            probes.dream(net, bad, steps=2)
        assert str(e.value) == f"digit: expected a whole number, got {bad!r}"
    np.testing.assert_array_equal(probes.dream(net, 3.0, steps=2), probes.dream(net, 3, steps=2))
