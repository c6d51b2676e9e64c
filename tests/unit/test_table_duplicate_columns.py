"""A table whose header names a column twice is refused by every reader, as the same one line:
read for its labels (train, evaluate), read for a model's columns (predict: it once took the
first of the two for both, a column of zeros in front of scikit-learn's wine table answering
every wine class_1), and a pandas DataFrame (which allows it)."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from real_data import sklearn_table, wine_csv

from digitnet import frames, tables
from digitnet.errors import DataError
from digitnet.inputs import Table

SAID = "names column 'alcohol' twice; give each column its own name"


@pytest.fixture
def doubled(tmp_path):
    """scikit-learn's wine table as CSV with a column 'alcohol' of zeros in front of its own."""
    with open(wine_csv(tmp_path / "wine.csv"), newline="") as f:
        rows = list(csv.reader(f))
    path = tmp_path / "wine-dup2.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([["alcohol", *rows[0]], *(["0", *row] for row in rows[1:])])
    return path


def test_read_for_a_models_columns_a_doubled_column_is_refused(doubled):
    columns = tuple(sklearn_table("wine").feature_names)
    with pytest.raises(DataError) as e:
        tables.read_features(doubled, columns)
    assert str(e.value) == f"{doubled}: the header {SAID}"


def test_every_reader_of_a_table_file_says_the_same(doubled):
    columns = tuple(sklearn_table("wine").feature_names)
    said = []
    for read in (lambda: tables.read_csv(doubled), lambda: tables.read_csv(doubled, "class"),
                 lambda: tables.read_features(doubled, columns)):
        with pytest.raises(DataError) as e:
            read()
        said.append(str(e.value))
    assert said == [f"{doubled}: the header {SAID}"] * 3


def test_a_dataframe_naming_a_column_twice_is_refused_by_a_table_input():
    wine = sklearn_table("wine")
    frame = pd.DataFrame(wine.data, columns=wine.feature_names)
    frame.insert(0, "alcohol", 0.0, allow_duplicates=True)
    table = Table(tuple(wine.feature_names)).fit(wine.data)
    with pytest.raises(DataError) as e:
        table.rows(frame)
    assert str(e.value) == f"rows: the DataFrame {SAID}"
    rows = table.rows(frame.iloc[:, 1:])  # without the extra column: the wines as they are
    np.testing.assert_array_equal(rows, table.rows(wine.data))


@pytest.mark.parametrize("doubled_column", ["class", "alcohol"])
def test_a_dataframe_to_train_on_naming_any_column_twice_says_the_same(doubled_column):
    # digitnet.train(df, target=...): a label column named twice was once refused in words of
    # its own ("DataFrame: names column 'class' twice"), a feature column in the table's
    wine = sklearn_table("wine")
    frame = pd.DataFrame(wine.data, columns=wine.feature_names)
    frame["class"] = wine.target
    frame.insert(0, doubled_column, frame[doubled_column], allow_duplicates=True)
    with pytest.raises(DataError) as e:
        frames.labelled(frame, "class")
    assert str(e.value) == (f"DataFrame: the DataFrame names column {doubled_column!r} twice; "
                            "give each column its own name")


def test_a_column_without_a_name_is_refused_as_pandas_index(tmp_path):
    # df.to_csv(path) writes the row numbers under no name: wine's table, sorted by class,
    # was learned from them (98.9% from row numbers alone)
    wine = sklearn_table("wine")
    frame = pd.DataFrame(wine.data, columns=wine.feature_names).assign(cultivar=wine.target)
    path = tmp_path / "wine.csv"
    frame.to_csv(path)  # (index=True, pandas' default)
    for read in (lambda: tables.read_csv(path, "cultivar"),
                 lambda: tables.read_features(path, tuple(wine.feature_names))):
        with pytest.raises(DataError) as e:
            read()
        assert str(e.value) == (f"{path}: the header leaves column 1 without a name (as pandas' "
                                "to_csv writes the row numbers: save with index=False); name "
                                "it, or drop it")
    frame.to_csv(path, index=False)
    assert tables.read_csv(path, "cultivar").x.shape == (178, 13)
