"""digitnet.evaluate reads labels as digitnet.train read them: a model trained on wine's
cultivars numbered 1, 2, 3 (as the UCI file numbers them) is scored on 1, 2, 3. It once read
whole numbers as places among the classes, so that cultivars 1 and 2 scored 0% without a word
(the second and third class), and float labels were refused though train takes them. Labels
that fit both ways (1 and 2 alone) are refused, saying how to give either."""

from __future__ import annotations

import numpy as np
import pytest
from real_data import sklearn_table

import digitnet
from digitnet.errors import DataError

pytestmark = pytest.mark.engine_independent  # (the NumPy engine named: what is read is checked)


@pytest.fixture(scope="module")
def cultivars():
    wine = sklearn_table("wine")
    x, y = wine.data, wine.target + 1  # 1, 2, 3
    net = digitnet.train(x, y, epochs=30, seed=0, engine="numpy").network
    return net, x, y


def test_labels_numbered_as_trained_are_read_by_name(cultivars):
    net, x, y = cultivars
    assert digitnet.inputs.classes_of(net) == ["1", "2", "3"]
    right = np.asarray(digitnet.inputs.classes_of(net))[net.predict(x)] == y.astype(str)
    for labels in (y, y.astype(np.int8), y.astype(float), y.astype(str)):
        assert digitnet.evaluate(net, x, labels).accuracy == right.mean()
    two = y < 3  # (cultivars 1 and 2 alone: whole numbers that are also places, 0..2)
    with pytest.raises(DataError) as e:
        digitnet.evaluate(net, x[two], y[two])
    assert str(e.value) == ("the data: labels 1, 2 could be the classes of those names or those "
                            "places among the classes 1, 2, 3; give names as strings "
                            "(labels.astype(str)) or places by name (np.array(classes)[labels])")
    assert digitnet.evaluate(net, x[two], y[two].astype(str)).accuracy == right[two].mean()
    places = np.array(digitnet.inputs.classes_of(net))[y[two] - 1]  # (cultivar 1: place 0)
    assert digitnet.evaluate(net, x[two], places).accuracy == right[two].mean() > 0.9


def test_labels_only_places_fit_are_read_as_places(cultivars):
    net, x, y = cultivars  # 0, 1, 2: no cultivar is 0, so these are places (as a Dataset's)
    assert digitnet.evaluate(net, x, y - 1).accuracy == digitnet.evaluate(net, x, y).accuracy


def test_a_dataset_is_scored_by_its_own_classes(cultivars):
    net, x, y = cultivars
    data = digitnet.datasets.from_arrays(x[y > 1], y[y > 1])  # cultivars 2 and 3: places 0, 1
    assert data.classes == ("2", "3")
    right = np.asarray(digitnet.inputs.classes_of(net))[net.predict(x[y > 1])] == \
        y[y > 1].astype(str)
    assert digitnet.metrics.evaluate_data(net, data).accuracy == right.mean()


def test_classes_named_0_to_k_take_places_and_floats(cultivars):
    _, x, y = cultivars
    net = digitnet.train(x, y - 1, epochs=30, seed=0, engine="numpy").network
    assert digitnet.evaluate(net, x, y - 1).accuracy == digitnet.evaluate(
        net, x, (y - 1).astype(float)).accuracy == (net.predict(x) == y - 1).mean()
