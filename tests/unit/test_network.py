import numpy as np
import pytest

from digitnet import Network
from digitnet.errors import ConfigError, DataError


def test_video_network_has_13002_parameters():
    net = Network((784, 16, 16, 10), seed=0)
    assert net.parameter_count == 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10 == 13002
    assert net.parameter_breakdown() == "784·16+16 + 16·16+16 + 16·10+10 = 13,002"
    assert [w.shape for w in net.weights] == [(16, 784), (16, 16), (10, 16)]
    assert [b.shape for b in net.biases] == [(16,), (16,), (10,)]


def test_weights_and_biases_are_views_of_one_buffer():
    net = Network((5, 4, 3), seed=0)
    net.params[:] = np.arange(net.parameter_count)
    assert net.weights[0][0, 0] == 0 and net.weights[1][0, 0] == 20
    assert net.biases[0][0] == net.n_weights  # biases follow all weights
    net.weights[1][2, 3] = -7
    assert -7 in net.params


@pytest.mark.parametrize("sizes", [(784, 10), (784, 100, 10), (20, 7, 6, 5, 3)])
def test_any_number_of_layers(sizes):
    net = Network(sizes, activation="tanh", seed=1)
    x = np.random.default_rng(0).random((4, sizes[0]))
    out = net.forward(x)
    assert out.shape == (4, sizes[-1])
    t = net.trace(x)
    assert len(t.zs) == len(sizes) - 1 and len(t.activations) == len(sizes)
    assert [a.shape[1] for a in t.activations] == list(sizes)
    np.testing.assert_allclose(t.output, out, rtol=1e-5, atol=1e-6)  # forward may run in C


def test_forward_is_sigma_of_w_a_plus_b_layer_by_layer():
    net = Network((6, 4, 3), activation="sigmoid", output="sigmoid", seed=3, dtype=np.float64)
    x = np.random.default_rng(1).random(6)
    a = x
    for w, b in zip(net.weights, net.biases):
        a = 1 / (1 + np.exp(-(w @ a + b)))  # the video's column-vector form
    np.testing.assert_allclose(net.forward(x), a, rtol=1e-12)


def test_same_seed_same_weights_and_init_suits_activation():
    a = Network(seed=42, activation="relu")
    b = Network(seed=42, activation="relu")
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, Network(seed=43, activation="relu").params)
    assert np.all(a.params[a.n_weights:] == 0)
    # He for ReLU: std sqrt(2/784) in the first layer; Glorot uniform for sigmoid: limit sqrt(6/800)
    assert a.weights[0].std() == pytest.approx(np.sqrt(2 / 784), rel=0.05)
    s = Network(seed=42, activation="sigmoid")
    assert np.abs(s.weights[0]).max() <= np.sqrt(6 / 800)
    assert s.weights[0].std() == pytest.approx(np.sqrt(6 / 800) / np.sqrt(3), rel=0.05)


def test_single_image_inputs_and_uint8_pixels():
    net = Network(seed=0)
    img = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    p = net.predict_proba(img)
    assert p.shape == (10,) and p.sum() == pytest.approx(1, abs=1e-6)
    assert isinstance(net.predict(img), int)
    np.testing.assert_allclose(net.forward(img), net.forward(img.reshape(784) / 255.0), rtol=1e-6)
    assert net.predict(np.stack([img, img])).shape == (2,)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 100)), r"expected inputs of shape \(n, 784\), got \(3, 100\)"),
    (np.full((1, 784), np.nan), "NaN"),
    (np.array(["a"] * 784), "numeric"),
])
def test_bad_inputs_raise_clear_errors(bad, message):
    with pytest.raises(DataError, match=message):
        Network(seed=0).forward(bad)


@pytest.mark.parametrize("kwargs, message", [
    ({"sizes": (784,)}, "at least an input and an output"),
    ({"sizes": (784, 0, 10)}, "at least one neuron"),
    ({"activation": "swish"}, "unknown activation 'swish'; choose one of sigmoid"),
    ({"output": "linear"}, "unknown output"),
])
def test_bad_configuration(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Network(**kwargs)


def test_labels_are_checked():
    net = Network((4, 3), seed=0)
    with pytest.raises(DataError, match="labels must lie in 0..2"):
        net.backprop(np.zeros((2, 4)), np.array([0, 3]))
    with pytest.raises(DataError, match="expected 2 integer labels"):
        net.backprop(np.zeros((2, 4)), np.array([0.0, 1.0]))


def test_sigmoid_outputs_are_normalised_into_probabilities():
    net = Network((8, 5, 4), output="sigmoid", seed=0)
    p = net.predict_proba(np.random.default_rng(0).random((3, 8)))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)


def test_copy_is_independent():
    net = Network(seed=0)
    net.metadata["history"] = [{"epoch": 1}]
    twin = net.copy()
    twin.params[0] += 1
    twin.metadata["history"].append({})
    assert net.params[0] != twin.params[0] and len(net.metadata["history"]) == 1


def test_astype_copies_the_parameters_as_views_of_one_array():
    """The twin's weights and biases are views of its own flat parameters (an optimiser steps
    ``params`` and the layers see it), in the new dtype, with the same values."""
    net = Network((6, 4, 3), activation="relu", seed=1)
    twin = net.astype(np.float64)
    assert twin.params.dtype == twin.weights[0].dtype == twin.biases[1].dtype == np.float64
    np.testing.assert_array_equal(twin.params, net.params.astype(np.float64))
    twin.params[...] = 0.5
    assert (twin.weights[1] == 0.5).all() and (twin.biases[0] == 0.5).all()
    assert not (net.params == 0.5).any()
    assert (twin.sizes, twin.activation.name) == (net.sizes, net.activation.name)
    with pytest.raises(ConfigError, match="dtype must be float32 or float64, got int32"):
        net.astype(np.int32)
