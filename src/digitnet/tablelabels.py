"""Which column of a CSV table holds the labels when no ``--target`` names it.

The last column, as scikit-learn's tables and most exports put it; but a table whose last column
is not named as labels are (``px63``) while exactly one other column is (``digit``, first, as
a spreadsheet keeps it) has its labels there: that column, said in a note. Names of labels
(:data:`LABEL_NAMES`) are matched whatever their case; ``y`` only in a table with no column
``x`` (where it is a coordinate). Two or more such columns, the last not one of them, are
refused: which holds the labels is --target's to say. Every reader of a table's labels (train,
evaluate's table of a model whose columns were never named, a DataFrame) chooses here.

A table read for a model that learned from one (evaluate, the poking commands, and the server's
held-out examples and training runs) has its labels in the one column the model does not read:
:func:`for_model` chooses it, from the model's columns and the table's header.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from . import words
from .errors import ConfigError, DataError, listed

__all__ = ["LABEL_NAMES", "for_model", "label_column", "labels_named",
           "word_among_features"]

#: Column names read as a table's labels' (case-insensitive).
LABEL_NAMES = ("label", "labels", "class", "classes", "target", "y", "digit", "category",
               "species")


def labels_named(column: str, columns: Sequence[str]) -> bool:
    """Whether ``column`` of a table of ``columns`` is named as labels are: one of
    :data:`LABEL_NAMES`, any case; ``y`` not beside a column ``x``."""
    name = str(column).strip().lower()
    if name == "y" and any(str(c).strip().lower() == "x" for c in columns):
        return False
    return name in LABEL_NAMES


def label_column(columns: Sequence[str], name: str) -> str:
    """The label column of table ``name`` (its header: ``columns``) when none is named: the
    last, unless its name is not a label's and exactly one other column's is (said in a
    UserWarning, which the command line shows as a note).

    Raises DataError when the last column's name is not a label's and several others' are.
    """
    last = columns[-1]
    if labels_named(last, columns):
        return last
    named = [c for c in columns[:-1] if labels_named(c, columns)]
    if len(named) > 1:
        raise DataError(f"{name}: columns {listed(map(repr, named))} are all named as labels "
                        f"are, and the last, {last!r}, is not; name the label column with "
                        f"--target {words.shell(named[0])} (in Python, target={named[0]!r})")
    if named:
        warnings.warn(f"{name}: labels from column {named[0]!r} (by its name; the last column, "
                      f"{last!r}, is read as a feature); --target NAME chooses another (in "
                      "Python, target='NAME')", UserWarning, stacklevel=2)
        return named[0]
    return last


def word_among_features(column: str, target: str | None) -> str:
    """What to do about a word in feature ``column`` of a table read for its labels. With the
    label column chosen by default (``target`` None: :func:`label_column`), the column may be
    the labels, which --target names; with ``target`` named (by the user, or by evaluate: the
    one column its model does not read), it is a feature."""
    if target is None:
        return (f"features must be numbers: if {column!r} holds the labels, name it with "
                f"--target {words.shell(column)} (in Python, target={column!r}); else fix the "
                "cell, or encode the column as numbers or drop it")
    return (f"every column but the labels ({target!r}) must hold numbers: fix the cell or drop "
            "the row, or encode the column as numbers")


def for_model(reads: Sequence[str], header: Sequence[str], table: str, target: str | None = None,
              *, model: str = "the model", option: str | None = None) -> str | None:
    """The label column of CSV ``table`` (its header: ``header``) for a model that reads columns
    ``reads`` (``model``: its name in messages): ``target`` if given (not a column the model
    reads), else the one column the model does not read; None for a model whose columns were
    never named (x0, x1, ...), which reads a table's in order: its labels are then the column
    :func:`label_column` takes. ``option``: how the label column is named where this is asked
    (``"--target"`` on the command line; None where it cannot be, as for a server's data),
    which the messages advise.

    Raises
    ------
    ConfigError
        ``target`` is a column the model reads as a feature.
    DataError
        ``target`` is None and the table lacks a column the model reads, has no column it does
        not read (no labels), or has several (which holds the labels is not clear).
    """
    extra = [c for c in header if c not in reads]
    if target in reads:
        where = (f"{'columns' if len(extra) > 1 else 'the column'} it does not read: "
                 f"{listed(extra)}" if extra else f"{table} has no column it does not read")
        named = f"{option} {target}" if option else f"label column {target!r}"
        raise ConfigError(f"{named}: {model} reads {target!r} as a feature, so it cannot be "
                          f"the labels; name the column that holds them ({where})")
    if target is not None:
        return target
    missing = [c for c in reads if c not in header]
    unnamed = tuple(reads) == tuple(f"x{i}" for i in range(len(reads)))
    if missing and not unnamed:
        raise DataError(f"{table}: no column {missing[0]!r}, which {model} reads (the model's "
                        f"columns: {', '.join(reads)}; {table}'s: {', '.join(header)}); give a "
                        "table with the model's columns")
    if not extra or (missing and len(header) == len(reads)):
        shown = "MODEL" if model == "the model" else words.shell(model)
        raise DataError(f"{table}: every column is one {model} reads as a feature, so the table "
                        "holds no labels to measure it against; give the table with its label "
                        f"column (digitnet predict {shown} {words.shell(table)} reads rows "
                        "without labels)")
    if missing:  # columns never named (a model of arrays) are read in order; labels: the last
        return None
    if len(extra) > 1:
        advice = (f"name it with {option} COLUMN" if option else
                  "give a table whose only column the model does not read is its labels")
        raise DataError(f"{table}: {model} does not read {len(extra)} of its columns "
                        f"({listed(extra)}), so which holds the labels is not clear; {advice}")
    return extra[0]
