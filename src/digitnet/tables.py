"""Tables in: a CSV file or a NumPy ``.npz`` -> rows of numbers and class labels.

The same network that reads 784 pixels reads any row of numbers: the input layer gets one
neuron per feature column, the output layer one per class. A table here is

* a **CSV file** with a header row: every column but one holds numbers (the features), one holds
  the labels (``target``; by default the last column, or the one other column named as labels
  are: :func:`digitnet.tablelabels.label_column`). Labels may be anything, words included;
  the classes are the distinct labels, sorted (numerically when every label is a number). Cells
  are separated by commas, or by semicolons with decimal commas in the numbers (``13,2``), as
  spreadsheets write CSV where the comma is the decimal mark;
* a **NumPy .npz** (``np.savez``) holding an array ``X`` of shape (n, features) and ``y`` of
  shape (n,);
* arrays in memory (:func:`in_memory`, for :func:`digitnet.datasets.from_arrays`): a pandas
  DataFrame's columns keep their names, so that a model can find them by name later.

Every problem is one line that names the file, the line or column, what is wrong and what to do:
a missing value, a word among the numbers, a file that is not a table, a ``target`` that is
not a column (one class is training's to refuse: a table to score may hold one). The readers
return plain arrays; :func:`digitnet.datasets.load` turns them into a
:class:`~digitnet.datasets.Dataset` (whose input, a :class:`~digitnet.inputs.Table`, standardises each column with the training split's mean and
standard deviation).
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .arrays import number_or_none
from .errors import ConfigError, DataError
from .tablelabels import label_column, word_among_features

__all__ = ["Rows", "named_once", "read_csv", "read_header", "read_features", "read_npz",
           "in_order", "in_memory", "frame", "MISSING"]

#: Cells read as a missing value (case-insensitive), besides an empty cell.
MISSING = ("na", "n/a", "nan", "null", "none", "?", "-")

#: A number written with a decimal comma: 13,2  -0,5  1,5e3.
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")


@dataclass
class Rows:
    """What a CSV file holds: features (n, columns) float64, labels (n,) as read, column names."""

    x: np.ndarray
    y: np.ndarray
    columns: tuple[str, ...]
    target: str


def read_csv(path: str | Path, target: str | None = None) -> Rows:
    """Read a CSV table: a header row, numeric feature columns and one label column.

    Parameters
    ----------
    path : path
        The file. Commas separate the cells (a file whose header holds no comma but semicolons
        or tabs is read with those; with semicolons, a comma in a number is its decimal mark).
    target : str, optional
        The label column's name; default the last column, or the one other column named as
        labels are (:func:`digitnet.tablelabels.label_column`, which says so in a UserWarning).

    Raises
    ------
    DataError
        The file is not a table, a cell is missing or not a number, the header names a column
        twice, or several columns are named as labels and the last is not.
    ConfigError
        ``target`` is not one of the columns.
    """
    path = Path(path)
    header, body = _cells(path)
    if len(header) < 2:
        raise DataError(f"{path}: the header has one column ({header[0]!r}); a table needs "
                        "feature columns and a label column, separated by commas")
    _check_header(path, header)
    defaulted = target is None
    target = label_column(header, str(path)) if defaulted else target
    if target not in header:
        raise ConfigError(f"{path}: no column {target!r} to take the labels from; the columns "
                          f"are {', '.join(header)}")
    if not body:
        raise DataError(f"{path}: has a header but no rows; a table needs at least two rows")
    t = header.index(target)
    labels = [row[t].strip() for _, row in body]
    for (line, _), label in zip(body, labels):
        if _is_missing(label):
            raise DataError(f"{path}: line {line} has no label in column {target!r}; fill it "
                            "in or drop the row")
    columns = tuple(h for h in header if h != target)
    x = np.empty((len(body), len(columns)))
    for j, name in enumerate(columns):
        k = header.index(name)
        x[:, j] = _numbers(path, name, [(line, row[k]) for line, row in body],
                           word_among_features(name, None if defaulted else target))
    return Rows(x, np.array(labels), columns, target)


def _check_header(path: Path, header: list[str], reads: tuple[str, ...] = ()) -> None:
    """A DataError if table ``path``'s first line holds values, not column names (unless it
    holds the columns ``reads``, a model's, named so), or names a column twice."""
    if _looks_like_data(header) and not (reads and set(reads) <= set(header)):
        raise DataError(f"{path}: line 1 holds numbers, not column names; add a header row "
                        "naming each column")
    named_once(header, str(path))


def read_header(path: str | Path, reads: tuple[str, ...] = ()) -> list[str]:
    """The column names of a CSV table (its header row), for a model that reads ``reads``:
    a DataError if line 1 holds numbers (no header; :func:`read_csv` says it so too)."""
    header = _cells(Path(path))[0]
    _check_header(Path(path), header, reads)
    return header


def read_features(path: str | Path, columns: tuple[str, ...]) -> np.ndarray:
    """The values of ``columns`` in every row of a CSV table, (n, len(columns)) float64, in
    that order; other columns (the labels, say) are left alone. Columns never named (x0, x1,
    ...: a model that learned from arrays) are a table's columns in order (:func:`in_order`).

    Raises
    ------
    DataError
        Line 1 holds numbers (no header), a column is missing or named twice, or a cell of one
        of ``columns`` is missing or not a number.
    """
    path = Path(path)
    header, body = _cells(path)
    _check_header(path, header, tuple(columns))
    where = _positions(tuple(header), columns, str(path))
    if not body:
        raise DataError(f"{path}: has a header but no rows")
    x = np.empty((len(body), len(columns)))
    for j, k in enumerate(where):
        todo = f"the model reads {header[k]!r} as a number: fix the cell or drop the row"
        x[:, j] = _numbers(path, header[k], [(line, row[k]) for line, row in body], todo)
    return x


def named_once(columns, name: str, what: str = "the header") -> None:
    """A DataError if ``columns`` (``what``: a file's header, a DataFrame) names a column twice.
    Columns are found by name, and the first of two would be read for both: every reader of
    named columns checks them here. A column of no name (pandas' to_csv writes its index so,
    the row numbers, which a table sorted by class would teach as the answer) is refused too."""
    seen = set()
    for j, column in enumerate(columns):
        if not str(column).strip():
            raise DataError(f"{name}: {what} leaves column {j + 1} without a name (as pandas' "
                            "to_csv writes the row numbers: save with index=False); name it, or "
                            "drop it")
        if column in seen:
            raise DataError(f"{name}: {what} names column {column!r} twice; give each column "
                            "its own name")
        seen.add(column)


def in_order(x: np.ndarray, have: tuple[str, ...], want: tuple[str, ...], name: str) -> np.ndarray:
    """The columns ``want`` of rows ``x`` whose columns are ``have``: by name, or in order when
    either side's columns were never named (x0, x1, ..., as arrays' are) and they are as many.

    Raises DataError naming a column of ``want`` that ``have`` lacks.
    """
    return x if have == want else x[:, _positions(have, want, name)]


def _positions(have: tuple[str, ...], want: tuple[str, ...], name: str) -> list[int]:
    """Where each column of ``want`` is among ``have`` (see :func:`in_order`)."""
    if all(c in have for c in want):
        return [have.index(c) for c in want]
    unnamed = tuple(f"x{i}" for i in range(len(want)))
    if len(have) == len(want) and unnamed in (want, have):
        return list(range(len(want)))
    if want == unnamed:
        raise DataError(f"{name}: has {len(have)} columns; the model reads {len(want)} whose "
                        f"names it never learned (x0 to x{len(want) - 1}), so it takes a table of "
                        f"{len(want)} columns in the order it learned them: give just those, or "
                        f"name them x0 to x{len(want) - 1}")
    missing = [c for c in want if c not in have]
    raise DataError(f"{name}: no column {missing[0]!r}, which the model reads (the model's "
                    f"columns: {', '.join(want)}; {name}'s: {', '.join(have)}); give a table "
                    "with the model's columns")


def in_memory(X, y, name: str, target: str | None = None
              ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]:
    """(X, y, columns): what :func:`digitnet.datasets.from_arrays` is given, as NumPy arrays.

    A pandas DataFrame ``X`` gives its values and its column names (:func:`frame`); other arrays
    give columns None (they are x0, x1, ...). ``y`` may be any array of labels or a pandas Series.

    Raises
    ------
    ConfigError
        ``target`` is given: it names a table file's label column, and arrays have ``y``.
    DataError
        No examples, shapes that do not fit, features that are not numbers (or a DataFrame's
        cell that is missing), or a label among Python objects that is missing (None, NaN,
        pandas' NA).
    """
    if target is not None:
        raise ConfigError(f"target={target!r}: target names a column of a table file; with arrays "
                          "give the labels as y")
    X, columns = frame(X, name)
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[:1] == y.shape == (0,):
        raise DataError(f"{name}: no examples (X has shape {X.shape}); a classifier learns from "
                        "labelled examples of at least two classes")
    if X.ndim not in (2, 3) or y.ndim != 1 or len(X) != len(y):
        raise DataError(f"{name}: expected X of shape (n, columns) or (n, h, w) and y of shape "
                        f"(n,), got {X.shape} and {y.shape}")
    if X.dtype.kind not in "biuf":
        raise DataError(f"{name}: X holds {X.dtype} values; features must be numbers")
    if y.dtype == object:
        row = next((i for i, v in enumerate(y.tolist()) if _absent(v)), None)
        if row is not None:
            raise DataError(f"{name}: label {row} (y) is missing ({y[row]!r}); fill it in or drop "
                            "the example")
    return X, y, columns


def frame(X, name: str, want: tuple[str, ...] | None = None
          ) -> tuple[object, tuple[str, ...] | None]:
    """A pandas DataFrame's values, float64 (n, columns), and its column names as strings; any
    other ``X`` as it is, and None. With ``want`` (a model's columns), just those, in that order
    (found as :func:`in_order` finds them), and ``want``: other columns (the labels, an id) are
    left alone, whatever they hold.

    Raises
    ------
    DataError
        A column name given twice, a column read that does not hold numbers, or a cell of one
        that is missing (NaN, None, the nullable dtypes' pd.NA) or infinite: its row and column
        named; with ``want``, a column of ``want`` that the DataFrame lacks.
    """
    pandas = sys.modules.get("pandas")  # a DataFrame's module is loaded; digitnet needs no pandas
    if pandas is None or not isinstance(X, pandas.DataFrame):
        return X, None
    columns = tuple(str(c) for c in X.columns)
    named_once(columns, name, "the DataFrame")
    if want is not None:
        where = _positions(columns, tuple(want), name)
        X, columns = X.iloc[:, where], tuple(columns[k] for k in where)
    for column, dtype in zip(columns, X.dtypes):
        if getattr(dtype, "kind", "O") not in "biuf":
            todo = ("features must be numbers: encode it as numbers or drop it" if want is None
                    else "the model reads it as numbers: encode it as the data it learned from")
            raise DataError(f"{name}: column {column!r} holds {dtype} values; {todo}")
    values = X.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise DataError(f"{name}: row {row}, column {columns[col]!r} is missing or not a finite "
                        "number; fill it in or drop the row")
    return values, columns if want is None else tuple(want)


def _absent(value) -> bool:
    """Whether a label among Python objects is missing: None, NaN or pandas' NA."""
    pandas = sys.modules.get("pandas")
    return (value is None or (isinstance(value, float) and math.isnan(value))
            or (pandas is not None and value is pandas.NA))


def _cells(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's cells and each non-blank line's (line number, cells)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror or e})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # (Excel's "Unicode Text")
        raise DataError(f"{path}: UTF-16 text; save it as UTF-8 (CSV UTF-8 in Excel)")
    if b"\0" in raw:
        raise DataError(f"{path}: not a text table (it holds binary bytes); give a CSV file with "
                        "a header row")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # a spreadsheet's export in a Western code page
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise DataError(f"{path}: is empty; a table needs a header row and rows of values")
    delimiter = "," if "," in first else max(";\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as e:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({e})") from None
    if delimiter == ";":  # as spreadsheets write CSV where the comma is the decimal mark
        rows = [(line, [_decimal_point(c) for c in cells]) for line, cells in rows]
    (_, header), body = rows[0], rows[1:]
    header = [h.strip() for h in header]
    for line, cells in body:
        if len(cells) != len(header):
            raise DataError(f"{path}: line {line} has {len(cells)} cells but the header has "
                            f"{len(header)} columns; every row needs one value per column")
    return header, body


def _decimal_point(cell: str) -> str:
    """``cell`` with a decimal point in place of its decimal comma, if it is such a number."""
    if "," in cell and _DECIMAL_COMMA.fullmatch(cell.strip()):
        return cell.replace(",", ".")
    return cell


def _numbers(path: Path, column: str, cells: list[tuple[int, str]], todo: str) -> np.ndarray:
    """One feature column as float64, or a DataError naming the first cell that is no number
    (and, for a word, what to do: ``todo``, which depends on the command)."""
    try:
        values = np.array([cell for _, cell in cells], dtype=np.float64)
        if np.isfinite(values).all():
            return values
    except ValueError:
        pass
    # Something is wrong: find the first cell at fault, to name it.
    for line, cell in cells:
        text = cell.strip()
        try:
            value = float(text)
        except ValueError:
            value = None
        if _is_missing(text) or (value is not None and math.isnan(value)):
            raise DataError(f"{path}: line {line}, column {column!r}: missing value; fill it in "
                            "or drop the row")
        if value is None and _DECIMAL_COMMA.fullmatch(text):
            raise DataError(f"{path}: line {line}, column {column!r}: {text!r} looks like a "
                            "decimal comma; write numbers with a decimal point "
                            f"({text.replace(',', '.')}), or separate the cells with semicolons "
                            "(decimal commas are read there)")
        if value is None:
            raise DataError(f"{path}: line {line}, column {column!r}: {text!r} is not a number; "
                            + todo)
        if math.isinf(value):
            raise DataError(f"{path}: line {line}, column {column!r}: {text!r} is not a finite "
                            "number; replace it or drop the row")
    raise AssertionError(f"{path}: column {column!r} failed to convert, but no cell is at fault")


def _looks_like_data(header: list[str]) -> bool:
    """Whether a first line holds values rather than names: mostly numbers, and not the column
    numbers 0, 1, 2 ... (or 1, 2, 3 ...) that unnamed columns get."""
    numbers = [h for h in header if number_or_none(h) is not None]
    counted = [[str(i + start) for i in range(len(numbers))] for start in (0, 1)]
    return len(numbers) > len(header) / 2 and numbers not in counted


def _is_missing(text: str) -> bool:
    return text == "" or text.lower() in MISSING


def read_npz(path: str | Path, labelled: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """The arrays ``X`` and ``y`` of a NumPy ``.npz`` file (read without pickle); without
    ``labelled``, ``X`` alone (``y`` None, not read: it may be missing or hold anything).

    Raises
    ------
    DataError
        The file is not an .npz, lacks ``X`` or ``y``, or holds Python objects.
    """
    path = Path(path)
    try:
        if not zipfile.is_zipfile(path):
            raise DataError(f"{path}: not a NumPy .npz archive; write one with "
                            "np.savez(path, X=X, y=y)")
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            if "X" not in names or (labelled and "y" not in names):
                held = ", ".join(names) if names else "no arrays"
                raise DataError(f"{path}: holds {held}; digitnet reads an array X (features, "
                                "one row per example) and y (labels): np.savez(path, X=X, y=y)")
            return archive["X"], archive["y"] if labelled else None
    except DataError:
        raise
    except (zipfile.BadZipFile, EOFError) as e:
        raise DataError(f"{path}: not a readable .npz archive ({e}); write it again with "
                        "np.savez(path, X=X, y=y)") from None
    except ValueError as e:
        if "pickle" in str(e):
            raise DataError(f"{path}: an array holds Python objects, which digitnet does not "
                            "unpickle; save numbers or strings (e.g. y.astype(str))") from None
        raise DataError(f"{path}: not a readable .npz archive ({e})") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror or e})") from None
