"""Which column of a CSV table holds the labels when no --target names it, and how a table's
classes meet a model's, on scikit-learn's real 8x8 digits and wine tables written as CSV.

Before, a table with its labels first (``digit``, then 64 pixel columns) was read with its last
pixel column as the labels (17 "classes", 0..16) and ``digit`` as a feature; now the one
column named as labels are is taken, said in a note. A UTF-16 table (Excel's "Unicode Text")
was "not a text table (it holds binary bytes)"; a table without a header, read for a model's
columns (predict), said it lacks the model's first column and listed the first row's numbers
as column names. Number labels scored by a model whose classes are words were paired by
position in alphabetical order (0 as 'eight'); the digits' English names now meet the
digits by meaning, and other words are refused."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv

from digitnet import classmatch, datasets, tables
from digitnet.errors import DataError
from digitnet.inputs import Table
from digitnet.network import Network

DIGITS = sklearn_table("digits")
WINE = sklearn_table("wine")
WORDS = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                  "nine"])


def _loaded_quietly(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return datasets.load(path, **kw)


@pytest.mark.filterwarnings("default::UserWarning")
def test_the_one_column_named_as_labels_is_taken_with_a_note(tmp_path):
    path = write_csv(tmp_path / "digits.csv", DIGITS.data, DIGITS.target, DIGITS.feature_names,
                     target="digit", first=True)
    with pytest.warns(UserWarning) as told:
        data = datasets.load(path)
    assert [str(w.message) for w in told] == [
        f"{path}: labels from column 'digit' (by its name; the last column, 'pixel_7_7', is read "
        "as a feature); --target NAME chooses another (in Python, target='NAME')"]
    assert data.classes == tuple(str(i) for i in range(10))
    np.testing.assert_array_equal(data.labels, DIGITS.target)
    np.testing.assert_array_equal(data.x, DIGITS.data)
    assert data.input == Table(tuple(DIGITS.feature_names))
    # named, as before: no note; the last column when it is named as labels, or none is
    named = _loaded_quietly(path, target="digit")
    np.testing.assert_array_equal(named.labels, DIGITS.target)
    last = write_csv(tmp_path / "last.csv", DIGITS.data, DIGITS.target, DIGITS.feature_names,
                     target="Digit")
    np.testing.assert_array_equal(_loaded_quietly(last).labels, DIGITS.target)
    wine = wine_csv(tmp_path / "wine.csv", target="cultivar", first=True)
    assert _loaded_quietly(wine, target="cultivar").classes == tuple(WINE.target_names)


def test_several_columns_named_as_labels_and_not_the_last_are_refused(tmp_path):
    path = write_csv(tmp_path / "two.csv", np.column_stack([DIGITS.target % 2, DIGITS.data]),
                     DIGITS.target, ["Class", *DIGITS.feature_names], target="label", first=True)
    with pytest.raises(DataError) as info:
        datasets.load(path)
    assert str(info.value) == (
        f"{path}: columns 'label' and 'Class' are all named as labels are, and the last, "
        "'pixel_7_7', is not; name the label column with --target label (in Python, "
        "target='label')")


def test_y_beside_x_is_a_coordinate_not_the_labels(tmp_path):
    """Columns x, y and others, the labels last under a name of their own: y is read as the
    feature it is, not as labels."""
    columns = ["x", "y", *WINE.feature_names[2:]]
    path = write_csv(tmp_path / "xy.csv", WINE.data, WINE.target_names[WINE.target], columns,
                     target="cultivar")
    data = _loaded_quietly(path)
    assert data.classes == tuple(WINE.target_names) and data.input == Table(tuple(columns))


def test_a_utf16_table_is_named_as_such(tmp_path):
    """Excel's "Unicode Text": UTF-16 with its byte-order mark, cells separated by tabs."""
    text = wine_csv(tmp_path / "wine.csv").read_text().replace(",", "\t")
    path = tmp_path / "unicode.csv"
    path.write_bytes(text.encode("utf-16"))
    said = f"{path}: UTF-16 text; save it as UTF-8 (CSV UTF-8 in Excel)"
    with pytest.raises(DataError) as info:
        datasets.load(path)
    assert str(info.value) == said
    with pytest.raises(DataError) as info:
        tables.read_features(path, tuple(WINE.feature_names))
    assert str(info.value) == said


def test_rows_without_a_header_read_for_a_model_say_so(tmp_path):
    """predict's reader (read_features) and evaluate's (read_header) say what training says."""
    path = tmp_path / "rows.csv"
    lines = wine_csv(tmp_path / "wine.csv").read_text().splitlines()
    path.write_text("\n".join(line.rpartition(",")[0] for line in lines[1:]) + "\n")
    said = f"{path}: line 1 holds numbers, not column names; add a header row naming each column"
    for read in (tables.read_features, tables.read_header):
        with pytest.raises(DataError) as info:
            read(path, tuple(WINE.feature_names))
        assert str(info.value) == said
    # a model whose columns are numbers reads a table named so
    numbered = tmp_path / "numbered.csv"
    numbered.write_text("1.5,2.5\n3,4\n5,6\n")
    np.testing.assert_array_equal(tables.read_features(numbered, ("2.5", "1.5")), [[4, 3], [6, 5]])


def _model(classes) -> Network:
    """An untrained table model of the digits' 64 columns, as a model file gives it."""
    net = Network((64, 8, len(classes)), seed=0)
    net.metadata = {"input": Table(tuple(DIGITS.feature_names)).to_dict(),
                    "classes": list(classes)}
    return net


def test_the_digits_names_meet_the_digits_by_meaning(tmp_path):
    numbers = write_csv(tmp_path / "numbers.csv", DIGITS.data, DIGITS.target,
                        DIGITS.feature_names)
    words = sorted(WORDS.tolist())  # as a model trained on word labels has them
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        matched = classmatch.for_model(datasets.load(numbers), _model(words), "words.safetensors")
    assert matched.classes == tuple(words)
    np.testing.assert_array_equal(np.array(words)[matched.labels], WORDS[DIGITS.target])
    # some of the digits, for a model of some of their names, in capitals
    few = DIGITS.target < 3
    part = write_csv(tmp_path / "few.csv", DIGITS.data[few], DIGITS.target[few],
                     DIGITS.feature_names)
    matched = classmatch.for_model(datasets.load(part), _model(["ONE", "TWO", "ZERO"]))
    np.testing.assert_array_equal(matched.labels, [[2, 0, 1][d] for d in DIGITS.target[few]])


def test_numbers_for_a_model_of_words_in_alphabetical_order_are_refused(tmp_path):
    wine = sklearn_table("wine")
    path = write_csv(tmp_path / "wine.csv", wine.data, wine.target, wine.feature_names)
    net = Network((13, 8, 3), seed=0)
    net.metadata = {"input": Table(tuple(wine.feature_names)).to_dict(),
                    "classes": ["barbera", "barolo", "grignolino"]}
    with pytest.raises(DataError) as info:
        classmatch.for_model(datasets.load(path), net, "wine.safetensors")
    assert str(info.value) == (
        f"{path}: its classes are numbers (0, 1 and 2) and those of wine.safetensors are words "
        "in alphabetical order (barbera, barolo and grignolino), so which number is which word "
        "is not known; label the data with the model's words, or use a model trained on these "
        "numbers")
