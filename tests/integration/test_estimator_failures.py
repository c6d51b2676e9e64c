"""DigitnetClassifier when things go wrong, on scikit-learn's real wine and iris data: a fit or
partial_fit that fails changes nothing (no new labels on the old network, no half-fitted
estimator); a run whose loss ends far above guessing warns as the CLI notes it; partial_fit
refuses one class as fit does and shuffles each call in an order of its own; a DataFrame of
numbers held as objects is read as validate_data reads it; a val_fraction that holds out
nothing says so."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as sk
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from digitnet import inputs, metrics, training
from digitnet.datasets import from_arrays
from digitnet.errors import ConfigError, DataError, DivergenceError
from digitnet.sklearn import DigitnetClassifier

IRIS_X, IRIS_Y = sk.load_iris(return_X_y=True)
NAMES = np.array(["setosa", "versicolor", "virginica"])
SIX = [0, 1, 50, 51, 100, 101]  # two irises of each species


@pytest.fixture
def wine():
    pytest.importorskip("pandas")
    return sk.load_wine(return_X_y=True, as_frame=True)


@pytest.fixture
def fitted(wine):
    X, y = wine
    return DigitnetClassifier(epochs=10).fit(X, y)


def snapshot(clf) -> dict:
    """The fitted attributes (the objects themselves) and the network's weights (a copy)."""
    state = {name: value for name, value in vars(clf).items() if name.endswith("_")}
    return {"state": state, "weights": clf.network_.params.copy()}


def assert_as_before(clf, before, X, proba):
    after = {name: value for name, value in vars(clf).items() if name.endswith("_")}
    assert after.keys() == before["state"].keys()
    assert all(after[name] is before["state"][name] for name in after)
    np.testing.assert_array_equal(clf.network_.params, before["weights"])
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


DIVERGING = {"optimizer": "sgd", "lr": 1e30}
FAILED_REFITS = {
    # new labels (words, another order) with a bad setting: the wrong answers
    "bad lr, new labels": ({"lr": -1}, lambda X, y: (IRIS_X, NAMES[2 - IRIS_Y]), ConfigError),
    "one class": ({}, lambda X, y: (X, np.zeros(len(y), int)), ValueError),
    "other features, bad batch size": ({"batch_size": 0}, lambda X, y: (IRIS_X, IRIS_Y),
                                       ConfigError),
    "diverging": (DIVERGING, lambda X, y: (IRIS_X * 1e6, IRIS_Y),
                  DivergenceError),
}


@pytest.mark.parametrize("settings, data, error", FAILED_REFITS.values(), ids=FAILED_REFITS)
def test_a_failed_fit_leaves_the_fitted_estimator_as_it_was(fitted, wine, settings, data,
                                                             error):
    X, y = wine
    proba, before = fitted.predict_proba(X), snapshot(fitted)
    with pytest.raises(error):
        fitted.set_params(**settings).fit(*data(X, y))
    assert_as_before(fitted, before, X, proba)
    assert list(fitted.feature_names_in_) == list(X.columns) and fitted.n_features_in_ == 13


FAILED_PARTIAL_FITS = {
    "other classes": ({}, lambda X, y: (X, y, [0, 1, 2, 3]), ValueError, "differ from those"),
    "unknown label": ({}, lambda X, y: (X, y + 1, None), ValueError, "label 3 is not among"),
    "bad lr": ({"lr": -1}, lambda X, y: (X, y, None), ConfigError, "lr must be"),
    "diverging": (DIVERGING, lambda X, y: (X * 1e6, y, None), DivergenceError, "diverged"),
}


@pytest.mark.parametrize("settings, data, error, message", FAILED_PARTIAL_FITS.values(),
                         ids=FAILED_PARTIAL_FITS)
def test_a_failed_partial_fit_leaves_the_fitted_estimator_as_it_was(fitted, wine, settings,
                                                                    data, error, message):
    X, y = wine
    proba, before = fitted.predict_proba(X), snapshot(fitted)
    with pytest.raises(error, match=message):
        fitted.set_params(**settings).partial_fit(*data(X, y))
    assert_as_before(fitted, before, X, proba)


def test_a_failed_first_fit_or_partial_fit_leaves_it_unfitted():
    clf = DigitnetClassifier(epochs=5)
    with pytest.raises(ValueError, match="at least two classes"):
        clf.fit(IRIS_X[:50], IRIS_Y[:50])
    with pytest.raises(ValueError, match="label 2 is not among the classes"):
        clf.partial_fit(IRIS_X, IRIS_Y, classes=[0, 1])
    with pytest.raises(ConfigError, match="lr must be"):
        clf.set_params(lr=-1).partial_fit(IRIS_X, IRIS_Y, classes=[0, 1, 2])
    assert not [name for name in vars(clf) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        clf.predict(IRIS_X[:1])
    # The next first call is a first call: its classes, its features.
    clf.set_params(lr=0.003).partial_fit(IRIS_X[:, :3], IRIS_Y, classes=[0, 1, 2])
    assert clf.n_features_in_ == 3 and clf.network_.sizes == (3, 16, 16, 3)
    assert clf.predict(IRIS_X[:2, :3]).shape == (2,)


def test_a_loss_ending_far_above_guessing_warns_as_the_cli_notes_it():
    clf = DigitnetClassifier(epochs=5, lr=1e6)
    with pytest.warns(ConvergenceWarning, match=r"lr=1e\+06 is likely too high") as caught:
        clf.fit(IRIS_X * 1e3, IRIS_Y)
    assert len(caught) == 1 and "guessing evenly among 3 classes" in str(caught[0].message)
    assert clf.history_[-1]["train_loss"] > 10 * np.log(3)  # yet it is fitted: it answers
    assert metrics.confidently_wrong(clf.history_, clf.network_) is not None  # the CLI's test
    assert clf.predict(IRIS_X[:2]).shape == (2,)
    # A learning rate that is only too small is not that: no warning (warnings are errors here).
    slow = DigitnetClassifier(epochs=2, lr=1e-9).fit(IRIS_X, IRIS_Y)
    assert metrics.confidently_wrong(slow.history_, slow.network_) is None


def test_partial_fit_refuses_one_class_as_fit_does():
    clf = DigitnetClassifier()
    with pytest.raises(ValueError, match="needs at least two classes to tell apart; classes "
                                         "holds one class"):
        clf.partial_fit(IRIS_X[:50], IRIS_Y[:50], classes=[0])
    assert not hasattr(clf, "network_") and not hasattr(clf, "classes_")
    # and the data set it would have been made of, from arrays with one class named
    with pytest.raises(DataError, match="a classifier needs at least two classes"):
        from_arrays(IRIS_X[:50], IRIS_Y[:50], classes=["setosa"])


def test_a_dataframe_of_numbers_held_as_objects_is_read_as_validate_data_reads_it():
    pd = pytest.importorskip("pandas")
    columns = ["sepal length", "sepal width", "petal length", "petal width"]
    as_objects = pd.DataFrame(IRIS_X.astype(object), columns=columns)
    as_floats = pd.DataFrame(IRIS_X, columns=columns)
    clf = DigitnetClassifier(epochs=5).fit(as_objects, IRIS_Y)
    reference = DigitnetClassifier(epochs=5).fit(as_floats, IRIS_Y)
    assert list(clf.feature_names_in_) == columns
    np.testing.assert_array_equal(clf.predict_proba(as_floats), reference.predict_proba(as_floats))
    net = clf.network_  # reads DataFrames by column name, wherever they put each column
    assert inputs.of(net).columns == tuple(columns)
    np.testing.assert_array_equal(net.predict_proba(as_floats[columns[::-1]]),
                                  net.predict_proba(as_floats))


def test_each_partial_fit_call_shuffles_in_an_order_of_its_own(monkeypatch):
    orders = []
    plan = training._epoch_plan

    def recorded(*args, **kwargs):
        order, shifts = plan(*args, **kwargs)
        orders.append(order.copy())
        return order, shifts

    monkeypatch.setattr(training, "_epoch_plan", recorded)
    X, y = IRIS_X, IRIS_Y
    runs = []
    for seed in (0, 0, 1):
        clf = DigitnetClassifier(random_state=seed)
        for _ in range(3):
            clf.partial_fit(X, y, classes=[0, 1, 2])
        runs.append((orders[-3:], clf.predict_proba(X)))
    (first, proba), (again, proba_again), (other, _) = runs
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[1], first[2])
    for a, b in zip(first, again):  # the same seed and calls: the same orders, the same network
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(proba, proba_again)
    assert not any(np.array_equal(a, b) for a, b in zip(first, other))
    assert clf.n_iter_ == 3  # the epochs trained, one a call


def test_a_val_fraction_that_holds_out_nothing_says_so():
    X, y = IRIS_X[SIX], IRIS_Y[SIX]
    clf = DigitnetClassifier(epochs=2, val_fraction=0.1)
    with pytest.warns(UserWarning, match=r"val_fraction=0\.1 holds out none of these 6 rows.*"
                                         r"largest class has 2 rows \(it would need 6\)"):
        clf.fit(X, y)
    assert all("val_loss" not in record for record in clf.history_)
    # Early stopping has nothing to score: refused before training, leaving it unfitted.
    stopping = DigitnetClassifier(epochs=2, val_fraction=0.1, early_stopping=True)
    with pytest.raises(ConfigError, match="early stopping scores held-out examples"):
        stopping.fit(X, y)
    with pytest.raises(NotFittedError):
        stopping.predict(X)
    # One of each class held out: no warning, and the history scores them.
    held = DigitnetClassifier(epochs=2, val_fraction=0.5).fit(X, y)
    assert all("val_loss" in record for record in held.history_)
