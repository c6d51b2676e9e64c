"""A validation split that holds out every example of a class is refused, in one line naming
the class(es), how many of theirs were held out and what to do, on every way of training:
``digitnet train`` and ``digitnet tune``, ``digitnet.train`` and the estimator's val_fraction.
(``--val-fraction 0.99`` on scikit-learn's wine table trained on 2 of its 178 rows, none of
class_2's 48, and reported a validation accuracy of 21.59%.) A lower fraction still trains."""

from __future__ import annotations

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv

import digitnet
from digitnet.errors import DataError
from digitnet.sklearn import DigitnetClassifier

ONE = ("no training rows of class_2: val_fraction=0.99 (--val-fraction 0.99) holds out all 48 "
       "of its rows for validation, so the network could not learn it; hold out fewer: "
       "--val-fraction 0.9 or lower (in Python, val_fraction=0.9)")


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    return wine_csv(tmp_path_factory.mktemp("wine") / "wine.csv")


def test_train_refuses_a_split_that_leaves_a_class_no_training_row(run, wine, one_line,
                                                                    tmp_path):
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", wine, "--val-fraction", "0.99", "--epochs", "5",
                 "--out", out)
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr) == f"digitnet: error: {wine}: {ONE}"
    assert not out.exists()
    every = run("train", "--data", wine, "--val-fraction", "0.995", "--epochs", "5",
                "--out", out)
    assert one_line(every.stderr) == (
        f"digitnet: error: {wine}: no training rows of class_0, class_1 and class_2: "
        "val_fraction=0.995 (--val-fraction 0.995) holds out all their rows (59 of class_0, 71 "
        "of class_1 and 48 of class_2) for validation, so the network could not learn them; "
        "hold out fewer: --val-fraction 0.9 or lower (in Python, val_fraction=0.9)")
    kept = run("train", "--data", wine, "--val-fraction", "0.9", "--epochs", "1", "--out", out)
    assert kept.exit_code == 0, kept.output
    assert "on 160 held-out examples" in kept.stdout


def test_tune_refuses_it_too(run, wine, one_line, tmp_path):
    pytest.importorskip("optuna")
    result = run("tune", "--data", wine, "--val-fraction", "0.99", "--trials", "1", "--epochs",
                 "1", "--storage", tmp_path / "t.db", "--out", tmp_path / "best.json")
    assert result.exit_code == 1, result.output
    assert one_line(result.stderr).endswith(ONE)
    assert not (tmp_path / "best.json").exists()


def test_python_and_the_estimator_refuse_it(wine):
    with pytest.raises(DataError) as e:
        digitnet.train(str(wine), val_fraction=0.99, epochs=5, handle_signals=False)
    assert str(e.value) == f"{wine}: {ONE}"
    table = sklearn_table("wine")
    labels = table.target_names[table.target]
    with pytest.raises(DataError) as e:
        DigitnetClassifier(val_fraction=0.99, epochs=2).fit(table.data, labels)
    assert str(e.value).endswith(ONE) and "\n" not in str(e.value)
    fitted = DigitnetClassifier(val_fraction=0.5, epochs=2).fit(table.data, labels)
    assert list(fitted.classes_) == ["class_0", "class_1", "class_2"]
    assert np.isin(fitted.predict(table.data[:5]), fitted.classes_).all()
