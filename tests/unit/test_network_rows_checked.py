"""Network.forward, probabilities (and predict of a network built by hand) refuse, for a model
of pictures, float rows outside [0, 1]: pixels 0..255 a user forgot to divide by 255.

Before, ``net.probabilities(pixels.astype(np.float32))`` read them as brightness 255 times too
high and answered, confidently and wrongly, without an error, where the poking functions
(digitnet.poke.rows.check_rows) refused the same rows. One check (arrays.check_brightness)
serves both. Whole numbers of another type than uint8 past 0 and 1 (int64 0..255, as a CSV of
pixels gives them) are refused too: they were read as they are, 255 times too bright. uint8
pixels, the rows a model's own input makes (deskewed or not), a table model's rows of any finite
numbers and a hand-built network of 4 inputs (iris's columns, not 2x2 pictures) are read as
before; NaN and infinity are refused for every model.
"""

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine

from digitnet import Network, inputs, poke
from digitnet.poke.activity import tail
from digitnet.errors import DataError

N = 500

TODO_PLAIN = ("divide them by 255 or pass uint8 pixels; inputs.of(net).rows(images) makes the "
              "input layer's rows")
TODO_DESKEW = ("pass inputs.of(net).rows(images), the input layer's rows (this model reads its "
               "images deskewed), or the images themselves to net.predict_proba")


def picture_model(record: inputs.Input | None) -> Network:
    """A 784-16-10 network reading ``record`` as the library records it (None: built by hand)."""
    net = Network((784, 16, 10), activation="relu", seed=0)
    if record is not None:
        net.metadata["input"] = record.to_dict()
    return net


@pytest.fixture(scope="module")
def pixels(mnist):
    """500 real MNIST digits, uint8 pixels 0..255, as rows (500, 784)."""
    return mnist.x[:N].reshape(N, 784)


MODELS = {
    "built by hand": (None, TODO_PLAIN),
    "recorded images": (inputs.Images((28, 28)), TODO_PLAIN),
    "deskewing": (inputs.Images((28, 28), deskew=True), TODO_DESKEW),
    "pictures of sounds": (inputs.Audio(), TODO_PLAIN.replace("(images)", "(pictures)")),
}


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("method, name", [("probabilities", "rows"), ("forward", "x")])
def test_pixels_0_to_255_as_floats_are_refused_in_one_line(pixels, model, method, name):
    record, todo = MODELS[model]
    net = picture_model(record)
    for forgot in (pixels.astype(np.float32), pixels.astype(np.float64), pixels[0] * 1.0):
        with pytest.raises(DataError) as refused:
            getattr(net, method)(forgot)
        assert str(refused.value) == (f"{name}: pixels as floats must lie in [0, 1], got values "
                                      f"from 0 to 255; {todo}")


def test_a_network_built_by_hand_refuses_them_in_predict_too(pixels):
    net = picture_model(None)
    for call in (net.predict, net.predict_proba):
        with pytest.raises(DataError, match=r"^x: pixels as floats must lie in \[0, 1\], got "
                                            r"values from 0 to 255; divide them by 255"):
            call(pixels.astype(np.float32))


def test_poking_and_network_refuse_the_same_rows_by_one_check(pixels, mnist):
    net = picture_model(inputs.Images((28, 28)))
    floats = pixels.astype(np.float32)
    labels = mnist.labels[:N]
    with pytest.raises(DataError, match=r"^rows: pixels as floats must lie in \[0, 1\], got "
                                        r"values from 0 to 255; pass inputs.of\(net\)"):
        poke.ablate(net, floats, labels)
    with pytest.raises(DataError, match=r"^rows: pixels as floats must lie in \[0, 1\], got "
                                        r"values from 0 to 255; divide them by 255"):
        net.probabilities(floats)
    below = floats / 255 - 0.5  # (brightness shifted below 0 is refused as well)
    with pytest.raises(DataError, match=r"got values from -0.5 to 0.5"):
        net.forward(below)


@pytest.mark.parametrize("model", MODELS)
def test_uint8_pixels_and_the_models_own_rows_are_read_as_before(pixels, mnist, model):
    """uint8 pixels as they are, and the rows of the model's own input (uint8, or floats in
    [0, 1] from images / 255, deskewed or not), reach the input layer unchanged: 1.0 at most."""
    record, _ = MODELS[model]
    net = picture_model(record)
    brightness = np.multiply(pixels, np.float32(1 / 255), dtype=np.float32)
    assert brightness.max() == 1.0 and brightness.min() == 0.0
    expected = net.probabilities(pixels)
    np.testing.assert_array_equal(net.probabilities(brightness), expected)
    np.testing.assert_array_equal(net.forward(brightness), net.forward(pixels))
    pictures = mnist.x[:N]
    own = inputs.of(net)
    made = net.probabilities(own.rows(pictures))  # (uint8: deskewed, for a deskewing model)
    for examples in (pictures / 255, pictures.astype(np.float32) / 255):
        rows = own.rows(examples)
        assert rows.dtype.kind == "f" and rows.max() == 1.0
        np.testing.assert_allclose(net.probabilities(rows), made, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(net.forward(rows), net.forward(own.rows(pictures)),
                                   rtol=1e-5, atol=1e-6)
    if record is not None:  # (a network built by hand reads its examples as its rows)
        np.testing.assert_array_equal(net.predict_proba(pictures), made)


def test_a_table_models_rows_may_be_any_finite_numbers():
    wine = load_wine()
    table = inputs.Table(tuple(wine.feature_names)).fit(wine.data)
    net = Network((13, 8, 3), activation="tanh", seed=0)
    net.metadata["input"] = table.to_dict()
    far = table.rows(wine.data) * 40  # (standardised columns, far out: a fair question)
    assert np.abs(far).max() > 100
    assert net.probabilities(far).shape == (178, 3)
    assert net.forward(wine.data).shape == (178, 3)  # (raw columns up to 1,680: read as given)
    iris = load_iris().data  # a hand-built network of 4 inputs reads columns, not 2x2 pictures
    assert iris.max() > 1
    assert Network((4, 8, 3), seed=0).probabilities(iris).shape == (150, 3)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("model", ["built by hand", "deskewing", "table"])
def test_nan_or_infinity_is_refused_for_every_model(pixels, bad, model):
    if model == "table":
        net, rows = Network((13, 8, 3), seed=0), load_wine().data.astype(np.float32)
    else:
        net = picture_model(MODELS[model][0])
        rows = np.multiply(pixels, np.float32(1 / 255), dtype=np.float32)
    rows[7, 5] = bad
    for call in (net.forward, net.probabilities):
        with pytest.raises(DataError, match="NaN or infinite"):
            call(rows)


@pytest.mark.parametrize("model", MODELS)
def test_pixels_as_other_whole_numbers_are_refused_in_one_line(pixels, model):
    record, todo = MODELS[model]
    net = picture_model(record)
    for dtype in (np.int64, np.int32, np.uint16):
        with pytest.raises(DataError) as refused:
            net.forward(pixels.astype(dtype))
        assert str(refused.value) == (f"x: whole numbers of {np.dtype(dtype)} from 0 to 255 are "
                                      f"read as they are, not as pixels (only uint8 is); {todo}")
    ink = pixels > 127  # booleans, and whole numbers 0 and 1: ink or none, as they are
    np.testing.assert_array_equal(net.forward(ink.astype(np.int64)),
                                  net.forward(ink.astype(np.float32)))
    np.testing.assert_array_equal(net.forward(ink), net.forward(ink.astype(np.float32)))


def test_a_hidden_layer_of_784_relu_neurons_is_poked_as_activations_not_pixels(pixels, mnist):
    """The layers after a hidden layer (poke's tail), fed its activations, are not taken for a
    hand-built picture model because that layer has 784 neurons: ReLU activations past 1 are
    numbers, not pixels 0..255 (ranking its neurons was refused)."""
    net = Network((784, 784, 10), activation="relu", seed=0)
    net.metadata["input"] = inputs.Images((28, 28)).to_dict()
    rows = inputs.of(net).rows(pixels[:50])
    activations = net.trace(rows).activations[1]
    assert activations.max() > 1
    rest = tail(net, 1)
    np.testing.assert_array_equal(rest.forward(activations), net.forward(rows))
    assert len(poke.rank_neurons(net, rows, mnist.labels[:50])) == 784
