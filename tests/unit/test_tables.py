"""Tables in: scikit-learn's real tables (wine, breast cancer, 8x8 digits) written as CSV and
.npz, read back exactly; arrays made into Datasets; and each kind of bad table refused with one
line naming the line or column at fault."""

from __future__ import annotations

import numpy as np
import pytest
from real_data import sklearn_table, wine_csv, write_csv

import digitnet
from digitnet import datasets, inputs, tables
from digitnet.errors import ConfigError, DataError
from digitnet.inputs import Images, Table


@pytest.fixture(scope="module")
def wine():
    return sklearn_table("wine")


def test_a_csv_table_reads_back_exactly(tmp_path, wine):
    data = datasets.load(wine_csv(tmp_path / "wine.csv"))
    np.testing.assert_array_equal(data.x, wine.data)  # repr of a float reads back bit for bit
    assert data.classes == ("class_0", "class_1", "class_2")  # the sorted distinct labels
    np.testing.assert_array_equal(data.labels, wine.target)
    assert data.input == Table(tuple(wine.feature_names))
    assert (data.split, data.name, len(data)) == ("train", str(tmp_path / "wine.csv"), 178)
    assert list(data.files) == ["wine.csv"] and not datasets.has_test_split(tmp_path / "wine.csv")


def test_target_names_the_label_column(tmp_path, wine):
    path = wine_csv(tmp_path / "wine.csv", first=True)
    data = datasets.load(path, target="class")
    np.testing.assert_array_equal(data.x, wine.data)
    np.testing.assert_array_equal(data.labels, wine.target)
    with pytest.raises(ConfigError) as info:
        datasets.load(path, target="cultivar")
    assert str(info.value).startswith(f"{path}: no column 'cultivar' to take the labels from; "
                                      "the columns are class, alcohol, malic_acid")


def test_numeric_labels_sort_as_numbers(tmp_path):
    digits = sklearn_table("digits")
    path = write_csv(tmp_path / "d.csv", digits.data, digits.target + 1, digits.feature_names)
    data = datasets.load(path)
    assert data.classes == tuple(str(d) for d in range(1, 11))  # 10 after 9, not after 1
    np.testing.assert_array_equal(data.labels, digits.target)


def test_npz_and_arrays(tmp_path):
    cancer = sklearn_table("breast_cancer")
    np.savez(tmp_path / "bc.npz", X=cancer.data, y=cancer.target_names[cancer.target])
    data = datasets.load(tmp_path / "bc.npz")
    np.testing.assert_array_equal(data.x, cancer.data)
    assert data.classes == ("benign", "malignant")
    np.testing.assert_array_equal(data.labels, cancer.target == 0)  # malignant is target 0
    assert data.input == Table(tuple(f"x{i}" for i in range(30)))

    digits = sklearn_table("digits")
    images = datasets.from_arrays(digits.images / 16, digits.target, name="digits")
    assert images.input == Images((8, 8)) and images.x.dtype == np.uint8
    np.testing.assert_array_equal(images.x, np.round(digits.images / 16 * 255))
    named = datasets.from_arrays(digits.data, digits.target, classes=list("abcdefghij"))
    assert named.classes == tuple("abcdefghij") and isinstance(named.input, Table)
    np.testing.assert_array_equal(named.labels, digits.target)


def test_with_classes_numbers_a_part_as_the_whole(tmp_path, wine):
    """A file holding only some classes names them; matched by name, they keep their number."""
    part = wine.target != 1
    path = write_csv(tmp_path / "w.csv", wine.data[part], wine.target_names[wine.target[part]],
                     wine.feature_names)
    data = datasets.load(path)
    assert data.classes == ("class_0", "class_2")
    whole = data.with_classes(("class_0", "class_1", "class_2"))
    np.testing.assert_array_equal(whole.labels, wine.target[part])
    with pytest.raises(DataError, match="class 'class_2' unknown to the model"):
        data.with_classes(("class_0", "class_1"))


def wine_lines(tmp_path) -> list[str]:
    return wine_csv(tmp_path / "w.csv").read_text().splitlines()


def with_cell(lines: list[str], line: int, column: int, value: str) -> list[str]:
    """``lines`` with the cell at ``column`` of file line ``line`` (1 = the header) replaced."""
    cells = lines[line - 1].split(",")
    cells[column] = value
    return lines[:line - 1] + [",".join(cells)] + lines[line:]


#: Each way a table goes wrong, made from the real wine table, and what the error says.
BAD_TABLES = [
    (lambda ls: with_cell(ls, 4, 0, ""),
     "line 4, column 'alcohol': missing value; fill it in or drop the row"),
    (lambda ls: with_cell(ls, 4, 1, "NA"), "line 4, column 'malic_acid': missing value"),
    (lambda ls: with_cell(ls, 6, 0, "red"),
     "line 6, column 'alcohol': 'red' is not a number; features must be numbers"),
    (lambda ls: with_cell(ls, 3, 13, ""), "line 3 has no label in column 'class'"),
    (lambda ls: ls[:7] + [ls[7] + ",1.0"] + ls[8:],
     "line 8 has 15 cells but the header has 14 columns"),
    (lambda ls: ls[1:], "line 1 holds numbers, not column names; add a header row"),
    (lambda ls: [ls[0]], "has a header but no rows"),
    (lambda ls: with_cell(ls, 1, 1, "ash"), "names column 'ash' twice"),
    (lambda ls: [line.split(",")[-1] for line in ls], "the header has one column ('class')"),
    (lambda ls: [], "is empty; a table needs a header row"),
]


@pytest.mark.parametrize("change, message", BAD_TABLES)
def test_bad_tables_name_what_is_wrong(tmp_path, change, message):
    path = tmp_path / "t.csv"
    path.write_text("\n".join(change(wine_lines(tmp_path))) + "\n")
    with pytest.raises(DataError) as info:
        datasets.load(path)
    assert message in str(info.value) and str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_files_that_are_not_tables(tmp_path):
    png = tmp_path / "digit.csv"
    from PIL import Image

    Image.fromarray(np.zeros((8, 8), np.uint8)).save(png, format="PNG")
    with pytest.raises(DataError, match="not a text table"):
        datasets.load(png)
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"not a NumPy \.npz archive"):
        datasets.load(tmp_path / "x.npz")
    np.savez(tmp_path / "no_y.npz", X=np.ones((3, 2)), labels=np.arange(3))
    with pytest.raises(DataError, match="holds X, labels; digitnet reads an array X"):
        datasets.load(tmp_path / "no_y.npz")
    np.savez(tmp_path / "obj.npz", X=np.ones((3, 2)), y=np.array([1, "a", None], dtype=object))
    with pytest.raises(DataError, match="holds Python objects"):
        datasets.load(tmp_path / "obj.npz")
    with pytest.raises(DataError, match="no such file"):
        datasets.load(tmp_path / "missing.csv")


def test_read_features_finds_columns_by_name(tmp_path, wine):
    path = wine_csv(tmp_path / "w.csv", first=True)
    x = tables.read_features(path, ("proline", "alcohol"))
    np.testing.assert_array_equal(x, wine.data[:, [12, 0]])
    with pytest.raises(DataError, match="no column 'colour'"):
        tables.read_features(path, ("colour",))


@pytest.fixture(scope="module")
def wine_frame():
    """scikit-learn's wine table as the pandas DataFrame it gives (features, target)."""
    pytest.importorskip("pandas")
    import sklearn.datasets

    return sklearn.datasets.load_wine(as_frame=True, return_X_y=True)


def test_a_dataframe_keeps_its_column_names(wine_frame):
    """Recorded by name, columns given later in another order are found by name."""
    X, y = wine_frame
    data = datasets.from_arrays(X, y)
    assert data.input == Table(tuple(X.columns))
    np.testing.assert_array_equal(data.x, X.to_numpy())
    turned = datasets.from_arrays(X[X.columns[::-1]], y)
    assert turned.input.columns == tuple(X.columns[::-1])
    np.testing.assert_array_equal(
        tables.in_order(turned.x, turned.input.columns, data.input.columns, "turned"), data.x)
    numbered = datasets.from_arrays(X.set_axis(range(13), axis=1), y)
    assert numbered.input.columns == tuple(str(i) for i in range(13))  # names are strings
    net = digitnet.train(X, y, hidden=(8,), epochs=1).network
    assert inputs.of(net).columns == tuple(X.columns)  # the model records them


def test_a_dataframe_cell_missing_is_named(wine_frame):
    """The nullable dtypes' pd.NA reads as NaN does: the row and the column named."""
    import pandas as pd

    X, y = wine_frame
    messages = []
    for holes, missing in ((X.astype("Float64"), pd.NA), (X.copy(), np.nan)):
        holes.loc[3, "ash"] = missing
        with pytest.raises(DataError) as info:
            datasets.from_arrays(holes, y)
        messages.append(str(info.value))
    assert messages[0] == messages[1] == ("arrays: row 3, column 'ash' is missing or not a "
                                          "finite number; fill it in or drop the row")
    words = X.assign(hue=X["hue"].map("{:.2f}".format))
    with pytest.raises(DataError, match="column 'hue' holds .* values; features must be numbers"):
        datasets.from_arrays(words, y)


def test_arrays_without_examples_or_with_a_missing_label(wine):
    with pytest.raises(DataError) as info:
        datasets.from_arrays(wine.data[:0], wine.target[:0])
    assert str(info.value).startswith("arrays: no examples (X has shape (0, 13))")
    labels = wine.target_names[wine.target].astype(object)
    labels[5] = None
    with pytest.raises(DataError, match=r"^arrays: label 5 \(y\) is missing \(None\); fill it"):
        datasets.from_arrays(wine.data, labels)
    numbers = wine.target.astype(object)
    numbers[7] = None
    with pytest.raises(DataError, match=r"^arrays: label 7 \(y\) is missing"):
        datasets.from_arrays(wine.data, numbers)


def test_target_with_arrays_is_refused(wine):
    with pytest.raises(ConfigError, match="target names a column of a table file; with arrays "
                                          "give the labels as y"):
        digitnet.train(wine.data, wine.target, target="class", epochs=1)


def test_labels_of_mixed_kinds_are_words_as_numpy_makes_them():
    """An object column of numbers and words (as pandas gives) was a TypeError in sorting them;
    its labels are now read as numpy reads such a list, each as its text."""
    from sklearn.datasets import load_wine

    from digitnet import datasets

    X, y = load_wine(return_X_y=True)
    mixed = np.array([1 if v == 0 else "b" if v == 1 else 2.5 for v in y], dtype=object)
    data = datasets.from_arrays(X, mixed)
    assert data.classes == ("1", "2.5", "b")
    expected = np.array([str(v) for v in mixed.tolist()])
    assert (np.array(data.classes)[data.labels] == expected).all()
    numbers = datasets.from_arrays(X, y.astype(object))  # numbers alone stay numbers
    assert numbers.classes == ("0", "1", "2") and (numbers.labels == y).all()


def test_a_wide_tables_repr_names_its_first_columns_and_how_many(wine):
    """print(digitnet.inputs.of(net)) of a model of 784 columns once listed all 784 names (and
    784 means and standard deviations): now, past 12 columns, the first 12 of each and how many
    in all, as `digitnet info` lists the columns; Python's own repr for fewer."""
    wide = Table(tuple(f"x{i}" for i in range(784)))
    assert str(wide) == repr(wide) == (
        "Table(columns=('x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10', 'x11', "
        "... (784 in all)), mean=None, std=None)")
    fitted = Table(tuple(wine.feature_names)).fit(wine.data)  # 13 columns, standardised
    shown = repr(fitted)
    assert fitted.describe(detailed=True).endswith("od280/od315_of_diluted_wines, ... (13 in all)")
    assert shown.startswith("Table(columns=('alcohol', 'malic_acid', ") and "'proline'" not in shown
    mean = ", ".join(repr(float(m)) for m in wine.data.mean(axis=0)[:12])
    assert f"mean=({mean}, ... (13 in all)), std=(" in shown and shown.count("(13 in all)") == 3
    for short in (Table(tuple(wine.feature_names[:4])).fit(wine.data[:, :4]),
                  Table(("alcohol",), (13.0,), (0.8,)), Table(("a", "b"))):
        assert eval(repr(short), {"Table": Table}) == short  # (one column: a tuple of one)
