"""DigitnetClassifier as a scikit-learn user meets it, on scikit-learn's real wine, digits and
breast cancer tables (a walker's reports).

- Its seed is ``random_state``, scikit-learn's name, which meta-estimators set: a
  BaggingClassifier of four gave four identical members, silently (the estimator called it
  ``seed``, which ``_set_random_states`` does not look for), and ``random_state=0`` was a
  TypeError. It takes what scikit-learn's estimators take (a whole number, None, a RandomState)
  and keeps the seed it trained with (``seed_``, and in the model file), so a fit is made
  again exactly; a model saved when the record said ``seed`` loads as it did.
- Sparse ``X`` (a one-hot KBinsDiscretizer's) was refused; it is read as the dense table.
- ``digitnet.DigitnetClassifier`` was an AttributeError; without the sklearn extra it names it.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
from sklearn import datasets as sk
from sklearn.base import clone
from sklearn.ensemble import BaggingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils import shuffle

import digitnet
from digitnet.errors import ConfigError, MissingDependencyError
from digitnet.sklearn import DigitnetClassifier

WINE_X, WINE_Y = sk.load_wine(return_X_y=True)
DRAWN = np.iinfo(np.int32).max  # (scikit-learn draws seeds below this: _set_random_states)


def test_bagging_seeds_each_member_its_own_way():
    """The walker's: four members on the whole of wine, no bootstrap, so the seed alone makes
    them differ."""
    bag = BaggingClassifier(DigitnetClassifier(epochs=20), n_estimators=4, random_state=0,
                            bootstrap=False).fit(WINE_X, WINE_Y)
    seeds = [member.random_state for member in bag.estimators_]
    assert len(set(seeds)) == 4 and all(isinstance(s, int) and 0 <= s < DRAWN for s in seeds)
    assert [member.seed_ for member in bag.estimators_] == seeds  # the seed each trained with
    probas = [member.predict_proba(WINE_X) for member in bag.estimators_]
    assert not any(np.array_equal(probas[i], probas[j]) for i in range(4) for j in range(i))
    # The ensemble's own random_state makes it again, member for member.
    again = clone(bag).fit(WINE_X, WINE_Y)
    np.testing.assert_array_equal(again.predict_proba(WINE_X), bag.predict_proba(WINE_X))
    assert bag.score(WINE_X, WINE_Y) > 0.9


def test_random_state_takes_what_scikit_learns_estimators_take():
    # A whole number is the seed itself (the default, 0, too): the same one, the same network.
    clf = DigitnetClassifier(epochs=10)
    assert clf.get_params()["random_state"] == 0 and "seed" not in clf.get_params()
    proba = clf.fit(WINE_X, WINE_Y).predict_proba(WINE_X)
    assert clf.seed_ == 0 and clf.network_.metadata["config"]["seed"] == 0
    np.testing.assert_array_equal(clone(clf).fit(WINE_X, WINE_Y).predict_proba(WINE_X), proba)
    assert clf.set_params(random_state=np.int64(7)).fit(WINE_X, WINE_Y).seed_ == 7
    # None: a new seed each fit, from NumPy's global generator; the one used is seed_, and it
    # trains the same network again.
    fresh = DigitnetClassifier(epochs=10, random_state=None)
    first = fresh.fit(WINE_X, WINE_Y).seed_
    proba = fresh.predict_proba(WINE_X)
    second = fresh.fit(WINE_X, WINE_Y).seed_
    assert first != second and fresh.random_state is None  # (the parameter left as given)
    assert fresh.network_.metadata["config"]["seed"] == second
    np.testing.assert_array_equal(
        DigitnetClassifier(epochs=10, random_state=first).fit(WINE_X, WINE_Y)
        .predict_proba(WINE_X), proba)
    # A RandomState: each fit draws the next seed from it, as check_random_state reads it.
    state = np.random.RandomState(42)
    expected = np.random.RandomState(42).randint(DRAWN, size=2).tolist()
    seeded = DigitnetClassifier(epochs=10, random_state=state)
    assert [seeded.fit(WINE_X, WINE_Y).seed_ for _ in range(2)] == expected


@pytest.mark.parametrize("random_state, given", [
    (np.random.default_rng(0), "a Generator"),
    (-1, "-1"),
    (1.0, "1.0"),
    ("0", "'0'"),
])
def test_what_is_not_a_random_state_is_refused_in_one_line(random_state, given):
    clf = DigitnetClassifier(epochs=2, random_state=random_state)
    for train in (clf.fit, lambda X, y: clf.partial_fit(X, y, classes=[0, 1, 2])):
        with pytest.raises(ConfigError) as caught:
            train(WINE_X, WINE_Y)
        assert str(caught.value) == (
            f"random_state is {given}: DigitnetClassifier takes a whole number from 0 (the seed "
            "itself), None or a numpy RandomState (a seed drawn from it), as scikit-learn's "
            "estimators do; pass one such as random_state=0")
        with pytest.raises(NotFittedError):
            clf.predict(WINE_X[:1])
    with pytest.raises(TypeError, match="unexpected keyword argument 'seed'"):
        DigitnetClassifier(seed=0)  # one name: scikit-learn's


def test_partial_fit_keeps_the_seed_of_its_first_call(tmp_path):
    X, y = shuffle(WINE_X, WINE_Y, random_state=0)
    est = DigitnetClassifier(lr=0.01, random_state=None)
    for part in (slice(0, 60), slice(60, 120)):
        est.partial_fit(X[part], y[part], classes=[0, 1, 2])
    seed = est.seed_  # drawn once, at the first call: each later call shuffles from it
    again = DigitnetClassifier(lr=0.01, random_state=seed)
    for part in (slice(0, 60), slice(60, 120)):
        again.partial_fit(X[part], y[part], classes=[0, 1, 2])
    np.testing.assert_array_equal(again.network_.params, est.network_.params)
    # Saved and loaded, it goes on with that seed (random_state comes back as given: None).
    digitnet.save(est.network_, tmp_path / "m.safetensors")
    back = DigitnetClassifier.from_network(digitnet.load(tmp_path / "m.safetensors"))
    assert back.random_state is None and back.seed_ == seed
    assert back.network_.metadata["estimator"]["seed"] == seed
    for clf in (est, back, again):
        clf.partial_fit(X[120:], y[120:])
    np.testing.assert_array_equal(back.network_.params, est.network_.params)
    np.testing.assert_array_equal(again.network_.params, est.network_.params)


def _as_saved_before(path, out) -> None:
    """The model file at ``path`` with its estimator record as digitnet wrote it before the
    estimator took random_state: the seed among the params, under TrainConfig's name, and no
    seed of the record's own."""
    with safe_open(str(path), "np") as f:
        meta = f.metadata()
    header = json.loads(meta["digitnet"])
    record = header["estimator"]
    del record["seed"]
    record["params"]["seed"] = record["params"].pop("random_state")
    save_file(load_file(str(path)), str(out), metadata={**meta, "digitnet": json.dumps(header)})


def test_a_model_saved_when_the_record_said_seed_loads_as_it_did(tmp_path):
    X, y = shuffle(WINE_X, np.array([3, 10, 42])[WINE_Y], random_state=0)
    est = DigitnetClassifier(lr=0.01, random_state=3).partial_fit(X[:90], y[:90],
                                                                  classes=[3, 10, 42])
    digitnet.save(est.network_, tmp_path / "new.safetensors")
    _as_saved_before(tmp_path / "new.safetensors", tmp_path / "old.safetensors")
    net = digitnet.load(tmp_path / "old.safetensors")  # (no note: a note would be an error)
    assert "random_state" not in net.metadata["estimator"]["params"]
    back = DigitnetClassifier.from_network(net)
    assert back.get_params() == est.get_params() and back.seed_ == 3
    assert back.classes_.tolist() == [3, 10, 42] and back.classes_.dtype == est.classes_.dtype
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    for clf in (est, back):  # partial_fit goes on from it with the same seed
        clf.partial_fit(X[90:], y[90:])
    np.testing.assert_array_equal(back.network_.params, est.network_.params)


def test_sparse_rows_are_read_as_the_dense_table():
    """The walker's pipeline: KBinsDiscretizer's one-hot columns are a SciPy sparse matrix."""
    onehot = KBinsDiscretizer(n_bins=5, encode="onehot", quantile_method="averaged_inverted_cdf")
    scores = cross_val_score(make_pipeline(onehot, DigitnetClassifier()), WINE_X, WINE_Y, cv=3)
    assert scores.mean() > 0.85
    sparse = onehot.fit_transform(WINE_X)
    assert sp.issparse(sparse)
    dense = sparse.toarray()
    clf = DigitnetClassifier(epochs=20).fit(sparse, WINE_Y)
    proba = DigitnetClassifier(epochs=20).fit(dense, WINE_Y).predict_proba(dense)
    np.testing.assert_array_equal(clf.predict_proba(dense), proba)  # the same network
    for rows in (sparse.tocsr(), sparse.tocsc(), sparse.tocoo(), sp.csr_array(dense)):
        np.testing.assert_array_equal(clf.predict_proba(rows), proba)
        np.testing.assert_array_equal(clf.predict(rows), clf.predict(dense))
        assert clf.score(rows, WINE_Y) == clf.score(dense, WINE_Y)
    first = DigitnetClassifier().partial_fit(sparse, WINE_Y, classes=[0, 1, 2])
    np.testing.assert_array_equal(
        first.partial_fit(sparse[:5], WINE_Y[:5]).network_.params,
        DigitnetClassifier().partial_fit(dense, WINE_Y, classes=[0, 1, 2])
        .partial_fit(dense[:5], WINE_Y[:5]).network_.params)


def test_the_package_names_the_estimator(monkeypatch):
    import digitnet.sklearn

    assert digitnet.DigitnetClassifier is digitnet.sklearn.DigitnetClassifier
    assert "DigitnetClassifier" in dir(digitnet)
    assert "DigitnetClassifier" not in digitnet.__all__  # (import * needs no extra)
    # Without scikit-learn, asking for it names the extra, in one line.
    monkeypatch.delattr(digitnet, "DigitnetClassifier")
    monkeypatch.delitem(sys.modules, "digitnet.sklearn")
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if it were not installed
    with pytest.raises(MissingDependencyError) as caught:
        digitnet.DigitnetClassifier
    assert str(caught.value) == ("digitnet.sklearn needs the sklearn extra: "
                                 "pip install 'digitnet[sklearn]'")
