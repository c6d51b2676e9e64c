"""Properties that hold for any input, checked with Hypothesis."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from digitnet import Network, load, losses, save
from digitnet.activations import ACTIVATIONS

floats = st.floats(-50, 50, allow_nan=False, width=32)
sizes_strategy = st.lists(st.integers(1, 12), min_size=2, max_size=5)


@given(arrays(np.float32, st.tuples(st.integers(1, 20), st.integers(2, 12)), elements=floats))
def test_softmax_rows_are_probability_distributions(z):
    a = losses.get("softmax").forward(z)
    assert np.all(a >= 0)
    np.testing.assert_allclose(a.sum(axis=1), 1, rtol=1e-5)


@given(sizes=sizes_strategy, batch=st.integers(1, 40), activation=st.sampled_from(list(ACTIVATIONS)),
       output=st.sampled_from(["softmax", "sigmoid"]), seed=st.integers(0, 2**32 - 1))
def test_any_batch_size_keeps_shapes(sizes, batch, activation, output, seed):
    net = Network(sizes, activation, output, seed=seed)
    x = np.random.default_rng(seed).random((batch, sizes[0]), dtype=np.float32)
    labels = np.random.default_rng(seed).integers(0, sizes[-1], batch)
    assert net.forward(x).shape == (batch, sizes[-1])
    assert net.predict(x).shape == (batch,)
    loss, grads = net.backprop(x, labels)
    assert grads.shape == (net.parameter_count,) and np.isfinite(loss)
    # A batch gives the same outputs as its rows one at a time.
    np.testing.assert_allclose(net.forward(x)[batch - 1], net.forward(x[batch - 1]), rtol=1e-5, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(sizes=sizes_strategy, activation=st.sampled_from(list(ACTIVATIONS)),
       output=st.sampled_from(["softmax", "sigmoid"]), seed=st.integers(0, 2**32 - 1),
       scale=st.floats(1e-3, 1e3))
def test_save_load_round_trips_exactly(tmp_path_factory, sizes, activation, output, seed, scale):
    net = Network(sizes, activation, output, seed=seed)
    net.params *= np.float32(scale)
    net.metadata = {"config": {"seed": seed}, "note": "ünïcode ✓"}
    path = tmp_path_factory.mktemp("rt") / "m.safetensors"
    save(net, path)
    back = load(path)
    assert back.params.tobytes() == net.params.tobytes()
    assert (back.sizes, back.activation.name, back.output_function.name) == (net.sizes, activation, output)
    assert back.metadata["note"] == "ünïcode ✓"
