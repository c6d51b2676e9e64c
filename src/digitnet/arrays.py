"""Arrays in: labels of any kind -> class indices, and examples checked before training.

A data set's labels are stored as indices into its class names (uint8, so up to
:data:`MAX_CLASSES` classes): :func:`encode_labels` makes them from whatever a file or an array
holds (numbers, words). Its examples are images of uint8 pixels (:func:`pixels`) or a table's
rows of finite numbers (:func:`feature_rows`). Every problem is a one-line
:class:`~digitnet.errors.DataError` naming the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import DataError

__all__ = ["encode_labels", "pixels", "feature_rows", "MAX_CLASSES"]

#: Labels are stored as uint8 (see :class:`~digitnet.datasets.Dataset`).
MAX_CLASSES = 256


def encode_labels(y, name: str, column: str = "y", *,
                  classes: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Labels -> (indices, uint8 (n,), class names).

    Without ``classes``, the classes are the distinct labels sorted, numerically when every
    label is a number (so 2 comes before 10; 1.0 and 1 are one class, named "1"). With
    ``classes``, ``y`` holds indices into it, or the names themselves.

    Raises
    ------
    DataError
        Fewer than two classes, more than :data:`MAX_CLASSES`, a missing label, or a label
        that is not one of ``classes``.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{name}: expected labels of shape (n,), got {y.shape}")
    if classes is not None:
        return _indices(y, tuple(str(c) for c in classes), name)
    values = y
    if y.dtype.kind in "US":
        numbers = [_number_or_none(v) for v in y.tolist()]
        values = np.array(numbers, dtype=np.float64) if None not in numbers else y.astype(str)
    if values.dtype.kind == "f":
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise DataError(f"{name}: label {row} ({column}) is missing or not finite; fill it "
                            "in or drop the example")
        if np.all(values == np.round(values)):
            values = values.astype(np.int64)
    found, labels = np.unique(values, return_inverse=True)
    names = tuple(f"{c:g}" if isinstance(c, float) else str(c) for c in found.tolist())
    if len(names) < 2:
        raise DataError(f"{name}: every example has the label {names[0] if names else None!r} "
                        f"({column}); a classifier needs at least two classes")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{name}: {len(names):,} different labels in {column}; digitnet learns "
                        f"up to {MAX_CLASSES} classes: is it the label column? Name that with "
                        "--target COLUMN")
    return labels.astype(np.uint8).reshape(-1), names


def _indices(y: np.ndarray, names: tuple[str, ...], name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    if len(names) > MAX_CLASSES:
        raise DataError(f"{name}: {len(names):,} classes; digitnet learns up to {MAX_CLASSES}")
    if y.dtype.kind in "iu":
        if len(y) and (y.min() < 0 or y.max() >= len(names)):
            raise DataError(f"{name}: labels run from {y.min()} to {y.max()}; with "
                            f"{len(names)} classes they must be 0..{len(names) - 1}")
        return y.astype(np.uint8), names
    index = {c: i for i, c in enumerate(names)}
    labels = [index.get(str(v)) for v in y.tolist()]
    if None in labels:
        bad = y.tolist()[labels.index(None)]
        raise DataError(f"{name}: label {bad!r} is not one of the classes {', '.join(names)}")
    return np.array(labels, dtype=np.uint8), names


def _number_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def pixels(X: np.ndarray, name: str) -> np.ndarray:
    """Images (n, h, w) as uint8 pixels: uint8 as they are, floats in [0, 1] times 255, other
    whole numbers in 0..255 as they are."""
    if X.dtype == np.uint8:
        return X
    lo, hi = (X.min(), X.max()) if X.size else (0, 0)
    if X.dtype.kind == "f":
        if not (np.isfinite(X).all() and lo >= 0 and hi <= 1):
            raise DataError(f"{name}: images as floats must lie in [0, 1], got values from {lo} "
                            f"to {hi}; scale them (X / 255) or pass uint8 pixels")
        return np.round(X * 255).astype(np.uint8)
    if lo < 0 or hi > 255:
        raise DataError(f"{name}: image pixels run from {lo} to {hi}; expected 0..255")
    return X.astype(np.uint8)


def feature_rows(X: np.ndarray, name: str) -> np.ndarray:
    """A table's rows (n, columns) as float64, every value a finite number."""
    if X.dtype.kind not in "biuf":
        raise DataError(f"{name}: holds {X.dtype} values; features must be numbers")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise DataError(f"{name}: row {row}, column x{col} is missing or not a finite number; "
                        "fill it in or drop the row")
    return X
