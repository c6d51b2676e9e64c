"""A pandas DataFrame that holds its labels, as :func:`digitnet.train` takes it
(``digitnet.train(df, target="class")``): read as :func:`digitnet.datasets.load` reads a .csv
table, so that the same rows train the same network. digitnet needs no pandas: a DataFrame's
module is loaded if one was given."""

from __future__ import annotations

import sys

from . import arrays
from .datasets import Dataset, from_arrays
from .errors import ConfigError, DataError
from .tablelabels import label_column
from .tables import named_once

__all__ = ["is_frame", "labelled"]


def is_frame(data) -> bool:
    """Whether ``data`` is a pandas DataFrame (pandas is loaded if so; digitnet needs none)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.DataFrame)


def labelled(df, target: str | None) -> Dataset:
    """A DataFrame holding its labels as a Dataset: the labels in column ``target`` (default
    the last), the other columns the features, as :func:`digitnet.datasets.load` reads a CSV
    table (the same rows give the same Dataset)."""
    name, columns = "DataFrame", [str(c) for c in df.columns]
    if not len(df):
        raise DataError(f"{name}: has no rows; a classifier learns from labelled examples of at "
                        "least two classes")
    named_once(columns, name, "the DataFrame")  # (as every reader of named columns checks)
    if len(columns) < 2:
        raise DataError(f"{name}: has {len(columns)} column{'s' if len(columns) != 1 else ''}; "
                        "a table needs feature columns and a label column (named by target=)")
    label = label_column(columns, name) if target is None else str(target)
    if label not in columns:
        raise ConfigError(f"{name}: no column {label!r} to take the labels from; the columns are "
                          f"{', '.join(columns)}")
    features = df.iloc[:, [c != label for c in columns]]
    for column, dtype in zip(columns, df.dtypes):
        if target is None and column != label and getattr(dtype, "kind", "O") not in "biuf":
            raise DataError(f"{name}: column {column!r} holds {dtype} values; features must be "
                            f"numbers: if it holds the labels, name it with target={column!r}; "
                            "else encode it as numbers or drop it")
    labels = df.iloc[:, columns.index(label)]
    if labels.dtype != object:  # (a label column's problems named by it, as a CSV's are)
        arrays.encode_labels(labels.to_numpy(), name, f"column {label!r}")
    return from_arrays(features, labels, name=name)
