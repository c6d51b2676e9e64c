"""Tables as spreadsheets write them where the comma is the decimal mark (cells separated by
semicolons, numbers written 13,2), made from scikit-learn's real wine table: read exactly as
the same table written with decimal points; a decimal comma where commas cannot be one is
named as such; and an .npz read for its rows alone, whatever its y holds."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from real_data import sklearn_table

from digitnet import datasets, tables
from digitnet.errors import DataError


@pytest.fixture(scope="module")
def wine():
    return sklearn_table("wine")


def write_table(path, wine, delimiter: str, decimal: str):
    """The wine table, its numbers written exactly (repr) with ``decimal`` as the decimal mark."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow([*wine.feature_names, "class"])
        for row, label in zip(wine.data.tolist(), wine.target_names[wine.target]):
            writer.writerow([repr(float(v)).replace(".", decimal) for v in row] + [label])
    return path


def test_semicolons_and_decimal_commas_read_as_numbers(tmp_path, wine):
    path = write_table(tmp_path / "wine.csv", wine, ";", ",")
    assert "14,23;1,71" in path.read_text()
    data = datasets.load(path)
    np.testing.assert_array_equal(data.x, wine.data)  # bit for bit, as with decimal points
    np.testing.assert_array_equal(data.labels, wine.target)
    assert data.classes == ("class_0", "class_1", "class_2")
    assert data.input.columns == tuple(wine.feature_names)
    x = tables.read_features(path, ("proline", "alcohol"))  # as predict reads a table
    np.testing.assert_array_equal(x, wine.data[:, [12, 0]])


def test_as_pandas_writes_them_with_a_decimal_comma(tmp_path):
    pd = pytest.importorskip("pandas")
    import sklearn.datasets

    frame = sklearn.datasets.load_wine(as_frame=True).frame
    frame.to_csv(tmp_path / "point.csv", index=False)
    frame.to_csv(tmp_path / "comma.csv", sep=";", decimal=",", index=False)
    comma, point = datasets.load(tmp_path / "comma.csv"), datasets.load(tmp_path / "point.csv")
    np.testing.assert_array_equal(comma.x, point.x)
    np.testing.assert_array_equal(comma.labels, point.labels)
    back = pd.read_csv(tmp_path / "comma.csv", sep=";", decimal=",")
    np.testing.assert_array_equal(comma.x, back.drop(columns="target").to_numpy())


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_a_decimal_comma_elsewhere_is_named(tmp_path, wine, delimiter):
    """Between commas (quoted) or tabs a decimal comma is not read: the error says what it is."""
    path = write_table(tmp_path / "wine.csv", wine, delimiter, ",")
    with pytest.raises(DataError) as info:
        datasets.load(path)
    assert str(info.value) == (
        f"{path}: line 2, column 'alcohol': '14,23' looks like a decimal comma; write numbers "
        "with a decimal point (14.23), or separate the cells with semicolons (decimal commas "
        "are read there)")


def test_predict_reads_an_npz_for_its_rows_alone(tmp_path, wine):
    """Labels as Python strings (an object array, pickled by np.savez) are not read for X."""
    path = tmp_path / "wine.npz"
    np.savez(path, X=wine.data, y=np.array(wine.target_names[wine.target].tolist(), dtype=object))
    x, y = tables.read_npz(path, labelled=False)
    np.testing.assert_array_equal(x, wine.data)
    assert y is None
    with pytest.raises(DataError, match="an array holds Python objects"):
        tables.read_npz(path)  # training and evaluate need y, and it cannot be read
