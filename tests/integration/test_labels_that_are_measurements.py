"""Labels that are measurements, not classes, on scikit-learn's real wine and breast cancer
tables: given apart from the rows, as y (``digitnet.train(X, y)``, an .npz file's y), there is
no label column to name, and the message says what y looks like and what digitnet needs instead
(it once said to name the label column with --target); a table's label column (a CSV file's, a
DataFrame's) keeps the --target / target= advice.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine

import digitnet
from digitnet.errors import DataError

FAST = dict(epochs=1, seed=0, handle_signals=False)
Y_ADVICE = ("y looks like measurements, not classes (a regression target?); digitnet classifies: "
            "give y the class of each row")
TARGET_ADVICE = ("is the label column the right one? Name it with --target COLUMN (in Python, "
                 "target='COLUMN')")


def said(*args, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        digitnet.train(*args, **FAST, **kwargs)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_a_measurement_given_as_y_is_called_one():
    """Wine's alcohol as y: 126 values among 178 rows."""
    X, _ = load_wine(return_X_y=True)
    assert said(X, X[:, 0]) == ("arrays: 126 different labels among 178 rows, so most classes "
                                f"have a single example; {Y_ADVICE}")


def test_more_measurements_than_classes_digitnet_learns_too():
    """Breast cancer's mean radius as y: 456 values, more than the 256 classes digitnet
    learns."""
    X, _ = load_breast_cancer(return_X_y=True)
    assert said(X, X[:, 0]) == ("arrays: 456 different labels in y; digitnet learns up to 256 "
                                f"classes: {Y_ADVICE}")


def test_an_npz_files_y_is_y(tmp_path):
    X, _ = load_wine(return_X_y=True)
    path = tmp_path / "wine.npz"
    np.savez(path, X=X[:, 1:], y=X[:, 0])
    assert said(str(path)) == (f"{path}: 126 different labels among 178 rows, so most classes "
                               f"have a single example; {Y_ADVICE}")


def test_a_table_keeps_the_advice_to_name_its_label_column(tmp_path):
    pd = pytest.importorskip("pandas")
    X, _ = load_wine(return_X_y=True, as_frame=True)  # no labels: proline, the last, taken
    assert said(X) == ("DataFrame: 121 different labels among 178 rows, so most classes have a "
                       f"single example; {TARGET_ADVICE}")
    X.to_csv(tmp_path / "wine.csv", index=False)
    assert said(str(tmp_path / "wine.csv")).endswith(f"single example; {TARGET_ADVICE}")
    bc, _ = load_breast_cancer(return_X_y=True, as_frame=True)
    assert said(pd.DataFrame(bc)) == ("DataFrame: 535 different labels in column 'worst fractal "
                                      f"dimension'; digitnet learns up to 256 classes: "
                                      f"{TARGET_ADVICE}")
