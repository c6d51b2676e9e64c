"""A DigitnetClassifier's network, saved, is scored by `digitnet evaluate` on a CSV table of the
same rows and labels with the accuracy the estimator's own score gives: on scikit-learn's real
wine table with its cultivars numbered 1.0, 2.0, 3.0 (as `y + 1.0` makes them), which the
estimator named "1.0", ... and the CSV "1", ..., so evaluate refused the model."""

from __future__ import annotations

import json

import pytest
from real_data import write_csv
from sklearn.datasets import load_wine

import digitnet
from digitnet.sklearn import DigitnetClassifier


@pytest.mark.parametrize("frame", [True, False], ids=["DataFrame", "array"])
def test_evaluate_scores_an_estimators_model_as_the_estimator_does(run, tmp_path, frame):
    if frame:
        pytest.importorskip("pandas")
    wine = load_wine(as_frame=frame)
    X, y = wine.data, wine.target + 1.0
    clf = DigitnetClassifier(epochs=30).fit(X, y)
    assert clf.classes_.tolist() == [1.0, 2.0, 3.0]  # scikit-learn's: the labels as given
    assert clf.network_.metadata["classes"] == ["1", "2", "3"]
    model = tmp_path / "wine.safetensors"
    digitnet.save(clf.network_, model)
    # The CSV's columns are those the network reads: the DataFrame's by name, else x0, x1, ...
    columns = wine.feature_names if frame else [f"x{i}" for i in range(13)]
    table = write_csv(tmp_path / "wine.csv", X, list(y), columns, target="cultivar")
    assert table.read_text().splitlines()[1].endswith(",1.0")  # the labels as floats
    r = run("evaluate", model, "--data", table, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["classes"] == ["1", "2", "3"] and report["n"] == 178
    assert report["accuracy"] == clf.score(X, y)


def test_digitnet_train_names_the_same_labels_as_the_estimator():
    wine = load_wine()
    y = wine.target + 1.0
    net = digitnet.train(wine.data, y, epochs=2).network
    clf = DigitnetClassifier(epochs=2).fit(wine.data, y)
    assert net.metadata["classes"] == clf.network_.metadata["classes"] == ["1", "2", "3"]
