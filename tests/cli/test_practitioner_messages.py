"""What a practitioner's walk through digitnet found it saying wrongly, on real data
(scikit-learn's wine table, real MNIST digits):

* ``predict`` answered a table whose header names a column twice (every wine class_1 at up to
  100%, exit 0) where ``evaluate`` and ``train`` refuse it;
* a word among a table's numbers suggested ``--target COLUMN`` to ``predict`` (which has no
  --target) and to ``evaluate`` for a column its model reads (which --target may not name);
* ``train --init`` on data of other classes suggested naming them as the model's classes;
* ``info`` said "relu hidden layers" of a network with none, and never that a model's images
  are deskewed (an imported .onnx has no training line that would say so).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from real_data import sklearn_table, wine_csv, write_digit_folder

import digitnet
from digitnet import classmatch

TWICE = "the header names column 'alcohol' twice; give each column its own name"


@pytest.fixture(scope="module")
def wine(run, tmp_path_factory):
    """A model of scikit-learn's wine table, trained by `digitnet train`, and the table."""
    root = tmp_path_factory.mktemp("wine")
    table, model = wine_csv(root / "wine.csv"), root / "wine.safetensors"
    result = run("train", "--data", table, "--epochs", "20", "--out", model)
    assert result.exit_code == 0, result.output
    return model, table


def _rewritten(table, path, edit):
    """The CSV ``table``'s rows (header first) through ``edit``, written to ``path``."""
    with open(table, newline="") as f:
        rows = edit(list(csv.reader(f)))
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_predict_refuses_a_header_naming_a_column_twice_as_evaluate_and_train_do(
        run, wine, tmp_path, one_line):
    model, table = wine
    doubled = _rewritten(table, tmp_path / "wine-dup2.csv",
                         lambda rows: [["alcohol", *rows[0]], *(["0", *r] for r in rows[1:])])
    unlabelled = _rewritten(doubled, tmp_path / "rows.csv", lambda rows: [r[:-1] for r in rows])
    for args, data in ((("predict", model), unlabelled), (("predict", model), doubled),
                       (("evaluate", model, "--data"), doubled),
                       (("train", "--epochs", "1", "--out", tmp_path / "m.safetensors",
                         "--data"), doubled)):
        result = run(*args, data)
        assert result.exit_code == 1 and not result.stdout, (args, result.output)
        assert one_line(result.stderr) == f"digitnet: error: {data}: {TWICE}", args
    # In Python, a DataFrame (pandas allows a name twice) is refused the same way.
    net = digitnet.load(model)
    wines = sklearn_table("wine")
    frame = pd.DataFrame(wines.data, columns=wines.feature_names)
    frame.insert(0, "alcohol", 0.0, allow_duplicates=True)
    for read in (net.predict, net.predict_proba):
        with pytest.raises(digitnet.errors.DataError, match="names column 'alcohol' twice"):
            read(frame)
    assert (net.predict(frame.iloc[:, 1:]) == net.predict(wines.data)).all()


@pytest.fixture
def worded(wine, tmp_path):
    """The wine table with 'lots' for a magnesium figure (line 4), with and without labels."""
    _, table = wine

    def edit(rows):
        rows[3][rows[0].index("magnesium")] = "lots"
        return rows

    labelled = _rewritten(table, tmp_path / "worded.csv", edit)
    return labelled, _rewritten(labelled, tmp_path / "rows.csv", lambda r: [c[:-1] for c in r])


def test_a_word_among_the_numbers_is_met_with_what_each_command_can_do(
        run, wine, worded, tmp_path, one_line):
    model, _ = wine
    labelled, rows = worded
    cell = "line 4, column 'magnesium': 'lots' is not a number; "
    out = tmp_path / "m.safetensors"
    said = {
        "predict": (("predict", model, rows), (
            f"{rows}: {cell}the model reads 'magnesium' as a number: fix the cell or drop the "
            "row")),
        "evaluate": (("evaluate", model, "--data", labelled), (
            f"{labelled}: {cell}every column but the labels ('class') must hold numbers: fix "
            "the cell or drop the row, or encode the column as numbers")),
        "train": (("train", "--epochs", "1", "--out", out, "--data", labelled), (
            f"{labelled}: {cell}features must be numbers: if 'magnesium' holds the labels, name "
            "it with --target magnesium (in Python, target='magnesium'); else fix the cell, or "
            "encode the column as numbers or drop it")),
    }
    for command, (args, words) in said.items():
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert one_line(result.stderr) == f"digitnet: error: {words}", command
    # Why: predict has no --target, and evaluate's may not name a column its model reads.
    assert run("predict", model, rows, "--target", "magnesium").exit_code == 2
    refused = run("evaluate", model, "--data", labelled, "--target", "magnesium")
    assert "reads 'magnesium' as a feature" in one_line(refused.stderr)


@pytest.fixture(scope="module")
def other_classes(mnist, tmp_path_factory):
    """Real MNIST 0s, 3s and 7s in class folders named 'zéro', 'drei 3' and 'sieben'."""
    root = tmp_path_factory.mktemp("uni")
    index = np.flatnonzero(np.isin(mnist.labels, [0, 3, 7]))[:150]
    write_digit_folder(root, mnist.x[index], mnist.labels[index], photo_every=0,
                       names={0: "zéro", 3: "drei 3", 7: "sieben"})
    return root


def test_init_on_other_classes_says_to_train_without_init(run, trained, other_classes,
                                                          tmp_path, one_line):
    model, _ = trained
    out = tmp_path / "m.safetensors"
    result = run("train", "--data", other_classes, "--init", model, "--epochs", "1",
                 "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert one_line(result.stderr) == (
        f"digitnet: error: {other_classes}: classes 'drei 3', 'sieben' and 'zéro' are none of "
        f"the classes of --init {model} (0, 1, 2, ..., 9); --init continues training a model on "
        "its own classes; to learn these classes, train a new model (without --init)")
    with pytest.raises(digitnet.errors.DataError) as e:  # init= in Python, a Network
        digitnet.train(other_classes, init=digitnet.load(model), epochs=1)
    assert str(e.value).endswith("none of the classes of the init model (0, 1, 2, ..., 9); "
                                 "init continues training a model on its own classes; to learn "
                                 "these classes, train a new model (without init)")
    # evaluate: the model is scored on its own classes, as they are named.
    scored = run("evaluate", model, "--data", other_classes)
    assert one_line(scored.stderr).endswith(
        f"none of the classes of {model} (0, 1, 2, ..., 9); name the data's classes (class "
        "folders, a table's labels) as it names them, or use a model trained on these classes")


def test_numbered_labels_past_an_init_models_classes_say_to_train_without_it(mnist):
    """Real digits' labels (numbers 0..9) and a wine model's three named classes: scored, data
    of its classes is asked for; as --init, a run without it."""
    scored = "give data of its classes, or a model trained on these"
    started = ("--init continues training a model on its own classes; to learn these classes, "
               "train a new model (without --init)")
    for what, init, todo in (("wine.safetensors", None, scored),
                             ("--init wine.safetensors", "--init", started)):
        with pytest.raises(digitnet.errors.DataError) as e:
            classmatch.match(mnist.labels, mnist.classes, ("class_0", "class_1", "class_2"),
                             "mnist", what, init=init)
        assert str(e.value) == (f"mnist: labels go up to 9 but {what} has 3 classes (class_0, "
                                f"class_1 and class_2); {todo}")


def test_info_says_no_hidden_layers_of_a_network_without(run, tmp_path):
    path = tmp_path / "flat.safetensors"
    digitnet.save(digitnet.Network((784, 10), activation="relu", seed=0), path)
    result = run("info", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == ("  network     784-10: no hidden layers, softmax "
                                             "output with cross entropy cost")
    assert "input       28x28 images, one input neuron per pixel" in result.stdout


def test_info_says_a_models_images_are_deskewed_also_once_imported(run, trained, tmp_path):
    model, _ = trained
    assert json.loads(run("info", model, "--json").stdout)["input"]["deskew"] is True
    said = ("  input       28x28 images, each deskewed (its slant straightened) first, one input "
            "neuron per pixel")
    assert said in run("info", model).stdout.splitlines()
    pytest.importorskip("onnx")
    onnx = tmp_path / "m.onnx"
    assert run("export", model, "--format", "onnx", "--out", onnx).exit_code == 0
    shown = run("info", onnx)
    assert shown.exit_code == 0 and "training" not in shown.stdout, shown.output
    assert said in shown.stdout.splitlines()
