"""DigitnetClassifier's refusals in its own words, on scikit-learn's real wine and iris data:
early stopping with nothing held out names val_fraction= (and the CLI's flag beside it, as
training's other refusals do); partial_fit after set_params changed the layers says that they
changed since fit and to call fit to start over (it said "the init model ... or without
--init"); a diverging fit says the estimator keeps what it had, which it does (it said "the
weights of the last good epoch are kept"); from_sklearn of it says that network_ is the digitnet
network already. digitnet.train from a network of other layers says "without init" in Python.
A random_state that scikit-learn's estimators do not take either (a Generator, -1) is refused
in one line, and a fitted estimator keeps its fit."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets as sk
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import digitnet
from digitnet.errors import ConfigError, DivergenceError, UnsupportedModelError
from digitnet.sklearn import DigitnetClassifier

WINE_X, WINE_Y = sk.load_wine(return_X_y=True)
IRIS_X, IRIS_Y = sk.load_iris(return_X_y=True)
FEW = np.r_[0:3, 50:53, 100:103]  # three real irises of each kind


@pytest.fixture
def fitted():
    return DigitnetClassifier(epochs=5).fit(WINE_X, WINE_Y)


def kept(clf):
    """The fitted attributes and a copy of the weights, to compare after a failed call."""
    return {k: v for k, v in vars(clf).items() if k.endswith("_")}, clf.network_.params.copy()


def assert_kept(clf, before):
    state, weights = before
    assert {k: v for k, v in vars(clf).items() if k.endswith("_")} == state
    np.testing.assert_array_equal(clf.network_.params, weights)


def test_early_stopping_with_nothing_held_out_says_val_fraction():
    clf = DigitnetClassifier(epochs=2, val_fraction=0.1, early_stopping=True)
    with pytest.raises(ConfigError) as caught:
        clf.fit(IRIS_X[FEW], IRIS_Y[FEW])
    assert str(caught.value) == (
        "DigitnetClassifier: early stopping scores held-out examples, and val_fraction=0.1 "
        "(--val-fraction 0.1) holds out none of its 9 examples (that share of each class, "
        "rounded; its largest class has 3); hold out more (val_fraction=0.2, --val-fraction "
        "0.2: one of the largest class) or train without early stopping (early_stopping=False, "
        "--no-early-stopping)")
    with pytest.raises(NotFittedError):
        clf.predict(IRIS_X[:1])
    # What it suggests runs: one iris of each kind held out, and scored.
    held = clf.set_params(val_fraction=0.2).fit(IRIS_X[FEW], IRIS_Y[FEW])
    assert all("val_loss" in record for record in held.history_)


def test_partial_fit_after_the_layers_changed_says_to_call_fit(fitted):
    before = kept(fitted)
    with pytest.raises(ConfigError) as caught:
        fitted.set_params(hidden_layer_sizes=(8,)).partial_fit(WINE_X, WINE_Y)
    assert str(caught.value) == (
        "DigitnetClassifier: changed since fit: hidden_layer_sizes is (8,), network_'s (16, 16) "
        "(layers 13-16-16-3); partial_fit trains network_ further as it is: call fit to start "
        "over with the new settings, or set them back")
    assert_kept(fitted, before)
    fitted.set_params(hidden_layer_sizes=(16, 16), activation="tanh")
    with pytest.raises(ConfigError, match=r"changed since fit: activation is 'tanh', "
                                          r"network_'s 'relu'; partial_fit trains"):
        fitted.partial_fit(WINE_X, WINE_Y)
    assert_kept(fitted, before)
    # As it says: fit starts over with the new settings; set back, partial_fit goes on.
    assert fitted.fit(WINE_X, WINE_Y).network_.activation.name == "tanh"
    fitted.set_params(hidden_layer_sizes=(8,), activation="relu").fit(WINE_X, WINE_Y)
    assert fitted.partial_fit(WINE_X, WINE_Y).network_.sizes == (13, 8, 3)


def test_python_training_from_a_network_of_other_layers_says_without_init(fitted):
    with pytest.raises(ConfigError, match=r"^the init model: its layers are 13-16-16-3, the "
                                          r"run's 13-8-3 .*; train on data of the model's "
                                          r"shape, or without init$"):
        digitnet.train(WINE_X, WINE_Y, init=fitted.network_, hidden=(8,), epochs=1)


DIVERGING = {"optimizer": "sgd", "lr": 1e30}


def test_a_diverging_fit_says_the_estimator_keeps_its_previous_fit(fitted):
    before = kept(fitted)
    with pytest.raises(DivergenceError) as caught:
        fitted.set_params(**DIVERGING).fit(WINE_X, WINE_Y)
    assert str(caught.value) == (
        "DigitnetClassifier: training diverged in epoch 1 (loss became nan), so the estimator "
        "keeps its previous fit; try a lower lr than 1e+30")
    assert_kept(fitted, before)  # as it says
    with pytest.raises(DivergenceError, match=r"so the estimator keeps network_ as it was "
                                              r"before this call; try a lower lr than 1e\+30$"):
        fitted.partial_fit(WINE_X, WINE_Y)
    assert_kept(fitted, before)
    unfitted = DigitnetClassifier(**DIVERGING)
    with pytest.raises(DivergenceError, match="so the estimator stays unfitted; try a lower"):
        unfitted.fit(WINE_X, WINE_Y)
    with pytest.raises(NotFittedError):
        unfitted.predict(WINE_X[:1])
    assert caught.value.network is not None  # the run's last good weights, for who wants them


def test_from_sklearn_of_the_estimator_says_network_is_the_digitnet_network(fitted):
    with pytest.raises(UnsupportedModelError) as caught:
        digitnet.from_sklearn(fitted)
    assert str(caught.value) == (
        "from_sklearn(DigitnetClassifier): its network_ is a digitnet network already; use it "
        "as it is (net = clf.network_), not through from_sklearn, which reads MLPClassifier")
    np.testing.assert_allclose(fitted.network_.predict_proba(WINE_X),  # as it says (float32)
                               fitted.predict_proba(WINE_X), atol=1e-6)
    pipeline = make_pipeline(StandardScaler(), DigitnetClassifier(epochs=2)).fit(WINE_X, WINE_Y)
    with pytest.raises(UnsupportedModelError, match=r"its network_ is a digitnet network "
                                                    r"already \(it reads the rows the "
                                                    r"Pipeline's steps before it give\)"):
        digitnet.from_sklearn(pipeline)
    with pytest.raises(UnsupportedModelError, match=r"^from_sklearn: this DigitnetClassifier "
                                                    r"is not fitted yet; once fitted, its "
                                                    r"network_ is a digitnet"):
        digitnet.from_sklearn(DigitnetClassifier())


@pytest.mark.parametrize("random_state, given", [
    (np.random.default_rng(0), "a Generator"),
    (-1, "-1"),
])
def test_what_is_not_a_random_state_leaves_a_fitted_estimator_as_it_was(random_state, given,
                                                                         fitted):
    before = kept(fitted)
    with pytest.raises(ConfigError, match=f"^random_state is {given}: DigitnetClassifier takes "
                                          "a whole number from 0 "):
        fitted.set_params(random_state=random_state).fit(WINE_X, WINE_Y)
    assert_kept(fitted, before)
    # One way through: scikit-learn's name, which TrainConfig calls seed.
    assert "seed" not in fitted.get_params()
    assert "random_state : int, RandomState instance or None, default 0" in fitted.__doc__
    # What it suggests runs, and reproducibly: the same seed, the same network.
    proba = fitted.set_params(random_state=0).fit(WINE_X, WINE_Y).predict_proba(WINE_X)
    np.testing.assert_array_equal(fitted.fit(WINE_X, WINE_Y).predict_proba(WINE_X), proba)
