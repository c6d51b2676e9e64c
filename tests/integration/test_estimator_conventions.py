"""DigitnetClassifier keeps scikit-learn's classifier conventions, on scikit-learn's real wine
table: ``predict_log_proba`` is the log of ``predict_proba`` (it was missing, so
``cross_val_predict(clf, X, y, method="predict_log_proba")`` failed with AttributeError), and
saving the estimator instead of its network names it by its public path,
``digitnet.DigitnetClassifier`` (the message once said so when that did not exist; the package
names it now, as it names ``digitnet.Network``)."""

from __future__ import annotations

import importlib
import re

import numpy as np
import onnx
import pytest
from scipy.special import logsumexp
from sklearn import datasets as sk
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_predict, train_test_split

import digitnet
from digitnet.errors import ConfigError
from digitnet.inputs import Images
from digitnet.sklearn import DigitnetClassifier

pytestmark = pytest.mark.engine_independent  # (the estimator's methods and messages)

WINE_X, WINE_Y = sk.load_wine(return_X_y=True)
WINE_NAMES = sk.load_wine().target_names[WINE_Y]  # the cultivars by name: "class_0", ...


@pytest.fixture(scope="module")
def fitted():
    X_train, _, y_train, _ = train_test_split(WINE_X, WINE_NAMES, test_size=0.25,
                                              stratify=WINE_Y, random_state=0)
    return DigitnetClassifier(epochs=20).fit(X_train, y_train)


def test_predict_log_proba_is_the_log_of_predict_proba(fitted):
    log_proba = fitted.predict_log_proba(WINE_X)
    proba = fitted.predict_proba(WINE_X)
    assert log_proba.shape == (len(WINE_X), 3) and log_proba.dtype == np.float64
    np.testing.assert_array_equal(log_proba, np.log(proba))
    # Columns as classes_, as predict reads them; each row's probabilities sum to 1.
    assert (fitted.classes_[log_proba.argmax(axis=1)] == fitted.predict(WINE_X)).all()
    np.testing.assert_allclose(logsumexp(log_proba, axis=1), 0, atol=1e-12)
    # One row, as a list of lists: read as predict_proba reads it.
    row = WINE_X[:1].tolist()
    np.testing.assert_array_equal(fitted.predict_log_proba(row), np.log(fitted.predict_proba(row)))


def test_predict_log_proba_is_there_when_predict_proba_is():
    clf = DigitnetClassifier()
    assert hasattr(clf, "predict_proba") and hasattr(clf, "predict_log_proba")
    with pytest.raises(NotFittedError):
        clf.predict_log_proba(WINE_X[:2])
    fitted = clf.fit(WINE_X, WINE_Y)
    with pytest.raises(ValueError, match="13 features"):  # the rows checked as predict_proba's
        fitted.predict_log_proba(WINE_X[:2, :5])


def test_cross_val_predict_with_predict_log_proba():
    clf = DigitnetClassifier(epochs=20)
    log_proba = cross_val_predict(clf, WINE_X, WINE_Y, cv=3, method="predict_log_proba")
    assert log_proba.shape == (len(WINE_X), 3) and np.isfinite(log_proba).all()
    np.testing.assert_allclose(logsumexp(log_proba, axis=1), 0, atol=1e-12)
    # The same folds and seeds: the same networks, whose answers these are.
    predicted = cross_val_predict(clf, WINE_X, WINE_Y, cv=3)
    np.testing.assert_array_equal(log_proba.argmax(axis=1), predicted)
    assert (predicted == WINE_Y).mean() > 0.9  # it learned: wines told apart


def test_saving_the_estimator_names_it_by_its_public_path(fitted, tmp_path):
    path = tmp_path / "wine.safetensors"
    with pytest.raises(ConfigError) as caught:
        digitnet.save(fitted, path)
    assert str(caught.value) == ("save takes a Network, not a digitnet.DigitnetClassifier: "
                                 "save its .network_")
    with pytest.raises(ConfigError, match=r"^save takes a Network, not a "
                                          r"digitnet\.DigitnetClassifier; make one with "):
        digitnet.save(DigitnetClassifier(), path)  # unfitted: no network_ to point at
    assert not path.exists()
    # The name it gives is where the class is; what it says to do works.
    module, _, name = "digitnet.DigitnetClassifier".rpartition(".")
    assert getattr(importlib.import_module(module), name) is DigitnetClassifier
    digitnet.save(fitted.network_, path)
    np.testing.assert_allclose(digitnet.load(path).predict_proba(WINE_X),
                               fitted.predict_proba(WINE_X), atol=1e-6)


@pytest.mark.parametrize("value, named", [
    (digitnet.TrainConfig(), "digitnet.TrainConfig"),  # the package's own name for it
    (Images((28, 28)), "digitnet.inputs.Images"),  # not the package's: its module's
    (np.zeros((16, 784), np.float32), "numpy.ndarray"),  # another package's: short
    ({"layers.0.weight": 0}, "dict"),
])
def test_other_values_are_named_by_their_public_path(value, named, tmp_path):
    with pytest.raises(ConfigError, match=rf"^save takes a Network, not a {named}; "):
        digitnet.save(value, tmp_path / "m.safetensors")


@pytest.mark.parametrize("value, said", [
    (onnx.ModelProto(), "an onnx.ModelProto"),  # (what an ONNX user may pass: read "an onnx")
    (np.int64(3), "a numpy.int64"),
])
def test_each_name_takes_the_article_it_is_read_with(value, said, tmp_path):
    with pytest.raises(ConfigError, match=rf"^save takes a Network, not {re.escape(said)}; "):
        digitnet.save(value, tmp_path / "m.safetensors")
