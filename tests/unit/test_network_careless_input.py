"""A Network given what it cannot read says so in one line (a DataError or ConfigError), as the
rest of digitnet does; a walker's careless calls once met NumPy's and Python's own errors, or
none: predict of 27x27 pictures ("cannot reshape array of size 2187 into shape (28,28)"), of a
list of pictures ("'list' object has no attribute 'reshape'"), a layer of 16.5 neurons (built
as 16), a layer of True neurons (built as 1), and the gradient over no examples (NaN)."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import Network, inputs
from digitnet.errors import ConfigError, DataError

pytestmark = pytest.mark.engine_independent  # (nothing is trained)


@pytest.fixture
def net(mnist):
    """A network that records its input as a trained one does: 28x28 pictures, deskewed."""
    net = Network((784, 16, 16, 10), activation="relu", seed=0)
    net.metadata["input"] = inputs.Images((28, 28), deskew=True).to_dict()
    return net


@pytest.mark.parametrize("shape", [(3, 27, 27), (3, 783), (27, 27)])
def test_pictures_of_another_size_are_refused_by_predict(net, mnist, shape):
    x = np.zeros(shape, np.uint8)
    for read in (net.predict, net.predict_proba):
        with pytest.raises(DataError) as e:
            read(x)
        assert str(e.value) == f"expected images of 28x28 pixels, got an array of shape {shape}"


def test_a_list_of_pictures_is_read_as_their_array(net, mnist):
    pictures = mnist.x[:5].reshape(5, 28, 28)
    np.testing.assert_array_equal(net.predict(pictures.tolist()), net.predict(pictures))


def test_an_empty_array_is_refused_as_given(net):
    with pytest.raises(DataError) as e:
        net.predict(np.array([]))
    assert str(e.value) == "expected images of 28x28 pixels, got an array of shape (0,)"


@pytest.mark.parametrize("sizes, shown", [((784, 16.5, 10), "(784, 16.5, 10)"),
                                          ((784, True, 10), "(784, True, 10)"),
                                          ((784, 16.0, 10), "(784, 16.0, 10)"),
                                          ("784,16,10", "'784,16,10' (a str)")])
def test_layer_sizes_must_be_whole_numbers_as_a_configs(sizes, shown):
    with pytest.raises(ConfigError) as e:
        Network(sizes)
    assert str(e.value) == f"sizes must be a list of whole numbers, got {shown}"
    assert Network([784, np.int64(16), 10]).sizes == (784, 16, 10)  # (NumPy's integers too)


def test_the_gradient_over_no_examples_is_refused(net):
    for compute in (net.backprop, net.loss):
        with pytest.raises(DataError) as e:
            compute(np.zeros((0, 784), np.float32), np.zeros(0, np.intp))
        assert str(e.value) == "x: no examples; the cost and its gradient need at least one"


@pytest.mark.parametrize("layer", [1.5, "1", True])
def test_a_traces_z_takes_a_whole_layer_number(net, layer):
    # (1.5 and "1" met Python's own errors; True was read as layer 1)
    trace = net.trace(np.zeros((1, 784), np.float32))
    with pytest.raises(ConfigError) as e:
        trace.z(layer)
    assert str(e.value) == (f"layer {layer!r} has no weighted input z: layers 1 to 3 do "
                            "(0 is the input)")
    np.testing.assert_array_equal(trace.z(np.int64(2)), trace.zs[1])


@pytest.mark.parametrize("given, got", [(None, "None"), (3, "an int"),
                                        (np.zeros(3), "a numpy.ndarray")])
def test_load_takes_a_path(given, got):
    import digitnet

    with pytest.raises(ConfigError) as e:
        digitnet.load(given)
    assert str(e.value) == (f"load takes the path of a model file, not {got}; give one such as "
                            "'digitnet-model.safetensors'")
