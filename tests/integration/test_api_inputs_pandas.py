"""The Python API as a pandas and scikit-learn user first tries it, on real tables
(scikit-learn's breast cancer and wine, written as CSV and read back with pandas.read_csv): a
DataFrame with its label column left in is read by the model's own columns, a DataFrame holding
its labels trains as its CSV table does, and what train and evaluate do not take is refused in
one line saying what to pass."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from real_data import sklearn_table, wine_csv, write_csv

import digitnet
from digitnet import datasets, inputs
from digitnet.errors import ConfigError, DataError

pytestmark = pytest.mark.engine_independent
# what is read and refused; two runs compared on one engine

FAST = dict(epochs=3, seed=0, handle_signals=False)


@pytest.fixture(scope="module")
def bc_csv(tmp_path_factory):
    """Breast cancer as a user has it: 30 numeric columns and 'diagnosis' (words) last."""
    bc = sklearn_table("breast_cancer")
    return write_csv(tmp_path_factory.mktemp("bc") / "bc.csv", bc.data,
                     bc.target_names[bc.target], bc.feature_names, target="diagnosis")


@pytest.fixture(scope="module")
def bc_net(bc_csv):
    return digitnet.train(str(bc_csv), target="diagnosis", **FAST).network


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    """The wine table, labelled ("class_0", ... last) and as a test table without labels."""
    folder = tmp_path_factory.mktemp("wine")
    labelled = wine_csv(folder / "wine.csv")
    unlabelled = folder / "wine-test.csv"
    pd.read_csv(labelled).drop(columns="class").to_csv(unlabelled, index=False)
    return labelled, unlabelled, digitnet.train(str(labelled), **FAST).network


def same_params(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.params, b.params))


def test_a_dataframe_with_its_label_column_left_in_is_read_by_the_models_columns(bc_csv, bc_net):
    df = pd.read_csv(bc_csv)
    features = df.drop(columns="diagnosis")
    expected = bc_net.predict(features)
    np.testing.assert_array_equal(bc_net.predict(df), expected)
    # other columns of any kind, and any order: the model's columns are found by name
    extra = df.assign(id=[f"p{i}" for i in range(len(df))], note=np.nan)
    np.testing.assert_array_equal(bc_net.predict(extra[extra.columns[::-1]]), expected)
    np.testing.assert_array_equal(bc_net.predict_proba(df), bc_net.predict_proba(features))
    # as the CLI reads the same file
    from digitnet.tables import read_features
    np.testing.assert_array_equal(
        bc_net.predict(read_features(bc_csv, inputs.of(bc_net).columns)), expected)
    scored = digitnet.evaluate(bc_net, df, df["diagnosis"])
    assert scored.accuracy == digitnet.evaluate(bc_net, features, df["diagnosis"]).accuracy
    assert scored.n == len(df) and scored.accuracy > 0.8


def test_the_cli_answers_the_same_table_as_the_dataframe(bc_csv, bc_net, tmp_path):
    from click.testing import CliRunner

    from digitnet.cli import cli

    model = tmp_path / "bc.safetensors"
    digitnet.save(bc_net, model)
    df = pd.read_csv(bc_csv)
    said = CliRunner().invoke(cli, ["predict", "--json", str(model), str(bc_csv)])
    assert said.exit_code == 0, said.output
    answers = [json.loads(line)["index"] for line in said.output.splitlines()]
    np.testing.assert_array_equal(answers, bc_net.predict(df))
    said = CliRunner().invoke(cli, ["evaluate", str(model), "--data", str(bc_csv), "--json"])
    assert said.exit_code == 0, said.output
    assert json.loads(said.stdout)["accuracy"] == pytest.approx(  # (its note: on stderr)
        digitnet.evaluate(bc_net, df, df["diagnosis"]).accuracy)


def test_a_column_the_model_reads_must_still_hold_numbers(bc_csv, bc_net):
    df = pd.read_csv(bc_csv)
    spoiled = df.assign(**{"mean radius": df["mean radius"].astype(str) + " mm"})
    with pytest.raises(DataError) as caught:
        bc_net.predict(spoiled)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("rows: column 'mean radius' holds")
    assert "the model reads it as numbers" in message
    with pytest.raises(DataError, match="no column 'mean radius', which the model reads"):
        bc_net.predict(df.drop(columns="mean radius"))


def test_a_tables_name_is_told_how_to_read_it_and_that_works(wine):
    labelled, unlabelled, net = wine
    expected = net.predict(pd.read_csv(labelled))
    for path, label_left_in in ((labelled, True), (unlabelled, False)):
        with pytest.raises(DataError) as caught:
            net.predict(str(path))
        message = str(caught.value)
        assert "\n" not in message and "a network reads numbers (a table's rows), not files" \
            in message and "loadtxt" not in message
        hint = message.rpartition("read the table first with ")[2]
        assert hint == f"digitnet.tables.read_features({str(path)!r}, " \
                       "digitnet.inputs.of(net).columns)"
        x = eval(hint, {"digitnet": digitnet, "net": net})  # doing what it says
        np.testing.assert_array_equal(net.predict(x), expected)
        with pytest.raises(DataError) as caught:  # the input layer's rows: the same, read by rows
            net.forward(str(path))
        rows = eval(str(caught.value).rpartition("read the table first with ")[2],
                    {"digitnet": digitnet, "net": net})
        np.testing.assert_array_equal(net.forward(rows).argmax(axis=1), expected)
    with pytest.raises(ValueError, match="could not convert"):  # what it said before
        np.loadtxt(labelled, delimiter=",", skiprows=1)


def test_a_dataframe_holding_its_labels_trains_as_its_csv_table(bc_csv, wine):
    df = pd.read_csv(bc_csv)
    from_csv = digitnet.train(str(bc_csv), target="diagnosis", **FAST)
    from_df = digitnet.train(df, target="diagnosis", **FAST)
    assert same_params(from_csv.network, from_df.network)
    assert inputs.classes_of(from_df.network) == ["benign", "malignant"]
    assert inputs.of(from_df.network) == inputs.of(from_csv.network)
    # no target: the last column, as for a CSV table (wine's "class")
    labelled, _, wine_net = wine
    from_wine_df = digitnet.train(pd.read_csv(labelled), **FAST).network
    assert same_params(from_wine_df, wine_net)
    assert inputs.classes_of(from_wine_df) == ["class_0", "class_1", "class_2"]
    loaded = datasets.load(str(labelled))
    np.testing.assert_array_equal(from_wine_df.predict(loaded.x), wine_net.predict(loaded.x))


def test_a_dataframes_label_column_not_found_is_said_in_one_line(bc_csv):
    df = pd.read_csv(bc_csv)
    with pytest.raises(ConfigError, match="DataFrame: no column 'label' to take the labels "
                                          "from; the columns are mean radius, "):
        digitnet.train(df, target="label", **FAST)
    first = df[["diagnosis", *df.columns.drop("diagnosis")]]  # labels first: last is a feature
    with pytest.raises(DataError, match=r"DataFrame: column 'diagnosis' holds \w+ values; "
                                        "features must be numbers: if it holds the labels, name "
                                        "it with target='diagnosis'"):
        digitnet.train(first, **FAST)
    assert digitnet.train(first, target="diagnosis", **FAST).network.sizes[0] == 30
    with pytest.raises(DataError, match="DataFrame: 535 different labels in column 'worst "
                                        "fractal dimension'; .* target='COLUMN'"):
        digitnet.train(df.drop(columns="diagnosis"), **FAST)  # no labels: the last column taken
    with pytest.raises(DataError, match="DataFrame: has 1 column; a table needs feature columns "
                                        "and a label column"):
        digitnet.train(df[["diagnosis"]], **FAST)


@pytest.mark.parametrize("data, words", [
    (None, "train takes a dataset name ('mnist'), a folder, a .csv or .npz table, a Dataset, a "
           "pandas DataFrame with its label column (target=), or an array X and its labels y, "
           "not None"),
    ({"X": [[1.0]], "y": [0]}, "train takes a dataset name ('mnist'), a folder, "),
    (sklearn_table("wine").data, "train(X): an array X needs its labels: train(X, y), or a "
                                 "DataFrame holding them: train(df, target='COLUMN')"),
])
def test_what_train_does_not_take_is_said_in_one_line(data, words):
    with pytest.raises(ConfigError) as caught:
        digitnet.train(data, **FAST)
    assert str(caught.value).startswith(words) and "\n" not in str(caught.value)


def test_labels_given_beside_a_file_or_a_column_name_as_y_say_target(bc_csv):
    bc = sklearn_table("breast_cancer")
    with pytest.raises(ConfigError) as caught:
        digitnet.train(str(bc_csv), bc.target, **FAST)
    assert str(caught.value) == (
        f"train({str(bc_csv)!r}, y): y goes with an array X, as in train(X, y); {str(bc_csv)!r} "
        "holds its labels: drop y, and name their column with target='COLUMN'")
    with pytest.raises(ConfigError, match="train.data, y.: y goes with an array X, as in "
                                          r"train\(X, y\); a Dataset holds its labels: drop y"):
        digitnet.train(datasets.load(str(bc_csv), target="diagnosis"), bc.target, **FAST)
    with pytest.raises(ConfigError, match="train.data, 'diagnosis'.: y is the labels, one per "
                                          "example of an array X; to name the label column of a "
                                          "table or DataFrame, pass target='diagnosis'"):
        digitnet.train(pd.read_csv(bc_csv), "diagnosis", **FAST)
    # arrays and their labels, a DataFrame's among them, as ever
    df = pd.read_csv(bc_csv)
    net = digitnet.train(df.drop(columns="diagnosis"), df["diagnosis"], **FAST).network
    assert inputs.classes_of(net) == ["benign", "malignant"]


def test_evaluate_given_a_scikit_learn_estimator_says_what_to_pass():
    from sklearn.neural_network import MLPClassifier

    from digitnet.sklearn import DigitnetClassifier

    bc = sklearn_table("breast_cancer")
    clf = DigitnetClassifier(epochs=3).fit(bc.data, bc.target)
    with pytest.raises(ConfigError) as caught:
        digitnet.evaluate(clf, bc.data, bc.target)
    assert str(caught.value) == ("evaluate takes a Network, not a digitnet.DigitnetClassifier: "
                                 "evaluate its .network_")
    assert digitnet.evaluate(clf.network_, bc.data, bc.target).accuracy == pytest.approx(
        clf.score(bc.data, bc.target))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (its ConvergenceWarning, after 5 iterations)
        mlp = MLPClassifier((8,), max_iter=5, random_state=0).fit(bc.data, bc.target)
    with pytest.raises(ConfigError, match=r"^evaluate takes a Network, not a sklearn\."
                                          "MLPClassifier; make one with "):
        digitnet.evaluate(mlp, bc.data, bc.target)


def test_dir_lists_the_public_names_not_the_modules_own():
    names = dir(digitnet)
    assert not {"TYPE_CHECKING", "annotations", "importlib"} & set(names)
    assert set(digitnet.__all__) <= set(names) and "ConfigError" in names
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    for name in ("TYPE_CHECKING", "annotations", "importlib"):
        assert not hasattr(digitnet, name)
    assert digitnet.Network is digitnet.network.Network  # (lazy imports as before)
