"""Arrays in: labels of any kind -> class indices, and examples checked before training.

A data set's labels are stored as indices into its class names (uint8, so up to
:data:`MAX_CLASSES` classes): :func:`encode_labels` makes them from whatever a file or an array
holds (numbers, words), each class named by :func:`class_name`, the one naming of labels (a
table's, an array's, scikit-learn's ``classes_``). Its examples are images of uint8 pixels
(:func:`pixels`) or a table's rows of finite numbers (:func:`feature_rows`), with a note when
those rows look like flattened pictures (:func:`note_flattened`). Every problem is a one-line
:class:`~digitnet.errors.DataError` naming the data.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Sequence

import numpy as np

from . import words
from .errors import DataError

__all__ = ["encode_labels", "not_classes", "class_name", "flattened_side", "note_flattened",
           "pixels", "pixel_values", "picture_rows", "feature_rows", "as_inputs",
           "number_or_none", "MAX_CLASSES", "MIN_PICTURE_SIDE"]

#: Labels are stored as uint8 (see :class:`~digitnet.datasets.Dataset`).
MAX_CLASSES = 256


def encode_labels(y, name: str, column: str = "y", *,
                  classes: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Labels -> (indices, uint8 (n,), class names).

    Without ``classes``, the classes are the distinct labels sorted, numerically when every
    label is a number (so 2 comes before 10; 1.0 and 1 are one class, named "1"). With
    ``classes`` (labels of any kind, named by :func:`class_name` as ``y``'s would be), ``y``
    holds indices into it, or the labels themselves.

    Raises
    ------
    DataError
        No labels, more than :data:`MAX_CLASSES` classes, a missing label, a label that is
        not one of ``classes``, or two of ``classes`` of one name. One class is not refused:
        data to score may hold one; training refuses it
        (:func:`digitnet.recipes.check_classes_trained`).
    """
    if y is None:
        raise DataError(f"{name}: no labels (None); give one label per example")
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{name}: expected labels of shape (n,), got {y.shape}")
    if classes is not None:
        return _indices(y, tuple(class_name(c) for c in classes), name)
    values = y
    if y.dtype == object:  # (a pandas column, say): numbers as numbers, else all as words
        items = y.tolist()
        numbers = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                      for v in items)
        values = y = np.array(items, dtype=np.float64) if numbers else y.astype(str)
    if y.dtype.kind in "US":
        numbers = [number_or_none(v) for v in y.tolist()]
        values = np.array(numbers, dtype=np.float64) if None not in numbers else y.astype(str)
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(f"{name}: label {row} ({column}) is missing or not finite; fill it in "
                        "or drop the example")
    found, labels = np.unique(values, return_inverse=True)
    names = tuple(class_name(c) for c in found)
    if not names:
        raise DataError(f"{name}: no labels ({column} is empty); give one label per example")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{name}: {len(names):,} different labels in {column}; digitnet learns "
                        f"up to {MAX_CLASSES} classes: {not_classes(name, names, column)}")
    return labels.astype(np.uint8).reshape(-1), names


def not_classes(name: str, classes: Sequence[str], column: str = "y") -> str:
    """What to do about labels too many and too varied to be classes (``classes``: their
    names) of the data called ``name``. Labels given apart from the rows, as y (arrays, an .npz
    file's y, an estimator's fit), are in no column to name: y looks like measurements (a
    regression's target), and should hold each row's class. A table's label column, ``column``
    (a CSV file's, a DataFrame's: by default its last), is most often the wrong one, and
    --target names the right one."""
    if column != "y" or name == "DataFrame" or name.lower().endswith(".csv"):
        return ("is the label column the right one? Name it with --target COLUMN (in Python, "
                "target='COLUMN')")
    numbers = all(number_or_none(c) is not None for c in classes)
    looks = ("measurements, not classes (a regression target?)" if numbers
             else "the rows' names, not their classes")
    return f"y looks like {looks}; digitnet classifies: give y the class of each row"


def class_name(label) -> str:
    """The name of the class of ``label``, as every part of digitnet names it (a CSV table's
    labels, an array's, a DigitnetClassifier's ``classes_``), so that a model's classes and a
    table's labels meet by name wherever they come from: a whole number as an integer (1, 1.0
    and a CSV's "1.0" are "1"), another number in the fewest digits that tell it apart from
    every other of its type ("1.5", "0.1", "1e+20"), anything else as its text ("red",
    "True")."""
    if isinstance(label, (bool, np.bool_)):
        return str(bool(label))
    if isinstance(label, (int, np.integer)):
        return str(int(label))
    if isinstance(label, (float, np.floating)):
        # (past 1e16, where floats are all whole and their repr turns to an exponent, as is)
        if float(label).is_integer() and abs(label) < 1e16:
            return str(int(label))  # (also -0.0: "0")
        return str(label)  # (a NumPy float's own shortest repr: float32's 0.1 is "0.1")
    return str(label)


def _indices(y: np.ndarray, names: tuple[str, ...],
             name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    if len(set(names)) < len(names):
        twice = next(c for i, c in enumerate(names) if c in names[:i])
        raise DataError(f"{name}: two of the classes are named {twice!r} (1 and 1.0 are one "
                        "class); give each class once")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{name}: {len(names):,} classes; digitnet learns up to {MAX_CLASSES}")
    if len(names) < 2:
        raise DataError(f"{name}: the classes are {list(names)}; a classifier needs at least "
                        "two classes")
    if y.dtype.kind in "iu":
        if len(y) and (y.min() < 0 or y.max() >= len(names)):
            raise DataError(f"{name}: labels run from {y.min()} to {y.max()}; with "
                            f"{len(names)} classes they must be 0..{len(names) - 1}")
        return y.astype(np.uint8), names
    index = {c: i for i, c in enumerate(names)}
    labels = [index.get(class_name(v)) for v in y]  # (NumPy scalars: float32's as float32)
    if None in labels:
        bad = y.tolist()[labels.index(None)]
        raise DataError(f"{name}: label {bad!r} is not one of the classes {', '.join(names)}")
    return np.array(labels, dtype=np.uint8), names


def number_or_none(text: str) -> float | None:
    """``text`` as a float ("1", "1.5", "nan", "inf"), or None when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def pixels(X: np.ndarray, name: str, *, training: bool = False) -> np.ndarray:
    """Images (n, h, w) as uint8 pixels: :func:`pixel_values`, with floats times 255;
    ``training``: they are pictures to train on (:func:`check_brightness`)."""
    X = pixel_values(X, name, training=training)
    return X if X.dtype == np.uint8 else np.round(X * 255).astype(np.uint8)


def check_brightness(X: np.ndarray, name: str, todo: str | None = None, *,
                     training: bool = False) -> None:
    """A DataError of one line, ``"{name}: pixels as floats must lie in [0, 1], got values from
    0 to 255; {todo}"``, when ``X``, pictures' values as floats (any shape), are all finite and
    not all in [0, 1]: pixels 0..255 not divided by 255, which a model of pictures would read
    255 times too bright, answering nonsense without an error. The one check of it, for
    :func:`pixel_values` and for rows given to a model of pictures
    (:mod:`digitnet.brightness`). Other values (whole numbers; NaN or infinity, which the
    caller refuses in its own words) are not read. Without ``todo``, what to do follows the
    values (:func:`_into_brightness`: X / 16 for scikit-learn's 8x8 digits, not X / 255);
    ``training``: ``X`` are pictures (n, h, w) to train on, which could come as a table's rows
    instead."""
    if X.dtype.kind != "f" or not X.size:
        return
    lo, hi = X.min(), X.max()  # (NaN, if any: both are NaN)
    if np.isfinite(lo) and np.isfinite(hi) and (lo < 0 or hi > 1):
        todo = todo or _into_brightness(X, lo, hi, training)
        raise DataError(f"{name}: pixels as floats must lie in [0, 1], got values from "
                        f"{lo:g} to {hi:g}; {todo}")


def _into_brightness(X: np.ndarray, lo: float, hi: float, training: bool) -> str:
    """How to bring pictures' values ``X`` (floats from ``lo`` to ``hi``, not all in [0, 1])
    into [0, 1], by their own scale: pixels up to 255 (the largest above half of it, as a
    picture's ink is) divided by 255 or as uint8; values of another scale (scikit-learn's 8x8
    digits: whole numbers 0..16) divided by their largest value, since X / 255 or uint8 would
    read them as faint pixels (78.2% against 82.7% validation accuracy on those digits, 30
    epochs); values below 0 shifted too. With ``training`` and pictures smaller than
    :data:`MIN_PICTURE_SIDE` a side, also the table's rows they train better as."""
    if lo < 0:
        todo = "bring them into [0, 1]: (X - X.min()) / (X.max() - X.min())"
    elif 127 < hi <= 255:
        todo = "scale them (X / 255) or pass uint8 pixels"
    elif np.array_equal(X, np.round(X)):
        todo = (f"divide them by their own scale, X / {hi:g} (whole numbers up to {hi:g}, not "
                "pixels up to 255)")
    else:
        todo = f"divide them by their largest value, X / X.max() ({hi:g}), not by 255"
    if training and X.ndim == 3 and max(X.shape[1:]) < MIN_PICTURE_SIDE:
        h, w = X.shape[1:]
        todo += (f"; or pass them as a table's rows, X.reshape(len(X), -1): pictures this "
                 f"small ({h}x{w}) train better so")
    return todo


def pixel_values(X, name: str, *, training: bool = False) -> np.ndarray:
    """Pictures' values checked, as every part of digitnet reads them: uint8 pixels 0..255 as
    they are, floats (brightness) finite and in [0, 1] as they are, booleans as 0 or 1 (ink),
    other whole numbers in 0..255 as uint8 pixels. ``training``: they are pictures to train
    on (:func:`check_brightness`)."""
    X = np.asarray(X)
    if X.dtype == np.uint8:
        return X
    if X.dtype.kind == "b":
        return X.astype(np.float32)
    if X.dtype.kind not in "iuf":
        raise DataError(f"{name}: holds {X.dtype} values; pixels must be numbers")
    finite = X.dtype.kind != "f" or bool(np.isfinite(X).all())
    if not finite:
        bad = int(np.count_nonzero(~np.isfinite(X)))
        raise DataError(f"{name}: {bad:,} pixel{' is' if bad == 1 else 's are'} NaN or "
                        "infinite; pixels must be numbers in [0, 1] (or uint8 0..255)")
    if X.dtype.kind == "f":
        check_brightness(X, name, training=training)
        return X
    lo, hi = (X.min(), X.max()) if X.size else (0, 0)
    if lo < 0 or hi > 255:
        raise DataError(f"{name}: pixels run from {lo} to {hi}; expected 0..255 (or floats in "
                        "[0, 1])")
    return X.astype(np.uint8)


#: The smallest square pictures that train better as pictures than as a table's rows: 28x28
#: MNIST digits did (95.0% against 92.3%, 8,000 digits, 10 epochs), the same digits shrunk to
#: 14x14 did not (89.7% against 92.2%), nor scikit-learn's 8x8 digits (83.9% against 95.7%):
#: the picture recipe's 1-pixel shifts and deskewing are made for pictures of MNIST's size.
MIN_PICTURE_SIDE = 28


def flattened_side(X: np.ndarray) -> int | None:
    """The side W when the rows of table ``X`` (n, W * W) look like flattened W x W pictures:
    W at least :data:`MIN_PICTURE_SIDE`, values that digitnet reads as pixels (whole numbers
    0..255 or numbers in [0, 1]), and pixels one above the other (W columns apart) alike, as
    are those side by side, where those half a row apart are not: the mark of a picture, not of
    a table's columns in a row (a spectrum's bands are alike in order, W columns apart less than
    W / 2) nor of unrelated ones (bits of a fingerprint). Else None. Reads at most 1,000 rows."""
    side = round(np.sqrt(X.shape[1])) if X.ndim == 2 and len(X) else 0
    if side < MIN_PICTURE_SIDE or side * side != X.shape[1] or X.dtype.kind not in "biuf":
        return None
    x = np.asarray(X[:1000], dtype=np.float64).reshape(-1, side, side)
    if not np.isfinite(x).all() or x.min(initial=0) < 0:
        return None
    if x.max(initial=0) > 1 and (x.max() > 255 or not np.all(x == np.round(x))):
        return None
    apart = np.abs(x[:, 1:] - x[:, :-1]).mean(), np.abs(x[:, :, 1:] - x[:, :, :-1]).mean()
    far = np.abs(x[:, :, side // 2:] - x[:, :, :side - side // 2]).mean()
    return side if far > 0 and max(apart) < far / 2 else None


def note_flattened(X: np.ndarray, name: str, frame: bool = False) -> None:
    """A note (UserWarning of one line, pointing at the first line outside digitnet) when the
    rows of table ``X`` look like flattened pictures (:func:`flattened_side`), saying how to
    give them as pictures; ``frame``: ``X`` came as a pandas DataFrame."""
    side = flattened_side(X)
    if side is None:
        return
    given = "X.to_numpy()" if frame else "X"
    as_pixels = ".astype(np.uint8)" if X.dtype.kind == "f" and X.max() > 1 else ""
    warnings.warn(f"{name}: the rows look like flattened {side}x{side} pictures, and are read as "
                  "a table's rows (each column standardised, no deskewing or shifts); to have "
                  f"them read as pictures, give them as (n, {side}, {side}): "
                  f"{given}.reshape(-1, {side}, {side}){as_pixels}", UserWarning,
                  stacklevel=_outside_digitnet())


def _outside_digitnet() -> int:
    """The stacklevel, for a warning of the function calling this, of the first line outside
    digitnet (the user's call of digitnet.train, of from_arrays, ...)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "digitnet":
        frame, level = frame.f_back, level + 1
    return level


def picture_rows(x, shape: tuple[int, int], what: str) -> np.ndarray:
    """Pictures of ``shape`` (one, or n of them, or rows of h*w) as rows of pixels, (n, h*w),
    their values checked by :func:`pixel_values`; ``what`` names them in the error."""
    x = np.asarray(x)
    if x.shape in (shape, (math.prod(shape),)):
        x = x[None]
    if x.ndim not in (2, 3) or math.prod(x.shape[1:]) != math.prod(shape):
        raise DataError(words.picture_shape(x.shape, shape, what))
    return pixel_values(x.reshape(len(x), math.prod(shape)), what)


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


def as_inputs(x, n_in: int, dtype=np.float32) -> tuple[np.ndarray, bool]:
    """Validate inputs and return them as a (batch, n_in) float array, plus whether ``x`` was
    one input.

    uint8 arrays are read as pixels and scaled by 1/255; (28, 28) images are flattened.
    """
    x, single = as_rows(x, n_in)
    return as_floats(x, dtype), single


def as_rows(x, n_in: int) -> tuple[np.ndarray, bool]:
    """``x`` as rows of n_in numbers, of its own dtype (no copy where none is needed), plus
    whether it was a single input; a DataError for anything else."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":  # floats, signed and unsigned integers, booleans
        raise DataError(f"expected numeric inputs, got an array of dtype {x.dtype}")
    if x.ndim == 2 and x.shape[1] == n_in:
        return x, False
    if x.ndim == 1 and x.shape[0] == n_in:
        return x[None, :], True
    if x.ndim in (2, 3) and x.shape[-1] * x.shape[-2] == n_in:
        return x.reshape(-1, n_in), x.ndim == 2
    raise DataError(f"expected inputs of shape (n, {n_in}), got {x.shape}; flatten images "
                    "to rows or use digitnet.preprocess.to_mnist for picture files")


def as_floats(x: np.ndarray, dtype) -> np.ndarray:
    """Rows from :func:`as_rows` as floats of ``dtype``: uint8 pixels / 255, other numbers as
    they are. Only float inputs can hold NaN or infinity, so only they are checked."""
    if x.dtype == np.uint8:
        # One pass, no integer-to-float copy first; the same bits as the training paths' scaling.
        return np.multiply(x, np.dtype(dtype).type(1 / 255), dtype=dtype)
    a = np.asarray(x, dtype=dtype)
    if x.dtype.kind == "f":
        _check_finite(a)
    return a


def _check_finite(x: np.ndarray, dtype=None) -> None:
    """A DataError if ``x`` (as ``dtype``, where a huge float64 can become infinite) is not
    finite."""
    if x.dtype.kind == "f" and not np.isfinite(np.asarray(x, dtype)).all():
        raise DataError("inputs contain NaN or infinite values; pixels must be numbers in [0, 1]")
