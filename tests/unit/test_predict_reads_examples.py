"""predict, predict_proba and evaluate read examples as the model's data holds them.

A model records how its examples become the rows its input layer reads (digitnet.inputs: a
deskewing of pictures, a table's standardisation). The user-facing calls apply that record, as
``digitnet predict`` does; ``forward``, ``trace`` and ``probabilities`` take the rows as they are.
Before, ``net.predict(images)`` skipped the record: a deskewing model read raw digits, and a
table's model raw columns, with silently wrong answers.
"""

import copy
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_wine

import digitnet
from digitnet import Network, inputs
from digitnet.errors import DataError
from digitnet.metrics import score


@pytest.fixture(scope="module")
def deskewing(mnist):
    """A network that records deskewing (as the default recipe's do), and 300 real digits."""
    net = Network((784, 32, 10), activation="relu", seed=3)
    net.metadata["input"] = inputs.Images((28, 28), deskew=True).to_dict()
    return net, mnist.x[:300], mnist.labels[:300]


def test_a_deskewing_model_deskews_what_it_is_given(deskewing):
    net, x, labels = deskewing
    rows = inputs.deskew(x).reshape(len(x), 784)
    proba = net.predict_proba(x)
    np.testing.assert_array_equal(proba, net.probabilities(rows))
    np.testing.assert_array_equal(net.predict(x), proba.argmax(axis=1))
    # the deskewing matters for these digits: the rows as given are read otherwise
    assert (net.probabilities(x.reshape(len(x), 784)).argmax(axis=1) != proba.argmax(axis=1)).any()
    # one picture, as (28, 28) or (784,): one answer, an int and a (10,) row
    # (float32 products round differently with the batch's size: a row is compared as a row)
    one = net.probabilities(rows[:1])[0]
    assert net.predict(x[0]) == net.predict(x[0].reshape(784)) == int(one.argmax())
    assert isinstance(net.predict(x[0]), int)
    np.testing.assert_array_equal(net.predict_proba(x[0]), one)
    # brightness in [0, 1] is deskewed as brightness (float32), to the same answers
    floats = x.astype(np.float32) / 255
    np.testing.assert_array_equal(
        net.predict_proba(floats), net.probabilities(inputs.deskew(floats).reshape(-1, 784)))


def test_evaluate_reads_them_as_predict_does(deskewing):
    net, x, labels = deskewing
    ev = digitnet.evaluate(net, x, labels, batch_size=64)
    assert ev.n == 300
    assert ev.accuracy == np.mean(net.predict(x) == labels)
    rows = inputs.deskew(x).reshape(len(x), 784)
    assert ev == score(net, rows, labels, batch_size=64)  # the same rows, the same batches


def test_a_table_model_standardises_raw_columns_and_takes_a_frame_by_name():
    wine = load_wine(as_frame=True)
    frame, labels = wine.data, wine.target.to_numpy()
    table = inputs.Table(tuple(frame.columns)).fit(frame.to_numpy())
    net = Network((13, 8, 3), activation="relu", seed=0)
    net.metadata["input"] = table.to_dict()
    raw = frame.to_numpy()
    proba = net.predict_proba(raw)
    np.testing.assert_array_equal(proba, net.probabilities(table.rows(raw)))
    assert not np.array_equal(proba, net.probabilities(raw.astype(np.float32)))
    np.testing.assert_array_equal(net.predict_proba(frame[frame.columns[::-1]]), proba)
    assert digitnet.evaluate(net, frame[frame.columns[::-1]], labels).accuracy == \
        np.mean(proba.argmax(axis=1) == labels)
    # one row is one example; a 2x2 block of a 13-column table is no example at all
    assert net.predict(raw[0]) == int(net.probabilities(table.rows(raw[:1]))[0].argmax())
    with pytest.raises(DataError, match=r"expected rows of 13 numbers .* got .* \(2, 2\)"):
        net.predict(raw[:2, :2])


def test_a_network_built_by_hand_reads_its_rows_as_they_are(mnist):
    net = Network((784, 16, 10), seed=1)
    x = mnist.x[:50].reshape(50, 784)
    np.testing.assert_array_equal(net.predict_proba(x), net.probabilities(x))


@pytest.mark.parametrize("values, message", [
    (lambda x: x.astype(np.float32), r"pixels as floats must lie in \[0, 1\], got values from "
                                     r"0 to 255; scale them \(X / 255\)"),
    (lambda x: x.astype(np.int64) - 1, r"pixels run from -1 to 254; expected 0..255"),
    (lambda x: np.where(x > 0, np.nan, 0.0), r"pixels are NaN or infinite"),
])
def test_pixel_values_out_of_range_are_refused_in_one_line(deskewing, values, message):
    net, x, _ = deskewing
    with pytest.raises(DataError, match=message) as caught:
        net.predict(values(x[:3]))
    assert "\n" not in str(caught.value)


def test_whole_numbers_are_pixels_as_uint8_are(deskewing):
    net, x, _ = deskewing
    np.testing.assert_array_equal(net.predict_proba(x.astype(np.int64)), net.predict_proba(x))


@pytest.mark.parametrize("labels, message", [
    (lambda y: y.astype(np.float64) + 0.5, r"label \d\.5 is not one of the classes 0, 1, "),
    (lambda y: y + 10, r"labels must lie in 0..9, got values from 10 to 19"),
    (lambda y: y[:5], r"expected 300 integer labels, got an array of shape \(5,\)"),
])
def test_evaluate_checks_its_labels(deskewing, labels, message):
    net, x, y = deskewing
    with pytest.raises(DataError, match=message):
        digitnet.evaluate(net, x, labels(y))


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda n: pickle.loads(pickle.dumps(n))])
def test_a_copied_network_keeps_its_weights_views_of_its_parameters(duplicate):
    twin = duplicate(Network((784, 16, 10), seed=0))
    twin.params[:] = 0.5
    assert all((w == 0.5).all() for w in twin.weights) and all((b == 0.5).all() for b in twin.biases)
