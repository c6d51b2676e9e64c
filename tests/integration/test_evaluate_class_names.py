"""`digitnet.evaluate` takes labels as `digitnet.train(X, y)` took them: the model's class names
(words, a table's "class_0", ...) or their numbers; a name the model does not have is refused in
one line naming its classes (before, the names it trained on were refused as "not integer")."""

from __future__ import annotations

import numpy as np
import pytest
from real_data import sklearn_table

import digitnet
from digitnet.errors import DataError


@pytest.fixture(scope="module")
def wine_net():
    wine = sklearn_table("wine")
    names = wine.target_names[wine.target]
    net = digitnet.train(wine.data, names, hidden=(16,), epochs=20, handle_signals=False).network
    return net, wine.data, names, wine.target


def test_names_and_numbers_score_alike(wine_net):
    net, X, names, numbers = wine_net
    assert digitnet.inputs.classes_of(net) == ["class_0", "class_1", "class_2"]
    by_name, by_number = digitnet.evaluate(net, X, names), digitnet.evaluate(net, X, numbers)
    assert by_name.accuracy == by_number.accuracy == float(np.mean(net.predict(X) == numbers))
    np.testing.assert_array_equal(by_name.confusion, by_number.confusion)
    as_objects = digitnet.evaluate(net, X, names.astype(object))  # (a pandas column's)
    assert as_objects.accuracy == by_name.accuracy


def test_a_name_the_model_does_not_have_is_refused_naming_its_classes(wine_net):
    net, X, names, _ = wine_net
    with pytest.raises(DataError, match=r"^the data: label 'class_9' is not one of the classes "
                                        r"class_0, class_1, class_2$"):
        digitnet.evaluate(net, X, np.where(names == "class_0", "class_9", names))
