"""digitnet.poke on real MNIST digits: ablation, what neurons answer to, maps, robustness and
one backpropagation step, each checked against its definition computed another way.

The networks here are untrained (unit tests train nothing): the identities hold for any weights.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digitnet import inputs, metrics, optimizers
from digitnet.engines.numpy import NumpyEngine
from digitnet.errors import ConfigError, DataError
from digitnet.network import Network
from digitnet import poke

EPS32 = float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def digits(mnist):
    """2,000 real digits (uint8 rows, labels) from the end of the prefix."""
    return mnist.x[-2000:].reshape(2000, 784), mnist.labels[-2000:].astype(np.intp)


def make(activation="relu", seed=0, sizes=(784, 16, 16, 10)) -> Network:
    net = Network(sizes, activation=activation, seed=seed)
    # Untrained networks answer nearly the same class for everything; biases spread the answers.
    net.biases[-1][...] = np.random.default_rng(seed).normal(0, 0.5, sizes[-1])
    return net


def forward_with_layer_masked(net: Network, x: np.ndarray, layer: int, mask: np.ndarray):
    """The video's forward pass written out, with layer ``layer``'s activations multiplied by
    ``mask`` (0 = switched off) before the next layer reads them: the definition of ablation."""
    a = x.astype(np.float32) / 255
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        z = a @ w.T + b
        a = net.output_function.forward(z) if l == len(net.weights) else net.activation.forward(z)
        if l == layer:
            a = a * mask
    return a.argmax(axis=1)


# -- switching neurons off --------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
@pytest.mark.parametrize("layer", [1, 2])
def test_ablating_every_neuron_of_a_layer_is_forcing_its_output_to_zero(digits, activation, layer):
    x, y = digits
    net = make(activation, seed=layer)
    off = tuple((layer, j) for j in range(net.sizes[layer]))
    result = poke.ablate(net, x, y, poke.Changes(off=off))
    # With a⁽ˡ⁾ = 0 every digit gets the same answer: what the layers after make of zeros.
    answer = forward_with_layer_masked(net, x[:1], layer, np.zeros(net.sizes[layer]))[0]
    assert result.score.accuracy == pytest.approx(np.mean(y == answer), abs=0)
    expected = np.zeros(10)
    expected[answer] = 1.0
    np.testing.assert_array_equal(result.score.per_class, expected)
    assert result.n == len(y)


def test_no_change_scores_the_intact_network_as_evaluate_does(digits):
    x, y = digits
    net = make()
    result = poke.ablate(net, x, y, poke.Changes())
    ev = metrics.evaluate(net, x, y)
    assert result.score == result.baseline
    assert result.baseline.accuracy == ev.accuracy
    np.testing.assert_array_equal(result.baseline.per_class, ev.per_class)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_set_switched_off_reads_as_the_masked_forward_pass(digits, data):
    x, y = digits[0][:500], digits[1][:500]
    net = make("sigmoid", seed=data.draw(st.integers(0, 5)))
    layer = data.draw(st.sampled_from([1, 2]))
    chosen = data.draw(st.sets(st.integers(0, 15), max_size=16))
    mask = np.ones(16, np.float32)
    mask[list(chosen)] = 0
    result = poke.ablate(net, x, y, poke.Changes(off=tuple((layer, j) for j in sorted(chosen))))
    # Zeroing a⁽ˡ⁾ⱼ or the weights out of it adds the same exact zeros to each weighted sum.
    assert result.score.accuracy == np.mean(forward_with_layer_masked(net, x, layer, mask) == y)


def test_the_ranking_is_each_neuron_switched_off_alone(digits):
    x, y = digits
    net = make("relu", seed=3)
    already = poke.Changes(off=((1, 0),))
    ranking = poke.rank_neurons(net, x, y, already)
    assert len(ranking) == 31 and (1, 0) not in {(d.layer, d.neuron) for d in ranking}
    drops = [d.drop for d in ranking]
    assert drops == sorted(drops, reverse=True)
    base = poke.ablate(net, x, y, already).score
    for d in ranking:
        alone = poke.ablate(net, x, y, poke.Changes(off=((1, 0), (d.layer, d.neuron)))).score
        assert d.accuracy == alone.accuracy and d.drop == pytest.approx(base.accuracy - alone.accuracy)
        np.testing.assert_allclose(d.per_class_drop, base.per_class - alone.per_class)
    assert [d.layer for d in poke.rank_neurons(net, x, y, layers=[2])] == [2] * 16
    with pytest.raises(ConfigError, match="output layer"):
        poke.rank_neurons(net, x, y, layers=[3])


def test_labels_must_match_the_examples(digits):
    x, y = digits
    with pytest.raises(DataError, match="expected 2000 integer labels"):
        poke.ablate(make(), x, y[:10])
    with pytest.raises(DataError, match="labels must lie in 0..9"):
        poke.ablate(make(), x, y + 1)


# -- what each neuron answers to --------------------------------------------------------------


def test_a_neuron_profile_is_its_activations_sorted_and_averaged_per_class(digits):
    x, y = digits
    net = make("relu", seed=1)
    t = net.trace(x)
    for layer, neuron in ((1, 5), (2, 9), (3, 4)):
        p = poke.neuron_profile(net, x, y, layer, neuron, count=12)
        a, z = t.activations[layer][:, neuron], t.z(layer)[:, neuron]
        assert len(p.top) == 12
        np.testing.assert_array_equal(p.top_activation, a[p.top])
        assert p.top_activation[-1] >= np.sort(a)[-12]  # no example outside the top is higher
        assert list(p.top_activation) == sorted(p.top_activation, reverse=True)
        ties = p.top_activation[:-1] == p.top_activation[1:]
        assert (z[p.top][:-1][ties] >= z[p.top][1:][ties]).all()  # equal a: larger z first
        for c in range(10):
            assert p.class_mean[c] == pytest.approx(a[y == c].mean(), rel=1e-6)
            assert p.class_firing[c] == pytest.approx(np.mean(z[y == c] > 0))
        assert p.firing == pytest.approx(np.mean(z > 0))
    means = poke.class_means(net, x, y, 2)
    assert means.shape == (16, 10)
    assert means[9, 3] == pytest.approx(t.activations[2][y == 3, 9].mean(), rel=1e-6)
    with pytest.raises(ConfigError, match="neuron 16 does not exist"):
        poke.neuron_profile(net, x, y, 1, 16)
    with pytest.raises(ConfigError, match="layer 0 is the input layer: it has no weights"):
        poke.neuron_profile(net, x, y, 0, 1)


# -- maps -------------------------------------------------------------------------------------


def test_pca_is_the_projection_on_the_top_singular_directions(digits):
    x = digits[0][:600]
    net = make("tanh", seed=2)
    for layer in (0, 1, 2):
        m = poke.embedding(net, x, layer)
        a = net.trace(x).activations[layer].astype(np.float64)
        centred = a - a.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        reference = centred @ vt[:2].T
        signs = np.sign(np.sum(m.points * reference, axis=0))  # directions are up to sign
        # eigh of the covariance and the SVD agree to about eps·cond·|a|, far above float64's eps
        np.testing.assert_allclose(m.points, reference * signs, atol=1e-6 * np.abs(a).max())
        np.testing.assert_allclose(m.explained, s[:2] ** 2 / np.sum(s ** 2), rtol=1e-8)
        assert m.points.shape == (600, 2) and m.layer == layer


def test_pca_pads_a_layer_narrower_than_the_map():
    points, explained = poke.pca(np.random.default_rng(0).normal(size=(50, 1)))
    assert points.shape == (50, 2) and not points[:, 1].any()
    assert explained[0] == pytest.approx(1.0) and explained[1] == 0


def test_map_methods_are_named():
    with pytest.raises(ConfigError, match="pca, tsne"):
        poke.embedding(make(), np.zeros((3, 784)), 1, method="umap")


# -- robustness -------------------------------------------------------------------------------


def test_distortions_at_level_zero_change_nothing_and_grow_with_the_level(digits):
    images = digits[0][:300].reshape(300, 28, 28) / 255.0
    rng = np.random.default_rng(0)
    for name in poke.DISTORTIONS:
        np.testing.assert_allclose(poke.distort(images, name, 0, rng), images, atol=1e-6)
        out = poke.distort(images, name, poke.DISTORTIONS[name][1][-1], rng)
        assert out.dtype == np.float32 and out.shape == images.shape
        assert out.min() >= 0 and out.max() <= 1
        assert np.abs(out - images).mean() > 0.02


def test_rotation_by_a_right_angle_is_rot90_and_shift_moves_pixels(digits):
    image = (digits[0][:1].reshape(1, 28, 28) / 255.0).astype(np.float32)
    turned = poke.robustness._rotate(image, 90)
    # cos 90° is 6e-17, not 0: the bilinear weights are off by about that (times the centre's
    # 13.5 pixels), far below float32's resolution of a brightness.
    np.testing.assert_allclose(turned[0], np.rot90(image[0]), atol=2 * EPS32)
    np.testing.assert_allclose(poke.robustness._rotate(image, -90)[0], np.rot90(image[0], k=-1),
                               atol=2 * EPS32)
    moved = poke.robustness._apply(image, "shift", 3, np.array([[0, 1]]))
    np.testing.assert_array_equal(moved[0, :, 3:], image[0, :, :-3])
    assert not moved[0, :, :3].any()


def test_thickening_is_grey_dilation_by_a_cross(digits):
    from scipy import ndimage

    images = digits[0][:50].reshape(50, 28, 28).astype(np.float32) / 255
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)
    for steps in (1, 2):
        expected = images
        for _ in range(steps):
            expected = ndimage.grey_dilation(expected, footprint=cross[None], mode="constant")
        np.testing.assert_array_equal(poke.robustness._thicken(images, steps), expected)
    eroded = ndimage.grey_erosion(images, footprint=cross[None], mode="constant", cval=0)
    np.testing.assert_array_equal(poke.robustness._thicken(images, -1), eroded)


def test_every_network_compared_sees_the_same_images(digits):
    images, y = digits[0][:400].reshape(400, 28, 28), digits[1][:400]
    net = make("relu", seed=5)
    levels = {"noise": (0, 0.3), "rotation": (0, 30)}
    one, two = poke.robustness_curves([net, net.copy()], images, y, levels, seed=3)
    for curve in (one, two):
        np.testing.assert_array_equal(curve.accuracy[0], curve.accuracy[1])
        assert curve.accuracy[0, 0] == metrics.evaluate(net, images, y).accuracy
    again = poke.robustness_curves(net, images, y, levels, seed=3)
    np.testing.assert_array_equal(again[0].accuracy[0], one.accuracy[0])


def test_robustness_needs_pictures():
    table = Network((13, 4, 3), seed=0)
    table.metadata = {"input": inputs.Table(tuple(f"c{i}" for i in range(13))).to_dict()}
    with pytest.raises(ConfigError, match="reads a table of 13 columns"):
        poke.robustness_curves(table, np.zeros((5, 28, 28), np.uint8), np.zeros(5, int))
    with pytest.raises(ConfigError, match="unknown distortion 'blur'"):
        poke.robustness_curves(make(), np.zeros((5, 28, 28), np.uint8), np.zeros(5, int),
                               {"blur": (1,)})


# -- backpropagation, one step ----------------------------------------------------------------


def deltas_by_hand(net: Network, x: np.ndarray, label: int) -> list[np.ndarray]:
    """δ⁽ᴸ⁾ = a - y for softmax with cross-entropy; δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾)."""
    t = net.trace(x[None])
    y = np.eye(net.sizes[-1])[label]
    deltas = [t.output[0] - y]
    for l in range(len(net.weights) - 1, 0, -1):
        sigma_prime = net.activation.derivative(t.zs[l - 1][0], t.activations[l][0])
        deltas.insert(0, (net.weights[l].T @ deltas[0]) * sigma_prime)
    return deltas


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_a_step_reports_the_deltas_of_the_chain_rule(digits, activation):
    net = make(activation, seed=7).astype(np.float64)
    x, label = digits[0][11], 4
    step = poke.backprop_step(net, x, label, lr=0.05)
    for mine, hand in zip(step.deltas, deltas_by_hand(net, x, label)):
        np.testing.assert_allclose(mine, hand, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(step.wanted, np.eye(10)[label] - step.probabilities, atol=1e-14)
    a0 = x / 255.0
    np.testing.assert_allclose(step.weight_gradients[0], np.outer(step.deltas[0], a0), atol=1e-14)
    np.testing.assert_allclose(step.weight_changes(1), -0.05 * step.weight_gradients[0])
    assert step.cost == pytest.approx(-np.log(step.probabilities[label]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, 1999), label=st.integers(0, 9), activation=st.sampled_from(["relu", "sigmoid"]))
def test_a_small_step_lowers_the_cost_on_that_example(digits, index, label, activation):
    # Small: the cost falls by about lr·|g|² to first order, and the second-order term (lr²
    # times the curvature) must not undo it; at lr 0.01 hypothesis found a ReLU network whose
    # cost rose (2.5019 to 2.5033), so the step here is 1e-4.
    net = make(activation, seed=index % 3).astype(np.float64)  # float64: no rounding in the way
    before = net.params.copy()
    step = poke.backprop_step(net, digits[0][index], label, lr=1e-4)
    assert step.cost_after < step.cost
    assert step.cost_after == pytest.approx(step.network_after.loss(digits[0][index][None], [label]))
    np.testing.assert_array_equal(net.params, before)  # the step was taken on a copy


def test_a_step_is_one_step_of_the_training_engine_with_sgd(digits):
    net = make("relu", seed=8)
    x, label, lr = digits[0][5:6], 3, 0.2
    step = poke.backprop_step(net, x[0], label, lr=lr)
    trained = net.copy()
    sgd = optimizers.make("sgd", trained.parameter_count, momentum=0.0)
    steps = NumpyEngine().steps(trained, sgd, x, np.array([label]), batch_size=1)
    [loss] = steps.run(np.array([0]), None, 0, 1, [lr])
    assert loss == pytest.approx(step.cost, rel=1e-6)
    # Both sum the same products in float32: each gradient entry may differ by its sums'
    # rounding, at most about n_in · eps · |largest gradient|, and the step multiplies by lr.
    _, grads = net.backprop(x, np.array([label]))
    bound = lr * 784 * EPS32 * np.abs(grads).max() + EPS32 * np.abs(net.params).max()
    np.testing.assert_allclose(step.network_after.params, trained.params, rtol=0, atol=bound)
    assert step.digit_after == int(trained.predict(x[0]))


def test_a_switched_off_neuron_stays_off_after_a_step(digits):
    net = make("relu", seed=9)
    off = poke.Changes(off=((1, 2), (2, 7)))
    changed = off.apply(net)
    step = poke.backprop_step(changed, digits[0][0], 5, lr=0.5, off=off.off)
    assert not step.network_after.weights[1][:, 2].any()
    assert not step.network_after.weights[2][:, 7].any()
    assert step.cost_after < step.cost


@pytest.mark.parametrize("label,lr,words", [
    (11, 0.1, "label must be a class from 0 to 9, got 11"),
    (-1, 0.1, "got -1"),
    (True, 0.1, "got True"),
    (3, 0.0, "positive number"),
    (3, float("nan"), "positive number"),
])
def test_bad_labels_and_learning_rates(digits, label, lr, words):
    with pytest.raises(ConfigError, match=words):
        poke.backprop_step(make(), digits[0][0], label, lr=lr)
    with pytest.raises(DataError, match="one input, got 2"):
        poke.backprop_step(make(), digits[0][:2], 3)


def test_the_largest_changes_are_found_across_layers(digits):
    step = poke.backprop_step(make("sigmoid", seed=1), digits[0][3], 2, lr=0.1)
    every = [(l, j, k, -0.1 * float(g[j, k])) for l, g in enumerate(step.weight_gradients, 1)
             for j in range(g.shape[0]) for k in range(g.shape[1])]
    every.sort(key=lambda c: -abs(c[3]))
    top = step.largest_changes(6)
    assert [c[:3] for c in top] == [c[:3] for c in every[:6]]
    np.testing.assert_allclose([c[3] for c in top], [c[3] for c in every[:6]], rtol=1e-6)


# -- a model that reads a table ---------------------------------------------------------------


def test_a_table_model_is_poked_through_its_own_input_and_classes():
    """scikit-learn's wine measurements (13 columns, 3 classes): rows through inputs.of(net)."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    table = inputs.Table(tuple(wine.feature_names)).fit(wine.data)
    net = Network((13, 8, 6, 3), activation="tanh", seed=2)
    net.metadata = {"input": table.to_dict(), "classes": list(wine.target_names)}
    rows, labels = inputs.of(net).rows(wine.data), wine.target
    result = poke.ablate(net, rows, labels, poke.Changes(off=((1, 3),)))
    assert result.n == 178 and len(result.score.per_class) == 3
    assert len(poke.rank_neurons(net, rows, labels)) == 14
    profile = poke.neuron_profile(net, rows, labels, 2, 5, count=4)
    assert len(profile.top) == 4 and len(profile.class_mean) == 3
    assert poke.embedding(net, rows, 0).points.shape == (178, 2)  # the standardised columns
    assert poke.grid_of(net, 1) == (1, 13)
    edited = poke.Changes.from_json({"edits": [{"op": "paint", "layer": 1, "neuron": 0,
                                                "cells": [{"row": 0, "col": 12, "weight": 2}]}]})
    assert edited.apply(net).weights[0][0, 12] == 2
    step = poke.backprop_step(net, rows[0], 1, lr=0.05)
    assert step.cost_after < step.cost
    with pytest.raises(ConfigError, match="reads a table of 13 columns"):
        poke.robustness_curves(net, np.zeros((3, 28, 28), np.uint8), labels[:3])
