"""DigitnetClassifier through scikit-learn: its own estimator checks, and Pipeline, GridSearchCV
and cross_val_score on real data sets that ship with scikit-learn (wine, breast cancer, digits),
against scikit-learn's MLPClassifier on the same folds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from digitnet import inputs
from digitnet.sklearn import EXPECTED_FAILED_CHECKS, DigitnetClassifier

FOLDS = StratifiedKFold(5, shuffle=True, random_state=0)


@parametrize_with_checks([DigitnetClassifier()],
                         expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS)
def test_scikit_learn_estimator_checks(estimator, check, monkeypatch):
    # check_array_api_input skips itself unless SCIPY_ARRAY_API is set; with it set, it runs
    # (on NumPy arrays, as DigitnetClassifier declares no other array library).
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


def mlp(**options) -> MLPClassifier:
    """scikit-learn's MLPClassifier with digitnet's default recipe where the two share one."""
    return MLPClassifier((16, 16), learning_rate_init=0.003, batch_size=32, random_state=0,
                         **options)


def scores(model, X, y) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # MLPClassifier's, at max_iter
        return cross_val_score(model, X, y, cv=FOLDS)


@pytest.mark.slow
def test_cross_val_score_on_digits_within_two_points_of_mlpclassifier():
    X, y = datasets.load_digits(return_X_y=True)
    ours = scores(DigitnetClassifier(epochs=50), X, y)
    theirs = scores(Pipeline([("scale", StandardScaler()), ("mlp", mlp(max_iter=50))]), X, y)
    assert ours.mean() >= theirs.mean() - 0.02, (ours.mean(), theirs.mean())


def test_in_a_pipeline_on_breast_cancer():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    pipeline = Pipeline([("scale", StandardScaler()), ("net", DigitnetClassifier(epochs=30))])
    ours = scores(pipeline, X, y)
    theirs = scores(Pipeline([("scale", StandardScaler()), ("mlp", mlp(max_iter=30))]), X, y)
    assert ours.mean() >= theirs.mean() - 0.02, (ours.mean(), theirs.mean())
    fitted = pipeline.fit(X, y)
    assert fitted.predict_proba(X[:5]).shape == (5, 2)


def test_grid_search_on_wine_with_string_labels():
    wine = datasets.load_wine()
    X, y = wine.data, wine.target_names[wine.target]  # "class_0", "class_1", "class_2"
    search = GridSearchCV(DigitnetClassifier(epochs=30),
                          {"hidden_layer_sizes": [(4,), (16, 16)], "lr": [0.003, 0.03]}, cv=3)
    search.fit(X, y)
    assert set(search.cv_results_["params"][0]) == {"hidden_layer_sizes", "lr"}
    best = search.best_estimator_
    assert list(best.classes_) == list(wine.target_names)
    assert set(best.predict(X)) <= set(wine.target_names)
    assert inputs.classes_of(best.network_) == list(wine.target_names)
    theirs = scores(Pipeline([("scale", StandardScaler()), ("mlp", mlp(max_iter=30))]), X, y)
    assert search.best_score_ >= theirs.mean() - 0.02


def test_partial_fit_learns_batch_by_batch_and_keeps_its_classes():
    X, y = datasets.load_digits(return_X_y=True)
    train, test = slice(0, 1400), slice(1400, None)
    clf = DigitnetClassifier(lr=0.01)
    with pytest.raises(ValueError, match="classes must be given to the first call"):
        clf.partial_fit(X[:10], y[:10])
    accuracies = []
    for epoch in range(5):
        for start in range(0, 1400, 200):
            batch = slice(start, start + 200)
            clf.partial_fit(X[train][batch], y[train][batch], classes=np.arange(10))
        accuracies.append(clf.score(X[test], y[test]))
    assert list(clf.classes_) == list(range(10)) and clf.n_features_in_ == 64
    assert accuracies[-1] > accuracies[0]
    assert accuracies[-1] >= DigitnetClassifier(epochs=5, lr=0.01).fit(X[train], y[train]).score(
        X[test], y[test]) - 0.05
    with pytest.raises(ValueError, match="label 10 is not among the classes"):
        clf.partial_fit(X[:3], np.array([1, 2, 10]))
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.partial_fit(X[:3, :3], y[:3])
