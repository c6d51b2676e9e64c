"""A model fitted in Python on arrays (scikit-learn's estimator, or digitnet.train(X, y)) has no
file of data to be measured on: `digitnet evaluate` without --data says it was trained on arrays
in memory and to pass --data, rather than that its data "is no longer there" (a walker)."""

from __future__ import annotations

import pytest
from real_data import sklearn_table

import digitnet
from digitnet.sklearn import DigitnetClassifier


@pytest.mark.parametrize("how", ["estimator", "train"])
def test_evaluate_without_data_says_the_model_was_fitted_in_memory(run, tmp_path, how):
    cancer = sklearn_table("breast_cancer")
    if how == "estimator":
        net = DigitnetClassifier(epochs=2).fit(cancer.data, cancer.target).network_
        name = "DigitnetClassifier"
    else:
        net = digitnet.train(cancer.data, cancer.target, epochs=2, handle_signals=False).network
        name = "arrays"
    model = tmp_path / "m.safetensors"
    digitnet.save(net, model)
    result = run("evaluate", model)
    assert result.exit_code == 1
    assert result.stderr == (f"digitnet: error: {model}: it was trained on arrays in memory "
                             f"({name}), not on a file; pass --data with a table (.csv or .npz) "
                             "of its columns to measure it on\n")
    assert "no longer there" not in result.stderr
