"""DigitnetClassifier.partial_fit's first batch, on scikit-learn's real wine and 8x8 digits
tables: the first call measures the standardisation from its rows, so it refuses rows with no
spread to measure (a single row, or copies of one), changing nothing; after it, single rows
train as online learning does. A first batch of several rows in which some features are
constant is taken: those features are only centred, as fit treats a constant column.

(A one-row first call used to be taken: every feature kept std 1, nothing was scaled, and
online learning on wine ended at 0.76 where a first call of a few rows reaches 0.97.)"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as sk
from sklearn.exceptions import NotFittedError
from sklearn.utils import shuffle

from digitnet import inputs
from digitnet.sklearn import DigitnetClassifier

WINE_X, WINE_Y = shuffle(*sk.load_wine(return_X_y=True), random_state=0)
CLASSES = [0, 1, 2]


@pytest.mark.parametrize("rows, these", [
    (WINE_X[:1], "a single row has"),
    (np.repeat(WINE_X[:1], 3, axis=0), "its 3 rows, all the same, have"),
])
def test_a_first_batch_without_spread_is_refused_and_changes_nothing(rows, these):
    clf = DigitnetClassifier()
    with pytest.raises(ValueError) as caught:
        clf.partial_fit(rows, WINE_Y[:len(rows)], classes=CLASSES)
    assert str(caught.value) == (
        "DigitnetClassifier.partial_fit: the first call measures each feature's mean and "
        f"spread from its rows, to standardise them, and {these} no spread; give the first "
        "call a batch of several different rows (later calls may be single rows)")
    assert not any(name.endswith("_") for name in vars(clf))
    with pytest.raises(NotFittedError):
        clf.predict(WINE_X[:1])


def test_after_a_first_batch_of_several_rows_single_rows_learn_online():
    clf = DigitnetClassifier().partial_fit(WINE_X[:10], WINE_Y[:10], classes=CLASSES)
    standardised = inputs.of(clf.network_)
    np.testing.assert_allclose(standardised.std, WINE_X[:10].std(axis=0))
    for _ in range(3):  # three passes over 130 wines, one a call
        for i in range(10, 140):
            clf.partial_fit(WINE_X[i:i + 1], WINE_Y[i:i + 1])
    assert clf.n_iter_ == 1 + 3 * 130
    assert inputs.of(clf.network_) == standardised  # fixed by the first call
    assert clf.score(WINE_X[140:], WINE_Y[140:]) >= 0.9  # 38 wines it never saw


def test_features_constant_in_a_first_batch_of_several_rows_are_centred_as_fit_does():
    X, y = sk.load_digits(return_X_y=True)
    first = X[:20]
    constant = np.ptp(first, axis=0) == 0  # 13 pixels: the edges are blank in these digits
    assert constant.sum() == 13
    clf = DigitnetClassifier().partial_fit(first, y[:20], classes=range(10))
    table = inputs.of(clf.network_)
    np.testing.assert_array_equal(np.array(table.std)[constant], 1.0)
    np.testing.assert_array_equal(np.array(table.mean)[constant], first[0, constant])
    assert table == inputs.of(DigitnetClassifier(epochs=1).fit(first, y[:20]).network_)
