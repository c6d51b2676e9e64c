"""Which column of a table evaluate scores a model against, on scikit-learn's real wine table:
with several columns the model does not read, none, or a --target it reads as a feature, the
command refuses in one line and says what to do (never scoring against a column it guessed);
predict reads tables without labels, an .npz whatever its y holds, and a table written with
semicolons and decimal commas as the same table with decimal points."""

from __future__ import annotations

import json

import numpy as np
import pytest
from real_data import sklearn_table, write_csv


@pytest.fixture(scope="module")
def wine_split(run, tmp_path_factory):
    """A wine model trained on three wines in four, and the fourth wines: (model, test csv);
    the labels in column 'target', numbered 0, 1, 2, as load_wine(as_frame=True) has
    them."""
    folder = tmp_path_factory.mktemp("wine_labels")
    wine = sklearn_table("wine")
    test = np.arange(len(wine.target)) % 4 == 0
    y, columns = wine.target, wine.feature_names
    train = write_csv(folder / "train.csv", wine.data[~test], y[~test], columns, target="target")
    csv = write_csv(folder / "test.csv", wine.data[test], y[test], columns, target="target")
    model = folder / "wine.safetensors"
    r = run("train", "--data", train, "--epochs", "50", "--out", model)
    assert r.exit_code == 0, r.output
    return model, csv


def _with(csv, path, column=None, values=None, drop=None):
    """``csv`` with a column added at the end, or one dropped, written to ``path``."""
    rows = [line.split(",") for line in csv.read_text().splitlines()]
    if drop is not None:
        k = rows[0].index(drop)
        rows = [r[:k] + r[k + 1:] for r in rows]
    if column is not None:
        rows = [rows[0] + [column]] + [r + [str(v)] for r, v in zip(rows[1:], values)]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    return path


def _evaluate(run, model, data, *more):
    r = run("evaluate", model, "--data", data, "--json", *more)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_two_columns_the_model_does_not_read_need_target(run, one_line, wine_split, tmp_path):
    model, csv = wine_split
    extra = _with(csv, tmp_path / "extra.csv", "batch", np.arange(45) % 3)
    r = run("evaluate", model, "--data", extra)
    assert r.exit_code == 1 and r.stdout == ""  # no score against the batch column
    assert one_line(r.stderr) == (
        f"digitnet: error: {extra}: {model} does not read 2 of its columns (target and batch), "
        "so which holds the labels is not clear; name it with --target COLUMN")
    named = _evaluate(run, model, extra, "--target", "target")
    plain = _evaluate(run, model, csv)
    assert named["n"] == plain["n"] == 45 and named["accuracy"] == plain["accuracy"] > 0.8
    assert named["classes"] == ["0", "1", "2"]


def test_a_table_without_labels_is_refused_and_predict_reads_it(run, one_line, wine_split,
                                                                tmp_path):
    model, csv = wine_split
    rows = _with(csv, tmp_path / "rows.csv", drop="target")
    r = run("evaluate", model, "--data", rows)
    assert r.exit_code == 1 and r.stdout == ""
    assert one_line(r.stderr) == (
        f"digitnet: error: {rows}: every column is one {model} reads as a feature, so the "
        "table holds no labels to measure it against; give the table with its label column "
        f"(digitnet predict {model} {rows} reads rows without labels)")
    read = run("predict", model, rows, "--json")
    assert read.exit_code == 0, read.output
    answers = [json.loads(line)["class"] for line in read.stdout.splitlines()]
    with_labels = run("predict", model, csv, "--json")
    assert answers == [json.loads(line)["class"] for line in with_labels.stdout.splitlines()]
    assert len(answers) == 45


def test_a_model_of_arrays_is_refused_a_table_without_labels_too(run, one_line, wine_split,
                                                                 tmp_path):
    """A model trained on an .npz never learned its columns' names (x0 to x12): a table of
    just 13 columns holds no labels for it either."""
    _, csv = wine_split
    wine = sklearn_table("wine")
    train = np.arange(len(wine.target)) % 4 != 0
    np.savez(tmp_path / "train.npz", X=wine.data[train], y=wine.target[train])
    arrays = tmp_path / "arrays.safetensors"
    r = run("train", "--data", tmp_path / "train.npz", "--epochs", "50", "--out", arrays)
    assert r.exit_code == 0, r.output
    rows = _with(csv, tmp_path / "rows.csv", drop="target")
    r = run("evaluate", arrays, "--data", rows)
    assert r.exit_code == 1 and r.stdout == ""
    assert one_line(r.stderr).startswith(
        f"digitnet: error: {rows}: every column is one {arrays} reads as a feature, so the "
        "table holds no labels to measure it against")


def test_target_that_the_model_reads_is_refused(run, one_line, wine_split):
    model, csv = wine_split
    r = run("evaluate", model, "--data", csv, "--target", "alcohol")
    assert r.exit_code == 1 and r.stdout == ""
    assert one_line(r.stderr) == (
        f"digitnet: error: --target alcohol: {model} reads 'alcohol' as a feature, so it cannot "
        "be the labels; name the column that holds them (the column it does not read: target)")


def test_predict_reads_an_npz_whose_labels_are_python_strings(run, wine_split, tmp_path):
    model, csv = wine_split
    wine = sklearn_table("wine")
    test = np.arange(len(wine.target)) % 4 == 0
    npz = tmp_path / "wine.npz"
    names = wine.target_names[wine.target[test]].tolist()  # as words, Python strings
    np.savez(npz, X=wine.data[test], y=np.array(names, dtype=object))
    r = run("predict", model, npz, "--json")
    assert r.exit_code == 0, r.output
    from_csv = run("predict", model, csv, "--json").stdout.splitlines()
    assert ([json.loads(line)["class"] for line in r.stdout.splitlines()]
            == [json.loads(line)["class"] for line in from_csv])


def test_semicolons_and_decimal_commas_score_as_decimal_points(run, wine_split, tmp_path):
    model, csv = wine_split
    lines = csv.read_text().splitlines()
    european = tmp_path / "wine-eu.csv"
    european.write_text("\n".join(line.replace(",", ";").replace(".", ",") for line in lines))
    assert european.read_text().splitlines()[1].startswith("14,23;1,71;")
    scored, plain = _evaluate(run, model, european), _evaluate(run, model, csv)
    assert scored == plain and scored["n"] == 45  # accuracy, loss, confusion: all the same
