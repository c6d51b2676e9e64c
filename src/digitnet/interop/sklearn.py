"""scikit-learn: a fitted ``MLPClassifier`` (alone, or after a ``StandardScaler`` in a Pipeline)
read as a digitnet network.

An ``MLPClassifier`` keeps ``coefs_[i]`` of shape (n_in, n_out), the transpose of digitnet's W,
``intercepts_[i]``, one ``activation`` for all hidden layers ("logistic" is digitnet's sigmoid)
and ``out_activation_``: "softmax" for three classes or more, "logistic" with one output neuron
for two (:class:`~digitnet.interop.dense.Dense` turns that into two softmax neurons). A
``StandardScaler`` before it becomes the table input's mean and standard deviation, which
digitnet applies as the scaler does.

The network reads what scikit-learn read: a table of the estimator's ``n_features_in_`` columns,
named as its ``feature_names_in_`` when it was fitted on a pandas DataFrame (so DataFrames and
CSV files are read by name), else x0, x1, ... read in order; the values as they are, or through
the scaler. Never pictures, whatever the number of columns (an MLPClassifier fitted on raw
pixels 0..255 saw those values, and its network reads them as they are), unless the caller says
so: ``input=`` is what ``from_torch``'s is (:func:`~digitnet.interop.dense.given_input`), e.g.
``{"kind": "images", "shape": [28, 28]}`` for an estimator fitted on MNIST's pixels / 255, with
``"mean": 0, "std": 1/255`` for one fitted on the pixels 0..255 as they are; the scaling, and a
``StandardScaler``'s after it, are folded into the first layer
(:meth:`~digitnet.interop.dense.Dense.reading`). Pictures of another shape (load_digits' 8x8,
``{"kind": "images", "shape": [8, 8], "mean": 0, "std": 1/16}`` for its values 0..16) are read
as ``digitnet.train``'s models of them read them, as they are, resized
(:func:`~digitnet.interop.dense.pictures_read`).

The network is float64, as the estimator's coefficients are: it computes as scikit-learn does,
from the rows rounded to float32 (``digitnet.inputs.of(net).rows(X)``, as digitnet makes every
table's rows). Its exports, ``net.to_torch()`` and ONNX, are float32 throughout, as those rows
are.
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import class_name
from ..errors import UnsupportedModelError
from ..inputs import Table
from .dense import Dense, composed, given_input

__all__ = ["read_sklearn"]

_HIDDEN = {"logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}


def read_sklearn(estimator, input=None) -> Dense:
    """The network of a fitted ``MLPClassifier``, or of a ``Pipeline`` of a ``StandardScaler``
    and an ``MLPClassifier``; reading examples as ``input`` says (the input record the estimator's
    columns are, checked as ``from_torch``'s: :func:`~digitnet.interop.dense.given_input`), else
    as the table scikit-learn read.

    Raises
    ------
    UnsupportedModelError
        Another estimator, an unfitted one, a multi-label classifier, or the "identity"
        activation.
    ConfigError
        An ``input`` that is not one or does not fit the estimator's columns.
    """
    scaler, mlp = _steps(estimator)
    where = f"from_sklearn({type(mlp).__name__})"
    if type(mlp).__name__ == "DigitnetClassifier":
        raise UnsupportedModelError(_own_estimator(where, mlp, estimator is not mlp))
    if type(mlp).__name__ != "MLPClassifier":
        raise UnsupportedModelError(f"{where}: digitnet reads a fitted MLPClassifier (optionally "
                                    "after a StandardScaler in a Pipeline)")
    if not hasattr(mlp, "coefs_"):
        raise UnsupportedModelError(f"from_sklearn: this {type(mlp).__name__} is not fitted "
                                    "yet; call fit first")
    if mlp.activation not in _HIDDEN:
        raise UnsupportedModelError(f"{where}: activation {mlp.activation!r} has no digitnet "
                                    f"counterpart; use one of {', '.join(_HIDDEN)}")
    binary = mlp.out_activation_ == "logistic"
    # (a sigmoid per label: n_outputs_ of them; two labels have classes_ [0, 1], as one has)
    if binary and (mlp.n_outputs_ != 1 or len(mlp.classes_) != 2):
        raise UnsupportedModelError(f"{where}: a multi-label classifier (a sigmoid per label); "
                                    "digitnet reads classifiers of one label per example")
    weights = [np.ascontiguousarray(c.T) for c in mlp.coefs_]
    biases = [np.array(b) for b in mlp.intercepts_]
    functions = [_HIDDEN[mlp.activation]] * (len(weights) - 1)
    functions.append("binary" if binary else mlp.out_activation_)
    n_in = weights[0].shape[1]
    mean = std = None
    if scaler is not None:
        mean = scaler.mean_ if scaler.with_mean else np.zeros(n_in)
        std = scaler.scale_ if scaler.with_std else np.ones(n_in)
    dense = Dense(weights, biases, functions, where,
                  classes=[class_name(c) for c in mlp.classes_],
                  input=Table(_columns((estimator, scaler, mlp), n_in), mean, std),
                  notes={"from": f"scikit-learn {type(mlp).__name__}"})
    if input is None:
        return dense
    record, given_mean, given_std = given_input(
        input, n_in, "from_sklearn(input=...)", _remedy(n_in), first=f"the {type(mlp).__name__}")
    # the record's own scaling first, then the StandardScaler's (one affine map, folded)
    return dense.reading(record, *composed(given_mean, given_std, mean, std))


def _remedy(n_in: int) -> str:
    """What to give ``input=`` for an estimator of ``n_in`` columns: a record of pictures that
    fits them (a square one, where ``n_in`` is a square), or none, for the table it read."""
    side = math.isqrt(n_in)
    images = (f'{{"kind": "images", "shape": [{side}, {side}]}}' if side > 1 and side ** 2 == n_in
              else f'{{"kind": "images", "shape": [h, w]}} with h·w = {n_in}')
    return (f"give input= the record of what its {n_in} columns are, such as {images} for "
            f"pictures, or leave input out for the table of {n_in} columns scikit-learn read "
            '({"kind": "table", "columns": [...]} to name them)')


def _own_estimator(where: str, clf, in_pipeline: bool) -> str:
    """What to do with digitnet's own estimator: its ``network_`` is a digitnet network already
    (in a Pipeline, one that reads the rows as the steps before it give them)."""
    if not hasattr(clf, "network_"):
        return (f"from_sklearn: this {type(clf).__name__} is not fitted yet; once fitted, its "
                "network_ is a digitnet network already (from_sklearn reads MLPClassifier)")
    rows = " (it reads the rows the Pipeline's steps before it give)" if in_pipeline else ""
    return (f"{where}: its network_ is a digitnet network already{rows}; use it as it is "
            "(net = clf.network_), not through from_sklearn, which reads MLPClassifier")


def _steps(estimator):
    """(StandardScaler or None, the classifier) of an estimator or a two-step Pipeline."""
    steps = getattr(estimator, "steps", None)
    if steps is None:
        return None, estimator
    models = [step for _, step in steps if step not in (None, "passthrough")]
    if len(models) == 2 and type(models[0]).__name__ == "StandardScaler":
        return models[0], models[1]
    if len(models) == 1:
        return None, models[0]
    names = ", ".join(type(m).__name__ for m in models)
    raise UnsupportedModelError(f"from_sklearn: a Pipeline of {names}; digitnet reads an "
                                "MLPClassifier, alone or after one StandardScaler")


def _columns(estimators, n_in: int) -> tuple[str, ...]:
    """The names scikit-learn recorded for the ``n_in`` columns: ``feature_names_in_`` of the
    first of ``estimators`` (the Pipeline, the scaler, the classifier) that has them, else
    x0, x1, ..."""
    for estimator in estimators:
        names = getattr(estimator, "feature_names_in_", None)  # (a Pipeline's may be absent)
        if names is not None and len(names) == n_in:
            return tuple(str(name) for name in names)
    return tuple(f"x{i}" for i in range(n_in))
