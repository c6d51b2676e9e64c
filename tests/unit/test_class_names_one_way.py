"""One naming of class labels (arrays.class_name), whichever way the labels arrive: an array's
numbers of any dtype, a CSV table's text, scikit-learn's classes_ given as the classes. On
scikit-learn's real wine table: its cultivars numbered 1.0, 2.0, 3.0 (as `y + 1.0` makes them)
were "1.0", ... through DigitnetClassifier and "1", ... through digitnet.train and a CSV table,
so `digitnet evaluate` refused the estimator's model on the CSV of its own rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_wine

from digitnet.arrays import class_name, encode_labels
from digitnet.errors import DataError

WINE = load_wine()


def test_the_wine_cultivars_get_one_set_of_names_however_they_arrive():
    cultivars = WINE.target + 1  # 1, 2, 3
    ways = {
        "ints": cultivars,
        "floats": cultivars + 0.0,
        "float32": cultivars.astype(np.float32),
        "objects (a pandas column)": cultivars.astype(object),
        "CSV text of floats": np.array([repr(float(c)) for c in cultivars]),
        "CSV text of ints": cultivars.astype(str),
    }
    for way, y in ways.items():
        labels, names = encode_labels(y, "wine")
        assert names == ("1", "2", "3"), way
        np.testing.assert_array_equal(labels, WINE.target)
    # scikit-learn's classes_ of the float labels, given as the classes: the same names
    assert encode_labels(WINE.target, "wine", classes=np.unique(cultivars + 0.0))[1] == (
        "1", "2", "3")
    assert [class_name(c) for c in np.unique(cultivars + 0.0)] == ["1", "2", "3"]


def test_labels_that_are_not_whole_keep_every_digit_that_tells_them_apart():
    alcohol = WINE.data[:, 0]  # 13.2, 14.23, ...: real measurements as labels
    names = encode_labels(alcohol, "wine")[1]
    assert len(set(names)) == len(names) == len(np.unique(alcohol))
    assert [float(n) for n in names] == np.unique(alcohol).tolist()  # each reads back as itself
    # as a CSV table writes them: the same names
    assert encode_labels(np.array([repr(v) for v in alcohol.tolist()]), "wine")[1] == names
    # 6 significant digits ("%g") named these two alike: one class name for two classes
    assert encode_labels(np.array([1234567.5, 1234567.25]), "x")[1] == ("1234567.25",
                                                                          "1234567.5")
    assert class_name(np.float32(0.1)) == "0.1" and class_name(-0.0) == "0"


def test_labels_too_large_for_int64_are_named_without_overflow():
    # (whole floats were cast to int64 first: 1e20 overflowed, with NumPy's RuntimeWarning)
    labels, names = encode_labels(np.array([1e20, 1.0, 1e20]), "x")
    assert names == ("1", "1e+20") and labels.tolist() == [1, 0, 1]


def test_words_and_truth_values_are_their_text():
    assert encode_labels(WINE.target_names[WINE.target], "wine")[1] == tuple(WINE.target_names)
    assert encode_labels(np.array([True, False, True]), "x")[1] == ("False", "True")
    assert class_name("1.0") == "1.0"  # a name given as text is a name, kept as it is


def test_classes_given_are_named_as_labels_are_and_never_twice():
    y = WINE.target + 1.0
    labels, names = encode_labels(y, "wine", classes=[1.0, 2.0, 3.0])  # the labels themselves
    assert names == ("1", "2", "3")
    np.testing.assert_array_equal(labels, WINE.target)
    with pytest.raises(DataError, match="two of the classes are named '1'"):
        encode_labels(WINE.target, "wine", classes=[1, 1.0, 2])
