"""DigitnetClassifier.from_network: an estimator kept as a model file comes back fitted.

A walker saved a fitted estimator as the README says, ``digitnet.save(est.network_, path)``
(models are never pickled), and nothing made the estimator again: fitted on the labels 3, 10
and 42, the estimator predicted ``[3 10 3]`` while the loaded network gave positions
``[0 1 0]`` and class names "3", "10", "42". Now the network records what the estimator needs
besides (metadata ``estimator``), and from_network reads it back: on scikit-learn's real wine,
digits and breast cancer tables, labels of every type come back as they were given, the
predictions are exactly the estimator's, clone and partial_fit work from it. A model without
that record (an older digitnet's, digitnet.train's, one whose record was edited) comes back
with its classes as their names; a model of pictures or recordings is refused in one line; the
commands read a model with the record as one without it.

And the estimator's own refusals of its user's mistakes are digitnet's one-line errors
(ConfigError, DataError), which are still ValueErrors (they were plain ValueErrors, shown in
IPython as a whole traceback).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from real_data import write_csv
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
from sklearn import datasets as sk
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import shuffle

import digitnet
from digitnet import inputs, sklearn_record
from digitnet.cli import cli
from digitnet.errors import ConfigError, DataError, DigitnetError
from digitnet.network import Network
from digitnet.sklearn import DigitnetClassifier

WINE = sk.load_wine()
WINE_X, WINE_Y = WINE.data, WINE.target
CANCER_X, CANCER_Y = sk.load_breast_cancer(return_X_y=True)
DIGITS_X, DIGITS_Y = sk.load_digits(return_X_y=True)


def saved_and_loaded(net: Network, tmp_path, name: str = "model.safetensors") -> Network:
    path = tmp_path / name
    digitnet.save(net, path)
    return digitnet.load(path)


def assert_same_estimator(back: DigitnetClassifier, est: DigitnetClassifier, X) -> None:
    """``back`` is ``est`` in use: its classes (values and types), predictions (exactly),
    parameters and fitted attributes."""
    assert back.classes_.dtype == est.classes_.dtype
    assert back.classes_.tolist() == est.classes_.tolist()
    assert [type(c) for c in back.classes_.tolist()] == [type(c) for c in est.classes_.tolist()]
    predicted = back.predict(X)
    assert predicted.dtype == est.predict(X).dtype
    np.testing.assert_array_equal(predicted, est.predict(X))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(back.predict_log_proba(X), est.predict_log_proba(X))
    assert back.get_params() == est.get_params()
    assert back.n_features_in_ == est.n_features_in_
    assert back.history_ == est.history_ and back.n_iter_ == est.n_iter_
    assert back.seed_ == est.seed_
    assert hasattr(back, "feature_names_in_") == hasattr(est, "feature_names_in_")
    if hasattr(est, "feature_names_in_"):
        np.testing.assert_array_equal(back.feature_names_in_, est.feature_names_in_)
        assert back.feature_names_in_.dtype == est.feature_names_in_.dtype


LABELS = {
    "int": (WINE_X, np.array([3, 10, 42])[WINE_Y]),  # the walker's
    "uint8": (WINE_X, WINE_Y.astype(np.uint8)),
    "str": (WINE_X, WINE.target_names[WINE_Y]),  # "class_0", ...
    "float": (WINE_X, WINE_Y + 1.0),  # 1.0, 2.0, 3.0: named "1", "2", "3"
    "float32": (WINE_X, (WINE_Y * 2 - 1).astype(np.float32)),
    "bool": (CANCER_X, CANCER_Y.astype(bool)),
}


@pytest.mark.parametrize("kind", LABELS)
def test_a_saved_estimator_comes_back_with_its_labels_as_given(kind, tmp_path):
    X, y = LABELS[kind]
    est = DigitnetClassifier(epochs=15).fit(X, y)
    back = DigitnetClassifier.from_network(saved_and_loaded(est.network_, tmp_path))
    assert_same_estimator(back, est, X)
    assert back.classes_.tolist() == np.unique(y).tolist()
    # From the path of the file too; and from the network in memory, unsaved.
    assert_same_estimator(DigitnetClassifier.from_network(tmp_path / "model.safetensors"), est, X)
    assert_same_estimator(DigitnetClassifier.from_network(est.network_), est, X)


def test_the_walkers_labels(tmp_path):
    X, y = LABELS["int"]
    est = DigitnetClassifier(epochs=15).fit(X, y)
    net = saved_and_loaded(est.network_, tmp_path)
    rows = X[[0, 70, 1]]  # a wine of each of classes 3 and 10, then another 3
    assert est.predict(rows).tolist() == [3, 10, 3]
    # The network alone answers with positions and names its classes with text, as ever...
    assert net.predict(rows).tolist() == [0, 1, 0]
    assert inputs.classes_of(net) == ["3", "10", "42"]
    # ... and the estimator made from it with the labels, of their type.
    predicted = DigitnetClassifier.from_network(net).predict(rows)
    assert predicted.tolist() == [3, 10, 3] and predicted.dtype == np.int64
    assert net.metadata["estimator"]["classes"] == [3, 10, 42]


def test_digits_in_a_dataframe_keep_their_column_names(tmp_path):
    pytest.importorskip("pandas")
    X, y = sk.load_digits(return_X_y=True, as_frame=True)
    est = DigitnetClassifier(epochs=10).fit(X, y)
    back = DigitnetClassifier.from_network(saved_and_loaded(est.network_, tmp_path))
    assert back.feature_names_in_.tolist()[:2] == ["pixel_0_0", "pixel_0_1"]
    assert_same_estimator(back, est, X)
    # Read by name, wherever the DataFrame puts each column.
    reordered = X[list(reversed(X.columns))]
    np.testing.assert_array_equal(back.network_.predict_proba(reordered),
                                  est.network_.predict_proba(X))


def test_digits_rows_are_a_table_though_64_is_a_square(tmp_path):
    est = DigitnetClassifier(epochs=10).fit(DIGITS_X, DIGITS_Y)  # 8x8 pixels, as 64 columns
    back = DigitnetClassifier.from_network(saved_and_loaded(est.network_, tmp_path))
    assert_same_estimator(back, est, DIGITS_X)
    assert not hasattr(back, "feature_names_in_")  # fitted on rows without names (x0, x1, ...)
    assert back.score(DIGITS_X, DIGITS_Y) == est.score(DIGITS_X, DIGITS_Y) > 0.9


def test_columns_named_x0_x1_in_a_dataframe_are_still_names(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(WINE_X, columns=[f"x{i}" for i in range(13)])
    est = DigitnetClassifier(epochs=5).fit(frame, WINE_Y)
    back = DigitnetClassifier.from_network(saved_and_loaded(est.network_, tmp_path))
    assert_same_estimator(back, est, frame)  # (the record says it read named columns)


def test_every_parameter_comes_back_and_clone_refits_the_same(tmp_path):
    est = DigitnetClassifier(hidden_layer_sizes=(8,), activation="tanh", optimizer="sgd",
                             lr=0.05, momentum=0.9, weight_decay=1e-4, batch_size=16, epochs=12,
                             schedule="constant", val_fraction=0.2, early_stopping=True,
                             patience=3, random_state=7, engine="numpy").fit(WINE_X, WINE_Y)
    back = DigitnetClassifier.from_network(saved_and_loaded(est.network_, tmp_path))
    assert_same_estimator(back, est, WINE_X)
    fresh = clone(back)
    assert fresh.get_params() == est.get_params()
    assert not any(name.endswith("_") for name in vars(fresh))
    with pytest.raises(NotFittedError):
        fresh.predict(WINE_X)
    # The same parameters and data: the same network (digitnet's runs are reproducible).
    np.testing.assert_array_equal(fresh.fit(WINE_X, WINE_Y).predict_proba(WINE_X),
                                  est.predict_proba(WINE_X))


def test_partial_fit_goes_on_from_it_as_from_the_estimator(tmp_path):
    X, y = shuffle(WINE_X, WINE_Y, random_state=0)
    est = DigitnetClassifier(lr=0.01, random_state=3).partial_fit(X[:60], y[:60],
                                                                  classes=[0, 1, 2])
    est.partial_fit(X[60:120], y[60:120])
    net = saved_and_loaded(est.network_, tmp_path)
    # (Its training config is the last call's one-epoch run, with that call's own seed.)
    assert net.metadata["config"]["epochs"] == 1 and net.metadata["config"]["seed"] != 3
    back = DigitnetClassifier.from_network(net)
    assert_same_estimator(back, est, X)
    assert back.n_iter_ == 2 and back.get_params()["random_state"] == 3
    for clf in (est, back):
        clf.partial_fit(X[120:], y[120:], classes=[0, 1, 2])
    np.testing.assert_array_equal(back.network_.params, est.network_.params)
    assert back.n_iter_ == est.n_iter_ == 3
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    # And after a fit.
    fitted = DigitnetClassifier(epochs=10).fit(X, y)
    again = DigitnetClassifier.from_network(saved_and_loaded(fitted.network_, tmp_path, "f.st"))
    for clf in (fitted, again):
        clf.partial_fit(X[:50], y[:50])
    np.testing.assert_array_equal(again.network_.params, fitted.network_.params)
    assert again.n_iter_ == 11


def test_a_model_without_the_record_gives_its_classes_by_name(tmp_path):
    X, y = LABELS["int"]
    est = DigitnetClassifier(epochs=15).fit(X, y)
    older = est.network_.copy()
    del older.metadata["estimator"]  # as a digitnet from before the record saved it
    back = DigitnetClassifier.from_network(saved_and_loaded(older, tmp_path))
    assert back.classes_.tolist() == ["3", "10", "42"]  # the names, in the network's order
    np.testing.assert_array_equal(back.predict(X), est.predict(X).astype(str))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert back.get_params() == est.get_params()  # from its training config: a fit's
    assert back.history_ == est.history_ and back.n_iter_ == est.n_iter_ == 15
    # partial_fit goes on with the labels as named, each to its own output (not sorted as text:
    # "10" < "3").
    est.partial_fit(X, y)
    back.partial_fit(X, y.astype(str))
    np.testing.assert_array_equal(back.network_.params, est.network_.params)


def test_a_model_digitnet_train_made(tmp_path):
    pytest.importorskip("pandas")
    wine = sk.load_wine(as_frame=True)
    names = wine.target_names[wine.target]
    result = digitnet.train(wine.data, names, epochs=60)
    back = DigitnetClassifier.from_network(saved_and_loaded(result.network, tmp_path))
    assert back.classes_.tolist() == list(wine.target_names)
    assert back.feature_names_in_.tolist() == wine.feature_names
    params = back.get_params()
    config = result.network.metadata["config"]
    assert {k: params[k] for k in ("activation", "lr", "weight_decay", "val_fraction", "epochs")} \
        == {k: config[k] for k in ("activation", "lr", "weight_decay", "val_fraction", "epochs")}
    assert params["hidden_layer_sizes"] == tuple(result.network.sizes[1:-1])
    assert params["engine"] == "auto"  # (not recorded: the default)
    assert back.n_iter_ == len(back.history_) == 60
    np.testing.assert_array_equal(back.predict_proba(wine.data),
                                  result.network.astype(np.float64).predict_proba(wine.data))
    assert back.score(wine.data, names) > 0.9


def test_a_model_without_a_history_has_no_history_(tmp_path):
    est = DigitnetClassifier(epochs=5).fit(WINE_X, WINE_Y)
    bare = est.network_.copy()
    for record in ("estimator", "history", "config", "metrics"):
        del bare.metadata[record]
    back = DigitnetClassifier.from_network(saved_and_loaded(bare, tmp_path))
    assert not hasattr(back, "history_") and not hasattr(back, "n_iter_")
    assert back.get_params() == DigitnetClassifier().get_params()  # (its shape is the default's)
    np.testing.assert_array_equal(back.predict_proba(WINE_X), est.predict_proba(WINE_X))
    back.partial_fit(WINE_X, WINE_Y.astype(str))  # goes on all the same
    assert back.n_iter_ == 1


def _edited(path, out, change) -> None:
    """The model file at ``path`` with its metadata changed by ``change`` (as by hand)."""
    with safe_open(str(path), "np") as f:
        meta = f.metadata()
    header = json.loads(meta["digitnet"])
    change(header)
    save_file(load_file(str(path)), str(out), metadata={**meta, "digitnet": json.dumps(header)})


@pytest.mark.parametrize("change, said", [
    (lambda h: h["estimator"]["classes"].__setitem__(2, 43),
     "holds classes [3, 10, 43], named ['3', '10', '43'], but the network's are ['3', '10', "
     "'42']"),
    (lambda h: h["estimator"].__setitem__("dtype", "<U2"), "holds classes [3, 10, 42], not all "
                                                           "of dtype <U2"),
    (lambda h: h["estimator"]["params"].__setitem__("lr", -1), "holds params that are not a "
                                                               "recipe digitnet can train"),
    (lambda h: h["estimator"].__setitem__("n_iter", 0), "holds n_iter 0, not a whole number"),
    (lambda h: h.__setitem__("estimator", [3, 10, 42]), "is [3, 10, 42], not the record of a "
                                                        "DigitnetClassifier"),
])
def test_a_record_edited_by_hand_is_set_aside(change, said, tmp_path):
    X, y = LABELS["int"]
    est = DigitnetClassifier(epochs=5).fit(X, y)
    digitnet.save(est.network_, tmp_path / "model.safetensors")
    _edited(tmp_path / "model.safetensors", tmp_path / "edited.safetensors", change)
    with pytest.warns(UserWarning) as noted:
        net = digitnet.load(tmp_path / "edited.safetensors")
    (note,) = [str(w.message) for w in noted]
    assert note.startswith(f"{tmp_path / 'edited.safetensors'}: its metadata 'estimator' {said}")
    assert "it is ignored (kept as metadata 'estimator_ignored')" in note
    assert "estimator" not in net.metadata and "estimator_ignored" in net.metadata
    back = DigitnetClassifier.from_network(net)  # as from a model without the record
    assert back.classes_.tolist() == ["3", "10", "42"]
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    # In memory, unchecked by a load, such a record is refused.
    edited = est.network_.copy()
    header = {"estimator": edited.metadata["estimator"]}
    change(header)
    edited.metadata["estimator"] = header["estimator"]
    with pytest.raises(ConfigError, match=rf"^DigitnetClassifier\.from_network: its metadata "
                                          rf"'estimator' {re.escape(said)}.*; fit the estimator "
                                          r"again, or delete the record"):
        DigitnetClassifier.from_network(edited)


def test_a_model_of_pictures_is_refused_in_one_line(small_model):
    expected = ("DigitnetClassifier.from_network: the network reads 28x28 images, and the "
                "estimator reads a table's rows (n_samples, n_features); use the network itself "
                "for those (net.predict, `digitnet predict MODEL FILES`)")
    for given in (small_model, digitnet.load(small_model)):
        with pytest.raises(ConfigError) as caught:
            DigitnetClassifier.from_network(given)
        assert str(caught.value) == expected


def test_a_model_of_recordings_is_refused():
    net = Network([784, 8, 10], seed=0)
    net.metadata = {"input": inputs.Audio().to_dict(), "classes": [str(d) for d in range(10)]}
    with pytest.raises(ConfigError, match=r"^DigitnetClassifier\.from_network: the network reads "
                                          r"recordings"):
        DigitnetClassifier.from_network(net)


def test_a_network_that_names_no_classes_is_refused():
    net = Network([13, 8, 3], seed=0)  # built by hand: a table of 13 columns, classes unnamed
    with pytest.raises(ConfigError) as caught:
        DigitnetClassifier.from_network(net)
    assert str(caught.value) == (
        "DigitnetClassifier.from_network: the network records no classes (its outputs are only "
        "numbered); give one that a DigitnetClassifier or digitnet.train fitted, or name one "
        "class for each output neuron (net.metadata['classes'] = [...], 3 names)")
    net.metadata["classes"] = ["a", "b", "c"]
    assert DigitnetClassifier.from_network(net).predict(WINE_X[:2]).dtype.kind == "U"


def test_the_estimator_given_for_its_network_is_refused():
    est = DigitnetClassifier(epochs=2).fit(WINE_X, WINE_Y)
    with pytest.raises(ConfigError, match=r"^DigitnetClassifier\.from_network takes a Network or "
                                          r"the model file at a path, not a value of type "
                                          r"DigitnetClassifier: pass its \.network_$"):
        DigitnetClassifier.from_network(est)


def test_the_record_names_every_parameter():
    assert (set(sklearn_record.SHAPE + sklearn_record.OPTIONS)
            == set(DigitnetClassifier._get_param_names()))


def _answers(runner, model, other, args, tmp_path) -> str:
    """What ``digitnet ARGS`` says of ``model``, with its name written as ``other``'s."""
    r = runner.invoke(cli, [str(a).replace("MODEL", str(model)) for a in args])
    return r.exit_code, r.output.replace(str(model), str(other))


def test_commands_read_a_model_with_the_record_as_one_without(tmp_path):
    pytest.importorskip("pandas")
    from fastapi.testclient import TestClient

    from digitnet.web.app import create_app

    wine = sk.load_wine(as_frame=True)
    y = np.array([3, 10, 42])[wine.target]
    est = DigitnetClassifier(epochs=15).fit(wine.data, y)
    recorded, bare = tmp_path / "recorded.safetensors", tmp_path / "bare.safetensors"
    digitnet.save(est.network_, recorded)
    older = est.network_.copy()
    del older.metadata["estimator"]
    digitnet.save(older, bare)
    table = write_csv(tmp_path / "wine.csv", wine.data, list(y), wine.feature_names,
                      target="cultivar")
    rows = write_csv(tmp_path / "rows.csv", wine.data[:5], [0] * 5, wine.feature_names,
                     target="unused")
    runner = CliRunner()
    for args, code in ((["predict", "MODEL", rows], 0),
                       (["evaluate", "MODEL", "--data", table, "--target", "cultivar"], 0),
                       (["show", "history", "MODEL", "--out", tmp_path / "h.png"], 0),
                       (["show", "confusion", "MODEL", "--data", table, "--target", "cultivar",
                         "--out", tmp_path / "c.png"], 0),
                       (["show", "weights", "MODEL", "--out", tmp_path / "w.png"], 1)):
        with_record = _answers(runner, recorded, bare, args, tmp_path)
        assert with_record == _answers(runner, bare, bare, args, tmp_path)
        assert with_record[0] == code, with_record[1]
    # digitnet serve's API describes it as it does without the record, and says the record.
    answers = []
    for model in (recorded, bare):
        with TestClient(create_app(model, data=None, held_out=None)) as client:
            answer = client.get("/api/model").json()
        answers.append(answer)
    for answer in answers:
        answer["metadata"].pop("saved")
        answer.pop("source")
    assert answers[0]["metadata"].pop("estimator")["classes"] == [3, 10, 42]
    assert answers[0] == answers[1]


@pytest.mark.parametrize("call, error, said", [
    (lambda: DigitnetClassifier().partial_fit(WINE_X, WINE_Y), ConfigError,
     "classes must be given to the first call of partial_fit"),
    (lambda: DigitnetClassifier().fit(WINE_X, np.zeros(len(WINE_Y), int)), DataError,
     "DigitnetClassifier needs at least two classes to tell apart; y holds one class (0)"),
    (lambda: DigitnetClassifier().partial_fit(WINE_X, WINE_Y * 0, classes=[0]), ConfigError,
     "DigitnetClassifier needs at least two classes to tell apart; classes holds one class"),
    (lambda: DigitnetClassifier().partial_fit(WINE_X[:1], WINE_Y[:1], classes=[0, 1, 2]),
     DataError, "DigitnetClassifier.partial_fit: the first call measures each feature's mean"),
    (lambda: DigitnetClassifier().partial_fit(WINE_X, WINE_Y, classes=[0, 1, 2]).partial_fit(
        WINE_X[:3], np.array([0, 1, 5])), DataError, "label 5 is not among the classes"),
    (lambda: DigitnetClassifier().partial_fit(WINE_X, WINE_Y, classes=[0, 1, 2]).partial_fit(
        WINE_X, WINE_Y, classes=[0, 1, 2, 3]), ConfigError, "classes [0, 1, 2, 3] differ from "
                                                              "those of the first call"),
])
def test_the_estimators_refusals_are_digitnets_one_line_errors(call, error, said):
    with pytest.raises(ValueError) as caught:  # (what scikit-learn's checks and users catch)
        call()
    assert type(caught.value) is error and isinstance(caught.value, DigitnetError)
    assert str(caught.value).startswith(said) and "\n" not in str(caught.value)
    # In IPython, its one line (and how to see the rest), not a traceback.
    assert caught.value._render_traceback_() == [
        f"{error.__name__}: {caught.value}", "(a digitnet error: %tb verbose shows its traceback)"]
