"""scikit-learn's models in digitnet read exactly what scikit-learn read: the estimator's and
from_sklearn's networks keep a DataFrame's column names and find the columns by name; an
MLPClassifier's inputs are its raw columns, never pictures (raw MNIST pixels, iris, 8x8 digits);
a multi-label classifier is refused as one. Real data: scikit-learn's wine, iris and digits,
and the real MNIST digits in ../shared/data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn import datasets as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import digitnet
from digitnet import inputs
from digitnet.cli import cli
from digitnet.errors import UnsupportedModelError
from digitnet.sklearn import DigitnetClassifier


def fitted(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # few epochs are enough to compare
        return model.fit(X, y)


@pytest.fixture(scope="module")
def wine():
    pytest.importorskip("pandas")
    return sk.load_wine(return_X_y=True, as_frame=True)


def predicted(runner, model, csv) -> list[str]:
    result = runner.invoke(cli, ["predict", str(model), str(csv)])
    assert result.exit_code == 0, result.output
    return [line.split(": ")[1].split()[0] for line in result.output.splitlines()]


def test_the_estimators_network_reads_a_dataframe_by_its_column_names(wine, tmp_path):
    X, y = wine
    clf = DigitnetClassifier(epochs=30).fit(X, y)
    net = clf.network_
    assert inputs.of(net).columns == tuple(X.columns)
    reversed_ = X[X.columns[::-1]]
    np.testing.assert_array_equal(net.predict_proba(reversed_), net.predict_proba(X))
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), atol=1e-5)
    # Saved, it reads a CSV file by name too (the issue: "no column 'x0'").
    model = digitnet.save(net, tmp_path / "wine.safetensors")
    reversed_.to_csv(tmp_path / "wine_named.csv", index=False)
    answers = predicted(CliRunner(), model, tmp_path / "wine_named.csv")
    assert answers == [str(c) for c in clf.predict(X)]


def test_partial_fit_on_a_dataframe_keeps_the_names(wine):
    X, y = wine
    clf = DigitnetClassifier().partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    assert inputs.of(clf.network_).columns == tuple(X.columns)


@pytest.mark.parametrize("scaled", [False, True])
def test_from_sklearn_reads_a_dataframe_by_the_names_it_was_fitted_on(wine, scaled):
    X, y = wine
    mlp = MLPClassifier((16,), max_iter=100, random_state=0)
    model = fitted(make_pipeline(StandardScaler(), mlp) if scaled else mlp, X, y)
    net = digitnet.from_sklearn(model)
    assert inputs.of(net).columns == tuple(X.columns)
    reversed_ = X[X.columns[::-1]]
    np.testing.assert_array_equal(net.predict_proba(reversed_), net.predict_proba(X))
    np.testing.assert_allclose(net.predict_proba(reversed_), model.predict_proba(X), atol=1e-5)


def test_an_mlp_on_raw_mnist_pixels_gives_its_own_answers(mnist):
    """784 inputs, but scikit-learn saw the raw 0..255 values, not x / 255: the issue's 75%
    agreement and probabilities off by 0.92."""
    x, labels = mnist.x.reshape(len(mnist), -1), mnist.labels
    mlp = fitted(MLPClassifier((32,), max_iter=5, random_state=0), x[:3000], labels[:3000])
    net = digitnet.from_sklearn(mlp)
    assert inputs.of(net) == inputs.Table(tuple(f"x{i}" for i in range(784)))
    assert repr(inputs.of(net)).endswith("'x11', ... (784 in all)), mean=None, std=None)")
    unseen = x[-2000:]
    # uint8 pixels are exact in float32; the network is float64 as the MLP's coefficients are
    np.testing.assert_allclose(net.predict_proba(unseen), mlp.predict_proba(unseen), atol=1e-9)
    assert (net.predict(unseen) == mlp.predict(unseen)).all()


@pytest.mark.parametrize("dataset", ["iris", "digits"])
def test_a_square_number_of_raw_columns_is_a_table(dataset):
    """iris's 4 columns and the 8x8 digits' 64 (values 0..16) are squares, not pictures."""
    X, y = getattr(sk, f"load_{dataset}")(return_X_y=True)
    mlp = fitted(MLPClassifier((16,), max_iter=200, random_state=0), X, y)
    net = digitnet.from_sklearn(mlp)
    assert isinstance(inputs.of(net), inputs.Table) and inputs.of(net).mean is None
    # the rows are float32 (Table.rows): X is rounded to float32 first
    np.testing.assert_allclose(net.predict_proba(X), mlp.predict_proba(X), atol=1e-5)


def test_an_skl2onnx_file_of_raw_iris_reads_a_csv_of_its_columns(tmp_path):
    """The issue's `digitnet predict iris_raw.onnx iris.csv`: 'takes 4 inputs, not the 784
    pixels'. The file names no columns, so a table of 4 columns is read in order."""
    pytest.importorskip("pandas")
    from skl2onnx import to_onnx

    X, y = sk.load_iris(return_X_y=True, as_frame=True)
    mlp = fitted(MLPClassifier((16,), max_iter=200, random_state=0), X.to_numpy(), y)
    path = tmp_path / "iris_raw.onnx"
    path.write_bytes(to_onnx(mlp, X.to_numpy()[:1].astype(np.float32)).SerializeToString())
    X.to_csv(tmp_path / "iris.csv", index=False)
    net = digitnet.load(path)
    # float32 weights in the graph: within float32 rounding of scikit-learn's float64
    np.testing.assert_allclose(net.predict_proba(X), mlp.predict_proba(X.to_numpy()), atol=1e-5)
    answers = predicted(CliRunner(), path, tmp_path / "iris.csv")
    assert answers == [str(c) for c in net.predict(X)]


def test_a_wide_scaled_tables_record_prints_short():
    """The 8x8 digits' 64 columns after a StandardScaler: its record, printed, shows the first
    12 columns, means and standard deviations, and how many in all (not 3 x 64 values)."""
    X, y = sk.load_digits(return_X_y=True)
    model = fitted(make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=20,
                                                                 random_state=0)), X, y)
    shown = repr(inputs.of(digitnet.from_sklearn(model)))
    first = ", ".join(repr(float(s)) for s in model[0].scale_[:12])
    assert shown.startswith("Table(columns=('x0', 'x1', 'x2', ") and "'x12'" not in shown
    assert shown.endswith(f"std=({first}, ... (64 in all)))") and shown.count("(64 in all)") == 3


def test_a_multi_label_mlp_is_refused_as_one():
    X, y = sk.load_iris(return_X_y=True)
    two_labels = np.stack([y == 0, y == 2], axis=1).astype(int)
    mlp = fitted(MLPClassifier((8,), max_iter=50, random_state=0), X, two_labels)
    with pytest.raises(UnsupportedModelError) as info:
        digitnet.from_sklearn(mlp)
    assert str(info.value) == (
        "from_sklearn(MLPClassifier): a multi-label classifier (a sigmoid per label); digitnet "
        "reads classifiers of one label per example")
