"""A deskewing model reads a picture alike as uint8 pixels or as those pixels / 255.

Models learn from uint8 digits, deskewed to whole pixels. deskew used to round its output to
whole pixels for uint8 input only, so ``net.predict_proba(x)`` and ``net.predict_proba(x / 255)``
differed (by 3e-3 for a model trained 3 epochs, five of 24,345 answers changed), and the ONNX
export's note (brightness 0..1, deskewed first) gave other numbers than ``digitnet predict``.
deskew also refused one (h, w) image, which the note tells users to deskew.
"""

from __future__ import annotations

import numpy as np
import pytest

import digitnet
from digitnet import Network, inputs
from digitnet.arrays import as_floats
from digitnet.errors import DataError
from digitnet.inputs import Images

N = 2000  # real digits: every digit, many slants


@pytest.fixture(scope="module")
def deskewing():
    """A hand-built network (random weights, no training) that records deskewing, as the
    default recipe's models do."""
    net = Network((784, 32, 10), activation="relu", seed=7)
    net.metadata["input"] = Images((28, 28), deskew=True).to_dict()
    return net


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pixels_and_pixels_over_255_deskew_to_the_same_rows(mnist, dtype):
    x = mnist.x[:N]
    record = Images((28, 28), deskew=True)
    pixels, brightness = record.rows(x), record.rows(x.astype(dtype) / 255)
    assert pixels.dtype == np.uint8 and brightness.dtype == np.float32
    assert (pixels != x.reshape(N, 784)).any(axis=1).mean() > 0.9  # deskewing moved them
    # bit for bit what the network reads for the uint8 rows (pixels times float32(1/255))
    np.testing.assert_array_equal(brightness, as_floats(pixels, np.float32))


def test_a_deskewing_network_answers_pixels_and_pixels_over_255_alike(mnist, deskewing):
    net, x, labels = deskewing, mnist.x[:N], mnist.labels[:N]
    proba = net.predict_proba(x)
    # the record matters: the digits as given, not deskewed, are read otherwise
    assert (net.probabilities(x.reshape(N, 784)).argmax(axis=1) != proba.argmax(axis=1)).any()
    by_pixels = digitnet.evaluate(net, x, labels, batch_size=256)
    for floats in (x / 255, x.astype(np.float32) / 255):
        np.testing.assert_array_equal(net.predict_proba(floats), proba)
        np.testing.assert_array_equal(net.predict(floats), proba.argmax(axis=1))
        assert digitnet.evaluate(net, floats, labels, batch_size=256) == by_pixels
    one = x[11]
    np.testing.assert_array_equal(net.predict_proba(one / 255), net.predict_proba(one))


def test_the_export_note_in_either_order_gives_what_predict_gives(mnist, deskewing):
    """Divide by 255, then deskew (the ONNX note's order), or deskew the uint8 pixels, then
    divide: the same rows (to float32 rounding), and predict's answers."""
    net, x = deskewing, mnist.x[:N]
    divided_first = inputs.deskew(x / 255).reshape(N, -1)
    deskewed_first = inputs.deskew(x).reshape(N, -1) / 255
    assert np.abs(deskewed_first - divided_first).max() <= np.finfo(np.float32).eps
    np.testing.assert_array_equal(net.probabilities(divided_first), net.predict_proba(x))


def test_the_onnx_graph_fed_as_its_note_says_gives_predicts_answers(mnist, deskewing):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from digitnet.interop.onnx import to_onnx

    net, x = deskewing, mnist.x[:N]
    graph = to_onnx(net)
    assert "deskewed first as digitnet.inputs.deskew does" in graph.doc_string
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    rows = inputs.deskew(x / 255).reshape(N, -1)  # brightness 0..1, deskewed, row by row
    (onnx_proba,) = session.run(None, {"input": rows})
    proba = net.predict_proba(x)
    np.testing.assert_allclose(onnx_proba, proba, rtol=0, atol=1e-6)  # (another matmul order)
    assert (onnx_proba.argmax(axis=1) == proba.argmax(axis=1)).all()


def test_deskew_takes_one_image_and_gives_back_its_shape(mnist):
    x = mnist.x[:20]
    for images in (x, x / 255):
        one = inputs.deskew(images[3])
        assert one.shape == (28, 28) and one.dtype == inputs.deskew(images).dtype
        np.testing.assert_array_equal(one, inputs.deskew(images)[3])
    assert (inputs.deskew(x[3]) != x[3]).any()  # this digit slants: it was straightened
    with pytest.raises(DataError, match=r"an image \(h, w\) or images \(n, h, w\), got \(784,\)"):
        inputs.deskew(x[3].reshape(784))


def test_brightness_between_pixel_values_is_read_as_the_nearest_pixel(mnist):
    """A drawing's brightness need not fall on the 256 pixel values: deskew reads it as the
    nearest, as digitnet reads float data sets, so it deskews as those pixels do."""
    x = mnist.x[:200]
    noise = np.random.default_rng(0).uniform(-0.49, 0.49, x.shape)
    drawn = np.clip((x + noise) / 255, 0, 1)
    assert (np.rint(drawn * 255) == x).all() and (drawn * 255 != x).mean() > 0.5
    np.testing.assert_array_equal(inputs.deskew(drawn), inputs.deskew(x / 255))


def test_floats_that_are_not_brightness_are_refused(mnist):
    with pytest.raises(DataError, match=r"pixels as floats must lie in \[0, 1\].*\(X / 255\)"):
        inputs.deskew(mnist.x[:5].astype(np.float32))  # 0..255 as floats
